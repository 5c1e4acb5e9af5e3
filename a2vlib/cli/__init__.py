"""The ``a2v`` command: run notebooks into reports, build the index, check golden values, classify audio files,
write and grade course labs. :mod:`a2vlib.cli.parser` holds the command line, :mod:`a2vlib.cli.commands` what each
subcommand does; every output goes through :mod:`a2vlib.core.outputs`' guard."""
from __future__ import annotations

from a2vlib.cli.parser import build_parser, main

__all__ = ["build_parser", "main"]
