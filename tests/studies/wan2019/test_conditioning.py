"""Wan et al.'s conditioning sound vectors (features.conditioning) and the one spectral path (features.spectral)."""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
import torch

from a2vlib.core.errors import DataError, DeviceError, ParamsError
from a2vlib.studies.wan2019 import conditioning as C
from a2vlib.features import soundnet as sn
from a2vlib.features import spectral

torch.set_num_threads(1)
SR = 22050
DIMS = {"spectrogram": 257, "fbank": 64, "mfcc": 20, "soundnet": 256}
SPECTRAL = ("spectrogram", "fbank", "mfcc")
GAIN_DB = 20 * np.log10(2)


def _noise(seconds: float = 0.5, level: float = 0.1, seed: int = 0) -> np.ndarray:
    return (level * np.random.default_rng(seed).standard_normal(int(SR * seconds))).astype(np.float32)


@pytest.fixture(scope="module")
def soundnet_vectors() -> dict[str, np.ndarray]:
    """SoundNet on two short clips (each tiled to 20 s), both summaries: the only SoundNet runs of this file."""
    clips = [_noise(), _noise(seed=1, level=0.3)]
    return {summary: C.sound_vectors(clips, SR, "soundnet", summary) for summary in C.SUMMARIES}


def _vectors(feature: str, summary: str, soundnet_vectors: dict[str, np.ndarray]) -> np.ndarray:
    if feature == "soundnet":
        return soundnet_vectors[summary]
    return C.sound_vectors([_noise(), _noise(seed=1, level=0.3)], SR, feature, summary)


def test_names():
    assert C.FEATURES == ("spectrogram", "fbank", "mfcc", "soundnet") and C.SUMMARIES == ("mean", "mean_std")
    assert C.DIMS == DIMS and sn.SUMMARIES == C.SUMMARIES


@pytest.mark.parametrize("summary, factor", [("mean", 1), ("mean_std", 2)])
@pytest.mark.parametrize("feature", C.FEATURES)
def test_shapes_per_feature_and_summary(feature, summary, factor, soundnet_vectors):
    v = _vectors(feature, summary, soundnet_vectors)
    assert v.shape == (2, factor * DIMS[feature]) and v.dtype == np.float32 and np.isfinite(v).all()
    assert not np.allclose(v[0], v[1])


@pytest.mark.parametrize("feature", C.FEATURES)
def test_mean_std_starts_with_the_mean(feature, soundnet_vectors):
    mean, mean_std = (_vectors(feature, s, soundnet_vectors) for s in C.SUMMARIES)
    d = DIMS[feature]
    np.testing.assert_array_equal(mean_std[:, :d], mean)
    assert (mean_std[:, d:] >= 0).all() and (mean_std[:, d:] > 0).any()


def test_soundnet_vector_is_pool5_averaged_over_time(soundnet_vectors):
    clip = _noise()
    x = sn.prepare_waveforms(clip, SR)
    with torch.inference_mode():
        series = sn.load_soundnet()(x, ["pool5"])["pool5"][0].double().numpy()  # (256, 54)
    np.testing.assert_allclose(soundnet_vectors["mean"][0], series.mean(axis=1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(soundnet_vectors["mean_std"][0, 256:], series.std(axis=1), rtol=1e-4, atol=1e-4)


def test_spectral_features_go_through_the_spectral_path():
    y = _noise(seconds=0.7, seed=3)
    frames = {
        "spectrogram": spectral.stft_db(y, 512, 256),
        "fbank": spectral.log_mel(y, SR, n_mels=64),
        "mfcc": spectral.mfcc(spectral.log_mel(y, SR, n_mels=64), 20),
    }
    for feature, f in frames.items():
        np.testing.assert_array_equal(C.frame_features(y, SR, feature), f)
        np.testing.assert_allclose(C.sound_vectors([y], SR, feature)[0], f.mean(axis=1), rtol=1e-6, atol=1e-5)
        std = C.sound_vectors([y], SR, feature, "mean_std")[0, DIMS[feature]:]
        np.testing.assert_allclose(std, f.std(axis=1), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("feature", SPECTRAL)
def test_mean_of_a_constant_spectrum_is_its_frame_values(feature):
    silence = np.zeros(SR // 2, np.float32)  # every frame the same, edges included: all bins on the -100 dB floor
    frames = C.frame_features(silence, SR, feature)
    assert (frames == frames[:, :1]).all()
    v = C.sound_vectors([silence], SR, feature, "mean_std")[0]
    np.testing.assert_allclose(v[:DIMS[feature]], frames[:, 0], atol=1e-4)
    np.testing.assert_allclose(v[DIMS[feature]:], 0, atol=1e-4)
    if feature != "mfcc":
        assert v[:DIMS[feature]] == pytest.approx(-100.0)


@pytest.mark.parametrize("feature", ("spectrogram", "fbank"))
def test_mean_of_a_steady_tone_is_its_steady_frame(feature):
    # a tone whose period divides the hop: every frame away from the clip's two ends is the same
    n = 2 * SR
    tone = (0.5 * np.sin(2 * np.pi * (SR * 8 / 256) * np.arange(n) / SR)).astype(np.float32)
    frames = C.frame_features(tone, SR, feature)
    steady = frames[:, 3:-3]
    assert np.ptp(steady, axis=1).max() < 1e-3
    peak = int(steady[:, 0].argmax())
    assert C.sound_vectors([tone], SR, feature)[0, peak] == pytest.approx(steady[peak, 0], abs=0.1)


def test_a_louder_copy_has_a_higher_mean_in_db():
    y = _noise(seed=5)
    for feature in ("spectrogram", "fbank"):
        quiet, loud = C.sound_vectors([y, 2 * y], SR, feature, "mean_std")
        d = DIMS[feature]
        np.testing.assert_allclose(loud[:d] - quiet[:d], GAIN_DB, atol=1e-3)  # every band, by 6.02 dB
        np.testing.assert_allclose(loud[d:], quiet[d:], atol=1e-3)  # the spread over time does not move
    quiet, loud = C.sound_vectors([y, 2 * y], SR, "mfcc")
    assert loud[0] - quiet[0] == pytest.approx(GAIN_DB * np.sqrt(64), abs=0.01)  # MFCC 0 (ortho DCT) holds the level
    np.testing.assert_allclose(loud[1:], quiet[1:], atol=1e-3)


def test_clips_of_other_lengths_and_channels():
    stereo = np.stack([_noise(seed=1), _noise(seed=2)])
    v = C.sound_vectors([_noise(seconds=0.3), stereo, _noise(seconds=1.1)], SR, "fbank")
    assert v.shape == (3, 64)
    np.testing.assert_allclose(v[1], C.sound_vectors([stereo.mean(axis=0)], SR, "fbank")[0], atol=1e-5)


def test_errors():
    y = _noise()
    with pytest.raises(ParamsError, match=r"unknown sound feature 'chroma'.*spectrogram, fbank, mfcc, soundnet"):
        C.sound_vectors([y], SR, "chroma")
    with pytest.raises(ParamsError, match=r"unknown summary 'median'.*mean, mean_std"):
        C.sound_vectors([y], SR, "fbank", summary="median")
    with pytest.raises(ParamsError, match=r"unknown summary 'median'.*mean, mean_std"):
        sn.pool5_features(y, SR, summary="median")
    with pytest.raises(ParamsError, match="spectrogram, fbank, mfcc"):
        C.frame_features(y, SR, "soundnet")
    with pytest.raises(DataError, match="no waveforms"):
        C.sound_vectors([], SR, "mfcc")
    with pytest.raises(DataError, match="waveform 1"):
        C.sound_vectors([y, np.array([0.1, np.nan], np.float32)], SR, "spectrogram")
    with pytest.raises(DataError, match="sample rate"):
        C.sound_vectors([y], 0, "fbank")
    with pytest.raises(DeviceError, match="unknown device"):
        C.sound_vectors([y], SR, "soundnet", device="tpu")


def test_features_import_no_study_or_params_module():
    import a2vlib.features

    root = Path(a2vlib.features.__file__).resolve().parent
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert not name.startswith(("a2vlib.studies", "a2vlib.params")), f"{path.name} imports {name}"
