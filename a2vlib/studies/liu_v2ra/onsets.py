"""Onsets in audio, and how detected onsets pair with true events: what notebook 07's synchronisation and a real video
folder's events (:mod:`a2vlib.studies.liu_v2ra.clips.videos`) both use."""
from __future__ import annotations

import numpy as np

ONSET_HOP_S = 0.008  # the detector's frame step: librosa's default (512 samples, 32 ms at 16 kHz) is coarser than a
# video frame; 8 ms steps, backtracked to the energy minimum, place an onset within a few ms


def onsets(y: np.ndarray, sample_rate: int) -> np.ndarray:
    """Onset times (s): librosa's spectral-flux detector at 8 ms steps, backtracked to the preceding energy minimum."""
    from a2vlib.core.compiled import librosa as load_librosa
    librosa = load_librosa()

    return librosa.onset.onset_detect(y=np.asarray(y, dtype=np.float32), sr=sample_rate, units="time",
                                      hop_length=max(1, round(ONSET_HOP_S * sample_rate)), backtrack=True)


def match_onsets(found: np.ndarray, events: np.ndarray, tolerance_s: float) -> int:
    """How many detected onsets pair one-to-one with true events within ``tolerance_s``. Both sorted, a pair is
    taken as soon as it fits: for equal windows on a line this greedy pass finds the largest matching."""
    found, events = np.sort(np.asarray(found, float)), np.sort(np.asarray(events, float))
    i = j = matched = 0
    while i < len(found) and j < len(events):
        if abs(found[i] - events[j]) <= tolerance_s:
            matched, i, j = matched + 1, i + 1, j + 1
        elif found[i] < events[j]:
            i += 1
        else:
            j += 1
    return matched


def onset_scores(matched: float, detected: float, events: float) -> dict[str, float]:
    """Precision (matched / detected), recall (matched / events) and their F-measure; NaN where undefined."""
    p = matched / detected if detected else float("nan")
    r = matched / events if events else float("nan")
    f = 2 * matched / (detected + events) if detected + events else float("nan")
    return {"precision": p, "recall": r, "f": f}
