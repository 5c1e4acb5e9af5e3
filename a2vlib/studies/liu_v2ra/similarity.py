"""Liu et al.'s objective similarity grade (OSG, eq. 12) and its three acoustic features, after Gygi et al. (2007).

OSG = 0.57 |ΔMMS| + 0.52 |ΔMSF| + 0.45 |ΔRMS|: the weighted absolute differences between a generated clip's features
and the reference clip's, 0 for identical clips, smaller = more similar. The paper names the features but does not
define them; the kit's definitions, fixed here and printed in the reports:

- **RMS**: the root mean square of the waveform (full scale 1.0).
- **MSF**, mean spectral flux: the STFT magnitude (Hann window ``n_fft`` = 2048, hop 512 at 44.1 kHz, scaled with the
  rate so frames keep their duration; librosa's unnormalised FFT), the L2 norm of the change of magnitude from each
  frame to the next, averaged over frames.
- **MMS**, maximum of the modulation spectrum: the frequency (Hz) at which the modulation spectrum of the amplitude
  envelope peaks, between 0.5 Hz (or 2 / the clip's duration, for clips under 4 s) and 50 Hz. The envelope is the RMS in 10 ms frames every 5 ms, its mean removed; its
  magnitude spectrum is taken with a Hann window. Gygi et al.'s "max modulation" family describes where the envelope's
  energy fluctuates most; reading it as a frequency gives values of the size printed in Liu's Tables 6-8. The
  height of that maximum (modulation depth) would be an equally valid reading: this is a choice.

MSF is in unnormalised STFT magnitudes with the window scaled to the rate, so its values depend on the level and the
sample rate: OSGs at 16 kHz are not on the scale of the paper's at 44.1 kHz; compare orderings, not values.
"""
from __future__ import annotations

import numpy as np

from a2vlib.core.errors import DataError
from a2vlib.data.audio_io import check_waveform
from a2vlib.papers import liu_v2ra

FEATURES = ("mms", "msf", "rms")
WEIGHTS = {k: liu_v2ra.OSG_WEIGHTS[k].value for k in FEATURES}
MODULATION_RANGE_HZ = (0.5, 50.0)
ENVELOPE_FRAME_S, ENVELOPE_HOP_S = 0.010, 0.005
MIN_ENVELOPE_FRAMES = 40  # 0.2 s


def rms(y: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.asarray(y, dtype=np.float64) ** 2)))


def mean_spectral_flux(y: np.ndarray, sample_rate: int) -> float:
    """Mean over frames of ||S_t - S_{t-1}||_2, S the STFT magnitude (window 2048 and hop 512 at 44.1 kHz)."""
    from a2vlib.core.compiled import librosa as load_librosa
    librosa = load_librosa()

    hop = max(1, round(512 * sample_rate / 44100))
    n_fft = max(2 * hop, round(2048 * sample_rate / 44100))
    mag = np.abs(librosa.stft(np.asarray(y, dtype=np.float32), n_fft=n_fft, hop_length=hop))
    if mag.shape[1] < 2:
        raise DataError(f"clip of {len(y)} samples is too short for spectral flux; give at least {n_fft + hop}")
    return float(np.sqrt((np.diff(mag, axis=1) ** 2).sum(axis=0)).mean())


def max_modulation_frequency(y: np.ndarray, sample_rate: int) -> float:
    """Frequency (Hz, 0.5-50) of the peak of the amplitude envelope's modulation spectrum."""
    frame, hop = round(ENVELOPE_FRAME_S * sample_rate), round(ENVELOPE_HOP_S * sample_rate)
    y = np.asarray(y, dtype=np.float64)
    n = 1 + max(0, (len(y) - frame) // hop)
    idx = np.arange(frame)[None, :] + hop * np.arange(n)[:, None]
    env = np.sqrt(np.mean(y[np.minimum(idx, len(y) - 1)] ** 2, axis=1))
    env_rate = 1.0 / ENVELOPE_HOP_S
    if n < MIN_ENVELOPE_FRAMES:
        raise DataError(f"clip of {len(y) / sample_rate:.3f} s is too short for a modulation spectrum; give at least "
                        f"{MIN_ENVELOPE_FRAMES * ENVELOPE_HOP_S:.1f} s")
    spectrum = np.abs(np.fft.rfft((env - env.mean()) * np.hanning(n)))
    freqs = np.fft.rfftfreq(n, 1.0 / env_rate)
    # a clip shorter than two periods of the lowest modulation cannot show it: the band starts at 2 / duration then
    low = max(MODULATION_RANGE_HZ[0], 2.0 / (n * ENVELOPE_HOP_S))
    band = (freqs >= low) & (freqs <= MODULATION_RANGE_HZ[1])
    return float(freqs[band][np.argmax(spectrum[band])])


def features(y: np.ndarray, sample_rate: int) -> dict[str, float]:
    """MMS (Hz), MSF and RMS of one clip."""
    y = check_waveform(y, name="clip")
    return {"mms": max_modulation_frequency(y, sample_rate), "msf": mean_spectral_flux(y, sample_rate),
            "rms": rms(y)}


def osg(reference: np.ndarray, test: np.ndarray, sample_rate: int) -> dict[str, float]:
    """The three feature differences |Δ| (keys ``mms``, ``msf``, ``rms``) and ``osg`` (eq. 12) of a test clip
    against its reference."""
    ref, out = features(reference, sample_rate), features(test, sample_rate)
    diffs = {k: abs(out[k] - ref[k]) for k in FEATURES}
    return {**diffs, "osg": float(sum(WEIGHTS[k] * diffs[k] for k in FEATURES))}
