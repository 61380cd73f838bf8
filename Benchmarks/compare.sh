#!/usr/bin/env bash
# Runs flowgan-bench and the PyTorch and JAX peers side by side on the same machine and
# writes every JSON line to Benchmarks/results.jsonl (and stdout), then the summary
# Benchmarks/results.json. The three training steps run in ROUNDS rounds (default 3),
# each round the engine, then JAX, then PyTorch: this VM's speed drifts by a fifth over
# minutes, and interleaving spreads the drift over all three; the summary takes each
# one's median. PyTorch and JAX are measuring instruments (pip install, see
# peers/README.md); a peer that is not installed is skipped with a note.
set -uo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product flowgan-bench >/dev/null
out="$PWD/Benchmarks/results.jsonl"
: > "$out"
run() { "$@" 2>/dev/null | tail -n 1 | tee -a "$out"; }
echo "# $(date -u +%Y-%m-%dT%H:%MZ) load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores" | tee -a "$out"
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
        # PyTorch's OpenMP threads spin while waiting; PASSIVE keeps them from stealing the
        # other core from the timed process (see peers/README.md).
        env=(); [ "$framework" = torch ] && env=(env OMP_WAIT_POLICY=PASSIVE)
        (cd Benchmarks/peers
         run "${env[@]}" python3 mlp_step.py --framework "$framework" --json
         run "${env[@]}" python3 nice_mle_step.py --framework "$framework" --json
         run "${env[@]}" python3 hybrid_step.py --framework "$framework" --json --steps 8)
    done
done
run .build/release/flowgan-bench kde --json
run .build/release/flowgan-bench jacobian --json
python3 Benchmarks/summarise.py
