"""PEAQ, basic version (ITU-R BS.1387-1): the Objective Difference Grade of a test signal against its reference.

Written from the standard, with P. Kabal's examination of it (McGill, 2003) and the open implementation GstPEAQ
(HSU-ANT/gstpeaq, whose behaviour the calibration set in ``<shared data>/peaq-calibration`` records) as checks
for constants and for the points the standard leaves open. Only the FFT ear model is used (basic version).

ODG runs from -3.91 (very annoying; the network saturates there) to about +0.22 (identical signals score 0.17-0.21,
not 0). PEAQ does not level-match: give signals at their playback level (full scale is taken as 92 dB SPL). Nor does
it align: a shift of 0.5 ms already costs 0.1-0.5 ODG. :func:`peaq_files` therefore measures the test's lag and
refuses one over 0.25 ms unless told to align (``align=True``) or to score the files as they are
(``check_lag=False``); :func:`peaq` on arrays scores them as given.

Where the standard is open this follows GstPEAQ (and mostly Kabal): the samples left after the last full hop go
into one zero-padded frame; edge FFT bins count into a band by the fraction of their width inside it; recursive
filters start from zero; EHS removes the correlation's mean before windowing; MOVs are not clipped before the network.
With these, the 48 kHz pairs of the calibration set come out at GstPEAQ's 3-decimal ODGs.

Stereo (or any channel count, as GstPEAQ) is scored as BS.1387 says: each channel goes through the ear model on
its own; the MOVs are averaged over the channels, except ADB and MFPD, which use the binaural probability of
detection (per band the larger of the channels'); the network then maps them to one ODG. Reference and test need the
same channel count; mono is the one-channel case of the same rule.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace

import numpy as np

from a2vlib.core.errors import DataError
from a2vlib.metrics.audio import peaq_model as pm
from a2vlib.metrics.audio.peaq_movs import _ENERGY, MOV_NAMES, _boundary, _frames, _movs, _network  # noqa: F401

_MAX_LEN_DIFF_S = 0.010
_LAG_RANGE_S = 0.050  # the test's lag is searched within +-50 ms
_LAG_TOL_S = 0.00025  # a larger lag is an error unless aligned: 12 samples at 48 kHz cost 0.03-0.18 ODG on the
# calibration references, 24 samples (0.5 ms) up to 0.53 (their README: 1 ms costs 0.48-1.03)
_MIN_CORR = 0.5  # a lag counts only where the normalised correlation peak reaches this (other takes: 0.03-0.12)
_LAG_SLACK = 0.01  # a shift that raises the correlation by less than this over lag 0 is no lag


@dataclass(frozen=True)
class PEAQResult:
    """The outcome of :func:`peaq`."""

    odg: float  # objective difference grade, -3.91..0.22
    di: float  # distortion index
    movs: dict[str, float]  # the 11 model output variables by their standard names
    frames: int  # frames used (inside the data boundary)
    channels: int = 1  # channels scored (MOVs combined over them)
    lag_ms: float = 0.0  # shift applied to the test by peaq_files(align=True); positive: the test was late


def _channel_name(c: int, channels: int) -> str:
    """' (channel 2, right)' for messages; empty for mono."""
    if channels == 1:
        return ""
    side = {0: ", left", 1: ", right"}.get(c, "") if channels == 2 else ""
    return f" (channel {c + 1}{side})"


def _bandwidth_error(ref: pm.EarOutput, test: pm.EarOutput, valid: np.ndarray, ref_name: str, where: str) -> DataError:
    """The error for undefined bandwidth MOVs, saying in plain words which of the three causes holds."""
    p_ref = ref.power[valid]
    ref_top = p_ref[:, 921:1024].max(axis=1)  # the reference's own level at 21.6-24 kHz
    ref_mid = p_ref[:, 346:921].max(axis=1)  # and above 8.1 kHz
    spectrum = p_ref.max(axis=0)
    loud = np.flatnonzero(spectrum >= 1e-6 * spectrum.max())  # within 60 dB of the peak
    top_khz = (loud[-1] + 0.5) * pm.FS / pm.N / 1000.0 if len(loud) else 0.0
    need = "BS.1387's bandwidth MOVs need a broadband reference such as music or speech"
    if len(loud) and loud[-1] < 346:
        cause = (f"{ref_name}{where} has no energy above {top_khz:.1f} kHz (everything higher stays more than 60 dB "
                 "below its peak), as a pure tone or low-passed or low-sample-rate material has, so its bandwidth "
                 "cannot be measured")
    elif not np.any(ref_mid > 10.0 * ref_top):
        cause = (f"{ref_name}{where} is as strong at 21.6-24 kHz as anywhere above 8.1 kHz (full-band noise such as "
                 "white noise, or hiss up to 24 kHz), so there is no edge of its band to measure")
    else:
        cause = (f"the test's level at 21.6-24 kHz (wide-band noise in it) comes within 10 dB of all that "
                 f"{ref_name}{where} has above 8.1 kHz, in every frame")
        need = "BS.1387 has no grade for a test this noisy"
    return DataError(f"peaq: the bandwidth MOVs (BandwidthRefB/BandwidthTestB) are undefined: {cause}. {need} (the "
                     "MOVs look for the highest frequency where the reference stands 10 dB above the test's level at "
                     "21.6-24 kHz, in frames where that lies above 8.1 kHz); without them there is no ODG for this "
                     "pair (GstPEAQ gives NaN)")


def _score48(ref: np.ndarray, test: np.ndarray, ref_name: str = "the reference") -> PEAQResult:
    """Score two equal-shape (channels, samples) 48 kHz float32 signals."""
    channels = ref.shape[0]
    fr = [_frames(x.astype(np.float64)) for x in ref]
    ft = [_frames(x.astype(np.float64)) for x in test]
    above_ch = [_boundary(f) for f in fr]
    above = np.logical_or.reduce(above_ch)  # a frame is inside when any channel of the reference is (5.2.4.4)
    if not above.any():
        raise DataError(f"peaq: {ref_name} is silent (no frame above BS.1387's data-boundary threshold, a 5-sample "
                        "|x| sum of 200/32768): nothing to compare; give a reference with sound in it")
    first, last = int(np.argmax(above)), len(above) - 1 - int(np.argmax(above[::-1]))
    valid = np.zeros(len(above), dtype=bool)
    valid[first:last + 1] = True  # leading and trailing frames below the boundary are left out (5.2.4.4)
    out_r, out_t = [pm.ear_model(f) for f in fr], [pm.ear_model(f) for f in ft]
    energy_ok = np.zeros(len(above), dtype=bool)
    for a, b in zip(fr, ft):
        energy_ok |= ((a[:, pm.HOP:] ** 2).sum(axis=1) >= _ENERGY) | ((b[:, pm.HOP:] ** 2).sum(axis=1) >= _ENERGY)
    movs, per_channel = _movs(out_r, out_t, valid, energy_ok)
    for c, m in enumerate(per_channel):
        where = _channel_name(c, channels)
        if not above_ch[c].any():
            raise DataError(f"peaq: {ref_name}{where} is silent while another channel is not; BS.1387 averages the "
                            "MOVs over the channels, so a silent channel has no score: score the channels with "
                            "sound on their own (e.g. as mono files)")
        if not np.isfinite(m["BandwidthRefB"]):
            raise _bandwidth_error(out_r[c], out_t[c], valid, ref_name, where)
    bad = [k for k, v in movs.items() if not np.isfinite(v)]
    if bad:
        raise DataError(f"peaq: {', '.join(bad)} undefined: no frame qualifies (signals of {ref.shape[1] / pm.FS:.2f} "
                        "s; PEAQ skips the first 0.5 s for modulation and needs both signals above 0.1 sone); give "
                        "longer signals with sound in both")
    odg, di = _network(movs)
    return PEAQResult(odg=odg, di=di, movs=movs, frames=int(valid.sum()), channels=channels)


def _resample48(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """(channels, samples) float64 to float32 at 48 kHz, channel by channel with libsoxr 'VHQ' (the calibration
    set's README) where the rate differs."""
    if int(sample_rate) != pm.FS:
        import soxr

        x = np.stack([soxr.resample(ch, int(sample_rate), pm.FS, quality="VHQ") for ch in x])
    return x.astype(np.float32)


def _channels(x, name: str) -> np.ndarray:
    """Checked (channels, samples) float64 from a mono (samples,) or stereo (2, samples) / (samples, 2) array."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[None, :]
    elif x.ndim == 2:
        if x.shape[0] in (1, 2) and x.shape[1] > 2:
            pass
        elif x.shape[1] in (1, 2):
            x = x.T
        else:
            raise DataError(f"peaq: {name} has shape {x.shape}; give (samples,), (2, samples) or (samples, 2)")
    else:
        raise DataError(f"peaq: {name} has shape {x.shape}; give a 1-D mono or 2-D stereo array")
    if x.size == 0:
        raise DataError(f"peaq: {name} is empty; give a signal with samples in it")
    if not np.all(np.isfinite(x)):
        raise DataError(f"peaq: {name} holds NaN or infinite samples; clean or re-export it")
    return x


def _cut(ref: np.ndarray, test: np.ndarray, sr: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Both (channels, samples) cut to the shorter length; an error when they differ by more than 10 ms."""
    n_r, n_t = ref.shape[-1], test.shape[-1]
    if abs(n_r - n_t) > _MAX_LEN_DIFF_S * sr:
        raise DataError(f"peaq: {what} differ in length by more than 10 ms ({n_r} vs {n_t} samples at "
                        f"{sr} Hz, {n_r / sr:.3f} s vs {n_t / sr:.3f} s); PEAQ compares sample-aligned "
                        "signals: trim or align them first")
    n = min(n_r, n_t)
    return ref[..., :n], test[..., :n]


def measure_lag(reference: np.ndarray, test: np.ndarray, sample_rate: int) -> tuple[int, float]:
    """How many samples ``test`` lags ``reference`` (negative: leads), within +-50 ms, and the normalised correlation
    there (0..1).

    Both are (samples,) or (channels, samples). The channels' cross-correlations are summed (so antiphase stereo,
    whose mono sum is silent, still aligns) and divided by the signals' total energies; polarity is ignored, as
    PEAQ's spectra ignore it. A lag no better than none (correlation within 0.01 of lag 0's, as for a steady tone
    shifted by whole periods) counts as 0.
    """
    r, t = np.atleast_2d(np.asarray(reference, dtype=np.float64)), np.atleast_2d(np.asarray(test, dtype=np.float64))
    den = float(np.sqrt((r ** 2).sum() * (t ** 2).sum()))
    if den == 0.0:
        return 0, 0.0
    from scipy.fft import irfft, next_fast_len, rfft

    nf = next_fast_len(r.shape[-1] + t.shape[-1] - 1, real=True)
    spec = sum(rfft(tc, nf) * np.conj(rfft(rc, nf)) for rc, tc in zip(r, t))
    corr = irfft(spec, nf)  # corr[L] = sum_n t[n] r[n - L], negative L at the end
    m = int(round(_LAG_RANGE_S * sample_rate))
    lags = np.arange(-min(m, r.shape[-1] - 1), min(m, t.shape[-1] - 1) + 1)
    rho = np.abs(corr[lags % nf]) / den
    peak = float(rho.max())
    at0 = float(rho[np.flatnonzero(lags == 0)[0]])
    if at0 >= peak - _LAG_SLACK:
        return 0, at0
    best = lags[rho >= peak]
    return int(best[np.argmin(np.abs(best))]), peak


def peaq(reference: np.ndarray, test: np.ndarray, sample_rate: int) -> PEAQResult:
    """PEAQ basic version of ``test`` against ``reference``, both at ``sample_rate``.

    Arrays are mono (samples,) or stereo (2, samples) / (samples, 2) floats in [-1, 1], both with the same channel
    count; stereo is scored as BS.1387 says (each channel through the ear model, MOVs combined over the channels).
    Other rates than 48 kHz are resampled with libsoxr "VHQ"; both signals are then cast to float32. Lengths may
    differ by at most 10 ms (the longer is cut); no alignment is done or checked here (see :func:`peaq_files`).
    Raises :class:`DataError` for empty, non-finite, mismatched or silent input and when the bandwidth MOVs are
    undefined.
    """
    if int(sample_rate) <= 0:
        raise DataError(f"peaq: sample rate {sample_rate} is not positive")
    ref, tst = _channels(reference, "reference"), _channels(test, "test")
    if ref.shape[0] != tst.shape[0]:
        raise DataError(f"peaq: the reference has {ref.shape[0]} channel(s) and the test {tst.shape[0]}; BS.1387 "
                        "compares channel by channel: give both the same channel count")
    ref, tst = _cut(_resample48(ref, sample_rate), _resample48(tst, sample_rate), pm.FS, "reference and test")
    return _score48(ref, tst)


def peaq_files(reference_path: str | os.PathLike, test_path: str | os.PathLike, *, align: bool = False,
               check_lag: bool = True) -> PEAQResult:
    """:func:`peaq` on two audio files (read as they are: 16-bit PCM becomes value / 32768), channel by channel.

    Both files need the same channel count. The test's lag behind the reference is measured (:func:`measure_lag`).
    With ``align``, the test is shifted by it and both are cut to their common part (``lag_ms`` of the result says by
    how much). Without, a lag over 0.25 ms with a clear correlation peak (over 0.5) is a :class:`DataError`, as
    PEAQ would score the shift as distortion; ``check_lag=False`` scores the files exactly as they are, as BS.1387
    and GstPEAQ do (the calibration set's shifted pair needs that).
    """
    from a2vlib.data.audio_io import read_audio

    ref, sr_r = read_audio(reference_path, mono=False, allow_silent=True)
    tst, sr_t = read_audio(test_path, mono=False, allow_silent=True)
    what = f"{reference_path} and {test_path}"
    if ref.shape[0] != tst.shape[0]:
        raise DataError(f"peaq: {reference_path} has {ref.shape[0]} channel(s) and {test_path} has {tst.shape[0]}; "
                        "BS.1387 compares reference and test channel by channel: give both files the same channel "
                        "count (e.g. mix both down to mono, or score one channel of each)")
    sr = sr_r
    if sr_r != sr_t:  # both to 48 kHz first; equal rates are cut and aligned at their own rate, then resampled
        ref, tst, sr = _resample48(ref.astype(np.float64), sr_r), _resample48(tst.astype(np.float64), sr_t), pm.FS
    lag = 0
    if align or check_lag:
        lag, rho = measure_lag(ref, tst, sr)
        ms = 1000.0 * lag / sr
        if align and rho < _MIN_CORR:
            raise DataError(f"peaq: cannot align {test_path} to {reference_path}: they do not correlate within "
                            f"+-{1000 * _LAG_RANGE_S:.0f} ms (best normalised correlation {rho:.2f}, under "
                            f"{_MIN_CORR}), so no lag can be measured; if they are versions of the same recording, "
                            "trim the offset by hand, else score them without --align")
        if not align and rho >= _MIN_CORR and abs(lag) > _LAG_TOL_S * sr:
            verb = "lags behind" if lag > 0 else "leads"
            raise DataError(f"peaq: {test_path} {verb} {reference_path} by {abs(ms):.2f} ms ({abs(lag)} samples at "
                            f"{sr} Hz; normalised correlation {rho:.2f}); PEAQ compares the signals sample by sample "
                            "and would score the shift as distortion (1 ms costs 0.5-1 ODG): rerun with --align "
                            "(align=True) to shift the test by it, or trim the files to match")
    if align:
        if lag > 0:
            tst = tst[:, lag:]
        elif lag < 0:
            ref = ref[:, -lag:]
        n = min(ref.shape[1], tst.shape[1])
        if n == 0:
            raise DataError(f"peaq: {what} have no common part after shifting by {ms:.2f} ms; give longer files")
        ref, tst = ref[:, :n], tst[:, :n]
    else:
        ref, tst = _cut(ref, tst, sr, what)
    res = _score48(_resample48(ref.astype(np.float64), sr), _resample48(tst.astype(np.float64), sr),
                   str(reference_path))
    return replace(res, lag_ms=1000.0 * lag / sr if align else 0.0)
