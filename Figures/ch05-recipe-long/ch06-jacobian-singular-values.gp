# Draws ch06-jacobian-singular-values.png from ch06-jacobian-singular-values.dat. Run in this folder: gnuplot ch06-jacobian-singular-values.gp
set terminal pngcairo size 800,560 enhanced font 'Sans,11'
set output 'ch06-jacobian-singular-values.png'
set title "Singular values of the generator's Jacobian (pixel space, dx/dz) at 20 random z per model"
set xlabel "singular value"
set ylabel "fraction of singular values below"
set grid
set key top right
set logscale x
set format x '10^{%L}'
set key bottom right
set yrange [0:1]
set grid
set xrange [4.440701757763165e-20:5879.889024705864]
set object 1 rect from 4.440701757763165e-20,0 to 3.8600250735218005e-13,1 fc rgb 'gray85' fs solid 0.6 noborder behind
set label 1 'below the SVD''s resolution' at 3.8600250735218005e-13,graph 0.04 left rotate by 90 offset -1,0 tc rgb 'gray30'
plot 'ch06-jacobian-singular-values.dat' index 0 using 1:2 with lines lw 2 title "MLE", \
     'ch06-jacobian-singular-values.dat' index 1 using 1:2 with lines lw 2 title "ADV", \
     'ch06-jacobian-singular-values.dat' index 2 using 1:2 with lines lw 2 title "HYBRID"
