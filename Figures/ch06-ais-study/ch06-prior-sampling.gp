# Draws ch06-prior-sampling.png from ch06-prior-sampling.dat. Run in this folder: gnuplot ch06-prior-sampling.gp
set terminal pngcairo size 800,560 enhanced font 'Sans,11'
set output 'ch06-prior-sampling.png'
set title "Importance sampling from the prior: p(x) = mean of p(x|z_i), sigma 0.3"
set xlabel "draws N from the prior"
set ylabel "NLL estimate (nats per image)"
set grid
set key top right
set logscale x
set format x '10^{%L}'
set key below horizontal maxrows 2
set grid
plot 'ch06-prior-sampling.dat' index 0 using 1:2 with linespoints lw 2 pt 7 lc 1 title "MLE prior sampling", \
     'ch06-prior-sampling.dat' index 1 using 1:2 with lines lw 2 dt 2 lc 1 title "MLE AIS", \
     'ch06-prior-sampling.dat' index 2 using 1:2 with linespoints lw 2 pt 7 lc 2 title "ADV prior sampling", \
     'ch06-prior-sampling.dat' index 3 using 1:2 with lines lw 2 dt 2 lc 2 title "ADV AIS", \
     'ch06-prior-sampling.dat' index 4 using 1:2 with linespoints lw 2 pt 7 lc 3 title "HYBRID prior sampling", \
     'ch06-prior-sampling.dat' index 5 using 1:2 with lines lw 2 dt 2 lc 3 title "HYBRID AIS"
