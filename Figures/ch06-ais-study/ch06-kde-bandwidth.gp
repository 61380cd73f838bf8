# Draws ch06-kde-bandwidth.png from ch06-kde-bandwidth.dat. Run in this folder: gnuplot ch06-kde-bandwidth.gp
set terminal pngcairo size 800,560 enhanced font 'Sans,11'
set output 'ch06-kde-bandwidth.png'
set title "KDE on generated samples: choosing the bandwidth on validation images"
set xlabel "bandwidth h"
set ylabel "validation NLL (nats per image)"
set grid
set key top right
set logscale x
set key below horizontal
set grid
set xrange [0.10000000000000002:1.0]
set yrange [-1284.7789028748682:1387.4404436852647]
plot 'ch06-kde-bandwidth.dat' index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.7 title "MLE", \
     'ch06-kde-bandwidth.dat' index 1 using 1:2 with linespoints lw 2 pt 7 ps 0.7 title "ADV", \
     'ch06-kde-bandwidth.dat' index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.7 title "HYBRID", \
     'ch06-kde-bandwidth.dat' index 3 using 1:2 with lines lw 2 dt 2 lc rgb 'gray40' title "floor (D/2) log(2 pi h^2)"
