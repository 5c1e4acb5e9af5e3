"""How well does the saved instrument classifier of notebook 03 carry over to sounds it has never heard?

No real instrument recordings are bundled with the kit, so the closest offline check is another soundfont: other
samples of the same instruments, recorded by other people, on other instruments, in other rooms. This script renders
test performances with a second font (default: Debian's FluidR3_GM, or any .sf2 given), writes them as WAV files of
a few seconds each, and labels them with ``a2v classify-audio --model``'s own code (whole recordings, chunked and
averaged), so what it measures is exactly what a user gets.

    .venv/bin/python benchmarks/cross_font.py --model reports/lab/03_s2i_instruments/sound_classifier.pt \
        --soundfont /usr/share/sounds/sf2/FluidR3_GM.sf2 [--performances 4] [--seconds 4]

Prints per-instrument and overall accuracy and writes ``benchmarks/results/cross_font.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

os.environ.setdefault("TQDM_DISABLE", "1")

import numpy as np  # noqa: E402

from a2vlib.core.atomic import write_text  # noqa: E402
from a2vlib.core.paths import resolve_path  # noqa: E402
from a2vlib.core.provenance import run_metadata  # noqa: E402
from a2vlib.data.audio_io import write_audio  # noqa: E402
from a2vlib.studies.chen2017.urmp.instruments import INSTRUMENTS  # noqa: E402
from a2vlib.studies.chen2017.urmp.performances import PerformanceConfig, render_performance  # noqa: E402
from a2vlib.models.sound_classifier import classify_recordings, load_sound_classifier  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="reports/lab/03_s2i_instruments/sound_classifier.pt")
    ap.add_argument("--soundfont", default="/usr/share/sounds/sf2/FluidR3_GM.sf2")
    ap.add_argument("--performances", type=int, default=4, help="recordings per instrument")
    ap.add_argument("--seconds", type=float, default=4.0, help="length of each recording")
    ap.add_argument("--seed", type=int, default=1000, help="far from the seeds the training data used")
    args = ap.parse_args()
    _, meta = load_sound_classifier(resolve_path(args.model))
    cfg = PerformanceConfig(seed=args.seed, performances=2, seconds=args.seconds, sample_rate=meta["sample_rate"],
                            soundfont=args.soundfont)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        files, truth = [], []
        for inst in INSTRUMENTS:
            for p in range(args.performances):
                y, _ = render_performance(inst, np.random.default_rng([args.seed, p, len(inst)]), cfg)
                files.append(write_audio(Path(tmp) / f"{inst}_{p}.wav", y, cfg.sample_rate))
                truth.append(inst)
        for (path, label, prob, chunks), true in zip(classify_recordings(files, resolve_path(args.model)), truth):
            rows.append({"file": Path(path).name, "truth": true, "predicted": label, "probability": prob,
                         "chunks": chunks})
    hits = np.array([r["truth"] == r["predicted"] for r in rows])
    per = {inst: float(np.mean([r["truth"] == r["predicted"] for r in rows if r["truth"] == inst]))
           for inst in INSTRUMENTS}
    result = {"model": str(args.model), "trained_on": meta.get("info", {}), "test_soundfont": args.soundfont,
              "recordings": len(rows), "accuracy": float(hits.mean()), "chance": 1 / len(INSTRUMENTS),
              "per_instrument": per, "rows": rows, "machine": run_metadata()}
    print(f"accuracy {hits.mean():.3f} over {len(rows)} recordings of {args.seconds:g} s "
          f"(chance {1 / len(INSTRUMENTS):.3f}); test font {args.soundfont}")
    for inst, acc in per.items():
        confusions = sorted({r['predicted'] for r in rows if r['truth'] == inst and r['predicted'] != inst})
        print(f"  {inst:12s} {acc:.2f}  {'-> ' + ', '.join(confusions) if confusions else ''}")
    out = resolve_path("benchmarks/results/cross_font.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text(out, json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
