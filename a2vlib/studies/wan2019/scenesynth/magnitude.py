"""Visual magnitude: the share of a picture's pixels that differ from its row's background.

The mask is the kit's one background mask (:mod:`a2vlib.metrics.image.objects`). SceneSynth pictures are built for
it (backgrounds vary only from row to row, objects cover well under half of any row). The dataset uses it to size
each object to its loudness (:mod:`a2vlib.studies.wan2019.scenesynth.drawing`) and the volume study to measure
generated pictures (:func:`visual_magnitude`).
"""
from __future__ import annotations

import numpy as np

from a2vlib.core.errors import DataError
from a2vlib.metrics.image.objects import object_mask, row_background
from a2vlib.studies.wan2019.scenesynth.config import MAGNITUDE_PER_LOUDNESS, MAGNITUDE_THRESHOLD


def _pictures(images: np.ndarray, who: str) -> tuple[np.ndarray, bool]:
    """(N, H, W, 3) float32 in uint8 units from one picture or a batch, uint8 or float in [-1, 1]; and whether one
    picture was given."""
    x = np.asarray(images)
    single = x.ndim == 3
    if single:
        x = x[None]
    if x.ndim != 4 or x.shape[-1] != 3 or x.shape[1] == 0 or x.shape[2] == 0:
        raise DataError(f"{who}: expected (H, W, 3) or (N, H, W, 3) pictures, got shape {np.shape(images)}")
    return (x.astype(np.float32) if x.dtype == np.uint8 else (x.astype(np.float32) + 1.0) * 127.5), single


def visual_magnitude(images: np.ndarray) -> float | np.ndarray:
    """Share of pixels that differ from their row's background, measured from the picture alone.

    ``images``: one picture (H, W, 3) or a batch (N, H, W, 3); uint8 in [0, 255] or float in [-1, 1] (generator
    outputs). Returns a float for one picture, an array (N,) for a batch. The background of a row is its median
    colour; a pixel counts as object when its RGB distance from it exceeds ``MAGNITUDE_THRESHOLD``
    (:func:`object_mask`).
    """
    x, single = _pictures(images, "visual_magnitude")
    frac = object_mask(x, MAGNITUDE_THRESHOLD).mean(axis=(1, 2))
    return float(frac[0]) if single else frac


def object_size(images: np.ndarray) -> float | np.ndarray:
    """The object alone: the share of pixels in the largest 8-connected region of :func:`object_mask`.

    On a clean SceneSynth picture this is the object (or the splash's body); on a generated picture it leaves out
    scattered noise pixels and stray blobs that :func:`visual_magnitude` would count as object too. Same input forms
    as :func:`visual_magnitude`.
    """
    from scipy import ndimage

    x, single = _pictures(images, "object_size")
    masks = object_mask(x, MAGNITUDE_THRESHOLD)
    out = np.zeros(len(masks))
    for i, mask in enumerate(masks):
        labels, n = ndimage.label(mask, structure=np.ones((3, 3)))
        if n:
            out[i] = np.bincount(labels.ravel())[1:].max() / mask.size
    return float(out[0]) if single else out


def magnitude_for_loudness(loudness: float) -> float:
    """The visual magnitude a consistent pair's picture is drawn to have at this loudness."""
    return MAGNITUDE_PER_LOUDNESS * float(loudness)
