"""Reports: the runner that executes notebooks with papermill (profile, thread count, cell timeout, headless) and
turns them into self-contained HTML files plus an index page. What a notebook records of itself is
:mod:`a2vlib.record`."""
from __future__ import annotations

import html
import os
import re
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from a2vlib.core.atomic import write_text
from a2vlib.core.cache import file_lock
from a2vlib.core.errors import A2VError
from a2vlib.core.kernels import local_kernel
from a2vlib.core.outputs import check_name, claim_folder, guard_folder, owned
from a2vlib.core.paths import repo_root
from a2vlib.core.provenance import run_metadata
from a2vlib.estimates import announce_estimate, expected_seconds, minutes

from a2vlib.record import _read_json, _write_json  # the runner fills in what a notebook recorded

KERNEL = "python3"
REPORT_OWNER = "a2v report"
RUN_LOCK = ".a2v-run.lock"  # held while a run writes its report folder
MOVE_HINT = "move what is there away, or give another --reports-dir"

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


# a table wider than the page scrolls inside its output instead of running off the page
WIDE_TABLES_CSS = ("<style>.jp-RenderedHTMLCommon table{display:block;max-width:100%;overflow-x:auto}"
                   ".jp-OutputArea-output{overflow-x:auto}</style>\n")


SMOKE_BANNER = ("<div style='background:#fff3cd;border:2px solid #e0a800;padding:8px 12px;margin:8px 0;"
                "font-family:sans-serif'><b>Smoke run</b> of the {profile} profile: every code path it takes, at smoke "
                "size (params/{smoke}/). The figures below say nothing about the papers' claims; they are not the "
                "{profile} profile's results.</div>")


def export_html(ipynb: Path, html_path: Path, show_code: bool = False, banner: str = "") -> Path:
    """A single self-contained HTML page: images and audio are embedded as data URIs, so it opens offline.
    ``banner``: HTML shown at the top of the page (a smoke run says so there)."""
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
    body = body.replace("</head>", WIDE_TABLES_CSS + "</head>", 1)
    if banner:
        body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + banner, body, count=1)
    write_text(html_path, body)
    return html_path


# Per-cell time limit of the runner, by profile (seconds; ``a2v run/report --timeout`` overrides): a cell that runs
# past it fails the run with the cell named, instead of hanging until someone notices.
CELL_TIMEOUT_S = {"ci": 900, "lab": 3600, "real": 3600, "paper": 24 * 3600}
# Cells with this tag need a person at a browser (ipywidgets); headless runs show a note instead of executing them.
INTERACTIVE_TAG = "interactive"
INTERACTIVE_NOTE = "# interactive cell: open the notebook in JupyterLab to use it (headless runs skip it)"


def headless_notebook(src: Path) -> Any:
    """The notebook at ``src`` with every cell tagged ``interactive`` replaced by a note: a widget waits for a
    browser that a headless kernel never has (nbclient can hang on widget output), and the static figure beside it
    shows the same."""
    import nbformat

    nb = nbformat.read(src, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and INTERACTIVE_TAG in cell.metadata.get("tags", []):
            cell.source = INTERACTIVE_NOTE
    return nb


def failed_cell(executed: Path) -> str:
    """'cell 7 (`scores = ladder.run(...)`)': the cell papermill marked as failed (or left running), or ''."""
    import nbformat

    try:
        nb = nbformat.read(executed, as_version=4)
    except Exception:
        return ""
    code = [c for c in nb.cells if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])]
    def named(i: int, cell: Any) -> str:
        line = next((ln for ln in cell.source.splitlines() if ln.strip() and not ln.startswith("#")), "")
        return f"code cell {i} (`{line[:80]}`)"

    for i, cell in enumerate(code, 1):
        meta = cell.metadata.get("papermill", {})
        if meta.get("exception") or meta.get("status") in ("failed", "running"):
            return named(i, cell)
    # a cell stopped from outside (its time limit) is marked as completed: it is the last one that started
    started = [(i, c) for i, c in enumerate(code, 1) if c.metadata.get("papermill", {}).get("start_time")]
    return named(*started[-1]) if started else ""


def run_notebook(name: str, profile: str = "ci", overrides: dict[str, Any] | None = None,
                 reports_dir: str | os.PathLike | None = None, show_code: bool = False,
                 params_file: str | os.PathLike | None = None, log_output: bool = False,
                 timeout: float | None = None, progress: bool = False) -> NotebookResult:
    """Execute one notebook with papermill into ``reports/<profile>/<name>/`` and export its HTML.

    The notebook is given its ``profile`` and the ``overrides`` and resolves them itself (:func:`start_run`), the
    same way a plain ``papermill -p profile lab`` run does; with ``params_file`` it is given that file's values. The
    kernel starts with the run's thread count; a cell may run ``timeout`` seconds (default
    :data:`CELL_TIMEOUT_S` of the profile); interactive cells are not executed. A failing notebook still gets its
    executed notebook and HTML (with the error visible), ``status: failed`` and an error naming the cell.
    ``progress`` shows a bar over the notebook's cells on stderr (even under TQDM_DISABLE, which silences the
    bars inside the notebook), so a long run is never minutes of silence.
    """
    from a2vlib.params import notebook_path, resolve_params

    src = notebook_path(name)
    name = src.stem
    params, sources = resolve_params(str(src), profile=None if params_file else profile, file=params_file,
                                     overrides=overrides)
    folder = claim_folder(report_folder(profile, name, reports_dir), REPORT_OWNER)
    cost = announce_estimate(name, profile, None if params_file else overrides)
    # one writer per report folder: a second run of the same notebook and profile waits, and says for whom
    with file_lock(folder / RUN_LOCK, f"{folder}: another run of {name} ({profile}) by"):
        return _execute(src, profile, folder, params, sources, overrides, params_file, show_code, log_output,
                        timeout, progress, cost)


def _execute(src: Path, profile: str, folder: Path, params: dict[str, Any], sources: dict[str, str],
             overrides: dict[str, Any] | None, params_file: str | os.PathLike | None, show_code: bool,
             log_output: bool, timeout: float | None, progress: bool, cost: dict[str, Any] | None = None
             ) -> NotebookResult:
    """:func:`run_notebook`'s work, holding the report folder's lock. Ctrl-C leaves the folder consistent: the run
    is recorded as ``interrupted`` (with what the notebook had reached), then the interrupt goes on."""
    import papermill as pm

    from a2vlib.core.threads import thread_environment

    from a2vlib.params import SMOKE_SUFFIX

    name, smoke = src.stem, profile.endswith(SMOKE_SUFFIX)
    for stale in ("metrics.json", "run.json", f"{name}.ipynb"):
        (folder / stale).unlink(missing_ok=True)
    out_ipynb = folder / f"{name}.ipynb"
    if params_file:
        given = {k: v for k, v in params.items() if k not in ("profile", "output_dir")}
    else:
        given = {"profile": profile, **(overrides or {})}
    if timeout is None:
        timeout = CELL_TIMEOUT_S.get(profile, CELL_TIMEOUT_S["lab"])
    saved_env = dict(os.environ)
    # The kernel must be the Python that runs us, with a2vlib importable: put our interpreter first on PATH. It
    # starts with the run's thread count (start_run sets it again, for torch and BLAS, from the parameter).
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + saved_env.get("PATH", "")
    os.environ.update(thread_environment(int(params.get("threads") or 1)))
    t0, started = time.perf_counter(), time.strftime("%Y-%m-%dT%H:%M:%S%z")
    status, error, interrupted = "ok", "", False
    try:
        with local_kernel() as config:
            pm.execute_notebook(headless_notebook(src), str(out_ipynb),
                                parameters={**given, "output_dir": str(folder.resolve())}, kernel_name=KERNEL,
                                cwd=str(repo_root()), log_output=log_output,
                                progress_bar={"desc": name, "disable": False, "ascii": True, "mininterval": 15.0,
                                              "file": sys.stderr} if progress else False,
                                execution_timeout=timeout, config=config)
    except KeyboardInterrupt:
        status, error, interrupted = "interrupted", "interrupted (Ctrl-C) before the notebook finished", True
    except pm.PapermillExecutionError as exc:
        status, error = "failed", f"{exc.ename}: {exc.evalue}"
        if exc.ename == "KeyboardInterrupt":
            status, error, interrupted = "interrupted", "interrupted (Ctrl-C) before the notebook finished", True
    except Exception as exc:  # a cell past its timeout, kernel death, missing kernel, ...: still leave a record
        status, error = "failed", f"{exc.__class__.__name__}: {exc}"
        if exc.__class__.__name__ == "CellTimeoutError":
            error = f"a cell ran past the {timeout:.0f} s limit (--timeout); {error}"
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        if not out_ipynb.exists():  # the run stopped before papermill wrote anything: the notebook as it is
            import shutil

            shutil.copyfile(src, out_ipynb)
    if status != "ok":
        where = failed_cell(out_ipynb)
        error = f"{where}: {error}" if where else error
    elapsed = round(time.perf_counter() - t0, 2)
    try:
        banner = SMOKE_BANNER.format(profile=profile.removesuffix(SMOKE_SUFFIX), smoke=profile) if smoke else ""
        export_html(out_ipynb, folder / f"{name}.html", show_code=show_code, banner=banner)
    except Exception:  # the HTML is a convenience; the run's verdict stands without it
        error = error or "HTML export failed:\n" + traceback.format_exc()
        status = "failed"
    record = _read_json(folder / "run.json")
    if "git" not in record:  # the notebook never started its record (failed early): fill in the context here
        record.update(run_metadata())
        record["param_sources"] = sources
    record.update({"notebook": name, "profile": profile, "params": record.get("params") or params,
                   "started": started, "elapsed_s": elapsed, "cell_timeout_s": timeout, "status": status,
                   "error": error, "smoke": smoke, **({"estimate": cost} if cost else {})})
    _write_json(folder / "run.json", record)
    if interrupted:
        raise KeyboardInterrupt
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


def reports_base(profile: str, reports_dir: str | os.PathLike | None = None) -> Path:
    """``<reports_dir>/<profile>`` (default ``<repo>/reports/<profile>``), after the output guard: the profile is a
    name, and the folder is no file, no source and, when it holds anything, the kit's (or reports of a profile)."""
    check_name("profile", profile)
    base = Path(reports_dir) if reports_dir else repo_root() / "reports"
    guard_folder(base, "the reports folder (--reports-dir)", REPORT_OWNER, force=True)  # a file or a source: refused
    folder = base / profile
    if not _is_report_folder(folder) and not any(_is_report_folder(p) for p in _subfolders(folder)):
        guard_folder(folder, f"the {profile} reports", REPORT_OWNER, hint=MOVE_HINT)
    return folder


def report_folder(profile: str, name: str, reports_dir: str | os.PathLike | None = None) -> Path:
    """``<reports>/<profile>/<name>``: refused when it holds what the kit did not write (see :func:`reports_base`)."""
    folder = reports_base(profile, reports_dir) / check_name("notebook", name)
    if not _is_report_folder(folder):
        guard_folder(folder, f"the report of {name}", REPORT_OWNER, hint=MOVE_HINT)
    return folder


def _is_report_folder(folder: Path) -> bool:
    """A folder the runner wrote: its marker, or (reports from before the marker) a run record or the executed
    notebook of its name (an older runner removed run.json when a run started and left none after a Ctrl-C)."""
    return (owned(folder, REPORT_OWNER) or (folder / "run.json").is_file()
            or (folder / f"{folder.name}.ipynb").is_file())


def _subfolders(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.is_dir()] if folder.is_dir() else []


def build_index(profile: str, reports_dir: str | os.PathLike | None = None) -> Path:
    """``reports/<profile>/index.html``: a row per notebook with status, elapsed time, findings, key figures and a
    link; a last row with the total time."""
    base = claim_folder(reports_base(profile, reports_dir), REPORT_OWNER)
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
tr.failed{{background:#fdd}} tr.interrupted{{background:#ffe9c6}} tr.ok td:nth-child(2){{color:#070}}</style></head>
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
            show_code: bool = False, echo: Any = print, cluster: str | None = None,
            timeout: float | None = None) -> list[NotebookResult]:
    """Run notebooks one after another (never side by side on one machine: two torch jobs on two cores crawl), or,
    with ``cluster`` (see :mod:`a2vlib.core.executor`), as tasks on a Dask cluster whose workers share the cache;
    then the index."""
    from a2vlib.core.executor import executor
    from a2vlib.params import profile_notebooks

    names = list(notebooks or profile_notebooks(profile))
    if cluster:
        with executor(cluster, echo) as ex:
            results = ex.map(_run_unit, [(name, profile, reports_dir, show_code, timeout) for name in names],
                             desc=f"{profile} notebooks")
        for res in results:
            echo(_done_line(profile, res))
    else:
        results = []
        t0 = time.perf_counter()
        for k, name in enumerate(names, 1):
            expected = expected_seconds(name, profile, reports_dir)
            about = f" (about {minutes(expected)})" if expected else ""
            echo(f"[a2v] {profile}: {k} of {len(names)}, {name}{about}; {minutes(time.perf_counter() - t0)} so far"
                 " ...")
            results.append(run_notebook(name, profile, reports_dir=reports_dir, show_code=show_code, timeout=timeout,
                                        progress=True))
            echo(_done_line(profile, results[-1]))
    index = build_index(profile, reports_dir)
    echo(f"[a2v] index: {index}")
    return results


def _done_line(profile: str, res: NotebookResult) -> str:
    return f"[a2v] {profile}: {res.name} {res.status} in {res.elapsed_s:.1f} s" + (f" ({res.error})" if res.error else "")


def _run_unit(unit: tuple[str, str, Any, bool, float | None]) -> NotebookResult:
    name, profile, reports_dir, show_code, timeout = unit
    return run_notebook(name, profile, reports_dir=reports_dir, show_code=show_code, timeout=timeout)


NBVAL_MARK = "# NBVAL_CHECK_OUTPUT"


def store_checked_outputs(executed: str | os.PathLike, source: str | os.PathLike) -> int:
    """Copy the outputs of the cells marked ``# NBVAL_CHECK_OUTPUT`` from an executed notebook into the source
    notebook (all other cells stay without outputs), so nbval compares them. Returns how many cells were stored."""
    import nbformat

    ran, src = nbformat.read(executed, as_version=4), nbformat.read(source, as_version=4)
    ran_cells = [c for c in ran.cells if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])]
    src_cells = [c for c in src.cells if c.cell_type == "code"]
    shown = [INTERACTIVE_NOTE if INTERACTIVE_TAG in c.metadata.get("tags", []) else c.source for c in src_cells]
    if [c.source for c in ran_cells] != shown:
        raise A2VError(f"{executed} was not run from the current {source}; run it again first")
    stored = 0
    for done, cell in zip(ran_cells, src_cells):
        checked = cell.source.lstrip().startswith(NBVAL_MARK)
        cell.outputs = done.outputs if checked else []
        cell.execution_count = done.execution_count if checked else None  # nbval skips 'unrun' reference cells
        stored += checked
    nbformat.write(src, source)
    return stored
