"""Small CNN classifiers for images and log-mel spectrograms, and the loop that trains them.

They stand in for the pretrained Inception (images) and SoundNet (sounds) classifiers in the cleaning step, and
later judge generated images. Kept small so that they train in seconds on a laptop CPU.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import torch
from torch import nn

from a2vlib.registry import register
from a2vlib.core.errors import DataError
from a2vlib.core.device import seed_everything
from a2vlib.core.progress import progress


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.MaxPool2d(2))


@register("model", "image_classifier")
class ImageClassifier(nn.Module):
    """RGB images (N, 3, H, W) in [-1, 1] -> class logits. Four conv blocks, global average pooling."""

    def __init__(self, n_classes: int, width: int = 32):
        super().__init__()
        self.features = nn.Sequential(_block(3, width), _block(width, width * 2), _block(width * 2, width * 4),
                                      _block(width * 4, width * 4), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(width * 4, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


@register("model", "spectrogram_classifier")
class SpectrogramClassifier(nn.Module):
    """Log-mel spectrograms (N, 1, mels, frames) in dB -> class logits; ``n_layers`` conv blocks (Chen et al. use
    3 or 4), then pooling over frequency and time so any clip length works."""

    def __init__(self, n_classes: int, width: int = 32, n_layers: int = 3):
        super().__init__()
        chans = [1] + [width * min(2 ** i, 4) for i in range(n_layers)]
        self.norm = nn.BatchNorm2d(1)  # dB values are large and offset; learn the scaling
        self.features = nn.Sequential(*[_block(chans[i], chans[i + 1]) for i in range(n_layers)])
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(chans[-1] * 2, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(self.norm(x))
        # mean and max over time and frequency: rhythm (sparse hits) survives max, drones survive mean
        pooled = torch.cat([self.pool(h).flatten(1), torch.amax(h, dim=(2, 3))], dim=1)
        return self.head(pooled)


def images_to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W, 3) -> float (N, 3, H, W) in [-1, 1]; float input is taken as already in [-1, 1]."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise DataError(f"expected images of shape (N, H, W, 3), got {images.shape}")
    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2)
    return x.float() / 127.5 - 1.0 if images.dtype == np.uint8 else x.float()


@dataclass
class TrainedClassifier:
    """A trained classifier with its class names and its training history."""

    model: nn.Module
    classes: list[str]
    history: list[dict[str, float]] = field(default_factory=list)

    @torch.no_grad()
    def predict_proba(self, x: torch.Tensor, batch_size: int = 256) -> np.ndarray:
        self.model.eval()
        device = next(self.model.parameters()).device
        out = [torch.softmax(self.model(x[i:i + batch_size].to(device)), dim=1).cpu()
               for i in range(0, len(x), batch_size)]
        return torch.cat(out).numpy()

    def predict(self, x: torch.Tensor) -> tuple[list[str], np.ndarray]:
        """Class names and their probabilities."""
        p = self.predict_proba(x)
        idx = p.argmax(axis=1)
        return [self.classes[i] for i in idx], p[np.arange(len(idx)), idx]

    def accuracy(self, x: torch.Tensor, labels: Sequence[str]) -> float:
        pred, _ = self.predict(x)
        return float(np.mean([p == t for p, t in zip(pred, labels)]))


def train_classifier(model: nn.Module, x: torch.Tensor, labels: Sequence[str], classes: Sequence[str],
                     epochs: int = 10, batch_size: int = 32, lr: float = 2e-3, seed: int = 0,
                     device: torch.device | str = "cpu", augment=None, l2: float = 0.0) -> TrainedClassifier:
    """Plain supervised training with Adam and cross-entropy; deterministic for a seed on CPU: the model's weights
    are initialised afresh from ``seed`` here, whatever the random state was when the caller built it.

    ``l2`` adds ``l2 * sum(w ** 2)`` over the weights of the fully connected layers to the loss (Chen et al.'s
    penalty on their FC layers)."""
    classes = list(classes)
    unknown = sorted(set(labels) - set(classes))
    if unknown:
        raise DataError(f"labels {unknown} are not among the classifier's classes {classes}")
    if len(x) == 0:
        raise DataError("no training examples for the classifier; check the dataset's reference split")
    seed_everything(seed)
    for module in model.modules():  # a model built before the seed was set must not carry that state in
        if hasattr(module, "reset_parameters"):
            module.reset_parameters()
    y = torch.tensor([classes.index(lbl) for lbl in labels])
    model = model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    fc_weights = [m.weight for m in model.modules() if isinstance(m, nn.Linear)] if l2 else []
    gen = torch.Generator().manual_seed(seed)
    history = []
    for epoch in progress(range(epochs), desc="classifier"):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        total, correct, loss_sum = 0, 0, 0.0
        for i in range(0, len(x), batch_size):
            idx = order[i:i + batch_size]
            xb, yb = x[idx], y[idx]
            if augment is not None:
                xb = augment(xb, gen)
            xb, yb = xb.to(device), yb.to(device)
            logits = model(xb)
            loss = nn.functional.cross_entropy(logits, yb)
            if fc_weights:
                loss = loss + l2 * sum(w.pow(2).sum() for w in fc_weights)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            correct += int((logits.argmax(1) == yb).sum())
            total += len(idx)
        history.append({"epoch": epoch + 1, "loss": loss_sum / total, "train_accuracy": correct / total})
    return TrainedClassifier(model.eval(), classes, history)
