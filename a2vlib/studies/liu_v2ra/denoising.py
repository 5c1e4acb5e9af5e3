"""Audio de-noising by time-frequency block thresholding: Yu, Mallat & Bacry, IEEE Trans. SP 56(5), 2008 ([44] in Liu).

The noisy STFT Y is cut into macroblocks; each macroblock is tiled by blocks of one shape (L frames x W bins) and every
coefficient of a block B is multiplied by the same attenuation ``a_B = (1 - lambda / xi_B)_+``, where
``xi_B = mean_B |Y|^2 / sigma^2`` is the block's energy per coefficient in units of the noise power of its bins. In each
macroblock the shape and its lambda are the ones with the least Stein unbiased risk estimate (SURE, ``block_sure``)
summed over the blocks tiling the macroblock. The noisy phase is kept and the inverse STFT gives the waveform back.

The kit's readings, where the paper leaves a choice or the kit has less than the paper:

- **STFT**: periodic Hann window of ``window_seconds`` (50 ms), rounded to a multiple of twice the macroblock width
  (800 samples at 16 kHz, 2208 at 44.1 kHz), hop of half a window; the signal is mirrored at both ends so edge frames
  carry noise like the others and the frame count fills whole macroblocks, then trimmed back.
- **Noise level**: the paper takes sigma^2 as known; the kit has no noise-only recording and estimates sigma^2(k) per
  bin from the signal itself (``noise_power``): the ``noise_percentile``-th (20th) percentile over time of
  |Y(k, t)|^2, divided by the same percentile of |N|^2 / sigma^2 for Gaussian noise (exponential, -ln(1 - p), for
  complex bins; chi^2_1 for the real DC and Nyquist bins), then a running median over 9 bins to steady it. Unbiased
  for stationary noise whose spectrum is smooth over 9 bins when each bin holds signal less than 80 % of the time;
  a bin holding a steady tone gets its noise over-estimated and is attenuated too much.
- **Macroblock** 8 frames x 16 bins (the largest L and W among ``block_shapes``), tiling bins 1 to Nyquist. The 15
  candidate shapes L in {8, 4, 2} x W in {16, 8, 4, 2, 1}, each with its own lambda (1.5 for 8 x 16 up to 4.7 for
  2 x 1: larger for smaller blocks, so that pure noise rarely survives), are the values of the public implementations
  of [44]; the paper's own table of lambdas could not be read. SURE picks the shape; ``lambdas[i]`` may be a tuple to
  let SURE pick lambda too (not the default: SURE then favours small lambdas, see the last point). The DC bin lies
  outside the macroblocks: blocks of 8 frames x 1 bin with the largest lambda.
- **SURE** treats the STFT coefficients as independent Gaussians (the paper's noise model); with a half-overlapping
  Hann window neighbouring coefficients of white noise are correlated (adjacent bins by about -2/3, adjacent frames by
  about 1/6), so on real STFTs it is an approximation (exact on independent coefficients: see ``block_sure``).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage, signal, stats

from a2vlib.core.errors import DataError, ParamsError

BLOCK_SHAPES = tuple((L, W) for L in (8, 4, 2) for W in (16, 8, 4, 2, 1))
LAMBDAS = (1.5, 1.8, 2.0, 2.5, 2.5,  # L = 8
           1.8, 2.0, 2.5, 3.5, 3.5,  # L = 4
           2.0, 2.5, 3.5, 4.7, 4.7)  # L = 2


def block_attenuation(xi: np.ndarray | float, lam: float) -> np.ndarray:
    """``(1 - lam / xi)_+`` for a block of normalised mean energy ``xi = mean |Y|^2 / sigma^2``; 0 where xi <= lam."""
    xi = np.asarray(xi, dtype=np.float64)
    return 1.0 - lam / np.maximum(xi, lam)


def block_sure(xi: np.ndarray | float, lam: float, size: int) -> np.ndarray:
    """SURE of ``a_B Y`` on a block of ``size`` complex coefficients, in units of sigma^2 (normalised squared error).

    With z = Y / sigma (complex, E|noise|^2 = 1, so 2 * size real Gaussian degrees of freedom of variance 1/2) and
    xi = mean |z|^2, Stein's lemma for the James-Stein-type map z -> (1 - lam / xi)_+ z (continuous, weakly
    differentiable) gives the unbiased estimate of E sum_B |a_B z - x / sigma|^2::

        SURE = size + (lam^2 size - 2 lam (size - 1)) / xi     if xi > lam
        SURE = size (xi - 1)                                   if xi <= lam   (block set to zero)

    (the real-valued form d + (lam^2 d^2 - 2 lam d (d - 2)) / ||x||^2 with d = 2 size, halved back to complex units).
    """
    xi = np.asarray(xi, dtype=np.float64)
    kept = size + (lam * lam * size - 2.0 * lam * (size - 1)) / np.maximum(xi, lam)
    return np.where(xi > lam, kept, size * (xi - 1.0))


def _candidates(block_shapes, lambdas) -> tuple[list[tuple[int, int, float]], int, int]:
    shapes = [tuple(s) for s in block_shapes] if isinstance(block_shapes, Sequence) else []
    positive = (lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1)
    if not shapes or any(len(s) != 2 or not all(positive(v) for v in s) for s in shapes):
        raise ParamsError(f"block_shapes={block_shapes!r}: give a non-empty sequence of (frames, bins) pairs of "
                          "positive integers, e.g. ((8, 16), (4, 8))")
    if not isinstance(lambdas, Sequence) or len(lambdas) != len(shapes):
        raise ParamsError(f"lambdas: give one entry per block shape ({len(shapes)}), each a float or a tuple of floats")
    mac_l, mac_w = max(s[0] for s in shapes), max(s[1] for s in shapes)
    bad = [s for s in shapes if mac_l % s[0] or mac_w % s[1]]
    if bad:
        raise ParamsError(f"block shapes {bad} do not tile the {mac_l} x {mac_w} macroblock (the largest L and W); "
                          "make every L divide the largest L and every W the largest W")
    out = []
    for (L, W), lam in zip(shapes, lambdas):
        for v in (lam if isinstance(lam, Sequence) else (lam,)):
            if isinstance(v, bool) or not isinstance(v, (int, float, np.number)) or not np.isfinite(v) or v <= 0:
                raise ParamsError(f"lambda {v!r} for block shape {(L, W)}: give a finite number > 0 (the paper's are "
                                  "1.5 to 4.7)")
            out.append((int(L), int(W), float(v)))
    return out, mac_l, mac_w


def noise_power(power: np.ndarray, noise_percentile: float = 20.0, median_bins: int = 9) -> np.ndarray:
    """The kit's sigma^2(k) from a one-sided spectrogram ``power = |Y|^2`` (bins x frames, DC first, Nyquist last).

    Per bin, the ``noise_percentile``-th percentile p over time divided by the p-quantile of |N|^2 / sigma^2 for
    Gaussian noise (chi^2_2 / 2 = exponential: -ln(1 - p) for complex bins, chi^2_1 for the real DC and Nyquist bins),
    then a running median over ``median_bins`` neighbouring bins (1: none) to steady the estimate; floored above 0.
    """
    p = float(noise_percentile) / 100.0
    dof = np.full(power.shape[0], 2)
    dof[[0, -1]] = 1
    sigma2 = np.percentile(power, 100.0 * p, axis=1) / (stats.chi2.ppf(p, dof) / dof)
    sigma2 = ndimage.median_filter(sigma2, size=int(median_bins), mode="nearest")
    return np.maximum(sigma2, 1e-12 * power.mean() + np.finfo(np.float64).tiny)


def _number(v) -> float:
    ok = isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
    return float(v) if ok and np.isfinite(v) else float("nan")


def _check(y, sample_rate, noise_percentile, window_seconds, noise_median_bins) -> np.ndarray:
    if not (_number(sample_rate) > 0 and float(sample_rate).is_integer()):
        raise ParamsError(f"sample_rate={sample_rate!r}: give the rate in Hz as a positive integer, e.g. 16000")
    if not 0.0 < _number(noise_percentile) < 100.0:
        raise ParamsError(f"noise_percentile={noise_percentile!r}: give a percentile strictly between 0 and 100 "
                          "(default 20)")
    if not 0.0 < _number(window_seconds) < np.inf:
        raise ParamsError(f"window_seconds={window_seconds!r}: give a positive window length in seconds (default 0.05)")
    m = noise_median_bins
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1 or m % 2 == 0:
        raise ParamsError(f"noise_median_bins={m!r}: give an odd number of bins >= 1 (1 = no smoothing; default 9)")
    try:
        y = np.asarray(y)
    except Exception as exc:  # ragged lists and the like
        raise DataError(f"waveform cannot be read as an array ({exc}); give a 1-D float array") from exc
    if y.dtype.kind not in "biuf":
        raise DataError(f"waveform has dtype {y.dtype}; give real float samples (complex or text is not audio)")
    if y.ndim != 1:
        raise DataError(f"waveform has shape {y.shape}; give a 1-D array (mix or pick a channel first)")
    if y.size == 0:
        raise DataError("waveform is empty; give at least one STFT window of samples")
    y = y.astype(np.float64)
    if not np.all(np.isfinite(y)):
        raise DataError("waveform holds NaN or infinite samples; clean or clip it before de-noising")
    return y


def block_threshold(y: np.ndarray, sample_rate: int, *, noise_percentile: float = 20.0,
                    block_shapes: Sequence[tuple[int, int]] = BLOCK_SHAPES,
                    lambdas: Sequence[float | Sequence[float]] = LAMBDAS, window_seconds: float = 0.05,
                    noise_median_bins: int = 9) -> np.ndarray:
    """De-noise ``y`` by SURE-adaptive time-frequency block thresholding (Yu, Mallat & Bacry 2008, [44]).

    ``block_shapes[i] = (L, W)`` is a block of L frames x W bins and ``lambdas[i]`` its threshold (or a tuple of
    thresholds to choose from); the macroblock is (max L, max W) and every L, W must divide it. Each block gets
    ``a_B = (1 - lambda / xi_B)_+``, xi_B = mean over B of |Y|^2 / sigma^2; per macroblock the (shape, lambda) of
    least summed ``block_sure`` wins (ties: the first listed). sigma^2(k) is the kit's reading (``noise_power``): the
    ``noise_percentile``-th percentile over time of |Y(k, t)|^2 divided by -ln(1 - p/100), the same percentile of
    |N|^2 / sigma^2 for complex Gaussian noise (exponential of mean 1), then a median over ``noise_median_bins`` bins.
    STFT: Hann window of ``window_seconds`` (rounded to a multiple of 2 x max W samples), half overlap, noisy phase.
    Returns float32 samples, as many as ``y``; silence gives zeros. Deterministic.
    """
    y = _check(y, sample_rate, noise_percentile, window_seconds, noise_median_bins)
    sample_rate = int(sample_rate)
    cands, mac_l, mac_w = _candidates(block_shapes, lambdas)
    n_fft = 2 * mac_w * max(1, round(window_seconds * sample_rate / (2 * mac_w)))
    hop = n_fft // 2
    if y.size < n_fft:
        raise DataError(f"waveform of {y.size} samples is shorter than one {n_fft}-sample STFT window "
                        f"({window_seconds * 1e3:g} ms at {sample_rate} Hz); give at least {n_fft} samples")
    if not np.any(y):
        return np.zeros(y.size, dtype=np.float32)

    n_frames = mac_l * -(-(1 + -(-y.size // hop)) // mac_l)  # whole macroblocks covering the signal
    padded = np.pad(y, (hop, (n_frames - 1) * hop + n_fft - hop - y.size), mode="reflect")
    _, _, spec = signal.stft(padded, nperseg=n_fft, noverlap=hop, window="hann", boundary=None, padded=False)
    power = spec.real ** 2 + spec.imag ** 2  # (bins, frames)

    norm = power / noise_power(power, noise_percentile, noise_median_bins)[:, None]

    gain = np.empty_like(norm)
    dc = norm[0].reshape(-1, mac_l).mean(axis=1)
    gain[0] = np.repeat(block_attenuation(dc, max(c[2] for c in cands)), mac_l)
    n_mf, n_mt = (norm.shape[0] - 1) // mac_w, n_frames // mac_l
    body = norm[1:].reshape(n_mf, mac_w, n_mt, mac_l)
    best_risk, best_gain = np.full((n_mf, n_mt), np.inf), np.zeros_like(body)
    for L, W, lam in cands:
        xi = body.reshape(n_mf, mac_w // W, W, n_mt, mac_l // L, L).mean(axis=(2, 5))
        risk = block_sure(xi, lam, L * W).sum(axis=(1, 3))
        better = risk < best_risk
        best_risk = np.where(better, risk, best_risk)
        a = np.repeat(np.repeat(block_attenuation(xi, lam), W, axis=1), L, axis=3)
        best_gain = np.where(better[:, None, :, None], a, best_gain)
    gain[1:] = best_gain.reshape(n_mf * mac_w, n_frames)

    _, out = signal.istft(spec * gain, nperseg=n_fft, noverlap=hop, window="hann", boundary=True)  # drops `hop` first
    return out[:y.size].astype(np.float32)
