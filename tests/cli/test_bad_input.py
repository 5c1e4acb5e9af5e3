"""Bad input, as a hostile new user gives it: every case exits 2 with one line ``a2v: error: ...`` that names the
culprit (the file, the folder, the key or the value), and nothing the user owns is changed (checksums of the folders
before and after). The output guard itself is :mod:`a2vlib.core.outputs`."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from a2vlib.cli import main
from a2vlib.core.paths import repo_root

ROOT = repo_root()


def tree_digest(*folders: Path) -> str:
    """One checksum over every file (path and bytes) under ``folders``."""
    h = hashlib.sha256()
    for folder in folders:
        paths = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.is_file())
        for p in paths:
            h.update(str(p).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture
def user(tmp_path):
    """A user's belongings: a folder of work, student submissions, a dataset root, videos and a plain file."""
    (tmp_path / "precious_dir").mkdir()
    (tmp_path / "precious_dir" / "thesis.txt").write_text("years of work")
    for student in ("ada", "bo"):
        (tmp_path / "subs" / student).mkdir(parents=True)
        (tmp_path / "subs" / student / "01_data_cleaning.ipynb").write_text('{"cells": []}')
    (tmp_path / "ROOT" / "video").mkdir(parents=True)
    (tmp_path / "ROOT" / "video" / "dog.mp4").write_bytes(b"\0" * 64)
    (tmp_path / "videos").mkdir()
    (tmp_path / "videos" / "a.mp4").write_bytes(b"\0" * 64)
    (tmp_path / "notes.yaml").write_text("mine: true\n")
    (tmp_path / "handouts" / "01_data_cleaning").mkdir(parents=True)
    (tmp_path / "handouts" / "01_data_cleaning" / "01_data_cleaning.ipynb").write_text("a student's answers")
    (tmp_path / "empty").mkdir()
    (tmp_path / "a_file").write_text("not a folder")
    (tmp_path / "binary.yaml").write_bytes(bytes(range(256)))
    (tmp_path / "twice.yaml").write_text("seed: 1\nseed: 2\n")
    (tmp_path / "grid.yaml").write_text("files: [group.yaml]\n")
    (tmp_path / "group.yaml").write_text("sede: 3\n")
    (tmp_path / "reports_user" / "lab").mkdir(parents=True)
    (tmp_path / "reports_user" / "lab" / "my_notes.txt").write_text("not a report")
    return tmp_path


SOURCES = [ROOT / "notebooks", ROOT / "params", ROOT / "tests" / "golden", ROOT / "a2vlib" / "core"]

# (arguments, with {t} for the user's folder; what the one-line error must name)
CASES = [
    # writing a file over a folder, or over what the command reads
    (["params", "01_data_cleaning", "--profile", "lab", "--write", "{t}/precious_dir"], "precious_dir: is a folder"),
    (["grade", "{t}/subs", "--out", "{t}/subs"], "--out {t}/subs"),
    (["grade", "{t}/subs", "--csv", "{t}/subs"], "inside {t}/subs, which this command reads"),
    (["grade", "{t}/subs", "--csv", "{t}/subs/ada/grades.csv"], "inside {t}/subs, which this command reads"),
    (["published", "vegas", "{t}/ROOT", "--manifest", "{t}/ROOT"], "inside {t}/ROOT, which this command reads"),
    (["published", "vegas", "{t}/ROOT", "--manifest", "{t}/ROOT/m.csv"], "inside {t}/ROOT, which this command reads"),
    (["published", "vegas", "{t}/ROOT", "--out", "{t}/ROOT"], "--manifest"),
    (["pairs-from-videos", "{t}/videos", "--out", "{t}/videos"], "inside {t}/videos, which this command reads"),
    (["pairs-from-videos", "{t}/videos", "--out", "{t}/videos/pairs"], "which this command reads"),
    (["pairs-from-videos", "{t}/videos", "--out", "{t}"], "holds {t}/videos, which this command reads"),
    # outputs among the kit's sources
    (["params", "00_datasets_tour", "--write", str(ROOT / "notebooks" / "00_datasets_tour.ipynb")], "kit's sources"),
    (["params", "00_datasets_tour", "--write", str(ROOT / "params" / "lab" / "x.yaml")], "kit's sources"),
    (["grade", "{t}/subs", "--csv", str(ROOT / "notebooks" / "01_data_cleaning.ipynb")], "kit's sources"),
    (["pairs-from-videos", "{t}/videos", "--out", str(ROOT / "notebooks")], "kit's sources"),
    (["handouts", "--out", str(ROOT / "notebooks")], "kit's sources"),
    (["handouts", "--out", str(ROOT / "tests" / "handouts")], "kit's sources"),
    (["params", "00_datasets_tour", "--write", str(ROOT / "README.md")], "kit's sources"),
    (["run", "00_datasets_tour", "--profile", "ci", "--reports-dir", str(ROOT / "a2vlib")], "kit's sources"),
    # outputs over what a2v did not write
    (["params", "01_data_cleaning", "--write", "{t}/notes.yaml"], "notes.yaml: exists and a2v did not write it"),
    (["handouts", "--out", "{t}/handouts"], "a2v did not write"),
    (["handouts", "--out", "{t}/precious_dir"], "precious_dir: holds 1 entry that a2v did not write"),
    (["pairs-from-videos", "{t}/videos", "--out", "{t}/precious_dir"], "precious_dir: holds 1 entry"),
    (["fsdd", "--download", "--dest", "{t}/precious_dir"], "precious_dir: holds 1 entry"),
    (["index", "--profile", "lab", "--reports-dir", "{t}/reports_user"], "reports_user/lab: holds 1 entry"),
    (["handouts", "--out", "{t}/a_file"], "a_file: is a file"),
    (["pairs-from-videos", "{t}/videos", "--out", "{t}/a_file"], "a_file: is a file"),
    (["params", "01_data_cleaning", "--write", "{t}/a_file/x.yaml"], "a_file is a file, not a folder"),
    # names, never paths
    (["index", "--profile", "../params/ci"], "profile '../params/ci' is not a name"),
    (["run", "00_datasets_tour", "--profile", "../x"], "profile '../x' is not a name"),
    (["params", "00_datasets_tour", "--profile", "/etc"], "profile '/etc' is not a name"),
    (["run", "../notebooks/00_datasets_tour"], "notebook '../notebooks/00_datasets_tour' is not a name"),
    (["handouts", "--out", "{t}/h2", "--profile", "../lab"], "profile '../lab' is not a name"),
    (["sweep", "00_datasets_tour", "--grid", "{t}/grid.yaml", "--profile", "a/b"], "profile 'a/b' is not a name"),
    (["golden", "--profile", "..", "--reports-dir", "{t}/empty"], "profile '..' is not a name"),
    # folders and files given where the other is wanted, unreadable input
    (["run", "00_datasets_tour", "--profile", "ci", "--reports-dir", "{t}/a_file"], "a_file: is a file"),
    (["index", "--profile", "ci", "--reports-dir", "{t}/a_file"], "a_file: is a file"),
    (["params", "00_datasets_tour", "--params-file", "{t}/precious_dir"], "precious_dir: is a folder"),
    (["params", "00_datasets_tour", "--params-file", "{t}/binary.yaml"], "binary.yaml: not a text file"),
    (["params", "00_datasets_tour", "--params-file", "{t}/twice.yaml"], "key 'seed' is given twice"),
    # values checked as the kernel checks them
    (["params", "01_data_cleaning", "-p", "seed="], "override 'seed=': the value is missing"),
    (["params", "01_data_cleaning", "-p", "=3"], "the key is missing"),
    (["params", "01_data_cleaning", "-p", "discrepant_share=.inf"], "'discrepant_share' must be a finite number"),
    (["params", "01_data_cleaning", "-p", "discrepant_share=.nan"], "'discrepant_share' must be a finite number"),
    (["params", "01_data_cleaning", "-p", "discrepant_share=1.5"], "'discrepant_share' must lie between 0 and 1"),
    (["params", "04_ablation", "-p", "kit_target=7"], "'kit_target' must lie between 0 and 1"),
    (["params", "01_data_cleaning", "-p", "proportions=nosuch"], "unknown proportions 'nosuch'"),
    (["params", "04_ablation", "-p", "rungs=[c, z]"], "unknown rung 'z'"),
    (["params", "07_v2ra_optimisation", "-p", "v2ra_join=glue"], "unknown v2ra_join 'glue'"),
    (["params", "07_v2ra_optimisation", "-p", "denoiser=magic"], "unknown denoiser 'magic'"),
    (["params", "06_i2s_spectrograms", "-p", "i2s_resize=stretch"], "unknown i2s_resize 'stretch'"),
    (["params", "01_data_cleaning", "-p", "device=gpu"], "'device' must be auto, cpu"),
    (["params", "04_ablation", "-p", "seeds=[]"], "'seeds' must be a non-empty list"),
    (["params", "01_data_cleaning", "--profile", "ci", "-p", "profile=lab"], "override profile='lab' beside "
                                                                             "--profile ci"),
    # checks that come before any work
    (["report", "--profile", "ci", "--only", "nosuch"], "no notebook named 'nosuch'"),
    (["golden", "--profile", "nosuch", "--reports-dir", "{t}/empty"], "unknown profile 'nosuch'"),
    (["sweep", "00_datasets_tour", "--grid", "{t}/grid.yaml"], "group.yaml: unknown key 'sede'"),
    (["pairs-from-videos", "{t}/empty", "--out", "{t}/pairs"], "{t}/empty: holds no video"),
    (["grade", "{t}/empty"], "{t}/empty: holds no notebook"),
]


@pytest.mark.parametrize("args, named", CASES, ids=[" ".join(a)[:60] for a, _ in CASES])
def test_bad_input_is_one_line_and_changes_nothing(user, args, named, capsys, monkeypatch):
    monkeypatch.setenv("A2V_CACHE", str(user / "cache"))
    monkeypatch.chdir(user)
    args = [a.replace("{t}", str(user)) for a in args]
    before = tree_digest(user), tree_digest(*SOURCES)
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("a2v: error: ") and "\n" not in err, err
    assert named.replace("{t}", str(user)) in err, err
    assert (tree_digest(user), tree_digest(*SOURCES)) == before
    assert not (user / "subs" / "grades.csv").exists() and not (ROOT / "params" / "ci" / "index.html").exists()


@pytest.mark.parametrize("args, named", [
    (["run", "00_datasets_tour", "--timeout", "0"], "give a number of seconds above 0"),
    (["report", "--timeout", "-5"], "give a number of seconds above 0"),
    (["grade", "subs", "--jobs", "0"], "give a whole number of at least 1"),
    (["pairs-from-videos", "videos", "--out", "p", "--size", "0"], "give a whole number of at least 1"),
    (["pairs-from-videos", "videos", "--out", "p", "--sample-rate", "x"], "'x' is not a whole number"),
])
def test_bad_numbers_are_refused_by_the_command_line(args, named, capsys):
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2 and named in capsys.readouterr().err


def test_force_replaces_a_file_but_never_a_folder(user, capsys):
    notes = user / "notes.yaml"
    assert main(["params", "01_data_cleaning", "--write", str(notes), "--force"]) == 0
    assert "seed:" in notes.read_text()
    assert main(["params", "01_data_cleaning", "--write", str(notes)]) == 0  # the kit wrote it: no --force needed
    assert main(["params", "01_data_cleaning", "--write", str(user / "precious_dir"), "--force"]) == 2
    assert (user / "precious_dir" / "thesis.txt").read_text() == "years of work"


def test_force_writes_into_a_folder_without_removing_anything(user, capsys):
    assert main(["handouts", "--out", str(user / "precious_dir"), "--force", "00_datasets_tour"]) == 0
    assert (user / "precious_dir" / "thesis.txt").read_text() == "years of work"
    assert (user / "precious_dir" / "00_datasets_tour" / "00_datasets_tour.ipynb").is_file()
    # a folder the kit wrote takes the kit's output again without --force
    assert main(["handouts", "--out", str(user / "precious_dir"), "00_datasets_tour"]) == 0


def test_a_handout_a_student_worked_in_is_never_written_over(user, capsys):
    out = user / "class"
    assert main(["handouts", "--out", str(out), "00_datasets_tour"]) == 0
    assert main(["handouts", "--out", str(out), "00_datasets_tour"]) == 0  # unchanged since: written again
    notebook = out / "00_datasets_tour" / "00_datasets_tour.ipynb"
    notebook.write_text(notebook.read_text() + "\n")  # a student saved it
    before = tree_digest(out)
    assert main(["handouts", "--out", str(out), "00_datasets_tour"]) == 2
    assert "00_datasets_tour.ipynb: changed since a2v wrote it" in capsys.readouterr().err
    assert tree_digest(out) == before
    assert main(["handouts", "--out", str(out), "--force", "00_datasets_tour"]) == 0


def test_grades_go_beside_the_submissions_by_default(user):
    from a2vlib.labs import grades_csv

    assert grades_csv(user / "subs") == user / "subs-grades.csv"
    assert grades_csv(user / "subs", user / "g.csv") == user / "g.csv"


def test_an_unwritable_cache_is_one_line(tmp_path, monkeypatch):
    from a2vlib.core.cache import cached
    from a2vlib.core.errors import A2VError

    (tmp_path / "cache_file").write_text("x")
    monkeypatch.setenv("A2V_CACHE", str(tmp_path / "cache_file"))
    with pytest.raises(A2VError, match="cache_file"):
        cached("things", {"a": 1}, lambda folder: (folder / "x").write_text("1"))


def test_a_lock_for_librosa_falls_back_when_the_cache_cannot_be_written(tmp_path, monkeypatch, capsys):
    from a2vlib.core import cache

    (tmp_path / "cache_file").write_text("x")
    monkeypatch.setenv("A2V_CACHE", str(tmp_path / "cache_file"))
    monkeypatch.setattr(cache, "_FALLBACK_SAID", [])
    for _ in range(2):
        with cache.build_lock(tmp_path / "numba", quiet=True):
            pass
    err = capsys.readouterr().err
    assert err.count("cannot be written") == 1 and "cache_file" in err


def test_the_version_is_printed(capsys):
    from a2vlib import __version__

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"a2v {__version__}"


def test_every_subcommand_has_an_example_and_helps_every_argument():
    from a2vlib.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, parser in sub.choices.items():
        assert parser.epilog and parser.epilog.startswith("example:\n  a2v " + name), name
        for action in parser._actions:
            if action.dest != "help":
                assert action.help, f"a2v {name}: {action.dest} has no help"


@pytest.mark.skipif(os.name != "posix", reason="paths with '/' are the case to refuse")
def test_names_are_names():
    from a2vlib.core.errors import OutputError
    from a2vlib.core.outputs import check_name

    for bad in ("", "..", "../ci", "a/b", "/etc", ".hidden", "-rf", "a\\b", "x..y"):
        with pytest.raises(OutputError):
            check_name("profile", bad)
    assert check_name("profile", "lab") == "lab" and check_name("notebook", "01_data_cleaning") == "01_data_cleaning"


def test_ordinary_reruns_are_not_refused(user, monkeypatch):
    """What the guard must let through: a report folder an older runner left (its notebook, no run.json, after a
    Ctrl-C), `a2v grade .` (the CSV goes beside the folder), a manifest the kit wrote, YAML merge keys."""
    from a2vlib.data.published import describe
    from a2vlib.labs import grades_csv
    from a2vlib.params import read_yaml
    from a2vlib.report import report_folder

    old = user / "reports" / "lab" / "01_data_cleaning"
    old.mkdir(parents=True)
    (old / "01_data_cleaning.ipynb").write_text("{}")
    assert report_folder("lab", "01_data_cleaning", user / "reports") == old
    monkeypatch.chdir(user / "subs")
    assert grades_csv(".") == user / "subs-grades.csv"
    manifest = user / "vegas.csv"
    manifest.write_text("clip_id,category,video_path\n")
    monkeypatch.setattr("a2vlib.data.published.LOADERS", {"vegas": lambda root: __import__("pandas").DataFrame(
        {"clip_id": ["a"], "category": ["dog"], "video_path": ["v/a.mp4"]})})
    describe("vegas", user / "ROOT", manifest)  # the kit's own manifest: replaced without --force
    assert "v/a.mp4" in manifest.read_text()
    (user / "merge.yaml").write_text("base: &b {seed: 1}\nset:\n  <<: *b\n  width: 8\n")
    assert read_yaml(user / "merge.yaml")["set"] == {"seed": 1, "width": 8}


def test_an_estimate_that_fails_does_not_stop_the_run(monkeypatch, capsys):
    from a2vlib import estimates

    def fails(*args, **kwargs):
        raise RuntimeError("CUDA out of memory")

    monkeypatch.setattr(estimates, "notebook_estimate", fails)
    assert estimates.announce_estimate("04_ablation", "paper") is None
    assert "no estimate of the paper run's trainings (RuntimeError: CUDA out of memory)" in capsys.readouterr().err
