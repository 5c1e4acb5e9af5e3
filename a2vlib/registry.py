"""One registry of the kit's named parts: sound features and their summaries, datasets, Chen et al.'s
representations, models, losses, metrics and FID backbones.

Parameter files and notebooks name things (``feature: soundnet``, ``fid_backbone: inception``); this is where a name
becomes the code it stands for, and where an unknown name becomes an error that lists the known ones. Each
implementation registers itself where it is defined (``@register("loss", "hinge")``), so the list of names is the
list of implementations: there is no second list to keep in step. :data:`PROVIDERS` says which modules register
each kind; asking for a kind's names imports them (a part that one paper alone uses is provided by that paper's room).
"""
from __future__ import annotations

import importlib
from typing import Any, Callable, TypeVar

from a2vlib.core.errors import ParamsError

T = TypeVar("T")

PROVIDERS: dict[str, tuple[str, ...]] = {
    "feature": ("a2vlib.studies.wan2019.conditioning",),  # a clip -> the S2I condition vector (Wan et al. §4.1)
    "feature_summary": ("a2vlib.studies.wan2019.conditioning",),  # a feature's frames -> one vector
    "dataset": ("a2vlib.studies.wan2019.catalog", "a2vlib.data.digits"),  # the pairs the S2I notebooks train on
    "representation": ("a2vlib.studies.chen2017.time_frequency",),  # Chen et al.'s Table 1
    "model": ("a2vlib.models.s2i", "a2vlib.models.classifiers", "a2vlib.features.soundnet"),
    "loss": ("a2vlib.training.losses",),
    "metric": ("a2vlib.metrics.image.scores", "a2vlib.metrics.image.distances", "a2vlib.metrics.image.accuracy",
               "a2vlib.metrics.image.diversity"),
    "fid_backbone": ("a2vlib.metrics.image.distances",),
    # choices a parameter names, registered where each is implemented
    "rung": ("a2vlib.studies.wan2019.rungs",),  # Wan et al.'s ladder (Table 4) and the kit's rungs
    "proportions": ("a2vlib.studies.wan2019.scenesynth.config",),
    "i2s_resize": ("a2vlib.studies.chen2017.i2s",),
    "v2ra_join": ("a2vlib.studies.liu_v2ra.networks",),
    "frame_encoder": ("a2vlib.studies.liu_v2ra.video_encoding",),
    "denoiser": ("a2vlib.studies.liu_v2ra.optimisation",),
    "peak_reference_bank": ("a2vlib.studies.liu_v2ra.data",),
    "score_protocol": ("a2vlib.studies.wan2019.evaluation",),
    # what a notebook trains under a profile, for the cost estimate before a run (a2vlib.training.cost)
    "cost": ("a2vlib.studies.wan2019.cost", "a2vlib.studies.chen2017.cost", "a2vlib.studies.liu_v2ra.cost"),
}
_ENTRIES: dict[str, dict[str, Any]] = {kind: {} for kind in PROVIDERS}

# Parameter names whose values name registered parts: checked when a profile loads, so a typo fails at once.
PARAM_KINDS: dict[str, str] = {"dataset": "dataset", "feature": "feature", "features": "feature",
                               "summary": "feature_summary", "fid_backbone": "fid_backbone", "rungs": "rung",
                               "kit_rung": "rung", "public_code_rungs": "rung", "proportions": "proportions",
                               "i2s_resize": "i2s_resize", "v2ra_join": "v2ra_join", "frame_encoder": "frame_encoder",
                               "frame_encoder_fallback": "frame_encoder", "denoiser": "denoiser",
                               "peak_reference_bank": "peak_reference_bank", "score_protocol": "score_protocol"}


def register(kind: str, *names: str) -> Callable[[T], T]:
    """Decorator: register the decorated function or class as ``names`` of ``kind`` (its own name when none)."""
    if kind not in _ENTRIES:
        raise ParamsError(f"unknown kind {kind!r}; the registry holds {', '.join(PROVIDERS)}")

    def add(obj: T) -> T:
        for name in names or (getattr(obj, "__name__", ""),):
            _ENTRIES[kind][name] = obj
        return obj
    return add


def _load(kind: str) -> dict[str, Any]:
    if kind not in PROVIDERS:
        raise ParamsError(f"unknown kind {kind!r}; the registry holds {', '.join(PROVIDERS)}")
    for module in PROVIDERS[kind]:
        importlib.import_module(module)
    return _ENTRIES[kind]


def register_all(kind: str, table: dict[str, Any] | tuple[str, ...]) -> None:
    """Register every name of ``table`` (a dict of implementations, or a tuple of names) under ``kind``."""
    for name in table:
        register(kind, name)(table[name] if isinstance(table, dict) else name)


def names(kind: str) -> tuple[str, ...]:
    """The registered names of ``kind`` (``feature``, ``loss``, ``metric``, ...), in the order they were defined."""
    return tuple(_load(kind))


def check(kind: str, name: str, where: str = "") -> str:
    """``name`` if it is registered under ``kind``, else a :class:`ParamsError` naming ``where`` it came from and
    the known names."""
    known = names(kind)
    if name not in known:
        at = f"{where}: " if where else ""
        raise ParamsError(f"{at}unknown {kind} {name!r}; known: {', '.join(known)}")
    return name


def get(kind: str, name: str) -> Any:
    """The code registered as ``name`` under ``kind``."""
    return _load(kind)[check(kind, name)]
