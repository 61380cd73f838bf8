# Draws flowgan-likeliest-ch03-nice.png from flowgan-likeliest-ch03-nice-grid.png. Run in this folder: gnuplot flowgan-likeliest-ch03-nice.gp
set terminal pngcairo size 627,168 enhanced font 'Sans,11'
set output 'flowgan-likeliest-ch03-nice.png'
set title "The 8 most likely of the first 1000 test images under ch03-nice"
set xlabel "NLL (nats): -3825, -3814, -3805, -3798, -3796, -3795, -3794, -3792"
set ylabel "test images"
set ytics ("most likely" 29) nomirror scale 0
unset xtics
set size ratio -1
set xrange [0:457]
set yrange [0:58]
plot 'flowgan-likeliest-ch03-nice-grid.png' binary filetype=png with rgbimage notitle
