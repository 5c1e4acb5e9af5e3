"""A profile run with plain papermill is the run ``a2v run`` makes (issue: papermill does not follow ``extends:``).

The notebook resolves its ``profile`` parameter itself (:func:`a2vlib.record.start_run`), with papermill's ``-p``
values winning; a profile delta file handed to papermill is an error at once; ``run.json`` records each value and
where it came from."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from a2vlib.core.errors import ParamsError
from a2vlib.params import FROM_DEFAULT, FROM_OVERRIDE, load_params, notebook_defaults, notebook_path
from a2vlib.record import start_run
from a2vlib.report import run_notebook

PAPERMILL = str(Path(sys.executable).with_name("papermill"))


def _kernel_namespace(name, injected_source=None):
    """What a kernel holds after the parameters cell (and papermill's injected cell, when given)."""
    ns = dict(notebook_defaults(notebook_path(name)))
    ns["In"] = ["", "# Parameters (ci-sized defaults ...)"]
    if injected_source is not None:
        ns["In"].append(injected_source)
        exec(injected_source, {}, ns)
    return ns


def test_profile_parameter_resolves_the_lab_chain_with_overrides_winning(tmp_path):
    ns = _kernel_namespace("01_data_cleaning", f'# Parameters\nprofile = "lab"\nseed = 3\noutput_dir = "{tmp_path}"\n')
    run = start_run("01_data_cleaning", ns)
    want = load_params("01_data_cleaning", "lab", overrides={"seed": 3})
    assert ns["n_train"] == want["n_train"] == 2000 and ns["classifier_epochs"] == want["classifier_epochs"] == 12
    assert ns["seed"] == 3
    record = json.loads((tmp_path / "run.json").read_text())
    assert {k: v for k, v in record["params"].items() if k != "output_dir"} == \
        {k: v for k, v in want.items() if k != "output_dir"}
    sources = record["param_sources"]
    assert sources["seed"] == FROM_OVERRIDE
    assert sources["n_train"] == "params/lab/scenesynth.yaml"
    assert sources["classifier_epochs"] == "params/lab/cleaned.yaml"
    assert sources["soundnet_pairs"] == "params/lab/01_data_cleaning.yaml"
    assert sources["device"] == FROM_DEFAULT
    assert record["profile"] == "lab" and record["threads"] == 1 and "cpu_capability" in record["numerics"]
    assert run.device is not None


def test_jupyterlab_edits_win_over_the_profile(tmp_path):
    ns = _kernel_namespace("01_data_cleaning")
    ns.update(profile="lab", n_test=7, output_dir=str(tmp_path))
    start_run("01_data_cleaning", ns)
    assert ns["n_test"] == 7 and ns["n_train"] == 2000


def test_a_delta_file_given_to_papermill_is_an_error_naming_the_ways_out(tmp_path):
    ns = _kernel_namespace("01_data_cleaning", '# Parameters\nextends = "cleaned.yaml"\nsoundnet_pairs = 90\n')
    with pytest.raises(ParamsError, match=r"extends: cleaned.yaml.*-p profile lab.*a2v params 01_data_cleaning"):
        start_run("01_data_cleaning", ns)


def test_an_unknown_injected_parameter_is_an_error(tmp_path):
    ns = _kernel_namespace("00_datasets_tour", "# Parameters\nn_trian = 5\n")
    with pytest.raises(ParamsError, match="unknown parameter.*n_trian"):
        start_run("00_datasets_tour", ns)


def test_a2v_params_write_gives_a_flat_file_for_papermill(tmp_path):
    from a2vlib.cli import main
    from a2vlib.params import read_yaml

    out = tmp_path / "lab.yaml"
    assert main(["params", "01_data_cleaning", "--profile", "lab", "--write", str(out)]) == 0
    flat = read_yaml(out)
    assert "extends" not in flat and flat["n_train"] == 2000 and flat["profile"] == "lab"
    assert flat == {k: v for k, v in load_params("01_data_cleaning", "lab").items() if k != "output_dir"}


@pytest.mark.notebooks
def test_plain_papermill_with_a_delta_file_fails_at_once(tmp_path):
    out = tmp_path / "out.ipynb"
    proc = subprocess.run([PAPERMILL, str(notebook_path("01_data_cleaning")), str(out), "-f",
                           str(notebook_path("01_data_cleaning").parents[1] / "params/lab/01_data_cleaning.yaml"),
                           "-p", "output_dir", str(tmp_path / "r"), "-k", "python3"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "ParamsError" in proc.stderr + proc.stdout and "-p profile lab" in proc.stderr + proc.stdout
    assert not (tmp_path / "r" / "metrics.json").exists() or json.loads((tmp_path / "r" / "metrics.json").read_text()) == {}


@pytest.mark.notebooks
def test_plain_papermill_the_readme_way_equals_a2v_run(tmp_path):
    """The README's command (profile named with -p) and the runner record the same parameters and figures."""
    name = "00_datasets_tour"
    folder = tmp_path / "papermill"
    proc = subprocess.run([PAPERMILL, str(notebook_path(name)), str(tmp_path / "out.ipynb"), "-p", "profile", "ci",
                           "-p", "output_dir", str(folder), "-k", "python3"], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    res = run_notebook(name, "ci", reports_dir=tmp_path / "runner")
    assert res.status == "ok", res.error
    by_papermill = json.loads((folder / "run.json").read_text())
    by_runner = json.loads((res.folder / "run.json").read_text())
    strip = lambda p: {k: v for k, v in p.items() if k != "output_dir"}  # noqa: E731
    assert strip(by_papermill["params"]) == strip(by_runner["params"]) == strip(load_params(name, "ci"))
    assert strip(by_papermill["param_sources"]) == strip(by_runner["param_sources"])
    assert json.loads((folder / "metrics.json").read_text()) == res.metrics
    # the report opens with which run it is: profile, revision, threads, and each parameter's source
    assert "parameters and where each came from" in (res.folder / f"{name}.html").read_text()
    assert "params/ci/scenesynth.yaml" in (tmp_path / "out.ipynb").read_text()


def test_a_handout_runs_without_the_instructors_notebooks(tmp_path):
    """A notebook not under notebooks/ (a handout renamed or copied elsewhere) takes its parameters cell from the
    kernel's own history."""
    cell = f'# Parameters of the lab profile\nseed = 4\nn_test = 9\nthreads = 1\nprofile = ""\noutput_dir = "{tmp_path}"'
    ns = {"In": ["", cell]}
    exec(cell, {}, ns)
    run = start_run("my_lab_copy", ns)
    assert run.params["seed"] == 4 and run.params["n_test"] == 9
    assert json.loads((tmp_path / "run.json").read_text())["param_sources"]["seed"] == FROM_DEFAULT
    with pytest.raises(ParamsError, match="run the parameters cell first"):
        start_run("my_lab_copy", {"In": ["", "x = compute()"]})
