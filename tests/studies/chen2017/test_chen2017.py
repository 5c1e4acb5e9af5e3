"""Chen et al.'s room: the variants as deltas, Table 5 and its findings, the pose measure, I2S's measures and the
inversion of LMS to sound. (The notebooks 03 and 06 run end to end under ci in test_notebooks.)"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch

from a2vlib.core.errors import ParamsError
from a2vlib.models.sound_classifier import lms
from a2vlib.papers import chen2017
from a2vlib.studies.chen2017 import data as chen, i2s, pose, s2i
from a2vlib.studies.chen2017.urmp.instruments import INSTRUMENTS


def test_variants_differ_from_s2i_c_by_their_delta_only():
    base = s2i.gan_cls_config(image_size=32, width=8, epochs=3)
    assert (base.loss, base.conditioning, base.spectral_norm, base.aux_classifier, base.batchnorm_in_d) == \
        ("bce", "concat", False, False, True)
    assert base.condition_embedding == chen2017.COMPRESSED_DIM.value == 64
    assert (base.d_steps, base.g_steps, base.mismatched_term) == (1, 1, True)
    n = s2i.gan_cls_config(image_size=32, width=8, epochs=3, mismatched_term=s2i.VARIANTS["S2I-N"]["mismatched_term"])
    changed = {f.name for f in dataclasses.fields(base) if getattr(base, f.name) != getattr(n, f.name)}
    assert changed == {"mismatched_term"}
    assert s2i.VARIANTS["S2I-A"] == {"encoder": "autoencoder", "mismatched_term": True}
    table = s2i.variant_table({"image_size": 32, "width": 8, "epochs": 3, "batch_size": 16})
    assert not table.loc["S2I-N", "wrong pairs (S_w)"] and table.loc["S2I-A", "sound encoding"] == "autoencoder"


def _runs(test_by_variant, seeds=(0, 1, 2), n=100):
    rows = []
    for v, values in test_by_variant.items():
        for seed, acc in zip(seeds, values):
            rows.append({"variant": v, "seed": seed, "train": acc + 0.05, "test": acc,
                         "train_hits": int((acc + 0.05) * n), "train_n": n, "test_hits": int(acc * n), "test_n": n})
    return pd.DataFrame(rows)


def test_table5_and_findings_over_seeds():
    runs = _runs({"S2I-C": [0.6, 0.62, 0.58], "S2I-N": [0.1, 0.12, 0.08], "S2I-A": [0.55, 0.7, 0.4]})
    table = s2i.table5(runs)
    assert table.loc["S2I-C", "test"] == pytest.approx(0.6) and table.loc["S2I-A", "Chen test"] == 0.1095
    assert "test sd" in table
    metrics = s2i.accuracy_metrics(runs)
    assert metrics["s2i_accuracy.C.test"] == pytest.approx(0.6) and metrics["s2i_accuracy.N.train"] == pytest.approx(0.15)
    found = {f.claim.split("than ")[-1].split("'s")[0]: f.status for f in s2i.findings(runs, chance=1 / 13)}
    assert found["S2I-N"] == "holds" and found["S2I-A"] == "inconclusive"  # A's spread over seeds is too wide
    chance = s2i.findings(runs, chance=1 / 13)[-1]
    assert "over seeds" in chance.claim and "n = 3" in chance.evidence  # seeds, not pooled images, are the unit
    runs["test_ema"] = runs["test"] + [0.05, 0.06, 0.04] * 3  # the kit's weight average, the same trainings
    assert s2i.table5(runs).loc["S2I-C", "test, weight average (kit)"] == pytest.approx(0.65)
    assert s2i.accuracy_metrics(runs)["s2i_accuracy.C.test_ema"] == pytest.approx(0.65)
    ema = s2i.findings(runs, chance=1 / 13)[-1]
    assert ema.basis == "kit" and ema.status == "holds" and "n = 3 pairs" in ema.evidence


def test_findings_with_one_seed_use_the_images():
    runs = _runs({"S2I-C": [0.6], "S2I-N": [0.1], "S2I-A": [0.55]}, seeds=(0,), n=300)
    found = s2i.findings(runs, chance=1 / 13)
    assert [f.status for f in found] == ["holds", "inconclusive", "holds"]
    assert all(f.basis == "kit" and "this" in f.claim for f in found)  # these models only: no verdict on the paper


def test_findings_compare_only_the_variants_that_ran():
    runs = _runs({"S2I-C": [0.6, 0.62, 0.58, 0.61, 0.59], "S2I-N": [0.2, 0.25, 0.22, 0.3, 0.24]}, seeds=range(5))
    found = s2i.findings(runs, chance=1 / 13)
    assert [f.status for f in found] == ["holds", "holds"] and "S2I-N" in found[0].claim
    assert list(s2i.table5(runs).index) == ["S2I-C", "S2I-N"]


@pytest.mark.parametrize("variants", [[], ["S2I-N", "S2I-C"], ["S2I-C", "S2I-X"]])
def test_run_variants_names_a_bad_variant_list(variants):
    with pytest.raises(ParamsError, match="S2I-C first"):
        s2i.run_variants(None, None, {}, [0], variants=variants)


def test_centred_spearman_removes_the_players_offsets():
    truth = np.tile(np.linspace(0, 1, 6), 2)
    groups = np.repeat(["a", "b"], 6)
    measured = truth * 0.1 + np.where(groups == "a", 0.0, 5.0)[::-1]  # a big offset per player, small slope
    rho, n = pose._centred_spearman(truth, measured, groups)
    assert rho == pytest.approx(1.0, abs=0.02) and n == 12  # (ties across the two players: not exactly 1)
    measured[0] = np.nan
    assert pose._centred_spearman(truth, measured, groups)[1] == 11
    assert np.isnan(pose._centred_spearman(truth, np.full(12, np.nan), groups)[0])


def test_pose_findings_need_rho_beyond_its_error():
    others = {"rho_s2i_c": 0.1, "rho_generated_s2i_c": 0.0, "rho_shuffled_sounds": 0.0, "rho_generated_shuffled": 0.0}
    table = pd.DataFrame([{"instrument": "cello", "rho_real_reader": 0.9, "rho_generated": 0.8, "n": 40, **others,
                           "rho_generated_ema": 0.8},
                          {"instrument": "violin", "rho_real_reader": 0.9, "rho_generated": 0.1, "n": 40, **others,
                           "rho_generated_ema": 0.1},
                          {"instrument": "horn", "rho_real_reader": -0.9, "rho_generated": float("nan"), "n": 40,
                           **others, "rho_generated_ema": float("nan")}])
    found = pose.pose_findings(table)
    # per instrument: the reader's check, this model's hand, the hand against S2I-C's and against shuffled sounds
    # (8 effective chunks: 0.8 against 0.1 is not enough), the paper's claim (never judged from one model)
    assert [f.status for f in found] == ["holds", "holds", "inconclusive", "inconclusive", "inconclusive",
                                         "holds", "inconclusive", "inconclusive", "inconclusive", "inconclusive",
                                         "does not hold", "inconclusive", "inconclusive", "inconclusive",
                                         "inconclusive", "inconclusive"]
    assert [f.basis for f in found[:5]] == ["kit", "kit", "kit", "kit", "paper"]
    assert "S2I-C's, from which it started" in found[2].claim and "Steiger's Z = 1.47" in found[2].evidence
    # the kit's target (rho >= 0.5 for two of three): 8 effective chunks cannot place 0.8 above 0.5
    assert found[-1].basis == "kit" and "at least 2 of the 3" in found[-1].claim and "0 at or above" in found[-1].evidence
    # 40 overlapping chunks (0.5 s every 0.1 s) count as 8: rho 0.8 over 8 has the interval tanh(z -+ 1.96
    # sqrt(1.06 / 5))
    z, half = np.arctanh(0.8), 1.959964 * np.sqrt(1.06 / 5)
    assert f"[{np.tanh(z - half):.3f}, {np.tanh(z + half):.3f}] over 40 chunks (8 effective" in found[1].evidence
    assert "one trained model (holds for this model)" in found[4].evidence


def test_pose_target_needs_two_instruments_at_or_above_it():
    def table(rhos, n=500):
        return pd.DataFrame([{"instrument": f"i{k}", "rho_generated_ema": r, "n": n} for k, r in enumerate(rhos)])
    # 100 effective chunks: 0.8 is [0.71, 0.86], 0.3 is [0.11, 0.47], 0.5 is [0.33, 0.63]
    assert pose.pose_target(table([0.8, 0.8, 0.1])).status == "holds"
    assert pose.pose_target(table([0.8, 0.5, 0.1])).status == "inconclusive"
    assert pose.pose_target(table([0.8, 0.3, 0.1])).status == "does not hold"
    assert pose.pose_target(table([0.3, 0.2, float("nan")])).status == "does not hold"  # NaN: one that may reach
    assert pose.pose_target(table([0.8, 0.2, float("nan")])).status == "inconclusive"


def test_log_spectral_distance_known_values():
    a = torch.zeros(2, 1, 4, 3)
    b = a.clone()
    b[0] += 3.0  # 3 dB everywhere
    b[1, 0, 0] += 4.0  # 4 dB in one band of four: sqrt(16 / 4) = 2 dB per frame
    assert i2s.log_spectral_distance(b, a).tolist() == pytest.approx([3.0, 2.0])


def test_lms_inverts_to_a_sound_at_the_right_pitch():
    sr = 22050
    t = np.arange(11025) / sr
    y = (0.3 * np.sin(2 * np.pi * 660 * t)).astype(np.float32)
    back = i2s.lms_to_audio(lms([y], sr)[0], sr, n_iter=16)
    assert abs(len(back) - len(y)) <= 256
    spectrum = np.abs(np.fft.rfft(back * np.hanning(len(back))))
    peak = np.fft.rfftfreq(len(back), 1 / sr)[spectrum.argmax()]
    assert abs(peak - 660) < 40  # mel bands are ~30-40 Hz wide here
    assert np.array_equal(back, i2s.lms_to_audio(lms([y], sr)[0], sr, n_iter=16))  # repeatable


def test_dataset_key_rendered_or_sub_urmp():
    params = {"seed": 0, "performances": 3, "test_performances": 1, "performance_seconds": 1.5,
              "sample_rate": 22050, "image_size": 32, "soundfont": "TimGM6mb", "sub_urmp_root": ""}
    key = chen.dataset_key(params)
    assert key["seconds"] == 1.5 and "sub_urmp_root" not in key
    real = chen.dataset_key({**params, "sub_urmp_root": "/data/Sub-URMP"})
    assert real["sub_urmp_root"] == "/data/Sub-URMP" and "performances" not in real
    with pytest.raises(ParamsError, match="performances"):
        chen.dataset_key({"seed": 0})


@pytest.fixture(scope="module")
def tiny():
    params = {"seed": 0, "performances": 2, "test_performances": 1, "performance_seconds": 0.7,
              "sample_rate": 16000, "image_size": 32, "soundfont": "TimGM6mb", "sub_urmp_root": ""}
    data = chen.instrument_data(params)
    enc = chen.train_encoders(data, 1, 1, 1, width=4, seed=0)
    return data, enc


def test_encoders_conditions_and_summary(tiny):
    data, enc = tiny
    assert data.lms.shape == (len(data.pairs), 1, 128, 44)
    for kind in ("classifier", "autoencoder", "image"):
        c = chen.conditions(enc, data, kind)
        train = torch.as_tensor(data.idx("train"))
        assert c.shape == (len(data.pairs), 128)
        assert torch.allclose(c[train].mean(0), torch.zeros(128), atol=1e-4)  # standardised on the training split
    with pytest.raises(ParamsError, match="condition 'x'"):
        chen.conditions(enc, data, "x")
    table = chen.summary(data)
    assert list(table.columns) == ["test (ours)", "train (ours)", "train (Chen)", "test (Chen)"] or \
        set(table.columns) == {"train (ours)", "test (ours)", "train (Chen)", "test (Chen)"}
    assert table.loc["cello", "train (Chen)"] == 9800
    assert set(enc.accuracy(data)) == {"sound_classifier_test_accuracy", "image_classifier_test_accuracy"}
    again = chen.train_encoders(data, 1, 1, 1, width=4, seed=0)  # from the cache, same weights
    x = data.lms[:4]
    assert torch.equal(again.sound.model(x), enc.sound.model(x))


def test_a_unit_silent_on_the_training_split_is_zero(tiny, monkeypatch):
    """A dead ReLU unit on the training split that fires on a test sound would be multiplied by 1e6."""
    data, enc = tiny
    train, test = data.idx("train"), data.idx("test")
    fake = torch.randn(len(data.pairs), 128).abs()
    fake[:, 0] = 0.0
    fake[test[0], 0] = 5.0
    monkeypatch.setattr(chen, "encodings", lambda model, x: fake)
    c = chen.conditions(enc, data, "classifier")
    assert torch.all(c[:, 0] == 0) and c.abs().max() < 50
    assert torch.allclose(c[torch.as_tensor(train), 1:].std(0), torch.ones(127), atol=1e-3)

def test_i2s_trains_in_either_resize_mode(tiny, tmp_path, monkeypatch):
    """The paper's numpy.resize layout as a training mode: the GAN's targets are the LMS through numpy.resize, its
    output goes back the same way, and the mode is in the model's cache key and in the comparison's label."""
    from a2vlib.studies.chen2017 import i2s

    monkeypatch.setenv("A2V_CACHE", str(tmp_path))
    data, enc = tiny
    models = {m: i2s.train_i2s(data, enc, width=4, epochs=1, batch_size=8, resize=m) for m in i2s.RESIZES}
    assert models["numpy_resize"]["resize"] == "numpy_resize"
    assert len({p.name for p in (tmp_path / "chen_i2s").iterdir()}) == 2  # two models, two cache entries
    result = i2s.evaluate(models["numpy_resize"], data, enc)
    assert result["resize"] == "numpy_resize" and "resize" not in i2s.scalars(result)
    assert "through numpy_resize" in i2s.beside_paper(result).index[0]
    # the kit's read of the same training: the average of the generator's weights, beside the trained one
    assert 0 <= result["i2s_accuracy_ema"] <= 1 and "i2s_accuracy_ema" in i2s.scalars(result)
    assert "weight" in i2s.beside_paper(result).index[1]
    with pytest.raises(ParamsError, match="i2s_resize 'x'"):
        i2s.train_i2s(data, enc, resize="x")


def test_hand_reader_reads_pictures_it_has_not_seen():
    from scipy.stats import spearmanr

    from a2vlib.studies.chen2017.urmp import musicians

    reader = pose.hand_reader("trombone", 32, pictures=300, epochs=6)  # the slide moves a lot: easy to read
    rng = np.random.default_rng(99)  # other players and hand places than the reader's drawings
    hands = rng.uniform(0, 1, 40)
    images = np.stack([musicians.draw_musician("trombone", musicians.Pose(float(h)), musicians.random_look(rng), 32)
                       for h in hands])
    read = pose.read_hand(reader, images)
    assert read.shape == (40,) and np.all((read >= 0) & (read <= pose.HAND_BINS - 1))
    assert spearmanr(hands, read)[0] > 0.7


def test_i2s_findings_count_performances_not_overlapping_chunks():
    """Overlapping chunks of one performance are averaged first; one model's findings are the kit's, about it."""
    from a2vlib.studies.chen2017 import i2s

    rng = np.random.default_rng(0)
    perf = np.repeat([f"p{i}" for i in range(6)], 10)  # six test performances, ten chunks each
    lsd = 8 + rng.normal(0, 0.3, 60)
    per_sound = {"lsd_db": lsd, "lsd_other_instrument_db": lsd + 3, "lsd_same_instrument_db": lsd + 1,
                 "tilt_generated_db": 5 + rng.normal(0, 1, 60), "tilt_real_db": np.full(60, 6.0), "performance": perf,
                 "right": (np.arange(60) % 2 == 0).astype(float)}  # half of each performance's chunks named right
    table = i2s.per_performance(per_sound)
    assert len(table) == 6 and table.loc["p0", "lsd_db"] == pytest.approx(lsd[:10].mean())
    found = i2s.findings({"per_sound": per_sound, "i2s_hits": 30, "n": 60, "chance": 1 / 13})
    assert [f.status for f in found] == ["holds"] * 4
    assert all(f.basis == "kit" and "this model" in f.claim for f in found)
    assert "6 test performances" in found[2].claim and "n = 6 pairs" in found[2].evidence
    assert "each of 6 test performances" in found[0].claim and "(n = 6)" in found[0].evidence  # not 60 chunks


def test_baseline_is_the_largest_class_share():
    """Chen's classifier answers the class with the most images when it knows nothing: on an imbalanced test split
    that scores above 1/K, and findings are judged against it."""
    from a2vlib.studies.chen2017.data import InstrumentData

    class Pairs:
        labels = ["bass"] * 5 + ["flute"] * 3 + ["oboe"] * 2 + ["bass", "flute", "oboe"]

        def indices(self, split, instrument=None):
            return np.arange(10) if split == "test" else np.arange(10, 13)

    data = InstrumentData(Pairs(), None, None, {}, classes=["bass", "flute", "oboe"])
    assert data.baseline() == 0.5 and data.baseline_label() == "the largest class's share, 0.500; 1/3 = 0.333"
    assert data.baseline("train") == pytest.approx(1 / 3) and data.baseline_label("train") == "1/3"


def test_pose_table_measures_the_pose_model_against_s2i_c(tiny):
    """A one-epoch pose model and its S2I-C start, end to end: every rho the findings compare is there."""
    data, enc = tiny
    sizes = {"width": 4, "epochs": 1, "batch_size": 2, "image_size": 32}
    start = s2i.train_variant("S2I-C", data, enc, sizes, seed=0)
    models = pose.train_pose_models(["cello"], data, enc, sizes, {("S2I-C", 0): start}, seed=0)
    table = pose.pose_table(models, data, reader_pictures=40, reader_epochs=1)
    row = table.loc["cello"]
    for key in ("rho_generated", "rho_s2i_c", "rho_shuffled_sounds", "rho_generated_s2i_c", "rho_generated_shuffled",
                "rho_generated_ema"):
        assert key in row and (np.isnan(row[key]) or -1 <= row[key] <= 1)
    assert set(pose.pose_metrics(table)) >= {"pose_rho.cello.rho_s2i_c", "pose_rho.cello.rho_generated_ema"}
    curves = pose.pose_curves(models)  # the budget curve: rho after the first epoch, last weights and their average
    assert list(curves.columns) == ["instrument", "weights", "epoch", "rho"] and len(curves) == 2
    assert set(curves.weights) == {"last", "average (kit)"} and (curves.epoch == 1).all()
    assert len(pose.pose_findings(table)) == 6


def test_numpy_resize_frames_is_numpys_resize():
    from a2vlib.studies.chen2017.i2s_networks import numpy_resize_frames

    spec = torch.arange(2 * 128 * 44, dtype=torch.float32).reshape(2, 1, 128, 44)
    down = numpy_resize_frames(spec, 34)
    back = numpy_resize_frames(down, 44)
    for k in range(2):
        want_down = np.resize(spec[k, 0].numpy(), (128, 34))
        np.testing.assert_array_equal(down[k, 0].numpy(), want_down)
        np.testing.assert_array_equal(back[k, 0].numpy(), np.resize(want_down, (128, 44)))
    # the round trip keeps the first 128 * 34 values in place and refills the rest from the start
    assert torch.equal(back.reshape(2, -1)[:, :128 * 34], spec.reshape(2, -1)[:, :128 * 34])
    assert not torch.equal(back, spec)


def test_held_out_font_scores_performances_of_a_font_never_heard(tmp_path, monkeypatch):
    from a2vlib.data.soundfont import soundfont_path

    (tmp_path / "Other.sf2").write_bytes(soundfont_path().read_bytes())
    monkeypatch.setenv("A2V_SOUNDFONTS", str(tmp_path))
    params = {"seed": 0, "performances": 2, "test_performances": 1, "performance_seconds": 0.6, "sample_rate": 16000,
              "image_size": 32, "soundfont": "TimGM6mb"}

    class Half:  # names every instrument but the last few right
        def predict(self, x):
            labels = [inst for inst in INSTRUMENTS for _ in range(len(x) // 13)]
            return [lab if lab < "t" else "cello" for lab in labels], None

    enc = type("E", (), {"sound": Half()})()
    assert chen.held_out_font(enc, params, "").empty and chen.held_out_font_findings(chen.held_out_font(enc, params, "")) == []
    table = chen.held_out_font(enc, params, "Other", performances=2)
    assert table.attrs["font"] == "Other" and table.attrs["trained_on"] == ["TimGM6mb"]
    assert table.loc["all", "performances"] == 26  # 13 instruments x 2 performances
    assert table.loc["trombone", "performance accuracy"] == 0 and table.loc["cello", "chunk accuracy"] == 1
    assert table.loc["all", "performance accuracy"] == pytest.approx(8 / 13)  # trombone to violin: 5 of 13 wrong
    assert table.loc["all", "95 % low"] < 8 / 13 < table.loc["all", "95 % high"]
    (finding,) = chen.held_out_font_findings(table)
    assert finding.basis == "kit" and "Other" in finding.claim
    assert finding.status == "inconclusive" and "16" in finding.evidence  # 16 of 26 performances: 0.5 inside
    with pytest.raises(ParamsError, match="were rendered from it"):
        chen.held_out_font(enc, params, "TimGM6mb")
    with pytest.raises(ParamsError, match="were rendered from it"):  # "all" holds every font, Other too
        chen.held_out_font(enc, {**params, "soundfont": "all"}, "Other")
    # a font this machine lacks: a table that says so and how to fetch it, and no finding (a lab run goes on)
    missing = chen.held_out_font(enc, {**params, "soundfont": "all except Other"}, "NoSuchFont")
    assert "make soundfonts" in missing.loc["all", "not measured"] and chen.held_out_font_findings(missing) == []


def test_the_dataset_key_names_the_fonts_that_auto_and_all_stand_for(tmp_path, monkeypatch):
    from a2vlib.data.soundfont import soundfont_path

    params = {"seed": 0, "performances": 2, "test_performances": 1, "performance_seconds": 0.6, "sample_rate": 16000,
              "image_size": 32, "soundfont": "TimGM6mb"}
    assert chen.dataset_key(params)["soundfont"] == "TimGM6mb"
    # the caches of models trained on the pairs know the font file too: a font replaced under its name is new data
    assert chen.instrument_data(params).key["soundfont_bytes"] == [soundfont_path().stat().st_size]
    (tmp_path / "Other.sf3").write_bytes(soundfont_path().read_bytes())  # .sf3 (Ogg samples) count as fonts too
    monkeypatch.setenv("A2V_SOUNDFONTS", str(tmp_path))
    names = chen.dataset_key({**params, "soundfont": "all"})["soundfont"].split(",")
    assert "TimGM6mb" in names and "Other" in names  # not "all": another machine's "all" is another data set
    assert "Other" not in chen.dataset_key({**params, "soundfont": "all except Other"})["soundfont"].split(",")
    assert chen.dataset_key({**params, "soundfont": "auto"})["soundfont"] in ("FluidR3_GM", "TimGM6mb")
