"""`a2v pairs-from-videos`: good, silent, short and corrupt videos; the source folder untouched."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from a2vlib.cli import main
from a2vlib.core.errors import DataError, ParamsError
from a2vlib.data.audio_io import read_audio
from a2vlib.data.image_io import read_image
from a2vlib.data.video_io import write_video
from a2vlib.data.video_pairs import pairs_from_videos

FPS, SR = 30, 16000


def _video(path, seconds=1.2, audio=True, flash_at=None):
    t = int(seconds * FPS)
    frames = np.full((t, 32, 32, 3), 40, np.uint8)
    if flash_at is not None:
        frames[int(flash_at * FPS):] = 220  # bright from flash_at on: the picture tells the time
    sound = (0.3 * np.sin(2 * np.pi * 440 * np.arange(int(seconds * SR)) / SR)).astype(np.float32) if audio else None
    return write_video(path, frames, FPS, sound, SR if audio else None)


@pytest.fixture
def folder(tmp_path):
    src = tmp_path / "videos"
    src.mkdir()
    _video(src / "good.mp4", flash_at=0.6)
    _video(src / "silent.mp4", audio=False)
    _video(src / "short.mp4", seconds=0.3)
    (src / "corrupt.mp4").write_bytes(b"\x00not a video" * 50)
    (src / "notes.txt").write_text("not a video")
    return src


def _listing(folder):
    return sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir())


def test_window_mode_pairs_the_good_video_and_lists_the_rest(folder, tmp_path):
    before = _listing(folder)
    out = tmp_path / "pairs"
    result = pairs_from_videos(folder, out, window=0.5, stride=0.1, size=32, sample_rate=SR)
    assert _listing(folder) == before
    m = pd.read_csv(out / "manifest.csv")
    assert set(m.video) == {"good.mp4"} and len(m) == 8  # 1.2 s: windows starting at 0, 0.1, ... 0.7
    assert np.allclose(m.start_s, np.arange(8) / 10)
    skipped = pd.read_csv(out / "skipped.csv")
    reasons = dict(zip(skipped.video, skipped.reason))
    assert set(reasons) == {"silent.mp4", "short.mp4", "corrupt.mp4"}
    assert "no sound" in reasons["silent.mp4"] and "shorter than the 0.5 s window" in reasons["short.mp4"]
    y, sr = read_audio(out / m.audio_path[0])
    assert sr == SR and len(y) == SR // 2
    # the first frame of a window: dark before 0.6 s, bright from then on
    assert read_image(out / m.image_path[5]).mean() < 100 and read_image(out / m.image_path[6]).mean() > 180
    assert result.summary().startswith("8 pairs from 1 of 4 videos; 3 skipped")


def test_clip_mode_and_middle_frame(folder, tmp_path):
    out = tmp_path / "clips"
    result = pairs_from_videos(folder, out, mode="clip", size=32, sample_rate=SR)
    assert len(result.manifest) == 2  # good and short: one pair each (a clip needs no window)
    mid = pairs_from_videos(folder, tmp_path / "mid", frame="middle", size=32, sample_rate=SR)
    pic = [read_image(tmp_path / "mid" / p).mean() for p in mid.manifest.image_path]
    assert pic[3] < 100 and pic[4] > 180  # middles at 0.55 s and 0.65 s; the flash is at 0.6 s


def test_cli_exit_status_and_errors(folder, tmp_path, capsys):
    assert main(["pairs-from-videos", str(folder), "--out", str(tmp_path / "o"), "--size", "32"]) == 0
    captured = capsys.readouterr()
    assert "8 pairs from 1 of 4 videos" in captured.out and "skipped\tcorrupt.mp4" in captured.err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["pairs-from-videos", str(empty), "--out", str(tmp_path / "o2")]) == 2  # no video: said up front
    assert "holds no video" in capsys.readouterr().err and not (tmp_path / "o2").exists()
    assert main(["pairs-from-videos", str(folder), "--out", str(folder / "inside")]) == 2
    assert "which this command reads" in capsys.readouterr().err
    with pytest.raises(DataError, match="video folder not found"):
        pairs_from_videos(tmp_path / "nope", tmp_path / "o3")
    with pytest.raises(ParamsError, match="window"):
        pairs_from_videos(folder, tmp_path / "o4", window=0)
