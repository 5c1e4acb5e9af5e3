"""Verdicts computed from numbers: every branch of a2vlib.verdicts, and the studies' findings on constructed tables."""
import math

import numpy as np
import pandas as pd
import pytest

from a2vlib import verdicts
from a2vlib.papers import chen2017, wan2019
from a2vlib.studies.chen2017 import representations
from a2vlib.studies.wan2019 import cleaning, feature_study, ladder, volume
from a2vlib.verdicts import FAILS, HOLDS, INCONCLUSIVE, Finding

NAN = float("nan")
# equal means (the noise cases) leave the rank correlation undefined: ordering reports it as nan
pytestmark = pytest.mark.filterwarnings("ignore::scipy.stats.ConstantInputWarning")


def statuses(findings):
    return [f.status for f in findings]


def test_status_strings():
    assert (HOLDS, FAILS, INCONCLUSIVE) == ("holds", "does not hold", "inconclusive")
    assert verdicts.K_SE == 2.0


# ---- the verdict functions ------------------------------------------------------------------------------------------

def test_mean_se():
    assert verdicts.mean_se([1.0, 3.0]) == (2.0, 1.0, 2)  # std (ddof 1) sqrt(2) / sqrt(2)
    m, se, n = verdicts.mean_se([2.0, NAN, float("inf")])
    assert (m, n) == (2.0, 1) and math.isnan(se)
    m, se, n = verdicts.mean_se([NAN])
    assert math.isnan(m) and math.isnan(se) and n == 0


def test_difference():
    a, b = [1.0, 1.1, 0.9], [0.0, 0.1, -0.1]
    found = verdicts.difference("a above b", a, b)
    assert found == Finding("a above b", HOLDS, "1.000 vs 0.000: difference +1, 2 standard errors = 0.163 (n = 3, 3)")
    assert verdicts.difference("", b, a).status == FAILS
    assert verdicts.difference("", [1.0, 2.0, 0.0], [0.9, 1.9, -0.1]).status == INCONCLUSIVE  # gap 0.1, wide spread
    # k: a gap of 1 over a combined SE of 0.0816 holds at 2 SE, not at 20
    assert verdicts.difference("", a, b, k=20).status == INCONCLUSIVE
    # NaN values are dropped, and fewer than two on a side leaves no spread: inconclusive whatever the means
    assert verdicts.difference("", [1.0, NAN, 1.1, 0.9], b).evidence.endswith("(n = 3, 3)")
    one = verdicts.difference("", [5.0], b)
    assert one.status == INCONCLUSIVE and "from 1 and 3 value(s): no spread over seeds" in one.evidence
    assert verdicts.difference("", [5.0, NAN], [0.0, 0.1]).status == INCONCLUSIVE
    assert verdicts.difference("", [NAN, NAN], b).evidence.startswith("nan vs 0.000 from 0 and 3")
    assert verdicts.difference("", a, b, fmt="{:.1f}").evidence.startswith("1.0 vs 0.0")


def test_at_least():
    assert verdicts.at_least("", [0.8, 0.81, 0.79], 0.5).status == HOLDS
    assert verdicts.at_least("", [0.2, 0.21, 0.19], 0.5).status == FAILS
    assert verdicts.at_least("", [0.2, 0.5, 0.8], 0.5).status == INCONCLUSIVE
    held = verdicts.at_least("", [0.5, 0.5], 0.5)  # no spread at all: mean - 0 >= threshold
    assert held.status == HOLDS and held.evidence == "0.500 ± 0 (2 SE, n = 2) against 0.500"
    # a single value is judged without spread, and says so
    one = verdicts.at_least("", [0.5], 0.5)
    assert one.status == HOLDS and one.evidence == "0.500 against 0.500 (one run, no spread over seeds)"
    assert verdicts.at_least("", [0.49, NAN], 0.5).status == FAILS
    assert verdicts.at_least("", [], 0.5) == Finding("", INCONCLUSIVE, "no measurement")
    assert verdicts.at_least("", [NAN, NAN], 0.5).status == INCONCLUSIVE


def test_estimate_at_least():
    found = verdicts.estimate_at_least("rho", 0.8, 0.05, 0.6, how="bootstrap over 6 sounds")
    assert found.status == HOLDS
    assert found.evidence == "0.800 ± 0.100 (2 SE, bootstrap over 6 sounds) against 0.600"
    assert verdicts.estimate_at_least("", 0.3, 0.1, 0.6).status == FAILS
    assert verdicts.estimate_at_least("", 0.3, 0.1, 0.6).evidence == "0.300 ± 0.200 (2 SE) against 0.600"
    assert verdicts.estimate_at_least("", 0.55, 0.1, 0.6).status == INCONCLUSIVE
    assert verdicts.estimate_at_least("", 0.7, 0.05, 0.6).status == HOLDS  # boundary: 0.7 - 0.1 >= 0.6
    for value, se in ((NAN, 0.1), (0.9, NAN), (0.9, float("inf"))):
        found = verdicts.estimate_at_least("", value, se, 0.6, how="bootstrap")
        assert found.status == INCONCLUSIVE and "no usable spread bootstrap" in found.evidence


def test_proportion_at_least():
    found = verdicts.proportion_at_least("", 190, 200, 0.8)
    assert found.status == HOLDS and found.evidence == "0.950 (190/200; Wilson interval 0.909-0.973 at 2 SE) against 0.800"
    assert verdicts.proportion_at_least("", 100, 200, 0.8).status == FAILS
    assert verdicts.proportion_at_least("", 8, 10, 0.8).status == INCONCLUSIVE
    assert verdicts.proportion_at_least("", 200, 200, 0.95).status == HOLDS  # p = 1: Wilson's interval, 0.980-1.000
    assert verdicts.proportion_at_least("", 0, 200, 0.05).status == FAILS
    assert verdicts.proportion_at_least("", 0, 0, 0.5) == Finding("", INCONCLUSIVE, "no measurement")


def test_proportion_at_least_few_all_successes_is_not_proof():
    # Wilson's interval does not collapse at p = 1: 3 of 3 is no proof of 95 %
    assert verdicts.proportion_at_least("", 3, 3, 0.95).status == INCONCLUSIVE


def test_proportions_differ():
    found = verdicts.proportions_differ("", (90, 100), (50, 100))
    assert found.status == HOLDS
    assert found.evidence == "0.900 (90/100) vs 0.500 (50/100): difference +0.400, 2 SE = 0.117"
    assert verdicts.proportions_differ("", (50, 100), (90, 100)).status == FAILS
    assert verdicts.proportions_differ("", (55, 100), (50, 100)).status == INCONCLUSIVE
    assert verdicts.proportions_differ("", (100, 100), (0, 100)).status == HOLDS
    assert verdicts.proportions_differ("", (1, 0), (1, 2)).status == INCONCLUSIVE
    assert verdicts.proportions_differ("", (1, 2), (0, 0)).evidence == "no measurement"


def test_near():
    found = verdicts.near("", 0.78, 0.01, 0.78, 0.05)
    assert found.status == HOLDS and found.evidence == "0.780 ± 0.020 (2 SE) against 0.780 ± 0.050"
    assert verdicts.near("", 0.5, 0.01, 0.78, 0.05).status == FAILS
    assert verdicts.near("", 0.84, 0.01, 0.78, 0.05).status == INCONCLUSIVE  # interval 0.82-0.86 straddles 0.83
    assert verdicts.near("", 1.06, 0.01, 0.78, 0.05).status == FAILS  # above the target too
    assert verdicts.near("", 0.81, 0.0, 0.78, 0.05).status == HOLDS
    assert verdicts.near("", 0.78, NAN, 0.78, 0.05).status == INCONCLUSIVE  # no usable spread


def _spread(mean, width=0.01):
    return [mean - width, mean, mean + width]


def test_ordering_agree():
    paper = {"x": 1.0, "y": 2.0, "z": 3.0}
    found = verdicts.ordering("ours as the paper's", {k: _spread(v) for k, v in paper.items()}, paper)
    assert found == Finding("ours as the paper's", HOLDS, "of the pairs the paper orders, 3 agree and 0 disagree "
                                                         "beyond 2 SE, 0 unresolved; rank correlation of the means 1.00")


def test_ordering_disagree():
    paper = {"x": 1.0, "y": 2.0, "z": 3.0}
    found = verdicts.ordering("", {k: _spread(-v) for k, v in paper.items()}, paper)
    assert found.status == FAILS and "0 agree and 3 disagree" in found.evidence and "-1.00" in found.evidence


def test_ordering_unresolved_and_mixed():
    paper = {"x": 1.0, "y": 2.0, "z": 3.0}
    found = verdicts.ordering("", {k: [0.0, 1.0, 2.0] for k in paper}, paper)
    assert found.status == INCONCLUSIVE and "0 agree and 0 disagree beyond 2 SE, 3 unresolved" in found.evidence
    assert "rank correlation of the means nan" in found.evidence  # equal means: no rank correlation
    # x < z and y < z agree, x < y disagrees: twice as many agree -> holds
    two = verdicts.ordering("", {"x": _spread(1.0), "y": _spread(0.0), "z": _spread(2.0)}, paper)
    assert two.status == HOLDS and "2 agree and 1 disagree beyond 2 SE, 0 unresolved" in two.evidence
    # one agrees, one disagrees: neither twice as many agreeing nor more disagreeing -> inconclusive
    one_each = verdicts.ordering("", {"x": _spread(1.0), "y": _spread(0.0), "z": _spread(2.0, width=1.0)}, paper)
    assert one_each.status == INCONCLUSIVE and "1 agree and 1 disagree beyond 2 SE, 1 unresolved" in one_each.evidence
    # one pair, reversed: more disagree than agree -> does not hold
    reversed_ = verdicts.ordering("", {"x": _spread(1.0), "y": _spread(0.0)}, paper)
    assert reversed_.status == FAILS and "0 agree and 1 disagree beyond 2 SE, 0 unresolved" in reversed_.evidence
    # items the paper ties are not compared
    tied = verdicts.ordering("", {"w": _spread(0.0), "x": _spread(1.0), "y": _spread(-1.0)},
                             {"w": 0.5, "x": 1.0, "y": 1.0})
    assert tied.status == INCONCLUSIVE and "1 agree and 1 disagree beyond 2 SE, 0 unresolved" in tied.evidence
    # k widens what counts as unresolved
    assert verdicts.ordering("", {k: _spread(v) for k, v in paper.items()}, paper, k=1000).status == INCONCLUSIVE


def test_ordering_skips_missing_and_empty_items():
    paper = {"x": 1.0, "y": 2.0, "z": 3.0}
    ours = {"x": _spread(1.0), "y": _spread(2.0), "z": [NAN, NAN], "extra": _spread(9.0)}
    found = verdicts.ordering("", ours, paper)
    assert found.status == HOLDS and "1 agree and 0 disagree beyond 2 SE, 0 unresolved" in found.evidence
    assert "rank correlation of the means nan" in found.evidence  # fewer than three items: no rank correlation


def test_tables():
    found = [Finding("a", HOLDS, "x"), Finding("b", FAILS, "y")]
    table = verdicts.findings_table(found)
    assert list(table.columns) == ["claim", "verdict", "evidence"] and list(table.verdict) == [HOLDS, FAILS]
    assert verdicts.findings_markdown(found) == "- **holds**: a (x)\n- **does not hold**: b (y)"
    assert found[0].as_row() == {"claim": "a", "verdict": "holds", "evidence": "x"}


# ---- the studies' findings ------------------------------------------------------------------------------------------

def _quality(n, kept, precision, recall):
    return {"pairs_total": n, "pairs_kept": kept, "discard_fraction": 1 - kept / n if n else NAN,
            "cleaning_precision": precision, "cleaning_recall": recall}


def _comparison(ours_acc, sn_acc, m=500):
    return pd.DataFrame({"pairs_total": [m, m], "sound_label_accuracy": [ours_acc, sn_acc]},
                        index=["trained sound classifier", "SoundNet-8 (published weights, nine-class mapping)"])


def test_cleaning_findings():
    good = cleaning.findings(_quality(10000, 2200, 0.99, 0.9), _comparison(0.6, 0.9))
    assert statuses(good) == [HOLDS, HOLDS, HOLDS, HOLDS]
    assert good[0].claim == "the discard share is within 5% of the paper's 78%"
    assert good[1].evidence.startswith("0.990 (2178/2200")
    assert good[2].evidence.startswith("0.900 (2178/2420")  # consistent pairs = kept true ones / recall
    assert "SoundNet-8" in good[3].claim and good[3].evidence.startswith("0.900 (450/500) vs 0.600 (300/500)")
    bad = cleaning.findings(_quality(10000, 5000, 0.5, 0.5), _comparison(0.9, 0.6))
    assert statuses(bad) == [FAILS, FAILS, FAILS, FAILS]
    unsure = cleaning.findings(_quality(20, 4, 0.75, 0.75), _comparison(0.6, 0.62, m=50))
    assert statuses(unsure) == [INCONCLUSIVE] * 4
    # nothing kept: precision and recall are NaN, no measurement; no comparison (or not two rows): three findings
    empty = cleaning.findings(_quality(100, 0, NAN, NAN))
    assert statuses(empty) == [FAILS, INCONCLUSIVE, INCONCLUSIVE]
    assert [f.evidence for f in empty[1:]] == ["no measurement", "no measurement"]
    assert len(cleaning.findings(_quality(10000, 2200, 0.99, 0.9), _comparison(0.6, 0.9).iloc[:1])) == 3
    assert statuses(cleaning.findings(_quality(10000, 2200, 0.99, 0.9), precision_target=0.999,
                                      recall_target=0.5, discard_tolerance=0.01)) == [HOLDS, FAILS, HOLDS]


RUNGS_ALL = ("a", "b", "c", "d", "d+", "e", "f", "g")


def _ladder_runs(base, width=0.01, object_g=0.8, object_a=0.9):
    rows = []
    for rung in RUNGS_ALL:
        for seed, noise in enumerate((-width, 0.0, width)):
            value = base[rung] + noise
            rows.append({"rung": rung, "seed": seed, "score": value, "accuracy": value / 10,
                         "object_accuracy": {"g": object_g, "a": object_a}.get(rung, 0.3) + noise,
                         "diversity": 0.5, "z_diversity": 0.2, "fid": 10 - value})
    return pd.DataFrame(rows)


def test_ladder_findings_paper_order():
    base = {"a": 8.0, "b": 1.0, "c": 2.0, "d": 3.0, "d+": 3.5, "e": 4.0, "f": 5.0, "g": 6.0}
    found = ladder.findings(_ladder_runs(base))
    assert statuses(found) == [HOLDS] * 10
    assert [f.claim for f in found] == [
        "our classifier scores order the rungs (b)-(g) as the paper's Inception Scores do",
        "the full model (g) is above the cGAN (c) in classifier score",
        "the full model (g) is above the cGAN (c) in scene-judge accuracy",
        "the full model (g) is above the cGAN (c) in object-judge accuracy",
        "(d) + Spectral Norm raises the classifier score over (c)",
        "(e) + Hinge Loss raises the classifier score over (d+)",
        "(f) + Projection Discriminator raises the classifier score over (e)",
        "(g) + Auxiliary Classifier raises the classifier score over (f)",
        "(g)'s images show their object: object-judge accuracy reaches 50%",
        "(g)'s object-judge accuracy reaches half of real images'"]
    assert "15 agree and 0 disagree" in found[0].evidence  # the six paper rungs (b)-(g): 15 pairs; (a), (d+) left out


def test_ladder_findings_reversed():
    base = {"a": 8.0, "b": 6.0, "c": 5.0, "d": 4.0, "d+": 3.5, "e": 3.0, "f": 2.0, "g": 1.0}
    found = ladder.findings(_ladder_runs(base, object_g=0.1, object_a=0.9))
    assert statuses(found) == [FAILS] * 10
    assert "0 agree and 15 disagree" in found[0].evidence


def test_ladder_findings_noise():
    base = dict.fromkeys(RUNGS_ALL, 3.0)
    found = ladder.findings(_ladder_runs(base, width=1.0, object_g=0.5, object_a=1.0))
    assert statuses(found) == [INCONCLUSIVE] * 10
    assert "0 agree and 0 disagree beyond 2 SE, 15 unresolved" in found[0].evidence


def test_ladder_findings_partial_runs():
    base = {"a": 8.0, "b": 1.0, "c": 2.0, "d": 3.0, "d+": 3.5, "e": 4.0, "f": 5.0, "g": 6.0}
    runs = _ladder_runs(base)
    only_g = ladder.findings(runs[runs.rung == "g"], object_target=0.9)
    assert statuses(only_g) == [INCONCLUSIVE, FAILS]  # no pairs to order; 0.8 short of 0.9
    no_real = ladder.findings(runs[runs.rung.isin(["c", "d", "g"])])
    assert len(no_real) == 1 + 3 + 1 + 1  # ordering, (g) vs (c) x3, (d) over (c), object target


def _feature_runs(scores, width=0.01):
    return pd.DataFrame([{"feature": f, "feature_dim": 1, "seed": s, "score": v + n}
                         for f, v in scores.items() for s, n in enumerate((-width, 0.0, width))])


def test_feature_study_findings():
    paper = {f: q.value for f, q in wan2019.TABLE2.items()}
    found = feature_study.findings(_feature_runs(paper))
    assert statuses(found) == [HOLDS] * 6
    assert [f.claim for f in found[1:]] == [
        "SoundNet conditions better than Spectrogram", "SoundNet conditions better than fbank",
        "SoundNet conditions better than MFCC", "Spectrogram conditions better than MFCC",
        "fbank conditions better than MFCC"]
    reversed_ = feature_study.findings(_feature_runs({f: -v for f, v in paper.items()}))
    assert statuses(reversed_) == [FAILS] * 6
    noise = feature_study.findings(_feature_runs(dict.fromkeys(paper, 2.0), width=1.0))
    assert statuses(noise) == [INCONCLUSIVE] * 6
    # a subset of the features: the best and worst of those present
    two = feature_study.findings(_feature_runs({"fbank": 2.0, "mfcc": 1.0}))
    assert [f.claim for f in two[1:]] == ["fbank conditions better than MFCC"] and statuses(two) == [HOLDS, HOLDS]


def _repr_runs(acc, layers=(3, 4), width=0.01, deeper=0.05):
    return pd.DataFrame([{"representation": r, "layers": n, "seed": s,
                          "accuracy": v + (deeper if n == max(layers) else 0.0) + e}
                         for r, v in acc.items() for n in layers for s, e in enumerate((-width, 0.0, width))])


def test_representations_findings():
    paper4 = {r.lower(): cells[4].value for r, cells in chen2017.TABLE1.items()}
    found = representations.findings(_repr_runs(paper4))
    assert len(found) == 1 + 4 + 3 + 5
    assert statuses(found) == [HOLDS] * 13
    assert found[0].claim == "our accuracies (4 layers) order the representations as Chen's Table 1 does"
    assert "LMS classifies better than CQT (4 layers)" in [f.claim for f in found]
    assert "STFT classifies better than MS (4 layers)" in [f.claim for f in found]
    assert found[-1].claim == "STFT: 4 conv layers classify better than 3"
    reversed_ = representations.findings(_repr_runs({r: -v for r, v in paper4.items()}, deeper=-0.05))
    assert statuses(reversed_) == [FAILS] * 13
    noise = representations.findings(_repr_runs(dict.fromkeys(paper4, 0.7), width=0.2, deeper=0.0))
    assert statuses(noise) == [INCONCLUSIVE] * 13
    # one depth only: no depth findings; ``layers`` picks the depth whose paper column is used
    paper3 = {r.lower(): cells[3].value for r, cells in chen2017.TABLE1.items()}
    three = representations.findings(_repr_runs(paper3, layers=(3,)), layers=3)
    assert len(three) == 8 and statuses(three) == [HOLDS] * 8 and "(3 layers)" in three[0].claim
    # at 3 layers the paper puts STFT above CQT: CQT is a middle one compared with MS
    assert "CQT classifies better than MS (3 layers)" in [f.claim for f in three]


def _effect(size_of, loudness=0.5, gains=(0.5, 1.0, 2.0, 3.0), n_sounds=6, within=lambda g: True):
    rows = []
    for k in range(n_sounds):
        for g in gains:
            size = size_of(g, k)
            rows.append({"sound": f"dog #{k}", "class": "dog", "loudness": loudness, "gain": g,
                         "in_trained_range": 0.25 <= loudness * g <= 1.0, "object_size": size,
                         "visual_magnitude": size * 1.1, "within_real_range": within(g)})
    table = pd.DataFrame(rows)
    table.attrs["real_range"] = (0.01, 0.1)
    return table


def test_volume_findings():
    grows = _effect(lambda g, k: 0.02 * g + 0.001 * k, within=lambda g: g <= 2.0)
    found = volume.findings(grows, rho_truth=0.95)
    assert statuses(found) == [HOLDS, HOLDS, HOLDS, FAILS]  # beyond the range (3x) every object is out of range
    assert "bootstrap over 6 sounds" in found[0].evidence
    assert "size range (0.010-0.100) at least 80%" in found[1].claim
    assert found[1].evidence.startswith("1.000 (18/18")
    assert found[2].evidence == "0.950 against 0.900 (one run, no spread over seeds)"
    assert found[3].evidence.startswith("0.000 (0/6")
    shrinks = _effect(lambda g, k: 0.1 - 0.02 * g + 0.001 * k, within=lambda g: g > 2.0)
    assert statuses(volume.findings(shrinks, rho_truth=0.5)) == [FAILS, FAILS, FAILS, HOLDS]
    # two sounds: no bootstrap spread; a share of 3 in 6 against 80 %; nothing beyond the trained range
    rng = np.random.default_rng(0)
    noise = _effect(lambda g, k: float(rng.uniform(0.01, 0.1)), gains=(0.5, 1.0, 2.0), n_sounds=2,
                    within=lambda g: g != 1.0)
    found = volume.findings(noise, rho_truth=NAN)
    assert statuses(found) == [INCONCLUSIVE, INCONCLUSIVE, INCONCLUSIVE]
    assert "no usable spread" in found[0].evidence and found[2].evidence == "no measurement"
