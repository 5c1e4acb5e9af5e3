"""Trained things of the S2I study, each cached by what produced it: the two judges of generated images and the S2I
generators. A notebook that asks for a model another notebook already trained (05 reusing 04's full model) loads it."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import torch

from a2vlib.core.cache import cached
from a2vlib.core.device import seed_everything
from a2vlib.metrics.image import classification_accuracy, train_judges
from a2vlib.models.classifiers import ImageClassifier, TrainedClassifier
from a2vlib.models.s2i import S2IConfig, build_s2i, generate_images
from a2vlib.studies.wan2019.data import SceneData, spread_indices
from a2vlib.training.trainer import fit_cached


@dataclass
class Judges:
    """Independent image classifiers trained on real reference images: the scene judge (whole pictures) and the
    object judge (backgrounds shuffled across images, so the background alone cannot satisfy it). Pictures with no
    background to shuffle (digits) get the scene judge alone, named after what it recognises."""

    scene: TrainedClassifier
    object: TrainedClassifier | None
    key: dict[str, Any] = field(default_factory=dict)  # what produced them (part of a monitored model's cache key)
    scene_name: str = "scene judge"

    def named(self) -> dict[str, TrainedClassifier]:
        """The judges by name, object judge only where there is one."""
        return {self.scene_name: self.scene, **({"object judge": self.object} if self.object is not None else {})}


def object_accuracy(judges_: Judges, images: np.ndarray, labels: list[str]) -> float:
    """The object judge's accuracy on ``images``; NaN where there is no object judge (digits)."""
    if judges_.object is None:
        return float("nan")
    return classification_accuracy(judges_.object, images, labels, judge="object judge")["overall"]


def judges(data: SceneData, epochs: int = 15, seed: int = 0, width: int = 32, object_copies: int = 3,
           robust: bool = True) -> Judges:
    """The two judges for ``data``'s image size, trained once and cached: ``object_copies`` background shuffles
    for the object judge, both trained to see through blur and noise (``robust``, see
    :func:`a2vlib.metrics.image.accuracy.degrade`)."""
    object_copies = object_copies if data.object_judge else 0
    key = {"dataset": data.key["dataset"], "image_size": data.image_size, "epochs": epochs, "seed": seed,
           "width": width, "object_copies": object_copies, "robust": robust}

    def build(folder: Path) -> None:
        scene, obj = train_judges(data.reference_images, data.reference_labels, data.classes, epochs=epochs,
                                  seed=seed, width=width, object_copies=object_copies, robust=robust)
        states = {"scene": scene.model.state_dict(), **({"object": obj.model.state_dict()} if obj else {})}
        torch.save(states, folder / "judges.pt")

    state = torch.load(cached("judges", key, build) / "judges.pt", weights_only=True)
    made: dict[str, TrainedClassifier] = {}
    for name in state:
        model = ImageClassifier(len(data.classes), width)
        model.load_state_dict(state[name])
        made[name] = TrainedClassifier(model.eval(), list(data.classes))
    return Judges(made["scene"], made.get("object"), key=key,
                  scene_name="scene judge" if data.object_judge else "digit judge")


def judge_accuracy(judges_: Judges, data: SceneData, seed: int = 0) -> pd.DataFrame:
    """Each judge's accuracy on real pictures it never learned from (:meth:`SceneData.judge_test`): what a
    generated picture's accuracy is measured against; and on the same pictures blurred and noised as the judges'
    training degrades them (:func:`~a2vlib.metrics.image.accuracy.degrade`, seeded): whether a soft or grainy
    picture alone costs accuracy, so that a reader sees whether the judge or the generator limits a rung."""
    from a2vlib.metrics.image.accuracy import degrade
    from a2vlib.models.classifiers import images_to_tensor

    images, labels = data.judge_test()
    soft = degrade(images_to_tensor(images), torch.Generator().manual_seed(seed))
    soft = ((soft.permute(0, 2, 3, 1).numpy() + 1) * 127.5).round().clip(0, 255).astype(np.uint8)
    rows = {name: {"held-out real pictures": len(labels),
                   "accuracy": classification_accuracy(judge, images, labels, judge=name)["overall"],
                   "accuracy, blurred and noised": classification_accuracy(judge, soft, labels, judge=name)["overall"]}
            for name, judge in judges_.named().items()}
    return pd.DataFrame(rows).T.astype({"held-out real pictures": int})


@dataclass
class TrainedS2I:
    config: S2IConfig
    seed: int
    generator: torch.nn.Module
    history: list[dict[str, Any]] = field(default_factory=list)
    folder: Path | None = None
    cache_hit: bool = False  # a finished (or interrupted) training of the same parameters was found and loaded


def monitor_callback(data: SceneData, judges_: Judges, every: int, n_images: int = 180, seed: int = 0) -> Callable:
    """A trainer callback that records the object and scene judges' accuracy on ``n_images`` generated test images
    every ``every`` epochs: each model's history then holds its own budget curve."""
    idx = spread_indices(data.test_labels, n_images, seed)
    cond, labels = data.test_cond[idx], [data.test_labels[i] for i in idx]

    def callback(trainer: Any, epoch: int, metrics: dict[str, Any]) -> dict[str, Any] | None:
        if epoch % every:
            return None
        images = generate(trainer.generator, cond, seed, z_dim=trainer.options["z_dim"])
        return {"object_accuracy": object_accuracy(judges_, images, labels),
                "scene_accuracy": classification_accuracy(judges_.scene, images, labels)["overall"]}

    return callback


MONITOR_POINTS = 15  # budget-curve points per training


def train_s2i(data: SceneData, config: S2IConfig, seed: int = 0, device: str | torch.device = "cpu",
              resume: bool = True, monitor: Judges | None = None) -> TrainedS2I:
    """Train (or load from the cache) an S2I GAN on ``data`` with ``config``; checkpoints are written atomically
    under ``.cache/s2i/<hash>`` and an interrupted training resumes where it stopped. With ``monitor`` judges,
    their accuracy on generated test images is recorded in the history about :data:`MONITOR_POINTS` times (the
    budget curve; the weights are the same, callbacks run with the random state saved, but the cache key names the
    judges, so that a history is never read as another judge's)."""
    callbacks = [monitor_callback(data, monitor, max(1, config.epochs // MONITOR_POINTS), seed=seed)] if monitor else []
    # the judges' identity is part of the key when they record the budget curve in the history
    key = {"data": data.key, "config": config.cache_key(), "seed": seed, "monitor": monitor.key if monitor else None}
    seed_everything(seed)
    generator, discriminator = build_s2i(config, data.cond_dim, len(data.classes))
    result, folder, found = fit_cached("s2i", key, generator, discriminator, data.training_tensors(), config.epochs,
                                       seed=seed, device=device, callbacks=callbacks, resume=resume,
                                       config=config.training())
    generator = result.generator_ema if config.weights == "ema" else result.generator
    return TrainedS2I(config, seed, generator.eval(), result.history, folder, found)


def generate(model: TrainedS2I | torch.nn.Module, cond: np.ndarray, seed: int = 0, z: torch.Tensor | None = None,
             z_dim: int | None = None) -> np.ndarray:
    """uint8 images (N, H, W, 3) for condition vectors; ``z`` drawn from ``seed`` unless given."""
    g = model.generator if isinstance(model, TrainedS2I) else model
    z_dim = model.config.z_dim if isinstance(model, TrainedS2I) else (z_dim if z_dim is not None else g.z_dim)
    return generate_images(g, cond, z_dim, seed=seed, z=z)


def sample_rows(model: TrainedS2I, data: SceneData, per_class: int = 6, seed: int = 0
                ) -> tuple[list[list[np.ndarray]], list[str]]:
    """Generated images for test sounds, one row per class (for :func:`a2vlib.viz.image_grid`)."""
    rows, labels = [], []
    for c in data.classes:
        idx = [i for i, lbl in enumerate(data.test_labels) if lbl == c][:per_class]
        if idx:
            rows.append(list(generate(model, data.test_cond[idx], seed)))
            labels.append(c)
    return rows, labels
