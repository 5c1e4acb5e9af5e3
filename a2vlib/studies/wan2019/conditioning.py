"""The sound vector that conditions Wan et al.'s (2019) generator: one vector per clip, by feature name.

Wan §4.1: "all the features in the sequence are averaged into a single vector". Each feature is a time series
(F, frames); ``summary="mean"`` (the default, the paper's) averages it over time, ``summary="mean_std"`` appends
the standard deviation over time (population, ddof 0), giving 2F: the means first, so its first half is "mean".

=================  =========================================================================  =====
feature            time series                                                                F
=================  =========================================================================  =====
``spectrogram``    STFT magnitude in dB, n_fft 512, hop 256 (23 ms / 12 ms at 22,050 Hz)      257
``fbank``          log-mel in dB, 64 bands, n_fft 1024, hop 512 (:func:`spectral.log_mel`)    64
``mfcc``           20 MFCCs of that log-mel                                                   20
``soundnet``       SoundNet-8's pool5 (conv5 after its max-pool, Wan's "18th layer"), clips   256
                   tiled to 20 s as SoundNet was trained (:func:`soundnet.pool5_features`)
=================  =========================================================================  =====

The three spectral features come from :mod:`a2vlib.features.spectral`, in dB against a fixed reference (1.0) with
floors at -100 dB and no cut relative to the clip's maximum, so a sound's level stays in them (the volume study
depends on it: a gain of 2 moves every spectrogram and fbank band up by 6.02 dB and MFCC 0 by 6.02 x 8).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from a2vlib.core.errors import DataError, ParamsError
from a2vlib.data.audio_io import check_waveform
from a2vlib.features import spectral

if TYPE_CHECKING:  # torch is imported only for SoundNet
    import torch

FEATURES = ("spectrogram", "fbank", "mfcc", "soundnet")
SUMMARIES = ("mean", "mean_std")
SPECTROGRAM_N_FFT, SPECTROGRAM_HOP = 512, 256
FBANK_MELS = 64
N_MFCC = 20
DIMS = {"spectrogram": SPECTROGRAM_N_FFT // 2 + 1, "fbank": FBANK_MELS, "mfcc": N_MFCC, "soundnet": 256}


def _check(feature: str, summary: str) -> None:
    if feature not in FEATURES:
        raise ParamsError(f"unknown sound feature {feature!r}; use one of {', '.join(FEATURES)}")
    if summary not in SUMMARIES:
        raise ParamsError(f"unknown summary {summary!r} of sound features; use one of {', '.join(SUMMARIES)}")


def frame_features(y: np.ndarray, sr: int, feature: str) -> np.ndarray:
    """One clip's time series (F, frames) for a spectral feature (``spectrogram``, ``fbank`` or ``mfcc``)."""
    if feature == "soundnet" or feature not in FEATURES:
        spectral_ones = [name for name in FEATURES if name != "soundnet"]
        raise ParamsError(f"unknown spectral sound feature {feature!r}; use one of {', '.join(spectral_ones)}")
    y = check_waveform(y)
    if feature == "spectrogram":
        return spectral.stft_db(y, SPECTROGRAM_N_FFT, SPECTROGRAM_HOP)
    frames = spectral.log_mel(y, sr, n_mels=FBANK_MELS)
    return spectral.mfcc(frames, N_MFCC) if feature == "mfcc" else frames


def _summarise(frames: np.ndarray, summary: str) -> np.ndarray:
    mean = frames.mean(axis=1)
    return mean if summary == "mean" else np.concatenate([mean, frames.std(axis=1)])


def sound_vectors(waveforms: Sequence[np.ndarray], sr: int, feature: str, summary: str = "mean",
                  device: str | torch.device = "cpu") -> np.ndarray:
    """One float32 vector per clip, (N, F) for ``summary="mean"`` or (N, 2F) for ``"mean_std"``.

    ``waveforms`` are clips (samples,) or (channels, samples), float in [-1, 1], at ``sr`` Hz; ``device`` (``cpu``,
    ``cuda``, ``auto``) matters only for ``soundnet``. Raises :class:`ParamsError` for an unknown feature or summary
    and :class:`DataError` for no clips or a bad one (named by its index).
    """
    _check(feature, summary)
    clips = list(waveforms)
    if not clips:
        raise DataError("no waveforms given; pass a list of clips")
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise DataError(f"sample rate must be a positive integer, got {sr!r}")
    if feature == "soundnet":
        from a2vlib.core.device import pick_device
        from a2vlib.features import soundnet

        return soundnet.pool5_features(clips, int(sr), summary=summary, device=pick_device(device)).astype(np.float32)
    out = []
    for i, y in enumerate(clips):
        frames = frame_features(check_waveform(y, f"waveform {i}"), int(sr), feature)
        out.append(_summarise(frames, summary))
    return np.stack(out).astype(np.float32)


@dataclass
class FeatureScaler:
    """Standardises condition vectors with the training set's mean and spread (kept for re-extraction later)."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray) -> FeatureScaler:
        return cls(x.mean(axis=0), x.std(axis=0) + 1e-6)

    def transform(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.std).astype(np.float32)
