"""Where the V2RA generator's time goes at Liu's size (d = 64, 44.1 kHz, untrained weights, eval mode): seconds per
second of audio for the whole generator and for its parts (the seven encoder convolutions, the seven decoder layers,
the 513-tap filter), at one and two threads, batch 1 and 8. Medians over ``--reps`` calls; the parts are timed one
by one, so they need not add up to the whole (BatchNorm, activations and tanh are in the whole only).

    .venv/bin/python benchmarks/v2ra_speed.py [--reps 5] [--out reports/benchmarks/v2ra_speed.json]

Liu et al. give 0.03 s per second of audio on a GPU; the kit's aim on 2 CPU cores is 0.05.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path


def timed(fn, reps: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--out", default="")
    args = ap.parse_args()

    import torch

    from a2vlib.studies.liu_v2ra.networks import V2RAConfig, build_v2ra

    g, _ = build_v2ra(V2RAConfig(segment=44100, model_size=64))
    g.eval()
    rows = []
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for batch in (1, 8):
            v = torch.rand(batch, 1, 44100)
            with torch.no_grad():
                h, parts = v, {"encoder": [], "decoder": []}
                for layer in g.down:
                    parts["encoder"].append((layer, h))
                    h = layer(h)
                for layer in g.up:
                    parts["decoder"].append((layer, h))
                    h = layer(h)
                filter_in = torch.tanh(h)
                row = {"threads": threads, "batch": batch,
                       "generator": timed(lambda: g(v), args.reps) / batch,
                       "filter": timed(lambda: g.filter(filter_in), args.reps) / batch}
                for name, layers in parts.items():
                    row[name] = sum(timed(lambda layer=layer, x=x: layer(x), args.reps) for layer, x in layers) / batch
            rows.append(row)
            print(" ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()), flush=True)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps({"seconds_per_audio_second": rows}, indent=2))


if __name__ == "__main__":
    main()
