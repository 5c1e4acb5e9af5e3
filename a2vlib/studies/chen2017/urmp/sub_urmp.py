"""Reader for the real Sub-URMP dataset of Chen et al. (2017), "Deep cross-modal audio-visual generation".

Sub-URMP is a set of image-sound pairs cut from URMP, the University of Rochester Multi-Modal Music Performance
dataset: solo tracks of 13 instruments cut into 0.5 s sound chunks (WAV, 44.1 kHz, 16 bit), each paired with
the video frame at the chunk's start. Layout (``root`` is the folder that holds ``img/`` and ``chunk/``)::

    Sub-URMP/img/{train,test}/<instrument>/<stem>.jpg     e.g. img/train/cello/cello00_3.jpg
    Sub-URMP/chunk/{train,test}/<instrument>/<stem>.wav   e.g. chunk/train/cello/cello00_3.wav

An image and a sound pair up when they have the same split, instrument folder and stem. Instrument folders are
those of :data:`a2vlib.studies.chen2017.urmp.instruments.INSTRUMENTS`.

Getting it: Sub-URMP is linked from the dataset page of the URMP project at the University of Rochester; Chen
et al. assembled Sub-URMP from URMP. The kit does not download it: fetch and unpack it yourself, then point
:func:`load_sub_urmp` at the unpacked folder. The reader only reads; it never writes into that folder.

Split: the published train/test split is kept as it is. It is by performance video; the published stems read
``<instrument><performance number>_<chunk index>`` (``cello00_3``: chunk 3 of performance ``cello00``), so a
pair's performance id is its stem up to the last underscore (the whole stem when it has no underscore).
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from a2vlib.core.checks import is_int, is_number
from a2vlib.core.errors import DataError, ParamsError
from a2vlib.data.audio_io import read_audio
from a2vlib.data.image_io import read_image
from a2vlib.studies.chen2017.urmp.pairs import SPLITS, InstrumentPairs
from a2vlib.studies.chen2017.urmp.instruments import INSTRUMENTS

IMAGE_SUFFIX, SOUND_SUFFIX = ".jpg", ".wav"
LENGTH_TOLERANCE = 0.10  # a chunk this much shorter or longer than chunk_seconds is an error
MAX_LISTED = 5  # unpaired files named in one error
GET_IT = "download Sub-URMP (linked from the URMP dataset page, University of Rochester) and unpack it"


def performance_id(stem: str) -> str:
    """The performance a chunk was cut from: ``cello00_3`` -> ``cello00`` (stem up to the last underscore)."""
    head, sep, _ = stem.rpartition("_")
    return head if sep and head else stem


def _names(value: str | Sequence[str], what: str) -> list[str]:
    """A single name or a sequence of names, as a list without duplicates."""
    names = [value] if isinstance(value, str) else list(value)
    if not names or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
        raise ParamsError(f"{what}={value!r}: give one or more distinct names")
    return names


def _check_args(splits: str | Sequence[str], instruments: str | Sequence[str] | None, image_size: int,
                sample_rate: int, chunk_seconds: float, max_per_instrument: int | None) -> tuple[list[str], list[str]]:
    """Validated split names and chosen instruments (kit order); ParamsError for anything else."""
    splits = _names(splits, "splits")
    bad = [s for s in splits if s not in SPLITS]
    if bad:
        raise ParamsError(f"splits: unknown {bad}; use {', '.join(SPLITS)}")
    chosen = list(INSTRUMENTS) if instruments is None else _names(instruments, "instruments")
    bad = [i for i in chosen if i not in INSTRUMENTS]
    if bad:
        raise ParamsError(f"instruments: unknown {bad}; use any of {', '.join(INSTRUMENTS)}")
    for name, value, ok in (("image_size", image_size, is_int(image_size) and image_size >= 1),
                            ("sample_rate", sample_rate, is_int(sample_rate) and sample_rate >= 1),
                            ("chunk_seconds", chunk_seconds, is_number(chunk_seconds) and chunk_seconds > 0),
                            ("max_per_instrument", max_per_instrument, max_per_instrument is None or (
                                is_int(max_per_instrument) and max_per_instrument >= 1))):
        if not ok:
            raise ParamsError(f"{name}={value!r}: give a positive number" + (" (or None)" if name[0] == "m" else ""))
    return splits, [i for i in INSTRUMENTS if i in chosen]  # kit order


def _stems(folder: Path, suffix: str) -> dict[str, Path]:
    """``stem -> path`` of the files in ``folder`` with ``suffix`` (any case); other files are ignored."""
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == suffix}


def _check_instrument_folders(split_dir: Path) -> None:
    """Every (non-hidden) folder under ``<kind>/<split>/`` must be one of the 13 instruments."""
    for sub in sorted(split_dir.iterdir()):
        if sub.is_dir() and not sub.name.startswith(".") and sub.name not in INSTRUMENTS:
            raise DataError(f"{sub}: folder {sub.name!r} is not a Sub-URMP instrument; known names: "
                            f"{', '.join(INSTRUMENTS)}; rename or move the folder out of {split_dir.parent.parent}")


def _fit(y: np.ndarray, n: int, path: Path, sr: int) -> np.ndarray:
    """Cut or zero-pad ``y`` to ``n`` samples; more than LENGTH_TOLERANCE off is an error naming the file."""
    if abs(len(y) - n) > LENGTH_TOLERANCE * n:
        raise DataError(f"{path}: chunk holds {len(y)} samples ({len(y) / sr:.3f} s at {sr} Hz), expected {n} "
                        f"(within {LENGTH_TOLERANCE:.0%}); check chunk_seconds or replace the file")
    return np.pad(y[:n], (0, max(0, n - len(y))))


def _spread(both: list[tuple[Path, Path]], k: int | None) -> list[tuple[Path, Path]]:
    """``k`` of one instrument's (image, sound) pairs, spread as evenly as their chunks allow over its performances
    (the first k by path would often be one player) and, within a performance, over its length; in path order."""
    if k is None or k >= len(both):
        return both
    groups: dict[str, list[tuple[Path, Path]]] = {}
    for pair in both:
        groups.setdefault(performance_id(pair[1].stem), []).append(pair)
    quota, left = dict.fromkeys(groups, 0), k
    while left:  # one more chunk to each performance that has one left, in turn
        open_ = [p for p in sorted(groups) if quota[p] < len(groups[p])][:left]
        for p in open_:
            quota[p] += 1
        left -= len(open_)
    return sorted(pair for p, g in groups.items() for pair in (g[i * len(g) // quota[p]] for i in range(quota[p])))


def load_sub_urmp(root: str | os.PathLike, splits: Sequence[str] = ("train", "test"),
                  instruments: Sequence[str] | None = None, image_size: int = 64, sample_rate: int = 44100,
                  chunk_seconds: float = 0.5, max_per_instrument: int | None = None) -> InstrumentPairs:
    """Read Sub-URMP's image-sound pairs from ``root`` (the folder holding ``img/`` and ``chunk/``).

    Images are resized to ``image_size`` x ``image_size``; sounds are resampled to ``sample_rate`` (mono) and cut
    or zero-padded to ``round(chunk_seconds * sample_rate)`` samples. Pairs are ordered by split (as given), by
    instrument (kit order) and by file path; ``max_per_instrument`` keeps k pairs per instrument and split, spread
    over its performances and over each performance's length (:func:`_spread`). ``notes`` and ``hand`` are None
    (unknown for real data).

    Raises :class:`DataError` for a missing or malformed tree, unpaired or unreadable files, chunks of the wrong
    length or no pairs at all, and :class:`ParamsError` for unknown split or instrument names.
    """
    splits, chosen = _check_args(splits, instruments, image_size, sample_rate, chunk_seconds, max_per_instrument)
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataError(f"{root}: Sub-URMP folder not found; {GET_IT}, then pass the folder holding img/ and chunk/")
    for kind in ("img", "chunk"):
        if not (root / kind).is_dir():
            raise DataError(f"{root}: no '{kind}/' folder; pass the Sub-URMP folder that holds img/ and chunk/ "
                            f"(or {GET_IT} again)")

    pairs: list[tuple[str, str, Path, Path]] = []  # (split, instrument, image, sound)
    missing: list[str] = []  # "expected path (for the file that has no partner)"
    for split in splits:
        for kind in ("img", "chunk"):
            split_dir = root / kind / split
            if not split_dir.is_dir():
                raise DataError(f"{split_dir}: split folder missing; check the download is complete, or leave "
                                f"{split!r} out of splits")
            _check_instrument_folders(split_dir)
        for instrument in chosen:
            img_dir, wav_dir = root / "img" / split / instrument, root / "chunk" / split / instrument
            images, sounds = _stems(img_dir, IMAGE_SUFFIX), _stems(wav_dir, SOUND_SUFFIX)
            missing += [f"{wav_dir / (s + SOUND_SUFFIX)} (for {images[s]})" for s in sorted(images.keys() - sounds)]
            missing += [f"{img_dir / (s + IMAGE_SUFFIX)} (for {sounds[s]})" for s in sorted(sounds.keys() - images)]
            both = sorted((images[s], sounds[s]) for s in images.keys() & sounds.keys())
            pairs += [(split, instrument, i, w) for i, w in _spread(both, max_per_instrument)]
    if missing:
        more = f" and {len(missing) - MAX_LISTED} more" if len(missing) > MAX_LISTED else ""
        raise DataError(f"{root}: {len(missing)} file(s) without a partner; missing: "
                        f"{'; '.join(missing[:MAX_LISTED])}{more}. Every img/<split>/<instrument>/<stem>.jpg needs "
                        "chunk/<split>/<instrument>/<stem>.wav and vice versa; re-download or re-unpack the dataset")
    if not pairs:
        raise DataError(f"{root}: no image-sound pairs for splits {splits} and instruments {chosen}; check that "
                        "img/<split>/<instrument>/*.jpg and chunk/<split>/<instrument>/*.wav hold files")

    n = round(float(chunk_seconds) * int(sample_rate))  # float * int: round gives an int
    images = np.stack([read_image(image, size=image_size) for _, _, image, _ in pairs])
    waveforms = np.stack([_fit(read_audio(sound, sr=sample_rate, allow_silent=True)[0], n, sound, sample_rate)
                          for _, _, _, sound in pairs]).astype(np.float32)
    info = {"source": "Sub-URMP", "root": str(root), "splits": splits, "instruments": chosen,
            "image_size": image_size, "sample_rate": sample_rate, "chunk_seconds": chunk_seconds,
            "max_per_instrument": max_per_instrument,
            "pairs_per_split": {s: sum(p[0] == s for p in pairs) for s in splits}}
    return InstrumentPairs(waveforms=waveforms, images=images, labels=[p[1] for p in pairs],
                           performances=[performance_id(p[3].stem) for p in pairs],
                           split=np.array([p[0] for p in pairs]), sample_rate=sample_rate,
                           notes=None, hand=None, info=info)
