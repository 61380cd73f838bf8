# Draws flowgan-gap-ch05-hybrid.png from flowgan-gap-ch05-hybrid.dat. Run in this folder: gnuplot flowgan-gap-ch05-hybrid.gp
set terminal pngcairo size 800,560 enhanced font 'Sans,11'
set output 'flowgan-gap-ch05-hybrid.png'
set title "NLL of MNIST training and test images under ch05-hybrid"
set xlabel "NLL (nats per image; lower: likelier; the 1% beyond either end counted in the end bins)"
set ylabel "share of the images per bin"
set grid
set key top right
set key outside below horizontal
plot 'flowgan-gap-ch05-hybrid.dat' index 0 using 1:2 with histeps lw 2 lc rgb '#1f5fa8' title "training images (mean -3170.8)", \
     'flowgan-gap-ch05-hybrid.dat' index 1 using 1:2 with histeps lw 2 lc rgb '#c0392b' title "test images (mean -3164.9)"
