"""How long a notebook's trainings take under a profile, measured before the run on the run's device: the runner
prints it before a ``paper`` run (and records it in run.json), and a smoke run prints the same for the full profile
it shrinks, so a researcher knows the hours before committing to them. Each study room says what its notebooks train
(the ``cost`` entries of the registry); the timing is :mod:`a2vlib.training.cost`'s."""
from __future__ import annotations

from typing import Any

from a2vlib import registry
from a2vlib.params import SMOKE_SUFFIX, load_params

# profiles whose runs are announced with their estimate (the others run in minutes)
ESTIMATED = ("paper",)


def notebook_estimate(name: str, profile: str, device: str | None = None) -> dict[str, Any] | None:
    """The trainings' estimate of notebook ``name`` under ``profile`` (a smoke profile: the full one it shrinks), on
    ``device`` (default: the profile's ``device`` parameter, resolved as a run resolves it), with the profile's thread
    count; None for a profile or a notebook without one (00 and 01 train no GAN)."""
    import torch

    from a2vlib.core.device import pick_device
    from a2vlib.training.cost import estimate

    full = profile.removesuffix(SMOKE_SUFFIX)
    if full not in ESTIMATED or name not in registry.names("cost"):
        return None
    params = load_params(name, full)
    threads = torch.get_num_threads()
    torch.set_num_threads(int(params.get("threads") or 1))
    try:
        result = estimate(registry.get("cost", name)(params), pick_device(device or params.get("device", "auto")))
    finally:
        torch.set_num_threads(threads)
    return {**result, "profile": full, "notebook": name}


def announce_estimate(name: str, profile: str) -> dict[str, Any] | None:
    """Before a run of ``profile`` (one of :data:`ESTIMATED`, or its smoke run): the estimate for the full profile
    on this machine, printed on the terminal; None (and nothing printed) for other profiles."""
    import sys

    from a2vlib.training.cost import describe

    result = notebook_estimate(name, profile)
    if result is not None:
        print(f"[a2v] {name} under {result['profile']}: {describe(result)}", file=sys.stderr, flush=True)
    return result
