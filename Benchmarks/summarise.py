#!/usr/bin/env python3
"""Turns Benchmarks/results.jsonl (written by compare.sh) into Benchmarks/results.json:
{"swift": {"mlp": {...}, "mle": {...}, "hybrid": {...}}, "jax": {...}, "torch": {...},
"measured": "<the header line>"} with each benchmark's JSON line, plus the Swift
engine's speed relative to each peer. README.md quotes its numbers from this file."""
import json
from pathlib import Path

here = Path(__file__).resolve().parent
summary = {}
for line in (here / "results.jsonl").read_text().splitlines():
    if line.startswith("#"):
        summary.setdefault("measured", line[2:])
        continue
    if not line.startswith("{"):
        continue
    record = json.loads(line)
    framework = record.get("framework", "swift")
    name = {"nice_mle": "mle"}.get(record["benchmark"], record["benchmark"])
    summary.setdefault(framework, {})[name] = record
for peer in ("jax", "torch"):
    for name in ("mlp", "mle", "hybrid"):
        if peer in summary and name in summary[peer] and name in summary.get("swift", {}):
            ratio = summary["swift"][name]["images_per_s"] / summary[peer][name]["images_per_s"]
            summary.setdefault("ratios", {}).setdefault(f"swift_over_{peer}", {})[name] = ratio
(here / "results.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
