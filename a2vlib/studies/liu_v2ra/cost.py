"""What notebook 07 trains under a profile, for :func:`a2vlib.training.cost.estimate`: one V2RA-GAN per Table 7 row
(on ``table7_category``) and per Table 8 category, each over the training seconds of its category's clips (75 % of
``clips_per_category`` clips of ``clip_seconds``) for the profile's epochs, timed at the profile's d, rate and batch."""
from __future__ import annotations

from typing import Any, Mapping

import torch

from a2vlib.registry import register
from a2vlib.studies.liu_v2ra.networks import V2RAConfig, build_v2ra
from a2vlib.training.cost import Training, iterations


@register("cost", "07_v2ra_optimisation")
def v2ra_cost(params: Mapping[str, Any]) -> list[Training]:
    rate = params["audio_rate"]
    seconds = int(params["clips_per_category"] * 0.75) * int(params["clip_seconds"])
    config = V2RAConfig(segment=rate, model_size=params["model_size"], batch_size=params["v2ra_batch_size"],
                        epochs=params["epochs"], join=params["v2ra_join"])

    def sample(n: int) -> tuple[torch.Tensor, ...]:
        return torch.rand(n, 1, rate) * 2 - 1, torch.randn(n, 1, rate)

    models = len(params["table7_rows"]) + len(params["table8_categories"])
    return [Training("V2RA-GAN per Table 7 row and Table 8 category", lambda: build_v2ra(config),
                     config.training(seconds), sample, models, iterations(seconds, config.training(seconds).batch_size,
                                                                           config.epochs))]
