"""Instruments across soundfonts: Chen et al.'s sound classifier, at the lab profile's size, trained on pairs
rendered from some fonts and asked to name the instruments of performances from a font none of them came from
(:func:`a2vlib.studies.chen2017.data.held_out_font`, the table notebook 03 shows when ``held_out_font`` is set).

    make soundfonts     # Debian's FluidR3_GM, sf_GMbank and MuseScore_General, into .cache/soundfonts
    .venv/bin/python benchmarks/held_out_font.py --soundfont TimGM6mb --held-out FluidR3_GM
    .venv/bin/python benchmarks/held_out_font.py --soundfont "all except FluidR3_GM" --room --held-out FluidR3_GM
    .venv/bin/python benchmarks/held_out_font.py --soundfont "all except sf_GMbank" --room --held-out sf_GMbank \
        --set performances=10 --set test_performances=2 --set performance_seconds=1.5

One thread. Prints the table and writes ``benchmarks/results/held_out_font.json`` (one entry per setting, kept
across runs).
"""
from __future__ import annotations

import argparse
import json
import os
import time

import yaml

os.environ.setdefault("TQDM_DISABLE", "1")

from a2vlib.core.atomic import write_text  # noqa: E402
from a2vlib.core.paths import resolve_path  # noqa: E402
from a2vlib.core.provenance import run_metadata  # noqa: E402
from a2vlib.core.threads import set_threads  # noqa: E402
from a2vlib.params import load_params  # noqa: E402
from a2vlib.studies.chen2017 import data as chen  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--soundfont", default="TimGM6mb", help="the training pairs' font(s): one, a list, or all")
    ap.add_argument("--held-out", default="FluidR3_GM", help="the font no training pair came from")
    ap.add_argument("--room", action="store_true", help="a room and a microphone of its own per performance")
    ap.add_argument("--profile", default="lab")
    ap.add_argument("--performances", type=int, default=4, help="held-out performances per instrument")
    ap.add_argument("--encoder-epochs", type=int, default=0, help="the sound classifier's epochs (0: the profile's)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="another parameter of the profile, e.g. performance_seconds=1.5 (repeatable)")
    args = ap.parse_args()
    set_threads(1)
    changes = {"soundfont": args.soundfont, "room": args.room}
    if args.encoder_epochs:
        changes["encoder_epochs"] = args.encoder_epochs
    for item in args.set:
        key, eq, value = item.partition("=")
        if not eq:
            ap.error(f"--set {item!r}: give KEY=VALUE, e.g. performance_seconds=1.5")
        changes[key] = yaml.safe_load(value)
    p = load_params("03_s2i_instruments", args.profile, overrides=changes)
    start = time.perf_counter()
    data = chen.instrument_data(p)
    enc = chen.train_encoders(data, p["encoder_epochs"], p["image_epochs"], p["autoencoder_epochs"],
                              p["encoder_width"], p["seed"], "cpu")
    table = chen.held_out_font(enc, p, args.held_out, args.performances)
    seconds = time.perf_counter() - start
    same_font = enc.accuracy(data)["sound_classifier_test_accuracy"]
    print(f"trained on {', '.join(table.attrs['trained_on'])} (room {args.room}); held out {table.attrs['font']}; "
          f"test accuracy on the training fonts {same_font:.3f}; {seconds:.0f} s")
    print(table.round(3).to_string())
    out = resolve_path("benchmarks/results/held_out_font.json")
    results = json.loads(out.read_text()) if out.exists() else {}
    setting = f"{args.soundfont} room={args.room} epochs={p['encoder_epochs']} {' '.join(args.set)}".strip()
    results[f"{setting} -> {args.held_out}"] = {
        "trained_on": table.attrs["trained_on"], "room": args.room, "held_out": table.attrs["font"],
        "profile": args.profile, "changes": changes, "encoder_epochs": p["encoder_epochs"],
        "same_fonts_test_accuracy": same_font, "chance": table.attrs["chance"],
        "table": json.loads(table.to_json(orient="index")), "seconds": seconds, "machine": run_metadata()}
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text(out, json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
