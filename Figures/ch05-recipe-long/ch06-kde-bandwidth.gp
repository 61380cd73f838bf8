# Draws ch06-kde-bandwidth.png from ch06-kde-bandwidth.dat. Run in this folder: gnuplot ch06-kde-bandwidth.gp
set terminal pngcairo size 800,560 enhanced font 'Sans,11'
set output 'ch06-kde-bandwidth.png'
set title "KDE on generated samples: choosing the bandwidth on validation images"
set xlabel "bandwidth h (the 15 values searched)"
set ylabel "validation NLL (nats per image)"
set grid
set key top right
set logscale x
set key below horizontal maxrows 2
set grid
set xrange [0.008333333333333333:1.2]
set yrange [-2316.3370245362007:1302.3800743177824]
set label 1 'smaller h: NLL above the top edge (values in the results file)' at graph 0.02, graph 0.95 left tc rgb 'gray30'
set xtics ('0.01' 0.01, '0.014' 0.013895, '0.019' 0.019307, '0.027' 0.026827, '0.037' 0.0372759, '0.052' 0.0517947, '0.072' 0.0719686, '0.1' 0.1, '0.14' 0.13895, '0.19' 0.19307, '0.27' 0.26827, '0.37' 0.372759, '0.52' 0.517947, '0.72' 0.719686, '1' 1) rotate by 45 right font ',9'
plot 'ch06-kde-bandwidth.dat' index 0 using 1:2 with linespoints lw 2 pt 7 ps 0.7 lc 1 title "MLE (star: chosen h = 0.193)", \
     'ch06-kde-bandwidth.dat' index 1 using 1:2 with points pt 3 ps 2.5 lw 2 lc 1 title "", \
     'ch06-kde-bandwidth.dat' index 2 using 1:2 with linespoints lw 2 pt 7 ps 0.7 lc 2 title "ADV (star: chosen h = 0.193)", \
     'ch06-kde-bandwidth.dat' index 3 using 1:2 with points pt 3 ps 2.5 lw 2 lc 2 title "", \
     'ch06-kde-bandwidth.dat' index 4 using 1:2 with linespoints lw 2 pt 7 ps 0.7 lc 3 title "HYBRID (star: chosen h = 0.193)", \
     'ch06-kde-bandwidth.dat' index 5 using 1:2 with points pt 3 ps 2.5 lw 2 lc 3 title "", \
     'ch06-kde-bandwidth.dat' index 6 using 1:2 with lines lw 2 dt 2 lc rgb 'gray40' title "floor (D/2) log(2 pi h^2)"
