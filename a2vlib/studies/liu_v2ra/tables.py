"""Notebook 07's tables and collections over categories and Table 7's rows, beside Liu et al.'s figures."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch

from a2vlib.studies.liu_v2ra.optimisation import denoise, peak_match
from a2vlib.core.executor import prefetch
from a2vlib.studies.liu_v2ra.clips.impacts import MATERIALS
from a2vlib.papers import liu_v2ra
from a2vlib.studies.liu_v2ra.data import V2RAData
from a2vlib.studies.liu_v2ra.experiment import (METRICS, clip_events, evaluate, generate_clips, onset_scores,
                                                onset_table, table8, train)
from a2vlib.studies.liu_v2ra.networks import JOINS
from a2vlib.studies.liu_v2ra.onsets import onsets

PAPER_CATEGORY = {"fireworks": "firework"}  # the paper's Table 8 prints "firework"
PAPER_STAGE = {"original": "original", "denoised": "denoised", "peakmatched": "peak_match"}


def train_all(data: V2RAData, categories: Sequence[str], sizes: Mapping[str, Any], seed: int = 0,
              device: str | torch.device = "cpu") -> dict[str, dict[str, Any]]:
    """The full system, one model per category (Liu §4.2); side by side where the cores allow."""
    prefetch(_train_unit, [(data, c, "full_system", dict(sizes), seed, str(device)) for c in categories],
             desc="V2RA trainings (Table 8)")
    return {c: train(data, c, "full_system", sizes, seed, device) for c in categories}


def _train_unit(unit: tuple) -> str:
    data, category, row, sizes, seed, device = unit
    return train(data, category, row, sizes, seed, device)["row"]


def evaluate_all(models: Mapping[str, Mapping[str, Any]], data: V2RAData, seed: int = 0) -> dict[str, dict[str, Any]]:
    return {c: evaluate(m, data, seed) for c, m in models.items()}


def table8_metrics(models: Mapping[str, Mapping[str, Any]], results: Mapping[str, Mapping[str, Any]],
                   data: V2RAData, method: str, interval_s: float, reference_dir: str = "",
                   reference_bank: str = "percussion") -> dict[str, float]:
    """``table8.<category>.<original|denoised|peakmatched|ground_truth>.<odg|osg>`` (and ``odg_scored``,
    ``odg_saturated_share``)."""
    out = {}
    for c, m in models.items():
        ref = data.peak_reference(c, reference_bank, reference_dir)
        for stage, scores in table8(m, results[c], data, method, interval_s, ref).items():
            for k, v in scores.items():
                out[f"table8.{c}.{stage}.{k}"] = v
    return out


def table8_frame(table: Mapping[str, Mapping[str, Mapping[str, float]]]) -> pd.DataFrame:
    """Ours, a row per category: ODG and OSG per stage and the kit's ground-truth row, the paper's OSG beside (its
    ODG is not comparable with ours: the note at :data:`a2vlib.papers.liu_v2ra.TABLE6`; :func:`paper_odg8`)."""
    rows = []
    for c, stages in table.items():
        row = {"category": c}
        paper = liu_v2ra.TABLE8.get(PAPER_CATEGORY.get(c, c), {})
        for stage, scores in stages.items():
            label = "ground truth" if stage == "ground_truth" else stage
            row[f"{label} odg"], row[f"{label} osg"] = scores["odg"], scores["osg"]
            if stage == "original":
                row["saturated ODG share"] = scores.get("odg_saturated_share", np.nan)
            if paper and stage in PAPER_STAGE:
                row[f"Liu {stage} osg"] = paper[PAPER_STAGE[stage]]["osg"].value
        rows.append(row)
    return pd.DataFrame(rows).set_index("category").round(4)


def paper_odg8(categories: Sequence[str]) -> pd.DataFrame:
    """The paper's Table 8 ODG as printed, for ``categories``, apart from ours."""
    rows = []
    for c in categories:
        paper = liu_v2ra.TABLE8.get(PAPER_CATEGORY.get(c, c))
        if paper:
            rows.append({"category": c, **{f"Liu {s} odg": paper[PAPER_STAGE[s]]["odg"].value for s in PAPER_STAGE}})
    return pd.DataFrame(rows).set_index("category") if rows else pd.DataFrame()


def waveform_rows(results: Mapping[str, Mapping[str, Any]], sample_rate: int
                  ) -> tuple[list[np.ndarray], list[np.ndarray], list[str], int]:
    """The first test clip of each category: real and generated audio, titles, rate (for viz.waveform_pairs)."""
    cats = list(results)
    return ([results[c]["truth_clips"][0] for c in cats], [results[c]["generated_clips"][0] for c in cats], cats,
            sample_rate)


def listen_generated(models: Mapping[str, Mapping[str, Any]], results: Mapping[str, Mapping[str, Any]],
                     data: V2RAData, method: str, interval_s: float, reference_dir: str = "",
                     reference_bank: str = "percussion") -> list[dict[str, Any]]:
    items = []
    for c in models:
        gen = results[c]["generated_clips"][0]
        items.append({"category": c, "real": results[c]["truth_clips"][0], "generated": gen,
                      "de-noised": denoise(gen, data.sample_rate, method),
                      "peak-matched": peak_match(gen, data.peak_reference(c, reference_bank, reference_dir),
                                                 data.sample_rate, interval_s)})
    return items


def pooled_sync(results: Mapping[str, Mapping[str, Any]], categories: Sequence[str] = MATERIALS) -> pd.DataFrame:
    """Onsets per test clip (true events, detected and matched within one video frame, for the generated and the
    real audio) of the impact categories that were trained (all trained categories when none is an impact), with
    the errors (ms) of the events found within 250 ms in ``attrs``."""
    picked = [r for c, r in results.items() if c in categories] or list(results.values())
    table = pd.concat([r["onsets"] for r in picked], ignore_index=True)
    table.attrs["errors_ms"] = np.concatenate([r["sync_errors_ms"] for r in picked]) if picked else np.zeros(0)
    table.attrs["errors_real_ms"] = (np.concatenate([r["sync_errors_truth_ms"] for r in picked]) if picked
                                     else np.zeros(0))
    return table


def sync_metrics(onsets: pd.DataFrame) -> dict[str, float]:
    """Onset precision, recall and F within one video frame, extra onsets per second, for the generated audio and
    (``*_real_audio``) the same detector on the real audio; the median error of the events found within 250 ms."""
    def median(a: np.ndarray) -> float:
        return float(np.median(a)) if len(a) else float("nan")

    events, seconds = onsets.gen_events.sum(), onsets.gen_seconds.sum()
    out = {}
    for who, suffix in (("gen", ""), ("real", "_real_audio")):
        matched, detected = onsets[f"{who}_matched"].sum(), onsets[f"{who}_detected"].sum()
        for k, v in onset_scores(matched, detected, events).items():
            out[f"sync_onset_{k}{suffix}"] = float(v)
        out[f"sync_extra_onsets_per_s{suffix}"] = float((detected - matched) / seconds) if seconds else float("nan")
    out["sync_error_ms_median"] = median(onsets.attrs.get("errors_ms", np.zeros(0)))
    out["sync_error_ms_median_real_audio"] = median(onsets.attrs.get("errors_real_ms", np.zeros(0)))
    return out


def sync_table(onsets: pd.DataFrame) -> pd.DataFrame:
    """Per category: events, detected, matched, precision, recall, F for the generated and the real audio."""
    rows = []
    for c, g in onsets.groupby("category", sort=False):
        row = {"category": c, "events": int(g.gen_events.sum()), "seconds": float(g.gen_seconds.sum())}
        for who in ("gen", "real"):
            row[f"{who} detected"] = int(g[f"{who}_detected"].sum())
            row[f"{who} matched"] = int(g[f"{who}_matched"].sum())
            row.update({f"{who} {k}": v for k, v in onset_scores(g[f"{who}_matched"].sum(),
                                                                   g[f"{who}_detected"].sum(), row["events"]).items()})
        rows.append(row)
    return pd.DataFrame(rows).set_index("category").round(3)


def join_comparison(models: Mapping[str, Mapping[str, Any]], data: V2RAData, seed: int = 0,
                    categories: Sequence[str] = MATERIALS) -> pd.DataFrame:
    """The same models' test clips generated with each join (:data:`~a2vlib.studies.liu_v2ra.networks.JOINS`), over
    the impact categories trained (all when none is): onsets matched within one video frame, pooled precision,
    recall and F, and the detected onsets within one frame of a join of 1-s segments (k seconds, 0 < k < clip
    length), where a hard edge between two segments makes an onset of its own."""
    picked = [c for c in models if c in categories] or list(models)
    sr, tol = data.sample_rate, 1.0 / data.clips.fps
    rows = []
    for join in JOINS:
        events = detected = matched = at_joins = 0
        for c in picked:
            cond = data.clip_conditions(c, "test")
            gen = generate_clips(models[c], cond, sr, join, seed)
            seconds = gen.shape[1] / sr
            t = onset_table(gen, clip_events(data, data.clip_indices(c, "test"), seconds), sr, tol)
            events, detected, matched = events + t.events.sum(), detected + t.detected.sum(), matched + t.matched.sum()
            joins = np.arange(1, int(round(seconds)))
            at_joins += sum(int((np.abs(onsets(y, sr)[:, None] - joins[None, :]) <= tol).any(axis=1).sum())
                            for y in gen)
        rows.append({"join": join, "events": int(events), "detected": int(detected), "matched": int(matched),
                     **onset_scores(matched, detected, events), "onsets at joins": at_joins})
    return pd.DataFrame(rows).set_index("join")


def join_metrics(table: pd.DataFrame) -> dict[str, float]:
    """``sync_join.<join>.<f | precision | recall | onsets_at_joins>`` of :func:`join_comparison`."""
    return {f"sync_join.{join}.{k.replace(' ', '_')}": float(row[k]) for join, row in table.iterrows()
            for k in ("f", "precision", "recall", "onsets at joins")}


def onset_curves(models: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Onset F of each model's generated test clips over its training (``onset_f`` of the history, measured
    :data:`~a2vlib.studies.liu_v2ra.experiment.MONITOR_POINTS` times): long table of category, epoch, onset F."""
    return pd.DataFrame([{"category": c, "epoch": h["epoch"], "onset F": h["onset_f"]} for c, m in models.items()
                         for h in m["history"] if "onset_f" in h], columns=["category", "epoch", "onset F"])


def envelope_rows(results: Mapping[str, Mapping[str, Any]], data: V2RAData, category: str, clips: int = 3
                  ) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray], list[str], float]:
    """Onset-strength envelopes (librosa's spectral flux at the detector's 8 ms step) of the first ``clips`` test
    clips of ``category``, real and generated, with each clip's true events: what the detector sees, where it finds
    onsets in one and not in the other. (real, generated, events, titles, seconds per envelope frame)."""
    from a2vlib.core.compiled import librosa as load_librosa
    from a2vlib.studies.liu_v2ra.onsets import ONSET_HOP_S
    librosa = load_librosa()

    r, sr = results[category], data.sample_rate
    hop = max(1, round(ONSET_HOP_S * sr))
    n = min(clips, len(r["truth_clips"]))
    ids = data.clip_indices(category, "test")[:n]
    seconds = r["truth_clips"].shape[1] / sr

    def env(y: np.ndarray) -> np.ndarray:
        return librosa.onset.onset_strength(y=np.asarray(y, np.float32), sr=sr, hop_length=hop)

    return ([env(y) for y in r["truth_clips"][:n]], [env(y) for y in r["generated_clips"][:n]],
            clip_events(data, ids, seconds), [f"{category}, test clip {i}" for i in ids], hop / sr)


def table7_runs(data: V2RAData, category: str, rows: Sequence[str], sizes: Mapping[str, Any], seed: int = 0,
                device: str | torch.device = "cpu", trained: Mapping[str, Mapping[str, Any]] | None = None
                ) -> dict[str, dict[str, Any]]:
    """Every row of Table 7 for ``category`` (the full system reused from ``trained`` when it is there); the
    trainings side by side first where the cores allow."""
    todo = [row for row in rows if not (row == "full_system" and category in (trained or {}))]
    prefetch(_train_unit, [(data, category, row, dict(sizes), seed, str(device)) for row in todo],
             desc="V2RA trainings (Table 7)")
    out = {}
    for row in rows:
        model = (trained or {}).get(category) if row == "full_system" else None
        model = model or train(data, category, row, sizes, seed, device)
        out[row] = evaluate(model, data, seed)
    return out


def table7_metrics(rows: Mapping[str, Mapping[str, Any]]) -> dict[str, float]:
    """``table7.<row>.<metric>``; the paper's "L1 + LS" row is the full system again (recorded under both names)."""
    out = {f"table7.{row}.{m}": r[m] for row, r in rows.items() for m in METRICS}
    if "full_system" in rows:
        out.update({f"table7.l1_ls.{m}": rows["full_system"][m] for m in METRICS})
    return out
