"""An exponential moving average of the generator's weights (Yazici et al. 2019, "The unusual effectiveness of
averaging in GAN training"), kept beside every GAN the trainer trains.

After each generator update: w_avg <- d w_avg + (1 - d) w, with d = min(``decay``, (1 + t) / (10 + t)) at the t-th
update (the warm-up of TensorFlow's ``ExponentialMovingAverage``, so that the first, untrained weights fade fast).
Buffers (BatchNorm's running statistics) are copied, not averaged. The average draws no random numbers and changes
no update: a model trains to the same weights with it or without it, and sampling from the average is a choice made
when the model is used (S2I's ``weights: ema``), not a second training.
"""
from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

EMA_DECAY = 0.999


class WeightAverage:
    """The averaged copy of ``model`` (kept in eval mode, without gradients) and the number of updates folded in."""

    def __init__(self, model: nn.Module, decay: float = EMA_DECAY):
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"EMA decay {decay}: must be in [0, 1)")
        self.decay = decay
        self.model = copy.deepcopy(model).eval().requires_grad_(False)
        self.updates = 0

    def weight(self) -> float:
        """This update's d: the decay, held lower over the first updates."""
        return min(self.decay, (1 + self.updates) / (10 + self.updates))

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        d = self.weight()
        for avg, p in zip(self.model.parameters(), model.parameters()):
            avg.lerp_(p.detach(), 1.0 - d)
        for avg, b in zip(self.model.buffers(), model.buffers()):
            avg.copy_(b)
        self.updates += 1

    def state_dict(self) -> dict[str, Any]:
        return {"model": self.model.state_dict(), "updates": self.updates, "decay": self.decay}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.updates, self.decay = int(state["updates"]), float(state["decay"])
