# Draws ch02-checkerboard-samples.png from ch02-checkerboard-samples.dat. Run in this folder: gnuplot ch02-checkerboard-samples.gp
set terminal pngcairo size 840,500 enhanced font 'Sans,10'
set output 'ch02-checkerboard-samples.png'
set size ratio -1
set xrange [-3.0:3.0]
set yrange [-3.0:3.0]
set xlabel "x_1"
set ylabel "x_2" offset 1,0
set key outside below horizontal
set multiplot layout 1,2 title "checkerboard: 2,000 samples of each trained flow, the data grey beneath" font 'Sans,12'
set title "additive coupling flow"
plot 'ch02-checkerboard-samples.dat' index 0 using 1:2 with points pt 7 ps 0.25 lc rgb '#b0b0b0' title 'data', 'ch02-checkerboard-samples.dat' index 1 using 1:2 with points pt 7 ps 0.3 lc rgb '#c0392b' title 'samples'
set title "affine coupling flow"
plot 'ch02-checkerboard-samples.dat' index 0 using 1:2 with points pt 7 ps 0.25 lc rgb '#b0b0b0' title 'data', 'ch02-checkerboard-samples.dat' index 2 using 1:2 with points pt 7 ps 0.3 lc rgb '#2471a3' title 'samples'
unset multiplot
