"""Which sound representation suits a CNN instrument classifier? Chen et al. (2017), Sec. 3.3 and Table 1.

For each representation (STFT, CQT, MFCC, MS, LMS) and depth (3 or 4 conv layers) Chen's own sound classifier
(:class:`~a2vlib.models.encoders.SoundClassifier`, Fig. 4: the conv layers, three fully connected layers, dropout
and the l2 penalty of 0.015 on the FC layers) is trained on a stratified split and scored on the held-out clips.
Its map is pooled to 4 x 2 before the FC layers, so which band a feature came from survives (a pooling over the
whole map would test the pooling, not the representation).

The split is by clip, and a clip is a performance here: each rendered clip is its own phrase, drawn with its own
random stream (no two clips share a performance, unlike Sub-URMP's overlapping chunks). Clips of one instrument do
share its soundfont preset, in training and test alike: a held-out preset is what ``benchmarks/cross_font.py``
measures.

Its only input scaling is one ``BatchNorm2d(1)``: a single mean and standard deviation for the whole image. That
suits the dB representations; the raw mel power of ``ms`` spans many orders of magnitude, so after that scaling
nearly all cells sit near zero and a few loud ones dominate. This is left as is on purpose, since it is the
mechanism behind the paper's finding that MS does worst.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import torch

from a2vlib.core.errors import DataError, ParamsError
from a2vlib.studies.chen2017.time_frequency import REPRESENTATIONS, represent
from a2vlib.models.classifiers import train_classifier
from a2vlib.models.encoders import SoundClassifier
from a2vlib.core.progress import progress
from a2vlib.papers import chen2017
from a2vlib import verdicts



def study_clips(params: Mapping[str, Any]) -> tuple[list[np.ndarray], list[str], dict[str, Any]]:
    """The clips Table 1's comparison runs on: instrument clips from a soundfont (``n_per_instrument`` each), or,
    with ``dataset: digits``, as many real spoken digits of each class (FSDD)."""
    from a2vlib import registry
    from a2vlib.data import digits
    from a2vlib.studies.chen2017.urmp import instruments

    if registry.check("dataset", params.get("dataset", "scenesynth"), "parameter 'dataset'") == "digits":
        return digits.classification_clips(params.get("fsdd_root", ""), params["n_per_instrument"],
                                           seed=params["seed"])
    return instruments.generate(instruments.InstrumentConfig(seed=params["seed"],
                                                             n_per_class=params["n_per_instrument"],
                                                             soundfont=params["soundfont"],
                                                             sample_rate=params.get("repr_sample_rate", 22050)))


def compare_clips(clips: tuple[list[np.ndarray], list[str], dict[str, Any]], **kw: Any) -> pd.DataFrame:
    """:func:`compare_representations` on the (waveforms, labels, info) of :func:`study_clips`."""
    waves, labels, info = clips
    return compare_representations(waves, labels, info["classes"], int(info["sample_rate"]), **kw)


def paper_table1() -> pd.DataFrame:
    """Chen et al.'s Table 1 (from :mod:`a2vlib.papers.chen2017`) in the layout of :func:`accuracy_table`."""
    return pd.DataFrame({f"{n} layers": [chen2017.TABLE1[r.upper()][n].value for r in REPRESENTATIONS]
                         for n in (3, 4)}, index=pd.Index(list(REPRESENTATIONS), name="representation"))


def stratified_split(labels: Sequence[str], test_share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) indices: ``test_share`` of each class (at least one clip, at least one left to train)."""
    if not 0.0 < test_share < 1.0:
        raise ParamsError(f"test_share={test_share!r}: give a number between 0 and 1 (exclusive)")
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    train, test = [], []
    for cls in sorted(set(labels.tolist())):
        idx = rng.permutation(np.flatnonzero(labels == cls))
        if idx.size < 2:
            raise DataError(f"class {cls!r} has {idx.size} clip; a train/test split needs at least 2 per class")
        n_test = min(max(int(round(test_share * idx.size)), 1), idx.size - 1)
        test.extend(idx[:n_test])
        train.extend(idx[n_test:])
    return np.sort(train), np.sort(test)


@dataclass
class _ClassifierUnit:
    """One (representation, layers, seed) classifier of Table 1: what a worker needs to train and score it."""

    kind: str
    n_layers: int
    seed: int
    x_train: torch.Tensor
    y_train: list[str]
    x_test: torch.Tensor
    y_test: list[str]
    classes: list[str]
    options: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.kind}, {self.n_layers} layers, seed {self.seed}"


def _train_unit(unit: _ClassifierUnit) -> dict[str, Any]:
    torch.manual_seed(unit.seed)  # the model's initial weights
    model = SoundClassifier(len(unit.classes), width=unit.options["width"], n_layers=unit.n_layers)
    start = time.perf_counter()
    trained = train_classifier(model, unit.x_train, unit.y_train, unit.classes, epochs=unit.options["epochs"],
                               batch_size=unit.options["batch_size"], lr=unit.options["lr"], seed=unit.seed,
                               device=unit.options["device"], l2=chen2017.L2_PENALTY.value)
    return {"accuracy": trained.accuracy(unit.x_test, unit.y_test),
            "train_accuracy": trained.history[-1]["train_accuracy"],
            "train_seconds": time.perf_counter() - start}


def compare_representations(waveforms: Sequence[np.ndarray], labels: Sequence[str], classes: Sequence[str],
                            sr: int, representations: Sequence[str] = REPRESENTATIONS,
                            layers: Sequence[int] = (3, 4), epochs: int = 10, seeds: Sequence[int] = (0,),
                            test_share: float = 0.25, device: str | torch.device = "cpu", width: int = 16,
                            batch_size: int = 32, lr: float = 2e-3, cluster: str | None = None) -> pd.DataFrame:
    """Train and score one classifier per (representation, layers, seed); one row each. The classifiers are
    independent units: they run side by side on the executor ``cluster`` names ("" is ``auto``: a local pool
    when the cores allow), with the same numbers as one after another.

    Columns: representation, layers, seed, accuracy (held-out), train_accuracy (last epoch), train_seconds,
    feature_seconds (computing that representation for all clips), features ("F x T"), n_train, n_test.
    A seed sets both the split and the training.
    """
    from a2vlib.core.executor import executor

    if len(waveforms) != len(labels):
        raise DataError(f"{len(waveforms)} waveforms but {len(labels)} labels; give one label per clip")
    for kind in representations:  # fail before any training, not after minutes of it
        if kind not in REPRESENTATIONS:
            raise ParamsError(f"representation {kind!r}: unknown; use one of {', '.join(REPRESENTATIONS)}")
    bad_layers = [n for n in layers if n not in (3, 4)]
    if bad_layers:
        raise ParamsError(f"layers={list(layers)!r}: give conv-layer counts of 3 or 4 (Chen et al.'s Table 1)")
    splits = {seed: stratified_split(labels, test_share, seed) for seed in seeds}
    labels = np.asarray(labels)
    options = {"width": width, "epochs": epochs, "batch_size": batch_size, "lr": lr, "device": str(device)}
    units, rows = [], []
    for kind in progress(representations, desc="representations"):
        start = time.perf_counter()
        x = torch.from_numpy(represent(waveforms, sr, kind)).unsqueeze(1)
        feature_seconds = time.perf_counter() - start
        for n_layers in layers:
            for seed in seeds:
                train, test = splits[seed]
                units.append(_ClassifierUnit(kind, n_layers, seed, x[train], labels[train].tolist(),
                                             x[test], labels[test].tolist(), list(classes), options))
                rows.append({"representation": kind, "layers": n_layers, "seed": seed,
                             "feature_seconds": feature_seconds, "features": f"{x.shape[2]} x {x.shape[3]}",
                             "n_train": len(train), "n_test": len(test)})
    with executor(cluster, echo=lambda _: None) as ex:
        results = ex.map(_train_unit, units, desc="Table 1 classifiers")
    columns = ["representation", "layers", "seed", "accuracy", "train_accuracy", "train_seconds", "feature_seconds",
               "features", "n_train", "n_test"]
    return pd.DataFrame([{**row, **result} for row, result in zip(rows, results)])[columns]


def accuracy_table(df: pd.DataFrame) -> pd.DataFrame:
    """Mean held-out accuracy: rows = representations, columns "3 layers", "4 layers" (as :func:`paper_table1`);
    with several seeds also "3 layers std", ... (sample standard deviation over seeds)."""
    order = [k for k in REPRESENTATIONS if k in set(df["representation"])]
    grouped = df.groupby(["representation", "layers"])["accuracy"]
    table = grouped.mean().unstack("layers").reindex(order)
    table.columns = [f"{n} layers" for n in table.columns]
    if df["seed"].nunique() > 1:
        std = grouped.std().unstack("layers").reindex(order)
        std.columns = [f"{n} layers std" for n in std.columns]
        table = table.join(std)
    table.index.name = "representation"
    return table


def accuracy_metrics(runs: pd.DataFrame) -> dict[str, dict[str, float]]:
    """``repr_accuracy.<representation>.<layers>``: mean held-out accuracy over seeds."""
    table = runs.groupby(["representation", "layers"]).accuracy.mean()
    return {r: {str(n): float(table[(r, n)]) for n in runs.layers.unique() if (r, n) in table}
            for r in runs.representation.unique()}


def beside_paper(table: pd.DataFrame) -> pd.DataFrame:
    """Our accuracy table with Chen et al.'s Table 1 beside it."""
    return table.join(paper_table1().add_prefix("Chen "))


def findings(runs: pd.DataFrame, layers: int | None = None) -> list[verdicts.Finding]:
    """Chen et al.'s claims about Table 1, judged on our held-out accuracy and its spread over seeds: the ordering
    of the representations, LMS best, MS worst, and the deeper classifier better (for each representation)."""
    depth = layers or int(runs.layers.max())
    if any(depth not in q for q in chen2017.TABLE1.values()):
        raise ParamsError(f"layers={depth}: Chen et al.'s Table 1 has 3 and 4 conv layers only")
    at = runs[runs.layers == depth]
    by = {r: g.accuracy for r, g in at.groupby("representation")}
    paper = {r: chen2017.TABLE1[r.upper()][depth].value for r in by}
    out = [verdicts.ordering(f"our accuracies ({depth} layers) order the representations as Chen's Table 1 does",
                             by, paper)]
    best, worst = max(paper, key=paper.get), min(paper, key=paper.get)
    out += [verdicts.difference(f"{best.upper()} classifies better than {r.upper()} ({depth} layers)", by[best], by[r])
            for r in by if r != best]
    out += [verdicts.difference(f"{r.upper()} classifies better than {worst.upper()} ({depth} layers)", by[r],
                                by[worst]) for r in by if r not in (best, worst)]
    if runs.layers.nunique() == 2:
        lo, hi = sorted(runs.layers.unique())
        for r, g in runs.groupby("representation"):
            out.append(verdicts.difference(f"{r.upper()}: {hi} conv layers classify better than {lo}",
                                           g[g.layers == hi].accuracy, g[g.layers == lo].accuracy))
    return out
