"""The one cache idiom: a folder ``<cache>/<kind>/<hash>`` built once, atomically, keyed by what produced it.

Keys include :data:`DATA_VERSION` (bump it when a data generator or a feature changes what it writes) so that an
old cache is never mistaken for a new one.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Callable

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
    with atomic_path(folder) as tmp:
        tmp.mkdir()
        build(tmp)
        (tmp / "params.json").write_text(json.dumps({"data_version": DATA_VERSION, "key": key}, indent=2,
                                                    sort_keys=True, default=str))
    return folder
