# Draws ch03-nice-vs-realnvp.png from ch03-nice-vs-realnvp.dat. Run in this folder: gnuplot ch03-nice-vs-realnvp.gp
set terminal pngcairo size 800,560 enhanced font 'Sans,11'
set output 'ch03-nice-vs-realnvp.png'
set title "NICE and Real NVP on MNIST: validation NLL against training time"
set xlabel "training time (minutes, evaluation excluded)"
set ylabel "validation NLL (bits per dimension)"
set grid
set key top right
set key top right
set yrange [0:8]
plot 'ch03-nice-vs-realnvp.dat' index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.7 title "NICE (23.21M parameters)", \
     'ch03-nice-vs-realnvp.dat' index 1 using 1:2 with linespoints lw 2 pt 5 ps 0.7 title "Real NVP (0.38M parameters, multi-scale, convolutional)"
