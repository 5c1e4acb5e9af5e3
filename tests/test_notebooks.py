"""Every numbered notebook, run under the ci profile through the same runner that users use."""
import json
import os

import pytest

from a2vlib.params import list_notebooks
from a2vlib.report import run_notebook

pytestmark = pytest.mark.notebooks

# The figures each notebook must record (issue-named keys).
REQUIRED_METRICS = {
    "00_datasets_tour": {"loudness_magnitude_spearman"},
    "01_data_cleaning": {"pairs_total", "pairs_kept", "discard_fraction", "cleaning_precision", "cleaning_recall",
                         "per_class_kept"},
    "02_feature_comparison": {"feature_score", "repr_accuracy"},
    "04_ablation": {"rungs", "trainer_overhead", "public_code"},
    "05_volume_study": {"gains", "volume_spearman", "volume_spearman_truth"},
}
RUNG_FIGURES = {"score_mean", "score_std", "accuracy_mean", "accuracy_std", "object_accuracy_mean", "diversity_mean",
                "fid_mean"}


@pytest.mark.parametrize("name", list_notebooks())
def test_notebook_runs_under_ci(name, tmp_path, monkeypatch):
    monkeypatch.setenv("TQDM_DISABLE", "1")
    res = run_notebook(name, "ci", reports_dir=tmp_path)
    assert res.status == "ok", f"{name} failed: {res.error}"
    assert REQUIRED_METRICS.get(name, set()) <= set(res.metrics)
    if name == "04_ablation":
        assert set(res.metrics["rungs"]) == set("abcdefg")
        assert all(RUNG_FIGURES <= set(figures) for figures in res.metrics["rungs"].values())
    if name == "02_feature_comparison":
        assert all({"mean", "std"} <= set(v) for v in res.metrics["feature_score"].values())
    html = (res.folder / f"{name}.html").read_text()
    assert "data:image/png;base64," in html
    run = json.loads((res.folder / "run.json").read_text())
    assert run["profile"] == "ci" and run["elapsed_s"] < 120
    if os.environ.get("CI"):
        print(f"{name}: {run['elapsed_s']} s under ci")
