"""Course labs: the handouts hold no solution, the solutions pasted back pass every autograded test, a wrong answer
fails the right test with a message a student understands, and the sources are never touched."""
import hashlib
import shutil
from pathlib import Path

import nbformat
import pytest

from a2vlib.cli import main
from a2vlib.core.errors import A2VError
from a2vlib.labs import exercise_cells, grade_folder, write_handouts
from a2vlib.params import list_notebooks, notebook_path

pytestmark = pytest.mark.notebooks  # grading starts kernels
EXERCISES = [n for n in list_notebooks() if exercise_cells(nbformat.read(notebook_path(n), as_version=4))[0]]


def _hidden_lines(source, begin, end):
    """The substantial lines between the markers: what must never reach a student."""
    out, inside = [], False
    for line in source.splitlines():
        if line.strip() == begin:
            inside = True
        elif line.strip() == end:
            inside = False
        elif inside and len(line.strip()) > 12:
            out.append(line.strip())
    return out


def _outside_markers(source):
    inside = False
    for line in source.splitlines():
        if line.strip() in ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS"):
            inside = True
        elif line.strip() in ("### END SOLUTION", "### END HIDDEN TESTS"):
            inside = False
        elif not inside:
            yield line


@pytest.fixture(scope="module")
def handouts(tmp_path_factory):
    out = tmp_path_factory.mktemp("handouts")
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(notebook_path(n) for n in list_notebooks())}
    assert main(["handouts", "--out", str(out)]) == 0
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in before} == before  # sources untouched
    return out


def test_six_labs_have_exercises_and_every_lab_a_handout(handouts):
    assert len(EXERCISES) >= 6
    for name in list_notebooks():
        assert (handouts / name / f"{name}.ipynb").exists() and "Learning goals" in (handouts / name / "README.md").read_text()


def test_no_solution_or_hidden_test_reaches_a_handout(handouts):
    for name in EXERCISES:
        source = nbformat.read(notebook_path(name), as_version=4)
        text = (handouts / name / f"{name}.ipynb").read_text()
        solutions, tests = exercise_cells(source)
        secret = [line for c in solutions for line in _hidden_lines(c.source, "### BEGIN SOLUTION", "### END SOLUTION")]
        secret += [line for c in tests for line in _hidden_lines(c.source, "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")]
        assert secret, name
        visible = {line.strip() for c in source.cells for line in _outside_markers(c.source)}
        leaked = [line for line in secret if line in text and line not in visible]  # an import both sides share is not a leak
        assert not leaked, f"{name}: {leaked[:3]}"
        assert "YOUR CODE HERE" in text and "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
        params = next(c for c in nbformat.read(handouts / name / f"{name}.ipynb", as_version=4).cells
                      if "parameters" in c.metadata.get("tags", []))
        assert "lab profile" in params.source


def test_the_solutions_pasted_back_pass_every_test(handouts, tmp_path):
    student = tmp_path / "ada"
    for name in EXERCISES:
        nb = nbformat.read(handouts / name / f"{name}.ipynb", as_version=4)
        answers = {c.metadata["nbgrader"]["grade_id"]: c.source
                   for c in exercise_cells(nbformat.read(notebook_path(name), as_version=4))[0]}
        for cell in exercise_cells(nb)[0]:
            cell.source = answers[cell.metadata["nbgrader"]["grade_id"]]
        (student / name).mkdir(parents=True)
        nbformat.write(nb, student / name / f"{name}.ipynb")
    grades = grade_folder(student, jobs=2)  # two kernels side by side, one thread each
    assert len(grades) == len(EXERCISES)
    assert all(g.status == "passed" and g.points == g.max_points > 0 for g in grades), \
        [(g.grade_id, g.message) for g in grades if g.status != "passed"]
    assert (tmp_path / "ada-grades.csv").read_text().count("passed") == len(EXERCISES)  # beside, never inside
    assert not list(student.rglob("*.csv"))


def test_a_wrong_answer_fails_its_test_with_a_message(handouts, tmp_path):
    name = "04_ablation"
    nb = nbformat.read(handouts / name / f"{name}.ipynb", as_version=4)
    solution = exercise_cells(nb)[0][0]
    solution.source = ("import torch\n\ndef hinge_d(real_scores, fake_scores):\n"
                       "    return torch.relu(1 - real_scores).mean()  # forgot the generated scores\n\n"
                       "def hinge_g(fake_scores):\n    return -fake_scores.mean()\n")
    (tmp_path / "bo").mkdir()
    nbformat.write(nb, tmp_path / "bo" / f"{name}.ipynb")
    shutil.copy(handouts / "05_volume_study" / "05_volume_study.ipynb", tmp_path / "bo")  # not answered
    (tmp_path / "bo" / "06_i2s_spectrograms.ipynb").write_text("{not json")
    grades = {g.notebook: g for g in grade_folder(tmp_path / "bo", tmp_path / "out.csv")}
    assert grades[name].status == "failed" and grades[name].points == 0
    assert "hinge_d([2, .5], [-2, .5]) should be 1.0, got 0.25" in grades[name].message
    assert grades["05_volume_study"].message.startswith("not answered yet")
    assert grades["06_i2s_spectrograms"].status == "error" and "not a readable notebook" in grades["06_i2s_spectrograms"].message
    assert grades["06_i2s_spectrograms"].points == 0 < grades["06_i2s_spectrograms"].max_points  # 0 of the lab's points


def test_the_summary_counts_graded_cells_and_every_point():
    from a2vlib.labs import Grade, summary

    rows = [Grade("a/04.ipynb", "04_ablation", "t1", 2.0, 2.0, "passed", ""),
            Grade("a/04.ipynb", "04_ablation", "t2", 0.0, 1.0, "failed", "wrong"),
            Grade("b/06.ipynb", "06_i2s_spectrograms", "", 0.0, 3.0, "error", "not readable")]
    assert summary(rows) == ("2 test cell(s) graded in 2 submission(s), 1 unreadable or unknown (0 points); "
                             "2 of 6 points")


def test_handouts_never_go_among_the_sources():
    for folder in (notebook_path("00_datasets_tour").parent, notebook_path("00_datasets_tour").parent / "x"):
        with pytest.raises(A2VError, match="would land in the kit's sources"):
            write_handouts(folder)
    assert not (notebook_path("00_datasets_tour").parent / "x").exists()


def test_a_hung_or_crashing_submission_is_a_row_not_the_end_of_grading(handouts, tmp_path):
    name = "04_ablation"
    for who, answer in (("hangs", "import time\nwhile True:\n    time.sleep(0.1)\n"),
                        ("crashes", "import os\nos._exit(1)\n")):
        nb = nbformat.read(handouts / name / f"{name}.ipynb", as_version=4)
        exercise_cells(nb)[0][0].source = answer
        (tmp_path / "subs" / who).mkdir(parents=True)
        nbformat.write(nb, tmp_path / "subs" / who / f"{name}.ipynb")
    grades = grade_folder(tmp_path / "subs", tmp_path / "out.csv", timeout=10, jobs=2)
    by = {Path(g.submission).parent.name: g for g in grades}
    assert by["hangs"].status == "failed" and "past the 10 s limit" in by["hangs"].message
    assert by["crashes"].status == "failed" and "stopped the grading kernel" in by["crashes"].message
    assert (tmp_path / "out.csv").exists()
