"""The Wan et al. (2019) study on small, constructed cases: sound vectors, the data container, evaluation (class-balanced
groups, row (a) scored as the rungs are), the ladder's summary and config table, and the volume study."""
import dataclasses
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from a2vlib.core.errors import ParamsError
from a2vlib.studies.wan2019.conditioning import DIMS, sound_vectors
from a2vlib.models.classifiers import ImageClassifier, TrainedClassifier
from a2vlib.papers import wan2019
from a2vlib.studies.wan2019 import evaluation, ladder, volume
from a2vlib.studies.wan2019.data import FeatureScaler, SceneData, spread_indices
from a2vlib.studies.wan2019.models import Judges, TrainedS2I
from a2vlib.studies.wan2019.rungs import LADDER, rung_config

SR = 22050


def _noise(seconds=0.5, level=0.1, seed=0):
    return (level * np.random.default_rng(seed).standard_normal(int(SR * seconds))).astype(np.float32)


# ---- sound vectors ---------------------------------------------------------------------------------------------

def test_default_dims():
    assert DIMS == {"spectrogram": 257, "fbank": 64, "mfcc": 20, "soundnet": 256}
    assert DIMS["soundnet"] == wan2019.SOUNDNET_DIM.value


@pytest.mark.parametrize("feature", ["spectrogram", "fbank", "mfcc"])
def test_sound_vector_shapes(feature):
    waves = [_noise(), _noise(seed=1)]
    v = sound_vectors(waves, SR, feature)
    assert v.shape == (2, DIMS[feature]) and v.dtype == np.float32 and np.all(np.isfinite(v))
    both = sound_vectors(waves, SR, feature, summary="mean_std", device="cpu")
    assert both.shape == (2, 2 * DIMS[feature])  # the spread over time doubles the vector, the means first
    np.testing.assert_allclose(both[:, :DIMS[feature]], v, rtol=1e-6, atol=1e-6)


def test_level_stays_in_the_features():
    """The volume study needs louder clips to give different vectors: log features shift by the gain in dB."""
    quiet, loud = sound_vectors([_noise(level=0.05), _noise(level=0.1)], SR, "fbank")
    assert (loud - quiet).mean() == pytest.approx(20 * np.log10(2), abs=0.3)


def test_unknown_feature_and_summary():
    with pytest.raises(ParamsError, match="unknown sound feature 'chroma'"):
        sound_vectors([_noise()], SR, "chroma")
    with pytest.raises(ParamsError, match="unknown summary 'median'"):
        sound_vectors([_noise()], SR, "fbank", summary="median")


def test_feature_scaler():
    x = np.array([[1.0, 10.0], [3.0, 10.0]])
    s = FeatureScaler.fit(x)
    np.testing.assert_allclose(s.transform(x)[:, 0], [-1, 1], atol=1e-5)
    assert np.all(s.transform(x)[:, 1] == 0)


def test_feature_names_are_table2s():
    from a2vlib.studies.wan2019 import data as data_module, feature_study

    assert data_module.FEATURE_NAMES == wan2019.TABLE2_FEATURES == {
        "spectrogram": "Spectrogram", "fbank": "Fbank", "mfcc": "MFCCs", "soundnet": "SoundNet"}
    runs = pd.DataFrame([{"feature": f, "feature_dim": DIMS[f], "seed": s, "score": 2.0 + s, "accuracy": 0.5,
                          "object_accuracy": 0.4, "fid": 3.0} for f in ("mfcc", "fbank") for s in (0, 1)])
    summary = feature_study.feature_summary(runs)
    assert list(summary.index) == ["MFCCs", "Fbank"] and summary.loc["Fbank", "paper_IS"] == 2.12


# ---- a tiny SceneData and a stand-in generator --------------------------------------------------------------------

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


def _squares(sides, light=200):
    images = np.full((len(sides), 32, 32, 3), light, np.uint8)
    for i, side in enumerate(sides):
        images[i, 8:8 + side, 8:8 + side] = 0
    return images


def _data():
    waves = [_noise(level=0.02 * (k + 1), seed=k) for k in range(3)]
    vectors = sound_vectors(waves, SR, "fbank")
    scaler = FeatureScaler.fit(vectors)
    train = _squares([3, 4, 5])
    test = _squares([6, 7, 8], light=180)
    return SceneData(feature="fbank", summary="mean", classes=["dog", "plane"], image_size=32, sample_rate=SR, key={},
                     train_images=train, train_labels=["dog", "plane", "dog"], train_cond=scaler.transform(vectors),
                     test_images=test, test_labels=["dog", "plane", "dog"], test_cond=scaler.transform(vectors),
                     test_audio=waves, test_loudness=np.array([0.3, 0.5, 0.7]),
                     reference_images=_squares([3, 4, 6, 8]), reference_labels=["dog", "dog", "plane", "plane"],
                     scaler=scaler)


def _model():
    return TrainedS2I(rung_config("g", image_size=32, width=8, z_dim=4), 0, SizeFromCondition())


def test_scene_data_helpers():
    data = _data()
    assert data.cond_dim == 64
    x, cond, labels = data.training_tensors()
    assert x.shape == (3, 3, 32, 32) and float(x.min()) == -1.0 and labels.tolist() == [0, 1, 0]
    np.testing.assert_allclose(data.condition(data.test_audio), data.test_cond, atol=1e-5)
    images, labels = data.real_images()
    assert len(images) == 6 and labels == data.train_labels + data.test_labels
    idx = spread_indices(labels, 12, seed=0)
    assert sorted(np.bincount(idx)) == [2] * 6  # every real picture used equally often


def test_spread_indices():
    labels = ["dog", "plane", "dog", "plane", "dog", "plane"]
    # no more than there are: distinct items, the first n of a seeded permutation
    for n in (0, 1, 4, 6):
        idx = spread_indices(labels, n, seed=3)
        assert len(idx) == len(set(idx.tolist())) == n
        assert np.array_equal(idx, np.random.default_rng(3).permutation(6)[:n])
    assert sorted(spread_indices(labels, 6, seed=0).tolist()) == list(range(6))  # all of them, once each
    # more than there are: every item about equally often (13 of 6: one item thrice, the others twice)
    assert sorted(np.bincount(spread_indices(labels, 13, seed=0), minlength=6)) == [2, 2, 2, 2, 2, 3]
    assert np.array_equal(spread_indices(labels, 13, seed=0),
                          np.random.default_rng(0).permutation(np.arange(13) % 6))
    # seeded: the same seed gives the same order, another seed another
    assert np.array_equal(spread_indices(labels, 4, seed=1), spread_indices(labels, 4, seed=1))
    assert not np.array_equal(spread_indices(labels, 6, seed=1), spread_indices(labels, 6, seed=2))


# ---- evaluation -------------------------------------------------------------------------------------------------

def test_class_balanced_indices_spread_groups_over_classes():
    classes = [f"c{k}" for k in range(9)]
    labels = [c for k, c in enumerate(classes) for _ in range(10 - k)]  # 10, 9, ..., 2 items: imbalanced
    idx = evaluation.class_balanced_indices(labels, classes, 18)
    assert len(idx) == len(set(idx)) == 18
    assert pd.Series([labels[i] for i in idx]).value_counts().to_dict() == dict.fromkeys(classes, 2)
    # round-robin: the first item of every class, then the second
    assert [labels[i] for i in idx[:9]] == classes and idx[0] == 0 and idx[9] == 1
    # a class with one item: the others fill in; fewer items than asked: all of them
    short = ["a", "b", "b", "b", "c", "c"]
    assert evaluation.class_balanced_indices(short, ["a", "b", "c"], 5) == [0, 1, 4, 2, 5]
    assert sorted(evaluation.class_balanced_indices(short, ["a", "b", "c"], 50)) == list(range(6))
    assert evaluation.class_balanced_indices(short, ["a", "b", "c"], 0) == []


def _judges():
    torch.manual_seed(0)
    return Judges(TrainedClassifier(ImageClassifier(2, width=4).eval(), ["dog", "plane"]),
                  TrainedClassifier(ImageClassifier(2, width=4).eval(), ["dog", "plane"]))


def test_per_class_score_is_the_mean_of_each_classs_own_score():
    """The public code's per-class mode: the score over one class's images alone, averaged over the classes."""
    from a2vlib.metrics.image.scores import classifier_score

    data, judges_ = _data(), _judges()
    images, labels = data.real_images()
    figures = evaluation.score_images(images, labels, data, judges_, 2, 1, per_class_score=True)
    lab = np.asarray(labels)
    each = [classifier_score(judges_.scene, images[lab == c], 2, 1)["mean"] for c in ("dog", "plane")]
    assert figures["score"] == pytest.approx(np.mean(each)) and figures["score_std"] == pytest.approx(
        np.std(each, ddof=1))


def test_upper_bound_scores_real_images_as_a_rung(monkeypatch):
    data, seen = _data(), {}
    real_score = evaluation.score_images

    def spy(images, labels, data_, judges_, splits, min_per_split, fid_backbone, *rest):
        seen.setdefault("calls", []).append({"images": images, "labels": list(labels), "splits": splits,
                                             "min_per_split": min_per_split, "fid_backbone": fid_backbone})
        return real_score(images, labels, data_, judges_, splits, min_per_split, fid_backbone, *rest)

    monkeypatch.setattr(evaluation, "score_images", spy)
    monkeypatch.setattr(evaluation, "z_diversity_ratio", lambda *a, **k: {"mean": 0.0})
    judges_ = _judges()
    upper = evaluation.upper_bound(data, judges_, n_images=12, splits=3, seed=1, min_per_split=1)
    rung = evaluation.evaluate(_model(), data, judges_, n_images=12, splits=3, seed=1, min_per_split=1, z_groups=2,
                               z_per_group=2)
    real, gen = seen["calls"]
    assert len(real["images"]) == len(gen["images"]) == 12
    assert (real["splits"], real["min_per_split"], real["fid_backbone"]) == (
        gen["splits"], gen["min_per_split"], gen["fid_backbone"]) == (3, 1, "classifier")
    # the real pictures come from the training and the test pairs alike, each with its own label
    pool, pool_labels = data.real_images()
    idx = spread_indices(pool_labels, 12, seed=1)
    assert np.array_equal(real["images"], pool[idx]) and real["labels"] == [pool_labels[i] for i in idx]
    assert {int(img[0, 0, 0]) for img in real["images"]} == {200, 180}
    for figures in (upper, rung):
        assert figures["n_images"] == 12 and figures["splits"] == 3
        assert 1.0 <= figures["score"] <= 2.0 + 1e-6 and 0.0 <= figures["accuracy"] <= 1.0
        assert math.isfinite(figures["fid"])
    assert rung["z_groups_per_class"] == {"dog": 1, "plane": 1}
    # row (a) says how many different real pictures it scored, out of how many there are: 12 drawn from 6 repeat
    assert (upper["n_distinct"], upper["n_real"]) == (6, 6)
    assert "n_distinct" not in rung and "n_real" not in rung
    few = evaluation.upper_bound(data, judges_, n_images=4, splits=2, seed=1, min_per_split=1)
    assert (few["n_images"], few["n_distinct"], few["n_real"]) == (4, 4, 6)  # no more than there are: all distinct
    drawn = seen["calls"][-1]["images"]
    assert np.array_equal(drawn, pool[spread_indices(pool_labels, 4, seed=1)])


def test_loudness_readout_finds_loudness_where_the_vector_carries_it(monkeypatch):
    rng = np.random.default_rng(0)
    loud = {split: rng.uniform(0.25, 1.0, n) for split, n in (("train", 200), ("test", 100))}

    def fake(params, feature, image_size, summary, device):
        def cond(split):
            noise = rng.normal(size=(len(loud[split]), 8))
            if feature == "soundnet":  # loudness in one coordinate, a little noise
                noise[:, 0] = 4 * np.log(loud[split]) + 0.05 * noise[:, 0]
            return noise
        return dataclasses.replace(_data(), train_cond=cond("train"), test_cond=cond("test"),
                                   train_loudness=loud["train"], test_loudness=loud["test"])

    monkeypatch.setattr(volume, "scene_data", fake)
    table = volume.loudness_readout({}, ["soundnet", "mfcc"])
    assert table.loc["soundnet", "held-out R^2"] > 0.95 and table.loc["soundnet", "Spearman rho"] > 0.95
    assert table.loc["mfcc", "held-out R^2"] < 0.1  # pure noise: nothing to read
    assert table.loc["soundnet", "test pairs"] == 100 and table.loc["soundnet", "dim"] == 8
    monkeypatch.setattr(volume, "scene_data", lambda *a: _data())  # no training loudness
    with pytest.raises(ParamsError, match="no loudness"):
        volume.loudness_readout({}, ["fbank"])


# ---- the ladder's summary and config table ------------------------------------------------------------------------

def _runs():
    rows = []
    for rung, acc in zip(LADDER, (0.1, 0.2, 0.3, 0.35, 0.37, 0.4, 0.45, 0.6, 0.62, 0.64, 0.66), strict=True):
        for seed in (0, 1):
            rows.append({"rung": rung, "seed": seed, "score": 1 + acc * 3 + seed * 0.01, "accuracy": acc + seed * 0.01,
                         "object_accuracy": acc / 2, "diversity": 0.5, "z_diversity": 0.2, "fid": 10 - acc})
    return pd.DataFrame(rows).sample(frac=1.0, random_state=0)  # any order in, the ladder's order out


def test_ladder_summary_puts_a_first_with_the_papers_numbers():
    upper = {"score": 8.0, "accuracy": 0.99, "object_accuracy": 0.9, "fid": 0.5}
    summary = ladder.summarise(_runs(), upper)
    assert list(summary.index) == ["a", *LADDER]
    assert summary.loc["g", "accuracy_mean"] == pytest.approx(0.605)
    assert summary.loc["g", "accuracy_std"] == pytest.approx(np.std([0.6, 0.61], ddof=1))
    assert summary.loc["a", "score_mean"] == 8.0 and summary.loc["a", "n_seeds"] == 1
    assert np.isnan(summary.loc["a", "score_std"]) and np.isnan(summary.loc["a", "diversity_mean"])
    for rung in ("a", "b", "c", "d", "e", "f", "g"):
        assert summary.loc[rung, "paper_IS"] == wan2019.TABLE4[rung].value
        assert summary.loc[rung, "paper_IS_std"] == wan2019.TABLE4[rung].spread
    assert np.isnan(summary.loc["d+", "paper_IS"])
    assert summary.loc["a", "model"] == "(a) Upper bound" and summary.loc["e", "model"] == "(e) + Hinge Loss"
    without = ladder.summarise(_runs())
    assert list(without.index) == list(LADDER) and (without.n_seeds == 2).all()
    metrics = ladder.ladder_metrics(summary)
    assert metrics["g"]["accuracy_mean"] == pytest.approx(0.605) and "paper_IS" not in metrics["g"]


def test_the_weight_average_rung_is_judged_paired_with_g():
    runs = _runs()
    ema = runs.rung == "g+ema"
    runs.loc[ema, "object_accuracy"] = runs.loc[ema, "seed"].map({0: 0.40, 1: 0.42}).to_numpy()  # g: 0.30 both
    runs.loc[ema, "fid"] = runs.loc[ema, "seed"].map({0: 9.0, 1: 9.2}).to_numpy()  # g: 9.4 both
    found = {f.claim: f for f in ladder.findings(runs)}
    acc = found["sampling (g) from its weight average (g+ema) raises its object-judge accuracy (the same trainings, "
                "paired by seed)"]
    assert acc.basis == "kit" and "paired difference +0.11" in acc.evidence and "n = 2 pairs" in acc.evidence
    fid = found["sampling (g) from its weight average (g+ema) lowers its FID (the same trainings, paired by seed)"]
    assert "9.400 vs 9.100" in fid.evidence
    assert "(g+ema)'s images show their object: object-judge accuracy reaches 50%" in found
    kit_found = {f.claim: f for f in ladder.findings(runs, kit_target=0.65)}
    kit = set(kit_found)
    # the kit rungs' targets are one family: three rungs, each at 0.05 / 3 (a 98.3 % interval)
    ema_target = kit_found["(g+ema)'s images show their object: object-judge accuracy reaches 65% (Bonferroni over "
                           "the 3 kit rungs' targets)"]
    assert ema_target.basis == "kit" and "98.3333 % t interval" in ema_target.evidence
    assert "(g)'s images show their object: object-judge accuracy reaches 50%" in kit  # (g) keeps the paper's target
    assert not any("g+ema" in c for c in found if "raises the classifier score over" in c)  # no paper step
    assert found["DiffAugment (g+ema+da) raises the object-judge accuracy over (g+ema)"].basis == "kit"
    assert "DiffAugment (g+ema+da) lowers the FID over (g+ema)" in found
    lecam = found["LeCam (g+ema+lc) lowers the FID over (g+ema)"]  # 9.34 against 9.1 over two seeds each
    assert lecam.basis == "kit" and "(df " in lecam.evidence
    assert "(g+ema+lc)'s images show their object: object-judge accuracy reaches 65% (Bonferroni over the 3 kit " \
        "rungs' targets)" in kit


def test_train_all_trains_g_once_for_g_and_its_weight_average(monkeypatch):
    from a2vlib.core import executor

    seen = {}
    monkeypatch.setattr(executor, "prefetch", lambda fn, units, cluster, what: seen.update(units=list(units)))
    data = SimpleNamespace(key={"feature": "fbank"})
    sizes = {"image_size": 32, "width": 8, "epochs": 1, "batch_size": 8}
    evaluation.train_all([(data, rung_config(r, **sizes), s) for r in ("c", "g", "g+ema") for s in (0, 1)])
    assert len(seen["units"]) == 4 and all(unit[2].weights == "last" for unit in seen["units"])
    assert [unit[3] for unit in seen["units"]] == [0, 1, 0, 1]
    other = SimpleNamespace(key={"feature": "mfcc"})  # another feature's data: another training
    evaluation.train_all([(d, rung_config(r, **sizes), 0) for d in (data, other) for r in ("g", "g+ema")])
    assert len(seen["units"]) == 2


def test_run_ladder_scores_every_rung(monkeypatch):
    seen = {}
    monkeypatch.setattr(ladder, "train_all", lambda runs, device, cluster: seen.update(trained=list(runs)))
    monkeypatch.setattr(ladder, "evaluate_all", lambda runs, *a, **k: [{"seed": s, "score": 1.0} for _, _, s in runs])
    out = ladder.run_ladder("data", None, {"image_size": 32, "width": 8, "epochs": 1, "batch_size": 8}, [0, 1],
                            ["c", "g", "g+ema"])
    assert len(seen["trained"]) == 6  # train_all keeps one training per (data, config, seed)
    assert out.rung.tolist() == ["c", "c", "g", "g", "g+ema", "g+ema"]


def test_feature_summary_puts_the_kit_rung_beside_g():
    from a2vlib.studies.wan2019 import feature_study

    runs = pd.DataFrame([{"rung": r, "feature": f, "feature_dim": DIMS[f], "seed": s, "score": 2.0 + s + (r != "g"),
                          "accuracy": 0.5, "object_accuracy": 0.4, "fid": 3.0}
                         for r in ("g", "g+ema") for f in ("mfcc", "fbank") for s in (0, 1)])
    summary = feature_study.feature_summary(runs)
    assert list(summary.index) == ["MFCCs", "Fbank", "MFCCs, kit rung (g+ema)", "Fbank, kit rung (g+ema)"]
    assert summary.loc["Fbank", "paper_IS"] == 2.12 and np.isnan(summary.loc["Fbank, kit rung (g+ema)", "paper_IS"])
    assert summary.loc["Fbank, kit rung (g+ema)", "score_mean"] == 3.5
    assert feature_study.feature_metrics(runs)["fbank"]["mean"] == 2.5
    assert feature_study.feature_metrics(runs, "g+ema")["fbank"]["mean"] == 3.5


def test_config_table_shows_each_step():
    table = ladder.config_table({"image_size": 32, "width": 8, "epochs": 1, "batch_size": 8})
    assert table.index.names == ["rung", "step"]
    assert list(table.columns) == ["over", "named by", "what", "changes"]
    assert table.loc[("(e) + Hinge Loss", "hinge"), "changes"] == "loss=hinge"
    assert table.loc[("(b) Improved WGAN", "improved_wgan"), "changes"] == "loss=wgan-gp"
    assert "g_steps=1" in table.loc[("(b+) with Gulrajani et al.'s settings (kit rung)", "gulrajani_settings"),
                                    "changes"]
    assert not table.changes.str.contains("image_size").any()
    assert len(ladder.config_table({}, ["g", "a"])) == 1  # (a) is no model: no row


def test_public_code_table_lists_every_deviation():
    table = ladder.public_code_table()
    assert table.loc["epochs_301", "applied as"] == "epochs=+1"
    assert table.loc["class_contiguous_folds", "applied as"] == "protocol=public, splits=10"
    assert table.loc["keyword_cleaning", "applied as"].startswith("not applied: ")
    assert table.loc["keyword_cleaning", "rungs"] == "-"
    assert table.loc["wgan_gp_weight_20", "rungs"] == "b"
    assert table.loc["wgan_gp_weight_20", "applied as"] == "gp_weight=20.0"
    assert table.loc["widths_200", "applied as"] == "width x 200/64"
    assert table.loc["negatives_summed_in_c", "applied as"] == "negatives=sum"
    assert table.loc["negatives_summed_in_c", "rungs"] == "c"
    # every deviation says where the public code shows it
    assert table["where (public code)"].str.len().gt(0).all()
    assert table.loc["wgan_gp_weight_20", "where (public code)"] == "models/model_improved_wgan.py:63: `lam=20`"
    assert table.loc["fresh_batch_per_g_step", "applied as"] == "fresh_g_batches=True"


# ---- the volume study -----------------------------------------------------------------------------------------

GAINS = [0.5, 1.0, 2.0, 3.0]


def test_measure_reads_the_object_size_and_the_trained_range():
    data, model = _data(), _model()
    grid = volume.images_at_gains(model, data, [0, 1, 2], GAINS)
    assert grid.shape == (3, 4, 32, 32, 3) and grid.dtype == np.uint8
    effect = volume.measure(grid, GAINS, data, [0, 1, 2])
    assert list(effect.columns) == ["sound", "class", "loudness", "gain", "in_trained_range", "object_size",
                                    "visual_magnitude", "within_real_range"]
    assert len(effect) == 12 and effect.sound.iloc[0] == "dog #0" and effect["class"].iloc[4] == "plane"
    # loudness x gain within SceneSynth's 0.25-1, boundaries included (0.5 x 0.5 and 0.5 x 2)
    assert effect.in_trained_range.tolist() == [False, True, True, True, True, True, True, False,
                                                True, True, False, False]
    # features re-extracted after the gain: louder -> larger condition -> larger square
    for _, one in effect.groupby("sound"):
        assert np.all(np.diff(one.object_size.to_numpy()) >= 0)
    assert effect.object_size.iloc[-1] > effect.object_size.iloc[0]
    assert effect.attrs["real_range"] == (pytest.approx(9 / 1024), pytest.approx(64 / 1024))
    assert effect.within_real_range.tolist() == [
        (9 / 1024 - 1e-9) <= s <= (64 / 1024 + 1e-9) for s in effect.object_size]
    assert not effect.within_real_range.all() and effect.within_real_range.any()
    np.testing.assert_allclose(effect.visual_magnitude, effect.object_size)  # one square, no noise


def _constructed_effect(sizes_by_sound, gains=(0.5, 1.0, 2.0), loudness=0.5):
    rows = [{"sound": f"s{k}", "class": "dog", "loudness": loudness, "gain": g,
             "in_trained_range": 0.25 <= loudness * g <= 1.0, "object_size": size, "visual_magnitude": size,
             "within_real_range": size <= 0.05}
            for k, sizes in enumerate(sizes_by_sound) for g, size in zip(gains, sizes)]
    table = pd.DataFrame(rows)
    table.attrs["real_range"] = (0.0, 0.05)
    return table


def test_bootstrap_spearman():
    rising = _constructed_effect([[0.01 + k * 1e-3, 0.03 + k * 1e-3, 0.06 + k * 1e-3] for k in range(5)])
    rho, se = volume.bootstrap_spearman(rising, reps=200)
    # three gains (tied ranks 3, 8, 13) against sizes ranked 1-15 group by group: rho = sqrt(25 / 28)
    assert rho == pytest.approx(math.sqrt(25 / 28), abs=1e-9)
    assert 0.0 <= se < 0.05
    assert volume.bootstrap_spearman(rising, reps=200) == (rho, se)  # seeded
    falling = _constructed_effect([[0.06, 0.03, 0.01]] * 4)
    assert volume.bootstrap_spearman(falling, reps=50)[0] == pytest.approx(-1.0)
    rho, se = volume.bootstrap_spearman(rising[rising.sound.isin(["s0", "s1"])])
    assert rho > 0.9 and math.isnan(se)  # two sounds: no bootstrap spread
    flat = _constructed_effect([[0.02] * 3] * 4)
    rho, se = volume.bootstrap_spearman(flat, reps=50)
    assert math.isnan(rho) and math.isnan(se)  # a constant object size has no rank correlation


def test_within_sound_spearman_keeps_sounds_apart():
    """Each sound grows with the gain, but the sounds differ far more than the gain moves them: pooled, the rank
    correlation is weak; within each sound it is 1."""
    effect = _constructed_effect([[0.050, 0.051, 0.052], [0.010, 0.011, 0.012], [0.030, 0.031, 0.032],
                                  [0.001, 0.002, 0.003]])
    rho, se = volume.bootstrap_within_sound(effect, reps=100)
    assert rho == 1.0 and se == 0.0
    assert volume.bootstrap_spearman(effect, reps=10)[0] < 0.3
    assert volume.findings(effect, 0.95)[0].status == "holds"
    # a sound with two gains in range counts; one whose object does not change counts as no growth (0)
    edge = _constructed_effect([[0.01, 0.02, 0.03], [0.02, 0.02, 0.02], [0.01, 0.03, 0.02]], gains=(0.5, 1.0, 2.5))
    assert volume._within_sound_spearman(edge[edge.in_trained_range]) == pytest.approx((1.0 + 0.0 + 1.0) / 3)
    assert "Spearman within each sound" in volume.findings(effect, 0.95)[0].claim


def test_the_kit_rung_of_the_volume_study_is_the_same_training_averaged(monkeypatch):
    data, model = _data(), _model()
    asked = {}

    def load(data_, config, seed, device, monitor=None):
        asked.update(weights=config.weights, key=config.cache_key(), seed=seed)
        return model
    monkeypatch.setattr(volume, "train_s2i", load)
    ema = volume.weight_average_effect(model, data, [0, 1, 2], GAINS)
    assert asked == {"weights": "ema", "key": model.config.cache_key(), "seed": model.seed}  # no new training
    table = volume.compare_models({"(g)": ema, "(g+ema)": ema})
    assert list(table.index) == ["(g)", "(g+ema)"] and "volume_spearman_within_sound" in table
    rising = _constructed_effect([[0.050, 0.051, 0.052], [0.010, 0.011, 0.012], [0.030, 0.031, 0.032]])
    share = volume.findings(rising, 0.95)[1]  # images of one sound are not independent: sounds are the unit
    assert share.basis == "kit" and "from 3 sounds" in share.evidence and "effective images" in share.evidence
    kit = volume.findings(rising, 0.95, kit_effect=rising)[3]
    assert kit.basis == "kit" and "(g+ema)" in kit.claim and kit.status == "holds"


def test_effect_metrics_and_table():
    effect = _constructed_effect([[0.01, 0.03, 0.06, 0.09]] * 3 + [[0.02, 0.04, 0.05, 0.02]], gains=(0.5, 1, 2, 3))
    metrics = volume.effect_metrics(effect)
    assert metrics["images"] == 16 and metrics["images_in_trained_range"] == 12  # 3x leaves the range
    assert metrics["share_within_real_range"] == pytest.approx(9 / 12)  # the 0.06 of three sounds is beyond 0.05
    assert metrics["share_within_real_range_all_gains"] == pytest.approx(10 / 16)
    assert metrics["volume_spearman_in_trained_range"] > metrics["volume_spearman_all_gains"]
    assert math.isfinite(metrics["volume_spearman_in_trained_range_se"])
    none_inside = volume.effect_metrics(effect.assign(in_trained_range=False))
    assert math.isnan(none_inside["share_within_real_range"]) and none_inside["images_in_trained_range"] == 0
    wide = volume.effect_table(effect)
    assert list(wide.columns) == ["sound", "x0.5", "x1", "x2", "x3"]
    assert wide.sound.tolist() == ["s0", "s1", "s2", "s3"]
    assert wide.loc[3, "x2"] == 0.05


def test_truth_spearman_reads_clean_reference_pictures(tmp_path, monkeypatch):
    from a2vlib.data.image_io import write_image

    def square(side):
        img = np.full((64, 64, 3), 200, np.uint8)
        img[8:8 + side, 8:8 + side] = 0
        return img

    # four clean reference pictures, the object growing with loudness; and three rows that must be left out, each
    # of which would break the relation: another split, a discrepant pair, a class outside SceneSynth-9's
    rows = [("reference", True, "dog", 0.2, 8), ("reference", True, "plane", 0.4, 12),
            ("reference", 1, "piano", 0.6, 16), ("reference", True, "dog", 0.8, 20),
            ("train", True, "dog", 0.9, 4), ("reference", False, "dog", 1.0, 4), ("reference", True, "other", 0.1, 30)]
    for k, (*_, side) in enumerate(rows):
        write_image(tmp_path / f"img{k}.png", square(side))
    manifest = pd.DataFrame([{"split": split, "is_consistent": ok, "sound_class": cls, "loudness": loud,
                              "image_path": f"img{k}.png"} for k, (split, ok, cls, loud, _) in enumerate(rows)])
    sizes = []
    real_load = volume.scenes.load_images

    def spy(root, rows_, size=None):
        sizes.append((size, len(rows_)))
        return real_load(root, rows_, size=size)

    monkeypatch.setattr(volume.scenes, "load_images", spy)
    assert volume.truth_spearman(manifest, tmp_path) == pytest.approx(1.0)
    assert volume.truth_spearman(manifest, tmp_path, image_size=16) == pytest.approx(1.0)
    assert sizes == [(32, 4), (16, 4)]  # measured at the study's image size (32 unless told), clean rows only
    shrinking = manifest.assign(loudness=[0.8, 0.6, 0.4, 0.2, 0.9, 1.0, 0.1])  # the kept four reversed
    assert volume.truth_spearman(shrinking, tmp_path) == pytest.approx(-1.0)


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
    assert [value for _, value in picker.options] == [0, 1] and (slider.min, slider.max) == (0.5, 3.0)
    slider.value = 2.0  # runs the callback
    picker.value = 1
    assert picker.value == 1


def test_pick_sounds_and_gains():
    data = _data()
    assert volume.pick_sounds(data, target_loudness=0.4) == [0, 1]  # per class, the loudness nearest the target
    assert volume.pick_sounds(data, classes=["dog"], target_loudness=0.7) == [2]
    assert volume.pick_sounds(data, per_class=2, classes=["dog"], target_loudness=0.35) == [0, 2]
    with pytest.raises(ParamsError, match="no test sounds"):
        volume.pick_sounds(data, classes=["piano"])
    assert volume.continuous_gains(6) == [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
    assert volume.KIT_GAINS == (0.5, 1.0, 2.0, 3.0)


def test_z_diversity_groups_are_balanced_for_any_class_count():
    """Ten digit classes get two groups each (20), nine SceneSynth classes two each (18): never 8 with two, 2 with one."""
    from collections import Counter

    from a2vlib.studies.wan2019.evaluation import z_group_indices

    for classes, n in ((list("abcdefghi"), 18), (list("0123456789"), 20)):
        labels = [c for c in classes for _ in range(5)]
        picked = z_group_indices(labels, classes, 18)
        assert len(picked) == n and set(Counter(labels[i] for i in picked).values()) == {2}


def test_rung_samples_show_reference_pictures_as_the_real_row(monkeypatch):
    """A test pair's picture may be a discrepant pair the cleaning kept (a guitar as the real 'dog'): the real row
    shows a reference picture of each class."""
    data = _data()
    monkeypatch.setattr(ladder, "train_s2i", lambda *a, **k: None)
    monkeypatch.setattr(ladder, "generate", lambda model, cond, seed: np.zeros((len(cond), 32, 32, 3), np.uint8))
    rows, labels, columns = ladder.rung_samples(data, {}, rungs=["c"])
    assert columns == ["dog", "plane"] and labels == ["(a) real", "(c)"]
    assert [int((img[..., 0] == 0).sum()) for img in rows[0]] == [3 * 3, 6 * 6]  # reference squares 3 and 6


def test_readings_table_states_the_kits_choices():
    table = ladder.readings_table()
    assert list(table.columns) == ["paper", "kit"] and len(table) == 3
    assert "mismatched term" in table.loc["no_mismatched_term_before_hinge", "kit"]


def test_score_protocols_choose_and_order_the_test_sounds():
    from a2vlib.studies.wan2019.evaluation import protocol_indices

    labels = ["dog", "drum", "dog", "guitar", "drum", "dog"]
    classes = ["guitar", "dog", "drum"]
    kit = protocol_indices(labels, classes, "kit", 10, seed=0)
    assert len(kit) == 10 and set(kit) == set(range(6))  # n_images over the sounds, each about equally often
    paper = protocol_indices(labels, classes, "paper", 10, seed=0)
    assert sorted(paper) == list(range(6))  # one image per test sound, whatever n_images says
    public = protocol_indices(labels, classes, "public", 10, seed=0)
    assert [labels[i] for i in public] == ["guitar", "dog", "dog", "dog", "drum", "drum"]  # class-contiguous folds
    with pytest.raises(ValueError, match="protocol 'x'"):
        protocol_indices(labels, classes, "x", 10, seed=0)
