# Draws ch04-nll-and-wasserstein.png from ch04-nll-and-wasserstein.dat. Run in this folder: gnuplot ch04-nll-and-wasserstein.gp
set terminal pngcairo size 800,560 enhanced font 'Sans,11'
set output 'ch04-nll-and-wasserstein.png'
set title "NICE trained adversarially on MNIST"
set xlabel "generator iteration"
set ylabel "test NLL (nats per image, 2,000 images)"
set grid
set key top right
set y2label 'critic Wasserstein estimate'
set y2tics
set ytics nomirror
set key top left
plot 'ch04-nll-and-wasserstein.dat' index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.6 title "exact test NLL", \
     'ch04-nll-and-wasserstein.dat' index 1 using 1:2 axes x1y2 with linespoints lw 2 pt 5 ps 0.6 title "Wasserstein estimate E[D(x)] - E[D(G(z))]"
