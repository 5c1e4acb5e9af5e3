"""The V2RA stand-in (a2vlib.studies.liu_v2ra.clips.impacts): clips are deterministic, sound and picture agree on every event, the
categories sound as described, the noise floor is where noise_db puts it, and the split is by clip."""
import numpy as np
import pytest
from scipy import signal

from a2vlib.core.errors import ParamsError
from a2vlib.studies.liu_v2ra.clips import impacts
from a2vlib.studies.liu_v2ra.clips.scenes import opening, stick_tip_row

FAST = impacts.ImpactConfig(seed=3, clips_per_category=4, sample_rate=16000, size=48)


def _clips(category, n=4, **kw):
    cfg = impacts.ImpactConfig(**{**dict(seed=3, clips_per_category=4, sample_rate=16000, size=48), **kw})
    return [impacts.clip_at(cfg, category, i) for i in range(n)]


@pytest.mark.parametrize("field,value", [("fps", 0), ("seconds", 0.2), ("sample_rate", 100), ("size", 8),
                                         ("noise_db", "loud"), ("test_share", 1.5), ("clips_per_category", 1),
                                         ("seed", -1), ("categories", ("wood", "cat")), ("categories", ())])
def test_config_errors_name_the_field(field, value):
    with pytest.raises(ParamsError, match=rf"ImpactConfig\.{field}="):
        impacts.ImpactConfig(**{field: value})


def test_test_share_leaving_no_training_clip_is_refused():
    with pytest.raises(ParamsError, match=r"ImpactConfig\.test_share=.*no clip to train"):
        impacts.ImpactConfig(clips_per_category=2, test_share=0.9)


def test_unknown_category_lists_the_known_ones():
    with pytest.raises(ParamsError, match="wood.*fireworks.*bird"):
        impacts.render_clip("cat", np.random.default_rng(0), FAST)
    with pytest.raises(ParamsError, match="'cat'"):
        impacts.clip_at(FAST, "cat", 0)


def test_clips_are_deterministic_and_independent_of_the_category_list():
    a, b = impacts.clip_at(FAST, "dog", 1), impacts.clip_at(FAST, "dog", 1)
    assert np.array_equal(a.frames, b.frames) and np.array_equal(a.audio, b.audio)
    assert np.array_equal(a.events, b.events)
    c = impacts.clip_at(FAST, "dog", 2)
    assert not np.array_equal(a.audio, c.audio)
    only = impacts.generate(impacts.ImpactConfig(seed=3, clips_per_category=2, sample_rate=16000, size=48,
                                                 categories=("dog",)))
    assert np.array_equal(only.audio[1], a.audio) and np.array_equal(only.frames[1], a.frames)


@pytest.mark.parametrize("category", impacts.CATEGORIES)
def test_shapes_levels_and_event_frames(category):
    c = impacts.clip_at(FAST, category, 0)
    assert c.frames.shape == (60, 48, 48, 3) and c.frames.dtype == np.uint8
    assert c.audio.shape == c.clean_audio.shape == (32000,) and c.audio.dtype == np.float32
    assert 0.05 < np.abs(c.audio).max() <= 0.95
    assert 1 <= len(c.events) <= (3 if category == "bird" else 4) and np.all(np.diff(c.events) > 0.3)
    assert np.all(c.events >= 0.2) and np.all(c.events < 2.0)
    assert np.array_equal(c.event_frames, np.round(c.events * 30).astype(int))
    assert c.category == category and c.fps == 30 and c.sample_rate == 16000
    # the clip opens with background only: nothing sounds before the first event
    assert np.abs(c.clean_audio[: int((c.events[0] - 0.002) * 16000)]).max() < 1e-6


def _envelope(y, sr, win_s=0.002):
    w = max(1, int(win_s * sr))
    return np.sqrt(np.convolve(y.astype(float) ** 2, np.ones(w) / w, mode="same"))


@pytest.mark.parametrize("material", impacts.MATERIALS)
def test_impact_sounds_start_at_the_events(material):
    for c in _clips(material, sample_rate=44100):
        sr, env = c.sample_rate, _envelope(c.clean_audio, c.sample_rate)
        for t in c.events:
            i = int(round(t * sr))
            window = env[i: i + int(0.1 * sr)]
            assert window.argmax() / sr <= 0.02, (material, t)  # the envelope peaks within 20 ms of the onset
            before = env[i - int(0.015 * sr): i - int(0.003 * sr)].max()
            assert before < 0.5 * window.max()  # and rises out of the last strike's ringing


@pytest.mark.parametrize("material", impacts.MATERIALS)
def test_stick_touches_the_surface_exactly_at_event_frames(material):
    for c in _clips(material, n=5):
        rows = stick_tip_row(c.frames) - c.info["surface_row"]
        at = np.zeros(len(rows), bool)
        at[c.event_frames] = True
        assert not np.isnan(rows).any()
        assert np.all(rows[at] >= 0), rows  # touching (the bead sinks into the top edge)
        assert np.all(rows[~at] <= -2), rows  # clear of it on every other frame
        # the wind-up before a faster strike is higher: measured 3 frames before contact
        wind = rows[c.event_frames - 3]
        for j in range(len(wind)):
            for k in range(len(wind)):
                if c.strengths[j] > c.strengths[k] + 0.25:
                    assert wind[j] < wind[k]


@pytest.mark.parametrize("category", ["dog", "bird"])
def test_mouth_and_beak_open_at_event_frames(category):
    for c in _clips(category, n=4, size=64):
        seen, truth = opening(c.frames), c.info["openness"]
        assert np.all(seen[c.event_frames] >= 5), seen[c.event_frames]
        assert seen[0] <= 3 and seen[truth == 0].max() <= 3  # shut between barks / chirps
        assert seen[c.event_frames].min() > 2 * max(seen[truth == 0].max(), 1)


def test_beak_is_open_whenever_a_chirp_sounds():
    for c in _clips("bird", n=3, size=64):
        open_frames = set(np.flatnonzero(opening(c.frames) >= 3).tolist())
        for phrase in c.info["parts"]:
            for a, b in phrase:
                assert set(range(int(round(a * 30)), int(round(b * 30)) + 1)) <= open_frames


def test_birds_chirp_between_2_5_and_7_khz():
    for c in _clips("bird", n=4, sample_rate=44100):
        f, p = signal.welch(c.clean_audio, 44100, nperseg=2048)
        band = p[(f >= 2400) & (f <= 7400)].sum() / p.sum()
        assert band > 0.9, band
        for phrase in c.info["parts"]:  # every chirp sounds where it says
            for a, b in phrase:
                seg = c.clean_audio[int(a * 44100): int(b * 44100)]
                assert np.sqrt(np.mean(seg ** 2)) > 0.02


def test_barks_and_bangs_start_at_their_onsets():
    for cat in ("dog", "fireworks"):
        for c in _clips(cat):
            sr = c.sample_rate
            hp = signal.sosfilt(signal.butter(4, 300 / (sr / 2), "high", output="sos"), c.clean_audio)
            for t in c.events:
                i = int(round(t * sr))
                after = np.sqrt(np.mean(hp[i: i + int(0.03 * sr)] ** 2))
                before = np.sqrt(np.mean(hp[i - int(0.03 * sr): i - int(0.002 * sr)] ** 2))
                assert after > (10 if cat == "dog" else 4) * before, (cat, t)  # a bang may land in crackle
    for c in _clips("dog"):
        assert all(0.15 <= b - a <= 0.4 for (a, b), in c.info["parts"])


def test_firework_flash_is_seen_at_the_event_frame():
    for c in _clips("fireworks"):
        light = c.frames.astype(float).mean(axis=(1, 2, 3))
        jump = np.diff(light, prepend=light[0])
        at = np.zeros(len(light), bool)
        at[c.event_frames] = True
        assert jump[at].min() > 3 * max(jump[~at].max(), 0.5)


def _floor_db(c):
    """Background noise between events (before the first one) relative to the events' level, in dB."""
    pre = c.audio[: int((c.events[0] - 0.005) * c.sample_rate)]
    level = impacts.event_level(c.clean_audio, c.events, c.sample_rate)
    return 20 * np.log10(np.sqrt(np.mean(pre.astype(float) ** 2)) / level)


@pytest.mark.parametrize("category", ["wood", "dog", "bird"])
def test_noise_db_sets_the_noise_floor(category):
    floors = {}
    for db in (-20.0, -40.0):
        c = _clips(category, n=3, noise_db=db)
        for x in c:  # over the whole clip the noise is exactly where noise_db puts it
            level = impacts.event_level(x.clean_audio, x.events, x.sample_rate)
            noise = (x.audio - x.clean_audio).astype(float)
            assert 20 * np.log10(np.sqrt(np.mean(noise ** 2)) / level) == pytest.approx(db, abs=0.1)
        floors[db] = np.array([_floor_db(x) for x in c])
        assert np.all(np.abs(floors[db] - db) < 4), floors[db]  # and so, roughly, between events
    assert np.allclose(floors[-20.0] - floors[-40.0], 20, atol=0.2)
    quiet = _clips(category, n=1, noise_db=None)[0]
    assert np.array_equal(quiet.audio, quiet.clean_audio)


def _centroid_and_decay(c):
    sr, y = c.sample_rate, c.clean_audio.astype(float)
    f, p = signal.welch(y, sr, nperseg=1024)
    env = _envelope(y, sr, 0.005)
    decays = []
    for t in c.events:
        seg = env[int(t * sr): int((t + 0.3) * sr)]
        k = seg.argmax()
        decays.append((k + np.argmax(seg[k:] < seg[k] * 0.1)) / sr)  # -20 dB
    return (f * p).sum() / p.sum(), np.median(decays)


def test_materials_differ_in_brightness_and_decay():
    stats = {m: np.median([_centroid_and_decay(c) for c in _clips(m, n=6, noise_db=None)], axis=0)
             for m in ("cloth", "wood", "plastic")}
    assert stats["cloth"][0] < stats["wood"][0] < stats["plastic"][0]  # spectral centroid
    assert stats["cloth"][1] < stats["wood"][1] < stats["plastic"][1]  # time to fall 20 dB
    gravel = np.median([_centroid_and_decay(c)[0] for c in _clips("gravel", noise_db=None)])
    assert gravel > stats["wood"][0]  # pebble clicks are high


def test_generate_splits_by_clip_75_25():
    cfg = impacts.ImpactConfig(seed=1, clips_per_category=8, sample_rate=16000, size=32, seconds=1.0,
                               categories=("wood", "bird"))
    data = impacts.generate(cfg)
    assert len(data) == 16 and data.frames.shape == (16, 30, 32, 32, 3) and data.audio.shape == (16, 16000)
    assert data.clean_audio.shape == data.audio.shape and len(data.events) == len(data.event_frames) == 16
    for cat in ("wood", "bird"):
        assert len(data.indices("test", cat)) == 2 and len(data.indices("train", cat)) == 6
    assert len(set(data.names)) == 16
    sub = data.subset(data.indices("test"))
    assert set(sub.split.tolist()) == {"test"} and len(sub) == 4
    again = impacts.generate(cfg)
    assert np.array_equal(again.split, data.split) and np.array_equal(again.audio, data.audio)
    other = impacts.generate(impacts.ImpactConfig(**{**cfg.__dict__, "seed": 2}))
    assert not np.array_equal(other.audio, data.audio)
