"""The one cache idiom: a folder ``<cache>/<kind>/<hash>`` built once, atomically, keyed by what produced it.

Keys include :data:`DATA_VERSION` (bump it when a data generator, a feature or a model's code changes what it writes)
and :func:`a2vlib.core.threads.numerics` (torch version, threads, CPU instruction set), so that an old cache, or one
filled under other numerics, is never mistaken for this run's. Tests use a temporary cache of their own.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from a2vlib.core.atomic import atomic_path
from a2vlib.core.errors import A2VError
from a2vlib.core.paths import cache_dir
from a2vlib.core.threads import numerics

# Version of what the kit's generators and feature extractors write. Part of every cache key.
DATA_VERSION = 4
# How long a process waits for another one's build of the same folder before it gives up (A2V_LOCK_TIMEOUT, seconds).
LOCK_TIMEOUT_S = 6 * 3600.0


class CacheLockTimeout(A2VError):
    """Another process held a cache folder's build lock for longer than the timeout."""


def params_hash(params: Any, length: int = 12) -> str:
    """A stable short hash of a parameter set (key order does not matter)."""
    text = json.dumps(params, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def full_key(key: Any) -> dict[str, Any]:
    """What a cache folder's name is the hash of: the caller's key, :data:`DATA_VERSION` and the numerics."""
    return {"data_version": DATA_VERSION, "numerics": numerics(), "key": key}


def cache_folder(kind: str, key: Any) -> Path:
    """The folder that :func:`cached` uses for ``key`` (for caches that fill themselves, like checkpoints)."""
    return cache_dir() / kind / params_hash(full_key(key))


def cached(kind: str, key: Any, build: Callable[[Path], None]) -> Path:
    """A folder ``<cache>/<kind>/<hash of key>`` built once by ``build(folder)``, atomically.

    An interrupted build leaves nothing behind; a folder that exists is complete. ``params.json`` inside records
    what produced it.
    """
    folder = cache_folder(kind, key)
    if folder.exists():
        return folder
    with build_lock(folder):  # another process building the same folder: wait for it, then use its result
        if folder.exists():
            return folder
        remove_stale_temporaries(folder)
        with atomic_path(folder) as tmp:
            tmp.mkdir()
            build(tmp)
            (tmp / "params.json").write_text(json.dumps(full_key(key), indent=2, sort_keys=True, default=str))
    return folder


def remove_stale_temporaries(folder: Path) -> None:
    """Remove what a killed build of ``folder`` left beside it (the temporaries of :func:`atomic_path`). Call it
    holding ``folder``'s build lock: then no live process is writing them."""
    for tmp in Path(folder).parent.glob(f".{Path(folder).name}.*.tmp"):
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def build_lock(folder: Path, timeout_s: float | None = None, quiet: bool = False) -> Iterator[None]:
    """An exclusive lock on ``folder`` among processes that share the cache (Dask workers, two notebooks): the
    second one waits instead of building (or training) the same thing again, and says whom it waits for (host, pid,
    since when). After ``timeout_s`` (``A2V_LOCK_TIMEOUT``, else :data:`LOCK_TIMEOUT_S`) it gives up with
    :class:`CacheLockTimeout`. The lock is a file under ``<cache>/.locks/``, held with ``flock``: the system releases
    it when its holder dies, so a killed worker never leaves it locked. (Where ``flock`` does not exist, Windows,
    nothing is locked; on a network file system it needs lock support.) ``quiet``: wait without saying so (for
    waits of seconds, like :func:`a2vlib.core.compiled.librosa`'s)."""
    locks = _lock_dir(fallback=quiet)
    name = hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:16]
    with file_lock(locks / f"{Path(folder).name}.{name}.lock", f"{folder}: being built by", timeout_s, quiet):
        yield


@contextlib.contextmanager
def file_lock(lock_file: Path, waiting_for: str, timeout_s: float | None = None, quiet: bool = False
              ) -> Iterator[None]:
    """An exclusive ``flock`` on ``lock_file``, which records its holder (host, pid, since); a second process waits,
    saying ``[a2v] waiting for <waiting_for> <holder>`` on stderr (unless ``quiet``), and gives up after
    ``timeout_s`` (``A2V_LOCK_TIMEOUT``, else :data:`LOCK_TIMEOUT_S`). The one lock of the kit: cache builds and
    report folders use it."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    if timeout_s is None:
        timeout_s = float(os.environ.get("A2V_LOCK_TIMEOUT", LOCK_TIMEOUT_S))
    with open(lock_file, "a+") as handle:
        _acquire(handle, waiting_for, timeout_s, quiet)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"host": socket.gethostname(), "pid": os.getpid(),
                                     "since": time.strftime("%Y-%m-%d %H:%M:%S")}))
            handle.flush()
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


_FALLBACK_SAID: list[str] = []


def _lock_dir(fallback: bool) -> Path:
    """``<cache>/.locks`` (apart from the folders, so a listing of a cache kind shows only results). Where the cache
    cannot be written: with ``fallback`` (short locks, such as librosa's loading) a folder in the system's temporary
    place, said once; else an error naming the cache and the way out."""
    locks = cache_dir() / ".locks"
    try:
        locks.mkdir(parents=True, exist_ok=True)
        if os.access(locks, os.W_OK):
            return locks
        problem = "not writable"
    except OSError as exc:
        problem = f"{exc.strerror or exc}: {exc.filename or locks}"
    if not fallback:
        raise A2VError(f"the cache folder {cache_dir()} cannot be used ({problem}); set A2V_CACHE to a writable "
                       "folder, or fix its permissions")
    import tempfile

    locks = Path(tempfile.gettempdir()) / f"a2v-locks-{os.getuid() if hasattr(os, 'getuid') else 'user'}"
    locks.mkdir(parents=True, exist_ok=True)
    if not _FALLBACK_SAID:
        _FALLBACK_SAID.append(str(locks))
        print(f"[a2v] the cache {cache_dir()} cannot be written ({problem}); short locks are kept in {locks}",
              file=sys.stderr, flush=True)
    return locks


def _acquire(handle: Any, waiting_for: str, timeout_s: float, quiet: bool = False) -> None:
    import fcntl

    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        pass
    handle.seek(0)
    holder = handle.read().strip() or "another process"
    if not quiet:
        print(f"[a2v] waiting for {waiting_for} {holder} (gives up after {timeout_s:.0f} s)",
              file=sys.stderr, flush=True)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise CacheLockTimeout(
                    f"{waiting_for} {holder}, still after {timeout_s:.0f} s; if that process is gone or stuck, "
                    "stop it, or raise A2V_LOCK_TIMEOUT") from None
            time.sleep(min(1.0, max(0.01, deadline - time.monotonic())))
