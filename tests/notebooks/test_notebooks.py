"""Every numbered notebook, run under the ci profile through the same runner that users use (marked ``notebooks``),
its figures compared with the golden values in tests/golden/<notebook>.json; and the content digest of a tiny
SceneSynth, the data every notebook starts from (fast, not marked).

No test here looks at wall time: a busy machine must not fail a test. Times belong in benchmarks/ and on the index
page (run.json keeps them)."""
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

from a2vlib.golden import compare, golden_path, numerics_note
from a2vlib.params import list_notebooks
from a2vlib.report import run_notebook

GOLDEN = Path(__file__).resolve().parents[1] / "golden"

# The figures each notebook must record (issue-named keys).
REQUIRED_METRICS = {
    "00_datasets_tour": {"loudness_magnitude_spearman"},
    "01_data_cleaning": {"pairs_total", "pairs_kept", "discard_fraction", "cleaning_precision", "cleaning_recall",
                         "per_class_kept"},
    "02_feature_comparison": {"feature_score", "feature_score_kit", "repr_accuracy"},
    "04_ablation": {"rungs", "trainer_overhead", "public_code"},
    "03_s2i_instruments": {"sound_classifier_test_accuracy", "sound_classifier_held_out_font"},
    "05_volume_study": {"volume_spearman_in_trained_range", "volume_spearman_all_gains", "volume_spearman_continuous",
                        "volume_spearman_truth", "loudness_readout_r2", "volume_ema"},
}
RUNG_FIGURES = {"score_mean", "score_std", "accuracy_mean", "accuracy_std", "object_accuracy_mean", "diversity_mean",
                "fid_mean"}


@pytest.fixture(scope="module")
def ci_runs(tmp_path_factory):
    """Each notebook is run once under ci; both tests below look at the same run."""
    reports = tmp_path_factory.mktemp("reports")
    runs = {}

    def get(name):
        if name not in runs:
            runs[name] = run_notebook(name, "ci", reports_dir=reports)
        return runs[name]

    return get


@pytest.mark.notebooks
@pytest.mark.parametrize("name", list_notebooks())
def test_notebook_runs_under_ci(name, ci_runs, monkeypatch):
    monkeypatch.setenv("TQDM_DISABLE", "1")
    res = ci_runs(name)
    assert res.status == "ok", f"{name} failed: {res.error}"
    assert REQUIRED_METRICS.get(name, set()) <= set(res.metrics)
    if name == "04_ablation":
        assert set(res.metrics["rungs"]) == {"a", "b", "b+", "c", "d", "d+", "e", "f", "g", "g+ema", "g+ema+da",
                                                    "g+ema+lc"}
        assert all(RUNG_FIGURES <= set(figures) for figures in res.metrics["rungs"].values())
    if name == "02_feature_comparison":
        assert all({"mean", "std"} <= set(v) for v in res.metrics["feature_score"].values())
    html = (res.folder / f"{name}.html").read_text()
    assert "data:image/png;base64," in html
    run = json.loads((res.folder / "run.json").read_text())
    assert run["profile"] == "ci" and run["status"] == "ok"


@pytest.mark.notebooks
@pytest.mark.parametrize("name", list_notebooks())
def test_notebook_metrics_match_golden(name, ci_runs, monkeypatch):
    monkeypatch.setenv("TQDM_DISABLE", "1")
    golden = golden_path(name, "ci", GOLDEN)
    if not golden.exists():
        pytest.skip(f"no golden file {golden} yet: after a ci run of this revision, pin it with "
                    f"`a2v golden {name} --profile ci --update` (and review the diff)")
    res = ci_runs(name)
    if res.status != "ok":
        pytest.fail(f"{name} failed, nothing to compare: {res.error}")
    pinned = json.loads(golden.read_text())
    problems = compare(res.metrics, pinned)
    run = json.loads((res.folder / "run.json").read_text())
    note = numerics_note(run.get("numerics"), pinned)
    assert not problems, (
        f"{name}: {len(problems)} figure(s) outside the tolerance of {golden}:\n  " + "\n  ".join(problems)
        + (f"\n{note}" if note else "")
        + f"\nIf the change is intended, re-pin with `a2v run {name} --profile ci && a2v golden {name} --update "
        "--spread 1,2,3`.")


# ---------------------------------------------------------------------------------------------------------------
# SceneSynth content digest

DIGEST_FILE = GOLDEN / "scenesynth_digest.json"
DIGEST_CONFIG = dict(n_reference=18, n_train=18, n_test=9)  # ~1.5 s to generate
UPDATE_HINT = ("If SceneSynth changed on purpose: bump GENERATOR_VERSION in a2vlib/studies/wan2019/scenesynth/config.py and "
               "DATA_VERSION in a2vlib/core/cache.py (so no cache serves the old data), then rewrite the digest with "
               "`A2V_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/notebooks/test_notebooks.py -k scenesynth_digest` and "
               "commit it with the change. If not, the generator changed by accident: find what.")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _digest(root: Path, files: list[str]) -> dict[str, str]:
    """sha256 of manifest.csv and config.json (their bytes) and of the chosen media files' content: decoded pixels
    of a PNG and 16-bit samples of a WAV, because the same content can compress to other bytes under another zlib
    or libsndfile."""
    import soundfile as sf

    from a2vlib.data.image_io import read_image

    out = {name: _sha((root / name).read_bytes()) for name in ("manifest.csv", "config.json")}
    for name in files:
        path = root / name
        if path.suffix == ".png":
            pixels = read_image(path)
            out[name] = _sha(repr(pixels.shape).encode() + np.ascontiguousarray(pixels, np.uint8).tobytes())
        else:
            samples, sr = sf.read(str(path), dtype="int16", always_2d=True)
            out[name] = _sha(f"{sr} {samples.shape}".encode() + samples.tobytes())
    return out


def _chosen_files(manifest) -> list[str]:
    """Picture and sound of the first reference pair of each class (every drawing and sound recipe, the soundfont
    ones included), of the first train and test pair and of the first discrepant training pairs."""
    ref = manifest[manifest.split == "reference"]
    rows = [ref[ref.sound_class == cls].iloc[0] for cls in sorted(set(ref.sound_class))]
    rows += [manifest[manifest.split == split].iloc[0] for split in ("train", "test")]
    rows += list(manifest[(manifest.split == "train") & ~manifest.is_consistent.astype(bool)].iloc[:3].itertuples())
    paths = [path for row in rows for path in (row.image_path, row.audio_path)]
    return list(dict.fromkeys(paths))


def test_scenesynth_digest_is_pinned(tmp_path):
    from a2vlib.studies.wan2019.scenesynth import GENERATOR_VERSION, SceneSynthConfig, load_manifest, write_dataset

    root = write_dataset(SceneSynthConfig(**DIGEST_CONFIG), tmp_path / "scenesynth")
    files = _chosen_files(load_manifest(root))
    got = _digest(root, files)
    if os.environ.get("A2V_UPDATE_GOLDEN") == "1":
        from a2vlib.core.atomic import write_text

        write_text(DIGEST_FILE, json.dumps({
            "about": "sha256 of a tiny SceneSynth (tests/notebooks/test_notebooks.py::test_scenesynth_digest_is_pinned); "
                     "media files by content (pixels, 16-bit samples)",
            "config": DIGEST_CONFIG, "generator_version": GENERATOR_VERSION, "sha256": got}, indent=2) + "\n")
        pytest.skip(f"rewrote {DIGEST_FILE}; review and commit it")
    assert DIGEST_FILE.exists(), f"{DIGEST_FILE} is missing. {UPDATE_HINT}"
    pinned = json.loads(DIGEST_FILE.read_text())
    assert pinned["config"] == DIGEST_CONFIG, f"{DIGEST_FILE} was made with another config. {UPDATE_HINT}"
    assert pinned["generator_version"] == GENERATOR_VERSION, (
        f"GENERATOR_VERSION is {GENERATOR_VERSION} but {DIGEST_FILE} was pinned at version "
        f"{pinned['generator_version']}. {UPDATE_HINT}")
    assert list(pinned["sha256"]) == list(got), f"the digest covers other files now: {list(got)}. {UPDATE_HINT}"
    changed = [name for name in got if got[name] != pinned["sha256"][name]]
    assert not changed, f"SceneSynth content changed in {', '.join(changed)} (same config and seed). {UPDATE_HINT}"
