"""Train one S2I model of notebook 04 (a rung and a seed, at a profile's sizes) into the cache, alone or across
processes with data parallelism; the notebook then finds it there instead of training it::

    torchrun --nproc_per_node 4 -m a2vlib.studies.wan2019.train --profile paper --rung g --seed 0

Each process loads the same cleaned pairs (built once, cached) and takes its share of every global batch
(:mod:`a2vlib.training.distributed`); rank 0 writes the checkpoints. Without torchrun it is one process.
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

import torch

from a2vlib.core.errors import A2VError
from a2vlib.params import load_params
from a2vlib.studies.wan2019.data import scene_data
from a2vlib.studies.wan2019.models import train_s2i
from a2vlib.studies.wan2019.rungs import rung_config
from a2vlib.training import distributed

NOTEBOOK = "04_ablation"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m a2vlib.studies.wan2019.train", description=__doc__.split("::")[0])
    parser.add_argument("--profile", default="paper")
    parser.add_argument("--rung", default="g")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--public-code", action="store_true", help="with the public code's deviations")
    args = parser.parse_args(argv)
    try:
        _, size = distributed.init_from_env()
        p = load_params(NOTEBOOK, args.profile)
        device = f"cuda:{torch.cuda.current_device()}" if torch.cuda.is_available() else "cpu"
        data = scene_data(p, p["feature"], p["image_size"], p["summary"], device)
        sizes = {k: p[k] for k in ("image_size", "width", "epochs", "batch_size", "g_steps")}
        model = train_s2i(data, rung_config(args.rung, args.public_code, **sizes), args.seed, device)
        if distributed.is_main():
            print(f"a2v: rung ({args.rung}) seed {args.seed} on {size} process(es): {model.folder}")
    except A2VError as exc:
        print(f"a2v: error: {exc}", file=sys.stderr)
        return 2
    finally:
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
