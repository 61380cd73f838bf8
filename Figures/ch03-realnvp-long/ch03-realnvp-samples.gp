# Draws ch03-realnvp-samples.png from ch03-realnvp-samples-grid.png. Run in this folder: gnuplot ch03-realnvp-samples.gp
set terminal pngcairo size 741,681 enhanced font 'Sans,11'
set output 'ch03-realnvp-samples.png'
set title "100 samples of Real NVP after 6000 iterations (best validation NLL)"
set xlabel "sample"
set ylabel "row"
set ytics ("1" 542, "2" 485, "3" 428, "4" 371, "5" 314, "6" 257, "7" 200, "8" 143, "9" 86, "10" 29) nomirror scale 0
unset xtics
set size ratio -1
set xrange [0:571]
set yrange [0:571]
plot 'ch03-realnvp-samples-grid.png' binary filetype=png with rgbimage notitle
