# Draws ch05-toy-samples.png from ch05-toy-samples.dat. Run in this folder: gnuplot ch05-toy-samples.gp
set terminal pngcairo size 640,660 enhanced font 'Sans,11'
set output 'ch05-toy-samples.png'
set title "8 Gaussians: samples of the MLE, ADV and hybrid flows"
set xlabel "x_1"
set ylabel "x_2"
set grid
set key top right
set size ratio -1
set xrange [-3:3]
set yrange [-3:3]
set key outside below horizontal
plot 'ch05-toy-samples.dat' index 0 using 1:2 with points pt 7 ps 0.3 title "MLE", \
     'ch05-toy-samples.dat' index 1 using 1:2 with points pt 7 ps 0.3 title "ADV", \
     'ch05-toy-samples.dat' index 2 using 1:2 with points pt 7 ps 0.3 title "HYBRID"
