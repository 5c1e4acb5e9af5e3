"""librosa, loaded so that processes side by side cannot corrupt numba's on-disk cache of its kernels.

librosa compiles its numba kernels (``cache=True`` jit functions and gufuncs) when its submodules first load, and
numba writes them to a cache beside librosa's sources (or under ``NUMBA_CACHE_DIR``). Two processes compiling at
once, as the workers of a pool or two notebook kernels do on a fresh installation, can leave a gufunc's cache files
from two different compilations that do not fit together (numba issue #10128); every later process that calls that
kernel (``librosa.yin``, ``librosa.zero_crossings``, ...) then dies with a segmentation fault, until the cache is
deleted. :func:`librosa` loads all of librosa's compiled submodules once per process, holding an exclusive lock on
that cache, so one process at a time compiles or reads it. Every use of librosa in the kit goes through it.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

# librosa's submodules that define numba kernels with cache=True (librosa 0.10-0.11).
COMPILED_SUBMODULES = ("librosa.util.utils", "librosa.util.matching", "librosa.filters", "librosa.feature.utils",
                       "librosa.sequence", "librosa.beat", "librosa.core.notation", "librosa.core.audio",
                       "librosa.core.pitch", "librosa.core.spectrum", "librosa.core.constantq")
_loaded = False


def numba_cache_location() -> Path:
    """Where numba keeps librosa's compiled kernels: ``NUMBA_CACHE_DIR`` when set, else beside librosa's sources."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return Path(os.environ["NUMBA_CACHE_DIR"])
    spec = importlib.util.find_spec("librosa")
    return Path(list(spec.submodule_search_locations)[0]) if spec and spec.submodule_search_locations else Path(".")


def librosa() -> ModuleType:
    """The ``librosa`` module, with its compiled submodules loaded under the cache's lock (once per process)."""
    import librosa as module

    if not _loaded:
        _load(rebuild=False)
    return module


def rebuild_numba_cache() -> int:
    """Delete librosa's compiled kernels from numba's cache (a cache that an earlier race left broken crashes every
    process that calls the kernel) and compile them again; returns the number of files deleted. ``make setup`` runs
    it in a fresh process after installing (in a process that has loaded them already it only deletes)."""
    return _load(rebuild=True)


def _load(rebuild: bool) -> int:
    global _loaded
    from a2vlib.core.cache import build_lock

    location = numba_cache_location()
    stale = []
    with build_lock(location, quiet=True):
        if rebuild:
            stale = [p for p in location.rglob("*.nb[ic]") if "librosa" in str(p)]
            for path in stale:
                path.unlink(missing_ok=True)
        for name in COMPILED_SUBMODULES:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError:  # another librosa release, laid out otherwise: nothing of it to load
                pass
    _loaded = True
    return len(stale)
