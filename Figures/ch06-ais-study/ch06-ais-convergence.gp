# Draws ch06-ais-convergence.png from ch06-ais-convergence.dat. Run in this folder: gnuplot ch06-ais-convergence.gp
set terminal pngcairo size 800,560 enhanced font 'Sans,11'
set output 'ch06-ais-convergence.png'
set title "AIS against the length of its schedule (2 test images, sigma 0.003)"
set xlabel "annealing steps"
set ylabel "NLL minus the floor -3834 (nats per image)"
set grid
set key top right
set logscale xy
set format y '10^{%L}'
set key below horizontal
set grid
plot 'ch06-ais-convergence.dat' index 0 using 1:2 with linespoints lw 2 pt 7 lc 1 title "MLE AIS", \
     'ch06-ais-convergence.dat' index 1 using 1:2 with lines lw 2 dt 2 lc 1 title "MLE exact", \
     'ch06-ais-convergence.dat' index 2 using 1:2 with linespoints lw 2 pt 7 lc 2 title "ADV AIS", \
     'ch06-ais-convergence.dat' index 3 using 1:2 with lines lw 2 dt 2 lc 2 title "ADV exact", \
     'ch06-ais-convergence.dat' index 4 using 1:2 with linespoints lw 2 pt 7 lc 3 title "HYBRID AIS", \
     'ch06-ais-convergence.dat' index 5 using 1:2 with lines lw 2 dt 2 lc 3 title "HYBRID exact"
