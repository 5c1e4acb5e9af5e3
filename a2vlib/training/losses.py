"""GAN losses for every GAN in the kit, by name.

Each adversarial loss takes the discriminator's raw scores (logits, shape ``(N,)``) for real pairs, generated pairs
and, optionally, *wrong* pairs (a real sample with a mismatched condition, Reed et al.'s GAN-CLS term) and returns a
scalar to minimise. When a wrong pair is given, the discriminator's two negative terms (generated and wrong) are
averaged, as in Reed et al., so that the real pair keeps the same weight as all negatives together in every kind
(``negatives="sum"`` adds them instead, as the public code of Wan et al. does).

Kinds: ``bce`` (non-saturating), ``hinge`` (Wan et al. eq. 1-2), ``wgan-gp`` (Gulrajani et al.; the caller adds
``gp_weight * gradient_penalty(...)``, see :data:`LOSSES`), ``wgan`` (Wasserstein loss without penalty; only the
public code of Wan et al. uses it, in its "+SN" rung) and ``lsgan`` (Mao et al., least squares, targets 1/0).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from a2vlib import registry
from a2vlib.core.errors import A2VError
from a2vlib.registry import register

GP_WEIGHT = 10.0  # lambda of Gulrajani et al.


NEGATIVES = ("mean", "sum")  # how the generated and wrong terms of a discriminator loss combine


def _negatives(fake_term: Tensor, wrong_term: Tensor | None, negatives: str = "mean") -> Tensor:
    """The negative side of a discriminator loss: the fake term, or the mean (``negatives="sum"``: the sum) of the
    fake and wrong terms."""
    if wrong_term is None:
        return fake_term
    return fake_term + wrong_term if negatives == "sum" else 0.5 * (fake_term + wrong_term)


def bce_d(real: Tensor, fake: Tensor, wrong: Tensor | None = None, negatives: str = "mean") -> Tensor:
    """-log sigmoid(real) - log(1 - sigmoid(fake)) [wrong pairs -> 0 too, negatives averaged]."""
    wrong_term = None if wrong is None else F.softplus(wrong).mean()
    # softplus(-x) = -log sigmoid(x) and softplus(x) = -log(1 - sigmoid(x)), stable for large |x|
    return F.softplus(-real).mean() + _negatives(F.softplus(fake).mean(), wrong_term, negatives)


def bce_g(fake: Tensor) -> Tensor:
    """Non-saturating generator loss: -log sigmoid(D(G(s, z), s))."""
    return F.softplus(-fake).mean()


def hinge_d(real: Tensor, fake: Tensor, wrong: Tensor | None = None, negatives: str = "mean") -> Tensor:
    """Wan eq. 2 (adversarial part): relu(1 - real) + relu(1 + fake) [+ relu(1 + wrong), negatives averaged]."""
    wrong_term = None if wrong is None else F.relu(1.0 + wrong).mean()
    return F.relu(1.0 - real).mean() + _negatives(F.relu(1.0 + fake).mean(), wrong_term, negatives)


def wasserstein_d(real: Tensor, fake: Tensor, wrong: Tensor | None = None, negatives: str = "mean") -> Tensor:
    """Critic loss D(fake) - D(real) [wrong pairs count as fake, averaged]; the penalty is added by the caller."""
    wrong_term = None if wrong is None else wrong.mean()
    return _negatives(fake.mean(), wrong_term, negatives) - real.mean()


def negative_score_g(fake: Tensor) -> Tensor:
    """-D(G(s, z), s): the generator loss of hinge (Wan eq. 1), WGAN and WGAN-GP."""
    return -fake.mean()


def lsgan_d(real: Tensor, fake: Tensor, wrong: Tensor | None = None, negatives: str = "mean") -> Tensor:
    """Least squares: 1/2 (D(real) - 1)^2 + 1/2 D(fake)^2 [wrong pairs -> 0 too, negatives averaged]."""
    wrong_term = None if wrong is None else 0.5 * wrong.pow(2).mean()
    return 0.5 * (real - 1.0).pow(2).mean() + _negatives(0.5 * fake.pow(2).mean(), wrong_term, negatives)


def lsgan_g(fake: Tensor) -> Tensor:
    """Least squares generator loss: 1/2 (D(G(s, z)) - 1)^2."""
    return 0.5 * (fake - 1.0).pow(2).mean()


@dataclass(frozen=True)
class GANLoss:
    """One kind of adversarial loss: its discriminator and generator terms, and whether it wants a gradient
    penalty added by the caller (which alone can run the critic on interpolates)."""

    d: Callable[..., Tensor]
    g: Callable[[Tensor], Tensor]
    gradient_penalty: bool = False


for _name, _loss in (("bce", GANLoss(bce_d, bce_g)), ("hinge", GANLoss(hinge_d, negative_score_g)),
                    ("wgan-gp", GANLoss(wasserstein_d, negative_score_g, gradient_penalty=True)),
                    ("wgan", GANLoss(wasserstein_d, negative_score_g)), ("lsgan", GANLoss(lsgan_d, lsgan_g))):
    register("loss", _name)(_loss)
LOSSES: dict[str, GANLoss] = {name: registry.get("loss", name) for name in registry.names("loss")}


def get_loss(kind: str) -> GANLoss:
    """The loss registered as ``kind``; an unknown name is an :class:`A2VError` that lists the known ones."""
    try:
        return LOSSES[kind]
    except KeyError:
        raise A2VError(f"unknown GAN loss {kind!r}; known kinds: {', '.join(LOSSES)}") from None


def discriminator_loss(kind: str, real: Tensor, fake: Tensor, wrong: Tensor | None = None) -> Tensor:
    """The discriminator's adversarial loss of ``kind`` on real, generated and (optionally) wrong-pair scores."""
    return get_loss(kind).d(real, fake, wrong)


def generator_loss(kind: str, fake: Tensor) -> Tensor:
    """The generator's adversarial loss of ``kind`` on the scores of generated pairs."""
    return get_loss(kind).g(fake)


def gradient_penalty(critic_fn: Callable[[Tensor], Tensor], real: Tensor, fake: Tensor,
                     generator: torch.Generator | None = None, alpha: Tensor | None = None) -> Tensor:
    """Gulrajani et al.'s penalty E[(||grad_x critic(x)||_2 - 1)^2] at random interpolates of real and fake.

    ``critic_fn`` maps a batch shaped like ``real`` to scores ``(N,)`` (bind the condition in a closure). One mixing
    weight per sample (``alpha``, shape (N,); drawn here when None); works for any sample shape (images,
    spectrograms, waveforms).
    """
    real, fake = real.detach(), fake.detach()
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    if alpha is None:
        alpha = torch.rand(shape, generator=generator, device=real.device, dtype=real.dtype)
    else:
        alpha = alpha.to(device=real.device, dtype=real.dtype).reshape(shape)
    mixed = (real + alpha * (fake - real)).requires_grad_(True)
    scores = critic_fn(mixed)
    (grad,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    # the small constant keeps the norm differentiable where the gradient vanishes
    norm = torch.sqrt(grad.flatten(1).pow(2).sum(dim=1) + 1e-12)
    return (norm - 1.0).pow(2).mean()


LECAM_DECAY = 0.99  # the anchors' moving average (Tseng et al.'s code)


class LeCam:
    """Tseng et al.'s (2021) LeCam regulariser of D, for GANs on limited data: ``weight`` x (mean relu(D(real) -
    a_fake)^2 + mean relu(a_real - D(fake))^2), where a_real and a_fake are moving averages (``decay``) of D's mean
    score on real and on generated samples, each taking the batch's value at its first step. It keeps D's scores on
    the two sides from drifting apart. The anchors are state: a checkpoint holds them (:meth:`state_dict`)."""

    def __init__(self, weight: float, decay: float = LECAM_DECAY):
        self.weight, self.decay = float(weight), float(decay)
        self.anchors: Tensor | None = None  # (a_real, a_fake), float64 on the CPU

    def __call__(self, real: Tensor, fake: Tensor, means: Tensor | None = None) -> Tensor:
        """The term for this D step; ``means`` (D's mean real and generated score, averaged over processes under
        data parallelism) default to this batch's."""
        if means is None:
            means = torch.stack([real.detach().mean(), fake.detach().mean()])
        means = means.detach().to("cpu", torch.float64)
        self.anchors = means if self.anchors is None else self.decay * self.anchors + (1 - self.decay) * means
        a_real, a_fake = (float(a) for a in self.anchors)
        return self.weight * (F.relu(real - a_fake).pow(2).mean() + F.relu(a_real - fake).pow(2).mean())

    def state_dict(self) -> dict[str, Tensor]:
        return {} if self.anchors is None else {"anchors": self.anchors.clone()}

    def load_state_dict(self, state: dict[str, Tensor]) -> None:
        self.anchors = state["anchors"].clone() if "anchors" in state else None


def aux_classifier_loss(logits: Tensor, labels: Tensor) -> Tensor:
    """Cross-entropy of the auxiliary classifier: -log P_C(c | x) averaged over the batch (Wan eq. 1-2)."""
    return F.cross_entropy(logits, labels)


def l1_loss(output: Tensor, target: Tensor) -> Tensor:
    """Mean absolute error (reconstruction terms of the I2S and V2RA models)."""
    return (output - target).abs().mean()
