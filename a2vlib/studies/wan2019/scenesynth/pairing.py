"""SceneSynth pairs: how many per class (balanced or Wan et al.'s Table 1), which are discrepant and how, and the
order and random streams they are made with."""
from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

from a2vlib.core.errors import ParamsError
from a2vlib.studies.wan2019.scenesynth.config import (CLASSES, DISCREPANT_MIX, LOUDNESS_RANGE, OTHER, PAPER_TABLE1, SPLITS, Pair,
                                           SceneSynthConfig)
from a2vlib.studies.wan2019.scenesynth.drawing import render_image, render_unrelated_image
from a2vlib.studies.wan2019.scenesynth.sounds import render_sound, render_unrelated_sound


def class_counts(n: int, proportions: str) -> dict[str, int]:
    """Pairs per class for a split of ``n`` pairs: equal, or as in Table 1 of Wan et al. (each class >= 2)."""
    if proportions == "balanced":
        return {c: n // len(CLASSES) + (i < n % len(CLASSES)) for i, c in enumerate(CLASSES)}
    if n == 0:
        return {c: 0 for c in CLASSES}
    total = sum(PAPER_TABLE1.values())
    floor = 2
    share = np.array([PAPER_TABLE1[c] / total for c in CLASSES]) * (n - floor * len(CLASSES))
    counts = np.floor(share).astype(int)
    for i in np.argsort(-(share - counts), kind="stable")[: n - floor * len(CLASSES) - counts.sum()]:
        counts[i] += 1  # largest remainders get the pairs that rounding down left over
    return {c: int(k) + floor for c, k in zip(CLASSES, counts)}


def _slots(config: SceneSynthConfig, split: str) -> list[tuple[str, int]]:
    n = {"reference": config.n_reference, "train": config.n_train, "test": config.n_test}[split]
    slots = [(c, k) for c, count in class_counts(n, config.proportions).items() for k in range(count)]
    if split == "reference":  # 'other' pairs, as many as one class has in a balanced split
        slots += [(OTHER, k) for k in range(int(round(n / len(CLASSES))))]
    return slots


def _make_pair(config: SceneSynthConfig, split: str, cls: str, k: int) -> Pair:
    # A pair's randomness depends only on (seed, split, class, index within class), so changing the counts of
    # other classes or splits leaves it unchanged; the image and the sound get their own streams.
    key = (SPLITS.index(split), (CLASSES + (OTHER,)).index(cls), k)
    meta, img_seq, snd_seq = np.random.SeedSequence(config.seed, spawn_key=key).spawn(3)
    meta, img_rng, snd_rng = (np.random.default_rng(s) for s in (meta, img_seq, snd_seq))
    lo, hi = LOUDNESS_RANGE
    loudness = round(float(meta.uniform(lo, hi)), 4)
    view_loudness = round(float(meta.uniform(lo, hi)), 4)  # an unrelated picture does not follow the sound
    u_discrepant, u_kind = meta.random(), meta.random()  # always drawn, so discrepant_share changes nothing else
    shown = CLASSES[(CLASSES.index(cls) + 1 + int(meta.integers(len(CLASSES) - 1))) % len(CLASSES)] \
        if cls != OTHER else OTHER
    size, sr, sec = config.image_size, config.sample_rate, config.seconds

    kind = "none"
    if split != "reference" and u_discrepant < config.discrepant_share:
        edges = np.cumsum(list(DISCREPANT_MIX.values()))
        kind = list(DISCREPANT_MIX)[int(np.searchsorted(edges, u_kind * edges[-1], side="right"))]
    if cls == OTHER:
        image, image_class = render_unrelated_image(img_rng, size), OTHER
        audio, sound_class = render_unrelated_sound(snd_rng, loudness, sr, sec), OTHER
    elif kind == "none":
        image, image_class = render_image(cls, loudness, img_rng, size), cls
        audio, sound_class = render_sound(cls, loudness, snd_rng, sr, sec), cls
    elif kind == "other_scene":
        image, image_class = render_image(shown, view_loudness, img_rng, size), shown
        audio, sound_class = render_sound(cls, loudness, snd_rng, sr, sec), cls
    elif kind == "unrelated_view":
        image, image_class = render_unrelated_image(img_rng, size), OTHER
        audio, sound_class = render_sound(cls, loudness, snd_rng, sr, sec), cls
    else:  # unrelated_sound: the camera shows class cls, the microphone hears something else
        image, image_class = render_image(cls, view_loudness, img_rng, size), cls
        audio, sound_class = render_unrelated_sound(snd_rng, loudness, sr, sec), OTHER
    return Pair(f"{split}-{cls}-{k:04d}", split, image, audio, sound_class, image_class, loudness, kind)


def iter_pairs(config: SceneSynthConfig, splits: Sequence[str] = SPLITS) -> Iterator[Pair]:
    """Generate pairs one at a time (constant memory), split by split, class by class."""
    for split in splits:
        if split not in SPLITS:
            raise ParamsError(f"split {split!r}: unknown; use one of {', '.join(SPLITS)}")
        for cls, k in _slots(config, split):
            yield _make_pair(config, split, cls, k)


def generate_pairs(config: SceneSynthConfig, splits: Sequence[str] = SPLITS) -> list[Pair]:
    """All pairs of ``splits`` in memory (for tests and small sets; use :func:`write_dataset` for files)."""
    return list(iter_pairs(config, splits))
