# Draws ch05-samples-hybrid.png from ch05-samples-hybrid-grid.png. Run in this folder: gnuplot ch05-samples-hybrid.gp
set terminal pngcairo size 627,567 enhanced font 'Sans,11'
set output 'ch05-samples-hybrid.png'
set title "64 samples of the HYBRID-trained generator (MNIST)"
set xlabel "sample"
set ylabel "row"
set ytics ("1" 428, "2" 371, "3" 314, "4" 257, "5" 200, "6" 143, "7" 86, "8" 29) nomirror scale 0
unset xtics
set size ratio -1
set xrange [0:457]
set yrange [0:457]
plot 'ch05-samples-hybrid-grid.png' binary filetype=png with rgbimage notitle
