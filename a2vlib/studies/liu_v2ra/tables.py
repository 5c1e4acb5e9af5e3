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
from a2vlib.studies.liu_v2ra.experiment import METRICS, evaluate, table8, train

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
                   data: V2RAData, method: str, interval_s: float, reference_dir: str = "") -> dict[str, float]:
    """``table8.<category>.<original|denoised|peakmatched>.<odg|osg>`` (and ``odg_scored``)."""
    out = {}
    for c, m in models.items():
        ref = data.clean_reference(c, reference_dir)
        for stage, scores in table8(m, results[c], data, method, interval_s, ref).items():
            for k, v in scores.items():
                out[f"table8.{c}.{stage}.{k}"] = v
    return out


def table8_frame(table: Mapping[str, Mapping[str, Mapping[str, float]]]) -> pd.DataFrame:
    """Ours beside the paper's Table 8, a row per category, ODG and OSG per stage."""
    rows = []
    for c, stages in table.items():
        row = {"category": c}
        paper = liu_v2ra.TABLE8.get(PAPER_CATEGORY.get(c, c), {})
        for stage, scores in stages.items():
            for k in ("odg", "osg"):
                row[f"{stage} {k}"] = scores[k]
                if paper:
                    row[f"Liu {stage} {k}"] = paper[PAPER_STAGE[stage]][k].value
        rows.append(row)
    return pd.DataFrame(rows).set_index("category").round(4)


def waveform_rows(results: Mapping[str, Mapping[str, Any]], sample_rate: int
                  ) -> tuple[list[np.ndarray], list[np.ndarray], list[str], int]:
    """The first test segment of each category: real and generated audio, titles, rate (for viz.waveform_pairs)."""
    cats = list(results)
    return ([results[c]["truth"][0] for c in cats], [results[c]["generated"][0] for c in cats], cats, sample_rate)


def listen_generated(models: Mapping[str, Mapping[str, Any]], results: Mapping[str, Mapping[str, Any]],
                     data: V2RAData, method: str, interval_s: float, reference_dir: str = "") -> list[dict[str, Any]]:
    items = []
    for c in models:
        gen = results[c]["generated"][0]
        items.append({"category": c, "real": results[c]["truth"][0], "generated": gen,
                      "de-noised": denoise(gen, data.sample_rate, method),
                      "peak-matched": peak_match(gen, data.clean_reference(c, reference_dir), data.sample_rate,
                                                 interval_s)})
    return items


def pooled_sync(results: Mapping[str, Mapping[str, Any]], categories: Sequence[str] = MATERIALS
                ) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """Onset errors (ms) of the generated audio pooled over the impact categories that were trained, the number of
    their events, the same detector's errors on the real audio (what the detector alone costs), and each generated
    error's test clip (the independent unit for its spread)."""
    picked = [r for c, r in results.items() if c in categories] or list(results.values())

    def joined(key: str, dtype: Any = float) -> np.ndarray:
        return np.concatenate([r[key] for r in picked]) if picked else np.zeros(0, dtype=dtype)

    return (joined("sync_errors_ms"), int(sum(r["events"] for r in picked)), joined("sync_errors_truth_ms"),
            joined("sync_error_clips", int))


def sync_metrics(sync_ms: np.ndarray, events: int, truth_ms: np.ndarray) -> dict[str, float]:
    def median(a: np.ndarray) -> float:
        return float(np.median(a)) if len(a) else float("nan")

    return {"sync_error_ms_median": median(sync_ms),
            "sync_events_found_share": len(sync_ms) / events if events else float("nan"),
            "sync_error_ms_median_real_audio": median(truth_ms),
            "sync_events_found_share_real_audio": len(truth_ms) / events if events else float("nan")}


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
