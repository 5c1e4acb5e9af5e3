"""Verdicts computed from measurements and their spread, never written in advance.

A :class:`Finding` says whether a claim *holds*, *does not hold*, or is *inconclusive* on the numbers given. A
difference counts only beyond ``k`` standard errors (``k = 2`` by default: about a 95 % two-sided interval under a
normal approximation); with fewer than two values on a side there is no spread, and the verdict is inconclusive,
whatever the means say. Reports render a list of findings as a table (:func:`findings_table`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Mapping, Sequence

import numpy as np

HOLDS, FAILS, INCONCLUSIVE = "holds", "does not hold", "inconclusive"
K_SE = 2.0


@dataclass(frozen=True)
class Finding:
    """A claim, its status (:data:`HOLDS`, :data:`FAILS`, :data:`INCONCLUSIVE`), the numbers behind it, and whose
    claim it is: ``paper`` (the paper says so) or ``kit`` (a target or a check of the kit's own)."""

    claim: str
    status: str
    evidence: str
    basis: str = "paper"

    def as_row(self) -> dict[str, str]:
        return {"claim": self.claim, "basis": self.basis, "verdict": self.status, "evidence": self.evidence}


def kit(finding: Finding) -> Finding:
    """The same finding marked as the kit's own target or check, not a claim of the paper."""
    return replace(finding, basis="kit")


def _clean(values: Sequence[float]) -> np.ndarray:
    a = np.asarray(list(values), dtype=float)
    return a[np.isfinite(a)]


def mean_se(values: Sequence[float]) -> tuple[float, float, int]:
    """Mean, standard error of the mean (sample std / sqrt(n); NaN for n < 2) and n, ignoring NaN."""
    a = _clean(values)
    if len(a) == 0:
        return math.nan, math.nan, 0
    se = float(a.std(ddof=1) / math.sqrt(len(a))) if len(a) >= 2 else math.nan
    return float(a.mean()), se, len(a)


def difference(claim: str, a: Sequence[float], b: Sequence[float], k: float = K_SE, fmt: str = "{:.3f}") -> Finding:
    """``claim`` says mean(a) > mean(b). Holds when the gap exceeds ``k`` standard errors of the difference; does
    not hold when it is below minus that; otherwise (or without spread) inconclusive."""
    ma, sa, na = mean_se(a)
    mb, sb, nb = mean_se(b)
    gap = ma - mb
    if na < 2 or nb < 2:
        return Finding(claim, INCONCLUSIVE, f"{fmt.format(ma)} vs {fmt.format(mb)} from {na} and {nb} value(s): "
                                            "no spread over seeds to judge a difference")
    se = math.hypot(sa, sb)
    status = HOLDS if gap > k * se else FAILS if gap < -k * se else INCONCLUSIVE
    return Finding(claim, status, f"{fmt.format(ma)} vs {fmt.format(mb)}: difference {gap:+.3g}, "
                                  f"{k:g} standard errors = {k * se:.3g} (n = {na}, {nb})")


def at_least(claim: str, values: Sequence[float], threshold: float, k: float = K_SE,
             fmt: str = "{:.3f}", exact: bool = False) -> Finding:
    """``claim`` says the mean of ``values`` reaches ``threshold``: holds when mean - k SE >= threshold, does not
    hold when mean + k SE < threshold, else inconclusive. A single value has no spread, so it is inconclusive unless
    ``exact`` says the measurement carries no seed-to-seed spread at all (a property of fixed data, say)."""
    m, se, n = mean_se(values)
    if n == 0:
        return Finding(claim, INCONCLUSIVE, "no measurement")
    if n < 2:
        if not exact:
            return Finding(claim, INCONCLUSIVE, f"{fmt.format(m)} against {fmt.format(threshold)} from one run: no "
                                                "spread over seeds to judge it")
        status = HOLDS if m >= threshold else FAILS
        return Finding(claim, status, f"{fmt.format(m)} against {fmt.format(threshold)} (one run, no spread over "
                                      "seeds)")
    status = HOLDS if m - k * se >= threshold else FAILS if m + k * se < threshold else INCONCLUSIVE
    return Finding(claim, status, f"{fmt.format(m)} ± {k * se:.3g} ({k:g} SE, n = {n}) against "
                                  f"{fmt.format(threshold)}")


def estimate_at_least(claim: str, value: float, se: float, threshold: float, k: float = K_SE,
                      how: str = "") -> Finding:
    """``claim`` says an estimate ``value`` with standard error ``se`` (e.g. from a bootstrap, named in ``how``)
    reaches ``threshold``: holds when value - k SE >= threshold, does not hold when value + k SE < threshold."""
    if not (math.isfinite(value) and math.isfinite(se)):
        return Finding(claim, INCONCLUSIVE, f"{value:.3f} with no usable spread {how}".strip())
    status = HOLDS if value - k * se >= threshold else FAILS if value + k * se < threshold else INCONCLUSIVE
    return Finding(claim, status, f"{value:.3f} ± {k * se:.3f} ({k:g} SE{', ' + how if how else ''}) against "
                                  f"{threshold:.3f}")


def wilson_interval(successes: int, n: int, k: float = K_SE) -> tuple[float, float]:
    """Wilson's score interval for a proportion at ``k`` standard errors: unlike p ± k sqrt(p(1-p)/n) it does not
    collapse to a point at 0 or 1 (3 of 3 is not proof of 95 %)."""
    p = successes / n
    centre = (p + k * k / (2 * n)) / (1 + k * k / n)
    half = k * math.sqrt(p * (1 - p) / n + k * k / (4 * n * n)) / (1 + k * k / n)
    return centre - half, centre + half


def proportion_at_least(claim: str, successes: int, n: int, threshold: float, k: float = K_SE) -> Finding:
    """``claim`` says a proportion (``successes`` of ``n``) reaches ``threshold``: holds when the whole Wilson
    interval (:func:`wilson_interval`) is at or above it, does not hold when it is wholly below, else inconclusive."""
    if n <= 0:
        return Finding(claim, INCONCLUSIVE, "no measurement")
    lo, hi = wilson_interval(successes, n, k)
    status = HOLDS if lo >= threshold else FAILS if hi < threshold else INCONCLUSIVE
    return Finding(claim, status, f"{successes / n:.3f} ({successes}/{n}; Wilson interval {lo:.3f}-{hi:.3f} at "
                                  f"{k:g} SE) against {threshold:.3f}")


def proportions_differ(claim: str, a: tuple[int, int], b: tuple[int, int], k: float = K_SE) -> Finding:
    """``claim`` says proportion ``a`` = (successes, n) is above proportion ``b``. The standard error is
    Agresti and Caffo's (one success and one failure added to each side), which stays honest at 0 and 1."""
    (ka, na), (kb, nb) = a, b
    if na <= 0 or nb <= 0:
        return Finding(claim, INCONCLUSIVE, "no measurement")
    pa, pb = (ka + 1) / (na + 2), (kb + 1) / (nb + 2)
    se = math.sqrt(pa * (1 - pa) / (na + 2) + pb * (1 - pb) / (nb + 2))
    gap = ka / na - kb / nb
    status = HOLDS if gap > k * se else FAILS if gap < -k * se else INCONCLUSIVE
    return Finding(claim, status, f"{ka / na:.3f} ({ka}/{na}) vs {kb / nb:.3f} ({kb}/{nb}): difference {gap:+.3f}, "
                                  f"{k:g} SE = {k * se:.3f}")


def near(claim: str, value: float, se: float, target: float, tolerance: float, k: float = K_SE) -> Finding:
    """``claim`` says ``value`` (standard error ``se``) lies within ``tolerance`` of ``target``: holds when the whole
    interval value ± k SE is inside, does not hold when it is wholly outside, else inconclusive."""
    off = abs(value - target)
    status = HOLDS if off + k * se <= tolerance else FAILS if off - k * se > tolerance else INCONCLUSIVE
    return Finding(claim, status, f"{value:.3f} ± {k * se:.3f} ({k:g} SE) against {target:.3f} ± {tolerance:.3f}")


def ordering(claim: str, ours: Mapping[str, Sequence[float]], paper: Mapping[str, float],
             k: float = K_SE) -> Finding:
    """Does our ordering of the items agree with the paper's? Every pair that the paper orders is tested with
    :func:`difference` on our values: the claim holds when no pair contradicts the paper and at least half of all
    pairs agree beyond the spread, does not hold when more pairs disagree than agree, else inconclusive."""
    from scipy.stats import spearmanr

    names = [n for n in paper if n in ours and len(_clean(ours[n]))]
    agree = disagree = unresolved = 0
    for i, x in enumerate(names):
        for y in names[i + 1:]:
            if paper[x] == paper[y]:
                continue
            hi, lo = (x, y) if paper[x] > paper[y] else (y, x)
            status = difference("", ours[hi], ours[lo], k).status
            agree += status == HOLDS
            disagree += status == FAILS
            unresolved += status == INCONCLUSIVE
    means = [mean_se(ours[n])[0] for n in names]
    constant = len(names) < 3 or np.ptp(means) == 0 or np.ptp([paper[n] for n in names]) == 0
    rho = math.nan if constant else spearmanr(means, [paper[n] for n in names]).statistic
    resolved = agree + disagree
    if disagree == 0 and agree > 0 and agree >= (resolved + unresolved) / 2:
        status = HOLDS  # no pair contradicts the paper, and at least half of all pairs agree beyond the spread
    elif disagree > agree:
        status = FAILS
    else:
        status = INCONCLUSIVE
    return Finding(claim, status, f"of the pairs the paper orders, {agree} agree and {disagree} disagree beyond "
                                  f"{k:g} SE, {unresolved} unresolved; rank correlation of the means {rho:.2f}")


def findings_table(findings: Sequence[Finding]):
    """The findings as a DataFrame: claim, verdict, evidence."""
    import pandas as pd

    return pd.DataFrame([f.as_row() for f in findings])


def findings_markdown(findings: Sequence[Finding]) -> str:
    """The findings as markdown lines: ``- **holds**: claim (evidence)``."""
    return "\n".join(f"- **{f.status}**: {f.claim} ({f.evidence})" for f in findings)
