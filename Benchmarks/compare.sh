#!/usr/bin/env bash
# Runs flowgan-bench and the PyTorch and JAX peers side by side on the same machine and
# writes every JSON line to Benchmarks/results.jsonl (and stdout), then the summary
# Benchmarks/results.json. The three training steps run in ROUNDS rounds (default 3),
# each round the engine, then JAX, then PyTorch: this VM's speed drifts by a fifth over
# minutes, and interleaving spreads the drift over all three; the summary takes each
# one's median. PyTorch and JAX are measuring instruments (pip install, see
# peers/README.md); a peer that is not installed is skipped with a note. The engine runs
# with the environment it is given: a machine that sets OPENBLAS_CORETYPE for older
# OpenBLAS builds keeps it unless the command is run as
# `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE Benchmarks/compare.sh`; results.json
# records the CPU and the OpenBLAS core either way.
set -uo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product flowgan-bench >/dev/null
out="$PWD/Benchmarks/results.jsonl"
: > "$out"
run() { "$@" 2>/dev/null | tail -n 1 | tee -a "$out"; }
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "# $(date -u +%Y-%m-%dT%H:%MZ) load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, $cpu, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-<unset>}" | tee -a "$out"
run .build/release/flowgan-bench blas --json
rounds=${ROUNDS:-3}
peers=()
for framework in jax torch; do
    if python3 -c "import $framework" 2>/dev/null; then peers+=("$framework")
    else echo "# $framework not installed: skipped" | tee -a "$out"; fi
done
for round in $(seq "$rounds"); do
    echo "# round $round of $rounds" | tee -a "$out"
    for bench in mlp mle hybrid; do
        steps=30; [ "$bench" = hybrid ] && steps=8
        run .build/release/flowgan-bench "$bench" --json --steps "$steps"
    done
    for framework in "${peers[@]}"; do
        # Each peer in its fastest measured form (peers/README.md): PyTorch with fused Adam
        # and its default OpenMP wait policy (nothing else runs meanwhile), the NICE step
        # through torch.compile; JAX with the whole step or iteration under jax.jit.
        compile=(); [ "$framework" = torch ] && compile=(--compile)
        (cd Benchmarks/peers
         run python3 mlp_step.py --framework "$framework" --json
         run python3 nice_mle_step.py --framework "$framework" "${compile[@]}" --json
         run python3 hybrid_step.py --framework "$framework" --json --steps 8)
    done
done
run .build/release/flowgan-bench kde --json
run .build/release/flowgan-bench jacobian --json
python3 Benchmarks/summarise.py
