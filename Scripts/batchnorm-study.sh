#!/usr/bin/env bash
# Batch norm's running averages and chapter 05's likelihoods (book.md, "Reproducing
# Flow-GAN"): for each seed, chapter 05's default models (trained again with --seed N under
# OpenBLAS's own choice of kernels, which reproduces Figures/ch05-seeds/seed-N/ exactly, or
# read from the folder given for seed 0), their batch-norm averages re-estimated on training
# images by `flowgan batchnorm`, and chapter 06 on the changed models with the same seed.
# Results: Runs/ch05-seed-N/, Runs/batchnorm-seed-N/ (flowgan-batchnorm.json) and
# Runs/ch06-seed-N-bn/; models in Checkpoints/. Resumable: a finished step is skipped.
#
#   Scripts/batchnorm-study.sh 1 2 3
#   SEED0_MODELS=Checkpoints/ch05-gradnorms-cooperlake Scripts/batchnorm-study.sh 0
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: Scripts/batchnorm-study.sh SEED..." >&2; exit 2; }
for product in chapter05-hybrid chapter06-evaluation flowgan; do
    swift build -c release --product "$product" >/dev/null
done
run() { nice env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$@"; }
for seed in "$@"; do
    models="Checkpoints/ch05-seed-$seed"
    if [ "$seed" = 0 ]; then
        models="${SEED0_MODELS:?seed 0: name its models with SEED0_MODELS=folder}"
    elif [ ! -f "Runs/ch05-seed-$seed/ch05-results.json" ]; then
        run .build/release/chapter05-hybrid --seed "$seed" --resume --out "Runs/ch05-seed-$seed" --checkpoint-dir "$models"
    fi
    if [ ! -f "Runs/batchnorm-seed-$seed/flowgan-batchnorm.json" ]; then
        run .build/release/flowgan batchnorm --checkpoint-dir "$models" --save "Checkpoints/ch05-seed-$seed-bn" \
            --json "Runs/batchnorm-seed-$seed/flowgan-batchnorm.json"
    fi
    if [ ! -f "Runs/ch06-seed-$seed-bn/ch06-results.json" ]; then
        # Chapter 06 trains its classifier with the run's seed; seed 0's is cached beside the default models.
        if [ "$seed" = 0 ] && [ -f Checkpoints/ch06-classifier-mnist.safetensors ]; then
            cp -n Checkpoints/ch06-classifier-mnist.safetensors "Checkpoints/ch05-seed-$seed-bn/"
        fi
        run .build/release/chapter06-evaluation --seed "$seed" --out "Runs/ch06-seed-$seed-bn" --checkpoint-dir "Checkpoints/ch05-seed-$seed-bn"
    fi
done
