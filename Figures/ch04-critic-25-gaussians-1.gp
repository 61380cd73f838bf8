# Draws ch04-critic-25-gaussians-1.png from ch04-critic-25-gaussians-1.dat. Run in this folder: gnuplot ch04-critic-25-gaussians-1.gp
set terminal pngcairo size 680,640 enhanced font 'Sans,11'
set output 'ch04-critic-25-gaussians-1.png'
set title "25-gaussians critic after 1 iteration: mean D(data) - mean D(samples) = 0.055"
set xlabel "x_1"
set ylabel "x_2"
set grid
set key top right
set size ratio -1
set xrange [-3:3]
set yrange [-3:3]
set key outside below horizontal
set cblabel 'D(x)'
set palette defined (0.000 0.1020 0.0980 0.2902, 0.059 0.0000 0.1529 0.3686, 0.118 0.0000 0.2078 0.3882, 0.176 0.0000 0.2627 0.4157, 0.235 0.0000 0.3137 0.4471, 0.294 0.0000 0.3686 0.4784, 0.353 0.0000 0.4235 0.5137, 0.412 0.0000 0.4784 0.5412, 0.471 0.0000 0.5333 0.5686, 0.529 0.0000 0.5922 0.5843, 0.588 0.0000 0.6549 0.5882, 0.647 0.0000 0.7176 0.5725, 0.706 0.3333 0.7608 0.5569, 0.765 0.5176 0.8000 0.5686, 0.824 0.6667 0.8392 0.6039, 0.882 0.7961 0.8745 0.6627, 0.941 0.8980 0.9137 0.7451, 1.000 0.9804 0.9569 0.8431)
plot 'ch04-critic-25-gaussians-1.dat' index 0 using 1:2:3 with image notitle, \
     'ch04-critic-25-gaussians-1.dat' index 1 using 1:2 with points pt 7 ps 0.5 lc rgb 'black' title "data", \
     'ch04-critic-25-gaussians-1.dat' index 2 using 1:2 with points pt 7 ps 0.3 lc rgb 'white' title "", \
     'ch04-critic-25-gaussians-1.dat' index 3 using 1:2 with points pt 7 ps 0.3 lc rgb '#e74c3c' title "generated"
