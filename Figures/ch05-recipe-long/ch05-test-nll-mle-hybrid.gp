# Draws ch05-test-nll-mle-hybrid.png from ch05-test-nll-mle-hybrid.dat. Run in this folder: gnuplot ch05-test-nll-mle-hybrid.gp
set terminal pngcairo size 800,560 enhanced font 'Sans,11'
set output 'ch05-test-nll-mle-hybrid.png'
set title "Exact test NLL during training: MLE and hybrid (MNIST)"
set xlabel "generator iteration"
set ylabel "NLL, nats per image (2000 test images)"
set grid
set key top right
set key top right
plot 'ch05-test-nll-mle-hybrid.dat' index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc 1 title "MLE", \
     'ch05-test-nll-mle-hybrid.dat' index 1 using 1:2 with linespoints lw 2 pt 9 ps 0.8 lc 2 title "HYBRID"
