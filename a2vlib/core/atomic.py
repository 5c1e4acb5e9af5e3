"""Atomic writes: a reader never sees a half-written file or folder."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from a2vlib.core.errors import OutputError


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it onto ``path``.

    Works for files and folders alike. On error the temporary is removed and ``path`` is untouched. An existing
    folder at ``path`` is replaced only by a folder and only when it is empty: this never deletes anything (what a
    command may replace is :mod:`a2vlib.core.outputs`' to say, before it writes).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    except OSError as exc:
        raise OutputError(f"{path}: cannot write there ({exc.strerror or exc}: {exc.filename or path.parent}); "
                          "choose a writable place") from exc
    target = tmp / path.name  # a fresh name inside a private folder, so callers may create a file or a folder
    try:
        yield target
        if path.is_dir() and not path.is_symlink():
            if not target.is_dir():
                raise OutputError(f"{path}: is a folder; a file never replaces a folder: give a file name")
            if any(path.iterdir()):
                raise OutputError(f"{path}: a folder that holds files already; nothing is replaced: choose a new "
                                  "or empty folder")
        try:
            os.replace(target, path)  # an empty folder is replaced by a folder in one step
        except OSError as exc:
            raise OutputError(f"{path}: cannot write there ({exc.strerror or exc}); choose a writable place") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)
