"""The ``a2v`` command: run notebooks into reports, build the index, check golden values, classify audio files."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from a2vlib.core.errors import A2VError, DataError


def _cmd_run(args: argparse.Namespace) -> int:
    from a2vlib.params import parse_override
    from a2vlib.report import build_index, run_notebook

    overrides = dict(parse_override(o) for o in args.param)
    res = run_notebook(args.notebook, args.profile, overrides=overrides, reports_dir=args.reports_dir,
                       show_code=args.show_code, params_file=args.params_file, timeout=args.timeout, progress=True)
    build_index(args.profile, args.reports_dir)
    print(f"{res.name}\t{res.status}\t{res.elapsed_s:.1f}s\t{res.folder / (res.name + '.html')}")
    if res.status != "ok":
        print(f"a2v: {res.name} failed: {res.error}", file=sys.stderr)
        return 1
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from a2vlib.report import run_all

    results = run_all(args.profile, args.only or None, args.reports_dir, args.show_code, cluster=args.cluster,
                      timeout=args.timeout)
    failed = [r.name for r in results if r.status != "ok"]
    if failed:
        print(f"a2v: failed notebooks: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _cmd_index(args: argparse.Namespace) -> int:
    from a2vlib.report import build_index

    print(build_index(args.profile, args.reports_dir))
    return 0


def _cmd_params(args: argparse.Namespace) -> int:
    from a2vlib.params import parse_override, resolve_params, shown, write_flat

    params, sources = resolve_params(args.notebook, args.profile, args.params_file,
                                     dict(parse_override(o) for o in args.param))
    if args.write:
        print(f"wrote {write_flat(args.write, args.notebook, args.profile, params)}")
    else:
        print(shown(params, sources if args.sources else None), end="")
    return 0


def _cmd_classify_audio(args: argparse.Namespace) -> int:
    from a2vlib.core.device import pick_device
    from a2vlib.features.soundnet import classify_files

    device = pick_device(args.device)  # auto -> cuda when present, else cpu; cuda without a GPU is an error
    missing = [f for f in args.files if not Path(f).exists()]
    if missing:
        raise DataError(f"audio file(s) not found: {', '.join(missing)}; check the path(s)")
    if args.model:  # a sound classifier trained in the kit (notebook 03 saves one); it takes waveforms
        from a2vlib.data.audio_io import read_audio
        from a2vlib.models.sound_classifier import classify_waveform, load_sound_classifier

        trained, meta = load_sound_classifier(args.model)
        for path in args.files:
            y, rate = read_audio(path, sr=meta["sample_rate"])
            label, score, chunks = classify_waveform(trained, y, rate)
            print(f"{path}\t{label}\t{score:.4f}\t{chunks} chunks")
        return 0
    for path, label, score in classify_files(args.files, classes=args.classes, device=device):
        print(f"{path}\t{label}\t{score:.4f}")
    return 0


def _cmd_odg(args: argparse.Namespace) -> int:
    from a2vlib.metrics.audio.peaq import MOV_NAMES, peaq_files

    result = peaq_files(args.reference, args.test)
    print(f"ODG\t{result.odg:.3f}")
    print(f"DI\t{result.di:.3f}")
    if args.movs:
        for name in MOV_NAMES:
            print(f"{name}\t{result.movs[name]:.6g}")
    return 0


def _cmd_pairs_from_videos(args: argparse.Namespace) -> int:
    from a2vlib.data.video_pairs import pairs_from_videos

    result = pairs_from_videos(args.folder, args.out, window=args.window, stride=args.stride, frame=args.frame,
                               mode=args.mode, size=args.size, sample_rate=args.sample_rate)
    print(f"a2v: {result.summary()}; manifest: {Path(args.out) / 'manifest.csv'}")
    for video, reason in result.skipped.itertuples(index=False):
        print(f"skipped\t{video}\t{reason}", file=sys.stderr)
    return 0 if len(result.manifest) else 1


def _cmd_published(args: argparse.Namespace) -> int:
    from a2vlib.data.published import describe

    lines, skipped, rows = describe(args.dataset, args.root, args.out)
    print("\n".join(lines))
    for path, reason in skipped:
        print(f"skipped\t{path}\t{reason}", file=sys.stderr)
    return 0 if rows else 1


def _cmd_sweep(args: argparse.Namespace) -> int:
    from a2vlib.sweep import run_sweep

    table = run_sweep(args.notebook, args.grid, args.profile, args.cluster, args.reports_dir)
    failed = table[table.status != "ok"]
    for row in failed.itertuples():
        print(f"a2v: set {row.set} failed: {row.error}", file=sys.stderr)
    return 1 if len(failed) else 0


def _cmd_handouts(args: argparse.Namespace) -> int:
    from a2vlib.labs import write_handouts

    folders = write_handouts(args.out, args.notebooks or None, args.profile)
    print(f"a2v: {len(folders)} handout(s) in {args.out} (solutions and hidden tests removed, {args.profile} profile)")
    return 0


def _cmd_grade(args: argparse.Namespace) -> int:
    from a2vlib.labs import grade_folder

    grades = grade_folder(args.folder, args.out)
    got, most = sum(g.points for g in grades), sum(g.max_points for g in grades)
    for g in grades:
        if g.status != "passed":
            print(f"{g.submission}\t{g.grade_id or '-'}\t{g.status}\t{g.message}", file=sys.stderr)
    print(f"a2v: {len(grades)} test cell(s) graded, {got:g} of {most:g} points; "
          f"{args.out or Path(args.folder) / 'grades.csv'}")
    return 0


def _cmd_fsdd(args: argparse.Namespace) -> int:
    from a2vlib.data import digits

    if args.download:
        print(f"a2v: FSDD in {digits.download(args.dest)}")
    table = digits.read_fsdd(args.dest or "")
    counts = table.split.value_counts()
    print(f"a2v: FSDD at {digits.find_fsdd(args.dest or '')}: {len(table)} recordings, {table.speaker.nunique()} "
          f"speakers, {counts.get('train', 0)} train / {counts.get('test', 0)} test; "
          "run the real profile with `make reports PROFILE=real`")
    return 0


def _cmd_golden(args: argparse.Namespace) -> int:
    from a2vlib.core.paths import repo_root
    from a2vlib.golden import compare_files, golden_path, pin, read_json
    from a2vlib.params import list_notebooks, notebook_path

    names = [notebook_path(n).stem for n in args.notebooks] or list_notebooks()
    base = (Path(args.reports_dir) if args.reports_dir else repo_root() / "reports") / args.profile
    failed = False
    for name in names:
        metrics = base / name / "metrics.json"
        golden = golden_path(name, args.profile, args.golden_dir)
        if not metrics.exists():
            print(f"{name}: no {metrics}; run `a2v run {name} --profile {args.profile}` first")
            failed = True
            continue
        if args.update:
            run_json = metrics.parent / "run.json"
            status = read_json(run_json, "run record").get("status") if run_json.exists() else "ok"
            if status != "ok":
                print(f"{name}: the run in {metrics.parent} has status {status!r}; not pinned (fix and rerun it)")
                failed = True
                continue
            seeds = _seed_list(args.spread)
            runs = [_spread_run(name, args.profile, s, base.parent) for s in seeds]
            pin(metrics, golden, rel=args.rel, abs=args.abs, spread_runs=runs or None, spread_seeds=seeds)
            print(f"{name}: pinned {metrics} -> {golden}" + (f" (tolerances from seeds 0, {args.spread})" if seeds
                                                               else ""))
            continue
        if not golden.exists():
            print(f"{name}: no golden file {golden}; pin it with `a2v golden {name} --profile {args.profile} "
                  "--update`")
            failed = True
            continue
        problems = compare_files(metrics, golden, rel=args.rel, abs=args.abs)
        for problem in problems:
            print(f"{name}: {problem}")
        if problems:
            from a2vlib.golden import numerics_note

            run_json = metrics.parent / "run.json"
            here = read_json(run_json, "run record").get("numerics") if run_json.exists() else None
            note = numerics_note(here, read_json(golden, "golden file"))
            if note:
                print(f"{name}: {note}")
        verdict = f"{len(problems)} mismatch(es)" if problems else "ok"
        print(f"{name}: {verdict} against {golden}")
        failed = failed or bool(problems)
    return 1 if failed else 0


def _seed_list(text: str | None) -> list[int]:
    if not text:
        return []
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise A2VError(f"--spread {text!r}: give seeds as whole numbers separated by commas, e.g. 1,2,3") from None
    if any(s <= 0 for s in seeds):
        raise A2VError(f"--spread {text!r}: extra seeds must be above 0 (seed 0 is the pinned run)")
    return seeds


def _spread_run(name: str, profile: str, seed: int, reports: Path) -> dict:
    """The notebook run again with ``seed`` (and its training-seed lists moved with it), for a figure's spread."""
    from a2vlib.params import load_params
    from a2vlib.report import run_notebook

    params = load_params(name, profile)
    overrides = {"seed": seed} if "seed" in params else {}
    for key in ("seeds", "repr_seeds"):
        if key in params:
            overrides[key] = [v + 100 * seed for v in params[key]]
    print(f"{name}: spread run with {overrides} ...", flush=True)
    res = run_notebook(name, profile, overrides=overrides, reports_dir=reports / "golden-spread" / f"seed{seed}")
    if res.status != "ok":
        raise A2VError(f"{name}: the spread run with seed {seed} failed ({res.error}); see {res.folder}")
    return res.metrics


def _cmd_store_outputs(args: argparse.Namespace) -> int:
    from a2vlib.params import notebook_path
    from a2vlib.report import repo_root, store_checked_outputs

    executed = repo_root() / "reports" / "ci" / (src := notebook_path(args.notebook)).stem / f"{src.stem}.ipynb"
    if not executed.exists():
        raise A2VError(f"{executed} not found; run `a2v run {src.stem} --profile ci` first")
    print(f"{src}: stored the outputs of {store_checked_outputs(executed, src)} checked cell(s)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="a2v", description="a2v study kit: cross-modal audio-visual GANs")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser, notebook: bool) -> None:
        if notebook:
            p.add_argument("notebook", help="notebook name, e.g. 01_data_cleaning")
        p.add_argument("--profile", default="lab", help="parameter profile: ci, lab, paper or real (default: lab)")
        p.add_argument("--reports-dir", default=None, help="where reports go (default: <repo>/reports)")

    p = sub.add_parser("run", help="run one notebook into reports/<profile>/<notebook>/")
    common(p, True)
    p.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE", help="override one parameter")
    p.add_argument("--params-file", default=None, help="a YAML file instead of params/<profile>/<notebook>.yaml")
    p.add_argument("--show-code", action="store_true", help="keep the code cells in the HTML report")
    p.add_argument("--timeout", type=float, default=None, help="seconds a cell may run (default: by profile)")
    p.add_argument("--jobs", type=int, default=None, help="trainings side by side inside the notebooks (default: "
                   "cores / threads per unit; 1: one after another)")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("report", help="run every notebook of a profile, then build the index")
    common(p, False)
    p.add_argument("--only", nargs="*", help="run only these notebooks")
    p.add_argument("--show-code", action="store_true", help="keep the code cells in the HTML reports")
    p.add_argument("--timeout", type=float, default=None, help="seconds a cell may run (default: by profile)")
    p.add_argument("--jobs", type=int, default=None, help="trainings side by side inside the notebooks (default: "
                   "cores / threads per unit; 1: one after another)")
    p.add_argument("--cluster", default=None, help="where the units run: local[:N] (a LocalCluster of N one-thread "
                   "workers), tcp://host:8786 (a running Dask scheduler) or slurm[:N] (dask-jobqueue, options in "
                   "params/cluster/slurm.yaml); default: here, one after another")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("sweep", help="run one notebook over a grid of parameter sets: one report per set and a "
                       "comparison table (reports/sweeps/<grid>/<notebook>/comparison.html)")
    p.add_argument("notebook", help="notebook name, e.g. 04_ablation")
    p.add_argument("--grid", required=True, help="grid file, e.g. params/sweeps/seeds.yaml")
    p.add_argument("--profile", default=None, help="profile the sets start from (default: the grid's, else ci)")
    p.add_argument("--reports-dir", default=None, help="where the sweep goes (default: <repo>/reports/sweeps)")
    p.add_argument("--cluster", default=None, help="where the units run: local[:N] (a LocalCluster of N one-thread "
                   "workers), tcp://host:8786 (a running Dask scheduler) or slurm[:N] (dask-jobqueue, options in "
                   "params/cluster/slurm.yaml); default: here, one after another")
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser("index", help="rebuild reports/<profile>/index.html from what is there")
    common(p, False)
    p.set_defaults(func=_cmd_index)

    p = sub.add_parser("params", help="print the validated parameters a run would use")
    common(p, True)
    p.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--params-file", default=None)
    p.add_argument("--write", default=None, metavar="FILE", help="write the resolved, flat parameters to FILE "
                   "(for papermill -f FILE)")
    p.add_argument("--sources", action="store_true", help="show where each value comes from")
    p.set_defaults(func=_cmd_params)

    p = sub.add_parser("classify-audio", help="label audio files with SoundNet-8, or a saved kit classifier (--model)")
    p.add_argument("files", nargs="+", help="WAV, MP3, OGG or FLAC files")
    p.add_argument("--model", default=None, help="a saved sound classifier (03 writes sound_classifier.pt)")
    p.add_argument("--classes", default="scenes9", help="label set (default: scenes9, Wan et al.'s nine classes)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    p.set_defaults(func=_cmd_classify_audio)

    p = sub.add_parser("odg", help="PEAQ basic (ITU-R BS.1387): ODG and distortion index of TEST against REF (any "
                       "rate, mono or stereo; resampled to 48 kHz)")
    p.add_argument("reference", help="the reference recording")
    p.add_argument("test", help="the recording to grade (same length within 10 ms, sample-aligned)")
    p.add_argument("--movs", action="store_true", help="also print the 11 model output variables")
    p.set_defaults(func=_cmd_odg)

    p = sub.add_parser("pairs-from-videos", help="cut a folder of videos into image-sound pairs (Sub-URMP's sliding "
                       "window, or one pair per clip); writes pictures, sounds, manifest.csv and skipped.csv")
    p.add_argument("folder", help="folder of videos (read only)")
    p.add_argument("--out", required=True, help="output folder (not inside the video folder)")
    p.add_argument("--window", type=float, default=0.5, help="seconds of sound per pair (default 0.5, Sub-URMP)")
    p.add_argument("--stride", type=float, default=0.1, help="seconds between windows (default 0.1, Sub-URMP)")
    p.add_argument("--frame", choices=("first", "middle"), default="first",
                   help="the frame of a window: its first (Sub-URMP) or its middle")
    p.add_argument("--mode", choices=("window", "clip"), default="window",
                   help="window: sliding windows; clip: one pair per video, middle frame + whole sound (SoundNet)")
    p.add_argument("--size", type=int, default=128, help="square picture side in pixels (default 128)")
    p.add_argument("--sample-rate", type=int, default=22050, help="sound sample rate (default 22050)")
    p.set_defaults(func=_cmd_pairs_from_videos)

    p = sub.add_parser("published", help="read a published dataset as it unpacks (SoundNet-Flickr as Wan et al. "
                       "split it, VEGAS, The Greatest Hits) and say what it holds; the folder is only read")
    p.add_argument("dataset", choices=["greatest-hits", "soundnet-flickr", "vegas"])
    p.add_argument("root", help="the folder you unpacked")
    p.add_argument("--out", default=None, help="also write the manifest (one row per clip) to this CSV file")
    p.set_defaults(func=_cmd_published)

    p = sub.add_parser("handouts", help="student versions of the notebooks: solutions and hidden tests removed "
                       "(nbgrader), parameters set to a profile, a README per lab")
    p.add_argument("--out", required=True, help="folder for the handouts (one sub-folder per lab)")
    p.add_argument("--profile", default="lab", help="profile written into the parameters cell (default: lab)")
    p.add_argument("notebooks", nargs="*", help="only these notebooks (default: all)")
    p.set_defaults(func=_cmd_handouts)

    p = sub.add_parser("grade", help="autograde a folder of submitted notebooks (hidden tests restored); "
                       "writes grades.csv")
    p.add_argument("folder", help="submissions: any folders below holding <lab>.ipynb files")
    p.add_argument("--out", default=None, help="the CSV (default: FOLDER/grades.csv)")
    p.set_defaults(func=_cmd_grade)

    p = sub.add_parser("fsdd", help="find the Free Spoken Digit Dataset (the real profile's sounds) and say what is "
                       "there; --download fetches it from its public repository (needs the internet)")
    p.add_argument("--dest", default=None, help="the FSDD folder (default: A2V_FSDD, <A2V_DATA>/fsdd, data/fsdd)")
    p.add_argument("--download", action="store_true", help="download FSDD v1.0.9 into --dest (default data/fsdd)")
    p.set_defaults(func=_cmd_fsdd)

    p = sub.add_parser("golden", help="compare reports/<profile>/<nb>/metrics.json with tests/golden/<nb>.json "
                                      "(exit 1 on a mismatch); --update pins them")
    p.add_argument("notebooks", nargs="*", help="notebook names (default: all)")
    p.add_argument("--profile", default="ci", help="profile of the runs (default: ci)")
    p.add_argument("--reports-dir", default=None, help="where reports are (default: <repo>/reports)")
    p.add_argument("--golden-dir", default=None, help="where golden files are (default: <repo>/tests/golden)")
    p.add_argument("--update", action="store_true", help="pin the runs' metrics instead of comparing")
    p.add_argument("--spread", default=None, metavar="SEEDS", help="with --update: run each notebook again with "
                   "these extra seeds (e.g. 1,2,3) and set each figure's tolerance from its spread")
    p.add_argument("--rel", type=float, default=None, help="relative tolerance (default: the file's, else 0.05)")
    p.add_argument("--abs", type=float, default=None, help="absolute tolerance for values in [-1, 1] "
                                                           "(default: the file's, else 0.03)")
    p.set_defaults(func=_cmd_golden)

    p = sub.add_parser("store-outputs", help="copy the ci run's outputs of '# NBVAL_CHECK_OUTPUT' cells into the "
                                             "notebook, for nbval to compare (maintainers)")
    p.add_argument("notebook")
    p.set_defaults(func=_cmd_store_outputs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "jobs", None) is not None:  # units side by side in the notebooks this command starts
        import os

        if args.jobs < 1:
            print("a2v: error: --jobs must be at least 1", file=sys.stderr)
            return 2
        os.environ["A2V_JOBS"] = str(args.jobs)
    try:
        return args.func(args)
    except A2VError as exc:
        print(f"a2v: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: what was started is cancelled on the way out (executors, kernels)
        print("a2v: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
