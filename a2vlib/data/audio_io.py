"""Reading and writing audio with errors that name the file and say what to do."""
from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np

from a2vlib.core.atomic import atomic_path
from a2vlib.core.errors import DataError

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".m4a", ".aac", ".mp4", ".webm")
SILENCE_PEAK = 1e-5  # below this peak amplitude a clip carries no usable sound


def _check_wav_length(path: Path) -> None:
    """Catch a WAV cut short: its 'data' chunk claims more bytes than the file holds."""
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return  # not RIFF/WAVE: leave the verdict to the decoder
        size = path.stat().st_size
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                raise DataError(f"{path}: WAV file has no 'data' chunk (truncated?); re-export or replace the file")
            cid, clen = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if cid == b"data":
                available = size - f.tell()
                if clen != 0xFFFFFFFF and clen > available:
                    raise DataError(
                        f"{path}: WAV file is truncated ({available} of {clen} audio bytes present); "
                        "re-copy or re-export it"
                    )
                return
            f.seek(clen + (clen & 1), os.SEEK_CUR)


def _decode_with_av(path: Path) -> tuple[np.ndarray, int]:
    import av  # PyAV carries FFmpeg: MP4, M4A, WebM and anything libsndfile does not read

    try:
        with av.open(str(path)) as container:
            streams = [s for s in container.streams if s.type == "audio"]
            if not streams:
                raise DataError(f"{path}: no audio stream in this file; give a file that contains sound")
            sr = streams[0].rate
            chunks = [frame.to_ndarray() for frame in container.decode(streams[0])]
    except DataError:
        raise
    except Exception as exc:  # PyAV raises many error types for corrupt input
        raise DataError(f"{path}: cannot decode audio ({exc.__class__.__name__}: {exc}); check the file is a valid audio file") from exc
    if not chunks:
        raise DataError(f"{path}: audio stream is empty; give a file that contains sound")
    arr = np.concatenate(chunks, axis=-1).astype(np.float32)
    if np.issubdtype(chunks[0].dtype, np.integer):
        arr /= float(np.iinfo(chunks[0].dtype).max)
    return arr.T if arr.ndim == 2 else arr, sr  # (frames, channels)


def read_audio(
    path: str | os.PathLike,
    sr: int | None = None,
    mono: bool = True,
    allow_silent: bool = False,
) -> tuple[np.ndarray, int]:
    """Read an audio file as float32 in [-1, 1].

    Returns ``(y, sr)``; ``y`` is (samples,) when ``mono`` else (channels, samples). Resamples to ``sr`` when given.
    Raises :class:`DataError` for a missing, empty, truncated, undecodable or (unless ``allow_silent``) silent file.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: audio file not found; check the path or regenerate the dataset")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not an audio file")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: audio file is empty (0 bytes); re-copy or re-export it")
    import soundfile as sf

    _check_wav_length(path)
    try:
        data, file_sr = sf.read(str(path), dtype="float32", always_2d=True)  # (frames, channels)
    except Exception as exc:
        try:
            data, file_sr = _decode_with_av(path)
        except DataError as av_exc:
            raise DataError(
                f"{path}: not a readable audio file ({exc}); give a WAV, FLAC, OGG or MP3 file"
            ) from av_exc
        if data.ndim == 1:
            data = data[:, None]
    if data.shape[0] == 0:
        raise DataError(f"{path}: audio file holds no samples; re-export it")
    if not np.all(np.isfinite(data)):
        raise DataError(f"{path}: audio holds NaN or infinite samples; re-export it")
    y = data.T  # (channels, frames)
    if mono:
        y = y.mean(axis=0)
    if not allow_silent and float(np.max(np.abs(y))) < SILENCE_PEAK:
        raise DataError(f"{path}: audio is silent (peak below {SILENCE_PEAK}); give a recording with sound in it")
    if sr is not None and sr != file_sr:
        from a2vlib.core.compiled import librosa as load_librosa
        librosa = load_librosa()

        y = librosa.resample(y, orig_sr=file_sr, target_sr=sr, res_type="soxr_hq").astype(np.float32)
        file_sr = sr
    return np.ascontiguousarray(y, dtype=np.float32), int(file_sr)


def check_waveform(y: np.ndarray, name: str = "waveform") -> np.ndarray:
    """Validate an in-memory waveform: 1-D (or 2-D channels x samples), finite, non-empty."""
    y = np.asarray(y, dtype=np.float32)
    if y.ndim == 2:
        y = y.mean(axis=0)
    if y.ndim != 1:
        raise DataError(f"{name}: expected a 1-D waveform (samples,) or 2-D (channels, samples), got shape {y.shape}")
    if y.size == 0:
        raise DataError(f"{name}: waveform is empty")
    if not np.all(np.isfinite(y)):
        raise DataError(f"{name}: waveform holds NaN or infinite samples")
    return y


def write_audio(path: str | os.PathLike, y: np.ndarray, sr: int) -> Path:
    """Write ``y`` (samples,) or (channels, samples) atomically; format from the suffix (WAV as 16-bit PCM)."""
    import soundfile as sf

    path = Path(path)
    y = np.asarray(y, dtype=np.float32)
    if y.ndim == 2:
        y = y.T
    if y.ndim not in (1, 2) or y.shape[0] == 0:
        raise DataError(f"{path}: cannot write audio of shape {np.shape(y)}; give (samples,) or (channels, samples)")
    fmt = {".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG", ".mp3": "MP3"}.get(path.suffix.lower())
    if fmt is None:
        raise DataError(f"{path}: unsupported audio suffix; use .wav, .flac, .ogg or .mp3")
    subtype = {"WAV": "PCM_16", "FLAC": "PCM_16", "OGG": "VORBIS", "MP3": "MPEG_LAYER_III"}[fmt]
    with atomic_path(path) as tmp:
        sf.write(str(tmp), np.clip(y, -1.0, 1.0), sr, format=fmt, subtype=subtype)
    return path
