#!/usr/bin/env bash
# Issue 29's long runs, one after the other, niced, each resumable: start this script at the
# beginning of a session (in the background); when a session ends mid-run, start it again in
# the next and every run continues from its last checkpoint (--resume), a finished step is
# skipped. Each run folder's log.txt gets one line per span: wall-clock start and end,
# seconds, and the CPU, so its results can say how many sessions and hours it took.
#
#   nohup setsid Scripts/long-runs.sh > Runs/long-runs.log 2>&1 &
#
# 1. NICE at the paper's sizes by maximum likelihood (chapter 03), 30,000 iterations: toward
#    the paper's -3334.6 nats (within 1%: -3301), or until its validation curve flattens.
# 2. Chapter 05's three objectives at the classroom sizes for 15,000 iterations each (10x the
#    default), then chapter 06 on them.
# 3. The same at the paper's sizes (--recipe), as far as the sessions allow.
set -euo pipefail
cd "$(dirname "$0")/.."
for product in chapter03-realnvp chapter05-hybrid chapter06-evaluation; do
    swift build -c release --product "$product" >/dev/null
done
. Scripts/cpu-name.sh
cpu="$(cpu_name)"

# step FOLDER DONE-FILE COMMAND...: runs COMMAND unless FOLDER/DONE-FILE exists, logging the span.
step() {
    local folder="$1" done="$2"; shift 2
    [ -f "$folder/$done" ] && return 0
    mkdir -p "$folder"
    local start=$SECONDS begun
    begun="$(date -u +%Y-%m-%dT%H:%MZ)"
    # A start line first: a span cut by a session's end has no end line, and its length is
    # then read from the checkpoint's time.
    echo "start $begun, $cpu" >> "$folder/log.txt"
    nice "$@"
    echo "span $begun to $(date -u +%Y-%m-%dT%H:%MZ): $((SECONDS - start)) s, $cpu" >> "$folder/log.txt"
}

step Runs/ch03-nice-long ch03-results.json \
    .build/release/chapter03-realnvp --iterations 30000 --evaluate-every 1000 --mode-samples 10000 \
    --out Runs/ch03-nice-long --checkpoint-dir Checkpoints/ch03-nice-long --resume
step Runs/ch05-classroom-long ch05-results.json \
    .build/release/chapter05-hybrid --iterations 15000 \
    --out Runs/ch05-classroom-long --checkpoint-dir Checkpoints/ch05-classroom-long --resume
# Chapter 06 caches its classifier beside the models it reads: the default run's, when there is one.
share_classifier() { [ -f Checkpoints/ch06-classifier-mnist.safetensors ] && cp -n Checkpoints/ch06-classifier-mnist.safetensors "$1/" || true; }
share_classifier Checkpoints/ch05-classroom-long
step Runs/ch06-classroom-long ch06-results.json \
    .build/release/chapter06-evaluation --out Runs/ch06-classroom-long --checkpoint-dir Checkpoints/ch05-classroom-long
step Runs/ch05-recipe-long ch05-results.json \
    .build/release/chapter05-hybrid --recipe --iterations 15000 \
    --out Runs/ch05-recipe-long --checkpoint-dir Checkpoints/ch05-recipe-long --resume
share_classifier Checkpoints/ch05-recipe-long
step Runs/ch06-recipe-long ch06-results.json \
    .build/release/chapter06-evaluation --out Runs/ch06-recipe-long --checkpoint-dir Checkpoints/ch05-recipe-long
