"""The cleaned SceneSynth-9 pairs with their sound vectors: what every S2I notebook (02, 04, 05) trains on.

The pairs are the ones notebook 01's cleaning keeps (one cached cleaning per dataset definition); each sound becomes
one vector by Wan §4.1's rule (every feature averaged over time; ``summary="mean_std"`` adds the spread over time, for
all four features alike); the vectors are standardised with the training set's statistics.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import torch

from a2vlib.core.cache import cached
from a2vlib.core.errors import DataError, ParamsError
from a2vlib.data import catalog
from a2vlib.data import scenesynth as scenes
from a2vlib.features.conditioning import FEATURES, SUMMARIES, FeatureScaler, sound_vectors
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
    """The cleaned pairs of the dataset ``params`` define, with ``feature`` vectors and images at ``image_size``;
    the cleaning and the features are cached."""
    if feature not in FEATURES:
        raise ParamsError(f"unknown sound feature {feature!r}; use one of {', '.join(FEATURES)}")
    if summary not in SUMMARIES:
        raise ParamsError(f"unknown feature summary {summary!r}; use one of {', '.join(SUMMARIES)}")
    cleaning = clean_dataset(params, device)
    root, kept = cleaning.root, cleaning.kept_pairs
    if kept.empty:
        raise DataError("cleaning kept no pairs; enlarge n_train or lower discrepant_share")
    manifest = cleaning.manifest
    reference = manifest[(manifest.split == "reference") & manifest.sound_class.isin(scenes.CLASSES)]
    sr = int(scenes.read_config(root)["sample_rate"])
    key = {"dataset": catalog.dataset_key(params), "classifier_epochs": params.get("classifier_epochs"),
           "feature": feature, "summary": summary, "image_size": image_size}

    def build(folder: Path) -> None:
        np.save(folder / "vectors.npy", sound_vectors(scenes.load_audio(root, kept), sr, feature, summary, device))

    vectors = np.load(cached("scene_features", key, build) / "vectors.npy")
    train, test = (kept.split == "train").to_numpy(), (kept.split == "test").to_numpy()
    if train.sum() == 0 or test.sum() == 0:
        raise DataError(f"after cleaning: {train.sum()} training and {test.sum()} test pairs; both must be > 0")
    scaler = FeatureScaler.fit(vectors[train])
    images = scenes.load_images(root, kept, size=image_size)
    return SceneData(
        feature=feature, summary=summary, classes=list(scenes.CLASSES), image_size=image_size, sample_rate=sr,
        key=key, train_images=images[train], train_labels=kept.label[train].tolist(),
        train_cond=scaler.transform(vectors[train]), test_images=images[test], test_labels=kept.label[test].tolist(),
        test_cond=scaler.transform(vectors[test]), test_audio=scenes.load_audio(root, kept[test]),
        test_loudness=kept.loudness[test].to_numpy(),
        reference_images=scenes.load_images(root, reference, size=image_size),
        reference_labels=reference.sound_class.tolist(), scaler=scaler, device=str(device),
        clean_digest=cleaning.digest)


def data_summary(data: SceneData) -> pd.DataFrame:
    """Cleaned pairs per class and split, with the feature's dimension."""
    table = pd.DataFrame({"train": pd.Series(data.train_labels).value_counts(),
                          "test": pd.Series(data.test_labels).value_counts()}).reindex(data.classes).fillna(0)
    table = table.astype(int)
    table.loc["total"] = table.sum()
    table.attrs["feature_dim"] = data.cond_dim
    return table
