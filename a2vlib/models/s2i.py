"""Sound-to-image GAN of Wan et al. (2019): generator, discriminator and one configuration, :class:`S2IConfig`,
whose default is the paper's full model (g): spectral norm + hinge loss (eq. 1-2) + projection discriminator +
auxiliary classifier. The ablation ladder of their Table 4, as named steps over this default, lives in the paper's
room (:mod:`a2vlib.studies.wan2019.rungs`).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm as torch_spectral_norm

from a2vlib.registry import register
from a2vlib.core.errors import A2VError, ParamsError
from a2vlib.training.config import TrainingConfig

CONDITIONINGS = ("projection", "concat", "none")
SN_VARIANTS = ("power-iteration", "frozen-u")
WEIGHTS = ("last", "ema")  # S2IConfig.weights
D_HEADS = ("paper", "embedding")  # the projection over phi(x), or the public code's 128-d image embedding
CONCAT_EMBED_DIM = 128  # Reed et al. compress the condition to 128 values before tiling it

def _levels(image_size: int) -> int:
    """Number of 2x up/down-sampling stages between 4x4 and ``image_size`` (a power of two, at least 8)."""
    n = int(round(math.log2(image_size))) - 2 if image_size > 0 else 0
    if n < 1 or 4 * 2 ** n != image_size:
        raise A2VError(f"image_size must be a power of two >= 8 (e.g. 32 or 64), got {image_size}")
    return n


def _stride2_padding(kernel: int) -> tuple[int, int]:
    """(padding, output padding) that make a stride-2 convolution of ``kernel`` halve a side exactly and its
    transposed form double it: 4 -> (1, 0) (DCGAN's), 5 -> (2, 1) (the public code of Wan et al., "SAME")."""
    if kernel not in (3, 4, 5):
        raise ParamsError(f"S2IConfig.kernel: {kernel} is not one of 3, 4, 5")
    return (kernel - 1) // 2, kernel % 2


class FrozenSpectralNorm(nn.Module):
    """Spectral norm as the public code of Wan et al. computes it: one power-iteration step from a random vector
    ``u`` that is never updated, and sigma multiplied by 0.98 (so weights end up slightly above unit norm).

    With ``u`` frozen, sigma stays a loose under-estimate of the largest singular value for all of training.
    A parametrization for ``torch.nn.utils.parametrize``; ``_u`` is a buffer so it is saved in checkpoints.
    """

    def __init__(self, weight: Tensor, sigma_scale: float = 0.98, eps: float = 1e-12):
        super().__init__()
        self.sigma_scale = sigma_scale
        self.eps = eps
        self.register_buffer("_u", F.normalize(weight.new_empty(weight.shape[0]).normal_(), dim=0, eps=eps))

    def forward(self, weight: Tensor) -> Tensor:
        w = weight.flatten(1)
        with torch.no_grad():  # like torch's spectral norm, u and v are constants for autograd
            v = F.normalize(w.t() @ self._u, dim=0, eps=self.eps)
            u = F.normalize(w @ v, dim=0, eps=self.eps)
        sigma = torch.dot(u, w @ v)
        return weight / (self.sigma_scale * sigma)


def _spectral(module: nn.Module, enabled: bool, variant: str) -> nn.Module:
    """Wrap a conv/linear layer's weight in spectral norm (torch's power iteration, or the public code's)."""
    if not enabled:
        return module
    if variant == "power-iteration":
        return torch_spectral_norm(module)
    parametrize.register_parametrization(module, "weight", FrozenSpectralNorm(module.weight.detach()))
    return module


class S2IGenerator(nn.Module):
    """(s, z) -> RGB image in [-1, 1]: a linear projection to 4x4, then transposed convolutions (k4, s2) with
    BatchNorm and ReLU, halving the channels at each step, and a tanh. Four up-sampling layers at 64x64, as in
    the paper; three at 32x32.

    ``use_noise=False`` reproduces the public code, which never feeds z (the condition alone drives G).
    """

    def __init__(self, cond_dim: int, z_dim: int = 100, image_size: int = 64, width: int = 64,
                 use_noise: bool = True, channels: int = 3, cond_embed: int = 0, kernel: int = 4):
        super().__init__()
        n = _levels(image_size)
        self.cond_dim, self.z_dim, self.use_noise = cond_dim, z_dim, use_noise
        c = width * 2 ** (n - 1)
        # Chen et al. (after Reed et al.) compress the encoding by an FC layer and a leaky ReLU before adding z
        self.compress = (nn.Sequential(nn.Linear(cond_dim, cond_embed), nn.LeakyReLU(0.2)) if cond_embed
                         else nn.Identity())
        in_dim = (cond_embed or cond_dim) + (z_dim if use_noise else 0)
        # no bias before BatchNorm: its mean subtraction cancels it
        self.project = nn.Sequential(nn.Linear(in_dim, c * 16, bias=False), nn.Unflatten(1, (c, 4, 4)),
                                     nn.BatchNorm2d(c), nn.ReLU(inplace=True))
        layers: list[nn.Module] = []
        pad, extra = _stride2_padding(kernel)
        for _ in range(n - 1):
            layers += [nn.ConvTranspose2d(c, c // 2, kernel, 2, pad, extra, bias=False), nn.BatchNorm2d(c // 2),
                       nn.ReLU(inplace=True)]
            c //= 2
        layers += [nn.ConvTranspose2d(c, channels, kernel, 2, pad, extra), nn.Tanh()]
        self.upsample = nn.Sequential(*layers)

    def forward(self, s: Tensor, z: Tensor | None = None) -> Tensor:
        """``s`` (N, cond_dim), ``z`` (N, z_dim) or None (drawn from N(0, 1)); ignored when ``use_noise`` is off."""
        s = self.compress(s)
        if self.use_noise:
            if z is None:
                z = torch.randn(s.shape[0], self.z_dim, device=s.device, dtype=s.dtype)
            s = torch.cat([s, z], dim=1)
        return self.upsample(self.project(s))


class S2IDiscriminator(nn.Module):
    """(x, s) -> (realness logit (N,), class logits (N, n_classes) or None).

    Trunk: stride-2 4x4 convolutions down to 4x4 (width, 2 width, ...), LeakyReLU 0.2, optional BatchNorm after
    all but the first (DCGAN, Reed et al.). Its flattened 4x4 output phi(x) is the shared feature vector.

    Conditioning: ``"concat"`` (Reed et al.): s is projected to 128 values (linear + LeakyReLU), tiled over the
    4x4 grid and concatenated to the trunk output before a 1x1 conv; a linear layer then gives the logit.
    ``"projection"`` (Miyato & Koyama): logit = psi(phi(x)) + <embed(s), phi(x)>, embed a linear map of the
    continuous sound vector. ``"none"``: an unconditional logit psi(phi(x)).
    The auxiliary classifier is a linear layer over phi(x) (the image alone, so it cannot read the label off s).
    Spectral norm, when on, wraps every conv and linear layer.
    """

    def __init__(self, cond_dim: int, n_classes: int, image_size: int = 64, width: int = 64,
                 spectral_norm: bool = True, conditioning: str = "projection", aux_classifier: bool = True,
                 batchnorm: bool = False, sn_variant: str = "power-iteration", channels: int = 3,
                 cond_embed: int = CONCAT_EMBED_DIM, kernel: int = 4, head: str = "paper"):
        super().__init__()
        if conditioning not in CONDITIONINGS:
            raise A2VError(f"unknown conditioning {conditioning!r}; choose one of {', '.join(CONDITIONINGS)}")
        if sn_variant not in SN_VARIANTS:
            raise A2VError(f"unknown spectral-norm variant {sn_variant!r}; choose one of {', '.join(SN_VARIANTS)}")
        if head not in D_HEADS:
            raise A2VError(f"unknown discriminator head {head!r}; choose one of {', '.join(D_HEADS)}")
        n = _levels(image_size)
        self.conditioning = conditioning

        def sn(m: nn.Module) -> nn.Module:
            return _spectral(m, spectral_norm, sn_variant)

        chans = [channels] + [width * 2 ** i for i in range(n)]
        trunk: list[nn.Module] = []
        for i in range(n):
            trunk.append(sn(nn.Conv2d(chans[i], chans[i + 1], kernel, 2, _stride2_padding(kernel)[0])))
            if batchnorm and i > 0:  # DCGAN: no normalisation on the input layer
                trunk.append(nn.BatchNorm2d(chans[i + 1]))
            trunk.append(nn.LeakyReLU(0.2, inplace=True))
        self.trunk = nn.Sequential(*trunk)
        c = chans[-1]
        features = c * 16
        if conditioning == "concat":
            self.cond_embed = nn.Sequential(sn(nn.Linear(cond_dim, cond_embed)), nn.LeakyReLU(0.2))
            joint: list[nn.Module] = [sn(nn.Conv2d(c + cond_embed, c, 1))]
            if batchnorm:
                joint.append(nn.BatchNorm2d(c))
            self.joint = nn.Sequential(*joint, nn.LeakyReLU(0.2, inplace=True))
        elif conditioning == "projection" and head == "embedding":
            # the public code's head: a 1x1 conv with BatchNorm, then a 128-d linear image embedding that the
            # projection, the scalar output and the classifier read; its linear layers without spectral norm
            self.head = nn.Sequential(sn(nn.Conv2d(c, c, 1)), nn.BatchNorm2d(c), nn.LeakyReLU(0.2, inplace=True),
                                      nn.Flatten(), nn.Linear(features, CONCAT_EMBED_DIM))
            features = CONCAT_EMBED_DIM
            self.embed = nn.Linear(cond_dim, features)
        elif conditioning == "projection":
            self.embed = sn(nn.Linear(cond_dim, features, bias=False))
        plain = head == "embedding" and conditioning == "projection"
        self.psi = nn.Linear(features, 1) if plain else sn(nn.Linear(features, 1))
        self.classifier = (None if not aux_classifier else nn.Linear(features, n_classes) if plain
                           else sn(nn.Linear(features, n_classes)))

    def forward(self, x: Tensor, s: Tensor) -> tuple[Tensor, Tensor | None]:
        phi = self.trunk(x)
        flat = self.head(phi) if hasattr(self, "head") else phi.flatten(1)
        if self.conditioning == "concat":
            e = self.cond_embed(s)[:, :, None, None].expand(-1, -1, phi.shape[2], phi.shape[3])
            logit = self.psi(self.joint(torch.cat([phi, e], dim=1)).flatten(1)).squeeze(1)
        else:
            logit = self.psi(flat).squeeze(1)
            if self.conditioning == "projection":
                logit = logit + (self.embed(s) * flat).sum(dim=1)
        classes = self.classifier(flat) if self.classifier is not None else None
        return logit, classes


S2I_CODE_VERSION = 1  # bump when a change to the S2I networks or a default of S2IConfig changes what a model is


@dataclass(frozen=True)
class S2IConfig:
    """Everything that defines one S2I model and its training; the defaults are the paper's full model (g).

    The paper gives 64x64 images, a 10-d z (its G input is 266-d: the 256-d SoundNet feature and z), four
    (de)convolution layers, G five times per D update, Adam 2e-4 and 300 epochs; beta1 0.5 and batch 32 come from
    its public code, and width 64 is the kit's choice (the paper gives none). Two departures, stated: G halves its
    channels at each up-sampling layer (DCGAN's shape; the paper says "ascending number of kernels" without
    numbers), and the condition enters G as it is, without Reed et al.'s compression to 128 values. The losses are eq. 1-2 as written: no mismatched-pair term (``mismatched_term`` adds Reed et al.'s
    GAN-CLS term, as the public code's non-hinge rungs do).
    """

    image_size: int = 64
    width: int = 64
    z_dim: int = 10
    use_noise: bool = True
    loss: str = "hinge"
    conditioning: str = "projection"
    spectral_norm: bool = True
    sn_variant: str = "power-iteration"
    aux_classifier: bool = True
    aux_weight: float = 1.0
    mismatched_term: bool = False
    batchnorm_in_d: bool = False
    condition_embedding: int = 0  # Chen et al.: 64 (FC + leaky ReLU in G and D); 0: as Wan et al. (see above)
    gp_weight: float = 10.0
    d_steps: int = 1
    g_steps: int = 5
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    batch_size: int = 32
    epochs: int = 300
    sampling: str = "shuffle"  # or "class_balanced" (the public code draws batches balanced over classes)
    negatives: str = "mean"  # D's generated and wrong terms averaged (Reed et al.); "sum": the public code's
    kernel: int = 4  # the (de)convolutions' kernel (DCGAN's 4; the public code's 5)
    fresh_g_batches: bool = False  # each G step on a new batch (the public code), not on the D step's
    d_head: str = "paper"  # "embedding": the public code's projection head (see S2IDiscriminator)
    public_code: bool = False
    # which generator samples: the trained one ("last") or the average of its weights ("ema", Yazici et al.), which
    # every training keeps; a choice of use, so it is no part of the training's key
    weights: str = "last"
    augment: str = ""  # DiffAugment's transforms on every image D sees (a2vlib.training.augment); "" for none
    lecam_weight: float = 0.0  # Tseng et al.'s LeCam regulariser of D (a2vlib.training.losses.LeCam); 0 for none

    def __post_init__(self) -> None:
        if self.conditioning not in CONDITIONINGS:
            raise ParamsError(f"S2IConfig.conditioning: {self.conditioning!r} is not one of {', '.join(CONDITIONINGS)}")
        if self.sn_variant not in SN_VARIANTS:
            raise ParamsError(f"S2IConfig.sn_variant: {self.sn_variant!r} is not one of {', '.join(SN_VARIANTS)}")
        if self.weights not in WEIGHTS:
            raise ParamsError(f"S2IConfig.weights: {self.weights!r} is not one of {', '.join(WEIGHTS)}")
        if self.d_head not in D_HEADS:
            raise ParamsError(f"S2IConfig.d_head: {self.d_head!r} is not one of {', '.join(D_HEADS)}")
        _levels(self.image_size)
        _stride2_padding(self.kernel)
        for name in ("width", "d_steps", "g_steps", "batch_size", "epochs", "z_dim"):
            if getattr(self, name) < (0 if name == "z_dim" else 1):
                raise ParamsError(f"S2IConfig.{name}: {getattr(self, name)} is out of range")
        object.__setattr__(self, "betas", tuple(self.betas))  # YAML gives lists; keep the config hashable
        self.training()  # an unknown loss or sampling fails here, when the configuration is made

    def replace(self, **changes: Any) -> S2IConfig:
        """A copy with ``changes``; an unknown field is a :class:`ParamsError` naming the known ones."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ParamsError(f"unknown S2IConfig field(s) {unknown}; known: {', '.join(sorted(known))}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def cache_key(self) -> dict[str, Any]:
        """What a cached model's key holds of this configuration: the version of the S2I code and the fields that
        differ from their defaults. A field added later with a default that keeps the old behaviour (one that only
        Chen's models set, say) leaves every cached model's key as it was; a changed default or network bumps
        :data:`S2I_CODE_VERSION`. ``weights`` is left out: it picks a generator of the same training."""
        defaults = S2IConfig()
        return {"s2i_code": S2I_CODE_VERSION, **{f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                                                 if getattr(self, f.name) != getattr(defaults, f.name)
                                                 and f.name != "weights"}}

    def training(self) -> TrainingConfig:
        """The training part of this configuration, as the trainer takes it."""
        return TrainingConfig(loss=self.loss, z_dim=self.z_dim, d_steps=self.d_steps, g_steps=self.g_steps,
                              lr_g=self.lr_g, lr_d=self.lr_d, betas=self.betas, batch_size=self.batch_size,
                              mismatched_term=self.mismatched_term, aux_weight=self.aux_weight,
                              gp_weight=self.gp_weight, sampling=self.sampling, negatives=self.negatives,
                              fresh_g_batches=self.fresh_g_batches, augment=self.augment,
                              lecam_weight=self.lecam_weight)


@register("model", "s2i")
def build_s2i(config: S2IConfig, cond_dim: int, n_classes: int) -> tuple[S2IGenerator, S2IDiscriminator]:
    """The generator and discriminator that ``config`` describes."""
    generator = S2IGenerator(cond_dim, z_dim=config.z_dim, image_size=config.image_size, width=config.width,
                             use_noise=config.use_noise, cond_embed=config.condition_embedding, kernel=config.kernel)
    discriminator = S2IDiscriminator(cond_dim, n_classes, image_size=config.image_size, width=config.width,
                                     spectral_norm=config.spectral_norm, conditioning=config.conditioning,
                                     aux_classifier=config.aux_classifier, batchnorm=config.batchnorm_in_d,
                                     sn_variant=config.sn_variant,
                                     cond_embed=config.condition_embedding or CONCAT_EMBED_DIM, kernel=config.kernel,
                                     head=config.d_head)
    return generator, discriminator


@torch.no_grad()
def generate_images(generator: nn.Module, cond: Any, z_dim: int, seed: int = 0, z: Tensor | None = None,
                    batch_size: int = 512) -> Any:
    """uint8 images (N, H, W, 3) that ``generator`` makes for condition vectors ``cond``; ``z`` drawn from ``seed``
    unless given. The generator is put in eval mode for the call and restored after."""
    import numpy as np

    was_training = generator.training
    generator.eval()
    device = next(generator.parameters()).device
    c = torch.as_tensor(np.asarray(cond, dtype=np.float32))
    if z is None:
        z = torch.randn(len(c), z_dim, generator=torch.Generator().manual_seed(seed))
    out = torch.cat([generator(c[i:i + batch_size].to(device), z[i:i + batch_size].to(device)).clamp(-1, 1).cpu()
                     for i in range(0, len(c), batch_size)])
    generator.train(was_training)
    return ((out.permute(0, 2, 3, 1).numpy() + 1) * 127.5).round().astype(np.uint8)
