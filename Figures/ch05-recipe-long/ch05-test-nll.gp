# Draws ch05-test-nll.png from ch05-test-nll.dat. Run in this folder: gnuplot ch05-test-nll.gp
set terminal pngcairo size 800,560 enhanced font 'Sans,11'
set output 'ch05-test-nll.png'
set title "Exact test NLL during training (MNIST, NICE generator)"
set xlabel "generator iteration"
set ylabel "NLL, nats per image (2000 test images)"
set grid
set key top right
set key below horizontal
plot 'ch05-test-nll.dat' index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc 1 title "MLE", \
     'ch05-test-nll.dat' index 1 using 1:2 with linespoints lw 2 pt 5 ps 0.8 lc 7 title "ADV", \
     'ch05-test-nll.dat' index 2 using 1:2 with linespoints lw 2 pt 9 ps 0.8 lc 2 title "HYBRID"
