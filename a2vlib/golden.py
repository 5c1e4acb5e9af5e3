"""Golden values: the ``ci`` metrics of each notebook pinned with tolerances in ``tests/golden/<notebook>.json``.

What a golden check can catch: a change of code that moves a figure by more than that figure moves between training
seeds (a broken loss, a feature computed differently, data generated differently, a metric's formula). What it
cannot catch: a change smaller than the seed-to-seed spread of a two-epoch CPU training (the tolerance is built
from that spread so that another CPU, another instruction set or another thread count, which move the figures as a
new seed does, never fails it), nor anything a figure does not measure. Figures that are pure functions of fixed
inputs (counts of generated pairs, a metric on fixed arrays) do not move between seeds and are pinned exactly.

Tolerances from spread (``a2v golden NB --update --spread 1,2,3``): the ci notebook is run again with each extra
seed (``seed``, and ``seeds`` where the notebook trains over a list); each figure's standard deviation over the
runs, SD, gives its tolerance max(floor, :data:`SPREAD_K` x SD), where the floor is the default band below; a
whole-number figure (a count) gets a whole-number tolerance, ceil(k x SD), at least 1 when it moves at all; a
figure with no spread gets none. The file keeps each SD, the seeds and k, and the numerics the pins were made
under (torch, threads, CPU instruction set), which ``a2v golden`` names when a comparison fails.

The ci runs train GANs for two CPU epochs, so the same revision on another CPU drifts; the pins therefore
carry tolerances. Without a spread, a figure whose pinned value lies in [-1, 1] (accuracies, shares, correlations) may move
by ``DEFAULT_ABS`` (0.03) and any other figure by ``DEFAULT_REL`` (5 %) of its pinned value. (A relative tolerance
would be zero-wide around a correlation near 0, hence the absolute band covers [-1, 1], not only [0, 1].) Timings are
never pinned: see :func:`is_timing`.

A golden file is JSON::

    {"notebook": ..., "profile": "ci", "revision": ..., "strict": false,
     "tolerance": {"rel": 0.05, "abs": 0.03, "abs_band": 1.0},
     "tolerances": {"rungs.g.fid_mean": {"rel": 0.2}},      # optional per-figure overrides, kept by --update
     "unpinned": ["*.odg", "sync_*"],                        # optional: figures never pinned, kept by --update
     "metrics": {"dotted.key": 0.123, ...}}

``unpinned`` names figures (shell-style patterns over dotted names) that are recorded but never pinned: those that
can be undefined on another CPU (a score with no value for a barely trained model) rather than merely drift.
``strict: true`` also reports figures a run records that the file does not pin (the unpinned ones aside). ``a2v golden`` compares and
(``--update``) pins; :func:`pin` writes the file atomically.
"""
from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any, Mapping

from a2vlib.core.atomic import write_text
from a2vlib.core.jsonfile import read_json_object
from a2vlib.core.paths import repo_root

DEFAULT_REL = 0.05
DEFAULT_ABS = 0.03
ABS_BAND = 1.0  # pinned values with |value| <= ABS_BAND get the absolute tolerance, others the relative one
# A figure is a timing when a word of its dotted name (split at ".", "_", "-") is one of TIMING_TOKENS (elapsed_s,
# steps_per_s, speed, speedup) or contains one of TIMING_WORDS (train_time, runtime, trainer_overhead). Whole words,
# not substrings of the name: "_s" is inside "score_std" and "volume_spearman", "speed" inside the class "speedboat".
TIMING_WORDS = ("time", "elapsed", "overhead")
TIMING_TOKENS = ("s", "sec", "secs", "seconds", "speed", "speeds", "speedup")
SPREAD_K = 4.0  # tolerance = max(floor, SPREAD_K x the figure's SD over seeds): 4 SD, as the SD comes from few runs
EXACT = 1e-9  # the tolerance of a figure that did not move over the seeds (a pure function of fixed inputs)


def golden_dir() -> Path:
    return repo_root() / "tests" / "golden"


def golden_path(notebook: str, profile: str = "ci", folder: str | os.PathLike | None = None) -> Path:
    """``tests/golden/<notebook>.json`` for ci (``tests/golden/<profile>/<notebook>.json`` for another profile)."""
    base = Path(folder) if folder is not None else golden_dir()
    return (base if profile == "ci" else base / profile) / f"{notebook}.json"


def _unpinned(key: str, patterns: list[str]) -> bool:
    from fnmatch import fnmatchcase

    return any(fnmatchcase(key, p) for p in patterns)


def is_timing(key: str) -> bool:
    """True for figures that measure time (never pinned: a busy machine must not fail a test)."""
    tokens = [t for t in re.split(r"[._\-\s]+", key.lower()) if t]
    return any(t in TIMING_TOKENS or any(w in t for w in TIMING_WORDS) for t in tokens)


def flatten(metrics: Any, prefix: str = "") -> dict[str, float]:
    """Numbers of a (nested) metrics dict by dotted key: ``{"rungs": {"g": {"fid": 3}}}`` -> ``{"rungs.g.fid": 3.0}``.

    List items get their index as key part (``budget.epoch.0``); bools become 0.0/1.0; strings, None, NaN and
    infinities are skipped (a figure that turns NaN then shows as missing when compared).
    """
    out: dict[str, float] = {}
    if isinstance(metrics, Mapping):
        for key, value in metrics.items():
            out.update(flatten(value, f"{prefix}{key}."))
    elif isinstance(metrics, (list, tuple)):
        for i, value in enumerate(metrics):
            out.update(flatten(value, f"{prefix}{i}."))
    elif isinstance(metrics, bool):
        out[prefix[:-1]] = 1.0 if metrics else 0.0
    elif isinstance(metrics, (int, float)) or _is_numpy_number(metrics):
        value = float(metrics)
        if math.isfinite(value):
            out[prefix[:-1]] = value
    return out


def _is_numpy_number(value: Any) -> bool:
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a dependency
        return False
    if isinstance(value, np.bool_):
        return False
    return isinstance(value, (np.integer, np.floating))


def _golden_parts(golden: Mapping[str, Any]) -> tuple[dict[str, float], dict, dict, bool]:
    """(values, file tolerance, per-key tolerances, strict) of a golden file's content or of a plain mapping."""
    if isinstance(golden.get("metrics"), Mapping):
        return (flatten(golden["metrics"]), dict(golden.get("tolerance") or {}), dict(golden.get("tolerances") or {}),
                bool(golden.get("strict", False)))
    return flatten(golden), {}, {}, False


def allowed_difference(golden_value: float, rel: float = DEFAULT_REL, abs: float = DEFAULT_ABS,
                       abs_band: float = ABS_BAND) -> float:
    """How far a figure may move from ``golden_value``: ``abs`` inside [-abs_band, abs_band], else ``rel`` x |value|."""
    return abs if -abs_band <= golden_value <= abs_band else rel * math.fabs(golden_value)


def compare(actual: Mapping[str, Any], golden: Mapping[str, Any], rel: float | None = None,
            abs: float | None = None) -> list[str]:
    """Mismatches between a run's metrics (nested or flat) and a golden file's content (or a flat mapping of
    pinned values), one sentence each; empty when every pinned figure is within its tolerance.

    Tolerances: a per-figure entry of the file's ``tolerances`` wins, then ``rel``/``abs`` given here, then the
    file's ``tolerance``, then the defaults. Timings are ignored on both sides. A pinned figure the run lacks is a
    mismatch; a figure the run adds is one only when the file says ``"strict": true``.
    """
    values, file_tol, per_key, strict = _golden_parts(golden)
    unpinned = list(golden.get("unpinned") or []) if isinstance(golden.get("metrics"), Mapping) else []
    values = {k: v for k, v in values.items() if not _unpinned(k, unpinned)}
    got = {k: v for k, v in flatten(actual).items() if not is_timing(k)}
    base = {"rel": DEFAULT_REL, "abs": DEFAULT_ABS, "abs_band": ABS_BAND, **file_tol}
    if rel is not None:
        base["rel"] = rel
    if abs is not None:
        base["abs"] = abs
    problems = []
    for key, want in sorted(values.items()):
        if is_timing(key):
            continue
        if key not in got:
            problems.append(f"{key}: missing from the run (pinned {want:.6g})")
            continue
        tol = {**base, **per_key.get(key, {})}
        if "tol" in tol:  # from the figure's spread over seeds
            allowed = float(tol["tol"])
        else:
            allowed = allowed_difference(want, tol["rel"], tol["abs"], tol["abs_band"])
        diff = math.fabs(got[key] - want)
        if diff > allowed * (1 + 1e-9) + 1e-12:
            if "tol" in tol:
                how = f"{allowed:.4g}, from its spread over seeds"
            else:
                how = (f"abs {tol['abs']:g}" if -tol["abs_band"] <= want <= tol["abs_band"]
                       else f"rel {tol['rel']:.3g} = {allowed:.4g}")
            problems.append(f"{key}: {got[key]:.6g}, pinned {want:.6g} (differs by {diff:.4g}; allowed {how})")
    if strict:
        problems += [f"{key}: {got[key]:.6g} is recorded but not pinned (strict golden file)"
                     for key in sorted(set(got) - set(values)) if not _unpinned(key, unpinned)]
    return problems


def read_json(path: str | os.PathLike, what: str) -> dict[str, Any]:
    return read_json_object(path, what)


def compare_files(metrics_json: str | os.PathLike, golden_file: str | os.PathLike, rel: float | None = None,
                  abs: float | None = None) -> list[str]:
    """:func:`compare` of a ``metrics.json`` with a golden file."""
    return compare(read_json(metrics_json, "metrics file"), read_json(golden_file, "golden file"), rel, abs)


def spread_tolerances(pinned: Mapping[str, float], runs: list[Mapping[str, Any]], k: float = SPREAD_K,
                      rel: float = DEFAULT_REL, abs: float = DEFAULT_ABS, abs_band: float = ABS_BAND
                      ) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Per-figure tolerances from the spread of ``pinned`` (flat) and the extra seeds' ``runs`` (metrics dicts):
    ``({key: {"tol": t}}, {key: SD})``. A figure recorded by fewer than two runs in all keeps the default band."""
    import statistics

    flats = [flatten(r) for r in runs]
    tolerances, spreads = {}, {}
    for key, value in pinned.items():
        values = [value] + [f[key] for f in flats if key in f]
        if len(values) < 2:
            continue
        sd = statistics.stdev(values)
        spreads[key] = sd
        if sd == 0:
            tolerances[key] = {"tol": EXACT}
        elif all(float(v).is_integer() for v in values) and max(math.fabs(v) for v in values) >= 2:
            tolerances[key] = {"tol": float(max(1, math.ceil(k * sd)))}  # a count moves by whole numbers
        else:
            tolerances[key] = {"tol": max(allowed_difference(value, rel, abs, abs_band), k * sd)}
    return tolerances, spreads


def pin(metrics_json_path: str | os.PathLike, golden_path: str | os.PathLike, rel: float | None = None,
        abs: float | None = None, spread_runs: list[Mapping[str, Any]] | None = None,
        spread_seeds: list[int] | None = None, k: float = SPREAD_K) -> Path:
    """Write ``golden_path`` from a run's ``metrics.json``: every numeric figure but timings, with the tolerances.

    ``rel``/``abs`` not given keep those of an existing golden file (else the defaults); its ``strict`` flag and
    per-figure ``tolerances`` are kept too. The revision comes from the ``run.json`` beside the metrics. Atomic.
    """
    metrics_json_path, golden_path = Path(metrics_json_path), Path(golden_path)
    metrics = read_json(metrics_json_path, "metrics file")
    old = read_json(golden_path, "golden file") if golden_path.exists() else {}
    old_tol = old.get("tolerance") or {}
    tolerance = {"rel": rel if rel is not None else old_tol.get("rel", DEFAULT_REL),
                 "abs": abs if abs is not None else old_tol.get("abs", DEFAULT_ABS),
                 "abs_band": old_tol.get("abs_band", ABS_BAND)}
    run_json = metrics_json_path.parent / "run.json"
    run = read_json(run_json, "run record") if run_json.exists() else {}
    unpinned = list(old.get("unpinned") or [])
    values = {key: v for key, v in flatten(metrics).items() if not is_timing(key) and not _unpinned(key, unpinned)}
    tolerances = {key: t for key, t in (old.get("tolerances") or {}).items() if "tol" not in t}  # hand-set ones
    spread_doc: dict[str, Any] = {}
    if spread_runs:
        from_spread, sds = spread_tolerances(values, spread_runs, k, tolerance["rel"], tolerance["abs"],
                                             tolerance["abs_band"])
        tolerances = {**from_spread, **tolerances}
        spread_doc = {"spread": {"seeds": list(spread_seeds or []), "k": k, "sd": sds}}
    doc = {
        "about": "Pinned figures of a ci run; compare with `a2v golden`, re-pin on purpose with `a2v golden "
                 "NOTEBOOK --update --spread 1,2,3`. A figure with a 'tol' in tolerances may move by that much (from "
                 "its spread over seeds, see spread); others: values within [-abs_band, abs_band] by abs, others "
                 "by rel x value.",
        "notebook": run.get("notebook", metrics_json_path.parent.name),
        "profile": run.get("profile", "ci"),
        "revision": (run.get("git") or {}).get("revision", "unknown"),
        "numerics": run.get("numerics") or {},
        "strict": bool(old.get("strict", False)),
        "tolerance": tolerance,
        "tolerances": tolerances,
        **spread_doc,
        **({"unpinned": unpinned} if unpinned else {}),
        "metrics": values,
    }
    return write_text(golden_path, json.dumps(doc, indent=2) + "\n")


def numerics_note(run_numerics: Mapping[str, Any] | None, golden: Mapping[str, Any]) -> str:
    """A sentence naming how this run's numerics (torch, threads, CPU instruction set) differ from those the golden
    file was pinned under, or ''."""
    pinned = golden.get("numerics") or {}
    here = dict(run_numerics or {})
    differ = [f"{key} {here.get(key)!r} here, {pinned.get(key)!r} when pinned" for key in sorted(pinned)
              if here.get(key) != pinned.get(key)]
    return ("this run's numerics differ from the pins' (" + "; ".join(differ) + "): figures move with them as with "
            "a new seed") if differ else ""
