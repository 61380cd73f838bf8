# Draws ch02-8-gaussians-samples.png from ch02-8-gaussians-samples.dat. Run in this folder: gnuplot ch02-8-gaussians-samples.gp
set terminal pngcairo size 640,660 enhanced font 'Sans,11'
set output 'ch02-8-gaussians-samples.png'
set title "Samples of the trained flows: 8-gaussians"
set xlabel "x_1"
set ylabel "x_2"
set grid
set key top right
set size ratio -1
set xrange [-3.0:3.0]
set yrange [-3.0:3.0]
set key outside below horizontal
plot 'ch02-8-gaussians-samples.dat' index 0 using 1:2 with points pt 7 ps 0.25 lc rgb '#999999' title "data", \
     'ch02-8-gaussians-samples.dat' index 1 using 1:2 with points pt 7 ps 0.25 title "additive coupling samples", \
     'ch02-8-gaussians-samples.dat' index 2 using 1:2 with points pt 7 ps 0.25 title "affine coupling samples"
