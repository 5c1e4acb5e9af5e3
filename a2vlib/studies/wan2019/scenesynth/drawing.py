"""SceneSynth pictures: a class's scene with its object sized by loudness, and pictures outside the nine classes."""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from a2vlib.data.canvas import (SKIN, WHITE, Canvas, Scene, background_rows, choose_colour, jitter,
                                           room_background, shaded)
from a2vlib.studies.wan2019.scenesynth.config import PIXEL_NOISE, check_class, check_loudness
from a2vlib.studies.wan2019.scenesynth.indoor import dog_scene, drum_scene, guitar_scene, piano_scene
from a2vlib.studies.wan2019.scenesynth.magnitude import magnitude_for_loudness, visual_magnitude
from a2vlib.studies.wan2019.scenesynth.outdoor import baseball_scene, dam_scene, plane_scene, soccer_scene, speedboat_scene

_SCENES: dict[str, Callable[[np.random.Generator, int], Scene]] = {
    "dog": dog_scene, "drum": drum_scene, "guitar": guitar_scene, "piano": piano_scene, "plane": plane_scene,
    "speedboat": speedboat_scene, "dam": dam_scene, "soccer": soccer_scene, "baseball": baseball_scene,
}


def _finish(cv: Canvas, noise: np.ndarray) -> np.ndarray:
    return np.clip(cv.img + noise, 0, 255).round().astype(np.uint8)


def _render_to_magnitude(scene: Scene, target: float, noise: np.ndarray) -> np.ndarray:
    """Find the object scale whose picture has the target visual magnitude (a secant search on log-log axes)."""
    log_t = math.log(target)
    log_s = 0.5 * (log_t - math.log(scene.area)) if scene.area > 0 else math.log(0.1)
    best, history = None, []
    for _ in range(8):
        cv = Canvas(scene.rows)
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
    check_class(cls)
    loudness = check_loudness(loudness)
    scene = _SCENES[cls](rng, size)
    noise = rng.normal(0.0, PIXEL_NOISE, (size, size, 3)).astype(np.float32)
    return _render_to_magnitude(scene, magnitude_for_loudness(loudness), noise)


# ---------------------------------------------------------------------------------------------------------------
# pictures outside the nine classes


def _cabin(rng: np.random.Generator, size: int) -> np.ndarray:
    """Inside a boat: wood panelling, portholes with the sea outside, a bench and a life ring."""
    wood = jitter(rng, (140, 95, 55), 15)
    ceiling = jitter(rng, (225, 218, 200), 8)
    stops = [(0.0, ceiling), (0.12, ceiling)]
    planks = int(rng.integers(5, 9))
    for k in range(planks):
        y0, y1 = 0.12 + 0.7 * k / planks, 0.12 + 0.7 * (k + 1) / planks
        stops += [(y0, shaded(wood, 0.9 + 0.2 * rng.random())), (y1 - 0.01, wood), (y1 - 0.01, shaded(wood, 0.6)),
                  (y1, shaded(wood, 0.6))]
    floor = jitter(rng, (80, 60, 45))
    stops += [(0.82, floor), (1.0, shaded(floor, 0.8))]
    cv = Canvas(background_rows(stops, size))
    brass, sea, sky = jitter(rng, (195, 155, 65)), jitter(rng, (30, 90, 140)), jitter(rng, (150, 195, 235))
    for x in np.sort(rng.uniform(0.15, 0.85, int(rng.integers(1, 3)))):
        y, r = rng.uniform(0.3, 0.45), rng.uniform(0.07, 0.12)
        cv.ellipse(x, y, r, r, brass)
        cv.ellipse(x, y, r * 0.78, r * 0.78, sea)
        cv.ellipse(x, y - r * 0.35, r * 0.7, r * 0.42, sky)
    cushion = choose_colour(rng, ((30, 45, 110), (170, 35, 40), (220, 215, 200)))
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
    rows, floor_y, _ = room_background(rng, size, ("home", "hall", "studio")[int(rng.integers(3))])
    cv = Canvas(rows)
    if rng.random() < 0.8:
        x0, w, y0, h = rng.uniform(0.05, 0.6), rng.uniform(0.2, 0.35), rng.uniform(0.08, 0.2), rng.uniform(0.2, 0.3)
        cv.polygon([(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)], WHITE)
        sky = jitter(rng, (150, 200, 240))
        for dx in (0, 1):
            for dy in (0, 1):
                cv.polygon([(x0 + 0.02 + dx * w / 2, y0 + 0.02 + dy * h / 2), (x0 + (dx + 1) * w / 2 - 0.01,
                            y0 + 0.02 + dy * h / 2), (x0 + (dx + 1) * w / 2 - 0.01, y0 + (dy + 1) * h / 2 - 0.01),
                            (x0 + 0.02 + dx * w / 2, y0 + (dy + 1) * h / 2 - 0.01)], sky)
    else:
        x0, y0 = rng.uniform(0.1, 0.6), rng.uniform(0.1, 0.25)
        cv.polygon([(x0, y0), (x0 + 0.25, y0), (x0 + 0.25, y0 + 0.18), (x0, y0 + 0.18)], (110, 80, 40))
        cv.polygon([(x0 + 0.02, y0 + 0.02), (x0 + 0.23, y0 + 0.02), (x0 + 0.23, y0 + 0.16), (x0 + 0.02, y0 + 0.16)],
                   jitter(rng, rng.uniform(40, 220, 3), 0))
    sofa = choose_colour(rng, ((90, 110, 140), (150, 60, 50), (110, 130, 90), (190, 170, 140)))
    sx, sw = rng.uniform(0.0, 0.45), rng.uniform(0.4, 0.55)
    base = floor_y + rng.uniform(0.12, 0.2)
    cv.polygon([(sx, base - 0.28), (sx + sw, base - 0.28), (sx + sw, base - 0.12), (sx, base - 0.12)],
               shaded(sofa, 0.85))
    cv.polygon([(sx, base - 0.14), (sx + sw, base - 0.14), (sx + sw, base), (sx, base)], sofa)
    for x in (sx, sx + sw - 0.06):
        cv.polygon([(x, base - 0.2), (x + 0.06, base - 0.2), (x + 0.06, base), (x, base)], shaded(sofa, 0.7))
    if rng.random() < 0.6:
        lx = min(sx + sw + rng.uniform(0.05, 0.15), 0.92)
        cv.capsule(lx, base, lx, base - 0.4, 0.012, (60, 60, 60))
        shade = jitter(rng, (240, 225, 180))
        cv.polygon([(lx - 0.05, base - 0.5), (lx + 0.05, base - 0.5), (lx + 0.08, base - 0.38),
                    (lx - 0.08, base - 0.38)], shade)
    return cv.img


def _close_up(rng: np.random.Generator, size: int) -> np.ndarray:
    """A blurry close-up (a hand over the lens, a seat, the floor): soft blobs, sometimes dark."""
    from scipy.ndimage import gaussian_filter

    base = rng.uniform(20, 220, 3)
    cv = Canvas(np.tile(base, (size, 1)))
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
