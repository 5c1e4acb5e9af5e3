import numpy as np
import pytest

from a2vlib.core.atomic import atomic_path, write_text
from a2vlib.data.audio_io import check_waveform, read_audio, write_audio
from a2vlib.data.image_io import check_image, read_image, write_image
from a2vlib.core.errors import DataError

SR = 16000


@pytest.fixture
def tone():
    t = np.arange(SR) / SR
    return (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


@pytest.mark.parametrize("suffix", [".wav", ".flac", ".ogg", ".mp3"])
def test_audio_round_trip(tmp_path, tone, suffix):
    path = write_audio(tmp_path / f"a{suffix}", tone, SR)
    y, sr = read_audio(path)
    assert sr == SR and y.dtype == np.float32
    assert abs(len(y) - len(tone)) < 2000  # mp3/ogg add codec padding
    assert 0.15 < np.sqrt(np.mean(y ** 2)) < 0.28


def test_resample_and_stereo(tmp_path, tone):
    path = write_audio(tmp_path / "s.wav", np.stack([tone, tone * 0.5]), SR)
    y, sr = read_audio(path, sr=8000)
    assert sr == 8000 and y.ndim == 1 and abs(len(y) - 8000) <= 1
    both, _ = read_audio(path, mono=False)
    assert both.shape == (2, SR)


def test_missing_empty_truncated_corrupt_silent(tmp_path, tone):
    with pytest.raises(DataError, match=r"nope\.wav: audio file not found"):
        read_audio(tmp_path / "nope.wav")
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(DataError, match=r"empty\.wav: audio file is empty"):
        read_audio(tmp_path / "empty.wav")
    full = write_audio(tmp_path / "full.wav", tone, SR).read_bytes()
    (tmp_path / "cut.wav").write_bytes(full[: len(full) // 2])
    with pytest.raises(DataError, match=r"cut\.wav: WAV file is truncated"):
        read_audio(tmp_path / "cut.wav")
    (tmp_path / "head.wav").write_bytes(full[:30])
    with pytest.raises(DataError, match=r"head\.wav"):
        read_audio(tmp_path / "head.wav")
    (tmp_path / "text.wav").write_text("this is not audio at all " * 20)
    with pytest.raises(DataError, match=r"text\.wav: not a readable audio file"):
        read_audio(tmp_path / "text.wav")
    write_audio(tmp_path / "quiet.wav", np.zeros(SR, np.float32), SR)
    with pytest.raises(DataError, match=r"quiet\.wav: audio is silent"):
        read_audio(tmp_path / "quiet.wav")
    y, _ = read_audio(tmp_path / "quiet.wav", allow_silent=True)
    assert np.all(y == 0)


def test_waveform_checks():
    with pytest.raises(DataError, match="1-D"):
        check_waveform(np.zeros((2, 3, 4)))
    with pytest.raises(DataError, match="empty"):
        check_waveform(np.zeros(0))
    with pytest.raises(DataError, match="NaN"):
        check_waveform(np.array([0.0, np.nan]))
    assert check_waveform(np.ones((2, 5))).shape == (5,)


def test_image_round_trip_and_bad_images(tmp_path):
    img = np.random.default_rng(0).integers(0, 255, (16, 16, 3), dtype=np.uint8)
    path = write_image(tmp_path / "a.png", img)
    assert np.array_equal(read_image(path), img)
    assert read_image(path, size=8).shape == (8, 8, 3)
    (tmp_path / "fake.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(DataError, match=r"fake\.png: not a readable image"):
        read_image(tmp_path / "fake.png")
    (tmp_path / "cut.png").write_bytes(path.read_bytes()[:40])
    with pytest.raises(DataError, match=r"cut\.png"):
        read_image(tmp_path / "cut.png")
    with pytest.raises(DataError, match="not found"):
        read_image(tmp_path / "none.png")
    with pytest.raises(DataError, match=r"\(H, W, 3\)"):
        check_image(np.zeros((4, 4), np.uint8))
    with pytest.raises(DataError, match="uint8"):
        write_image(tmp_path / "f.png", np.zeros((4, 4, 3), np.float32))
    assert not (tmp_path / "f.png").exists()


def test_atomic_write_leaves_nothing_on_error(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_folder_never_replaces_a_folder_that_holds_files(tmp_path):
    from a2vlib.core.errors import OutputError

    folder = tmp_path / "d"
    folder.mkdir()  # an empty folder is taken over whole
    with atomic_path(folder) as tmp:
        tmp.mkdir()
        (tmp / "a").write_text("1")
    with pytest.raises(OutputError, match="holds files"):
        with atomic_path(folder) as tmp:
            tmp.mkdir()
            (tmp / "b").write_text("2")
    assert sorted(p.name for p in folder.iterdir()) == ["a"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]


def test_atomic_file_never_replaces_a_folder(tmp_path):
    from a2vlib.core.errors import OutputError

    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "work.txt").write_text("mine")
    with pytest.raises(OutputError, match="never replaces a folder"):
        write_text(precious, "x")
    assert (precious / "work.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious"]
