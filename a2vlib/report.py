"""Reports: the notebook-side record of a run (metrics.json, run.json) and the runner that executes notebooks with
papermill and turns them into self-contained HTML files plus an index page."""
from __future__ import annotations

import html
import json
import math
import os
import re
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from a2vlib.core.atomic import write_text
from a2vlib.core.errors import A2VError
from a2vlib.core.paths import repo_root, resolve_path
from a2vlib.core.provenance import run_metadata

KERNEL = "python3"


def _to_jsonable(value: Any) -> Any:
    """numpy scalars/arrays and tuples -> plain JSON types; NaN and infinities -> null (strict JSON has neither)."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_jsonable(v) for v in value]
    return value


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    write_text(path, json.dumps(_to_jsonable(data), indent=2, sort_keys=False) + "\n")


# ---------------------------------------------------------------------------------------------------------------
# Inside a notebook


class Run:
    """The record a notebook keeps of itself: named figures in ``metrics.json``, context in ``run.json``.

    Notebooks call :func:`start_run` once after the parameters cell, :meth:`metric` for each named figure and
    :meth:`finish` in the last cell.
    """

    def __init__(self, name: str, params: dict[str, Any], output_dir: Path, device: Any = None):
        self.name, self.params, self.output_dir = name, dict(params), output_dir
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self.metrics: dict[str, Any] = {}
        self._t0 = time.perf_counter()
        self.info = {"notebook": name, "params": self.params, **run_metadata(device)}
        _write_json(self.run_json, {**_read_json(self.run_json), **self.info})
        _write_json(self.metrics_json, {})

    @property
    def metrics_json(self) -> Path:
        return self.output_dir / "metrics.json"

    @property
    def run_json(self) -> Path:
        return self.output_dir / "run.json"

    def metric(self, name: str, value: Any) -> Any:
        """Record a named figure; dotted names nest (``rungs.g.score_mean``). Returns ``value``."""
        node = self.metrics
        *parents, leaf = name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = _to_jsonable(value)
        _write_json(self.metrics_json, self.metrics)
        return value

    def record(self, figures: dict[str, Any]) -> dict[str, Any]:
        """Record several named figures at once; returns them."""
        for key, value in figures.items():
            self.metric(key, value)
        return figures

    def findings(self, items: Sequence[Any]) -> Sequence[Any]:
        """Record computed findings (:class:`a2vlib.verdicts.Finding`) in ``metrics.json`` under ``findings``, so the
        index can count them; returns them for :func:`a2vlib.viz.findings` to show."""
        self.metrics.setdefault("findings", []).extend(f.as_row() for f in items)
        _write_json(self.metrics_json, self.metrics)
        return items

    def artefact(self, name: str) -> Path:
        """A path for an artefact (trained model, table) in the run's folder."""
        path = self.output_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def finish(self) -> dict[str, Any]:
        """Write the notebook's own elapsed time; returns a short summary for the last cell to show."""
        elapsed = round(time.perf_counter() - self._t0, 2)
        _write_json(self.run_json, {**_read_json(self.run_json), "notebook_elapsed_s": elapsed})
        return {"notebook": self.name, "elapsed_s": elapsed, "metrics": str(self.metrics_json),
                "device": self.info["device"].get("device", "cpu")}


def start_run(name: str, namespace: dict[str, Any], device: Any = None) -> Run:
    """Begin the record of notebook ``name`` from inside it: ``start_run("01_data_cleaning", globals())``.

    The parameter names come from the notebook's own ``parameters`` cell, their values from ``namespace`` (so the
    record holds what papermill injected). ``output_dir`` (a parameter of every notebook; the runner sets it)
    defaults to ``reports/interactive/<name>``.
    """
    import pandas as pd

    from a2vlib.params import notebook_defaults, notebook_path

    # a report shows whole tables: no cell text cut to "...", no columns hidden
    pd.set_option("display.max_colwidth", 400)
    pd.set_option("display.max_columns", 60)
    pd.set_option("display.width", 250)
    params = {k: namespace[k] for k in notebook_defaults(notebook_path(name)) if k in namespace}
    output_dir = params.get("output_dir") or ""
    folder = resolve_path(output_dir) if output_dir else repo_root() / "reports" / "interactive" / name
    return Run(name, params, folder, device)


# ---------------------------------------------------------------------------------------------------------------
# The runner


@dataclass
class NotebookResult:
    name: str
    status: str  # "ok" or "failed"
    elapsed_s: float
    folder: Path
    error: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)


def export_html(ipynb: Path, html_path: Path, show_code: bool = False) -> Path:
    """A single self-contained HTML page: images and audio are embedded as data URIs, so it opens offline."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(ipynb, as_version=4)
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = not show_code
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.exclude_anchor_links = True
    body, _ = exporter.from_notebook_node(nb)
    # MathJax and require.js come from CDNs; our pages use neither, and offline they only add load errors. Remove the
    # elements alone: a template line can hold other markup too (the title, an inline script's opening tag).
    body = re.sub(r'<script src="https://[^"]*">\s*</script>', "", body)
    write_text(html_path, body)
    return html_path


def run_notebook(name: str, profile: str = "ci", overrides: dict[str, Any] | None = None,
                 reports_dir: str | os.PathLike | None = None, show_code: bool = False,
                 params_file: str | os.PathLike | None = None, log_output: bool = False) -> NotebookResult:
    """Execute one notebook with papermill into ``reports/<profile>/<name>/`` and export its HTML.

    A failing notebook still gets its executed notebook and HTML (with the error visible) and ``status: failed``.
    """
    import papermill as pm

    from a2vlib.params import load_params, notebook_path

    src = notebook_path(name)
    name = src.stem
    params = load_params(str(src), profile=None if params_file else profile, file=params_file, overrides=overrides)
    base = Path(reports_dir) if reports_dir else repo_root() / "reports"
    folder = base / profile / name
    folder.mkdir(parents=True, exist_ok=True)
    for stale in ("metrics.json", "run.json"):
        (folder / stale).unlink(missing_ok=True)
    out_ipynb = folder / f"{name}.ipynb"
    env_path = os.environ.get("PATH", "")
    # The kernel must be the Python that runs us, with a2vlib importable: put our interpreter first on PATH.
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env_path
    t0, started = time.perf_counter(), time.strftime("%Y-%m-%dT%H:%M:%S%z")
    status, error = "ok", ""
    try:
        pm.execute_notebook(str(src), str(out_ipynb), parameters={**params, "output_dir": str(folder)},
                            kernel_name=KERNEL, cwd=str(repo_root()), progress_bar=False, log_output=log_output)
    except pm.PapermillExecutionError as exc:
        status, error = "failed", f"{exc.ename}: {exc.evalue}"
    except Exception as exc:  # kernel death, missing kernel, ...: still leave a record
        status, error = "failed", f"{exc.__class__.__name__}: {exc}"
        if not out_ipynb.exists():
            import shutil

            shutil.copyfile(src, out_ipynb)
    finally:
        os.environ["PATH"] = env_path
    elapsed = round(time.perf_counter() - t0, 2)
    try:
        export_html(out_ipynb, folder / f"{name}.html", show_code=show_code)
    except Exception:  # the HTML is a convenience; the run's verdict stands without it
        error = error or "HTML export failed:\n" + traceback.format_exc()
        status = "failed"
    record = _read_json(folder / "run.json")
    if "git" not in record:  # the notebook never started its record (failed early): fill in the context here
        record.update(run_metadata())
    record.update({"notebook": name, "profile": profile, "params": params, "started": started,
                   "elapsed_s": elapsed, "status": status, "error": error})
    _write_json(folder / "run.json", record)
    return NotebookResult(name, status, elapsed, folder, error, _read_json(folder / "metrics.json"))


def _scalars(metrics: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Scalar figures of a (nested) metrics dict with dotted names, top level first."""
    flat = [(prefix + k, v) for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    for k, v in metrics.items():
        if isinstance(v, dict):
            flat += _scalars(v, f"{prefix}{k}.")
    return flat


def _headline(metrics: dict[str, Any], limit: int = 6) -> str:
    """The first few scalar figures of a metrics.json, for the index."""
    items = _scalars(metrics)
    return ", ".join(f"{k} = {v:.3g}" if isinstance(v, float) else f"{k} = {v}" for k, v in items[:limit])


def _verdict_counts(metrics: dict[str, Any]) -> str:
    """'3 hold, 1 does not hold, 2 inconclusive' from the findings a notebook recorded."""
    found = metrics.get("findings") or []
    counts = {v: sum(1 for f in found if f.get("verdict") == v) for v in ("holds", "does not hold", "inconclusive")}
    return ", ".join(f"{n} {v}" for v, n in counts.items() if n)


def _duration(seconds: Any) -> str:
    return f"{int(seconds) // 60}:{int(round(seconds)) % 60:02d} ({seconds:.0f} s)" if isinstance(
        seconds, (int, float)) else ""


def build_index(profile: str, reports_dir: str | os.PathLike | None = None) -> Path:
    """``reports/<profile>/index.html``: a row per notebook with status, elapsed time, findings, key figures and a
    link; a last row with the total time."""
    base = (Path(reports_dir) if reports_dir else repo_root() / "reports") / profile
    rows, total = [], 0.0
    for run_json in sorted(base.glob("*/run.json")):
        rec, folder = _read_json(run_json), run_json.parent
        metrics = _read_json(folder / "metrics.json")
        status = rec.get("status", "unknown")
        link = f"{folder.name}/{folder.name}.html"
        elapsed = rec.get("elapsed_s")
        total += elapsed if isinstance(elapsed, (int, float)) else 0.0
        rows.append(
            f"<tr class='{html.escape(status)}'><td><a href='{html.escape(link)}'>{html.escape(folder.name)}</a></td>"
            f"<td>{html.escape(status)}</td><td>{_duration(elapsed)}</td>"
            f"<td>{html.escape(str(rec.get('device', {}).get('device', '')))}</td>"
            f"<td>{html.escape(_verdict_counts(metrics))}</td>"
            f"<td>{html.escape(_headline(metrics))}</td><td>{html.escape(rec.get('error', '')[:300])}</td></tr>"
        )
    rows.append(f"<tr><td><b>total</b></td><td></td><td><b>{_duration(total)}</b></td><td colspan='4'></td></tr>")
    git = run_metadata()["git"]
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>a2v reports: {html.escape(profile)}</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}
tr.failed{{background:#fdd}} tr.ok td:nth-child(2){{color:#070}}</style></head>
<body><h1>a2v study kit: reports for the <code>{html.escape(profile)}</code> profile</h1>
<p>Built {time.strftime('%Y-%m-%d %H:%M')} from revision <code>{html.escape(git['revision'][:12])}</code>
{'(with uncommitted changes)' if git['dirty'] else ''}.</p>
<table><tr><th>notebook</th><th>status</th><th>time (m:ss)</th><th>device</th><th>findings</th><th>key figures</th>
<th>error</th></tr>
{''.join(rows)}
</table></body></html>
"""
    return write_text(base / "index.html", page)


def run_all(profile: str, notebooks: Sequence[str] | None = None, reports_dir: str | os.PathLike | None = None,
            show_code: bool = False, echo: Any = print, cluster: str | None = None) -> list[NotebookResult]:
    """Run notebooks one after another (never side by side on one machine: two torch jobs on two cores crawl), or,
    with ``cluster`` (see :mod:`a2vlib.core.executor`), as tasks on a Dask cluster whose workers share the cache;
    then the index."""
    from a2vlib.core.executor import executor
    from a2vlib.params import profile_notebooks

    names = list(notebooks or profile_notebooks(profile))
    if cluster:
        with executor(cluster, echo) as ex:
            results = ex.map(_run_unit, [(name, profile, reports_dir, show_code) for name in names],
                             desc=f"{profile} notebooks")
        for res in results:
            echo(_done_line(profile, res))
    else:
        results = []
        for name in names:
            echo(f"[a2v] {profile}: running {name} ...")
            results.append(_run_unit((name, profile, reports_dir, show_code)))
            echo(_done_line(profile, results[-1]))
    index = build_index(profile, reports_dir)
    echo(f"[a2v] index: {index}")
    return results


def _done_line(profile: str, res: NotebookResult) -> str:
    return f"[a2v] {profile}: {res.name} {res.status} in {res.elapsed_s:.1f} s" + (f" ({res.error})" if res.error else "")


def _run_unit(unit: tuple[str, str, Any, bool]) -> NotebookResult:
    name, profile, reports_dir, show_code = unit
    return run_notebook(name, profile, reports_dir=reports_dir, show_code=show_code)


NBVAL_MARK = "# NBVAL_CHECK_OUTPUT"


def store_checked_outputs(executed: str | os.PathLike, source: str | os.PathLike) -> int:
    """Copy the outputs of the cells marked ``# NBVAL_CHECK_OUTPUT`` from an executed notebook into the source
    notebook (all other cells stay without outputs), so nbval compares them. Returns how many cells were stored."""
    import nbformat

    ran, src = nbformat.read(executed, as_version=4), nbformat.read(source, as_version=4)
    ran_cells = [c for c in ran.cells if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])]
    src_cells = [c for c in src.cells if c.cell_type == "code"]
    if [c.source for c in ran_cells] != [c.source for c in src_cells]:
        raise A2VError(f"{executed} was not run from the current {source}; run it again first")
    stored = 0
    for done, cell in zip(ran_cells, src_cells):
        checked = cell.source.lstrip().startswith(NBVAL_MARK)
        cell.outputs = done.outputs if checked else []
        cell.execution_count = done.execution_count if checked else None  # nbval skips 'unrun' reference cells
        stored += checked
    nbformat.write(src, source)
    return stored
