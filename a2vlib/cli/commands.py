"""What each ``a2v`` subcommand does (the command line is :mod:`a2vlib.cli.parser`). Names given on the command line
are names, never paths; every output goes through :mod:`a2vlib.core.outputs`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from a2vlib.core.errors import A2VError, DataError
from a2vlib.core.outputs import check_name


def notebook_name(text: str) -> str:
    """A notebook named on the command line (``01_data_cleaning`` or ``01_data_cleaning.ipynb``): a name under
    ``notebooks/``, never a path, and one that exists."""
    from a2vlib.params import notebook_path

    stem = str(text).removesuffix(".ipynb")
    check_name("notebook", stem)
    return notebook_path(stem).stem


def _overrides(args: argparse.Namespace) -> dict:
    from a2vlib.params import parse_override

    return dict(parse_override(o) for o in args.param)


def _profile(args: argparse.Namespace) -> str:
    """The profile a run command names: ``--profile``, or with ``--smoke`` its smoke-size twin (``paper-smoke``)."""
    from a2vlib.params import smoke_profile

    check_name("profile", args.profile)
    return smoke_profile(args.profile) if getattr(args, "smoke", False) else args.profile


def run(args: argparse.Namespace) -> int:
    from a2vlib.report import build_index, run_notebook

    name, overrides = notebook_name(args.notebook), _overrides(args)
    args.profile = _profile(args)
    res = run_notebook(name, args.profile, overrides=overrides, reports_dir=args.reports_dir,
                       show_code=args.show_code, params_file=args.params_file, timeout=args.timeout, progress=True)
    build_index(args.profile, args.reports_dir)
    print(f"{res.name}\t{res.status}\t{res.elapsed_s:.1f}s\t{res.folder / (res.name + '.html')}")
    if res.status != "ok":
        print(f"a2v: {res.name} failed: {res.error}", file=sys.stderr)
        return 1
    return 0


def report(args: argparse.Namespace) -> int:
    from a2vlib.report import reports_base, run_all

    args.profile = _profile(args)
    only = [notebook_name(n) for n in args.only or []]  # a wrong name fails before anything runs
    if args.only is not None and not only:
        raise A2VError("--only names no notebook; give one or more names, e.g. --only 01_data_cleaning")
    reports_base(args.profile, args.reports_dir)  # a reports folder that cannot take the reports fails now too
    args.only = only
    results = run_all(args.profile, args.only or None, args.reports_dir, args.show_code, cluster=args.cluster,
                      timeout=args.timeout)
    failed = [r.name for r in results if r.status != "ok"]
    if failed:
        print(f"a2v: failed notebooks: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def index(args: argparse.Namespace) -> int:
    from a2vlib.report import build_index

    print(build_index(args.profile, args.reports_dir))
    return 0


def params(args: argparse.Namespace) -> int:
    from a2vlib.params import resolve_params, shown, write_flat

    name = notebook_name(args.notebook)
    check_name("profile", args.profile)
    params, sources = resolve_params(name, None if args.params_file else args.profile, args.params_file,
                                     _overrides(args))
    if args.write:
        print(f"wrote {write_flat(args.write, name, args.profile, params, force=args.force)}")
    else:
        print(shown(params, sources if args.sources else None), end="")
    return 0


def classify_audio(args: argparse.Namespace) -> int:
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


def odg(args: argparse.Namespace) -> int:
    from a2vlib.metrics.audio.peaq import MOV_NAMES, peaq_files

    result = peaq_files(args.reference, args.test, align=args.align)
    if args.align:
        print(f"a2v: {args.test} aligned to {args.reference} by {result.lag_ms:+.2f} ms", file=sys.stderr)
    print(f"ODG\t{result.odg:.3f}")
    print(f"DI\t{result.di:.3f}")
    if args.movs:
        for name in MOV_NAMES:
            print(f"{name}\t{result.movs[name]:.6g}")
    return 0


def pairs_from_videos(args: argparse.Namespace) -> int:
    from a2vlib.data.video_pairs import pairs_from_videos

    result = pairs_from_videos(args.folder, args.out, window=args.window, stride=args.stride, frame=args.frame,
                               mode=args.mode, size=args.size, sample_rate=args.sample_rate, force=args.force)
    print(f"a2v: {result.summary()}; manifest: {Path(args.out) / 'manifest.csv'}")
    for video, reason in result.skipped.itertuples(index=False):
        print(f"skipped\t{video}\t{reason}", file=sys.stderr)
    return 0 if len(result.manifest) else 1


def published(args: argparse.Namespace) -> int:
    from a2vlib.data.published import describe

    if args.out:
        raise A2VError(f"--out {args.out}: `a2v published` writes a CSV: give it as --manifest FILE (--out names a "
                       "folder in every a2v command)")
    lines, skipped, rows = describe(args.dataset, args.root, args.manifest, force=args.force)
    print("\n".join(lines))
    for path, reason in skipped:
        print(f"skipped\t{path}\t{reason}", file=sys.stderr)
    return 0 if rows else 1


def sweep(args: argparse.Namespace) -> int:
    from a2vlib.sweep import run_sweep

    table = run_sweep(notebook_name(args.notebook), args.grid, args.profile, args.cluster, args.reports_dir)
    failed = table[table.status != "ok"]
    for row in failed.itertuples():
        print(f"a2v: set {row.set} failed: {row.error}", file=sys.stderr)
    return 1 if len(failed) else 0


def handouts(args: argparse.Namespace) -> int:
    from a2vlib.labs import write_handouts

    check_name("profile", args.profile)
    folders = write_handouts(args.out, [notebook_name(n) for n in args.notebooks] or None, args.profile,
                             force=args.force)
    print(f"a2v: {len(folders)} handout(s) in {args.out} (solutions and hidden tests removed, {args.profile} profile)")
    return 0


def grade(args: argparse.Namespace) -> int:
    from a2vlib.labs import grade_folder, grades_csv, summary

    if args.out:
        raise A2VError(f"--out {args.out}: `a2v grade` writes a CSV: give it as --csv FILE (--out names a folder in "
                       "every a2v command, as in `a2v handouts --out`)")
    csv_path = grades_csv(args.folder, args.csv)
    grades = grade_folder(args.folder, csv_path, timeout=args.timeout, jobs=args.grade_jobs, force=args.force)
    for g in grades:
        if g.status != "passed":
            print(f"{g.submission}\t{g.grade_id or '-'}\t{g.status}\t{g.message}", file=sys.stderr)
    print(f"a2v: {summary(grades)}; {csv_path}")
    return 0


def fsdd(args: argparse.Namespace) -> int:
    from a2vlib.data import digits

    if args.download:
        print(f"a2v: FSDD in {digits.download(args.dest)}")
    table = digits.read_fsdd(args.dest or "")
    counts = table.split.value_counts()
    print(f"a2v: FSDD at {digits.find_fsdd(args.dest or '')}: {len(table)} recordings, {table.speaker.nunique()} "
          f"speakers, {counts.get('train', 0)} train / {counts.get('test', 0)} test; "
          "run the real profile with `make reports PROFILE=real`")
    return 0


def golden(args: argparse.Namespace) -> int:
    from a2vlib.core.paths import repo_root
    from a2vlib.golden import compare_files, golden_path, pin, read_json
    from a2vlib.params import PROFILES, SMOKE_SUFFIX, list_notebooks

    check_name("profile", args.profile)
    if args.profile not in PROFILES and not (repo_root() / "params" / args.profile).is_dir():
        raise A2VError(f"unknown profile {args.profile!r}; known profiles: {', '.join(PROFILES)}")
    if args.profile.endswith(SMOKE_SUFFIX):
        raise A2VError(f"profile {args.profile!r} is a smoke run: its figures are never golden values (pin ci runs)")
    names = [notebook_name(n) for n in args.notebooks] or list_notebooks()
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
            if not run_json.exists():
                print(f"{name}: {metrics} has no run.json beside it (which revision, which numerics?); not pinned: "
                      f"run `a2v run {name} --profile {args.profile}` again")
                failed = True
                continue
            status = read_json(run_json, "run record").get("status")
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


def store_outputs(args: argparse.Namespace) -> int:
    from a2vlib.params import notebook_path
    from a2vlib.report import repo_root, store_checked_outputs

    executed = repo_root() / "reports" / "ci" / (src := notebook_path(notebook_name(args.notebook))).stem / \
        f"{src.stem}.ipynb"
    if not executed.exists():
        raise A2VError(f"{executed} not found; run `a2v run {src.stem} --profile ci` first")
    print(f"{src}: stored the outputs of {store_checked_outputs(executed, src)} checked cell(s)")
    return 0
