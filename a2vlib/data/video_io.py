"""Reading and writing video clips (VEGAS, Greatest Hits, the user's own) with PyAV, with errors that name the file
and say what to do.

:func:`read_video` gives what the V2RA studies take: frames at a fixed frame rate (nearest source frame in time),
centre-cropped to a square and resized, and the sound track mixed to mono and resampled (soxr), both starting at
the first video frame so that picture and sound stay in sync. :func:`read_video_folder` reads every matching file
of a folder, lists the files it cannot use instead of stopping, and never writes into the folder.
:func:`write_video` writes frames (and sound) as an MP4 (H.264 + AAC), atomically.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from a2vlib.core.atomic import atomic_path
from a2vlib.core.errors import DataError


def _check_file(path: Path) -> None:
    if not path.exists():
        raise DataError(f"{path}: video file not found; check the path")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a video file; use read_video_folder for folders")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: video file is empty (0 bytes); re-copy or re-download it")


FRAME_FITS = ("centre", "whole")


def _square(image, size: int, fit: str = "centre") -> np.ndarray:
    """``fit="centre"``: centre crop to a square, then bilinear resize to ``size`` (PIL); ``"whole"``: the whole
    frame resized to ``size`` x ``size`` (its aspect ratio is not kept)."""
    from PIL import Image

    if fit == "centre":
        w, h = image.size
        side = min(w, h)
        left, top = (w - side) // 2, (h - side) // 2
        image = image.crop((left, top, left + side, top + side))
    return np.asarray(image.resize((size, size), Image.BILINEAR), dtype=np.uint8)


def _decode(path: Path, size: int, max_seconds: float | None, fit: str = "centre"):
    """(frame times, frames, source frame rate, audio start time, audio (channels, samples) float32 or None,
    audio rate or None)."""
    import av

    try:
        container = av.open(str(path))
    except Exception as exc:  # PyAV raises many error types for unreadable input
        raise DataError(f"{path}: not a readable video file ({exc.__class__.__name__}: {exc}); "
                        "check that it is a complete video (e.g. MP4) and re-download it if not") from exc
    with container:
        if not container.streams.video:
            raise DataError(f"{path}: no video stream in this file; give a video, not a sound file")
        vs = container.streams.video[0]
        src_rate = float(vs.average_rate or vs.guessed_rate or 30)
        audio = container.streams.audio[0] if container.streams.audio else None
        times, frames, chunks, a_start, a_rate, a_seconds, v_last = [], [], [], None, None, 0.0, 0.0
        resampler = None
        try:
            for packet in container.demux([s for s in (vs, audio) if s is not None]):
                for frame in packet.decode():
                    if packet.stream.type == "video":
                        t = v_last = frame.time if frame.time is not None else len(times) / src_rate
                        if max_seconds is not None and times and t - times[0] > max_seconds + 0.5:
                            continue
                        times.append(float(t))
                        frames.append(_square(frame.to_image(), size, fit))
                    else:
                        if resampler is None:
                            resampler = av.AudioResampler(format="fltp")  # float planar, channels kept
                            a_rate, a_start = frame.sample_rate, float(frame.time or 0.0)
                        for out in resampler.resample(frame):
                            chunks.append(out.to_ndarray())
                            a_seconds += out.samples / a_rate
                if max_seconds is not None and times and v_last - times[0] > max_seconds + 0.5 and (
                        audio is None or (a_start is not None and a_start + a_seconds > times[0] + max_seconds + 0.5)):
                    break
            if resampler is not None:
                chunks.extend(out.to_ndarray() for out in resampler.resample(None))
        except DataError:
            raise
        except Exception as exc:
            raise DataError(f"{path}: cannot decode ({exc.__class__.__name__}: {exc}); the file is damaged or "
                            "cut short; re-download or re-encode it") from exc
    sound = np.concatenate(chunks, axis=1).astype(np.float32) if chunks else None
    return np.asarray(times), frames, src_rate, a_start, sound, a_rate


def read_video(path: str | os.PathLike, fps: int = 30, size: int = 64, sample_rate: int = 44100,
               max_seconds: float | None = None, require_audio: bool = True, fit: str = "centre"
               ) -> tuple[np.ndarray, np.ndarray | None, int]:
    """Read a video as ``(frames, audio, sample_rate)``.

    ``frames``: uint8 (T, size, size, 3) at ``fps``, each the source frame nearest in time, centre-cropped to a
    square and resized (bilinear), or with ``fit="whole"`` the whole frame resized to the square. ``audio``: float32
    mono at ``sample_rate``, starting at the first video frame and
    exactly ``T / fps`` seconds long (zero-padded where the track is shorter); None when the file has no sound and
    ``require_audio`` is False. ``max_seconds`` keeps only the start.
    Raises :class:`DataError` for a missing, empty, undecodable or too short file, or one without a video stream,
    or (unless ``require_audio=False``) without sound.
    """
    path = Path(path)
    if not (isinstance(fps, (int, np.integer)) and fps > 0) or not (isinstance(size, (int, np.integer)) and size > 0):
        raise DataError(f"{path}: fps={fps!r}, size={size!r}: give positive integers")
    if fit not in FRAME_FITS:
        raise DataError(f"{path}: fit={fit!r}: use one of {', '.join(FRAME_FITS)}")
    _check_file(path)
    times, frames, src_rate, a_start, sound, a_rate = _decode(path, int(size), max_seconds, fit)
    if sound is None and require_audio:
        raise DataError(f"{path}: no sound track (or an empty one); give a video with sound, or pass "
                        "require_audio=False to read the pictures only")
    if not frames:
        raise DataError(f"{path}: shorter than one frame (no picture decoded); give a longer video")
    t0 = float(times[0])
    step = float(np.median(np.diff(np.sort(times)))) if len(times) > 1 else 1.0 / src_rate
    duration = float(times[-1] - t0) + step  # the last frame stays on screen for one frame period
    if max_seconds is not None:
        duration = min(duration, float(max_seconds))
    n = int(np.floor(duration * fps + 1e-6))
    if n < 1:
        raise DataError(f"{path}: shorter than one frame at {fps} fps ({duration:.4f} s); give a longer video")
    want = t0 + np.arange(n) / fps
    order = np.argsort(times, kind="stable")  # decode order can differ from display order around B-frames
    ts = times[order]
    j = np.clip(np.searchsorted(ts, want), 1, len(ts) - 1) if len(ts) > 1 else np.zeros(n, int)
    if len(ts) > 1:
        j = np.where(np.abs(ts[j - 1] - want) <= np.abs(ts[j] - want) + 1e-6, j - 1, j)  # ties: the earlier
    out = np.stack([frames[order[k]] for k in j])
    if sound is None:
        return out, None, int(sample_rate)
    mono = sound.mean(axis=0)
    lead = int(round((t0 - a_start) * a_rate))  # align the sound to the first frame
    mono = mono[lead:] if lead >= 0 else np.concatenate([np.zeros(-lead, np.float32), mono])
    if a_rate != sample_rate and len(mono):
        import soxr

        mono = soxr.resample(mono, a_rate, sample_rate)
    length = int(round(n * sample_rate / fps))
    mono = np.concatenate([mono[:length], np.zeros(max(0, length - len(mono)), np.float32)])
    if not np.all(np.isfinite(mono)):
        raise DataError(f"{path}: sound track holds NaN or infinite samples; re-encode the file")
    return out, mono.astype(np.float32), int(sample_rate)


def read_video_folder(folder: str | os.PathLike, pattern: str = "*.mp4", **kw
                      ) -> tuple[list[tuple[Path, np.ndarray, np.ndarray | None]], list[tuple[Path, str]]]:
    """Read every file of ``folder`` matching ``pattern`` (sorted) with :func:`read_video` (``kw`` passed on).

    Returns ``(clips, skipped)``: ``(path, frames, audio)`` for each file read, ``(path, reason)`` for each file
    that could not be used. One bad file never stops the others; nothing is written into the folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: video folder not found; check the path")
    clips, skipped = [], []
    for path in sorted(p for p in folder.glob(pattern) if p.is_file()):
        try:
            frames, audio, _ = read_video(path, **kw)
        except DataError as exc:
            skipped.append((path, str(exc)))
        except Exception as exc:  # an unforeseen decoder failure is one file's problem, not the folder's
            skipped.append((path, f"{exc.__class__.__name__}: {exc}"))
        else:
            clips.append((path, frames, audio))
    return clips, skipped


def write_video(path: str | os.PathLike, frames: np.ndarray, fps: int, audio: np.ndarray | None = None,
                sample_rate: int | None = None) -> Path:
    """Write uint8 frames (T, H, W, 3) as H.264 (and mono ``audio`` in [-1, 1] as AAC) to ``path`` (.mp4), atomically.

    Even sides use yuv420p (plays everywhere); odd sides yuv444p (H.264 4:4:4, which some players refuse)."""
    import av

    path = Path(path)
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.shape[0] == 0 or frames.dtype != np.uint8:
        raise DataError(f"{path}: cannot write frames of {frames.dtype} {frames.shape}; give uint8 (T, H, W, 3)")
    if not (isinstance(fps, (int, np.integer)) and fps > 0):
        raise DataError(f"{path}: fps={fps!r}: give a positive integer")
    if audio is not None:
        audio = np.asarray(audio, np.float32)
        if audio.ndim != 1 or not sample_rate or not np.all(np.isfinite(audio)):
            raise DataError(f"{path}: give audio as finite mono samples (samples,) with its sample_rate")
    h, w = frames.shape[1:3]
    with atomic_path(path) as tmp:
        with av.open(str(tmp), "w", format="mp4") as container:
            vs = container.add_stream("libx264", rate=int(fps))
            vs.width, vs.height = w, h
            vs.pix_fmt = "yuv420p" if h % 2 == 0 and w % 2 == 0 else "yuv444p"
            vs.options = {"crf": "18", "preset": "veryfast"}
            aus = None
            if audio is not None:
                aus = container.add_stream("aac", rate=int(sample_rate), layout="mono")
            for img in frames:
                container.mux(vs.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")))
            container.mux(vs.encode(None))
            if aus is not None:
                frame = av.AudioFrame.from_ndarray(np.clip(audio, -1, 1)[None], format="fltp", layout="mono")
                frame.sample_rate, frame.pts = int(sample_rate), 0
                container.mux(aus.encode(frame))
                container.mux(aus.encode(None))
    return path
