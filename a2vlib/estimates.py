"""How long a notebook's trainings take under a profile, measured before the run on the run's device: the runner
prints it before a ``paper`` run (and records it in run.json), and a smoke run prints the same for the full profile
it shrinks, so a researcher knows the hours before committing to them. Each study room says what its notebooks train
(the ``cost`` entries of the registry); the timing is :mod:`a2vlib.training.cost`'s."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from a2vlib import registry
from a2vlib.params import SMOKE_SUFFIX, load_params

# profiles whose runs are announced with their estimate (the others run in minutes)
ESTIMATED = ("paper",)


def notebook_estimate(name: str, profile: str, device: str | None = None,
                      overrides: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The trainings' estimate of notebook ``name`` under ``profile`` (a smoke profile: the full one it shrinks), on
    ``device`` (default: the profile's ``device`` parameter, resolved as a run resolves it), with the profile's thread
    count; ``overrides`` (a run's ``-p`` values) apply to a full profile's run, not to a smoke run's estimate of the
    full one. None for a profile or a notebook without one (00 and 01 train no GAN)."""
    import torch

    from a2vlib.core.device import pick_device
    from a2vlib.training.cost import estimate

    full = profile.removesuffix(SMOKE_SUFFIX)
    if full not in ESTIMATED or name not in registry.names("cost"):
        return None
    params = load_params(name, full, overrides=None if full != profile else overrides)
    threads = torch.get_num_threads()
    torch.set_num_threads(int(params.get("threads") or 1))
    try:
        result = estimate(registry.get("cost", name)(params), pick_device(device or params.get("device", "auto")))
    finally:
        torch.set_num_threads(threads)
    return {**result, "profile": full, "notebook": name}


def announce_estimate(name: str, profile: str, overrides: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """Before a run of ``profile`` (one of :data:`ESTIMATED`, or its smoke run): the estimate for the full profile
    on this machine, printed on the terminal; None (and nothing printed) for other profiles. An estimate that fails
    (a paper-size model that does not fit a small GPU) is said in one line and does not stop the run."""
    import sys

    from a2vlib.training.cost import describe

    try:
        result = notebook_estimate(name, profile, overrides=overrides)
    except Exception as exc:  # the estimate informs; it never decides whether the run happens
        print(f"[a2v] {name}: no estimate of the {profile} run's trainings ({exc.__class__.__name__}: "
              f"{str(exc)[:200]})", file=sys.stderr, flush=True)
        return None
    if result is not None:
        print(f"[a2v] {name} under {result['profile']}: {describe(result)}", file=sys.stderr, flush=True)
    return result


def expected_seconds(name: str, profile: str, reports_dir: str | os.PathLike | None = None) -> float | None:
    """How long ``name`` is expected to run under ``profile``: its last complete run here (run.json), else, under
    lab, the kit's measured table (:data:`a2vlib.labs.LAB_MINUTES`); None when neither says."""
    from a2vlib.core.jsonfile import read_json_object
    from a2vlib.core.paths import repo_root

    base = Path(reports_dir) if reports_dir else repo_root() / "reports"
    try:
        last = read_json_object(base / profile / name / "run.json", "run record")
    except Exception:  # absent or unreadable: no last run to go by
        last = {}
    if last.get("status") == "ok" and isinstance(last.get("elapsed_s"), (int, float)):
        return float(last["elapsed_s"])
    if profile == "lab":
        from a2vlib.labs import LAB_MINUTES

        return 60.0 * LAB_MINUTES[name] if name in LAB_MINUTES else None
    return None


def minutes(seconds: float) -> str:
    """'12 min' or '45 s'."""
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"
