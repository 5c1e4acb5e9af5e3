"""Course labs: student handouts made from the same notebooks, and autograding of what students hand in.

The exercises live in the source notebooks with nbgrader's conventions: a solution cell (cell metadata
``nbgrader.solution``) whose answer sits between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, and an autograded
test cell (``nbgrader.grade``, with ``points``) whose hidden part sits between ``### BEGIN HIDDEN TESTS`` and
``### END HIDDEN TESTS``. The instructor's notebook runs end to end with the answers in it, so reports and CI do not
change; a course can import the handouts into nbgrader as they are.

Exercise cells are self-contained (their own imports, no notebook variables), so that grading runs a submission's
answers and the instructor's tests in a fresh kernel in seconds, without re-running the experiment.
"""
from __future__ import annotations

import copy
import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from a2vlib.core.atomic import write_text
from a2vlib.core.errors import A2VError, DataError
from a2vlib.core.outputs import claim_folder, guard_file, guard_folder, guard_rewrite, note_written
from a2vlib.core.paths import repo_root
from a2vlib.params import list_notebooks, load_params, notebook_path

# What each lab teaches (its README's learning goals).
GOALS: dict[str, list[str]] = {
    "00_datasets_tour": ["read a paired audio-visual dataset: classes, spectrograms, loudness, discrepant pairs"],
    "01_data_cleaning": ["clean pairs by the agreement of two classifiers (Wan §3)",
                         "measure a cleaning's precision and recall against the truth"],
    "02_feature_comparison": ["compare sound features as conditions of a GAN (Wan Table 2)",
                              "compare time-frequency representations for classification (Chen Table 1)",
                              "write a sound feature of your own"],
    "03_s2i_instruments": ["train S2I-C, S2I-N and S2I-A as small deltas of one GAN (Chen §3)"],
    "04_ablation": ["build a GAN one technique at a time and judge each step over seeds (Wan Table 4)",
                    "write the hinge loss (Wan eq. 1-2)"],
    "05_volume_study": ["probe what a generator learned from a sound's loudness (Wan §5.3)",
                        "find where the generated object stops growing"],
    "06_i2s_spectrograms": ["generate spectrograms from images and listen to them (Chen §3.1)",
                            "invert a log-mel spectrogram to sound"],
    "07_v2ra_optimisation": ["generate raw audio from video frames (Liu et al.)",
                             "implement peak-match (Algorithm 1)"],
}
# Minutes under the lab profile on the kit's reference machine (2 CPU cores), from a cold cache, run in order (the
# README's figures; 01: its handout, exercises open, took 74 s from a cold cache); when reports/lab/<nb>/run.json
# holds a run, the larger of the two is stated (a warm-cache run would understate a student's first run).
LAB_MINUTES = {"00_datasets_tour": 0.9, "01_data_cleaning": 1.2, "02_feature_comparison": 7.0,
               "03_s2i_instruments": 6.4, "04_ablation": 12.2, "05_volume_study": 0.5, "06_i2s_spectrograms": 2.3,
               "07_v2ra_optimisation": 7.0}


def _nbgrader(cell: Any) -> dict[str, Any]:
    return cell.metadata.get("nbgrader", {}) if cell.cell_type == "code" else {}


def exercise_cells(nb: Any) -> tuple[list[Any], list[Any]]:
    """(solution cells, graded test cells) of a notebook, in order."""
    return ([c for c in nb.cells if _nbgrader(c).get("solution")],
            [c for c in nb.cells if _nbgrader(c).get("grade")])


def _lab_minutes(name: str) -> float:
    record = repo_root() / "reports" / "lab" / name / "run.json"
    try:
        run = json.loads(record.read_text(encoding="utf-8"))
        if run.get("status") == "ok" and run.get("elapsed_s"):
            return max(LAB_MINUTES.get(name, 0.0), round(run["elapsed_s"] / 60, 1))
    except (OSError, ValueError):
        pass
    return LAB_MINUTES.get(name, float("nan"))


def _parameters_source(name: str, profile: str) -> str:
    params = {k: v for k, v in load_params(name, profile).items() if k not in ("output_dir", "profile")}
    lines = [f"# Parameters of the {profile} profile (params/{profile}/{name}.yaml); change them to experiment"]
    lines += [f"{k} = {v!r}" for k, v in params.items()] + ['profile = ""', 'output_dir = ""']
    return "\n".join(lines)


def make_handout(name: str, profile: str = "lab") -> Any:
    """The student version of one notebook: solutions and hidden tests removed (nbgrader's preprocessors), outputs
    cleared, the parameters cell set to ``profile``, and the exercise cells tagged ``raises-exception`` so that the
    handout runs end to end while an exercise is still open."""
    import nbformat

    try:
        from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions
    except ImportError as exc:
        from a2vlib.core.errors import A2VError

        raise A2VError("handouts need nbgrader: pip install 'a2vlib[labs]' (the Makefile installs it)") from exc

    nb = nbformat.read(notebook_path(name), as_version=4)
    resources: dict[str, Any] = {}
    for pre in (ClearSolutions(), ClearHiddenTests(), ClearOutput()):
        nb, resources = pre.preprocess(nb, resources)
    for cell in nb.cells:
        if "parameters" in cell.metadata.get("tags", []):
            cell.source = _parameters_source(name, profile)
        if _nbgrader(cell).get("solution") or _nbgrader(cell).get("grade"):
            cell.metadata.setdefault("tags", [])
            if "raises-exception" not in cell.metadata["tags"]:
                cell.metadata["tags"].append("raises-exception")
    return nb


def _readme(name: str, nb: Any, profile: str) -> str:
    solutions, tests = exercise_cells(nb)
    points = sum(float(_nbgrader(c).get("points", 0)) for c in tests)
    goals = "\n".join(f"- {g}" for g in GOALS.get(name, []))
    return (f"# Lab {name}\n\nOpen `{name}.ipynb` in JupyterLab with the kit's environment (`make lab`).\n\n"
            f"## Learning goals\n{goals}\n\n## Time\nAbout {_lab_minutes(name)} minutes to run under the "
            f"`{profile}` profile on a 2-core laptop CPU (the kit's reference machine, from a cold cache, after the "
            "labs before it), plus the time you spend on the exercises.\n\n## Exercises\n"
            f"{len(solutions)} answer cell(s) marked `YOUR CODE HERE`, {len(tests)} autograded test cell(s), "
            f"{points:g} point(s). The visible tests run in the notebook; hidden ones run when it is graded "
            "(`a2v grade`). An open exercise shows its error and the notebook goes on.\n")


HANDOUTS_OWNER = "a2v handouts"


def write_handouts(out: str | os.PathLike, notebooks: Sequence[str] | None = None, profile: str = "lab",
                   force: bool = False) -> list[Path]:
    """``out/<notebook>/<notebook>.ipynb`` and its README for each notebook (default: all). Returns the folders.
    ``out`` is new, empty or one this function wrote (else ``force``); a lab's folder that holds files it did not
    write, or a handout changed since it was written (a student's work), is refused likewise, before anything is
    written."""
    import nbformat

    out = Path(out)
    names = [notebook_path(name).stem for name in notebooks or list_notebooks()]
    guard_folder(out, "the handouts", HANDOUTS_OWNER, force=force)
    for name in names:  # every lab's folder and file checked before the first is written
        guard_folder(out / name, f"the handout of {name}", HANDOUTS_OWNER, force=force)
        for file in (f"{name}.ipynb", "README.md"):
            guard_rewrite(out / name / file, f"the handout of {name}", HANDOUTS_OWNER, force=force)
    claim_folder(out, HANDOUTS_OWNER)
    folders = []
    for name in names:
        handout = make_handout(name, profile)
        folder = claim_folder(out / name, HANDOUTS_OWNER)
        note_written(write_text(folder / f"{name}.ipynb", nbformat.writes(handout)), HANDOUTS_OWNER)
        note_written(write_text(folder / "README.md", _readme(name, handout, profile)), HANDOUTS_OWNER)
        folders.append(folder)
    return folders


@dataclass
class Grade:
    submission: str
    notebook: str
    grade_id: str
    points: float
    max_points: float
    status: str  # passed, failed, error
    message: str


def _error_message(outputs: list[Any], timeout: float = 0) -> str:
    for out in outputs:
        if out.get("output_type") == "error":
            text = f"{out.get('ename', 'Error')}: {out.get('evalue', '')}".strip()
            if out.get("ename") == "NotImplementedError":
                return "not answered yet (the cell still raises NotImplementedError)"
            if out.get("ename") == "KeyboardInterrupt":
                return f"interrupted: a cell ran past the {timeout} s limit"
            return text if out.get("evalue") else f"{out.get('ename')} (a test failed without a message)"
    return ""


def lab_points(name: str) -> float:
    """The points a lab's test cells carry (what an unreadable submission of it scores 0 of)."""
    import nbformat

    if name not in list_notebooks():
        return 0.0
    _, tests = exercise_cells(nbformat.read(notebook_path(name), as_version=4))
    return sum(float(_nbgrader(c).get("points", 0)) for c in tests)


def grade_notebook(path: str | os.PathLike, timeout: float = 300) -> list[Grade]:
    """Autograde one submitted notebook: its answer cells, then the instructor's test cells (hidden tests
    included, matched by ``grade_id``), in a fresh kernel; a grade per test cell."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    try:
        submitted = nbformat.read(path, as_version=4)
    except Exception as exc:
        raise DataError(f"{path}: not a readable notebook ({exc}); hand in the .ipynb file") from exc
    name = path.stem
    if name not in list_notebooks():
        raise DataError(f"{path}: no lab named {name!r}; keep the handout's file name")
    source = nbformat.read(notebook_path(name), as_version=4)
    answers = {_nbgrader(c)["grade_id"]: c for c in submitted.cells if _nbgrader(c).get("solution")}
    run = nbformat.v4.new_notebook()
    run.metadata = copy.deepcopy(source.metadata)
    tests = []
    for cell in source.cells:
        meta = _nbgrader(cell)
        if meta.get("solution"):
            answer = answers.get(meta["grade_id"])
            new = nbformat.v4.new_code_cell(answer.source if answer is not None else "raise NotImplementedError()")
            new.metadata["tags"] = ["raises-exception"]
            run.cells.append(new)
        elif meta.get("grade"):
            new = nbformat.v4.new_code_cell(cell.source)
            new.metadata["tags"] = ["raises-exception"]
            run.cells.append(new)
            tests.append((len(run.cells) - 1, meta))
    if not tests:
        return []
    # a cell that runs past the limit is interrupted and the next ones still run; a kernel that dies (os._exit,
    # memory) fails this submission's rows with a message, never the whole class
    died = ""
    from a2vlib.core.kernels import local_kernel

    try:
        with local_kernel() as config:
            NotebookClient(run, timeout=timeout, kernel_name="python3", allow_errors=True, interrupt_on_timeout=True,
                           resources={"metadata": {"path": str(repo_root())}}, config=config).execute()
    except Exception as exc:
        died = f"the submission stopped the grading kernel ({exc.__class__.__name__}: {str(exc)[:200]})"
    grades = []
    for index, meta in tests:
        message = _error_message(run.cells[index].outputs, timeout) or (died and not run.cells[index].outputs and died)
        # an answer interrupted at the time limit explains the test's failure better than the test's own error
        stuck = [m for m in (_error_message(c.outputs, timeout) for c in run.cells[:index]) if "interrupted" in m]
        if message and stuck:
            message = f"your answer was {stuck[-1]}"
        max_points = float(meta.get("points", 0))
        grades.append(Grade(str(path), name, meta["grade_id"], 0.0 if message else max_points, max_points,
                            "failed" if message else "passed", message))
    return grades


def grades_csv(folder: str | os.PathLike, csv_path: str | os.PathLike | None = None) -> Path:
    """Where the grades go: ``csv_path``, else ``<folder>-grades.csv`` beside the submissions (never inside them)."""
    folder = Path(folder).resolve()  # `a2v grade .`: beside the working folder, not inside it
    return Path(csv_path) if csv_path else folder.parent / f"{folder.name}-grades.csv"


def summary(grades: Sequence[Grade]) -> str:
    """'12 test cell(s) graded in 3 submission(s), 2 unreadable; 7 of 15 points'."""
    graded = [g for g in grades if g.status != "error"]
    errors = {g.submission for g in grades if g.status == "error"}
    got, most = sum(g.points for g in grades), sum(g.max_points for g in grades)
    return (f"{len(graded)} test cell(s) graded in {len({g.submission for g in grades})} submission(s)"
            + (f", {len(errors)} unreadable or unknown (0 points)" if errors else "") + f"; {got:g} of {most:g} points")


def _grade_one(path: Path, timeout: float) -> list[Grade]:
    try:
        return grade_notebook(path, timeout)
    except Exception as exc:  # one broken submission is a row with the lab's full points, never the class's end
        lab = path.stem if path.stem in list_notebooks() else path.parent.name
        return [Grade(str(path), lab, "", 0.0, lab_points(lab), "error", str(exc))]


def grade_folder(folder: str | os.PathLike, out_csv: str | os.PathLike | None = None, timeout: float = 300,
                 jobs: int = 1, force: bool = False) -> list[Grade]:
    """Grade every notebook under ``folder`` (one sub-folder per student, or the handouts' layout) and write the
    grades' CSV (default: :func:`grades_csv`, beside the folder; never inside it). ``jobs`` submissions are graded
    side by side, each kernel with one thread. A notebook that cannot be read, or is not named after a lab (then its
    folder's name is taken as the lab's), is a row with status ``error`` worth 0 of the lab's points."""
    from concurrent.futures import ThreadPoolExecutor

    from a2vlib.core.threads import thread_environment

    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: folder of submissions not found")
    out_csv = guard_file(grades_csv(folder, out_csv), "the grades' CSV (--csv)", force=force, reads=[folder],
                         kit_header=",".join(Grade.__dataclass_fields__))
    paths = [p for p in sorted(folder.rglob("*.ipynb")) if ".ipynb_checkpoints" not in p.parts]
    if not paths:
        raise DataError(f"{folder}: holds no notebook (.ipynb) at any depth; give the folder of submitted labs")
    saved = dict(os.environ)
    if jobs > 1:  # kernels side by side: one thread each (two cores, two kernels)
        os.environ.update(thread_environment(1))
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            grades = [g for rows in pool.map(lambda p: _grade_one(p, timeout), paths) for g in rows]
    finally:
        os.environ.clear()
        os.environ.update(saved)
    fields = list(Grade.__dataclass_fields__)
    lines = [fields] + [[getattr(g, f) for f in fields] for g in grades]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    write_text(out_csv, buffer.getvalue())
    return grades
