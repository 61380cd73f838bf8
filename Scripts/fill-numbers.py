#!/usr/bin/env python3
"""Fills number placeholders in book.md (or the files named as arguments) from the
chapters' results files.

A placeholder is `[[FORMAT]]<!-- n: FILE KEY -->`, e.g. `[[.1f]]<!-- n: ch05-results.json
mle.test_nll_nats -->`: it becomes the value at KEY (dots for nesting) of Figures/FILE,
formatted with the Python format spec FORMAT. The marker stays, so BookTests can check
the number against the file afterwards (and after every rerun of a chapter).
"""
import json
import re
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent


def lookup(file, key):
    # FILE is a chapter's results file in Figures/, or a path from the repository root.
    path = root / file if "/" in file else root / "Figures" / file
    value = json.loads(path.read_text())
    for part in key.split("."):
        # A dictionary key, or a position in a list (history.3.test_nll_tracked).
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


pattern = re.compile(r"\[\[([^\]]*)\]\](<!-- n: (\S+) (\S+) -->)")
# With --refresh, numbers already filled in are rewritten from the files with the same
# number of decimals (after a chapter or benchmark has been run again), numbers in
# scientific notation (1.07e+06) with the same number of mantissa decimals.
printed = re.compile(r"(?<![0-9.eE+-])(-?[0-9][0-9,]*(?:\.([0-9]+))?)(%?)(<!-- n: (\S+) (\S+) -->)")
scientific = re.compile(r"(?<![0-9.eE+-])(-?[0-9](?:\.([0-9]+))?e[+-][0-9]+)(<!-- n: (\S+) (\S+) -->)")


def refreshed(m):
    decimals = len(m.group(2) or "")
    spec = f".{decimals}%" if m.group(3) else f".{decimals}f"
    text = format(lookup(m.group(5), m.group(6)), spec)
    return text + m.group(4)


arguments = [a for a in sys.argv[1:] if a != "--refresh"]
for name in arguments or ["book.md"]:
    path = root / name
    text = path.read_text()
    if "--refresh" in sys.argv:
        text = printed.sub(refreshed, text)
        text = scientific.sub(lambda m: format(lookup(m.group(4), m.group(5)), f".{len(m.group(2) or '')}e") + m.group(3), text)
    text = pattern.sub(lambda m: format(lookup(m.group(3), m.group(4)), m.group(1)) + m.group(2), text)
    path.write_text(text)
