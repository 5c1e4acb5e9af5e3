"""One registry of the kit's named parts: sound features, models, judges, losses, metrics and FID backbones.

Parameter files and notebooks name things (``feature: soundnet``, ``fid_backbone: inception``); this is where a name
becomes the code it stands for, and where an unknown name becomes an error that lists the known ones. Entries are
``"module:attribute"`` strings resolved on first use, so reading the registry (to check a parameter file) imports
neither torch nor a room. A part that one paper alone uses is named by its place in that paper's room and is
resolved only by that room's code.
"""
from __future__ import annotations

import importlib
from typing import Any

from a2vlib.core.errors import ParamsError

REGISTRY: dict[str, dict[str, str]] = {
    "feature": {  # a sound clip -> the vector that conditions an S2I generator (Wan et al. §4.1)
        "spectrogram": "a2vlib.studies.wan2019.conditioning:sound_vectors",
        "fbank": "a2vlib.studies.wan2019.conditioning:sound_vectors",
        "mfcc": "a2vlib.studies.wan2019.conditioning:sound_vectors",
        "soundnet": "a2vlib.studies.wan2019.conditioning:sound_vectors",
    },
    "dataset": {  # the pairs the S2I notebooks (00, 02, 04) train on: a parameter, not a copy of the notebooks
        "scenesynth": "a2vlib.studies.wan2019.catalog:scenesynth",
        "digits": "a2vlib.data.digits:write_pairs",
    },
    "feature_summary": {  # how a feature sequence becomes one vector
        "mean": "a2vlib.studies.wan2019.conditioning:sound_vectors",
        "mean_std": "a2vlib.studies.wan2019.conditioning:sound_vectors",
    },
    "representation": {  # Chen et al.'s time-frequency representations (Table 1)
        name: "a2vlib.studies.chen2017.time_frequency:represent" for name in ("stft", "cqt", "mfcc", "ms", "lms")},
    "model": {
        "s2i": "a2vlib.models.s2i:build_s2i",
        "image_classifier": "a2vlib.models.classifiers:ImageClassifier",
        "spectrogram_classifier": "a2vlib.models.classifiers:SpectrogramClassifier",
        "soundnet8": "a2vlib.features.soundnet:load_soundnet",
    },
    "judge": {  # judges of generated images, trained on real ones
        "scene": "a2vlib.metrics.image.accuracy:train_judges",
        "object": "a2vlib.metrics.image.accuracy:train_judges",
    },
    "loss": {name: "a2vlib.training.losses:get_loss" for name in ("bce", "hinge", "wgan-gp", "wgan", "lsgan")},
    "metric": {
        "classifier_score": "a2vlib.metrics.image.scores:classifier_score",
        "inception_score": "a2vlib.metrics.image.scores:inception_score",
        "fid": "a2vlib.metrics.image.distances:fid",
        "kid": "a2vlib.metrics.image.distances:kid",
        "accuracy": "a2vlib.metrics.image.accuracy:classification_accuracy",
        "diversity": "a2vlib.metrics.image.diversity:diversity_ratio",
        "z_diversity": "a2vlib.metrics.image.diversity:z_diversity_ratio",
    },
    "fid_backbone": {  # the features FID is computed on
        "inception": "a2vlib.metrics.image.distances:InceptionFeatures",
        "classifier": "a2vlib.metrics.image.distances:classifier_features",
    },
}

# Parameter names whose values name registered parts: checked when a profile loads, so a typo fails at once.
PARAM_KINDS: dict[str, str] = {"dataset": "dataset", "feature": "feature", "features": "feature", "summary": "feature_summary",
                               "fid_backbone": "fid_backbone"}


def names(kind: str) -> tuple[str, ...]:
    """The registered names of ``kind`` (``feature``, ``model``, ``judge``, ``loss``, ``metric``, ...)."""
    if kind not in REGISTRY:
        raise ParamsError(f"unknown kind {kind!r}; the registry holds {', '.join(REGISTRY)}")
    return tuple(REGISTRY[kind])


def check(kind: str, name: str, where: str = "") -> str:
    """``name`` if it is registered under ``kind``, else a :class:`ParamsError` naming ``where`` it came from and
    the known names."""
    known = names(kind)
    if name not in known:
        at = f"{where}: " if where else ""
        raise ParamsError(f"{at}unknown {kind} {name!r}; known: {', '.join(known)}")
    return name


def get(kind: str, name: str) -> Any:
    """The code registered as ``name`` under ``kind`` (imported on first use)."""
    module, attr = REGISTRY[kind][check(kind, name)].split(":")
    return getattr(importlib.import_module(module), attr)
