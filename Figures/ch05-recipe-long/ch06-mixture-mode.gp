# Draws ch06-mixture-mode.png from ch06-mixture-mode.dat. Run in this folder: gnuplot ch06-mixture-mode.gp
set terminal pngcairo size 800,560 enhanced font 'Sans,11'
set output 'ch06-mixture-mode.png'
set title "One Gaussian per training image: MODE score against sigma"
set xlabel "sigma"
set ylabel "MODE score"
set grid
set key top right
set logscale x
set key outside right
plot 'ch06-mixture-mode.dat' index 0 using 1:2 with linespoints lw 2 pt 7 title "Gaussian mixture", \
     'ch06-mixture-mode.dat' index 1 using 1:2 with lines lw 2 dt 2 title "MLE flow", \
     'ch06-mixture-mode.dat' index 2 using 1:2 with lines lw 2 dt 4 title "ADV flow", \
     'ch06-mixture-mode.dat' index 3 using 1:2 with lines lw 2 dt 3 title "HYBRID flow"
