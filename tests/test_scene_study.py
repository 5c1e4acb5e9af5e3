"""The S2I study layer and the volume study on small, constructed cases."""
import numpy as np
import pandas as pd
import pytest
import torch

from a2vlib.studies.wan2019 import volume
from a2vlib.core.errors import ParamsError
from a2vlib.models.s2i import rung_config
from a2vlib.studies.wan2019.scene_study import (FeatureScaler, SceneData, TrainedS2I, config_table, ladder_verdict, sound_vectors,
                                summarise)

SR = 22050


def _noise(seconds=0.5, level=0.1, seed=0):
    return (level * np.random.default_rng(seed).standard_normal(int(SR * seconds))).astype(np.float32)


@pytest.mark.parametrize("feature,dim", [("spectrogram", 514), ("fbank", 128), ("mfcc", 40), ("soundnet", 256)])
def test_sound_vector_shapes(feature, dim):
    v = sound_vectors([_noise(), _noise(seed=1)], SR, feature)
    assert v.shape == (2, dim) and v.dtype == np.float32 and np.all(np.isfinite(v))


def test_level_stays_in_the_features():
    """The volume study needs louder clips to give different vectors: log features shift by the gain in dB."""
    quiet, loud = sound_vectors([_noise(level=0.05), _noise(level=0.1)], SR, "fbank")
    shift = (loud - quiet)[:64].mean()  # band means, in dB
    assert shift == pytest.approx(20 * np.log10(2), abs=0.3)


def test_unknown_feature():
    with pytest.raises(ParamsError, match="unknown sound feature 'chroma'"):
        sound_vectors([_noise()], SR, "chroma")


def test_feature_scaler():
    x = np.array([[1.0, 10.0], [3.0, 10.0]])
    s = FeatureScaler.fit(x)
    np.testing.assert_allclose(s.transform(x)[:, 0], [-1, 1], atol=1e-5)
    assert np.all(s.transform(x)[:, 1] == 0)


class SizeFromCondition(torch.nn.Module):
    """A stand-in generator: a dark square on a light background, its side growing with condition[0]."""

    def __init__(self):
        super().__init__()
        self.dummy = torch.nn.Parameter(torch.zeros(1))

    def forward(self, cond, z):
        n = len(cond)
        img = torch.ones(n, 3, 32, 32)
        for i in range(n):
            side = int(np.clip(4 + 3 * float(cond[i, 0]), 1, 14))
            img[i, :, 10:10 + side, 10:10 + side] = -1.0
        return img


def _data():
    waves = [_noise(level=0.02 * (k + 1), seed=k) for k in range(3)]
    vectors = sound_vectors(waves, SR, "fbank")
    scaler = FeatureScaler.fit(vectors)
    images = np.full((3, 32, 32, 3), 200, np.uint8)
    return SceneData(feature="fbank", classes=["dog", "plane"], image_size=32, sample_rate=SR, key={},
                     train_images=images, train_labels=["dog"] * 3, train_cond=scaler.transform(vectors),
                     test_images=images, test_labels=["dog", "plane", "dog"], test_cond=scaler.transform(vectors),
                     test_audio=waves, test_loudness=np.array([0.3, 0.5, 0.7]), reference_images=images,
                     reference_labels=["dog"] * 3, scaler=scaler)


def _model():
    return TrainedS2I(rung_config("g", image_size=32, width=8, z_dim=4), 0, SizeFromCondition())


def test_volume_pipeline_measures_a_real_effect():
    data, model = _data(), _model()
    gains = [0.5, 1.0, 2.0, 3.0]
    grid = volume.images_at_gains(model, data, [0, 1], gains)
    assert grid.shape == (2, 4, 32, 32, 3)
    table, rho = volume.measured_effect(grid, gains, ["dog", "plane"])
    assert rho > 0.8  # features re-extracted after the gain: louder -> larger condition -> larger square
    assert np.all(np.diff(table.drop(columns="sound").to_numpy(), axis=1) >= 0)
    assert volume.per_sound_spearman(table, gains).min() > 0.9


def test_no_effect_gives_no_correlation():
    grid = np.full((2, 4, 32, 32, 3), 200, np.uint8)
    grid[:, :, 5:10, 5:10] = 0  # the same picture at every gain
    table, rho = volume.measured_effect(grid, [0.5, 1, 2, 3], ["a", "b"])
    assert np.isnan(rho) or abs(rho) < 1e-9
    assert volume.per_sound_spearman(table, [0.5, 1, 2, 3]).isna().all()


def test_explorer_callback():
    data, model = _data(), _model()
    quiet, loud = volume.explorer_view(model, data, 0, 0.5), volume.explorer_view(model, data, 0, 3.0)
    assert quiet.image.shape == (32, 32, 3) and quiet.label == "dog" and quiet.sample_rate == SR
    assert loud.magnitude > quiet.magnitude
    np.testing.assert_allclose(loud.audio, data.test_audio[0] * 3.0)
    with pytest.raises(ParamsError, match="out of range"):
        volume.explorer_view(model, data, 7, 1.0)
    with pytest.raises(ParamsError, match="positive"):
        volume.images_at_gains(model, data, [0], [0.0])


def test_explorer_widget_builds():
    widget = volume.make_explorer(_model(), _data(), [0, 1])
    picker, slider = widget.children[0].children
    slider.value = 2.0  # runs the callback
    assert picker.value == 0


def test_volume_verdict_is_honest():
    assert "below the kit's target" in volume.verdict(0.3, 0.99)
    assert "rises with the gain" in volume.verdict(0.9, 0.99, 0.85)


def test_ladder_summary_and_verdict():
    rows = []
    for rung, acc in zip("bcdefg", (0.1, 0.3, 0.35, 0.4, 0.45, 0.6)):
        for seed in (0, 1):
            rows.append({"rung": rung, "seed": seed, "score": 1 + acc * 3 + seed * 0.01, "accuracy": acc + seed * 0.01,
                         "object_accuracy": acc / 2, "diversity": 0.5, "z_diversity": 0.2, "fid": 10 - acc})
    summary = summarise(pd.DataFrame(rows), {"score": 8.0, "accuracy": 0.99, "object_accuracy": 0.9, "fid": 0.5})
    assert list(summary.index) == list("abcdefg")
    assert summary.loc["g", "accuracy_mean"] == pytest.approx(0.605)
    assert summary.loc["a", "paper_IS"] == 4.44
    text = ladder_verdict(summary)
    assert "above the cGAN (c)" in text and "rank correlation" in text
    rows = [dict(r, accuracy=0.2) if r["rung"] == "g" else r for r in rows]
    assert "not clearly above the cGAN" in ladder_verdict(summarise(pd.DataFrame(rows)))


def test_config_table_shows_deltas_only():
    table = config_table({"image_size": 32, "width": 8, "epochs": 1, "batch_size": 8})
    assert table.loc["g", "delta over (g)"] == "none: the default"
    assert "loss=wgan-gp" in table.loc["b", "delta over (g)"]
    assert "image_size" not in table.loc["c", "delta over (g)"]


def test_breakdowns_and_in_range_correlation():
    table = pd.DataFrame({"sound": ["a", "b"], "x0.5": [0.02, 0.03], "x1": [0.04, 0.05], "x2": [0.06, 0.07],
                          "x3": [0.9, 0.01]})
    real = np.full((2, 32, 32, 3), 200, np.uint8)
    real[:, 10:20, 10:20] = 0  # magnitude 100/1024, above every entry but the breakdown
    broken = volume.breakdowns(table, real)
    assert broken["x3"] == 1 and broken.drop("x3").sum() == 0
    assert volume.in_range_spearman(table, [0.5, 1, 2, 3]) > 0.8
    text = volume.verdict(0.75, 1.0, rho_in_range=0.6, broken=broken)
    assert "1 at x3" in text and "not yet a clean object size" in text and "0.60" in text
