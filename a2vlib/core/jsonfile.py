"""Reading a JSON object from a file with an error that names the file and says what to do."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from a2vlib.core.errors import DataError


def read_json_object(path: str | os.PathLike, what: str, fix: str = "") -> dict[str, Any]:
    """The JSON object in ``path``; a missing, unreadable or non-object file is a :class:`DataError` naming the file,
    ``what`` it should be and, when given, the ``fix``."""
    path = Path(path)
    hint = f"; {fix}" if fix else ""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DataError(f"{path}: {what} not found{hint}") from exc
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: unreadable {what} ({exc}){hint}") from exc
    if not isinstance(data, dict):
        raise DataError(f"{path}: {what} must hold a JSON object, got {type(data).__name__}{hint}")
    return data
