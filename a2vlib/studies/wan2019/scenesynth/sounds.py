"""Procedural sound recipes for SceneSynth-9 (engines, water, barks, crowds; the music is in
:mod:`a2vlib.studies.wan2019.scenesynth.music`) and the clip renderers that set a clip's level from its loudness.

Every recipe has the signature ``recipe(rng, sr, n) -> float32 (n,)`` and returns a clip at an arbitrary level;
:func:`render_sound` sets the level from the pair's loudness. Recipes only draw from the ``rng`` they are given,
so a clip is a pure function of its generator state.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from scipy import signal

from a2vlib.core.errors import DataError
from a2vlib.studies.wan2019.scenesynth.config import CREST_LIMIT, RMS_PER_LOUDNESS, check_class, check_loudness
from a2vlib.studies.wan2019.scenesynth.dsp import (add_at, bandpass, butter_sos, decay_env, formant_filter, harmonic_voice,
                                        highpass, lowpass, onsets, sawtooth, slow_curve)
from a2vlib.studies.wan2019.scenesynth.music import drum, guitar, piano

Recipe = Callable[[np.random.Generator, int, int], np.ndarray]


# ---------------------------------------------------------------------------------------------------------------
# the nine classes (drum, guitar and piano come from the soundfont, see music.py)


def plane(rng: np.random.Generator, sr: int, n: int) -> np.ndarray:
    """Propeller drone: low harmonic series with blade modulation, a slow Doppler glide and wind noise."""
    t = np.arange(n) / sr
    f0 = rng.uniform(65, 135)
    tc, width = rng.uniform(-0.5, 2.5) * n / sr / 2, rng.uniform(0.6, 2.0)
    doppler = rng.uniform(0.02, 0.07) * rng.choice([-1, 1])
    f = f0 * (1 - doppler * np.tanh((t - tc) / width)) * (1 + 0.004 * slow_curve(rng, n, sr, 3))
    # The harmonic amplitudes are fixed, so one period is tabulated and read out along the gliding phase.
    ks = np.arange(1, int(2500 / f0))[:, None]
    grid = np.linspace(0, 2 * np.pi, 2049)
    amps, offsets = rng.uniform(0.5, 1.0, ks.shape) * ks ** -1.2, rng.uniform(0, 2 * np.pi, ks.shape)
    table = (amps * np.sin(ks * grid + offsets)).sum(axis=0)
    tone = np.interp(np.mod(2 * np.pi * np.cumsum(f) / sr, 2 * np.pi), grid, table)
    blade = 1 + rng.uniform(0.15, 0.4) * np.sin(2 * np.pi * rng.uniform(5, 14) * t)
    wind = lowpass(rng.standard_normal(n), rng.uniform(300, 900), sr) * rng.uniform(0.4, 0.9)
    flyover = 1 / np.sqrt(1 + ((t - tc) / (2.5 * width)) ** 2)
    return (tone * blade / np.sqrt(np.mean(tone ** 2)) + wind / np.std(wind) * 0.5) * flyover


def speedboat(rng: np.random.Generator, sr: int, n: int) -> np.ndarray:
    """Outboard motor buzz (pulse train through exhaust resonance), water hiss and hull slaps."""
    t = np.arange(n) / sr
    fire = rng.uniform(70, 150) * (1 + 0.08 * slow_curve(rng, n, sr, 1.5))
    phase = np.cumsum(fire) / sr
    pulses = np.maximum(np.sin(2 * np.pi * phase), 0) ** 8  # sharp firing pulses: rich, buzzy harmonics
    engine = bandpass(pulses - pulses.mean(), rng.uniform(150, 300), rng.uniform(900, 1800), sr)
    engine /= np.std(engine)
    waves = 1 + 0.5 * slow_curve(rng, n, sr, rng.uniform(1, 3))
    water = bandpass(rng.standard_normal(n), rng.uniform(500, 900), rng.uniform(4000, 7000), sr) * waves
    water /= np.std(water)
    out = engine * rng.uniform(0.6, 1.0) + water * rng.uniform(0.5, 0.9)
    for onset in onsets(rng, n / sr, int(rng.integers(3, 9)), 0.08):
        m = int(rng.uniform(0.04, 0.1) * sr)
        slap = lowpass(rng.standard_normal(m), rng.uniform(600, 1500), sr) * decay_env(m, sr, 0.002, m / sr / 4)
        add_at(out, slap / np.abs(slap).max() * rng.uniform(2.0, 4.0), int(onset * sr))
    return out * (1 + 0.1 * np.sin(2 * np.pi * rng.uniform(0.2, 0.5) * t))


def dog(rng: np.random.Generator, sr: int, n: int) -> np.ndarray:
    """Barks at irregular times: harmonic bursts with a rise-fall pitch, formant peaks and breath noise."""
    out = 0.01 * lowpass(rng.standard_normal(n), 2000, sr)  # faint ambience between barks
    f0 = rng.uniform(220, 650)  # a big dog barks low, a small one high
    formants = np.array([rng.uniform(500, 900), rng.uniform(1200, 2000), rng.uniform(2500, 3500)])
    widths = np.array([180.0, 300.0, 450.0])
    for onset in onsets(rng, n / sr, int(rng.integers(2, 7)), 0.22):
        m = int(rng.uniform(0.09, 0.22) * sr)
        u = np.linspace(0, 1, m)
        contour = f0 * rng.uniform(0.9, 1.1) * (1 + rng.uniform(0.15, 0.4) * np.sin(np.pi * u ** 0.7) - 0.15 * u)
        env = decay_env(m, sr, rng.uniform(0.004, 0.012), m / sr / rng.uniform(2.5, 4))
        voiced = harmonic_voice(contour, sr, formants, widths)
        breath = bandpass(rng.standard_normal(m), 800, 4000, sr) * 0.3
        bark = (voiced / np.std(voiced) + breath) * env
        add_at(out, bark * rng.uniform(0.7, 1.0), int(onset * sr))
    return out


def dam(rng: np.random.Generator, sr: int, n: int) -> np.ndarray:
    """Rushing water: steady broadband noise, a strong low rumble and a little slow surge."""
    hiss = lowpass(rng.standard_normal(n), rng.uniform(1500, 5000), sr)
    hiss = highpass(hiss, rng.uniform(100, 300), sr)
    rumble = lowpass(rng.standard_normal(n), rng.uniform(80, 200), sr, order=4)
    surge = 1 + 0.08 * slow_curve(rng, n, sr, 2)
    return (hiss / np.std(hiss) + rumble / np.std(rumble) * rng.uniform(0.8, 1.5)) * surge


def _crowd(rng: np.random.Generator, sr: int, n: int, lo: float, hi: float, swell_rate: float) -> np.ndarray:
    """Crowd roar: voice-band noise with a vowel-like spectral bump and slow swells; unit RMS."""
    noise = bandpass(rng.standard_normal(n), lo, hi, sr)
    vowel = bandpass(rng.standard_normal(n), rng.uniform(400, 600), rng.uniform(800, 1100), sr)
    x = noise + vowel * 0.8
    x *= 1 + 0.4 * slow_curve(rng, n, sr, swell_rate)
    return x / np.std(x)


def _thump(rng: np.random.Generator, sr: int) -> np.ndarray:
    m = int(0.15 * sr)
    t = np.arange(m) / sr
    f = rng.uniform(55, 90) * (1 + 1.5 * np.exp(-t / 0.01))
    body = np.sin(2 * np.pi * np.cumsum(f) / sr) * decay_env(m, sr, 0.001, 0.04)
    click = highpass(rng.standard_normal(m), 2000, sr) * decay_env(m, sr, 0.0005, 0.003)
    return body + 0.5 * click


def soccer(rng: np.random.Generator, sr: int, n: int) -> np.ndarray:
    """Stadium: crowd roar with a sung chant, ball-kick thumps and (often) a referee's trilled whistle."""
    t = np.arange(n) / sr
    out = _crowd(rng, sr, n, 250, 3000, rng.uniform(0.5, 1.5))
    chant_f0 = rng.uniform(160, 280) * (1 + 0.06 * np.sign(np.sin(2 * np.pi * rng.uniform(0.8, 1.6) * t)))
    voices = sum(sawtooth(chant_f0 * rng.uniform(0.97, 1.03), sr) for _ in range(3))  # a few detuned singers
    chant = formant_filter(voices, [600, 1000, 2600], [100, 150, 250], sr)
    chant *= 0.6 + 0.4 * np.sin(2 * np.pi * rng.uniform(1.5, 2.5) * t) ** 2  # the chant's syllables
    out += chant / np.std(chant) * rng.uniform(0.5, 0.9)
    for onset in onsets(rng, n / sr, int(rng.integers(1, 4)), 0.3):
        add_at(out, _thump(rng, sr) * rng.uniform(3, 5), int(onset * sr))
    if rng.random() < 0.6:
        m = int(rng.uniform(0.25, 0.7) * sr)
        tw = np.arange(m) / sr
        f = rng.uniform(2600, 3600) + 150 * np.sin(2 * np.pi * rng.uniform(20, 35) * tw)
        whistle = np.sin(2 * np.pi * np.cumsum(f) / sr) * np.minimum(1, np.minimum(tw, tw[-1] - tw) / 0.02)
        add_at(out, whistle * rng.uniform(1.5, 2.5), int(rng.uniform(0, max(n - m, 0) / sr) * sr))
    return out


def _crack(rng: np.random.Generator, sr: int) -> np.ndarray:
    """Bat on ball: a click and short-lived wooden resonances at a few kHz."""
    m = int(0.06 * sr)
    t = np.arange(m) / sr
    out = rng.standard_normal(m) * decay_env(m, sr, 0.0003, 0.002)
    for _ in range(3):
        out += np.sin(2 * np.pi * rng.uniform(900, 3500) * t) * decay_env(m, sr, 0.0003, rng.uniform(0.008, 0.02))
    return out / np.abs(out).max()


def baseball(rng: np.random.Generator, sr: int, n: int) -> np.ndarray:
    """Ballpark: murmuring crowd, sharp bat cracks, glove pops and the cheer that swells after a hit."""
    out = _crowd(rng, sr, n, 150, 2000, rng.uniform(0.3, 0.8)) * 0.5
    t = np.arange(n) / sr
    for onset in onsets(rng, n / sr, int(rng.integers(1, 4)), 0.4):
        add_at(out, _crack(rng, sr) * rng.uniform(5, 8), int(onset * sr))
        swell = np.clip((t - onset) / 0.4, 0, 1) * np.exp(-np.maximum(t - onset, 0))  # the crowd cheers the hit
        out += _crowd(rng, sr, n, 300, 3500, 4.0) * swell * rng.uniform(0.5, 1.0)
    for onset in onsets(rng, n / sr, int(rng.integers(0, 3)), 0.3):
        m = int(0.05 * sr)
        pop = lowpass(rng.standard_normal(m), rng.uniform(400, 900), sr) * decay_env(m, sr, 0.0005, 0.008)
        add_at(out, pop / np.abs(pop).max() * rng.uniform(2, 3), int(onset * sr))
    return out


# ---------------------------------------------------------------------------------------------------------------
# sounds outside the nine classes


def wind(rng: np.random.Generator, sr: int, n: int) -> np.ndarray:
    """Gusting wind: noise through a wandering resonance, deeply modulated by slow gusts."""
    x = rng.standard_normal(n)
    centre = rng.uniform(300, 900)
    out = np.zeros(n)
    block = sr // 20  # re-tune the resonance 20 times a second so it wanders like whistling wind
    drift = slow_curve(rng, n, sr, 1.0)
    zi = None
    for start in range(0, n, block):
        f = centre * (1 + 0.4 * drift[start])
        sos = butter_sos("bandpass", [f * 0.8, f * 1.25], sr)
        if zi is None:
            zi = np.zeros((sos.shape[0], 2))
        out[start:start + block], zi = signal.sosfilt(sos, x[start:start + block], zi=zi)
    gusts = np.clip(0.55 + 0.6 * slow_curve(rng, n, sr, rng.uniform(0.8, 2.0)), 0.05, None)
    rumble = lowpass(rng.standard_normal(n), 120, sr) * 2
    return (out / np.std(out) + rumble / np.std(rumble) * 0.3) * gusts


_VOWELS = np.array([[730, 1090, 2440], [270, 2290, 3010], [530, 1840, 2480], [570, 840, 2410], [300, 870, 2240]])


def babble(rng: np.random.Generator, sr: int, n: int) -> np.ndarray:
    """Chatter of a few voices: voiced syllables with changing vowels, intonation and pauses."""
    out = np.zeros(n)
    for _ in range(int(rng.integers(2, 5))):
        source = sawtooth(rng.uniform(95, 240) * (1 + 0.1 * slow_curve(rng, n, sr, 3)), sr)
        t, voice = 0.0, np.zeros(n)
        while t < n / sr:
            dur = rng.uniform(0.1, 0.25)
            a, b = int(t * sr), min(n, int((t + dur) * sr))
            if b - a > 10 and rng.random() < 0.8:  # some syllable slots are pauses
                syl = formant_filter(source[a:b], _VOWELS[rng.integers(len(_VOWELS))], (60, 90, 120), sr)
                voice[a:b] = syl * np.sin(np.pi * np.linspace(0, 1, b - a))
            t += dur
        out += voice * rng.uniform(0.4, 1.0)
    return out + 0.05 * np.std(out) * rng.standard_normal(n)


def hum(rng: np.random.Generator, sr: int, n: int) -> np.ndarray:
    """Electrical hum: mains frequency and its harmonics, a clipped buzz and faint hiss."""
    t = np.arange(n) / sr
    mains = float(rng.choice([50.0, 60.0]))
    out = np.zeros(n)
    for k in range(1, 12):
        out += rng.uniform(0.1, 1.0) / k * np.sin(2 * np.pi * k * mains * t + rng.uniform(0, 2 * np.pi))
    buzz = np.clip(np.sin(2 * np.pi * 2 * mains * t) * rng.uniform(2, 6), -1, 1)
    return out + buzz * rng.uniform(0.1, 0.5) + 0.05 * rng.standard_normal(n)


CLASS_RECIPES: dict[str, Recipe] = {
    "dog": dog, "drum": drum, "guitar": guitar, "piano": piano, "plane": plane,
    "speedboat": speedboat, "dam": dam, "soccer": soccer, "baseball": baseball,
}
UNRELATED_RECIPES: dict[str, Recipe] = {"wind": wind, "babble": babble, "hum": hum}


# ---------------------------------------------------------------------------------------------------------------
# levels


def _set_level(y: np.ndarray, loudness: float) -> np.ndarray:
    """Scale to RMS = RMS_PER_LOUDNESS * loudness after a soft limiter that caps the crest factor."""
    y = np.asarray(y, np.float64)
    y = y - y.mean()
    rms = float(np.sqrt(np.mean(y ** 2)))
    if rms <= 0:
        raise DataError("SceneSynth sound recipe produced silence; this is a bug in a2vlib.studies.wan2019.scenesynth.sounds")
    y = CREST_LIMIT * np.tanh(y / rms / CREST_LIMIT)
    y *= RMS_PER_LOUDNESS * loudness / np.sqrt(np.mean(y ** 2))
    return y.astype(np.float32)


def render_sound(cls: str, loudness: float, rng: np.random.Generator, sr: int = 22050,
                 seconds: float = 2.0) -> np.ndarray:
    """A float32 mono clip of class ``cls`` with RMS ``RMS_PER_LOUDNESS * loudness``."""
    check_class(cls)
    loudness = check_loudness(loudness)
    return _set_level(CLASS_RECIPES[cls](rng, sr, int(round(seconds * sr))), loudness)


def render_unrelated_sound(rng: np.random.Generator, loudness: float, sr: int = 22050,
                           seconds: float = 2.0) -> np.ndarray:
    """A float32 clip of a sound outside the nine classes: wind, chatter or electrical hum."""
    loudness = check_loudness(loudness)
    recipes = list(UNRELATED_RECIPES.values())
    return _set_level(recipes[int(rng.integers(len(recipes)))](rng, sr, int(round(seconds * sr))), loudness)
