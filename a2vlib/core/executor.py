"""One way to run independent units of work: side by side in a local process pool (``pool[:N]``; the default,
``auto``, is a pool of cores / threads-per-unit processes when that is more than one), one after another in this
process (``sequential``), or as tasks on a Dask cluster (``local[:N]``, ``tcp://host:8786`` or ``slurm[:N]``).

A unit is a plain function and its argument: a (rung, seed) training, one notebook under one parameter set. Units
meet in the cache (``A2V_CACHE``, a shared file system on a real cluster): a finished one is loaded, never trained
again, and a unit whose worker died is run again by the scheduler, resuming from its checkpoint. Every
worker runs one torch thread (two torch jobs with two threads each on two cores crawl) with the caller's cache and
repository.

Every unit runs with the caller's thread count (:mod:`a2vlib.core.threads`, one by default), wherever it runs, so its
numbers are the same one after another, in a pool or on a cluster of the same instruction set.
"""
from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol, Sequence

from a2vlib.core.errors import A2VError, ParamsError
from a2vlib.core.paths import cache_dir, repo_root
from a2vlib.core.progress import progress
from a2vlib.core.threads import configured_threads, set_threads, thread_environment

SPEC_HELP = ("use auto (a local pool when cores allow), pool[:N] (N local processes), sequential, local[:N] (a Dask "
             "LocalCluster of N workers), tcp://host:port (a running scheduler) or slurm[:N]")
SLURM_FILE = Path("params") / "cluster" / "slurm.yaml"


class ClusterError(A2VError):
    """A cluster cannot be reached or started."""


class Executor(Protocol):
    def map(self, fn: Callable[[Any], Any], items: Sequence[Any], desc: str = "") -> list[Any]:
        """``[fn(x) for x in items]``, in the order of ``items``."""


class Sequential:
    """Units one after another in this process: what a laptop and ``make reports`` use. ``one_thread`` runs each
    as a Dask worker would (one torch thread, the worker's environment), so that its numbers match a cluster's."""

    name = "sequential"

    def __init__(self, one_thread: bool = False):
        self.one_thread = one_thread

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any], desc: str = "") -> list[Any]:
        if not self.one_thread:
            return [_named(fn, x) for x in progress(list(items), desc=desc or None)]
        env, saved = _worker_environment(), dict(os.environ)
        try:
            return [_call_in_worker(fn, env, x) for x in progress(list(items), desc=desc or None)]
        finally:
            _restore_environ(saved)
            set_threads(configured_threads())


class UnitError(A2VError):
    """A unit of work failed; the message names the unit and what went wrong in it."""


def unit_name(item: Any) -> str:
    """A short name for a unit, for progress bars, dashboards and errors: its ``name`` attribute, else its repr."""
    name = getattr(item, "name", None)
    if isinstance(item, tuple):
        name = ", ".join(_short(part) for part in item if not _bulky(part))
    return _short(name if name is not None else item, 120)


def _bulky(part: Any) -> bool:
    return hasattr(part, "__dict__") and not isinstance(part, (str, int, float)) and not hasattr(part, "name")


def _short(value: Any, limit: int = 60) -> str:
    text = str(getattr(value, "name", value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _named(fn: Callable[[Any], Any], item: Any) -> Any:
    """``fn(item)``; an error comes back as a :class:`UnitError` naming the unit (an a2vlib error keeps its text)."""
    try:
        return fn(item)
    except A2VError as exc:
        raise UnitError(f"unit ({unit_name(item)}): {exc}") from exc
    except Exception as exc:
        raise UnitError(f"unit ({unit_name(item)}) failed: {exc.__class__.__name__}: {exc}") from exc


class ProcessPool:
    """Units side by side in ``n`` local processes (started fresh, ``spawn``), each with the caller's thread count:
    a 2-core laptop trains two seeds at once with one thread each, a 16-core workstation sixteen, with the same
    numbers as one after another. Results come back in order; the first failing unit is raised (as a
    :class:`UnitError` naming it) after the others are cancelled; Ctrl-C cancels what has not started."""

    def __init__(self, n: int):
        self.n = n
        self.name = f"local pool of {n} processes x {configured_threads()} thread(s)"

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any], desc: str = "") -> list[Any]:
        import multiprocessing
        from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait

        items = list(items)
        if len(items) <= 1 or self.n <= 1:
            return Sequential().map(fn, items, desc)
        env = _worker_environment()
        pool = ProcessPoolExecutor(max_workers=min(self.n, len(items)), mp_context=multiprocessing.get_context("spawn"))
        bar = progress(total=len(items), desc=desc or "units", unit="unit")
        futures = [pool.submit(_call_in_worker, fn, env, item) for item in items]
        try:
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                bar.update(len(done))
                failed = [f for f in done if f.exception() is not None]
                if failed:  # the rest is cancelled below
                    raise failed[0].exception()  # type: ignore[misc]
            return [f.result() for f in futures]
        except BaseException:
            for f in futures:
                f.cancel()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            bar.close()
            pool.shutdown(wait=True)


def _worker_environment() -> dict[str, str]:
    """What a worker needs to find the caller's kit and cache and to use the caller's thread count."""
    # A2V_JOBS=1: a unit does not fan out again (a notebook run as a unit trains its models one after another)
    return {**thread_environment(configured_threads()), "A2V_JOBS": "1", "A2V_CACHE": str(cache_dir()),
            "A2V_ROOT": str(repo_root()), "TQDM_DISABLE": os.environ.get("TQDM_DISABLE", "1"),
            "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED", "0")}


def _call_in_worker(fn: Callable[[Any], Any], env: dict[str, str], item: Any) -> Any:
    """Run one unit on a worker with the caller's environment and thread count; an error names the unit."""
    os.environ.update(env)
    set_threads(configured_threads())
    return _named(fn, item)


class DaskExecutor:
    """Units as tasks on a Dask cluster; results come back in order; a progress bar over tasks."""

    def __init__(self, client: Any, cluster: Any = None, name: str = "dask",
                 environ: dict[str, str] | None = None):
        self.client, self.cluster, self.name = client, cluster, name
        self._environ = environ  # the caller's environment before the cluster started (see close)

    @property
    def dashboard(self) -> str:
        return str(getattr(self.client, "dashboard_link", "") or "")

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any], desc: str = "") -> list[Any]:
        from distributed import as_completed

        items = list(items)
        if not items:
            return []
        env = _worker_environment()
        # a unit that raised is deterministic: run again, it raises again; only a lost worker is retried (Dask
        # retries a task whose worker died regardless of ``retries``, which counts raised errors)
        futures = [self.client.submit(_call_in_worker, fn, env, item, pure=False, retries=0,
                                      key=f"{unit_name(item)[:80]}-{i}-{os.getpid()}")
                   for i, item in enumerate(items)]
        bar = progress(total=len(futures), desc=desc or "tasks", unit="task")
        try:
            for _ in as_completed(futures):
                bar.update(1)
        finally:
            bar.close()
        return self.client.gather(futures)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        if self._environ is not None:
            _restore_environ(self._environ)


def _restore_environ(saved: dict[str, str]) -> None:
    """Put the process environment back as it was. A Dask nanny sets OMP_NUM_THREADS=1 and the like in the process
    that starts it (its pre-spawn environment) and leaves them there: everything this process ran afterwards (a
    notebook kernel, say) would silently run on one thread, with other numbers than before."""
    for key in set(os.environ) - set(saved):
        del os.environ[key]
    os.environ.update(saved)


def parse_spec(spec: str | None) -> tuple[str, Any]:
    """``(kind, argument)`` of a cluster spec: ("sequential", None), ("local", N or None), ("address", url) or
    ("slurm", N or None); anything else is a :class:`ParamsError` naming it."""
    text = (spec or "").strip()
    if text in ("", "auto"):
        return "auto", None
    if text in ("none", "sequential"):
        return "sequential", None
    m = re.fullmatch(r"(local|slurm|pool)(?::(\d+))?", text)
    if m:
        n = int(m[2]) if m[2] else None
        if n is not None and n < 1:
            raise ParamsError(f"cluster spec {spec!r}: the number of workers must be >= 1; {SPEC_HELP}")
        return m[1], n
    if re.fullmatch(r"(tcp|tls|ws|wss|inproc|ucx)://[^\s/]+(:\d+)?/?", text):
        return "address", text
    raise ParamsError(f"cluster spec {spec!r} does not parse; {SPEC_HELP}")


def _slurm_options(path: Path) -> dict[str, Any]:
    import yaml

    if not path.is_file():
        raise ParamsError(f"{path}: not found; --cluster slurm reads the job resources (cores, memory, walltime, "
                          "queue, ...) of dask_jobqueue.SLURMCluster from it")
    try:
        options = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML ({exc}); fix the syntax") from exc
    if not isinstance(options, dict):
        raise ParamsError(f"{path}: expected a mapping of dask_jobqueue.SLURMCluster options (cores, memory, ...)")
    return options


def default_jobs() -> int:
    """Units side by side by default: the cores this process may use, divided by the threads of a unit; one where a
    CUDA GPU is present (``A2V_JOBS`` overrides)."""
    if os.environ.get("A2V_JOBS"):
        try:
            return max(1, int(os.environ["A2V_JOBS"]))
        except ValueError:
            raise ParamsError(f"A2V_JOBS={os.environ['A2V_JOBS']!r}: give a whole number of processes") from None
    import torch

    if torch.cuda.is_available():  # units on the GPU: one process drives it (many would share one device's memory)
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        cores = os.cpu_count() or 1
    return max(1, cores // configured_threads())


def prefetch(fn: Callable[[Any], Any], units: Sequence[Any], cluster: str | None = None, desc: str = "") -> bool:
    """Run ``units`` side by side on the executor ``cluster`` names ("" is ``auto``) to fill the cache, so that the
    study's own loop, which follows, loads each result instead of computing it. Nothing happens when that executor
    is this process, one after another, or there is a single unit: the loop then computes what it needs in turn.
    Returns whether anything ran. The units must write what they compute to the cache (``cached``, ``fit_cached``),
    keyed as the loop will look it up."""
    units = list(units)
    if len(units) < 2:
        return False
    with executor(cluster, echo=lambda _: None) as ex:
        if isinstance(ex, Sequential):
            return False
        ex.map(fn, units, desc=desc)
    return True


def open_executor(spec: str | None, echo: Callable[[str], Any] = print, one_thread: bool = False) -> Executor:
    """The executor a cluster spec names (see :func:`parse_spec`); a Dask one prints its dashboard address.
    ``one_thread`` makes the sequential one run units as a worker would. Close a Dask executor when done
    (:func:`executor`, a context manager, does)."""
    kind, arg = parse_spec(spec)
    if kind == "auto":
        n = default_jobs()
        kind, arg = ("pool", n) if n > 1 else ("sequential", None)
    if kind == "sequential":
        return Sequential(one_thread)
    if kind == "pool":
        pool = ProcessPool(arg or default_jobs())
        echo(f"[a2v] {pool.name}")
        return pool
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ClusterError("a cluster needs dask.distributed: pip install 'dask[distributed]'") from exc
    environ = dict(os.environ)
    if kind == "local":
        n = arg or os.cpu_count() or 1
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                               env=_worker_environment())
        _restore_environ(environ)  # the workers have theirs; ours must not change (see _restore_environ)
        client, name = Client(cluster), f"LocalCluster of {n} one-thread workers"
    elif kind == "address":
        try:
            client = Client(arg, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler at {arg} ({exc.__class__.__name__}); is it running "
                               "(dask scheduler) and is the address right?") from None
        cluster, name = None, f"scheduler {arg}"
    else:
        try:
            from dask_jobqueue import SLURMCluster
        except ImportError as exc:
            raise ClusterError("--cluster slurm needs dask-jobqueue: pip install dask-jobqueue") from exc
        path = repo_root() / SLURM_FILE
        jobs = arg or 1
        cluster = SLURMCluster(**_slurm_options(path))
        cluster.adapt(minimum_jobs=jobs, maximum_jobs=jobs)  # a job that ends (walltime) is replaced
        client, name = Client(cluster), f"Slurm ({jobs} job(s), options from {path})"
        wait_s = float(os.environ.get("A2V_SLURM_WAIT", 1800))
        try:
            client.wait_for_workers(1, timeout=wait_s)
        except (TimeoutError, OSError):
            client.close()
            cluster.close()
            raise ClusterError(f"no Slurm worker started within {wait_s:.0f} s (A2V_SLURM_WAIT); check the queue, "
                               f"account and resources in {path} and what `squeue --me` says") from None
    ex = DaskExecutor(client, cluster, name, environ=environ)
    echo(f"[a2v] {name}; Dask dashboard: {ex.dashboard or 'none'}")
    return ex


@contextlib.contextmanager
def executor(spec: str | None, echo: Callable[[str], Any] = print, one_thread: bool = False) -> Iterator[Executor]:
    """:func:`open_executor` as a context manager: a cluster it started is shut down afterwards."""
    ex = open_executor(spec, echo, one_thread)
    try:
        yield ex
    finally:
        close = getattr(ex, "close", None)
        if close is not None:
            close()
