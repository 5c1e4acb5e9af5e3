"""Pictures of musicians: the image side of the Sub-URMP stand-in (:mod:`a2vlib.studies.chen2017.urmp.instruments` is the sound).

Chen et al.'s Sub-URMP pairs 0.5 s chunks of URMP's solo tracks with the video frame at the chunk's start: a
person, seen from the front, playing one of 13 instruments. Here each picture is drawn procedurally: a seated
player (standing for double bass) with the instrument held as orchestra players hold it, each with its own
silhouette, size, orientation and colour so that it can be told apart at 32x32.

The pose follows the note. ``Pose.hand`` (0 = lowest note of the instrument's range, 1 = highest) places the
fingering hand along the instrument: along the fingerboard for the strings (towards the body for high notes),
the slide for the trombone (long slide for low notes), and along the body for winds and brass. The fingering
hand is a glove of the reserved colour :data:`HAND_COLOUR`, so :func:`hand_position` can measure it on any
picture, drawn or generated, and a model's images can be checked for whether the pose follows the sound.
``Pose.stroke`` (-1..1) slides the bow along itself for the strings and swings an elbow and tilts the instrument
a little for winds and brass.

A :class:`Look` (backdrop, shirt, skin, place and size of the figure) is one player in one performance: fixed
within a performance, different between performances. Coordinates are fractions of the picture's side.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

from a2vlib.core.errors import DataError, ParamsError
from a2vlib.studies.chen2017.urmp.instruments import INSTRUMENTS
from a2vlib.studies.chen2017.urmp.musician_shapes import (
    HAND_COLOUR,
    HAND_RADIUS,
    SPECS,
    Ctx,
    draw_figure,
)
from a2vlib.data.canvas import SKIN, Canvas, Frame, background_rows, jitter

__all__ = ["HAND_COLOUR", "INSTRUMENTS", "Look", "Pose", "draw_musician", "hand_position",
           "random_look"]

Rgb = tuple[float, float, float]

HAND_MATCH = 60.0  # RGB distance within which a pixel counts (partly) as glove
HAND_FULL = 20.0  # ... and fully
PIXEL_NOISE = 2.0  # std of the per-pixel noise, seeded from the arguments so pictures stay reproducible
MIN_SIZE = 16

# Stage and wall colours (top of the picture) over floors and lower walls (bottom). No greens: the glove owns them.
BACKDROPS: tuple[Rgb, ...] = ((25, 25, 30), (40, 45, 85), (120, 120, 126), (205, 195, 170), (112, 32, 38),
                             (150, 170, 202), (232, 230, 224), (122, 86, 56))
FLOORS: tuple[Rgb, ...] = ((62, 46, 36), (142, 102, 66), (72, 72, 78), (28, 28, 30), (180, 170, 150))
SHIRTS: tuple[Rgb, ...] = ((28, 28, 32), (236, 236, 232), (36, 46, 100), (62, 100, 180), (170, 36, 42),
                           (120, 120, 126), (100, 30, 52), (172, 195, 225), (92, 62, 132))


def _check_rgb(value: object, what: str) -> None:
    ok = (isinstance(value, (tuple, list, np.ndarray)) and len(value) == 3
          and all(isinstance(v, (int, float, np.number)) and 0 <= float(v) <= 255 for v in value))
    if not ok:
        raise ParamsError(f"Look.{what} = {value!r}: give three numbers in [0, 255] (R, G, B)")


def _check_range(value: object, lo: float, hi: float, what: str) -> None:
    if not (isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
            and math.isfinite(float(value)) and lo <= float(value) <= hi):
        raise ParamsError(f"{what} = {value!r}: give a number in [{lo}, {hi}]")


@dataclass(frozen=True)
class Look:
    """One player's appearance in one performance."""

    background: tuple[Rgb, Rgb]  # top and bottom colour of the stage/wall gradient
    shirt: Rgb
    skin: Rgb
    dx: float = 0.0  # horizontal shift of the whole figure, fraction of the side
    dy: float = 0.0  # vertical shift
    scale: float = 1.0  # size of the figure and its instrument

    def __post_init__(self) -> None:
        if not (isinstance(self.background, (tuple, list)) and len(self.background) == 2):
            raise ParamsError(f"Look.background = {self.background!r}: give (top colour, bottom colour)")
        for i, colour in enumerate(self.background):
            _check_rgb(colour, f"background[{i}]")
        _check_rgb(self.shirt, "shirt")
        _check_rgb(self.skin, "skin")
        _check_range(self.dx, -0.06, 0.06, "Look.dx")
        _check_range(self.dy, -0.04, 0.04, "Look.dy")
        _check_range(self.scale, 0.9, 1.1, "Look.scale")
        # Plain floats, so that equal looks given as ints, lists or numpy numbers draw the same noise.
        object.__setattr__(self, "background", tuple(_floats(c) for c in self.background))
        for name in ("shirt", "skin"):
            object.__setattr__(self, name, _floats(getattr(self, name)))
        for name in ("dx", "dy", "scale"):
            object.__setattr__(self, name, float(getattr(self, name)))


def _floats(colour) -> Rgb:
    return tuple(float(c) for c in colour)  # type: ignore[return-value]


def _rgb(colour: np.ndarray) -> Rgb:
    return tuple(round(float(c), 1) for c in colour)  # type: ignore[return-value]


def random_look(rng: np.random.Generator) -> Look:
    """A random player: backdrop, shirt, skin, and the figure's place and size in the picture."""
    top = jitter(rng, BACKDROPS[int(rng.integers(len(BACKDROPS)))], 12)
    # Half the stages keep one colour top to bottom (a curtain), the others end on a floor colour.
    if rng.random() < 0.5:
        bottom = top * rng.uniform(0.75, 0.95)
    else:
        bottom = jitter(rng, FLOORS[int(rng.integers(len(FLOORS)))], 12)
    return Look(background=(_rgb(top), _rgb(bottom)),
                shirt=_rgb(jitter(rng, SHIRTS[int(rng.integers(len(SHIRTS)))], 10)),
                skin=_rgb(jitter(rng, SKIN[int(rng.integers(len(SKIN)))], 10)),
                dx=float(rng.uniform(-0.06, 0.06)), dy=float(rng.uniform(-0.04, 0.04)),
                scale=float(rng.uniform(0.9, 1.1)))


@dataclass(frozen=True)
class Pose:
    """Where the fingering hand is (``hand``, from the pitch) and the bow or arm movement (``stroke``)."""

    hand: float  # 0..1: lowest to highest note of the instrument's range
    stroke: float = 0.0  # -1..1

    def __post_init__(self) -> None:
        _check_range(self.hand, 0.0, 1.0, "Pose.hand")
        _check_range(self.stroke, -1.0, 1.0, "Pose.stroke")
        object.__setattr__(self, "hand", float(self.hand))
        object.__setattr__(self, "stroke", float(self.stroke))


def _check_instrument(instrument: str) -> None:
    if instrument not in SPECS:
        raise ParamsError(f"instrument {instrument!r}: unknown; use one of {', '.join(INSTRUMENTS)}")


def draw_musician(instrument: str, pose: Pose, look: Look, size: int = 32) -> np.ndarray:
    """A uint8 (size, size, 3) picture of a player of ``instrument`` in ``pose``; a pure function of its arguments."""
    _check_instrument(instrument)
    if not isinstance(pose, Pose):
        raise ParamsError(f"pose = {pose!r}: give a Pose(hand, stroke)")
    if not isinstance(look, Look):
        raise ParamsError(f"look = {look!r}: give a Look (e.g. random_look(rng))")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < MIN_SIZE:
        raise ParamsError(f"size = {size!r}: give an integer >= {MIN_SIZE} (pixels)")
    spec = SPECS[instrument]
    cv = Canvas(background_rows([(0.0, look.background[0]), (1.0, look.background[1])], int(size)))
    f = Frame(cv, spec.anchor[0] + look.dx, spec.anchor[1] + look.dy, look.scale)
    ctx = Ctx(f, float(pose.hand), float(pose.stroke), np.asarray(look.shirt, float), np.asarray(look.skin, float),
              spec.path)
    draw_figure(ctx, spec.standing)
    grip = spec.draw(ctx)
    f.ellipse(*grip, HAND_RADIUS, HAND_RADIUS * 0.92, HAND_COLOUR)  # drawn last: never hidden
    seed = zlib.crc32(repr((instrument, pose, look, int(size))).encode())
    noise = np.random.default_rng(seed).normal(0.0, PIXEL_NOISE, cv.img.shape).astype(np.float32)
    return np.clip(cv.img + noise, 0, 255).round().astype(np.uint8)


def _hand_axis(instrument: str) -> tuple[np.ndarray, np.ndarray]:
    """Where the fingering hand is at ``Pose.hand`` 0 and 1 (stroke 0, the default Look), as (x, y) fractions of
    the picture's side."""
    _check_instrument(instrument)
    spec = SPECS[instrument]
    anchor = np.asarray(spec.anchor, float)
    return anchor + np.asarray(spec.path[0], float), anchor + np.asarray(spec.path[1], float)


def hand_position(images: np.ndarray, instrument: str) -> np.ndarray:
    """The measured hand coordinate of each picture: float64 (N,), NaN where no glove is found.

    The centroid of the glove-coloured pixels (each weighted by closeness to :data:`HAND_COLOUR`: 1 within RGB
    distance 20, falling to 0 at 60, so anti-aliased edges count partly), projected on the line along which
    ``Pose.hand`` moves the hand, in units of that travel: 0 at the hand=0 place and 1 at the hand=1 place for
    the default Look (no shift, scale 1). A Look's shift and scale move these values by up to about +-0.3, so
    compare coordinates within a look, or by rank. Fewer than one pixel's worth of glove gives NaN.
    """
    _check_instrument(instrument)
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3 or min(images.shape[1:3], default=0) < MIN_SIZE:
        raise DataError(f"images of shape {images.shape}: give an (N, H, W, 3) array with H, W >= {MIN_SIZE}")
    if images.dtype != np.uint8:
        raise DataError(f"images of dtype {images.dtype}: give uint8 pixels (0..255)")
    p0, p1 = _hand_axis(instrument)
    travel = p1 - p0
    u = travel / float(np.dot(travel, travel))  # projection in units of the hand's travel
    n, h, w = images.shape[:3]
    xs, ys = (np.arange(w) + 0.5) / w, (np.arange(h) + 0.5) / h
    out = np.full(n, np.nan)
    hand = np.asarray(HAND_COLOUR, np.float32)
    for start in range(0, n, 256):  # chunks bound the memory of the float copy
        chunk = images[start:start + 256].astype(np.float32)
        dist = np.sqrt(((chunk - hand) ** 2).sum(axis=-1))
        weight = np.clip((HAND_MATCH - dist) / (HAND_MATCH - HAND_FULL), 0.0, 1.0)
        total = weight.sum(axis=(1, 2))
        found = total >= 1.0
        cx = (weight.sum(axis=1) * xs).sum(axis=1) / np.maximum(total, 1e-9)
        cy = (weight.sum(axis=2) * ys).sum(axis=1) / np.maximum(total, 1e-9)
        coord = (cx - p0[0]) * u[0] + (cy - p0[1]) * u[1]
        out[start:start + len(chunk)] = np.where(found, coord, np.nan)
    return out
