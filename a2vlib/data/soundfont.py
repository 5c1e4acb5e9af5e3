"""Soundfont rendering shared by SceneSynth's musical classes and the Sub-URMP instrument clips.

Notes are rendered with the ``tinysoundfont`` renderer; the default font is the General MIDI soundfont TimGM6mb
that ships inside the ``pretty_midi`` wheel.
"""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np

from a2vlib.core.errors import DataError

SOUNDFONT_NAME = "TimGM6mb.sf2"
DRUM_CHANNEL = 9  # General MIDI channel 10


def soundfont_path() -> Path:
    """Path of TimGM6mb.sf2 inside the installed ``pretty_midi`` package (independent of the working directory)."""
    spec = importlib.util.find_spec("pretty_midi")
    if spec is None or not spec.submodule_search_locations:
        raise DataError(f"soundfont {SOUNDFONT_NAME}: package 'pretty_midi' is not installed; run `make setup`")
    path = Path(list(spec.submodule_search_locations)[0]) / SOUNDFONT_NAME
    if not path.is_file():
        raise DataError(f"{path}: soundfont not found (it ships in the pretty_midi wheel); run `make setup`")
    return path


@lru_cache(maxsize=4)
def _synth(path: str, sr: int):
    """One loaded synthesizer per (font, sample rate): parsing a font for every clip would dominate the cost (and
    FluidR3_GM takes over a second and ~400 MB)."""
    try:
        import tinysoundfont
    except ImportError as exc:
        raise DataError("package 'tinysoundfont' is not installed (needed to render soundfont instruments); "
                        "run `make setup`") from exc
    synth = tinysoundfont.Synth(samplerate=sr)
    try:
        sfid = synth.sfload(path)
    except Exception as exc:  # the binding raises a bare Exception for unreadable files
        raise DataError(f"{path}: cannot load this soundfont ({exc}); give a valid .sf2 file") from exc
    return synth, sfid


def render_notes(notes: list[tuple[float, int, int, float]], sr: int, n: int, program: int,
                 drums: bool = False, soundfont: str | Path | None = None) -> np.ndarray:
    """Render ``(onset_s, key, velocity, duration_s)`` notes with one soundfont program; mono float32 (n,).

    ``drums=True`` selects drum kit ``program`` of bank 128 on the General MIDI percussion channel. ``soundfont``
    defaults to TimGM6mb (:func:`soundfont_path`).
    """
    synth, sfid = _synth(str(soundfont or soundfont_path()), sr)
    # The synth is shared: silence any voice left from the previous clip so each clip depends on its notes only.
    synth.sounds_off()
    while np.any(np.frombuffer(synth.generate(256), dtype=np.float32)):
        pass
    chan = DRUM_CHANNEL if drums else 0
    synth.program_select(chan, sfid, 128 if drums else 0, program, is_drums=drums)
    events = []
    for onset, key, vel, dur in notes:
        events.append((int(onset * sr), 1, key, int(np.clip(vel, 1, 127))))
        events.append((int((onset + dur) * sr), 0, key, 0))
    events.sort()
    out = np.zeros(2 * n, dtype=np.float32)  # interleaved stereo, as the synth writes it
    pos = 0
    for at, on, key, vel in events:
        at = min(at, n)
        if at > pos:
            synth.generate(at - pos, memoryview(out[2 * pos:2 * at]).cast("B"))
            pos = at
        if on:
            synth.noteon(chan, key, vel)
        else:
            synth.noteoff(chan, key)
    if pos < n:
        synth.generate(n - pos, memoryview(out[2 * pos:]).cast("B"))
    synth.sounds_off()
    return out.reshape(n, 2).mean(axis=1)
