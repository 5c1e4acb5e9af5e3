"""One trainer for every GAN in the kit (S2I, I2S, V2RA).

The data are triples (sample, condition, label): the sample is what the generator makes (an image, a spectrogram,
a waveform), the condition any tensor both networks take, the label an optional class index (for the auxiliary
classifier and mismatched conditions from another class). The trainer never looks at shapes.

Contract with the networks: ``generator(condition, z)`` (or ``generator(condition)`` when ``z_dim`` is None) returns
a batch shaped like the samples; ``discriminator(sample, condition)`` returns scores, or a tuple (scores, class
logits or None). Scores may have any shape (N, ...): the losses average over every element, so patch
discriminators work too.

Resuming is exact on CPU: a checkpoint holds the models, optimisers, every random-number state and the history, and
an interrupted run that is resumed ends with the same weights, bit for bit, as one that ran straight through.
"""
from __future__ import annotations

import contextlib
import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from a2vlib.core.atomic import atomic_path
from a2vlib.core.cache import build_lock, cache_folder
from a2vlib.core.errors import A2VError, DataError
from a2vlib.training import distributed
from a2vlib.training.augment import diff_augment
from a2vlib.training.batches import Samples as _Samples, mismatched_indices
from a2vlib.training.config import FIELDS, SAMPLINGS, TrainingConfig
from a2vlib.training.ema import WeightAverage
from a2vlib.training.losses import LeCam, aux_classifier_loss, get_loss, gradient_penalty, l1_loss
from a2vlib.core.device import pick_device, rng_preserved, seed_everything
from a2vlib.core.progress import progress

CHECKPOINT_NAME = "checkpoint.pt"
CHECKPOINT_VERSION = 2  # in every cached run's key; 2: a checkpoint holds the generator's weight average
# What must match between a run and the checkpoint it resumes: the training configuration and the seed.
_RESUME_KEYS = (*FIELDS, "seed")
_ADDED_OPTIONS = {"l1_weight": 0.0, "adv_weight": 1.0, "negatives": "mean", "fresh_g_batches": False, "augment": "",
                  "lecam_weight": 0.0}

Batch = tuple[Tensor, Tensor, "Tensor | None"]
Callback = Callable[["GANTrainer", int, dict[str, Any]], "dict[str, Any] | None"]


def _plain(value: Any) -> Any:
    """NumPy and 0-d torch numbers as Python numbers, so the history loads with ``weights_only=True``."""
    one = (isinstance(value, Tensor) and value.numel() == 1) or isinstance(value, np.generic)
    return value.item() if one else value


@dataclass
class TrainResult:
    generator: nn.Module
    discriminator: nn.Module
    history: list[dict[str, Any]] = field(default_factory=list)
    generator_ema: nn.Module | None = None  # the average of G's weights (:mod:`a2vlib.training.ema`)


class GANTrainer:
    """Alternating GAN training: per batch, ``d_steps`` discriminator updates, then ``g_steps`` generator updates
    (fresh z each step), with Adam for both.

    Discriminator loss = adversarial loss of ``loss`` on (real, generated[, wrong]) pairs (+ ``lecam_weight`` x LeCam)
    + ``gp_weight`` x gradient penalty (kinds that ask for one, e.g. ``wgan-gp``)
    + ``aux_weight`` x cross-entropy of the class head on real samples (when D has one and labels are given).
    Generator loss = adversarial loss + ``aux_weight`` x cross-entropy of the class head on generated samples
    + ``l1_weight`` x mean |real sample - generated sample| (Liu et al.'s eq. 9, pix2pix; off by default). The
    adversarial term is weighted by ``adv_weight`` (1; 0 trains G by the L1 term alone, Liu's Table 7 "L1" row).
    Wrong pairs (``mismatched_term``) pair each real sample with the condition of another batch entry of another
    class.

    ``callbacks`` run after each epoch as ``cb(trainer, epoch, metrics)`` (epoch counted from 1); a returned dict
    of plain numbers is merged into that epoch's metrics. They run with the random state saved and restored, so
    sampling in a callback does not change training. Checkpoints go to ``checkpoint_dir/checkpoint.pt`` every
    ``checkpoint_every`` epochs and after the last one.
    """

    def __init__(self, generator: nn.Module, discriminator: nn.Module, config: TrainingConfig | None = None, *,
                 seed: int = 0, device: str = "auto", checkpoint_dir: str | Path | None = None,
                 checkpoint_every: int = 1, callbacks: Sequence[Callback] = (), deterministic: bool = True):
        config = config if config is not None else TrainingConfig()
        if not isinstance(config, TrainingConfig):
            raise A2VError(f"GANTrainer takes a TrainingConfig, got {type(config).__name__}")
        self.config = config
        self.loss_spec = get_loss(config.loss)
        # what a checkpoint records and a resumed run must match (_RESUME_KEYS)
        self.options: dict[str, Any] = {**config.to_dict(), "seed": seed}
        lr_g, lr_d, betas = config.lr_g, config.lr_d, config.betas
        self.device = pick_device(device)
        self.generator = distributed.sync_batchnorm(generator, self.device).to(self.device)
        self.discriminator = distributed.sync_batchnorm(discriminator, self.device).to(self.device)
        self._d_params = [p for p in self.discriminator.parameters() if p.requires_grad]
        self.opt_g = torch.optim.Adam([p for p in self.generator.parameters() if p.requires_grad], lr=lr_g,
                                      betas=tuple(betas))
        self.opt_d = torch.optim.Adam(self._d_params, lr=lr_d, betas=tuple(betas))
        self.ema = WeightAverage(self.generator)  # a by-product: no random draw, no change to any update
        self.lecam = LeCam(config.lecam_weight)
        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.checkpoint_every = checkpoint_every
        self.callbacks = list(callbacks)
        self.deterministic = deterministic  # off trades bit-exact repeats for speed on a GPU
        self.data_generator = torch.Generator()  # orders the data; its own stream so it is checkpointed alone
        self.epoch = 0
        self.history: list[dict[str, Any]] = []
        self._checkpoint_epoch: int | None = None  # epoch of the checkpoint on disk from this run

    # -- networks -------------------------------------------------------------------------------------------
    def _generate(self, cond: Tensor) -> Tensor:
        z_dim = self.options["z_dim"]
        if z_dim is None:
            return self.generator(cond)
        # drawn for the global batch, this process's share taken: the same noise as one process would draw
        z = torch.randn(cond.shape[0] * distributed.world()[1], z_dim, device=cond.device)
        return self.generator(cond, distributed.share(z))

    def _discriminate(self, x: Tensor, cond: Tensor) -> tuple[Tensor, Tensor | None]:
        out = self.discriminator(diff_augment(x, self.options["augment"]), cond)  # real, generated and wrong alike
        return (out[0], out[1]) if isinstance(out, (tuple, list)) else (out, None)

    @torch.no_grad()
    def sample(self, cond: Tensor, z: Tensor | None = None) -> Tensor:
        """Generated samples for ``cond`` (and ``z``; drawn when None) with the generator in eval mode."""
        was_training = self.generator.training
        self.generator.eval()
        try:
            cond = cond.to(self.device)
            if self.options["z_dim"] is None:
                return self.generator(cond)
            if z is None:
                z = torch.randn(cond.shape[0], self.options["z_dim"], device=self.device)
            return self.generator(cond, z.to(self.device))
        finally:
            self.generator.train(was_training)

    # -- one iteration ----------------------------------------------------------------------------------------
    def _guard(self, who: str, terms: dict[str, Tensor], total: Tensor, where: str) -> None:
        """Stop before a non-finite loss reaches the weights; the last checkpoint on disk stays the good one. Under
        data parallelism every process stops when any one sees it (none waits forever in an all-reduce)."""
        if distributed.all_true(bool(torch.isfinite(total).all())):
            return
        bad = ", ".join(f"{k}={v.item()}" for k, v in terms.items() if not bool(torch.isfinite(v).all()))
        kept = (f"the last good checkpoint ({self.checkpoint_path}, epoch {self._checkpoint_epoch}) is kept"
                if self._checkpoint_epoch is not None else "no checkpoint had been written yet")
        raise A2VError(f"non-finite {who} loss ({self.options['loss']}) at {where}: {bad or f'total={total.item()}'}; "
                       f"training stopped before the update; {kept}")

    def _update(self, who: str, optimiser: torch.optim.Optimizer, terms: dict[str, Tensor], where: str) -> Tensor:
        """Sum the loss terms, stop on NaN/inf before touching the weights, then take one optimiser step."""
        total = sum(terms.values())
        self._guard(who, terms, total, where)
        optimiser.zero_grad(set_to_none=True)
        total.backward()
        distributed.average_gradients(p for group in optimiser.param_groups for p in group["params"])
        optimiser.step()
        return total

    def _d_step(self, x: Tensor, cond: Tensor, labels: Tensor | None, where: str,
                whole: tuple[Tensor, Tensor | None] | None = None) -> dict[str, Tensor]:
        """One D update; mismatched pairs are drawn over ``whole`` (the global batch's conditions and labels)."""
        with torch.no_grad():
            fake = self._generate(cond)
        real_out, real_cls = self._discriminate(x, cond)
        fake_out, _ = self._discriminate(fake, cond)
        wrong_out = None
        if self.options["mismatched_term"]:
            all_cond, all_labels = whole if whole is not None else (cond, labels)
            wrong = mismatched_indices(all_cond.shape[0], all_labels, device=all_cond.device)
            wrong_out, _ = self._discriminate(x, distributed.share(all_cond[wrong]))
        terms = {"d_adv": self.loss_spec.d(real_out, fake_out, wrong_out, negatives=self.options["negatives"])}
        if self.lecam.weight:  # its anchors follow the global batch's mean scores
            means = distributed.average({"m": torch.stack([real_out.mean(), fake_out.mean()]).detach()})["m"]
            terms["lecam"] = self.lecam(real_out, fake_out, means)
        if self.loss_spec.gradient_penalty:
            alpha = distributed.share(torch.rand(x.shape[0] * distributed.world()[1], device=x.device,
                                                 dtype=x.dtype))
            terms["gp"] = self.options["gp_weight"] * gradient_penalty(
                lambda v: self._discriminate(v, cond)[0], x, fake, alpha=alpha)
        if real_cls is not None and labels is not None and self.options["aux_weight"]:
            terms["d_aux"] = self.options["aux_weight"] * aux_classifier_loss(real_cls, labels)
        total = self._update("discriminator", self.opt_d, terms, where)
        stats = {"d_loss": total, **terms, "d_real": real_out.mean(), "d_fake": fake_out.mean()}
        if wrong_out is not None:
            stats["d_wrong"] = wrong_out.mean()
        return stats

    def _g_step(self, x: Tensor, cond: Tensor, labels: Tensor | None, where: str) -> dict[str, Tensor]:
        fake = self._generate(cond)
        fake_out, fake_cls = self._discriminate(fake, cond)
        terms = {"g_adv": self.options["adv_weight"] * self.loss_spec.g(fake_out)}
        if self.options["l1_weight"]:
            terms["g_l1"] = self.options["l1_weight"] * l1_loss(fake, x)
        if fake_cls is not None and labels is not None and self.options["aux_weight"]:
            terms["g_aux"] = self.options["aux_weight"] * aux_classifier_loss(fake_cls, labels)
        total = self._update("generator", self.opt_g, terms, where)
        self.ema.update(self.generator)
        return {"g_loss": total, **terms}

    def _iteration(self, x: Tensor, cond: Tensor, labels: Tensor | None, epoch: int, it: int,
                   whole: tuple[Tensor, Tensor | None] | None = None,
                   fresh: Callable[[], Batch] | None = None) -> list[dict[str, Tensor]]:
        stats = []  # D steps on the batch, then G steps on it (or each on a batch that ``fresh`` draws)
        for k in range(self.options["d_steps"]):
            stats.append(self._d_step(x, cond, labels, f"epoch {epoch}, iteration {it}, D step {k + 1}", whole))
        # D is frozen during G steps: no gradients for its weights are computed or kept
        for p in self._d_params:
            p.requires_grad_(False)
        try:
            for k in range(self.options["g_steps"]):
                xg, cg, lg = fresh() if fresh is not None else (x, cond, labels)
                stats.append(self._g_step(xg, cg, lg, f"epoch {epoch}, iteration {it}, G step {k + 1}"))
        finally:
            for p in self._d_params:
                p.requires_grad_(True)
        return stats

    # -- checkpoints ------------------------------------------------------------------------------------------
    @property
    def checkpoint_path(self) -> Path | None:
        return None if self.checkpoint_dir is None else self.checkpoint_dir / CHECKPOINT_NAME

    def _rng_state(self) -> dict[str, Any]:
        kind, keys, pos, has_gauss, gauss = np.random.get_state()
        return {"torch": torch.get_rng_state(),
                "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
                # NumPy's key array as a tensor, so the checkpoint loads with weights_only=True
                "numpy": (kind, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, gauss),
                "python": random.getstate(), "data": self.data_generator.get_state()}

    def _set_rng_state(self, state: dict[str, Any]) -> None:
        torch.set_rng_state(state["torch"])
        if state["cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda"])
        kind, keys, pos, has_gauss, gauss = state["numpy"]
        np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, gauss))
        random.setstate(state["python"])
        self.data_generator.set_state(state["data"])

    def save_checkpoint(self) -> Path:
        """Write the whole training state atomically: a reader (or a resumed run) never sees a partial file. Under
        data parallelism rank 0 writes and the others wait for it."""
        if self.checkpoint_path is None:
            raise A2VError("no checkpoint_dir was given to the trainer")
        if not distributed.is_main():
            distributed.barrier()
            self._checkpoint_epoch = self.epoch
            return self.checkpoint_path
        state = {"epoch": self.epoch, "history": self.history, "options": self.options,
                 "generator": self.generator.state_dict(), "discriminator": self.discriminator.state_dict(),
                 "generator_ema": self.ema.state_dict(), "lecam": self.lecam.state_dict(),
                 "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(), "rng": self._rng_state()}
        with atomic_path(self.checkpoint_path) as tmp:
            torch.save(state, tmp)
        self._checkpoint_epoch = self.epoch
        distributed.barrier()
        return self.checkpoint_path

    def load_checkpoint(self, path: str | Path | None = None) -> None:
        """Restore models, optimisers, random states, epoch and history from a checkpoint."""
        path = Path(path) if path is not None else self.checkpoint_path
        if path is None or not path.exists():
            raise A2VError(f"no checkpoint at {path}")
        state = torch.load(path, map_location="cpu", weights_only=True)
        saved = {k: tuple(v) if isinstance(v, list) else v for k, v in state["options"].items()}
        saved = {**_ADDED_OPTIONS, **saved}  # checkpoints from before these options had none of them
        differ = {k: (saved.get(k), self.options[k]) for k in _RESUME_KEYS if saved.get(k) != self.options[k]}
        if differ:
            raise A2VError(f"checkpoint {path} was written with other training options (saved, now): {differ}")
        if "generator_ema" not in state:
            raise A2VError(f"checkpoint {path} was written before the kit kept G's weight average; train it again")
        self.generator.load_state_dict(state["generator"])
        self.ema.load_state_dict(state["generator_ema"])
        self.lecam.load_state_dict(state.get("lecam", {}))
        self.discriminator.load_state_dict(state["discriminator"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self._set_rng_state(state["rng"])
        self.epoch, self.history = state["epoch"], state["history"]
        self._checkpoint_epoch = self.epoch

    # -- the loop ---------------------------------------------------------------------------------------------
    def fit(self, data: Any, epochs: int, resume: bool = False) -> TrainResult:
        """Train until ``epochs`` epochs are done in all. ``resume=True`` continues from the checkpoint in
        ``checkpoint_dir`` when there is one (else starts afresh); without it, epochs and history start from zero
        (on the models' current weights). Returns the models and the history: one dict per epoch with the mean
        losses and discriminator scores, ``images``, ``train_time_s`` (the updates alone), ``images_per_s`` and
        ``time_s`` (with callbacks)."""
        samples = _Samples(data)
        bs = self.options["batch_size"]
        n_batches = samples.n // bs if self.options["drop_last"] else math.ceil(samples.n / bs)
        if n_batches == 0:
            raise DataError(f"{samples.n} training samples make no full batch of {bs}; lower batch_size")
        distributed.check_batch(bs)  # batch_size is the global batch; each process takes its share
        seed_everything(self.options["seed"], deterministic=self.deterministic)
        found = bool(resume and self.checkpoint_path is not None and self.checkpoint_path.exists())
        if distributed.agree(found):  # rank 0 decides: a file system may show the checkpoint to one process first
            self.load_checkpoint()
        else:
            self.data_generator.manual_seed(self.options["seed"])
            self.epoch, self.history, self._checkpoint_epoch = 0, [], None
            self.ema, self.lecam = WeightAverage(self.generator, self.ema.decay), LeCam(self.lecam.weight)
        self.generator.train()
        self.discriminator.train()
        bar = progress(total=max(epochs - self.epoch, 0) * n_batches, desc="GAN training", unit="it")
        try:
            while self.epoch < epochs:
                self._run_epoch(samples, n_batches, bar)
        finally:
            bar.close()
        if self.checkpoint_path is not None and self._checkpoint_epoch != self.epoch:
            self.save_checkpoint()  # the final state, whatever checkpoint_every says
        return TrainResult(self.generator, self.discriminator, self.history, self.ema.model)

    def _epoch_order(self, samples: _Samples) -> Tensor:
        """The sample indices of one epoch: a permutation, or class-balanced draws with replacement."""
        labels = None if self.options["sampling"] == "shuffle" else samples.labels()
        if labels is None:
            return torch.randperm(samples.n, generator=self.data_generator)
        counts = torch.bincount(labels)
        weights = 1.0 / counts[labels].double()
        return torch.multinomial(weights, samples.n, replacement=True, generator=self.data_generator)

    def _run_epoch(self, samples: _Samples, n_batches: int, bar: Any) -> None:
        epoch, bs = self.epoch + 1, self.options["batch_size"]
        start = time.perf_counter()
        order = self._epoch_order(samples)
        sums: dict[str, Tensor] = {}
        counts: dict[str, int] = {}
        n_seen = 0
        parallel = distributed.world()[1] > 1

        def draw() -> Batch:  # a batch drawn afresh, as an epoch orders the data (its own stream: checkpointed)
            return tuple(None if t is None else t.to(self.device)
                         for t in samples.batch(distributed.share(self._epoch_order(samples)[:bs])))
        fresh = draw if self.options["fresh_g_batches"] else None
        for it in range(n_batches):
            batch = order[it * bs:(it + 1) * bs]
            x, cond, labels = samples.batch(distributed.share(batch))
            x, cond = x.to(self.device, non_blocking=True), cond.to(self.device, non_blocking=True)
            labels = None if labels is None else labels.to(self.device, non_blocking=True)
            whole = samples.batch(batch)[1:] if parallel and self.options["mismatched_term"] else None
            if whole is not None:  # the mismatched pairs are drawn over the whole batch
                whole = tuple(None if t is None else t.to(self.device) for t in whole)
            for step in self._iteration(x, cond, labels, epoch, it + 1, whole, fresh):
                for k, v in step.items():
                    sums[k] = sums[k] + v.detach() if k in sums else v.detach()
                    counts[k] = counts.get(k, 0) + 1
            n_seen += x.shape[0] * distributed.world()[1]
            bar.update(1)
        distributed.average_buffers(self.generator, self.discriminator)
        train_time = time.perf_counter() - start
        metrics: dict[str, Any] = {"epoch": epoch}
        metrics.update({k: v.item() for k, v in distributed.average({k: sums[k] / counts[k] for k in sums}).items()})
        metrics.update({"images": n_seen, "train_time_s": train_time, "images_per_s": n_seen / train_time})
        with rng_preserved():
            for callback in self.callbacks:
                extra = callback(self, epoch, dict(metrics))
                if extra:
                    metrics.update({k: _plain(v) for k, v in extra.items()})
        self.generator.train()  # a callback may have switched modes
        self.discriminator.train()
        metrics["time_s"] = time.perf_counter() - start
        self.history.append(metrics)
        self.epoch = epoch
        bar.set_postfix(d_loss=f"{metrics['d_loss']:.3f}", g_loss=f"{metrics['g_loss']:.3f}", refresh=False)
        if self.checkpoint_path is not None and self.checkpoint_every and epoch % self.checkpoint_every == 0:
            self.save_checkpoint()


def train_gan(generator: nn.Module, discriminator: nn.Module, data: Any, epochs: int,
              config: TrainingConfig | None = None, resume: bool = False, **run: Any) -> TrainResult:
    """Build a :class:`GANTrainer` (``run``: seed, device, checkpoint_dir, callbacks, ...) and fit it."""
    return GANTrainer(generator, discriminator, config, **run).fit(data, epochs, resume=resume)


def fit_cached(kind: str, key: Any, generator: nn.Module, discriminator: nn.Module, data: Any, epochs: int,
               config: TrainingConfig | None = None, *, seed: int = 0, device: str | torch.device = "auto",
               callbacks: Sequence[Callback] = (), checkpoints: int = 4, resume: bool = True
               ) -> tuple[TrainResult, Path, bool]:
    """Train with checkpoints under ``.cache/<kind>/<hash of key>`` (about ``checkpoints`` per run, written
    atomically): a finished run is loaded, not trained again, and an interrupted one resumes where it stopped.
    ``key`` must name everything that defines the run (data, configuration, seed). Returns the result, the folder and
    whether a checkpoint was found there."""
    folder = cache_folder(kind, {"run": key, "device": pick_device(device).type,  # a GPU's model is not a CPU's
                                 "checkpoint": CHECKPOINT_VERSION})
    folder.mkdir(parents=True, exist_ok=True)
    # the same run asked for twice at once (two workers): the second waits and loads the first's; the processes of
    # one data-parallel run are one run, not rivals
    with build_lock(folder) if distributed.world()[1] == 1 else contextlib.nullcontext():
        found = resume and (folder / CHECKPOINT_NAME).exists()
        trainer = GANTrainer(generator, discriminator, config, seed=seed, device=device, checkpoint_dir=folder,
                             checkpoint_every=max(1, epochs // checkpoints), callbacks=callbacks)
        return trainer.fit(data, epochs, resume=resume), folder, found
