# Draws ch01-1d-exp.png from ch01-1d-exp.dat. Run in this folder: gnuplot ch01-1d-exp.gp
set terminal pngcairo size 720,480 enhanced font 'Sans,11'
set output 'ch01-1d-exp.png'
set title "z drawn from N(0,1), pushed through x = exp(z)"
set xlabel "x"
set ylabel "density"
set grid
set key top right
set xrange [0.01:5.0]
set style fill solid 0.35 noborder
set key outside below horizontal
plot 'ch01-1d-exp.dat' index 0 using 1:2 with boxes lc rgb '#4a7ab5' title "histogram of 400000 pushed samples", \
     'ch01-1d-exp.dat' index 1 using 1:2 with lines lw 2 lc rgb '#c0392b' title "p_Z(f^{-1}(x)) |df^{-1}/dx|"
