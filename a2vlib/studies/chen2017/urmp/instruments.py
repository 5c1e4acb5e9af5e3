"""Sub-URMP stand-in: 0.5 s clips of the 13 URMP instruments rendered from a General MIDI soundfont.

Chen et al. (2017) cut URMP's solo tracks into 0.5 s chunks (44.1 kHz) of 13 instruments. Here each clip is a
single sustained note or a short legato phrase at a random pitch inside the instrument's usual range, with random
velocity and onset, rendered with ``tinysoundfont``. A negative onset means the note began before the clip, as a
sliding window cuts into a performance, so many clips have no attack, like Chen's chunks.

Soundfonts (``soundfont=``):

- ``"FluidR3_GM"``: Debian's ``fluid-soundfont-gm`` (``/usr/share/sounds/sf2/FluidR3_GM.sf2``, MIT), with
  distinct samples for all 13 instruments;
- ``"TimGM6mb"``: the 6 MB font inside the ``pretty_midi`` wheel (GPL-2). Its viola reuses the violin samples,
  so viola/violin confusions are expected with it;
- ``"auto"`` (default): FluidR3_GM when the file exists, else TimGM6mb;
- the name of any font :func:`available_soundfonts` finds (Debian's ``csound-soundfont`` is ``sf_GMbank``);
- any other string: the path of an ``.sf2`` file.

The performances of notebooks 03 and 06 also take a comma-separated list of these, ``"all"`` (every font the
machine has) or ``"all except A, B"`` (every font but those, e.g. the one a classifier is tested on), and cycle
through the fonts from one performance to the next (:func:`resolve_soundfonts`).

``generate`` records which font was used in its ``info``. Every clip is a pure function of (seed, instrument,
index) and of the font, so results from different fonts are not interchangeable.

Each clip is scaled to a random RMS level (``RMS_DBFS``): the fonts' presets differ in loudness by up to 10 dB,
which would otherwise let a classifier name the instrument from the level alone.
"""
from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from a2vlib.data.audio_io import check_waveform
from a2vlib.data.soundfont import render_notes, soundfont_path
from a2vlib.core.errors import DataError, ParamsError
from a2vlib.core.checks import is_int, require

INSTRUMENTS = ("bassoon", "cello", "clarinet", "double_bass", "flute", "horn", "oboe", "sax", "trombone",
               "trumpet", "tuba", "viola", "violin")
# General MIDI programs (0-based). URMP's saxophone parts are soprano, alto and tenor, so a sax clip draws one.
GM_PROGRAMS: dict[str, tuple[int, ...]] = {
    "bassoon": (70,), "cello": (42,), "clarinet": (71,), "double_bass": (43,), "flute": (73,), "horn": (60,),
    "oboe": (68,), "sax": (64, 65, 66), "trombone": (57,), "trumpet": (56,), "tuba": (58,), "viola": (41,),
    "violin": (40,),
}
# Sounding pitch (MIDI keys, inclusive) within each instrument's common playing range; the extreme top notes are
# left out because soundfonts often leave them unsampled (FluidR3's violin is silent at key 94).
PITCH_RANGES: dict[str, tuple[int, int]] = {
    "bassoon": (34, 70), "cello": (36, 72), "clarinet": (50, 86), "double_bass": (28, 55), "flute": (60, 93),
    "horn": (41, 77), "oboe": (58, 89), "sax": (49, 77), "trombone": (40, 72), "trumpet": (54, 82),
    "tuba": (28, 58), "viola": (48, 84), "violin": (55, 91),
}
FLUIDR3_PATH = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
SOUNDFONT_DIR = FLUIDR3_PATH.parent  # where Debian's General MIDI fonts go; A2V_SOUNDFONTS names one folder more
SF3_DIR = SOUNDFONT_DIR.parent / "sf3"  # and its Ogg-compressed ones (MuseScore_General)
RMS_DBFS = (-30.0, -18.0)  # clip level range; peaks stay below PEAK_LIMIT
PEAK_LIMIT = 0.95
LEAD_IN_S = 0.25  # rendered before the clip so that negative onsets (notes already sounding) are possible
_SILENT_RMS = 1e-4  # a probe note quieter than this counts as a hole in the font's key map


@dataclass(frozen=True)
class InstrumentConfig:
    """What to generate: ``n_per_class`` clips of ``seconds`` at ``sample_rate`` Hz for each instrument."""

    seed: int = 0
    n_per_class: int = 40
    seconds: float = 0.5  # Chen et al.'s chunk length
    sample_rate: int = 22050
    soundfont: str = "auto"  # "auto" | "FluidR3_GM" | "TimGM6mb" | path of an .sf2 file

    def __post_init__(self) -> None:
        require(self, is_int(self.seed) and self.seed >= 0, "seed", "give an integer >= 0")
        require(self, is_int(self.n_per_class) and self.n_per_class >= 1, "n_per_class", "give an integer >= 1")
        require(self, isinstance(self.seconds, (int, float)) and 0.05 <= self.seconds <= 30, "seconds",
             "give a number in [0.05, 30]")
        require(self, is_int(self.sample_rate) and 8000 <= self.sample_rate <= 96000, "sample_rate",
             "give an integer in [8000, 96000] Hz")
        require(self, isinstance(self.soundfont, str) and bool(self.soundfont), "soundfont",
             "give 'auto', 'FluidR3_GM', 'TimGM6mb' or the path of an .sf2 file")


def available_soundfonts() -> list[tuple[str, Path]]:
    """Every General MIDI font on this machine, by name: TimGM6mb (in the pretty_midi wheel), then each ``.sf2`` and
    ``.sf3`` (Ogg-compressed samples) in Debian's font folders, in the cache's ``soundfonts`` (``make soundfonts``)
    and in the folder ``A2V_SOUNDFONTS`` names; a name found twice counts once."""
    from a2vlib.core.paths import cache_dir

    found = {"TimGM6mb": soundfont_path()}
    extra = os.environ.get("A2V_SOUNDFONTS", "")
    for folder in (SOUNDFONT_DIR, SF3_DIR, cache_dir() / "soundfonts", *([Path(extra).expanduser()] if extra else [])):
        for suffix in ("sf2", "sf3"):
            for path in sorted(folder.glob(f"*.{suffix}")) if folder.is_dir() else []:
                found.setdefault(path.stem, path)
    return list(found.items())


EXCEPT = "all except "


def resolve_soundfont_names(spec: str) -> str:
    """``spec`` with what depends on the machine resolved: ``"auto"`` and ``"all..."`` become the comma-separated
    names of the fonts they stand for here (what a cache key or a report must record); anything else as given."""
    if spec == "auto" or spec == "all" or spec.startswith(EXCEPT):
        return ",".join(name for name, _ in resolve_soundfonts(spec))
    return spec


def resolve_soundfonts(spec: str) -> list[tuple[str, Path]]:
    """The fonts of ``spec``: one font (as :func:`resolve_soundfont` reads it), a comma-separated list of them,
    ``"all"`` (:func:`available_soundfonts`) or ``"all except A, B"`` (all but the fonts named); each once."""
    if spec == "all" or spec.startswith(EXCEPT):
        left_out = {s.strip() for s in spec[len(EXCEPT):].split(",") if s.strip()} if spec != "all" else set()
        fonts = [(name, path) for name, path in available_soundfonts() if name not in left_out]
    else:
        fonts = [resolve_soundfont(s.strip()) for s in spec.split(",") if s.strip()]
    names = [name for name, _ in fonts]
    if not fonts or len(set(names)) != len(names):
        raise ParamsError(f"soundfont {spec!r}: give one font, a list of different fonts, 'all' or "
                          "'all except <font>[, <font>]' that leaves at least one font")
    return fonts


def resolve_soundfont(soundfont: str = "auto") -> tuple[str, Path]:
    """The font's name and file for ``"auto"``, ``"FluidR3_GM"``, ``"TimGM6mb"``, the name of a font
    :func:`available_soundfonts` finds, or a path."""
    if soundfont == "auto":
        return resolve_soundfont("FluidR3_GM" if FLUIDR3_PATH.is_file() else "TimGM6mb")
    if soundfont == "TimGM6mb":
        return "TimGM6mb", soundfont_path()
    if soundfont == "FluidR3_GM" and FLUIDR3_PATH.is_file():
        return "FluidR3_GM", FLUIDR3_PATH
    named = dict(available_soundfonts()).get(soundfont)
    if named is not None:
        return soundfont, named
    if soundfont == "FluidR3_GM":
        raise DataError(f"{FLUIDR3_PATH}: soundfont not found; install Debian's fluid-soundfont-gm "
                        "(apt-get install fluid-soundfont-gm, or `make soundfonts`) or use soundfont='TimGM6mb'")
    path = Path(soundfont).expanduser()
    if not path.is_file():
        raise DataError(f"{path}: soundfont file not found; give 'auto', 'FluidR3_GM', 'TimGM6mb' or an .sf2 path")
    return path.stem, path


@lru_cache(maxsize=None)
def playable_keys(path: str, sr: int, program: int, lo: int, hi: int) -> tuple[int, ...]:
    """Keys in [lo, hi] that the font actually sounds for ``program``: fonts have holes in their key maps
    (TimGM6mb's alto sax is silent at key 64, FluidR3's contrabass above key 57)."""
    probe = int(0.1 * sr)
    keys = []
    for key in range(lo, hi + 1):
        y = render_notes([(0.0, key, 100, 1.0)], sr, probe, program, soundfont=path)
        if np.sqrt(np.mean(y ** 2)) > _SILENT_RMS:
            keys.append(key)
    return tuple(keys)


def _check_instrument(instrument: str) -> None:
    if instrument not in GM_PROGRAMS:
        raise ParamsError(f"instrument {instrument!r}: unknown; use one of {', '.join(INSTRUMENTS)}")


def _phrase(rng: np.random.Generator, keys: tuple[int, ...], seconds: float) -> list[tuple[float, int, int, float]]:
    """A sustained note (half the clips) or 2-4 legato notes moving by small steps; onset in [-LEAD_IN_S, 0.1] s."""
    onset = float(rng.uniform(-LEAD_IN_S, 0.1))
    n_notes = 1 if rng.random() < 0.5 else int(rng.integers(2, 5))
    # Split the time from onset to a little past the clip's end into notes of random length.
    span = seconds + 0.2 - onset
    lengths = rng.dirichlet(np.full(n_notes, 3.0)) * span
    base_vel = rng.uniform(55, 115)
    i = int(rng.integers(len(keys)))
    notes, t = [], onset
    for length in lengths:
        vel = int(np.clip(base_vel + rng.normal(0, 8), 1, 127))
        notes.append((t, keys[i], vel, float(length)))
        t += float(length)
        i = int(np.clip(i + rng.choice([-4, -3, -2, -1, 1, 2, 3, 4]), 0, len(keys) - 1))
    return notes


def pick_program(instrument: str, rng: np.random.Generator, sr: int, soundfont: str = "auto"
                 ) -> tuple[Path, int, tuple[int, ...]]:
    """The font file, a General MIDI program for ``instrument`` (drawn from ``rng`` where there are several, as
    for the saxophones) and the keys that the font sounds for it."""
    _check_instrument(instrument)
    _, path = resolve_soundfont(soundfont)
    programs = GM_PROGRAMS[instrument]
    program = programs[int(rng.integers(len(programs)))]
    keys = playable_keys(str(path), sr, program, *PITCH_RANGES[instrument])
    if not keys:
        raise DataError(f"{path}: program {program} ({instrument}) is silent over keys {PITCH_RANGES[instrument]}; "
                        "use another soundfont")
    return path, program, keys


def render_clip(instrument: str, rng: np.random.Generator, sr: int = 22050, seconds: float = 0.5,
                soundfont: str = "auto") -> np.ndarray:
    """One clip of ``instrument``: float32 (round(seconds * sr),), drawn only from ``rng``."""
    path, program, keys = pick_program(instrument, rng, sr, soundfont)
    notes = _phrase(rng, keys, seconds)
    lead = int(LEAD_IN_S * sr)
    n = int(round(seconds * sr))
    y = render_notes([(t + LEAD_IN_S, k, v, d) for t, k, v, d in notes], sr, lead + n, program,
                     soundfont=path)[lead:]
    rms = float(np.sqrt(np.mean(y.astype(np.float64) ** 2)))
    if rms <= _SILENT_RMS * 0.1:
        raise DataError(f"{path}: {instrument} clip rendered silent (program {program}, notes {notes})")
    gain = 10 ** (rng.uniform(*RMS_DBFS) / 20) / rms
    gain = min(gain, PEAK_LIMIT / float(np.abs(y).max()))
    return check_waveform(y * gain, name=f"{instrument} clip")


def generate(config: InstrumentConfig = InstrumentConfig()) -> tuple[list[np.ndarray], list[str], dict]:
    """``n_per_class`` clips per instrument, grouped by instrument in ``INSTRUMENTS`` order.

    Returns (waveforms, labels, info); ``info`` records the font actually used and the settings.
    """
    name, path = resolve_soundfont(config.soundfont)
    waveforms, labels = [], []
    for instrument in INSTRUMENTS:
        # Seeding by the name's CRC (not its position) keeps a clip unchanged if the instrument list changes.
        key = zlib.crc32(instrument.encode())
        for index in range(config.n_per_class):
            rng = np.random.default_rng([config.seed, key, index])
            waveforms.append(render_clip(instrument, rng, config.sample_rate, config.seconds, str(path)))
            labels.append(instrument)
    info = {"soundfont": name, "soundfont_path": str(path), "seed": config.seed,
            "n_per_class": config.n_per_class, "seconds": config.seconds, "sample_rate": config.sample_rate,
            "instruments": list(INSTRUMENTS), "classes": list(INSTRUMENTS), "programs": {k: list(v) for k, v in GM_PROGRAMS.items()},
            "viola_shares_violin_samples": name == "TimGM6mb"}
    return waveforms, labels, info


def describe(clips: tuple[list[np.ndarray], list[str], dict]) -> Any:
    """What :func:`generate` (or :func:`a2vlib.data.digits.classification_clips`) made: the font actually used or
    the recordings' source, clips per class, length and rate."""
    import pandas as pd

    info = clips[2]
    return pd.Series({k: info[k] for k in ("soundfont", "source", "speakers", "n_per_class", "seconds",
                                           "sample_rate", "viola_shares_violin_samples") if k in info})


def one_per_instrument(clips: tuple[list[np.ndarray], list[str], dict]) -> tuple[list[np.ndarray], int, list[str]]:
    """The first clip of each class (instrument, or digit): (waveforms, sample rate, titles) for
    :func:`a2vlib.viz.spectrogram_grid`."""
    waves, labels, info = clips
    first = [labels.index(c) for c in info.get("classes", INSTRUMENTS) if c in labels]
    return [waves[i] for i in first], int(info["sample_rate"]), [labels[i] for i in first]
