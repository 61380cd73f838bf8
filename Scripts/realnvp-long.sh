#!/usr/bin/env bash
# Chapter 03's Real NVP trained long (issue 28): niced, resumable. Run it again after an
# interruption and it continues from its last checkpoint; ITERATIONS can be raised later
# to train further. At the end chapter 06's classifier scores 10,000 of its samples. Results and figures go to Runs/ch03-realnvp-long/, the models to
# Checkpoints/ch03-realnvp-long/, wall-clock spans and the CPU to its log.txt.
#
#   Scripts/realnvp-long.sh [ITERATIONS]     (default 3000)
set -euo pipefail
cd "$(dirname "$0")/.."
iterations="${1:-3000}"
out=Runs/ch03-realnvp-long
mkdir -p "$out"
swift build -c release --product chapter03-realnvp >/dev/null
. Scripts/cpu-name.sh
cpu="$(cpu_name)"
start=$SECONDS begun="$(date -u +%Y-%m-%dT%H:%MZ)"
nice .build/release/chapter03-realnvp --model realnvp --iterations "$iterations" --evaluate-every 250 --mode-samples 10000 \
    --out "$out" --checkpoint-dir Checkpoints/ch03-realnvp-long --resume
echo "span $begun to $(date -u +%Y-%m-%dT%H:%MZ): $((SECONDS - start)) s, up to iteration $iterations, $cpu" >> "$out/log.txt"
