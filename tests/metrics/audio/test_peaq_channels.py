"""PEAQ basic (a2vlib.metrics.audio.peaq): stereo scored channel by channel, the lag check and --align of
peaq_files, and plain errors where the bandwidth MOVs are undefined (pure tone, white noise)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import butter, sosfiltfilt

from a2vlib.core.errors import A2VError, DataError
from a2vlib.data.audio_io import write_audio
from a2vlib.metrics.audio.peaq import MOV_NAMES, measure_lag, peaq, peaq_files

SR = 48000


def _fade(x: np.ndarray, ms: float = 10.0) -> np.ndarray:
    n = int(ms * 1e-3 * SR)
    w = 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)
    x = x.copy()
    x[..., :n] *= w
    x[..., -n:] *= w[::-1]
    return x


def _shift(x: np.ndarray, n: int) -> np.ndarray:
    """``x`` delayed by ``n`` samples (negative: advanced), same length: zeros in, the other end cut."""
    out = np.zeros_like(x)
    if n >= 0:
        out[..., n:] = x[..., :x.shape[-1] - n]
    else:
        out[..., :n] = x[..., -n:]
    return out


@pytest.fixture(scope="module")
def music() -> np.ndarray:
    """1.5 s of broadband music-like sound: two decaying harmonic notes (partials to 20 kHz) over a faint noise bed."""
    t = np.arange(int(1.5 * SR)) / SR
    x = np.zeros_like(t)
    for i, f0 in enumerate([220.0, 329.6]):
        env = np.exp(-3.0 * ((t - 0.6 * i) % 1.2))
        for k in range(1, int(20000 / f0)):
            x += env * np.sin(2 * np.pi * f0 * k * t * (1 + 0.003 * np.sin(2 * np.pi * 5 * t))) / k ** 0.7
    bed = sosfiltfilt(butter(8, 19000.0, fs=SR, output="sos"), np.random.default_rng(0).standard_normal(len(t)))
    return _fade(x / np.abs(x).max() * 0.4 + 0.02 * bed)


@pytest.fixture(scope="module")
def noisy(music) -> np.ndarray:
    """``music`` with white noise at 30 dB SNR: a test that scores clearly below an identical copy."""
    rng = np.random.default_rng(1)
    return music + rng.standard_normal(len(music)) * np.sqrt(np.mean(music ** 2) / 1e3)


def _wav(path, x) -> str:
    write_audio(path, x, SR)
    return str(path)


# ---------------------------------------------------------------- stereo: each channel through the ear model

def test_stereo_antiphase_scores_like_mono(music, noisy):
    """Antiphase stereo sums to silence; scored per channel it grades like its mono channel (polarity does not matter
    to PEAQ's spectra). Identical channels give the mono numbers exactly."""
    mono = peaq(music, noisy, SR)
    same = peaq(np.stack([music, music]), np.stack([noisy, noisy]), SR)
    anti = peaq(np.stack([music, -music]), np.stack([noisy, -noisy]), SR)
    assert -3.0 < mono.odg < 0.15  # the noise is heard
    assert (same.odg, same.di, same.movs) == (mono.odg, mono.di, mono.movs)
    assert same.channels == 2 and mono.channels == 1
    assert anti.odg == pytest.approx(mono.odg, abs=1e-9) and anti.frames == mono.frames


def test_stereo_files_antiphase_and_mono(tmp_path, music, noisy):
    ref = _wav(tmp_path / "ref.wav", np.stack([music, -music]))
    test = _wav(tmp_path / "test.wav", np.stack([noisy, -noisy]))
    res = peaq_files(ref, test)
    mono = peaq_files(_wav(tmp_path / "ref_mono.wav", music), _wav(tmp_path / "test_mono.wav", noisy))
    assert res.channels == 2 and mono.channels == 1
    assert res.odg == pytest.approx(mono.odg, abs=0.01)  # 16-bit rounding of -x may differ by one step


def test_stereo_movs_combine_as_bs1387(music, noisy):
    """Noise in the left channel only: the MOVs are the average of the two channels' own MOVs, except ADB and MFPD,
    which take per band the larger detection probability of the channels (here the left's)."""
    st = peaq(np.stack([music, music]), np.stack([noisy, music]), SR)
    left, right = peaq(music, noisy, SR), peaq(music, music, SR)
    for k in MOV_NAMES:
        if k in ("ADBB", "MFPDB"):
            assert st.movs[k] == pytest.approx(left.movs[k], rel=1e-9, abs=1e-12), k
        else:
            assert st.movs[k] == pytest.approx((left.movs[k] + right.movs[k]) / 2, rel=1e-9, abs=1e-12), k


def test_channel_count_mismatch_is_an_error(tmp_path, music):
    ref = _wav(tmp_path / "a_ref.wav", music)
    test = _wav(tmp_path / "b_test.wav", np.stack([music, music]))
    with pytest.raises(DataError, match="channel") as info:
        peaq_files(ref, test)
    msg = str(info.value)
    assert "a_ref.wav" in msg and "b_test.wav" in msg and "same channel count" in msg
    with pytest.raises(DataError, match="same channel count"):
        peaq(music, np.stack([music, music]), SR)


def test_silent_channel_is_an_error(music):
    with pytest.raises(DataError, match=r"channel 2, right\) is silent"):
        peaq(np.stack([music, 0 * music]), np.stack([music, 0 * music]), SR)


# ---------------------------------------------------------------- lag: measured, refused, or aligned

def test_measure_lag(music):
    assert measure_lag(music, _shift(music, 240), SR) == (240, pytest.approx(1.0, abs=0.01))
    assert measure_lag(music, _shift(music, -100), SR)[0] == -100
    assert measure_lag(np.stack([music, -music]), _shift(np.stack([music, -music]), 48), SR)[0] == 48  # mono sum 0
    assert measure_lag(music, -_shift(music, 30), SR)[0] == 30  # polarity ignored
    other = np.random.default_rng(7).standard_normal(len(music))
    assert measure_lag(music, other, SR)[1] < 0.1


def test_shifted_test_is_refused_with_the_lag(tmp_path, music, noisy):
    ref = _wav(tmp_path / "ref.wav", music)
    late = _wav(tmp_path / "late.wav", _shift(noisy, 240))  # 5 ms late
    early = _wav(tmp_path / "early.wav", _shift(noisy, -96))  # 2 ms early
    with pytest.raises(DataError, match=r"late\.wav lags behind .*ref\.wav by 5\.00 ms") as info:
        peaq_files(ref, late)
    assert "--align" in str(info.value)
    with pytest.raises(DataError, match=r"early\.wav leads .*ref\.wav by 2\.00 ms"):
        peaq_files(ref, early)


def test_align_measures_the_lag_and_restores_the_grade(tmp_path, music, noisy):
    ref = _wav(tmp_path / "ref.wav", music)
    aligned = peaq_files(ref, _wav(tmp_path / "test.wav", noisy))
    late = _wav(tmp_path / "late.wav", _shift(noisy, 240))
    fixed = peaq_files(ref, late, align=True)
    as_is = peaq_files(ref, late, check_lag=False)  # what BS.1387 and GstPEAQ would say: the shift as distortion
    assert aligned.lag_ms == 0.0 and as_is.lag_ms == 0.0
    assert fixed.lag_ms == pytest.approx(5.0, abs=0.03)
    assert fixed.odg == pytest.approx(aligned.odg, abs=0.05)
    assert as_is.odg < aligned.odg - 1.0
    early = peaq_files(ref, _wav(tmp_path / "early.wav", _shift(noisy, -96)), align=True)
    assert early.lag_ms == pytest.approx(-2.0, abs=0.03) and early.odg == pytest.approx(aligned.odg, abs=0.05)


def test_small_lag_and_unrelated_test_pass_the_check(tmp_path, music):
    ref = _wav(tmp_path / "ref.wav", music)
    res = peaq_files(ref, _wav(tmp_path / "near.wav", _shift(music, 5)))  # 0.1 ms: under the 0.25 ms tolerance
    assert res.odg > 0.0 and res.lag_ms == 0.0
    rng = np.random.default_rng(4)
    other = _fade(np.roll(music, 20000) + 0.01 * rng.standard_normal(len(music)))  # another take, no clear peak
    other_wav = _wav(tmp_path / "other.wav", other)
    assert np.isfinite(peaq_files(ref, other_wav).odg)
    with pytest.raises(DataError, match="cannot align"):
        peaq_files(ref, other_wav, align=True)


# ---------------------------------------------------------------- bandwidth undefined: plain words, not NaN

def test_pure_tone_reference_says_why(tmp_path):
    t = np.arange(int(1.5 * SR)) / SR
    tone = _fade(0.5 * np.sin(2 * np.pi * 1000.0 * t))
    ref = _wav(tmp_path / "tone.wav", tone)
    with pytest.raises(A2VError, match=r"tone\.wav has no energy above 1\.\d kHz") as info:
        peaq_files(ref, _wav(tmp_path / "test.wav", tone + 1e-3 * np.random.default_rng(5).standard_normal(len(t))))
    assert isinstance(info.value, DataError)
    assert "broadband reference such as music or speech" in str(info.value)


def test_white_noise_reference_says_why(tmp_path):
    noise = _fade(0.3 * np.random.default_rng(6).standard_normal(int(1.5 * SR)))
    with pytest.raises(DataError, match=r"white noise") as info:
        peaq(noise, noise, SR)  # even identical: a full-band reference has no band edge
    assert "as strong at 21.6-24 kHz" in str(info.value) and "music or speech" in str(info.value)
    stereo = np.stack([_fade(sosfiltfilt(butter(8, 16000.0, fs=SR, output="sos"), noise)), noise])
    with pytest.raises(DataError, match=r"the reference \(channel 2, right\) is as strong"):
        peaq(stereo, stereo, SR)


def test_noisy_test_says_why(music):
    test = music + np.random.default_rng(8).standard_normal(len(music)) * np.sqrt(np.mean(music ** 2) / 10 ** 0.5)
    with pytest.raises(DataError, match="Bandwidth.*undefined: the test's level at 21.6-24 kHz"):
        peaq(music, test, SR)
