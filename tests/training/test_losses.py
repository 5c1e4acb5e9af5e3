"""Each GAN loss against numbers worked out by hand, and the gradient penalty on a linear critic."""
import math

import pytest
import torch

from a2vlib.core.errors import A2VError
from a2vlib.training.losses import (LOSSES, LeCam, aux_classifier_loss, discriminator_loss, generator_loss,
                                    get_loss, gradient_penalty, l1_loss)

REAL = torch.tensor([2.0, -1.0])
FAKE = torch.tensor([0.5, -3.0])
WRONG = torch.tensor([1.0, 0.0])


def close(t: torch.Tensor, value: float) -> bool:
    return math.isclose(t.item(), value, rel_tol=1e-6, abs_tol=1e-7)


def test_hinge_matches_wan_eq_1_and_2():
    # relu(1-2)=0, relu(1+1)=2 -> 1; relu(1.5)=1.5, relu(-2)=0 -> 0.75
    assert close(discriminator_loss("hinge", REAL, FAKE), 1.75)
    # wrong: relu(2)=2, relu(1)=1 -> 1.5; negatives averaged: (0.75 + 1.5) / 2
    assert close(discriminator_loss("hinge", REAL, FAKE, WRONG), 1.0 + 1.125)
    assert close(generator_loss("hinge", FAKE), 1.25)


def test_bce_gan_cls():
    ln3 = math.log(3.0)
    real, fake, wrong = torch.tensor([ln3]), torch.tensor([-ln3]), torch.tensor([ln3])
    # sigmoid(ln 3) = 0.75: -log 0.75 for the real pair and for the fake (target 0, p = 0.25), -log 0.25 for wrong
    assert close(discriminator_loss("bce", real, fake), -2 * math.log(0.75))
    expected = -math.log(0.75) + 0.5 * (-math.log(0.75) - math.log(0.25))
    assert close(discriminator_loss("bce", real, fake, wrong), expected)
    assert close(generator_loss("bce", fake), -math.log(0.25))  # non-saturating: -log D(G(z))
    # stable where a naive log(sigmoid) would give inf
    assert torch.isfinite(discriminator_loss("bce", torch.tensor([-200.0]), torch.tensor([200.0])))


def test_wasserstein_and_lsgan():
    assert close(discriminator_loss("wgan-gp", REAL, FAKE), -1.25 - 0.5)
    assert close(discriminator_loss("wgan", REAL, FAKE, WRONG), 0.5 * (-1.25 + 0.5) - 0.5)
    assert close(generator_loss("wgan-gp", FAKE), 1.25)
    assert LOSSES["wgan-gp"].gradient_penalty and not LOSSES["wgan"].gradient_penalty
    # 1/2 mean((1)^2, (-2)^2) + 1/2 mean(0.25, 9)
    assert close(discriminator_loss("lsgan", REAL, FAKE), 1.25 + 2.3125)
    assert close(discriminator_loss("lsgan", REAL, FAKE, WRONG), 1.25 + 0.5 * (2.3125 + 0.25))
    assert close(generator_loss("lsgan", FAKE), 0.5 * (0.25 + 16.0) / 2)


def test_patch_scores_average_over_all_elements():
    real = REAL.repeat(3, 1).t()  # (2, 3): three identical patches per sample
    fake = FAKE.repeat(3, 1).t()
    assert close(discriminator_loss("hinge", real, fake), 1.75)


@pytest.mark.parametrize("norm", [3.0, 1.0, 0.25])
def test_gradient_penalty_on_linear_critic(norm):
    torch.manual_seed(0)
    w = torch.randn(3, 4, 4)
    w = (w * norm / w.norm()).requires_grad_(True)
    critic = lambda x: (x * w).flatten(1).sum(dim=1)  # gradient w.r.t. each sample is w, whatever the input
    real, fake = torch.randn(5, 3, 4, 4), torch.randn(5, 3, 4, 4)
    gp = gradient_penalty(critic, real, fake)
    assert math.isclose(gp.item(), (norm - 1.0) ** 2, rel_tol=1e-5, abs_tol=1e-9)
    gp.backward()  # the penalty is differentiable w.r.t. the critic: d/dw (|w| - 1)^2 = 2 (|w| - 1) w / |w|
    assert torch.allclose(w.grad, 2 * (norm - 1.0) * w.detach() / norm, atol=1e-5)


def test_aux_and_l1():
    logits = torch.tensor([[0.0, 0.0], [math.log(3.0), 0.0]])
    assert close(aux_classifier_loss(logits, torch.tensor([0, 0])), 0.5 * (math.log(2.0) - math.log(0.75)))
    assert close(l1_loss(torch.tensor([1.0, -2.0]), torch.tensor([0.0, 0.0])), 1.5)


def test_lecam_by_hand():
    # Tseng et al.'s term: relu(D(real) - a_fake)^2 + relu(a_real - D(fake))^2, anchors taking the first batch's means
    lecam = LeCam(1.0, decay=0.5)
    real, fake = torch.tensor([1.0, 3.0], requires_grad=True), torch.tensor([-1.0, 0.0], requires_grad=True)
    term = lecam(real, fake)  # anchors (2, -0.5): (1.5^2 + 3.5^2) / 2 + (3^2 + 2^2) / 2
    assert term.item() == pytest.approx(7.25 + 6.5)
    term.backward()
    assert real.grad.tolist() == pytest.approx([1.5, 3.5]) and fake.grad.tolist() == pytest.approx([-3.0, -2.0])
    saved = lecam.state_dict()
    zeros = torch.zeros(2)
    assert lecam(zeros, zeros).item() == pytest.approx(0.25 ** 2 + 1.0)  # anchors (1, -0.25) after decay 0.5
    again = LeCam(1.0, decay=0.5)
    again.load_state_dict(saved)
    assert again(zeros, zeros).item() == pytest.approx(0.25 ** 2 + 1.0)  # the anchors are the state that resumes
    assert LeCam(0.3)(torch.tensor([0.5]), torch.tensor([0.5])).item() == 0.0  # equal sides: nothing to pull
    assert LeCam(2.0, decay=0.5)(torch.tensor([1.0, 3.0]), torch.tensor([-1.0, 0.0])).item() == pytest.approx(27.5)


def test_unknown_kind_lists_the_known_ones():
    with pytest.raises(A2VError, match="hinge.*wgan-gp.*lsgan"):
        get_loss("vanilla")
    with pytest.raises(A2VError):
        discriminator_loss("nope", REAL, FAKE)


# ---- Wan eq. 1-2 through the trainer: one D step and one G step of the full model (g), worked out by hand ----------

import copy  # noqa: E402

import torch.nn.functional as F  # noqa: E402

from a2vlib.models.s2i import S2IConfig, build_s2i  # noqa: E402
from a2vlib.training.trainer import GANTrainer, mismatched_indices  # noqa: E402
from a2vlib.training.config import TrainingConfig

COND, CLASSES, BATCH = 6, 3, 8


def _setup(**changes):
    """The default (g) configuration at 8x8, width 4; conditions scaled up so that the projection logits reach
    beyond +-1 and the hinge really clips some of them."""
    config = S2IConfig(image_size=8, width=4, z_dim=3, batch_size=BATCH).replace(**changes)
    torch.manual_seed(0)
    generator, discriminator = build_s2i(config, COND, CLASSES)
    trainer = GANTrainer(generator, discriminator, config.training(), device="cpu")
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(BATCH, 3, 8, 8, generator=gen) * 2 - 1
    s = 20 * torch.randn(BATCH, COND, generator=gen)
    c = torch.arange(BATCH) % CLASSES
    return config, trainer, x, s, c


def _log_p(class_logits, c):
    """log softmax(C(x))[c] per sample."""
    return F.log_softmax(class_logits, dim=1)[torch.arange(len(c)), c]


def test_default_options_are_eq_1_2():
    config = S2IConfig()
    assert (config.loss, config.mismatched_term, config.aux_weight, config.aux_classifier) == ("hinge", False, 1.0, True)


def test_trainer_d_step_is_wan_eq_2():
    config, trainer, x, s, c = _setup()
    g0, d0 = copy.deepcopy(trainer.generator), copy.deepcopy(trainer.discriminator)
    torch.manual_seed(123)
    stats = trainer._d_step(x, s, c, "test")
    # by hand on copies of the networks as they were, with the same z and the same order of calls (spectral norm's
    # power iteration advances at every call in train mode)
    torch.manual_seed(123)
    with torch.no_grad():
        fake = g0(s, torch.randn(BATCH, config.z_dim))
        real_out, real_cls = d0(x, s)
        fake_out, _ = d0(fake, s)
    assert (real_out > 1).any() and (real_out < 1).any() and (fake_out < -1).any() and (fake_out > -1).any()
    real_term = torch.clamp(1 - real_out, min=0).mean()
    fake_term = torch.clamp(1 + fake_out, min=0).mean()
    aux_term = -_log_p(real_cls, c).mean()
    # every term large enough that a weight other than 1 (halving the fake term, say) is far outside the tolerance
    assert min(real_term.item(), fake_term.item(), aux_term.item()) > 0.3
    expected = real_term + fake_term + aux_term
    assert set(stats) == {"d_loss", "d_adv", "d_aux", "d_real", "d_fake"}  # no mismatched term, no penalty
    assert stats["d_loss"].item() == pytest.approx(expected.item(), rel=1e-5, abs=1e-6)
    assert stats["d_adv"].item() == pytest.approx((real_term + fake_term).item(), rel=1e-5, abs=1e-6)
    assert stats["d_aux"].item() == pytest.approx(aux_term.item(), rel=1e-5, abs=1e-6)
    assert stats["d_real"].item() == pytest.approx(real_out.mean().item(), rel=1e-5, abs=1e-6)
    assert stats["d_fake"].item() == pytest.approx(fake_out.mean().item(), rel=1e-5, abs=1e-6)
    halved = real_term + 0.5 * fake_term + aux_term
    assert stats["d_loss"].item() != pytest.approx(halved.item(), rel=1e-3)


def test_trainer_d_step_adds_lecam():
    config, trainer, x, s, c = _setup(lecam_weight=0.3)
    torch.manual_seed(123)
    stats = trainer._d_step(x, s, c, "test")
    a_real, a_fake = stats["d_real"].item(), stats["d_fake"].item()  # the first step's anchors: its own means
    assert stats["lecam"].item() > 0
    assert stats["d_loss"].item() == pytest.approx((stats["d_adv"] + stats["d_aux"] + stats["lecam"]).item(), rel=1e-5)
    assert [float(a) for a in trainer.lecam.anchors] == pytest.approx([a_real, a_fake], rel=1e-5)


def test_trainer_g_step_is_wan_eq_1():
    config, trainer, x, s, c = _setup()
    trainer._d_step(x, s, c, "test")  # a G step comes after a D step
    g1, d1 = copy.deepcopy(trainer.generator), copy.deepcopy(trainer.discriminator)
    torch.manual_seed(7)
    stats = trainer._g_step(x, s, c, "test")
    torch.manual_seed(7)
    with torch.no_grad():
        fake_out, fake_cls = d1(g1(s, torch.randn(BATCH, config.z_dim)), s)
    adv_term = -fake_out.mean()
    aux_term = -_log_p(fake_cls, c).mean()
    assert min(abs(adv_term.item()), aux_term.item()) > 0.3
    assert set(stats) == {"g_loss", "g_adv", "g_aux"}
    assert stats["g_loss"].item() == pytest.approx((adv_term + aux_term).item(), rel=1e-5, abs=1e-6)
    assert stats["g_adv"].item() == pytest.approx(adv_term.item(), rel=1e-5, abs=1e-6)
    assert stats["g_aux"].item() == pytest.approx(aux_term.item(), rel=1e-5, abs=1e-6)
    assert stats["g_loss"].item() != pytest.approx((0.5 * adv_term + aux_term).item(), rel=1e-3)


def test_history_reports_the_d_loss_of_eq_2():
    """Through ``fit``: one batch, one epoch, one D step and one G step; the history's d_loss is eq. 2 on the
    initial networks, with the batch in the order and the z that the trainer's seed gives."""
    config, trainer, x, s, c = _setup(g_steps=1, epochs=1)
    g0, d0 = copy.deepcopy(trainer.generator), copy.deepcopy(trainer.discriminator)
    history = trainer.fit((x, s, c), epochs=1).history
    order = torch.randperm(BATCH, generator=torch.Generator().manual_seed(trainer.options["seed"]))
    xo, so, co = x[order], s[order], c[order]
    torch.manual_seed(trainer.options["seed"])
    with torch.no_grad():
        fake = g0(so, torch.randn(BATCH, config.z_dim))
        real_out, real_cls = d0(xo, so)
        fake_out, _ = d0(fake, so)
    expected = (F.relu(1 - real_out).mean() + F.relu(1 + fake_out).mean() - _log_p(real_cls, co).mean()).item()
    assert len(history) == 1 and history[0]["d_loss"] == pytest.approx(expected, rel=1e-5, abs=1e-6)
    assert history[0]["g_loss"] == pytest.approx(history[0]["g_adv"] + history[0]["g_aux"], rel=1e-5)


def test_mismatched_term_option_averages_the_negatives():
    """Reed et al.'s GAN-CLS averaging, only when asked for: relu(1 - real) + (relu(1 + fake) + relu(1 + wrong)) / 2."""
    config, trainer, x, s, c = _setup(mismatched_term=True)
    g0, d0 = copy.deepcopy(trainer.generator), copy.deepcopy(trainer.discriminator)
    torch.manual_seed(5)
    stats = trainer._d_step(x, s, c, "test")
    torch.manual_seed(5)
    with torch.no_grad():
        fake = g0(s, torch.randn(BATCH, config.z_dim))
        real_out, real_cls = d0(x, s)
        fake_out, _ = d0(fake, s)
        wrong = mismatched_indices(BATCH, c)
        wrong_out, _ = d0(x, s[wrong])
    assert (c[wrong] != c).all()
    real_term = F.relu(1 - real_out).mean()
    fake_term, wrong_term = F.relu(1 + fake_out).mean(), F.relu(1 + wrong_out).mean()
    assert abs(fake_term.item() - wrong_term.item()) > 0.05  # averaging is distinguishable from either term alone
    adv = real_term + (fake_term + wrong_term) / 2
    assert stats["d_adv"].item() == pytest.approx(adv.item(), rel=1e-5, abs=1e-6)
    assert stats["d_wrong"].item() == pytest.approx(wrong_out.mean().item(), rel=1e-5, abs=1e-6)
    assert stats["d_loss"].item() == pytest.approx((adv - _log_p(real_cls, c).mean()).item(), rel=1e-5, abs=1e-6)


def test_trainer_g_step_with_l1_is_liu_eq_9():
    """LS loss + lambda * L1 (Liu et al. eq. 8-9) through the trainer's own steps, recomputed by hand."""
    from torch import nn

    from a2vlib.training.trainer import GANTrainer

    torch.manual_seed(0)
    g = nn.Sequential(nn.Conv1d(1, 1, 3, padding=1), nn.Tanh())
    d = nn.Conv1d(2, 1, 4, 2)

    class Gen(nn.Module):
        def __init__(self):
            super().__init__()
            self.g = g

        def forward(self, v):
            return self.g(v)

    class Disc(nn.Module):
        def __init__(self):
            super().__init__()
            self.d = d

        def forward(self, x, v):
            return self.d(torch.cat([x, v], 1))

    trainer = GANTrainer(Gen(), Disc(), TrainingConfig(loss="lsgan", z_dim=None, l1_weight=100.0, batch_size=4),
                         device="cpu")
    x, v = torch.rand(4, 1, 32) * 2 - 1, torch.rand(4, 1, 32)
    g1, d1 = copy.deepcopy(trainer.generator), copy.deepcopy(trainer.discriminator)
    stats = trainer._g_step(x, v, None, "test")
    with torch.no_grad():
        fake = g1(v)
        adv = 0.5 * (d1(fake, v) - 1).pow(2).mean()  # eq. 9, first term (patch scores averaged)
        l1 = (x - fake).abs().mean()
    assert stats["g_adv"].item() == pytest.approx(adv.item(), rel=1e-5)
    assert stats["g_l1"].item() == pytest.approx(100.0 * l1.item(), rel=1e-5)
    assert stats["g_loss"].item() == pytest.approx((adv + 100.0 * l1).item(), rel=1e-5)
