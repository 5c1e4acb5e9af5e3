"""Real videos for notebook 07 (VEGAS, the Greatest Hits, your own): a folder with one sub-folder per category,
read into the same :class:`~a2vlib.studies.liu_v2ra.clips.impacts.VideoClips` as the rendered clips.

``<video_root>/<category>/*.mp4`` (any case of ``.mp4``, ``.mov``, ``.mkv``, ``.avi``, ``.webm``): each file gives one
clip of its first ``seconds`` (a file shorter than that, or unreadable, is skipped and named in a warning). Frames
are resized whole to ``size`` x ``size`` ("we reshape the video frames into ... 256 x 256 x 3", Liu §4.2), not
centre-cropped; the sound is mixed to mono at ``sample_rate``. A real video has no clean track and no list of its
events: the events are the onsets found in its own sound (:func:`~a2vlib.studies.liu_v2ra.onsets.onsets`), so the
detector on the real audio finds them all by construction, and the generated audio is judged against them. The split
is by clip, per category: the last ``test_share`` of each category's files in name order are the test set (at least
one each side). The folder is only read.
"""
from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import numpy as np

from a2vlib.core.errors import DataError
from a2vlib.studies.liu_v2ra.clips.impacts import VideoClips

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi", ".webm")


def video_files(root: str | Path, categories: list[str] | tuple[str, ...]) -> dict[str, list[Path]]:
    """The video files of each category's sub-folder of ``root``, in name order; a clear error for what is missing."""
    root = Path(root).expanduser()
    if not root.is_dir():
        raise DataError(f"video_root {root}: folder not found; give a folder with one sub-folder of videos per "
                        "category (e.g. wood/, dog/), or leave video_root empty for the kit's rendered clips")
    out = {}
    for category in categories:
        folder = root / category
        files = sorted(p for p in folder.glob("*") if p.suffix.lower() in VIDEO_SUFFIXES) if folder.is_dir() else []
        if len(files) < 2:
            raise DataError(f"{folder}: {len(files)} video file(s) ({', '.join(VIDEO_SUFFIXES)}); each category "
                            "needs at least two (one to train on, one to test)")
        out[category] = files
    return out


def folder_digest(files: dict[str, list[Path]]) -> str:
    """Names, sizes and modification times of the files: a model cache key that changes when a video does."""
    h = hashlib.sha256()
    for category, paths in files.items():
        for p in paths:
            st = p.stat()
            h.update(f"{category}/{p.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:16]


def read_video_clips(root: str | Path, categories: list[str] | tuple[str, ...], seconds: float, sample_rate: int,
                     size: int, fps: int = 30, test_share: float = 0.25) -> VideoClips:
    """Every category's videos under ``root`` as clips of ``seconds`` (see the module docstring)."""
    from a2vlib.data.video_io import read_video
    from a2vlib.studies.liu_v2ra.onsets import onsets

    n_frames, n_samples = int(round(seconds * fps)), int(round(seconds * sample_rate))
    frames, audio, events, event_frames, cats, split, names, skipped = [], [], [], [], [], [], [], []
    for category, paths in video_files(root, categories).items():
        kept = []
        for path in paths:
            try:
                f, a, _ = read_video(path, fps=fps, size=size, sample_rate=sample_rate, max_seconds=seconds,
                                     fit="whole")
            except DataError as exc:
                skipped.append(f"{path.name}: {exc}")
                continue
            if len(f) < n_frames:
                skipped.append(f"{path.name}: {len(f) / fps:.2f} s, shorter than clip_seconds={seconds}")
                continue
            kept.append((path, f[:n_frames], a[:n_samples]))
        if len(kept) < 2:
            raise DataError(f"{Path(root) / category}: {len(kept)} usable video(s) of at least {seconds} s; each "
                            f"category needs two. Skipped: {'; '.join(skipped) or 'none'}")
        n_test = min(len(kept) - 1, max(1, int(round(test_share * len(kept)))))
        for k, (path, f, a) in enumerate(kept):
            ev = np.asarray(onsets(a, sample_rate), dtype=np.float64)
            frames.append(f)
            audio.append(a)
            events.append(ev)
            event_frames.append(np.minimum(np.round(ev * fps).astype(int), n_frames - 1))
            cats.append(category)
            split.append("test" if k >= len(kept) - n_test else "train")
            names.append(f"{category}/{path.name}")
    if skipped:
        warnings.warn(f"video_root {root}: skipped {len(skipped)} file(s): {'; '.join(skipped)}", stacklevel=2)
    return VideoClips(np.stack(frames), np.stack(audio).astype(np.float32), None, events, event_frames, cats,
                      np.asarray(split), int(sample_rate), int(fps), names, {"video_root": str(root)})
