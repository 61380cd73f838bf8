# Draws ch01-grid-planar.png from ch01-grid-planar.dat. Run in this folder: gnuplot ch01-grid-planar.gp
set terminal pngcairo size 640,600 enhanced font 'Sans,11'
set output 'ch01-grid-planar.png'
set title "A grid in z-space and its image under planar flow x = z + u tanh(w^T z + b)"
set xlabel "first coordinate"
set ylabel "second coordinate"
set grid
set key top right
set size ratio -1
set xrange [-5:5]
set yrange [-5:5]
set key outside below horizontal
plot 'ch01-grid-planar.dat' index 0 using 1:2 with lines lw 1 lc rgb '#bbbbbb' title "grid in z", \
     'ch01-grid-planar.dat' index 1 using 1:2 with lines lw 1.5 lc rgb '#2c5d9e' title "its image f(z)"
