"""OSG (Liu eq. 12) and its features against values known by construction."""
from __future__ import annotations

import numpy as np
import pytest

from a2vlib.core.errors import DataError
from a2vlib.studies.liu_v2ra import similarity as S

SR = 16000


def _tone(freq=440.0, seconds=4.0, amp=0.5, am_hz=None):
    t = np.arange(int(SR * seconds)) / SR
    y = amp * np.sin(2 * np.pi * freq * t)
    if am_hz:
        y *= 0.5 * (1 + np.sin(2 * np.pi * am_hz * t))
    return y.astype(np.float32)


def test_identical_clips_score_zero():
    y = _tone(am_hz=3.0)
    assert S.osg(y, y, SR) == {"mms": 0.0, "msf": 0.0, "rms": 0.0, "osg": 0.0}


def test_rms_of_a_sine():
    assert S.rms(_tone(amp=0.5)) == pytest.approx(0.5 / np.sqrt(2), rel=1e-4)


@pytest.mark.parametrize("am_hz", [2.0, 4.0, 9.0, 20.0])
def test_modulation_peak_at_the_am_rate(am_hz):
    assert S.max_modulation_frequency(_tone(am_hz=am_hz), SR) == pytest.approx(am_hz, abs=0.3)


def test_flux_of_a_steady_tone_is_small_and_grows_with_change():
    steady = S.mean_spectral_flux(_tone(), SR)
    t = np.arange(SR * 4) / SR
    sweep = (0.5 * np.sin(2 * np.pi * (200 * t + 400 * t ** 2))).astype(np.float32)  # 200 -> 3400 Hz
    assert steady < 0.05 * S.mean_spectral_flux(sweep, SR)
    # flux is linear in amplitude (unnormalised magnitudes)
    assert S.mean_spectral_flux(2 * sweep, SR) == pytest.approx(2 * S.mean_spectral_flux(sweep, SR), rel=1e-5)


def test_osg_is_the_weighted_sum_of_eq_12():
    a, b = _tone(am_hz=2.0, amp=0.5), _tone(am_hz=6.0, amp=0.25)
    r = S.osg(a, b, SR)
    assert r["mms"] == pytest.approx(4.0, abs=0.5) and r["rms"] == pytest.approx(S.rms(a) - S.rms(b), rel=1e-6)
    assert r["osg"] == pytest.approx(0.57 * r["mms"] + 0.52 * r["msf"] + 0.45 * r["rms"])
    assert S.WEIGHTS == {"mms": 0.57, "msf": 0.52, "rms": 0.45}


def test_too_short_or_bad_clips():
    with pytest.raises(DataError, match="too short for a modulation spectrum"):
        S.features(_tone(seconds=0.1), SR)
    assert S.max_modulation_frequency(_tone(seconds=1.0, am_hz=8.0), SR) == pytest.approx(8.0, abs=1.0)
    with pytest.raises(DataError):
        S.features(np.array([np.nan] * SR * 5, dtype=np.float32), SR)
