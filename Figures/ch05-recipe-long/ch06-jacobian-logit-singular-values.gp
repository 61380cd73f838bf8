# Draws ch06-jacobian-logit-singular-values.png from ch06-jacobian-logit-singular-values.dat. Run in this folder: gnuplot ch06-jacobian-logit-singular-values.gp
set terminal pngcairo size 800,560 enhanced font 'Sans,11'
set output 'ch06-jacobian-logit-singular-values.png'
set title "Singular values of the generator's Jacobian (logit space, ds/dz) at 20 random z per model"
set xlabel "singular value"
set ylabel "fraction of singular values below"
set grid
set key top right
set logscale x
set format x '10^{%L}'
set key bottom right
set yrange [0:1]
set grid
set xrange [2.7207638893465675e-13:79722.95499684685]
set object 1 rect from 2.7207638893465675e-13,0 to 2.7207638893465677e-12,1 fc rgb 'gray85' fs solid 0.6 noborder behind
set label 1 'below the SVD''s resolution' at 2.7207638893465677e-12,graph 0.04 left rotate by 90 offset -1,0 tc rgb 'gray30'
plot 'ch06-jacobian-logit-singular-values.dat' index 0 using 1:2 with lines lw 2 title "MLE", \
     'ch06-jacobian-logit-singular-values.dat' index 1 using 1:2 with lines lw 2 title "ADV", \
     'ch06-jacobian-logit-singular-values.dat' index 2 using 1:2 with lines lw 2 title "HYBRID"
