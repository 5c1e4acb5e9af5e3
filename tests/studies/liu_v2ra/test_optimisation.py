"""Liu et al.'s optimisation schemes: peak-match (Algorithm 1) and the swappable de-noiser."""
from __future__ import annotations

import numpy as np
import pytest

from a2vlib.core.errors import DataError, ParamsError
from a2vlib.studies.liu_v2ra.optimisation import denoise, peak_match

SR = 8000


def _clicks(times, height=0.8, n=SR * 2, decay=0.01):
    y = np.zeros(n)
    t = np.arange(int(0.1 * SR)) / SR
    for at in times:
        i = int(at * SR)
        seg = height * np.exp(-t / decay) * np.sin(2 * np.pi * 700 * t + np.pi / 2)
        y[i:i + len(seg)] += seg[:n - i]
    return y


def test_peak_match_puts_the_reference_at_the_generated_peaks():
    generated = _clicks([0.3, 1.1], height=0.5)
    reference = _clicks([0.5], height=1.0, decay=0.02)  # one recorded event at 0.5 s, loudest at its onset
    out = peak_match(generated, reference, SR, interval_s=0.05)
    assert out.shape == generated.shape and np.abs(out).max() == pytest.approx(np.abs(generated).max(), rel=1e-5)
    energy = np.convolve(out ** 2, np.ones(200), "same")
    assert energy[int(0.32 * SR)] > 0 and energy[int(1.12 * SR)] > 0
    assert np.allclose(out[int(0.6 * SR):int(1.0 * SR)], 0)  # nothing between the events
    assert np.allclose(peak_match(np.zeros(SR), reference, SR), 0)  # no peak above 0.1: silence
    with pytest.raises(DataError, match="no peak above"):
        peak_match(generated, np.zeros(SR), SR)


def test_denoise_lowers_the_floor_and_keeps_the_events():
    rng = np.random.default_rng(0)
    clean = _clicks([0.5, 1.2])
    noisy = clean + 0.02 * rng.standard_normal(len(clean))
    out = denoise(noisy.astype(np.float32), SR)
    quiet = slice(int(0.8 * SR), int(1.1 * SR))
    assert np.std(out[quiet]) < 0.5 * np.std(noisy[quiet])
    assert np.abs(out).max() > 0.5 * np.abs(clean).max()
    with pytest.raises(ParamsError, match="denoiser 'x'"):
        denoise(noisy, SR, "x")
