"""Shared test setup: quiet progress bars, one torch thread (two cores: never two torch jobs with two threads each)."""
import os

os.environ.setdefault("TQDM_DISABLE", "1")

import pytest  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _one_thread():
    import torch

    torch.set_num_threads(1)
    yield
