"""Liu et al.'s room: Table 7's rows as deltas, the data segments, synchronisation, retrieval and the tables."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from a2vlib.core.errors import ParamsError
from a2vlib.studies.liu_v2ra.networks import V2RAConfig
from a2vlib.papers import liu_v2ra
from a2vlib.studies.liu_v2ra import data as D, experiment as E, tables as T

SIZES = {"segment": 16000, "model_size": 2, "batch_size": 4, "epochs": 1}


def test_rows_are_one_change_each_and_named_as_the_paper():
    base = E.row_config("full_system", SIZES)
    assert (base.model.loss, base.model.l1_weight, base.model.adv_weight, base.model.audio_filter) == \
        ("lsgan", 100.0, 1.0, True)
    for row in E.ROWS:
        cfg = E.row_config(row, SIZES)
        changed = {f.name for f in dataclasses.fields(V2RAConfig)
                   if getattr(cfg.model, f.name) != getattr(base.model, f.name)} | ({"random_crop"} if cfg.random_crop else set())
        assert changed == set(E.ROWS[row]), row
        assert row in liu_v2ra.TABLE7
    with pytest.raises(ParamsError, match="Table 7 row 'x'"):
        E.row_config("x", SIZES)


@pytest.fixture(scope="module")
def tiny():
    params = {"seed": 0, "clips_per_category": 4, "clip_seconds": 2.0, "audio_rate": 16000, "frame_size": 64,
              "noise_db": -30.0, "categories": ["wood", "dog"], "frame_encoder": "pixels"}
    return D.v2ra_data(params, with_crop=True)


def test_segments_and_events(tiny):
    x, v = tiny.segments("wood", "train")
    assert x.shape == v.shape == (6, 1, 16000)  # 3 train clips x 2 s
    events = tiny.segment_events("wood", "train")
    assert len(events) == 6 and all(np.all((e >= 0) & (e < 1)) for e in events)
    i = tiny.clip_indices("wood", "train")[0]
    assert np.allclose(np.concatenate([events[0], events[1] + 1]), tiny.clips.events[i])
    xc, vc = tiny.segments("wood", "train", cropped=True)
    assert np.array_equal(xc, x) and not np.array_equal(vc, v)
    with pytest.raises(ParamsError, match="category 'bird'"):
        tiny.segments("bird", "train")


def test_train_evaluate_and_tables(tiny):
    models = T.train_all(tiny, ["wood"], SIZES)
    results = T.evaluate_all(models, tiny)
    r = results["wood"]
    assert r["generated"].shape == r["truth"].shape == (2, 16000)
    assert set(E.METRICS) <= set(r) and r["osg"] >= 0
    metrics = T.table8_metrics(models, results, tiny, "spectral_gate", 0.2)
    assert set(metrics) == {f"table8.wood.{s}.{k}" for s in ("original", "denoised", "peakmatched")
                            for k in ("odg", "osg", "odg_scored")}
    again = T.train_all(tiny, ["wood"], SIZES)  # from the cache: the same weights
    assert np.array_equal(E.generate(again["wood"], tiny.segments("wood", "test")[1]),
                          E.generate(models["wood"], tiny.segments("wood", "test")[1]))


def test_sync_errors_on_known_onsets():
    sr = 16000
    y = np.zeros(sr, np.float32)
    for at in (0.2, 0.6):
        i = int(at * sr)
        y[i:i + 800] = np.exp(-np.arange(800) / 100) * np.sin(np.arange(800))
    errors, total, segment = E.sync_errors(np.stack([np.zeros_like(y), y]), [np.array([0.5]), np.array([0.2, 0.6, 0.9])],
                                           sr)
    assert total == 4 and len(errors) == 2 and np.all(errors < 35)  # the 0.9 s event has no sound, nor segment 0
    assert segment.tolist() == [1, 1]


def test_sync_finding_spreads_over_clips_not_events():
    """40 events in 2 clips are 2 units: no bootstrap over fewer than 3, so no verdict; 40 events in 8 clips that
    agree give one."""
    rows, retrieval = {}, {"nn_retrieval_hits": 5, "nn_retrieval_n": 10, "nn_retrieval_chance": 0.5}
    errors = np.full(40, 10.0) + np.linspace(0, 1, 40)
    two = E.findings(errors, 40, rows, retrieval, 40.0, sync_clips=np.repeat([0, 1], 20))[0]
    eight = E.findings(errors, 40, rows, retrieval, 40.0, sync_clips=np.repeat(np.arange(8), 5))[0]
    assert two.status == "inconclusive" and "bootstrap over 2 test clips" in two.evidence
    assert eight.status == "holds" and "these models" in eight.claim


def test_retrieval_and_speed(tiny):
    r = E.retrieval(tiny)
    assert r["nn_retrieval_n"] == 4 and r["nn_retrieval_chance"] == 0.5 and 0 <= r["nn_retrieval_accuracy"] <= 1
    s = E.speed(model_size=2, sample_rate=16000, batches=(1, 2), reps=1)
    assert list(s["batch"]) == [1, 2] and (s["seconds per audio second"] > 0).all()


def test_peak_match_reference_from_a_folder(tiny, tmp_path):
    import soundfile as sf

    from a2vlib.core.errors import DataError

    sf.write(tmp_path / "my_dog_bark.wav", (0.5 * np.sin(np.arange(8000) / 5)).astype(np.float32), 16000)
    sf.write(tmp_path / "a_click.wav", np.full(8000, 0.25, np.float32), 16000)  # first in name order
    assert np.allclose(tiny.clean_reference("dog", str(tmp_path)).max(), 0.5, atol=0.01)
    assert np.allclose(tiny.clean_reference("wood", str(tmp_path)), 0.25, atol=1e-3)  # no file named wood: the first
    with pytest.raises(DataError, match="reference folder not found"):
        tiny.clean_reference("dog", str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no audio files"):
        tiny.clean_reference("dog", str(tmp_path / "empty"))
