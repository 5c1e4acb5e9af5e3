"""Chen et al.'s log-mel spectrogram (LMS) of a 0.5 s chunk, and the trained sound classifier as a file that
``a2v classify-audio --model`` reads.

LMS (Chen §3.3): STFT with a 2048-point window and a 512-point hop at 44.1 kHz, 128 mel bands, log amplitude; a
0.5 s chunk gives 128 x 44. At another sample rate the window and hop are scaled with the rate and rounded to a power
of two (1024 and 256 at 22.05 kHz), as for Chen's other representations (one function:
:func:`a2vlib.features.spectral.chen_stft_size`).

A recording of any length is classified by cutting it into 0.5 s chunks every 0.25 s, dropping chunks more than 40 dB
below the loudest (silence between notes says nothing about the instrument), and averaging the chunks' log
probabilities.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from a2vlib.core.atomic import atomic_path
from a2vlib.core.errors import DataError
from a2vlib.features.spectral import chen_stft_size, log_mel
from a2vlib.models.classifiers import TrainedClassifier
from a2vlib.models.encoders import SoundClassifier

FILE_KIND = "a2v-sound-classifier"
N_MELS = 128
CHUNK_SECONDS = 0.5
CHUNK_HOP_SECONDS = 0.25  # when classifying whole recordings
QUIET_DB = 40.0  # chunks this far below the loudest one are left out


def lms_settings(sample_rate: int) -> dict[str, int]:
    """Chen's LMS settings scaled to ``sample_rate``: n_mels, n_fft, hop_length and the frames of a 0.5 s chunk."""
    n_fft, hop = chen_stft_size(sample_rate)  # the framing of Chen's representations (Table 1) too
    return {"n_mels": N_MELS, "n_fft": n_fft, "hop_length": hop,
            "frames": 1 + int(round(CHUNK_SECONDS * sample_rate)) // hop}


def lms(waveforms: np.ndarray | Sequence[np.ndarray], sample_rate: int) -> torch.Tensor:
    """LMS of 0.5 s chunks, (N, 1, 128, frames) float32 in dB."""
    s = lms_settings(sample_rate)
    import warnings

    with warnings.catch_warnings():  # 128 bands on a short window leave a few low mel filters empty; expected
        warnings.filterwarnings("ignore", message="Empty filters detected")
        specs = [log_mel(y, sample_rate, n_mels=s["n_mels"], n_fft=s["n_fft"], hop_length=s["hop_length"],
                         frames=s["frames"]) for y in waveforms]
    return torch.from_numpy(np.stack(specs)).unsqueeze(1)


def save_sound_classifier(trained: TrainedClassifier, path: str | os.PathLike, sample_rate: int, width: int,
                          **info: Any) -> Path:
    """Write the classifier with what it needs to be used again (classes, LMS settings, width), atomically."""
    path = Path(path)
    state = {"kind": FILE_KIND, "state_dict": trained.model.state_dict(), "classes": list(trained.classes),
             "sample_rate": int(sample_rate), "width": int(width), "lms": lms_settings(sample_rate), "info": info}
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        torch.save(state, tmp)
    return path


def load_sound_classifier(path: str | os.PathLike) -> tuple[TrainedClassifier, dict[str, Any]]:
    """The classifier saved by :func:`save_sound_classifier` and its metadata (sample rate, LMS settings, info)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: sound classifier file not found; notebook 03 saves one next to its report "
                        "(reports/<profile>/03_s2i_instruments/sound_classifier.pt)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise DataError(f"{path}: not a readable model file ({exc}); give the sound_classifier.pt of a 03 report") \
            from exc
    if not isinstance(state, dict) or state.get("kind") != FILE_KIND:
        raise DataError(f"{path}: not an a2v sound classifier; give the sound_classifier.pt of a 03 report")
    model = SoundClassifier(len(state["classes"]), width=state["width"])
    model.load_state_dict(state["state_dict"])
    return TrainedClassifier(model.eval(), list(state["classes"])), {k: v for k, v in state.items()
                                                                    if k not in ("state_dict", "kind")}


def recording_chunks(y: np.ndarray, sample_rate: int) -> np.ndarray:
    """0.5 s chunks every 0.25 s (a shorter recording is zero-padded to one chunk), the quiet ones left out."""
    n, hop = int(round(CHUNK_SECONDS * sample_rate)), int(round(CHUNK_HOP_SECONDS * sample_rate))
    if len(y) < n:
        y = np.pad(y, (0, n - len(y)))
    chunks = np.stack([y[i:i + n] for i in range(0, len(y) - n + 1, hop)])
    rms_db = 10 * np.log10(np.mean(chunks.astype(np.float64) ** 2, axis=1) + 1e-20)
    return chunks[rms_db >= rms_db.max() - QUIET_DB]


def classify_waveform(trained: TrainedClassifier, y: np.ndarray, sample_rate: int) -> tuple[str, float, int]:
    """(instrument, probability, chunks used) of one recording at the classifier's sample rate: the mean log
    probability over its 0.5 s chunks (:func:`recording_chunks`)."""
    chunks = recording_chunks(np.asarray(y, dtype=np.float32), sample_rate)
    logp = np.log(trained.predict_proba(lms(chunks, sample_rate)) + 1e-12).mean(axis=0)
    prob = np.exp(logp - logp.max())
    prob /= prob.sum()
    best = int(prob.argmax())
    return trained.classes[best], float(prob[best]), len(chunks)
