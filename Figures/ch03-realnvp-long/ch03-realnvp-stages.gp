# Draws ch03-realnvp-stages.png from ch03-realnvp-stages.dat. Run in this folder: gnuplot ch03-realnvp-stages.gp
set terminal pngcairo size 1440,1030 enhanced font 'Sans,10'
set output 'ch03-realnvp-stages.png'
set palette defined (0.000 0.1020 0.0980 0.2902, 0.059 0.0000 0.1529 0.3686, 0.118 0.0000 0.2078 0.3882, 0.176 0.0000 0.2627 0.4157, 0.235 0.0000 0.3137 0.4471, 0.294 0.0000 0.3686 0.4784, 0.353 0.0000 0.4235 0.5137, 0.412 0.0000 0.4784 0.5412, 0.471 0.0000 0.5333 0.5686, 0.529 0.0000 0.5922 0.5843, 0.588 0.0000 0.6549 0.5882, 0.647 0.0000 0.7176 0.5725, 0.706 0.3333 0.7608 0.5569, 0.765 0.5176 0.8000 0.5686, 0.824 0.6667 0.8392 0.6039, 0.882 0.7961 0.8745 0.6627, 0.941 0.8980 0.9137 0.7451, 1.000 0.9804 0.9569 0.8431)
set size ratio -1
set xlabel "column"
set ylabel "row" offset 1,0
set cblabel "value" offset 0.6,0
set format cb '%.2g'
unset key
set multiplot layout 3,4 title "One test image through the trained Real NVP, stage by stage (each panel on its own colour scale)" font 'Sans,12'
set title "the dequantised image y"
set xrange [-0.5:27.5]
set yrange [-0.5:27.5]
plot 'ch03-realnvp-stages.dat' index 0 using 1:2:3 with image
set title "logit of the dequantised image"
set xrange [-0.5:27.5]
set yrange [-0.5:27.5]
plot 'ch03-realnvp-stages.dat' index 1 using 1:2:3 with image
set title "after checkerboard coupling 1 of 3"
set xrange [-0.5:27.5]
set yrange [-0.5:27.5]
plot 'ch03-realnvp-stages.dat' index 2 using 1:2:3 with image
set title "after checkerboard coupling 3 of 3"
set xrange [-0.5:27.5]
set yrange [-0.5:27.5]
plot 'ch03-realnvp-stages.dat' index 3 using 1:2:3 with image
set title "squeezed: channel 1 of 4 (14x14)"
set xrange [-0.5:13.5]
set yrange [-0.5:13.5]
plot 'ch03-realnvp-stages.dat' index 4 using 1:2:3 with image
set title "squeezed: channel 2 of 4 (14x14)"
set xrange [-0.5:13.5]
set yrange [-0.5:13.5]
plot 'ch03-realnvp-stages.dat' index 5 using 1:2:3 with image
set title "squeezed: channel 3 of 4 (14x14)"
set xrange [-0.5:13.5]
set yrange [-0.5:13.5]
plot 'ch03-realnvp-stages.dat' index 6 using 1:2:3 with image
set title "squeezed: channel 4 of 4 (14x14)"
set xrange [-0.5:13.5]
set yrange [-0.5:13.5]
plot 'ch03-realnvp-stages.dat' index 7 using 1:2:3 with image
set title "z: channel 1, factored out at 14x14"
set xrange [-0.5:13.5]
set yrange [-0.5:13.5]
plot 'ch03-realnvp-stages.dat' index 8 using 1:2:3 with image
set title "z: channel 2, factored out at 14x14"
set xrange [-0.5:13.5]
set yrange [-0.5:13.5]
plot 'ch03-realnvp-stages.dat' index 9 using 1:2:3 with image
set title "z: channel 3, after 4 more couplings"
set xrange [-0.5:13.5]
set yrange [-0.5:13.5]
plot 'ch03-realnvp-stages.dat' index 10 using 1:2:3 with image
set title "z: channel 4, after 4 more couplings"
set xrange [-0.5:13.5]
set yrange [-0.5:13.5]
plot 'ch03-realnvp-stages.dat' index 11 using 1:2:3 with image
unset multiplot
