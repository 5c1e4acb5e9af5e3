import pytest
import yaml

from a2vlib.cli import main


def test_params_command_prints_the_merged_set(capsys):
    assert main(["params", "01_data_cleaning", "--profile", "lab", "-p", "seed=7"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["seed"] == 7 and printed["n_train"] == 1350


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
