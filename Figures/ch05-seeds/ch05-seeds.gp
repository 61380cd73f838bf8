# Draws ch05-seeds.png from ch05-seeds.dat (Scripts/seed-ranges.py). Run in this folder: gnuplot ch05-seeds.gp
set terminal pngcairo size 1100,480 enhanced font 'Sans,11'
set output 'ch05-seeds.png'
set multiplot layout 1,2 title "Chapter 05's default run over 4 seeds (chapter 06 on each)"
set grid
set xlabel "seed"
set xtics 1
set xrange [-0.5:3.5]
set key outside bottom center horizontal maxrows 1
set bmargin 7
set title "test NLL (nats; lower is better)"
set ylabel "test NLL (nats per image)"
plot 'ch05-seeds.dat' using 1:2 with points pt 7 ps 1.6 title "MLE", \
     '' using 1:3 with points pt 5 ps 1.6 title "hybrid", \
     NaN with points pt 9 lc rgb "#a0a0a0" title "ADV: 4300 to 50521, off this scale"
set title "MODE score, chapter 06's classifier (higher is better)"
set ylabel "MODE score (± SD over 10 splits)"
set yrange [0:10]
plot 'ch05-seeds.dat' using ($1-0.1):5:8 with yerrorbars lw 2 pt 7 ps 1.6 title "MLE", \
     '' using 1:6:9 with yerrorbars lw 2 pt 5 ps 1.6 title "hybrid", \
     '' using ($1+0.1):7:10 with yerrorbars lw 2 pt 9 ps 1.6 title "ADV"
unset multiplot
