"""The one output guard: where a command may write, and what it never touches.

Every command that writes where its user says (``--out``, ``--csv``, ``--manifest``, ``--write``, ``--reports-dir``,
``--dest``) asks this module first, so the rule lives in one place:

- an output that is a file never replaces a folder (not even with ``--force``);
- an output never lands inside a folder the same command reads (a dataset root, the submissions, the videos), nor
  inside the kit's sources (:data:`SOURCES`);
- an existing file, or a folder that holds anything, is written over only with ``--force`` or when the kit itself
  wrote it: a folder the kit made carries :data:`MARKER`, a file the kit wrote starts with the header it was written
  with;
- profile and notebook names are names, never paths (:func:`check_name`).

Nothing here deletes anything: a guard either returns the path or raises :class:`OutputError` naming it.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Iterable

from a2vlib.core.errors import OutputError
from a2vlib.core.paths import repo_root

# The kit's own sources (relative to the repository root): no command writes there for a user.
SOURCES = ("a2vlib", "notebooks", "params", "tests", "benchmarks", "results", ".git", ".ci", "README.md",
           "RESULTS.md", "Makefile", "pyproject.toml", "environment.yml", ".gitignore")
# A file in every folder the kit creates for a user (reports, handouts, pairs): what wrote it.
MARKER = ".a2v-output"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def check_name(kind: str, text: str) -> str:
    """``text`` if it is a plain name (letters, digits, ``_ . -``; no ``/``, no ``..``), else an error naming it."""
    text = str(text)
    if not _NAME.match(text) or ".." in text:
        raise OutputError(f"{kind} {text!r} is not a name: {kind}s are plain names such as 'lab' or "
                          "'01_data_cleaning', never paths ('/', '..')")
    return text


def _resolved(path: Path) -> Path:
    return Path(os.path.abspath(os.path.expanduser(path))).resolve()


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def source_of(path: str | os.PathLike) -> Path | None:
    """The kit source that ``path`` is, or lies in (None when it is none of them)."""
    resolved, root = _resolved(Path(path)), repo_root().resolve()
    for name in SOURCES:
        if _within(resolved, root / name):
            return root / name
    return None


def _common_checks(path: Path, what: str, reads: Iterable[str | os.PathLike]) -> Path:
    resolved = _resolved(path)
    source = source_of(resolved)
    if source is not None:
        raise OutputError(f"{path}: {what} would land in the kit's sources ({source}); choose a place outside "
                          "a2vlib/, notebooks/, params/, tests/, benchmarks/ and results/")
    if resolved == repo_root().resolve():
        raise OutputError(f"{path}: {what} would land at the top of the kit's repository; choose a folder of its own")
    for read in reads:
        read_path = _resolved(Path(read))
        if _within(resolved, read_path):
            raise OutputError(f"{path}: {what} would land inside {read}, which this command reads; choose a place "
                              "outside it")
    for parent in resolved.parents:
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"{path}: {parent} is a file, not a folder; choose another place for {what}")
    return resolved


def guard_file(path: str | os.PathLike, what: str, *, force: bool = False, reads: Iterable[str | os.PathLike] = (),
               kit_header: str | None = None) -> Path:
    """``path`` as a file output, or :class:`OutputError`: it is a folder, lies in the sources or in a folder read,
    or exists and was not written by the kit (its first line is not ``kit_header``) and ``force`` is not set."""
    path = Path(path)
    resolved = _common_checks(path, what, reads)
    if resolved.is_dir():
        raise OutputError(f"{path}: is a folder; {what} is a file: give a file name (a file never replaces a folder)")
    if resolved.exists() and not force and not (kit_header and _starts_with(resolved, kit_header)):
        raise OutputError(f"{path}: exists and a2v did not write it; choose a new name for {what}, or add --force "
                          "to replace it")
    return path


FORCE_HINT = "add --force to write into it (nothing there is removed; files of the same names are replaced)"


def guard_folder(path: str | os.PathLike, what: str, owner: str, *, force: bool = False,
                 reads: Iterable[str | os.PathLike] = (), hint: str = FORCE_HINT) -> Path:
    """``path`` as a folder output, or :class:`OutputError`: it is a file, lies in the sources or in (or holds) a
    folder read, or holds anything and carries no :data:`MARKER` of ``owner`` and ``force`` is not set. Writing
    into a folder never removes what is already there."""
    path = Path(path)
    resolved = _common_checks(path, what, reads)
    for read in reads:
        if _within(_resolved(Path(read)), resolved):
            raise OutputError(f"{path}: holds {read}, which this command reads; {what} goes in a folder of its own")
    if resolved.exists() and not resolved.is_dir():
        raise OutputError(f"{path}: is a file; {what} is a folder: give a folder name")
    if resolved.is_dir() and not force and any(resolved.iterdir()) and not owned(resolved, owner):
        count = sum(1 for _ in resolved.iterdir())
        raise OutputError(f"{path}: holds {count} entr{'y' if count == 1 else 'ies'} that a2v did not write; choose "
                          f"a new or empty folder for {what}, or {hint}")
    return path


def owned(folder: str | os.PathLike, owner: str) -> bool:
    """Whether ``folder`` carries the kit's :data:`MARKER` for ``owner`` (what :func:`claim_folder` writes)."""
    return _marker(Path(folder)).get("owner") == owner


def claim_folder(folder: str | os.PathLike, owner: str) -> Path:
    """Create ``folder`` (after a guard) and mark it as written by ``owner``, so the kit may write there again."""
    from a2vlib.core.atomic import write_text

    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not owned(folder, owner):
            write_text(folder / MARKER, json.dumps({"owner": owner, "note": "written by a2v; a2v may write here "
                                                                            "again"}) + "\n")
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write there ({exc.strerror or exc}); choose a writable folder") from exc
    return folder


def _marker(folder: Path) -> dict:
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def guard_rewrite(path: str | os.PathLike, what: str, owner: str, *, force: bool = False) -> Path:
    """``path``, a file the kit writes in a folder it marked, may be written again only when it is as the kit left
    it (its checksum in the folder's :data:`MARKER`): a handout a student has since worked in is refused without
    ``force``, naming it."""
    path = Path(path)
    if path.exists() and not force:
        marker = _marker(path.parent)
        if marker.get("owner") != owner or marker.get("files", {}).get(path.name) != _digest(path):
            raise OutputError(f"{path}: changed since a2v wrote it (someone's work?); {what} is not written over it: "
                              "move it away, or add --force to replace it")
    return path


def note_written(path: str | os.PathLike, owner: str) -> Path:
    """Record ``path``'s checksum in its folder's :data:`MARKER` (see :func:`guard_rewrite`)."""
    from a2vlib.core.atomic import write_text

    path = Path(path)
    data = {**_marker(path.parent), "owner": owner}
    data["files"] = {**data.get("files", {}), path.name: _digest(path)}
    write_text(path.parent / MARKER, json.dumps(data, indent=1) + "\n")
    return path


def _starts_with(path: Path, header: str) -> bool:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read(len(header)) == header
    except (OSError, UnicodeDecodeError):
        return False
