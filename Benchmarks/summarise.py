#!/usr/bin/env python3
"""Turns Benchmarks/results.jsonl (written by compare.sh) into Benchmarks/results.json:
{"swift": {"mlp": {...}, "mle": {...}, "hybrid": {...}}, "jax": {...}, "torch": {...},
"measured": "<the header line>", "machine": {cpu, cores, blas_core}, "ratios": {...}}.

compare.sh runs each training step in several interleaved rounds. For every framework
and step the summary keeps the run with the median images/s (its whole JSON line) and
adds `images_per_s_rounds`, every round's images/s in order. The ratios are the
engine's median over each peer's median. README.md quotes its numbers from this file."""
import json
import os
from pathlib import Path

here = Path(__file__).resolve().parent
runs = {}
summary = {}
for line in (here / "results.jsonl").read_text().splitlines():
    if line.startswith("#"):
        summary.setdefault("measured", line[2:])
        continue
    if not line.startswith("{"):
        continue
    record = json.loads(line)
    if record.get("benchmark") == "blas":
        summary["blas"] = record
        continue
    framework = record.get("framework", "swift")
    name = {"nice_mle": "mle"}.get(record["benchmark"], record["benchmark"])
    runs.setdefault((framework, name), []).append(record)
for (framework, name), records in runs.items():
    ordered = sorted(records, key=lambda r: r.get("images_per_s", 0))
    median = dict(ordered[(len(ordered) - 1) // 2])
    if len(records) > 1:
        median["images_per_s_rounds"] = [r["images_per_s"] for r in records]
    summary.setdefault(framework, {})[name] = median
cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")), "unknown")
summary["machine"] = {"cpu": cpu, "cores": os.cpu_count(),
                      "blas_core": summary.get("blas", {}).get("blas_core"),
                      "blas_core_origin": summary.get("blas", {}).get("blas_core_origin")}
summary["rounds"] = max((len(r) for r in runs.values()), default=0)
for peer in ("jax", "torch"):
    for name in ("mlp", "mle", "hybrid"):
        if peer in summary and name in summary[peer] and name in summary.get("swift", {}):
            ratio = summary["swift"][name]["images_per_s"] / summary[peer][name]["images_per_s"]
            summary.setdefault("ratios", {}).setdefault(f"swift_over_{peer}", {})[name] = ratio
(here / "results.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
