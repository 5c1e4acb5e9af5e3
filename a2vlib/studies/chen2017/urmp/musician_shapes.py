"""The figure and the 13 instruments drawn by :mod:`a2vlib.studies.chen2017.urmp.musicians`.

Everything is drawn in the figure's own coordinates: origin at the middle of the body, y down, 1 unit = the
picture's side at ``Look.scale == 1``. The view is a mirrored front view, so the player's left hand (the one
that fingers strings, horn and tuba) is on the picture's left, and the right hand (bow, lower wind hand) on the
right. Each instrument's ``Spec.path`` gives where the fingering hand is at ``Pose.hand`` 0 and 1 (stroke 0);
:func:`a2vlib.studies.chen2017.urmp.musicians.hand_position` measures along that same line.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from a2vlib.data.canvas import Frame, shaded

Pt = tuple[float, float]

# A saturated green glove: no stage, shirt, skin or instrument colour here has a green channel this far above
# its red and blue, so the hand can be found by colour alone, in real-style and in generated pictures.
HAND_COLOUR = (40, 215, 75)
HAND_RADIUS = 0.046  # 3-6 fully glove-coloured pixels at 32x32, whatever the Look's scale

BRASS, BRASS_DARK, BRASS_LIGHT = (205, 160, 55), (135, 95, 30), (240, 210, 120)
SILVER, SILVER_DARK = (205, 205, 215), (140, 140, 152)
BLACKWOOD, OBOE_WOOD, BASSOON_WOOD = (28, 26, 30), (62, 38, 28), (140, 60, 32)
VARNISH = {"violin": (195, 100, 40), "viola": (120, 55, 25), "cello": (165, 85, 40),
           "double_bass": (118, 64, 32)}
EBONY, BOW_STICK, BOW_HAIR, IVORY = (20, 18, 18), (80, 45, 25), (232, 222, 196), (228, 218, 190)
TROUSERS, SHOES, HAIR, CHAIR = (38, 38, 46), (18, 18, 20), (52, 38, 30), (72, 56, 46)

SHOULDER_L, SHOULDER_R, MOUTH = (-0.12, -0.15), (0.12, -0.15), (0.0, -0.225)


def lerp(a: Pt, b: Pt, t: float) -> Pt:
    return a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t


def rot(p: Pt, pivot: Pt, ang: float) -> Pt:
    c, s = math.cos(ang), math.sin(ang)
    x, y = p[0] - pivot[0], p[1] - pivot[1]
    return pivot[0] + c * x - s * y, pivot[1] + s * x + c * y


def along(c: Pt, length: float, angle: float, x: float, y: float = 0.0) -> Pt:
    """Point ``(x, y)`` of an instrument frame centred at ``c``, ``length`` per unit, its x axis at ``angle``."""
    ca, sa = math.cos(angle), math.sin(angle)
    return c[0] + length * (x * ca - y * sa), c[1] + length * (x * sa + y * ca)


def offset(a: Pt, b: Pt, t: float, n: float) -> Pt:
    """The point at fraction ``t`` from a to b, moved ``n`` to the right-hand normal (down for a rightward a->b)."""
    x, y = lerp(a, b, t)
    dx, dy = b[0] - a[0], b[1] - a[1]
    k = n / math.hypot(dx, dy)
    return x - dy * k, y + dx * k


@dataclass
class Ctx:
    f: Frame
    hand: float
    stroke: float
    shirt: np.ndarray
    skin: np.ndarray
    path: tuple[Pt, Pt]

    @property
    def grip(self) -> Pt:
        """The fingering hand at stroke 0."""
        return lerp(*self.path, self.hand)


def tube(f: Frame, a: Pt, b: Pt, w0: float, w1: float, colour) -> None:
    """A straight tube from ``a`` (width w0) to ``b`` (width w1): bores widen towards the bell."""
    f.poly([offset(a, b, 0, -w0 / 2), offset(a, b, 1, -w1 / 2), offset(a, b, 1, w1 / 2), offset(a, b, 0, w0 / 2)],
           colour)


def arm(ctx: Ctx, shoulder: Pt, elbow: Pt, hand: Pt, bare: bool = True) -> None:
    sleeve = shaded(ctx.shirt, 0.85)  # a shade apart so that an arm across the chest still shows
    ctx.f.line(*shoulder, *elbow, 0.052, sleeve)
    ctx.f.line(*elbow, *hand, 0.044, sleeve)
    if bare:
        ctx.f.ellipse(*hand, 0.028, 0.026, ctx.skin)


def draw_figure(ctx: Ctx, standing: bool) -> None:
    f = ctx.f
    if standing:
        for s in (-1, 1):
            f.line(0.06 * s, 0.08, 0.07 * s, 0.46, 0.075, TROUSERS)
            f.ellipse(0.08 * s, 0.475, 0.045, 0.02, SHOES)
    else:
        f.rect(-0.19, 0.12, 0.19, 0.15, CHAIR)
        for s in (-1, 1):
            f.line(0.175 * s, 0.14, 0.18 * s, 0.45, 0.018, CHAIR)
            f.line(0.11 * s, 0.18, 0.11 * s, 0.43, 0.07, TROUSERS)
            f.ellipse(0.12 * s, 0.445, 0.045, 0.02, SHOES)
        f.poly([(-0.13, 0.07), (0.13, 0.07), (0.16, 0.2), (-0.16, 0.2)], TROUSERS)
    f.poly([(-0.13, -0.16), (0.13, -0.16), (0.11, 0.1), (-0.11, 0.1)], ctx.shirt)
    for s in (-1, 1):
        f.ellipse(0.11 * s, -0.14, 0.045, 0.035, ctx.shirt)
    f.line(0, -0.22, 0, -0.16, 0.045, shaded(ctx.skin, 0.85))
    f.ellipse(0, -0.295, 0.066, 0.06, HAIR)
    f.ellipse(0, -0.265, 0.056, 0.066, ctx.skin)


# ---------------------------------------------------------------------------------------------------------------
# strings: one body shape (local x from -0.5 at the tail to 1.3 at the scroll, 1 unit = body length)

def fiddle(f: Frame, centre: Pt, length: float, angle: float, varnish) -> None:
    g = Frame(f.cv, *f.pt(*centre), f.s * length, 1.0, angle)
    edge = shaded(varnish, 0.55)
    bouts = ((-0.2, 0.3, 0.3), (0.24, 0.26, 0.23))  # lower bout wider than the upper one
    for x, rx, ry in bouts:
        g.ellipse(x, 0, rx + 0.03, ry + 0.03, edge)
    for x, rx, ry in bouts:
        g.ellipse(x, 0, rx, ry, varnish)
    for s in (-1, 1):
        g.line(-0.06, 0.13 * s, -0.2, 0.15 * s, 0.022, EBONY)  # f-holes
    g.poly([(-0.16, -0.05), (1.02, -0.035), (1.02, 0.035), (-0.16, 0.05)], EBONY)  # fingerboard
    g.rect(1.0, -0.03, 1.2, 0.03, edge)
    g.ellipse(1.24, 0, 0.06, 0.055, edge)  # scroll
    g.poly([(-0.5, -0.035), (-0.3, -0.06), (-0.3, 0.06), (-0.5, 0.035)], EBONY)  # tailpiece
    g.line(-0.22, -0.12, -0.22, 0.12, 0.025, IVORY)  # bridge


def bow(f: Frame, contact: Pt, angle: float, length: float, reach: float, stroke: float) -> Pt:
    """A bow crossing the strings at ``contact``, slid along itself by ``stroke``; returns the frog (bow hand)."""
    u = (math.cos(angle), math.sin(angle))
    frac = 0.5 + reach * stroke  # share of the bow between the contact point and the frog
    frog = (contact[0] + frac * length * u[0], contact[1] + frac * length * u[1])
    tip = (contact[0] - (1 - frac) * length * u[0], contact[1] - (1 - frac) * length * u[1])
    f.line(*tip, *frog, 0.016, BOW_STICK)
    f.line(*offset(tip, frog, 0, 0.013), *offset(tip, frog, 1, 0.013), 0.012, BOW_HAIR)
    f.ellipse(*frog, 0.022, 0.016, EBONY, angle=angle)
    return frog


def _string_layout(name: str) -> tuple[Pt, float, float, tuple[float, float]]:
    """Body centre, body length, angle of the scroll direction, and the hand's span along the fingerboard."""
    if name in ("violin", "viola"):
        length, angle = (0.21 if name == "violin" else 0.24), math.radians(155)  # viola ~15% bigger
        chin = (-0.03, -0.19)  # the tail end rests under the chin; the scroll points out to the left
        return along(chin, length, angle, 0.5), length, angle, (1.12, 0.38)
    if name == "cello":
        return (-0.02, 0.17), 0.40, math.radians(-100), (1.12, 0.55)
    return (-0.1, 0.22), 0.48, math.radians(-102), (1.12, 0.6)  # double bass: taller than the seated player


def _string_path(name: str) -> tuple[Pt, Pt]:
    c, length, angle, (x0, x1) = _string_layout(name)
    return along(c, length, angle, x0), along(c, length, angle, x1)


def _strings(name: str) -> Callable[[Ctx], Pt]:
    def draw(ctx: Ctx) -> Pt:
        f, grip = ctx.f, ctx.grip
        c, length, angle, _ = _string_layout(name)
        if name in ("violin", "viola"):
            arm(ctx, SHOULDER_L, (-0.17, 0.04), grip, bare=False)  # under the instrument, up to the neck
        else:
            arm(ctx, SHOULDER_L, (-0.25, -0.08), grip, bare=False)  # elbow out to the side
            f.line(*along(c, length, angle, -0.5), *along(c, length, angle, -0.75), 0.014, SILVER_DARK)  # endpin
        fiddle(f, c, length, angle, VARNISH[name])
        bow_angle, bow_len, reach = {"violin": (12, 0.44, 0.35), "viola": (12, 0.45, 0.35),
                                     "cello": (8, 0.42, 0.3), "double_bass": (5, 0.42, 0.3)}[name]
        frog = bow(f, along(c, length, angle, -0.22), math.radians(bow_angle), bow_len, reach, ctx.stroke)
        arm(ctx, SHOULDER_R, ((0.12 + frog[0]) / 2 + 0.1, (-0.15 + frog[1]) / 2 + 0.08), frog)
        return grip
    return draw


# ---------------------------------------------------------------------------------------------------------------
# woodwinds: straight tubes from the mouth; stroke tilts the instrument about a point on the hand's line

def _flute(ctx: Ctx) -> Pt:
    a, b = (-0.1, -0.215), (0.42, -0.175)  # embouchure end, foot end; held out to the right
    pivot, ang = lerp(a, b, 0.19), 0.07 * ctx.stroke
    a, b = rot(a, pivot, ang), rot(b, pivot, ang)
    arm(ctx, SHOULDER_L, (-0.06, -0.02), offset(a, b, 0.3, 0.012))
    ctx.f.line(*a, *b, 0.03, SILVER)
    ctx.f.ellipse(*lerp(a, b, 0.2), 0.014, 0.01, SILVER_DARK)  # lip plate
    for t in np.linspace(0.4, 0.9, 6):
        ctx.f.ellipse(*lerp(a, b, t), 0.008, 0.008, SILVER_DARK)  # keys
    grip = rot(ctx.grip, pivot, ang)
    arm(ctx, SHOULDER_R, (0.27 + 0.03 * ctx.stroke, -0.03), grip, bare=False)
    return grip


def _reed(ctx: Ctx, bottom: Pt, width: float, bell: float, wood, keys: int, support_t: float) -> Pt:
    top = MOUTH
    ang = 0.08 * ctx.stroke
    bottom = rot(bottom, top, ang)
    f = ctx.f
    tube(f, top, lerp(top, bottom, 0.86), width * 0.85, width, wood)
    tube(f, lerp(top, bottom, 0.85), bottom, width, bell, wood)  # bell
    for t in np.linspace(0.25, 0.75, keys):
        f.ellipse(*offset(top, bottom, t, width * 0.3), 0.006, 0.006, SILVER)
    for t, w in ((0.1, width), (0.86, width), (0.99, bell)) if bell > 2 * width else ((0.1, width),):
        f.line(*offset(top, bottom, t, -w / 2), *offset(top, bottom, t, w / 2), 0.014, SILVER)  # metal rings
    support = offset(top, bottom, support_t, 0.01)
    arm(ctx, SHOULDER_L, (-0.19, -0.03), support)
    grip = rot(ctx.grip, top, ang)
    arm(ctx, SHOULDER_R, (0.19 + 0.03 * ctx.stroke, 0.03), grip, bare=False)
    return grip


CLARINET_BOTTOM, OBOE_BOTTOM = (0.07, 0.155), (-0.035, 0.085)  # the clarinet is longer, with a real bell


def _clarinet(ctx: Ctx) -> Pt:
    return _reed(ctx, CLARINET_BOTTOM, 0.046, 0.1, BLACKWOOD, 4, 0.16)


def _oboe(ctx: Ctx) -> Pt:
    return _reed(ctx, OBOE_BOTTOM, 0.036, 0.056, OBOE_WOOD, 6, 0.17)


BASSOON_BOOT, BASSOON_TOP = (0.17, 0.2), (-0.2, -0.47)


def _bassoon(ctx: Ctx) -> Pt:
    f, ang = ctx.f, 0.05 * ctx.stroke
    boot, top = BASSOON_BOOT, rot(BASSOON_TOP, BASSOON_BOOT, ang)
    wing_top = offset(boot, top, 0.55, 0.045)
    tube(f, offset(boot, top, 0.0, 0.045), wing_top, 0.05, 0.05, shaded(BASSOON_WOOD, 0.8))  # wing joint
    tube(f, boot, top, 0.06, 0.058, BASSOON_WOOD)  # long joint and bell, reaching above the head
    f.line(*lerp(boot, top, 0.97), *top, 0.064, IVORY)  # bell ring
    f.ellipse(*offset(boot, top, 0.0, 0.02), 0.05, 0.035, shaded(BASSOON_WOOD, 0.7))  # boot
    f.line(*wing_top, 0.02, -0.215, 0.012, SILVER)  # bocal to the mouth
    f.line(0.02, -0.215, *MOUTH, 0.012, SILVER)
    arm(ctx, SHOULDER_L, (-0.2, -0.02), offset(boot, top, 0.5, 0.01))
    grip = rot(ctx.grip, boot, ang)
    arm(ctx, SHOULDER_R, (0.25 + 0.03 * ctx.stroke, 0.02), grip, bare=False)
    return grip


SAX_TOP, SAX_BOTTOM = (0.08, -0.15), (0.115, 0.13)


def _sax(ctx: Ctx) -> Pt:
    f, ang = ctx.f, 0.05 * ctx.stroke

    def r(p: Pt) -> Pt:
        return rot(p, SAX_TOP, ang)

    top, bottom = SAX_TOP, r(SAX_BOTTOM)
    f.line(*MOUTH, 0.06, -0.205, 0.016, EBONY)  # mouthpiece
    f.line(0.05, -0.207, *top, 0.022, BRASS)  # neck
    tube(f, top, bottom, 0.04, 0.065, BRASS)
    f.ellipse(*r((0.15, 0.14)), 0.07, 0.045, BRASS)  # the U-bend at the bottom
    f.ellipse(*r((0.15, 0.14)), 0.05, 0.025, BRASS_DARK, opacity=0.35)
    bell_top = r((0.21, -0.01))
    tube(f, r((0.19, 0.14)), bell_top, 0.07, 0.1, BRASS)  # bell curving up
    f.ellipse(*bell_top, 0.058, 0.024, BRASS_LIGHT, angle=ang)
    f.ellipse(*bell_top, 0.045, 0.016, BRASS_DARK, angle=ang)
    for t in np.linspace(0.15, 0.9, 5):
        f.ellipse(*offset(top, bottom, t, -0.012), 0.01, 0.01, BRASS_LIGHT)  # key cups
    arm(ctx, SHOULDER_L, (-0.13, 0.0), offset(top, bottom, 0.08, 0.005))
    grip = rot(ctx.grip, SAX_TOP, ang)
    arm(ctx, SHOULDER_R, (0.26 + 0.03 * ctx.stroke, -0.02), grip, bare=False)
    return grip


# ---------------------------------------------------------------------------------------------------------------
# brass

TRUMPET_DIR, TRUMPET_LEN = math.radians(-7), 0.36
TROMBONE_DIR = math.radians(10)


def _bell(f: Frame, a: Pt, b: Pt, w0: float, w1: float, angle: float) -> None:
    tube(f, a, b, w0, w1, BRASS)
    f.ellipse(*b, 0.016, w1 / 2, BRASS_LIGHT, angle=angle)
    f.ellipse(*b, 0.008, w1 / 2 - 0.012, BRASS_DARK, angle=angle)


def _trumpet(ctx: Ctx) -> Pt:
    f, ang = ctx.f, TRUMPET_DIR + 0.07 * ctx.stroke
    m = (0.02, -0.225)

    def p(t: float, n: float = 0.0) -> Pt:  # t along the trumpet (0 mouthpiece, 1 bell), n below its axis
        return along(m, TRUMPET_LEN, ang, t, n / TRUMPET_LEN)

    arm(ctx, SHOULDER_L, (-0.05, 0.0), p(0.45, 0.075))
    f.line(*p(0), *p(0.65), 0.022, BRASS)  # lead pipe
    f.line(*p(0.15, 0.045), *p(0.62, 0.045), 0.02, BRASS)  # lower loop
    f.line(*p(0.13, 0.0), *p(0.13, 0.045), 0.02, BRASS)
    for t in (0.35, 0.43, 0.51):
        f.line(*p(t, -0.02), *p(t, 0.06), 0.026, BRASS_DARK)  # valve casings
    _bell(f, p(0.6), p(1.0), 0.03, 0.12, ang)
    f.line(*p(0), *p(0.06), 0.018, SILVER)  # mouthpiece
    grip = rot(ctx.grip, m, 0.07 * ctx.stroke)
    arm(ctx, SHOULDER_R, (0.25 + 0.03 * ctx.stroke, -0.05), grip, bare=False)
    return grip


def _trombone(ctx: Ctx) -> Pt:
    f, ang = ctx.f, TROMBONE_DIR + 0.05 * ctx.stroke
    m = (0.02, -0.225)

    def p(x: float, n: float = 0.0) -> Pt:  # x along the slide from the mouth, n below it
        return along(m, 1.0, ang, x, n)

    arm(ctx, SHOULDER_L, (-0.05, -0.04), p(0.07, -0.02))
    end = 0.21 + 0.26 * (1 - ctx.hand)  # low notes need a long slide
    f.line(*p(0.0, -0.045), *p(0.16, -0.045), 0.02, BRASS)  # bell section
    _bell(f, p(0.13, -0.06), p(0.3, -0.075), 0.03, 0.15, ang)
    f.line(*p(0.0), *p(end), 0.018, BRASS)  # slide, upper tube
    f.line(*p(0.08, 0.04), *p(end, 0.04), 0.018, BRASS)  # slide, lower tube
    f.line(*p(end, -0.002), *p(end, 0.042), 0.026, BRASS)  # the U at the end of the slide
    f.line(*p(0.0), *p(0.04), 0.018, SILVER)  # mouthpiece
    grip = rot(ctx.grip, m, 0.05 * ctx.stroke)
    arm(ctx, SHOULDER_R, ((0.12 + grip[0]) / 2, -0.08), grip, bare=False)
    return grip


def _horn(ctx: Ctx) -> Pt:
    f, (cx, cy) = ctx.f, (0.0, 0.06)
    grip = ctx.grip
    arm(ctx, SHOULDER_L, (-0.23, 0.0), grip, bare=False)
    f.line(*MOUTH, -0.03, -0.05, 0.018, BRASS)  # lead pipe
    for rx, ry, w in ((0.12, 0.105, 0.036), (0.075, 0.062, 0.022)):  # the coils, seen face on
        pts = [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in np.linspace(0, 2 * math.pi, 21)]
        for p0, p1 in itertools.pairwise(pts):
            f.line(*p0, *p1, w, BRASS)
    f.rect(-0.1, -0.01, -0.03, 0.05, BRASS_DARK)  # valve block
    _bell(f, (0.09, 0.12), (0.26, 0.2), 0.04, 0.16, math.atan2(0.08, 0.17))  # bell to the side
    arm(ctx, SHOULDER_R, (0.22 + 0.03 * ctx.stroke, 0.04), (0.22, 0.17))  # right hand in the bell
    return grip


def _tuba(ctx: Ctx) -> Pt:
    f, grip = ctx.f, ctx.grip
    arm(ctx, SHOULDER_L, (-0.21, 0.0), grip, bare=False)
    f.ellipse(0.06, 0.19, 0.13, 0.05, BRASS)  # bottom bow resting on the lap
    f.line(-0.05, 0.17, -0.03, -0.1, 0.06, BRASS)  # small branch
    tube(f, (0.12, 0.2), (0.17, -0.3), 0.12, 0.2, BRASS)  # big branch, widening up to the bell
    tube(f, (0.17, -0.3), (0.18, -0.43), 0.2, 0.29, BRASS)
    f.ellipse(0.18, -0.43, 0.145, 0.03, BRASS_LIGHT)  # bell opening, pointing up above the head
    f.ellipse(0.18, -0.43, 0.12, 0.02, BRASS_DARK)
    f.line(*MOUTH, -0.03, -0.1, 0.018, BRASS)  # lead pipe
    for x in (-0.07, -0.035, 0.0, 0.035):
        f.line(x, -0.06, x, 0.06, 0.028, BRASS_DARK)  # valves
    arm(ctx, SHOULDER_R, (0.25 + 0.03 * ctx.stroke, -0.02), (0.13, 0.02))
    return grip


# ---------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Spec:
    draw: Callable[[Ctx], Pt]  # draws instrument and arms, returns where the fingering hand goes
    path: tuple[Pt, Pt]  # fingering hand at Pose.hand 0 and 1, stroke 0 (figure coordinates)
    anchor: Pt  # where the figure's origin sits in the picture before the Look's shift
    standing: bool = False


def _line(a: Pt, b: Pt, t0: float, t1: float, n: float = 0.0) -> tuple[Pt, Pt]:
    return offset(a, b, t0, n), offset(a, b, t1, n)


_TRUMPET = (along((0.02, -0.225), TRUMPET_LEN, TRUMPET_DIR, 0.22, -0.02 / TRUMPET_LEN),
            along((0.02, -0.225), TRUMPET_LEN, TRUMPET_DIR, 0.66, -0.02 / TRUMPET_LEN))
_TROMBONE = (along((0.02, -0.225), 1.0, TROMBONE_DIR, 0.42, 0.02), along((0.02, -0.225), 1.0, TROMBONE_DIR, 0.16, 0.02))

SPECS: dict[str, Spec] = {
    "bassoon": Spec(_bassoon, _line(BASSOON_BOOT, BASSOON_TOP, 0.08, 0.34, 0.01), (0.5, 0.52)),
    "cello": Spec(_strings("cello"), _string_path("cello"), (0.47, 0.5)),
    "clarinet": Spec(_clarinet, _line(MOUTH, CLARINET_BOTTOM, 0.78, 0.34, -0.012), (0.5, 0.5)),
    "double_bass": Spec(_strings("double_bass"), _string_path("double_bass"), (0.55, 0.5), standing=True),
    "flute": Spec(_flute, _line((-0.1, -0.215), (0.42, -0.175), 0.82, 0.46, 0.012), (0.42, 0.5)),
    "horn": Spec(_horn, ((-0.15, 0.16), (-0.06, -0.02)), (0.48, 0.5)),
    "oboe": Spec(_oboe, _line(MOUTH, OBOE_BOTTOM, 0.85, 0.35, -0.01), (0.5, 0.5)),
    "sax": Spec(_sax, _line(SAX_TOP, SAX_BOTTOM, 0.85, 0.28, -0.01), (0.45, 0.5)),
    "trombone": Spec(_trombone, _TROMBONE, (0.36, 0.5)),
    "trumpet": Spec(_trumpet, _TRUMPET, (0.42, 0.5)),
    "tuba": Spec(_tuba, ((-0.05, 0.1), (-0.03, -0.08)), (0.44, 0.53)),
    "viola": Spec(_strings("viola"), _string_path("viola"), (0.56, 0.5)),
    "violin": Spec(_strings("violin"), _string_path("violin"), (0.56, 0.5)),
}
