# Draws ch03-learning-curve.png from ch03-learning-curve.dat. Run in this folder: gnuplot ch03-learning-curve.gp
set terminal pngcairo size 800,560 enhanced font 'Sans,11'
set output 'ch03-learning-curve.png'
set title "NICE trained by maximum likelihood on Fashion-MNIST"
set xlabel "iteration"
set ylabel "NLL (nats per image)"
set grid
set key top right
plot 'ch03-learning-curve.dat' index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.6 title "training (mean since last evaluation)", \
     'ch03-learning-curve.dat' index 1 using 1:2 with linespoints lw 2 pt 5 ps 0.6 title "validation"
