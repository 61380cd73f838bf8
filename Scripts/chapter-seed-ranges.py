#!/usr/bin/env python3
"""Chapters 02, 03 (NICE) and 04 (2-D runs) over several seeds: the range of every number
the book ranks or compares in those chapters, and how many seeds each ranking holds in
(issue 29; Scripts/seed-ranges.py does the same for chapters 05 and 06).

Seed 0 is the default run, read from Figures/ch0X-results.json. Seed N is read from
Figures/chapter-seeds/ch0X-seed-N/ch0X-results.json; `--copy` first copies the results
files of Scripts/chapter-seeds.sh (Runs/ch0X-seed-N/) there. Writes
Figures/chapter-seeds/ranges.json (per number: each seed's value, min, median, max; per
ranking: the seeds it holds in) and the figure chapter-seeds.png with its gnuplot script
and data.

    python3 Scripts/chapter-seed-ranges.py [--copy]
"""
import json
import shutil
import subprocess
import sys
from pathlib import Path

from seed_summary import difference, print_counts, read, run_settings, summarise, value

root = Path(__file__).resolve().parent.parent
folder = root / "Figures" / "chapter-seeds"
chapters = ["ch02", "ch03", "ch04"]
datasets = ["two-moons", "8-gaussians", "checkerboard"]


def load(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        sys.exit(f"chapter-seed-ranges: cannot read {path.relative_to(root)}: {error}")


if "--copy" in sys.argv[1:]:
    for run in sorted((root / "Runs").glob("ch0[234]-seed-*")):
        chapter = run.name.split("-")[0]
        results = run / f"{chapter}-results.json"
        if results.exists():
            (folder / run.name).mkdir(parents=True, exist_ok=True)
            shutil.copy2(results, folder / run.name / results.name)
elif sys.argv[1:]:
    sys.exit("usage: python3 Scripts/chapter-seed-ranges.py [--copy]")

# runs[seed] = {"ch02": results, "ch03": ..., "ch04": ...}; a seed counts only when all
# three chapters have run with it.
runs = {0: {c: load(root / "Figures" / f"{c}-results.json") for c in chapters}}
seed_folders = {}
for path in folder.glob("ch0*-seed-*"):
    seed_folders.setdefault(int(path.name.split("-")[2]), []).append(path)
for seed in sorted(seed_folders):
    found = {p.name.split("-")[0]: p for p in seed_folders[seed]}
    if all(c in found and (found[c] / f"{c}-results.json").exists() for c in chapters):
        runs[seed] = {c: load(found[c] / f"{c}-results.json") for c in chapters}
    else:
        print(f"seed {seed}: not all of chapters 02-04 have run; left out", file=sys.stderr)
seeds = sorted(runs)
for seed, r in runs.items():
    for c in chapters:
        if r[c]["seed"] != seed or r[c].get("quick", True):
            sys.exit(f"chapter-seed-ranges: {c} of seed {seed} is not a full run with that seed (seed {r[c]['seed']}, quick {r[c].get('quick')})")


def density(r, dataset, key): return r["ch02"]["densities"][dataset][key]
def toy(r, run): return r["ch04"]["toy"][run]
def curve(r, iteration):
    """Chapter 03's history entry at one iteration."""
    return next(h for h in r["ch03"]["history"] if h["iteration"] == iteration)


def first_iteration_holding_all(r, run):
    """The first count from which the generator covers every mode at every later count."""
    history = toy(r, run)["coverage_history"]
    total = toy(r, run)["modes_total"]
    first = None
    for iteration, modes in zip(history["iteration"], history["modes_covered"]):
        if modes == total:
            first = iteration if first is None else first
        else:
            first = None
    return first


# The numbers, by name: each a function of one seed's results. A number read straight from
# a results file (or the difference of two) is declared by its source, which also goes into
# ranges.json, so that `flowgan check` reads the same number from a student's file.
quantities = {}
sources = {}
def plain(name, source):
    sources[name] = source
    quantities[name] = lambda r: read(source, {f"{c}-results.json": r[c] for c in chapters})


for dataset in datasets:
    for model in ["gaussian", "additive", "affine"]:
        plain(f"ch02_{dataset}_{model}_test_log_likelihood", value("ch02", "densities", dataset, f"{model}_test_log_likelihood"))
    plain(f"ch02_{dataset}_affine_minus_additive", difference(value("ch02", "densities", dataset, "affine_test_log_likelihood"),
                                                              value("ch02", "densities", dataset, "additive_test_log_likelihood")))
for model in ["additive", "affine"]:
    for key in ["share_near_mode", "modes_covered"]:
        plain(f"ch02_8-gaussians_{model}_{key}", value("ch02", "densities", "8-gaussians", f"{model}_{key}"))
plain("ch03_test_nll_nats", value("ch03", "test_nll_nats"))
plain("ch03_test_bits_per_dim", value("ch03", "test_bits_per_dim"))
quantities["ch03_train_minus_valid_at_500"] = lambda r: curve(r, 500)["train_nll"] - curve(r, 500)["valid_nll"]
quantities["ch03_train_minus_valid_at_3000"] = lambda r: curve(r, 3000)["train_nll"] - curve(r, 3000)["valid_nll"]
quantities["ch03_valid_improvement_last_500"] = lambda r: curve(r, 2500)["valid_nll"] - curve(r, 3000)["valid_nll"]
for run in ["8-gaussians-gp", "8-gaussians-clip", "25-gaussians-gp", "25-gaussians-clip"]:
    key = run.replace("-gaussians-", "g_")
    for number in ["modes_covered", "share_near_mode", "wasserstein_estimate"]:
        plain(f"ch04_{key}_{number}", value("ch04", "toy", run, number))
    quantities[f"ch04_{key}_most_modes_along_the_run"] = lambda r, run=run: max(toy(r, run)["coverage_history"]["modes_covered"])
quantities["ch04_8g_gp_first_iteration_holding_all_modes"] = lambda r: first_iteration_holding_all(r, "8-gaussians-gp")

q = quantities
rankings = {
    "ch02_every_flow_beats_the_gaussian": lambda r: all(
        density(r, d, f"{m}_test_log_likelihood") > density(r, d, "gaussian_test_log_likelihood")
        for d in datasets for m in ["additive", "affine"]),
    "ch02_affine_beats_additive_on_all_three": lambda r: all(q[f"ch02_{d}_affine_minus_additive"](r) > 0 for d in datasets),
    "ch02_no_flow_reaches_the_true_density": lambda r: all(
        density(r, d, f"{m}_test_log_likelihood") < density(r, d, "true_test_log_likelihood")
        for d in ["8-gaussians", "checkerboard"] for m in ["additive", "affine"]),
    "ch02_affine_share_near_mode_above_additive": lambda r: q["ch02_8-gaussians_affine_share_near_mode"](r)
        > q["ch02_8-gaussians_additive_share_near_mode"](r),
    "ch02_both_flows_cover_all_8_modes": lambda r: q["ch02_8-gaussians_affine_modes_covered"](r) == 8
        and q["ch02_8-gaussians_additive_modes_covered"](r) == 8,
    "ch03_training_mean_above_validation_at_500": lambda r: q["ch03_train_minus_valid_at_500"](r) > 0,
    "ch03_training_mean_above_validation_at_3000": lambda r: q["ch03_train_minus_valid_at_3000"](r) > 0,
    "ch03_gap_narrows_from_500_to_3000": lambda r: q["ch03_train_minus_valid_at_3000"](r) < q["ch03_train_minus_valid_at_500"](r),
    "ch03_validation_still_falling_at_3000": lambda r: q["ch03_valid_improvement_last_500"](r) > 0,
    "ch04_gp_covers_all_8": lambda r: q["ch04_8g_gp_modes_covered"](r) == 8,
    "ch04_clip_covers_at_most_2_of_8": lambda r: q["ch04_8g_clip_modes_covered"](r) <= 2,
    "ch04_gp_share_near_mode_above_clip_on_both_grids": lambda r: q["ch04_8g_gp_share_near_mode"](r) > q["ch04_8g_clip_share_near_mode"](r)
        and q["ch04_25g_gp_share_near_mode"](r) > q["ch04_25g_clip_share_near_mode"](r),
    "ch04_gp_holds_all_8_from_iteration_600_or_earlier": lambda r: (q["ch04_8g_gp_first_iteration_holding_all_modes"](r) or 10**9) <= 600,
    "ch04_gp_covers_more_of_25_than_clip": lambda r: q["ch04_25g_gp_modes_covered"](r) > q["ch04_25g_clip_modes_covered"](r),
    "ch04_gp_covers_at_least_20_of_25": lambda r: q["ch04_25g_gp_modes_covered"](r) >= 20,
    "ch04_clip_never_above_10_of_25": lambda r: q["ch04_25g_clip_most_modes_along_the_run"](r) <= 10,
    "ch04_clip_critic_flatter_than_gp_on_both_grids": lambda r: q["ch04_8g_clip_wasserstein_estimate"](r) < q["ch04_8g_gp_wasserstein_estimate"](r)
        and q["ch04_25g_clip_wasserstein_estimate"](r) < q["ch04_25g_gp_wasserstein_estimate"](r),
}

summary = {"seeds": seeds, "seed_count": len(seeds),
           "source": "Figures/ch0X-results.json (seed 0), Figures/chapter-seeds/ch0X-seed-N/ (seed N, Scripts/chapter-seeds.sh)",
           "blas_cores": {str(s): sorted({runs[s][c]["blas_core"] for c in chapters}) for s in seeds},
           "numbers": {}, "rankings": {}}
summary["numbers"], summary["rankings"] = summarise(runs, quantities, rankings)
summary["sources"] = sources
# The settings a student's run must share with these runs for the ranges to apply.
summary["applies_to"] = {f"{c}-results.json": run_settings([runs[s][c] for s in seeds]) for c in chapters}
folder.mkdir(parents=True, exist_ok=True)
(folder / "ranges.json").write_text(json.dumps(summary, indent=2) + "\n")

# The figure, one panel per chapter, seed on the x axis (points, not lines: seeds have no order).
lines = ["# seed  ch02: affine-minus-additive (two-moons 8-gaussians checkerboard)  ch03: test_bpd"
         "  ch04: modes 8g-gp 8g-clip 25g-gp 25g-clip"]
for s in seeds:
    r = runs[s]
    values = [s] + [q[f"ch02_{d}_affine_minus_additive"](r) for d in datasets] + [q["ch03_test_bits_per_dim"](r)] \
        + [q[f"ch04_{k}_modes_covered"](r) for k in ["8g_gp", "8g_clip", "25g_gp", "25g_clip"]]
    lines.append(" ".join(f"{v:.6g}" if isinstance(v, float) else str(v) for v in values))
(folder / "chapter-seeds.dat").write_text("\n".join(lines) + "\n")
script = f"""# Draws chapter-seeds.png from chapter-seeds.dat (Scripts/chapter-seed-ranges.py). Run in this folder: gnuplot chapter-seeds.gp
set terminal pngcairo size 1500,500 enhanced font 'Sans,11'
set output 'chapter-seeds.png'
set multiplot layout 1,3 title "Chapters 02-04, default runs over {len(seeds)} seeds"
set grid
set xlabel "seed"
set xtics 1
set xrange [{min(seeds) - 0.5}:{max(seeds) + 0.5}]
set key outside bottom center horizontal maxrows 2
set bmargin 8
set title "02: affine minus additive couplings (above 0: affine better)"
set ylabel "test log-likelihood difference (nats per point)"
set yrange [0:*]
plot 'chapter-seeds.dat' using ($1-0.1):2 with points pt 7 ps 1.6 title "two moons", \\
     '' using 1:3 with points pt 5 ps 1.6 title "8 Gaussians", \\
     '' using ($1+0.1):4 with points pt 9 ps 1.6 title "checkerboard"
set title "03: NICE, 3000 iterations"
set ylabel "test NLL (bits per dimension; lower is better)"
set yrange [*:*]
plot 'chapter-seeds.dat' using 1:5 with points pt 7 ps 1.6 title "NICE test NLL"
set title "04: modes covered at the end, gradient penalty vs clipping"
set ylabel "modes covered"
set yrange [0:26]
plot 'chapter-seeds.dat' using ($1-0.1):6 with points pt 7 ps 1.6 title "8 Gaussians, penalty", \\
     '' using ($1-0.1):7 with points pt 6 ps 1.6 title "8 Gaussians, clipping", \\
     '' using ($1+0.1):8 with points pt 5 ps 1.6 title "25 Gaussians, penalty", \\
     '' using ($1+0.1):9 with points pt 4 ps 1.6 title "25 Gaussians, clipping"
unset multiplot
"""
(folder / "chapter-seeds.gp").write_text(script)
subprocess.run(["gnuplot", "chapter-seeds.gp"], cwd=folder, check=True)
print_counts(summary["rankings"])
