"""Drawing primitives for SceneSynth pictures: an anti-aliased float canvas, object frames, background rows,
colour choices and the shared skies and rooms.

Coordinates are fractions of the picture's side (x right, y down). Backgrounds vary only from row to row so that
:func:`a2vlib.studies.wan2019.scenesynth.magnitude.visual_magnitude` can find the objects without knowing the class.
"""
from __future__ import annotations

import math
from typing import Callable, NamedTuple, Sequence

import numpy as np

Colour = Sequence[float]


class Canvas:
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


class Frame:
    """An object's own coordinates: scaled by ``s`` (fraction of the picture per unit), mirrored, rotated."""

    def __init__(self, cv: Canvas, cx: float, cy: float, s: float, flip: float = 1.0, angle: float = 0.0):
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


def place(cv: Canvas, s: float, bbox: tuple[float, float, float, float], u: float, v: float,
           y_range: tuple[float, float] = (0.0, 1.0), flip: float = 1.0, angle: float = 0.0,
           margin: float = 0.02) -> Frame:
    """Frame whose local origin lands at fractions ``u, v`` of the free room, keeping ``bbox`` in the picture.

    ``y_range`` limits where the origin may go (e.g. the ground band for an object standing on it).
    """
    probe = Frame(cv, 0.0, 0.0, s, flip, angle)
    x0, x1, y0, y1 = bbox
    corners = np.array([probe.pt(x, y) for x in (x0, x1) for y in (y0, y1)])
    cx = _lerp(margin - corners[:, 0].min(), 1 - margin - corners[:, 0].max(), u)
    cy = _lerp(max(margin - corners[:, 1].min(), y_range[0]), min(1 - margin - corners[:, 1].max(), y_range[1]), v)
    return Frame(cv, cx, cy, s, flip, angle)


def background_rows(stops: list[tuple[float, Colour]], size: int) -> np.ndarray:
    """Per-row background colours from (y, colour) stops; equal y values make a hard edge."""
    ys = np.array([y for y, _ in stops], float)
    ys = ys + np.arange(len(ys)) * 1e-6  # keep the stops strictly increasing for np.interp
    cols = np.array([c for _, c in stops], float)
    at = (np.arange(size) + 0.5) / size
    return np.stack([np.interp(at, ys, cols[:, ch]) for ch in range(3)], axis=1)


def jitter(rng: np.random.Generator, colour: Colour, amount: float = 12.0) -> np.ndarray:
    return np.clip(np.asarray(colour, float) + rng.uniform(-amount, amount, 3), 0, 255)


def pick_colour(rng: np.random.Generator, palette: Sequence[Colour], avoid: np.ndarray, min_dist: float = 95.0,
          amount: float = 10.0) -> np.ndarray:
    """A jittered palette colour far (RGB distance) from every colour in ``avoid``, so it reads as object."""
    avoid = np.asarray(avoid, float).reshape(-1, 3)
    far = [c for c in palette if np.sqrt(((avoid - np.asarray(c, float)) ** 2).sum(axis=1)).min() >= min_dist]
    choices = far or [max(palette, key=lambda c: np.sqrt(((avoid - np.asarray(c, float)) ** 2).sum(axis=1)).min())]
    return jitter(rng, choices[int(rng.integers(len(choices)))], amount)


def choose_colour(rng: np.random.Generator, palette: Sequence[Colour], amount: float = 12.0) -> np.ndarray:
    """A jittered colour drawn from ``palette``."""
    return jitter(rng, palette[int(rng.integers(len(palette)))], amount)


def shaded(colour: Colour, factor: float) -> np.ndarray:
    return np.clip(np.asarray(colour, float) * factor, 0, 255)


class Scene(NamedTuple):
    rows: np.ndarray  # (size, 3) background colour per row
    draw: Callable[[Canvas, float], None]  # draws every object at scale s; draws nothing random itself
    area: float  # rough object area in local units^2, to start the size search near its answer


SKIN = ((250, 210, 175), (225, 170, 130), (170, 115, 75), (110, 70, 45))
WHITE = (240, 240, 236)
BLACKISH = (25, 25, 28)


def sky_colours(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    top = jitter(rng, (60, 120, 205), 20)
    return top, np.clip(top + rng.uniform([60, 50, 20], [90, 80, 40]), 0, 245)


# Rooms: each indoor class has its typical walls and floors, overlapping with the others' (a pale wall, a wood
# floor) as real homes and halls do, so that the object and not the room tells the classes apart.
WALLS = {"home": ((228, 218, 190), (232, 200, 200), (205, 205, 205), (200, 222, 192)),
         "hall": ((228, 218, 190), (150, 110, 75), (120, 35, 40), (200, 222, 192)),
         "studio": ((190, 210, 228), (205, 205, 205), (70, 85, 95), (232, 200, 200))}
FLOORS = {"home": ((150, 105, 65), (115, 115, 125), (170, 92, 60)),
          "hall": ((95, 68, 48), (185, 160, 120), (150, 105, 65)),
          "studio": ((115, 115, 125), (60, 60, 66), (150, 105, 65))}


def room_background(rng: np.random.Generator, size: int, kind: str) -> tuple[np.ndarray, float, np.ndarray]:
    """Wall over floor with a skirting board; returns rows, the floor line and the background colours."""
    wall, floor = choose_colour(rng, WALLS[kind]), choose_colour(rng, FLOORS[kind])
    skirting = choose_colour(rng, ((245, 245, 240), (90, 60, 40)))
    f = rng.uniform(0.52, 0.68)
    stops = [(0.0, shaded(wall, 0.93)), (f - 0.025, wall), (f - 0.025, skirting), (f, skirting), (f, floor),
             (1.0, shaded(floor, 0.8))]
    return background_rows(stops, size), f, np.array([c for _, c in stops])
