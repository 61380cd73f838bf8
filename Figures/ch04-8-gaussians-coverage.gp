# Draws ch04-8-gaussians-coverage.png from ch04-8-gaussians-coverage.dat. Run in this folder: gnuplot ch04-8-gaussians-coverage.gp
set terminal pngcairo size 820,460 enhanced font 'Sans,11'
set output 'ch04-8-gaussians-coverage.png'
set title "8-gaussians: modes covered during adversarial training"
set xlabel "generator iteration"
set ylabel "modes covered (of 8)"
set grid
set key top right
set key outside right top vertical
set yrange [-0.5:9]
set grid
plot 'ch04-8-gaussians-coverage.dat' index 0 using 1:2 with linespoints lw 2 pt 7 lc rgb '#2c7fb8' title "gradient penalty", \
     'ch04-8-gaussians-coverage.dat' index 1 using 1:2 with linespoints lw 2 pt 5 dt 2 lc rgb '#d95f0e' title "weight clipping"
