"""Differentiable augmentation of every image the discriminator sees (DiffAugment, Zhao et al. 2020, "Differentiable
Augmentation for Data-Efficient GAN Training"): real, generated and wrong pairs alike, in D's steps and in G's, so
that D cannot learn the few real pictures by heart and G's gradient still flows through the augmentation.

A policy is a comma-separated list of the paper's three transforms, applied in this order with fresh draws per image:

- ``color``: brightness (+ U(-0.5, 0.5)), saturation (x U(0, 2) about each pixel's channel mean), contrast
  (x U(0.5, 1.5) about the image's mean);
- ``translation``: a shift of up to 1/8 of the side in each direction, the uncovered border filled with zero;
- ``cutout``: a square of half the side, at a random place, set to zero (mid grey for images in [-1, 1]).

The draws come from torch's random stream, which the trainer's checkpoints hold, so a resumed run repeats them.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from a2vlib.core.errors import A2VError, ParamsError

TRANSFORMS = ("color", "translation", "cutout")


def parse_policy(policy: str) -> tuple[str, ...]:
    """The transforms of ``policy`` ("" for none), each checked; a :class:`ParamsError` names an unknown one."""
    names = tuple(p.strip() for p in policy.split(",") if p.strip())
    unknown = [n for n in names if n not in TRANSFORMS]
    if unknown:
        raise ParamsError(f"augmentation {policy!r}: unknown transform(s) {unknown}; use a comma-separated list of "
                          f"{', '.join(TRANSFORMS)}, or '' for none")
    return names


def diff_augment(x: Tensor, policy: str) -> Tensor:
    """``x`` (N, C, H, W) with ``policy``'s transforms applied; ``x`` itself when the policy is empty."""
    names = parse_policy(policy)
    if not names:
        return x
    if x.dim() != 4:
        raise A2VError(f"DiffAugment works on images (N, C, H, W); got a tensor of shape {tuple(x.shape)}: train "
                       "audio models without 'augment'")
    for name in names:
        x = _TRANSFORMS[name](x)
    return x


def _color(x: Tensor) -> Tensor:
    n = x.shape[0]
    x = x + (torch.rand(n, 1, 1, 1, device=x.device, dtype=x.dtype) - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (torch.rand(n, 1, 1, 1, device=x.device, dtype=x.dtype) * 2) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (torch.rand(n, 1, 1, 1, device=x.device, dtype=x.dtype) + 0.5) + mean


def _grid(x: Tensor) -> tuple[Tensor, Tensor]:
    h, w = x.shape[2:]
    return torch.meshgrid(torch.arange(h, device=x.device), torch.arange(w, device=x.device), indexing="ij")


def _translation(x: Tensor, ratio: float = 0.125) -> Tensor:
    n, _, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = torch.randint(-sh, sh + 1, (n, 1, 1), device=x.device)
    dx = torch.randint(-sw, sw + 1, (n, 1, 1), device=x.device)
    gy, gx = _grid(x)
    # read from the image padded by one zero pixel: positions shifted past the edge land on the padding
    iy = (gy.unsqueeze(0) + dy + 1).clamp(0, h + 1)
    ix = (gx.unsqueeze(0) + dx + 1).clamp(0, w + 1)
    padded = F.pad(x, (1, 1, 1, 1)).permute(0, 2, 3, 1)
    return padded[torch.arange(n, device=x.device)[:, None, None], iy, ix].permute(0, 3, 1, 2)


def _cutout(x: Tensor, ratio: float = 0.5) -> Tensor:
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    y0 = torch.randint(0, h + 1 - ch % 2, (n, 1, 1), device=x.device) - ch // 2
    x0 = torch.randint(0, w + 1 - cw % 2, (n, 1, 1), device=x.device) - cw // 2
    gy, gx = _grid(x)
    inside = (gy >= y0) & (gy < y0 + ch) & (gx >= x0) & (gx < x0 + cw)
    return x * (~inside).unsqueeze(1).to(x.dtype)


_TRANSFORMS = {"color": _color, "translation": _translation, "cutout": _cutout}
