"""SceneSynth-9: a procedural paired picture + sound dataset standing in for Wan et al.'s SoundNet video frames.

Nine classes (Wan et al. 2019, Table 1) with a recognisable scene and object in the picture and their own timbre and
rhythm in the sound; no download, deterministic for a seed. Like real videos, the raw train/test splits hold
discrepant pairs (the camera shows something else than what is heard); a separate clean "reference" split stands
in for the data that pretrained classifiers saw.

Loudness: every pair has ``loudness`` in [0.25, 1]. The clip's RMS is ``RMS_PER_LOUDNESS * loudness`` and, in a
consistent pair, the picture's visual magnitude (the share of pixels that differ from the background, see
:func:`visual_magnitude`) is ``MAGNITUDE_PER_LOUDNESS * loudness``: a louder sound shows a closer, bigger object
(or a bigger splash).

Pictures are built so that :func:`visual_magnitude` can measure them without knowing the class: backgrounds vary
only from row to row (sky over ground, water, field, wall, floor) plus mild pixel noise, and objects are drawn in
colours far from their background and cover well under half of any row, so a per-row median recovers the
background.
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, NamedTuple, Sequence

import numpy as np
import pandas as pd

from a2vlib.core.atomic import atomic_path
from a2vlib.data import synth_audio
from a2vlib.data.audio_io import read_audio, write_audio
from a2vlib.data.image_io import read_image, write_image
from a2vlib.core.errors import DataError, ParamsError
from a2vlib.core.checks import is_int, is_number, require

CLASSES = ("dog", "drum", "guitar", "piano", "plane", "speedboat", "dam", "soccer", "baseball")
OTHER = "other"
PAPER_TABLE1 = {"plane": 2803, "speedboat": 900, "guitar": 207, "piano": 1899, "drum": 259, "dog": 264,
                "dam": 584, "baseball": 1708, "soccer": 2077}
SPLITS = ("reference", "train", "test")
DISCREPANCIES = ("none", "other_scene", "unrelated_view", "unrelated_sound")
DISCREPANT_MIX = {"other_scene": 0.5, "unrelated_view": 0.3, "unrelated_sound": 0.2}
MANIFEST_COLUMNS = ["pair_id", "split", "image_path", "audio_path", "sound_class", "image_class", "loudness",
                    "discrepancy", "is_consistent"]

LOUDNESS_RANGE = (0.25, 1.0)
# RMS 0.08 at full loudness leaves headroom: the soft limiter keeps peaks within CREST_LIMIT x RMS, so even a
# sparse bark (crest factor ~17 before limiting) stays below 0.9 and a 16-bit WAV never clips.
RMS_PER_LOUDNESS = 0.08
CREST_LIMIT = 10.0
MAGNITUDE_PER_LOUDNESS = 0.10  # visual magnitude of a consistent pair's picture: 0.025 .. 0.10
MAGNITUDE_THRESHOLD = 40.0  # RGB distance from the row's background beyond which a pixel counts as object
PIXEL_NOISE = 3.0  # std of the pixel noise, far below the threshold
GENERATOR_VERSION = 1  # bump when the pictures or sounds change, so old folders are not mistaken for new ones

Colour = Sequence[float]


# ---------------------------------------------------------------------------------------------------------------
# configuration and pairs


@dataclass(frozen=True)
class SceneSynthConfig:
    """What to generate. Counts are pairs per split; see the module docstring for the loudness rules."""

    seed: int = 0
    n_train: int = 270  # raw training pairs (all classes, incl. discrepant)
    n_test: int = 90
    n_reference: int = 270  # clean pairs of the nine classes (plus ~n_reference/9 'other' pairs)
    proportions: str = "balanced"  # or "paper" (Table 1 of Wan et al.)
    discrepant_share: float = 0.75
    image_size: int = 64
    sample_rate: int = 22050
    seconds: float = 2.0

    def __post_init__(self) -> None:
        require(self, is_int(self.seed) and self.seed >= 0, "seed", "give an integer >= 0")
        require(self, self.proportions in ("balanced", "paper"), "proportions", "give 'balanced' or 'paper'")
        for name in ("n_train", "n_test", "n_reference"):
            n = getattr(self, name)
            require(self, is_int(n) and n >= 0, name, "give an integer >= 0")
            require(self, self.proportions != "paper" or n == 0 or n >= 2 * len(CLASSES), name,
                 f"'paper' proportions keep at least 2 pairs per class: give 0 or >= {2 * len(CLASSES)}")
        require(self, is_number(self.discrepant_share) and 0.0 <= self.discrepant_share <= 1.0,
                "discrepant_share",
             "give a number in [0, 1]")
        require(self, is_int(self.image_size) and 16 <= self.image_size <= 1024, "image_size",
                "give an integer in [16, 1024]")
        require(self, is_int(self.sample_rate) and 8000 <= self.sample_rate <= 96000, "sample_rate",
             "give an integer in [8000, 96000] Hz")
        require(self, is_number(self.seconds) and 0.25 <= self.seconds <= 60, "seconds",
                "give a number in [0.25, 60]")

    def to_dict(self) -> dict:
        """Plain JSON-ready values."""
        return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in dataclasses.asdict(self).items()}


@dataclass
class Pair:
    """One picture + sound pair with its ground truth."""

    pair_id: str
    split: str
    image: np.ndarray  # uint8 (H, W, 3)
    audio: np.ndarray  # float32 (samples,)
    sound_class: str
    image_class: str
    loudness: float
    discrepancy: str  # "none" | "other_scene" | "unrelated_view" | "unrelated_sound"

    @property
    def label(self) -> str:
        """The pair's class as its sound tells it (what a sound classifier such as SoundNet would say)."""
        return self.sound_class

    @property
    def is_consistent(self) -> bool:
        """True when the picture shows what the sound is."""
        return self.sound_class == self.image_class


def _check_class(cls: str) -> None:
    if cls not in CLASSES:
        raise ParamsError(f"class {cls!r}: unknown SceneSynth class; use one of {', '.join(CLASSES)}")


def _check_loudness(loudness: float) -> float:
    lo, hi = LOUDNESS_RANGE
    if not (isinstance(loudness, (int, float, np.integer, np.floating)) and lo <= float(loudness) <= hi):
        raise ParamsError(f"loudness={loudness!r}: give a number in [{lo}, {hi}]")
    return float(loudness)


# ---------------------------------------------------------------------------------------------------------------
# visual magnitude


def visual_magnitude(images: np.ndarray) -> float | np.ndarray:
    """Share of pixels that differ from their row's background, measured from the picture alone.

    ``images``: one picture (H, W, 3) or a batch (N, H, W, 3); uint8 in [0, 255] or float in [-1, 1] (generator
    outputs). Returns a float for one picture, an array (N,) for a batch. The background of a row is its median
    colour; a pixel counts as object when its RGB distance from it exceeds ``MAGNITUDE_THRESHOLD``.
    """
    x = np.asarray(images)
    single = x.ndim == 3
    if single:
        x = x[None]
    if x.ndim != 4 or x.shape[-1] != 3 or x.shape[1] == 0 or x.shape[2] == 0:
        raise DataError(f"visual_magnitude: expected (H, W, 3) or (N, H, W, 3) pictures, got shape {np.shape(images)}")
    x = x.astype(np.float32) if x.dtype == np.uint8 else (x.astype(np.float32) + 1.0) * 127.5
    background = np.median(x, axis=2, keepdims=True)
    dist2 = ((x - background) ** 2).sum(axis=-1)
    # uint8 pictures give squared distances in multiples of 1/4 (the median of an even count ends in .5); the
    # threshold sits halfway between two of them, so a uint8 picture and its float copy count the same pixels.
    frac = (dist2 > MAGNITUDE_THRESHOLD ** 2 + 0.125).mean(axis=(1, 2))
    return float(frac[0]) if single else frac


def magnitude_for_loudness(loudness: float) -> float:
    """The visual magnitude a consistent pair's picture is drawn to have at this loudness."""
    return MAGNITUDE_PER_LOUDNESS * float(loudness)


# ---------------------------------------------------------------------------------------------------------------
# drawing


class _Canvas:
    """Float RGB picture with anti-aliased shapes; coordinates are fractions of the side (x right, y down)."""

    def __init__(self, rows: np.ndarray):
        self.size = rows.shape[0]
        self.img = np.repeat(rows[:, None, :].astype(np.float32), self.size, axis=1)

    def _window(self, x0: float, x1: float, y0: float, y1: float):
        n = self.size
        c0, c1 = max(int(math.floor(x0 * n)) - 1, 0), min(int(math.ceil(x1 * n)) + 1, n)
        r0, r1 = max(int(math.floor(y0 * n)) - 1, 0), min(int(math.ceil(y1 * n)) + 1, n)
        if c0 >= c1 or r0 >= r1:
            return None
        xs = (np.arange(c0, c1, dtype=np.float32) + 0.5)[None, :]
        ys = (np.arange(r0, r1, dtype=np.float32) + 0.5)[:, None]
        return (slice(r0, r1), slice(c0, c1)), xs, ys

    def _paint(self, where, dist: np.ndarray, colour: Colour, opacity: float) -> None:
        """Blend ``colour`` where the signed distance (pixels, negative inside) says the shape is."""
        alpha = np.clip(0.5 - dist, 0.0, 1.0) * opacity
        region = self.img[where]
        region += alpha[..., None] * (np.asarray(colour, np.float32) - region)

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, colour: Colour, angle: float = 0.0,
                opacity: float = 1.0) -> None:
        r = max(rx, ry)
        win = self._window(cx - r, cx + r, cy - r, cy + r)
        if win is None or rx <= 0 or ry <= 0:
            return
        where, xs, ys = win
        n = self.size
        dx, dy = xs - cx * n, ys - cy * n
        c, s = math.cos(angle), math.sin(angle)
        a, b = rx * n, ry * n
        u, v = (c * dx + s * dy) / a, (-s * dx + c * dy) / b
        k = np.sqrt(u * u + v * v)
        grad = np.sqrt((u / a) ** 2 + (v / b) ** 2) / (k + 1e-9)  # |grad k|: turns k - 1 into pixels
        self._paint(where, (k - 1.0) / (grad + 1e-9), colour, opacity)

    def polygon(self, pts: Sequence[tuple[float, float]], colour: Colour, opacity: float = 1.0) -> None:
        """Convex polygon."""
        p = np.asarray(pts, np.float32) * self.size
        win = self._window(*(p[:, 0].min() / self.size, p[:, 0].max() / self.size,
                             p[:, 1].min() / self.size, p[:, 1].max() / self.size))
        if win is None:
            return
        where, xs, ys = win
        q = np.roll(p, -1, axis=0)
        area2 = float(np.sum(p[:, 0] * q[:, 1] - q[:, 0] * p[:, 1]))
        sign = 1.0 if area2 >= 0 else -1.0
        dist = np.full((ys.shape[0], xs.shape[1]), -1e9, np.float32)
        for (ax, ay), (bx, by) in zip(p, q):
            ex, ey = bx - ax, by - ay
            length = math.hypot(ex, ey)
            if length < 1e-6:
                continue
            dist = np.maximum(dist, -sign * (ex * (ys - ay) - ey * (xs - ax)) / length)
        self._paint(where, dist, colour, opacity)

    def capsule(self, x0: float, y0: float, x1: float, y1: float, width: float, colour: Colour,
                opacity: float = 1.0) -> None:
        """Thick line with round ends."""
        h = width / 2
        win = self._window(min(x0, x1) - h, max(x0, x1) + h, min(y0, y1) - h, max(y0, y1) + h)
        if win is None:
            return
        where, xs, ys = win
        n = self.size
        ax, ay, ex, ey = x0 * n, y0 * n, (x1 - x0) * n, (y1 - y0) * n
        t = np.clip(((xs - ax) * ex + (ys - ay) * ey) / max(ex * ex + ey * ey, 1e-9), 0.0, 1.0)
        d = np.sqrt((xs - ax - t * ex) ** 2 + (ys - ay - t * ey) ** 2)
        self._paint(where, d - h * n, colour, opacity)


class _Frame:
    """An object's own coordinates: scaled by ``s`` (fraction of the picture per unit), mirrored, rotated."""

    def __init__(self, cv: _Canvas, cx: float, cy: float, s: float, flip: float = 1.0, angle: float = 0.0):
        self.cv, self.cx, self.cy, self.s, self.flip, self.angle = cv, cx, cy, s, flip, angle
        self._c, self._s = math.cos(angle), math.sin(angle)

    def pt(self, x: float, y: float) -> tuple[float, float]:
        x *= self.flip
        return self.cx + self.s * (self._c * x - self._s * y), self.cy + self.s * (self._s * x + self._c * y)

    def ellipse(self, x, y, rx, ry, colour, angle=0.0, opacity=1.0) -> None:
        self.cv.ellipse(*self.pt(x, y), rx * self.s, ry * self.s, colour, self.angle + angle * self.flip, opacity)

    def poly(self, pts, colour, opacity=1.0) -> None:
        self.cv.polygon([self.pt(x, y) for x, y in pts], colour, opacity)

    def rect(self, x0, y0, x1, y1, colour, opacity=1.0) -> None:
        self.poly([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], colour, opacity)

    def line(self, x0, y0, x1, y1, width, colour, opacity=1.0) -> None:
        self.cv.capsule(*self.pt(x0, y0), *self.pt(x1, y1), width * self.s, colour, opacity)


def _lerp(lo: float, hi: float, u: float) -> float:
    return lo + u * (hi - lo) if hi >= lo else (lo + hi) / 2


def _place(cv: _Canvas, s: float, bbox: tuple[float, float, float, float], u: float, v: float,
           y_range: tuple[float, float] = (0.0, 1.0), flip: float = 1.0, angle: float = 0.0,
           margin: float = 0.02) -> _Frame:
    """Frame whose local origin lands at fractions ``u, v`` of the free room, keeping ``bbox`` in the picture.

    ``y_range`` limits where the origin may go (e.g. the ground band for an object standing on it).
    """
    probe = _Frame(cv, 0.0, 0.0, s, flip, angle)
    x0, x1, y0, y1 = bbox
    corners = np.array([probe.pt(x, y) for x in (x0, x1) for y in (y0, y1)])
    cx = _lerp(margin - corners[:, 0].min(), 1 - margin - corners[:, 0].max(), u)
    cy = _lerp(max(margin - corners[:, 1].min(), y_range[0]), min(1 - margin - corners[:, 1].max(), y_range[1]), v)
    return _Frame(cv, cx, cy, s, flip, angle)


def _rows(stops: list[tuple[float, Colour]], size: int) -> np.ndarray:
    """Per-row background colours from (y, colour) stops; equal y values make a hard edge."""
    ys = np.array([y for y, _ in stops], float)
    ys = ys + np.arange(len(ys)) * 1e-6  # keep the stops strictly increasing for np.interp
    cols = np.array([c for _, c in stops], float)
    at = (np.arange(size) + 0.5) / size
    return np.stack([np.interp(at, ys, cols[:, ch]) for ch in range(3)], axis=1)


def _jit(rng: np.random.Generator, colour: Colour, amount: float = 12.0) -> np.ndarray:
    return np.clip(np.asarray(colour, float) + rng.uniform(-amount, amount, 3), 0, 255)


def _pick(rng: np.random.Generator, palette: Sequence[Colour], avoid: np.ndarray, min_dist: float = 95.0,
          amount: float = 10.0) -> np.ndarray:
    """A jittered palette colour far (RGB distance) from every colour in ``avoid``, so it reads as object."""
    avoid = np.asarray(avoid, float).reshape(-1, 3)
    far = [c for c in palette if np.sqrt(((avoid - np.asarray(c, float)) ** 2).sum(axis=1)).min() >= min_dist]
    choices = far or [max(palette, key=lambda c: np.sqrt(((avoid - np.asarray(c, float)) ** 2).sum(axis=1)).min())]
    return _jit(rng, choices[int(rng.integers(len(choices)))], amount)


def _choice(rng: np.random.Generator, palette: Sequence[Colour], amount: float = 12.0) -> np.ndarray:
    """A jittered colour drawn from ``palette``."""
    return _jit(rng, palette[int(rng.integers(len(palette)))], amount)


def _shade(colour: Colour, factor: float) -> np.ndarray:
    return np.clip(np.asarray(colour, float) * factor, 0, 255)


class _Scene(NamedTuple):
    rows: np.ndarray  # (size, 3) background colour per row
    draw: Callable[[_Canvas, float], None]  # draws every object at scale s; draws nothing random itself
    area: float  # rough object area in local units^2, to start the size search near its answer


SKIN = ((250, 210, 175), (225, 170, 130), (170, 115, 75), (110, 70, 45))
WHITE = (240, 240, 236)
BLACKISH = (25, 25, 28)


def _sky(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    top = _jit(rng, (60, 120, 205), 20)
    return top, np.clip(top + rng.uniform([60, 50, 20], [90, 80, 40]), 0, 245)


# Rooms: each indoor class has its typical walls and floors, overlapping with the others' (a pale wall, a wood
# floor) as real homes and halls do, so that the object and not the room tells the classes apart.
WALLS = {"home": ((228, 218, 190), (232, 200, 200), (205, 205, 205), (200, 222, 192)),
         "hall": ((228, 218, 190), (150, 110, 75), (120, 35, 40), (200, 222, 192)),
         "studio": ((190, 210, 228), (205, 205, 205), (70, 85, 95), (232, 200, 200))}
FLOORS = {"home": ((150, 105, 65), (115, 115, 125), (170, 92, 60)),
          "hall": ((95, 68, 48), (185, 160, 120), (150, 105, 65)),
          "studio": ((115, 115, 125), (60, 60, 66), (150, 105, 65))}


def _room(rng: np.random.Generator, size: int, kind: str) -> tuple[np.ndarray, float, np.ndarray]:
    """Wall over floor with a skirting board; returns rows, the floor line and the background colours."""
    wall, floor = _choice(rng, WALLS[kind]), _choice(rng, FLOORS[kind])
    skirting = _choice(rng, ((245, 245, 240), (90, 60, 40)))
    f = rng.uniform(0.52, 0.68)
    stops = [(0.0, _shade(wall, 0.93)), (f - 0.025, wall), (f - 0.025, skirting), (f, skirting), (f, floor),
             (1.0, _shade(floor, 0.8))]
    return _rows(stops, size), f, np.array([c for _, c in stops])


# ---------------------------------------------------------------------------------------------------------------
# the nine scenes: each builder draws all its random choices first, then returns a pure draw(canvas, s)


def _dog_scene(rng: np.random.Generator, size: int) -> _Scene:
    if rng.random() < 0.6:  # outdoors: sky, maybe a tree line, grass
        top, low = _sky(rng)
        h = rng.uniform(0.3, 0.45)
        grass = _jit(rng, (85, 150, 60), 15)
        stops = [(0.0, top), (h, low)]
        if rng.random() < 0.6:
            trees = _jit(rng, (40, 80, 45))
            stops += [(h, trees), (h + rng.uniform(0.04, 0.08), _shade(trees, 0.8))]
            h = stops[-1][0]
        stops += [(h, grass), (1.0, _shade(grass, 0.75))]
        rows, ground, bg = _rows(stops, size), h, np.array([c for _, c in stops])
    else:
        rows, ground, bg = _room(rng, size, "home")
    fur = _pick(rng, ((30, 28, 26), (95, 60, 35), (215, 160, 75), (165, 80, 35), (125, 122, 118), (238, 232, 218)),
                bg)
    far_legs, ear = _shade(fur, 0.72), _shade(fur, 0.6 if fur.mean() > 80 else 1.8)
    chest = rng.random() < 0.4
    collar = _choice(rng, ((200, 30, 30), (30, 60, 200), (30, 150, 60))) if rng.random() < 0.6 else None
    pointy, tail_up, barking = rng.random() < 0.5, rng.random() < 0.6, rng.random() < 0.6
    leg, body_len = rng.uniform(0.55, 0.8), rng.uniform(0.55, 0.72)
    flip, u, v = float(rng.choice([-1.0, 1.0])), rng.random(), rng.random()

    def draw(cv: _Canvas, s: float) -> None:
        f = _place(cv, s, (-1.05, 1.25, -1.95, 0.0), u, v, (ground + 0.08, 0.98), flip)
        by = -leg - 0.25  # body centre height
        for x in (-body_len + 0.15, body_len - 0.25):  # far legs first, a shade darker
            f.line(x + 0.1, by, x + 0.12, -0.05, 0.15, far_legs)
        f.line(-body_len - 0.02, by - 0.1, -body_len - 0.35, by - (0.45 if tail_up else -0.25), 0.11, fur)
        f.ellipse(0, by, body_len + 0.05, 0.3, fur)
        for x in (-body_len + 0.15, body_len - 0.25):
            f.line(x, by, x - 0.02, -0.06, 0.16, fur)
        if chest:
            f.ellipse(body_len - 0.1, by + 0.05, 0.2, 0.18, WHITE if fur.mean() < 150 else (60, 45, 35))
        hx, hy = body_len + 0.05, by - 0.55
        f.line(body_len - 0.2, by - 0.1, hx - 0.05, hy + 0.05, 0.3, fur)
        if collar is not None:
            f.line(hx - 0.22, hy + 0.22, hx + 0.05, hy + 0.3, 0.08, collar)
        f.ellipse(hx, hy, 0.27, 0.24, fur)
        if barking:  # open mouth: jaws apart with the dark inside showing
            f.poly([(hx + 0.15, hy + 0.02), (hx + 0.5, hy - 0.02), (hx + 0.48, hy + 0.2), (hx + 0.15, hy + 0.12)],
                   (60, 15, 20))
            f.ellipse(hx + 0.3, hy - 0.06, 0.2, 0.08, fur, angle=-0.15)
            f.ellipse(hx + 0.28, hy + 0.16, 0.18, 0.06, fur, angle=0.25)
        else:
            f.ellipse(hx + 0.28, hy + 0.05, 0.22, 0.12, fur)
        f.ellipse(hx + 0.47, hy - 0.04, 0.065, 0.06, BLACKISH)
        f.ellipse(hx + 0.08, hy - 0.08, 0.05, 0.05, BLACKISH)
        if pointy:
            f.poly([(hx - 0.2, hy - 0.1), (hx - 0.12, hy - 0.5), (hx + 0.02, hy - 0.15)], ear)
        else:
            f.ellipse(hx - 0.14, hy + 0.02, 0.09, 0.21, ear, angle=0.3)

    return _Scene(rows, draw, 2.0)


def _drum_scene(rng: np.random.Generator, size: int) -> _Scene:
    back = _choice(rng, ((35, 22, 50), (20, 26, 55), (55, 18, 24), (28, 28, 30), (16, 42, 38)))
    glow = np.clip(back * 2.2 + 25, 0, 255)
    floor = _choice(rng, ((120, 82, 48), (55, 52, 50), (95, 60, 40)))
    f_y = rng.uniform(0.7, 0.82)
    stops = [(0.0, glow), (0.22, back), (f_y, _shade(back, 0.9)), (f_y, floor), (1.0, _shade(floor, 0.8))]
    rows, bg = _rows(stops, size), np.array([c for _, c in stops])
    shell = _pick(rng, ((200, 30, 35), (35, 70, 200), (235, 235, 235), (190, 190, 200), (40, 160, 80),
                        (230, 120, 20), (20, 20, 20)), bg, 100)
    head = _jit(rng, (235, 228, 205), 8)
    front = head if rng.random() < 0.6 else _shade(shell, 0.7)
    gold, metal = _jit(rng, (220, 178, 60), 10), _jit(rng, (175, 175, 182), 8)
    drummer = rng.random() < 0.7
    shirt = _pick(rng, ((240, 240, 240), (200, 40, 40), (240, 200, 60), (90, 160, 220)), np.vstack([bg, shell]), 80)
    skin = _choice(rng, SKIN, 6)
    sticks = rng.uniform(-0.3, 0.3, 2)
    crash_tilt, u, v, flip = rng.uniform(-0.35, -0.1), rng.random(), rng.random(), float(rng.choice([-1.0, 1.0]))
    logo = rng.random() < 0.5

    def draw(cv: _Canvas, s: float) -> None:
        f = _place(cv, s, (-1.1, 1.05, -1.75, 0.0), u, v, (f_y + 0.06, 0.98), flip)
        if drummer:  # behind the kit: shoulders, head, arms with sticks raised
            f.poly([(-0.3, -1.3), (0.3, -1.3), (0.26, -0.8), (-0.26, -0.8)], shirt)
            f.ellipse(0.0, -1.45, 0.14, 0.16, skin)
            for side, lift in zip((-1, 1), sticks):
                f.line(side * 0.28, -1.25, side * 0.5, -1.05 + lift * 0.3, 0.09, skin)
                f.line(side * 0.5, -1.05 + lift * 0.3, side * 0.35, -1.45 + lift, 0.03, (225, 200, 150))
        f.line(-0.9, 0.0, -0.9, -0.95, 0.04, metal)  # hi-hat and crash stands
        f.line(0.85, 0.0, 0.8, -1.3, 0.04, metal)
        f.line(-0.62, 0.0, -0.62, -0.55, 0.04, metal)
        f.ellipse(-0.9, -0.97, 0.22, 0.045, gold)
        f.ellipse(-0.9, -0.91, 0.22, 0.045, gold)
        f.ellipse(0.78, -1.33, 0.3, 0.07, gold, angle=crash_tilt)
        for x in (-0.24, 0.24):  # rack toms
            f.rect(x - 0.2, -1.05, x + 0.2, -0.82, shell)
            f.ellipse(x, -1.05, 0.2, 0.07, head)
        f.rect(0.45, -0.78, 0.8, -0.08, shell)  # floor tom
        f.ellipse(0.625, -0.78, 0.175, 0.06, head)
        f.line(0.5, -0.1, 0.48, 0.0, 0.04, metal)
        f.line(0.76, -0.1, 0.78, 0.0, 0.04, metal)
        f.ellipse(0.0, -0.44, 0.46, 0.46, shell)  # bass drum
        f.ellipse(0.0, -0.44, 0.38, 0.38, front)
        if logo:
            f.rect(-0.3, -0.5, 0.3, -0.38, shell)
        f.rect(-0.8, -0.7, -0.44, -0.5, metal)  # snare
        f.ellipse(-0.62, -0.7, 0.18, 0.06, head)

    return _Scene(rows, draw, 2.2)


def _guitar_scene(rng: np.random.Generator, size: int) -> _Scene:
    if rng.random() < 0.65:
        rows, ground, bg = _room(rng, size, "studio")
    else:  # on a small stage with a warm, wood-panelled back wall
        back = _choice(rng, ((62, 40, 28), (75, 55, 32)))
        floor = _jit(rng, (110, 78, 48))
        ground = rng.uniform(0.7, 0.8)
        stops = [(0.0, np.clip(back * 2 + 30, 0, 255)), (0.25, back), (ground, back), (ground, floor),
                 (1.0, _shade(floor, 0.8))]
        rows, bg = _rows(stops, size), np.array([c for _, c in stops])
    body = _pick(rng, ((215, 160, 90), (175, 75, 30), (25, 25, 25), (195, 30, 38), (40, 70, 175), (238, 236, 230),
                       (240, 200, 60)), bg, 100)
    edge, neck = _shade(body, 0.55) + 10, _choice(rng, ((125, 78, 40), (60, 40, 25)))
    acoustic = rng.random() < 0.6
    angle, u, v = rng.uniform(-0.45, 0.45), rng.random(), rng.random()

    def draw(cv: _Canvas, s: float) -> None:
        f = _place(cv, s, (-0.45, 0.45, -2.5, 0.0), u, v, (ground + 0.05, 0.98), angle=angle)
        f.ellipse(0, -0.45, 0.44, 0.42, edge)
        f.ellipse(0, -1.0, 0.34, 0.31, edge)
        f.ellipse(0, -0.45, 0.4, 0.38, body)
        f.ellipse(0, -1.0, 0.3, 0.27, body)
        f.rect(-0.26, -1.0, 0.26, -0.55, body)
        f.rect(-0.075, -2.15, 0.075, -1.1, neck)
        for k in range(1, 8):
            f.line(-0.07, -1.1 - k * 0.13, 0.07, -1.1 - k * 0.13, 0.018, (200, 200, 200))
        f.poly([(-0.1, -2.12), (0.1, -2.12), (0.13, -2.48), (-0.13, -2.48)], _shade(neck, 0.6))
        if acoustic:
            f.ellipse(0, -0.85, 0.13, 0.13, (20, 14, 10))
            f.rect(-0.17, -0.36, 0.17, -0.28, (60, 35, 20))
        else:
            f.rect(-0.1, -0.75, 0.1, -0.66, BLACKISH)
            f.rect(-0.1, -0.55, 0.1, -0.46, BLACKISH)
            f.ellipse(0.22, -0.3, 0.05, 0.05, (200, 200, 200))
        for x in (-0.035, 0.0, 0.035):
            f.line(x * 1.5, -0.32, x, -2.12, 0.012, (225, 225, 220), opacity=0.7)

    return _Scene(rows, draw, 1.1)


def _piano_scene(rng: np.random.Generator, size: int) -> _Scene:
    rows, ground, bg = _room(rng, size, "hall")
    body = _pick(rng, ((22, 22, 24), (75, 42, 26), (236, 232, 224), (112, 45, 30)), bg, 90)
    top = np.clip(body * 1.25 + 12, 0, 255)
    keys, paper = _jit(rng, (246, 244, 236), 5), _jit(rng, (250, 250, 244), 4)
    sheet, bench = rng.random() < 0.7, rng.random() < 0.5
    u, v = rng.random(), rng.random()

    def draw(cv: _Canvas, s: float) -> None:
        f = _place(cv, s, (-0.85, 0.85, -1.6, 0.0), u, v, (ground + 0.06, 0.98))
        f.rect(-0.78, -1.45, 0.78, -0.05, body)
        f.rect(-0.85, -1.58, 0.85, -1.45, top)
        if sheet:
            f.rect(-0.3, -1.3, 0.3, -0.92, paper)
            for k in range(4):
                f.line(-0.25, -1.22 + k * 0.08, 0.25, -1.22 + k * 0.08, 0.015, (60, 60, 60))
        f.rect(-0.85, -0.72, 0.85, -0.64, top)  # key cover lip
        f.rect(-0.78, -0.64, 0.78, -0.42, keys)
        for k in range(15):  # white-key gaps
            x = -0.78 + 1.56 * (k + 1) / 16
            f.line(x, -0.62, x, -0.43, 0.012, (120, 120, 120))
        for k in range(16):  # black keys in groups of 2 and 3, like a real keyboard
            if k % 7 in (2, 6):
                continue
            x = -0.78 + 1.56 * (k + 1) / 16
            f.rect(x - 0.028, -0.64, x + 0.028, -0.52, BLACKISH)
        f.rect(-0.82, -0.44, -0.7, 0.0, top)
        f.rect(0.7, -0.44, 0.82, 0.0, top)
        for x in (-0.1, 0.0, 0.1):
            f.ellipse(x, -0.06, 0.03, 0.03, (215, 180, 70))
        if bench:
            f.rect(-0.45, -0.32, 0.45, -0.22, _shade(body, 0.8) + 20)
            f.line(-0.38, -0.25, -0.38, 0.0, 0.05, _shade(body, 0.8) + 20)
            f.line(0.38, -0.25, 0.38, 0.0, 0.05, _shade(body, 0.8) + 20)

    return _Scene(rows, draw, 2.2)


def _plane_scene(rng: np.random.Generator, size: int) -> _Scene:
    top, low = _sky(rng)
    stops = [(0.0, top), (1.0, low)]
    if rng.random() < 0.5:  # a thin band of land at the bottom
        g = rng.uniform(0.86, 0.94)
        land = _choice(rng, ((70, 120, 60), (120, 110, 80), (90, 100, 110)))
        stops = [(0.0, top), (g, low), (g, land), (1.0, _shade(land, 0.8))]
    rows, bg = _rows(stops, size), np.array([c for _, c in stops])
    hull = _pick(rng, ((246, 246, 246), (200, 203, 208), (200, 40, 40), (240, 205, 50), (60, 62, 70),
                       (230, 120, 30)), bg, 100)
    trim = _pick(rng, ((200, 30, 30), (30, 50, 160), (20, 20, 20), (240, 200, 40)), np.vstack([bg, hull]), 80)
    engines, props = int(rng.integers(1, 3)), rng.random() < 0.6
    # climbing, descending or banking: a level fuselage would fill most of a row and hide the row's background
    angle = rng.uniform(0.3, 0.8) * rng.choice([-1.0, 1.0])
    flip, u, v = float(rng.choice([-1.0, 1.0])), rng.random(), rng.random()

    def draw(cv: _Canvas, s: float) -> None:
        f = _place(cv, s, (-1.1, 1.05, -1.05, 1.05), u, v, (0.0, 0.9), flip, angle)
        for side in (-1, 1):  # seen from below: wings, tailplane, engines and propeller discs
            f.poly([(0.3, 0.0), (-0.05, side * 1.0), (-0.4, side * 1.0), (-0.35, 0.0)], hull)
            f.poly([(-0.7, 0.0), (-0.9, side * 0.4), (-1.04, side * 0.4), (-1.0, 0.0)], hull)
            for e in range(engines):
                y = side * (0.35 + 0.3 * e)
                f.ellipse(0.1 - 0.08 * e, y, 0.2, 0.08, _shade(hull, 0.7))
                if props:
                    f.ellipse(0.3 - 0.08 * e, y, 0.03, 0.24, (90, 90, 95), opacity=0.7)
        f.line(-1.0, 0.0, 0.85, 0.0, 0.3, hull)
        f.line(-0.95, 0.0, 0.6, 0.0, 0.08, trim)
        f.ellipse(0.8, 0.0, 0.1, 0.09, (50, 60, 80))

    return _Scene(rows, draw, 1.5)


def _speedboat_scene(rng: np.random.Generator, size: int) -> _Scene:
    top, low = _sky(rng)
    h = rng.uniform(0.12, 0.25)
    water = _jit(rng, (40, 105, 165), 18)
    stops = [(0.0, top), (h, low)]
    if rng.random() < 0.6:  # a distant shore
        shore = _choice(rng, ((50, 85, 55), (95, 95, 100)))
        stops += [(h, shore), (h + rng.uniform(0.025, 0.05), shore)]
        h = stops[-1][0]
    stops += [(h, _shade(water, 1.15)), (1.0, _shade(water, 0.65))]
    rows, bg = _rows(stops, size), np.array([c for _, c in stops])
    hull = _pick(rng, ((246, 246, 246), (205, 35, 35), (242, 200, 40), (240, 120, 30), (30, 30, 34)), bg, 110)
    stripe = _pick(rng, ((205, 35, 35), (30, 40, 110), (20, 20, 20), (240, 200, 40)), np.vstack([bg, hull]), 90)
    driver = _choice(rng, ((200, 30, 30), (240, 200, 40), (30, 40, 110)))
    foam = _jit(rng, (242, 246, 250), 5)
    # the rooster tail: spray thrown up and back from the stern, a splash whose size follows the engine's noise
    rise = rng.uniform(1.2, 1.6)
    plume = [(-0.45 - 0.45 * t + rng.uniform(-0.05, 0.05), -rise * (1.6 * t - 0.8 * t * t) + rng.uniform(-0.05, 0.05),
              0.07 + 0.17 * t, rng.uniform(0.6, 0.95)) for t in np.linspace(0, 1, 10)]
    angle, flip, u, v = rng.uniform(-0.12, 0.04), float(rng.choice([-1.0, 1.0])), rng.random(), rng.random()

    def draw(cv: _Canvas, s: float) -> None:
        f = _place(cv, s, (-1.1, 0.75, -rise - 0.1, 0.15), u, v, (h + 0.2, 0.95), flip, angle)
        f.ellipse(-0.65, -0.5 * rise, 0.25, 0.5 * rise, foam, opacity=0.3)  # mist around the rooster tail
        for x, y, r, alpha in plume:
            f.ellipse(x, y, r, r * 0.85, foam, opacity=alpha)
        f.ellipse(-0.5, 0.03, 0.14, 0.06, foam, opacity=0.9)  # wake
        f.poly([(-0.25, -0.3), (0.2, -0.3), (0.05, -0.52), (-0.25, -0.52)], (70, 90, 110))  # windscreen
        f.ellipse(-0.3, -0.4, 0.1, 0.1, driver)
        f.poly([(-0.42, -0.3), (0.62, -0.42), (0.4, 0.03), (-0.42, 0.03)], hull)
        f.line(-0.4, -0.12, 0.45, -0.22, 0.07, stripe)
        f.ellipse(0.42, 0.0, 0.1, 0.05, foam, opacity=0.9)  # bow wave

    return _Scene(rows, draw, 1.4)


def _dam_scene(rng: np.random.Generator, size: int) -> _Scene:
    top, low = _sky(rng)
    crest = rng.uniform(0.12, 0.25)
    concrete = _choice(rng, ((140, 140, 138), (150, 140, 120), (120, 122, 125)), 10)
    pool_y = rng.uniform(0.74, 0.84)
    pool = _jit(rng, (50, 100, 120), 15)
    stops = [(0.0, top), (crest - 0.03, low), (crest - 0.03, _shade(concrete, 0.7)), (crest, _shade(concrete, 0.7))]
    seams = int(rng.integers(2, 5))
    for k in range(seams):  # horizontal construction joints in the wall
        y0, y1 = crest + (pool_y - crest) * k / seams, crest + (pool_y - crest) * (k + 1) / seams
        stops += [(y0, concrete), (y1 - 0.012, _shade(concrete, 0.92)), (y1 - 0.012, _shade(concrete, 0.8)),
                  (y1, _shade(concrete, 0.8))]
    stops += [(pool_y, pool), (1.0, _shade(pool, 0.7))]
    rows = _rows(stops, size)
    water = _jit(rng, (228, 236, 240), 6)
    streak = _jit(rng, (185, 210, 225), 8)
    n_streams = int(rng.integers(1, 4))
    xs = np.sort(rng.uniform(0.2, 0.8, n_streams))
    puffs = [(rng.uniform(-1, 1), rng.uniform(-1.0, 0.3), rng.uniform(0.5, 1.0), rng.uniform(0.6, 0.95))
             for _ in range(8)]
    gate = _jit(rng, (45, 45, 50), 6)
    # water pours over the crest or bursts from outlets lower in the wall
    top = crest if rng.random() < 0.5 else crest + rng.uniform(0.15, 0.4) * (pool_y - crest)

    def draw(cv: _Canvas, s: float) -> None:
        w = 0.45 * s / n_streams  # a stream's width at the crest; the spray cloud is about twice as wide
        centre = 0.5 + (xs - 0.5) * max(1 - 3 * w / 0.5, 0.0)  # keep the spray clouds inside the picture
        for x in centre:
            cv.polygon([(x - w / 2, top - 0.035), (x + w / 2, top - 0.035), (x + w / 2, top + 0.01),
                        (x - w / 2, top + 0.01)], gate)
            cv.polygon([(x - w * 0.4, top), (x + w * 0.4, top), (x + w * 0.8, pool_y), (x - w * 0.8, pool_y)],
                       water, opacity=0.95)
            for d in (-0.2, 0.15):
                cv.capsule(x + d * w, top + 0.03, x + d * w * 1.8, pool_y - 0.05, w * 0.06, streak)
            cv.ellipse(x, pool_y - w * 0.5, w * 1.6, w * 1.1, water, opacity=0.35)  # mist
            for dx, dy, r, alpha in puffs:  # the spray cloud where the water crashes into the pool
                cv.ellipse(x + dx * w, pool_y + dy * w * 0.8, r * w * 0.7, r * w * 0.5, water, opacity=alpha)

    return _Scene(rows, draw, 0.0)


def _player(f: _Frame, x: float, shirt, shorts, skin, hair, kick: float, bat: tuple | None = None) -> None:
    """A standing figure 1 unit tall, feet at y=0; ``kick`` swings one leg; ``bat`` = (colour, angle) swings a bat."""
    f.line(x - 0.07, -0.42, x - 0.08, -0.02, 0.09, skin)
    f.line(x + 0.07, -0.42, x + 0.07 + 0.3 * kick, -0.02 - 0.2 * kick, 0.09, skin)
    f.rect(x - 0.14, -0.55, x + 0.14, -0.38, shorts)
    f.poly([(x - 0.16, -0.88), (x + 0.16, -0.88), (x + 0.14, -0.52), (x - 0.14, -0.52)], shirt)
    if bat is None:
        f.line(x - 0.15, -0.84, x - 0.3, -0.55, 0.07, skin)
        f.line(x + 0.15, -0.84, x + 0.3, -0.6, 0.07, skin)
    else:
        colour, a = bat
        hx, hy = x + 0.12, -0.8
        f.line(x - 0.12, -0.84, hx, hy, 0.07, skin)
        f.line(hx, hy, hx + 0.7 * math.cos(a), hy + 0.7 * math.sin(a), 0.05, colour)
        f.line(hx + 0.25 * math.cos(a), hy + 0.25 * math.sin(a), hx + 0.7 * math.cos(a), hy + 0.7 * math.sin(a),
               0.09, colour)
    f.ellipse(x, -0.98, 0.1, 0.11, skin)
    f.ellipse(x, -1.04, 0.11, 0.07, hair)


def _soccer_scene(rng: np.random.Generator, size: int) -> _Scene:
    stand = _choice(rng, ((70, 60, 75), (50, 55, 70), (80, 70, 60)), 8)
    c = rng.uniform(0.12, 0.26)
    board = _choice(rng, ((30, 60, 190), (200, 35, 35), (240, 210, 40), (240, 240, 240)))
    grass = _jit(rng, (70, 150, 65), 12)
    stops = [(0.0, _shade(stand, 0.8))]
    for k in range(3):  # tiers of the stands
        stops += [(c * k / 3, _shade(stand, 0.8 + 0.12 * k)), (c * (k + 1) / 3 - 0.01, _shade(stand, 0.9 + 0.12 * k))]
    stops += [(c, board), (c + 0.035, board)]
    y, k, width = c + 0.035, 0, 0.05
    while y < 1.0:  # mowing stripes, wider towards the camera
        shade = 1.0 if k % 2 else 0.86
        stops += [(y, _shade(grass, shade)), (min(y + width, 1.0), _shade(grass, shade))]
        y, k, width = y + width, k + 1, width * 1.35
    rows, bg = _rows(stops, size), np.array([c_ for _, c_ in stops])
    shirt = _pick(rng, ((210, 30, 35), (30, 60, 200), (245, 245, 245), (245, 210, 30), (240, 120, 20),
                        (20, 20, 20)), bg, 100)
    shorts = _pick(rng, ((245, 245, 245), (20, 20, 20), (30, 40, 120)), np.vstack([bg, shirt]), 60)
    skin = _choice(rng, SKIN, 6)
    hair = _choice(rng, ((30, 25, 20), (120, 80, 40), (220, 190, 120)), 6)
    px, kick, ball_x, ball_y = rng.uniform(-0.35, 0.35), rng.uniform(0, 1), rng.uniform(0.2, 0.45), rng.uniform(-0.3, 0)
    u, v = rng.random(), rng.random()

    def draw(cv: _Canvas, s: float) -> None:
        f = _place(cv, s, (-0.7, 0.7, -1.3, 0.0), u, v, (c + 0.25, 0.98))
        gy, gw, gh = -0.3, 0.62, 0.8  # the goal stands behind the player
        f.rect(-gw, gy - gh, gw, gy, WHITE, opacity=0.35)  # net
        for k in range(1, 7):
            f.line(-gw + 2 * gw * k / 7, gy - gh, -gw + 2 * gw * k / 7, gy, 0.015, WHITE, opacity=0.6)
        for k in range(1, 4):
            f.line(-gw, gy - gh * k / 4, gw, gy - gh * k / 4, 0.015, WHITE, opacity=0.6)
        f.line(-gw, gy, -gw, gy - gh - 0.03, 0.06, WHITE)
        f.line(gw, gy, gw, gy - gh - 0.03, 0.06, WHITE)
        f.line(-gw - 0.03, gy - gh - 0.03, gw + 0.03, gy - gh - 0.03, 0.06, WHITE)
        _player(f, px, shirt, shorts, skin, hair, kick)
        bx, by = px + ball_x * (1 if px < 0.3 else -1), ball_y - 0.09
        f.ellipse(bx, by, 0.1, 0.1, WHITE)
        f.ellipse(bx + 0.02, by - 0.01, 0.035, 0.035, BLACKISH)
        f.ellipse(bx - 0.05, by + 0.05, 0.025, 0.02, BLACKISH)

    return _Scene(rows, draw, 1.2)


def _baseball_scene(rng: np.random.Generator, size: int) -> _Scene:
    top, low = _sky(rng)
    c = rng.uniform(0.1, 0.22)
    wall = _choice(rng, ((30, 75, 50), (30, 50, 105)), 8)
    grass = _jit(rng, (75, 145, 60), 12)
    stops = [(0.0, top), (c, low), (c, wall), (c + 0.05, wall), (c + 0.05, _shade(grass, 0.85)), (1.0, grass)]
    rows, bg = _rows(stops, size), np.array([c_ for _, c_ in stops])
    dirt = _jit(rng, (190, 135, 85), 10)
    inner = _jit(rng, (40, 105, 35), 6)
    uniform = _pick(rng, ((240, 240, 240), (170, 170, 178), (30, 40, 110), (200, 30, 35)), np.vstack([bg, dirt]), 70)
    helmet = _choice(rng, ((30, 40, 110), (200, 30, 35), (20, 20, 20)), 6)
    skin = _choice(rng, SKIN, 6)
    bat = _choice(rng, ((205, 160, 100), (30, 28, 26), (150, 90, 45)), 6)
    swing = rng.uniform(-2.6, -1.2)  # bat angle: raised behind the head .. level
    ball = (rng.uniform(0.15, 0.55), rng.uniform(-1.0, -0.6))
    flip, u, v = float(rng.choice([-1.0, 1.0])), rng.random(), rng.random()

    def draw(cv: _Canvas, s: float) -> None:
        f = _place(cv, s, (-0.6, 0.6, -1.15, 0.05), u, v, (c + 0.3, 0.96), flip)
        f.poly([(0.0, 0.05), (0.55, -0.4), (0.0, -0.88), (-0.55, -0.4)], dirt)  # infield seen from behind home
        f.poly([(0.0, -0.12), (0.35, -0.4), (0.0, -0.72), (-0.35, -0.4)], inner)
        f.ellipse(0.0, -0.4, 0.08, 0.05, dirt)
        for bx, by in ((0.49, -0.4), (0.0, -0.83), (-0.49, -0.4)):
            f.poly([(bx - 0.05, by), (bx, by - 0.03), (bx + 0.05, by), (bx, by + 0.03)], WHITE)
        f.line(0.0, 0.03, 0.58, -0.43, 0.025, WHITE)
        f.line(0.0, 0.03, -0.58, -0.43, 0.025, WHITE)
        f.poly([(-0.06, 0.0), (0.06, 0.0), (0.06, 0.03), (0.0, 0.05), (-0.06, 0.03)], WHITE)  # home plate
        _player(f, -0.28, uniform, uniform, skin, helmet, 0.0, bat=(bat, swing))
        f.ellipse(ball[0], ball[1], 0.05, 0.05, WHITE)
        f.ellipse(ball[0] + 0.015, ball[1], 0.012, 0.035, (200, 30, 30))

    return _Scene(rows, draw, 1.0)


_SCENES: dict[str, Callable[[np.random.Generator, int], _Scene]] = {
    "dog": _dog_scene, "drum": _drum_scene, "guitar": _guitar_scene, "piano": _piano_scene, "plane": _plane_scene,
    "speedboat": _speedboat_scene, "dam": _dam_scene, "soccer": _soccer_scene, "baseball": _baseball_scene,
}


def _finish(cv: _Canvas, noise: np.ndarray) -> np.ndarray:
    return np.clip(cv.img + noise, 0, 255).round().astype(np.uint8)


def _render_to_magnitude(scene: _Scene, target: float, noise: np.ndarray) -> np.ndarray:
    """Find the object scale whose picture has the target visual magnitude (a secant search on log-log axes)."""
    log_t = math.log(target)
    log_s = 0.5 * (log_t - math.log(scene.area)) if scene.area > 0 else math.log(0.1)
    best, history = None, []
    for _ in range(8):
        cv = _Canvas(scene.rows)
        scene.draw(cv, math.exp(log_s))
        img = _finish(cv, noise)
        m = visual_magnitude(img)
        if best is None or abs(m - target) < abs(best[1] - target):
            best = (img, m)
        if abs(m - target) <= 0.02 * target:
            break
        history.append((log_s, math.log(max(m, 1e-4))))
        slope = 2.0  # a free object's area grows like s^2
        if len(history) > 1 and abs(history[-1][0] - history[-2][0]) > 1e-9:
            slope = float(np.clip((history[-1][1] - history[-2][1]) / (history[-1][0] - history[-2][0]), 0.7, 3.0))
        log_s += float(np.clip((log_t - history[-1][1]) / slope, -1.0, 1.0))
    return best[0]


def render_image(cls: str, loudness: float, rng: np.random.Generator, size: int = 64) -> np.ndarray:
    """A uint8 (size, size, 3) picture of class ``cls``: its scene and object, the object's size set by loudness."""
    _check_class(cls)
    loudness = _check_loudness(loudness)
    scene = _SCENES[cls](rng, size)
    noise = rng.normal(0.0, PIXEL_NOISE, (size, size, 3)).astype(np.float32)
    return _render_to_magnitude(scene, magnitude_for_loudness(loudness), noise)


# ---------------------------------------------------------------------------------------------------------------
# pictures outside the nine classes


def _cabin(rng: np.random.Generator, size: int) -> np.ndarray:
    """Inside a boat: wood panelling, portholes with the sea outside, a bench and a life ring."""
    wood = _jit(rng, (140, 95, 55), 15)
    ceiling = _jit(rng, (225, 218, 200), 8)
    stops = [(0.0, ceiling), (0.12, ceiling)]
    planks = int(rng.integers(5, 9))
    for k in range(planks):
        y0, y1 = 0.12 + 0.7 * k / planks, 0.12 + 0.7 * (k + 1) / planks
        stops += [(y0, _shade(wood, 0.9 + 0.2 * rng.random())), (y1 - 0.01, wood), (y1 - 0.01, _shade(wood, 0.6)),
                  (y1, _shade(wood, 0.6))]
    floor = _jit(rng, (80, 60, 45))
    stops += [(0.82, floor), (1.0, _shade(floor, 0.8))]
    cv = _Canvas(_rows(stops, size))
    brass, sea, sky = _jit(rng, (195, 155, 65)), _jit(rng, (30, 90, 140)), _jit(rng, (150, 195, 235))
    for x in np.sort(rng.uniform(0.15, 0.85, int(rng.integers(1, 3)))):
        y, r = rng.uniform(0.3, 0.45), rng.uniform(0.07, 0.12)
        cv.ellipse(x, y, r, r, brass)
        cv.ellipse(x, y, r * 0.78, r * 0.78, sea)
        cv.ellipse(x, y - r * 0.35, r * 0.7, r * 0.42, sky)
    cushion = _choice(rng, ((30, 45, 110), (170, 35, 40), (220, 215, 200)))
    cv.polygon([(0.0, 0.66), (rng.uniform(0.5, 1.0), 0.66), (rng.uniform(0.5, 1.0), 0.8), (0.0, 0.8)], cushion)
    if rng.random() < 0.6:
        x, y, r = rng.uniform(0.2, 0.8), rng.uniform(0.35, 0.55), rng.uniform(0.08, 0.13)
        cv.ellipse(x, y, r, r, (240, 110, 30))
        cv.ellipse(x, y, r * 0.55, r * 0.55, wood)
        for a in (0.6, 2.2, 3.8, 5.4):
            cv.capsule(x + r * 0.6 * math.cos(a), y + r * 0.6 * math.sin(a), x + r * math.cos(a), y + r * math.sin(a),
                       r * 0.3, WHITE)
    return cv.img


def _living_room(rng: np.random.Generator, size: int) -> np.ndarray:
    """An empty room: a window, a sofa, a lamp or a picture on the wall; nothing that makes a class sound."""
    rows, floor_y, _ = _room(rng, size, ("home", "hall", "studio")[int(rng.integers(3))])
    cv = _Canvas(rows)
    if rng.random() < 0.8:
        x0, w, y0, h = rng.uniform(0.05, 0.6), rng.uniform(0.2, 0.35), rng.uniform(0.08, 0.2), rng.uniform(0.2, 0.3)
        cv.polygon([(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)], WHITE)
        sky = _jit(rng, (150, 200, 240))
        for dx in (0, 1):
            for dy in (0, 1):
                cv.polygon([(x0 + 0.02 + dx * w / 2, y0 + 0.02 + dy * h / 2), (x0 + (dx + 1) * w / 2 - 0.01,
                            y0 + 0.02 + dy * h / 2), (x0 + (dx + 1) * w / 2 - 0.01, y0 + (dy + 1) * h / 2 - 0.01),
                            (x0 + 0.02 + dx * w / 2, y0 + (dy + 1) * h / 2 - 0.01)], sky)
    else:
        x0, y0 = rng.uniform(0.1, 0.6), rng.uniform(0.1, 0.25)
        cv.polygon([(x0, y0), (x0 + 0.25, y0), (x0 + 0.25, y0 + 0.18), (x0, y0 + 0.18)], (110, 80, 40))
        cv.polygon([(x0 + 0.02, y0 + 0.02), (x0 + 0.23, y0 + 0.02), (x0 + 0.23, y0 + 0.16), (x0 + 0.02, y0 + 0.16)],
                   _jit(rng, rng.uniform(40, 220, 3), 0))
    sofa = _choice(rng, ((90, 110, 140), (150, 60, 50), (110, 130, 90), (190, 170, 140)))
    sx, sw = rng.uniform(0.0, 0.45), rng.uniform(0.4, 0.55)
    base = floor_y + rng.uniform(0.12, 0.2)
    cv.polygon([(sx, base - 0.28), (sx + sw, base - 0.28), (sx + sw, base - 0.12), (sx, base - 0.12)],
               _shade(sofa, 0.85))
    cv.polygon([(sx, base - 0.14), (sx + sw, base - 0.14), (sx + sw, base), (sx, base)], sofa)
    for x in (sx, sx + sw - 0.06):
        cv.polygon([(x, base - 0.2), (x + 0.06, base - 0.2), (x + 0.06, base), (x, base)], _shade(sofa, 0.7))
    if rng.random() < 0.6:
        lx = min(sx + sw + rng.uniform(0.05, 0.15), 0.92)
        cv.capsule(lx, base, lx, base - 0.4, 0.012, (60, 60, 60))
        shade = _jit(rng, (240, 225, 180))
        cv.polygon([(lx - 0.05, base - 0.5), (lx + 0.05, base - 0.5), (lx + 0.08, base - 0.38),
                    (lx - 0.08, base - 0.38)], shade)
    return cv.img


def _close_up(rng: np.random.Generator, size: int) -> np.ndarray:
    """A blurry close-up (a hand over the lens, a seat, the floor): soft blobs, sometimes dark."""
    from scipy.ndimage import gaussian_filter

    base = rng.uniform(20, 220, 3)
    cv = _Canvas(np.tile(base, (size, 1)))
    for _ in range(int(rng.integers(2, 6))):
        colour = SKIN[int(rng.integers(len(SKIN)))] if rng.random() < 0.3 else rng.uniform(10, 245, 3)
        cv.ellipse(rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.15, 0.5), rng.uniform(0.15, 0.5), colour,
                   rng.uniform(0, math.pi), rng.uniform(0.6, 1.0))
    blurred = gaussian_filter(cv.img, sigma=(size * rng.uniform(0.04, 0.1),) * 2 + (0,))
    return blurred * rng.uniform(0.25, 1.0)


def render_unrelated_image(rng: np.random.Generator, size: int = 64) -> np.ndarray:
    """A uint8 picture of something outside the nine classes: a boat cabin, an indoor room or a blurry close-up."""
    kind = rng.choice(3, p=[0.35, 0.35, 0.3])
    img = (_cabin, _living_room, _close_up)[int(kind)](rng, size)
    return np.clip(img + rng.normal(0.0, PIXEL_NOISE, img.shape), 0, 255).round().astype(np.uint8)


# ---------------------------------------------------------------------------------------------------------------
# sounds


def _set_level(y: np.ndarray, loudness: float) -> np.ndarray:
    """Scale to RMS = RMS_PER_LOUDNESS * loudness after a soft limiter that caps the crest factor."""
    y = np.asarray(y, np.float64)
    y = y - y.mean()
    rms = float(np.sqrt(np.mean(y ** 2)))
    if rms <= 0:
        raise DataError("SceneSynth sound recipe produced silence; this is a bug in a2vlib.data.synth_audio")
    y = CREST_LIMIT * np.tanh(y / rms / CREST_LIMIT)
    y *= RMS_PER_LOUDNESS * loudness / np.sqrt(np.mean(y ** 2))
    return y.astype(np.float32)


def render_sound(cls: str, loudness: float, rng: np.random.Generator, sr: int = 22050,
                 seconds: float = 2.0) -> np.ndarray:
    """A float32 mono clip of class ``cls`` with RMS ``RMS_PER_LOUDNESS * loudness``."""
    _check_class(cls)
    loudness = _check_loudness(loudness)
    return _set_level(synth_audio.CLASS_RECIPES[cls](rng, sr, int(round(seconds * sr))), loudness)


def render_unrelated_sound(rng: np.random.Generator, loudness: float, sr: int = 22050,
                           seconds: float = 2.0) -> np.ndarray:
    """A float32 clip of a sound outside the nine classes: wind, chatter or electrical hum."""
    loudness = _check_loudness(loudness)
    recipes = list(synth_audio.UNRELATED_RECIPES.values())
    return _set_level(recipes[int(rng.integers(len(recipes)))](rng, sr, int(round(seconds * sr))), loudness)


# ---------------------------------------------------------------------------------------------------------------
# splits and pairs


def class_counts(n: int, proportions: str) -> dict[str, int]:
    """Pairs per class for a split of ``n`` pairs: equal, or as in Table 1 of Wan et al. (each class >= 2)."""
    if proportions == "balanced":
        return {c: n // len(CLASSES) + (i < n % len(CLASSES)) for i, c in enumerate(CLASSES)}
    if n == 0:
        return {c: 0 for c in CLASSES}
    total = sum(PAPER_TABLE1.values())
    floor = 2
    share = np.array([PAPER_TABLE1[c] / total for c in CLASSES]) * (n - floor * len(CLASSES))
    counts = np.floor(share).astype(int)
    for i in np.argsort(-(share - counts), kind="stable")[: n - floor * len(CLASSES) - counts.sum()]:
        counts[i] += 1  # largest remainders get the pairs that rounding down left over
    return {c: int(k) + floor for c, k in zip(CLASSES, counts)}


def _slots(config: SceneSynthConfig, split: str) -> list[tuple[str, int]]:
    n = {"reference": config.n_reference, "train": config.n_train, "test": config.n_test}[split]
    slots = [(c, k) for c, count in class_counts(n, config.proportions).items() for k in range(count)]
    if split == "reference":  # 'other' pairs, as many as one class has in a balanced split
        slots += [(OTHER, k) for k in range(int(round(n / len(CLASSES))))]
    return slots


def _make_pair(config: SceneSynthConfig, split: str, cls: str, k: int) -> Pair:
    # A pair's randomness depends only on (seed, split, class, index within class), so changing the counts of
    # other classes or splits leaves it unchanged; the image and the sound get their own streams.
    key = (SPLITS.index(split), (CLASSES + (OTHER,)).index(cls), k)
    meta, img_seq, snd_seq = np.random.SeedSequence(config.seed, spawn_key=key).spawn(3)
    meta, img_rng, snd_rng = (np.random.default_rng(s) for s in (meta, img_seq, snd_seq))
    lo, hi = LOUDNESS_RANGE
    loudness = round(float(meta.uniform(lo, hi)), 4)
    view_loudness = round(float(meta.uniform(lo, hi)), 4)  # an unrelated picture does not follow the sound
    u_discrepant, u_kind = meta.random(), meta.random()  # always drawn, so discrepant_share changes nothing else
    shown = CLASSES[(CLASSES.index(cls) + 1 + int(meta.integers(len(CLASSES) - 1))) % len(CLASSES)] \
        if cls != OTHER else OTHER
    size, sr, sec = config.image_size, config.sample_rate, config.seconds

    kind = "none"
    if split != "reference" and u_discrepant < config.discrepant_share:
        edges = np.cumsum(list(DISCREPANT_MIX.values()))
        kind = list(DISCREPANT_MIX)[int(np.searchsorted(edges, u_kind * edges[-1], side="right"))]
    if cls == OTHER:
        image, image_class = render_unrelated_image(img_rng, size), OTHER
        audio, sound_class = render_unrelated_sound(snd_rng, loudness, sr, sec), OTHER
    elif kind == "none":
        image, image_class = render_image(cls, loudness, img_rng, size), cls
        audio, sound_class = render_sound(cls, loudness, snd_rng, sr, sec), cls
    elif kind == "other_scene":
        image, image_class = render_image(shown, view_loudness, img_rng, size), shown
        audio, sound_class = render_sound(cls, loudness, snd_rng, sr, sec), cls
    elif kind == "unrelated_view":
        image, image_class = render_unrelated_image(img_rng, size), OTHER
        audio, sound_class = render_sound(cls, loudness, snd_rng, sr, sec), cls
    else:  # unrelated_sound: the camera shows class cls, the microphone hears something else
        image, image_class = render_image(cls, view_loudness, img_rng, size), cls
        audio, sound_class = render_unrelated_sound(snd_rng, loudness, sr, sec), OTHER
    return Pair(f"{split}-{cls}-{k:04d}", split, image, audio, sound_class, image_class, loudness, kind)


def iter_pairs(config: SceneSynthConfig, splits: Sequence[str] = SPLITS) -> Iterator[Pair]:
    """Generate pairs one at a time (constant memory), split by split, class by class."""
    for split in splits:
        if split not in SPLITS:
            raise ParamsError(f"split {split!r}: unknown; use one of {', '.join(SPLITS)}")
        for cls, k in _slots(config, split):
            yield _make_pair(config, split, cls, k)


def generate_pairs(config: SceneSynthConfig, splits: Sequence[str] = SPLITS) -> list[Pair]:
    """All pairs of ``splits`` in memory (for tests and small sets; use :func:`write_dataset` for files)."""
    return list(iter_pairs(config, splits))


# ---------------------------------------------------------------------------------------------------------------
# files


def _config_record(config: SceneSynthConfig) -> dict:
    return {"generator": "SceneSynth-9", "version": GENERATOR_VERSION, **config.to_dict()}


def write_dataset(config: SceneSynthConfig, root: str | Path) -> Path:
    """Write the dataset under ``root`` (pictures, sounds, manifest.csv, config.json) and return ``root``.

    The folder is built aside and renamed into place, so an interrupted run leaves nothing half-written. A folder
    that already holds this configuration is returned untouched; any other non-empty folder is never modified.
    """
    root = Path(root)
    record = _config_record(config)
    if root.exists():
        cfg = root / "config.json"
        try:
            same = cfg.is_file() and json.loads(cfg.read_text(encoding="utf-8")) == record
        except (OSError, ValueError):
            same = False
        if same:
            return root
        if not root.is_dir() or any(root.iterdir()):
            raise DataError(f"{root}: already exists and does not hold this SceneSynth configuration ({cfg} missing "
                            "or different); existing data is never overwritten: choose another folder or delete it")
    rows = []
    with atomic_path(root) as tmp:
        for pair in iter_pairs(config):
            image_path = Path("image") / pair.split / f"{pair.pair_id}.png"
            audio_path = Path("audio") / pair.split / f"{pair.pair_id}.wav"
            write_image(tmp / image_path, pair.image)
            write_audio(tmp / audio_path, pair.audio, config.sample_rate)
            rows.append([pair.pair_id, pair.split, image_path.as_posix(), audio_path.as_posix(), pair.sound_class,
                         pair.image_class, pair.loudness, pair.discrepancy, pair.is_consistent])
        pd.DataFrame(rows, columns=MANIFEST_COLUMNS).to_csv(tmp / "manifest.csv", index=False)
        (tmp / "config.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return root


def read_config(root: str | Path) -> dict:
    """The ``config.json`` a dataset folder was written with (``sample_rate``, ``image_size``, ...)."""
    path = Path(root) / "config.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DataError(f"{path}: not found; a dataset folder needs its config.json (regenerate the dataset)") from exc
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: unreadable ({exc}); regenerate the dataset") from exc
    if not isinstance(record, dict) or "sample_rate" not in record:
        raise DataError(f"{path}: no 'sample_rate' in it; regenerate the dataset")
    return record


def load_manifest(root: str | Path) -> pd.DataFrame:
    """Read and check ``root/manifest.csv``: columns, values, and that every listed file exists."""
    root = Path(root)
    path = root / "manifest.csv"
    if not path.is_file():
        raise DataError(f"{path}: manifest not found; write the dataset first (a2vlib.data.scenes.write_dataset)")
    try:
        df = pd.read_csv(path, dtype={"pair_id": str, "split": str, "image_path": str, "audio_path": str})
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{path}: unreadable manifest ({exc}); regenerate the dataset") from exc
    missing = [c for c in MANIFEST_COLUMNS if c not in df.columns]
    if missing:
        raise DataError(f"{path}: missing columns {missing}; this is not a SceneSynth manifest: regenerate it")
    labels = set(CLASSES) | {OTHER}
    checks = {"split": set(SPLITS), "sound_class": labels, "image_class": labels, "discrepancy": set(DISCREPANCIES)}
    for col, allowed in checks.items():
        bad = df[~df[col].isin(allowed)]
        if len(bad):
            raise DataError(f"{path}: row pair_id={bad.iloc[0]['pair_id']}: {col}={bad.iloc[0][col]!r} is not one of "
                            f"{sorted(allowed)}; fix the row or regenerate the dataset")
    loud = pd.to_numeric(df["loudness"], errors="coerce")
    if loud.isna().any():
        raise DataError(f"{path}: row pair_id={df.loc[loud.isna(), 'pair_id'].iloc[0]}: loudness is not a number; "
                        "fix the row or regenerate the dataset")
    for row in df.itertuples(index=False):
        for col in ("image_path", "audio_path"):
            file = root / getattr(row, col)
            if not file.is_file():
                raise DataError(f"{path}: row pair_id={row.pair_id}: {col} file {file} is missing; restore it, or "
                                f"delete {root} and run write_dataset again")
    return df


def load_images(root: str | Path, manifest_df: pd.DataFrame, size: int | None = None) -> np.ndarray:
    """The manifest's pictures as uint8 (N, H, W, 3), resized to ``size`` when given."""
    root = Path(root)
    images = [read_image(root / p, size) for p in manifest_df["image_path"]]
    if not images:
        return np.zeros((0, size or 0, size or 0, 3), np.uint8)
    return np.stack(images)


def load_audio(root: str | Path, manifest_df: pd.DataFrame, sr: int | None = None) -> list[np.ndarray]:
    """The manifest's clips as float32 arrays (resampled to ``sr`` when given)."""
    root = Path(root)
    return [read_audio(root / p, sr=sr)[0] for p in manifest_df["audio_path"]]
