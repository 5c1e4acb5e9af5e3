"""The ablation ladder of Wan et al.'s Table 4 (notebook 04): every rung over seeds, the summary beside the paper,
findings judged on the spread over seeds, samples, the public code's deviations and the object-accuracy budget."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import torch

from a2vlib import verdicts
from a2vlib.core.errors import DataError
from a2vlib.papers import wan2019
from a2vlib.studies.wan2019.data import SceneData
from a2vlib.studies.wan2019.evaluation import evaluate_all, train_all
from a2vlib.studies.wan2019.models import Judges, generate, train_s2i
from a2vlib.studies.wan2019.rungs import (LADDER, PUBLIC_CODE_DEVIATIONS, READINGS, delta_table, public_code_scoring,
                                          rung_config, rung_label)

SUMMARY_COLUMNS = ("score", "accuracy", "object_accuracy", "diversity", "z_diversity", "fid")


def run_ladder(data: SceneData, judges_: Judges, sizes: Mapping[str, Any], seeds: Sequence[int],
               rungs: Sequence[str] = LADDER, public_code: bool = False, device: str | torch.device = "cpu",
               cluster: str | None = None, budget_epochs: int | None = None,
               public_code_rungs: Sequence[str] = (), **eval_kw: Any) -> pd.DataFrame:
    """Every rung over every seed: one row per (rung, seed). The (rung, seed) trainings (with ``budget_epochs`` and
    ``public_code_rungs``, also the models of :func:`budget_curve` and :func:`run_public_code`), then their
    evaluations, run as independent units on the executor ``cluster`` names (:func:`~a2vlib.studies.wan2019.evaluation.train_all`,
    :func:`~a2vlib.studies.wan2019.evaluation.evaluate_all`)."""
    runs = [(r, s) for r in rungs for s in seeds]
    # every training the notebook will ask for, side by side at once, the longest first: the budget curve's model
    # (:func:`budget_curve`, monitored by the judges) and the public-code rungs (:func:`run_public_code`) too
    extra: list[tuple] = []
    if budget_epochs:
        extra.append((data, budget_config(sizes, budget_epochs), seeds[0], judges_))
    extra += [(data, rung_config(r, True, **sizes), s) for r in public_code_rungs for s in seeds]
    train_all(extra + [(data, rung_config(r, public_code, **sizes), s) for r, s in runs], device, cluster)
    rows = evaluate_all([(data, rung_config(r, public_code, **sizes), s) for r, s in runs], judges_, device, cluster,
                        **eval_kw)
    return pd.DataFrame([{"rung": r, **row} for (r, _), row in zip(runs, rows)])


def summarise(runs: pd.DataFrame, upper: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Mean and standard deviation over seeds per rung, row (a) from ``upper`` (real images: no training seed, so no
    spread), the paper's Table 4 beside (its Inception Score on real videos: another scale, compare orderings)."""
    if upper is not None:
        row = pd.DataFrame([{"rung": "a", "seed": 0, **{k: upper.get(k, np.nan) for k in SUMMARY_COLUMNS}}])
        runs = pd.concat([row, runs], ignore_index=True)
    stats = runs.groupby("rung", sort=False)[list(SUMMARY_COLUMNS)].agg(["mean", "std"])
    stats.columns = [f"{m}_{s}" for m, s in stats.columns]
    stats.insert(0, "n_seeds", runs.groupby("rung", sort=False).seed.count())
    order = ["a", *LADDER]
    stats = stats.loc[sorted(stats.index, key=lambda r: order.index(r) if r in order else len(order))]
    stats.insert(0, "model", [rung_label(r) for r in stats.index])
    splits = runs.groupby("rung", sort=False).score_std.mean() if "score_std" in runs else pd.Series(dtype=float)
    stats["score_split_sd"] = [float(upper["score_std"]) if r == "a" and upper is not None and "score_std" in upper
                               else splits.get(r, np.nan) for r in stats.index]
    stats["paper_IS"] = [wan2019.TABLE4[r].value if r in wan2019.TABLE4 else np.nan for r in stats.index]
    stats["paper_IS_std"] = [wan2019.TABLE4[r].spread if r in wan2019.TABLE4 else np.nan for r in stats.index]
    return stats


# What each spread of :func:`summarise`'s table is (shown as the table's caption: two kinds of ± never share a name)
SPREADS = {"*_std": "standard deviation over training seeds (n_seeds runs; row (a), real pictures, has none)",
           "score_split_sd": "standard deviation of the classifier score over its splits of one run (row (a): the "
                             "real pictures'; a rung: the mean over its seeds)",
           "paper_IS_std": "the paper's ±: the Inception Score's standard deviation over 10 splits of its one model"}


def ladder_metrics(summary: pd.DataFrame) -> dict[str, dict[str, float]]:
    """The figures notebook 04 records: ``rungs.<r>.score_mean`` and so on."""
    cols = [c for c in summary.columns if c.endswith(("_mean", "_std")) and not c.startswith("paper")]
    return {r: {c: float(summary.loc[r, c]) for c in cols} for r in summary.index}


def findings(runs: pd.DataFrame, upper: Mapping[str, Any] | None = None, object_target: float = 0.5,
             judges_: Judges | None = None, kit_target: float | None = None) -> list[verdicts.Finding]:
    """What the ladder shows, each claim judged on the spread over seeds: the ordering of the rungs against the
    paper's Table 4, (g) above (c) (the paper's main claim) in score and in accuracy by each judge, each paper-named
    step's effect on the score ("we can get improvements step by step"), and, as the kit's targets, (g)'s accuracy
    against ``object_target`` and against half of real images' (row (a), from ``upper``), and each kit rung's
    against ``kit_target`` (one family: the kit's best rung, whichever it is, reaches it): by the object judge, or
    by the scene judge where there is no object judge (digits: the digit judge)."""
    by = {r: g for r, g in runs.groupby("rung")}
    scene_judge = (judges_.scene_name if judges_ is not None else "scene judge").replace(" ", "-")
    has_object = runs.object_accuracy.notna().any()
    paper = {r: wan2019.TABLE4[r].value for r in by if r in wan2019.TABLE4 and r != "a"}
    out = [verdicts.ordering("our classifier scores order the rungs (b)-(g) as the paper's Inception Scores do",
                             {r: by[r].score for r in paper}, paper)]
    # (g) is trained to please a classifier with the judges' labels (its auxiliary classifier): a gain in the
    # classifier measures counts only where FID and z-diversity did not get worse beyond their spread
    guards = {"fid": False, "z_diversity": True}

    def arm(rung: str) -> dict[str, Any]:
        return {c: by[rung][c] for c in by[rung].columns}

    if "g" in by and "c" in by:
        for col, what in (("score", "classifier score"), ("accuracy", f"{scene_judge} accuracy"),
                          ("object_accuracy", "object-judge accuracy")):
            if col != "object_accuracy" or has_object:
                out.append(verdicts.difference_not_gamed(f"the full model (g) is above the cGAN (c) in {what}",
                                                         arm("g"), arm("c"), col, guards))
    for lower, higher in (("c", "d"), ("d+", "e"), ("e", "f"), ("f", "g")):
        if lower in by and higher in by:
            claim = f"{rung_label(higher)} raises the classifier score over ({lower})"
            out.append(verdicts.difference_not_gamed(claim, arm(higher), arm(lower), "score", guards)
                       if higher == "g" else verdicts.difference(claim, by[higher].score, by[lower].score))
    col, shows, judge = (("object_accuracy", "show their object", "object-judge") if has_object else
                         ("accuracy", "are read as their class", scene_judge))
    if "g" in by and "g+ema" in by:  # the kit's rung: the same trainings as (g), so paired by seed
        pair = by["g"].merge(by["g+ema"], on="seed", suffixes=("_g", "_ema"))
        for c, what in ((col, f"{judge} accuracy"), ("score", "classifier score"), ("fid", "FID")):
            lower = c == "fid"  # FID: lower is better
            a, b = (pair[f"{c}_g"], pair[f"{c}_ema"]) if lower else (pair[f"{c}_ema"], pair[f"{c}_g"])
            out.append(verdicts.kit(verdicts.paired_difference(
                f"sampling (g) from its weight average (g+ema) {'lowers' if lower else 'raises'} its {what} (the "
                "same trainings, paired by seed)", a.tolist(), b.tolist())))
    for rung, name in (("g+ema+da", "DiffAugment"), ("g+ema+lc", "LeCam")):
        if "g+ema" in by and rung in by:  # another training: Welch over seeds, as the paper's steps
            for c, what in ((col, f"{judge} accuracy"), ("fid", "FID")):
                a, b = (by["g+ema"][c], by[rung][c]) if c == "fid" else (by[rung][c], by["g+ema"][c])
                out.append(verdicts.kit(verdicts.difference(
                    f"{name} ({rung}) {'lowers' if c == 'fid' else 'raises'} the {what} over (g+ema)", a, b)))
    # the kit's rungs share one target ("the kit's best rung reaches it"): a family, Bonferroni-corrected
    kit_rungs = [r for r in ("g+ema", "g+ema+da", "g+ema+lc") if r in by]
    for rung in [r for r in ("g",) if r in by] + kit_rungs:
        target = object_target if rung == "g" or kit_target is None else kit_target
        family = len(kit_rungs) if rung in kit_rungs and kit_target is not None else 1
        finding = verdicts.at_least(f"({rung})'s images {shows}: {judge} accuracy reaches {target:.0%}"
                                    + (f" (Bonferroni over the {family} kit rungs' targets)" if family > 1 else ""),
                                    by[rung][col], target, level=verdicts.LEVEL / family)
        out.append(verdicts.kit(finding))
    if upper is not None and "g" in by:
        out.append(verdicts.kit(verdicts.at_least(
            f"(g)'s {judge} accuracy reaches half of real images' ({upper[col]:.2f})",
            by["g"][col], 0.5 * float(upper[col]))))
    return out


def config_table(sizes: Mapping[str, Any], rungs: Sequence[str] = LADDER) -> pd.DataFrame:
    """The ladder as named steps: per rung, what it is built on and each step with the fields it changes."""
    return pd.DataFrame(delta_table(sizes, [r for r in rungs if r in LADDER])).set_index(["rung", "step"])


def readings_table() -> pd.DataFrame:
    """What the paper says and what the kit does where every rung needs a choice the paper leaves open."""
    return pd.DataFrame(READINGS).T.rename_axis("reading")


def rung_samples(data: SceneData, sizes: Mapping[str, Any], rungs: Sequence[str] = LADDER, seed: int = 0,
                 public_code: bool = False, device: str | torch.device = "cpu") -> tuple[list[list[np.ndarray]], list[str], list[str]]:
    """One generated image per class for each rung's model (seed ``seed``, from the cache), rows = rungs, under a
    row of real pictures of each class: reference pictures, whose class is known (a test pair's picture may be a
    discrepant pair that the cleaning kept), else the test pair's own. (rows, row labels, column labels) for
    :func:`a2vlib.viz.image_grid`."""
    first = [data.test_labels.index(c) for c in data.classes if c in data.test_labels]
    ref_images, ref_labels = data.reference_images, list(data.reference_labels)
    rows = [[ref_images[ref_labels.index(data.test_labels[i])] if data.test_labels[i] in ref_labels
             else data.test_images[i] for i in first]]
    labels = ["(a) real"]
    for rung in rungs:
        model = train_s2i(data, rung_config(rung, public_code, **sizes), seed, device)
        rows.append(list(generate(model, data.test_cond[first], seed)))
        labels.append(f"({rung})")
    return rows, labels, [data.test_labels[i] for i in first]


def public_code_table() -> pd.DataFrame:
    """Every deviation of the public code: what it is, the rungs it touches and how the kit applies it."""
    rows = []
    for name, dev in PUBLIC_CODE_DEVIATIONS.items():
        applied = dev.get("not_applied") and f"not applied: {dev['not_applied']}" or dev.get("as") or ", ".join(
            f"{k}={v}" for k, v in {**dev.get("delta", {}), **dev.get("scoring", {})}.items())
        rows.append({"deviation": name, "what": dev["what"], "where (public code)": dev.get("where", ""),
                     "rungs": ", ".join(dev["rungs"]) or "-", "applied as": applied})
    return pd.DataFrame(rows).set_index("deviation")


def run_public_code(data: SceneData, judges_: Judges, sizes: Mapping[str, Any], seeds: Sequence[int],
                    rungs: Sequence[str], device: str | torch.device = "cpu", **eval_kw: Any) -> pd.DataFrame:
    """The rungs trained with every public-code deviation, scored the kit's way and the public code's two ways (one
    image per test sound in class-contiguous splits: ``score_public_scoring``; each class alone, averaged:
    ``score_public_per_class``)."""
    if not rungs:
        return pd.DataFrame(columns=["rung", "seed", *SUMMARY_COLUMNS])
    runs = run_ladder(data, judges_, sizes, seeds, rungs, public_code=True, device=device, **eval_kw)
    scored = run_ladder(data, judges_, sizes, seeds, rungs, public_code=True, device=device,
                        **{**eval_kw, **public_code_scoring()})
    per_class = run_ladder(data, judges_, sizes, seeds, rungs, public_code=True, device=device,
                           **{**eval_kw, **public_code_scoring(per_class=True)})
    return runs.assign(score_public_scoring=scored.score.to_numpy(), score_public_scoring_std=scored.score_std,
                       score_public_per_class=per_class.score.to_numpy())


def compare_public_code(paper_runs: pd.DataFrame, public_runs: pd.DataFrame) -> pd.DataFrame:
    """The same rungs trained as the paper describes and with the public code's deviations, side by side."""
    cols = [*SUMMARY_COLUMNS, "score_public_scoring", "score_public_per_class"]
    both = pd.concat([paper_runs.assign(variant="as in the paper"), public_runs.assign(variant="public code")])
    both = both[both.rung.isin(set(public_runs.rung))]
    return both.groupby(["rung", "variant"])[[c for c in cols if c in both]].mean()


def budget_config(sizes: Mapping[str, Any], epochs: int) -> Any:
    """The budget curve's model: the full model (g) at ``sizes``, trained for ``epochs`` (one place, so that
    :func:`run_ladder`'s prefetch trains the model :func:`budget_curve` then loads)."""
    return rung_config("g", **{**sizes, "epochs": epochs})


def budget_curve(data: SceneData, judges_: Judges, sizes: Mapping[str, Any], epochs: int, seed: int = 0,
                 device: str | torch.device = "cpu") -> pd.DataFrame:
    """The full model (g) trained for ``epochs``, with the object and scene judges' accuracy measured along the way
    (:func:`~a2vlib.studies.wan2019.models.train_s2i` with judges): what budget the objects need. One row per
    measured epoch, with the training time so far."""
    model = train_s2i(data, budget_config(sizes, epochs), seed, device, monitor=judges_)
    rows, elapsed = [], 0.0
    for h in model.history:
        elapsed += h.get("train_time_s", 0.0)
        if "scene_accuracy" in h:
            rows.append({"epoch": h["epoch"], "train_s": elapsed, "object_accuracy": h["object_accuracy"],
                         "scene_accuracy": h["scene_accuracy"]})
    if not rows:
        raise DataError(f"the cached model at {model.folder} has no budget curve in its history; delete that folder "
                        "and run again")
    curve = pd.DataFrame(rows)
    curve.attrs["scene_name"] = judges_.scene_name
    return curve


def trainer_benchmark(out: Path, reps: int = 3, image_size: int = 32, width: int = 32, batches: int = 8,
                      threads: int = 1) -> dict[str, Any]:
    """Run ``benchmarks/bench_trainer.py`` (the trainer against a plain PyTorch loop over the same networks, in one
    process) and return its JSON; the figures in the report come from this run."""
    import json
    import subprocess
    import sys

    from a2vlib.core.paths import repo_root

    cmd = [sys.executable, str(repo_root() / "benchmarks" / "bench_trainer.py"), "--out", str(out), "--reps",
           str(reps), "--image-size", str(image_size), "--width", str(width), "--batches", str(batches),
           "--threads", str(threads)]
    done = subprocess.run(cmd, cwd=repo_root(), capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise DataError(f"benchmark failed ({' '.join(cmd)}):\n{done.stderr[-2000:]}")
    return json.loads(Path(out).read_text())


def benchmark_table(result: Mapping[str, Any]) -> pd.DataFrame:
    med = result["median_images_per_s"]
    return pd.DataFrame({"median images/s": med, "repetitions": {k: len(v) for k, v in result["images_per_s"].items()}}
                        ).assign(**{"trainer overhead": f"{100 * result['trainer_overhead_fraction']:+.1f} %"})
