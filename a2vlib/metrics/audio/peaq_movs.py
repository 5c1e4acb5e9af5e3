"""PEAQ basic's model output variables (MOVs, ITU-R BS.1387-1 section 5) from the ear model's outputs of one channel
pair, their combination over channels, and the neural network that maps them to the distortion index and the ODG
(section 6). The entry points, with the signals' checks, are :mod:`a2vlib.metrics.audio.peaq`."""
from __future__ import annotations

import numpy as np

from a2vlib.metrics.audio import peaq_model as pm

MOV_NAMES = ("BandwidthRefB", "BandwidthTestB", "Total NMRB", "WinModDiff1B", "ADBB", "EHSB", "AvgModDiff1B",
             "AvgModDiff2B", "RmsNoiseLoudB", "MFPDB", "RelDistFramesB")

# neural network of the basic version (section 6): input scaling amin/amax, weights, output scaling bmin/bmax
_AMIN = np.array([393.916656, 361.965332, -24.045116, 1.110661, -0.206623, 0.074318, 1.113683, 0.950345,
                  0.029985, 0.000101, 0.0])
_AMAX = np.array([921.0, 881.131226, 16.212030, 107.137772, 2.886017, 13.933351, 63.257874, 1145.018555,
                  14.819740, 1.0, 1.0])
_WX = np.array([[-0.502657, 0.436333, 1.219602], [4.307481, 3.246017, 1.123743], [4.984241, -2.211189, -0.192096],
                [0.051056, -1.762424, 4.331315], [2.321580, 1.789971, -0.754560],
                [-5.303901, -3.452257, -10.814982], [2.730991, -6.111805, 1.519223],
                [0.624950, -1.331523, -5.955151], [3.102889, 0.871260, -5.922878],
                [-1.051468, -0.939882, -0.142913], [-1.804679, -0.503610, -0.620456]])
_WXB = np.array([-2.518254, 0.654841, -2.207228])
_WY = np.array([-3.817048, 4.107138, 4.629582])
_WYB = -0.307594
_BMIN, _BMAX = -3.98, 0.22
_BOUNDARY = 200.0 / 32768.0  # data boundary: sum of |x| over 5 consecutive samples (5.2.4.4)
_ENERGY = 8000.0 / 32768.0 ** 2  # energy threshold for EHS, over the frame's second half (5.2.4.3)
_MOD_START = 24  # modulation MOVs skip the first 0.5 s (24 frames), delayed averaging (5.2.4.1)
_LOUD_DELAY = 3  # noise loudness: from 3 frames after both signals first exceed 0.1 sone (5.2.4.2)


def _frames(x: np.ndarray) -> np.ndarray:
    """Frames of N samples every N/2 (2.1.2); the tail that does not fill a frame goes into one zero-padded frame."""
    n_full = (len(x) - pm.N) // pm.HOP + 1 if len(x) >= pm.N else 0
    n_frames = n_full + (1 if len(x) > n_full * pm.HOP else 0)  # GstPEAQ flushes what is left after the last hop
    padded = np.zeros((n_frames - 1) * pm.HOP + pm.N)
    padded[:len(x)] = x
    idx = np.arange(n_frames)[:, None] * pm.HOP + np.arange(pm.N)[None, :]
    return padded[idx]


def _boundary(ref_frames: np.ndarray) -> np.ndarray:
    """Frames of the reference holding a 5-sample run with sum |x| >= 200/32768 (5.2.4.4)."""
    a = np.abs(ref_frames)
    c = np.cumsum(np.pad(a, ((0, 0), (1, 0))), axis=1)
    return (c[:, 5:] - c[:, :-5]).max(axis=1) >= _BOUNDARY


def _bandwidth(p_ref: np.ndarray, p_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame bandwidths (4.4): highest bin (as count) of the reference 10 dB, of the test 5 dB above the test's
    maximum in bins 921-1023 (21.6-24 kHz); the reference is searched below bin 921, the test below it."""
    thr = p_test[:, 921:1024].max(axis=1, keepdims=True)
    above_ref = p_ref[:, :921] > 10.0 * thr
    bw_ref = np.where(above_ref.any(axis=1), 921 - np.argmax(above_ref[:, ::-1], axis=1), 0)
    cols = np.arange(921)[None, :]
    above_test = (p_test[:, :921] >= 10.0 ** 0.5 * thr) & (cols < bw_ref[:, None])
    bw_test = np.where(above_test.any(axis=1), 921 - np.argmax(above_test[:, ::-1], axis=1), 0)
    return bw_ref.astype(float), bw_test.astype(float)


def _nmr(ref: pm.EarOutput, test: pm.EarOutput) -> tuple[np.ndarray, np.ndarray]:
    """Noise-to-mask ratio per frame, linear, averaged over bands (4.5, (70)); and its band maximum (4.6)."""
    par = pm.ear_params()
    noise = (np.sqrt(ref.weighted) - np.sqrt(test.weighted)) ** 2  # error spectrum (|Xw_ref| - |Xw_test|)^2
    noise_bands = np.maximum(noise @ par.group, 1e-12)
    mask = ref.excitation / par.mask_offset  # masking threshold (26)
    ratio = noise_bands / mask
    return ratio.mean(axis=1), ratio.max(axis=1)


def _detection(e_ref: np.ndarray, e_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Probability of detection and number of steps above threshold per frame and band, one channel (4.7, (73)-(78))."""
    r_db, t_db = 10.0 * np.log10(e_ref), 10.0 * np.log10(e_test)
    lev = 0.3 * np.maximum(r_db, t_db) + 0.7 * t_db  # (73)
    lp = np.where(lev > 0.0, lev, 1.0)
    s = np.where(lev > 0.0, 5.95072 * (6.39468 / lp) ** 1.71332 + 9.01033e-11 * lp ** 4 + 5.05622e-6 * lp ** 3
                 - 0.00102438 * lp ** 2 + 0.0550197 * lp - 0.198719, 1e30)  # detection step size (74)
    e = r_db - t_db  # (75)
    b = np.where(r_db > t_db, 4.0, 6.0)
    pc = 1.0 - 0.5 ** ((np.abs(e) / s) ** b)  # (76), (77)
    qc = np.abs(np.trunc(e)) / s  # (78)
    return pc, qc


def _binaural(pcs: list[np.ndarray], qcs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Total probability of detection and steps above threshold per frame (4.7, (79)): per band the larger of the
    channels' values (the binaural rule; one channel: its own), then over bands."""
    pc = pcs[0] if len(pcs) == 1 else np.maximum.reduce(pcs)
    qc = qcs[0] if len(qcs) == 1 else np.maximum.reduce(qcs)
    return 1.0 - np.prod(1.0 - pc, axis=1), qc.sum(axis=1)


def _ehs(w_ref: np.ndarray, w_test: np.ndarray) -> np.ndarray:
    """Error harmonic structure per frame (4.8): the largest rising peak of the spectrum of the windowed
    autocorrelation of the log spectral ratio of test to reference over the first 512 bins, times 1000."""
    lag = 256
    r, t = w_ref[:, :2 * lag], w_test[:, :2 * lag]
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where((r == 0) & (t == 0), 0.0, np.log(t / r))
        # c(l) = sum_{k<256} d(k) d(k+l), l < 256, by FFT
        spec_a = np.fft.rfft(d, axis=1)
        spec_b = np.fft.rfft(np.pad(d[:, :lag], ((0, 0), (0, lag))), axis=1)
        c = np.fft.irfft(spec_a * np.conj(spec_b), n=2 * lag, axis=1)[:, :lag]
        sq = np.cumsum(np.pad(d * d, ((0, 0), (1, 0))), axis=1)
        dk = sq[:, lag:2 * lag] - sq[:, :lag]  # sum_{k=l}^{l+255} d(k)^2
        c = c / np.sqrt(dk[:, :1] * dk)  # normalised correlation
        c = c - c.mean(axis=1, keepdims=True)  # mean removed before windowing, as [Kabal] and GstPEAQ
        win = 0.81649658092773 * (1.0 - np.cos(2.0 * np.pi * np.arange(lag) / (lag - 1))) / lag
        p = np.abs(np.fft.rfft(c * win, axis=1)) ** 2
    rising = p[:, 1:] > p[:, :-1]
    ehs = np.where(rising, p[:, 1:], 0.0).max(axis=1)
    ehs = np.where(np.all(np.isfinite(p), axis=1), ehs, 0.0)  # identical spectra: 0/0, no structure
    return 1000.0 * ehs


def _mod_diff(mod_ref, mod_test, e_bar_ref) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Modulation differences per frame (4.2, (62)-(65)): ModDiff1, ModDiff2 and the temporal weights (levWt 100)."""
    par = pm.ear_params()
    diff = np.abs(mod_ref - mod_test)
    md1 = 100.0 / pm.N_BANDS * (diff / (1.0 + mod_ref)).sum(axis=1)  # negWt 1, offset 1
    w = np.where(mod_test >= mod_ref, 1.0, 0.1)
    md2 = 100.0 / pm.N_BANDS * (w * diff / (0.01 + mod_ref)).sum(axis=1)  # negWt 0.1, offset 0.01
    e_thr = par.internal_noise ** 0.3
    wt = (e_bar_ref / (e_bar_ref + 100.0 * e_thr)).sum(axis=1)  # (65)
    return md1, md2, wt, diff


def _noise_loudness(ep_ref, ep_test, mod_ref, mod_test) -> np.ndarray:
    """Noise loudness per frame (4.3, (66)-(68)), alpha 1.5, ThresFac 0.15, S0 0.5; negative values set to 0."""
    par = pm.ear_params()
    s_ref, s_test = 0.15 * mod_ref + 0.5, 0.15 * mod_test + 0.5  # (67)
    e_th = par.internal_noise
    beta = np.exp(-1.5 * (ep_test - ep_ref) / ep_ref)  # (68)
    nl = (e_th / s_test) ** 0.23 * ((1.0 + np.maximum(s_test * ep_test - s_ref * ep_ref, 0.0)
                                     / (e_th + s_ref * ep_ref * beta)) ** 0.23 - 1.0)
    return np.maximum(nl.sum(axis=1) * 24.0 / pm.N_BANDS, 0.0)


def _mean(v: np.ndarray, sel: np.ndarray, w: np.ndarray | None = None) -> float:
    w = np.ones_like(v) if w is None else w
    den = float(w[sel].sum())
    return float((w[sel] * v[sel]).sum() / den) if den > 0 else float("nan")


def _channel_movs(ref: pm.EarOutput, test: pm.EarOutput, valid: np.ndarray, sel_mod: np.ndarray,
                  sel_nl: np.ndarray, sel_ehs: np.ndarray) -> dict[str, float]:
    """The MOVs that BS.1387 computes channel by channel (all but ADBB and MFPDB), with the basic version's temporal
    averaging (5.2) over frames ``valid`` (the data boundary) and the given frame selections."""
    movs: dict[str, float] = {}
    # bandwidth (4.4): linear average over frames whose reference bandwidth exceeds bin 346 (8.1 kHz)
    bw_ref, bw_test = _bandwidth(ref.power, test.power)
    sel = valid & (bw_ref > 346)
    movs["BandwidthRefB"], movs["BandwidthTestB"] = _mean(bw_ref, sel), _mean(bw_test, sel)
    # NMR (4.5): Total NMR = 10 log10 of the linear average; relative disturbed frames (4.6): max band NMR > 1.5 dB
    nmr, nmr_max = _nmr(ref, test)
    movs["Total NMRB"] = float(10.0 * np.log10(_mean(nmr, valid)))
    # modulation differences (4.2): averaged from frame 24 (0.5 s) on (delayed averaging, 5.2.4.1)
    mod_ref, e_bar_ref = pm.modulation(ref.unsmeared)
    mod_test, _ = pm.modulation(test.unsmeared)
    md1, md2, wt, _ = _mod_diff(mod_ref, mod_test, e_bar_ref)
    # windowed average (5.2): sliding window of 4 frames over the mean of square roots, to the 4th power
    seq = np.sqrt(md1[sel_mod])
    win = (np.convolve(seq, np.ones(4), mode="valid") / 4.0) ** 4 if len(seq) >= 4 else np.zeros(0)
    movs["WinModDiff1B"] = float(np.sqrt(win.mean())) if len(win) else float("nan")
    # EHS (4.8): frames whose reference or test energy over the frame's second half reaches the threshold
    movs["EHSB"] = _mean(_ehs(ref.weighted, test.weighted), sel_ehs)
    movs["AvgModDiff1B"], movs["AvgModDiff2B"] = _mean(md1, sel_mod, wt), _mean(md2, sel_mod, wt)
    # noise loudness (4.3), RMS average (5.2) from 50 ms after both signals' loudness first exceeds 0.1 sone
    ep_ref, ep_test = pm.level_pattern_adaptation(ref.excitation, test.excitation)
    nl = _noise_loudness(ep_ref, ep_test, mod_ref, mod_test)
    movs["RmsNoiseLoudB"] = float(np.sqrt(_mean(nl ** 2, sel_nl)))
    movs["RelDistFramesB"] = _mean((nmr_max > 10.0 ** 0.15).astype(float), valid)
    return movs


def _movs(refs: list[pm.EarOutput], tests: list[pm.EarOutput], valid: np.ndarray,
          energy_ok: np.ndarray) -> tuple[dict[str, float], list[dict[str, float]]]:
    """The 11 MOVs over all channels, and the per-channel ones. As BS.1387 (and GstPEAQ): each channel's MOVs are
    averaged linearly over the channels (Total NMR in dB), except ADBB and MFPDB, which come from the binaural
    detection probability (4.7: per band the larger of the channels'). Frame selections are shared: a frame counts
    when any channel qualifies (data boundary, EHS energy, both signals above 0.1 sone)."""
    n = len(valid)
    idx = np.arange(n)
    sel_mod = valid & (idx >= _MOD_START)
    loud = np.zeros(n, dtype=bool)
    for r, t in zip(refs, tests):
        loud |= (pm.loudness(r.excitation) > 0.1) & (pm.loudness(t.excitation) > 0.1)
    start = int(np.argmax(loud)) + _LOUD_DELAY if loud.any() else n
    sel_nl = sel_mod & (idx >= start)
    per_channel = [_channel_movs(r, t, valid, sel_mod, sel_nl, valid & energy_ok) for r, t in zip(refs, tests)]
    movs = {k: sum(m[k] for m in per_channel) / len(per_channel) for k in per_channel[0]}
    # detection probability (4.7): ADB over frames with P > 0.5 (log10 of mean steps, -0.5 when that is 0)
    pcs, qcs = zip(*(_detection(r.excitation, t.excitation) for r, t in zip(refs, tests)))
    prob, steps = _binaural(list(pcs), list(qcs))
    sel_adb = valid & (prob > 0.5)
    if not sel_adb.any():
        movs["ADBB"] = 0.0
    else:
        mean_steps = float(steps[sel_adb].mean())
        movs["ADBB"] = -0.5 if mean_steps == 0.0 else float(np.log10(mean_steps))
    # maximum filtered probability of detection (4.7, 5.2): first-order filter 0.9 / 0.1, then maximum
    f = pm.recursive_average(prob[valid][:, None], np.array([0.9]), gain=0.1)[:, 0]
    movs["MFPDB"] = float(max(f.max(), 0.0))
    return {k: movs[k] for k in MOV_NAMES}, per_channel


def _network(movs: dict[str, float]) -> tuple[float, float]:
    """Distortion index and ODG from the 11 MOVs (section 6): 11 inputs, 3 sigmoid hidden nodes, no clipping."""
    x = (np.array([movs[k] for k in MOV_NAMES]) - _AMIN) / (_AMAX - _AMIN)
    hidden = 1.0 / (1.0 + np.exp(-(_WXB + x @ _WX)))
    di = float(_WYB + hidden @ _WY)
    return float(_BMIN + (_BMAX - _BMIN) / (1.0 + np.exp(-di))), di
