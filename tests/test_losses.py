"""Each GAN loss against numbers worked out by hand, and the gradient penalty on a linear critic."""
import math

import pytest
import torch

from a2vlib.core.errors import A2VError
from a2vlib.training.losses import (LOSSES, aux_classifier_loss, discriminator_loss, generator_loss, get_loss,
                           gradient_penalty, l1_loss)

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


def test_unknown_kind_lists_the_known_ones():
    with pytest.raises(A2VError, match="hinge.*wgan-gp.*lsgan"):
        get_loss("vanilla")
    with pytest.raises(A2VError):
        discriminator_loss("nope", REAL, FAKE)
