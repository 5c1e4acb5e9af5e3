"""The thread policy: every unit (a notebook kernel, a training on a worker) runs with a set number of torch and BLAS
threads, never "as many as the machine has". The figures of a small CPU training depend on the thread count (the
order of float sums changes), so a fixed count makes them the same on a 2-core laptop and a 64-core server of one
instruction set; parallelism comes from units side by side (:mod:`a2vlib.core.executor`), not from more threads.
"""
from __future__ import annotations

import os
from typing import Any

DEFAULT_THREADS = 1
ENV = "A2V_THREADS"
_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
_limits: Any = None  # threadpoolctl's limiter, kept alive for the life of the process


def configured_threads() -> int:
    """The thread count a unit should use: ``A2V_THREADS`` when set (the runner and the executor set it for the
    processes they start), else :data:`DEFAULT_THREADS`."""
    from a2vlib.core.errors import ParamsError

    text = os.environ.get(ENV, "").strip()
    if not text:
        return DEFAULT_THREADS
    try:
        n = int(text)
    except ValueError:
        raise ParamsError(f"{ENV}={text!r}: give a whole number of threads (1, 2, ...)") from None
    if n < 1:
        raise ParamsError(f"{ENV}={text!r}: the number of threads must be at least 1")
    return n


def thread_environment(n: int) -> dict[str, str]:
    """Environment variables that make a new process (a kernel, a worker) start with ``n`` threads."""
    return {ENV: str(n), **{name: str(n) for name in _THREAD_VARS}}


def set_threads(n: int | None = None) -> int:
    """Use ``n`` torch threads and ``n`` BLAS threads (threadpoolctl: OpenBLAS, MKL, OpenMP) in this process from now
    on, and pass the count on to processes it starts. ``None``: :func:`configured_threads`. Returns ``n``."""
    global _limits
    n = configured_threads() if n is None else int(n)
    if n < 1:
        from a2vlib.core.errors import ParamsError

        raise ParamsError(f"threads = {n}: the number of threads must be at least 1")
    os.environ.update(thread_environment(n))
    import torch

    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn, a dependency
        pass
    else:
        _limits = threadpool_limits(limits=n)
    return n


def numerics() -> dict[str, Any]:
    """What a trained model's numbers depend on besides its parameters: torch version, torch threads and the CPU
    instruction set torch dispatches to. Part of every cache key and of every run record."""
    import torch

    return {"torch": torch.__version__.split("+")[0], "threads": torch.get_num_threads(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability()}
