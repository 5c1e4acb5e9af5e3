"""Rendered performances cut into Sub-URMP-style chunks with posed pictures; the InstrumentPairs structure."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from a2vlib.core.errors import DataError, ParamsError
from a2vlib.studies.chen2017.urmp import performances as P
from a2vlib.studies.chen2017.urmp.pairs import InstrumentPairs
from a2vlib.studies.chen2017.urmp.instruments import INSTRUMENTS, PITCH_RANGES
from a2vlib.studies.chen2017.urmp.musicians import hand_position

SMALL = P.PerformanceConfig(seed=1, performances=2, test_performances=1, seconds=0.8, sample_rate=16000,
                            image_size=32, soundfont="TimGM6mb")


@pytest.fixture(scope="module")
def pairs():
    return P.generate(SMALL)


def test_chunks_windows_and_split(pairs):
    per = SMALL.chunks_per_performance
    assert per == 4  # 0.8 s, 0.5 s windows every 0.1 s: starts at 0, .1, .2, .3
    assert len(pairs) == len(INSTRUMENTS) * 2 * per
    assert pairs.waveforms.shape == (len(pairs), 8000) and pairs.waveforms.dtype == np.float32
    assert pairs.images.shape == (len(pairs), 32, 32, 3)
    # one performance per instrument in each split, never the same one in both
    train, test = (set(np.asarray(pairs.performances)[pairs.split == s]) for s in ("train", "test"))
    assert len(train) == len(test) == len(INSTRUMENTS) and not train & test
    # consecutive chunks of a performance overlap: chunk 1 starts 0.1 s (1,600 samples) into chunk 0
    assert np.array_equal(pairs.waveforms[0][1600:], pairs.waveforms[1][:-1600])
    counts = pairs.counts()
    assert counts.loc["train"].tolist() == [per] * len(INSTRUMENTS)
    assert pairs.info["soundfont"] == "TimGM6mb" and pairs.info["viola_shares_violin_samples"]


def test_deterministic(pairs):
    again = P.generate(SMALL)
    assert np.array_equal(again.waveforms, pairs.waveforms) and np.array_equal(again.images, pairs.images)
    other = P.generate(P.PerformanceConfig(**{**SMALL.__dict__, "seed": 2}))
    assert not np.array_equal(other.waveforms, pairs.waveforms)


def test_notes_and_hands_follow_the_score(pairs):
    for inst in INSTRUMENTS:
        idx = np.flatnonzero(np.asarray(pairs.labels) == inst)
        lo, hi = PITCH_RANGES[inst]
        notes, hands = pairs.notes[idx], pairs.hand[idx]
        assert np.all((notes >= lo) & (notes <= hi))
        assert np.allclose(hands, (notes - lo) / (hi - lo))


def test_hand_in_the_pictures_tracks_the_note():
    cfg = P.PerformanceConfig(seed=3, performances=2, seconds=4.0, sample_rate=8000, image_size=32,
                              soundfont="TimGM6mb")
    pairs = P.generate(cfg)
    for inst in ("cello", "trombone", "flute"):
        idx = pairs.indices("train", inst)
        if np.ptp(pairs.hand[idx]) == 0:
            continue
        rho = spearmanr(pairs.hand[idx], hand_position(pairs.images[idx], inst))[0]
        assert abs(rho) > 0.8, (inst, rho)


def test_compose_fills_the_time_with_steps_inside_the_range():
    rng = np.random.default_rng(0)
    keys = tuple(range(40, 60))
    notes = P.compose(rng, keys, 3.0)
    onsets = [n[0] for n in notes]
    assert onsets[0] == 0.0 and onsets == sorted(onsets) and onsets[-1] < 3.0 <= onsets[-1] + 0.7
    assert all(n[1] in keys and 1 <= n[2] <= 127 and 0 < n[3] < 0.7 for n in notes)


def test_pose_at_alternates_the_stroke():
    notes = [(0.0, 40, 80, 0.5), (0.5, 50, 80, 0.5)]
    key, pose = P.pose_at(notes, 0.0, "cello")
    assert key == 40 and pose.stroke == -1.0
    key, pose = P.pose_at(notes, 0.5, "cello")
    assert key == 50 and pose.stroke == 1.0  # the next note bows the other way
    lo, hi = PITCH_RANGES["cello"]
    assert pose.hand == pytest.approx((50 - lo) / (hi - lo))


@pytest.mark.parametrize("change,key", [({"performances": 1}, "performances"),
                                        ({"test_performances": 3}, "test_performances"),
                                        ({"seconds": 0.2}, "seconds"), ({"image_size": 8}, "image_size"),
                                        ({"sample_rate": 100}, "sample_rate")])
def test_config_errors_name_the_field(change, key):
    with pytest.raises(ParamsError, match=key):
        P.PerformanceConfig(**{**SMALL.__dict__, **change})


def test_bad_soundfont_and_instrument():
    with pytest.raises(DataError, match="soundfont file not found"):
        P.generate(P.PerformanceConfig(soundfont="/nope/font.sf2"))
    with pytest.raises(ParamsError, match="instrument 'kazoo': unknown"):
        P.render_performance("kazoo", np.random.default_rng(0), SMALL)


def test_instrument_pairs_checks_its_fields():
    w, img = np.zeros((2, 10), np.float32), np.zeros((2, 4, 4, 3), np.uint8)
    ok = InstrumentPairs(w, img, ["cello", "flute"], ["c0", "f0"], np.array(["train", "test"]), 8000)
    assert ok.classes == ["cello", "flute"] and ok.indices("test").tolist() == [1]
    assert len(ok.subset(np.array([1]))) == 1
    with pytest.raises(DataError, match="every field needs one entry per pair"):
        InstrumentPairs(w, img[:1], ["cello", "flute"], ["c0", "f0"], np.array(["train", "test"]), 8000)
    with pytest.raises(DataError, match="appear in both train and test"):
        InstrumentPairs(w, img, ["cello", "cello"], ["c0", "c0"], np.array(["train", "test"]), 8000)
    with pytest.raises(DataError, match="unknown split"):
        InstrumentPairs(w, img, ["cello", "cello"], ["c0", "c1"], np.array(["train", "val"]), 8000)
    with pytest.raises(DataError, match="uint8"):
        InstrumentPairs(w, img.astype(float), ["cello", "cello"], ["c0", "c1"], np.array(["train", "test"]), 8000)


@pytest.fixture()
def two_fonts(tmp_path, monkeypatch):
    """A second font on the machine: TimGM6mb's file under another name (the plumbing, not the acoustics)."""
    from a2vlib.data.soundfont import soundfont_path

    (tmp_path / "Other.sf2").write_bytes(soundfont_path().read_bytes())
    monkeypatch.setenv("A2V_SOUNDFONTS", str(tmp_path))
    return tmp_path / "Other.sf2"


def test_several_fonts_take_turns_over_the_performances(pairs, two_fonts):
    from a2vlib.studies.chen2017.urmp.instruments import available_soundfonts, resolve_soundfont, resolve_soundfonts

    assert dict(available_soundfonts())["Other"] == two_fonts and resolve_soundfont("Other") == ("Other", two_fonts)
    assert [n for n, _ in resolve_soundfonts("TimGM6mb, Other")] == ["TimGM6mb", "Other"]
    assert {n for n, _ in resolve_soundfonts("all")} >= {"TimGM6mb", "Other"}
    assert "Other" not in {n for n, _ in resolve_soundfonts("all except Other")}
    assert "TimGM6mb" in {n for n, _ in resolve_soundfonts("all except Other")}
    every = ", ".join(n for n, _ in available_soundfonts())
    with pytest.raises(ParamsError, match="leaves at least one font"):
        resolve_soundfonts(f"all except {every}")
    with pytest.raises(ParamsError, match="list of different fonts"):
        resolve_soundfonts("TimGM6mb,TimGM6mb")
    both = P.generate(P.PerformanceConfig(**{**SMALL.__dict__, "soundfont": "TimGM6mb,Other"}))
    assert both.info["soundfont"] == "TimGM6mb, Other" and both.info["performances_per_font"] == {
        "TimGM6mb": len(INSTRUMENTS), "Other": len(INSTRUMENTS)}  # two performances each: one from each font
    # the same file under two names renders the same sound: each performance is the one font would give
    assert np.array_equal(both.waveforms, pairs.waveforms) and np.array_equal(both.images, pairs.images)


def test_room_changes_the_sound_and_nothing_else(pairs):
    roomy = P.generate(P.PerformanceConfig(**{**SMALL.__dict__, "room": True}))
    assert np.array_equal(roomy.images, pairs.images) and np.array_equal(roomy.notes, pairs.notes)
    assert not np.array_equal(roomy.waveforms, pairs.waveforms) and np.all(np.isfinite(roomy.waveforms))
    assert np.abs(roomy.waveforms).max() <= 0.95 + 1e-6  # the level rule still holds
    again = P.generate(P.PerformanceConfig(**{**SMALL.__dict__, "room": True}))
    assert np.array_equal(again.waveforms, roomy.waveforms)
    with pytest.raises(ParamsError, match="room"):
        P.PerformanceConfig(room="yes")


def test_a_room_reverberates_and_tilts():
    rng = np.random.default_rng(0)
    click = np.zeros(16000)
    click[100] = 1.0
    out = P.vary_room(click, rng, 16000)
    assert np.abs(out[2000:]).sum() > 0  # a tail after the click
    assert len(out) == len(click)
