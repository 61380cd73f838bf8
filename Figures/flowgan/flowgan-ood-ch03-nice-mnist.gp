# Draws flowgan-ood-ch03-nice-mnist.png from flowgan-ood-ch03-nice-mnist.dat. Run in this folder: gnuplot flowgan-ood-ch03-nice-mnist.gp
set terminal pngcairo size 800,560 enhanced font 'Sans,11'
set output 'flowgan-ood-ch03-nice-mnist.png'
set title "Bits/dim of MNIST and Fashion-MNIST test images under ch03-nice (trained on MNIST)"
set xlabel "bits/dim (lower: likelier under the model; the 1% beyond either end counted in the end bins)"
set ylabel "share of the images per bin"
set grid
set key top right
set key outside below horizontal
set arrow from 2.282768, graph 0 to 2.282768, graph 1 nohead dt 2 lc rgb 'black'
set label 'threshold: 95% of MNIST below' at 2.282768, graph 0.95 left offset 0.5,0 font ',9'
plot 'flowgan-ood-ch03-nice-mnist.dat' index 0 using 1:2 with histeps lw 2 lc rgb '#1f5fa8' title "MNIST (in-distribution)", \
     'flowgan-ood-ch03-nice-mnist.dat' index 1 using 1:2 with histeps lw 2 lc rgb '#c0392b' title "Fashion-MNIST (out-of-distribution)"
