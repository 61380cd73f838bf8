# Draws flowgan-interpolate-ch03-nice.png from flowgan-interpolate-ch03-nice-grid.png. Run in this folder: gnuplot flowgan-interpolate-ch03-nice.gp
set terminal pngcairo size 741,168 enhanced font 'Sans,11'
set output 'flowgan-interpolate-ch03-nice.png'
set title "From test:3 to test:2 along a straight line in z (ch03-nice)"
set xlabel "NLL (nats): -3256, -3267, -3279, -3285, -3269, -3724, -3735, -3758, -3765, -3758"
set ylabel "path in z"
set ytics ("t = 0 to 1" 29) nomirror scale 0
unset xtics
set size ratio -1
set xrange [0:571]
set yrange [0:58]
plot 'flowgan-interpolate-ch03-nice-grid.png' binary filetype=png with rgbimage notitle
