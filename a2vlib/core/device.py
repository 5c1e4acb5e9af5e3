"""The one device resolver, seeding for repeatable runs, and a description of the machine for reports."""
from __future__ import annotations

import contextlib
import os
import platform
import random
from typing import TYPE_CHECKING, Any, Iterator

from a2vlib.core.errors import DeviceError

if TYPE_CHECKING:  # torch is imported lazily: `a2v --help` and the params tools should not pay for it
    import torch


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


@contextlib.contextmanager
def rng_preserved() -> Iterator[None]:
    """Run a block (a training's callbacks) without disturbing the random streams that the caller draws from."""
    import numpy as np
    import torch

    state = (random.getstate(), np.random.get_state(), torch.get_rng_state(),
             torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None)
    try:
        yield
    finally:
        random.setstate(state[0])
        np.random.set_state(state[1])
        torch.set_rng_state(state[2])
        if state[3] is not None:
            torch.cuda.set_rng_state_all(state[3])


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


def device_description(device: Any = None) -> dict[str, Any]:
    """CUDA availability, torch threads, CPU and (for a GPU) its name: what a report records about the machine."""
    import torch

    info: dict[str, Any] = {"cuda_available": torch.cuda.is_available(), "torch_threads": torch.get_num_threads(),
                            "cpu": platform.processor() or platform.machine(), "cpu_count": os.cpu_count()}
    if device is not None:
        info["device"] = str(device)
        if str(device).startswith("cuda"):
            info["gpu"] = torch.cuda.get_device_name(device)
    return info
