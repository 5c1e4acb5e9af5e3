"""The one training configuration of the kit's GANs (S2I, I2S, V2RA): everything the trainer needs to know besides the
networks, the data, the seed and where to run. A study's model configuration (``S2IConfig``, Liu's and Chen's sizes)
holds one or builds one; the trainer takes it, and a checkpoint resumes only under the same one.

It imports no trainer, so a network module can build one without knowing how training runs.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from a2vlib.core.errors import ParamsError
from a2vlib.training.augment import parse_policy
from a2vlib.training.losses import GP_WEIGHT, LOSSES, NEGATIVES  # the one list of losses: where they are implemented

# How each epoch orders the data: a permutation, or draws balanced over classes (the public code of Wan et al.).
SAMPLINGS = ("shuffle", "class_balanced")


@dataclass(frozen=True)
class TrainingConfig:
    """How a GAN is trained. ``z_dim`` None: the generator takes no noise (V2RA); ``l1_weight`` > 0 adds an L1 term
    between generated and real samples (V2RA); ``mismatched_term`` adds Reed et al.'s wrong-pair term (GAN-CLS);
    ``aux_weight`` weighs the auxiliary classifier's loss where the discriminator has one."""

    loss: str = "hinge"
    z_dim: int | None = 100
    d_steps: int = 1
    g_steps: int = 1
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    batch_size: int = 32
    mismatched_term: bool = False
    aux_weight: float = 1.0
    gp_weight: float = GP_WEIGHT
    drop_last: bool = True
    sampling: str = "shuffle"
    l1_weight: float = 0.0
    adv_weight: float = 1.0
    negatives: str = "mean"  # the D loss's generated and wrong terms: averaged (Reed et al.) or summed
    fresh_g_batches: bool = False  # each G step on a newly drawn batch (the public code of Wan et al.), not D's
    augment: str = ""  # DiffAugment's transforms on every image D sees (a2vlib.training.augment); "" for none
    lecam_weight: float = 0.0  # Tseng et al.'s LeCam regulariser of D (a2vlib.training.losses.LeCam); 0 for none

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise ParamsError(f"training loss {self.loss!r}: unknown; known: {', '.join(LOSSES)}")
        if self.sampling not in SAMPLINGS:
            raise ParamsError(f"training sampling {self.sampling!r}: not one of {', '.join(SAMPLINGS)}")
        parse_policy(self.augment)
        if self.negatives not in NEGATIVES:
            raise ParamsError(f"training negatives {self.negatives!r}: not one of {', '.join(NEGATIVES)}")
        if self.lecam_weight < 0:
            raise ParamsError(f"training lecam_weight = {self.lecam_weight}: must be >= 0 (0: no LeCam term)")
        for name in ("d_steps", "g_steps", "batch_size"):
            if getattr(self, name) < 1:
                raise ParamsError(f"training {name} = {getattr(self, name)}: must be at least 1")
        if self.z_dim is not None and self.z_dim < 0:
            raise ParamsError(f"training z_dim = {self.z_dim}: must be >= 0, or None for no noise")
        object.__setattr__(self, "betas", tuple(self.betas))  # YAML gives lists; keep the config hashable

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def replace(self, **changes: Any) -> TrainingConfig:
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ParamsError(f"unknown training option(s) {unknown}; known: {', '.join(sorted(known))}")
        return dataclasses.replace(self, **changes)


FIELDS = tuple(f.name for f in dataclasses.fields(TrainingConfig))
