#!/usr/bin/env bash
# Regenerates everything in Figures/ from the chapters' default runs, in order (chapter 06
# reads the models chapter 05 saves), and records how long each run took in
# Figures/regenerate-times.json; then refreshes the numbers quoted in book.md and
# README.md from the new results files (Scripts/fill-numbers.py --refresh).
#
#   Scripts/regenerate-figures.sh [--fresh] [CHAPTER-NUMBER...]
#
# With no chapter numbers it runs all six. --fresh first removes Checkpoints/ (chapter
# 06's cached classifier and chapter 05's models), as on a new clone. Data are found as
# the chapters find them: the MNIST shipped in ./Data unless FLOWGAN_DATA names a folder.
# Builds in release: the same code as `swift run`, whose numeric modules are optimised
# in every configuration, without waiting for a debug build of the chapters.
set -euo pipefail
cd "$(dirname "$0")/.."

fresh=0
chapters=()
for argument in "$@"; do
    case "$argument" in
        --fresh) fresh=1 ;;
        0[1-6]) chapters+=("$argument") ;;
        *) echo "regenerate-figures: unknown argument '$argument' (expected --fresh or 01..06)" >&2; exit 2 ;;
    esac
done
[ ${#chapters[@]} -gt 0 ] || chapters=(01 02 03 04 05 06)
[ "$fresh" -eq 0 ] || rm -rf Checkpoints

swift build -c release >/dev/null
times=Figures/regenerate-times.json
mkdir -p Figures
[ -f "$times" ] || echo '{}' > "$times"

# Runs one chapter program and records how long it took under `name` (the product, or
# the product and its arguments).
timed_run() {
    local name="$1"; shift
    echo "== $name" >&2
    local start end
    start=$(date +%s.%N)
    "$@"
    end=$(date +%s.%N)
    python3 - "$times" "$name" "$start" "$end" <<'PY'
import json, os, platform, sys
path, product, start, end = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
times = json.load(open(path))
times[product] = round(end - start, 1)
chapters = [k for k in times if k.startswith("chapter")]
times["total_seconds"] = round(sum(times[k] for k in chapters), 1)
times["cores"] = os.cpu_count()
model = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")]
times["cpu"] = model[0] if model else platform.processor()
times["load_average_at_end"] = os.getloadavg()[0]
with open(path + ".tmp", "w") as f:
    json.dump(times, f, indent=2, sort_keys=True)
os.replace(path + ".tmp", path)
print(f"{product}: {end - start:.0f} s", file=sys.stderr)
PY
}

for number in "${chapters[@]}"; do
    dir=$(ls -d Chapters/"$number"-*/)
    product="chapter$(basename "$dir")"
    timed_run "$product" ".build/release/$product"
    # Chapter 03 trains its second model, Real NVP, after NICE: the later run draws the
    # comparison of the two. Its time is kept under its own name.
    if [ "$number" = 03 ]; then
        timed_run "$product --model realnvp" ".build/release/$product" --model realnvp
    fi
done

python3 Scripts/fill-numbers.py --refresh book.md README.md Benchmarks/README.md
echo "Figures regenerated; times in $times; numbers in book.md and README.md refreshed." >&2
echo "Check them with: swift test --filter Book" >&2
