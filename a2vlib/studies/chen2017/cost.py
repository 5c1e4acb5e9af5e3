"""What notebooks 03 and 06 train under a profile, for :func:`a2vlib.training.cost.estimate`: S2I-C, -N and -A
(timed as S2I-C; pose models likewise, on their instruments' share of the pairs) and I2S, on the training pairs of
the profile's rendered performances (0.5 s chunks every 0.1 s), or Sub-URMP's 71,230 where ``sub_urmp_root`` is set."""
from __future__ import annotations

from typing import Any, Mapping

import torch

from a2vlib.models.s2i import build_s2i
from a2vlib.papers import chen2017
from a2vlib.registry import register
from a2vlib.studies.chen2017.i2s import train_i2s_config
from a2vlib.studies.chen2017.i2s_networks import FRAMES, N_MELS, I2SDiscriminator, I2SGenerator
from a2vlib.studies.chen2017.s2i import gan_cls_config
from a2vlib.studies.chen2017.urmp.instruments import INSTRUMENTS
from a2vlib.training.cost import Training, iterations

COND_DIM = 128  # the encoders' 128-d layer (Chen §3.1)


def _pairs(params: Mapping[str, Any]) -> int:
    if params.get("sub_urmp_root"):
        return chen2017.TABLE2_SUMS["train"]
    chunks = int((params["performance_seconds"] - 0.5) / 0.1 + 1e-9) + 1
    return len(INSTRUMENTS) * (params["performances"] - params["test_performances"]) * chunks


@register("cost", "03_s2i_instruments")
def s2i_cost(params: Mapping[str, Any]) -> list[Training]:
    config = gan_cls_config(image_size=params["image_size"], width=params["width"], epochs=params["epochs"],
                            batch_size=params["batch_size"])
    size, pairs = config.image_size, _pairs(params)

    def sample(n: int) -> tuple[torch.Tensor, ...]:
        return torch.rand(n, 3, size, size) * 2 - 1, torch.randn(n, COND_DIM), torch.arange(n) % len(INSTRUMENTS)

    def build() -> Any:
        return build_s2i(config, COND_DIM, len(INSTRUMENTS))

    out = [Training("S2I-C, -N, -A, timed as S2I-C", build, config.training(), sample,
                    len(params["variants"]) * len(params["seeds"]), iterations(pairs, config.batch_size,
                                                                               config.epochs))]
    if params.get("pose_instruments"):
        share, pose = max(1, pairs // len(INSTRUMENTS)), config.replace(batch_size=params["pose_batch_size"])
        out.append(Training("pose models, timed as S2I-C", build, pose.training(), sample,
                            len(params["pose_instruments"]), iterations(share, pose.batch_size, params["pose_epochs"]),
                            out[0].name if pose.batch_size == config.batch_size else ""))
    return out


@register("cost", "06_i2s_spectrograms")
def i2s_cost(params: Mapping[str, Any]) -> list[Training]:
    width, training = params["width"], train_i2s_config(params["batch_size"])

    def sample(n: int) -> tuple[torch.Tensor, ...]:
        return torch.rand(n, 1, N_MELS, FRAMES) * 2 - 1, torch.randn(n, COND_DIM), torch.arange(n) % len(INSTRUMENTS)

    def build() -> Any:
        return (I2SGenerator(COND_DIM, training.z_dim, width, chen2017.COMPRESSED_DIM.value),
                I2SDiscriminator(COND_DIM, width, chen2017.COMPRESSED_DIM.value))

    return [Training("I2S", build, training, sample, 1, iterations(_pairs(params), params["batch_size"],
                                                                      params["epochs"]))]
