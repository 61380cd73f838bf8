# Draws batchnorm-samples.png from the grids in classroom-long/ (Scripts/batchnorm-summary.py). Run in this folder: gnuplot batchnorm-samples.gp
set terminal pngcairo size 1120,760 enhanced font 'Sans,11'
set output 'batchnorm-samples.png'
set multiplot layout 2,3 title "The same 16 latent draws through each model of the 10x-longer run\nTop: its own batch-norm averages (MODE: MLE 5.36, ADV 7.60, hybrid 7.42). Bottom: re-estimated on training images (5.25, 0.00, 5.93)" font ',11'
set size ratio -1
unset xtics
unset ytics
set border 0
set xrange [0:229]
set yrange [0:229]
set xlabel "16 samples, 4 by 4"
set ylabel "one sample a cell"
set title "MLE, own averages"
plot 'classroom-long/samples-own-mle-grid.png' binary filetype=png with rgbimage notitle
set title "ADV, own averages"
plot 'classroom-long/samples-own-adv-grid.png' binary filetype=png with rgbimage notitle
set title "hybrid, own averages"
plot 'classroom-long/samples-own-hybrid-grid.png' binary filetype=png with rgbimage notitle
set title "MLE, averages re-estimated"
plot 'classroom-long/samples-reestimated-mle-grid.png' binary filetype=png with rgbimage notitle
set title "ADV, averages re-estimated"
plot 'classroom-long/samples-reestimated-adv-grid.png' binary filetype=png with rgbimage notitle
set title "hybrid, averages re-estimated"
plot 'classroom-long/samples-reestimated-hybrid-grid.png' binary filetype=png with rgbimage notitle
unset multiplot
