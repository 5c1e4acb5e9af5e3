"""What a training costs before it is started: a few iterations of the real networks, at the run's sizes and on the
run's device, timed through the one trainer; and the estimate of a whole run from them.

The run's own batch is timed: scaling a small batch's time up misjudged a CPU's paper-size iterations by a factor
of two to three (a 200-wide S2I: 90 s per iteration from a batch of 4, 33 s measured). On a GPU the timed iteration
follows a warm-up one (its kernels' selection); on a CPU the first iteration already runs at its steady pace.
Trainings of the same networks and configuration are timed once.

A study room says what its notebook trains under a profile (:class:`Training`: the networks, their training
configuration, the data's shapes, and how many such models of how many iterations the notebook trains) and registers
that as the notebook's ``cost`` (``@register("cost", "04_ablation")``); :func:`estimate` times one iteration of each
kind (after a warm-up one) and multiplies. Data loading, evaluation and the judges are not counted: the estimate is
the trainings', a lower bound of the notebook's time, and says so.
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Sequence

import torch
from torch import nn

from a2vlib.training.config import TrainingConfig



@dataclass
class Training:
    """One kind of training a notebook does: ``models`` trainings of ``iterations`` iterations each (one iteration:
    the D steps and G steps of one batch), of the networks ``build()`` returns, trained with ``config`` on samples
    shaped like ``sample()`` (a batch's worth of tensors: the trainer's data tuple)."""

    name: str
    build: Callable[[], tuple[nn.Module, nn.Module]]
    config: TrainingConfig
    sample: Callable[[int], tuple[torch.Tensor, ...]]
    models: int
    iterations: int
    same_as: str = ""  # the name of a training with the same networks and configuration (timed once)


def time_iteration(training: Training, device: str | torch.device = "cpu", repeats: int = 1,
                   batch: int | None = None) -> float:
    """Seconds per iteration of ``training`` on ``device``: the median of ``repeats`` one-iteration epochs (after a
    warm-up one on a GPU). With ``batch``, that batch is timed and the time scaled to the training's batch by their
    ratio (for tests; :func:`estimate` times the run's own batch)."""
    from a2vlib.training.trainer import GANTrainer

    full = training.config.batch_size
    config = replace(training.config, batch_size=min(batch or full, full))
    warm_up = 1 if str(device).startswith("cuda") else 0
    generator, discriminator = training.build()
    trainer = GANTrainer(generator, discriminator, config, device=device)
    data = training.sample(config.batch_size)
    times = []
    quiet = os.environ.get("TQDM_DISABLE")
    os.environ["TQDM_DISABLE"] = "1"  # a one-iteration bar says nothing
    try:
        cuda = str(device).startswith("cuda")
        for _ in range(repeats + warm_up):
            if cuda:  # the GPU's queue drained before and after: the wall time of the whole iteration
                torch.cuda.synchronize()
                start = time.perf_counter()
                trainer.fit(data, 1)
                torch.cuda.synchronize()
                times.append(time.perf_counter() - start)
            else:
                trainer.fit(data, 1)
                times.append(trainer.history[-1].get("train_time_s", float("nan")))
    finally:
        if quiet is None:
            os.environ.pop("TQDM_DISABLE", None)
    times = sorted(times[warm_up:])
    return times[len(times) // 2] * full / config.batch_size


def estimate(trainings: Sequence[Training], device: str | torch.device = "cpu") -> dict[str, Any]:
    """Each kind of training timed (:func:`time_iteration`) and scaled to its models and iterations: rows with the
    seconds per iteration and the hours of all its models, and the total (``hours``)."""
    rows: list[dict[str, Any]] = []
    timed: dict[str, float] = {}  # one timing per kind of networks and configuration (``same_as``)
    for training in trainings:
        start = time.perf_counter()
        per_it = timed.get(training.same_as or training.name)
        if per_it is None:
            per_it = timed[training.same_as or training.name] = time_iteration(training, device)
        rows.append({"training": training.name, "models": training.models, "iterations": training.iterations,
                     "batch": training.config.batch_size, "s_per_iteration": per_it,
                     "hours": per_it * training.iterations * training.models / 3600,
                     "measured_in_s": time.perf_counter() - start})
    total = float(sum(r["hours"] for r in rows))
    return {"device": str(device), "trainings": rows, "hours": total,
            "note": "the trainings alone: data, features, judges and evaluations come on top"}


def iterations(n_samples: int, batch_size: int, epochs: int) -> int:
    """Iterations of ``epochs`` epochs over ``n_samples`` samples in batches of ``batch_size`` (the last one kept)."""
    return epochs * max(1, math.ceil(n_samples / batch_size))


def describe(result: dict[str, Any]) -> str:
    """One line: 'about 14.2 h on cpu (04: (g) 33 x 47,100 it at 0.31 s; ...)'."""
    parts = [f"{r['training']} {r['models']} x {r['iterations']:,} it at {r['s_per_iteration']:.3g} s"
             for r in result["trainings"]]
    hours = result["hours"]
    when = f"{hours:.1f} h" if hours >= 1 else f"{hours * 60:.0f} min"
    return f"about {when} of training on {result['device']} ({'; '.join(parts)}); {result['note']}"
