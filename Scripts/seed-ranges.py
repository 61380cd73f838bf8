#!/usr/bin/env python3
"""Chapter 05's default run and chapter 06 over several seeds: the range of every number
the book ranks or compares, and how many seeds each ranking holds in (issue 29).

Reads seed 0 from Figures/ch05-results.json and Figures/ch06-results.json (the default
runs) and seed N from Figures/ch05-seeds/seed-N/ (Scripts/run-seeds.sh writes Runs/ch05-seed-N
and Runs/ch06-seed-N; copy their results files and sample grids there). Writes
Figures/ch05-seeds/ranges.json (per number: each seed's value, min, median, max; per
ranking: the seeds it holds in) and the figure ch05-seeds.png with its gnuplot script and
data (each objective's test NLL and MODE score, seed by seed).

    python3 Scripts/seed-ranges.py
"""
import json
import subprocess
import sys
from pathlib import Path

from seed_summary import difference, print_counts, read, run_settings, summarise, value

root = Path(__file__).resolve().parent.parent
folder = root / "Figures" / "ch05-seeds"
objectives = ["mle", "adv", "hybrid"]


def load(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        sys.exit(f"seed-ranges: cannot read {path.relative_to(root)}: {error}")


runs = {0: (load(root / "Figures/ch05-results.json"), load(root / "Figures/ch06-results.json"))}
for seed_folder in sorted(folder.glob("seed-*"), key=lambda p: int(p.name.split("-")[1])):
    seed = int(seed_folder.name.split("-")[1])
    runs[seed] = (load(seed_folder / "ch05-results.json"), load(seed_folder / "ch06-results.json"))
seeds = sorted(runs)
for seed, (ch05, ch06) in runs.items():
    # A seed's chapter 06 must have scored that seed's chapter 05 models with the same code
    # as the default run's (the AIS check, the BDMC gap, came in later than the first seeds).
    for objective in objectives:
        if abs(ch05[objective]["test_nll_nats"] - ch06[objective]["exact_nll_nats"]) > 1e-6 * abs(ch05[objective]["test_nll_nats"]):
            sys.exit(f"seed-ranges: seed {seed}: chapter 06's exact NLL of {objective} is not chapter 05's; was it run on these models?")
        if "bdmc_gap_nats" not in ch06[objective]:
            sys.exit(f"seed-ranges: seed {seed}: its ch06-results.json predates the AIS check; run chapter 06 with --seed {seed} again")

# The numbers, by name: each a function of one seed's (ch05, ch06) results. A number read
# straight from a results file (or the difference of two) is declared by its source, which
# also goes into ranges.json for `flowgan check` (see Scripts/chapter-seed-ranges.py).
quantities = {}
sources = {}
def plain(name, source):
    sources[name] = source
    quantities[name] = lambda r: read(source, {"ch05-results.json": r[0], "ch06-results.json": r[1]})


for o in objectives:
    plain(f"{o}_test_nll_nats", value("ch05", o, "test_nll_nats"))
    for key in ["mode_score", "inception_score", "kde_nll_nats", "ais_nll_nats", "bdmc_gap_nats",
                "jacobian_singular_value_median", "jacobian_condition_median", "saturated_pixel_share"]:
        plain(f"{o}_{key}", value("ch06", o, key))
    plain(f"{o}_mixture_sigmas_beating_on_both", value("ch06", "gaussian_mixture_baseline", "sigmas_beating_on_both", o))
plain("hybrid_minus_mle_nats", difference(value("ch05", "hybrid", "test_nll_nats"), value("ch05", "mle", "test_nll_nats")))
quantities["hybrid_minus_mle_percent"] = lambda r: 100 * (r[0]["hybrid"]["test_nll_nats"] - r[0]["mle"]["test_nll_nats"]) / abs(r[0]["mle"]["test_nll_nats"])
plain("classifier_test_accuracy", value("ch06", "classifier_test_accuracy"))
# Chapter 05's 2-D run on 8 Gaussians.
for o in objectives:
    for key in ["test_log_likelihood", "modes_covered", "share_near_mode"]:
        plain(f"toy_{o}_{key}", value("ch05", "toy", f"{o}_{key}"))

def nll(r, o): return r[0][o]["test_nll_nats"]
def mode(r, o): return r[1][o]["mode_score"]
def inception(r, o): return r[1][o]["inception_score"]
def toy(r, o, key): return r[0]["toy"][f"{o}_{key}"]


def tracked(r, o):
    """The tracked test NLL of objective o during training, by iteration."""
    return {h["iteration"]: h["test_nll_tracked"] for h in r[0][o]["history"]}


def hybrid_ahead(r, iterations):
    """Whether the hybrid's tracked test NLL is below MLE's at every one of these iterations."""
    mle, hybrid = tracked(r, "mle"), tracked(r, "hybrid")
    return all(hybrid[i] < mle[i] for i in iterations)


def mle_ahead_from(r, first):
    """Whether MLE's tracked test NLL is below the hybrid's at every iteration from `first` on."""
    mle, hybrid = tracked(r, "mle"), tracked(r, "hybrid")
    return all(mle[i] < hybrid[i] for i in mle if i >= first)


def falls_by_half(r, o):
    """Whether objective o's tracked test NLL, once positive, later falls below half of its
    highest value so far: a spike and a fall, not a steady rise."""
    values = [h["test_nll_tracked"] for h in r[0][o]["history"]]
    return any(0 < values[j] < 0.5 * max(values[:j]) for j in range(1, len(values)))


# The rankings and comparisons the book makes, each a test of one seed's results.
rankings = {
    "mle_best_test_nll": lambda r: nll(r, "mle") < min(nll(r, "hybrid"), nll(r, "adv")),
    "hybrid_nll_within_1_percent_of_mle": lambda r: nll(r, "hybrid") - nll(r, "mle") < 0.01 * abs(nll(r, "mle")),
    "adv_worst_test_nll_by_over_1000_nats": lambda r: nll(r, "adv") > max(nll(r, "mle"), nll(r, "hybrid")) + 1000,
    "adv_test_nll_positive": lambda r: nll(r, "adv") > 0,
    "hybrid_best_mode": lambda r: mode(r, "hybrid") > max(mode(r, "mle"), mode(r, "adv")),
    "adv_mode_above_mle": lambda r: mode(r, "adv") > mode(r, "mle"),
    "hybrid_best_inception": lambda r: inception(r, "hybrid") > max(inception(r, "mle"), inception(r, "adv")),
    "kde_ranks_adv_worst": lambda r: r[1]["adv"]["kde_nll_nats"] > max(r[1]["mle"]["kde_nll_nats"], r[1]["hybrid"]["kde_nll_nats"]),
    "kde_ranks_hybrid_above_mle": lambda r: r[1]["hybrid"]["kde_nll_nats"] < r[1]["mle"]["kde_nll_nats"],
    "mixture_beats_adv_on_both_at_some_sigma": lambda r: quantities["adv_mixture_sigmas_beating_on_both"](r) > 0,
    "mixture_beats_mle_and_hybrid_on_both_at_no_sigma":
        lambda r: quantities["mle_mixture_sigmas_beating_on_both"](r) == 0 and quantities["hybrid_mixture_sigmas_beating_on_both"](r) == 0,
    "adv_smallest_median_singular_value": lambda r: r[1]["adv"]["jacobian_singular_value_median"]
        < min(r[1]["mle"]["jacobian_singular_value_median"], r[1]["hybrid"]["jacobian_singular_value_median"]),
    "adv_largest_condition_median": lambda r: r[1]["adv"]["jacobian_condition_median"]
        > max(r[1]["mle"]["jacobian_condition_median"], r[1]["hybrid"]["jacobian_condition_median"]),
    # The logit-space Jacobian's spectrum (chapter 06, "Ill-conditioned generators").
    "adv_widest_logit_spectrum": lambda r: all(
        r[1]["adv"][f"logit_jacobian_{key}"] * sign > max(r[1][o][f"logit_jacobian_{key}"] * sign for o in ["mle", "hybrid"])
        for key, sign in [("singular_value_min", -1), ("singular_value_max", 1), ("condition_median", 1)]),
    "hybrid_logit_condition_median_within_3x_of_mle":
        lambda r: r[1]["hybrid"]["logit_jacobian_condition_median"] < 3 * r[1]["mle"]["logit_jacobian_condition_median"],
    "bdmc_gap_under_10_nats_for_mle_and_hybrid": lambda r: max(r[1]["mle"]["bdmc_gap_nats"], r[1]["hybrid"]["bdmc_gap_nats"]) < 10,
    # Chapter 06's samples and the NLL's two terms (its table "Where ADV's likelihood goes").
    "adv_most_white_squares": lambda r: r[1]["adv"]["white_square_share"]
        > max(r[1]["mle"]["white_square_share"], r[1]["hybrid"]["white_square_share"]),
    "adv_most_saturated_pixels": lambda r: r[1]["adv"]["saturated_pixel_share"]
        > max(r[1]["mle"]["saturated_pixel_share"], r[1]["hybrid"]["saturated_pixel_share"]),
    "adv_volume_term_below_mle": lambda r: r[1]["adv"]["nll_volume_term_nats"] < r[1]["mle"]["nll_volume_term_nats"],
    "adv_prior_term_over_5_times_mle": lambda r: r[1]["adv"]["nll_prior_term_nats"] > 5 * r[1]["mle"]["nll_prior_term_nats"],
    # The MNIST learning curves (chapter 05's tracked test images, every 150 iterations).
    "adv_tracked_nll_falls_by_half_after_a_peak": lambda r: falls_by_half(r, "adv"),
    "hybrid_ahead_of_mle_at_300": lambda r: hybrid_ahead(r, [300]),
    "hybrid_ahead_of_mle_from_300_through_750": lambda r: hybrid_ahead(r, [300, 450, 600, 750]),
    "mle_ahead_of_hybrid_from_900_on": lambda r: mle_ahead_from(r, 900),
    "mle_ahead_of_hybrid_from_1050_on": lambda r: mle_ahead_from(r, 1050),
    # The 2-D run on 8 Gaussians.
    "toy_hybrid_likelihood_above_mle": lambda r: toy(r, "hybrid", "test_log_likelihood") > toy(r, "mle", "test_log_likelihood"),
    "toy_hybrid_share_near_mode_above_mle": lambda r: toy(r, "hybrid", "share_near_mode") > toy(r, "mle", "share_near_mode"),
    "toy_adv_likelihood_over_10_nats_below_both": lambda r: toy(r, "adv", "test_log_likelihood")
        < min(toy(r, "mle", "test_log_likelihood"), toy(r, "hybrid", "test_log_likelihood")) - 10,
    "toy_adv_fewer_modes_than_mle": lambda r: toy(r, "adv", "modes_covered") < toy(r, "mle", "modes_covered"),
    "toy_adv_lowest_share_near_mode": lambda r: toy(r, "adv", "share_near_mode")
        < min(toy(r, "mle", "share_near_mode"), toy(r, "hybrid", "share_near_mode")),
    "toy_mle_and_hybrid_cover_all_8_modes": lambda r: toy(r, "mle", "modes_covered") == 8 and toy(r, "hybrid", "modes_covered") == 8,
    "ais_mle_and_hybrid_within_their_gaps": lambda r: abs(r[1]["mle"]["ais_nll_nats"] - r[1]["hybrid"]["ais_nll_nats"])
        < r[1]["mle"]["bdmc_gap_nats"] + r[1]["hybrid"]["bdmc_gap_nats"],
}

summary = {"seeds": seeds, "seed_count": len(seeds),
           "source": "Figures/ch05-results.json and ch06-results.json (seed 0), Figures/ch05-seeds/seed-N/ (seed N)",
           "numbers": {}, "rankings": {}}
summary["numbers"], summary["rankings"] = summarise(runs, quantities, rankings)
summary["sources"] = sources
# The settings a student's run must share with these runs for the ranges to apply.
summary["applies_to"] = {f"ch0{5 + i}-results.json": run_settings([runs[s][i] for s in seeds]) for i in (0, 1)}
(folder / "ranges.json").write_text(json.dumps(summary, indent=2) + "\n")

# The figure: test NLL of MLE and the hybrid (ADV's is thousands of nats above, written in
# the key), and the MODE score of all three, against the seed; points, not lines, as the
# seeds have no order (the MODE points are set a little apart so their bars do not overlap).
lines = ["# seed  mle_nll  hybrid_nll  adv_nll  mle_mode  hybrid_mode  adv_mode  (mode sd: mle hybrid adv)"]
for s in seeds:
    r = runs[s]
    lines.append(" ".join(str(x) for x in [s, nll(r, "mle"), nll(r, "hybrid"), nll(r, "adv"), mode(r, "mle"),
                                           mode(r, "hybrid"), mode(r, "adv"), r[1]["mle"]["mode_score_sd"],
                                           r[1]["hybrid"]["mode_score_sd"], r[1]["adv"]["mode_score_sd"]]))
(folder / "ch05-seeds.dat").write_text("\n".join(lines) + "\n")
adv = summary["numbers"]["adv_test_nll_nats"]
script = f"""# Draws ch05-seeds.png from ch05-seeds.dat (Scripts/seed-ranges.py). Run in this folder: gnuplot ch05-seeds.gp
set terminal pngcairo size 1100,480 enhanced font 'Sans,11'
set output 'ch05-seeds.png'
set multiplot layout 1,2 title "Chapter 05's default run over {len(seeds)} seeds (chapter 06 on each)"
set grid
set xlabel "seed"
set xtics 1
set xrange [{min(seeds) - 0.5}:{max(seeds) + 0.5}]
set key outside bottom center horizontal maxrows 1
set bmargin 7
set title "test NLL (nats; lower is better)"
set ylabel "test NLL (nats per image)"
plot 'ch05-seeds.dat' using 1:2 with points pt 7 ps 1.6 title "MLE", \\
     '' using 1:3 with points pt 5 ps 1.6 title "hybrid", \\
     NaN with points pt 9 lc rgb "#a0a0a0" title "ADV: {adv['min']:.0f} to {adv['max']:.0f}, off this scale"
set title "MODE score, chapter 06's classifier (higher is better)"
set ylabel "MODE score (± SD over 10 splits)"
set yrange [0:10]
plot 'ch05-seeds.dat' using ($1-0.1):5:8 with yerrorbars lw 2 pt 7 ps 1.6 title "MLE", \\
     '' using 1:6:9 with yerrorbars lw 2 pt 5 ps 1.6 title "hybrid", \\
     '' using ($1+0.1):7:10 with yerrorbars lw 2 pt 9 ps 1.6 title "ADV"
unset multiplot
"""
(folder / "ch05-seeds.gp").write_text(script)
subprocess.run(["gnuplot", "ch05-seeds.gp"], cwd=folder, check=True)
print_counts(summary["rankings"])
