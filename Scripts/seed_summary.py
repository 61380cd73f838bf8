"""What Scripts/seed-ranges.py and Scripts/chapter-seed-ranges.py share: from each seed's
results, the range of every number and the seeds each ranking holds in.

runs maps a seed to its results (whatever the script loaded); quantities maps a name to a
function of one seed's results returning a number (or None where a seed has none);
rankings maps a name to a function returning whether the ranking holds in that seed.
"""
import statistics


def summarise(runs, quantities, rankings):
    """Returns (numbers, rankings) for ranges.json: per number each seed's value and the
    min, median and max over the seeds that have one; per ranking how many seeds it holds
    in, of how many, and which."""
    seeds = sorted(runs)
    numbers = {}
    for name, value in quantities.items():
        values = [value(runs[s]) for s in seeds]
        present = [v for v in values if v is not None]
        numbers[name] = {"per_seed": values, "min": min(present) if present else None,
                         "median": statistics.median(present) if present else None,
                         "max": max(present) if present else None}
    holding = {}
    for name, test in rankings.items():
        holds = [s for s in seeds if test(runs[s])]
        holding[name] = {"holds_in": len(holds), "of": len(seeds), "seeds": holds}
    return numbers, holding


def print_counts(holding):
    """One line per ranking: how many seeds it holds in."""
    for name, r in holding.items():
        print(f"{name}: {r['holds_in']} of {r['of']} seeds")
