"""The five outdoor SceneSynth scenes: plane, speedboat, dam, soccer, baseball.

Each builder draws all its random choices first, then returns a :class:`~a2vlib.data.canvas.Scene`
whose pure ``draw(canvas, s)`` paints the object at scale ``s`` (the scale is searched to match the loudness).
"""
from __future__ import annotations

import math

import numpy as np

from a2vlib.data.canvas import (BLACKISH, SKIN, WHITE, Canvas, Frame, Scene, background_rows,
                                           choose_colour, jitter, pick_colour, place, shaded, sky_colours)


def plane_scene(rng: np.random.Generator, size: int) -> Scene:
    top, low = sky_colours(rng)
    stops = [(0.0, top), (1.0, low)]
    if rng.random() < 0.5:  # a thin band of land at the bottom
        g = rng.uniform(0.86, 0.94)
        land = choose_colour(rng, ((70, 120, 60), (120, 110, 80), (90, 100, 110)))
        stops = [(0.0, top), (g, low), (g, land), (1.0, shaded(land, 0.8))]
    rows, bg = background_rows(stops, size), np.array([c for _, c in stops])
    hull = pick_colour(rng, ((246, 246, 246), (200, 203, 208), (200, 40, 40), (240, 205, 50), (60, 62, 70),
                       (230, 120, 30)), bg, 100)
    trim = pick_colour(rng, ((200, 30, 30), (30, 50, 160), (20, 20, 20), (240, 200, 40)), np.vstack([bg, hull]), 80)
    engines, props = int(rng.integers(1, 3)), rng.random() < 0.6
    # climbing, descending or banking: a level fuselage would fill most of a row and hide the row's background
    angle = rng.uniform(0.3, 0.8) * rng.choice([-1.0, 1.0])
    flip, u, v = float(rng.choice([-1.0, 1.0])), rng.random(), rng.random()

    def draw(cv: Canvas, s: float) -> None:
        f = place(cv, s, (-1.1, 1.05, -1.05, 1.05), u, v, (0.0, 0.9), flip, angle)
        for side in (-1, 1):  # seen from below: wings, tailplane, engines and propeller discs
            f.poly([(0.3, 0.0), (-0.05, side * 1.0), (-0.4, side * 1.0), (-0.35, 0.0)], hull)
            f.poly([(-0.7, 0.0), (-0.9, side * 0.4), (-1.04, side * 0.4), (-1.0, 0.0)], hull)
            for e in range(engines):
                y = side * (0.35 + 0.3 * e)
                f.ellipse(0.1 - 0.08 * e, y, 0.2, 0.08, shaded(hull, 0.7))
                if props:
                    f.ellipse(0.3 - 0.08 * e, y, 0.03, 0.24, (90, 90, 95), opacity=0.7)
        f.line(-1.0, 0.0, 0.85, 0.0, 0.3, hull)
        f.line(-0.95, 0.0, 0.6, 0.0, 0.08, trim)
        f.ellipse(0.8, 0.0, 0.1, 0.09, (50, 60, 80))

    return Scene(rows, draw, 1.5)


def speedboat_scene(rng: np.random.Generator, size: int) -> Scene:
    top, low = sky_colours(rng)
    h = rng.uniform(0.12, 0.25)
    water = jitter(rng, (40, 105, 165), 18)
    stops = [(0.0, top), (h, low)]
    if rng.random() < 0.6:  # a distant shore
        shore = choose_colour(rng, ((50, 85, 55), (95, 95, 100)))
        stops += [(h, shore), (h + rng.uniform(0.025, 0.05), shore)]
        h = stops[-1][0]
    stops += [(h, shaded(water, 1.15)), (1.0, shaded(water, 0.65))]
    rows, bg = background_rows(stops, size), np.array([c for _, c in stops])
    hull = pick_colour(rng, ((246, 246, 246), (205, 35, 35), (242, 200, 40), (240, 120, 30), (30, 30, 34)), bg, 110)
    stripe = pick_colour(rng, ((205, 35, 35), (30, 40, 110), (20, 20, 20), (240, 200, 40)), np.vstack([bg, hull]), 90)
    driver = choose_colour(rng, ((200, 30, 30), (240, 200, 40), (30, 40, 110)))
    foam = jitter(rng, (242, 246, 250), 5)
    # the rooster tail: spray thrown up and back from the stern, a splash whose size follows the engine's noise
    rise = rng.uniform(1.2, 1.6)
    plume = [(-0.45 - 0.45 * t + rng.uniform(-0.05, 0.05), -rise * (1.6 * t - 0.8 * t * t) + rng.uniform(-0.05, 0.05),
              0.07 + 0.17 * t, rng.uniform(0.6, 0.95)) for t in np.linspace(0, 1, 10)]
    angle, flip, u, v = rng.uniform(-0.12, 0.04), float(rng.choice([-1.0, 1.0])), rng.random(), rng.random()

    def draw(cv: Canvas, s: float) -> None:
        f = place(cv, s, (-1.1, 0.75, -rise - 0.1, 0.15), u, v, (h + 0.2, 0.95), flip, angle)
        f.ellipse(-0.65, -0.5 * rise, 0.25, 0.5 * rise, foam, opacity=0.3)  # mist around the rooster tail
        for x, y, r, alpha in plume:
            f.ellipse(x, y, r, r * 0.85, foam, opacity=alpha)
        f.ellipse(-0.5, 0.03, 0.14, 0.06, foam, opacity=0.9)  # wake
        f.poly([(-0.25, -0.3), (0.2, -0.3), (0.05, -0.52), (-0.25, -0.52)], (70, 90, 110))  # windscreen
        f.ellipse(-0.3, -0.4, 0.1, 0.1, driver)
        f.poly([(-0.42, -0.3), (0.62, -0.42), (0.4, 0.03), (-0.42, 0.03)], hull)
        f.line(-0.4, -0.12, 0.45, -0.22, 0.07, stripe)
        f.ellipse(0.42, 0.0, 0.1, 0.05, foam, opacity=0.9)  # bow wave

    return Scene(rows, draw, 1.4)


def dam_scene(rng: np.random.Generator, size: int) -> Scene:
    top, low = sky_colours(rng)
    crest = rng.uniform(0.12, 0.25)
    concrete = choose_colour(rng, ((140, 140, 138), (150, 140, 120), (120, 122, 125)), 10)
    pool_y = rng.uniform(0.74, 0.84)
    pool = jitter(rng, (50, 100, 120), 15)
    stops = [(0.0, top), (crest - 0.03, low), (crest - 0.03, shaded(concrete, 0.7)), (crest, shaded(concrete, 0.7))]
    seams = int(rng.integers(2, 5))
    for k in range(seams):  # horizontal construction joints in the wall
        y0, y1 = crest + (pool_y - crest) * k / seams, crest + (pool_y - crest) * (k + 1) / seams
        stops += [(y0, concrete), (y1 - 0.012, shaded(concrete, 0.92)), (y1 - 0.012, shaded(concrete, 0.8)),
                  (y1, shaded(concrete, 0.8))]
    stops += [(pool_y, pool), (1.0, shaded(pool, 0.7))]
    rows = background_rows(stops, size)
    water = jitter(rng, (228, 236, 240), 6)
    streak = jitter(rng, (185, 210, 225), 8)
    n_streams = int(rng.integers(1, 4))
    xs = np.sort(rng.uniform(0.2, 0.8, n_streams))
    puffs = [(rng.uniform(-1, 1), rng.uniform(-1.0, 0.3), rng.uniform(0.5, 1.0), rng.uniform(0.6, 0.95))
             for _ in range(8)]
    gate = jitter(rng, (45, 45, 50), 6)
    # water pours over the crest or bursts from outlets lower in the wall
    top = crest if rng.random() < 0.5 else crest + rng.uniform(0.15, 0.4) * (pool_y - crest)

    def draw(cv: Canvas, s: float) -> None:
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

    return Scene(rows, draw, 0.0)


def _player(f: Frame, x: float, shirt, shorts, skin, hair, kick: float, bat: tuple | None = None) -> None:
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


def soccer_scene(rng: np.random.Generator, size: int) -> Scene:
    stand = choose_colour(rng, ((70, 60, 75), (50, 55, 70), (80, 70, 60)), 8)
    c = rng.uniform(0.12, 0.26)
    board = choose_colour(rng, ((30, 60, 190), (200, 35, 35), (240, 210, 40), (240, 240, 240)))
    grass = jitter(rng, (70, 150, 65), 12)
    stops = [(0.0, shaded(stand, 0.8))]
    for k in range(3):  # tiers of the stands
        stops += [(c * k / 3, shaded(stand, 0.8 + 0.12 * k)), (c * (k + 1) / 3 - 0.01, shaded(stand, 0.9 + 0.12 * k))]
    stops += [(c, board), (c + 0.035, board)]
    y, k, width = c + 0.035, 0, 0.05
    while y < 1.0:  # mowing stripes, wider towards the camera
        shade = 1.0 if k % 2 else 0.86
        stops += [(y, shaded(grass, shade)), (min(y + width, 1.0), shaded(grass, shade))]
        y, k, width = y + width, k + 1, width * 1.35
    rows, bg = background_rows(stops, size), np.array([c_ for _, c_ in stops])
    shirt = pick_colour(rng, ((210, 30, 35), (30, 60, 200), (245, 245, 245), (245, 210, 30), (240, 120, 20),
                        (20, 20, 20)), bg, 100)
    shorts = pick_colour(rng, ((245, 245, 245), (20, 20, 20), (30, 40, 120)), np.vstack([bg, shirt]), 60)
    skin = choose_colour(rng, SKIN, 6)
    hair = choose_colour(rng, ((30, 25, 20), (120, 80, 40), (220, 190, 120)), 6)
    px, kick, ball_x, ball_y = rng.uniform(-0.35, 0.35), rng.uniform(0, 1), rng.uniform(0.2, 0.45), rng.uniform(-0.3, 0)
    u, v = rng.random(), rng.random()

    def draw(cv: Canvas, s: float) -> None:
        f = place(cv, s, (-0.7, 0.7, -1.3, 0.0), u, v, (c + 0.25, 0.98))
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

    return Scene(rows, draw, 1.2)


def baseball_scene(rng: np.random.Generator, size: int) -> Scene:
    top, low = sky_colours(rng)
    c = rng.uniform(0.1, 0.22)
    wall = choose_colour(rng, ((30, 75, 50), (30, 50, 105)), 8)
    grass = jitter(rng, (75, 145, 60), 12)
    stops = [(0.0, top), (c, low), (c, wall), (c + 0.05, wall), (c + 0.05, shaded(grass, 0.85)), (1.0, grass)]
    rows, bg = background_rows(stops, size), np.array([c_ for _, c_ in stops])
    dirt = jitter(rng, (190, 135, 85), 10)
    inner = jitter(rng, (40, 105, 35), 6)
    uniform = pick_colour(rng, ((240, 240, 240), (170, 170, 178), (30, 40, 110), (200, 30, 35)),
                          np.vstack([bg, dirt]), 70)
    helmet = choose_colour(rng, ((30, 40, 110), (200, 30, 35), (20, 20, 20)), 6)
    skin = choose_colour(rng, SKIN, 6)
    bat = choose_colour(rng, ((205, 160, 100), (30, 28, 26), (150, 90, 45)), 6)
    swing = rng.uniform(-2.6, -1.2)  # bat angle: raised behind the head .. level
    ball = (rng.uniform(0.15, 0.55), rng.uniform(-1.0, -0.6))
    flip, u, v = float(rng.choice([-1.0, 1.0])), rng.random(), rng.random()

    def draw(cv: Canvas, s: float) -> None:
        f = place(cv, s, (-0.6, 0.6, -1.15, 0.05), u, v, (c + 0.3, 0.96), flip)
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

    return Scene(rows, draw, 1.0)
