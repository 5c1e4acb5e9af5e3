"""Sweeps: one notebook over a grid of parameter sets (seeds x learning rates, every student group's file), each set
run by papermill as one unit of :mod:`a2vlib.core.executor` (here, one after another, or on a Dask cluster), one
report per set and a comparison table.

A grid file (``params/sweeps/<name>.yaml``)::

    profile: ci                  # optional: the profile the sets start from (the command line's --profile wins)
    grid:                        # every combination of these values ...
      seed: [0, 1]
      epochs: [2, 3]
    sets:                        # ... and/or these sets as written ...
      - {seed: 7, width: 8}
    files: [groups/a.yaml]       # ... and/or parameter files (relative to the grid file), one set each

Every key is checked against the notebook's parameters before anything runs. Each set runs with one torch thread
wherever it runs, so a set's numbers do not depend on the executor.
"""
from __future__ import annotations

import itertools
import os
import re
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from a2vlib.core.atomic import write_text
from a2vlib.core.errors import ParamsError
from a2vlib.core.outputs import check_name, claim_folder, guard_folder
from a2vlib.core.executor import executor
from a2vlib.core.paths import repo_root
from a2vlib.params import load_params, notebook_defaults, notebook_path, read_yaml, validate

GRID_KEYS = ("profile", "grid", "sets", "files")
SWEEP_OWNER = "a2v sweep"


def read_grid(path: str | os.PathLike, notebook: str) -> tuple[str | None, list[dict[str, Any]]]:
    """The profile a grid file names (or None) and its parameter sets (overrides), each checked against the
    notebook's parameters; an unknown key anywhere is an error naming the file and the key."""
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: a grid file is a mapping with {', '.join(GRID_KEYS)}")
    unknown = sorted(set(data) - set(GRID_KEYS))
    if unknown:
        raise ParamsError(f"{path}: unknown key {unknown[0]!r}; a grid file has {', '.join(GRID_KEYS)}")
    defaults = notebook_defaults(notebook_path(notebook))
    sets: list[dict[str, Any]] = []
    grid = data.get("grid") or {}
    if not isinstance(grid, dict) or not all(isinstance(v, list) and v for v in grid.values()):
        raise ParamsError(f"{path}: 'grid' maps parameter names to non-empty lists of values")
    if grid:
        names = list(grid)
        sets += [dict(zip(names, values)) for values in itertools.product(*(grid[n] for n in names))]
    listed = data.get("sets") or []
    if not isinstance(listed, list) or not all(isinstance(s, dict) for s in listed):
        raise ParamsError(f"{path}: 'sets' is a list of mappings of parameter names to values")
    sets += [dict(s) for s in listed]
    files = data.get("files") or []
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise ParamsError(f"{path}: 'files' is a list of parameter file names (relative to {path.parent})")
    sets += [{"params_file": str((path.parent / f).resolve())} for f in files]
    if not sets:
        raise ParamsError(f"{path}: no parameter set; give 'grid', 'sets' or 'files'")
    for i, overrides in enumerate(sets):
        if "params_file" in overrides:
            read_yaml(overrides["params_file"])  # a missing or broken file fails now, not after hours
        else:
            validate(overrides, defaults, f"{path} (set {i + 1})")
    profile = data.get("profile")
    if profile is not None and not isinstance(profile, str):
        raise ParamsError(f"{path}: 'profile' is a profile name such as ci or lab")
    return profile, sets


def set_name(overrides: dict[str, Any]) -> str:
    """A folder name for a set: ``seed=0,epochs=2`` (or the parameter file's stem)."""
    if "params_file" in overrides:
        return Path(overrides["params_file"]).stem
    text = ",".join(f"{k}={v}" for k, v in overrides.items()) or "defaults"
    return re.sub(r"[^A-Za-z0-9=,.+-]+", "_", text)[:120]


def _run_set(unit: tuple[str, str, dict[str, Any], str]) -> dict[str, Any]:
    """One set: the notebook run by papermill into its own report folder (a unit for an executor)."""
    from a2vlib.report import _scalars, run_notebook

    notebook, profile, overrides, reports_dir = unit
    overrides = dict(overrides)
    params_file = overrides.pop("params_file", None)
    res = run_notebook(notebook, profile, overrides=overrides or None, reports_dir=reports_dir,
                       params_file=params_file)
    return {"set": set_name({**overrides, **({"params_file": params_file} if params_file else {})}),
            **overrides, "status": res.status, "elapsed_s": res.elapsed_s, "error": res.error,
            "report": str(res.folder / f"{res.name}.html"), **dict(_scalars(res.metrics))}


def run_sweep(notebook: str, grid: str | os.PathLike, profile: str | None = None, cluster: str | None = None,
              reports_dir: str | os.PathLike | None = None, echo: Callable[[str], Any] = print) -> pd.DataFrame:
    """Run ``notebook`` once per set of the grid file ``grid`` on the executor ``cluster`` names; returns the
    comparison table (one row per set: its parameters, status, time and every scalar figure) and writes it as
    ``comparison.csv`` and ``comparison.html`` beside the sets' reports (``reports/sweeps/<grid>/<notebook>/``)."""
    name = notebook_path(notebook).stem
    grid_profile, sets = read_grid(grid, name)
    profile = profile or grid_profile or "ci"
    check_name("profile", profile)
    for overrides in sets:  # every set must load (a files: entry with its extends and keys), before any unit starts
        rest = {k: v for k, v in overrides.items() if k != "params_file"}
        load_params(name, None if "params_file" in overrides else profile, overrides.get("params_file"), rest)
    base = Path(reports_dir) if reports_dir else repo_root() / "reports" / "sweeps"
    folder = base / Path(grid).stem / name
    if not (folder / "comparison.csv").is_file():  # an older kit's sweep has no marker, but its comparison
        guard_folder(folder, "the sweep's reports", SWEEP_OWNER, hint="move what is there away, or give another "
                                                                      "--reports-dir")
    claim_folder(folder, SWEEP_OWNER)
    units = [(name, profile, overrides, str(folder / set_name(overrides))) for overrides in sets]
    echo(f"[a2v] sweep {name}: {len(units)} set(s) from {grid}, profile {profile}")
    with executor(cluster, echo, one_thread=True) as ex:
        rows = ex.map(_run_set, units, desc=f"sweep {name}")
    table = pd.DataFrame(rows)
    write_text(folder / "comparison.csv", table.to_csv(index=False))
    write_comparison_html(table, folder / "comparison.html", f"{name}: {Path(grid).name}, profile {profile}")
    echo(f"[a2v] comparison: {folder / 'comparison.html'}")
    return table


def write_comparison_html(table: pd.DataFrame, path: Path, title: str) -> Path:
    """The comparison table as one HTML page, each set linking to its report."""
    import html

    shown = table.copy()
    if "report" in shown:
        shown["report"] = [f"<a href='{html.escape(os.path.relpath(p, path.parent))}'>report</a>"
                           for p in shown.report]
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title><style>"
            "body{font-family:sans-serif;margin:2em} table{border-collapse:collapse} "
            "td,th{border:1px solid #ccc;padding:3px 6px}</style></head><body>"
            f"<h1>Sweep {html.escape(title)}</h1>{shown.to_html(index=False, escape=False, float_format='%.4g')}"
            "</body></html>")
    return write_text(path, page)
