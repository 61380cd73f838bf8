#!/usr/bin/env bash
# Chapter 03's Real NVP training step, and the 3x3 convolution it is made of, in the
# engine, PyTorch and JAX side by side on this machine (issue 28). Writes every JSON line
# to Benchmarks/realnvp-results.jsonl and the summary Benchmarks/realnvp-results.json
# (each framework's fastest variant, its median over ROUNDS interleaved rounds, default 2).
# PyTorch runs eager and torch.compile'd, NCHW and channels-last; JAX runs the jit'ed step
# in NCHW and NHWC: the summary keeps each framework's fastest, so the yardstick is the
# best each one does here. PyTorch and JAX are measuring instruments (peers/README.md).
set -uo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product flowgan-bench >/dev/null
out="$PWD/Benchmarks/realnvp-results.jsonl"
: > "$out"
run() { "$@" 2>/dev/null | tail -n "${LINES_KEPT:-1}" | tee -a "$out"; }
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "# $(date -u +%Y-%m-%dT%H:%MZ) load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, $cpu, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-<unset>}" | tee -a "$out"
run .build/release/flowgan-bench blas --json
for round in $(seq "${ROUNDS:-2}"); do
    echo "# round $round" | tee -a "$out"
    run .build/release/flowgan-bench realnvp --json --warmup 2 --steps 8
    for size in 28 14; do run .build/release/flowgan-bench conv --size "$size" --json --warmup 3 --steps 20; done
    (cd Benchmarks/peers
     if python3 -c "import jax" 2>/dev/null; then
         run python3 realnvp_step.py --framework jax --json --warmup 2 --steps 8
         run python3 realnvp_step.py --framework jax --channels-last --json --warmup 2 --steps 8
     fi
     if python3 -c "import torch" 2>/dev/null; then
         run python3 realnvp_step.py --framework torch --json --warmup 2 --steps 8
         run python3 realnvp_step.py --framework torch --channels-last --json --warmup 2 --steps 8
         run python3 realnvp_step.py --framework torch --channels-last --compile --json --warmup 3 --steps 8
         LINES_KEPT=4 run python3 conv_layer.py --framework torch --json
     fi)
done
python3 - "$out" <<'PY'
import json, sys
from pathlib import Path
lines = Path(sys.argv[1]).read_text().splitlines()
records = [json.loads(l) for l in lines if l.startswith("{")]
summary = {"measured": next(l[2:] for l in lines if l.startswith("#")),
           "blas": next((r for r in records if r.get("benchmark") == "blas"), None)}
groups = {}
for r in records:
    if r.get("benchmark") in ("realnvp", "conv3x3"):
        key = (r.get("framework", "swift"), r["benchmark"], r.get("shape", ""), r.get("variant", ""))
        groups.setdefault(key, []).append(r)
best = {}
for (framework, bench, shape, variant), runs in groups.items():
    rate = lambda r: r.get("images_per_s") or 1e3 / r["step_ms"]
    runs.sort(key=rate)
    median = dict(runs[(len(runs) - 1) // 2])
    median["rounds"] = [rate(r) for r in runs]
    name = bench if bench == "realnvp" else f"conv3x3_{shape}"
    slot = summary.setdefault(framework, {}).setdefault(name, {})
    slot[variant or "engine"] = median
    if name not in best.setdefault(framework, {}) or rate(median) > rate(best[framework][name]):
        best[framework][name] = median
summary["fastest"] = {f: {n: {"variant": r.get("variant", "engine"), "images_per_s": r.get("images_per_s"), "step_ms": r["step_ms"]}
                          for n, r in b.items()} for f, b in best.items()}
swift = best.get("swift", {}).get("realnvp")
summary["ratios"] = {f"swift_over_{p}": swift["images_per_s"] / best[p]["realnvp"]["images_per_s"]
                     for p in ("torch", "jax") if swift and "realnvp" in best.get(p, {})}
Path(sys.argv[1]).with_suffix(".json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
print(json.dumps(summary["ratios"]), json.dumps(summary["fastest"]))
PY
