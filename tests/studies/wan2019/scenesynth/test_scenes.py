"""SceneSynth-9: determinism, variety, loudness in sound and picture, discrepant pairs, files, separability."""
from __future__ import annotations

import os

import numpy as np
import pytest
from scipy.stats import spearmanr

from a2vlib.studies.wan2019 import scenesynth as S
from a2vlib.data import soundfont
from a2vlib.core.errors import DataError, ParamsError

SMALL = S.SceneSynthConfig(seed=5, n_train=18, n_test=9, n_reference=18)


def _rng(*key: int) -> np.random.Generator:
    return np.random.default_rng(key)


@pytest.fixture(scope="module")
def small_pairs() -> list[S.Pair]:
    return S.generate_pairs(SMALL)


@pytest.fixture(scope="module")
def clean_images() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """40 pictures per class at uniform random loudness: (images, class index, loudness)."""
    images, labels, loud = [], [], []
    for ci, cls in enumerate(S.CLASSES):
        for j in range(40):
            rng = _rng(1, ci, j)
            loudness = float(rng.uniform(*S.LOUDNESS_RANGE))
            images.append(S.render_image(cls, loudness, rng))
            labels.append(ci)
            loud.append(loudness)
    return np.stack(images), np.array(labels), np.array(loud)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple:
    root = tmp_path_factory.mktemp("scenes") / "synth"
    cfg = S.SceneSynthConfig(seed=2, n_train=9, n_test=9, n_reference=9)
    return cfg, S.write_dataset(cfg, root)


# --- configuration -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field, value", [("n_train", -1), ("proportions", "zipf"), ("discrepant_share", 1.5),
                                          ("seed", -3), ("image_size", 8), ("seconds", 0.0), ("n_test", 2.5)])
def test_config_rejects_bad_values_naming_the_field(field, value):
    with pytest.raises(ParamsError, match=field):
        S.SceneSynthConfig(**{field: value})


def test_paper_proportions_follow_table1_with_at_least_two_per_class():
    counts = S.class_counts(300, "paper")
    assert sum(counts.values()) == 300 and min(counts.values()) >= 2
    assert max(counts, key=counts.get) == "plane" and counts["soccer"] > counts["baseball"] > counts["dam"]
    assert S.class_counts(20, "balanced") == {c: 3 if i < 2 else 2 for i, c in enumerate(S.CLASSES)}
    with pytest.raises(ParamsError, match="n_train"):
        S.SceneSynthConfig(n_train=10, proportions="paper")


def test_unknown_class_and_bad_loudness_raise():
    with pytest.raises(ParamsError, match="cat"):
        S.render_image("cat", 0.5, _rng(0))
    with pytest.raises(ParamsError, match="cat"):
        S.render_sound("cat", 0.5, _rng(0))
    with pytest.raises(ParamsError, match="loudness"):
        S.render_image("dog", 1.5, _rng(0))


def test_missing_soundfont_says_run_make_setup(monkeypatch):
    monkeypatch.setattr(soundfont.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(DataError, match="make setup"):
        soundfont.soundfont_path()


# --- determinism and variety ---------------------------------------------------------------------------------


def test_same_seed_same_pairs_and_pairs_do_not_depend_on_other_counts(small_pairs):
    again = S.generate_pairs(SMALL)
    for a, b in zip(small_pairs, again, strict=True):
        assert a.pair_id == b.pair_id and a.discrepancy == b.discrepancy and a.loudness == b.loudness
        assert np.array_equal(a.image, b.image) and np.array_equal(a.audio, b.audio)
    # other splits' counts (and the order pairs are made in, which touches the shared synthesizer) change nothing
    other = S.SceneSynthConfig(seed=5, n_train=18, n_test=0, n_reference=45)
    train = {p.pair_id: p for p in small_pairs if p.split == "train"}
    for p in S.generate_pairs(other, splits=("train",)):
        assert np.array_equal(p.image, train[p.pair_id].image) and np.array_equal(p.audio, train[p.pair_id].audio)


def test_different_seeds_differ(small_pairs):
    other = S.generate_pairs(S.SceneSynthConfig(seed=6, n_train=18, n_test=9, n_reference=18), splits=("reference",))
    ref = [p for p in small_pairs if p.split == "reference"]
    assert [p.pair_id for p in other] == [p.pair_id for p in ref]
    assert all(not np.array_equal(a.image, b.image) and not np.array_equal(a.audio, b.audio)
               for a, b in zip(ref, other))


@pytest.mark.parametrize("cls", S.CLASSES)
def test_each_class_varies_in_picture_and_sound(cls):
    images = [S.render_image(cls, 0.6, _rng(3, k)) for k in range(3)]
    sounds = [S.render_sound(cls, 0.6, _rng(3, k), seconds=1.0) for k in range(3)]
    for i in range(3):
        for j in range(i):
            assert np.abs(images[i].astype(int) - images[j]).mean() > 5  # a different scene, not just noise
            assert np.corrcoef(sounds[i], sounds[j])[0, 1] < 0.5


# --- loudness ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", S.CLASSES + ("other",))
def test_sound_rms_follows_loudness_and_never_clips(cls):
    for k, loudness in enumerate((0.25, 0.6, 1.0)):
        rng = _rng(4, k)
        y = S.render_unrelated_sound(rng, loudness) if cls == "other" else S.render_sound(cls, loudness, rng)
        assert y.dtype == np.float32 and y.shape == (44100,)
        assert np.sqrt(np.mean(y.astype(np.float64) ** 2)) == pytest.approx(S.RMS_PER_LOUDNESS * loudness, rel=1e-3)
        assert np.abs(y).max() < 0.95


def test_visual_magnitude_follows_loudness(clean_images):
    images, labels, loud = clean_images
    mag = S.visual_magnitude(images)
    assert spearmanr(loud, mag)[0] >= 0.9
    for ci, cls in enumerate(S.CLASSES):
        assert spearmanr(loud[labels == ci], mag[labels == ci])[0] >= 0.85, cls


def test_objects_leave_most_of_every_row_to_the_background(clean_images):
    # the per-row median is the background only while objects cover well under half of a row
    x = clean_images[0].astype(np.float32)
    fg = ((x - np.median(x, axis=2, keepdims=True)) ** 2).sum(-1) > S.MAGNITUDE_THRESHOLD ** 2
    assert fg.mean(axis=2).max() <= 0.47


def test_visual_magnitude_same_on_float_pictures(clean_images):
    images = clean_images[0][::20]
    as_float = images.astype(np.float32) / 127.5 - 1.0  # how a generator's tanh output looks
    assert np.array_equal(S.visual_magnitude(as_float), S.visual_magnitude(images))
    assert isinstance(S.visual_magnitude(images[0]), float)
    with pytest.raises(DataError):
        S.visual_magnitude(np.zeros((4, 64, 64)))


def _old_object_mask(images, tol):
    """The object judge's mask as a2vlib.metrics.image.accuracy computed it before it shared SceneSynth's."""
    diff = images.astype(np.float32) - np.median(images, axis=2, keepdims=True)
    return (diff ** 2).sum(axis=-1) > tol ** 2


def _old_visual_magnitude(images):
    """SceneSynth's visual magnitude as it was computed before it shared the object judge's mask."""
    x = images.astype(np.float32) if images.dtype == np.uint8 else (images.astype(np.float32) + 1.0) * 127.5
    dist2 = ((x - np.median(x, axis=2, keepdims=True)) ** 2).sum(axis=-1)
    return (dist2 > S.MAGNITUDE_THRESHOLD ** 2 + 0.125).mean(axis=(1, 2))


def test_one_background_mask_gives_the_values_of_both_former_ones(clean_images):
    from a2vlib.studies.wan2019.scenesynth import magnitude
    from a2vlib.metrics.image import accuracy

    assert accuracy.object_mask is magnitude.object_mask and accuracy.row_background is magnitude.row_background
    images = clean_images[0][::7]
    noise = np.random.default_rng(0).integers(0, 256, (6, 16, 16, 3)).astype(np.uint8)
    for tol in (10.0, 25.3, 40.0, 40.2, 60.0):  # uint8: the halfway cut equals the former "> tol ** 2"
        for x in (images, noise):
            assert np.array_equal(S.object_mask(x, tol), _old_object_mask(x, tol))
    as_float = images.astype(np.float32) / 127.5 - 1.0
    noisy = np.clip(as_float + np.random.default_rng(1).normal(0, 0.05, as_float.shape), -1, 1)
    for x in (images, as_float, noisy, noisy.astype(np.float32), noise):
        assert np.array_equal(S.visual_magnitude(x), _old_visual_magnitude(x))
    np.testing.assert_array_equal(S.row_background(images), np.median(images, axis=2, keepdims=True))


# --- discrepant pairs and splits -----------------------------------------------------------------------------


def test_discrepant_share_and_mix():
    cfg = S.SceneSynthConfig(seed=0, n_train=180, n_test=0, n_reference=0, discrepant_share=0.6)
    pairs = S.generate_pairs(cfg, splits=("train",))
    kinds = [p.discrepancy for p in pairs]
    share = np.mean([k != "none" for k in kinds])
    assert 0.48 <= share <= 0.72  # 0.6 +- 3 binomial standard deviations
    assert {"other_scene", "unrelated_view", "unrelated_sound"} <= set(kinds)
    for p in pairs:
        assert p.is_consistent == (p.discrepancy == "none")
        assert (p.sound_class == S.OTHER) == (p.discrepancy == "unrelated_sound")
        assert (p.image_class == S.OTHER) == (p.discrepancy == "unrelated_view")
        assert p.label == p.sound_class
    none = S.generate_pairs(S.SceneSynthConfig(seed=0, n_train=18, n_test=0, n_reference=0, discrepant_share=0.0),
                            splits=("train",))
    assert all(p.discrepancy == "none" for p in none)


def test_reference_split_is_clean_with_other_pairs(small_pairs):
    ref = [p for p in small_pairs if p.split == "reference"]
    assert all(p.discrepancy == "none" and p.is_consistent for p in ref)
    labels = [p.label for p in ref]
    assert labels.count(S.OTHER) == 2 and all(labels.count(c) == 2 for c in S.CLASSES)
    assert all(p.image.shape == (64, 64, 3) and p.image.dtype == np.uint8 for p in small_pairs)
    assert all(S.LOUDNESS_RANGE[0] <= p.loudness <= S.LOUDNESS_RANGE[1] for p in small_pairs)


# --- files ---------------------------------------------------------------------------------------------------


def test_written_dataset_round_trips(written):
    cfg, root = written
    df = S.load_manifest(root)
    assert list(df.columns) == S.MANIFEST_COLUMNS and len(df) == 9 + 9 + 9 + 1
    pairs = {p.pair_id: p for p in S.generate_pairs(cfg)}
    images = S.load_images(root, df)
    audio = S.load_audio(root, df)
    for row, img, clip in zip(df.itertuples(), images, audio):
        p = pairs[row.pair_id]
        assert np.array_equal(img, p.image)
        assert np.abs(clip - p.audio).max() < 1e-3  # 16-bit WAV
        assert (row.sound_class, row.image_class, row.discrepancy, bool(row.is_consistent)) == \
            (p.sound_class, p.image_class, p.discrepancy, p.is_consistent)
        assert row.loudness == pytest.approx(p.loudness)
    assert S.load_images(root, df.iloc[:2], size=32).shape == (2, 32, 32, 3)


def test_write_dataset_twice_leaves_files_untouched(written):
    cfg, root = written
    stamps = {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}
    assert S.write_dataset(cfg, root) == root
    assert stamps == {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}
    with pytest.raises(DataError, match="never overwritten"):
        S.write_dataset(S.SceneSynthConfig(seed=3, n_train=9, n_test=9, n_reference=9), root)
    assert stamps == {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def test_manifest_row_with_missing_file_names_it(written, tmp_path):
    import shutil

    _, root = written
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    df = S.load_manifest(copy)
    victim = copy / df.audio_path.iloc[3]
    os.remove(victim)
    with pytest.raises(DataError, match=str(victim)) as err:
        S.load_manifest(copy)
    assert df.pair_id.iloc[3] in str(err.value) and "manifest.csv" in str(err.value)
    (copy / "manifest.csv").write_text("pair_id,split\nx,train\n")
    with pytest.raises(DataError, match="missing columns"):
        S.load_manifest(copy)
    with pytest.raises(DataError, match="manifest not found"):
        S.load_manifest(tmp_path / "nowhere")


# --- the classes can be told apart -----------------------------------------------------------------------------


def _accuracy(features: np.ndarray, labels: np.ndarray) -> float:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train = np.arange(len(labels)) % 2 == 0
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000)).fit(features[train], labels[train])
    return float((clf.predict(features[~train]) == labels[~train]).mean())


def test_pictures_are_separable_by_a_simple_classifier(clean_images):
    images, labels, _ = clean_images
    x = images.astype(np.float32) / 255
    pixels = x.reshape(len(x), 8, 8, 8, 8, 3).mean(axis=(2, 4)).reshape(len(x), -1)  # 8x8 thumbnails
    q = (x * 3.999).astype(int)
    codes = q[..., 0] * 16 + q[..., 1] * 4 + q[..., 2]
    colours = np.stack([np.bincount(c.ravel(), minlength=64) for c in codes]) / codes[0].size  # colour histogram
    assert _accuracy(np.concatenate([pixels, np.sqrt(colours)], axis=1), labels) >= 0.9


def test_sounds_are_separable_by_a_simple_classifier():
    import librosa

    feats, labels = [], []
    for ci, cls in enumerate(S.CLASSES):
        for j in range(16):
            rng = _rng(2, ci, j)
            y = S.render_sound(cls, float(rng.uniform(*S.LOUDNESS_RANGE)), rng)
            mel = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=22050, n_fft=1024, hop_length=512,
                                                                     n_mels=40))
            feats.append(np.concatenate([mel.mean(axis=1), mel.std(axis=1)]))
            labels.append(ci)
    assert _accuracy(np.stack(feats), np.array(labels)) >= 0.9
