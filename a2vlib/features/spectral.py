"""The kit's one spectral path (librosa): STFT magnitudes in dB, mel power, log-mel, MFCC.

Every dB value is taken against a fixed reference (1.0), never the clip's maximum, and without a ``top_db`` cut
relative to that maximum, so a sound's level stays in its features (a gain of 2 adds 6.02 dB to every bin above
the floor). The floors put silence at -100 dB: 1e-5 for amplitudes (20 log10), 1e-10 for powers (10 log10).

The array functions (:func:`stft_db`, :func:`amplitude_db`, :func:`mel_power`, :func:`power_db`, :func:`mfcc`) take
float waveforms of shape (..., samples), one clip or a batch, already checked; they return (..., F, frames), with
centred Hann frames (``1 + samples // hop`` of them). :func:`log_mel` and :func:`log_mel_batch` check their clips.
Users: :mod:`a2vlib.studies.chen2017.time_frequency` (Chen et al.'s five representations) and
:mod:`a2vlib.studies.wan2019.conditioning` (Wan et al.'s sound vectors).
"""
from __future__ import annotations


from typing import Sequence

import numpy as np

from a2vlib.data.audio_io import check_waveform

AMPLITUDE_FLOOR = 1e-5  # -100 dB for magnitudes (STFT, CQT)
POWER_FLOOR = 1e-10  # -100 dB for powers (mel)
FLOOR_DB = -100.0


CHEN_RATE, CHEN_N_FFT, CHEN_HOP = 44100, 2048, 512  # Chen et al.'s LMS framing: 46 ms window, 11.6 ms hop


def chen_stft_size(sr: int) -> tuple[int, int]:
    """(n_fft, hop) of Chen et al.'s framing at ``sr``: 2048 / 512 at 44.1 kHz scaled with the rate, so that the
    window and hop last as long at any rate and a 0.5 s chunk has 44 frames (1024 / 256 at 22.05 kHz, 743 / 186 at
    16 kHz). The one place Chen's representations and the saved sound classifier take it from."""
    if not sr or sr <= 0:
        from a2vlib.core.errors import ParamsError

        raise ParamsError(f"sample rate {sr!r}: give a positive rate in Hz")
    hop = max(1, int(round(CHEN_HOP * sr / CHEN_RATE)))
    return max(2 * hop, int(round(CHEN_N_FFT * sr / CHEN_RATE))), hop


def amplitude_db(magnitude: np.ndarray, amin: float = AMPLITUDE_FLOOR) -> np.ndarray:
    """20 log10(max(|X|, amin)): magnitudes in dB against 1.0."""
    from a2vlib.core.compiled import librosa as load_librosa
    librosa = load_librosa()

    return librosa.amplitude_to_db(magnitude, ref=1.0, amin=amin, top_db=None)


def power_db(power: np.ndarray, amin: float = POWER_FLOOR) -> np.ndarray:
    """10 log10(max(P, amin)): powers in dB against 1.0 (``librosa.power_to_db`` with a fixed reference)."""
    from a2vlib.core.compiled import librosa as load_librosa
    librosa = load_librosa()

    return librosa.power_to_db(power, ref=1.0, amin=amin, top_db=None)


def stft_db(y: np.ndarray, n_fft: int, hop_length: int) -> np.ndarray:
    """STFT magnitude in dB, (..., n_fft // 2 + 1, frames)."""
    from a2vlib.core.compiled import librosa as load_librosa
    librosa = load_librosa()

    return amplitude_db(np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop_length)))


def mel_power(y: np.ndarray, sr: int, n_fft: int, hop_length: int, n_mels: int) -> np.ndarray:
    """Mel spectrogram: power |X|^2 through ``n_mels`` Slaney mel filters (0 to sr/2), (..., n_mels, frames)."""
    from a2vlib.core.compiled import librosa as load_librosa
    librosa = load_librosa()

    return librosa.feature.melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, n_mels=n_mels, power=2.0)


def mfcc(log_mel_db: np.ndarray, n_mfcc: int) -> np.ndarray:
    """MFCCs (DCT-II, ortho) of a log-mel spectrogram in dB, (..., n_mfcc, frames)."""
    from a2vlib.core.compiled import librosa as load_librosa
    librosa = load_librosa()

    return librosa.feature.mfcc(S=log_mel_db, n_mfcc=n_mfcc)


def log_mel(y: np.ndarray, sr: int, n_mels: int = 64, n_fft: int = 1024, hop_length: int = 512,
            frames: int | None = None) -> np.ndarray:
    """Log-mel spectrogram in dB (n_mels, frames), relative to a fixed reference so loudness is kept.

    With ``frames`` the result is cut or zero-padded (at -100 dB) to that many frames, so clips batch together.
    """
    y = check_waveform(y)
    db = power_db(mel_power(y, sr, n_fft, hop_length, n_mels)).astype(np.float32)
    db = np.maximum(db, FLOOR_DB)
    if frames is not None:
        if db.shape[1] >= frames:
            db = db[:, :frames]
        else:
            db = np.pad(db, ((0, 0), (0, frames - db.shape[1])), constant_values=FLOOR_DB)
    return db


def log_mel_batch(waveforms: Sequence[np.ndarray], sr: int, n_mels: int = 64, frames: int | None = None,
                  **kwargs) -> np.ndarray:
    """Log-mel spectrograms of several clips, (N, n_mels, frames); ``frames`` defaults to the longest clip's."""
    specs = [log_mel(y, sr, n_mels=n_mels, **kwargs) for y in waveforms]
    frames = frames or max(s.shape[1] for s in specs)
    out = np.full((len(specs), n_mels, frames), FLOOR_DB, dtype=np.float32)
    for i, s in enumerate(specs):
        n = min(frames, s.shape[1])
        out[i, :, :n] = s[:, :n]
    return out
