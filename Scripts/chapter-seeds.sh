#!/usr/bin/env bash
# Issue 29: the short chapters' default runs for several seeds, one after the other, niced:
# chapter 02 (the toy fits), chapter 03's NICE (test NLL) and chapter 04's 2-D runs (mode
# coverage on 8 and 25 Gaussians, both constraints; --toy-only, its MNIST part is chapter
# 05's ADV at another length). A run already finished is skipped, so the script can be run
# again after an interruption. Results go to Runs/ch0X-seed-N/, the times and the CPU to
# Runs/chapter-seeds-log.txt; Scripts/chapter-seed-ranges.py reads them.
#
#   Scripts/chapter-seeds.sh 1 2 3
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: Scripts/chapter-seeds.sh SEED..." >&2; exit 2; }
for product in chapter02-coupling-layers chapter03-realnvp chapter04-wgan-critic; do
    swift build -c release --product "$product" >/dev/null
done
mkdir -p Runs
log=Runs/chapter-seeds-log.txt
. Scripts/cpu-name.sh
cpu="$(cpu_name)"

# run NAME SEED RESULTS-FILE COMMAND...: runs COMMAND into Runs/NAME-seed-SEED unless its results file exists.
run() {
    local name="$1" seed="$2" results="$3"; shift 3
    local out="Runs/$name-seed-$seed"
    [ -f "$out/$results" ] && return 0
    local start=$SECONDS
    nice "$@" --seed "$seed" --out "$out"
    echo "$name seed $seed: $((SECONDS - start)) s, $(date -u +%Y-%m-%dT%H:%MZ), $cpu" >> "$log"
}

for seed in "$@"; do
    run ch02 "$seed" ch02-results.json .build/release/chapter02-coupling-layers
    run ch03 "$seed" ch03-results.json .build/release/chapter03-realnvp --checkpoint-dir "Checkpoints/ch03-seed-$seed" --resume
    run ch04 "$seed" ch04-results.json .build/release/chapter04-wgan-critic --toy-only
done
