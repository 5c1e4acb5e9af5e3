import numpy as np
import pandas as pd
import pytest

from a2vlib.studies.wan2019.cleaning import agreement_rule, cleaning_quality, table1_comparison
from a2vlib.viz import confusion_matrix


def test_agreement_rule():
    keep = agreement_rule(["dog", "dog", "other", "plane", "cat"], ["dog", "drum", "other", "plane", "cat"])
    assert keep.tolist() == [True, False, False, True, False]  # 'other' and unknown classes never kept
    with pytest.raises(ValueError):
        agreement_rule(["dog"], ["dog", "dog"])


def test_quality_on_known_case():
    kept = [True, True, True, False, False, True]
    consistent = [True, True, False, True, False, True]
    q = cleaning_quality(kept, consistent)
    assert q["pairs_total"] == 6 and q["pairs_kept"] == 4
    assert q["discard_fraction"] == pytest.approx(2 / 6)
    assert q["cleaning_precision"] == pytest.approx(3 / 4)
    assert q["cleaning_recall"] == pytest.approx(3 / 4)
    none = cleaning_quality([False, False], [True, False])
    assert np.isnan(none["cleaning_precision"]) and none["cleaning_recall"] == 0.0


def test_table1_shares_sum_to_one():
    t = table1_comparison({"dog": 3, "plane": 1})
    assert t.loc["total", "paper pairs"] == 10701
    assert t.loc[t.index != "total", "paper share"].sum() == pytest.approx(1.0)
    assert t.loc["dog", "ours share"] == pytest.approx(0.75)


def test_confusion_matrix_counts():
    m = confusion_matrix(["a", "a", "b"], ["a", "b", "b"], ["a", "b"])
    assert m.loc["a", "a"] == 1 and m.loc["a", "b"] == 1 and m.loc["b", "b"] == 1 and m.values.sum() == 3
    assert isinstance(m, pd.DataFrame)
