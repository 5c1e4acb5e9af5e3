"""Shared test setup: quiet progress bars; a cache of the test session's own (never the repository's ``.cache``, so
what a user ran before cannot decide what a test sees); the kit's thread policy (one thread per unit: two cores
never run two torch jobs with two threads each)."""
import os
import tempfile

os.environ.setdefault("TQDM_DISABLE", "1")
# Set before anything asks where the cache is; notebook kernels and workers started by the tests inherit it.
_CACHE = tempfile.TemporaryDirectory(prefix="a2v-test-cache-")
os.environ["A2V_CACHE"] = _CACHE.name
os.environ["A2V_THREADS"] = "1"

import pytest  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    from a2vlib.core.threads import set_threads

    set_threads(1)
    yield


@pytest.fixture(autouse=True, scope="session")
def _librosa_compiled():
    """Tests call librosa directly (librosa.yin, ...): load its numba kernels the kit's way first, under the lock."""
    from a2vlib.core.compiled import librosa

    librosa()
    yield
