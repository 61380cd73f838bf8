# Draws ch01-grid-linear.png from ch01-grid-linear.dat. Run in this folder: gnuplot ch01-grid-linear.gp
set terminal pngcairo size 640,600 enhanced font 'Sans,11'
set output 'ch01-grid-linear.png'
set title "A grid in z-space and its image under x = A z, det A = 0.75"
set xlabel "first coordinate"
set ylabel "second coordinate"
set grid
set key top right
set size ratio -1
set xrange [-8:8]
set yrange [-8:8]
set key outside below horizontal
plot 'ch01-grid-linear.dat' index 0 using 1:2 with lines lw 1 lc rgb '#bbbbbb' title "grid in z", \
     'ch01-grid-linear.dat' index 1 using 1:2 with lines lw 1.5 lc rgb '#2c5d9e' title "its image f(z)"
