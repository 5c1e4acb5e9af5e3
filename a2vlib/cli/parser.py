"""The ``a2v`` command line: one sub-parser per command, each with an example; :func:`main` turns every kit error
into one line (``a2v: error: ...``, exit 2) and Ctrl-C into exit 130."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

import a2vlib.cli.commands as cmd
from a2vlib.core.errors import A2VError

CLUSTER_HELP = ("where the units run: local[:N] (a LocalCluster of N one-thread workers), tcp://host:8786 (a running "
                "Dask scheduler) or slurm[:N] (dask-jobqueue, options in params/cluster/slurm.yaml); default: here, "
                "one after another")
FORCE_HELP = "write over an existing file, or into a folder that holds other files (never over a folder or a source)"


def positive_seconds(text: str) -> float:
    """A time limit in seconds above 0 (nbclient reads 0 or less as 'no limit')."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: give a number of seconds above 0")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of at least 1")
    return value


def _sub(sub: argparse._SubParsersAction, name: str, help: str, example: str) -> argparse.ArgumentParser:
    return sub.add_parser(name, help=help, description=help, epilog=f"example:\n  {example}",
                          formatter_class=argparse.RawDescriptionHelpFormatter)


def _profile(p: argparse.ArgumentParser, default: str | None = "lab") -> None:
    p.add_argument("--profile", default=default, help=f"parameter profile: ci, lab, paper or real (default: "
                   f"{default or 'see above'}); a name, never a path")


def _reports_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reports-dir", default=None, help="where reports go (default: <repo>/reports)")


def _params(p: argparse.ArgumentParser) -> None:
    p.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                   help="override one parameter (the value is read as YAML: 3, 0.5, true, [1, 2]); repeatable")
    p.add_argument("--params-file", default=None, metavar="FILE", help="a flat YAML parameter file (as `a2v params "
                   "--write` writes) instead of params/<profile>/<notebook>.yaml")


def _run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--smoke", action="store_true", help="the profile at smoke size (params/<profile>-smoke/, e.g. "
                   "paper-smoke): every code path of the profile in minutes; its reports are marked smoke and are "
                   "never golden values or the profile's results")
    p.add_argument("--show-code", action="store_true", help="keep the code cells in the HTML report")
    p.add_argument("--timeout", type=positive_seconds, default=None,
                   help="seconds a cell may run, above 0 (default: by profile: ci 900, lab 3600)")
    p.add_argument("--jobs", type=positive_int, default=None, help="trainings side by side inside the notebooks "
                   "(default: cores / threads per unit; 1: one after another)")


def build_parser() -> argparse.ArgumentParser:
    from a2vlib import __version__

    parser = argparse.ArgumentParser(prog="a2v", description="a2v study kit: cross-modal audio-visual GANs")
    parser.add_argument("--version", action="version", version=f"a2v {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    notebook_help = "notebook name, e.g. 01_data_cleaning (`a2v params --help` lists them: see notebooks/)"

    p = _sub(sub, "run", "run one notebook into <reports>/<profile>/<notebook>/",
             "a2v run 01_data_cleaning --profile lab -p seed=3")
    p.add_argument("notebook", help=notebook_help)
    _profile(p)
    _reports_dir(p)
    _params(p)
    _run_options(p)
    p.set_defaults(func=cmd.run)

    p = _sub(sub, "report", "run every notebook of a profile, then build the index", "a2v report --profile ci")
    _profile(p)
    _reports_dir(p)
    p.add_argument("--only", nargs="*", metavar="NOTEBOOK", help="run only these notebooks (checked before any runs)")
    _run_options(p)
    p.add_argument("--cluster", default=None, help=CLUSTER_HELP)
    p.set_defaults(func=cmd.report)

    p = _sub(sub, "sweep", "run one notebook over a grid of parameter sets: one report per set and a comparison "
             "table (<reports>/sweeps/<grid>/<notebook>/comparison.html)",
             "a2v sweep 00_datasets_tour --grid params/sweeps/tour_seeds.yaml --cluster local:2")
    p.add_argument("notebook", help=notebook_help)
    p.add_argument("--grid", required=True, help="grid file, e.g. params/sweeps/seeds.yaml")
    _profile(p, None)
    p.add_argument("--reports-dir", default=None, help="where the sweep goes (default: <repo>/reports/sweeps)")
    p.add_argument("--cluster", default=None, help=CLUSTER_HELP.replace(
        "default: here, one after another", "default: a pool of local processes, as many as the cores allow at one "
        "thread a set (A2V_JOBS or --jobs of a2v run overrides; one on a CUDA machine)"))
    p.description += "; --profile defaults to the grid's profile, else ci"
    p.set_defaults(func=cmd.sweep)

    p = _sub(sub, "index", "rebuild <reports>/<profile>/index.html from what is there", "a2v index --profile lab")
    _profile(p)
    _reports_dir(p)
    p.set_defaults(func=cmd.index)

    p = _sub(sub, "params", "print the validated parameters a run would use (every value checked as a run "
             "checks it)", "a2v params 01_data_cleaning --profile lab --write lab.yaml")
    p.add_argument("notebook", help=notebook_help)
    _profile(p)
    _params(p)
    p.add_argument("--write", default=None, metavar="FILE", help="write the resolved, flat parameters to FILE (for "
                   "papermill -f FILE); never over a folder or a file a2v did not write (--force)")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.add_argument("--sources", action="store_true", help="show where each value comes from")
    p.set_defaults(func=cmd.params)

    p = _sub(sub, "classify-audio", "label audio files with SoundNet-8, or a saved kit classifier (--model)",
             "a2v classify-audio dog.wav rain.mp3 --classes scenes9")
    p.add_argument("files", nargs="+", help="WAV, MP3, OGG or FLAC files")
    p.add_argument("--model", default=None, help="a saved sound classifier (03 writes sound_classifier.pt)")
    p.add_argument("--classes", default="scenes9", help="label set (default: scenes9, Wan et al.'s nine classes)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto (default: cpu)")
    p.set_defaults(func=cmd.classify_audio)

    p = _sub(sub, "odg", "PEAQ basic (ITU-R BS.1387): ODG and distortion index of TEST against REF (any rate, mono "
             "or stereo, each channel through the ear model; resampled to 48 kHz)", "a2v odg ref.wav coded.wav --movs")
    p.add_argument("reference", help="the reference recording")
    p.add_argument("test", help="the recording to grade (same length within 10 ms, time-aligned)")
    p.add_argument("--movs", action="store_true", help="also print the 11 model output variables")
    p.add_argument("--align", action="store_true", help="shift TEST onto REF by the lag their cross-correlation "
                   "finds (and say by how much); without it, a lag is an error")
    p.set_defaults(func=cmd.odg)

    p = _sub(sub, "pairs-from-videos", "cut a folder of videos into image-sound pairs (Sub-URMP's sliding window, or "
             "one pair per clip); writes pictures, sounds, manifest.csv and skipped.csv",
             "a2v pairs-from-videos my_videos --out my_pairs --window 0.5 --stride 0.1")
    p.add_argument("folder", help="folder of videos (only read)")
    p.add_argument("--out", required=True, help="output folder: new or empty (or one this command wrote), never "
                   "inside the video folder or the kit's sources")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.add_argument("--window", type=float, default=0.5, help="seconds of sound per pair (default 0.5, Sub-URMP)")
    p.add_argument("--stride", type=float, default=0.1, help="seconds between windows (default 0.1, Sub-URMP)")
    p.add_argument("--frame", choices=("first", "middle"), default="first",
                   help="the frame of a window: its first (Sub-URMP) or its middle")
    p.add_argument("--mode", choices=("window", "clip"), default="window",
                   help="window: sliding windows; clip: one pair per video, middle frame + whole sound (SoundNet)")
    p.add_argument("--size", type=positive_int, default=128, help="square picture side in pixels (default 128)")
    p.add_argument("--sample-rate", type=positive_int, default=22050, help="sound sample rate (default 22050)")
    p.set_defaults(func=cmd.pairs_from_videos)

    p = _sub(sub, "published", "read a published dataset as it unpacks (SoundNet-Flickr as Wan et al. split it, "
             "VEGAS, The Greatest Hits) and say what it holds; the folder is only read",
             "a2v published vegas ~/data/VEGAS --manifest vegas.csv")
    p.add_argument("dataset", choices=["greatest-hits", "soundnet-flickr", "vegas"], help="which layout to read")
    p.add_argument("root", help="the folder you unpacked (only read)")
    p.add_argument("--manifest", default=None, metavar="CSV", help="also write the manifest (one row per clip) to "
                   "this CSV file, outside ROOT")
    p.add_argument("--out", default=None, help=argparse.SUPPRESS)  # the old name: refused with a pointer
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.set_defaults(func=cmd.published)

    p = _sub(sub, "handouts", "student versions of the notebooks: solutions and hidden tests removed (nbgrader), "
             "parameters set to a profile, a README per lab", "a2v handouts --out handouts 01_data_cleaning")
    p.add_argument("--out", required=True, help="folder for the handouts (one sub-folder per lab): new or empty, or "
                   "one this command wrote")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    _profile(p)
    p.add_argument("notebooks", nargs="*", help="only these notebooks (default: all)")
    p.set_defaults(func=cmd.handouts)

    p = _sub(sub, "grade", "autograde a folder of submitted notebooks (hidden tests restored); writes a CSV of grades "
             "beside the folder", "a2v grade submissions --csv grades.csv --jobs 2")
    p.add_argument("folder", help="submissions: any folders below holding <lab>.ipynb files (only read)")
    p.add_argument("--csv", default=None, help="the grades' CSV file, outside FOLDER (default: FOLDER-grades.csv "
                   "beside it)")
    p.add_argument("--out", default=None, help=argparse.SUPPRESS)  # the old name: refused with a pointer
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.add_argument("--timeout", type=positive_seconds, default=300.0,
                   help="seconds a cell of a submission may run (default 300)")
    p.add_argument("--jobs", type=positive_int, default=1, dest="grade_jobs",
                   help="submissions graded side by side, one thread each (default 1)")
    p.set_defaults(func=cmd.grade)

    p = _sub(sub, "fsdd", "find the Free Spoken Digit Dataset (the real profile's sounds) and say what is there; "
             "--download fetches it from its public repository (needs the internet)", "a2v fsdd --dest data/fsdd")
    p.add_argument("--dest", default=None, help="the FSDD folder (default: A2V_FSDD, <A2V_DATA>/fsdd, data/fsdd)")
    p.add_argument("--download", action="store_true", help="download FSDD v1.0.9 into --dest (default data/fsdd): "
                   "a new or empty folder")
    p.set_defaults(func=cmd.fsdd)

    p = _sub(sub, "golden", "compare <reports>/<profile>/<nb>/metrics.json with tests/golden/<nb>.json (exit 1 on a "
             "mismatch); --update pins them (maintainers)", "a2v golden 01_data_cleaning --profile ci")
    p.add_argument("notebooks", nargs="*", help="notebook names (default: all)")
    _profile(p, "ci")
    _reports_dir(p)
    p.add_argument("--golden-dir", default=None, help="where golden files are (default: <repo>/tests/golden)")
    p.add_argument("--update", action="store_true", help="pin the runs' metrics instead of comparing")
    p.add_argument("--spread", default=None, metavar="SEEDS", help="with --update: run each notebook again with "
                   "these extra seeds (e.g. 1,2,3) and set each figure's tolerance from its spread")
    p.add_argument("--rel", type=float, default=None, help="relative tolerance (default: the file's, else 0.05)")
    p.add_argument("--abs", type=float, default=None, help="absolute tolerance for values in [-1, 1] "
                                                           "(default: the file's, else 0.03)")
    p.set_defaults(func=cmd.golden)

    p = _sub(sub, "store-outputs", "copy the ci run's outputs of '# NBVAL_CHECK_OUTPUT' cells into the notebook, for "
             "nbval to compare (maintainers)", "a2v store-outputs 00_datasets_tour")
    p.add_argument("notebook", help=notebook_help)
    p.set_defaults(func=cmd.store_outputs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "jobs", None) is not None:  # units side by side in the notebooks this command starts
        import os

        os.environ["A2V_JOBS"] = str(args.jobs)
    try:
        return args.func(args)
    except A2VError as exc:
        print(f"a2v: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: what was started is cancelled on the way out (executors, kernels)
        print("a2v: interrupted", file=sys.stderr)
        return 130
