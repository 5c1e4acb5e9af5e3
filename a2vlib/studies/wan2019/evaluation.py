"""Figures of merit of S2I generators and of real images, all scored one way: the same judge, the same number of
images, the same splits, the same minimum split size. Row (a) of Table 4 is real images scored exactly as the rungs'
generated images are."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd
import torch

from a2vlib.metrics.image import classification_accuracy, classifier_score, diversity_ratio, fid, z_diversity_ratio
from a2vlib.metrics.image.scores import DEFAULT_MIN_PER_SPLIT
from a2vlib.registry import register_all
from a2vlib.studies.wan2019.data import SceneData, spread_indices
from a2vlib.studies.wan2019.models import Judges, TrainedS2I, generate, judges, train_s2i


# How a generator's images are chosen and split for the score (04's ``score_protocol``):
# kit: ``n_images`` images over the test sounds in a seeded order (every split a sample of all classes), at least
#      ``min_per_split`` a split;
# paper: Wan et al.'s protocol, one image per test sound, ten folds (in a seeded order; the paper's ~25 a fold);
# public: the public code's, one image per test sound in class-contiguous folds (each fold nearly one class).
PROTOCOLS = ("kit", "paper", "public")
register_all("score_protocol", PROTOCOLS)


def protocol_indices(labels: Sequence[str], classes: Sequence[str], protocol: str, n_images: int, seed: int
                     ) -> np.ndarray:
    """The test sounds whose images are scored, in the order the score's contiguous splits take them."""
    if protocol == "kit":
        return spread_indices(labels, n_images, seed)
    if protocol == "paper":
        return np.random.default_rng(seed).permutation(len(labels))
    if protocol == "public":
        order = {c: k for k, c in enumerate(classes)}
        return np.array(sorted(range(len(labels)), key=lambda i: (order.get(labels[i], len(order)), i)), dtype=int)
    raise ValueError(f"score protocol {protocol!r}: use one of {', '.join(PROTOCOLS)}")


def class_balanced_indices(labels: Sequence[str], classes: Sequence[str], n: int) -> list[int]:
    """``n`` indices drawn round-robin over ``classes`` (the first, second, ... item of each class in turn), so a
    small set of groups covers every class evenly instead of the first class in the list."""
    by_class = {c: [i for i, lbl in enumerate(labels) if lbl == c] for c in classes}
    out: list[int] = []
    depth = 0
    while len(out) < n and any(depth < len(v) for v in by_class.values()):
        out += [v[depth] for v in by_class.values() if depth < len(v)][: n - len(out)]
        depth += 1
    return out


def z_group_indices(labels: Sequence[str], classes: Sequence[str], z_groups: int) -> list[int]:
    """The test sounds of the z-diversity groups: at least ``z_groups``, the same number from every class (rounded
    up: 18 for nine classes, 20 for ten)."""
    per_class = -(-z_groups // max(1, len(classes)))
    return class_balanced_indices(labels, classes, per_class * len(classes))


def _diversity(images: np.ndarray, labels: Sequence[str], data: SceneData) -> float:
    """Mean within-class diversity ratio over the classes with at least two images on both sides (a spread needs
    two), NaN when there are none."""
    counts = pd.Series(list(labels)).value_counts()
    ref_counts = pd.Series(data.reference_labels).value_counts()
    ok = [c for c in counts.index if counts[c] >= 2 and ref_counts.get(c, 0) >= 2]
    if not ok:
        return float("nan")
    keep = np.isin(labels, ok)
    return diversity_ratio(images[keep], list(np.asarray(labels)[keep]), data.reference_images,
                           data.reference_labels)["mean"]


def score_images(images: np.ndarray, labels: Sequence[str], data: SceneData, judges_: Judges, splits: int = 10,
                 min_per_split: int = DEFAULT_MIN_PER_SPLIT, fid_backbone: str = "classifier",
                 per_class_score: bool = False) -> dict[str, Any]:
    """The figures every row of Table 4 gets, real or generated: classifier score (the IS formula over the scene
    judge; never called an Inception Score), accuracy by the scene and the object judge, within-class diversity and
    FID against the real reference images (scene judge features, or Inception pool3 with ``"inception"``).
    ``per_class_score``: the score computed over each class's images alone and averaged over the classes (the public
    code's per-class mode; its spread is over the classes)."""
    if per_class_score:  # a class with fewer images than splits: one split per image (the public code: NaN)
        lab = np.asarray(labels)
        each = [classifier_score(judges_.scene, images[lab == c], splits=min(splits, int((lab == c).sum())),
                                 min_per_split=min_per_split)["mean"] for c in dict.fromkeys(labels)]
        score = {"mean": float(np.mean(each)), "std": float(np.std(each, ddof=1)) if len(each) > 1 else float("nan")}
    else:
        score = classifier_score(judges_.scene, images, splits=splits, min_per_split=min_per_split)
    scene_acc = classification_accuracy(judges_.scene, images, labels, judge=judges_.scene_name)
    object_acc = (classification_accuracy(judges_.object, images, labels, judge="object judge")
                  if judges_.object is not None else {"overall": float("nan"), "per_class": {}})
    backbone = "inception" if fid_backbone == "inception" else judges_.scene
    dist = fid(images, data.reference_images, backbone=backbone, method="eigh")
    return {"score": score["mean"], "score_std": score["std"], "accuracy": scene_acc["overall"],
            "object_accuracy": object_acc["overall"], "diversity": _diversity(images, labels, data),
            "fid": dist["value"], "fid_backbone": dist["backbone"], "per_class_accuracy": scene_acc["per_class"],
            "per_class_object_accuracy": object_acc["per_class"], "n_images": len(images), "splits": splits}


def evaluate(model: TrainedS2I, data: SceneData, judges_: Judges, n_images: int = 500, splits: int = 10,
             seed: int = 0, fid_backbone: str = "classifier", z_groups: int = 18, z_per_group: int = 8,
             min_per_split: int = DEFAULT_MIN_PER_SPLIT, per_class_score: bool = False, protocol: str = "kit"
             ) -> dict[str, Any]:
    """A trained generator on the test sounds: :func:`score_images` on the images ``protocol`` chooses (see
    :data:`PROTOCOLS`: ``n_images`` of them, or one per test sound, whose folds hold what they hold: the paper's and
    the public code's protocols set no minimum per split), plus the diversity that z alone gives (at least
    ``z_groups`` test sounds, the same number from every class: 18 for nine classes, 20 for the ten digits;
    ``z_per_group`` images each)."""
    idx = protocol_indices(data.test_labels, data.classes, protocol, n_images, seed)
    if protocol != "kit":  # the folds hold what the test set holds: fewer sounds than folds, one fold per sound
        min_per_split, splits = 1, min(splits, len(idx))
    images = generate(model, data.test_cond[idx], seed)
    figures = {**score_images(images, [data.test_labels[i] for i in idx], data, judges_, splits, min_per_split,
                              fid_backbone, per_class_score), "protocol": protocol}
    group_idx = z_group_indices(data.test_labels, data.classes, z_groups)
    groups = [generate(model, np.repeat(data.test_cond[i:i + 1], z_per_group, 0), seed + 1 + k)
              for k, i in enumerate(group_idx)]
    zdiv = z_diversity_ratio(groups, [data.test_labels[i] for i in group_idx], data.reference_images,
                             data.reference_labels)
    return {**figures, "z_diversity": zdiv["mean"], "z_groups_per_class": pd.Series(
        [data.test_labels[i] for i in group_idx]).value_counts().to_dict()}


def upper_bound(data: SceneData, judges_: Judges, n_images: int = 500, splits: int = 10, seed: int = 0,
                fid_backbone: str = "classifier", min_per_split: int = DEFAULT_MIN_PER_SPLIT, protocol: str = "kit"
                ) -> dict[str, Any]:
    """Row (a) of Table 4: the paper scores all real training and test images. Under the ``kit`` protocol,
    ``n_images`` real pictures drawn from the cleaned training and test pairs (distinct ones when there are that
    many, in a seeded order) are scored by :func:`score_images` exactly as each rung's ``n_images`` generated ones
    are; under the paper's and the public code's (:data:`PROTOCOLS`), every real picture, in the protocol's folds.
    ``n_distinct`` says how many different pictures that was."""
    images, labels = data.real_images()
    idx = protocol_indices(labels, data.classes, protocol, n_images, seed)
    if protocol != "kit":
        min_per_split, splits = 1, min(splits, len(idx))
    figures = score_images(images[idx], [labels[i] for i in idx], data, judges_, splits, min_per_split, fid_backbone)
    return {**figures, "n_distinct": len(set(idx.tolist())), "n_real": len(labels), "protocol": protocol}


def train_all(runs: Sequence[tuple], device: str | torch.device = "cpu",
              cluster: str | None = None, judges_of: tuple[SceneData, int, int] | None = None) -> None:
    """Train (or find in the cache) every (data, config, seed) of ``runs`` as independent units on the executor
    that ``cluster`` names ("" is ``auto``: a local pool when the cores allow); the evaluation that follows loads
    them from the cache (:func:`a2vlib.core.executor.prefetch`). ``judges_of`` (data, epochs, seed) trains the
    judges as one more unit beside them (first: they take longest)."""
    from a2vlib.core.executor import prefetch

    units: list[tuple] = [("judges", *judges_of)] if judges_of is not None else []
    # a run may carry the judges that monitor it (a budget curve): (data, config, seed, monitor). A config that
    # differs only in the weights it samples from (a kit rung such as (g+ema)) is the same training: trained once
    trainings = {(str(run[0].key), run[1].replace(weights="last"), run[2]): run for run in runs}
    units += [("s2i", run[0], config, seed, str(device), run[3] if len(run) > 3 else None)
              for (_, config, seed), run in trainings.items()]
    prefetch(_train_unit, units, cluster, "S2I trainings" + (" and judges" if judges_of is not None else ""))


def _train_unit(unit: tuple) -> str:
    if unit[0] == "judges":
        _, data, epochs, seed = unit
        return str(judges(data, epochs, seed).key)
    _, data, config, seed, device, monitor = unit
    return str(train_s2i(data, config, seed, device, monitor=monitor).folder)


def evaluate_all(runs: Sequence[tuple[SceneData, Any, int]], judges_: Judges, device: str | torch.device = "cpu",
                 cluster: str | None = None, **eval_kw: Any) -> list[dict[str, Any]]:
    """:func:`evaluate` for every (data, config, seed) of ``runs``, each model trained or loaded from the cache:
    one row each (seed, figures, training time), in order. The evaluations are independent units: side by side on
    the executor ``cluster`` names, with the same numbers as one after another."""
    from a2vlib.core.executor import executor

    units = [(data, config, seed, judges_, str(device), dict(eval_kw)) for data, config, seed in runs]
    with executor(cluster, echo=lambda _: None) as ex:  # a single unit runs in this process (ProcessPool.map)
        return ex.map(_evaluate_unit, units, desc="evaluations")


def _evaluate_unit(unit: tuple) -> dict[str, Any]:
    data, config, seed, judges_, device, eval_kw = unit
    model = train_s2i(data, config, seed, device)
    figures = evaluate(model, data, judges_, seed=seed, **eval_kw)
    return {"seed": seed, **{k: v for k, v in figures.items() if not isinstance(v, (dict, str))},
            "train_s": sum(h.get("time_s", 0.0) for h in model.history)}


def scalars(figures: dict[str, Any]) -> dict[str, Any]:
    """The plain figures of :func:`score_images` / :func:`evaluate` (per-class tables left out), for metrics.json."""
    return {k: v for k, v in figures.items() if not isinstance(v, dict)}
