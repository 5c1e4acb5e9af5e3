"""Generation scores with the Inception-Score formula (Salimans et al. 2016): exp(E_x KL(p(y|x) || p(y))).

* :func:`generation_score` applies the formula to any class probabilities.
* :func:`inception_score` is the Inception Score proper, with torchvision's Inception v3 (1000 ImageNet classes).
  Its weights are never downloaded: put ``inception_v3_google-0cc3c7bd.pth`` in torch's hub checkpoint folder
  (``~/.cache/torch/hub/checkpoints/``, or ``$TORCH_HOME/hub/checkpoints/``) or point ``A2V_INCEPTION_WEIGHTS``
  at the file. torchvision's weights give scores 5-10 % off the TF 2015-12-05 network of the original paper, so
  the backbone is recorded with every score.
* :func:`classifier_score` is the same formula with a classifier trained on the domain: a "classifier score",
  whose maximum is its number of classes. It is never called an Inception Score.

Protocol: no shuffling before splitting (the images are split in the order given, contiguous blocks as in the
reference code, so the caller's order decides the splits and results are reproducible); per split the marginal
p(y) is the split's mean prediction; mean and population std over splits are reported.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from scipy.special import xlogy

from a2vlib.registry import register
from a2vlib.core.errors import A2VError, DataError, WeightsError
from a2vlib.metrics.image.distances import INCEPTION_RESIZE, _as_device, classifier_backbone_name, inception_input, to_uint8
from a2vlib.models.classifiers import TrainedClassifier, images_to_tensor

# A split of n images estimates p(y) from n predictions, so its score can never exceed n (the marginal's entropy is
# at most log n) and small splits are biased low and noisy; the public code of Wan et al. scored 2-3 images per
# split. 50 keeps the cap far above any 9- or 13-class score; lower it knowingly for tiny smoke tests.
DEFAULT_MIN_PER_SPLIT = 50
INCEPTION_WEIGHTS_FILE = "inception_v3_google-0cc3c7bd.pth"
INCEPTION_WEIGHTS_ENV = "A2V_INCEPTION_WEIGHTS"
INCEPTION_IS_NAME = "torchvision Inception v3 IMAGENET1K_V1 (1000 classes; not the TF 2015-12-05 network)"


def generation_score(probs: np.ndarray, splits: int = 10, min_per_split: int = DEFAULT_MIN_PER_SPLIT) -> dict:
    """The IS formula on class probabilities (N, C): per contiguous split exp(mean_x KL(p(y|x) || p(y))).

    Returns ``mean``, ``std`` (over splits), ``per_split``, ``splits``, ``n``, ``n_classes``, ``per_split_n``.
    Exact zeros are safe: 0 log 0 = 0 (``xlogy``), and p(y) > 0 wherever some p(y|x) > 0.
    """
    probs = np.asarray(probs, np.float64)
    if probs.ndim != 2 or probs.shape[1] < 1 or not np.isfinite(probs).all() or (probs < 0).any():
        raise DataError(f"expected finite non-negative probabilities of shape (N, C) (softmax outputs, not logits), "
                        f"got shape {probs.shape}")
    if not np.allclose(probs.sum(axis=1), 1.0, atol=1e-3):
        raise DataError("probabilities must sum to 1 per image (softmax outputs, not logits)")
    n = len(probs)
    if splits < 1 or n // splits < min_per_split:
        raise A2VError(f"{n} images in {splits} splits is {n // max(splits, 1)} per split, below the minimum of "
                       f"{min_per_split}: a split of k images caps the score at k and is noisy; use more images, "
                       "fewer splits, or lower min_per_split knowingly")
    per_split = []
    for i in range(splits):
        part = probs[i * n // splits:(i + 1) * n // splits]
        marginal = part.mean(axis=0, keepdims=True)
        kl = (xlogy(part, part) - xlogy(part, marginal)).sum(axis=1)
        per_split.append(float(np.exp(kl.mean())))
    return {"mean": float(np.mean(per_split)), "std": float(np.std(per_split)), "per_split": per_split,
            "splits": splits, "n": n, "n_classes": probs.shape[1], "per_split_n": n // splits}


@register("metric", "classifier_score")
def classifier_score(classifier: TrainedClassifier, images: np.ndarray, splits: int = 10,
                     min_per_split: int = DEFAULT_MIN_PER_SPLIT) -> dict:
    """The IS formula with a domain classifier, on images (N, H, W, 3), uint8 or [-1, 1] float.
    Its maximum is the classifier's number of classes (recorded as ``max``)."""
    probs = classifier.predict_proba(images_to_tensor(images))
    return {"name": "classifier score", **generation_score(probs, splits, min_per_split),
            "max": len(classifier.classes), "backbone": classifier_backbone_name(classifier)}


def inception_weights_path() -> Path | None:
    """The torchvision Inception v3 weights file if it is on disk: ``$A2V_INCEPTION_WEIGHTS``, else torch's hub
    checkpoint folder. ``None`` when absent (nothing is downloaded)."""
    env = os.environ.get(INCEPTION_WEIGHTS_ENV)
    if env:
        return Path(env).expanduser() if Path(env).expanduser().is_file() else None
    path = Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_WEIGHTS_FILE
    return path if path.is_file() else None


def _weights_not_found() -> str:
    env = os.environ.get(INCEPTION_WEIGHTS_ENV)
    hub = Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_WEIGHTS_FILE
    where = f"{INCEPTION_WEIGHTS_ENV}={env} is not a file" if env else f"{hub} does not exist"
    return f"Inception v3 weights not found ({where})"


def _missing_weights_message() -> str:
    hub = Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_WEIGHTS_FILE
    return (f"{_weights_not_found()}. Nothing is downloaded: copy torchvision's {INCEPTION_WEIGHTS_FILE} to {hub} "
            f"or set {INCEPTION_WEIGHTS_ENV} to its path, or use classifier_score / score_with_best_backbone")


def _load_torchvision_inception(path: Path, device: torch.device) -> torch.nn.Module:
    from torchvision.models import inception_v3

    # transform_input=False: we feed (x-128)/128 ourselves, the range the ported TF weights were trained on
    # (torchvision's transform_input only undoes ImageNet mean/std normalisation into that same range)
    net = inception_v3(weights=None, aux_logits=True, transform_input=False, init_weights=False)
    try:
        net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    except (RuntimeError, OSError, ValueError) as err:
        raise WeightsError(f"{path} is not torchvision's Inception v3 state dict ({err})") from err
    return net.eval().to(device)


@torch.no_grad()
@register("metric", "inception_score")
def inception_score(images: np.ndarray, splits: int = 10, min_per_split: int = DEFAULT_MIN_PER_SPLIT,
                    batch_size: int = 16, device: torch.device | str = "cpu") -> dict:
    """Inception Score of images (N, H, W, 3), uint8 or [-1, 1] float (quantised to uint8 first), with torchvision's
    Inception v3 from a local weights file (see the module docstring); a clear error when the file is absent."""
    path = inception_weights_path()
    if path is None:
        raise WeightsError(_missing_weights_message())
    device = _as_device(device)
    net = _load_torchvision_inception(path, device)
    images = to_uint8(images)
    probs = torch.cat([torch.softmax(net(inception_input(images[i:i + batch_size], device)), dim=1).cpu()
                       for i in range(0, len(images), batch_size)]).double().numpy()
    return {"name": "Inception Score", **generation_score(probs, splits, min_per_split), "max": probs.shape[1],
            "backbone": INCEPTION_IS_NAME, "weights": str(path), "resize": INCEPTION_RESIZE}


def score_with_best_backbone(images: np.ndarray, domain_classifier: TrainedClassifier, splits: int = 10,
                             min_per_split: int = DEFAULT_MIN_PER_SPLIT, device: torch.device | str = "cpu") -> dict:
    """The Inception Score when Inception v3 weights are on disk, else the domain classifier score; ``name`` says
    which ("Inception Score" or "classifier score") and ``note`` why."""
    if inception_weights_path() is not None:
        return {**inception_score(images, splits, min_per_split, device=device),
                "note": "Inception v3 weights found on disk"}
    return {**classifier_score(domain_classifier, images, splits, min_per_split),
            "note": f"{_weights_not_found()}; scored with the domain classifier"}
