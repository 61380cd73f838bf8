# Draws ch05-toy-samples.png from ch05-toy-samples.dat. Run in this folder: gnuplot ch05-toy-samples.gp
set terminal pngcairo size 1260,500 enhanced font 'Sans,10'
set output 'ch05-toy-samples.png'
set size ratio -1
set xrange [-3.0:3.0]
set yrange [-3.0:3.0]
set xlabel "x_1"
set ylabel "x_2" offset 1,0
set key outside below horizontal
set multiplot layout 1,3 title "8 Gaussians: 1,500 samples of each flow, the data grey beneath" font 'Sans,12'
set title "MLE"
plot 'ch05-toy-samples.dat' index 0 using 1:2 with points pt 7 ps 0.25 lc rgb '#b0b0b0' title 'data', 'ch05-toy-samples.dat' index 1 using 1:2 with points pt 7 ps 0.3 lc rgb '#c0392b' title 'samples'
set title "ADV"
plot 'ch05-toy-samples.dat' index 0 using 1:2 with points pt 7 ps 0.25 lc rgb '#b0b0b0' title 'data', 'ch05-toy-samples.dat' index 2 using 1:2 with points pt 7 ps 0.3 lc rgb '#2471a3' title 'samples'
set title "HYBRID"
plot 'ch05-toy-samples.dat' index 0 using 1:2 with points pt 7 ps 0.25 lc rgb '#b0b0b0' title 'data', 'ch05-toy-samples.dat' index 3 using 1:2 with points pt 7 ps 0.3 lc rgb '#1e8449' title 'samples'
unset multiplot
