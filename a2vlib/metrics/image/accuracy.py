"""Classification accuracy of generated images (Chen et al.), and the two judges for SceneSynth-9 scenes.

A judge trained on whole scenes can be satisfied by the background colour alone: early generators paint the right
scene colour long before they draw the object. So there are two judges:

* the *scene judge*, trained on the real images as they are;
* the *object judge*, trained on the same images with their backgrounds shuffled (:func:`shuffle_backgrounds`):
  each object is shown on the background of a randomly drawn image, so the background tells it nothing about the
  class and it must look at the object.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from a2vlib.registry import register
from a2vlib.core.errors import DataError
# the kit's one background mask (per-row median), shared with SceneSynth's visual magnitude
from a2vlib.metrics.image.objects import object_mask, row_background
from a2vlib.models.classifiers import ImageClassifier, TrainedClassifier, images_to_tensor, train_classifier


@register("metric", "accuracy")
def classification_accuracy(classifier: TrainedClassifier, images: np.ndarray, labels: Sequence[str],
                            judge: str = "classifier") -> dict:
    """Share of images (N, H, W, 3) that ``classifier`` assigns to their label: overall and per class (classes in
    the classifier's order, only those present). ``judge`` names the classifier in the result."""
    labels = [str(lbl) for lbl in labels]
    if len(labels) != len(images) or not labels:
        raise DataError(f"{len(images)} images but {len(labels)} labels; need the same, non-zero number")
    unknown = sorted(set(labels) - set(classifier.classes))
    if unknown:
        raise DataError(f"labels {unknown} are not among the judge's classes {classifier.classes}")
    pred, _ = classifier.predict(images_to_tensor(images))
    hit = np.array([p == t for p, t in zip(pred, labels)])
    lab = np.array(labels)
    present = [c for c in classifier.classes if c in set(labels)]
    return {"name": "classification accuracy", "judge": judge, "overall": float(hit.mean()),
            "per_class": {c: float(hit[lab == c].mean()) for c in present},
            "per_class_n": {c: int((lab == c).sum()) for c in present}, "n": len(labels),
            "chance": 1.0 / len(classifier.classes)}


def shuffle_backgrounds(images: np.ndarray, labels: Sequence[str], rng: np.random.Generator, tol: float = 40.0,
                        donors: str = "any") -> np.ndarray:
    """Each image's object pixels (:func:`object_mask`) pasted onto the background estimate
    (:func:`row_background`) of a randomly drawn donor image; labels stay those of the objects. uint8 in and out.

    ``donors="any"`` (default) draws the donor from all images, so the background is independent of the label and
    a judge can learn nothing from it. ``donors="other"`` draws it from a DIFFERENT class only: then a background
    says "not this class", and a judge trained so learns to vote against the class whose background it sees, which
    is the right background on a good generated image. Measured on SceneSynth-9 (32x32, 100 images per class,
    20 epochs, 180 test images): the object judge scored real test images 0.89 with "any" and 0.77 with "other";
    the scene judge scored 0.96 on real images, 0.94 on backgrounds alone and 0.01 on swapped backgrounds, while
    the "any" object judge scored 0.08 on backgrounds alone (chance 0.11). The flat estimate, not the donor's
    pixels, is used so that the donor's own object stays out; it lacks the pictures' mild pixel noise, which did
    not hurt the judge on real, noisy test images (numbers above).
    """
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
        raise DataError(f"expected uint8 images of shape (N, H, W, 3), got {images.dtype} {images.shape}")
    labels = np.asarray([str(lbl) for lbl in labels])
    if len(labels) != len(images):
        raise DataError(f"{len(images)} images but {len(labels)} labels")
    if donors == "any":
        donor = rng.integers(0, len(images), size=len(images))
    elif donors == "other":
        if len(np.unique(labels)) < 2:
            raise DataError("donors='other' needs at least two classes")
        donor = np.empty(len(images), dtype=int)
        for c in np.unique(labels):
            own = np.flatnonzero(labels == c)
            donor[own] = rng.choice(np.flatnonzero(labels != c), size=len(own))
    else:
        raise DataError(f"unknown donors {donors!r}; use 'any' or 'other'")
    background = np.rint(row_background(images)).astype(np.uint8)  # medians of an even count can end in .5
    return np.where(object_mask(images, tol)[..., None], images, background[donor]).astype(np.uint8)


# Degradations a judge is trained to see through (``robust=True``): a generated picture is blurrier and noisier than a
# real one, and a judge that only knows crisp pictures fails on them whatever they show. Measured on real lab test
# pictures, the object judge trained without them fell from 0.89 to 0.28 under a Gaussian blur of sigma 0.8 px and
# to 0.33 under pixel noise of std 20 (uint8 units): it judged sharpness, not the object.
MAX_BLUR_SIGMA = 1.2  # pixels
MAX_NOISE_STD = 25 / 127.5  # std 25 in uint8 units, in the [-1, 1] tensor scale


def degrade(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """A training augmentation: half the batch blurred by a Gaussian of a random sigma (up to
    :data:`MAX_BLUR_SIGMA`), then every image given pixel noise of a random std (up to :data:`MAX_NOISE_STD`)."""
    sigma = float(torch.rand(1, generator=gen)) * MAX_BLUR_SIGMA
    if sigma > 0.05:
        r = torch.arange(-2, 3, dtype=x.dtype)
        k = torch.exp(-r ** 2 / (2 * sigma ** 2))
        k = k / k.sum()
        c = x.shape[1]
        blurred = torch.nn.functional.conv2d(x, k.view(1, 1, 1, 5).expand(c, 1, 1, 5), padding=(0, 2), groups=c)
        blurred = torch.nn.functional.conv2d(blurred, k.view(1, 1, 5, 1).expand(c, 1, 5, 1), padding=(2, 0), groups=c)
        pick = (torch.rand(len(x), generator=gen) < 0.5)[:, None, None, None]
        x = torch.where(pick, blurred, x)
    std = torch.rand(len(x), 1, 1, 1, generator=gen) * MAX_NOISE_STD
    return (x + std * torch.randn(x.shape, generator=gen)).clamp(-1, 1)


def train_judges(images: np.ndarray, labels: Sequence[str], classes: Sequence[str], epochs: int = 10,
                 seed: int = 0, device: torch.device | str = "cpu", width: int = 32,
                 object_copies: int = 1, donors: str = "any", robust: bool = True
                 ) -> tuple[TrainedClassifier, TrainedClassifier | None]:
    """The scene judge (whole real images) and the object judge (the same images with shuffled backgrounds, see
    :func:`shuffle_backgrounds`; ``object_copies`` independent shuffles are stacked, each showing every object on
    another background; 0 copies: no object judge, None). Both are :class:`ImageClassifier` trained with :func:`train_classifier`; uint8 images.
    ``robust`` trains both with :func:`degrade`, so that blur and noise alone do not decide a generated picture."""
    labels = [str(lbl) for lbl in labels]
    augment = degrade if robust else None
    scene = train_classifier(ImageClassifier(len(classes), width), images_to_tensor(images), labels, classes,
                             epochs=epochs, seed=seed, device=device, augment=augment)
    if object_copies == 0:  # pictures with no background to shuffle (digits): the scene judge alone
        return scene, None
    rng = np.random.default_rng(seed)
    shuffled = np.concatenate([shuffle_backgrounds(images, labels, rng, donors=donors) for _ in range(object_copies)])
    obj = train_classifier(ImageClassifier(len(classes), width), images_to_tensor(shuffled), labels * object_copies,
                           classes, epochs=epochs, seed=seed, device=device, augment=augment)
    return scene, obj
