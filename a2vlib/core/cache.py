"""The one cache idiom: a folder ``<cache>/<kind>/<hash>`` built once, atomically, keyed by what produced it.

Keys include :data:`DATA_VERSION` (bump it when a data generator or a feature changes what it writes) so that an
old cache is never mistaken for a new one.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any, Callable, Iterator

from a2vlib.core.atomic import atomic_path
from a2vlib.core.paths import cache_dir

# Version of what the kit's generators and feature extractors write. Part of every cache key.
DATA_VERSION = 3


def params_hash(params: Any, length: int = 12) -> str:
    """A stable short hash of a parameter set (key order does not matter)."""
    text = json.dumps(params, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def cache_folder(kind: str, key: Any) -> Path:
    """The folder that :func:`cached` uses for ``key`` (for caches that fill themselves, like checkpoints)."""
    return cache_dir() / kind / params_hash({"data_version": DATA_VERSION, "key": key})


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
        with atomic_path(folder) as tmp:
            tmp.mkdir()
            build(tmp)
            (tmp / "params.json").write_text(json.dumps({"data_version": DATA_VERSION, "key": key}, indent=2,
                                                        sort_keys=True, default=str))
    return folder


@contextlib.contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` among processes that share the cache (Dask workers, two notebooks): the
    second one waits instead of building (or training) the same thing again. The lock is a file under
    ``<cache>/.locks/``, held with ``flock``: the system releases it when its holder dies, so a killed worker never leaves it locked.
    (Where ``flock`` does not exist, Windows, nothing is locked; on a network file system it needs lock support.)"""
    try:
        import fcntl
    except ImportError:
        yield
        return
    locks = cache_dir() / ".locks"  # apart from the folders, so a listing of a cache kind shows only results
    locks.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(str(Path(folder).resolve()).encode()).hexdigest()[:16]
    with open(locks / f"{Path(folder).name}.{name}.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
