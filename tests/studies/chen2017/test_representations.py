"""Chen et al.'s five sound representations and the comparison of CNN classifiers trained on them."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from a2vlib.core.errors import DataError, ParamsError
from a2vlib.studies.chen2017 import time_frequency as R
from a2vlib.studies.chen2017.representations import accuracy_table, compare_representations, paper_table1, stratified_split

PAPER_TABLE1 = paper_table1()

SR = 22050
T = np.arange(SR // 2) / SR  # 0.5 s, Chen's chunk length


def _sine(freq: float, amp: float = 0.5) -> np.ndarray:
    return (amp * np.sin(2 * np.pi * freq * T)).astype(np.float32)


def _noise(seed: int = 0) -> np.ndarray:
    return (0.1 * np.random.default_rng(seed).standard_normal(T.size)).astype(np.float32)


def test_settings_scale_chens_framing_to_the_rate():
    assert R.stft_size(44100) == (2048, 512) and R.stft_size(22050) == (1024, 256)
    assert R.cqt_bins(22050) == 96 and R.cqt_bins(44100) == 108
    assert R.cqt_hop(256, 22050) == 256  # already a multiple of 2 ** 7
    assert R.stft_size(8000) == (372, 93) and R.cqt_hop(93, 8000) % 2 ** (-(-R.cqt_bins(8000) // 12) - 1) == 0


@pytest.mark.parametrize("kind, height", [("stft", 513), ("cqt", 96), ("mfcc", 40), ("ms", 128), ("lms", 128)])
def test_shapes_and_frame_count(kind, height):
    clips = [_sine(440.0), _noise(), _sine(300.0)[:5000]]  # a shorter clip is zero-padded to the longest
    x = R.represent(clips, SR, kind)
    assert x.shape == (3, height, 44) and x.dtype == np.float32 and np.isfinite(x).all()
    assert R.represent(clips, SR, kind, frames=30).shape == (3, height, 30)
    assert R.represent(clips, SR, kind, frames=60).shape == (3, height, 60)


def test_ms_is_power_and_lms_is_its_db():
    clips = [_sine(440.0), _noise(), np.zeros(T.size, np.float32)]
    ms, lms = R.represent(clips, SR, "ms"), R.represent(clips, SR, "lms")
    assert (ms >= 0).all() and ms[0].max() > 1e6 * np.median(ms[0])  # raw power spans many orders of magnitude
    np.testing.assert_allclose(lms, 10 * np.log10(np.maximum(ms, R.POWER_FLOOR)), atol=1e-3)
    assert lms[2].max() == pytest.approx(-100.0)  # silence sits on the floor


def test_known_values():
    k = 20  # a sine exactly on STFT bin 20: peak there, at 20 log10(amp * sum(hann) / 2) dB
    stft = R.represent([_sine(k * SR / 1024)], SR, "stft")[0]
    assert stft[:, 22].argmax() == k
    assert stft[k, 22] == pytest.approx(20 * np.log10(0.5 * 512 / 2), abs=0.05)
    cqt = R.represent([_sine(440.0)], SR, "cqt")[0]  # A4 is 41 semitones above E1
    assert cqt[:, 22].argmax() == 41
    ms = R.represent([_sine(440.0)], SR, "ms")[0]
    import librosa

    centres = librosa.mel_frequencies(128 + 2, fmin=0.0, fmax=SR / 2)[1:-1]
    assert abs(centres[ms[:, 22].argmax()] - 440.0) < 30  # mel bands are ~26 Hz apart here


def test_mfcc_tells_a_tone_from_noise():
    tone, noise = R.represent([_sine(440.0), _noise()], SR, "mfcc")[:, 1:, 5:-5]
    # white noise has a flat log-mel envelope, so its higher coefficients stay small; a tone's peaky one does not
    assert np.abs(tone).mean() > 4 * np.abs(noise).mean()


def test_errors():
    with pytest.raises(ParamsError, match="stft, cqt, mfcc, ms, lms"):
        R.represent([_noise()], SR, "wavelet")
    with pytest.raises(ParamsError, match="frames"):
        R.represent([_noise()], SR, "lms", frames=0)
    with pytest.raises(DataError, match="no waveforms"):
        R.represent([], SR, "lms")
    with pytest.raises(DataError, match="waveform 1"):
        R.represent([_noise(), np.array([np.nan, 0.0], np.float32)], SR, "lms")


# ---------------------------------------------------------------------------------------------------------------
# the comparison


def test_stratified_split():
    labels = ["a"] * 8 + ["b"] * 4 + ["c"] * 2
    train, test = stratified_split(labels, 0.25, seed=1)
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(14))
    assert [np.asarray(labels)[test].tolist().count(c) for c in "abc"] == [2, 1, 1]
    assert np.array_equal(test, stratified_split(labels, 0.25, seed=1)[1])
    with pytest.raises(DataError, match="at least 2"):
        stratified_split(labels + ["d"], 0.25, seed=0)
    with pytest.raises(ParamsError, match="test_share"):
        stratified_split(labels, 1.0, seed=0)


def test_paper_table1_values():
    assert list(PAPER_TABLE1.columns) == ["3 layers", "4 layers"]
    assert list(PAPER_TABLE1.index) == list(R.REPRESENTATIONS)
    assert PAPER_TABLE1.loc["lms", "4 layers"] == 0.8744 and PAPER_TABLE1.loc["ms", "3 layers"] == 0.6201
    assert PAPER_TABLE1["4 layers"].idxmax() == "lms" and PAPER_TABLE1["4 layers"].idxmin() == "ms"
    assert (PAPER_TABLE1["4 layers"] > PAPER_TABLE1["3 layers"]).all()


def test_compare_representations_tiny():
    classes = ["tone", "noise"]
    waveforms = [_sine(f) for f in (300, 500, 700, 900)] + [_noise(s) for s in range(4)]
    labels = ["tone"] * 4 + ["noise"] * 4
    df = compare_representations(waveforms, labels, classes, SR, representations=("mfcc", "lms"), layers=(3, 4),
                                 epochs=1, seeds=(0, 1), test_share=0.5, width=4, batch_size=4, cluster="sequential")
    assert len(df) == 2 * 2 * 2
    assert {"representation", "layers", "seed", "accuracy", "train_seconds"} <= set(df.columns)
    assert df["accuracy"].between(0, 1).all() and (df["train_seconds"] > 0).all()
    assert (df["n_test"] == 4).all() and set(df["features"]) == {"40 x 44", "128 x 44"}
    again = compare_representations(waveforms, labels, classes, SR, representations=("mfcc",), layers=(3,),
                                    epochs=1, seeds=(1,), test_share=0.5, width=4, batch_size=4)
    assert again["accuracy"].iloc[0] == df.query("representation == 'mfcc' and layers == 3 and seed == 1")[
        "accuracy"].iloc[0]  # deterministic for a seed
    side_by_side = compare_representations(waveforms, labels, classes, SR, representations=("mfcc",), layers=(3,),
                                           epochs=1, seeds=(0, 1), test_share=0.5, width=4, batch_size=4,
                                           cluster="pool:2")
    alone = df.query("representation == 'mfcc' and layers == 3")
    assert side_by_side["accuracy"].tolist() == alone["accuracy"].tolist()  # the pool trains what this process does
    assert side_by_side["train_accuracy"].tolist() == alone["train_accuracy"].tolist()
    table = accuracy_table(df)
    assert list(table.index) == ["mfcc", "lms"]
    assert list(table.columns) == ["3 layers", "4 layers", "3 layers std", "4 layers std"]
    assert table.loc["lms", "3 layers"] == pytest.approx(df.query("representation == 'lms' and layers == 3")[
        "accuracy"].mean())
    one_seed = accuracy_table(df[df["seed"] == 0])
    assert list(one_seed.columns) == ["3 layers", "4 layers"]
    shown = pd.concat({"ours": table[["3 layers", "4 layers"]], "Chen et al.": PAPER_TABLE1}, axis=1)
    assert shown.loc["lms"].notna().all()
    with pytest.raises(ParamsError, match="wavelet"):
        compare_representations(waveforms, labels, classes, SR, representations=("wavelet",))
    with pytest.raises(ParamsError, match="layers"):
        compare_representations(waveforms, labels, classes, SR, layers=(0,))
    with pytest.raises(DataError, match="labels"):
        compare_representations(waveforms, labels[:-1], classes, SR)
