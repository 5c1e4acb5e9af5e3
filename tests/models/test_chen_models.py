"""Chen et al.'s encoders, the I2S networks, the LMS settings and the saved sound classifier."""
from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import torch

from a2vlib.core.errors import DataError, ParamsError
from a2vlib.models.classifiers import train_classifier
from a2vlib.models.encoders import (ENCODING_DIM, ImageEncoderClassifier, SoundClassifier, StackedAutoencoder,
                                    encodings, train_autoencoder)
from a2vlib.studies.chen2017.i2s_networks import FRAMES, I2SDiscriminator, I2SGenerator, from_unit, resize_frames, to_unit
from a2vlib.models.s2i import S2IConfig, build_s2i, generate_images
from a2vlib.models.sound_classifier import (classify_waveform, lms, lms_settings, load_sound_classifier,
                                            recording_chunks, save_sound_classifier)


def test_lms_settings_keep_chens_frames_at_any_rate():
    assert lms_settings(44100) == {"n_mels": 128, "n_fft": 2048, "hop_length": 512, "frames": 44}
    assert lms_settings(22050) == {"n_mels": 128, "n_fft": 1024, "hop_length": 256, "frames": 44}
    y = np.sin(2 * np.pi * 440 * np.arange(11025) / 22050).astype(np.float32) * 0.1
    x = lms([y, y * 0.5], 22050)
    assert x.shape == (2, 1, 128, 44) and x.dtype == torch.float32
    # dB against a fixed reference: half the amplitude is 6.02 dB lower wherever there is energy
    loud = x[0, 0] > -60
    assert torch.allclose(x[0, 0][loud] - x[1, 0][loud], torch.tensor(6.0206), atol=0.01)


@pytest.mark.parametrize("size", [32, 64])
def test_encoder_classifiers_shapes(size):
    img = ImageEncoderClassifier(13, width=4)
    x = torch.randn(3, 3, size, size)
    assert img(x).shape == (3, 13) and encodings(img, x).shape == (3, ENCODING_DIM)
    snd = SoundClassifier(13, width=4)
    s = torch.randn(3, 1, 128, 44) * 20 - 40
    assert snd(s).shape == (3, 13) and encodings(snd, s).shape == (3, ENCODING_DIM)
    # six 3x3 convolutions and three FC layers; four convolutions and three FC layers (Chen Figs. 4-5)
    assert sum(isinstance(m, torch.nn.Conv2d) for m in img.modules()) == 6
    assert sum(isinstance(m, torch.nn.Conv2d) for m in snd.modules()) == 4
    assert all(sum(isinstance(m, torch.nn.Linear) for m in net.modules()) == 3 for net in (img, snd))


def test_l2_penalty_shrinks_fc_weights():
    x = torch.randn(64, 1, 128, 44)
    labels = ["a" if v > 0 else "b" for v in x.mean(dim=(1, 2, 3))]

    def fc_norm(l2):
        t = train_classifier(SoundClassifier(2, width=4), x, labels, ["a", "b"], epochs=3, l2=l2)
        return sum(m.weight.pow(2).sum().item() for m in t.model.modules() if isinstance(m, torch.nn.Linear))

    assert fc_norm(0.05) < 0.8 * fc_norm(0.0)


def test_autoencoder_layouts():
    """The paper's layout: 128 x 44 -> 120 x 36, one channel, flattened to 4,320 values for the FC stack."""
    paper, stride2 = StackedAutoencoder(), StackedAutoencoder(layout="stride2")
    assert paper.shapes == [(1, 128, 44), (8, 126, 42), (8, 124, 40), (1, 120, 36)]
    assert paper.fc[1].in_features == 4320 and stride2.fc[1].in_features == 32 * 16 * 6
    h = torch.randn(2, 8, 126, 42)
    assert paper.reconstruct(h, 1).shape == h.shape
    with pytest.raises(ParamsError, match="layout 'x'"):
        StackedAutoencoder(layout="x")


@pytest.mark.parametrize("layout", StackedAutoencoder.LAYOUTS)
def test_autoencoder_trains_stack_by_stack_and_reconstructs_better(layout):
    gen = torch.Generator().manual_seed(0)
    base = torch.randn(4, 1, 128, 44, generator=gen) * 15 - 40
    x = base[torch.randint(0, 4, (96,), generator=gen)] + torch.randn(96, 1, 128, 44, generator=gen)
    ae = StackedAutoencoder(layout=layout)
    history = train_autoencoder(ae, x, epochs_per_stack=4, seed=0)
    assert [h["stack"] for h in history] == [1] * 4 + [2] * 4 + [3] * 4 + [4] * 4
    for k in range(1, 5):
        mse = [h["mse"] for h in history if h["stack"] == k]
        assert mse[-1] < mse[0]
    assert encodings(ae, x[:5]).shape == (5, ENCODING_DIM)
    again = StackedAutoencoder(layout=layout)
    train_autoencoder(again, x, epochs_per_stack=4, seed=0)
    assert torch.equal(encodings(ae, x[:5]), encodings(again, x[:5]))  # deterministic for a seed


def test_i2s_networks_make_and_take_128_by_34():
    g, d = I2SGenerator(width=8), I2SDiscriminator(width=8)
    s = torch.randn(5, 128)
    out = g(s, torch.randn(5, 100))
    assert out.shape == (5, 1, 128, FRAMES) and out.abs().max() <= 1
    score, cls = d(out, s)
    assert score.shape == (5,) and cls is None
    with pytest.raises(ValueError, match="128, 34"):
        d(torch.randn(2, 1, 128, 44), s[:2])


def test_resize_frames_interpolates_along_time_only():
    x = torch.arange(128.0).view(1, 1, 128, 1).expand(1, 1, 128, 44).clone()  # each band constant in time
    y = resize_frames(x, FRAMES)
    assert y.shape == (1, 1, 128, 34) and torch.allclose(y, x[..., :34])  # bands are not mixed (numpy.resize would)
    ramp = torch.linspace(0, 1, 44).view(1, 1, 1, 44).expand(1, 1, 128, 44)
    assert torch.allclose(resize_frames(ramp, 34)[0, 0, 0], torch.linspace(0, 1, 34), atol=1e-6)
    db = torch.tensor([-100.0, -40.0, 20.0])
    assert torch.allclose(from_unit(to_unit(db)), db) and to_unit(torch.tensor([-500.0, 500.0])).tolist() == [-1, 1]


def test_condition_compression_in_both_networks():
    cfg = S2IConfig(image_size=32, width=8, loss="bce", conditioning="concat", spectral_norm=False,
                    aux_classifier=False, condition_embedding=64)
    g, d = build_s2i(cfg, 128, 13)
    assert g.compress[0].out_features == 64 and d.cond_embed[0].out_features == 64
    images = generate_images(g, np.random.randn(6, 128), cfg.z_dim, seed=1)
    assert images.shape == (6, 32, 32, 3) and images.dtype == np.uint8
    cond = np.random.RandomState(0).randn(6, 128)
    assert np.array_equal(generate_images(g, cond, cfg.z_dim, seed=1), generate_images(g, cond, cfg.z_dim, seed=1))
    assert not np.array_equal(generate_images(g, cond, cfg.z_dim, seed=1), generate_images(g, cond, cfg.z_dim, seed=2))
    plain_g, plain_d = build_s2i(S2IConfig(image_size=32, width=8, conditioning="concat"), 128, 13)
    assert isinstance(plain_g.compress, torch.nn.Identity) and plain_d.cond_embed[0].out_features == 128


def _tone(path, freq, sr=22050, seconds=1.2):
    t = np.arange(int(sr * seconds)) / sr
    sf.write(path, (0.2 * np.sin(2 * np.pi * freq * t)).astype(np.float32), sr)
    return path


def test_saved_sound_classifier_round_trip_and_classify(tmp_path):
    sr = 22050
    t = np.arange(11025) / sr
    waves = [0.2 * np.sin(2 * np.pi * f * t) for f in [220] * 20 + [2000] * 20]
    x = lms(waves, sr)
    trained = train_classifier(SoundClassifier(2, width=4), x, ["low"] * 20 + ["high"] * 20, ["low", "high"],
                               epochs=8)
    path = save_sound_classifier(trained, tmp_path / "m" / "sound_classifier.pt", sr, 4, note="test")
    loaded, meta = load_sound_classifier(path)
    assert loaded.classes == ["low", "high"] and meta["sample_rate"] == sr and meta["info"] == {"note": "test"}
    assert torch.equal(loaded.model(x[:3]), trained.model.eval()(x[:3]))
    from a2vlib.data.audio_io import read_audio

    waves = [read_audio(_tone(tmp_path / "a.wav", 220, 44100), sr=sr)[0], read_audio(_tone(tmp_path / "b.wav", 2000),
                                                                                    sr=sr)[0]]
    rows = [classify_waveform(loaded, y, sr) for y in waves]
    assert [r[0] for r in rows] == ["low", "high"] and all(r[2] == 3 for r in rows)  # 1.2 s: chunks at 0, .25, .5 s


def test_recording_chunks_skip_silence_and_pad_short():
    sr = 1000
    y = np.concatenate([np.ones(1000) * 0.5, np.zeros(1000)])
    assert len(recording_chunks(y, sr)) == 4  # chunks at 0-0.75 s hold sound; those from 1 s on are silent, left out
    assert recording_chunks(np.ones(100) * 0.1, sr).shape == (1, 500)


def test_load_sound_classifier_errors(tmp_path):
    with pytest.raises(DataError, match="sound classifier file not found"):
        load_sound_classifier(tmp_path / "nope.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    with pytest.raises(DataError, match="junk.pt: not a readable model file"):
        load_sound_classifier(tmp_path / "junk.pt")
    torch.save({"kind": "other"}, tmp_path / "other.pt")
    with pytest.raises(DataError, match="not an a2v sound classifier"):
        load_sound_classifier(tmp_path / "other.pt")


@pytest.mark.parametrize("rate", [8000, 11025, 16000, 22050, 44100])
def test_chens_framing_comes_from_one_function(rate):
    """The saved sound classifier frames LMS exactly as Table 1's representations do, at every rate."""
    from a2vlib.features.spectral import chen_stft_size
    from a2vlib.models.sound_classifier import lms_settings
    from a2vlib.studies.chen2017.time_frequency import stft_size

    s = lms_settings(rate)
    assert (s["n_fft"], s["hop_length"]) == stft_size(rate) == chen_stft_size(rate)
    assert s["frames"] == 44  # a 0.5 s chunk: Chen's 128 x 44 at any rate
    assert chen_stft_size(44100) == (2048, 512) and chen_stft_size(22050) == (1024, 256)
    assert chen_stft_size(16000) == (743, 186)  # the representations rounded to 1024 / 256 here before


@pytest.mark.parametrize("n_layers", [3, 4])
def test_sound_classifier_takes_every_table_1_representation(n_layers):
    """Table 1's classifier is Chen's (Fig. 4): 3 or 4 conv layers, three FC layers with dropout; any input size."""
    model = SoundClassifier(5, width=4, n_layers=n_layers)
    assert sum(isinstance(m, torch.nn.Conv2d) for m in model.modules()) == n_layers
    assert sum(isinstance(m, torch.nn.Linear) for m in model.modules()) == 3
    assert sum(isinstance(m, torch.nn.Dropout) and m.p > 0 for m in model.modules()) == 2
    for rows in (20, 84, 128, 513):  # MFCC, CQT, LMS and MS, STFT
        assert model(torch.randn(2, 1, rows, 22)).shape == (2, 5)
    with pytest.raises(ParamsError, match="3 or 4 conv layers"):
        SoundClassifier(5, n_layers=2)
