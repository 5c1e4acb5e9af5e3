"""Figures quoted from the three papers, one module per paper: every number a notebook or a verdict puts beside ours
comes from here, and ``tests/papers/test_papers.py`` finds each one in the paper's text.

A :class:`Quote` holds the value, its spread where the paper gives one, and where it stands (table or section).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Quote:
    """One figure as the paper prints it: ``value`` (and ``spread``, e.g. the ± of a table cell), ``where`` it
    stands (``"Table 4"``, ``"§3"``) and ``text``, the characters that the paper's text shows for it (found there by
    the test), when they differ from the plain number."""

    value: float
    where: str
    spread: float | None = None
    text: str | None = None

    def __str__(self) -> str:
        return f"{self.value:g}" if self.spread is None else f"{self.value:g} ± {self.spread:g}"


def iter_quotes(obj: object, path: str = "") -> Iterator[tuple[str, Quote]]:
    """Every :class:`Quote` inside ``obj`` (a Quote, or dicts, lists and tuples of them, nested at any depth) with
    its dotted path (``"TABLE7.full_system.odg"``); anything else is passed over."""
    if isinstance(obj, Quote):
        yield path, obj
    elif isinstance(obj, Mapping):
        for key, item in obj.items():
            yield from iter_quotes(item, f"{path}.{key}" if path else str(key))
    elif isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            yield from iter_quotes(item, f"{path}[{i}]")


def quotes(module: ModuleType) -> dict[str, Quote]:
    """All the figures a paper module holds, by dotted path: its public upper-case names (constants and tables),
    walked into. A name bound to the same Quote as another (an alias) is listed under both."""
    found: dict[str, Quote] = {}
    for name, value in vars(module).items():
        if name.isupper() and not name.startswith("_"):  # constants only: skips imports, helpers and dunders
            found.update(iter_quotes(value, name))
    return found
