"""Where things are: the repository root, parameter paths, the on-disk cache, real data sets."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def repo_root() -> Path:
    """The repository root: the folder above ``a2vlib/`` that holds ``pyproject.toml`` (``A2V_ROOT`` overrides)."""
    if os.environ.get("A2V_ROOT"):
        return Path(os.environ["A2V_ROOT"]).resolve()
    here = Path(__file__).resolve().parents[2]
    if (here / "pyproject.toml").exists():
        return here
    return Path.cwd().resolve()  # an installed, non-editable copy: fall back to where the user works


def resolve_path(path: str | os.PathLike) -> Path:
    """A path from a parameter: absolute stays, relative is taken from the repository root (never the cwd)."""
    p = Path(os.path.expanduser(str(path)))
    return p if p.is_absolute() else repo_root() / p


def shared_data_dir_candidates() -> list[Path]:
    """Where real data sets may live: ``A2V_DATA`` when set, else ``<repo>/data``."""
    if os.environ.get("A2V_DATA"):
        return [Path(os.path.expanduser(os.environ["A2V_DATA"]))]
    return [repo_root() / "data"]


def shared_data_dir() -> Path:
    """Where real data sets live: the first of :func:`shared_data_dir_candidates` that exists (else the first)."""
    candidates = shared_data_dir_candidates()
    return next((p for p in candidates if p.is_dir()), candidates[0])


def cache_dir() -> Path:
    """The on-disk cache: ``A2V_CACHE`` or ``<repo>/.cache``."""
    return Path(os.environ.get("A2V_CACHE", repo_root() / ".cache"))
