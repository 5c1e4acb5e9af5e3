"""SoundNet's input (mono, 22,050 Hz, scaled, tiled to 20 s) and what it gives back for clips: layer activations
summarised over time, and class probabilities."""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import Tensor

from a2vlib.core.errors import DataError, ParamsError
from a2vlib.data.audio_io import check_waveform
from a2vlib.features.soundnet.network import INPUT_SCALE, SOUNDNET_SR, _check_layers, load_soundnet


def _as_clips(waveforms: Sequence[np.ndarray] | np.ndarray) -> list[np.ndarray]:
    if isinstance(waveforms, np.ndarray):  # a single array is one clip, (samples,) or (channels, samples)
        return [waveforms]
    clips = list(waveforms)
    if not clips:
        raise DataError("no waveforms given; pass a waveform or a list of waveforms")
    return clips


def _condition(y: np.ndarray, sr: int, name: str) -> np.ndarray:
    """One clip as SoundNet wants it: mono, 22,050 Hz, [-1, 1] scaled to [-256, 256]."""
    y = np.asarray(y)
    if np.issubdtype(y.dtype, np.signedinteger):  # PCM integers (e.g. scipy.io.wavfile) to [-1, 1]
        y = y / float(np.iinfo(y.dtype).max)
    if y.ndim == 2 and y.shape[0] > y.shape[1]:
        raise DataError(f"{name}: shape {y.shape} looks like (samples, channels); pass (channels, samples)")
    y = check_waveform(y, name)
    peak = float(np.max(np.abs(y)))
    if peak > 2.0:  # a little over 1 is normal after lossy coding; far over means another scale
        raise DataError(f"{name}: peak amplitude {peak:.3g}; expected float audio in [-1, 1] (as read_audio gives)")
    if sr != SOUNDNET_SR:
        from a2vlib.core.compiled import librosa as load_librosa
        librosa = load_librosa()

        y = librosa.resample(y, orig_sr=sr, target_sr=SOUNDNET_SR, res_type="soxr_hq")
    return (y * INPUT_SCALE).astype(np.float32)


def _check_rate(sr: int) -> int:
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise DataError(f"sample rate must be a positive integer, got {sr!r}")
    return int(sr)


def _min_length(min_seconds: float) -> int:
    if not (isinstance(min_seconds, (int, float)) and math.isfinite(min_seconds) and min_seconds > 0):
        raise ParamsError(f"min_seconds must be a positive number, got {min_seconds!r}")
    return math.ceil(min_seconds * SOUNDNET_SR)


def prepare_waveforms(
    waveforms: Sequence[np.ndarray] | np.ndarray, sr: int, min_seconds: float = 20.0
) -> Tensor:
    """Turn clips into SoundNet's input, a float32 tensor (B, 1, T).

    ``waveforms`` is one clip or a list of clips, each (samples,) or (channels, samples), float in [-1, 1] (or
    integer PCM) at ``sr`` Hz. Each clip is mixed to mono, resampled to 22,050 Hz, scaled to [-256, 256] and
    repeated end to end (the last copy cut) up to T = max(min_seconds, longest clip): SoundNet was trained on 20 s
    clips and its authors tiled shorter ones. Raises :class:`DataError` for empty, non-finite or wrongly shaped input.
    """
    rate = _check_rate(sr)
    n_min = _min_length(min_seconds)
    clips = [_condition(y, rate, f"waveform {i}") for i, y in enumerate(_as_clips(waveforms))]
    length = max(n_min, *(len(y) for y in clips))
    return torch.from_numpy(np.stack([np.resize(y, length) for y in clips]))[:, None, :]


def _run(
    waveforms: Sequence[np.ndarray] | np.ndarray,
    sr: int,
    layers: Sequence[str],
    reduce: Callable[[Tensor], Tensor],
    batch_size: int,
    device: str | torch.device,
    min_seconds: float,
) -> dict[str, np.ndarray]:
    """Forward all clips and reduce each layer's (B, C, t) output to (B, C) with ``reduce``.

    Clips are batched only with clips of the same prepared length, so a clip's result never depends on which
    other clips share its batch (tiling to a longer neighbour would change its time average).
    """
    layers = _check_layers(layers)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ParamsError(f"batch_size must be a positive integer, got {batch_size!r}")
    rate = _check_rate(sr)
    n_min = _min_length(min_seconds)
    model = load_soundnet(device)
    dev = next(model.parameters()).device
    clips = [_condition(y, rate, f"waveform {i}") for i, y in enumerate(_as_clips(waveforms))]
    groups: dict[int, list[int]] = {}
    for i, y in enumerate(clips):
        groups.setdefault(max(n_min, len(y)), []).append(i)
    results: dict[str, list[tuple[int, np.ndarray]]] = {name: [] for name in layers}
    with torch.inference_mode():
        for length, indices in groups.items():
            for start in range(0, len(indices), batch_size):
                chunk = indices[start:start + batch_size]
                x = torch.from_numpy(np.stack([np.resize(clips[i], length) for i in chunk]))[:, None, :].to(dev)
                out = model(x, layers)
                for name in layers:
                    values = reduce(out[name]).float().cpu().numpy()
                    results[name].extend(zip(chunk, values))
    return {name: np.stack([v for _, v in sorted(pairs, key=lambda p: p[0])]) for name, pairs in results.items()}


# How a layer's (B, C, t) time series becomes one vector per clip. The standard deviation is the population one
# (ddof 0), as NumPy's default; "mean_std" is (B, 2C): the means, then the standard deviations.
_REDUCERS: dict[str, Callable[[Tensor], Tensor]] = {
    "mean": lambda t: t.mean(dim=2),
    "mean_std": lambda t: torch.cat([t.mean(dim=2), t.std(dim=2, correction=0)], dim=1),
}
SUMMARIES = tuple(_REDUCERS)


def _reducer(summary: str) -> Callable[[Tensor], Tensor]:
    if summary not in _REDUCERS:
        raise ParamsError(f"unknown summary {summary!r}; use one of {', '.join(SUMMARIES)}")
    return _REDUCERS[summary]


def extract(
    waveforms: Sequence[np.ndarray] | np.ndarray,
    sr: int,
    layers: Sequence[str] = ("pool5",),
    batch_size: int = 8,
    device: str | torch.device = "cpu",
    min_seconds: float = 20.0,
    summary: str = "mean",
) -> dict[str, np.ndarray]:
    """SoundNet activations summarised over time: ``{layer: (N, C)}`` for each requested layer of :data:`LAYERS`.

    ``summary`` is ``"mean"`` (the time average, (N, C)) or ``"mean_std"`` (the time average, then the standard
    deviation over time, (N, 2C)); the time series is the tiled clip's (see :func:`prepare_waveforms`).
    """
    return _run(waveforms, sr, layers, _reducer(summary), batch_size, device, min_seconds)


def pool5_features(waveforms: Sequence[np.ndarray] | np.ndarray, sr: int, summary: str = "mean", **kw) -> np.ndarray:
    """Wan et al.'s sound embedding ("18th hidden layer"): conv5 after its max-pool (256 channels, ~2.7 steps a
    second), averaged over time, (N, 256); ``summary="mean_std"`` appends its standard deviation over time, (N, 512).
    ``kw`` as :func:`extract`."""
    return extract(waveforms, sr, layers=("pool5",), summary=summary, **kw)["pool5"]


def predict(
    waveforms: Sequence[np.ndarray] | np.ndarray,
    sr: int,
    batch_size: int = 8,
    device: str | torch.device = "cpu",
    min_seconds: float = 20.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities (N, 1000) over ImageNet objects and (N, 401) over Places scenes.

    Softmax is taken at each head time step (one step per ~5 s, each trained against the teacher's distribution for
    one video frame) and the probabilities are averaged over time: the clip's prediction is the mixture of its
    segments' predictions, as the Torch7 ``extract_predictions.lua`` also applies softmax per time step.
    """
    probs = _run(waveforms, sr, ("objects", "places"), lambda t: torch.softmax(t.float(), dim=1).mean(dim=2),
                 batch_size, device, min_seconds)
    return probs["objects"], probs["places"]
