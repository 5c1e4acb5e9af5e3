"""The clips of notebook 07 and their V2RA encoding: one-second segments of (condition V, audio X) per category,
split by clip (Liu §4.1: 75 % / 25 %), with the true event times of every segment.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from a2vlib.core.errors import ParamsError, WeightsError
from a2vlib.data.image_io import resize_images
from a2vlib.registry import register_all
from a2vlib.studies.liu_v2ra.clips.impacts import ImpactConfig, VideoClips, generate
from a2vlib.studies.liu_v2ra.clips.videos import folder_digest, read_video_clips, video_files
from a2vlib.studies.liu_v2ra.video_encoding import encode_video, frame_features


ENCODING_VERSION = 3  # 2: the p frames of a second spread evenly over it; 3: zeros in blocks between them (eq. 3)


def impact_config(params: Mapping[str, Any]) -> ImpactConfig:
    return ImpactConfig(seed=params["seed"], clips_per_category=params["clips_per_category"],
                        seconds=params["clip_seconds"], sample_rate=params["audio_rate"], size=params["frame_size"],
                        noise_db=params["noise_db"], categories=tuple(params["categories"]))


def random_crop(frames: np.ndarray, rng: np.random.Generator, keep: float = 0.75) -> np.ndarray:
    """One random square crop (``keep`` of the side) of a clip's frames, the same for all of them, resized back
    (Table 7's "+ random crop"; the default reshapes the whole frame)."""
    t, h, w, _ = frames.shape
    side = int(round(keep * min(h, w)))
    y0, x0 = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
    crop = frames[:, y0:y0 + side, x0:x0 + side]
    return resize_images(crop, h, w)


CROPS = 8  # random crops drawn per clip for Table 7's "+ random crop" (a fresh one of them at every use)


class CropDraws(torch.utils.data.Dataset):
    """Training segments whose condition is one of ``crops`` (CROPS, n, 1, sr), drawn at each access from torch's
    random stream (which the trainer seeds and checkpoints, so a run repeats and resumes exactly)."""

    def __init__(self, audio: torch.Tensor, crops: torch.Tensor):
        self.audio, self.crops = audio, crops

    def __len__(self) -> int:
        return len(self.audio)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        k = int(torch.randint(len(self.crops), (1,)))
        return self.audio[i], self.crops[k, i]


@dataclass
class V2RAData:
    clips: VideoClips
    encoder: str
    cond: np.ndarray  # (N clips, seconds * sr) the tiled video features
    cond_crops: np.ndarray | None = None  # (CROPS, N clips, seconds * sr): each clip's frames cropped CROPS ways
    key: dict[str, Any] = field(default_factory=dict)

    @property
    def sample_rate(self) -> int:
        return self.clips.sample_rate

    def clip_indices(self, category: str, split: str) -> np.ndarray:
        if category not in self.clips.categories:
            raise ParamsError(f"category {category!r} is not in the data; use one of {sorted(set(self.clips.categories))}")
        return self.clips.indices(split, category)

    def segments(self, category: str, split: str) -> tuple[torch.Tensor, torch.Tensor]:
        """(audio X, condition V), each (n, 1, sr): every whole second of every clip of ``category`` in ``split``."""
        audio, cond = self._audio(category, split), self._cond(self.cond, category, split)
        return audio, cond

    def clip_conditions(self, category: str, split: str) -> np.ndarray:
        """Condition V of every clip of ``category`` in ``split`` whole (n, seconds x sr)."""
        return self.cond[self.clip_indices(category, split)]

    def crop_segments(self, category: str) -> "CropDraws":
        """The training segments of ``category`` for Table 7's "+ random crop": each use of a segment draws one of
        its clip's :data:`CROPS` crops afresh (a new crop each epoch, from a fixed pool so that the frame encoder
        runs once per crop); test segments are never cropped."""
        if self.cond_crops is None:
            raise ParamsError("these data were built without crops; build them with v2ra_data(params, with_crop=True)")
        crops = torch.stack([self._cond(c, category, "train") for c in self.cond_crops])
        return CropDraws(self._audio(category, "train"), crops)

    def _audio(self, category: str, split: str) -> torch.Tensor:
        idx = self.clip_indices(category, split)
        sr, seconds = self.sample_rate, self.cond.shape[1] // self.sample_rate
        audio = np.stack([self.clips.audio[i][:seconds * sr] for i in idx]).reshape(-1, 1, sr)
        return torch.from_numpy(audio.astype(np.float32))

    def _cond(self, cond: np.ndarray, category: str, split: str) -> torch.Tensor:
        return torch.from_numpy(cond[self.clip_indices(category, split)].reshape(-1, 1, self.sample_rate))

    def segment_events(self, category: str, split: str) -> list[np.ndarray]:
        """True event onsets (seconds from the segment's start) of every segment, in :meth:`segments`' order."""
        seconds = self.cond.shape[1] // self.sample_rate
        out = []
        for i in self.clip_indices(category, split):
            ev = np.asarray(self.clips.events[i])
            out += [ev[(ev >= s) & (ev < s + 1)] - s for s in range(seconds)]
        return out

    def clean_reference(self, category: str, folder: str = "") -> np.ndarray:
        """The in-family reference for ``category``: from ``folder`` when given (see :meth:`peak_reference`), else a
        clean rendered recording of the category from the training clips (made by the synthesiser that made the
        test clips, which favours peak-match)."""
        if folder:
            return reference_from_folder(folder, category, self.sample_rate)
        i = self.clip_indices(category, "train")[0]
        clean = self.clips.clean_audio[i] if self.clips.clean_audio is not None else self.clips.audio[i]
        return np.asarray(clean, dtype=np.float32)

    def peak_reference(self, category: str, bank: str = "percussion", folder: str = "") -> np.ndarray:
        """Peak-match's reference recording for ``category``: from ``folder`` (a bank of the user's recordings: the
        first audio file whose name contains the category, else the first audio file) when given; else from
        ``bank``: ``percussion`` (the default: sampled hits of the General MIDI soundfont, :data:`PERCUSSION_BANK`,
        recordings from outside the clips' synthesiser, as Liu et al. drew theirs from a sound-effect library) or
        ``in_family`` (:meth:`clean_reference`)."""
        if folder or bank == "in_family":
            return self.clean_reference(category, folder)
        if bank not in REFERENCE_BANKS:
            raise ParamsError(f"peak_reference_bank {bank!r}: unknown; use one of {', '.join(REFERENCE_BANKS)}")
        return percussion_reference(category, self.sample_rate)


REFERENCE_BANKS = ("percussion", "in_family")  # where peak-match's reference comes from (see peak_reference)
register_all("peak_reference_bank", REFERENCE_BANKS)

#: The out-of-family reference per category: a General MIDI sound of the soundfont, (program, key, drum kit?).
#: Percussion keys of the standard kit (bank 128, program 0) where one fits, else a melodic sound-effect program.
PERCUSSION_BANK: dict[str, tuple[int, int, bool]] = {
    "wood": (0, 76, True),        # hi wood block
    "plastic": (0, 75, True),     # claves
    "gravel": (0, 70, True),      # maracas
    "cloth": (0, 39, True),       # hand clap
    "dog": (0, 36, True),         # bass drum 1 (General MIDI has no dog)
    "fireworks": (127, 60, False),  # gunshot
    "bird": (123, 72, False),     # bird tweet
}


def percussion_reference(category: str, sample_rate: int, hits: int = 4, spacing_s: float = 0.3) -> np.ndarray:
    """``hits`` strikes of the category's :data:`PERCUSSION_BANK` sound, ``spacing_s`` apart, peak 0.9."""
    from a2vlib.core.errors import DataError
    from a2vlib.data.soundfont import render_notes

    program, key, drums = PERCUSSION_BANK.get(category, (0, 76, True))
    n = int(round((0.1 + hits * spacing_s + 0.3) * sample_rate))
    y = render_notes([(0.1 + k * spacing_s, key, 110, 0.2) for k in range(hits)], sample_rate, n, program, drums=drums)
    peak = float(np.abs(y).max())
    if peak <= 0:
        raise DataError(f"the soundfont rendered silence for {category!r} (program {program}, key {key}); give "
                        "peak_reference_dir or peak_reference_bank: in_family")
    return (0.9 * y / peak).astype(np.float32)


def v2ra_data(params: Mapping[str, Any], with_crop: bool | str = False) -> V2RAData:
    """The clips of ``params`` (rendered, or the videos under ``params['video_root']``:
    :mod:`a2vlib.studies.liu_v2ra.clips.videos`) and their conditions (eq. 3) by the frame encoder
    ``params['frame_encoder']``, or by ``params['frame_encoder_fallback']`` (with a warning) when the first one's
    weights are not on disk; the encoder used is ``V2RAData.encoder``. ``with_crop``: also :data:`CROPS` random
    crops of the frames, encoded for the training clips of ``with_crop`` (a category) or of
    ``params['table7_category']`` alone (Table 7's "+ random crop" row trains on them; the frame encoder is the costly
    part), the others keeping their plain condition."""
    root = params.get("video_root", "")
    if root:
        files = video_files(root, list(params["categories"]))
        clips = read_video_clips(root, list(params["categories"]), params["clip_seconds"], params["audio_rate"],
                                 params["frame_size"])
        source = {"video_root": str(Path(root).expanduser().resolve()), "files": folder_digest(files),
                  "seconds": params["clip_seconds"], "sample_rate": params["audio_rate"], "size": params["frame_size"]}
    else:
        clips = generate(impact_config(params))
        source = dict(impact_config(params).__dict__)
    from a2vlib.core.device import pick_device

    encoder, device = params["frame_encoder"], str(pick_device(params.get("device", "cpu")))  # the run's device
    fallback = params.get("frame_encoder_fallback", "")
    if fallback and encoder != fallback:
        try:  # the paper's VGG19 only where its weights are on disk: say so, and use the stated fallback
            frame_features(clips.frames[0][:1], encoder, device)
        except WeightsError as exc:
            warnings.warn(f"frame_encoder {encoder!r} is not available ({exc}); using frame_encoder_fallback "
                          f"{fallback!r}", stacklevel=2)
            encoder = fallback

    def encode(frames: np.ndarray) -> np.ndarray:
        return encode_video(frames, clips.fps, clips.sample_rate, lambda x: frame_features(x, encoder, device))

    cond = np.stack([encode(clips.frames[i]) for i in range(len(clips.categories))])
    crops = None
    crop_category = with_crop if isinstance(with_crop, str) else params.get("table7_category", "")
    if with_crop:  # only the clips a cropped model trains on are encoded (the crops are drawn for all, in order)
        used = set(range(len(clips.categories)))
        if crop_category:
            used = {int(i) for i in clips.indices("train", crop_category)}
        rng = np.random.default_rng(params["seed"])
        crops = np.stack([np.stack([encode(cropped) if i in used else cond[i]
                                    for i, cropped in ((i, random_crop(clips.frames[i], rng))
                                                       for i in range(len(clips.categories)))])
                          for _ in range(CROPS)])
    # the encoding's version is in the key: a change of how frames are picked or tiled must not reuse old models
    key = {"clips": source, "encoder": encoder,
           "encoding": ENCODING_VERSION, "crops": CROPS if with_crop else 0,
           **({"crop_category": crop_category} if with_crop and crop_category else {})}
    return V2RAData(clips, encoder, cond, crops, key)


def event_frames(data: V2RAData, before: int = 3, after: int = 3) -> tuple[list[list[np.ndarray]], list[str], list[str]]:
    """Per category, the frames around the first event of its first test clip (for :func:`a2vlib.viz.image_grid`)."""
    rows, labels = [], []
    for cat in dict.fromkeys(data.clips.categories):
        i = data.clip_indices(cat, "test")[0]
        shown = np.asarray(data.clips.event_frames[i])
        ev = int(shown[0]) if len(shown) else before  # a real video may have no onset: its opening frames
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
