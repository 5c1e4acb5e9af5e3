"""Liu et al.'s V2RA experiments (§4.3-4.6): one V2RA-GAN per category, Table 7's rows as deltas over the full
system, Table 8's optimisation schemes, synchronisation, nearest-neighbour retrieval and generation speed.

Every model trains through the kit's one trainer with the least-squares loss and Liu's L1 term (eq. 8-9), 2 D updates
per G update, Adam at 1e-3 (§4.2, Table 3); the CPU profiles shrink the model size d, the batch and the sample rate.
"""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import torch

from a2vlib import verdicts
from a2vlib.studies.liu_v2ra.optimisation import denoise, peak_match
from a2vlib.core.device import seed_everything
from a2vlib.core.errors import DataError, ParamsError
from a2vlib.metrics.audio.peaq import peaq
from a2vlib.studies.liu_v2ra.similarity import osg
from a2vlib.studies.liu_v2ra.networks import JOINS, V2RAConfig, build_v2ra
from a2vlib.studies.liu_v2ra.onsets import match_onsets, onset_scores, onsets
from a2vlib.papers import liu_v2ra
from a2vlib.studies.liu_v2ra.data import V2RAData
from a2vlib.training.trainer import fit_cached

# Table 7's rows, each the change it makes to the full system (L1 + LS, audio filter, no z, no skips, reshape).
ROWS: dict[str, dict[str, Any]] = {
    "full_system": {},
    "with_z": {"use_z": True},
    "skip_connections": {"skip": True},
    "no_audio_filter": {"audio_filter": False},
    "random_crop": {"random_crop": True},
    "l1_ce": {"loss": "bce"},
    "ls": {"l1_weight": 0.0},
    "l1": {"adv_weight": 0.0},
    "ce": {"loss": "bce", "l1_weight": 0.0},
}
METRICS = ("odg", "mms", "msf", "rms", "osg")
SYNC_WINDOW_S = 0.25  # an onset counts for the nearest true event within this distance
MONITOR_POINTS = 8  # how often over a training the generated test clips' onset F is measured


@dataclass(frozen=True)
class RowConfig:
    """A V2RAConfig plus the data-side switch of Table 7 (random crop of the frames)."""

    model: V2RAConfig
    random_crop: bool = False


def row_config(row: str, sizes: Mapping[str, Any]) -> RowConfig:
    if row not in ROWS:
        raise ParamsError(f"Table 7 row {row!r}: unknown; use some of {', '.join(ROWS)}")
    delta = dict(ROWS[row])
    crop = bool(delta.pop("random_crop", False))
    return RowConfig(replace(V2RAConfig(**sizes), **delta), crop)


def train(data: V2RAData, category: str, row: str, sizes: Mapping[str, Any], seed: int = 0,
          device: str | torch.device = "cpu") -> dict[str, Any]:
    """One model of ``row`` for ``category`` (cached by data, category, configuration and seed)."""
    cfg = row_config(row, sizes)
    m = cfg.model
    samples = data.crop_segments(category) if cfg.random_crop else data.segments(category, "train")
    seed_everything(seed)
    g, d = build_v2ra(m)
    key = {"data": data.key, "category": category, "row": row, "config": asdict(m), "crop": cfg.random_crop,
           "seed": seed, "monitor": "onset_f"}  # the history holds onset F over epochs
    n = len(samples[0]) if isinstance(samples, tuple) else len(samples)
    monitor = _onset_monitor(data, category, max(1, m.epochs // MONITOR_POINTS), m.join, seed)
    result, _, _ = fit_cached("v2ra", key, g, d, samples, m.epochs, m.training(n), seed=seed, device=device,
                              callbacks=[monitor])
    return {"category": category, "row": row, "generator": result.generator, "config": cfg, "history": result.history}


def clip_events(data: V2RAData, clips: Sequence[int], seconds: float) -> list[np.ndarray]:
    """The true event times of clips ``clips``, those within the first ``seconds`` (what was generated)."""
    events = [np.asarray(data.clips.events[i], float) for i in clips]
    return [e[e < seconds] for e in events]


def _onset_monitor(data: V2RAData, category: str, every: int, join: str, seed: int = 0) -> Any:
    """A training callback: every ``every`` epochs (and after the first), the onset F of the generated test clips of
    ``category`` against their events within one video frame, pooled over the clips (``onset_f`` in the history).
    The trainer runs it with its random state saved, so the training is the same with it."""
    clips = data.clip_indices(category, "test")
    sr = data.sample_rate

    def callback(trainer: Any, epoch: int, metrics: dict[str, Any]) -> dict[str, float] | None:
        if epoch % every and epoch != 1:
            return None
        gen = generate_clips({"generator": trainer.generator}, data.clip_conditions(category, "test"), sr, join, seed)
        t = onset_table(gen, clip_events(data, clips, gen.shape[1] / sr), sr, 1.0 / data.clips.fps)
        return {"onset_f": onset_scores(t.matched.sum(), t.detected.sum(), t.events.sum())["f"]}
    return callback


@torch.no_grad()
def generate(model: Mapping[str, Any], cond: torch.Tensor, seed: int = 0) -> np.ndarray:
    """Audio (n, sr) for conditions (n, 1, sr); dropout stays on as the only noise (§3.2), BatchNorm in eval mode."""
    g = model["generator"]
    g.eval()
    for module in g.modules():
        if isinstance(module, torch.nn.Dropout):
            module.train()
    torch.manual_seed(seed)
    device = next(g.parameters()).device
    return torch.cat([g(cond[i:i + 16].to(device)).cpu() for i in range(0, len(cond), 16)])[:, 0].numpy()


def join_weights(sample_rate: int, starts: Sequence[int], length: int, join: str) -> np.ndarray:
    """Per segment (len(starts), sample_rate): its weight at each of its samples in the clip of ``length`` samples;
    the weights of the segments covering a sample sum to one. ``concat``: flat (segments that tile the clip keep
    every sample whole). ``overlap_add``: a Hann cross-fade where segments overlap, flat over the outer half of the
    first and the last segment (no other segment covers it), so that no sample of the clip lies at a hard join."""
    if join not in JOINS:
        raise ParamsError(f"join {join!r}: unknown; use one of {', '.join(JOINS)}")
    w = np.ones((len(starts), sample_rate))
    if join == "overlap_add":
        half = sample_rate // 2
        w[:] = np.sin(np.pi * (np.arange(sample_rate) + 0.5) / sample_rate) ** 2
        w[0, :half], w[-1, half:] = 1.0, 1.0
    total = np.zeros(length)
    for k, s in enumerate(starts):
        total[s:s + sample_rate] += w[k]
    return w / np.stack([total[s:s + sample_rate] for s in starts])


def generate_clips(model: Mapping[str, Any], cond: np.ndarray, sample_rate: int, join: str, seed: int = 0
                   ) -> np.ndarray:
    """Whole clips (n, length) for clip conditions (n, length), a whole number of seconds each: one segment per
    second side by side (``concat``), or segments every half second cross-faded (``overlap_add``, see
    :func:`join_weights`); the segments of all clips generated clip-major in one call of :func:`generate`."""
    n, length = cond.shape
    hop = sample_rate if join == "concat" else sample_rate // 2
    starts = sorted(set(range(0, length - sample_rate + 1, hop)) | {length - sample_rate})
    weights = join_weights(sample_rate, starts, length, join)
    windows = np.stack([cond[:, s:s + sample_rate] for s in starts], axis=1).reshape(-1, 1, sample_rate)
    seg = generate(model, torch.from_numpy(np.ascontiguousarray(windows)), seed).reshape(n, len(starts), sample_rate)
    out = np.zeros((n, length), dtype=seg.dtype)
    for k, s in enumerate(starts):
        out[:, s:s + sample_rate] += seg[:, k] * weights[k].astype(seg.dtype)
    return out


SATURATED_ODG = -3.8  # PEAQ's floor is about -3.9 (b_min -3.98): an ODG at or below this says "another sound"


def sync_errors(audio: np.ndarray, events: Sequence[np.ndarray], sample_rate: int
                ) -> tuple[np.ndarray, int, np.ndarray]:
    """Per true event with a detected onset within :data:`SYNC_WINDOW_S`: |onset - event| in ms; the number of
    events in all; and for each error, the index of its clip in ``audio``."""
    errors, clip, total = [], [], 0
    for k, (y, ev) in enumerate(zip(audio, events)):
        found = onsets(y, sample_rate)
        total += len(ev)
        for e in ev:
            if len(found):
                gap = np.abs(found - e).min()
                if gap <= SYNC_WINDOW_S:
                    errors.append(1000 * gap)
                    clip.append(k)
    return np.asarray(errors), total, np.asarray(clip, dtype=int)


def onset_table(audio: np.ndarray, events: Sequence[np.ndarray], sample_rate: int, tolerance_s: float
                ) -> pd.DataFrame:
    """Per clip: its true events, the onsets detected in ``audio`` and how many of them match an event within
    ``tolerance_s`` (one-to-one), and the clip's length in seconds."""
    rows = []
    for y, ev in zip(audio, events):
        found = onsets(y, sample_rate)
        rows.append({"events": len(ev), "detected": len(found), "matched": match_onsets(found, ev, tolerance_s),
                     "seconds": len(y) / sample_rate})
    return pd.DataFrame(rows, columns=["events", "detected", "matched", "seconds"])


def _scores(truth: np.ndarray, out: np.ndarray, sample_rate: int) -> dict[str, Any]:
    """Mean ODG and OSG parts over clips (each scored whole); ODG is NaN where PEAQ has no score (a band-limited
    reference); how many clips PEAQ scored and how many of those sit at its floor (:data:`SATURATED_ODG`)."""
    rows = []
    for t, o in zip(truth, out):
        s = osg(t, o, sample_rate)
        try:
            s["odg"] = peaq(t, o, sample_rate).odg
        except DataError:
            s["odg"] = float("nan")
        rows.append(s)
    df = pd.DataFrame(rows)
    scored = df["odg"].dropna()
    return {m: float(df[m].mean()) for m in METRICS} | {
        "odg_scored": int(len(scored)), "odg_saturated_share": float((scored <= SATURATED_ODG).mean())
        if len(scored) else float("nan"), "osg_per_clip": df["osg"].to_numpy()}


def _whole_clips(segments: np.ndarray, n_clips: int) -> np.ndarray:
    """Clip-major 1-s segments (n_clips x seconds, sr) joined back into whole clips (n_clips, seconds x sr)."""
    return segments.reshape(n_clips, -1)


def evaluate(model: Mapping[str, Any], data: V2RAData, seed: int = 0) -> dict[str, Any]:
    """The generated test audio scored against the truth clip by clip, each clip whole (PEAQ leaves the first 0.5 s
    out of four of its variables and MMS has about 1 Hz resolution over 1 s: scored whole, every variable sees the
    whole clip): ODG, MMS, MSF, RMS, OSG; the same for the clean track against the truth (the kit's
    ground-truth row: what a recording of the same events without the background scores); onsets against the true
    events within one video frame, for the generated and the real audio; and the errors within 250 ms."""
    category = model["category"]
    x, _ = data.segments(category, "test")  # never cropped: "+ random crop" augments training only
    clips = data.clip_indices(category, "test")
    sr, n = data.sample_rate, len(clips)
    gen_clips = generate_clips(model, data.clip_conditions(category, "test"), sr, model["config"].model.join, seed)
    truth_clips = _whole_clips(x[:, 0].numpy(), n)
    events = clip_events(data, clips, truth_clips.shape[1] / sr)
    tolerance = 1.0 / data.clips.fps
    onset = onset_table(gen_clips, events, sr, tolerance).add_prefix("gen_").join(
        onset_table(truth_clips, events, sr, tolerance).drop(columns=["events", "seconds"]).add_prefix("real_"))
    onset.insert(0, "clip", clips)
    onset.insert(0, "category", category)
    errors, total, which = sync_errors(gen_clips, events, sr)
    truth_errors, _, _ = sync_errors(truth_clips, events, sr)
    result = {**_scores(truth_clips, gen_clips, sr), "sync_errors_ms": errors, "events": total,
              "sync_error_clips": np.asarray(clips)[which], "sync_errors_truth_ms": truth_errors, "onsets": onset,
              "generated_clips": gen_clips, "truth_clips": truth_clips}
    if data.clips.clean_audio is not None:
        clean = np.stack([data.clips.clean_audio[i][:truth_clips.shape[1]] for i in clips])
        result["ground_truth"] = {k: v for k, v in _scores(truth_clips, clean, sr).items() if k != "osg_per_clip"}
    return result


def table7(results: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Our Table 7 (mean over test clips, each scored whole) and the kit's ground-truth row, with the paper's OSG
    and its parts beside; the paper's ODG stands apart (:func:`paper_odg`; why: the note at
    :data:`a2vlib.papers.liu_v2ra.TABLE6`)."""
    rows = []
    for row, r in results.items():
        rows.append({"row": liu_v2ra.TABLE7_ROWS.get(row, row), **{m: r[m] for m in METRICS},
                     "saturated ODG share": r["odg_saturated_share"],
                     **{f"Liu {m}": liu_v2ra.TABLE7[row][m].value for m in METRICS if m != "odg"}})
    truth = next((r["ground_truth"] for r in results.values() if "ground_truth" in r), None)
    if truth is not None:
        rows.append({"row": "ground truth (the kit's: clean track against the truth)", **{m: truth[m] for m in METRICS},
                     "saturated ODG share": truth["odg_saturated_share"],
                     **{f"Liu {m}": liu_v2ra.TABLE7["ground_truth"][m].value for m in METRICS if m != "odg"}})
    return pd.DataFrame(rows).set_index("row")


def paper_odg() -> pd.DataFrame:
    """The paper's ODG as printed, for its own rows (Tables 6-8), apart from the kit's (not comparable with it:
    the note at :data:`a2vlib.papers.liu_v2ra.TABLE6`)."""
    rows = [{"table": "Table 6", "row": liu_v2ra.TABLE6_ROWS[k], "ODG": r["odg"].value}
            for k, r in liu_v2ra.TABLE6.items()]
    rows += [{"table": "Table 7", "row": liu_v2ra.TABLE7_ROWS[k], "ODG": r["odg"].value}
             for k, r in liu_v2ra.TABLE7.items() if k != "l1_ls"]
    return pd.DataFrame(rows).set_index(["table", "row"])


def table8(model: Mapping[str, Any], result: Mapping[str, Any], data: V2RAData, method: str = "block_threshold",
           interval_s: float = 0.2, reference: np.ndarray | None = None) -> dict[str, dict[str, float]]:
    """ODG and OSG of the generated test clips (whole) as they are, after de-noising and after peak-match (Table
    8), and the kit's ground-truth row for the category."""
    sr, truth, out = data.sample_rate, result["truth_clips"], result["generated_clips"]
    ref = data.peak_reference(model["category"]) if reference is None else reference
    stages = {"original": out, "denoised": np.stack([denoise(y, sr, method) for y in out]),
              "peakmatched": np.stack([peak_match(y, ref, sr, interval_s) for y in out])}
    keep = ("odg", "osg", "odg_scored", "odg_saturated_share")
    table = {stage: {k: v for k, v in _scores(truth, audio, sr).items() if k in keep} for stage, audio in stages.items()}
    if "ground_truth" in result:
        table["ground_truth"] = {k: v for k, v in result["ground_truth"].items() if k in keep}
    return table


def _audio_signature(y: np.ndarray, sample_rate: int) -> np.ndarray:
    """A clip's log-mel spectrum, mean and standard deviation over time (128 numbers): what retrieval compares."""
    from a2vlib.core.compiled import librosa as load_librosa
    librosa = load_librosa()

    mel = np.log(librosa.feature.melspectrogram(y=np.asarray(y, np.float32), sr=sample_rate, n_mels=64) + 1e-8)
    return np.concatenate([mel.mean(axis=1), mel.std(axis=1)])


def retrieval(results: Mapping[str, Mapping[str, Any]], sample_rate: int) -> dict[str, float]:
    """Liu §4.3.3 with the model in it: each test clip's generated audio G(V) is the query, the real test clips of
    the trained categories are the retrieval set, and the nearest clip by audio signature (:func:`_audio_signature`,
    standardised over the set; Euclidean) is retrieved; a hit when its category is the query's. Clips, not their
    seconds, are the units (a clip's seconds are not independent). Chance: the mean share of the set in the query's
    category. The same with the real clip as the query would always hit (it is in the set): not shown."""
    cats = list(results)
    real = [(c, y) for c in cats for y in results[c]["truth_clips"]]
    queries = [(c, y) for c in cats for y in results[c]["generated_clips"]]
    sig = np.stack([_audio_signature(y, sample_rate) for _, y in real + queries])
    sig = (sig - sig[:len(real)].mean(axis=0)) / (sig[:len(real)].std(axis=0) + 1e-8)
    ref, q = sig[:len(real)], sig[len(real):]
    labels = np.asarray([c for c, _ in real])
    nearest = ((q[:, None, :] - ref[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
    asked = np.asarray([c for c, _ in queries])
    hits = labels[nearest] == asked
    chance = float(np.mean([(labels == c).mean() for c in asked])) if len(asked) else float("nan")
    return {"retrieval_accuracy": float(hits.mean()) if len(hits) else float("nan"), "retrieval_hits": int(hits.sum()),
            "retrieval_n": int(len(hits)), "retrieval_chance": chance, "retrieval_categories": len(cats)}


def speed(model_size: int = 64, sample_rate: int = 44100, batches: Sequence[int] = (1, 8), reps: int = 3
          ) -> pd.DataFrame:
    """Seconds the generator takes per second of audio on the device it runs on (median of ``reps``), untrained weights of
    the given size; the paper: 0.03 s on a GPU."""
    g, _ = build_v2ra(V2RAConfig(segment=sample_rate, model_size=model_size))
    g.eval()
    rows = []
    for b in batches:
        v = torch.rand(b, 1, sample_rate)
        times = []
        with torch.no_grad():
            g(v)  # warm-up
            for _ in range(reps):
                t = time.perf_counter()
                g(v)
                times.append((time.perf_counter() - t) / b)
        rows.append({"batch": b, "model size d": model_size, "sample rate": sample_rate,
                     "seconds per audio second": float(np.median(times)),
                     "times real time": 1 / float(np.median(times)),
                     "paper (GPU)": liu_v2ra.GENERATION_SECONDS.value})
    return pd.DataFrame(rows)


ONSET_F_TARGET = 0.5  # the kit's target for the generated onsets' F-measure (one video frame's tolerance)


def pooled_onset_f(onsets: pd.DataFrame, who: str = "gen") -> float:
    """F-measure of ``who``'s onsets (``gen`` or ``real``) pooled over the clips of ``onsets``."""
    return onset_scores(onsets[f"{who}_matched"].sum(), onsets[f"{who}_detected"].sum(),
                        onsets["gen_events"].sum())["f"]


def findings(onsets: pd.DataFrame, table7_rows: Mapping[str, Mapping[str, Any]],
             retrieval_result: Mapping[str, Any], frame_ms: float) -> list[verdicts.Finding]:
    """Synchronisation as the onsets' F-measure within one video frame (extra onsets cost precision, missed events
    recall), pooled over the test clips of the impact categories, against the kit's target :data:`ONSET_F_TARGET`,
    with its spread from a bootstrap over the clips (a clip's events are not independent); for these models (one
    training per category: no verdict on the paper's claim). The audio filter's effect on OSG over the test clips of
    the two models Table 7 compares (these models only). Retrieval by the generated audio above chance (§4.3.3)."""
    out = []
    f = pooled_onset_f(onsets)
    claim = (f"these models (one training per impact category): the generated onsets match the events within one "
             f"video frame ({frame_ms:.0f} ms), F-measure at least {ONSET_F_TARGET}")
    clips = onsets.copy()
    clips.attrs = {}  # the 250-ms errors kept there are arrays, which pandas cannot compare when it joins frames
    groups = [clips.iloc[[i]] for i in range(len(clips))]
    se = verdicts.cluster_bootstrap_se(groups, lambda picked: pooled_onset_f(pd.concat(picked)))
    real = pooled_onset_f(onsets, "real")
    out.append(verdicts.kit(verdicts.estimate_at_least(
        claim, f, se, ONSET_F_TARGET, how=f"pooled over {int(onsets.gen_events.sum())} events; bootstrap over "
                                          f"{len(groups)} test clips; the detector on the real audio: F {real:.3f}")))
    if "full_system" in table7_rows and "no_audio_filter" in table7_rows:
        # one trained model per row: its test clips tell about these two models, not about the paper's claim, whose
        # unit of replication is a training run
        out.append(verdicts.kit(verdicts.difference(
            "these two models (one training each): the one with the audio filter has the lower OSG over the test "
            "clips (Table 7: full system vs - audio filter; no verdict on the paper's claim from one model each)",
            table7_rows["no_audio_filter"]["osg_per_clip"], table7_rows["full_system"]["osg_per_clip"])))
    out.append(verdicts.kit(verdicts.proportion_at_least(
        f"these models' generated audio retrieves real audio of its own category more often than chance (Liu "
        f"§4.3.3: {liu_v2ra.RETRIEVAL_ACCURACY.text} against {liu_v2ra.RETRIEVAL_CHANCE.text})",
        retrieval_result["retrieval_hits"], retrieval_result["retrieval_n"], retrieval_result["retrieval_chance"])))
    return out
