"""Image-to-sound GAN of Chen et al. (2017, §3.1, Fig. 2 b): image encoding -> log-mel spectrogram.

Generator: the 128-d image encoding is compressed to 64 values (FC + leaky ReLU), concatenated with z, projected to
4x4 and up-sampled (k4, s2 transposed convolutions) to a 32x32 map; two transposed convolutions with a 4x4 kernel,
stride 2x1 and padding 1 then give the rectangular 128 x 34 spectrogram (32 -> 64 -> 128 mel rows, 32 -> 33 -> 34
frames). Discriminator: the mirror image, two 4x4 stride-2x1 convolutions from 128 x 34 down to 32x32, then the
square S2I discriminator trunk (:class:`a2vlib.models.s2i.S2IDiscriminator`) with the compressed image encoding
tiled and concatenated (Reed et al.'s GAN-CLS). The paper adds 2 more layers to G and 12 to D without saying
which; the kit does not.

Spectrograms enter the networks scaled to [-1, 1] by :func:`to_unit` (dB -> (dB - offset) / scale, clipped) and
are resized along time between the 44 frames of a 0.5 s chunk and the 34 the networks use by linear interpolation
(:func:`resize_frames`). The paper says "the numpy resize function"; ``numpy.resize`` reshapes the flattened array
(it does not interpolate), which would mix frequency bands and time, so the kit interpolates instead.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from a2vlib.models.s2i import S2IDiscriminator

N_MELS = 128
FRAMES = 34  # what the I2S networks make and take (Chen §3.1)
# dB range mapped to [-1, 1]: [OFFSET_DB - SCALE_DB, OFFSET_DB + SCALE_DB] (the kit's log-mel has its floor at -100 dB)
OFFSET_DB = -40.0
SCALE_DB = 60.0


def to_unit(db: Tensor) -> Tensor:
    """Log-mel in dB -> [-1, 1] (values outside the range are clipped)."""
    return ((db - OFFSET_DB) / SCALE_DB).clamp(-1.0, 1.0)


def from_unit(x: Tensor) -> Tensor:
    """[-1, 1] -> dB (the inverse of :func:`to_unit` inside its range)."""
    return x * SCALE_DB + OFFSET_DB


def resize_frames(spec: Tensor, frames: int) -> Tensor:
    """Spectrograms (N, 1, mels, T) -> (N, 1, mels, ``frames``) by linear interpolation along time."""
    if spec.shape[-1] == frames:
        return spec
    return F.interpolate(spec, size=(spec.shape[-2], frames), mode="bilinear", align_corners=True)


def numpy_resize_frames(spec: Tensor, frames: int) -> Tensor:
    """What ``numpy.resize`` (the paper's call) does to (mels, T) arrays: the values read row by row and repeated or
    cut to fill (mels, ``frames``). Between 44 and 34 frames it does not resample time: it shifts bands into each
    other, and 44 -> 34 -> 44 fills the top rows with copies of the bottom ones. The round-trip control, and the
    I2S GAN's ``numpy_resize`` mode."""
    flat = spec.reshape(*spec.shape[:-2], -1)
    idx = torch.arange(spec.shape[-2] * frames, device=spec.device) % flat.shape[-1]
    return flat[..., idx].reshape(*spec.shape[:-2], spec.shape[-2], frames)


def _rect_up(cin: int, cout: int) -> nn.ConvTranspose2d:
    return nn.ConvTranspose2d(cin, cout, 4, stride=(2, 1), padding=1)


class I2SGenerator(nn.Module):
    """(image encoding (N, cond_dim), z (N, z_dim)) -> spectrogram (N, 1, 128, 34) in [-1, 1]."""

    def __init__(self, cond_dim: int = 128, z_dim: int = 100, width: int = 32, cond_embed: int = 64):
        super().__init__()
        self.z_dim = z_dim
        self.compress = nn.Sequential(nn.Linear(cond_dim, cond_embed), nn.LeakyReLU(0.2))
        c = width * 8
        self.project = nn.Sequential(nn.Linear(cond_embed + z_dim, c * 16, bias=False), nn.Unflatten(1, (c, 4, 4)),
                                     nn.BatchNorm2d(c), nn.ReLU(inplace=True))
        layers: list[nn.Module] = []
        for _ in range(3):  # 4 -> 8 -> 16 -> 32
            layers += [nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(c // 2), nn.ReLU(True)]
            c //= 2
        layers += [_rect_up(c, c // 2), nn.BatchNorm2d(c // 2), nn.ReLU(True), _rect_up(c // 2, 1), nn.Tanh()]
        self.upsample = nn.Sequential(*layers)

    def forward(self, s: Tensor, z: Tensor | None = None) -> Tensor:
        if z is None:
            z = torch.randn(s.shape[0], self.z_dim, device=s.device, dtype=s.dtype)
        return self.upsample(self.project(torch.cat([self.compress(s), z], dim=1)))


class I2SDiscriminator(nn.Module):
    """(spectrogram (N, 1, 128, 34), image encoding) -> (realness logit (N,), None)."""

    def __init__(self, cond_dim: int = 128, width: int = 32, cond_embed: int = 64):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, width // 2, 4, stride=(2, 1), padding=1), nn.LeakyReLU(0.2, True),
                                  nn.Conv2d(width // 2, width, 4, stride=(2, 1), padding=1), nn.BatchNorm2d(width),
                                  nn.LeakyReLU(0.2, True))
        self.square = S2IDiscriminator(cond_dim, 1, image_size=32, width=width, spectral_norm=False,
                                       conditioning="concat", aux_classifier=False, batchnorm=True, channels=width,
                                       cond_embed=cond_embed)

    def forward(self, x: Tensor, s: Tensor) -> tuple[Tensor, None]:
        h = self.stem(x)
        if h.shape[-2:] != (32, 32):
            raise ValueError(f"I2S discriminator expects (N, 1, {N_MELS}, {FRAMES}) spectrograms, got {tuple(x.shape)}")
        return self.square(h, s)[0], None
