"""Spoken digits paired with MNIST digits (a2vlib.data.digits): FSDD's naming and split, the pairing, the cache and
its errors, on a small FSDD-like folder the tests write (and on the real FSDD where the workplace has it)."""
import hashlib

import numpy as np
import pytest

from a2vlib.core.errors import DataError, ParamsError
from a2vlib.core.paths import shared_data_dir
from a2vlib.data import digits
from a2vlib.studies.wan2019 import catalog
from a2vlib.data.audio_io import write_audio

SR = 8000


def _tone(digit: int, take: int) -> np.ndarray:
    t = np.arange(int(0.3 * SR + 40 * take)) / SR
    return (0.3 * np.sin(2 * np.pi * (200 + 60 * digit) * t)).astype(np.float32)


@pytest.fixture
def fsdd(tmp_path):
    """An FSDD-shaped folder: 2 speakers x 10 digits x takes 0-1 (test) and 5-6 (train)."""
    folder = tmp_path / "fsdd" / "recordings"
    folder.mkdir(parents=True)
    for d in range(10):
        for speaker in ("ann", "bob"):
            for take in (0, 1, 5, 6):
                write_audio(folder / f"{d}_{speaker}_{take}.wav", _tone(d, take), SR)
    (tmp_path / "fsdd" / "README.md").write_text("test tree\n")
    return tmp_path / "fsdd"


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("A2V_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_read_fsdd_splits_by_take(fsdd):
    table = digits.read_fsdd(fsdd)
    assert len(table) == 80
    assert set(table[table.split == "test"]["take"]) == {0, 1}
    assert set(table[table.split == "train"]["take"]) == {5, 6}
    assert sorted(table.digit.unique()) == list(digits.DIGITS)
    assert digits.read_fsdd(fsdd / "recordings").equals(table)  # the folder itself works too


def test_a_file_that_is_not_an_fsdd_name_is_named(fsdd):
    write_audio(fsdd / "recordings" / "seven_ann_3.wav", _tone(7, 3), SR)
    with pytest.raises(DataError, match="seven_ann_3.wav"):
        digits.read_fsdd(fsdd)


def test_a_split_missing_a_digit_says_which(fsdd):
    for take in (0, 1):
        for speaker in ("ann", "bob"):
            (fsdd / "recordings" / f"4_{speaker}_{take}.wav").unlink()
    with pytest.raises(DataError, match=r"test split has no recording of digit\(s\) 4"):
        digits.read_fsdd(fsdd)


def test_no_fsdd_folder_says_where_it_looked_and_how_to_get_it(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=r"no FSDD recordings found .*fsdd_root"):
        digits.read_fsdd(tmp_path / "empty")


def test_a_named_fsdd_path_that_does_not_exist_is_an_error_not_another_copy(tmp_path, monkeypatch):
    with pytest.raises(DataError, match=r"fsdd_root = .*nowhere.*does not exist"):
        digits.read_fsdd(tmp_path / "nowhere")
    monkeypatch.setenv("A2V_FSDD", str(tmp_path / "gone"))
    with pytest.raises(DataError, match=r"A2V_FSDD = .*gone.*does not exist"):
        digits.find_fsdd()


def test_mnist_sets_the_judges_pictures_apart_and_holds_out_100_per_digit():
    m = digits.mnist()
    assert m["images"].shape == (5000, 28, 28) and m["images"].dtype == np.uint8
    for d in digits.DIGITS:
        assert ((m["labels"] == d) & (m["split"] == "test")).sum() == digits.HELD_OUT_PER_DIGIT
        assert ((m["labels"] == d) & (m["split"] == "judge")).sum() == digits.JUDGE_PER_DIGIT
        assert ((m["labels"] == d) & (m["split"] == "train")).sum() == 500 - digits.HELD_OUT_PER_DIGIT - \
            digits.JUDGE_PER_DIGIT
    judge, _ = digits.judge_images("judge")
    assert judge.shape[0] == 10 * digits.JUDGE_PER_DIGIT
    images, labels = digits.judge_images("test")
    assert images.shape == (1000, 32, 32, 3) and len(labels) == 1000
    assert (images[:, :2] == 0).all() and (images[..., 0] == images[..., 2]).all()  # padded grey


def test_pairs_match_digits_and_test_pictures_are_held_out(fsdd, cache):
    before = _digest(fsdd)
    root, pairs = digits.write_pairs({"fsdd_root": str(fsdd), "seed": 0})
    assert len(pairs) == 80 and (pairs.sound_class == pairs.image_class).all() and pairs.is_consistent.all()
    m = digits.mnist()
    assert (m["labels"][pairs.mnist_index] == pairs.sound_class.to_numpy()).all()
    assert (m["split"][pairs.mnist_index] == pairs.split.to_numpy()).all()  # never a judge picture
    assert np.isfinite(pairs.loudness).all()  # the recording's level in dB
    assert _digest(fsdd) == before  # the source folder is only read
    assert root.parent.parent == cache
    again_root, again = digits.write_pairs({"fsdd_root": str(fsdd), "seed": 0})
    assert again_root == root and again.equals(pairs)
    _, other = digits.write_pairs({"fsdd_root": str(fsdd), "seed": 1})
    assert not np.array_equal(other.mnist_index, pairs.mnist_index)  # the pairing is random per seed


def test_catalog_opens_digit_pairs_by_the_dataset_parameter(fsdd, cache):
    params = {"dataset": "digits", "fsdd_root": str(fsdd), "seed": 0}
    root, manifest = catalog.dataset(params)
    assert catalog.sample_rate(root) == SR
    table = catalog.summary(manifest)
    assert list(table.index) == [*digits.DIGITS, "total"] and table.loc["total", "train"] == 40
    assert catalog.showcase_split(manifest) == "train"
    picked = catalog.pick(manifest, None, 2, 0)
    assert list(dict.fromkeys(picked.sound_class)) == list(digits.DIGITS)
    with pytest.raises(ParamsError, match="unknown dataset 'mnist'"):
        catalog.dataset({"dataset": "mnist"})


def test_a_corrupt_recording_is_named_and_nothing_half_written(fsdd, cache):
    (fsdd / "recordings" / "3_ann_5.wav").write_bytes(b"RIFF\x00\x00garbage")
    with pytest.raises(DataError, match="3_ann_5.wav"):
        digits.write_pairs({"fsdd_root": str(fsdd), "seed": 0})
    assert not any(p.name == "manifest.csv" for p in cache.rglob("*"))


def test_a_recording_gone_after_pairing_is_named(fsdd, cache):
    root, _ = digits.write_pairs({"fsdd_root": str(fsdd), "seed": 0})
    moved = fsdd / "recordings" / "2_bob_6.wav"
    moved.rename(fsdd / "elsewhere.wav")
    with pytest.raises(DataError, match="restore the FSDD folder"):
        digits.load_pairs(root)


def test_classification_clips_have_one_length(fsdd):
    waves, labels, info = digits.classification_clips(fsdd, n_per_class=3, seconds=0.5, seed=0)
    assert len(waves) == 30 and {len(w) for w in waves} == {int(0.5 * SR)}
    assert labels[:3] == ["0"] * 3 and info["classes"] == list(digits.DIGITS) and info["sample_rate"] == SR


REAL = shared_data_dir() / "fsdd"


@pytest.mark.skipif(not (REAL / "recordings").is_dir(), reason=f"the real FSDD is not at {REAL} (set A2V_DATA)")
def test_the_real_fsdd_has_its_official_split():
    table = digits.read_fsdd(REAL)
    assert len(table) == 3000 and (table.split == "test").sum() == 300
    assert table.speaker.nunique() == 6


def test_the_fsdd_command_reports_what_it_found(fsdd, capsys):
    from a2vlib.cli import main

    assert main(["fsdd", "--dest", str(fsdd)]) == 0
    assert "80 recordings, 2 speakers, 40 train / 40 test" in capsys.readouterr().out
    assert main(["fsdd", "--dest", str(fsdd / "missing")]) != 0
    assert "does not exist" in capsys.readouterr().err


def test_s2i_data_and_judge_on_digit_pairs(fsdd, cache):
    """04's data and judges with dataset: digits: every pair kept, MNIST as the reference, one digit judge
    measured on the 1,000 held-out pictures."""
    from a2vlib.studies.wan2019 import data as scene, models

    params = {"dataset": "digits", "fsdd_root": str(fsdd), "seed": 0}
    data = scene.scene_data(params, "fbank", 32, "mean")
    assert data.classes == list(digits.DIGITS) and not data.object_judge
    assert len(data.train_labels) == 40 and len(data.test_labels) == 40 and data.cond_dim == 64
    assert data.reference_images.shape == (2000, 32, 32, 3) and data.judge_test()[0].shape == (1000, 32, 32, 3)
    judges = models.judges(data, epochs=1, width=8)
    assert judges.object is None and judges.scene_name == "digit judge"
    table = models.judge_accuracy(judges, data)
    assert list(table.index) == ["digit judge"] and table.loc["digit judge", "held-out real pictures"] == 1000
    assert 0.1 < table.loc["digit judge", "accuracy"] <= 1.0  # one epoch of a narrow net already reads digits
    assert 0.0 <= table.loc["digit judge", "accuracy, blurred and noised"] <= 1.0


def test_linear_readout_of_the_class_from_the_condition(fsdd, cache):
    """02's diagnostic on real digit pairs: fbank and MFCC vectors of spoken digits name the digit well above the
    largest class's share (a read-out that cannot learn would sit near it)."""
    from a2vlib.studies.wan2019 import feature_study

    params = {"dataset": "digits", "fsdd_root": str(fsdd), "seed": 0}
    table = feature_study.linear_readout(params, ["fbank", "mfcc"], 32, "mean")
    assert list(table.index) == ["fbank", "mfcc"] and (table["test pairs"] == 40).all()
    assert (table["largest class share"] == 0.1).all()
    assert (table["read-out accuracy"] > 0.3).all() and (table["95 % low"] <= table["read-out accuracy"]).all()
