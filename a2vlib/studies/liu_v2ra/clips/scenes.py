"""Frames for the V2RA stand-in (:mod:`a2vlib.studies.liu_v2ra.clips.impacts` makes the sound and the timing).

What stands for what (Liu et al.'s categories, drawn procedurally with the anti-aliased
:class:`~a2vlib.data.canvas.Canvas`):

- wood, gravel, cloth, plastic (Greatest Hits): a gloved hand swings a light drumstick onto a textured surface
  seen from the side: planks with grain, a bed of pebbles, folded woven fabric, a glossy coloured sheet. The stick
  rests half raised, winds up (higher for a faster, louder strike), swings down, touches the surface exactly at
  the event frame (and at no other frame), rebounds and settles.
- dog (VEGAS): a dog's head in profile; the lower jaw drops and the head jerks up with each bark, for as long as
  the bark lasts.
- fireworks (VEGAS): a night sky over a city skyline; a rocket's spark rises, and at the event frame a flash and a
  bloom of particles appear that expand, droop and fade (bigger and brighter for louder bangs).
- bird: a bird perched on a branch, in profile; its beak is open during every chirp and shut between them; the
  head also turns now and then without singing (movement that is not sound).

Two reserved colours make the animation measurable on any frames, drawn or generated: :data:`STICK_COLOUR`
(:func:`stick_tip_row`) and :data:`MOUTH_COLOUR`, the inside of the dog's mouth and the bird's beak
(:func:`opening`). No surface, fur, plumage or backdrop is drawn near them. Coordinates are fractions of the side.
"""
from __future__ import annotations

import math

import numpy as np

from a2vlib.data.canvas import Canvas, Frame, background_rows, jitter, shaded

STICK_COLOUR = (238, 218, 160)  # light maple drumstick
MOUTH_COLOUR = (160, 16, 48)  # inside of the mouth / beak
MATCH = 40.0  # RGB distance within which a pixel counts as a reserved colour
PIXEL_NOISE = 1.5  # std of the per-frame sensor noise

WALLS = ((70, 75, 88), (96, 92, 104), (58, 70, 62), (110, 98, 86), (44, 50, 72), (128, 128, 134))
GLOVES = ((30, 30, 34), (40, 52, 110), (70, 70, 76))
WOODS = ((150, 98, 58), (118, 76, 44), (168, 116, 70), (98, 62, 38))
CLOTHS = ((58, 80, 150), (150, 46, 58), (66, 118, 70), (110, 70, 132), (60, 60, 66))
PLASTICS = ((205, 40, 40), (40, 92, 205), (38, 160, 82), (30, 150, 160), (128, 58, 172))  # no yellows: stick
FURS = ((200, 150, 80), (120, 80, 46), (42, 36, 36), (228, 220, 204), (150, 148, 146))
BIRDS = ((62, 100, 190), (140, 110, 80), (226, 196, 60), (44, 44, 50), (92, 150, 82))
FIREWORKS = ((255, 70, 60), (80, 255, 110), (255, 205, 90), (90, 150, 255), (220, 90, 255), (255, 255, 240))


def _keyed(s: float, keys: list[float], values: list[float], outside: float) -> float:
    """Piecewise linear in ``s`` (seconds from an event frame) through ``keys``/``values``, ``outside`` beyond."""
    return float(np.interp(s, keys, values, left=outside, right=outside))


def _nearest_event(n_frames: int, event_frames: np.ndarray, fps: int) -> tuple[np.ndarray, np.ndarray]:
    """For each frame, the index of the nearest event frame and the signed time (s) from it."""
    f = np.arange(n_frames)
    if len(event_frames) == 0:
        return np.zeros(n_frames, int), np.full(n_frames, 1e9)
    k = np.abs(f[:, None] - np.asarray(event_frames)[None, :]).argmin(axis=1)
    return k, (f - np.asarray(event_frames)[k]) / fps


# ---------------------------------------------------------------- surfaces and the drumstick (impacts)

def _surface(material: str, rng: np.random.Generator, n: int, ys: float) -> np.ndarray:
    """Static picture: a wall above the surface line ``ys`` and the material's texture below it."""
    wall = jitter(rng, WALLS[int(rng.integers(len(WALLS)))], 10)
    cv = Canvas(background_rows([(0.0, shaded(wall, 0.8)), (ys, wall)], n))
    Y, X = (np.mgrid[0:n, 0:n] + 0.5) / n
    below = Y >= ys
    if material == "wood":
        base = jitter(rng, WOODS[int(rng.integers(len(WOODS)))], 10)
        plank = rng.uniform(0.09, 0.14)
        idx = np.floor((Y - ys) / plank).astype(int)
        shade = 1 + rng.uniform(-0.08, 0.08, 64)[np.clip(idx, 0, 63)]
        phase = rng.uniform(0, 2 * np.pi, 64)[np.clip(idx, 0, 63)]
        grain = np.sin(2 * np.pi * (Y * n / rng.uniform(1.6, 2.6) + 0.9 * np.sin(2 * np.pi * X * 1.3 + phase)))
        seam = ((Y - ys) % plank) < 1.0 / n
        tex = base * (shade * (1 + 0.07 * grain) * np.where(seam, 0.62, 1.0))[..., None]
    elif material == "cloth":
        base = jitter(rng, CLOTHS[int(rng.integers(len(CLOTHS)))], 10)
        ix, iy = np.mgrid[0:n, 0:n][::-1]
        weave = 1 + 0.06 * np.where((ix + iy) % 2 == 0, 1, -1)
        fold = 1 + 0.14 * np.sin(2 * np.pi * (X * rng.uniform(1.5, 3.5) + Y * rng.uniform(-1, 1)) + rng.uniform(0, 6))
        tex = base * (weave * fold)[..., None]
    elif material == "plastic":
        base = jitter(rng, PLASTICS[int(rng.integers(len(PLASTICS)))], 10)
        depth = np.clip((Y - ys) / (1 - ys), 0, 1)
        gloss = np.exp(-((Y - ys - rng.uniform(0.06, 0.16)) / 0.025) ** 2) * (0.5 + 0.3 * np.sin(2 * np.pi * X))
        tex = base * (1.1 - 0.3 * depth)[..., None]
        tex = tex + gloss[..., None] * (np.array([250.0, 250, 250]) - tex) * 0.6
    else:  # gravel: a dark bed covered with pebbles
        tex = np.broadcast_to(jitter(rng, (70, 66, 60), 8), (n, n, 3)).copy()
    cv.img[below] = np.clip(tex, 0, 255)[below]
    if material == "gravel":
        for _ in range(int(2.2 * (1 - ys) / 0.003)):
            x, y = rng.uniform(-0.02, 1.02), rng.uniform(ys + 0.005, 1.02)
            r = rng.uniform(0.02, 0.045)
            tone = jitter(rng, (rng.uniform(90, 150),) * 3, 12) * np.array([1.04, 1.0, 0.94])
            cv.ellipse(x, y, r, r * rng.uniform(0.6, 0.9), tone, angle=rng.uniform(0, math.pi))
            cv.ellipse(x - r * 0.3, y - r * 0.3, r * 0.3, r * 0.2, shaded(tone, 1.12), opacity=0.6)
    cv.img[int(ys * n)] = shaded(cv.img[int(ys * n)], 1.2)  # the lit front edge of the surface
    return cv.img


def _draw_impacts(material, rng, onsets, event_frames, strengths, parts, n_frames, fps, size):
    ys = rng.uniform(0.6, 0.7)
    static = _surface(material, rng, size, ys)
    tip_x, tip_r, width = rng.uniform(0.3, 0.5), max(0.024, 1.0 / size), max(0.032, 1.6 / size)  # >= 1 px
    grip = np.array([tip_x + rng.uniform(0.34, 0.42), ys - rng.uniform(0.26, 0.32)])
    glove = jitter(rng, GLOVES[int(rng.integers(len(GLOVES)))], 8)
    travel = 0.36
    t = np.arange(n_frames) / fps
    rest = 0.55 + 0.04 * np.sin(2 * np.pi * t / rng.uniform(1.0, 1.6) + rng.uniform(0, 6))
    k, s = _nearest_event(n_frames, event_frames, fps)
    st = np.asarray(strengths, float)[k] if len(strengths) else np.zeros(n_frames)
    # wind-up higher for faster strikes: the drop in the last 0.1 s before contact is the strike speed
    height = np.array([_keyed(s[f], [-0.2, -0.1, 0.0, 0.067, 0.134],
                              [rest[f], 0.45 + 0.55 * st[f], 0.0, 0.2 + 0.2 * st[f], rest[f]], rest[f])
                       for f in range(n_frames)])
    frames = np.empty((n_frames, size, size, 3), np.float32)
    for f in range(n_frames):
        cv = Canvas(np.zeros((size, 3)))
        cv.img = static.copy()
        h = float(height[f])
        tip = np.array([tip_x, ys - tip_r + 1.0 / size - h * travel])  # at contact the bead sinks 1 px in
        g = grip + np.array([0.0, -0.08 * h])  # the wrist lifts a little with the stick
        d = (tip - g) / np.linalg.norm(tip - g)
        butt = g - d * 0.08
        cv.capsule(g[0], g[1], 1.15, g[1] - 0.3, 0.1, shaded(glove, 0.8))  # forearm
        cv.capsule(butt[0], butt[1], tip[0], tip[1], width, STICK_COLOUR)
        cv.ellipse(tip[0], tip[1], tip_r, tip_r, STICK_COLOUR)
        cv.ellipse(g[0], g[1], 0.05, 0.04, glove, angle=math.atan2(d[1], d[0]))
        frames[f] = cv.img
    return frames, {"surface_row": int(ys * size), "stick_height": height}


# ---------------------------------------------------------------- dog

def _draw_dog(rng, onsets, event_frames, strengths, parts, n_frames, fps, size):
    if rng.random() < 0.5:  # outdoors: sky over grass
        hz = rng.uniform(0.45, 0.65)
        rows = background_rows([(0, jitter(rng, (140, 180, 228), 15)), (hz, jitter(rng, (200, 218, 232), 10)),
                                (hz, jitter(rng, (86, 132, 62), 12)), (1, jitter(rng, (60, 100, 44), 10))], size)
    else:  # indoors: wall over floor
        hz = rng.uniform(0.6, 0.75)
        rows = background_rows([(0, jitter(rng, WALLS[int(rng.integers(len(WALLS)))], 10)),
                                (hz, jitter(rng, (150, 150, 140), 10)), (hz, jitter(rng, WOODS[0], 10)),
                                (1, jitter(rng, WOODS[1], 10))], size)
    fur = jitter(rng, FURS[int(rng.integers(len(FURS)))], 10)
    ear = shaded(fur, rng.uniform(0.55, 0.8))
    collar = jitter(rng, ((40, 70, 200), (40, 160, 90), (230, 190, 40)), 0)[int(rng.integers(3))]
    flip = 1.0 if rng.random() < 0.5 else -1.0
    cx, cy, sc = 0.5 - flip * rng.uniform(0.06, 0.12), rng.uniform(0.4, 0.48), rng.uniform(0.95, 1.1)
    k, s = _nearest_event(n_frames, event_frames, fps)
    dur = np.array([p[0][1] - p[0][0] for p in parts] or [0.2])[k]
    st = np.asarray(strengths, float)[k] if len(strengths) else np.zeros(n_frames)
    # the jaw drops at the bark's onset frame and closes as the bark ends
    openness = np.array([_keyed(s[f], [-0.034, 0.0, 0.04, dur[f], dur[f] + 0.07], [0.0, 0.8, 1.0, 0.35, 0.0], 0.0)
                         for f in range(n_frames)]) * (0.55 + 0.45 * st)
    t = np.arange(n_frames) / fps
    bob = 0.03 * np.sin(2 * np.pi * t / rng.uniform(1.2, 2.0) + rng.uniform(0, 6))
    frames = np.empty((n_frames, size, size, 3), np.float32)
    for f in range(n_frames):
        cv = Canvas(rows)
        a = float(openness[f])
        fr = Frame(cv, cx, cy, sc, flip, angle=-flip * (0.14 * a + bob[f]))
        fr.poly([(-0.2, 0.0), (0.08, 0.08), (0.14, 0.8), (-0.32, 0.8)], shaded(fur, 0.9))  # neck
        fr.line(-0.24, 0.3, 0.12, 0.3, 0.05, collar)
        fr.ellipse(0.0, 0.0, 0.2, 0.175, fur)
        hinge, ang = (0.1, 0.05), 0.55 * a

        def jaw(x: float, y: float) -> tuple[float, float]:
            c, sn = math.cos(ang), math.sin(ang)
            dx, dy = x - hinge[0], y - hinge[1]
            return hinge[0] + c * dx - sn * dy, hinge[1] + sn * dx + c * dy

        if a > 0.01:  # shut, the lips hide the inside
            fr.poly([hinge, (0.35, 0.035), jaw(0.33, 0.05)], MOUTH_COLOUR)
        fr.poly([(0.06, -0.1), (0.33, -0.045), (0.37, 0.035), (0.1, 0.045)], fur)  # upper muzzle
        fr.ellipse(0.34, -0.005, 0.04, 0.04, fur)
        fr.ellipse(0.37, -0.02, 0.032, 0.028, (28, 24, 24))  # nose
        fr.poly([jaw(0.08, 0.04), jaw(0.31, 0.05), jaw(0.3, 0.085), jaw(0.08, 0.13)], shaded(fur, 1.05))
        fr.ellipse(-0.1, 0.04, 0.065, 0.16, ear, angle=0.3)
        fr.ellipse(0.08, -0.075, 0.024, 0.024, (20, 18, 18))
        fr.ellipse(0.087, -0.082, 0.008, 0.008, (245, 245, 245))
        frames[f] = cv.img
    return frames, {"openness": openness}


# ---------------------------------------------------------------- fireworks

def _glow(img: np.ndarray, x: np.ndarray, y: np.ndarray, power: np.ndarray, colour: np.ndarray, sigma: float
          ) -> None:
    """Add Gaussian light spots (centres in fractions, ``sigma`` in pixels): separable, so one matrix product."""
    n = img.shape[0]
    c = np.arange(n) + 0.5
    gx = np.exp(-((c[None, :] - x[:, None] * n) ** 2) / (2 * sigma ** 2))
    gy = np.exp(-((c[None, :] - y[:, None] * n) ** 2) / (2 * sigma ** 2)) * power[:, None]
    for ch in range(3):
        img[..., ch] += (gy * colour[:, ch][:, None]).T @ gx


def _draw_fireworks(rng, onsets, event_frames, strengths, parts, n_frames, fps, size):
    cv = Canvas(background_rows([(0, jitter(rng, (6, 8, 24), 4)), (0.8, jitter(rng, (26, 30, 62), 6))], size))
    for _ in range(int(rng.integers(30, 50))):  # stars
        x, y = rng.uniform(0, 1, 2)
        cv.ellipse(x, y * 0.75, 0.6 / size, 0.6 / size, (200, 200, 220), opacity=rng.uniform(0.3, 0.9))
    x = -0.05
    while x < 1.05:  # skyline with a few lit windows
        w, top = rng.uniform(0.06, 0.16), rng.uniform(0.72, 0.9)
        cv.polygon([(x, top), (x + w, top), (x + w, 1.01), (x, 1.01)], (12, 12, 16))
        for _ in range(int(rng.integers(0, 4))):
            cv.ellipse(x + rng.uniform(0.01, w - 0.01), rng.uniform(top + 0.02, 0.98), 0.6 / size, 0.8 / size,
                       (170, 150, 70), opacity=0.8)
        x += w
    static = cv.img
    bursts = []
    for st in strengths:
        m = int(rng.integers(28, 45))
        ang = np.linspace(0, 2 * np.pi, m, endpoint=False) + rng.uniform(-0.1, 0.1, m)
        bursts.append(dict(c=(rng.uniform(0.2, 0.8), rng.uniform(0.15, 0.42)), R=(0.12 + 0.14 * st)
                           * rng.uniform(0.75, 1.0, m), ang=ang, tau=rng.uniform(0.3, 0.5), st=st,
                           col=np.asarray(FIREWORKS[int(rng.integers(len(FIREWORKS)))], float),
                           drift=rng.uniform(-0.08, 0.08)))
    sigma = max(0.55, size / 90)
    frames = np.empty((n_frames, size, size, 3), np.float32)
    for f in range(n_frames):
        img = static.copy()
        xs, ys, ps, cs = [], [], [], []
        for b, ef in zip(bursts, event_frames):
            a = (f - ef) / fps
            (bx, by), R = b["c"], b["R"]
            if -0.5 <= a < 0:  # the rocket's spark rising to the burst point
                u = 1 - (a / -0.5)
                for lag, w in ((0, 1.0), (0.04, 0.5), (0.08, 0.25)):
                    uu = max(u - lag * 2, 0)
                    xs.append([bx + b["drift"] * (1 - uu)]), ys.append([1.0 - (1.0 - by) * (1 - (1 - uu) ** 2)])
                    ps.append([0.5 * w]), cs.append([[255.0, 210, 150]])
            elif a >= 0:
                fade = (0.35 + 0.65 * b["st"]) * math.exp(-a / b["tau"])
                if fade < 0.02:
                    continue
                for lag, w in ((0.0, 1.0), (0.035, 0.45), (0.07, 0.2)):  # particles with short trails
                    aa = max(a - lag, 0.0)
                    r = R * (1 - math.exp(-aa / 0.13))
                    xs.append(bx + r * np.cos(b["ang"])), ys.append(by + r * np.sin(b["ang"]) + 0.25 * aa ** 2)
                    ps.append(np.full(len(R), fade * w)), cs.append(np.repeat(b["col"][None], len(R), 0))
                xs.append([bx]), ys.append([by]), ps.append([4.0 * b["st"] * math.exp(-a / 0.04)])
                cs.append([[255.0, 250, 235]])  # the flash
        for b, ef in zip(bursts, event_frames):  # the flash lights up the sky for a frame or two
            a = (f - ef) / fps
            if a >= 0 and a < 0.25:
                power = np.array([0.25 * b["st"] * math.exp(-a / 0.04)])
                _glow(img, np.array([b["c"][0]]), np.array([b["c"][1]]), power, b["col"][None] * 0.5 + 120, size * 0.3)
        if xs:
            _glow(img, np.concatenate(xs), np.concatenate(ys), np.concatenate(ps), np.concatenate(cs).reshape(-1, 3),
                  sigma)
        frames[f] = img
    return frames, {}


# ---------------------------------------------------------------- bird

def _draw_bird(rng, onsets, event_frames, strengths, parts, n_frames, fps, size):
    if rng.random() < 0.5:
        rows = background_rows([(0, jitter(rng, (120, 170, 230), 15)), (1, jitter(rng, (200, 222, 240), 10))], size)
    else:
        rows = background_rows([(0, jitter(rng, (70, 110, 60), 12)), (1, jitter(rng, (130, 160, 90), 12))], size)
    back = Canvas(rows)
    for _ in range(int(rng.integers(3, 7))):  # soft out-of-focus leaves
        back.ellipse(*rng.uniform(0, 1, 2), *rng.uniform(0.08, 0.2, 2), jitter(rng, (80, 130, 70), 20),
                     opacity=rng.uniform(0.2, 0.45))
    by, tilt = rng.uniform(0.68, 0.78), rng.uniform(-0.08, 0.08)
    back.capsule(-0.1, by + 0.02 - tilt, 1.1, by + 0.02 + tilt, 0.045, jitter(rng, (96, 66, 40), 10))
    static = back.img
    body = jitter(rng, BIRDS[int(rng.integers(len(BIRDS)))], 10)
    belly = np.clip(body * 0.5 + 0.5 * jitter(rng, (235, 225, 205), 10), 0, 255)
    beak = jitter(rng, ((235, 170, 40), (60, 56, 54), (200, 190, 170)), 0)[int(rng.integers(3))]
    flip = 1.0 if rng.random() < 0.5 else -1.0
    bx, sc = rng.uniform(0.4, 0.6), rng.uniform(1.05, 1.25)
    openness = np.zeros(n_frames)
    for chirps, st in zip(parts, strengths):  # the beak is open on every frame a chirp sounds in
        for a, b in chirps:
            fa, fb = int(round(a * fps)), max(int(round(a * fps)), int(round(b * fps)))
            openness[fa:fb + 1] = np.maximum(openness[fa:fb + 1], 0.6 + 0.4 * st)
    # head turns at random moments, unrelated to the song
    turn_t = np.sort(rng.uniform(0, n_frames / fps, int(rng.integers(2, 5))))
    head_ang = np.interp(np.arange(n_frames) / fps, turn_t, rng.uniform(-0.35, 0.25, len(turn_t)))
    frames = np.empty((n_frames, size, size, 3), np.float32)
    for f in range(n_frames):
        cv = Canvas(np.zeros((size, 3)))
        cv.img = static.copy()
        fr = Frame(cv, bx, by, sc * 0.9, flip)
        fr.line(-0.02, -0.09, -0.005, 0.0, 0.012, (50, 40, 30))  # legs
        fr.line(0.03, -0.09, 0.03, 0.0, 0.012, (50, 40, 30))
        fr.poly([(-0.08, -0.13), (-0.3, -0.05), (-0.29, -0.0), (-0.06, -0.08)], shaded(body, 0.75))  # tail
        fr.ellipse(0.0, -0.16, 0.15, 0.1, body, angle=-0.35)
        fr.ellipse(0.03, -0.125, 0.1, 0.06, belly, angle=-0.35)
        fr.ellipse(-0.04, -0.17, 0.11, 0.055, shaded(body, 0.7), angle=-0.25)  # wing
        hx, hy = fr.pt(0.11, -0.29)
        head = Frame(cv, hx, hy, sc * 0.9, flip, angle=flip * float(head_ang[f]))
        o = 0.6 * float(openness[f])
        hinge = (0.05, 0.01)

        def rot(p: tuple[float, float], ang: float) -> tuple[float, float]:
            c, sn = math.cos(ang), math.sin(ang)
            return hinge[0] + c * (p[0] - hinge[0]) - sn * (p[1] - hinge[1]), \
                hinge[1] + sn * (p[0] - hinge[0]) + c * (p[1] - hinge[1])

        if o > 0:
            head.poly([hinge, rot((0.17, 0.005), -o / 2), rot((0.16, 0.015), o / 2)], MOUTH_COLOUR)
        head.poly([rot(p, -o / 2) for p in ((0.045, -0.03), (0.17, 0.006), (0.05, 0.012))], beak)
        head.poly([rot(p, o / 2) for p in ((0.05, 0.008), (0.155, 0.015), (0.05, 0.036))], shaded(beak, 0.85))
        head.ellipse(0.0, 0.0, 0.075, 0.072, body)
        head.ellipse(0.03, -0.02, 0.017, 0.017, (15, 15, 18))
        frames[f] = cv.img
    return frames, {"openness": openness, "head_angle": head_ang}


DRAW = {"dog": _draw_dog, "fireworks": _draw_fireworks, "bird": _draw_bird}


def draw_frames(category: str, rng: np.random.Generator, onsets: np.ndarray, event_frames: np.ndarray,
                strengths: np.ndarray, parts: list[list[tuple[float, float]]], n_frames: int, fps: int, size: int
                ) -> tuple[np.ndarray, dict]:
    """uint8 (n_frames, size, size, 3) frames of one clip, and what they show (stick height, openness ...).

    ``strengths`` (0..1) scale each event's motion; ``parts`` lists each event's sounding spans in seconds (the
    bark, the chirps)."""
    if category in ("wood", "gravel", "cloth", "plastic"):
        frames, info = _draw_impacts(category, rng, onsets, event_frames, strengths, parts, n_frames, fps, size)
    else:
        frames, info = DRAW[category](rng, onsets, event_frames, strengths, parts, n_frames, fps, size)
    frames += rng.normal(0.0, PIXEL_NOISE, frames.shape).astype(np.float32)
    return np.clip(frames, 0, 255).round().astype(np.uint8), info


def _match(frames: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim == 3:
        frames = frames[None]
    d = np.sqrt(((frames.astype(np.float32) - np.asarray(colour, np.float32)) ** 2).sum(-1))
    return d < MATCH


def stick_tip_row(frames: np.ndarray) -> np.ndarray:
    """The lowest pixel row showing the drumstick in each frame (float (T,), NaN where none): largest where the
    stick touches the surface."""
    hit = _match(frames, STICK_COLOUR).any(axis=2)  # (T, H): rows with stick pixels
    rows = np.where(hit, np.arange(hit.shape[1])[None, :], -1).max(axis=1).astype(float)
    rows[rows < 0] = np.nan
    return rows


def opening(frames: np.ndarray) -> np.ndarray:
    """Pixels of open mouth / beak (the reserved inside colour) per frame: float (T,)."""
    return _match(frames, MOUTH_COLOUR).sum(axis=(1, 2)).astype(float)
