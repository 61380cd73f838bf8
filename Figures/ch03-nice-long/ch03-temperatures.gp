# Draws ch03-temperatures.png from ch03-temperatures-grid.png. Run in this folder: gnuplot ch03-temperatures.gp
set terminal pngcairo size 784,339 enhanced font 'Sans,11'
set output 'ch03-temperatures.png'
set title "NICE samples at temperature T: the prior's spread times T, the same noise in each column"
set xlabel "sample"
set ylabel "temperature"
set ytics ("T = 0.5" 200, "T = 0.7" 143, "T = 0.85" 86, "T = 1.0" 29) nomirror scale 0
unset xtics
set size ratio -1
set xrange [0:571]
set yrange [0:229]
plot 'ch03-temperatures-grid.png' binary filetype=png with rgbimage notitle
