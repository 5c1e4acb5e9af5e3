"""The Sub-URMP reader on a small tree in its published layout: 3 instruments, 2 train performances and 1 test
performance of 3 chunks each (80x60 JPEGs, 0.5 s 44.1 kHz WAVs)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from a2vlib.core.errors import DataError, ParamsError
from a2vlib.studies.chen2017.urmp.sub_urmp import load_sub_urmp, performance_id

SR, SECONDS = 44100, 0.5
COLOURS = {"cello": (200, 30, 30), "flute": (30, 200, 30), "violin": (30, 30, 200)}  # one per instrument
PERFORMANCES = {"train": ("00", "01"), "test": ("02",)}
CHUNKS = 3


def _freq(instrument: str, perf: str, chunk: int) -> float:
    """A distinct tone per file, so a sound can be traced back to its file."""
    return 200.0 + 100.0 * sorted(COLOURS).index(instrument) + 30.0 * int(perf) + 10.0 * chunk


def _write_pair(root: Path, split: str, instrument: str, perf: str, chunk: int, seconds: float = SECONDS) -> None:
    import soundfile as sf
    from PIL import Image

    stem = f"{instrument}{perf}_{chunk}"
    img_dir, wav_dir = root / "img" / split / instrument, root / "chunk" / split / instrument
    img_dir.mkdir(parents=True, exist_ok=True)
    wav_dir.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (80, 60), COLOURS[instrument]).save(img_dir / f"{stem}.jpg", quality=95)
    t = np.arange(round(seconds * SR)) / SR
    sf.write(str(wav_dir / f"{stem}.wav"), 0.5 * np.sin(2 * np.pi * _freq(instrument, perf, chunk) * t), SR,
             subtype="PCM_16")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "Sub-URMP"
    for split, perfs in PERFORMANCES.items():
        for instrument in COLOURS:
            for perf in perfs:
                for chunk in range(CHUNKS):
                    _write_pair(root, split, instrument, perf, chunk)
    return root


def _listing(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


def _peak_hz(y: np.ndarray, sr: int) -> float:
    spectrum = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    return float(np.fft.rfftfreq(len(y), 1 / sr)[np.argmax(spectrum)])


# ---------------------------------------------------------------------------------------------------------------
# Reading

def test_reads_pairs_with_shapes_labels_and_split(tree):
    before = _listing(tree)
    pairs = load_sub_urmp(tree, image_size=32, sample_rate=22050)
    assert _listing(tree) == before  # nothing written, touched or removed under root
    n = len(COLOURS) * CHUNKS * 3
    assert len(pairs) == n
    assert pairs.images.shape == (n, 32, 32, 3) and pairs.images.dtype == np.uint8
    assert pairs.waveforms.shape == (n, 11025) and pairs.waveforms.dtype == np.float32
    assert pairs.sample_rate == 22050
    assert pairs.classes == sorted(COLOURS)
    assert pairs.notes is None and pairs.hand is None
    # Order: split, instrument, path.
    assert list(pairs.split[:18]) == ["train"] * 18 and list(pairs.split[18:]) == ["test"] * 9
    assert pairs.labels[:6] == ["cello"] * 6 and pairs.performances[:6] == ["cello00"] * 3 + ["cello01"] * 3
    assert set(np.asarray(pairs.performances)[pairs.split == "test"]) == {"cello02", "flute02", "violin02"}
    # Each image shows its instrument's colour; each sound is its own file's tone, resampled.
    for i, label in enumerate(pairs.labels):
        assert np.abs(pairs.images[i].mean(axis=(0, 1)) - COLOURS[label]).max() < 6
        perf, chunk = pairs.performances[i][len(label):], i % CHUNKS
        assert abs(_peak_hz(pairs.waveforms[i], 22050) - _freq(label, perf, chunk)) < 3
    assert pairs.info["source"] == "Sub-URMP" and pairs.info["root"] == str(tree)
    assert pairs.info["splits"] == ["train", "test"]
    assert pairs.info["image_size"] == 32 and pairs.info["sample_rate"] == 22050
    assert pairs.info["pairs_per_split"] == {"train": 18, "test": 9}


def test_counts_and_no_performance_in_both_splits(tree):
    pairs = load_sub_urmp(tree, image_size=16, sample_rate=8000)
    counts = pairs.counts()
    assert counts.loc["train"].to_dict() == {"cello": 6, "flute": 6, "violin": 6}
    assert counts.loc["test"].to_dict() == {"cello": 3, "flute": 3, "violin": 3}
    perfs = np.asarray(pairs.performances)
    assert not set(perfs[pairs.split == "train"]) & set(perfs[pairs.split == "test"])
    assert len(pairs.indices("test", "flute")) == 3


def test_max_per_instrument_spreads_over_performances(tree):
    """The first k by path would be one player; k pairs come from as many performances as k allows, spread over
    each one's chunks."""
    pairs = load_sub_urmp(tree, image_size=16, sample_rate=8000, max_per_instrument=2)
    assert len(pairs) == 2 * 2 * len(COLOURS)
    cello_train = pairs.indices("train", "cello")
    assert [pairs.performances[i] for i in cello_train] == ["cello00", "cello01"]
    assert pairs.info["pairs_per_split"] == {"train": 6, "test": 6}
    more = load_sub_urmp(tree, splits=("train",), instruments=["cello"], image_size=16, sample_rate=8000,
                         max_per_instrument=CHUNKS + 1)
    assert sorted(more.performances) == ["cello00"] * (CHUNKS // 2 + 1) + ["cello01"] * ((CHUNKS + 1) // 2)


def test_chosen_splits_and_instruments(tree):
    shutil.rmtree(tree / "img" / "test")  # a split that is not asked for need not exist
    pairs = load_sub_urmp(tree, splits=("train",), instruments=["violin", "flute"], image_size=16,
                          sample_rate=8000)
    assert set(pairs.split) == {"train"} and pairs.classes == ["flute", "violin"]
    assert pairs.labels[0] == "flute"  # kit order, whatever order was asked
    assert load_sub_urmp(tree, splits="train", instruments="cello", image_size=16, sample_rate=8000).classes == [
        "cello"]


def test_chunks_are_cut_or_padded_to_the_exact_length(tree):
    _write_pair(tree, "train", "cello", "00", 0, seconds=0.47)  # 6 % short: zero-padded
    _write_pair(tree, "train", "cello", "00", 1, seconds=0.53)  # 6 % long: cut
    pairs = load_sub_urmp(tree, splits=["train"], instruments=["cello"], image_size=16)
    assert pairs.waveforms.shape == (6, 22050)
    assert np.all(pairs.waveforms[0, int(0.47 * SR) + 1:] == 0) and np.abs(pairs.waveforms[1, -100:]).max() > 0.1


def test_performance_id():
    assert performance_id("cello00_3") == "cello00"
    assert performance_id("double_bass01_12") == "double_bass01"
    assert performance_id("tuba07") == "tuba07"


# ---------------------------------------------------------------------------------------------------------------
# Errors

def test_missing_root(tmp_path):
    with pytest.raises(DataError, match=r"nope: Sub-URMP folder not found; download Sub-URMP"):
        load_sub_urmp(tmp_path / "nope")


@pytest.mark.parametrize("kind", ["img", "chunk"])
def test_root_without_img_or_chunk(tree, kind):
    shutil.rmtree(tree / kind)
    with pytest.raises(DataError, match=rf"Sub-URMP: no '{kind}/' folder; pass the Sub-URMP folder"):
        load_sub_urmp(tree)


def test_missing_split_folder(tree):
    shutil.rmtree(tree / "chunk" / "test")
    with pytest.raises(DataError, match=re.escape(f"{tree / 'chunk' / 'test'}: split folder missing")):
        load_sub_urmp(tree)


def test_unknown_instrument_folder(tree):
    (tree / "img" / "train" / "piano").mkdir()
    with pytest.raises(DataError, match=r"piano: folder 'piano' is not a Sub-URMP instrument; known names: "
                                        r"bassoon, cello, .*violin"):
        load_sub_urmp(tree)


def test_image_without_sound(tree):
    wav = tree / "chunk" / "train" / "flute" / "flute01_2.wav"
    wav.unlink()
    with pytest.raises(DataError, match=r"1 file\(s\) without a partner; missing: " + re.escape(str(wav))):
        load_sub_urmp(tree)


def test_sound_without_image(tree):
    jpg = tree / "img" / "test" / "violin" / "violin02_0.jpg"
    jpg.unlink()
    with pytest.raises(DataError, match=r"missing: " + re.escape(str(jpg)) + r" \(for .*violin02_0\.wav\)"):
        load_sub_urmp(tree)


def test_many_unpaired_files_are_counted_and_five_named(tree):
    for path in sorted((tree / "chunk" / "train").rglob("*.wav"))[:7]:
        path.unlink()
    with pytest.raises(DataError, match=r"7 file\(s\) without a partner") as err:
        load_sub_urmp(tree)
    assert "and 2 more" in str(err.value) and str(err.value).count(".wav (for") == 5


def test_no_pairs(tree, tmp_path):
    with pytest.raises(DataError, match=r"no image-sound pairs for splits \['train', 'test'\] and instruments"):
        load_sub_urmp(tree, instruments=["tuba"])
    empty = tmp_path / "empty"
    for kind in ("img", "chunk"):
        (empty / kind / "train").mkdir(parents=True)
    with pytest.raises(DataError, match=r"empty: no image-sound pairs"):
        load_sub_urmp(empty, splits=["train"])


def test_unreadable_image_and_sound(tree):
    jpg = tree / "img" / "train" / "cello" / "cello00_0.jpg"
    jpg.write_bytes(b"not a jpeg")
    with pytest.raises(DataError, match=re.escape(str(jpg)) + r": not a readable image"):
        load_sub_urmp(tree)
    _write_pair(tree, "train", "cello", "00", 0)
    wav = tree / "chunk" / "test" / "violin" / "violin02_1.wav"
    wav.write_bytes(b"")
    with pytest.raises(DataError, match=re.escape(str(wav)) + r": audio file is empty"):
        load_sub_urmp(tree)


def test_chunk_of_the_wrong_length(tree):
    _write_pair(tree, "train", "flute", "01", 1, seconds=0.3)
    wav = tree / "chunk" / "train" / "flute" / "flute01_1.wav"
    with pytest.raises(DataError, match=re.escape(str(wav)) + r": chunk holds 13230 samples .* expected 22050"):
        load_sub_urmp(tree)


@pytest.mark.parametrize("kwargs, pattern", [
    ({"instruments": ["cello", "piano"]}, r"instruments: unknown \['piano'\]; use any of bassoon"),
    ({"splits": ["train", "val"]}, r"splits: unknown \['val'\]; use train, test"),
    ({"image_size": 0}, r"image_size=0"),
    ({"max_per_instrument": 0}, r"max_per_instrument=0"),
])
def test_bad_arguments(tree, kwargs, pattern):
    with pytest.raises(ParamsError, match=pattern):
        load_sub_urmp(tree, **kwargs)
