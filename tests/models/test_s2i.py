"""The S2I networks of Wan et al. and their one configuration (the ladder lives in tests/studies/wan2019/test_rungs.py)."""
import pytest
import torch

from a2vlib.core.errors import A2VError, ParamsError
from a2vlib.models.s2i import S2IConfig, S2IDiscriminator, S2IGenerator, build_s2i

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


def test_config_default_is_the_full_model_g():
    config = S2IConfig()
    assert (config.spectral_norm, config.loss, config.conditioning, config.aux_classifier) == (
        True, "hinge", "projection", True)
    assert (config.mismatched_term, config.aux_weight, config.use_noise, config.sampling) == (
        False, 1.0, True, "shuffle")
    assert (config.d_steps, config.g_steps, config.z_dim, config.image_size, config.epochs) == (1, 5, 10, 64, 300)
    training = config.training()
    assert training.sampling == "shuffle" and training.mismatched_term is False and training.g_steps == 5


@pytest.mark.parametrize("field,value", [("loss", "vanilla"), ("conditioning", "film"), ("sampling", "stratified"),
                                         ("sn_variant", "exact"), ("width", 0), ("g_steps", 0)])
def test_config_rejects_bad_values(field, value):
    with pytest.raises(ParamsError, match=field):
        S2IConfig(**{field: value})


def test_config_replace_and_build():
    with pytest.raises(ParamsError, match="unknown S2IConfig field"):
        S2IConfig().replace(widht=8)
    with pytest.raises(A2VError, match="power of two"):
        S2IConfig(image_size=48)
    config = S2IConfig().replace(image_size=32, width=8, betas=[0.0, 0.9], sampling="class_balanced")
    assert config.betas == (0.0, 0.9) and hash(config)  # YAML lists become tuples: still hashable
    assert config.training().sampling == "class_balanced" and config.training().betas == (0.0, 0.9)
    gen, disc = build_s2i(config.replace(use_noise=False, batchnorm_in_d=True, sn_variant="frozen-u"), COND, CLASSES)
    assert not gen.use_noise and any(isinstance(m, torch.nn.BatchNorm2d) for m in disc.modules())
    gen, disc = build_s2i(config, COND, CLASSES)
    assert gen.use_noise and not any(isinstance(m, torch.nn.BatchNorm2d) for m in disc.modules())


def test_a_models_cache_key_holds_the_code_version_and_what_differs_from_the_defaults():
    """A field added with a default that keeps the old behaviour leaves every cached model's key as it was."""
    from a2vlib.models.s2i import S2I_CODE_VERSION

    assert S2IConfig().cache_key() == {"s2i_code": S2I_CODE_VERSION}
    key = S2IConfig().replace(width=8, betas=[0.0, 0.9]).cache_key()
    assert key == {"s2i_code": S2I_CODE_VERSION, "width": 8, "betas": (0.0, 0.9)}
    assert S2IConfig(width=8).cache_key() != S2IConfig(width=16).cache_key()
