"""Value checks for configuration dataclasses: one place for 'is this an int', 'is this a number', and the error
that names ``Config.field=value`` and says what to give."""
from __future__ import annotations

from typing import Any

from a2vlib.core.errors import ParamsError


def is_int(value: Any) -> bool:
    """An integer that is not a bool (YAML and numpy both give these)."""
    import numpy as np

    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """A real number that is not a bool."""
    import numpy as np

    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def require(config: Any, ok: bool, name: str, what: str) -> None:
    """Raise :class:`ParamsError` naming ``Config.field=value`` and what to give, unless ``ok``."""
    if not ok:
        raise ParamsError(f"{type(config).__name__}.{name}={getattr(config, name)!r}: {what}")
