"""Diversity within a class, to expose mode collapse.

Spread of a set = mean distance over all pairs of its images. Distance: root-mean-square pixel difference (in
[0, 1] units) after area-averaging every image to ``size`` x ``size`` (default 16). Downsampling first keeps pixel
noise, which a half-trained generator has plenty of, from counting as diversity: what is left is layout and colour,
what mode collapse removes. Pass ``embed`` (images -> (N, D) features, e.g. ``functools.partial(classifier_features,
judge)``) to measure in a feature space instead; distances are then RMS over feature dimensions.

Spreads are reported relative to the real images of the same class (ratio 1 = as varied as the data, 0 = one image
per class). :func:`z_diversity_ratio` does the same for images generated from one fixed conditioning and different
noise z: the variation that z alone produces.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch.nn.functional as F
from scipy.spatial.distance import pdist

from a2vlib.registry import register
from a2vlib.core.errors import DataError
from a2vlib.models.classifiers import images_to_tensor

Embed = Callable[[np.ndarray], np.ndarray]


def _embed(images: np.ndarray, size: int, embed: Embed | None) -> np.ndarray:
    if embed is not None:
        return np.asarray(embed(images), np.float64).reshape(len(images), -1)
    x = (images_to_tensor(images) + 1.0) / 2.0  # [0, 1]
    return F.adaptive_avg_pool2d(x, size).flatten(1).double().numpy()


def mean_pairwise_distance(feats: np.ndarray) -> float:
    """Mean over pairs i < j of ||f_i - f_j|| / sqrt(D) (RMS difference per dimension)."""
    feats = np.asarray(feats, np.float64)
    n = len(feats)
    if n < 2:
        raise DataError(f"a spread needs at least 2 images, got {n}")
    # pdist subtracts before squaring: identical images give exactly 0 (a Gram-matrix shortcut leaves ~1e-8)
    return float(pdist(feats).mean() / np.sqrt(feats.shape[1]))


def within_class_spread(images: np.ndarray, labels: Sequence[str], size: int = 16,
                        embed: Embed | None = None) -> dict[str, float]:
    """Spread (mean pairwise distance) of the images of each class: {class: spread}."""
    labels = np.asarray(labels)
    if len(labels) != len(images):
        raise DataError(f"{len(images)} images but {len(labels)} labels")
    feats = _embed(images, size, embed)
    return {str(c): mean_pairwise_distance(feats[labels == c]) for c in np.unique(labels)}


def _check_real(classes: Sequence[str], real: dict[str, float]) -> None:
    missing = sorted(set(classes) - set(real))
    if missing:
        raise DataError(f"no real images of classes {missing} to compare the generated spread with")
    zero = sorted(c for c in set(classes) if real[c] == 0)
    if zero:
        raise DataError(f"the real images of classes {zero} are all identical: no spread to compare with")


@register("metric", "diversity")
def diversity_ratio(generated: np.ndarray, gen_labels: Sequence[str], real: np.ndarray, real_labels: Sequence[str],
                    size: int = 16, embed: Embed | None = None) -> dict:
    """Generated spread / real spread per class (for the classes that were generated), and their mean."""
    gen_spread = within_class_spread(generated, gen_labels, size, embed)
    real_spread = within_class_spread(real, real_labels, size, embed)
    _check_real(list(gen_spread), real_spread)
    per_class = {c: s / real_spread[c] for c, s in gen_spread.items()}
    return {"name": "diversity ratio (generated / real within-class spread)", "per_class": per_class,
            "mean": float(np.mean(list(per_class.values()))), "generated_spread": gen_spread,
            "real_spread": {c: real_spread[c] for c in per_class}, "distance": _describe(size, embed)}


@register("metric", "z_diversity")
def z_diversity_ratio(groups: Sequence[np.ndarray], group_labels: Sequence[str], real: np.ndarray,
                      real_labels: Sequence[str], size: int = 16, embed: Embed | None = None) -> dict:
    """Diversity from z alone: each group holds images generated from ONE conditioning input with different z;
    its spread is divided by the real spread of its class. Per group, per class (mean over its groups), overall."""
    if len(groups) != len(group_labels):
        raise DataError(f"{len(groups)} groups but {len(group_labels)} group labels")
    group_labels = [str(c) for c in group_labels]
    real_spread = within_class_spread(real, real_labels, size, embed)
    _check_real(group_labels, real_spread)
    per_group = [mean_pairwise_distance(_embed(np.asarray(g), size, embed)) / real_spread[c]
                 for g, c in zip(groups, group_labels)]
    per_class = {c: float(np.mean([r for r, lbl in zip(per_group, group_labels) if lbl == c]))
                 for c in dict.fromkeys(group_labels)}
    return {"name": "z diversity ratio (spread from z alone / real within-class spread)", "per_group": per_group,
            "per_class": per_class, "mean": float(np.mean(per_group)), "group_size": [len(g) for g in groups],
            "distance": _describe(size, embed)}


def _describe(size: int, embed: Embed | None) -> str:
    if embed is not None:
        func = getattr(embed, "func", embed)  # a functools.partial names its function
        return f"mean pairwise RMS distance in the features of {getattr(func, '__name__', type(func).__name__)}"
    return f"mean pairwise RMS pixel distance ([0, 1] units) after area-averaging to {size}x{size}"
