"""Procedural sound recipes for SceneSynth-9: soundfont music, engines, water, barks, crowds.

Every recipe has the signature ``recipe(rng, sr, n) -> float32 (n,)`` and returns a clip at an arbitrary level;
:func:`a2vlib.data.scenes.render_sound` sets the level from the pair's loudness. Recipes only draw from the
``rng`` they are given, so a clip is a pure function of its generator state.

Musical classes (drum, guitar, piano) are rendered from the General MIDI soundfont TimGM6mb that ships inside
the ``pretty_midi`` wheel, with the ``tinysoundfont`` renderer.
"""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np
from scipy import signal

from a2vlib.core.errors import DataError

Recipe = Callable[[np.random.Generator, int, int], np.ndarray]

SOUNDFONT_NAME = "TimGM6mb.sf2"
DRUM_CHANNEL = 9  # General MIDI channel 10
DRUM_KITS = (0, 8, 16, 32)  # TimGM6mb bank-128 kits: Standard, Room, Power, Jazz
PIANO_PROGRAM = 0
GUITAR_PROGRAMS = (24, 25)  # nylon, steel


# ---------------------------------------------------------------------------------------------------------------
# soundfont rendering


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


# ---------------------------------------------------------------------------------------------------------------
# building blocks


def _sos(kind: str, freq, sr: int, order: int = 2) -> np.ndarray:
    """Butterworth sections; cutoffs are rounded to whole Hz so the (slow) designs can be cached and reused."""
    nyq = sr / 2
    f = tuple(int(round(v)) for v in np.clip(np.atleast_1d(np.asarray(freq, dtype=float)), 10.0, nyq * 0.95))
    return _butter(kind, f, sr, order)


@lru_cache(maxsize=4096)
def _butter(kind: str, freq: tuple[int, ...], sr: int, order: int) -> np.ndarray:
    return signal.butter(order, freq if len(freq) > 1 else freq[0], btype=kind, fs=sr, output="sos")


def lowpass(x: np.ndarray, cutoff: float, sr: int, order: int = 2) -> np.ndarray:
    return signal.sosfilt(_sos("lowpass", cutoff, sr, order), x)


def highpass(x: np.ndarray, cutoff: float, sr: int, order: int = 2) -> np.ndarray:
    return signal.sosfilt(_sos("highpass", cutoff, sr, order), x)


def bandpass(x: np.ndarray, lo: float, hi: float, sr: int, order: int = 2) -> np.ndarray:
    return signal.sosfilt(_sos("bandpass", [lo, hi], sr, order), x)


def slow_curve(rng: np.random.Generator, n: int, sr: int, rate: float) -> np.ndarray:
    """Smooth random curve in about [-1, 1] with ``rate`` random knots per second (for drifts and gusts)."""
    knots = max(int(np.ceil(n / sr * rate)) + 2, 3)
    values = rng.uniform(-1.0, 1.0, knots)
    return np.interp(np.linspace(0.0, knots - 1.0, n), np.arange(knots), values)


def decay_env(n: int, sr: int, attack: float, tau: float) -> np.ndarray:
    """Linear attack of ``attack`` s, then exponential decay with time constant ``tau`` s."""
    t = np.arange(n) / sr
    return np.minimum(t / max(attack, 1e-4), 1.0) * np.exp(-np.maximum(t - attack, 0.0) / tau)


def formant_gain(freqs: np.ndarray, formants: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """Spectral envelope made of Gaussian resonance peaks; ``freqs`` broadcast against the formant axis (last)."""
    f = np.asarray(freqs)[..., None]
    return np.exp(-0.5 * ((f - formants) / widths) ** 2).sum(axis=-1) + 0.03


def harmonic_voice(f0: np.ndarray, sr: int, formants, widths, tilt: float = 0.6,
                   max_freq: float = 6000.0) -> np.ndarray:
    """Additive harmonic tone following the pitch curve ``f0`` (Hz per sample), shaped by formant peaks."""
    phase = 2 * np.pi * np.cumsum(f0) / sr
    k_max = max(int(min(max_freq, sr * 0.45) / max(float(f0.min()), 20.0)), 1)
    # Harmonic gains change slowly, so evaluate them every 64 samples: the exp() per sample would dominate.
    hop = 64
    coarse = f0[::hop]
    ks = np.arange(1, k_max + 1)[:, None]
    gains = formant_gain(ks * coarse, np.asarray(formants, float), np.asarray(widths, float))
    gains *= ks ** -tilt * (ks * coarse < sr * 0.45)
    gains = np.repeat(gains, hop, axis=1)[:, :f0.size]
    return np.einsum("kn,kn->n", gains, np.sin(ks * phase))


def sawtooth(f0: np.ndarray, sr: int) -> np.ndarray:
    """Naive sawtooth following the pitch curve ``f0``: a cheap harmonic-rich source for formant filtering."""
    return 2 * np.mod(np.cumsum(f0) / sr, 1.0) - 1


@lru_cache(maxsize=256)
def _formant_bank(formants: tuple[int, ...], widths: tuple[int, ...], sr: int) -> tuple[np.ndarray, ...]:
    return tuple(_sos("bandpass", [f - w, f + w], sr) for f, w in zip(formants, widths))


def formant_filter(source: np.ndarray, formants, widths, sr: int) -> np.ndarray:
    """Parallel resonances (band-pass filters) at ``formants`` Hz, each ``2 * width`` Hz wide."""
    bank = _formant_bank(tuple(int(f) for f in formants), tuple(int(w) for w in widths), sr)
    return sum(signal.sosfilt(sos, source) for sos in bank)


def add_at(out: np.ndarray, event: np.ndarray, start: int) -> None:
    """Mix ``event`` into ``out`` from sample ``start``, cutting what falls outside."""
    if start >= out.size:
        return
    end = min(out.size, start + event.size)
    out[max(start, 0):end] += event[max(-start, 0):end - start]


def _onsets(rng: np.random.Generator, seconds: float, count: int, min_gap: float) -> np.ndarray:
    """``count`` irregular event times in [0.05, seconds - 0.2) at least ``min_gap`` apart."""
    times = np.sort(rng.uniform(0.05, max(seconds - 0.2, 0.1), count))
    for i in range(1, count):
        times[i] = max(times[i], times[i - 1] + min_gap)
    return times


# ---------------------------------------------------------------------------------------------------------------
# the nine classes


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
    for onset in _onsets(rng, n / sr, int(rng.integers(3, 9)), 0.08):
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
    for onset in _onsets(rng, n / sr, int(rng.integers(2, 7)), 0.22):
        m = int(rng.uniform(0.09, 0.22) * sr)
        u = np.linspace(0, 1, m)
        contour = f0 * rng.uniform(0.9, 1.1) * (1 + rng.uniform(0.15, 0.4) * np.sin(np.pi * u ** 0.7) - 0.15 * u)
        env = decay_env(m, sr, rng.uniform(0.004, 0.012), m / sr / rng.uniform(2.5, 4))
        voiced = harmonic_voice(contour, sr, formants, widths)
        breath = bandpass(rng.standard_normal(m), 800, 4000, sr) * 0.3
        bark = (voiced / np.std(voiced) + breath) * env
        add_at(out, bark * rng.uniform(0.7, 1.0), int(onset * sr))
    return out


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
    for onset in _onsets(rng, n / sr, int(rng.integers(1, 4)), 0.3):
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
    for onset in _onsets(rng, n / sr, int(rng.integers(1, 4)), 0.4):
        add_at(out, _crack(rng, sr) * rng.uniform(5, 8), int(onset * sr))
        swell = np.clip((t - onset) / 0.4, 0, 1) * np.exp(-np.maximum(t - onset, 0))  # the crowd cheers the hit
        out += _crowd(rng, sr, n, 300, 3500, 4.0) * swell * rng.uniform(0.5, 1.0)
    for onset in _onsets(rng, n / sr, int(rng.integers(0, 3)), 0.3):
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
        sos = _sos("bandpass", [f * 0.8, f * 1.25], sr)
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
