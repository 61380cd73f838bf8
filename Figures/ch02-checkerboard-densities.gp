# Draws ch02-checkerboard-densities.png from ch02-checkerboard-densities.dat. Run in this folder: gnuplot ch02-checkerboard-densities.gp
set terminal pngcairo size 1320,440 enhanced font 'Sans,10'
set output 'ch02-checkerboard-densities.png'
set palette defined (0.000 0.1020 0.0980 0.2902, 0.059 0.0000 0.1529 0.3686, 0.118 0.0000 0.2078 0.3882, 0.176 0.0000 0.2627 0.4157, 0.235 0.0000 0.3137 0.4471, 0.294 0.0000 0.3686 0.4784, 0.353 0.0000 0.4235 0.5137, 0.412 0.0000 0.4784 0.5412, 0.471 0.0000 0.5333 0.5686, 0.529 0.0000 0.5922 0.5843, 0.588 0.0000 0.6549 0.5882, 0.647 0.0000 0.7176 0.5725, 0.706 0.3333 0.7608 0.5569, 0.765 0.5176 0.8000 0.5686, 0.824 0.6667 0.8392 0.6039, 0.882 0.7961 0.8745 0.6627, 0.941 0.8980 0.9137 0.7451, 1.000 0.9804 0.9569 0.8431)
set size ratio -1
set xlabel "x_1"
set ylabel "x_2" offset 1,0
set cblabel "density" offset 0.6,0
set format cb '%.2g'
unset key
set multiplot layout 1,3 title "checkerboard: the data and the densities of the trained flows" font 'Sans,12'
set title "data (histogram)"
set xrange [-3.015:2.985]
set yrange [-2.985:3.015]
plot 'ch02-checkerboard-densities.dat' index 0 using 1:2:3 with image
set title "additive coupling flow"
set xrange [-3.015:2.985]
set yrange [-2.985:3.015]
plot 'ch02-checkerboard-densities.dat' index 1 using 1:2:3 with image
set title "affine coupling flow"
set xrange [-3.015:2.985]
set yrange [-2.985:3.015]
plot 'ch02-checkerboard-densities.dat' index 2 using 1:2:3 with image
unset multiplot
