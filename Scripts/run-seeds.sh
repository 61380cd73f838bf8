#!/usr/bin/env bash
# Chapter 05's default run and chapter 06 on it for several seeds, one after the other,
# niced, each resumable: run it again after an interruption and chapter 05 continues from
# its last checkpoint (--resume), a seed already finished is skipped. Results go to
# Runs/ch05-seed-N/ and Runs/ch06-seed-N/ (models to Checkpoints/ch05-seed-N/); the times
# and the CPU go to Runs/seeds-log.txt.
#
#   Scripts/run-seeds.sh 1 2 3
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: Scripts/run-seeds.sh SEED..." >&2; exit 2; }
swift build -c release --product chapter05-hybrid >/dev/null
swift build -c release --product chapter06-evaluation >/dev/null
mkdir -p Runs
log=Runs/seeds-log.txt
. Scripts/cpu-name.sh
cpu="$(cpu_name)"
for seed in "$@"; do
    if [ ! -f "Runs/ch06-seed-$seed/ch06-results.json" ]; then
        start=$SECONDS
        nice .build/release/chapter05-hybrid --seed "$seed" --resume
        middle=$SECONDS
        nice .build/release/chapter06-evaluation --seed "$seed"
        echo "seed $seed: chapter 05 $((middle - start)) s, chapter 06 $((SECONDS - middle)) s, $(date -u +%Y-%m-%dT%H:%MZ), $cpu" >> "$log"
    fi
done
