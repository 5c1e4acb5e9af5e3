"""The runner end to end on tiny notebooks: papermill, HTML with embedded image and audio, metrics.json, run.json,
index, and a failing notebook that still leaves its report and fails the command."""
import json

import nbformat
import pytest

from a2vlib.cli import main
from a2vlib.report import build_index, run_notebook

pytestmark = pytest.mark.notebooks

BODY = """from pathlib import Path
import numpy as np, matplotlib.pyplot as plt
from a2vlib.record import Run
from a2vlib.viz import audio_player
run = Run("tiny", {"x": x}, Path(output_dir))
run.metric("double", 2 * x)
run.metric("nested.value", 0.5)
plt.plot([0, 1], [1, 0]); plt.show()
audio_player(0.1 * np.sin(np.arange(8000) / 3.0), 8000)"""


def _notebook(path, body, extra=""):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell("x = 1\noutput_dir = ''")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)] + ([nbformat.v4.new_code_cell(extra)] if extra else [])
    nbformat.write(nb, path)
    return path


def test_successful_run_leaves_a_complete_report(tmp_path):
    nb = _notebook(tmp_path / "tiny.ipynb", BODY)
    params = tmp_path / "p.yaml"
    params.write_text("x: 21\n")
    res = run_notebook(str(nb), "ci", reports_dir=tmp_path / "reports", params_file=params)
    assert res.status == "ok", res.error
    folder = tmp_path / "reports" / "ci" / "tiny"
    assert res.metrics == {"double": 42, "nested": {"value": 0.5}}
    run = json.loads((folder / "run.json").read_text())
    assert run["params"]["x"] == 21 and run["status"] == "ok" and run["elapsed_s"] > 0
    assert {"git", "packages", "device", "started"} <= set(run)
    html = (folder / "tiny.html").read_text()
    assert "data:image/png;base64," in html and "data:audio/wav;base64," in html
    assert "a2vlib.record" not in html  # code hidden by default
    assert "<script src=\"https://" not in html and "<title>" in html  # opens offline, markup intact
    assert (folder / "tiny.ipynb").exists()
    index = build_index("ci", tmp_path / "reports").read_text()
    assert "tiny/tiny.html" in index and "double = 42" in index


def test_show_code_keeps_the_code(tmp_path):
    nb = _notebook(tmp_path / "tiny.ipynb", BODY)
    params = tmp_path / "p.yaml"
    params.write_text("x: 1\n")
    run_notebook(str(nb), "ci", reports_dir=tmp_path / "r", params_file=params, show_code=True)
    assert "a2vlib.record" in (tmp_path / "r" / "ci" / "tiny" / "tiny.html").read_text()


@pytest.fixture
def notebooks_here(tmp_path, monkeypatch):
    """The command line takes notebook names (never paths): let it find the tiny notebooks in ``tmp_path``."""
    import a2vlib.params

    monkeypatch.setattr(a2vlib.params, "notebooks_dir", lambda: tmp_path)
    return tmp_path


def test_failing_notebook_is_reported_and_fails_the_command(tmp_path, notebooks_here, capsys):
    _notebook(tmp_path / "broken.ipynb", BODY, extra="raise ValueError('boom in cell three')")
    params = tmp_path / "p.yaml"
    params.write_text("x: 1\n")
    code = main(["run", "broken", "--profile", "ci", "--params-file", str(params), "--reports-dir", str(tmp_path / "r")])
    assert code == 1
    assert "boom in cell three" in capsys.readouterr().err
    folder = tmp_path / "r" / "ci" / "broken"
    assert "boom in cell three" in (folder / "broken.html").read_text()
    run = json.loads((folder / "run.json").read_text())
    assert run["status"] == "failed" and "ValueError" in run["error"]
    assert "class='failed'" in (tmp_path / "r" / "ci" / "index.html").read_text()


def test_bad_parameter_file_is_a_clear_error(tmp_path, notebooks_here, capsys):
    _notebook(tmp_path / "tiny.ipynb", BODY)
    params = tmp_path / "p.yaml"
    params.write_text("y: 1\n")
    assert main(["run", "tiny", "--params-file", str(params), "--reports-dir", str(tmp_path / "r")]) == 2
    assert "p.yaml: unknown key 'y'" in capsys.readouterr().err


def test_store_checked_outputs_keeps_only_marked_cells(tmp_path):
    from a2vlib.core.errors import A2VError
    from a2vlib.report import store_checked_outputs

    src = tmp_path / "src.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\n1 + 1"), nbformat.v4.new_code_cell("2 + 2")]
    nbformat.write(nb, src)
    ran = nbformat.v4.new_notebook()
    ran.cells = [nbformat.v4.new_code_cell(c.source) for c in nb.cells]
    for i, cell in enumerate(ran.cells):
        cell.execution_count = i + 1
        cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": str(2 * (i + 1))}, execution_count=i + 1)]
    executed = tmp_path / "ran.ipynb"
    nbformat.write(ran, executed)
    assert store_checked_outputs(executed, src) == 1
    stored = nbformat.read(src, as_version=4)
    assert stored.cells[0].outputs[0]["data"]["text/plain"] == "2" and stored.cells[0].execution_count == 1
    assert stored.cells[1].outputs == [] and stored.cells[1].execution_count is None
    ran.cells[1].source = "3 + 3"
    nbformat.write(ran, executed)
    with pytest.raises(A2VError, match="was not run from the current"):
        store_checked_outputs(executed, src)


def test_metrics_are_strict_json(tmp_path):

    import numpy as np

    from a2vlib.record import Run

    run = Run("t", {}, tmp_path)
    run.metric("rungs.g.score_std", float("nan"))
    run.metric("arr", np.array([1.5, np.inf]))
    text = (tmp_path / "metrics.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"rungs": {"g": {"score_std": None}}, "arr": [1.5, None]}


def _params(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("x: 1\n")
    return path


def test_a_cell_past_its_time_limit_fails_the_run_and_is_named(tmp_path):
    nb = _notebook(tmp_path / "slow.ipynb", "x = 2", extra="import time\ntime.sleep(60)")
    res = run_notebook(str(nb), "ci", reports_dir=tmp_path / "r", timeout=3, params_file=_params(tmp_path))
    assert res.status == "failed"
    assert "code cell 3 (`import time`)" in res.error and "past the 3 s limit" in res.error
    assert res.elapsed_s < 50
    assert json.loads((res.folder / "run.json").read_text())["cell_timeout_s"] == 3


def test_a_failing_cell_is_named_in_the_error(tmp_path):
    nb = _notebook(tmp_path / "bad.ipynb", "y = 1", extra="raise ValueError('boom')")
    res = run_notebook(str(nb), "ci", reports_dir=tmp_path / "r", params_file=_params(tmp_path))
    assert res.status == "failed" and res.error.startswith("code cell 3 (`raise ValueError('boom')`): ValueError: boom")


def test_interactive_cells_are_not_executed_headless(tmp_path):
    from a2vlib.report import INTERACTIVE_NOTE

    nb = _notebook(tmp_path / "widget.ipynb", "z = 1", extra="raise RuntimeError('a widget would wait here')")
    book = nbformat.read(nb, as_version=4)
    book.cells[-1].metadata["tags"] = ["interactive"]
    nbformat.write(book, nb)
    res = run_notebook(str(nb), "ci", reports_dir=tmp_path / "r", params_file=_params(tmp_path))
    assert res.status == "ok", res.error
    ran = nbformat.read(res.folder / "widget.ipynb", as_version=4)
    assert ran.cells[-1].source == INTERACTIVE_NOTE and not ran.cells[-1].outputs


def test_a_second_run_of_the_same_report_waits_and_names_the_holder(tmp_path, monkeypatch, capsys):
    import threading

    from a2vlib.core.cache import CacheLockTimeout, file_lock
    from a2vlib.report import RUN_LOCK

    nb = _notebook(tmp_path / "tiny.ipynb", BODY)
    first = run_notebook(str(nb), "ci", reports_dir=tmp_path / "r", params_file=_params(tmp_path))
    held, release = threading.Event(), threading.Event()

    def holder():  # another run writing the same report folder
        with file_lock(first.folder / RUN_LOCK, "the report"):
            held.set()
            release.wait(20)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait(10)
    monkeypatch.setenv("A2V_LOCK_TIMEOUT", "0.5")
    try:
        with pytest.raises(CacheLockTimeout, match=r"another run of tiny \(ci\) by .*\"pid\""):
            run_notebook(str(nb), "ci", reports_dir=tmp_path / "r", params_file=_params(tmp_path))
        assert "[a2v] waiting for" in capsys.readouterr().err
    finally:
        release.set()
        thread.join()
    assert json.loads((first.folder / "run.json").read_text())["status"] == "ok"  # the holder's report untouched


def test_ctrl_c_marks_the_run_interrupted_and_goes_on(tmp_path):
    """The kernel sends this process the SIGINT a terminal's Ctrl-C would: the report folder is left consistent,
    with the run recorded as interrupted (and the index saying so), and the interrupt goes on to the caller."""
    stop = "import os, signal, time\nos.kill(int(os.environ['JPY_PARENT_PID']), signal.SIGINT)\ntime.sleep(20)"
    nb = _notebook(tmp_path / "stopped.ipynb", "y = 1", extra=stop)
    with pytest.raises(KeyboardInterrupt):
        run_notebook(str(nb), "ci", reports_dir=tmp_path / "r", params_file=_params(tmp_path))
    run = json.loads((tmp_path / "r" / "ci" / "stopped" / "run.json").read_text())
    assert run["status"] == "interrupted" and "Ctrl-C" in run["error"] and run["elapsed_s"] < 20
    assert "class='interrupted'" in build_index("ci", tmp_path / "r").read_text()


def test_the_expected_time_comes_from_the_last_run_then_the_kits_table(tmp_path):
    from a2vlib.labs import LAB_MINUTES
    from a2vlib.estimates import expected_seconds

    assert expected_seconds("02_feature_comparison", "lab", tmp_path) == 60 * LAB_MINUTES["02_feature_comparison"]
    assert expected_seconds("02_feature_comparison", "ci", tmp_path) is None
    folder = tmp_path / "lab" / "02_feature_comparison"
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"status": "ok", "elapsed_s": 712.5}))
    assert expected_seconds("02_feature_comparison", "lab", tmp_path) == 712.5
    (folder / "run.json").write_text(json.dumps({"status": "failed", "elapsed_s": 3.0}))  # a failed run says nothing
    assert expected_seconds("02_feature_comparison", "lab", tmp_path) == 60 * LAB_MINUTES["02_feature_comparison"]
