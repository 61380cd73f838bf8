#!/bin/sh
# Frames the sample grids of the recipe's long run (Figures/ch05-long/) with a title and
# axis labels, as chapter 05 now frames its own grids (Sources/Figures/ImageGridFigure.swift).
# The long run's models are not in the repository, so the grids cannot be drawn again;
# this keeps their pixels (renamed NAME-grid.png, as libpng wrote them) and writes the
# same gnuplot script chapter 05 would write around them. Run from the repository root.
set -eu
cd Figures/ch05-long
for model in mle adv hybrid; do
    name="ch05-samples-$model"
    [ -f "$name-grid.png" ] || git mv "$name.png" "$name-grid.png"
    upper=$(echo "$model" | tr a-z A-Z)
    title="64 samples of the $upper-trained generator (MNIST, long run at the paper's sizes)"
    width=$(( ${#title} * 8 + 80 ))
    cat > "$name.gp" <<GP
# Draws $name.png from $name-grid.png. Run in this folder: gnuplot $name.gp
set terminal pngcairo size $width,567 enhanced font 'Sans,11'
set output '$name.png'
set title "$title"
set xlabel "sample"
set ylabel "row"
set ytics ("1" 428, "2" 371, "3" 314, "4" 257, "5" 200, "6" 143, "7" 86, "8" 29) nomirror scale 0
unset xtics
set size ratio -1
set xrange [0:457]
set yrange [0:457]
plot '$name-grid.png' binary filetype=png with rgbimage notitle
GP
    gnuplot "$name.gp"
done
