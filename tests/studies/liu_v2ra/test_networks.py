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
    assert g.filter.kernel_size == (513,) and g.filter.bias is None


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
