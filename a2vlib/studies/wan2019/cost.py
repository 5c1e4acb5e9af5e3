"""What notebooks 02, 04 and 05 train under a profile, for :func:`a2vlib.training.cost.estimate`: the S2I models at
the profile's sizes (timed as rung (g); the public code's rungs as its (g), at its widths), over the cleaned training
pairs (about ``n_train x (1 - discrepant_share)``, what cleaning keeps) and the profile's epochs."""
from __future__ import annotations

from typing import Any, Mapping

import torch

from a2vlib.models.s2i import build_s2i
from a2vlib.registry import register
from a2vlib.studies.wan2019.scenesynth.config import CLASSES
from a2vlib.studies.wan2019.rungs import rung_config
from a2vlib.training.cost import Training, iterations

COND_DIM = 256  # SoundNet's conv5 (the paper's feature); the other features' few dozen values cost the same


def _sizes(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: params[k] for k in ("image_size", "width", "epochs", "batch_size", "g_steps") if k in params}


def _pairs(params: Mapping[str, Any]) -> int:
    return max(1, round(params["n_train"] * (1 - params["discrepant_share"])))


def _s2i(name: str, config: Any, models: int, pairs: int, epochs: int, same_as: str = "") -> Training:
    size = config.image_size

    def sample(n: int) -> tuple[torch.Tensor, ...]:
        labels = torch.arange(n) % len(CLASSES)
        return torch.rand(n, 3, size, size) * 2 - 1, torch.randn(n, COND_DIM), labels

    return Training(name, lambda: build_s2i(config, COND_DIM, len(CLASSES)), config.training(), sample, models,
                    iterations(pairs, config.batch_size, epochs), same_as)


@register("cost", "04_ablation")
def ablation_cost(params: Mapping[str, Any]) -> list[Training]:
    sizes, pairs, seeds = _sizes(params), _pairs(params), len(params["seeds"])
    g = rung_config("g", **sizes)
    out = [_s2i("ladder rungs, timed as (g)", g, len(params["rungs"]) * seeds, pairs, g.epochs)]
    if params.get("budget_epochs"):
        out.append(_s2i("budget curve (g)", g, 1, pairs, params["budget_epochs"], same_as=out[0].name))
    if params.get("public_code_rungs"):
        public = rung_config("g", public_code=True, **sizes)
        out.append(_s2i("public-code rungs, timed as its (g)", public, len(params["public_code_rungs"]) * seeds,
                        pairs, public.epochs))
    return out


@register("cost", "02_feature_comparison")
def feature_cost(params: Mapping[str, Any]) -> list[Training]:
    g = rung_config("g", **_sizes(params))
    return [_s2i("(g) per feature and seed", g, len(params["features"]) * len(params["seeds"]), _pairs(params),
                 g.epochs)]


@register("cost", "05_volume_study")
def volume_cost(params: Mapping[str, Any]) -> list[Training]:
    g = rung_config("g", **_sizes(params))
    return [_s2i("(g)", g, 1, _pairs(params), g.epochs)]
