# Draws flowgan-ood-ch03-nice-fashion-mnist.png from flowgan-ood-ch03-nice-fashion-mnist.dat. Run in this folder: gnuplot flowgan-ood-ch03-nice-fashion-mnist.gp
set terminal pngcairo size 800,560 enhanced font 'Sans,11'
set output 'flowgan-ood-ch03-nice-fashion-mnist.png'
set title "Bits/dim of Fashion-MNIST and MNIST test images under ch03-nice (trained on Fashion-MNIST)"
set xlabel "bits/dim (lower: likelier under the model; the 1% beyond either end counted in the end bins)"
set ylabel "share of the images per bin"
set grid
set key top right
set key outside below horizontal
set arrow from 5.805566, graph 0 to 5.805566, graph 1 nohead dt 2 lc rgb 'black'
set label 'threshold: 95% of Fashion-MNIST below' at 5.805566, graph 0.95 right offset -0.5,0 font ',9'
plot 'flowgan-ood-ch03-nice-fashion-mnist.dat' index 0 using 1:2 with histeps lw 2 lc rgb '#1f5fa8' title "Fashion-MNIST (in-distribution)", \
     'flowgan-ood-ch03-nice-fashion-mnist.dat' index 1 using 1:2 with histeps lw 2 lc rgb '#c0392b' title "MNIST (out-of-distribution)"
