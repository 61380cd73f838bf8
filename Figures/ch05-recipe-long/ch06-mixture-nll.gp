# Draws ch06-mixture-nll.png from ch06-mixture-nll.dat. Run in this folder: gnuplot ch06-mixture-nll.gp
set terminal pngcairo size 800,560 enhanced font 'Sans,11'
set output 'ch06-mixture-nll.png'
set title "One Gaussian per training image: held-out NLL against sigma"
set xlabel "sigma"
set ylabel "test NLL (nats per image, 1,000 images)"
set grid
set key top right
set logscale x
set key outside right
plot 'ch06-mixture-nll.dat' index 0 using 1:2 with linespoints lw 2 pt 7 title "Gaussian mixture", \
     'ch06-mixture-nll.dat' index 1 using 1:2 with lines lw 2 dt 2 title "MLE flow (exact)", \
     'ch06-mixture-nll.dat' index 2 using 1:2 with lines lw 2 dt 4 title "ADV flow (exact)", \
     'ch06-mixture-nll.dat' index 3 using 1:2 with lines lw 2 dt 3 title "HYBRID flow (exact)"
