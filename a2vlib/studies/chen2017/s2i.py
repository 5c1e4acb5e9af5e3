"""Chen et al.'s sound-to-image experiments (§3.2, §5.1-5.3): S2I-C, S2I-N and S2I-A as small deltas over one
GAN-CLS configuration, their classifier-based evaluation (Table 5) and its evolution over epochs (Fig. 9); the
pose-oriented models are in :mod:`a2vlib.studies.chen2017.pose`.

The one configuration (:func:`gan_cls_config`) is Reed et al.'s GAN-CLS as Chen et al. describe it: the 128-d sound
encoding compressed to 64 values (FC + leaky ReLU) in both networks, z concatenated in G, the compressed encoding
tiled onto D's 4x4 features, cross-entropy losses (eq. 3-4: the wrong and fake negatives averaged), one D and one G
update per batch, BatchNorm in D, no spectral norm, no auxiliary classifier. All three variants and the pose models
train through the kit's one trainer (:class:`a2vlib.training.trainer.GANTrainer`).

Wrong pairs, stated: Chen's eq. 5 pairs the sound with a *picture* of another instrument drawn from the whole
training set; the trainer pairs the real picture with the *sound encoding* of another batch entry of another
instrument (Reed et al.'s form). Both give D the same kind of pair (an instrument's picture with another instrument's
sound); the draw is within the batch.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Callable

import numpy as np
import pandas as pd
import torch

from a2vlib import verdicts
from a2vlib.core.device import seed_everything
from a2vlib.core.errors import ParamsError
from a2vlib.metrics.image import classification_accuracy
from a2vlib.models.s2i import S2IConfig, build_s2i, generate_images
from a2vlib.papers import chen2017
from a2vlib.studies.chen2017.data import Encoders, InstrumentData, conditions
from a2vlib.training.trainer import fit_cached

# Each variant as its delta over S2I-C (§5.1): which sound encoding conditions it, and whether D sees wrong pairs.
# Without wrong pairs (S2I-N) D's loss is the plain GAN loss, -log S_r - log(1 - S_f): the fake term keeps weight 1
# rather than eq. 4's 1/2 (the kit's reading of "trained without the mismatch S_w information").
VARIANTS: dict[str, dict[str, Any]] = {
    "S2I-C": {"encoder": "classifier", "mismatched_term": True},
    "S2I-N": {"encoder": "classifier", "mismatched_term": False},
    "S2I-A": {"encoder": "autoencoder", "mismatched_term": True},
}


def gan_cls_config(image_size: int = 64, width: int = 64, epochs: int = 50, batch_size: int = 64,
                   z_dim: int = 100, **changes: Any) -> S2IConfig:
    """S2I-C's network and training (see the module docstring); ``changes`` apply a variant's delta."""
    base = S2IConfig(image_size=image_size, width=width, epochs=epochs, batch_size=batch_size, z_dim=z_dim,
                     loss="bce", conditioning="concat", spectral_norm=False, aux_classifier=False,
                     mismatched_term=True, batchnorm_in_d=True, condition_embedding=chen2017.COMPRESSED_DIM.value,
                     d_steps=1, g_steps=1, lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999))
    return base.replace(**changes)


def variant_table(sizes: Mapping[str, Any]) -> pd.DataFrame:
    """What each variant changes (the delta over S2I-C) and its whole configuration's key settings."""
    rows = []
    for name, delta in VARIANTS.items():
        cfg = gan_cls_config(**sizes, mismatched_term=delta["mismatched_term"])
        rows.append({"variant": name, "sound encoding": delta["encoder"], "wrong pairs (S_w)": cfg.mismatched_term,
                     "loss": cfg.loss, "conditioning": f"{cfg.conditioning}, compressed to {cfg.condition_embedding}",
                     "epochs": cfg.epochs, "image size": cfg.image_size})
    return pd.DataFrame(rows).set_index("variant")


def _accuracy_callback(judge: Any, cond: torch.Tensor, data: InstrumentData, every: int, z_dim: int,
                       n: int = 260, seed: int = 0) -> Callable:
    """Fig. 9: the judge's accuracy on images generated for (up to ``n``) train and test sounds every ``every``
    epochs; the same sounds and the same z at every point."""
    rng = np.random.default_rng(seed)
    picks = {s: np.sort(rng.permutation(data.idx(s))[:n]) for s in ("train", "test")}

    def callback(trainer: Any, epoch: int, metrics: dict[str, Any]) -> dict[str, Any] | None:
        if epoch % every and epoch != 1:
            return None
        return {f"accuracy_{s}": classification_accuracy(
            judge, generate_images(trainer.generator, cond[idx], z_dim, seed=seed), data.labels(idx))["overall"]
            for s, idx in picks.items()}
    return callback


def train_variant(name: str, data: InstrumentData, encoders: Encoders, sizes: Mapping[str, Any], seed: int = 0,
                  device: str | torch.device = "cpu", monitor_points: int = 10) -> dict[str, Any]:
    """Train one variant (or load it from the cache) on the training split; returns its generator, configuration,
    conditions (all pairs) and history (with Fig. 9's accuracies)."""
    delta = VARIANTS[name]
    config = gan_cls_config(**sizes, mismatched_term=delta["mismatched_term"])
    cond = conditions(encoders, data, delta["encoder"])
    train = data.idx("train")
    every = max(1, config.epochs // monitor_points)
    callback = _accuracy_callback(encoders.image, cond, data, every, config.z_dim, seed=seed)
    seed_everything(seed)
    generator, discriminator = build_s2i(config, cond.shape[1], len(data.classes))
    key = {"data": data.key, "encoders": encoders.key, "variant": name, "config": config.cache_key(), "seed": seed}
    result, _, _ = fit_cached("chen_s2i", key, generator, discriminator,
                              (data.images[train], cond[train], data.label_tensor(train)), config.epochs,
                              seed=seed, device=device, callbacks=[callback], config=config.training())
    return {"name": name, "seed": seed, "generator": result.generator.eval(), "config": config, "cond": cond,
            "history": result.history, "discriminator": result.discriminator, "key": key,
            "generator_ema": result.generator_ema.eval()}


def evaluate(model: Mapping[str, Any], data: InstrumentData, judge: Any, seed: int = 0) -> dict[str, Any]:
    """Table 5: the judge's accuracy on one image generated for every train and every test sound; and, the kit's
    (``test_ema``), on the test sounds from the average of the generator's weights (the same training)."""
    out: dict[str, Any] = {}
    for split, generator, name in (("train", "generator", "train"), ("test", "generator", "test"),
                                   ("test", "generator_ema", "test_ema")):
        idx = data.idx(split)
        images = generate_images(model[generator], model["cond"][idx], model["config"].z_dim, seed=seed)
        acc = classification_accuracy(judge, images, data.labels(idx))
        out[name] = acc["overall"]
        out[f"{name}_hits"] = int(round(acc["overall"] * acc["n"]))
        out[f"{name}_n"] = acc["n"]
    return out


def _variant_unit(unit: tuple) -> str:
    name, data, encoders, sizes, seed, device = unit
    return str(train_variant(name, data, encoders, sizes, seed, device)["key"]["variant"])


def run_variants(data: InstrumentData, encoders: Encoders, sizes: Mapping[str, Any], seeds: Sequence[int],
                 device: str | torch.device = "cpu", variants: Sequence[str] = tuple(VARIANTS)
                 ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Each of ``variants`` (S2I-C first: the others are compared with it) over ``seeds``: one row per (variant,
    seed) with Table 5's accuracies; and the models. The trainings run side by side first where the cores allow
    (:func:`a2vlib.core.executor.prefetch`)."""
    from a2vlib.core.executor import prefetch

    unknown = [v for v in variants if v not in VARIANTS]
    if unknown or not variants or variants[0] != "S2I-C":
        raise ParamsError(f"variants={list(variants)!r}: give S2I-C first, then any of {', '.join(list(VARIANTS)[1:])}"
                          " (Chen et al.'s Table 5 compares each with S2I-C)")
    prefetch(_variant_unit, [(name, data, encoders, dict(sizes), seed, str(device)) for name in variants
                             for seed in seeds], desc="S2I variant trainings")
    rows, models = [], {}
    for name in variants:
        for seed in seeds:
            model = train_variant(name, data, encoders, sizes, seed, device)
            models[(name, seed)] = model
            rows.append({"variant": name, "seed": seed, **evaluate(model, data, encoders.image, seed)})
    return pd.DataFrame(rows), models


def table5(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean accuracy (and spread over seeds) per variant beside Chen's Table 5."""
    g = runs.groupby("variant", sort=False)
    table = pd.DataFrame({"train": g["train"].mean(), "test": g["test"].mean()})
    if runs["seed"].nunique() > 1:
        table["train sd"], table["test sd"] = g["train"].std(), g["test"].std()
    if "test_ema" in runs:
        table["test, weight average (kit)"] = g["test_ema"].mean()
    for split in ("train", "test"):
        table[f"Chen {split}"] = [chen2017.TABLE5[v][split].value for v in table.index]
    return table


def accuracy_metrics(runs: pd.DataFrame) -> dict[str, Any]:
    """``s2i_accuracy.<C|N|A>.<train|test|test_ema>``: mean over seeds."""
    g = runs.groupby("variant")
    return {f"s2i_accuracy.{v.split('-')[1]}.{s}": float(g[s].mean()[v]) for v in g.groups
            for s in ("train", "test", "test_ema") if s in runs}


def fig9_curves(models: Mapping[Any, Mapping[str, Any]]) -> pd.DataFrame:
    """Long table of the monitored accuracies: variant, seed, epoch, split, accuracy."""
    rows = [{"variant": name, "seed": seed, "epoch": h["epoch"], "split": s, "accuracy": h[f"accuracy_{s}"]}
            for (name, seed), m in models.items() for h in m["history"] for s in ("train", "test")
            if f"accuracy_{s}" in h]
    return pd.DataFrame(rows)


def findings(runs: pd.DataFrame, chance: float, chance_label: str | None = None) -> list[verdicts.Finding]:
    """Chen's claims about Table 5, on test sounds: S2I-C beats S2I-N and S2I-A; S2I-C is far above chance. Training
    seeds are the unit: over seeds when there are several. With one seed the images of the two models are compared
    (and the chance test counts one model's images), which speaks of these models only: those findings are the
    kit's, named as such, and give the paper's claim no verdict. ``chance``: the test split's
    :meth:`~a2vlib.studies.chen2017.data.InstrumentData.baseline`, named ``chance_label``."""
    by = {v: g for v, g in runs.groupby("variant")}
    several = runs["seed"].nunique() > 1
    out = []
    for other in [v for v in ("S2I-N", "S2I-A") if v in by]:
        claim = f"S2I-C's generated test images are classified right more often than {other}'s"
        if several:
            out.append(verdicts.difference(claim, by["S2I-C"]["test"], by[other]["test"]))
        else:
            a, b = by["S2I-C"].iloc[0], by[other].iloc[0]
            out.append(verdicts.kit(verdicts.proportions_differ(
                f"this S2I-C model's test images are classified right more often than this {other} model's (one "
                "seed: over the images; no verdict on the paper's claim)",
                (int(a.test_hits), int(a.test_n)), (int(b.test_hits), int(b.test_n)))))
    c = by["S2I-C"]
    claim = f"S2I-C's test images are classified right above chance ({chance_label or f'1/{round(1 / chance)}'})"
    if several:  # each seed's accuracy is one value; images of one model are not independent runs
        out.append(verdicts.kit(verdicts.at_least(claim + ", over seeds", c["test"], chance)))
    else:
        out.append(verdicts.kit(verdicts.proportion_at_least(f"this model: {claim} (one seed: over its images)",
                                                             int(c.test_hits.sum()), int(c.test_n.sum()), chance)))
    if several and "test_ema" in runs:  # the kit's: the same trainings sampled from their weight average
        paired = c.sort_values("seed")
        out.append(verdicts.kit(verdicts.paired_difference(
            "sampling S2I-C from the average of its weights raises its test accuracy (the same trainings, paired by "
            "seed)", paired["test_ema"].tolist(), paired["test"].tolist())))
    return out


def sample_rows(models: Mapping[Any, Mapping[str, Any]], data: InstrumentData, per_variant: int = 2, seed: int = 0
                ) -> tuple[list[list[np.ndarray]], list[str], list[str]]:
    """One row per instrument: a real test picture, then ``per_variant`` images generated from test sounds by
    each variant (first seed); with row and column labels for :func:`a2vlib.viz.image_grid`."""
    first = {}
    for (name, s), m in models.items():
        first.setdefault(name, m)
    rows = []
    for inst in data.classes:
        idx = data.idx("test", inst)
        pick = idx[np.linspace(0, len(idx) - 1, per_variant).round().astype(int)]
        row = [data.pairs.images[pick[0]]]
        for m in first.values():
            row += list(generate_images(m["generator"], m["cond"][pick], m["config"].z_dim, seed=seed))
        rows.append(row)
    cols = ["real"] + [name for name in first for _ in range(per_variant)]
    return rows, [c.replace("_", " ") for c in data.classes], cols
