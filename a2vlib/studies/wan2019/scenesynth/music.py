"""The three musical SceneSynth classes (drum, guitar, piano), rendered from the General MIDI soundfont TimGM6mb
that ships inside the ``pretty_midi`` wheel (:mod:`a2vlib.data.soundfont`).

Recipes have the signature ``recipe(rng, sr, n) -> float32 (n,)`` (see :mod:`a2vlib.studies.wan2019.scenesynth.sounds`).
"""
from __future__ import annotations

import numpy as np

from a2vlib.data.soundfont import render_notes

DRUM_KITS = (0, 8, 16, 32)  # TimGM6mb bank-128 kits: Standard, Room, Power, Jazz
PIANO_PROGRAM = 0
GUITAR_PROGRAMS = (24, 25)  # nylon, steel


def drum(rng: np.random.Generator, sr: int, n: int) -> np.ndarray:
    """A drum-kit groove from the soundfont's percussion channel: kick, snare, hats, fills and crashes."""
    step = 60.0 / rng.uniform(80, 160) / 4  # sixteenth note
    hat = int(rng.choice([42, 42, 46, 51]))  # closed hi-hat, open hi-hat or ride
    hat_every = int(rng.choice([1, 2]))
    kick_extra = rng.random(16) < 0.15
    notes = []
    for i in range(int(n / sr / step) + 1):
        pos, t = i % 16, i * step + rng.normal(0, 0.004)
        if pos % 8 == 0 or kick_extra[pos]:
            notes.append((t, 36, rng.integers(95, 128), 0.2))
        if pos % 8 == 4:
            notes.append((t, 38, rng.integers(90, 128), 0.2))
        if pos % hat_every == 0:
            notes.append((t, hat, rng.integers(50, 100), 0.1))
        if pos >= 12 and rng.random() < 0.3:
            notes.append((t, int(rng.choice([45, 47, 48, 50])), rng.integers(80, 120), 0.2))
        if pos == 0 and rng.random() < 0.3:
            notes.append((t, 49, rng.integers(80, 120), 0.5))
    notes = [(max(t, 0.0), k, v, d) for t, k, v, d in notes]
    return render_notes(notes, sr, n, int(rng.choice(DRUM_KITS)), drums=True)


_GUITAR_CHORDS = (  # open-position voicings, low string first (MIDI keys)
    (40, 47, 52, 56, 59, 64), (45, 52, 57, 61, 64), (50, 57, 62, 66), (43, 47, 50, 55, 59, 67),
    (48, 52, 55, 60, 64), (45, 52, 57, 60, 64), (40, 47, 52, 55, 59, 64), (50, 57, 62, 65),
)


def guitar(rng: np.random.Generator, sr: int, n: int) -> np.ndarray:
    """Strummed chords or a picked arpeggio on a nylon or steel guitar from the soundfont."""
    beat = 60.0 / rng.uniform(70, 140)
    capo = int(rng.integers(0, 5))
    progression = rng.choice(len(_GUITAR_CHORDS), 4)
    strum = rng.random() < 0.5
    notes = []
    t, i = 0.0, 0
    while t < n / sr:
        chord = [k + capo for k in _GUITAR_CHORDS[progression[(i // 4) % 4]]]
        if strum:
            down = i % 2 == 0
            spread = rng.uniform(0.008, 0.025)
            for j, key in enumerate(chord if down else chord[::-1]):
                notes.append((t + j * spread, key, rng.integers(70, 115), beat * 1.5))
            t += beat * rng.choice([0.5, 1.0])
        else:
            key = chord[int(rng.integers(len(chord)))] if i % 4 else chord[0]
            notes.append((t, key, rng.integers(70, 110), beat * 2))
            t += beat / 2
        i += 1
    return render_notes(notes, sr, n, int(rng.choice(GUITAR_PROGRAMS)))


_MAJOR = np.array([0, 2, 4, 5, 7, 9, 11])
_MINOR = np.array([0, 2, 3, 5, 7, 8, 10])


def piano(rng: np.random.Generator, sr: int, n: int) -> np.ndarray:
    """A melody over bass notes and chords in a random key, played with the soundfont's grand piano."""
    beat = 60.0 / rng.uniform(70, 140)
    scale = (_MAJOR if rng.random() < 0.6 else _MINOR) + int(rng.integers(0, 12))
    degree = int(rng.integers(0, 7))
    notes = []
    t = 0.0
    while t < n / sr:
        root = 48 + scale[degree % 7]
        notes.append((t, int(root - 12), rng.integers(60, 95), beat * 2))
        for third in (0, 2, 4):
            key = int(48 + scale[(degree + third) % 7])
            notes.append((t + rng.uniform(0, 0.01), key, rng.integers(45, 75), beat * 2))
        m = t
        while m < t + 2 * beat:
            step = int(rng.integers(-2, 3))
            degree += step
            note = 72 + scale[degree % 7] + 12 * (degree // 7 - 1 if degree >= 14 else 0)
            notes.append((m, int(np.clip(note, 60, 96)), rng.integers(70, 115), beat))
            m += beat * rng.choice([0.5, 0.5, 1.0])
        degree = degree % 7
        t += 2 * beat
    return render_notes(notes, sr, n, PIANO_PROGRAM)
