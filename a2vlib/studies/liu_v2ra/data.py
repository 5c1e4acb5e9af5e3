"""The clips of notebook 07 and their V2RA encoding: one-second segments of (condition V, audio X) per category,
split by clip (Liu §4.1: 75 % / 25 %), with the true event times of every segment.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from a2vlib.core.errors import ParamsError
from a2vlib.data.image_io import resize_images
from a2vlib.studies.liu_v2ra.clips.impacts import ImpactConfig, VideoClips, generate
from a2vlib.studies.liu_v2ra.video_encoding import encode_clip, frame_features


ENCODING_VERSION = 2  # 2: the p frames of a second spread evenly over it (eq. 3)


def impact_config(params: Mapping[str, Any]) -> ImpactConfig:
    return ImpactConfig(seed=params["seed"], clips_per_category=params["clips_per_category"],
                        seconds=params["clip_seconds"], sample_rate=params["audio_rate"], size=params["frame_size"],
                        noise_db=params["noise_db"], categories=tuple(params["categories"]))


def random_crop(frames: np.ndarray, rng: np.random.Generator, keep: float = 0.75) -> np.ndarray:
    """One random square crop (``keep`` of the side) of a clip's frames, resized back (Table 7's "+ random crop";
    the default reshapes the whole frame)."""
    t, h, w, _ = frames.shape
    side = int(round(keep * min(h, w)))
    y0, x0 = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
    crop = frames[:, y0:y0 + side, x0:x0 + side]
    return resize_images(crop, h, w)


@dataclass
class V2RAData:
    clips: VideoClips
    encoder: str
    cond: np.ndarray  # (N clips, seconds * sr) the tiled video features
    cond_cropped: np.ndarray | None = None
    key: dict[str, Any] = field(default_factory=dict)

    @property
    def sample_rate(self) -> int:
        return self.clips.sample_rate

    def clip_indices(self, category: str, split: str) -> np.ndarray:
        if category not in self.clips.categories:
            raise ParamsError(f"category {category!r} is not in the data; use one of {sorted(set(self.clips.categories))}")
        return self.clips.indices(split, category)

    def segments(self, category: str, split: str, cropped: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """(audio X, condition V), each (n, 1, sr): every whole second of every clip of ``category`` in ``split``."""
        idx = self.clip_indices(category, split)
        sr = self.sample_rate
        cond = self.cond_cropped if cropped else self.cond
        seconds = cond.shape[1] // sr
        audio = np.stack([self.clips.audio[i][:seconds * sr] for i in idx]).reshape(-1, 1, sr)
        return torch.from_numpy(audio.astype(np.float32)), torch.from_numpy(cond[idx].reshape(-1, 1, sr))

    def segment_events(self, category: str, split: str) -> list[np.ndarray]:
        """True event onsets (seconds from the segment's start) of every segment, in :meth:`segments`' order."""
        seconds = self.cond.shape[1] // self.sample_rate
        out = []
        for i in self.clip_indices(category, split):
            ev = np.asarray(self.clips.events[i])
            out += [ev[(ev >= s) & (ev < s + 1)] - s for s in range(seconds)]
        return out

    def clean_reference(self, category: str, folder: str = "") -> np.ndarray:
        """Peak-match's reference recording for ``category``: from ``folder`` (a bank of the user's recordings: the
        first audio file whose name contains the category, else the first audio file), or by default a clean
        rendered recording of the category from the training clips."""
        if folder:
            return reference_from_folder(folder, category, self.sample_rate)
        i = self.clip_indices(category, "train")[0]
        clean = self.clips.clean_audio[i] if self.clips.clean_audio is not None else self.clips.audio[i]
        return np.asarray(clean, dtype=np.float32)


def v2ra_data(params: Mapping[str, Any], with_crop: bool = False) -> V2RAData:
    """The clips of ``params`` and their conditions (eq. 3) by the frame encoder ``params['frame_encoder']``."""
    clips = generate(impact_config(params))
    encoder = params["frame_encoder"]

    def conditions(frames_of) -> np.ndarray:
        return np.stack([encode_clip(frame_features(frames_of(i), encoder), clips.fps, clips.sample_rate)
                         for i in range(len(clips.categories))])

    cond = conditions(lambda i: clips.frames[i])
    cropped = None
    if with_crop:
        rng = np.random.default_rng(params["seed"])
        cropped = conditions(lambda i: random_crop(clips.frames[i], rng))
    # the encoding's version is in the key: a change of how frames are picked or tiled must not reuse old models
    key = {"clips": {k: v for k, v in impact_config(params).__dict__.items()}, "encoder": encoder,
           "encoding": ENCODING_VERSION}
    return V2RAData(clips, encoder, cond, cropped, key)


def event_frames(data: V2RAData, before: int = 3, after: int = 3) -> tuple[list[list[np.ndarray]], list[str], list[str]]:
    """Per category, the frames around the first event of its first test clip (for :func:`a2vlib.viz.image_grid`)."""
    rows, labels = [], []
    for cat in dict.fromkeys(data.clips.categories):
        i = data.clip_indices(cat, "test")[0]
        ev = int(np.asarray(data.clips.event_frames[i])[0])
        lo = max(0, ev - before)
        rows.append(list(data.clips.frames[i][lo:ev + after]))
        labels.append(cat)
    cols = [f"{k - before:+d}" if k != before else "event" for k in range(before + after)]
    return rows, labels, cols


def listen_items(data: V2RAData) -> list[dict[str, Any]]:
    """One test clip per category: its sound (with the background noise) and the clean sound, and its events."""
    items = []
    for cat in dict.fromkeys(data.clips.categories):
        i = data.clip_indices(cat, "test")[0]
        clean = data.clips.clean_audio[i] if data.clips.clean_audio is not None else data.clips.audio[i]
        items.append({"category": cat, "sound": data.clips.audio[i], "clean sound": clean,
                      "events (s)": ", ".join(f"{t:.2f}" for t in data.clips.events[i])})
    return items


def reference_from_folder(folder: str, category: str, sample_rate: int) -> np.ndarray:
    """The bank's recording for ``category`` (see :meth:`V2RAData.clean_reference`), read at ``sample_rate``."""
    from pathlib import Path

    from a2vlib.core.errors import DataError
    from a2vlib.data.audio_io import AUDIO_SUFFIXES, read_audio

    root = Path(folder).expanduser()
    if not root.is_dir():
        raise DataError(f"{root}: peak-match reference folder not found; give a folder of recordings or leave "
                        "peak_reference_dir empty for the kit's rendered ones")
    files = sorted(p for p in root.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES)
    if not files:
        raise DataError(f"{root}: no audio files ({', '.join(AUDIO_SUFFIXES)}) in the peak-match reference folder")
    named = [p for p in files if category in p.stem.lower()]
    return read_audio((named or files)[0], sr=sample_rate)[0]
