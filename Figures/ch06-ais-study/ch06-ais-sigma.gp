# Draws ch06-ais-sigma.png from ch06-ais-sigma.dat. Run in this folder: gnuplot ch06-ais-sigma.gp
set terminal pngcairo size 800,560 enhanced font 'Sans,11'
set output 'ch06-ais-sigma.png'
set title "AIS against sigma, 8 test images (bars: down by the BDMC gap)"
set xlabel "sigma of p(x|z) = N(x; G(z), sigma^2 I)"
set ylabel "AIS estimate of the NLL (nats per image)"
set grid
set key top right
set logscale x
set key below horizontal maxrows 2
set grid
set xtics ('0.5' 0.5, '0.3' 0.3, '0.2' 0.2, '0.1' 0.1)
set xrange [0.07692307692307693:0.65]
plot 'ch06-ais-sigma.dat' index 0 using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 1.2 lc 1 title "MLE (exact NLL -3196)", \
     'ch06-ais-sigma.dat' index 1 using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 1.2 lc 2 title "ADV (exact NLL 17251)", \
     'ch06-ais-sigma.dat' index 2 using 1:2:3:4 with yerrorlines lw 2 pt 7 ps 1.2 lc 3 title "HYBRID (exact NLL -3180)", \
     'ch06-ais-sigma.dat' index 3 using 1:2 with lines lw 2 dt 3 lc rgb 'gray40' title "floor (D/2) log(2 pi sigma^2)"
