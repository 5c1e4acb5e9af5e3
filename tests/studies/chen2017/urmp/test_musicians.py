"""Musician pictures (Sub-URMP stand-in): shapes, determinism, distinct instruments, measurable hand pose, errors."""
from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from scipy.stats import spearmanr

from a2vlib.core.errors import DataError, ParamsError
from a2vlib.studies.chen2017.urmp import musician_shapes as S
from a2vlib.studies.chen2017.urmp import musicians as M
from a2vlib.studies.chen2017.urmp.musicians import (
    INSTRUMENTS,
    Look,
    Pose,
    draw_musician,
    hand_position,
    random_look,
)

HANDS = np.linspace(0.0, 1.0, 9)


def _looks(seed: int, n: int) -> list[Look]:
    rng = np.random.default_rng(seed)
    return [random_look(rng) for _ in range(n)]


@pytest.mark.parametrize("size", [32, 64])
def test_shape_dtype_and_determinism(size):
    look = _looks(1, 1)[0]
    for name in INSTRUMENTS:
        img = draw_musician(name, Pose(0.3, -0.5), look, size)
        assert img.shape == (size, size, 3) and img.dtype == np.uint8
        assert np.array_equal(img, draw_musician(name, Pose(0.3, -0.5), look, size))
    assert draw_musician("cello", Pose(0.5), look, 16).shape == (16, 16, 3)
    assert set(S.SPECS) == set(INSTRUMENTS)


def test_instruments_differ_from_each_other():
    for look in _looks(2, 3):
        images = {name: draw_musician(name, Pose(0.5, 0.0), look, 32).astype(float) for name in INSTRUMENTS}
        for a, b in itertools.combinations(INSTRUMENTS, 2):
            diff = np.abs(images[a] - images[b]).mean()
            assert diff > 2.0, (a, b, diff)  # violin/viola and clarinet/oboe are the closest pairs (~4)


def test_look_and_pose_change_the_picture():
    look = _looks(3, 1)[0]
    base = draw_musician("violin", Pose(0.5, 0.0), look).astype(float)
    assert np.abs(draw_musician("violin", Pose(0.5, 1.0), look) - base).mean() > 0.5  # the bow moved
    assert np.abs(draw_musician("violin", Pose(0.5, 0.0), replace(look, dx=0.05)) - base).mean() > 2.0


@pytest.mark.parametrize("name", INSTRUMENTS)
def test_hand_position_recovers_the_pose(name):
    p0, p1 = M._hand_axis(name)
    travel = float(np.hypot(*(p1 - p0)))
    rng = np.random.default_rng(4)
    for look in _looks(5, 3):
        stroke = float(rng.uniform(-1, 1))
        images = np.stack([draw_musician(name, Pose(h, stroke), look, 32) for h in HANDS])
        coord = hand_position(images, name)
        assert not np.isnan(coord).any()
        assert abs(spearmanr(HANDS, coord)[0]) >= 0.9
        # the bow / elbow moving from image to image must not blur the hand's reading
        mixed = np.stack([draw_musician(name, Pose(h, float(rng.uniform(-1, 1))), look, 32) for h in HANDS])
        assert abs(spearmanr(HANDS, hand_position(mixed, name))[0]) >= 0.9
    # hand 0 -> 1 moves the hand at least 4 pixels at 32x32, even for the smallest figure
    small = replace(_looks(6, 1)[0], scale=0.9)
    ends = hand_position(np.stack([draw_musician(name, Pose(h), small, 32) for h in (0.0, 1.0)]), name)
    assert (ends[1] - ends[0]) * travel * 32 >= 4.0
    # the same reading at 64 px, in the same units
    big = hand_position(np.stack([draw_musician(name, Pose(h), small, 64) for h in (0.0, 1.0)]), name)
    np.testing.assert_allclose(big, ends, atol=0.08)


def test_no_stray_hand_colour():
    """Only the glove is glove-coloured: the pixels near HAND_COLOUR all fit in one glove's span."""
    for look, name in zip(_looks(7, 13), INSTRUMENTS):
        img = draw_musician(name, Pose(0.7, 0.2), look, 64).astype(float)
        dist = np.sqrt(((img - S.HAND_COLOUR) ** 2).sum(axis=-1))
        ys, xs = np.nonzero(dist < M.HAND_MATCH)
        span = 2 * S.HAND_RADIUS * 64 * 1.1 + 2  # the glove at the largest scale, plus anti-aliasing
        assert np.ptp(xs) <= span and np.ptp(ys) <= span, name


def test_palette_keeps_clear_of_the_hand():
    hand = np.asarray(S.HAND_COLOUR, float)
    colours = [c for look in _looks(8, 300) for c in (*look.background, look.shirt, look.skin)]
    colours += [np.asarray(c, float) * k for c in list(colours) for k in (0.55, 0.85)]  # shades used in drawing
    colours += [S.BRASS, S.BRASS_DARK, S.BRASS_LIGHT, S.SILVER, S.SILVER_DARK, S.BLACKWOOD, S.OBOE_WOOD,
                S.BASSOON_WOOD, S.EBONY, S.BOW_STICK, S.BOW_HAIR, S.IVORY, S.TROUSERS, S.SHOES, S.HAIR, S.CHAIR,
                *S.VARNISH.values()]
    assert min(np.linalg.norm(np.asarray(c, float) - hand) for c in colours) >= 90


def test_equal_arguments_draw_equal_pictures():
    look = _looks(13, 1)[0]
    as_lists = Look([list(c) for c in look.background], list(look.shirt), np.asarray(look.skin), np.float64(look.dx),
                    look.dy, look.scale)
    assert as_lists == look
    assert np.array_equal(draw_musician("horn", Pose(1, 0), as_lists), draw_musician("horn", Pose(1.0, 0.0), look))


def test_random_look_ranges():
    for look in _looks(9, 200):
        assert abs(look.dx) <= 0.06 and abs(look.dy) <= 0.04 and 0.9 <= look.scale <= 1.1
    assert len({look.shirt for look in _looks(10, 20)}) == 20  # a different player each time


def test_no_hand_gives_nan():
    grey = np.full((2, 32, 32, 3), 128, np.uint8)
    assert np.isnan(hand_position(grey, "violin")).all()
    one = draw_musician("flute", Pose(0.5), _looks(11, 1)[0], 32)[None]
    out = hand_position(np.concatenate([grey[:1], one]), "flute")
    assert np.isnan(out[0]) and np.isfinite(out[1])


def test_errors():
    look = _looks(12, 1)[0]
    with pytest.raises(ParamsError, match="banjo") as err:
        draw_musician("banjo", Pose(0.5), look)
    assert "violin" in str(err.value)  # lists the known instruments
    with pytest.raises(ParamsError, match="banjo"):
        hand_position(np.zeros((1, 32, 32, 3), np.uint8), "banjo")
    with pytest.raises(ParamsError, match="size"):
        draw_musician("violin", Pose(0.5), look, size=8)
    with pytest.raises(ParamsError, match="hand"):
        draw_musician("violin", Pose(1.5), look)
    with pytest.raises(ParamsError, match="stroke"):
        Pose(0.5, -2.0)
    with pytest.raises(ParamsError, match="scale"):
        replace(look, scale=1.5)
    with pytest.raises(DataError, match="shape"):
        hand_position(np.zeros((32, 32, 3), np.uint8), "violin")
    with pytest.raises(DataError, match="uint8"):
        hand_position(np.zeros((1, 32, 32, 3), np.float32), "violin")
