"""The record a notebook keeps of itself: its parameters, resolved the one way the kit resolves them (a profile
named in the notebook, papermill's values, JupyterLab edits), with where each came from; the thread policy and
device; named figures in ``metrics.json`` and the context in ``run.json``."""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from a2vlib.core.atomic import write_text
from a2vlib.core.paths import repo_root, resolve_path
from a2vlib.core.provenance import run_metadata


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


class Run:
    """The record a notebook keeps of itself: named figures in ``metrics.json``, context in ``run.json``.

    Notebooks call :func:`start_run` once after the parameters cell, :meth:`metric` for each named figure and
    :meth:`finish` in the last cell.
    """

    def __init__(self, name: str, params: dict[str, Any], output_dir: Path, device: Any = None,
                 sources: dict[str, str] | None = None, threads: int | None = None):
        from a2vlib.core.threads import numerics

        self.name, self.params, self.output_dir, self.device = name, dict(params), output_dir, device
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self.metrics: dict[str, Any] = {}
        self._t0 = time.perf_counter()
        self.info = {"notebook": name, "profile": self.params.get("profile") or "", "params": self.params,
                     "param_sources": dict(sources or {}), "threads": threads, "numerics": numerics(),
                     **run_metadata(device)}
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

    def header_html(self) -> str:
        """The report's header: which run this is (profile, revision, threads, device, torch) and every parameter
        with where its value came from, folded."""
        import html

        info, git = self.info, self.info.get("git", {})
        num = info.get("numerics", {})
        line = (f"<b>{html.escape(self.name)}</b> under profile <code>{html.escape(info.get('profile') or 'none')}"
                f"</code> &middot; revision <code>{html.escape(str(git.get('revision', ''))[:12])}</code>"
                f"{' (uncommitted changes)' if git.get('dirty') else ''} &middot; {info.get('threads')} thread(s) "
                f"&middot; device {html.escape(str(info.get('device', {}).get('device', 'cpu')))} "
                f"({html.escape(str(num.get('cpu_capability', '')))}) &middot; torch {html.escape(str(num.get('torch')))}")
        rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(repr(v))}</td>"
                       f"<td>{html.escape(info.get('param_sources', {}).get(k, ''))}</td></tr>"
                       for k, v in self.params.items() if k != "output_dir")
        return (f"<p>{line}</p><details><summary>parameters and where each came from</summary><table><tr>"
                f"<th>parameter</th><th>value</th><th>from</th></tr>{rows}</table></details>")

    def finish(self) -> "Finished":
        """Write the notebook's own elapsed time; returns a sentence for the last cell to show the reader."""
        elapsed = round(time.perf_counter() - self._t0, 2)
        _write_json(self.run_json, {**_read_json(self.run_json), "notebook_elapsed_s": elapsed})
        return Finished(self.name, elapsed, str(self.info["device"].get("device", "cpu")), self.metrics_json.name)


@dataclass(frozen=True)
class Finished:
    """The end of a run, told as a sentence (a notebook's last cell shows it; no local path leaks into a report)."""

    notebook: str
    elapsed_s: float
    device: str
    metrics_file: str

    def __str__(self) -> str:
        return (f"{self.notebook} ran to the end in {self.elapsed_s:.0f} s on {self.device}. Every figure recorded "
                f"above is also in {self.metrics_file} beside this report, and how the run was made in run.json.")

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        return f"*{self}*"


PAPERMILL_CELL = "# Parameters"  # the first line of the cell papermill injects after the parameters cell


def injected_parameters(namespace: dict[str, Any]) -> dict[str, Any] | None:
    """The values papermill injected into this kernel (its ``# Parameters`` cell, read back from the kernel's input
    history), or None when the notebook was not started by papermill (JupyterLab)."""
    from a2vlib.params import cell_defaults

    for source in reversed(list(namespace.get("In") or [])):
        if source.split("\n", 1)[0].strip() == PAPERMILL_CELL:
            return cell_defaults(source, "papermill's parameters")  # papermill writes literals
    return None


def _explicit_values(name: str, namespace: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """What the caller set on purpose: papermill's injected values (``-p``, ``-f``), else, in JupyterLab, the
    parameters whose value differs from the notebook default. An injected name the notebook does not have is an
    error (papermill itself only warns), and so is a profile delta file handed to papermill."""
    from a2vlib.core.errors import ParamsError

    injected = injected_parameters(namespace)
    if "extends" in namespace or (injected and "extends" in injected):
        parent = (injected or {}).get("extends", namespace.get("extends"))
        raise ParamsError(
            f"{name}: the parameters hold 'extends: {parent}', so a profile delta file was handed to papermill "
            "(-f params/<profile>/...yaml); papermill does not follow 'extends', and the run would use this "
            "notebook's ci defaults for everything the chain defines. Either name the profile: "
            f"`papermill notebooks/{name}.ipynb out.ipynb -p profile lab`, or write the resolved, flat file first: "
            f"`a2v params {name} --profile lab --write lab.yaml`, then `papermill ... -f lab.yaml`.")
    if injected is not None:
        unknown = sorted(set(injected) - set(defaults))
        if unknown:
            raise ParamsError(f"{name}: unknown parameter(s) {', '.join(unknown)} given to the notebook; its "
                              f"parameters are: {', '.join(sorted(defaults))}")
        return {k: v for k, v in injected.items() if k not in ("profile", "output_dir")}
    return {k: namespace[k] for k in defaults
            if k in namespace and k not in ("profile", "output_dir") and namespace[k] != defaults[k]}


def _own_defaults(name: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """The notebook's parameters cell: from ``notebooks/<name>.ipynb`` in the kit, else (a handout copied
    elsewhere, a renamed notebook) from this kernel's input history, the first cell of literal assignments that
    sets ``output_dir``."""
    import ast

    from a2vlib.core.errors import ParamsError
    from a2vlib.params import cell_defaults, notebook_defaults, notebook_path

    try:
        return notebook_defaults(notebook_path(name))
    except ParamsError:
        pass
    for source in namespace.get("In") or []:
        if source.split("\n", 1)[0].strip() == PAPERMILL_CELL:
            continue
        try:
            body = ast.parse(source).body
        except SyntaxError:
            continue
        if body and all(isinstance(n, ast.Assign) for n in body):
            try:
                values = cell_defaults(source, name)
            except ParamsError:
                continue
            if "output_dir" in values:
                return values
    raise ParamsError(f"{name}: neither notebooks/{name}.ipynb nor a parameters cell run in this kernel; run the "
                      "parameters cell first")


def start_run(name: str, namespace: dict[str, Any], device: Any = None) -> Run:
    """Begin the record of notebook ``name`` from inside it: ``run = start_run("01_data_cleaning", globals())``.

    The parameters are resolved here, the one way ``a2v run`` resolves them: the notebook defaults, then the
    profile named by the ``profile`` parameter (its file with everything it ``extends``), then what was set
    explicitly (papermill's ``-p``/``-f``, or, in JupyterLab, a value changed in the parameters cell). The resolved
    values are written back into ``namespace``, so the cells below use them; ``run.json`` records each value and
    where it came from. Then the thread policy is applied (``threads``: torch and BLAS threads), and ``device`` (a
    parameter) is resolved into ``run.device``. ``output_dir`` defaults to ``reports/interactive/<name>``.
    """
    import pandas as pd

    from a2vlib.core.device import pick_device
    from a2vlib.core.threads import set_threads
    from a2vlib.params import FROM_OVERRIDE, resolve_params

    # a report shows whole tables: no cell text cut to "...", no columns hidden
    pd.set_option("display.max_colwidth", 400)
    pd.set_option("display.max_columns", 60)
    pd.set_option("display.width", 250)
    defaults = _own_defaults(name, namespace)
    explicit = _explicit_values(name, namespace, defaults)
    profile = namespace.get("profile") or ""
    params, sources = resolve_params(name, profile or None, overrides=explicit, defaults=defaults)
    if namespace.get("output_dir"):
        params["output_dir"] = namespace["output_dir"]
        sources["output_dir"] = "runner" if injected_parameters(namespace) is not None else FROM_OVERRIDE
    namespace.update(params)
    threads = set_threads(params.get("threads"))
    if device is None and "device" in params:
        device = pick_device(params["device"])
    output_dir = params.get("output_dir") or ""
    folder = resolve_path(output_dir) if output_dir else repo_root() / "reports" / "interactive" / name
    run = Run(name, params, folder, device, sources=sources, threads=threads)
    if "get_ipython" in namespace:  # in a kernel: the report opens with which run this is
        from IPython.display import HTML, display

        display(HTML(run.header_html()))
    return run
