"""SceneSynth-9's classes, splits and constants, the configuration of a dataset and the pair record."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from a2vlib.core.checks import is_int, is_number, require
from a2vlib.core.errors import ParamsError
from a2vlib.papers import wan2019
from a2vlib.registry import register_all

CLASSES = ("dog", "drum", "guitar", "piano", "plane", "speedboat", "dam", "soccer", "baseball")
OTHER = "other"
# Class proportions of Wan et al.'s Table 1 (the "paper" proportions), from the one place that quotes the paper.
PAPER_TABLE1 = {c: int(q.value) for c, q in wan2019.TABLE1.items()}
PROPORTIONS = ("balanced", "paper")  # the classes in equal shares, or in Table 1's
register_all("proportions", PROPORTIONS)
SPLITS = ("reference", "train", "test")
DISCREPANCIES = ("none", "other_scene", "unrelated_view", "unrelated_sound")
DISCREPANT_MIX = {"other_scene": 0.5, "unrelated_view": 0.3, "unrelated_sound": 0.2}
MANIFEST_COLUMNS = ["pair_id", "split", "image_path", "audio_path", "sound_class", "image_class", "loudness",
                    "discrepancy", "is_consistent"]

LOUDNESS_RANGE = (0.25, 1.0)
# RMS 0.08 at full loudness leaves headroom: the soft limiter keeps peaks within CREST_LIMIT x RMS, so even a
# sparse bark (crest factor ~17 before limiting) stays below 0.9 and a 16-bit WAV never clips.
RMS_PER_LOUDNESS = 0.08
CREST_LIMIT = 10.0
MAGNITUDE_PER_LOUDNESS = 0.10  # visual magnitude of a consistent pair's picture: 0.025 .. 0.10
MAGNITUDE_THRESHOLD = 40.0  # RGB distance from the row's background beyond which a pixel counts as object
PIXEL_NOISE = 3.0  # std of the pixel noise, far below the threshold
GENERATOR_VERSION = 1  # bump when the pictures or sounds change, so old folders are not mistaken for new ones


@dataclass(frozen=True)
class SceneSynthConfig:
    """What to generate. Counts are pairs per split; see :mod:`a2vlib.studies.wan2019.scenesynth` for the loudness
    rules."""

    seed: int = 0
    n_train: int = 270  # raw training pairs (all classes, incl. discrepant)
    n_test: int = 90
    n_reference: int = 270  # clean pairs of the nine classes (plus ~n_reference/9 'other' pairs)
    proportions: str = "balanced"  # or "paper" (Table 1 of Wan et al.)
    discrepant_share: float = 0.75
    image_size: int = 64
    sample_rate: int = 22050
    seconds: float = 2.0

    def __post_init__(self) -> None:
        require(self, is_int(self.seed) and self.seed >= 0, "seed", "give an integer >= 0")
        require(self, self.proportions in PROPORTIONS, "proportions", f"give one of {', '.join(PROPORTIONS)}")
        for name in ("n_train", "n_test", "n_reference"):
            n = getattr(self, name)
            require(self, is_int(n) and n >= 0, name, "give an integer >= 0")
            require(self, self.proportions != "paper" or n == 0 or n >= 2 * len(CLASSES), name,
                    f"'paper' proportions keep at least 2 pairs per class: give 0 or >= {2 * len(CLASSES)}")
        require(self, is_number(self.discrepant_share) and 0.0 <= self.discrepant_share <= 1.0,
                "discrepant_share", "give a number in [0, 1]")
        require(self, is_int(self.image_size) and 16 <= self.image_size <= 1024, "image_size",
                "give an integer in [16, 1024]")
        require(self, is_int(self.sample_rate) and 8000 <= self.sample_rate <= 96000, "sample_rate",
                "give an integer in [8000, 96000] Hz")
        require(self, is_number(self.seconds) and 0.25 <= self.seconds <= 60, "seconds",
                "give a number in [0.25, 60]")

    def to_dict(self) -> dict:
        """Plain JSON-ready values."""
        return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in dataclasses.asdict(self).items()}


@dataclass
class Pair:
    """One picture + sound pair with its ground truth."""

    pair_id: str
    split: str
    image: np.ndarray  # uint8 (H, W, 3)
    audio: np.ndarray  # float32 (samples,)
    sound_class: str
    image_class: str
    loudness: float
    discrepancy: str  # "none" | "other_scene" | "unrelated_view" | "unrelated_sound"

    @property
    def label(self) -> str:
        """The pair's class as its sound tells it (what a sound classifier such as SoundNet would say)."""
        return self.sound_class

    @property
    def is_consistent(self) -> bool:
        """True when the picture shows what the sound is."""
        return self.sound_class == self.image_class


def check_class(cls: str) -> None:
    """Raise ParamsError unless ``cls`` is one of the nine classes."""
    if cls not in CLASSES:
        raise ParamsError(f"class {cls!r}: unknown SceneSynth class; use one of {', '.join(CLASSES)}")


def check_loudness(loudness: float) -> float:
    """``loudness`` as a float; ParamsError unless it is a number in ``LOUDNESS_RANGE``."""
    lo, hi = LOUDNESS_RANGE
    if not (isinstance(loudness, (int, float, np.integer, np.floating)) and lo <= float(loudness) <= hi):
        raise ParamsError(f"loudness={loudness!r}: give a number in [{lo}, {hi}]")
    return float(loudness)
