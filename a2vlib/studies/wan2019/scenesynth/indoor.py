"""The four SceneSynth scenes shot mostly indoors: dog, drum, guitar, piano.

Each builder draws all its random choices first, then returns a :class:`~a2vlib.data.canvas.Scene`
whose pure ``draw(canvas, s)`` paints the object at scale ``s`` (the scale is searched to match the loudness).
"""
from __future__ import annotations

import numpy as np

from a2vlib.data.canvas import (BLACKISH, SKIN, WHITE, Canvas, Scene, background_rows, choose_colour,
                                           jitter, pick_colour, place, room_background, shaded, sky_colours)


def dog_scene(rng: np.random.Generator, size: int) -> Scene:
    if rng.random() < 0.6:  # outdoors: sky, maybe a tree line, grass
        top, low = sky_colours(rng)
        h = rng.uniform(0.3, 0.45)
        grass = jitter(rng, (85, 150, 60), 15)
        stops = [(0.0, top), (h, low)]
        if rng.random() < 0.6:
            trees = jitter(rng, (40, 80, 45))
            stops += [(h, trees), (h + rng.uniform(0.04, 0.08), shaded(trees, 0.8))]
            h = stops[-1][0]
        stops += [(h, grass), (1.0, shaded(grass, 0.75))]
        rows, ground, bg = background_rows(stops, size), h, np.array([c for _, c in stops])
    else:
        rows, ground, bg = room_background(rng, size, "home")
    fur = pick_colour(rng, ((30, 28, 26), (95, 60, 35), (215, 160, 75), (165, 80, 35), (125, 122, 118),
                            (238, 232, 218)), bg)
    far_legs, ear = shaded(fur, 0.72), shaded(fur, 0.6 if fur.mean() > 80 else 1.8)
    chest = rng.random() < 0.4
    collar = choose_colour(rng, ((200, 30, 30), (30, 60, 200), (30, 150, 60))) if rng.random() < 0.6 else None
    pointy, tail_up, barking = rng.random() < 0.5, rng.random() < 0.6, rng.random() < 0.6
    leg, body_len = rng.uniform(0.55, 0.8), rng.uniform(0.55, 0.72)
    flip, u, v = float(rng.choice([-1.0, 1.0])), rng.random(), rng.random()

    def draw(cv: Canvas, s: float) -> None:
        f = place(cv, s, (-1.05, 1.25, -1.95, 0.0), u, v, (ground + 0.08, 0.98), flip)
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

    return Scene(rows, draw, 2.0)


def drum_scene(rng: np.random.Generator, size: int) -> Scene:
    back = choose_colour(rng, ((35, 22, 50), (20, 26, 55), (55, 18, 24), (28, 28, 30), (16, 42, 38)))
    glow = np.clip(back * 2.2 + 25, 0, 255)
    floor = choose_colour(rng, ((120, 82, 48), (55, 52, 50), (95, 60, 40)))
    f_y = rng.uniform(0.7, 0.82)
    stops = [(0.0, glow), (0.22, back), (f_y, shaded(back, 0.9)), (f_y, floor), (1.0, shaded(floor, 0.8))]
    rows, bg = background_rows(stops, size), np.array([c for _, c in stops])
    shell = pick_colour(rng, ((200, 30, 35), (35, 70, 200), (235, 235, 235), (190, 190, 200), (40, 160, 80),
                        (230, 120, 20), (20, 20, 20)), bg, 100)
    head = jitter(rng, (235, 228, 205), 8)
    front = head if rng.random() < 0.6 else shaded(shell, 0.7)
    gold, metal = jitter(rng, (220, 178, 60), 10), jitter(rng, (175, 175, 182), 8)
    drummer = rng.random() < 0.7
    shirt = pick_colour(rng, ((240, 240, 240), (200, 40, 40), (240, 200, 60), (90, 160, 220)), np.vstack([bg, shell]),
                        80)
    skin = choose_colour(rng, SKIN, 6)
    sticks = rng.uniform(-0.3, 0.3, 2)
    crash_tilt, u, v, flip = rng.uniform(-0.35, -0.1), rng.random(), rng.random(), float(rng.choice([-1.0, 1.0]))
    logo = rng.random() < 0.5

    def draw(cv: Canvas, s: float) -> None:
        f = place(cv, s, (-1.1, 1.05, -1.75, 0.0), u, v, (f_y + 0.06, 0.98), flip)
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

    return Scene(rows, draw, 2.2)


def guitar_scene(rng: np.random.Generator, size: int) -> Scene:
    if rng.random() < 0.65:
        rows, ground, bg = room_background(rng, size, "studio")
    else:  # on a small stage with a warm, wood-panelled back wall
        back = choose_colour(rng, ((62, 40, 28), (75, 55, 32)))
        floor = jitter(rng, (110, 78, 48))
        ground = rng.uniform(0.7, 0.8)
        stops = [(0.0, np.clip(back * 2 + 30, 0, 255)), (0.25, back), (ground, back), (ground, floor),
                 (1.0, shaded(floor, 0.8))]
        rows, bg = background_rows(stops, size), np.array([c for _, c in stops])
    body = pick_colour(rng, ((215, 160, 90), (175, 75, 30), (25, 25, 25), (195, 30, 38), (40, 70, 175), (238, 236, 230),
                       (240, 200, 60)), bg, 100)
    edge, neck = shaded(body, 0.55) + 10, choose_colour(rng, ((125, 78, 40), (60, 40, 25)))
    acoustic = rng.random() < 0.6
    angle, u, v = rng.uniform(-0.45, 0.45), rng.random(), rng.random()

    def draw(cv: Canvas, s: float) -> None:
        f = place(cv, s, (-0.45, 0.45, -2.5, 0.0), u, v, (ground + 0.05, 0.98), angle=angle)
        f.ellipse(0, -0.45, 0.44, 0.42, edge)
        f.ellipse(0, -1.0, 0.34, 0.31, edge)
        f.ellipse(0, -0.45, 0.4, 0.38, body)
        f.ellipse(0, -1.0, 0.3, 0.27, body)
        f.rect(-0.26, -1.0, 0.26, -0.55, body)
        f.rect(-0.075, -2.15, 0.075, -1.1, neck)
        for k in range(1, 8):
            f.line(-0.07, -1.1 - k * 0.13, 0.07, -1.1 - k * 0.13, 0.018, (200, 200, 200))
        f.poly([(-0.1, -2.12), (0.1, -2.12), (0.13, -2.48), (-0.13, -2.48)], shaded(neck, 0.6))
        if acoustic:
            f.ellipse(0, -0.85, 0.13, 0.13, (20, 14, 10))
            f.rect(-0.17, -0.36, 0.17, -0.28, (60, 35, 20))
        else:
            f.rect(-0.1, -0.75, 0.1, -0.66, BLACKISH)
            f.rect(-0.1, -0.55, 0.1, -0.46, BLACKISH)
            f.ellipse(0.22, -0.3, 0.05, 0.05, (200, 200, 200))
        for x in (-0.035, 0.0, 0.035):
            f.line(x * 1.5, -0.32, x, -2.12, 0.012, (225, 225, 220), opacity=0.7)

    return Scene(rows, draw, 1.1)


def piano_scene(rng: np.random.Generator, size: int) -> Scene:
    rows, ground, bg = room_background(rng, size, "hall")
    body = pick_colour(rng, ((22, 22, 24), (75, 42, 26), (236, 232, 224), (112, 45, 30)), bg, 90)
    top = np.clip(body * 1.25 + 12, 0, 255)
    keys, paper = jitter(rng, (246, 244, 236), 5), jitter(rng, (250, 250, 244), 4)
    sheet, bench = rng.random() < 0.7, rng.random() < 0.5
    u, v = rng.random(), rng.random()

    def draw(cv: Canvas, s: float) -> None:
        f = place(cv, s, (-0.85, 0.85, -1.6, 0.0), u, v, (ground + 0.06, 0.98))
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
            f.rect(-0.45, -0.32, 0.45, -0.22, shaded(body, 0.8) + 20)
            f.line(-0.38, -0.25, -0.38, 0.0, 0.05, shaded(body, 0.8) + 20)
            f.line(0.38, -0.25, 0.38, 0.0, 0.05, shaded(body, 0.8) + 20)

    return Scene(rows, draw, 2.2)
