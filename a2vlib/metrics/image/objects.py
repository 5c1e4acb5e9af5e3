"""The kit's one background mask: a picture's object is what differs from its row's background.

Pictures whose backgrounds vary only from row to row, with objects covering under half of any row (SceneSynth's,
the instrument pictures), give their background to a per-row median; every pixel far from it is object. The
object judge (:mod:`a2vlib.metrics.image.accuracy`) swaps backgrounds with it; SceneSynth sizes its objects and the
volume study measures generated pictures with it.
"""
from __future__ import annotations

import math

import numpy as np


def row_background(images: np.ndarray) -> np.ndarray:
    """Background estimate (..., H, 1, 3) of pictures (..., H, W, 3): the per-row, per-channel median. Exact for
    backgrounds that vary only vertically as long as objects cover less than half of each row (SceneSynth objects
    cover at most ~45 %)."""
    return np.median(images, axis=-2, keepdims=True)


def object_mask(images: np.ndarray, tol: float = 40.0) -> np.ndarray:
    """(..., H, W) True where a pixel's RGB distance (Euclidean, uint8 units) from its row's background estimate
    (:func:`row_background`) exceeds ``tol``; ``images`` (..., H, W, 3) are uint8, or float in uint8 units.

    40 is far above mild pixel noise (std 3 gives ~5) and keeps out most of the anti-aliased rim, whose colour is
    partly the original background's. For a uint8 picture the squared distances are multiples of 1/4 (the median
    of an even count ends in .5); the cut is placed halfway between the two multiples around ``tol ** 2``, so a
    uint8 picture and a float copy of it (with rounding errors) count the same pixels.
    """
    x = np.asarray(images, dtype=np.float32)
    dist2 = ((x - row_background(x)) ** 2).sum(axis=-1)
    return dist2 > math.floor(4 * tol ** 2) / 4 + 0.125
