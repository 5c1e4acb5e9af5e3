"""Signal building blocks for the SceneSynth sound recipes: cached Butterworth filters, envelopes, slow random
curves, harmonic and formant voices, and event placement."""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import signal


def butter_sos(kind: str, freq, sr: int, order: int = 2) -> np.ndarray:
    """Butterworth sections; cutoffs are rounded to whole Hz so the (slow) designs can be cached and reused."""
    nyq = sr / 2
    f = tuple(int(round(v)) for v in np.clip(np.atleast_1d(np.asarray(freq, dtype=float)), 10.0, nyq * 0.95))
    return _butter(kind, f, sr, order)


@lru_cache(maxsize=4096)
def _butter(kind: str, freq: tuple[int, ...], sr: int, order: int) -> np.ndarray:
    return signal.butter(order, freq if len(freq) > 1 else freq[0], btype=kind, fs=sr, output="sos")


def lowpass(x: np.ndarray, cutoff: float, sr: int, order: int = 2) -> np.ndarray:
    return signal.sosfilt(butter_sos("lowpass", cutoff, sr, order), x)


def highpass(x: np.ndarray, cutoff: float, sr: int, order: int = 2) -> np.ndarray:
    return signal.sosfilt(butter_sos("highpass", cutoff, sr, order), x)


def bandpass(x: np.ndarray, lo: float, hi: float, sr: int, order: int = 2) -> np.ndarray:
    return signal.sosfilt(butter_sos("bandpass", [lo, hi], sr, order), x)


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
    return tuple(butter_sos("bandpass", [f - w, f + w], sr) for f, w in zip(formants, widths))


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


def onsets(rng: np.random.Generator, seconds: float, count: int, min_gap: float) -> np.ndarray:
    """``count`` irregular event times in [0.05, seconds - 0.2) at least ``min_gap`` apart."""
    times = np.sort(rng.uniform(0.05, max(seconds - 0.2, 0.1), count))
    for i in range(1, count):
        times[i] = max(times[i], times[i - 1] + min_gap)
    return times
