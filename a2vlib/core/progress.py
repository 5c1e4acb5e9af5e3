"""The one progress-bar helper."""
from __future__ import annotations

import os
from typing import Any, Iterable


def progress(iterable: Iterable | None = None, **kwargs: Any):
    """A tqdm progress bar that stays quiet when ``TQDM_DISABLE`` is set (tests, CI, papermill logs)."""
    from tqdm.auto import tqdm

    kwargs.setdefault("disable", bool(os.environ.get("TQDM_DISABLE")))
    kwargs.setdefault("leave", False)
    return tqdm(iterable, **kwargs)
