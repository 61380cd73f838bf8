#!/usr/bin/env python3
"""Batch norm's running averages and chapter 05's three models: the numbers and figures of
book.md's "Two models in one file" (the reproduction chapter).

A flow trained against a critic runs its coupling networks on its own samples, and their
batch norms average the statistics of those samples into the running averages that
evaluation mode uses. `flowgan batchnorm` re-estimates the averages on training images
(Scripts/batchnorm-study.sh runs it, and chapter 06 on the changed models, for each seed).
This script reads, for each run, chapter 06's results with the models' own averages and
with the re-estimated ones, and writes Figures/batchnorm/summary.json (per run and
objective: exact test NLL and MODE score both ways; per claim: the runs it holds in) and
two figures with their gnuplot scripts: batchnorm-effect.png (the hybrid's NLL behind MLE's,
and each objective's MODE score, both ways, run by run) and batchnorm-samples.png (the
10x-longer classroom run's samples both ways, the same latent draws).

Copy first: Runs/batchnorm-seed-N/flowgan-batchnorm.json and Runs/ch06-seed-N-bn/ch06-results.json
to Figures/batchnorm/seed-N/ (seed 0: the default run's models), and the classroom run's to
Figures/batchnorm/classroom-long/ with its sample grids (`flowgan sample --count 16` of each model
in both folders). Then

    python3 Scripts/batchnorm-summary.py
"""
import json
import subprocess
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
folder = root / "Figures" / "batchnorm"
objectives = ["mle", "adv", "hybrid"]


def load(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        sys.exit(f"batchnorm-summary: cannot read {path.relative_to(root)}: {error}")


# (key, label, chapter 06 with the models' own averages, the re-estimated run's folder)
runs = [(f"seed_{s}", f"seed {s}",
         root / ("Figures/ch06-results.json" if s == 0 else f"Figures/ch05-seeds/seed-{s}/ch06-results.json"),
         folder / f"seed-{s}") for s in range(4)]
runs.append(("classroom_long", "seed 0, 10x", root / "Figures/ch05-classroom-long/ch06-results.json", folder / "classroom-long"))
runs.append(("recipe_long", "seed 0, paper's sizes, 10x", root / "Figures/ch05-recipe-long/ch06-results.json", folder / "recipe-long"))
runs = [r for r in runs if (r[3] / "ch06-results.json").exists()]
if not runs:
    sys.exit("batchnorm-summary: no re-estimated run in Figures/batchnorm/")

summary = {"source": "Scripts/batchnorm-summary.py", "runs": {}, "claims": {}}
for key, label, own_path, data_folder in runs:
    own, data = load(own_path), load(data_folder / "ch06-results.json")
    changed = load(data_folder / "flowgan-batchnorm.json")
    entry = {"label": label, "batches": changed["batches"]}
    for o in objectives:
        entry[o] = {"nll_own_averages": own[o]["exact_nll_nats"], "nll_reestimated": data[o]["exact_nll_nats"],
                    "mode_own_averages": own[o]["mode_score"], "mode_reestimated": data[o]["mode_score"],
                    "mode_sd_own_averages": own[o]["mode_score_sd"], "mode_sd_reestimated": data[o]["mode_score_sd"]}
    for way in ["own_averages", "reestimated"]:
        mle, hybrid = entry["mle"][f"nll_{way}"], entry["hybrid"][f"nll_{way}"]
        entry[f"hybrid_minus_mle_nats_{way}"] = hybrid - mle
        entry[f"hybrid_minus_mle_percent_{way}"] = (hybrid - mle) / abs(mle) * 100
    summary["runs"][key] = entry


def holds(name, test):
    keys = [k for k in summary["runs"] if test(summary["runs"][k])]
    summary["claims"][name] = {"holds_in": len(keys), "of": len(summary["runs"]), "runs": keys}


holds("hybrid_within_1_percent_of_mle_own_averages", lambda r: r["hybrid_minus_mle_percent_own_averages"] <= 1)
holds("hybrid_within_1_percent_of_mle_reestimated", lambda r: r["hybrid_minus_mle_percent_reestimated"] <= 1)
holds("hybrid_nll_ahead_of_mle_reestimated", lambda r: r["hybrid_minus_mle_nats_reestimated"] < 0)
holds("hybrid_gap_shrinks_when_reestimated",
      lambda r: r["hybrid_minus_mle_nats_reestimated"] < r["hybrid_minus_mle_nats_own_averages"])
holds("mle_nll_within_10_nats_either_way", lambda r: abs(r["mle"]["nll_reestimated"] - r["mle"]["nll_own_averages"]) <= 10)
holds("adv_nll_improves_when_reestimated", lambda r: r["adv"]["nll_reestimated"] < r["adv"]["nll_own_averages"])
holds("adv_mode_falls_below_1_when_reestimated", lambda r: r["adv"]["mode_reestimated"] < 1)
holds("hybrid_mode_falls_when_reestimated", lambda r: r["hybrid"]["mode_reestimated"] < r["hybrid"]["mode_own_averages"])
holds("hybrid_mode_above_mle_reestimated", lambda r: r["hybrid"]["mode_reestimated"] > r["mle"]["mode_reestimated"])
holds("hybrid_best_on_both_reestimated",
      lambda r: r["hybrid"]["nll_reestimated"] < min(r["mle"]["nll_reestimated"], r["adv"]["nll_reestimated"])
      and r["hybrid"]["mode_reestimated"] > max(r["mle"]["mode_reestimated"], r["adv"]["mode_reestimated"]))
holds("hybrid_best_on_both_own_averages",
      lambda r: r["hybrid"]["nll_own_averages"] < min(r["mle"]["nll_own_averages"], r["adv"]["nll_own_averages"])
      and r["hybrid"]["mode_own_averages"] > max(r["mle"]["mode_own_averages"], r["adv"]["mode_own_averages"]))
(folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")

# Figure 1: per run, the hybrid's NLL minus MLE's, and each objective's MODE, both ways.
lines = ["# run  hybrid-mle(own)  hybrid-mle(reest)  mode own: mle adv hybrid  mode reest: mle adv hybrid  (Scripts/batchnorm-summary.py)"]
for i, (key, *_ ) in enumerate(runs):
    r = summary["runs"][key]
    lines.append(" ".join(str(v) for v in [i, r["hybrid_minus_mle_nats_own_averages"], r["hybrid_minus_mle_nats_reestimated"]]
                          + [r[o]["mode_own_averages"] for o in objectives] + [r[o]["mode_reestimated"] for o in objectives]))
(folder / "batchnorm-effect.dat").write_text("\n".join(lines) + "\n")
# Tick labels one part a line, so that neighbours do not run into each other.
tics = ", ".join(f'"{label.replace(", ", chr(92) + "n")}" {i}' for i, (_, label, *_) in enumerate(runs))
script = f"""# Draws batchnorm-effect.png from batchnorm-effect.dat (Scripts/batchnorm-summary.py). Run in this folder: gnuplot batchnorm-effect.gp
set terminal pngcairo size 1300,570 enhanced font 'Sans,11'
set output 'batchnorm-effect.png'
set multiplot layout 1,2 title "Chapter 05's models with their own batch-norm averages and with averages re-estimated on training images"
set grid
set xtics ({tics})
set xrange [-0.5:{len(runs) - 0.5}]
set xlabel "run (seeds 0-3: the default, 1500 iterations; 10x: 15000)" offset 0,-1.5
set key outside below horizontal
set bmargin 9
set title "hybrid's test NLL minus MLE's (below 0: the hybrid is ahead)"
set ylabel "nats per image"
plot 0 with lines lc rgb 'black' notitle, \\
     'batchnorm-effect.dat' using 1:2 with points pt 7 ps 1.8 lc rgb '#c0392b' title "own averages", \\
     '' using 1:3 with points pt 5 ps 1.8 lc rgb '#1f5fa8' title "re-estimated on training images"
set title "MODE score (chapter 06's classifier; higher is better)"
set ylabel "MODE score"
set yrange [0:10]
plot 'batchnorm-effect.dat' using ($1-0.15):4 with points pt 7 ps 1.5 lc rgb '#1f77b4' title "MLE, own", \\
     '' using ($1-0.15):7 with points pt 6 ps 1.5 lw 2 lc rgb '#1f77b4' title "MLE, re-estimated", \\
     '' using 1:5 with points pt 7 ps 1.5 lc rgb '#d62728' title "ADV, own", \\
     '' using 1:8 with points pt 6 ps 1.5 lw 2 lc rgb '#d62728' title "ADV, re-estimated", \\
     '' using ($1+0.15):6 with points pt 7 ps 1.5 lc rgb '#2ca02c' title "hybrid, own", \\
     '' using ($1+0.15):9 with points pt 6 ps 1.5 lw 2 lc rgb '#2ca02c' title "hybrid, re-estimated"
unset multiplot
"""
(folder / "batchnorm-effect.gp").write_text(script)
subprocess.run(["gnuplot", "batchnorm-effect.gp"], cwd=folder, check=True)

# Figure 2: the 10x-longer run's samples, the same latent draws, both ways (its grids as
# flowgan sample wrote them: 16 samples, 229 pixels a side).
long = folder / "classroom-long"
if (long / "samples-own-mle-grid.png").exists():
    panels = []
    for way, words in [("own", "own averages"), ("reestimated", "averages re-estimated")]:
        for o in objectives:
            name = {"mle": "MLE", "adv": "ADV", "hybrid": "hybrid"}[o]
            panels.append(f"set title \"{name}, {words}\"\n"
                          f"plot 'classroom-long/samples-{way}-{o}-grid.png' binary filetype=png with rgbimage notitle")
    nll = {o: summary["runs"]["classroom_long"][o] for o in objectives}
    script = f"""# Draws batchnorm-samples.png from the grids in classroom-long/ (Scripts/batchnorm-summary.py). Run in this folder: gnuplot batchnorm-samples.gp
set terminal pngcairo size 1120,760 enhanced font 'Sans,11'
set output 'batchnorm-samples.png'
set multiplot layout 2,3 title "The same 16 latent draws through each model of the 10x-longer run\\nTop: its own batch-norm averages (MODE: MLE {nll['mle']['mode_own_averages']:.2f}, ADV {nll['adv']['mode_own_averages']:.2f}, hybrid {nll['hybrid']['mode_own_averages']:.2f}). Bottom: re-estimated on training images ({nll['mle']['mode_reestimated']:.2f}, {nll['adv']['mode_reestimated']:.2f}, {nll['hybrid']['mode_reestimated']:.2f})" font ',11'
set size ratio -1
unset xtics
unset ytics
set border 0
set xrange [0:229]
set yrange [0:229]
set xlabel "16 samples, 4 by 4"
set ylabel "one sample a cell"
{chr(10).join(panels)}
unset multiplot
"""
    (folder / "batchnorm-samples.gp").write_text(script)
    subprocess.run(["gnuplot", "batchnorm-samples.gp"], cwd=folder, check=True)

for name, c in summary["claims"].items():
    print(f"{name}: {c['holds_in']} of {c['of']} runs")
