# Draws flowgan-least-likely-ch03-nice.png from flowgan-least-likely-ch03-nice-grid.png. Run in this folder: gnuplot flowgan-least-likely-ch03-nice.gp
set terminal pngcairo size 627,168 enhanced font 'Sans,11'
set output 'flowgan-least-likely-ch03-nice.png'
set title "The 8 least likely of the first 1000 test images under ch03-nice"
set xlabel "NLL (nats): -2937, -2939, -2942, -2959, -2967, -2968, -2968, -2988"
set ylabel "test images"
set ytics ("least likely" 29) nomirror scale 0
unset xtics
set size ratio -1
set xrange [0:457]
set yrange [0:58]
plot 'flowgan-least-likely-ch03-nice-grid.png' binary filetype=png with rgbimage notitle
