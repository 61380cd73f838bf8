#!/usr/bin/env bash
# Chapter 03's Real NVP trained long (issue 28): niced, resumable. Run it again after an
# interruption and it continues from its last checkpoint; ITERATIONS can be raised later
# to train further. Results and figures go to Runs/ch03-realnvp-long/, the models to
# Checkpoints/ch03-realnvp-long/, wall-clock spans and the CPU to its log.txt.
#
#   Scripts/realnvp-long.sh [ITERATIONS]     (default 3000)
set -euo pipefail
cd "$(dirname "$0")/.."
iterations="${1:-3000}"
out=Runs/ch03-realnvp-long
mkdir -p "$out"
swift build -c release --product chapter03-realnvp >/dev/null
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//') (family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' '), model $(grep -m1 '^model\s' /proc/cpuinfo | cut -d: -f2 | tr -d ' '))"
start=$SECONDS begun="$(date -u +%Y-%m-%dT%H:%MZ)"
nice .build/release/chapter03-realnvp --model realnvp --iterations "$iterations" --evaluate-every 250 \
    --out "$out" --checkpoint-dir Checkpoints/ch03-realnvp-long --resume
echo "span $begun to $(date -u +%Y-%m-%dT%H:%MZ): $((SECONDS - start)) s, up to iteration $iterations, $cpu" >> "$out/log.txt"
