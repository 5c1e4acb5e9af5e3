"""The trainings' estimate of the full paper profile on one device: every notebook's kinds of model timed at the
paper's sizes (one iteration each, :mod:`a2vlib.training.cost`), times the iterations and models the profile asks
for; with the machine record (revision, torch, CPU, threads) of the run.

    .venv/bin/python benchmarks/paper_estimate.py [cpu|cuda] [OUT.json]

The kit's committed CPU figures: results/paper/estimate_cpu.json (from a clean revision).
"""
from __future__ import annotations

import json
import sys
import time

from a2vlib.core.provenance import run_metadata
from a2vlib.estimates import notebook_estimate
from a2vlib.params import profile_notebooks
from a2vlib.training.cost import describe


def main() -> None:
    device = sys.argv[1] if len(sys.argv) > 1 else "cpu"
    out = sys.argv[2] if len(sys.argv) > 2 else f"reports/benchmarks/paper_estimate_{device}.json"
    start, found = time.perf_counter(), {}
    for name in profile_notebooks("paper"):
        result = notebook_estimate(name, "paper", device)
        if result is not None:
            found[name] = result
            print(f"{name}: {describe(result)}", flush=True)
    total = sum(r["hours"] for r in found.values())
    print(f"all notebooks' trainings under paper on {device}: about {total:,.0f} h")
    record = {"machine": run_metadata(), "device": device, "hours": total, "measured_in_s": time.perf_counter() - start,
              "notebooks": found}
    from pathlib import Path

    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
