"""V2RA-GAN's networks against Liu et al.'s Tables 1 and 2."""
from __future__ import annotations

import pytest
import torch

from a2vlib.core.errors import ParamsError
from a2vlib.studies.liu_v2ra.networks import PAPER_STRIDES, V2RAConfig, V2RADiscriminator, V2RAGenerator, build_v2ra, \
    layer_lengths, strides_for
from a2vlib.papers import liu_v2ra


def test_strides():
    assert PAPER_STRIDES == (3, 3, 4, 5, 5, 7, 7) and strides_for(44100) == PAPER_STRIDES
    s = strides_for(16000)
    assert len(s) == 7 and all(v >= 2 for v in s) and torch.tensor(s).prod().item() == 16000
    with pytest.raises(ParamsError, match="cannot split"):
        strides_for(1009 * 2)


def test_generator_lengths_are_table_1_mirrored():
    g = V2RAGenerator(44100, model_size=1)
    printed = [int(liu_v2ra.TABLE1_GENERATOR[f"conv{i}"]["length"].value) for i in range(1, 8)]
    assert layer_lengths(g, 44100) == printed + printed[-2::-1] + [44100]
    assert g.filter.weight.shape == (1, 1, 513) and not hasattr(g.filter, "bias")  # 513 taps, no bias


def test_discriminator_lengths_are_table_2():
    d = V2RADiscriminator(model_size=1)
    printed = [int(liu_v2ra.TABLE2_DISCRIMINATOR[f"conv{i}"]["length"].value) for i in range(1, 6)]
    assert layer_lengths(d, 44100) == printed


@pytest.mark.parametrize("use_z,skip,audio_filter", [(False, False, True), (True, True, False)])
def test_switches_and_shapes(use_z, skip, audio_filter):
    cfg = V2RAConfig(segment=16000, model_size=2, use_z=use_z, skip=skip, audio_filter=audio_filter)
    g, d = build_v2ra(cfg)
    v = torch.rand(3, 1, 16000)
    out = g(v)
    assert out.shape == (3, 1, 16000)
    assert d(out, v).shape[:2] == (3, 1)
    if not audio_filter:
        assert out.abs().max() <= 1


def test_dropout_is_the_noise():
    g = V2RAGenerator(16000, model_size=2)
    v = torch.rand(2, 1, 16000)
    g.train()
    assert not torch.equal(g(v), g(v))  # dropout on: two draws differ
    g.eval()
    assert torch.equal(g(v), g(v))


@pytest.mark.parametrize("channels, taps, length", [(1, 513, 16000), (2, 5, 101), (1, 7, 3)])
def test_audio_filter_is_the_convolution_it_replaces(channels, taps, length):
    """The FFT filter gives Conv1d(c, c, taps, padding=taps // 2, bias=False)'s output and gradients up to rounding,
    starts from the same weights for the same seed and keeps its state-dict key."""
    from torch import nn

    from a2vlib.studies.liu_v2ra.networks import AudioFilter

    torch.manual_seed(0)
    fft = AudioFilter(channels, taps)
    torch.manual_seed(0)
    conv = nn.Conv1d(channels, channels, taps, padding=taps // 2, bias=False)
    assert torch.equal(fft.weight, conv.weight) and list(fft.state_dict()) == ["weight"]
    x = torch.randn(3, channels, length, requires_grad=True)
    a, b = fft(x), conv(x)
    assert a.shape == b.shape and torch.allclose(a, b, atol=1e-5, rtol=1e-5)
    ga, wa = torch.autograd.grad((a ** 2).sum(), (x, fft.weight))
    gb, wb = torch.autograd.grad((b ** 2).sum(), (x, conv.weight))
    assert torch.allclose(ga, gb, atol=1e-4, rtol=1e-4) and torch.allclose(wa, wb, atol=1e-3, rtol=1e-4)
