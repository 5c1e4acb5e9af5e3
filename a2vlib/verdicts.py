"""Verdicts computed from measurements and their spread, never written in advance.

A :class:`Finding` says whether a claim *holds*, *does not hold*, or is *inconclusive* on the numbers given. Every
verdict is a test at one stated error rate, :data:`LEVEL` (5 %): a claim holds when the whole 95 % interval lies on
its side, does not hold when the whole interval lies on the other, and is inconclusive otherwise. The intervals
are the right ones for few runs: Student t (Welch-Satterthwaite degrees of freedom for two samples, one-sample t
against a threshold, a paired t when both arms share seeds and data), Wilson's for a proportion, Agresti-Caffo's for
two independent proportions, McNemar's exact test for paired ones; a family of comparisons in one finding
(:func:`ordering`) is corrected with Holm's method. With fewer than two values on a side there is no spread, and
the verdict is inconclusive, whatever the means say. The unit of replication of a training claim is the training
seed: chunks, segments or images of one model are averaged within the model before they reach these functions.
scipy and statsmodels compute the tests; this module turns their results into findings. Reports render a list of
findings as a table (:func:`findings_table`) under :data:`HOW_JUDGED`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np

HOLDS, FAILS, INCONCLUSIVE = "holds", "does not hold", "inconclusive"
LEVEL = 0.05  # the error rate of every verdict: 95 % two-sided intervals
HOW_JUDGED = (
    "How the findings are judged: each is a test at the 5 % level. A claim holds when the whole 95 % interval lies "
    "on its side and does not hold when the whole interval lies on the other side; otherwise it is inconclusive. "
    "Means over training seeds use Student t intervals (Welch's for two arms), proportions Wilson's interval, paired "
    "comparisons McNemar's test or a paired t, and a family of comparisons in one finding is Holm-corrected. The "
    "unit of replication of a training claim is the training seed; fewer than two seeds give no verdict on it. A "
    "finding about one trained model says \"this model\", counts that model's independent units (sounds, "
    "performances; overlapping chunks averaged first), is the kit's, and gives the paper's claim no verdict.")


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


def _pct(level: float) -> str:
    return f"{100 * (1 - level):g} %"


def mean_se(values: Sequence[float]) -> tuple[float, float, int]:
    """Mean, standard error of the mean (sample std / sqrt(n); NaN for n < 2) and n, ignoring NaN."""
    a = _clean(values)
    if len(a) == 0:
        return math.nan, math.nan, 0
    se = float(a.std(ddof=1) / math.sqrt(len(a))) if len(a) >= 2 else math.nan
    return float(a.mean()), se, len(a)


def _side(lo: float, hi: float, threshold: float = 0.0) -> str:
    """HOLDS when the interval [lo, hi] lies at or above ``threshold`` (strictly above for a difference of 0),
    FAILS when wholly below, else INCONCLUSIVE."""
    if lo > threshold or (lo == threshold and hi > threshold):
        return HOLDS
    if hi < threshold:
        return FAILS
    return INCONCLUSIVE


def welch_interval(a: Sequence[float], b: Sequence[float], level: float = LEVEL) -> tuple[float, float, float, float]:
    """(difference of means, lower, upper, degrees of freedom): the Welch t interval of mean(a) - mean(b) at
    ``level`` (scipy's Welch test). Two arms with no spread at all give the exact difference as both bounds."""
    from scipy import stats

    x, y = _clean(a), _clean(b)
    gap = float(x.mean() - y.mean())
    if x.std(ddof=1) == 0 and y.std(ddof=1) == 0:
        return gap, gap, gap, math.inf
    res = stats.ttest_ind(x, y, equal_var=False)
    ci = res.confidence_interval(1 - level)
    return gap, float(ci.low), float(ci.high), float(res.df)


def difference(claim: str, a: Sequence[float], b: Sequence[float], fmt: str = "{:.3f}",
               level: float = LEVEL) -> Finding:
    """``claim`` says mean(a) > mean(b) (each a value per training seed). Holds when the Welch t interval of the
    difference at ``level`` lies above 0, does not hold when below, else (or with fewer than two values a side)
    inconclusive."""
    ma, _, na = mean_se(a)
    mb, _, nb = mean_se(b)
    if na < 2 or nb < 2:
        return Finding(claim, INCONCLUSIVE, f"{fmt.format(ma)} vs {fmt.format(mb)} from {na} and {nb} value(s): "
                                            "no spread over seeds to judge a difference")
    gap, lo, hi, df = welch_interval(a, b, level)
    return Finding(claim, _side(lo, hi), f"{fmt.format(ma)} vs {fmt.format(mb)}: difference {gap:+.3g}, "
                                         f"{_pct(level)} Welch t interval [{lo:+.3g}, {hi:+.3g}] (df {df:.3g}; "
                                         f"n = {na}, {nb})")


def difference_not_gamed(claim: str, a: Mapping[str, Sequence[float]], b: Mapping[str, Sequence[float]],
                          measure: str, guards: Mapping[str, bool], fmt: str = "{:.3f}",
                          level: float = LEVEL) -> Finding:
    """``claim`` says arm ``a`` beats arm ``b`` in ``measure`` (higher better), where ``a`` was trained to please
    that measure's classifier (an auxiliary classifier with the judge's labels) and could win by gaming it. Each arm
    maps measure names to values per seed. The claim holds only when ``measure``'s Welch test holds *and* none of
    ``guards`` (name -> whether higher is better: FID lower, diversity higher) is worse for ``a`` beyond its own
    interval; a guard that got worse makes the finding inconclusive. The evidence says how every measure moved."""
    main = difference(claim, a[measure], b[measure], fmt, level)
    moved, worse = [], []
    for name, higher_better in guards.items():
        ga, gb = _clean(a.get(name, [])), _clean(b.get(name, []))
        if len(ga) < 2 or len(gb) < 2:
            moved.append(f"{name}: not measured over seeds")
            continue
        if ga.std() == 0 and gb.std() == 0:  # no spread on either side: only an exact tie is "no change"
            lo = hi = float(ga.mean() - gb.mean())
        else:
            _, lo, hi, _ = welch_interval(ga, gb, level)
        side = _side(lo, hi) if higher_better else _side(-hi, -lo)
        word = {HOLDS: "better", FAILS: "worse", INCONCLUSIVE: "no change beyond its spread"}[side]
        moved.append(f"{name} {gb.mean():.3g} -> {ga.mean():.3g} ({word})")
        if side == FAILS:
            worse.append(name)
    status = main.status
    if status == HOLDS and worse:
        status = INCONCLUSIVE
    note = (f"; but {', '.join(worse)} got worse, so the gain may be the classifier being pleased, not better "
            "pictures" if worse and main.status == HOLDS else "")
    return Finding(claim, status, f"{main.evidence}; beside it: {'; '.join(moved)}{note}", main.basis)


def paired_difference(claim: str, a: Sequence[float], b: Sequence[float], fmt: str = "{:.3f}",
                      level: float = LEVEL) -> Finding:
    """``claim`` says a > b where ``a[i]`` and ``b[i]`` share seed and data (a paired design): the one-sample t
    interval of the differences at ``level``. Pairs with a missing side are dropped."""
    pairs = [(x, y) for x, y in zip(a, b) if math.isfinite(x) and math.isfinite(y)]
    d = [x - y for x, y in pairs]
    if len(d) < 2:
        return Finding(claim, INCONCLUSIVE, f"{len(d)} complete pair(s): no spread over seeds to judge a difference")
    m, lo, hi = _t_interval(d, level)
    ma, mb = np.mean([p[0] for p in pairs]), np.mean([p[1] for p in pairs])
    return Finding(claim, _side(lo, hi), f"{fmt.format(ma)} vs {fmt.format(mb)}: paired difference {m:+.3g}, "
                                         f"{_pct(level)} t interval [{lo:+.3g}, {hi:+.3g}] (n = {len(d)} pairs)")


def _t_interval(values: Sequence[float], level: float = LEVEL) -> tuple[float, float, float]:
    """(mean, lower, upper): the one-sample Student t interval of the mean at ``level``."""
    from scipy import stats

    x = _clean(values)
    m, se = float(x.mean()), float(x.std(ddof=1) / math.sqrt(len(x)))
    half = float(stats.t.ppf(1 - level / 2, len(x) - 1)) * se
    return m, m - half, m + half


def at_least(claim: str, values: Sequence[float], threshold: float, fmt: str = "{:.3f}", exact: bool = False,
             level: float = LEVEL) -> Finding:
    """``claim`` says the mean of ``values`` (one per training seed) reaches ``threshold``: holds when the Student
    t interval at ``level`` lies at or above it, does not hold when wholly below, else inconclusive. A single value
    has no spread, so it is inconclusive unless ``exact`` says the measurement carries no seed-to-seed spread at all
    (a property of fixed data, say)."""
    m, _, n = mean_se(values)
    if n == 0:
        return Finding(claim, INCONCLUSIVE, "no measurement")
    if n < 2:
        if not exact:
            return Finding(claim, INCONCLUSIVE, f"{fmt.format(m)} against {fmt.format(threshold)} from one run: no "
                                                "spread over seeds to judge it")
        status = HOLDS if m >= threshold else FAILS
        return Finding(claim, status, f"{fmt.format(m)} against {fmt.format(threshold)} (one run, no spread over "
                                      "seeds)")
    m, lo, hi = _t_interval(values, level)
    status = HOLDS if lo >= threshold else FAILS if hi < threshold else INCONCLUSIVE
    return Finding(claim, status, f"{fmt.format(m)}, {_pct(level)} t interval [{fmt.format(lo)}, {fmt.format(hi)}] "
                                  f"(n = {n}) against {fmt.format(threshold)}")


def _quantile(level: float, df: float | None) -> float:
    from scipy import stats

    return float(stats.norm.ppf(1 - level / 2) if df is None or not math.isfinite(df)
                 else stats.t.ppf(1 - level / 2, df))


def estimate_at_least(claim: str, value: float, se: float, threshold: float, how: str = "", df: float | None = None,
                      level: float = LEVEL) -> Finding:
    """``claim`` says an estimate ``value`` with standard error ``se`` (from a bootstrap over independent units, or
    a formula, named in ``how``) reaches ``threshold``: holds when the interval at ``level`` (normal, or Student t
    with ``df`` degrees of freedom) lies at or above it, does not hold when wholly below."""
    if not (math.isfinite(value) and math.isfinite(se)):
        return Finding(claim, INCONCLUSIVE, f"{value:.3f} with no usable spread {how}".strip())
    half = _quantile(level, df) * se
    status = HOLDS if value - half >= threshold else FAILS if value + half < threshold else INCONCLUSIVE
    return Finding(claim, status, f"{value:.3f}, {_pct(level)} interval [{value - half:.3f}, {value + half:.3f}]"
                                  f"{' (' + how + ')' if how else ''} against {threshold:.3f}")


def cluster_bootstrap_se(groups: Sequence[Any], statistic: Callable[[list[Any]], float], reps: int = 500,
                         seed: int = 0) -> float:
    """Bootstrap standard error of ``statistic`` over independent units: each replicate draws ``len(groups)`` groups
    with replacement (a group is everything one unit gave: a sound's images, a clip's onset errors), so values that
    share a unit are never counted as independent. NaN with fewer than 3 units or 3 finite replicates."""
    if len(groups) < 3:
        return float("nan")
    rng = np.random.default_rng(seed)
    boot = np.asarray([statistic([groups[i] for i in rng.integers(len(groups), size=len(groups))])
                       for _ in range(reps)], dtype=float)
    return float(np.nanstd(boot, ddof=1)) if np.isfinite(boot).sum() > 2 else float("nan")


def wilson_interval(successes: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson's score interval for a proportion at ``level`` (statsmodels): unlike p ± z sqrt(p(1-p)/n) it does not
    collapse to a point at 0 or 1 (3 of 3 is not proof of 95 %)."""
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(successes, n, alpha=level, method="wilson")
    return float(lo), float(hi)


def proportion_at_least(claim: str, successes: int, n: int, threshold: float, level: float = LEVEL) -> Finding:
    """``claim`` says a proportion (``successes`` of ``n`` independent trials) reaches ``threshold``: holds when the
    whole Wilson interval (:func:`wilson_interval`) is at or above it, does not hold when wholly below."""
    if n <= 0:
        return Finding(claim, INCONCLUSIVE, "no measurement")
    lo, hi = wilson_interval(successes, n, level)
    status = HOLDS if lo >= threshold else FAILS if hi < threshold else INCONCLUSIVE
    return Finding(claim, status, f"{successes / n:.3f} ({successes}/{n}; {_pct(level)} Wilson interval "
                                  f"{lo:.3f}-{hi:.3f}) against {threshold:.3f}")


def proportions_differ(claim: str, a: tuple[int, int], b: tuple[int, int], level: float = LEVEL) -> Finding:
    """``claim`` says proportion ``a`` = (successes, n) is above proportion ``b``, the two from independent samples:
    Agresti and Caffo's interval of the difference (statsmodels), which stays honest at 0 and 1."""
    from statsmodels.stats.proportion import confint_proportions_2indep

    (ka, na), (kb, nb) = a, b
    if na <= 0 or nb <= 0:
        return Finding(claim, INCONCLUSIVE, "no measurement")
    lo, hi = confint_proportions_2indep(ka, na, kb, nb, method="agresti-caffo", alpha=level)
    gap = ka / na - kb / nb
    return Finding(claim, _side(float(lo), float(hi)),
                   f"{ka / na:.3f} ({ka}/{na}) vs {kb / nb:.3f} ({kb}/{nb}): difference {gap:+.3f}, "
                   f"{_pct(level)} Agresti-Caffo interval [{float(lo):+.3f}, {float(hi):+.3f}]")


def paired_proportions(claim: str, a: Sequence[bool], b: Sequence[bool], level: float = LEVEL,
                       what: str = "") -> Finding:
    """``claim`` says outcome ``a`` succeeds more often than ``b`` on the same items (two rules on the same pairs):
    McNemar's exact test on the discordant items (statsmodels). Holds when p < ``level`` and ``a`` wins more of
    them, does not hold when p < ``level`` and ``b`` does, else inconclusive."""
    from statsmodels.stats.contingency_tables import mcnemar

    x, y = np.asarray(a, bool), np.asarray(b, bool)
    if len(x) == 0 or len(x) != len(y):
        return Finding(claim, INCONCLUSIVE, "no measurement" if len(x) == 0 else "arms of different lengths")
    only_a, only_b = int((x & ~y).sum()), int((~x & y).sum())
    table = [[int((x & y).sum()), only_a], [only_b, int((~x & ~y).sum())]]
    p = float(mcnemar(table, exact=True).pvalue)
    status = (HOLDS if only_a > only_b else FAILS) if p < level and only_a != only_b else INCONCLUSIVE
    return Finding(claim, status, f"{x.mean():.3f} vs {y.mean():.3f} on the same {len(x)} {what or 'items'}: "
                                  f"{only_a} won by the first alone, {only_b} by the second; McNemar exact p = "
                                  f"{p:.3g} (level {level:g})")


def near(claim: str, value: float, se: float, target: float, tolerance: float, df: float | None = None,
         level: float = LEVEL) -> Finding:
    """``claim`` says ``value`` (standard error ``se``) lies within ``tolerance`` of ``target``: holds when the whole
    interval at ``level`` (normal, or t with ``df``) is inside, does not hold when it is wholly outside."""
    if not (math.isfinite(value) and math.isfinite(se)):
        return Finding(claim, INCONCLUSIVE, f"{value:.3f} with no usable spread")
    half = _quantile(level, df) * se
    off = abs(value - target)
    status = HOLDS if off + half <= tolerance else FAILS if off - half > tolerance else INCONCLUSIVE
    return Finding(claim, status, f"{value:.3f}, {_pct(level)} interval [{value - half:.3f}, {value + half:.3f}] "
                                  f"against {target:.3f} ± {tolerance:.3f}")


def holm(pvalues: Sequence[float], level: float = LEVEL) -> list[bool]:
    """Which of a family's hypotheses Holm's step-down method rejects at family-wise ``level``: the i-th smallest
    p-value (from 0) is compared with level / (m - i) until one is not below it. (statsmodels' ``multipletests``
    gives the same answers, tested, but runs a full garbage collection on every call, slow in a torch process.)"""
    order = sorted(range(len(pvalues)), key=lambda i: pvalues[i])
    rejected = [False] * len(pvalues)
    for rank, i in enumerate(order):
        if pvalues[i] > level / (len(pvalues) - rank):
            break
        rejected[i] = True
    return rejected


def ordering(claim: str, ours: Mapping[str, Sequence[float]], paper: Mapping[str, float],
             level: float = LEVEL) -> Finding:
    """Does our ordering of the items agree with the paper's? Every pair that the paper orders is tested with a
    two-sided Welch t test on our values (one value per seed), the family Holm-corrected at ``level``: a pair agrees
    when it is rejected with our difference in the paper's direction, disagrees when rejected the other way. The
    claim holds when no pair disagrees and at least half of all pairs agree, does not hold when more pairs disagree
    than agree, else inconclusive."""
    from scipy import stats

    names = [n for n in paper if n in ours and len(_clean(ours[n]))]
    tests = []  # (p, direction +1 agrees with the paper / -1 against); pairs with no spread are unresolved
    unresolved = 0
    for i, x in enumerate(names):
        for y in names[i + 1:]:
            if paper[x] == paper[y]:
                continue
            hi, lo = (x, y) if paper[x] > paper[y] else (y, x)
            a, b = _clean(ours[hi]), _clean(ours[lo])
            if len(a) < 2 or len(b) < 2:
                unresolved += 1
                continue
            gap = float(a.mean() - b.mean())
            if a.std(ddof=1) == 0 and b.std(ddof=1) == 0:
                p = 0.0 if gap != 0 else 1.0
            else:
                p = float(stats.ttest_ind(a, b, equal_var=False).pvalue)
            tests.append((p, 1 if gap > 0 else -1))
    rejected = holm([p for p, _ in tests], level)
    agree = sum(1 for (p, d), r in zip(tests, rejected) if r and d > 0)
    disagree = sum(1 for (p, d), r in zip(tests, rejected) if r and d < 0)
    unresolved += len(tests) - agree - disagree
    means = [mean_se(ours[n])[0] for n in names]
    constant = len(names) < 3 or np.ptp(means) == 0 or np.ptp([paper[n] for n in names]) == 0
    rho = math.nan if constant else stats.spearmanr(means, [paper[n] for n in names]).statistic
    if disagree == 0 and agree > 0 and agree >= (agree + disagree + unresolved) / 2:
        status = HOLDS  # no pair contradicts the paper, and at least half of all pairs agree
    elif disagree > agree:
        status = FAILS
    else:
        status = INCONCLUSIVE
    return Finding(claim, status, f"of the {agree + disagree + unresolved} pairs the paper orders, {agree} agree and "
                                  f"{disagree} disagree (Welch t, Holm-corrected at {level:g}), {unresolved} "
                                  f"unresolved; rank correlation of the means {rho:.2f}")


def spearman_interval(rho: float, n: int, level: float = LEVEL) -> tuple[float, float]:
    """An interval for a Spearman correlation of ``n`` independent pairs: Fisher's z with Fieller et al.'s
    variance 1.06 / (n - 3). NaN bounds for n <= 3."""
    if n <= 3 or not math.isfinite(rho):
        return math.nan, math.nan
    z = math.atanh(max(-0.999999, min(0.999999, rho)))
    half = _quantile(level, None) * math.sqrt(1.06 / (n - 3))
    return math.tanh(z - half), math.tanh(z + half)


def correlation_exceeds(claim: str, r_ab: float, r_ac: float, r_bc: float, n: int, level: float = LEVEL) -> Finding:
    """``claim`` says corr(a, b) exceeds corr(a, c), both measured on the same ``n`` independent items (so the two
    estimates are dependent through ``r_bc``): Steiger's (1980) Z on Fisher z values, Fieller's 1.06 / (n - 3) for
    Spearman correlations. Holds when Z is above the two-sided quantile at ``level``, does not hold when below its
    negative; n <= 3 is inconclusive."""
    values = (r_ab, r_ac, r_bc)
    if n <= 3 or not all(math.isfinite(v) for v in values):
        return Finding(claim, INCONCLUSIVE, f"rho {r_ab:.3f} against {r_ac:.3f} over {n} effective items: too few")
    r_ab, r_ac, r_bc = (max(-0.999999, min(0.999999, v)) for v in values)
    mean = (r_ab + r_ac) / 2
    psi = r_bc * (1 - 2 * mean ** 2) - 0.5 * mean ** 2 * (1 - 2 * mean ** 2 - r_bc ** 2)
    c = psi / (1 - mean ** 2) ** 2
    z = (math.atanh(r_ab) - math.atanh(r_ac)) * math.sqrt((n - 3) / 1.06) / math.sqrt(max(2 - 2 * c, 1e-12))
    q = _quantile(level, None)
    status = HOLDS if z > q else FAILS if z < -q else INCONCLUSIVE
    return Finding(claim, status, f"rho {r_ab:.3f} against {r_ac:.3f} (their correlation {r_bc:.3f}), Steiger's "
                                  f"Z = {z:.2f} over {n} effective items, against +-{q:.2f}")


def findings_table(findings: Sequence[Finding]):
    """The findings as a DataFrame: claim, verdict, evidence."""
    import pandas as pd

    return pd.DataFrame([f.as_row() for f in findings])


def findings_markdown(findings: Sequence[Finding]) -> str:
    """The findings as markdown lines: ``- **holds**: claim (evidence)``."""
    return "\n".join(f"- **{f.status}**: {f.claim} ({f.evidence})" for f in findings)
