#!/usr/bin/env bash
# The class-period check: clones the committed repository into a scratch folder, as a
# student would get it, and times `swift run chapter05-hybrid` and then `swift run
# chapter06-evaluation` there (debug build and chapter 06's classifier included), with no
# data variable set. Copies the two chapters' figures and results files back into this
# repository's Figures/ and writes Figures/default-run-times.json; then refreshes the
# numbers book.md and README.md quote (Scripts/fill-numbers.py --refresh).
#
#   Scripts/fresh-default-run.sh
#
# Commit first: the clone holds only what is committed. Run it on an otherwise idle
# machine, since its times are what book.md calls a class period.
set -euo pipefail
cd "$(dirname "$0")/.."
repository=$PWD
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
git clone -q "$repository" "$scratch/clone"
cd "$scratch/clone"
unset FLOWGAN_DATA
seconds() { date +%s.%N; }
start=$(seconds)
swift run chapter05-hybrid
middle=$(seconds)
swift run chapter06-evaluation
end=$(seconds)
find Figures -maxdepth 1 -type f \( -name 'ch05-*' -o -name 'ch06-*' \) -exec cp {} "$repository/Figures/" \;
python3 - "$repository/Figures/default-run-times.json" "$start" "$middle" "$end" "$(git rev-parse --short HEAD)" <<'PYTHON'
import json, sys, time
path, start, middle, end, commit = sys.argv[1], *map(float, sys.argv[2:5]), sys.argv[5]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
results = json.load(open("Figures/ch05-results.json"))
json.dump({"commit": commit, "measured": time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime(start)), "cpu": cpu,
           "blas_core": results.get("blas_core"), "blas_core_origin": results.get("blas_core_origin"),
           "chapter05_seconds": middle - start, "chapter05_minutes": (middle - start) / 60,
           "chapter06_seconds": end - middle, "chapter06_minutes": (end - middle) / 60},
          open(path, "w"), indent=2, sort_keys=True)
PYTHON
cd "$repository"
python3 Scripts/fill-numbers.py --refresh book.md README.md Benchmarks/README.md
echo "chapter 05: $(python3 -c "import json; print(round(json.load(open('Figures/default-run-times.json'))['chapter05_minutes'], 1))") min," \
     "chapter 06: $(python3 -c "import json; print(round(json.load(open('Figures/default-run-times.json'))['chapter06_minutes'], 1))") min"
