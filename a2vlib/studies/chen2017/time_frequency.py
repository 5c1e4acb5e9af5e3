"""The five sound representations compared by Chen et al. (2017, Sec. 3.3, Table 1), as images for a CNN.

``represent(waveforms, sr, kind)`` gives float32 (N, F, T):

========  ==========================================================================  ===================
kind      what                                                                        F at 22,050 Hz
========  ==========================================================================  ===================
``stft``  log-magnitude STFT, linear frequency: 20 log10(max(|X|, 1e-5)) dB            n_fft/2 + 1 = 513
``cqt``   log-magnitude constant-Q transform (librosa.cqt), same dB scale             96
``mfcc``  MFCCs (DCT-II, ortho) of the log-mel spectrogram below                      40
``ms``    mel spectrogram, power |X|^2 through 128 Slaney mel filters, *not* log      128
``lms``   log-mel: 10 log10(max(ms, 1e-10)) dB, i.e. ``librosa.power_to_db(ms)``     128
========  ==========================================================================  ===================

Framing follows Chen: FFT 2048 and hop 512 at 44.1 kHz (46 ms window, 11.6 ms hop), scaled to the sample rate
(1024 / 256 at 22,050 Hz; :func:`a2vlib.features.spectral.chen_stft_size`, as the saved sound classifier); Hann window, centred frames, so a 0.5 s clip has
1 + samples // hop = 44 frames, as Chen's 128 x 44 log-mel. All dB values use a fixed reference (1.0), not the
clip's maximum, so loudness is kept; the floors (1e-5 amplitude, 1e-10 power) put silence at -100 dB. The
spectra and their dB come from :mod:`a2vlib.features.spectral`, the kit's one spectral path; only the CQT
transform itself is computed here.

CQT: 12 bins per octave from E1 (41.2 Hz, the lowest note generated for double bass and tuba) up to the last bin below
0.46 sr (96 bins to 9.96 kHz at 22,050 Hz), hop as the STFT's where librosa allows it (a multiple of
2 ** (octaves - 1), its recursive downsampling; else the nearest such multiple). The lowest octave's filters are longer than a
0.5 s clip; librosa zero-pads them and warns ("n_fft=... is too large"), a warning silenced here (as for
any clip shorter than the STFT window).

MFCC: 40 coefficients rather than the usual 13-20, so a four-layer CNN (four 2 x 2 poolings) still has height.

Clips of different lengths are zero-padded at the end to the longest; ``frames`` fixes the frame count instead
(the clips are cut or padded to ``(frames - 1) * hop`` samples).
"""
from __future__ import annotations

import math
import warnings
from typing import Sequence

import numpy as np

from a2vlib import registry
from a2vlib.core.errors import DataError, ParamsError
from a2vlib.registry import register
from a2vlib.data.audio_io import check_waveform
from a2vlib.features import spectral

CQT_FMIN_HZ = 41.2034  # E1
CQT_BINS_PER_OCTAVE = 12
AMPLITUDE_FLOOR, POWER_FLOOR = spectral.AMPLITUDE_FLOOR, spectral.POWER_FLOOR  # -100 dB floors (stft/cqt, lms)
_BATCH = 256  # clips per librosa call: bounds memory (a 513 x 44 complex STFT is 180 kB a clip)


def stft_size(sr: int) -> tuple[int, int]:
    """(n_fft, hop): Chen's 2048 / 512 at 44.1 kHz scaled to ``sr`` (:func:`a2vlib.features.spectral.chen_stft_size`)."""
    return spectral.chen_stft_size(sr)


def cqt_bins(sr: int) -> int:
    """Bins from E1, 12 per octave, up to the last one below 0.46 sr (room for the top filter's bandwidth)."""
    return int(CQT_BINS_PER_OCTAVE * math.log2(0.46 * sr / CQT_FMIN_HZ)) + 1


def cqt_hop(hop: int, sr: int) -> int:
    """The CQT's hop: ``hop`` when it is a multiple of 2 ** (octaves - 1), as librosa's downsampling needs, else
    the nearest such multiple."""
    step = 2 ** (math.ceil(cqt_bins(sr) / CQT_BINS_PER_OCTAVE) - 1)
    return max(step, int(round(hop / step)) * step)


def _stack(waveforms: Sequence[np.ndarray], length: int | None) -> np.ndarray:
    ys = [check_waveform(y, name=f"waveform {i}") for i, y in enumerate(waveforms)]
    if not ys:
        raise DataError("no waveforms to represent")
    length = length or max(y.size for y in ys)
    out = np.zeros((len(ys), length), dtype=np.float32)
    for i, y in enumerate(ys):
        m = min(length, y.size)
        out[i, :m] = y[:m]
    return out


# One implementation per representation, registered by name (batch (N, samples) -> (N, F, T)), in Table 1's order.
@register("representation", "stft")
def _stft(y: np.ndarray, sr: int, n_fft: int, hop: int, n_mels: int, n_mfcc: int) -> np.ndarray:
    return spectral.stft_db(y, n_fft, hop)


@register("representation", "cqt")
def _cqt(y: np.ndarray, sr: int, n_fft: int, hop: int, n_mels: int, n_mfcc: int) -> np.ndarray:
    from a2vlib.core.compiled import librosa as load_librosa
    librosa = load_librosa()

    return spectral.amplitude_db(np.abs(librosa.cqt(y, sr=sr, hop_length=cqt_hop(hop, sr), fmin=CQT_FMIN_HZ,
                                                    n_bins=cqt_bins(sr), bins_per_octave=CQT_BINS_PER_OCTAVE)))


@register("representation", "mfcc")
def _mfcc(y: np.ndarray, sr: int, n_fft: int, hop: int, n_mels: int, n_mfcc: int) -> np.ndarray:
    return spectral.mfcc(_lms(y, sr, n_fft, hop, n_mels, n_mfcc), n_mfcc)


@register("representation", "ms")
def _ms(y: np.ndarray, sr: int, n_fft: int, hop: int, n_mels: int, n_mfcc: int) -> np.ndarray:
    return spectral.mel_power(y, sr, n_fft, hop, n_mels)


@register("representation", "lms")
def _lms(y: np.ndarray, sr: int, n_fft: int, hop: int, n_mels: int, n_mfcc: int) -> np.ndarray:
    return spectral.power_db(_ms(y, sr, n_fft, hop, n_mels, n_mfcc))


REPRESENTATIONS = registry.names("representation")


def represent(waveforms: Sequence[np.ndarray], sr: int, kind: str, *, frames: int | None = None,
              n_fft: int | None = None, hop_length: int | None = None, n_mels: int = 128,
              n_mfcc: int = 40) -> np.ndarray:
    """Clips -> float32 (N, F, T) in representation ``kind`` (see the module docstring for the settings).

    ``n_fft`` / ``hop_length`` default to :func:`stft_size`; for ``cqt`` the hop is :func:`cqt_hop` of it.
    """
    if kind not in REPRESENTATIONS:
        raise ParamsError(f"representation {kind!r}: unknown; use one of {', '.join(REPRESENTATIONS)}")
    default_fft, default_hop = stft_size(sr)
    n_fft, hop = n_fft or default_fft, hop_length or default_hop
    if frames is not None and not (isinstance(frames, (int, np.integer)) and frames >= 1):
        raise ParamsError(f"frames={frames!r}: give an integer >= 1")
    # Centred framing gives 1 + samples // hop frames, so (frames - 1) * hop samples give exactly ``frames``.
    y = _stack(waveforms, None if frames is None else max((frames - 1) * hop, 1))
    # Frames are centred and zero-padded, so a clip shorter than a filter is fine; librosa warns all the same.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"n_fft=\d+ is too large for input signal")
        transform = registry.get("representation", kind)
        parts = [transform(y[i:i + _BATCH], sr, n_fft, hop, n_mels, n_mfcc)
                 for i in range(0, len(y), _BATCH)]
    return np.concatenate(parts).astype(np.float32)
