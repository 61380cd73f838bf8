#!/usr/bin/env python3
"""Chapter 05's runs of every length against issue 29's goals and the paper's Table 1.

Reads each run's chapter 05 and chapter 06 results (the default run, seed 0, and its range
over the seeds in Figures/ch05-seeds/; the classroom sizes at 15,000 iterations in
Figures/ch05-classroom-long/; the paper's sizes at 3,000 iterations in Figures/ch05-long/
and at 15,000 in Figures/ch05-recipe-long/; each 15,000-iteration run also with its batch-norm
averages re-estimated on training images, Figures/batchnorm/) and writes
Figures/ch05-long-runs/goals.json, per run each goal's measured value, its target, whether
it is met and by how much it falls short, and the figure ch05-long-runs.png (with its
gnuplot script and data): test NLL and MODE score against training iterations.

The goals (issue 29): the MODE score of the hybrid and of ADV at least 8 with chapter 06's
classifier; MLE's MODE below each of theirs by more than 3 standard deviations (the SD of
the difference, sqrt(sd_a^2 + sd_b^2), each SD over chapter 06's 10 sample splits); the
hybrid's test NLL within 1% of MLE's; ADV's at least 1000 nats worse than MLE's.

    python3 Scripts/long-run-goals.py
"""
import json
import math
import re
import subprocess
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
out = root / "Figures" / "ch05-long-runs"
objectives = ["mle", "adv", "hybrid"]
# The paper's Table 1 (MNIST, 500 epochs): MODE score and test NLL in nats.
paper = {"mle": {"mode_score": 7.42, "test_nll_nats": -3334.56},
         "adv": {"mode_score": 9.24, "test_nll_nats": -1604.09},
         "hybrid": {"mode_score": 9.37, "test_nll_nats": -3342.95}}


def load(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        sys.exit(f"long-run-goals: cannot read {path.relative_to(root)}: {error}")


# (key, label, folder of ch05/ch06 results, point type in the figure, folder of ch06's results
# when they are of the same models changed afterwards: their batch-norm averages re-estimated
# on training images by `flowgan batchnorm`, Scripts/batchnorm-summary.py)
runs = [("default", "classroom sizes, default", root / "Figures", 7, None),
        ("classroom_long", "classroom sizes, 10x longer", root / "Figures/ch05-classroom-long", 5, None),
        ("classroom_long_reestimated", "10x longer, BN averages re-estimated", root / "Figures/ch05-classroom-long", 4,
         root / "Figures/batchnorm/classroom-long"),
        ("recipe_long_3000", "paper's sizes, 3000 it.", root / "Figures/ch05-long", 9, None),
        ("recipe_long", "paper's sizes, 10x longer", root / "Figures/ch05-recipe-long", 11, None),
        ("recipe_long_reestimated", "paper's sizes 10x, BN averages re-estimated", root / "Figures/ch05-recipe-long", 6,
         root / "Figures/batchnorm/recipe-long")]
runs = [r for r in runs if ((r[4] or r[2]) / "ch06-results.json").exists()]
results = {}
for key, _, folder, _, changed in runs:
    ch05, ch06 = load(folder / "ch05-results.json"), load((changed or folder) / "ch06-results.json")
    for o in objectives:
        # Chapter 06 must have scored these very models (or, `changed`, these models after the change).
        if changed is None and abs(ch05[o]["test_nll_nats"] - ch06[o]["exact_nll_nats"]) > 1e-6 * abs(ch05[o]["test_nll_nats"]):
            sys.exit(f"long-run-goals: {folder.relative_to(root)}: chapter 06's exact NLL of {o} is not chapter 05's")
    results[key] = (ch05, ch06)
seeds = load(root / "Figures/ch05-seeds/ranges.json")


def goals(ch05, ch06):
    mode = {o: ch06[o]["mode_score"] for o in objectives}
    sd = {o: ch06[o]["mode_score_sd"] for o in objectives}
    nll = {o: ch06[o]["exact_nll_nats"] for o in objectives}   # chapter 05's test NLL, or the changed model's
    found = {}
    for o in ["hybrid", "adv"]:
        found[f"{o}_mode_at_least_8"] = {"value": mode[o], "target": 8.0, "met": mode[o] >= 8.0,
                                         "short_by": max(0.0, 8.0 - mode[o])}
        spread = math.sqrt(sd[o] ** 2 + sd["mle"] ** 2)
        margin = (mode[o] - mode["mle"]) / spread
        found[f"mle_mode_below_{o}_by_3_sd"] = {"value": margin, "target": 3.0, "met": margin > 3.0,
                                                "short_by": max(0.0, 3.0 - margin),
                                                "unit": "SDs of the difference"}
    deficit = (nll["hybrid"] - nll["mle"]) / abs(nll["mle"]) * 100
    found["hybrid_nll_within_1_percent_of_mle"] = {"value": deficit, "target": 1.0, "met": deficit <= 1.0,
                                                   "short_by": max(0.0, deficit - 1.0), "unit": "percent behind MLE"}
    gap = nll["adv"] - nll["mle"]
    found["adv_nll_1000_nats_worse"] = {"value": gap, "target": 1000.0, "met": gap >= 1000.0,
                                        "short_by": max(0.0, 1000.0 - gap), "unit": "nats behind MLE"}
    return found


def time_taken(folder, ch05):
    """(sessions, seconds of wall-clock training): from the spans of the run's log.txt
    (Scripts/long-runs.sh writes one per session) when it has one, else one session of the
    results file's own seconds."""
    log = folder / "log.txt"
    if not log.exists() or folder == root / "Figures":
        return 1, ch05["seconds"]
    spans = [re.search(r": (?:about )?(\d+) s,", line) for line in log.read_text().splitlines() if line.startswith("span ")]
    if not spans or None in spans:
        sys.exit(f"long-run-goals: {log.relative_to(root)}: a span line without its seconds")
    return len(spans), sum(int(m.group(1)) for m in spans)


summary = {"source": "Scripts/long-run-goals.py", "paper_table_1": paper, "runs": {}}
for key, label, folder, _, changed in runs:
    ch05, ch06 = results[key]
    found = goals(ch05, ch06)
    summary["runs"][key] = {
        "label": label, "folder": str(folder.relative_to(root)), "iterations": ch05["mle"]["iterations"],
        # The long run at the paper's sizes predates chapter_settings in the results file.
        "configuration": ch05.get("chapter_settings", {}).get("configuration", "recipe"),
        "mode_score": {o: ch06[o]["mode_score"] for o in objectives},
        "mode_score_sd": {o: ch06[o]["mode_score_sd"] for o in objectives},
        "test_nll_nats": {o: ch06[o]["exact_nll_nats"] for o in objectives},
        "batch_norm_averages": "re-estimated on training images" if changed else "the model's own",
        "sessions": time_taken(folder, ch05)[0], "wall_clock_hours": time_taken(folder, ch05)[1] / 3600,
        "goals": found, "goals_met": sum(g["met"] for g in found.values()), "goals_count": len(found)}
summary["default_over_seeds"] = {
    "seed_count": seeds["seed_count"],
    "mode_score": {o: {k: seeds["numbers"][f"{o}_mode_score"][k] for k in ["min", "median", "max"]} for o in objectives}}
out.mkdir(parents=True, exist_ok=True)
(out / "goals.json").write_text(json.dumps(summary, indent=2) + "\n")

# The figure's data: one block per run and objective (iteration, tracked test NLL), then the
# MODE points (iterations, score, low, high: the seeds' range for the default run, ± SD else).
lines = ["# Test NLL of the 2000 tracked test images against iterations; blocks: run, objective (Scripts/long-run-goals.py)"]
for key, label, _, _, changed in runs:
    for o in ["mle", "hybrid"]:
        lines.append(f"# {key} {o}")
        if changed:   # no training curve: the changed model's test NLL at the end
            lines.append(f"{results[key][0][o]['iterations']} {results[key][1][o]['exact_nll_nats']}")
        for entry in ([] if changed else results[key][0][o]["history"][1:]):
            lines.append(f"{entry['iteration']} {entry['test_nll_tracked']}")
        lines += ["", ""]
(out / "ch05-long-runs-nll.dat").write_text("\n".join(lines) + "\n")
lines = ["# iterations mode low high, one block per objective and run (Scripts/long-run-goals.py)"]
for o in objectives:
    for key, *_ in runs:
        ch05, ch06 = results[key]
        score, sd = ch06[o]["mode_score"], ch06[o]["mode_score_sd"]
        low, high = (seeds["numbers"][f"{o}_mode_score"]["min"], seeds["numbers"][f"{o}_mode_score"]["max"]) \
            if key == "default" else (score - sd, score + sd)
        lines += [f"# {o} {key}", f"{ch05[o]['iterations']} {score} {low} {high}", "", ""]
(out / "ch05-long-runs-mode.dat").write_text("\n".join(lines) + "\n")

colours = {"mle": "#1f77b4", "hybrid": "#2ca02c", "adv": "#d62728"}
dashes = {"default": 1, "classroom_long": 1, "recipe_long_3000": 2, "recipe_long": 2}
nll_plots = []
for block, (key, label, _, pt, changed) in enumerate(runs):
    for j, o in enumerate(["mle", "hybrid"]):
        index = 2 * block + j
        style = f"points pt {pt} ps 1.6" if changed else f"linespoints dt {dashes[key]} pt {pt}"
        nll_plots.append(f"'ch05-long-runs-nll.dat' index {index} using 1:2 with {style} "
                         f"lc rgb '{colours[o]}' lw 2 title \"{o.upper() if o == 'mle' else o}, {label}\"")
nll_plots.append(f"-3334.56 with lines dt 3 lw 2 lc rgb '{colours['mle']}' title \"paper's MLE (500 epochs)\"")
nll_plots.append(f"-3342.95 with lines dt 3 lw 2 lc rgb '{colours['hybrid']}' title \"paper's hybrid\"")
adv_final = [results[key][1]["adv"]["exact_nll_nats"] for key, *_ in runs]
nll_plots.append(f"NaN with lines lc rgb '{colours['adv']}' lw 2 title \"ADV: {min(adv_final):.0f} to {max(adv_final):.0f}, off scale\"")
mode_plots = []
# The three objectives' points at one length are set a little apart (x times 0.93, 1, 1.07)
# so that their bars do not hide each other; the run's size is the point's shape.
for i, o in enumerate(objectives):
    name = {"mle": "MLE", "adv": "ADV", "hybrid": "hybrid"}[o]
    shift = [0.93, 1.0, 1.07][i]
    for r, (key, label, _, pt, _) in enumerate(runs):
        title = f"title '{name}'" if r == 0 else "notitle"
        mode_plots.append(f"'ch05-long-runs-mode.dat' index {i * len(runs) + r} using ($1*{shift}):2:3:4 with yerrorbars "
                          f"pt {pt} ps 1.5 lw 2 lc rgb '{colours[o]}' {title}")
for i, o in enumerate(objectives):
    name = {"mle": "MLE", "adv": "ADV", "hybrid": "hybrid"}[o]
    mode_plots.append(f"{paper[o]['mode_score']} with lines dt 3 lw 2 lc rgb '{colours[o]}' title \"paper's {name}\"")
mode_plots.append("8 with lines dt 1 lc rgb '#808080' lw 1 title 'goal: 8'")
for key, label, _, pt, _ in runs:
    mode_plots.append(f"NaN with points pt {pt} ps 1.5 lc rgb 'black' title \"{label}\"")
script = f"""# Draws ch05-long-runs.png from ch05-long-runs-nll.dat and ch05-long-runs-mode.dat
# (Scripts/long-run-goals.py). Run in this folder: gnuplot ch05-long-runs.gp
set terminal pngcairo size 1800,620 enhanced font 'Sans,11'
set output 'ch05-long-runs.png'
set multiplot layout 1,2 title "Chapter 05 against training length: each run, one seed (seed 0); MODE bars: the default's range over seeds 0-{seeds['seed_count'] - 1}, ± SD over 10 sample splits else"
set grid
set logscale x
set xrange [100:20000]
set xlabel "generator iterations (log scale)"
set key outside right top vertical font ',10'
set title "test NLL (lower is better)"
set ylabel "test NLL of 2000 tracked test images (nats)"
set yrange [-3400:-2600]
plot {", ".join(nll_plots)}
set title "MODE score at the end of training (higher is better)"
set ylabel "MODE score, chapter 06's classifier"
set yrange [0:10.5]
plot {", ".join(mode_plots)}
unset multiplot
"""
(out / "ch05-long-runs.gp").write_text(script)
subprocess.run(["gnuplot", "ch05-long-runs.gp"], cwd=out, check=True)
for key, run in summary["runs"].items():
    print(f"{key}: {run['goals_met']} of {run['goals_count']} goals met")
    for name, g in run["goals"].items():
        print(f"  {name}: {g['value']:.3f} (target {g['target']}) {'met' if g['met'] else 'short by %.3f' % g['short_by']}")
