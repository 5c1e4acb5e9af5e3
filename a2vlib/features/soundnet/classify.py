"""Clips and audio files classified into a class set read off SoundNet's heads (today Wan et al.'s nine scenes)."""
from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from a2vlib.core.errors import ParamsError
from a2vlib.data.audio_io import read_audio
from a2vlib.features.soundnet.activations import predict
from a2vlib.features.soundnet.labels import SCENES9, scenes9_scores
from a2vlib.features.soundnet.network import SOUNDNET_SR


def classify_scenes9(waveforms: Sequence[np.ndarray] | np.ndarray, sr: int, **kw) -> list[tuple[str, float]]:
    """The best of :data:`SCENES9` for each clip and its score (:func:`scenes9_scores`); ``kw`` as :func:`predict`."""
    scores = scenes9_scores(*predict(waveforms, sr, **kw))
    best = scores.argmax(axis=1)
    return [(SCENES9[j], float(row[j])) for j, row in zip(best, scores)]


_CLASSIFIERS = {"scenes9": classify_scenes9}


def classify_files(
    paths: Sequence[str | os.PathLike], classes: str = "scenes9", **kw
) -> list[tuple[str, str, float]]:
    """Classify audio files (WAV, FLAC, OGG, MP3, ...): ``[(path, class, score)]`` in the order given.

    Raises :class:`ParamsError` for an unknown ``classes`` and :class:`DataError` naming a file that is missing,
    empty, truncated, silent or not audio. ``kw`` as :func:`predict`.
    """
    if classes not in _CLASSIFIERS:
        raise ParamsError(f"unknown class set {classes!r}; choose from {', '.join(_CLASSIFIERS)}")
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    clips = [read_audio(path, sr=SOUNDNET_SR)[0] for path in paths]
    results = _CLASSIFIERS[classes](clips, SOUNDNET_SR, **kw)
    return [(str(path), cls, score) for path, (cls, score) in zip(paths, results)]
