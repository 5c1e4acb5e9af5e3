"""Liu et al.'s room: Table 7's rows as deltas, the data segments, synchronisation, retrieval and the tables."""
from __future__ import annotations

import dataclasses
import tempfile

import numpy as np
import pytest
import torch

from a2vlib.core.errors import ParamsError
from a2vlib.studies.liu_v2ra.networks import V2RAConfig
from a2vlib.papers import liu_v2ra
from a2vlib.studies.liu_v2ra import data as D, experiment as E, onsets as O, tables as T

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
    crops = tiny.crop_segments("wood")  # "+ random crop": a fresh crop of the pool at every use, training only
    assert len(crops) == 6 and crops.crops.shape == (D.CROPS, 6, 1, 16000)
    torch.manual_seed(0)
    first = [crops[0][1] for _ in range(20)]
    assert np.array_equal(crops[0][0], x[0]) and len({float(c.sum()) for c in first}) > 1  # redrawn
    assert not any(np.array_equal(c, v[0]) for c in first)
    torch.manual_seed(0)
    assert all(np.array_equal(a, crops[0][1]) for a in first[:1])  # the trainer's seed decides the draws
    with pytest.raises(ParamsError, match="category 'bird'"):
        tiny.segments("bird", "train")


def test_train_evaluate_and_tables(tiny):
    models = T.train_all(tiny, ["wood"], SIZES)
    results = T.evaluate_all(models, tiny)
    r = results["wood"]
    assert r["generated_clips"].shape == r["truth_clips"].shape == (1, 32000)  # one test clip of 2 s, scored whole
    assert np.array_equal(r["truth_clips"][0], tiny.segments("wood", "test")[0][:, 0].reshape(-1).numpy())
    # the kit's join: segments every half second cross-faded; side by side they are the 1-s segments of the clip
    model = models["wood"]
    assert np.array_equal(r["generated_clips"], E.generate_clips(model, tiny.clip_conditions("wood", "test"),
                                                                 16000, "overlap_add"))
    side = E.generate_clips(model, tiny.clip_conditions("wood", "test"), 16000, "concat")
    assert np.array_equal(side[0], E.generate(model, tiny.segments("wood", "test")[1]).reshape(-1))
    joins = T.join_comparison(models, tiny)
    assert list(joins.index) == ["overlap_add", "concat"] and (joins.events == joins.events.iloc[0]).all()
    assert set(T.join_metrics(joins)) == {f"sync_join.{j}.{k}" for j in joins.index
                                          for k in ("f", "precision", "recall", "onsets_at_joins")}
    assert set(E.METRICS) <= set(r) and r["osg"] >= 0 and len(r["osg_per_clip"]) == 1
    # the kit's ground-truth row: the clean track against the truth (they differ by the background only)
    assert set(E.METRICS) <= set(r["ground_truth"]) and np.isfinite(r["ground_truth"]["osg"])
    assert list(r["onsets"].columns) == ["category", "clip", "gen_events", "gen_detected", "gen_matched",
                                         "gen_seconds", "real_detected", "real_matched"]
    metrics = T.table8_metrics(models, results, tiny, "spectral_gate", 0.2)
    assert set(metrics) == {f"table8.wood.{s}.{k}" for s in ("original", "denoised", "peakmatched", "ground_truth")
                            for k in ("odg", "osg", "odg_scored", "odg_saturated_share")}
    frame = T.table8_frame({"wood": {s: {k: metrics[f"table8.wood.{s}.{k}"] for k in ("odg", "osg")}
                                     for s in ("original", "denoised", "peakmatched", "ground_truth")}})
    assert "Liu original osg" in frame and not any(c.startswith("Liu") and c.endswith("odg") for c in frame)
    assert list(T.paper_odg8(["wood"]).columns) == ["Liu original odg", "Liu denoised odg", "Liu peakmatched odg"]
    t7 = E.table7({"full_system": r})
    assert "Liu odg" not in t7 and t7.index[-1].startswith("ground truth") and "Liu osg" in t7
    assert E.paper_odg().loc[("Table 7", "Full system"), "ODG"] == liu_v2ra.TABLE7["full_system"]["odg"].value
    again = T.train_all(tiny, ["wood"], SIZES)  # from the cache: the same weights
    assert np.array_equal(E.generate(again["wood"], tiny.segments("wood", "test")[1]),
                          E.generate(models["wood"], tiny.segments("wood", "test")[1]))
    sync = T.pooled_sync(results)
    m = T.sync_metrics(sync)
    assert 0 <= m["sync_onset_f_real_audio"] <= 1 and m["sync_extra_onsets_per_s"] >= 0
    assert list(T.sync_table(sync).index) == ["wood"]
    ret = E.retrieval(results, tiny.sample_rate)
    assert (ret["retrieval_n"], ret["retrieval_chance"], ret["retrieval_categories"]) == (1, 1.0, 1)
    # where synchronisation is lost: onset F measured along the training, and the envelopes the detector reads
    curves = T.onset_curves(models)
    assert list(curves.columns) == ["category", "epoch", "onset F"] and curves.epoch.iloc[0] == 1
    assert curves.epoch.iloc[-1] == SIZES["epochs"] and curves["onset F"].between(0, 1).all()
    real, gen, events, titles, frame_s = T.envelope_rows(results, tiny, "wood")
    assert len(real) == len(gen) == len(events) == len(titles) == 1 and len(real[0]) == len(gen[0])
    assert abs(len(real[0]) * frame_s - 2.0) < 0.05 and np.all(events[0] < 2.0)


@pytest.mark.parametrize("seconds", [1, 2, 3])
def test_joins_weigh_each_sample_to_one_and_give_back_what_the_segments_hold(seconds):
    sr = 100
    length = seconds * sr
    for join, hop in (("concat", sr), ("overlap_add", sr // 2)):
        starts = list(range(0, length - sr + 1, hop))
        w = E.join_weights(sr, starts, length, join)
        total = np.zeros(length)
        for k, s in enumerate(starts):
            total[s:s + sr] += w[k]
        assert np.allclose(total, 1.0), join
    if seconds > 1:  # cross-faded: every weight changes smoothly, so a segment never starts or stops at full weight
        w = E.join_weights(sr, starts, length, "overlap_add")
        assert w[1, 0] < 0.01 and w[0, -1] < 0.01 and np.abs(np.diff(w, axis=1)).max() < 0.05
    # a generator that hands back its condition: either join gives back the clip's condition exactly
    g = torch.nn.Conv1d(1, 1, 1, bias=False)
    torch.nn.init.ones_(g.weight)
    cond = np.random.default_rng(0).normal(size=(2, length)).astype(np.float32)
    for join in ("concat", "overlap_add"):
        assert np.allclose(E.generate_clips({"generator": g}, cond, sr, join), cond, atol=1e-6), join
    with pytest.raises(ParamsError, match="join 'x'"):
        E.join_weights(sr, [0], sr, "x")
    with pytest.raises(ParamsError, match="v2ra_join 'x'"):
        V2RAConfig(segment=16000, join="x")


def test_the_onset_monitor_changes_no_weight(tiny, monkeypatch):
    models = T.train_all(tiny, ["dog"], SIZES)
    monkeypatch.setattr(E, "_onset_monitor", lambda *a, **k: (lambda trainer, epoch, metrics: None))
    monkeypatch.setattr(E, "MONITOR_POINTS", 8)
    with tempfile.TemporaryDirectory() as cache:
        monkeypatch.setenv("A2V_CACHE", cache)
        plain = E.train(tiny, "dog", "full_system", SIZES)
    assert all("onset_f" not in h for h in plain["history"]) and any("onset_f" in h for h in models["dog"]["history"])
    for a, b in zip(plain["generator"].state_dict().values(), models["dog"]["generator"].state_dict().values()):
        assert torch.equal(a, b)


def test_scores_count_saturated_clips():
    rng = np.random.default_rng(0)
    t = (0.3 * np.sin(2 * np.pi * 440 * np.arange(32000) / 16000)).astype(np.float32)
    other = (0.3 * rng.standard_normal(32000)).astype(np.float32)  # another sound: PEAQ at its floor
    s = E._scores(np.stack([t, t]), np.stack([t, other]), 16000)
    assert s["odg_scored"] == 2 and s["odg_saturated_share"] == 0.5


def test_onsets_match_one_to_one_within_the_tolerance():
    ev = np.array([0.2, 0.6, 0.9])
    assert O.match_onsets(np.array([0.21, 0.61, 0.62, 0.95]), ev, 1 / 30) == 2  # 0.95 is 50 ms late: no match
    assert O.match_onsets(np.array([0.19, 0.2, 0.21]), np.array([0.2]), 1 / 30) == 1  # a burst matches once
    assert O.match_onsets(np.array([]), ev, 0.1) == 0
    # greedy in time order finds the largest matching: 0.1 could take either event, 0.2 only the second
    assert O.match_onsets(np.array([0.1, 0.2]), np.array([0.05, 0.15]), 0.06) == 2
    s = O.onset_scores(2, 4, 3)
    assert (s["precision"], s["recall"]) == (0.5, 2 / 3) and abs(s["f"] - 4 / 7) < 1e-12
    assert np.isnan(O.onset_scores(0, 0, 0)["f"])


def test_sync_errors_on_known_onsets():
    sr = 16000
    y = np.zeros(sr, np.float32)
    for at in (0.2, 0.6):
        i = int(at * sr)
        y[i:i + 800] = np.exp(-np.arange(800) / 100) * np.sin(np.arange(800))
    errors, total, clip = E.sync_errors(np.stack([np.zeros_like(y), y]), [np.array([0.5]), np.array([0.2, 0.6, 0.9])],
                                        sr)
    assert total == 4 and len(errors) == 2 and np.all(errors < 35)  # the 0.9 s event has no sound, nor clip 0
    assert clip.tolist() == [1, 1]
    table = E.onset_table(np.stack([np.zeros_like(y), y]), [np.array([0.5]), np.array([0.2, 0.6, 0.9])], sr, 1 / 30)
    assert table.events.tolist() == [1, 3] and table.matched.tolist() == [0, 2] and table.seconds.tolist() == [1, 1]


def _onsets(per_clip: list[tuple[int, int, int]]) -> "pd.DataFrame":
    import pandas as pd

    table = pd.DataFrame([{"category": "wood", "clip": k, "gen_events": e, "gen_detected": d, "gen_matched": m,
                           "gen_seconds": 2.0, "real_detected": e, "real_matched": e}
                          for k, (e, d, m) in enumerate(per_clip)])
    table.attrs = {"errors_ms": np.array([3.0, 4.0]), "errors_real_ms": np.array([1.0, 2.0])}  # as pooled_sync
    return table


def test_sync_finding_uses_f_with_its_spread_over_clips():
    """Extra onsets cost the F-measure: a generator that bursts passes recall, not F. Fewer than 3 clips give no
    spread and so no verdict; many clips that agree give one."""
    rows, retrieval = {}, {"retrieval_hits": 5, "retrieval_n": 10, "retrieval_chance": 0.5}
    burst = E.findings(_onsets([(3, 30, 3)] * 8), rows, retrieval, 33.3)[0]
    assert burst.status == "does not hold" and "these models" in burst.claim  # recall 1, F 0.18
    good = E.findings(_onsets([(3, 3, 3), (2, 2, 2), (3, 4, 3)] * 3), rows, retrieval, 33.3)[0]
    assert good.status == "holds" and "bootstrap over 9 test clips" in good.evidence
    two = E.findings(_onsets([(20, 20, 20), (20, 20, 20)]), rows, retrieval, 33.3)[0]
    assert two.status == "inconclusive"


def test_retrieval_is_by_the_generated_audio():
    """A generator that returns the truth retrieves every clip's own category; one that returns another category's
    sound retrieves none."""
    sr, rng = 16000, np.random.default_rng(1)
    t = np.arange(sr) / sr
    tone = {c: np.stack([0.3 * np.sin(2 * np.pi * f0 * (1 + 0.01 * k) * t) + 0.01 * rng.standard_normal(sr)
                         for k in range(3)]).astype(np.float32) for c, f0 in (("wood", 300), ("dog", 2000))}
    right = {c: {"truth_clips": tone[c], "generated_clips": tone[c]} for c in tone}
    wrong = {c: {"truth_clips": tone[c], "generated_clips": tone[o]} for c, o in (("wood", "dog"), ("dog", "wood"))}
    assert E.retrieval(right, sr)["retrieval_hits"] == 6 and E.retrieval(wrong, sr)["retrieval_hits"] == 0
    assert E.retrieval(right, sr)["retrieval_chance"] == 0.5


def test_speed():
    s = E.speed(model_size=2, sample_rate=16000, batches=(1, 2), reps=1)
    assert list(s["batch"]) == [1, 2] and (s["seconds per audio second"] > 0).all()


def test_peak_match_references_out_of_family_by_default(tiny):
    from a2vlib.studies.liu_v2ra.optimisation import _peaks

    ref = tiny.peak_reference("wood")
    assert abs(np.abs(ref).max() - 0.9) < 1e-6 and len(_peaks(ref, 1600)[0]) == 4  # four wood-block hits
    assert len(ref) != len(tiny.clean_reference("wood"))  # not a clip of the synthesiser
    assert np.array_equal(tiny.peak_reference("wood", "in_family"), tiny.clean_reference("wood"))
    with pytest.raises(ParamsError, match="peak_reference_bank 'x'"):
        tiny.peak_reference("wood", "x")


def test_peak_match_reference_from_a_folder(tiny, tmp_path):
    import soundfile as sf

    from a2vlib.core.errors import DataError

    sf.write(tmp_path / "my_dog_bark.wav", (0.5 * np.sin(np.arange(8000) / 5)).astype(np.float32), 16000)
    sf.write(tmp_path / "a_click.wav", np.full(8000, 0.25, np.float32), 16000)  # first in name order
    assert np.allclose(tiny.peak_reference("dog", folder=str(tmp_path)).max(), 0.5, atol=0.01)
    assert np.allclose(tiny.clean_reference("wood", str(tmp_path)), 0.25, atol=1e-3)  # no file named wood: the first
    with pytest.raises(DataError, match="reference folder not found"):
        tiny.clean_reference("dog", str(tmp_path / "nope"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no audio files"):
        tiny.clean_reference("dog", str(tmp_path / "empty"))


def test_frame_encoder_falls_back_with_a_warning(monkeypatch):
    from a2vlib.core.errors import WeightsError
    from a2vlib.studies.liu_v2ra import video_encoding as V

    def missing(frames, device="cpu"):
        raise WeightsError("no weights on disk")

    monkeypatch.setitem(V.FRAME_ENCODERS, "vgg19", missing)
    params = {"seed": 0, "clips_per_category": 4, "clip_seconds": 1.0, "audio_rate": 16000, "frame_size": 64,
              "noise_db": -30.0, "categories": ["wood"], "frame_encoder": "vgg19", "frame_encoder_fallback": "pixels"}
    with pytest.warns(UserWarning, match="using frame_encoder_fallback 'pixels'"):
        data = D.v2ra_data(params)
    assert data.encoder == "pixels" and data.key["encoder"] == "pixels"
    with pytest.raises(WeightsError):
        D.v2ra_data({**params, "frame_encoder_fallback": ""})


def test_random_crop_row_trains_on_redrawn_crops_and_repeats(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("A2V_CACHE", str(tmp_path))
    a = E.train(tiny, "wood", "random_crop", SIZES)
    monkeypatch.setenv("A2V_CACHE", str(tmp_path / "again"))
    b = E.train(tiny, "wood", "random_crop", SIZES)
    v = tiny.segments("wood", "test")[1]
    assert np.array_equal(E.generate(a, v), E.generate(b, v))  # the crops drawn from the trainer's seeded stream
    assert not np.array_equal(E.generate(a, v), E.generate(E.train(tiny, "wood", "full_system", SIZES), v))


def _write_clip(path, clicks_s, seconds=2.0, fps=30, sr=16000, width=96):
    from a2vlib.data.video_io import write_video

    frames = np.zeros((int(seconds * fps), 64, width, 3), np.uint8)
    frames[:, :, : width // 2] = (200, 40, 40)  # the left half red: a whole-frame resize keeps it, a crop would not
    audio = (0.001 * np.random.default_rng(0).standard_normal(int(seconds * sr))).astype(np.float32)
    for t in clicks_s:
        i = int(t * sr)
        audio[i:i + 800] += 0.8 * np.exp(-np.arange(800) / 80) * np.sin(np.arange(800) * 0.9)
    write_video(path, frames, fps, audio, sr)


def test_real_video_folder_reads_through_the_video_reader(tmp_path):
    from a2vlib.core.errors import DataError

    for cat, n in (("wood", 3), ("dog", 2)):
        (tmp_path / cat).mkdir()
        for k in range(n):
            _write_clip(tmp_path / cat / f"{cat}{k}.mp4", [0.5, 1.3])
    _write_clip(tmp_path / "wood" / "z_short.mp4", [0.3], seconds=1.0)  # shorter than a clip: skipped, named
    params = {"seed": 0, "clips_per_category": 4, "clip_seconds": 2.0, "audio_rate": 16000, "frame_size": 64,
              "noise_db": -30.0, "categories": ["wood", "dog"], "frame_encoder": "pixels", "video_root": str(tmp_path)}
    with pytest.warns(UserWarning, match="z_short.mp4"):
        data = D.v2ra_data(params)
    assert data.clips.clean_audio is None and len(data.clips) == 5
    assert data.clip_indices("wood", "test").size == 1 and data.clip_indices("dog", "train").size == 1
    x, v = data.segments("wood", "train")
    assert x.shape == v.shape == (4, 1, 16000)
    left = data.clips.frames[0][0, :, :20, 0]
    assert left.min() > 150  # the frame was resized whole: its red left half is still on the left
    for ev in data.clips.events:  # the events of a real video are the onsets of its own sound (both clicks found;
        # the AAC encoder's start may add one in the first 0.1 s)
        assert all(np.abs(ev - t).min() < 0.03 for t in (0.5, 1.3)) and len(ev[ev > 0.1]) == 2
    assert data.key["clips"]["video_root"] == str(tmp_path.resolve()) and len(data.key["clips"]["files"]) == 16
    with pytest.raises(DataError, match="video_root .*folder not found"):
        D.v2ra_data({**params, "video_root": str(tmp_path / "nope")})
    with pytest.raises(DataError, match="bird: 0 video file"):
        D.v2ra_data({**params, "categories": ["bird"]})
