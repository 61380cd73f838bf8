#!/usr/bin/env python3
"""Fills number placeholders in book.md from the chapters' results files.

A placeholder is `[[FORMAT]]<!-- n: FILE KEY -->`, e.g. `[[.1f]]<!-- n: ch05-results.json
mle.test_nll_nats -->`: it becomes the value at KEY (dots for nesting) of Figures/FILE,
formatted with the Python format spec FORMAT. The marker stays, so BookTests can check
the number against the file afterwards (and after every rerun of a chapter).
"""
import json
import re
from pathlib import Path

root = Path(__file__).resolve().parent.parent
book = root / "book.md"


def lookup(file, key):
    value = json.loads((root / "Figures" / file).read_text())
    for part in key.split("."):
        value = value[part]
    return value


pattern = re.compile(r"\[\[([^\]]*)\]\](<!-- n: (\S+) (\S+) -->)")
text = pattern.sub(lambda m: format(lookup(m.group(3), m.group(4)), m.group(1)) + m.group(2), book.read_text())
book.write_text(text)
