"""Image-sound pairs cut from a folder of videos: Sub-URMP's recipe or SoundNet's.

- ``mode="window"`` (Chen et al.'s Sub-URMP): a ``window``-second audio chunk every ``stride`` seconds, paired with the
  video frame at the chunk's start (``frame="first"``, Sub-URMP's choice) or at its middle (``frame="middle"``).
- ``mode="clip"`` (SoundNet-style, as Wan et al. pair Flickr videos): one pair per video, the middle frame with the
  whole sound track.

Each pair is written as ``<out>/<video stem>/<k>.png`` and ``.wav`` and listed in ``<out>/manifest.csv`` (pair_id,
video, start_s, seconds, image_path, audio_path; paths relative to ``out``). A video that cannot be decoded, has no
sound, or is shorter than the window is skipped and listed in ``<out>/skipped.csv`` with the reason; it never stops
the others. The source folder is only read: ``out`` may not lie inside it. Every file is written atomically.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from a2vlib.core.atomic import write_text
from a2vlib.core.errors import DataError, ParamsError
from a2vlib.core.outputs import claim_folder, guard_folder
from a2vlib.data.audio_io import write_audio
from a2vlib.data.image_io import write_image
from a2vlib.data.video_io import read_video

MODES = ("window", "clip")
FRAMES = ("first", "middle")
VIDEO_SUFFIXES = (".mp4", ".mkv", ".avi", ".mov", ".webm", ".m4v")


@dataclass
class PairingResult:
    manifest: pd.DataFrame
    skipped: pd.DataFrame  # video, reason
    videos: int

    def summary(self) -> str:
        paired = self.manifest["video"].nunique() if len(self.manifest) else 0
        return (f"{len(self.manifest)} pairs from {paired} of {self.videos} videos; {len(self.skipped)} skipped"
                + (" (see skipped.csv)" if len(self.skipped) else ""))


PAIRS_OWNER = "a2v pairs-from-videos"


def _check(src: Path, out: Path, mode: str, frame: str, window: float, stride: float, size: int, sample_rate: int,
           force: bool) -> list[Path]:
    """Everything that can be wrong before the first video is read; returns the videos."""
    if not src.is_dir():
        raise DataError(f"{src}: video folder not found; check the path")
    if not (isinstance(size, int) and size >= 8):
        raise ParamsError(f"size={size!r}: give a picture side of at least 8 pixels")
    if not (isinstance(sample_rate, int) and 1000 <= sample_rate <= 384000):
        raise ParamsError(f"sample_rate={sample_rate!r}: give a rate in Hz between 1000 and 384000")
    if mode not in MODES:
        raise ParamsError(f"mode {mode!r}: use one of {', '.join(MODES)}")
    if frame not in FRAMES:
        raise ParamsError(f"frame {frame!r}: use one of {', '.join(FRAMES)}")
    if not (window > 0 and stride > 0):
        raise ParamsError(f"window={window}, stride={stride}: give positive seconds")
    guard_folder(out, "the pairs (--out)", PAIRS_OWNER, force=force, reads=[src])
    videos = sorted(p for p in src.iterdir() if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)
    if not videos:
        raise DataError(f"{src}: holds no video ({', '.join(sorted(VIDEO_SUFFIXES))}); give the folder of videos")
    return videos


def pairs_from_videos(src: str | os.PathLike, out: str | os.PathLike, window: float = 0.5, stride: float = 0.1,
                      frame: str = "first", mode: str = "window", size: int = 128, sample_rate: int = 22050,
                      fps: int = 30, force: bool = False) -> PairingResult:
    """Cut every video of ``src`` (sorted; files with a video suffix) into pairs under ``out`` (see the module).
    ``out`` is new, empty or written by this function before (else ``force``), and never inside ``src``."""
    src, out = Path(src), Path(out)
    videos = _check(src, out, mode, frame, window, stride, size, sample_rate, force)
    claim_folder(out, PAIRS_OWNER)
    rows, skipped = [], []
    for video in videos:
        try:
            frames, audio, sr = read_video(video, fps=fps, size=size, sample_rate=sample_rate)
        except DataError as exc:
            skipped.append({"video": video.name, "reason": str(exc)})
            continue
        except Exception as exc:  # an unforeseen decoder failure is this file's problem only
            skipped.append({"video": video.name, "reason": f"{exc.__class__.__name__}: {exc}"})
            continue
        seconds = len(audio) / sr
        if mode == "clip":
            cuts = [(0.0, seconds, len(frames) // 2)]
        else:
            if seconds + 1e-9 < window:
                skipped.append({"video": video.name, "reason": f"{seconds:.2f} s is shorter than the {window} s "
                                                               "window"})
                continue
            starts = np.arange(0.0, seconds - window + 1e-9, stride)
            cuts = [(float(t), window, min(len(frames) - 1, int(round((t + (window / 2 if frame == "middle"
                                                                                  else 0.0)) * fps))))
                    for t in starts]
        for k, (start, length, frame_index) in enumerate(cuts):
            base = Path(video.stem) / f"{k:05d}"
            a0 = int(round(start * sr))
            write_image(out / base.with_suffix(".png"), frames[frame_index])
            write_audio(out / base.with_suffix(".wav"), audio[a0:a0 + int(round(length * sr))], sr)
            rows.append({"pair_id": f"{video.stem}/{k:05d}", "video": video.name, "start_s": round(start, 6),
                         "seconds": length, "image_path": str(base.with_suffix(".png")),
                         "audio_path": str(base.with_suffix(".wav"))})
    manifest = pd.DataFrame(rows, columns=["pair_id", "video", "start_s", "seconds", "image_path", "audio_path"])
    skipped_df = pd.DataFrame(skipped, columns=["video", "reason"])
    write_text(out / "manifest.csv", manifest.to_csv(index=False))
    write_text(out / "skipped.csv", skipped_df.to_csv(index=False))
    return PairingResult(manifest, skipped_df, len(videos))
