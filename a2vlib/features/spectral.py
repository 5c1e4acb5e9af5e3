"""Spectral features of sound clips (librosa): log-mel spectrograms and their summaries."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from a2vlib.data.audio_io import check_waveform


def log_mel(y: np.ndarray, sr: int, n_mels: int = 64, n_fft: int = 1024, hop_length: int = 512,
            frames: int | None = None) -> np.ndarray:
    """Log-mel spectrogram in dB (n_mels, frames), relative to a fixed reference so loudness is kept.

    With ``frames`` the result is cut or zero-padded (at -100 dB) to that many frames, so clips batch together.
    """
    import librosa

    y = check_waveform(y)
    mel = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, power=2.0)
    db = librosa.power_to_db(mel, ref=1.0, amin=1e-10, top_db=None).astype(np.float32)
    db = np.maximum(db, -100.0)
    if frames is not None:
        if db.shape[1] >= frames:
            db = db[:, :frames]
        else:
            db = np.pad(db, ((0, 0), (0, frames - db.shape[1])), constant_values=-100.0)
    return db


def log_mel_batch(waveforms: Sequence[np.ndarray], sr: int, n_mels: int = 64, frames: int | None = None,
                  **kwargs) -> np.ndarray:
    """Log-mel spectrograms of several clips, (N, n_mels, frames); ``frames`` defaults to the longest clip's."""
    specs = [log_mel(y, sr, n_mels=n_mels, **kwargs) for y in waveforms]
    frames = frames or max(s.shape[1] for s in specs)
    out = np.full((len(specs), n_mels, frames), -100.0, dtype=np.float32)
    for i, s in enumerate(specs):
        n = min(frames, s.shape[1])
        out[i, :, :n] = s[:, :n]
    return out
