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
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from a2vlib import registry
from a2vlib.registry import register
from a2vlib.core.errors import DataError, ParamsError
from a2vlib.data.audio_io import check_waveform
from a2vlib.features import spectral

if TYPE_CHECKING:  # torch is imported only for SoundNet
    import torch

SPECTROGRAM_N_FFT, SPECTROGRAM_HOP = 512, 256
FBANK_MELS = 64
N_MFCC = 20
DIMS = {"spectrogram": SPECTROGRAM_N_FFT // 2 + 1, "fbank": FBANK_MELS, "mfcc": N_MFCC, "soundnet": 256}


# ---- summaries: a feature's frames (F, frames) -> one vector (Wan et al. §4.1: the mean over time)
@register("feature_summary", "mean")
def _mean(frames: np.ndarray) -> np.ndarray:
    return frames.mean(axis=1)


@register("feature_summary", "mean_std")
def _mean_std(frames: np.ndarray) -> np.ndarray:
    return np.concatenate([frames.mean(axis=1), frames.std(axis=1)])


# ---- features: clips -> (N, F) or (N, 2F), one implementation per name
def _spectral(frames_of: Callable[[np.ndarray, int], np.ndarray]) -> Callable[..., np.ndarray]:
    """A spectral feature: its frames per clip, summarised over time."""
    def vectors(clips: Sequence[np.ndarray], sr: int, summary: str, device: Any) -> np.ndarray:
        summarise = registry.get("feature_summary", summary)
        return np.stack([summarise(frames_of(check_waveform(y, f"waveform {i}"), sr)) for i, y in enumerate(clips)])
    vectors.frames = frames_of  # type: ignore[attr-defined]
    return vectors


register("feature", "spectrogram")(_spectral(lambda y, sr: spectral.stft_db(y, SPECTROGRAM_N_FFT, SPECTROGRAM_HOP)))
register("feature", "fbank")(_spectral(lambda y, sr: spectral.log_mel(y, sr, n_mels=FBANK_MELS)))
register("feature", "mfcc")(_spectral(lambda y, sr: spectral.mfcc(spectral.log_mel(y, sr, n_mels=FBANK_MELS), N_MFCC)))


@register("feature", "soundnet")
def _soundnet(clips: Sequence[np.ndarray], sr: int, summary: str, device: Any) -> np.ndarray:
    from a2vlib.core.device import pick_device
    from a2vlib.features import soundnet

    return soundnet.pool5_features(clips, sr, summary=summary, device=pick_device(device))


FEATURES = registry.names("feature")
SUMMARIES = registry.names("feature_summary")


def frame_features(y: np.ndarray, sr: int, feature: str) -> np.ndarray:
    """One clip's time series (F, frames) for a spectral feature (``spectrogram``, ``fbank`` or ``mfcc``)."""
    frames_of = getattr(registry.get("feature", feature), "frames", None)
    if frames_of is None:
        spectral_ones = [name for name in FEATURES if hasattr(registry.get("feature", name), "frames")]
        raise ParamsError(f"unknown spectral sound feature {feature!r}; use one of {', '.join(spectral_ones)}")
    return frames_of(check_waveform(y), sr)


def sound_vectors(waveforms: Sequence[np.ndarray], sr: int, feature: str, summary: str = "mean",
                  device: str | torch.device = "cpu") -> np.ndarray:
    """One float32 vector per clip, (N, F) for ``summary="mean"`` or (N, 2F) for ``"mean_std"``.

    ``waveforms`` are clips (samples,) or (channels, samples), float in [-1, 1], at ``sr`` Hz; ``device`` (``cpu``,
    ``cuda``, ``auto``) matters only for ``soundnet``. Raises :class:`ParamsError` for an unknown feature or summary
    and :class:`DataError` for no clips or a bad one (named by its index).
    """
    features, summaries = registry.names("feature"), registry.names("feature_summary")
    if feature not in features:
        raise ParamsError(f"unknown sound feature {feature!r}; use one of {', '.join(features)}")
    if summary not in summaries:
        raise ParamsError(f"unknown summary {summary!r} of sound features; use one of {', '.join(summaries)}")
    clips = list(waveforms)
    if not clips:
        raise DataError("no waveforms given; pass a list of clips")
    if isinstance(sr, bool) or not isinstance(sr, (int, np.integer)) or sr <= 0:
        raise DataError(f"sample rate must be a positive integer, got {sr!r}")
    return registry.get("feature", feature)(clips, int(sr), summary, device).astype(np.float32)


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
