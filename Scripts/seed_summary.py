"""What Scripts/seed-ranges.py and Scripts/chapter-seed-ranges.py share: from each seed's
results, the range of every number and the seeds each ranking holds in.

runs maps a seed to its results (whatever the script loaded); quantities maps a name to a
function of one seed's results returning a number (or None where a seed has none);
rankings maps a name to a function returning whether the ranking holds in that seed.
"""
import statistics


# The source of a number read straight from a results file, as ranges.json records it for
# `flowgan check`: {"file": ..., "path": [...]}, or {"difference": [source, source]}.
def value(chapter, *path):
    """One entry of a chapter's results file."""
    return {"file": f"{chapter}-results.json", "path": list(path)}


def difference(a, b):
    """The first source's number minus the second's."""
    return {"difference": [a, b]}


def read(source, results_by_file):
    """The number `source` names, from one seed's results (a dict: file name -> results)."""
    if "difference" in source:
        a, b = source["difference"]
        return read(a, results_by_file) - read(b, results_by_file)
    number = results_by_file[source["file"]]
    for key in source["path"]:
        number = number[int(key)] if isinstance(number, list) else number[key]
    return number


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


def run_settings(results_of_each_seed):
    """The settings that decide which ranges apply to a results file (chapter, data set,
    model, iterations, preset, quick), as [path, value] pairs for `flowgan check`: those
    every seed's file records with the same value."""
    def pairs(results):
        found = [[[key], results[key]] for key in ["chapter", "dataset", "model", "iterations", "preset", "quick"] if key in results]
        settings = results.get("settings")
        if isinstance(settings, dict):
            found += [[["settings", key], settings[key]] for key in ["configuration", "quick"] if key in settings]
        return found
    first, *others = [pairs(r) for r in results_of_each_seed]
    return [p for p in first if all(p in other for other in others)]
