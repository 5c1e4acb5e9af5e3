"""The paper profile's code paths, run in CI: every notebook under ``paper-smoke`` (the paper profile's files with
sizes alone made small), through the command a researcher uses (``a2v report --profile paper --smoke``). A paper
run that would stop (too few images for a score's splits, a frame encoder without its weights, a join or resize
mode that does not exist) stops here first. Smoke reports are marked as such and are never golden values.

The smoke files may change sizes only: every choice the paper profile makes (proportions, features, rungs, the
public code's rungs, joins, resize modes, frame encoders, the score protocol) must reach the smoke run unchanged."""
import json

import pytest

from a2vlib.cli import main
from a2vlib.params import load_params, profile_notebooks, smoke_profile

# What a smoke file may set: sizes, counts, epochs and lists of seeds. Anything else would change a code path.
SIZE_KEYS = {"n_reference", "n_train", "n_test", "classifier_epochs", "width", "epochs", "judge_epochs", "performances",
             "test_performances", "performance_seconds", "encoder_epochs", "image_epochs", "autoencoder_epochs",
             "encoder_width", "soundnet_pairs", "seeds", "n_images", "n_per_instrument", "repr_epochs", "repr_width",
             "repr_seeds", "batch_size", "pose_epochs", "pose_batch_size", "reader_pictures", "reader_epochs",
             "budget_epochs", "bench_reps", "sounds_per_class", "continuous_steps", "listen_per_instrument",
             "clips_per_category", "clip_seconds", "frame_size", "model_size", "v2ra_batch_size", "speed_model_size"}
SUBSETS = {"categories", "table8_categories"}  # fewer of the paper's categories (each one's code path is the same)


@pytest.mark.parametrize("name", profile_notebooks("paper"))
def test_the_smoke_profile_changes_sizes_only(name):
    paper, smoke = load_params(name, "paper"), load_params(name, smoke_profile("paper"))
    changed = {k for k in paper if paper[k] != smoke[k] and k != "profile"}
    assert changed <= SIZE_KEYS | SUBSETS, f"{name}: the smoke run changes {sorted(changed - SIZE_KEYS)}, not sizes"
    for key in changed & SUBSETS:
        assert smoke[key] and set(smoke[key]) <= set(paper[key]), f"{name}: {key} is not a subset of the paper's"


def test_the_paper_profile_runs_the_papers_protocols():
    assert load_params("07_v2ra_optimisation", "paper")["v2ra_join"] == "concat"  # eq. 4, Fig. 3
    assert load_params("06_i2s_spectrograms", "paper")["i2s_resize"] == "numpy_resize"  # Chen's 128 x 34 maps
    ablation = load_params("04_ablation", "paper")
    assert ablation["score_protocol"] == "paper" and "b" in ablation["public_code_rungs"]


@pytest.mark.notebooks
def test_every_notebook_runs_under_the_paper_profile_at_smoke_size(tmp_path, capsys):
    reports = tmp_path / "reports"
    assert main(["report", "--profile", "paper", "--smoke", "--reports-dir", str(reports)]) == 0, \
        capsys.readouterr().err
    base = reports / "paper-smoke"
    for name in profile_notebooks("paper"):
        run = json.loads((base / name / "run.json").read_text())
        assert run["status"] == "ok" and run["smoke"] is True, (name, run.get("error"))
        assert "Smoke run</b> of the paper profile" in (base / name / f"{name}.html").read_text()
    assert main(["golden", "--profile", "paper-smoke", "--update", "--reports-dir", str(reports)]) == 2  # never pinned
