# Draws ch03-samples-t07.png from ch03-samples-t07-grid.png. Run in this folder: gnuplot ch03-samples-t07.gp
set terminal pngcairo size 741,681 enhanced font 'Sans,11'
set output 'ch03-samples-t07.png'
set title "The same 100 draws of NICE at temperature 0.7, after 3000 iterations"
set xlabel "sample"
set ylabel "row"
set ytics ("1" 542, "2" 485, "3" 428, "4" 371, "5" 314, "6" 257, "7" 200, "8" 143, "9" 86, "10" 29) nomirror scale 0
unset xtics
set size ratio -1
set xrange [0:571]
set yrange [0:571]
plot 'ch03-samples-t07-grid.png' binary filetype=png with rgbimage notitle
