"""Image-sound pairs of musicians playing instruments (Chen et al.'s Sub-URMP, or the kit's rendered stand-in):
the one structure that the instrument studies take, whatever the source.

A pair is a 0.5 s sound chunk and the picture at the chunk's first frame. Pairs come from *performances* (one
player playing one piece); the train/test split is by performance, so no performance has pairs on both sides.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from a2vlib.core.errors import DataError

SPLITS = ("train", "test")


@dataclass
class InstrumentPairs:
    """``N`` image-sound pairs.

    - ``waveforms``: float32 (N, samples), every chunk the same length, at ``sample_rate`` Hz;
    - ``images``: uint8 (N, H, W, 3);
    - ``labels``: instrument of each pair; ``performances``: the performance it was cut from (the split unit);
      ``split``: "train" or "test" per pair;
    - ``notes``: MIDI key sounding at the chunk's first frame (-1 for none), and ``hand``: the pose's hand
      coordinate drawn in the picture (0 = lowest note of the instrument's range, 1 = highest); both None for
      real data, where they are unknown;
    - ``info``: where the pairs came from (font, seed, root folder, ...).
    """

    waveforms: np.ndarray
    images: np.ndarray
    labels: list[str]
    performances: list[str]
    split: np.ndarray
    sample_rate: int
    notes: np.ndarray | None = None
    hand: np.ndarray | None = None
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.labels)
        sizes = {"waveforms": len(self.waveforms), "images": len(self.images), "performances": len(self.performances),
                 "split": len(self.split)}
        sizes.update({k: len(v) for k, v in (("notes", self.notes), ("hand", self.hand)) if v is not None})
        bad = {k: v for k, v in sizes.items() if v != n}
        if bad:
            raise DataError(f"instrument pairs: {n} labels but {bad}; every field needs one entry per pair")
        if self.images.ndim != 4 or self.images.shape[-1] != 3 or self.images.dtype != np.uint8:
            raise DataError(f"instrument pairs: images must be uint8 (N, H, W, 3), got {self.images.dtype} "
                            f"{self.images.shape}")
        if self.waveforms.ndim != 2:
            raise DataError(f"instrument pairs: waveforms must be (N, samples), got {self.waveforms.shape}")
        unknown = sorted(set(np.asarray(self.split).tolist()) - set(SPLITS))
        if unknown:
            raise DataError(f"instrument pairs: unknown split name(s) {unknown}; use 'train' and 'test'")
        shared = set(np.asarray(self.performances)[self.split == "train"]) & set(
            np.asarray(self.performances)[self.split == "test"])
        if shared:
            raise DataError(f"instrument pairs: performance(s) {sorted(shared)[:5]} appear in both train and test; "
                            "split by performance")

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def classes(self) -> list[str]:
        """The instruments present, sorted."""
        return sorted(set(self.labels))

    def indices(self, split: str, instrument: str | None = None) -> np.ndarray:
        """Positions of the pairs in ``split`` (of one ``instrument`` when given)."""
        if split not in SPLITS:
            raise DataError(f"split {split!r}: use one of {', '.join(SPLITS)}")
        keep = np.asarray(self.split) == split
        if instrument is not None:
            keep &= np.asarray(self.labels) == instrument
        return np.flatnonzero(keep)

    def subset(self, idx: np.ndarray) -> InstrumentPairs:
        """The pairs at ``idx``, as a new :class:`InstrumentPairs`."""
        idx = np.asarray(idx)
        pick = (lambda a: None if a is None else np.asarray(a)[idx])
        return InstrumentPairs(self.waveforms[idx], self.images[idx], [self.labels[i] for i in idx],
                               [self.performances[i] for i in idx], np.asarray(self.split)[idx], self.sample_rate,
                               pick(self.notes), pick(self.hand), dict(self.info))

    def counts(self) -> Any:
        """Pairs per instrument and split (a pandas DataFrame, Chen's Table 2 layout)."""
        import pandas as pd

        df = pd.DataFrame({"instrument": self.labels, "split": np.asarray(self.split)})
        table = df.groupby(["split", "instrument"]).size().unstack("instrument").fillna(0).astype(int)
        return table.reindex([s for s in SPLITS if s in table.index])
