"""Sub-URMP stand-in instrument clips: determinism, shapes, levels, distinct instruments, font choice, errors."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from a2vlib.studies.chen2017.urmp import instruments as I
from a2vlib.data.soundfont import render_notes
from a2vlib.core.errors import A2VError, DataError, ParamsError

SR = 22050
SMALL = I.InstrumentConfig(seed=3, n_per_class=2, soundfont="TimGM6mb")  # the small font loads in milliseconds


@pytest.fixture(scope="module")
def small():
    return I.generate(SMALL)


def test_shapes_labels_and_info(small):
    waveforms, labels, info = small
    n = int(round(SMALL.seconds * SR))
    assert len(waveforms) == len(labels) == 2 * len(I.INSTRUMENTS)
    assert labels == [name for name in I.INSTRUMENTS for _ in range(2)]
    assert all(y.shape == (n,) and y.dtype == np.float32 for y in waveforms)
    assert info["soundfont"] == "TimGM6mb" and info["soundfont_path"].endswith("TimGM6mb.sf2")
    assert info["viola_shares_violin_samples"] is True
    assert (info["sample_rate"], info["seconds"], info["seed"]) == (SR, 0.5, 3)
    assert set(I.GM_PROGRAMS) == set(I.PITCH_RANGES) == set(I.INSTRUMENTS) and len(I.INSTRUMENTS) == 13


def test_levels_non_silent_and_unclipped(small):
    lo, hi = I.RMS_DBFS
    for y in small[0]:
        rms_db = 20 * np.log10(np.sqrt(np.mean(y.astype(np.float64) ** 2)))
        peak = np.abs(y).max()
        assert peak <= I.PEAK_LIMIT + 1e-6
        # the level is drawn in [lo, hi] unless the peak limit lowered it
        assert rms_db <= hi + 1e-3 and (rms_db >= lo - 1e-3 or peak >= I.PEAK_LIMIT - 1e-4)
        assert rms_db > -60


def test_deterministic_and_independent_of_what_came_before(small):
    again = I.generate(SMALL)
    assert all(np.array_equal(a, b) for a, b in zip(small[0], again[0]))
    # one more clip per class: the shared synthesizer must not leak state into later clips
    more, labels, _ = I.generate(I.InstrumentConfig(seed=3, n_per_class=3, soundfont="TimGM6mb"))
    assert np.array_equal(more[0], small[0][0]) and np.array_equal(more[4], small[0][3])
    other, _, _ = I.generate(I.InstrumentConfig(seed=4, n_per_class=2, soundfont="TimGM6mb"))
    assert not any(np.array_equal(a, b) for a, b in zip(small[0], other))


def test_render_clip_is_a_function_of_the_rng():
    a = I.render_clip("oboe", np.random.default_rng(7), SR, 0.3, "TimGM6mb")
    b = I.render_clip("oboe", np.random.default_rng(7), SR, 0.3, "TimGM6mb")
    c = I.render_clip("oboe", np.random.default_rng(8), SR, 0.3, "TimGM6mb")
    assert a.shape == (int(round(0.3 * SR)),) and np.array_equal(a, b) and not np.array_equal(a, c)


def test_each_instrument_sounds_different_at_the_right_pitch():
    import librosa

    path = str(I.resolve_soundfont("TimGM6mb")[1])
    spectra = {}
    for name in I.INSTRUMENTS:
        # A3 (220 Hz) on every program: same note, so any difference is the instrument's timbre
        y = render_notes([(0.0, 57, 100, 1.0)], SR, SR // 2, I.GM_PROGRAMS[name][0], soundfont=path)
        f0 = np.median(librosa.yin(y, fmin=50, fmax=2000, sr=SR, frame_length=2048)[5:])
        assert f0 == pytest.approx(220.0, rel=0.02), name
        spectra[name] = np.log(np.abs(np.fft.rfft(y)) + 1e-6)
    for a, b in itertools.combinations(I.INSTRUMENTS, 2):
        assert np.corrcoef(spectra[a], spectra[b])[0, 1] < 0.99, (a, b)


def test_pitch_ranges_are_playable():
    path = str(I.resolve_soundfont("TimGM6mb")[1])
    keys = I.playable_keys(path, SR, 65, *I.PITCH_RANGES["sax"])
    assert 64 not in keys and len(keys) == I.PITCH_RANGES["sax"][1] - I.PITCH_RANGES["sax"][0]  # the font's hole


def test_soundfont_choice(monkeypatch, tmp_path):
    tim = I.resolve_soundfont("TimGM6mb")[1]
    monkeypatch.setattr(I, "FLUIDR3_PATH", tmp_path / "missing.sf2")
    assert I.resolve_soundfont("auto") == ("TimGM6mb", tim)
    with pytest.raises(DataError, match="fluid-soundfont-gm"):
        I.resolve_soundfont("FluidR3_GM")
    monkeypatch.setattr(I, "FLUIDR3_PATH", tim)  # stands in for an installed FluidR3_GM (no 148 MB load here)
    assert I.resolve_soundfont("auto") == ("FluidR3_GM", tim)
    assert I.resolve_soundfont(str(tim)) == ("TimGM6mb", tim)
    with pytest.raises(DataError, match="not found"):
        I.resolve_soundfont(str(tmp_path / "nope.sf2"))
    bad = tmp_path / "bad.sf2"
    bad.write_bytes(b"not a soundfont")
    with pytest.raises(DataError, match="cannot load"):
        I.render_clip("flute", np.random.default_rng(0), SR, 0.1, str(bad))


def test_errors():
    with pytest.raises(A2VError, match="unknown; use one of bassoon"):
        I.render_clip("banjo", np.random.default_rng(0), SR, 0.5, "TimGM6mb")
    for bad in ({"n_per_class": 0}, {"seconds": 0.0}, {"sample_rate": 100}, {"seed": -1}, {"soundfont": ""}):
        with pytest.raises(ParamsError, match="InstrumentConfig"):
            I.InstrumentConfig(**bad)
