"""A rendered stand-in for Liu et al.'s V2RA data: silent video clips and the sound that goes with them, for the
paper's seven categories (fireworks and dogs from VEGAS; cloth, wood, gravel, plastic hits from Greatest Hits; birds).
The frames are drawn by :mod:`a2vlib.studies.liu_v2ra.clips.scenes`. What stands for what:

- Events: 1-4 per clip (impacts, barks, bangs; 1-3 chirp phrases for birds) at random onsets, at least ``GAP``
  apart, none in the first 0.2 s (every clip opens with background only). ``Clip.events`` holds the true onsets in
  seconds; ``Clip.event_frames`` the frame that shows each one, the frame nearest in time, ``round(onset * fps)``,
  so picture and sound agree within half a frame. Sound travels instantly here: a firework's bang starts at its
  flash (no distance delay; in real VEGAS clips it lags by up to a second or so).
- Impacts (Greatest Hits): modal synthesis, a struck object's sound as a sum of exponentially decaying sinusoids.
  Each clip is one object: its modes (frequencies, amplitudes, decay rates) are drawn once per clip and each strike
  detunes them by about 1 %. wood: 3-4 inharmonic modes in 0.3-3 kHz, fast decay (tens of ms); plastic: 5 higher,
  brighter modes, medium decay (~0.1 s); gravel: a burst of tiny high clicks (pebbles) over a soft thud; cloth: a
  low-passed noise thud that dies in ~10 ms. The strike speed (per strike, 0.35-1, shown by how high the stick winds
  up) sets the amplitude and the brightness.
- dog: a bark of 0.15-0.4 s: a harmonic source (rising then falling pitch) through three formants, with breath.
- fireworks: a sharp broadband crack, a low boom and, sometimes, a crackling tail.
- bird: phrases of 2-4 chirps, each an FM sweep (or trill) inside 2.5-7 kHz with weak harmonics.
- Background: coloured noise (1/f^a, a random per clip) at ``noise_db`` relative to the events' level
  (:func:`event_level`: RMS of the clean sound over the first 50 ms of each event); ``None`` = no noise.
  ``Clip.clean_audio`` is the same clip without it, at the same gain, for de-noising studies.
- Level: each clip is scaled to a random peak in 0.3-0.9, then down if the noisy mix would pass 0.95.

A clip is a pure function of (seed, category, index): :func:`clip_at`. The split is by clip, per category: a seeded
random ``test_share`` (25 %) of each category's clips is the test set, as Liu et al. did.
"""
from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import signal

from a2vlib.core.checks import is_int, is_number, require
from a2vlib.core.errors import DataError, ParamsError
from a2vlib.studies.liu_v2ra.clips.scenes import draw_frames

CATEGORIES = ("wood", "gravel", "cloth", "plastic", "dog", "fireworks", "bird")
MATERIALS = ("wood", "gravel", "cloth", "plastic")
START_S = 0.2  # no event before this: the clip opens with background only
GAP = {"dog": 0.55, "fireworks": 0.5, "bird": 0.9}  # least time between onsets; impacts 0.35
TAIL = {"dog": 0.45, "fireworks": 0.3, "bird": 0.3}  # no onset in the last TAIL seconds; impacts 0.25
STRENGTH = {"dog": (0.5, 1.0), "fireworks": (0.4, 1.0), "bird": (0.5, 1.0)}  # per event; impacts 0.35-1
LEVEL_WINDOW_S = 0.05
SPLITS = ("train", "test")


def _check_category(category: object) -> str:
    if category not in CATEGORIES:
        raise ParamsError(f"category {category!r}: unknown; use one of {', '.join(CATEGORIES)}")
    return str(category)


@dataclass(frozen=True)
class ImpactConfig:
    """What to render: ``clips_per_category`` clips of ``seconds`` for each of ``categories``."""

    seed: int = 0
    clips_per_category: int = 20
    seconds: float = 2.0
    fps: int = 30
    sample_rate: int = 44100
    size: int = 64  # frame side in pixels (square RGB)
    noise_db: float | None = -30.0  # background noise relative to the events' level; None = none
    test_share: float = 0.25
    categories: tuple[str, ...] = CATEGORIES

    def __post_init__(self) -> None:
        require(self, is_int(self.seed) and self.seed >= 0, "seed", "give an integer >= 0")
        require(self, is_int(self.clips_per_category) and self.clips_per_category >= 2, "clips_per_category",
                "give an integer >= 2 (at least one to train on and one to test)")
        require(self, is_number(self.seconds) and 1.0 <= self.seconds <= 60, "seconds",
                "give a number of seconds in [1, 60]")
        require(self, is_int(self.fps) and 10 <= self.fps <= 120, "fps", "give an integer in [10, 120]")
        require(self, is_int(self.sample_rate) and 8000 <= self.sample_rate <= 96000, "sample_rate",
                "give an integer in [8000, 96000] Hz (16000 or 44100 usually)")
        require(self, is_int(self.size) and 32 <= self.size <= 512, "size", "give an integer in [32, 512] pixels")
        require(self, self.noise_db is None or (is_number(self.noise_db) and -120 <= self.noise_db <= 10),
                "noise_db", "give a number of dB in [-120, 10] (e.g. -30 = quiet) or None for no noise")
        require(self, is_number(self.test_share) and 0 < self.test_share < 1, "test_share",
                "give a number in (0, 1), e.g. 0.25")
        if is_int(self.clips_per_category) and is_number(self.test_share):
            require(self, self.n_test < self.clips_per_category, "test_share",
                    "leaves no clip to train on; lower it or raise clips_per_category")
        ok = (isinstance(self.categories, (tuple, list)) and len(self.categories) > 0
              and all(c in CATEGORIES for c in self.categories) and len(set(self.categories)) == len(self.categories))
        require(self, ok, "categories", f"give distinct names from {', '.join(CATEGORIES)}")
        object.__setattr__(self, "categories", tuple(self.categories))

    @property
    def n_test(self) -> int:
        return max(1, int(round(self.test_share * self.clips_per_category)))

    @property
    def n_frames(self) -> int:
        return int(round(self.seconds * self.fps))

    @property
    def n_samples(self) -> int:
        return int(round(self.seconds * self.sample_rate))


@dataclass
class Clip:
    """One silent video clip and its sound."""

    frames: np.ndarray  # uint8 (T, H, W, 3)
    audio: np.ndarray  # float32 (samples,), with background noise, peak <= 0.95
    clean_audio: np.ndarray  # float32 (samples,), the same without background noise
    events: np.ndarray  # float64 (E,), onsets in seconds
    event_frames: np.ndarray  # int (E,), the frame showing each onset
    category: str
    sample_rate: int
    fps: int
    strengths: np.ndarray  # (E,) 0..1: strike speed, bark / bang / phrase loudness
    info: dict[str, Any] = field(default_factory=dict)  # what the frames show per frame, the noise level, ...


@dataclass
class VideoClips:
    """``N`` clips of equal length: frames uint8 (N, T, H, W, 3), audio and clean_audio float32 (N, samples)
    (clean_audio None for real videos), per clip the event onsets (s) and frames, category and split."""

    frames: np.ndarray
    audio: np.ndarray
    clean_audio: np.ndarray | None
    events: list[np.ndarray]
    event_frames: list[np.ndarray]
    categories: list[str]
    split: np.ndarray
    sample_rate: int
    fps: int
    names: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.categories)
        fields = ("frames", "audio", "clean_audio", "events", "event_frames", "split", "names")
        sizes = {k: len(getattr(self, k)) for k in fields if getattr(self, k) is not None}
        bad = {k: v for k, v in sizes.items() if v != n and not (k == "names" and v == 0)}
        if bad:
            raise DataError(f"video clips: {n} categories but {bad}; every field needs one entry per clip")
        if self.frames.ndim != 5 or self.frames.shape[-1] != 3 or self.frames.dtype != np.uint8:
            raise DataError(f"video clips: frames must be uint8 (N, T, H, W, 3), got {self.frames.dtype} "
                            f"{self.frames.shape}")
        unknown = sorted(set(np.asarray(self.split).tolist()) - set(SPLITS))
        if unknown:
            raise DataError(f"video clips: unknown split name(s) {unknown}; use 'train' and 'test'")

    def __len__(self) -> int:
        return len(self.categories)

    def indices(self, split: str, category: str | None = None) -> np.ndarray:
        """Positions of the clips in ``split`` (of one ``category`` when given)."""
        if split not in SPLITS:
            raise DataError(f"split {split!r}: use one of {', '.join(SPLITS)}")
        keep = np.asarray(self.split) == split
        if category is not None:
            keep &= np.asarray(self.categories) == category
        return np.flatnonzero(keep)

    def subset(self, idx: np.ndarray) -> VideoClips:
        idx = np.asarray(idx, int)
        clean = None if self.clean_audio is None else self.clean_audio[idx]
        return VideoClips(self.frames[idx], self.audio[idx], clean,
                          [self.events[i] for i in idx], [self.event_frames[i] for i in idx],
                          [self.categories[i] for i in idx], np.asarray(self.split)[idx], self.sample_rate, self.fps,
                          [self.names[i] for i in idx] if self.names else [], dict(self.info))


# ---------------------------------------------------------------- timing

def _onsets(rng: np.random.Generator, n_want: int, seconds: float, gap: float, tail: float) -> np.ndarray:
    """``n_want`` sorted onsets (fewer if they do not fit) in [START_S, seconds - tail], at least ``gap`` apart."""
    span = seconds - tail - START_S
    n = max(1, min(n_want, 1 + int(span // gap)))
    free = max(span - (n - 1) * gap, 0.0)
    return START_S + np.sort(rng.uniform(0.0, free, n)) + np.arange(n) * gap


# ---------------------------------------------------------------- sounds (each starts at its onset, t = 0)

def _modes(t: np.ndarray, freqs: np.ndarray, amps: np.ndarray, rates: np.ndarray, sr: int) -> np.ndarray:
    keep = freqs < 0.45 * sr  # modes above Nyquist would alias
    f, a, r = freqs[keep, None], amps[keep, None], rates[keep, None]
    return (a * np.exp(-r * t) * np.sin(2 * np.pi * f * t)).sum(axis=0)


def _object(material: str, rng: np.random.Generator) -> dict[str, np.ndarray | float]:
    """One struck object per clip: its modes (or its grain and thud settings)."""
    if material == "wood":
        f0 = rng.uniform(350, 650)
        ratios = np.array([1.0, rng.uniform(2.0, 2.5), rng.uniform(3.6, 4.4), rng.uniform(5.6, 6.6)])
        return {"f": f0 * ratios[f0 * ratios < 3200], "a": np.array([1, 0.6, 0.35, 0.2]),
                "r": rng.uniform(30, 50) * np.array([1, 1.6, 2.2, 2.8])}
    if material == "plastic":
        f0 = rng.uniform(900, 1600)
        ratios = np.array([1.0, rng.uniform(1.55, 1.8), rng.uniform(2.4, 2.8), rng.uniform(3.5, 4.2),
                           rng.uniform(4.9, 5.6)])
        return {"f": f0 * ratios, "a": np.array([1, 0.85, 0.65, 0.5, 0.35]),
                "r": rng.uniform(7, 12) * np.array([1, 1.3, 1.6, 1.9, 2.2])}
    if material == "cloth":
        return {"fc": rng.uniform(250, 600), "tau": rng.uniform(0.006, 0.012), "thump": rng.uniform(70, 140)}
    return {"lo": rng.uniform(1500, 2500), "hi": rng.uniform(5000, 7500), "thud": rng.uniform(150, 350)}


def _strike(material: str, obj: dict, s: float, rng: np.random.Generator, sr: int) -> np.ndarray:
    """One hit at speed ``s`` (0..1): louder and brighter when faster."""
    if material in ("wood", "plastic"):
        t = np.arange(int((0.3 if material == "wood" else 0.6) * sr)) / sr
        k = np.arange(len(obj["a"]))[: len(obj["f"])]
        f = obj["f"] * (1 + rng.normal(0, 0.01, len(obj["f"])))
        a = obj["a"][k] * s ** (0.4 * k) * rng.uniform(0.85, 1.15, len(k))
        y = _modes(t, f, a, obj["r"][k], sr)
        click = rng.normal(0, 1, len(t)) * np.exp(-t / 0.0006) * (0.25 if material == "wood" else 0.35)
        return s ** 1.3 * (y + click)
    if material == "cloth":
        t = np.arange(int(0.15 * sr)) / sr
        b, a = signal.butter(2, obj["fc"] * (0.8 + 0.4 * s) / (sr / 2))
        noise = signal.lfilter(b, a, rng.normal(0, 1, len(t)))
        env = (1 - np.exp(-t / 0.0015)) * np.exp(-t / obj["tau"])
        y = env * (noise / (noise.std() + 1e-12) * 0.6 + 0.5 * np.sin(2 * np.pi * obj["thump"] * t))
        return s ** 1.3 * y
    # gravel: the stick's thud and the first (loudest) pebble at the onset, then pebbles settling
    t = np.arange(int(0.2 * sr)) / sr
    m = int(10 + 25 * s)
    at = np.concatenate([[0.0], np.sort(np.minimum(rng.exponential(0.025, m - 1), 0.15))])
    amp = np.concatenate([[1.0], rng.uniform(0.2, 0.7, m - 1) * np.exp(-at[1:] / 0.03)])
    y = 0.4 * np.exp(-t / 0.012) * np.sin(2 * np.pi * obj["thud"] * t)
    for t0, a0, f0, tau in zip(at, amp, rng.uniform(obj["lo"], obj["hi"], m), rng.uniform(0.0008, 0.003, m)):
        i = int(t0 * sr)
        g = t[: len(t) - i]
        y[i:] += a0 * np.exp(-g / tau) * np.sin(2 * np.pi * min(f0, 0.45 * sr) * g)
    return s ** 1.3 * y


def _bark(dog: dict, s: float, dur: float, rng: np.random.Generator, sr: int) -> np.ndarray:
    t = np.arange(int(dur * sr)) / sr
    u = t / dur
    f0 = dog["f0"] * rng.uniform(0.93, 1.07) * (1 + 0.3 * np.sin(np.pi * np.clip(u / 0.6, 0, 1))) * (1 - 0.25 * u)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    n_h = int(min(30, 0.45 * sr / f0.max()))
    k = np.arange(1, n_h + 1)[:, None]
    fk = k * f0[None, :]
    gain = sum(g / (1 + ((fk - F) / B) ** 2) for F, B, g in zip(dog["F"], (150, 220, 300), (1, 0.7, 0.35)))
    y = ((gain + 0.03) / k ** 0.7 * np.sin(k * phase[None, :])).sum(axis=0)
    b, a = signal.butter(2, [800 / (sr / 2), min(4000, 0.45 * sr) / (sr / 2)], btype="band")
    y = y / (np.abs(y).max() + 1e-12) + 0.15 * signal.lfilter(b, a, rng.normal(0, 1, len(t)))
    env = np.minimum(t / 0.008, 1) * np.exp(-np.maximum(t - 0.3 * dur, 0) / (0.35 * dur))
    env *= np.clip((dur - t) / 0.02, 0, 1)  # close the mouth without a click
    return s * y * env


def _bang(s: float, rng: np.random.Generator, sr: int) -> np.ndarray:
    t = np.arange(int(0.9 * sr)) / sr
    crack = rng.normal(0, 1, len(t)) * np.minimum(t / 0.0005, 1) * np.exp(-t / rng.uniform(0.005, 0.02))
    fb = rng.uniform(40, 90) * (1 - 0.3 * np.minimum(t / 0.4, 1))
    boom = np.sin(2 * np.pi * np.cumsum(fb) / sr) * np.minimum(t / 0.004, 1) * np.exp(-t / rng.uniform(0.15, 0.35))
    b, a = signal.butter(2, 200 / (sr / 2))
    rumble = signal.lfilter(b, a, rng.normal(0, 1, len(t)))
    rumble *= np.exp(-t / 0.3) / (rumble.std() + 1e-12)
    y = crack + 0.6 * boom + 0.3 * rumble
    if rng.random() < 0.4:  # crackle: the stars burning out
        for t0 in rng.uniform(0.2, 0.7, int(rng.integers(10, 30))):
            i = int(t0 * sr)
            g = t[: len(t) - i]
            y[i:] += 0.15 * rng.normal(0, 1, len(g)) * np.exp(-g / 0.001)
    return s * y


def _phrase(bird: dict, s: float, onset: float, until: float, rng: np.random.Generator, sr: int
            ) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """A phrase of chirps from ``onset`` (none starting after ``until``): its sound and the chirps' spans (s)."""
    y, spans, t0 = np.zeros(int(1.0 * sr)), [], 0.0
    for c in range(int(rng.integers(2, 5))):
        dur = bird["dur"] * rng.uniform(0.8, 1.2)
        if c > 0 and (onset + t0 + dur > until or t0 + dur > 0.95):
            break
        t = np.arange(int(dur * sr)) / sr
        u = t / dur
        lo, hi = bird["lo"] * rng.uniform(0.97, 1.03), bird["hi"] * rng.uniform(0.97, 1.03)
        f = {"down": hi - (hi - lo) * u, "up": lo + (hi - lo) * u,
             "trill": (lo + hi) / 2 + (hi - lo) / 2 * np.sin(2 * np.pi * bird["rate"] * t)}[bird["shape"]]
        ph = 2 * np.pi * np.cumsum(f) / sr
        chirp = sum(a * np.sin(h * ph) for h, a in ((1, 1.0), (2, 0.12), (3, 0.04)) if h * f.max() < 0.45 * sr)
        i = int(t0 * sr)
        y[i:i + len(t)] += np.sin(np.pi * u) ** 1.5 * chirp * s * rng.uniform(0.8, 1.0)
        spans.append((onset + t0, onset + t0 + dur))
        t0 += dur + bird["gap"] * rng.uniform(0.8, 1.2)
    return y[: int((t0 + 0.01) * sr)], spans


# ---------------------------------------------------------------- clips

def _coloured_noise(rng: np.random.Generator, n: int, sr: int) -> np.ndarray:
    """Unit-RMS noise with a 1/f^a power spectrum (a in 0.5-1.5: between hiss and rumble), nothing below 20 Hz."""
    spec = np.fft.rfft(rng.normal(0, 1, n))
    f = np.fft.rfftfreq(n, 1 / sr)
    spec *= (f >= 20) * (np.maximum(f, 20) / 1000.0) ** (-rng.uniform(0.5, 1.5) / 2)
    y = np.fft.irfft(spec, n)
    return y / (np.sqrt(np.mean(y ** 2)) + 1e-12)


def event_level(clean: np.ndarray, onsets: np.ndarray, sample_rate: int) -> float:
    """The events' level: RMS of ``clean`` over the first 50 ms after each onset, power-averaged."""
    w = int(LEVEL_WINDOW_S * sample_rate)
    segs = [np.asarray(clean[int(round(t * sample_rate)):][:w], float) for t in onsets]
    return float(np.sqrt(np.mean(np.concatenate(segs) ** 2))) if segs else 0.0


def render_clip(category: str, rng: np.random.Generator, config: ImpactConfig = ImpactConfig()) -> Clip:
    """One clip of ``category``, a pure function of ``rng``'s state and ``config``."""
    _check_category(category)
    if not isinstance(config, ImpactConfig):
        raise ParamsError(f"config = {config!r}: give an ImpactConfig")
    sr, fps, seconds = config.sample_rate, config.fps, float(config.seconds)
    # separate streams: the picture, the sound and the noise never shift each other's random draws
    pic_rng, snd_rng, noise_rng = (np.random.default_rng(int(x)) for x in rng.integers(0, 2 ** 63, 3))
    kind = category if category in GAP else "impact"
    n_events = int(snd_rng.integers(1, 4 if category == "bird" else 5))
    onsets = _onsets(snd_rng, n_events, seconds, GAP.get(kind, 0.35), TAIL.get(kind, 0.25))
    clean = np.zeros(config.n_samples + 2 * sr)  # room for tails; cut at the end
    strengths, parts = np.zeros(len(onsets)), []
    if category in MATERIALS:
        obj = _object(category, snd_rng)
    elif category == "dog":
        dog = {"f0": snd_rng.uniform(250, 650), "F": (snd_rng.uniform(500, 900), snd_rng.uniform(1300, 2000),
                                                      snd_rng.uniform(2500, 3500))}
    elif category == "bird":
        top = min(7000.0, 0.42 * sr)  # below 16 kHz sampling the song is squeezed under Nyquist
        lo = snd_rng.uniform(min(2500, top - 900), min(4000, top - 500))
        bird = {"lo": lo, "hi": snd_rng.uniform(min(lo + 1200, top), top), "dur": snd_rng.uniform(0.04, 0.12),
                "gap": snd_rng.uniform(0.03, 0.08), "rate": snd_rng.uniform(25, 45),
                "shape": ("down", "up", "trill")[int(snd_rng.integers(3))]}
    for e, onset in enumerate(onsets):
        s = strengths[e] = snd_rng.uniform(*STRENGTH.get(kind, (0.35, 1.0)))
        if category in MATERIALS:
            y, span = _strike(category, obj, s, snd_rng, sr), [(onset, onset + 0.05)]
        elif category == "dog":
            dur = snd_rng.uniform(0.15, 0.4)
            y, span = _bark(dog, s, dur, snd_rng, sr), [(onset, onset + dur)]
        elif category == "fireworks":
            y, span = _bang(s, snd_rng, sr), [(onset, onset + 0.05)]
        else:
            until = (onsets[e + 1] - 0.1) if e + 1 < len(onsets) else seconds - 0.05
            y, span = _phrase(bird, s, onset, until, snd_rng, sr)
        i = int(round(onset * sr))
        clean[i:i + len(y)] += y
        parts.append(span)
    clean = clean[: config.n_samples]
    noise = _coloured_noise(noise_rng, config.n_samples, sr)
    level = event_level(clean, onsets, sr)
    noise *= 0.0 if config.noise_db is None else level * 10 ** (config.noise_db / 20)
    gain = snd_rng.uniform(0.3, 0.9) / (np.abs(clean).max() + 1e-12)
    gain = min(gain, 0.95 / (np.abs(clean + noise).max() + 1e-12))
    event_frames = np.minimum(np.round(onsets * fps).astype(int), config.n_frames - 1)
    frames, shown = draw_frames(category, pic_rng, onsets, event_frames, strengths, parts, config.n_frames, fps,
                                config.size)
    info = {**shown, "parts": parts, "noise_rms": float(np.sqrt(np.mean(noise ** 2)) * gain),
            "event_level": level * gain, "sound_delay_s": 0.0}
    return Clip(frames, (gain * (clean + noise)).astype(np.float32), (gain * clean).astype(np.float32), onsets,
                event_frames, category, sr, fps, strengths, info)


def clip_at(config: ImpactConfig, category: str, index: int) -> Clip:
    """Clip ``index`` of ``category``: the same whatever the other categories or the clip count."""
    key = zlib.crc32(_check_category(category).encode())  # by name: a clip does not change if the list does
    return render_clip(category, np.random.default_rng([config.seed, key, int(index)]), config)


def generate(config: ImpactConfig = ImpactConfig()) -> VideoClips:
    """Every clip of every category in ``config``, as :class:`VideoClips`; a pure function of ``config``."""
    clips, split, names = [], [], []
    for category in config.categories:
        n = config.clips_per_category
        test = set(np.random.default_rng([config.seed, zlib.crc32(category.encode())])
                   .permutation(n)[: config.n_test].tolist())
        for i in range(n):
            clips.append(clip_at(config, category, i))
            split.append("test" if i in test else "train")
            names.append(f"{category}{i:03d}")
    info = {**asdict(config), "source": "rendered V2RA stand-in (a2vlib.studies.liu_v2ra.clips.impacts)", "sound_delay_s": 0.0,
            "strengths": [c.strengths for c in clips]}
    return VideoClips(np.stack([c.frames for c in clips]), np.stack([c.audio for c in clips]),
                      np.stack([c.clean_audio for c in clips]), [c.events for c in clips],
                      [c.event_frames for c in clips], [c.category for c in clips], np.asarray(split),
                      config.sample_rate, config.fps, names, info)
