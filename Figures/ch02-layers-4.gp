# Draws ch02-layers-4.png from ch02-layers-4.dat. Run in this folder: gnuplot ch02-layers-4.gp
set terminal pngcairo size 480,460 enhanced font 'Sans,11'
set output 'ch02-layers-4.png'
set title "after inverting the last 4 of 6 couplings"
set xlabel "x_1"
set ylabel "x_2"
set grid
set key top right
set size ratio -1
set xrange [-3:3]
set yrange [-3:3]
unset key
plot 'ch02-layers-4.dat' index 0 using 1:2 with lines lw 1 lc rgb '#2c5d9e' title "grid"
