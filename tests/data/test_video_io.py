"""Video reading and writing (a2vlib.data.video_io): round trips keep frames, frame rate, size, sound and sync;
bad files give DataErrors that name them; a folder read lists bad files and leaves the folder as it was."""
import os

import numpy as np
import pytest

from a2vlib.core.errors import DataError
from a2vlib.studies.liu_v2ra.clips import impacts
from a2vlib.data.video_io import read_video, read_video_folder, write_video

SR, FPS, T = 16000, 30, 45
FLASH = 20  # the frame that is white; a click sounds at its time


def _clip(t=T, h=48, w=64):
    frames = np.zeros((t, h, w, 3), np.uint8)
    frames[..., 0] = (np.arange(t) * 5)[:, None, None]  # red counts the frames
    frames[..., 1] = 100
    if t > FLASH:
        frames[FLASH] = 255
    n = int(round(t / FPS * SR))
    audio = (0.3 * np.sin(2 * np.pi * 440 * np.arange(n) / SR)).astype(np.float32)
    i = int(FLASH / FPS * SR)
    audio[i: i + 80] = 0.9
    return frames, audio


@pytest.fixture
def good(tmp_path):
    frames, audio = _clip()
    return write_video(tmp_path / "good.mp4", frames, FPS, audio, SR)


def test_round_trip_keeps_frames_size_sound_and_sync(good):
    frames, audio, sr = read_video(good, fps=30, size=32, sample_rate=22050)
    assert frames.shape == (T, 32, 32, 3) and frames.dtype == np.uint8
    assert sr == 22050 and audio.dtype == np.float32 and len(audio) == int(T / 30 * 22050)
    assert int(np.argmax(frames.mean(axis=(1, 2, 3)))) == FLASH
    red = frames[:, 16, 16, 0].astype(int)
    red[FLASH] = FLASH * 5
    assert np.abs(red - np.arange(T) * 5).max() <= 6  # lossy, but each frame in its place
    assert abs(np.argmax(np.abs(audio)) / sr - FLASH / FPS) < 0.01  # click and flash still together
    spec = np.abs(np.fft.rfft(audio[:11025] * np.hanning(11025)))
    assert np.fft.rfftfreq(11025, 1 / sr)[spec.argmax()] == pytest.approx(440, rel=0.01)


def test_frame_rate_is_resampled_by_nearest_timestamps(good):
    half, audio, _ = read_video(good, fps=15, size=16, sample_rate=SR)
    assert len(half) == 22 and len(audio) == int(round(22 / 15 * SR))
    red = half[:, 8, 8, 0].astype(int)
    keep = np.arange(22) * 2 != FLASH
    assert np.abs(red - np.arange(22) * 10)[keep].max() <= 6  # every second source frame
    double, _, _ = read_video(good, fps=60, size=16, sample_rate=SR)
    assert len(double) == 2 * T
    assert np.all(np.diff(double[:30, 8, 8, 0].astype(int)) >= -3)  # each source frame shown twice, in order
    start, audio, _ = read_video(good, fps=30, size=16, sample_rate=SR, max_seconds=0.5)
    assert len(start) == 15 and len(audio) == SR // 2


def test_frames_are_centre_cropped_to_a_square(tmp_path):
    frames = np.zeros((4, 48, 96, 3), np.uint8)
    frames[:, :, 24:72] = (0, 200, 0)  # a green centre square between black sides
    path = write_video(tmp_path / "wide.mp4", frames, FPS)
    out, audio, _ = read_video(path, size=24, require_audio=False)
    assert audio is None and out.shape == (4, 24, 24, 3)
    assert out[..., 1].min() > 170 and out[..., 0].max() < 40
    whole, _, _ = read_video(path, size=24, require_audio=False, fit="whole")  # the whole frame, squeezed
    assert whole.shape == (4, 24, 24, 3) and whole[:, :, :4, 1].max() < 40 and whole[:, :, 10:14, 1].min() > 170
    with pytest.raises(DataError, match="fit='x'"):
        read_video(path, fit="x")


def test_video_without_sound(tmp_path):
    path = write_video(tmp_path / "silent.mp4", _clip()[0], FPS)
    with pytest.raises(DataError, match=r"silent\.mp4.*no sound.*require_audio=False"):
        read_video(path)
    frames, audio, _ = read_video(path, require_audio=False)
    assert audio is None and len(frames) == T


def test_bad_files_name_themselves(tmp_path):
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(np.random.default_rng(0).bytes(4000))
    with pytest.raises(DataError, match=r"garbage\.mp4.*not a readable video"):
        read_video(garbage)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(DataError, match=r"empty\.mp4.*empty"):
        read_video(empty)
    with pytest.raises(DataError, match=r"missing\.mp4.*not found"):
        read_video(tmp_path / "missing.mp4")
    with pytest.raises(DataError, match="folder"):
        read_video(tmp_path)
    short = write_video(tmp_path / "short.mp4", _clip(t=1)[0], 60)  # one frame at 60 fps: half a frame at 30
    with pytest.raises(DataError, match=r"short\.mp4.*shorter than one frame"):
        read_video(short, require_audio=False)


def _listing(folder):
    return sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir())


def test_folder_reads_the_good_and_lists_the_rest(tmp_path):
    frames, audio = _clip()
    write_video(tmp_path / "a_good.mp4", frames, FPS, audio, SR)
    write_video(tmp_path / "b_silent.mp4", frames, FPS)
    (tmp_path / "c_corrupt.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    write_video(tmp_path / "d_short.mp4", frames[:1], 60, audio[:100], SR)
    data = (tmp_path / "a_good.mp4").read_bytes()
    (tmp_path / "e_cut.mp4").write_bytes(data[: len(data) // 2])
    (tmp_path / "notes.txt").write_text("not a video")
    before = _listing(tmp_path)
    clips, skipped = read_video_folder(tmp_path, size=16, sample_rate=SR)
    assert _listing(tmp_path) == before  # nothing written, nothing touched
    assert [p.name for p, _, _ in clips] == ["a_good.mp4"] and clips[0][1].shape == (T, 16, 16, 3)
    reasons = {p.name: why for p, why in skipped}
    assert sorted(reasons) == ["b_silent.mp4", "c_corrupt.mp4", "d_short.mp4", "e_cut.mp4"]
    assert "no sound" in reasons["b_silent.mp4"] and "shorter than one frame" in reasons["d_short.mp4"]
    assert all(name in why for name, why in reasons.items())
    clips, skipped = read_video_folder(tmp_path, require_audio=False, size=16)
    assert [p.name for p, _, _ in clips] == ["a_good.mp4", "b_silent.mp4"] and clips[1][2] is None
    with pytest.raises(DataError, match="not found"):
        read_video_folder(tmp_path / "nowhere")


def test_write_is_atomic_and_checks_its_input(tmp_path, good):
    frames, audio = _clip(t=10)
    write_video(good, frames, FPS, audio[: len(audio) // 2], SR)  # replaces the old file in place
    assert len(read_video(good, size=16)[0]) == 10
    assert sorted(os.listdir(tmp_path)) == ["good.mp4"]  # no temporary left behind
    with pytest.raises(DataError, match=r"bad\.mp4.*uint8"):
        write_video(tmp_path / "bad.mp4", frames.astype(float), FPS)
    odd = write_video(tmp_path / "odd.mp4", _clip(t=5, h=33, w=33)[0], FPS)  # odd sides: 4:4:4
    assert read_video(odd, size=33, require_audio=False)[0].shape == (5, 33, 33, 3)
    assert sorted(os.listdir(tmp_path)) == ["good.mp4", "odd.mp4"]


def test_rendered_clip_survives_a_round_trip(tmp_path):
    c = impacts.clip_at(impacts.ImpactConfig(sample_rate=SR, size=48, noise_db=None), "wood", 0)
    path = write_video(tmp_path / "wood.mp4", c.frames, c.fps, c.audio, c.sample_rate)
    frames, audio, _ = read_video(path, fps=c.fps, size=48, sample_rate=SR)
    assert frames.shape == c.frames.shape and len(audio) == len(c.audio)
    assert np.abs(frames.astype(int) - c.frames).mean() < 6
    env = np.abs(audio)
    for t in c.events:  # each strike still starts where the events say
        i = int(t * SR)
        assert env[i - int(0.01 * SR): i - 10].max() < 0.3 * env[i: i + int(0.02 * SR)].max()
