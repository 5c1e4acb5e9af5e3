"""Where the notebooks get their data: cached, parameter-keyed datasets and small selections for showing them."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from a2vlib.registry import register
from a2vlib import registry
from a2vlib.data import digits
from a2vlib.studies.wan2019 import scenesynth as scenes
from a2vlib.core.errors import ParamsError
from a2vlib.core.cache import build_lock, cache_folder
from a2vlib.core.paths import resolve_path


# The notebook parameters that define the dataset (params/<profile>/scenesynth.yaml). Not every field of
# SceneSynthConfig: a notebook's ``image_size`` is the size its models work at (pictures are resized on loading),
# never the size the dataset is rendered at; were it passed on, 02-05 would render and clean a dataset of their own.
DATASET_PARAMS = ("seed", "n_reference", "n_train", "n_test", "proportions", "discrepant_share", "seconds")


def scenes_config(params: Mapping[str, Any]) -> scenes.SceneSynthConfig:
    """The SceneSynth-9 configuration that the dataset parameters (:data:`DATASET_PARAMS`) define; other
    parameters are ignored."""
    return scenes.SceneSynthConfig(**{k: params[k] for k in DATASET_PARAMS if k in params})


def dataset_name(params: Mapping[str, Any]) -> str:
    """The ``dataset`` parameter (``scenesynth`` when a notebook has none), checked against the registry."""
    return registry.check("dataset", params.get("dataset", "scenesynth"), "parameter 'dataset'")


def dataset_key(params: Mapping[str, Any]) -> dict[str, Any]:
    """What defines the dataset for cache keys: SceneSynth-9's configuration and generator version (the key has
    stayed so since before other datasets, so caches survive), or the digit pairs' recordings and seed."""
    if dataset_name(params) == "digits":
        return digits.dataset_key(params)
    return {"generator_version": scenes.GENERATOR_VERSION, **scenes_config(params).to_dict()}


def dataset(params: Mapping[str, Any]) -> tuple[Path, pd.DataFrame]:
    """The pairs of the ``dataset`` parameter: SceneSynth-9 (:func:`scenesynth`) or spoken digits with MNIST
    pictures (:func:`a2vlib.data.digits.write_pairs`), written once into the cache. Returns the folder and its
    manifest (the same columns for both)."""
    return registry.get("dataset", dataset_name(params))(params)


def classes(manifest: pd.DataFrame) -> list[str]:
    """The sound classes of a manifest in the dataset's own order (SceneSynth's nine and 'other', or the digits)."""
    known = [*scenes.CLASSES, scenes.OTHER, *digits.DIGITS]
    present = set(manifest.sound_class.astype(str))
    return [c for c in known if c in present] + sorted(present - set(known))


def showcase_split(manifest: pd.DataFrame) -> str:
    """The split whose pairs a tour shows: SceneSynth's clean ``reference`` pairs, else ``train``."""
    return "reference" if (manifest.split == "reference").any() else "train"


@register("dataset", "scenesynth")
def scenesynth(params: Mapping[str, Any], data_dir: str | None = None) -> tuple[Path, pd.DataFrame]:
    """SceneSynth-9 for these parameters: written once under ``.cache/scenesynth/<hash>`` (or ``data_dir``), then
    reused. Returns the dataset folder and its validated manifest."""
    config = scenes_config(params)
    root = resolve_path(data_dir) if data_dir else cache_folder("scenesynth", dataset_key(params))
    # units side by side ask for it at once: one writes it, the others wait and read it (never a second write that
    # swaps the folder while the first one's readers are in it)
    with build_lock(root):
        scenes.write_dataset(config, root)
    return root, scenes.load_manifest(root)


def summary(manifest: pd.DataFrame) -> pd.DataFrame:
    """Pairs per split and sound class."""
    table = pd.crosstab(manifest.sound_class, manifest.split).reindex(classes(manifest)).fillna(0).astype(int)
    table.loc["total"] = table.sum()
    return table


def discrepancy_summary(manifest: pd.DataFrame) -> pd.DataFrame:
    """Pairs per split and kind of discrepancy (the hidden truth the cleaning tries to recover)."""
    return pd.crosstab(manifest.discrepancy, manifest.split)


def pick(manifest: pd.DataFrame, split: str | None = None, per_class: int = 1, seed: int = 0,
         by: str = "sound_class", consistent_only: bool = True) -> pd.DataFrame:
    """``per_class`` rows per class of ``by`` (in the dataset's order), drawn with a seed, from ``split``
    (default: :func:`showcase_split`)."""
    split = split or showcase_split(manifest)
    rows = manifest[manifest.split == split]
    if consistent_only:
        rows = rows[rows.is_consistent.astype(bool)]
    if rows.empty:
        raise ParamsError(f"no pairs in split {split!r}; enlarge the dataset parameters")
    parts = [g.sample(min(per_class, len(g)), random_state=seed) for _, g in rows.groupby(by, sort=False)]
    out = pd.concat(parts)
    order = {c: i for i, c in enumerate(classes(manifest))}
    return out.sort_values(by, key=lambda s: s.map(order).fillna(len(order)), kind="stable")


def image_rows(root: Path, rows: pd.DataFrame, by: str = "sound_class") -> tuple[list[list[np.ndarray]], list[str]]:
    """Images grouped into rows by class, for :func:`a2vlib.viz.image_grid`."""
    images = scenes.load_images(root, rows)
    labels = list(dict.fromkeys(rows[by]))
    grouped = [[img for img, c in zip(images, rows[by]) if c == label] for label in labels]
    return grouped, labels


def gallery_items(root: Path, rows: pd.DataFrame, columns: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Image, sound and chosen columns of each row, for :func:`a2vlib.viz.pair_gallery`."""
    images, audio = scenes.load_images(root, rows), scenes.load_audio(root, rows)
    return [{"image": img, "audio": y, **{c: row[c] for c in columns}}
            for img, y, (_, row) in zip(images, audio, rows.iterrows())]


def loudness_ladder(root: Path, manifest: pd.DataFrame, cls: str, n: int = 5) -> pd.DataFrame:
    """``n`` clean reference pairs of one class spread over the loudness range, quietest first, with the measured
    visual magnitude and sound level beside the loudness."""
    split = showcase_split(manifest)
    rows = manifest[(manifest.split == split) & (manifest.sound_class == cls)].sort_values("loudness")
    if rows.empty:
        known = [c for c in classes(manifest) if c != scenes.OTHER]
        raise ParamsError(f"no {split} pairs of class {cls!r} (parameter ladder_class); choose one of "
                          f"{', '.join(known)}")
    rows = rows.iloc[np.unique(np.linspace(0, len(rows) - 1, n).round().astype(int))].copy()
    rows["visual_magnitude"] = scenes.visual_magnitude(scenes.load_images(root, rows))
    rows["rms_db"] = [20 * np.log10(np.sqrt(np.mean(y ** 2)) + 1e-12) for y in scenes.load_audio(root, rows)]
    return rows


def loudness_relation(root: Path, manifest: pd.DataFrame, split: str | None = None) -> pd.DataFrame:
    """Loudness and measured visual magnitude of every consistent pair in a split (default
    :func:`showcase_split`), SceneSynth's 'other' left out: on SceneSynth the ground-truth relation the volume study
    measures against; on real pairs made by class (digits), what ties a recording's level to its picture (nothing)."""
    split = split or showcase_split(manifest)
    rows = manifest[(manifest.split == split) & manifest.is_consistent.astype(bool)
                    & (manifest.sound_class != scenes.OTHER)].copy()
    rows["visual_magnitude"] = scenes.visual_magnitude(scenes.load_images(root, rows))
    return rows[["pair_id", "sound_class", "loudness", "visual_magnitude"]]


def sample_rate(root: Path) -> int:
    """The dataset's sample rate (its ``config.json``)."""
    return int(scenes.read_config(root)["sample_rate"])  # SceneSynth's and the digit pairs' config.json alike


def load_audio(root: Path, rows: pd.DataFrame) -> list[np.ndarray]:
    """The clips of ``rows`` (paths relative to ``root``)."""
    return scenes.load_audio(root, rows)


def loudness_spearman(relation: pd.DataFrame) -> float:
    """Spearman's rank correlation of loudness and measured visual magnitude in :func:`loudness_relation`."""
    from scipy.stats import spearmanr

    return float(spearmanr(relation.loudness, relation.visual_magnitude).statistic)
