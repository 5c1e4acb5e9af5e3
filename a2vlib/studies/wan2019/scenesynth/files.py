"""A SceneSynth dataset on disk: written atomically (pictures, sounds, manifest.csv, config.json), then read back
and checked (config, manifest, pictures, clips)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from a2vlib.core.atomic import atomic_path
from a2vlib.core.jsonfile import read_json_object
from a2vlib.core.errors import DataError
from a2vlib.data.audio_io import read_audio, write_audio
from a2vlib.data.image_io import read_image, write_image
from a2vlib.studies.wan2019.scenesynth.config import (CLASSES, DISCREPANCIES, GENERATOR_VERSION, MANIFEST_COLUMNS, OTHER, SPLITS,
                                           SceneSynthConfig)
from a2vlib.studies.wan2019.scenesynth.pairing import iter_pairs


def _config_record(config: SceneSynthConfig) -> dict:
    return {"generator": "SceneSynth-9", "version": GENERATOR_VERSION, **config.to_dict()}


def write_dataset(config: SceneSynthConfig, root: str | Path) -> Path:
    """Write the dataset under ``root`` (pictures, sounds, manifest.csv, config.json) and return ``root``.

    The folder is built aside and renamed into place, so an interrupted run leaves nothing half-written. A folder
    that already holds this configuration is returned untouched; any other non-empty folder is never modified.
    """
    root = Path(root)
    record = _config_record(config)
    if root.exists():
        cfg = root / "config.json"
        try:
            same = cfg.is_file() and json.loads(cfg.read_text(encoding="utf-8")) == record
        except (OSError, ValueError):
            same = False
        if same:
            return root
        if not root.is_dir() or any(root.iterdir()):
            raise DataError(f"{root}: already exists and does not hold this SceneSynth configuration ({cfg} missing "
                            "or different); existing data is never overwritten: choose another folder or delete it")
    rows = []
    with atomic_path(root) as tmp:
        for pair in iter_pairs(config):
            image_path = Path("image") / pair.split / f"{pair.pair_id}.png"
            audio_path = Path("audio") / pair.split / f"{pair.pair_id}.wav"
            write_image(tmp / image_path, pair.image)
            write_audio(tmp / audio_path, pair.audio, config.sample_rate)
            rows.append([pair.pair_id, pair.split, image_path.as_posix(), audio_path.as_posix(), pair.sound_class,
                         pair.image_class, pair.loudness, pair.discrepancy, pair.is_consistent])
        pd.DataFrame(rows, columns=MANIFEST_COLUMNS).to_csv(tmp / "manifest.csv", index=False)
        (tmp / "config.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return root


def read_config(root: str | Path) -> dict:
    """The ``config.json`` a dataset folder was written with (``sample_rate``, ``image_size``, ...)."""
    path = Path(root) / "config.json"
    record = read_json_object(path, "the dataset's config.json", "regenerate the dataset")
    if "sample_rate" not in record:
        raise DataError(f"{path}: no 'sample_rate' in it; regenerate the dataset")
    return record


def load_manifest(root: str | Path) -> pd.DataFrame:
    """Read and check ``root/manifest.csv``: columns, values, and that every listed file exists."""
    root = Path(root)
    path = root / "manifest.csv"
    if not path.is_file():
        raise DataError(f"{path}: manifest not found; write the dataset first (a2vlib.studies.wan2019.scenesynth.write_dataset)")
    try:
        df = pd.read_csv(path, dtype={"pair_id": str, "split": str, "image_path": str, "audio_path": str})
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"{path}: unreadable manifest ({exc}); regenerate the dataset") from exc
    missing = [c for c in MANIFEST_COLUMNS if c not in df.columns]
    if missing:
        raise DataError(f"{path}: missing columns {missing}; this is not a SceneSynth manifest: regenerate it")
    labels = set(CLASSES) | {OTHER}
    checks = {"split": set(SPLITS), "sound_class": labels, "image_class": labels, "discrepancy": set(DISCREPANCIES)}
    for col, allowed in checks.items():
        bad = df[~df[col].isin(allowed)]
        if len(bad):
            raise DataError(f"{path}: row pair_id={bad.iloc[0]['pair_id']}: {col}={bad.iloc[0][col]!r} is not one of "
                            f"{sorted(allowed)}; fix the row or regenerate the dataset")
    loud = pd.to_numeric(df["loudness"], errors="coerce")
    if loud.isna().any():
        raise DataError(f"{path}: row pair_id={df.loc[loud.isna(), 'pair_id'].iloc[0]}: loudness is not a number; "
                        "fix the row or regenerate the dataset")
    for row in df.itertuples(index=False):
        for col in ("image_path", "audio_path"):
            file = root / getattr(row, col)
            if not file.is_file():
                raise DataError(f"{path}: row pair_id={row.pair_id}: {col} file {file} is missing; restore it, or "
                                f"delete {root} and run write_dataset again")
    return df


def load_images(root: str | Path, manifest_df: pd.DataFrame, size: int | None = None) -> np.ndarray:
    """The manifest's pictures as uint8 (N, H, W, 3), resized to ``size`` when given."""
    root = Path(root)
    images = [read_image(root / p, size) for p in manifest_df["image_path"]]
    if not images:
        return np.zeros((0, size or 0, size or 0, 3), np.uint8)
    return np.stack(images)


def load_audio(root: str | Path, manifest_df: pd.DataFrame, sr: int | None = None) -> list[np.ndarray]:
    """The manifest's clips as float32 arrays (resampled to ``sr`` when given)."""
    root = Path(root)
    return [read_audio(root / p, sr=sr)[0] for p in manifest_df["audio_path"]]
