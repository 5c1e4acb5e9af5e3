import pytest
import yaml

from a2vlib.cli import main
from a2vlib.params import load_params


def test_params_command_prints_the_merged_set(capsys):
    assert main(["params", "01_data_cleaning", "--profile", "lab", "-p", "seed=7"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed == load_params("01_data_cleaning", "lab", overrides={"seed": 7})
    assert printed["seed"] == 7 and printed["n_train"] == load_params("01_data_cleaning", "lab")["n_train"]


def test_unknown_notebook_is_exit_2(capsys):
    assert main(["params", "99_nothing"]) == 2
    assert "no notebook named '99_nothing'" in capsys.readouterr().err


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for cmd in ("run", "report", "classify-audio"):
        assert cmd in out


def test_classify_audio_prints_one_line_per_file(tmp_path, capsys):
    import numpy as np

    from a2vlib.data.audio_io import write_audio

    rng = np.random.default_rng(0)
    noise = (0.1 * rng.standard_normal(22050 * 3)).astype(np.float32)
    files = [write_audio(tmp_path / f"n.{ext}", noise, 22050) for ext in ("wav", "flac")]
    assert main(["classify-audio", *map(str, files), "--classes", "scenes9"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    for line, f in zip(lines, files):
        path, label, score = line.split("\t")
        assert path == str(f) and label in {"dog", "drum", "guitar", "piano", "plane", "speedboat", "dam", "soccer",
                                            "baseball"} and 0.0 <= float(score) <= 1.0


def test_classify_audio_bad_file_is_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.mp3"
    bad.write_text("not audio")
    assert main(["classify-audio", str(bad)]) == 2
    assert "bad.mp3" in capsys.readouterr().err


def _noise_wav(path, seconds=1.0, seed=0):
    import numpy as np

    from a2vlib.data.audio_io import write_audio

    rng = np.random.default_rng(seed)
    return write_audio(path, (0.1 * rng.standard_normal(int(22050 * seconds))).astype(np.float32), 22050)


def test_classify_audio_device_auto_resolves_through_pick_device(tmp_path, capsys):
    """``--device auto`` is cuda when present, else cpu; the line printed equals the library's answer there."""
    from a2vlib.core.device import pick_device
    from a2vlib.features.soundnet import SCENES9, classify_files

    wav = _noise_wav(tmp_path / "one.wav")
    assert main(["classify-audio", str(wav), "--device", "auto"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    path, label, score = out[0].split("\t")
    [(_, want_label, want_score)] = classify_files([wav], device=pick_device("auto"))
    assert path == str(wav) and label == want_label and label in SCENES9
    assert float(score) == pytest.approx(want_score, abs=5e-5)  # printed with 4 decimals


@pytest.mark.parametrize("device, message", [("tpu", "unknown device 'tpu'"), ("cuda", "no CUDA GPU is available")])
def test_classify_audio_bad_device_is_exit_2_before_any_work(tmp_path, capsys, device, message):
    import torch

    if device == "cuda" and torch.cuda.is_available():
        pytest.skip("a GPU is present: cuda is a valid device here")
    assert main(["classify-audio", str(tmp_path / "never_read.wav"), "--device", device]) == 2
    assert message in capsys.readouterr().err


def test_classify_audio_missing_files_are_named(tmp_path, capsys):
    wav = _noise_wav(tmp_path / "there.wav")
    missing = [tmp_path / "gone.wav", tmp_path / "also_gone.flac"]
    assert main(["classify-audio", str(wav), *map(str, missing)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("a2v: error: audio file(s) not found:")
    assert all(str(m) in err for m in missing) and str(wav) not in err


# ------------------------------------------------------------------------------------- golden values (a2vlib.golden)

def test_flatten_dotted_numbers_only():
    import numpy as np

    from a2vlib.golden import flatten

    metrics = {"a": 1, "b": {"c": 0.5, "d": "text", "e": None, "f": True, "g": [2, {"h": 3.0}]},
               "nan": float("nan"), "np": np.float32(0.25), "npi": np.int64(7), "off": False}
    assert flatten(metrics) == {"a": 1.0, "b.c": 0.5, "b.f": 1.0, "b.g.0": 2.0, "b.g.1.h": 3.0, "np": 0.25,
                                "npi": 7.0, "off": 0.0}
    assert flatten({"x.y": 1}) == {"x.y": 1.0}  # a flat dict with dotted keys flattens to itself


@pytest.mark.parametrize("key, timing", [
    ("elapsed_s", True), ("budget.train_time", True), ("trainer_overhead", True), ("steps_per_s", True),
    ("speedup", True), ("bench.seconds", True), ("runtime", True), ("bench.speed", True),
    ("per_class_kept.speedboat", False), ("score_std", False), ("volume_spearman_all_gains", False), ("per_split.0", False), ("is_split", False),
    ("rungs.g.fid_mean", False)])
def test_timings_are_recognised_by_name(key, timing):
    from a2vlib.golden import is_timing

    assert is_timing(key) is timing


def test_compare_tolerances_missing_and_new_keys():
    from a2vlib.golden import compare

    golden = {"metrics": {"acc": 0.50, "corr": -0.20, "fid": 100.0, "count": 40, "gone": 1.0, "elapsed_s": 10.0}}
    # within: |0.52-0.50| = 0.02 <= 0.03; |-0.17+0.20| = 0.03 <= 0.03 (abs band is [-1, 1]); |104-100| = 4 <= 5;
    # 41 vs 40: 1 <= 2; elapsed_s is a timing and ignored; 'new' is not reported without strict
    actual = {"acc": 0.52, "corr": -0.17, "fid": 104.0, "count": 41, "gone": 1.0, "elapsed_s": 99.0, "new": 5.0}
    assert compare(actual, golden) == []
    bad = {"acc": 0.54, "corr": 0.0, "fid": 94.0, "count": 40}
    problems = compare(bad, golden)
    assert [p.split(":")[0] for p in problems] == ["acc", "corr", "fid", "gone"]
    assert "missing" in problems[3] and "allowed abs 0.03" in problems[0] and "allowed rel 0.05" in problems[2]
    assert compare(bad, golden, rel=0.1, abs=0.25) == ["gone: missing from the run (pinned 1)"]
    # strict files report what the run adds; per-figure tolerances win over everything
    strict = {**golden, "strict": True, "tolerances": {"fid": {"rel": 0.01}}}
    problems = compare(actual, strict)
    assert [p.split(":")[0] for p in problems] == ["fid", "new"]
    assert "not pinned" in problems[1]
    # nested actual metrics against a plain flat mapping of pinned values
    assert compare({"rungs": {"g": {"fid": 50.0}}}, {"rungs.g.fid": 52.0}) == []


def test_pin_writes_values_and_tolerances_atomically(tmp_path):
    import json

    from a2vlib.golden import compare_files, pin

    run = tmp_path / "reports" / "ci" / "nb"
    run.mkdir(parents=True)
    (run / "metrics.json").write_text(json.dumps({"acc": 0.9, "nested": {"fid": 12.5, "name": "x"},
                                                  "train_time": 3.0, "overhead": 0.1}))
    (run / "run.json").write_text(json.dumps({"notebook": "nb", "profile": "ci", "git": {"revision": "abc"}}))
    golden = tmp_path / "golden" / "nb.json"
    pin(run / "metrics.json", golden, rel=0.1)
    doc = json.loads(golden.read_text())
    assert doc["metrics"] == {"acc": 0.9, "nested.fid": 12.5}  # no timings, no strings
    assert doc["tolerance"] == {"rel": 0.1, "abs": 0.03, "abs_band": 1.0} and doc["strict"] is False
    assert doc["revision"] == "abc" and doc["notebook"] == "nb"
    assert compare_files(run / "metrics.json", golden) == []
    assert [p.name for p in golden.parent.iterdir()] == ["nb.json"]  # no temporary left behind
    # re-pinning keeps the file's own choices (strict, per-figure tolerances, rel) unless told otherwise
    doc["strict"], doc["tolerances"] = True, {"acc": {"abs": 0.1}}
    golden.write_text(json.dumps(doc))
    pin(run / "metrics.json", golden)
    again = json.loads(golden.read_text())
    assert again["strict"] is True and again["tolerances"] == {"acc": {"abs": 0.1}} and again["tolerance"]["rel"] == 0.1
    # unpinned figures: never written by a re-pin, never compared, not "unpinned but recorded" under strict
    again["unpinned"] = ["nested.*"]
    golden.write_text(json.dumps(again))
    pin(run / "metrics.json", golden)
    third = json.loads(golden.read_text())
    assert third["unpinned"] == ["nested.*"] and third["metrics"] == {"acc": 0.9}
    (run / "metrics.json").write_text(json.dumps({"acc": 0.9, "nested": {"fid": 99.0}}))
    assert compare_files(run / "metrics.json", golden) == []
    (run / "metrics.json").write_text(json.dumps({"acc": 0.5}))
    assert len(compare_files(run / "metrics.json", golden)) == 1  # what is pinned is still compared


def test_golden_command_compares_and_updates(tmp_path, capsys):
    import json

    from a2vlib.params import list_notebooks

    name = list_notebooks()[0]
    reports, golden_dir = tmp_path / "reports", tmp_path / "golden"
    run = reports / "ci" / name
    run.mkdir(parents=True)
    (run / "metrics.json").write_text(json.dumps({"score": 2.0, "share": 0.5}))
    (run / "run.json").write_text(json.dumps({"notebook": name, "profile": "ci", "status": "ok"}))
    args = [name, "--reports-dir", str(reports), "--golden-dir", str(golden_dir)]

    assert main(["golden", *args]) == 1
    assert "--update" in capsys.readouterr().out  # no golden file yet: says how to pin
    assert main(["golden", *args, "--update"]) == 0
    assert (golden_dir / f"{name}.json").exists()
    assert main(["golden", *args]) == 0
    assert f"{name}: ok" in capsys.readouterr().out
    (run / "metrics.json").write_text(json.dumps({"score": 2.5, "share": 0.5}))
    assert main(["golden", *args]) == 1
    assert f"{name}: score: 2.5, pinned 2" in capsys.readouterr().out
    (run / "run.json").write_text(json.dumps({"notebook": name, "status": "failed"}))
    assert main(["golden", *args, "--update"]) == 1  # a failed run is never pinned
    assert "not pinned" in capsys.readouterr().out
    assert main(["golden", "99_nothing", "--reports-dir", str(reports)]) == 2
