"""A rendered stand-in for Chen et al.'s Sub-URMP: short solo performances of the 13 instruments, cut into 0.5 s
chunks with a sliding window, each paired with a picture of the player at the chunk's first frame.

Sound: each performance is a phrase of notes played with one General MIDI soundfont program
(:mod:`a2vlib.studies.chen2017.urmp.instruments` picks the font and the playable keys): notes of varied length that move mostly by
small steps inside the instrument's range, a dynamic arc (crescendo or diminuendo, with accents), and legato or
detached articulation that changes every few notes. The whole performance is scaled to one random level, so
dynamics stay inside it. Chunks are cut as Sub-URMP's were: a ``chunk_seconds`` window every ``stride_seconds``.

Picture (:mod:`a2vlib.studies.chen2017.urmp.musicians`): one player per performance (a :class:`~a2vlib.studies.chen2017.urmp.musicians.Look`), whose
pose follows the performance: the fingering hand sits where the note sounding at the chunk's first frame is
fingered (``hand`` = its place in the instrument's range), and the bow (strings) or the arm (winds) moves with the
time inside the note, changing direction at every note. So sound and pose are tied by the note, as in a video.

Split by performance, never the same performance in train and test: the last ``test_performances`` of each
instrument are the test set (Sub-URMP put about 20 % of its videos there).

Several fonts (``soundfont="all"`` or a list): the performances of each instrument take the fonts in turn, so the
train and the test split both hold several. ``room=True`` gives each performance a room and a microphone of its own
(:func:`vary_room`), so that a classifier cannot rest on one recording's colour; the level is drawn for every
performance either way.
"""
from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass

import numpy as np

from a2vlib.core.checks import is_int, is_number, require
from a2vlib.core.errors import DataError
from a2vlib.studies.chen2017.urmp import musicians
from a2vlib.studies.chen2017.urmp.pairs import InstrumentPairs
from a2vlib.studies.chen2017.urmp.instruments import (INSTRUMENTS, PEAK_LIMIT, PITCH_RANGES, RMS_DBFS, pick_program,
                                                      resolve_soundfonts)
from a2vlib.data.soundfont import render_notes

TAIL_S = 0.4  # rendered after the last note so that its release is not cut


@dataclass(frozen=True)
class PerformanceConfig:
    """What to render: per instrument ``performances`` pieces of ``seconds`` each, cut into chunks."""

    seed: int = 0
    performances: int = 5  # per instrument
    test_performances: int = 1  # per instrument, the last ones
    seconds: float = 3.0  # length of each performance
    chunk_seconds: float = 0.5  # Chen et al.'s window
    stride_seconds: float = 0.1  # and stride
    sample_rate: int = 22050
    image_size: int = 32
    soundfont: str = "auto"  # one font, a list, "all" or "all except ..." (instruments.resolve_soundfonts)
    room: bool = False  # a reverberant room and a spectral tilt of its own per performance (vary_room)

    def __post_init__(self) -> None:
        require(self, is_int(self.seed) and self.seed >= 0, "seed", "give an integer >= 0")
        require(self, is_int(self.performances) and self.performances >= 2, "performances",
                "give an integer >= 2 (at least one to train on and one to test)")
        require(self, is_int(self.test_performances) and 1 <= self.test_performances < self.performances,
                "test_performances", "give an integer >= 1 and below performances")
        require(self, is_number(self.chunk_seconds) and 0.05 <= self.chunk_seconds <= 5, "chunk_seconds",
                "give a number of seconds in [0.05, 5]")
        require(self, is_number(self.seconds) and self.chunk_seconds <= self.seconds <= 120, "seconds",
                "give a number of seconds between chunk_seconds and 120")
        require(self, is_number(self.stride_seconds) and 0.01 <= self.stride_seconds, "stride_seconds",
                "give a number of seconds >= 0.01")
        require(self, is_int(self.sample_rate) and 8000 <= self.sample_rate <= 96000, "sample_rate",
                "give an integer in [8000, 96000] Hz")
        require(self, is_int(self.image_size) and self.image_size >= 16, "image_size", "give an integer >= 16")
        require(self, isinstance(self.soundfont, str) and bool(self.soundfont), "soundfont",
                "give 'auto', 'FluidR3_GM', 'TimGM6mb', the path of an .sf2 file, a comma-separated list, 'all' or "
                "'all except <font>'")
        require(self, isinstance(self.room, bool), "room", "give true or false")

    @property
    def chunks_per_performance(self) -> int:
        return int(np.floor((self.seconds - self.chunk_seconds) / self.stride_seconds + 1e-9)) + 1


def compose(rng: np.random.Generator, keys: tuple[int, ...], seconds: float) -> list[tuple[float, int, int, float]]:
    """Notes ``(onset_s, key, velocity, duration_s)`` filling ``seconds``: lengths 0.15-0.7 s, steps of up to a
    fourth (sometimes a leap), a dynamic arc with accents, legato or detached in groups of 2-5 notes."""
    notes: list[tuple[float, int, int, float]] = []
    t, i = 0.0, int(rng.integers(len(keys)))
    start_vel, end_vel = rng.uniform(45, 120, size=2)
    legato, group_left = True, 0
    while t < seconds:
        if group_left == 0:
            legato, group_left = bool(rng.random() < 0.6), int(rng.integers(2, 6))
        group_left -= 1
        ioi = float(rng.choice([0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.7]))
        vel = start_vel + (end_vel - start_vel) * t / seconds + (18 if rng.random() < 0.15 else 0)
        vel = int(np.clip(vel + rng.normal(0, 5), 1, 127))
        notes.append((t, keys[i], vel, ioi * (0.98 if legato else rng.uniform(0.45, 0.7))))
        t += ioi
        step = int(rng.choice([-2, -1, 1, 2, 3, -3, 5, -5, 7, -7], p=[.2, .15, .15, .2, .08, .08, .05, .05, .02, .02]))
        i = int(np.clip(i + step, 0, len(keys) - 1))
    return notes


def vary_room(y: np.ndarray, rng: np.random.Generator, sr: int) -> np.ndarray:
    """``y`` in a room of its own, heard through a microphone of its own: reverberation from exponentially decaying
    noise (RT60 0.1-0.8 s, 10-50 % of the mix) and a first-order tilt (-9 to +9 dB between the bands below and above
    a corner of 300-3,000 Hz)."""
    from scipy.signal import butter, fftconvolve, lfilter

    rt60, wet = rng.uniform(0.1, 0.8), rng.uniform(0.1, 0.5)
    t = np.arange(int(rt60 * sr)) / sr
    ir = rng.standard_normal(len(t)) * np.exp(-6.91 * t / rt60)  # 60 dB down at rt60
    y = (1 - wet) * y + wet * fftconvolve(y, ir / np.sqrt(np.sum(ir ** 2)))[:len(y)]
    b, a = butter(1, rng.uniform(300, 3000) / (sr / 2))
    low, gain = lfilter(b, a, y), 10 ** (rng.uniform(-9, 9) / 40)
    return low / gain + (y - low) * gain


def render_performance(instrument: str, rng: np.random.Generator, config: PerformanceConfig,
                       soundfont: str | None = None) -> tuple[np.ndarray, list[tuple[float, int, int, float]]]:
    """One performance: (float32 waveform of ``seconds``, its notes), from ``soundfont`` (default: the config's)."""
    sr = config.sample_rate
    path, program, keys = pick_program(instrument, rng, sr, soundfont or config.soundfont)
    notes = compose(rng, keys, config.seconds)
    n = int(round(config.seconds * sr))
    y = render_notes(notes, sr, n + int(TAIL_S * sr), program, soundfont=path)[:n].astype(np.float64)
    if config.room:  # a stream spawned aside (``rng`` does not move): the same notes and looks with or without it
        seq = getattr(rng.bit_generator, "seed_seq", None) or rng.bit_generator._seed_seq
        y = vary_room(y, np.random.default_rng(seq.spawn(1)[0]), sr)
    rms = float(np.sqrt(np.mean(y ** 2)))
    if rms < 1e-6:
        raise DataError(f"{path}: {instrument} performance rendered silent (program {program}); use another font")
    gain = min(10 ** (rng.uniform(*RMS_DBFS) / 20) / rms, PEAK_LIMIT / float(np.abs(y).max()))
    return (y * gain).astype(np.float32), notes


def pose_at(notes: list[tuple[float, int, int, float]], t: float, instrument: str) -> tuple[int, musicians.Pose]:
    """The note sounding (or last begun) at time ``t`` and the pose it asks for: the hand at the note's place in the
    instrument's range; the stroke sweeping from one end to the other during the note, direction alternating."""
    k = max(j for j, note in enumerate(notes) if note[0] <= t + 1e-9)
    onset, key, _, duration = notes[k]
    lo, hi = PITCH_RANGES[instrument]
    hand = float(np.clip((key - lo) / (hi - lo), 0.0, 1.0))
    progress = float(np.clip((t - onset) / max(duration, 1e-3), 0.0, 1.0))
    stroke = (2 * progress - 1) * (1 if k % 2 == 0 else -1)
    return key, musicians.Pose(hand=hand, stroke=stroke)


def generate(config: PerformanceConfig = PerformanceConfig()) -> InstrumentPairs:
    """Every chunk of every performance, as :class:`~a2vlib.studies.chen2017.urmp.pairs.InstrumentPairs`; a pure function
    of ``config`` and the font."""
    fonts = resolve_soundfonts(config.soundfont)
    used: dict[str, int] = {}
    sr, win = config.sample_rate, int(round(config.chunk_seconds * config.sample_rate))
    stride = config.stride_seconds
    waves, images, labels, perfs, split, notes_at, hands = [], [], [], [], [], [], []
    for instrument in INSTRUMENTS:
        key = zlib.crc32(instrument.encode())  # by name: a performance does not change if the list does
        for p in range(config.performances):
            rng = np.random.default_rng([config.seed, key, p])
            font, path = fonts[(p + key) % len(fonts)]  # the instrument's performances take the fonts in turn
            used[font] = used.get(font, 0) + 1
            y, notes = render_performance(instrument, rng, config, str(path))
            look = musicians.random_look(rng)
            side = "test" if p >= config.performances - config.test_performances else "train"
            for c in range(config.chunks_per_performance):
                start = int(round(c * stride * sr))
                note, pose = pose_at(notes, c * stride, instrument)
                waves.append(y[start:start + win])
                images.append(musicians.draw_musician(instrument, pose, look, config.image_size))
                labels.append(instrument)
                perfs.append(f"{instrument}{p:02d}")
                split.append(side)
                notes_at.append(note)
                hands.append(pose.hand)
    names = [name for name, _ in fonts]
    info = {**asdict(config), "source": "rendered performances", "soundfont": ", ".join(names),
            "soundfont_path": ", ".join(str(path) for _, path in fonts), "performances_per_font": used,
            "viola_shares_violin_samples": "TimGM6mb" in names}
    return InstrumentPairs(np.stack(waves), np.stack(images), labels, perfs, np.asarray(split), sr,
                           np.asarray(notes_at), np.asarray(hands, dtype=np.float32), info)
