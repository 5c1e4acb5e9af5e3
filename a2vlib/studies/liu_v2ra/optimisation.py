"""Liu et al.'s two audio optimisation schemes (§3.3): de-noising and peak-match (Algorithm 1).

De-noising: the paper follows its reference [44], G. Yu, S. Mallat and E. Bacry, "Audio denoising by time-frequency
block thresholding" (IEEE Trans. Signal Processing 56(5), 2008), the default here: ``block_threshold``
(:mod:`a2vlib.studies.liu_v2ra.denoising`). The de-noiser is a swappable step (:data:`DENOISERS`); ``spectral_gate``
is a simpler one: a noise profile (per frequency bin, the 20th percentile of the STFT magnitude over time, i.e. the
level the clip keeps between events) is subtracted from the magnitude with a floor, and the phase is kept.

Peak-match (Algorithm 1): find the peaks of the generated waveform (and of a reference recording), drop those below
0.1, and for the i-th generated peak copy ``interval`` samples of the reference, starting at its i-th peak, to the
generated peak's place, scaled by the generated peak's height; then normalise. Stated readings: peaks are found on
|waveform| at least ``interval`` apart (MATLAB's ``findpeaks`` on the raw samples would find one per cycle of any
tone); when the reference has fewer peaks than the generated clip its peaks are reused in turn; the result is
normalised to the generated clip's own peak level (the paper says "Normalize" without a target).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from a2vlib.core.errors import DataError, ParamsError
from a2vlib.registry import register_all
from a2vlib.studies.liu_v2ra.denoising import block_threshold

PEAK_THRESHOLD = 0.1  # Algorithm 1, line 4


def _peaks(y: np.ndarray, distance: int) -> tuple[np.ndarray, np.ndarray]:
    from scipy.signal import find_peaks

    loc, props = find_peaks(np.abs(y), height=PEAK_THRESHOLD, distance=max(1, distance))
    return loc, props["peak_heights"]


def peak_match(generated: np.ndarray, reference: np.ndarray, sample_rate: int, interval_s: float = 0.2
               ) -> np.ndarray:
    """Algorithm 1 (see the module docstring); returns a clip as long as ``generated``. A generated clip without a
    peak above 0.1 comes back silent; a reference without one is an error."""
    g = np.asarray(generated, dtype=np.float64)
    ref = np.asarray(reference, dtype=np.float64)
    interval = int(round(interval_s * sample_rate))
    if interval < 1:
        raise ParamsError(f"interval_s={interval_s}: give at least one sample")
    g_loc, g_val = _peaks(g, interval)
    r_loc, _ = _peaks(ref, interval)
    if len(r_loc) == 0:
        raise DataError(f"peak-match: the reference recording has no peak above {PEAK_THRESHOLD}; give a louder one")
    out = np.zeros_like(g)
    for i, (loc, val) in enumerate(zip(g_loc, g_val)):
        start = r_loc[i % len(r_loc)]
        piece = ref[start:start + interval]
        end = min(len(out), loc + len(piece))
        out[loc:end] = val * piece[:end - loc]
    peak = np.abs(out).max()
    if peak > 0:
        out *= np.abs(g).max() / peak
    return out.astype(np.float32)


def spectral_gate(y: np.ndarray, sample_rate: int, percentile: float = 20.0, over: float = 1.5,
                  floor: float = 0.05) -> np.ndarray:
    """Spectral gating: subtract ``over`` x the per-bin noise profile from the STFT magnitude (never below
    ``floor`` x the original magnitude), keep the phase, resynthesise."""
    from a2vlib.core.compiled import librosa as load_librosa
    librosa = load_librosa()

    y = np.asarray(y, dtype=np.float32)
    n_fft = 1024 if sample_rate <= 24000 else 2048
    spec = librosa.stft(y, n_fft=n_fft, hop_length=n_fft // 4)
    mag = np.abs(spec)
    noise = np.percentile(mag, percentile, axis=1, keepdims=True)
    cleaned = np.maximum(mag - over * noise, floor * mag)
    out = librosa.istft(cleaned * np.exp(1j * np.angle(spec)), hop_length=n_fft // 4, length=len(y))
    return out.astype(np.float32)


DENOISERS: dict[str, Callable[..., np.ndarray]] = {"block_threshold": block_threshold, "spectral_gate": spectral_gate}
register_all("denoiser", DENOISERS)


def denoise(y: np.ndarray, sample_rate: int, method: str = "block_threshold") -> np.ndarray:
    """The de-noiser named ``method`` (see :data:`DENOISERS`)."""
    if method not in DENOISERS:
        raise ParamsError(f"denoiser {method!r}: unknown; use one of {', '.join(DENOISERS)}")
    return DENOISERS[method](y, sample_rate)
