# Draws chapter-seeds.png from chapter-seeds.dat (Scripts/chapter-seed-ranges.py). Run in this folder: gnuplot chapter-seeds.gp
set terminal pngcairo size 1500,500 enhanced font 'Sans,11'
set output 'chapter-seeds.png'
set multiplot layout 1,3 title "Chapters 02-04, default runs over 4 seeds"
set grid
set xlabel "seed"
set xtics 1
set xrange [-0.5:3.5]
set key outside bottom center horizontal maxrows 2
set bmargin 8
set title "02: affine minus additive couplings (above 0: affine better)"
set ylabel "test log-likelihood difference (nats per point)"
set yrange [0:*]
plot 'chapter-seeds.dat' using ($1-0.1):2 with points pt 7 ps 1.6 title "two moons", \
     '' using 1:3 with points pt 5 ps 1.6 title "8 Gaussians", \
     '' using ($1+0.1):4 with points pt 9 ps 1.6 title "checkerboard"
set title "03: NICE, 3000 iterations"
set ylabel "test NLL (bits per dimension; lower is better)"
set yrange [*:*]
plot 'chapter-seeds.dat' using 1:5 with points pt 7 ps 1.6 title "NICE test NLL"
set title "04: modes covered at the end, gradient penalty vs clipping"
set ylabel "modes covered"
set yrange [0:26]
plot 'chapter-seeds.dat' using ($1-0.1):6 with points pt 7 ps 1.6 title "8 Gaussians, penalty", \
     '' using ($1-0.1):7 with points pt 6 ps 1.6 title "8 Gaussians, clipping", \
     '' using ($1+0.1):8 with points pt 5 ps 1.6 title "25 Gaussians, penalty", \
     '' using ($1+0.1):9 with points pt 4 ps 1.6 title "25 Gaussians, clipping"
unset multiplot
