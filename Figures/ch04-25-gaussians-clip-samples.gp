# Draws ch04-25-gaussians-clip-samples.png from ch04-25-gaussians-clip-samples.dat. Run in this folder: gnuplot ch04-25-gaussians-clip-samples.gp
set terminal pngcairo size 560,580 enhanced font 'Sans,11'
set output 'ch04-25-gaussians-clip-samples.png'
set title "25-gaussians, weight clipping: samples after 16000 iterations"
set xlabel "x_1"
set ylabel "x_2"
set grid
set key top right
set size ratio -1
set xrange [-3:3]
set yrange [-3:3]
set key outside below horizontal
plot 'ch04-25-gaussians-clip-samples.dat' index 0 using 1:2 with points pt 7 ps 0.3 lc rgb '#999999' title "data", \
     'ch04-25-gaussians-clip-samples.dat' index 1 using 1:2 with points pt 7 ps 0.3 lc rgb '#c0392b' title "generated"
