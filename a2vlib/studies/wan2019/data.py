"""The cleaned SceneSynth-9 pairs with their sound vectors: what every S2I notebook (02, 04, 05) trains on.

The pairs are the ones notebook 01's cleaning keeps (one cached cleaning per dataset definition), or, with the
parameter ``dataset: digits``, spoken digits paired with MNIST pictures (real sounds and real images, consistent by
construction, so not cleaned; :mod:`a2vlib.data.digits`). Each sound becomes
one vector by Wan §4.1's rule (every feature averaged over time; ``summary="mean_std"`` adds the spread over time, for
all four features alike); the vectors are standardised with the training set's statistics.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import torch

from a2vlib.core.cache import cached
from a2vlib.core.errors import DataError, ParamsError
from a2vlib.data import digits
from a2vlib.studies.wan2019 import catalog
from a2vlib.data.image_io import resize_images
from a2vlib.studies.wan2019 import scenesynth as scenes
from a2vlib.studies.wan2019.conditioning import FEATURES, SUMMARIES, FeatureScaler, sound_vectors
from a2vlib.papers import wan2019
from a2vlib.studies.wan2019.cleaning import clean_dataset

FEATURE_NAMES = wan2019.TABLE2_FEATURES  # as the paper's Table 2 prints them


@dataclass
class SceneData:
    """Cleaned SceneSynth-9 pairs ready for S2I training: images, standardised sound vectors, agreed labels."""

    feature: str
    summary: str
    classes: list[str]
    image_size: int
    sample_rate: int
    key: dict[str, Any]  # what produced it: dataset, cleaning and feature parameters (keys the model cache)
    train_images: np.ndarray
    train_labels: list[str]
    train_cond: np.ndarray
    test_images: np.ndarray
    test_labels: list[str]
    test_cond: np.ndarray
    test_audio: list[np.ndarray]
    test_loudness: np.ndarray
    reference_images: np.ndarray
    reference_labels: list[str]
    scaler: FeatureScaler
    device: str = "cpu"
    clean_digest: str = ""  # of the kept pairs (:attr:`CleaningRun.digest`): the same in 01 and here
    # pictures of one object on a background: a second judge sees them with the backgrounds shuffled; digits have none
    object_judge: bool = True
    # real pictures the judges never learn from, to measure them on (default: the test pairs' pictures)
    judge_test_images: np.ndarray | None = None
    judge_test_labels: list[str] | None = None
    train_loudness: np.ndarray | None = None  # each training sound's loudness (the volume study's read-out)

    @property
    def cond_dim(self) -> int:
        return int(self.train_cond.shape[1])

    def condition(self, waveforms: Sequence[np.ndarray]) -> np.ndarray:
        """Sound vectors of new clips (a gain applied, say), standardised as the training set was."""
        return self.scaler.transform(sound_vectors(waveforms, self.sample_rate, self.feature, self.summary,
                                                   self.device))

    def training_tensors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(images in [-1, 1], conditions, class indices) for the trainer."""
        x = torch.from_numpy(self.train_images).permute(0, 3, 1, 2).float() / 127.5 - 1
        labels = torch.tensor([self.classes.index(c) for c in self.train_labels])
        return x, torch.from_numpy(self.train_cond), labels

    def judge_test(self) -> tuple[np.ndarray, list[str]]:
        """Held-out real pictures and labels to measure the judges on."""
        if self.judge_test_images is not None and self.judge_test_labels is not None:
            return self.judge_test_images, self.judge_test_labels
        return self.test_images, self.test_labels

    def real_images(self) -> tuple[np.ndarray, list[str]]:
        """All real pictures of the cleaned pairs, training and test (Table 4 row (a) scores these)."""
        return np.concatenate([self.train_images, self.test_images]), self.train_labels + self.test_labels


def spread_indices(labels: Sequence[str], n: int, seed: int = 0) -> np.ndarray:
    """``n`` indices into ``labels`` in a seeded random order (a score's splits are contiguous blocks and must each
    be a sample of all classes, not of one): distinct items when there are ``n`` of them, else every item about
    equally often."""
    rng = np.random.default_rng(seed)
    if n <= len(labels):
        return rng.permutation(len(labels))[:n]
    return rng.permutation(np.arange(n) % len(labels))


def scene_data(params: Mapping[str, Any], feature: str = "soundnet", image_size: int = 32, summary: str = "mean",
               device: str | torch.device = "cpu") -> SceneData:
    """The pairs of the dataset ``params`` define (SceneSynth-9 after notebook 01's cleaning, or the digit pairs),
    with ``feature`` vectors and images at ``image_size``; the cleaning and the features are cached."""
    if feature not in FEATURES:
        raise ParamsError(f"unknown sound feature {feature!r}; use one of {', '.join(FEATURES)}")
    if summary not in SUMMARIES:
        raise ParamsError(f"unknown feature summary {summary!r}; use one of {', '.join(SUMMARIES)}")
    if catalog.dataset_name(params) == "digits":
        return _digit_data(params, feature, image_size, summary, device)
    cleaning = clean_dataset(params, device)
    root, kept = cleaning.root, cleaning.kept_pairs
    if kept.empty:
        raise DataError("cleaning kept no pairs; enlarge n_train or lower discrepant_share")
    manifest = cleaning.manifest
    reference = manifest[(manifest.split == "reference") & manifest.sound_class.isin(scenes.CLASSES)]
    key = {"dataset": catalog.dataset_key(params), "classifier_epochs": params.get("classifier_epochs"),
           "feature": feature, "summary": summary, "image_size": image_size}
    return _with_vectors(root, kept, key, list(scenes.CLASSES), scenes.load_images(root, reference, size=image_size),
                         reference.sound_class.tolist(), device, clean_digest=cleaning.digest)


def _digit_data(params: Mapping[str, Any], feature: str, image_size: int, summary: str,
                device: str | torch.device) -> SceneData:
    """Spoken digits with MNIST pictures: every pair kept (consistent by construction), the judge's own MNIST images
    (no pair uses them) as the reference, its held-out ones to measure it on."""
    root, pairs = catalog.dataset(params)
    key = {"dataset": catalog.dataset_key(params), "feature": feature, "summary": summary, "image_size": image_size}
    reference, reference_labels = digits.judge_images("judge")
    held_out, held_out_labels = digits.judge_images("test")
    digest = hashlib.sha256(pairs[["pair_id", "mnist_index"]].to_csv(index=False).encode()).hexdigest()[:16]
    return _with_vectors(root, pairs, key, list(digits.DIGITS), resize_images(reference, image_size),
                         reference_labels, device, clean_digest=digest, object_judge=False,
                         judge_test_images=resize_images(held_out, image_size), judge_test_labels=held_out_labels)


def _with_vectors(root: Path, kept: pd.DataFrame, key: dict[str, Any], classes: list[str],
                  reference_images: np.ndarray, reference_labels: list[str], device: str | torch.device,
                  **extra: Any) -> SceneData:
    """The pairs ``kept`` (train and test rows of a manifest under ``root``) with their cached sound vectors."""
    sr = catalog.sample_rate(root)
    feature, summary, image_size = key["feature"], key["summary"], key["image_size"]

    def build(folder: Path) -> None:
        np.save(folder / "vectors.npy", sound_vectors(scenes.load_audio(root, kept), sr, feature, summary, device))

    vectors = np.load(cached("scene_features", key, build) / "vectors.npy")
    train, test = (kept.split == "train").to_numpy(), (kept.split == "test").to_numpy()
    if train.sum() == 0 or test.sum() == 0:
        raise DataError(f"{train.sum()} training and {test.sum()} test pairs; both must be > 0")
    scaler = FeatureScaler.fit(vectors[train])
    images = scenes.load_images(root, kept, size=image_size)
    labels = kept.sound_class.astype(str) if "label" not in kept else kept.label.astype(str)
    return SceneData(
        feature=feature, summary=summary, classes=classes, image_size=image_size, sample_rate=sr,
        key=key, train_images=images[train], train_labels=labels[train].tolist(),
        train_cond=scaler.transform(vectors[train]), test_images=images[test], test_labels=labels[test].tolist(),
        test_cond=scaler.transform(vectors[test]), test_audio=scenes.load_audio(root, kept[test]),
        test_loudness=kept.loudness[test].to_numpy(), reference_images=reference_images,
        reference_labels=list(reference_labels), scaler=scaler, device=str(device),
        train_loudness=kept.loudness[train].to_numpy(), **extra)


def data_summary(data: SceneData) -> pd.DataFrame:
    """Cleaned pairs per class and split, with the feature's dimension."""
    table = pd.DataFrame({"train": pd.Series(data.train_labels).value_counts(),
                          "test": pd.Series(data.test_labels).value_counts()}).reindex(data.classes).fillna(0)
    table = table.astype(int)
    table.loc["total"] = table.sum()
    table.attrs["feature_dim"] = data.cond_dim
    return table
