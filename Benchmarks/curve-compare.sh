#!/usr/bin/env bash
# The learning-curve check of issue 4: NICE trained by MLE on real MNIST by the Swift
# chapter 03 and by the PyTorch peer (peers/nice_mle_curve.py), same recipe, same
# iterations, for each seed; validation NLL at chapter 03's cadence (every
# min(500, ITERATIONS / 5) iterations).
# Writes Benchmarks/peers/curve_comparison.json. Needs MNIST (FLOWGAN_DATA or --data-dir
# as for the chapters) and torch (peers/README.md). Takes about 10 minutes per seed here.
#   Benchmarks/curve-compare.sh [ITERATIONS] [SEEDS...]     (default: 1500, seeds 0 1)
set -euo pipefail
cd "$(dirname "$0")/.."
iterations=${1:-1500}; shift || true
seeds=("${@:-0 1}"); seeds=(${seeds[*]})
data="${FLOWGAN_DATA:-$PWD/Data}"
every=$(( iterations / 5 < 500 ? iterations / 5 : 500 )); [ "$every" -ge 1 ] || every=1
swift build -c release --product chapter03-realnvp >/dev/null
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
for seed in "${seeds[@]}"; do
    .build/release/chapter03-realnvp --model nice --iterations "$iterations" --seed "$seed" \
        --out "$work/swift-$seed" --checkpoint-dir "$work/checkpoints-$seed" --data-dir "$data" >&2
    (cd Benchmarks/peers && python3 nice_mle_curve.py --framework torch --iterations "$iterations" \
        --eval-every "$every" --seed "$seed" --data-dir "$data/mnist" --json) > "$work/torch-$seed.json"
done
python3 - "$work" "$iterations" "${seeds[@]}" <<'PY'
import json, sys
work, iterations, seeds = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
out = {"description": f"NICE trained by MLE on MNIST (chapter 03 recipe), {iterations} iterations "
       "of batch 100; exact validation NLL in nats per image (10,000 images, evaluation mode) "
       "at chapter 03's evaluation cadence. Swift: chapter03-realnvp; PyTorch: peers/nice_mle_curve.py. "
       "Written by Benchmarks/curve-compare.sh.",
       "iterations": iterations, "swift": {}, "torch": {}}
for seed in seeds:
    swift = json.load(open(f"{work}/swift-{seed}/ch03-results.json"))
    out["swift"][seed] = {"curve": {str(h["iteration"]): round(h["valid_nll"], 1) for h in swift["history"]},
                          "train_nll": {str(h["iteration"]): round(h["train_nll"], 1) for h in swift["history"]},
                          "seconds": swift.get("seconds")}
    torch = json.load(open(f"{work}/torch-{seed}.json"))
    out["torch"][seed] = {"curve": {k: round(v, 1) for k, v in torch["curve"].items()},
                          "train_nll": {k: round(v, 1) for k, v in torch["train_nll"].items()},
                          "seconds": torch["seconds"]}
json.dump(out, open("Benchmarks/peers/curve_comparison.json", "w"), indent=1)
for framework in ("swift", "torch"):
    for seed in seeds:
        print(framework, seed, out[framework][seed]["curve"])
PY
