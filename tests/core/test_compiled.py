"""librosa's numba kernels: loaded under a lock, so processes side by side on a fresh cache leave it whole."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from a2vlib.core import compiled


def test_the_list_names_every_librosa_module_with_cached_kernels():
    """A librosa release that adds a cached kernel elsewhere must show up here, not as a crash in a pool."""
    root = compiled.numba_cache_location() if not os.environ.get("NUMBA_CACHE_DIR") else None
    if root is None:
        pytest.skip("NUMBA_CACHE_DIR is set: librosa's sources are not where its cache is")
    found = set()
    for path in root.rglob("*.py"):
        if re.search(r"cache\s*=\s*True", path.read_text(encoding="utf-8")) and "numba" in path.read_text("utf-8"):
            found.add(".".join(("librosa",) + path.relative_to(root).with_suffix("").parts))
    assert found and found <= set(compiled.COMPILED_SUBMODULES), found - set(compiled.COMPILED_SUBMODULES)


def test_loading_holds_the_cache_lock(monkeypatch):
    import contextlib

    import a2vlib.core.cache as cache

    held = []

    @contextlib.contextmanager
    def lock(folder, timeout_s=None, quiet=False):
        held.append(Path(folder))
        yield

    monkeypatch.setattr(cache, "build_lock", lock)
    monkeypatch.setattr(compiled, "_loaded", False)
    assert compiled.librosa().__name__ == "librosa"
    assert held == [compiled.numba_cache_location()]
    compiled.librosa()  # once per process
    assert len(held) == 1


_LOAD = "from a2vlib.core.compiled import librosa; librosa()"
_CALL = ("import numpy as np; from a2vlib.core.compiled import librosa; lr = librosa(); "
         "y = np.sin(2 * np.pi * 220 * np.arange(11025) / 22050).astype(np.float32); "
         "print(round(float(np.median(lr.yin(y, fmin=50, fmax=2000, sr=22050, frame_length=2048)))), "
         "int(lr.zero_crossings(y).sum()))")


@pytest.mark.slow
def test_processes_side_by_side_on_a_fresh_cache_leave_it_whole(tmp_path):
    """Without the lock, three processes compiling at once broke the cache in 5 of 8 tries (numba #10128): the
    fourth process died in librosa.yin with a segmentation fault."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    procs = [subprocess.Popen([sys.executable, "-c", _LOAD], env=env) for _ in range(3)]
    assert [p.wait(timeout=600) for p in procs] == [0, 0, 0]
    assert list((tmp_path / "numba").rglob("*.nbc"))
    out = subprocess.run([sys.executable, "-c", _CALL], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["220", "220"]  # yin at 220 Hz; two crossings a cycle over 0.5 s
