"""The S2I networks of Wan et al., the Table 4 ablation ladder and the public-code flag."""
import dataclasses

import pytest
import torch

from a2vlib.core.errors import A2VError, ParamsError
from a2vlib.models.s2i import (DEFAULT, PAPER_TABLE4, PUBLIC_CODE_DEVIATIONS, RUNGS, S2IConfig,
                               S2IDiscriminator, S2IGenerator, build_s2i, rung_config)

COND, CLASSES = 12, 3


@pytest.mark.parametrize("size", [32, 64])
@pytest.mark.parametrize("conditioning", ["projection", "concat", "none"])
def test_shapes(size, conditioning):
    torch.manual_seed(0)
    g = S2IGenerator(COND, z_dim=5, image_size=size, width=8)
    d = S2IDiscriminator(COND, CLASSES, image_size=size, width=8, conditioning=conditioning)
    s = torch.randn(4, COND)
    x = g(s, torch.randn(4, 5))
    assert x.shape == (4, 3, size, size) and x.min() >= -1 and x.max() <= 1
    logit, classes = d(x, s)
    assert logit.shape == (4,) and classes.shape == (4, CLASSES)
    assert S2IDiscriminator(COND, CLASSES, image_size=size, width=8, aux_classifier=False)(x, s)[1] is None


def test_bad_image_size():
    with pytest.raises(A2VError, match="power of two"):
        S2IGenerator(COND, image_size=48)


def test_noise_is_really_used_unless_public_code():
    torch.manual_seed(0)
    s = torch.randn(4, COND)
    z1, z2 = torch.randn(4, 5), torch.randn(4, 5)
    g = S2IGenerator(COND, z_dim=5, image_size=32, width=8).eval()
    assert not torch.allclose(g(s, z1), g(s, z2))
    g_public = S2IGenerator(COND, z_dim=5, image_size=32, width=8, use_noise=False).eval()
    assert torch.equal(g_public(s, z1), g_public(s, z2))


def test_spectral_norm_power_iteration_updates_in_train_mode():
    torch.manual_seed(0)
    d = S2IDiscriminator(COND, CLASSES, image_size=32, width=8).train()
    u = d.trunk[0].parametrizations.weight[0]._u
    before = u.clone()
    d(torch.randn(2, 3, 32, 32), torch.randn(2, COND))
    assert not torch.equal(before, u)
    d.eval()
    frozen = u.clone()
    d(torch.randn(2, 3, 32, 32), torch.randn(2, COND))
    assert torch.equal(frozen, u)


def test_public_code_spectral_norm_never_updates_and_overshoots():
    torch.manual_seed(0)
    d = S2IDiscriminator(COND, CLASSES, image_size=32, width=8, sn_variant="frozen-u").train()
    layer = d.trunk[2]
    u = layer.parametrizations.weight[0]._u.clone()
    for _ in range(3):
        d(torch.randn(2, 3, 32, 32), torch.randn(2, COND))
    assert torch.equal(u, layer.parametrizations.weight[0]._u)
    # one step from a fixed u under-estimates sigma, and 0.98 lowers it further: the largest singular value of
    # the normalised weight is at least 1/0.98
    assert torch.linalg.matrix_norm(layer.weight.detach().flatten(1), ord=2) >= 1 / 0.98 - 1e-5
    d_torch = S2IDiscriminator(COND, CLASSES, image_size=32, width=8).train()
    for _ in range(30):  # torch's power iteration converges to sigma: unit spectral norm
        d_torch(torch.randn(2, 3, 32, 32), torch.randn(2, COND))
    assert torch.linalg.matrix_norm(d_torch.trunk[2].weight.detach().flatten(1), ord=2) == pytest.approx(1, abs=2e-3)


def test_conditioning_kinds_use_the_condition():
    torch.manual_seed(0)
    x, s1, s2 = torch.randn(3, 3, 32, 32), torch.randn(3, COND), torch.randn(3, COND)
    for conditioning, depends in (("projection", True), ("concat", True), ("none", False)):
        d = S2IDiscriminator(COND, CLASSES, image_size=32, width=8, conditioning=conditioning).eval()
        l1, c1 = d(x, s1)
        l2, c2 = d(x, s2)
        assert (not torch.allclose(l1, l2)) == depends, conditioning
        assert torch.equal(c1, c2)  # the class head sees the image only
    d = S2IDiscriminator(COND, CLASSES, image_size=32, width=8, spectral_norm=False).eval()
    with torch.no_grad():
        d.embed.weight.zero_()  # projection term off: logit = psi(phi(x)) alone
        assert torch.equal(d(x, s1)[0], d.psi(d.trunk(x).flatten(1)).squeeze(1))


def _changed(config: S2IConfig) -> set[str]:
    return {f.name for f in dataclasses.fields(S2IConfig) if getattr(config, f.name) != getattr(DEFAULT, f.name)}


@pytest.mark.parametrize("rung", list(RUNGS))
def test_rungs_are_small_deltas_over_the_default(rung):
    config = rung_config(rung)
    assert _changed(config) == set(RUNGS[rung])  # every key of the delta changes something, nothing else changes
    build_s2i(rung_config(rung, image_size=32, width=8), COND, CLASSES)


def test_rung_ladder_and_default():
    assert rung_config("g") == DEFAULT
    assert (DEFAULT.spectral_norm, DEFAULT.loss, DEFAULT.conditioning, DEFAULT.aux_classifier) == (
        True, "hinge", "projection", True)
    # each row of Table 4 adds one technique to the row above
    assert _changed(rung_config("f")) ^ _changed(rung_config("g")) == {"aux_classifier"}
    assert _changed(rung_config("e")) ^ _changed(rung_config("f")) == {"conditioning"}
    assert _changed(rung_config("d")) ^ _changed(rung_config("e")) == {"loss"}
    assert _changed(rung_config("c")) ^ _changed(rung_config("d")) == {"spectral_norm", "batchnorm_in_d"}
    assert rung_config("c").replace(loss="wgan-gp") == rung_config("b")
    assert rung_config("e", width=32).width == 32
    with pytest.raises(A2VError, match="b, c, d, e, f, g"):
        rung_config("a")
    with pytest.raises(ParamsError, match="unknown S2IConfig field"):
        rung_config("g", widht=8)
    with pytest.raises(ParamsError, match="loss"):
        S2IConfig(loss="vanilla")
    assert PAPER_TABLE4["g"]["is_mean"] == 2.83 and PAPER_TABLE4["b"]["is_mean"] == 1.42


def test_public_code_flag():
    g = rung_config("g", public_code=True)
    assert (g.use_noise, g.sn_variant, g.batchnorm_in_d, g.mismatched_term, g.public_code) == (
        False, "frozen-u", True, False, True)
    assert rung_config("d", public_code=True).loss == "wgan"
    assert rung_config("d", public_code=True).mismatched_term  # only the hinge rungs drop it
    c = rung_config("c", public_code=True)
    assert c.sn_variant == "power-iteration" and c.use_noise is False  # no SN there to freeze
    assert rung_config("b", public_code=True).gp_weight == 20.0
    for deviation in PUBLIC_CODE_DEVIATIONS.values():
        assert set(deviation["rungs"]) <= set(RUNGS) and deviation["what"]
    gen, disc = build_s2i(rung_config("g", public_code=True, image_size=32, width=8), COND, CLASSES)
    assert not gen.use_noise and any(isinstance(m, torch.nn.BatchNorm2d) for m in disc.modules())
