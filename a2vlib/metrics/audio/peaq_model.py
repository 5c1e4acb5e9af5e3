"""The FFT ear model and pre-processing of PEAQ's basic version (ITU-R BS.1387-1, sections 2.1 and 3).

Everything works on whole signals at once: frames are rows, the 109 critical bands are columns. Equation numbers
are those of BS.1387-1; "[Kabal]" is P. Kabal, "An Examination and Interpretation of ITU-R BS.1387" (2003), whose
reading of the standard GstPEAQ (the calibration reference) follows where the standard is ambiguous.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

FS = 48000  # BS.1387 is defined at 48 kHz only
N = 2048  # frame length of the FFT ear model (2.1.2)
HOP = N // 2  # 50 % overlap (2.1.2)
N_BANDS = 109  # basic version (2.1.5)
DZ = 27.0 / (N_BANDS - 1)  # band width in Bark: 0.25
LISTENING_LEVEL_DB = 92.0  # a full-scale sine is played at 92 dB SPL (2.1.3)
GAMMA = 0.84971762641205  # [Kabal] 2.3: peak of a Hann-windowed sine's spectrum relative to N/4 (worst bin offset)
LOUDNESS_SCALE = 1.07664  # const in (58), FFT model


@dataclass(frozen=True)
class EarParams:
    """Constants of the ear model that depend only on the band layout, precomputed once."""

    window: np.ndarray  # (N,) scaled Hann window (2)
    ear_weight: np.ndarray  # (N/2+1,) outer/middle ear weighting in the power domain, |W(k)|^2 (7)
    group: np.ndarray  # (N/2+1, 109) bins -> bands, with partial weights for the edge bins (2.1.5)
    fc: np.ndarray  # (109,) band centre frequencies in Hz
    internal_noise: np.ndarray  # (109,) E_IN (13)
    e_thres: np.ndarray  # (109,) E_Thres (60)
    s_index: np.ndarray  # (109,) threshold index s (61)
    loud_factor: np.ndarray  # (109,) const * (E_Thres / (s * 10^4))^0.23 (58)
    mask_offset: np.ndarray  # (109,) 10^(m(k)/10), masking offset (25)
    a_ear: np.ndarray  # (109,) time smoothing of the ear model, tau 8/30 ms (21)-(24)
    a_pre: np.ndarray  # (109,) time smoothing of pre-processing, tau 8/50 ms (41), (56)
    a_upper_c: np.ndarray  # (109,) level-independent part of the upper spreading slope (18)
    g_lower: np.ndarray  # (109,) partial sum of the lower slope over bands 0..k ([Kabal] (24))
    spread_norm: np.ndarray  # (109,) normalisation of the spreading, its response to all-ones input (19)
    neighbours: np.ndarray  # (109, 109) band averaging of the pattern correction, M1=3 below, M2=4 above (51)


def time_constant(fc: np.ndarray, tau_min: float, tau_100: float) -> np.ndarray:
    """Per-band smoothing a = exp(-StepSize / (fs tau)), tau = tau_min + 100 Hz / fc (tau_100 - tau_min) (21), (24)."""
    tau = tau_min + 100.0 / fc * (tau_100 - tau_min)
    return np.exp(-HOP / (FS * tau))


def ear_weight_db(f_hz: np.ndarray) -> np.ndarray:
    """Outer and middle ear frequency response in dB (7); -inf at 0 Hz."""
    f = np.asarray(f_hz, dtype=np.float64) / 1000.0
    with np.errstate(divide="ignore"):
        return -0.6 * 3.64 * f ** -0.8 + 6.5 * np.exp(-0.6 * (f - 3.3) ** 2) - 1e-3 * f ** 3.6


def _spread(pp: np.ndarray, par: EarParams, normalise: bool = True) -> np.ndarray:
    """Level-dependent frequency spreading (2.1.7, (15)-(20)) of pitch patterns ``pp`` (frames, bands).

    Two-sided exponential slopes in Bark: 27 dB/Bark towards lower bands, 24 + 230 Hz/fc - 2 * L dB/Bark towards higher
    bands (L the band level in dB). Each band's energy is first normalised by the slopes' total gain ([Kabal] (24)),
    the spread contributions are added in the power-law domain with exponent 0.4 (20), and the result divided by the
    spreading of an all-ones pattern (19).
    """
    k = np.arange(N_BANDS)
    a_uce = par.a_upper_c * pp ** (0.2 * DZ)  # upper slope per band, level dependent (18)
    g_upper = (1.0 - a_uce ** (N_BANDS - k)) / (1.0 - a_uce)  # its gain summed over bands k..end
    e_n = pp / (par.g_lower + g_upper - 1.0)  # energy normalised by the total slope gain
    a_low_e = (10.0 ** (-2.7 * DZ)) ** 0.4  # lower slope, 0.4 power domain
    dist = k[None, :] - k[:, None]  # dist[i, j] = j - i: from band i to band j
    low = np.where(dist <= 0, a_low_e ** np.abs(dist), 0.0)  # band i spreads to j <= i
    out = np.empty_like(pp)
    for s in range(0, pp.shape[0], 128):  # chunks keep the (frames, 109, 109) kernel small
        up = np.where(dist[None] > 0, (a_uce[s:s + 128, :, None] ** 0.4) ** np.maximum(dist, 0)[None], 0.0)
        kern = up + low[None]
        out[s:s + 128] = np.einsum("ti,tij->tj", e_n[s:s + 128] ** 0.4, kern)
    out = out ** (1.0 / 0.4)
    return out / par.spread_norm if normalise else out


@lru_cache(maxsize=1)
def ear_params() -> EarParams:
    """Band layout and constants of the basic version's FFT ear model (2.1.3-2.1.9, 3.1-3.3)."""
    # Hann window with the standard's sqrt(8/3) gain (2)
    n = np.arange(N)
    window = np.sqrt(8.0 / 3.0) * 0.5 * (1.0 - np.cos(2.0 * np.pi * n / (N - 1)))
    freqs = np.arange(N // 2 + 1) * FS / N
    w = np.zeros(N // 2 + 1)
    w[1:] = 10.0 ** (ear_weight_db(freqs[1:]) / 10.0)  # |W(k)|^2 (7), (9); W(0 Hz) = 0
    # critical bands: 80 Hz .. 18 kHz, 0.25 Bark each, Bark scale z = 7 asinh(f / 650) (2.1.5, table of (11)-(12))
    z_lo, z_hi = 7.0 * np.arcsinh(80.0 / 650.0), 7.0 * np.arcsinh(18000.0 / 650.0)
    zl = z_lo + np.arange(N_BANDS) * DZ
    zu = np.minimum(z_hi, zl + DZ)
    fl, fu = 650.0 * np.sinh(zl / 7.0), 650.0 * np.sinh(zu / 7.0)
    fc = 650.0 * np.sinh((zl + zu) / 2.0 / 7.0)
    # grouping: bins fully inside a band count once, the two edge bins by the fraction of their width inside it
    # (2.1.5 as computed by GstPEAQ: bin k covers (k - 1/2 .. k + 1/2) * fs / N)
    df = FS / N
    group = np.zeros((N // 2 + 1, N_BANDS))
    lo = np.round(fl / df).astype(int)
    hi = np.round(fu / df).astype(int)
    for b in range(N_BANDS):
        group[lo[b], b] = (min((lo[b] + 0.5) * df, fu[b]) - fl[b]) / df
        if hi[b] != lo[b]:
            group[lo[b] + 1:hi[b], b] = 1.0
            group[hi[b], b] = (fu[b] - (hi[b] - 0.5) * df) / df
    # internal noise (13), excitation threshold (60), threshold index (61), loudness factor (58)
    f_k = fc / 1000.0
    internal_noise = 10.0 ** (0.4 * 0.364 * f_k ** -0.8)
    e_thres = 10.0 ** (0.364 * f_k ** -0.8)
    s_index = 10.0 ** (0.1 * (-2.0 - 2.05 * np.arctan(fc / 4000.0) - 0.75 * np.arctan((fc / 1600.0) ** 2)))
    loud_factor = LOUDNESS_SCALE * (e_thres / (1e4 * s_index)) ** 0.23
    # masking offset m(k) = 3 dB up to 12 Bark, 0.25 k dz above (25)
    z = np.arange(N_BANDS) * DZ
    mask_offset = 10.0 ** (np.where(z <= 12.0, 3.0, 0.25 * z) / 10.0)
    a_l = 10.0 ** (-2.7 * DZ)
    g_lower = (1.0 - a_l ** (np.arange(N_BANDS) + 1)) / (1.0 - a_l)
    a_upper_c = 10.0 ** ((-2.4 - 23.0 / fc) * DZ)
    # neighbour averaging for the pattern correction (51): bands k-3 .. k+4, clipped at the edges
    k = np.arange(N_BANDS)
    m1, m2 = np.minimum(k, 3), np.minimum(N_BANDS - 1 - k, 4)
    neighbours = ((k[None, :] >= (k - m1)[:, None]) & (k[None, :] <= (k + m2)[:, None])) / (m1 + m2 + 1)[:, None]
    par = EarParams(window=window, ear_weight=w, group=group, fc=fc, internal_noise=internal_noise, e_thres=e_thres,
                    s_index=s_index, loud_factor=loud_factor, mask_offset=mask_offset,
                    a_ear=time_constant(fc, 0.008, 0.030), a_pre=time_constant(fc, 0.008, 0.050),
                    a_upper_c=a_upper_c, g_lower=g_lower, spread_norm=np.ones(N_BANDS),
                    neighbours=neighbours.astype(np.float64))
    norm = _spread(np.ones((1, N_BANDS)), par, normalise=False)[0]  # (19): spreading of a 0 dB pattern
    return EarParams(**{**par.__dict__, "spread_norm": norm})


def recursive_average(x: np.ndarray, a: np.ndarray, gain: float | np.ndarray | None = None) -> np.ndarray:
    """First-order recursion over frames, y[n] = a y[n-1] + g x[n] with y[-1] = 0 (g = 1 - a unless given)."""
    g = 1.0 - a if gain is None else gain
    y = np.empty_like(x)
    acc = np.zeros(x.shape[1:])
    for n in range(x.shape[0]):
        acc = a * acc + g * x[n]
        y[n] = acc
    return y


@dataclass
class EarOutput:
    """Per-frame outputs of the FFT ear model for one signal."""

    power: np.ndarray  # (frames, N/2+1) |X|^2 scaled to the listening level (4)-(6)
    weighted: np.ndarray  # (frames, N/2+1) after outer/middle ear weighting (9)
    unsmeared: np.ndarray  # (frames, 109) excitation before time-domain spreading (2.1.7)
    excitation: np.ndarray  # (frames, 109) excitation patterns after time-domain spreading (2.1.8)


def ear_model(frames: np.ndarray) -> EarOutput:
    """Apply the FFT ear model (2.1.3-2.1.8) to ``frames`` (frames, N) of a 48 kHz signal in [-1, 1]."""
    par = ear_params()
    spec = np.fft.rfft(frames * par.window, axis=1)  # (3), (4); the 1/N goes into the level factor
    # level scaling: a full-scale sine gives LISTENING_LEVEL_DB at the spectral peak ((5), (6), [Kabal] 2.3);
    # the window's sqrt(8/3) gain is cancelled here, as the peak of a Hann-windowed sine is GAMMA N / 4
    level = 10.0 ** (LISTENING_LEVEL_DB / 10.0) / (8.0 / 3.0 * (GAMMA / 4.0 * (N - 1)) ** 2)
    power = (spec.real ** 2 + spec.imag ** 2) * level
    weighted = power * par.ear_weight  # outer and middle ear (9)
    bands = np.maximum(weighted @ par.group, 1e-12)  # critical band energies (2.1.5), floor as GstPEAQ
    pitch = bands + par.internal_noise  # pitch patterns: internal noise added (14)
    unsmeared = _spread(pitch, par)  # frequency spreading (2.1.7)
    smoothed = recursive_average(unsmeared, par.a_ear)  # time-domain spreading, first-order lowpass (22)
    excitation = np.maximum(smoothed, unsmeared)  # (23)
    return EarOutput(power=power, weighted=weighted, unsmeared=unsmeared, excitation=excitation)


def loudness(excitation: np.ndarray) -> np.ndarray:
    """Total loudness per frame in sone (58): specific loudness summed over bands, times 24 / 109."""
    par = ear_params()
    specific = par.loud_factor * ((1.0 - par.s_index + par.s_index * excitation / par.e_thres) ** 0.23 - 1.0)
    return np.maximum(specific, 0.0).sum(axis=1) * 24.0 / N_BANDS


def level_pattern_adaptation(e_ref: np.ndarray, e_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Level and pattern adaptation (3.1, (42)-(53)); returns the spectrally adapted patterns (ref, test)."""
    par = ear_params()
    a = par.a_pre
    p_ref, p_test = recursive_average(e_ref, a), recursive_average(e_test, a)  # (42), (43)
    # momentary level correction (45): scale the louder signal down to the quieter (46), (47)
    lev_corr = (np.sqrt(p_ref * p_test).sum(axis=1) / p_test.sum(axis=1)) ** 2
    louder_ref = (lev_corr > 1.0)[:, None]
    l_ref = np.where(louder_ref, e_ref / lev_corr[:, None], e_ref)
    l_test = np.where(louder_ref, e_test, e_test * lev_corr[:, None])
    # correlation of the patterns' temporal envelopes per band (48) and correction factors (49)
    num = recursive_average(l_test * l_ref, a, gain=1.0)
    den = recursive_average(l_ref * l_ref, a, gain=1.0)
    test_ge = num >= den
    r_ref = np.where(test_ge, 1.0, num / den)
    r_test = np.where(test_ge, den / num, 1.0)
    # averaged over neighbouring bands (51), smoothed over time (50), applied (52), (53)
    corr_ref = recursive_average(r_ref @ par.neighbours.T, a)
    corr_test = recursive_average(r_test @ par.neighbours.T, a)
    return l_ref * corr_ref, l_test * corr_test


def modulation(unsmeared: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Modulation patterns (3.2, (54)-(57)) from unsmeared excitation; returns (modulation, average loudness E)."""
    par = ear_params()
    a = par.a_pre
    loud = unsmeared ** 0.3  # (54)
    prev = np.vstack([np.zeros((1, N_BANDS)), loud[:-1]])
    deriv = (FS / HOP) * np.abs(loud - prev)  # time derivative of the loudness (54)
    d_bar = recursive_average(deriv, a)  # (55)
    e_bar = recursive_average(loud, a)  # (55)
    return d_bar / (1.0 + e_bar / 0.3), e_bar  # (57)
