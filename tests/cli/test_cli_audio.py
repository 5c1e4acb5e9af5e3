"""`a2v odg`: PEAQ on two files from the command line, with one-line errors."""
from __future__ import annotations

import numpy as np
import soundfile as sf

from a2vlib.cli import main


def _music(sr=44100, seconds=2.0, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(sr * seconds)) / sr
    # partials up to 15 kHz: PEAQ's bandwidth variables need a reference with content above 8.1 kHz
    y = sum(0.1 / k * np.sin(2 * np.pi * 250 * k * t + rng.uniform(0, 6)) for k in range(1, 61))
    return (y * np.minimum(1, t * 20)).astype(np.float32)


def test_odg_prints_odg_and_di(tmp_path, capsys):
    y = _music()
    sf.write(tmp_path / "ref.wav", y, 44100)
    noisy = y + 0.01 * np.random.default_rng(1).standard_normal(len(y)).astype(np.float32)
    sf.write(tmp_path / "test.wav", noisy, 44100)
    assert main(["odg", str(tmp_path / "ref.wav"), str(tmp_path / "ref.wav")]) == 0
    same = dict(line.split("\t") for line in capsys.readouterr().out.splitlines())
    assert main(["odg", str(tmp_path / "ref.wav"), str(tmp_path / "test.wav"), "--movs"]) == 0
    out = dict(line.split("\t") for line in capsys.readouterr().out.splitlines())
    assert float(same["ODG"]) > 0 > float(out["ODG"]) >= -3.98 and "Total NMRB" in out and "DI" in out


def test_odg_errors_are_one_line(tmp_path, capsys):
    y = _music()
    sf.write(tmp_path / "ref.wav", y, 44100)
    sf.write(tmp_path / "short.wav", y[:44100], 44100)
    assert main(["odg", str(tmp_path / "ref.wav"), str(tmp_path / "short.wav")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("a2v: error:") and "short.wav" in err and len(err.strip().splitlines()) == 1
    assert main(["odg", str(tmp_path / "ref.wav"), str(tmp_path / "missing.wav")]) == 2
    assert "missing.wav" in capsys.readouterr().err
