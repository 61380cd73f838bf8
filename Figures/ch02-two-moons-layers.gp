# Draws ch02-two-moons-layers.png from ch02-two-moons-layers.dat. Run in this folder: gnuplot ch02-two-moons-layers.gp
set terminal pngcairo size 1740,420 enhanced font 'Sans,10'
set output 'ch02-two-moons-layers.png'
set palette model HSV defined (0 0 0.75 0.9, 1 1 0.75 0.9)
set cbrange [-180:180]
set size ratio -1
set xrange [-3.0:3.0]
set yrange [-3.0:3.0]
set xlabel "x_1"
set ylabel "x_2" offset 1,0
unset key
set multiplot layout 1,5 title "two-moons: latent points z drawn from N(0, I) pulled back through the affine flow, coloured by their angle in the latent plane (grey: the data)" font 'Sans,11'
set title "z (no layer inverted)"
unset colorbox
plot 'ch02-two-moons-layers.dat' index 0 using 1:2:3 with points pt 7 ps 0.25 lc palette
set title "after inverting the last 2 of 8"
unset colorbox
plot 'ch02-two-moons-layers.dat' index 1 using 1:2:3 with points pt 7 ps 0.25 lc palette
set title "after inverting the last 4 of 8"
unset colorbox
plot 'ch02-two-moons-layers.dat' index 2 using 1:2:3 with points pt 7 ps 0.25 lc palette
set title "after inverting the last 6 of 8"
unset colorbox
plot 'ch02-two-moons-layers.dat' index 3 using 1:2:3 with points pt 7 ps 0.25 lc palette
set title "after inverting the last 8 of 8"
set colorbox
set cblabel 'angle of z (degrees)' offset 0.5,0
set cbtics 90
plot 'ch02-two-moons-layers.dat' index 5 using 1:2 with points pt 7 ps 0.2 lc rgb '#bbbbbb', 'ch02-two-moons-layers.dat' index 4 using 1:2:3 with points pt 7 ps 0.25 lc palette
unset multiplot
