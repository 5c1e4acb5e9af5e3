"""Figures quoted from the three papers, one module per paper: every number a notebook or a verdict puts beside ours
comes from here, and ``tests/test_papers.py`` finds each one in the paper's text.

A :class:`Quote` holds the value, its spread where the paper gives one, and where it stands (table or section).
"""
from __future__ import annotations

from dataclasses import dataclass


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
