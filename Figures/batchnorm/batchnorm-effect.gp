# Draws batchnorm-effect.png from batchnorm-effect.dat (Scripts/batchnorm-summary.py). Run in this folder: gnuplot batchnorm-effect.gp
set terminal pngcairo size 1300,570 enhanced font 'Sans,11'
set output 'batchnorm-effect.png'
set multiplot layout 1,2 title "Chapter 05's models with their own batch-norm averages and with averages re-estimated on training images"
set grid
set xtics ("seed 0" 0, "seed 1" 1, "seed 2" 2, "seed 3" 3, "seed 0\n10x" 4, "seed 0\npaper's sizes\n10x" 5)
set xrange [-0.5:5.5]
set xlabel "run (seeds 0-3: the default, 1500 iterations; 10x: 15000)" offset 0,-1.5
set key outside below horizontal
set bmargin 9
set title "hybrid's test NLL minus MLE's (below 0: the hybrid is ahead)"
set ylabel "nats per image"
plot 0 with lines lc rgb 'black' notitle, \
     'batchnorm-effect.dat' using 1:2 with points pt 7 ps 1.8 lc rgb '#c0392b' title "own averages", \
     '' using 1:3 with points pt 5 ps 1.8 lc rgb '#1f5fa8' title "re-estimated on training images"
set title "MODE score (chapter 06's classifier; higher is better)"
set ylabel "MODE score"
set yrange [0:10]
plot 'batchnorm-effect.dat' using ($1-0.15):4 with points pt 7 ps 1.5 lc rgb '#1f77b4' title "MLE, own", \
     '' using ($1-0.15):7 with points pt 6 ps 1.5 lw 2 lc rgb '#1f77b4' title "MLE, re-estimated", \
     '' using 1:5 with points pt 7 ps 1.5 lc rgb '#d62728' title "ADV, own", \
     '' using 1:8 with points pt 6 ps 1.5 lw 2 lc rgb '#d62728' title "ADV, re-estimated", \
     '' using ($1+0.15):6 with points pt 7 ps 1.5 lc rgb '#2ca02c' title "hybrid, own", \
     '' using ($1+0.15):9 with points pt 6 ps 1.5 lw 2 lc rgb '#2ca02c' title "hybrid, re-estimated"
unset multiplot
