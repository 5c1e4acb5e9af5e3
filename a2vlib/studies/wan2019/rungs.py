"""The ablation ladder of Wan et al.'s Table 4 as named steps over one default, and the public code's deviations.

Each row of Table 4 adds one thing to the row above. Here each rung is its parent plus *named steps*, each step a
small config delta: the one change the paper names for that row, or, where a change is needed that the paper does
not name, a separate step with a rung of its own, marked as the kit's (``source="kit"``). Walking the ladder from
(c) upward must arrive exactly at :class:`~a2vlib.models.s2i.S2IConfig`'s default, the full model (g); a test checks it.

Rung (b), improved WGAN, branches off (c): (c) with the Wasserstein loss and gradient penalty, on the paper's own
schedule (§5: Adam at 2e-4 "for all experiments", the generator five times per discriminator update) and (c)'s
BatchNorm in D. Gulrajani et al.'s own settings (5 critic updates per generator update, Adam 1e-4 with betas (0, 0.9),
no BatchNorm in the critic) are a kit rung of their own, (b+), over (b).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from a2vlib.core.errors import A2VError
from a2vlib.models.s2i import S2IConfig
from a2vlib.papers import wan2019
from a2vlib.registry import register_all


@dataclass(frozen=True)
class Step:
    """One named change: what it is, who names it (``paper``, ``Gulrajani et al.``, ``kit``), and its delta."""

    what: str
    source: str
    delta: Mapping[str, Any]


STEPS: dict[str, Step] = {
    "reed_cgan": Step("Reed et al.'s conditional GAN: condition concatenated in D, BatchNorm in D, cross-entropy loss, "
                      "no spectral norm, no auxiliary classifier", "paper",
                      {"loss": "bce", "conditioning": "concat", "spectral_norm": False, "batchnorm_in_d": True,
                       "aux_classifier": False}),
    "improved_wgan": Step("improved WGAN: Wasserstein loss with gradient penalty", "paper", {"loss": "wgan-gp"}),
    "gulrajani_settings": Step("Gulrajani et al.'s own settings: 5 critic updates per generator update (on the "
                               "same batch here), Adam 1e-4 with betas (0, 0.9), lambda 10, no BatchNorm in the critic",
                               "Gulrajani et al.",
                               {"d_steps": 5, "g_steps": 1, "lr_g": 1e-4, "lr_d": 1e-4, "betas": (0.0, 0.9),
                                "batchnorm_in_d": False}),  # lambda 10 is the kit's default already
    "spectral_norm": Step("+ spectral normalisation of every layer of D", "paper", {"spectral_norm": True}),
    "drop_batchnorm_in_d": Step("- BatchNorm in D: the paper's D is 'convolution layers with spectral "
                                "normalization' (SN-GAN's has no BatchNorm); the paper does not say where it goes",
                                "kit", {"batchnorm_in_d": False}),
    "hinge": Step("+ hinge loss (eq. 1-2)", "paper", {"loss": "hinge"}),
    "projection": Step("+ projection discriminator", "paper", {"conditioning": "projection"}),
    "aux_classifier": Step("+ auxiliary classifier", "paper", {"aux_classifier": True}),
    "weight_average": Step("+ samples from an exponential moving average of G's weights (Yazici et al. 2019; "
                           "decay 0.999): the same training as its parent, only the generator that samples differs",
                           "kit", {"weights": "ema"}),
    "diffaugment": Step("+ DiffAugment (Zhao et al. 2020): colour, translation and cutout drawn afresh on every image "
                        "D sees, real and generated, in D's steps and G's", "kit",
                        {"augment": "color,translation,cutout"}),
    "lecam": Step("+ LeCam regularisation of D (Tseng et al. 2021; weight 0.3, their CIFAR setting; anchors: moving "
                  "averages of D's mean real and generated scores, decay 0.99)", "kit", {"lecam_weight": 0.3}),
}


@dataclass(frozen=True)
class Rung:
    """A row of the ladder: its parent rung and the named steps it adds."""

    label: str
    parent: str | None
    steps: tuple[str, ...]


RUNGS: dict[str, Rung] = {
    "c": Rung(wan2019.TABLE4_MODELS["c"], None, ("reed_cgan",)),
    "b": Rung(wan2019.TABLE4_MODELS["b"], "c", ("improved_wgan",)),
    "b+": Rung("with Gulrajani et al.'s settings (kit rung)", "b", ("gulrajani_settings",)),
    "d": Rung(wan2019.TABLE4_MODELS["d"], "c", ("spectral_norm",)),
    "d+": Rung("- BatchNorm in D (kit step)", "d", ("drop_batchnorm_in_d",)),
    "e": Rung(wan2019.TABLE4_MODELS["e"], "d+", ("hinge",)),
    "f": Rung(wan2019.TABLE4_MODELS["f"], "e", ("projection",)),
    "g": Rung(wan2019.TABLE4_MODELS["g"], "f", ("aux_classifier",)),
    "g+ema": Rung("+ EMA of G's weights (kit rung)", "g", ("weight_average",)),
    "g+ema+da": Rung("+ DiffAugment (kit rung)", "g+ema", ("diffaugment",)),
    "g+ema+lc": Rung("+ LeCam (kit rung)", "g+ema", ("lecam",)),
}
LADDER = ("b", "b+", "c", "d", "d+", "e", "f", "g", "g+ema", "g+ema+da", "g+ema+lc")
PAPER_RUNGS = tuple(r for r in LADDER if r in wan2019.TABLE4)  # the rows with a number in Table 4
KIT_RUNGS = ("b+", "g+ema", "g+ema+da", "g+ema+lc")  # rungs of the kit's, beside the paper's
register_all("rung", RUNGS)
_PUBLIC = tuple(r for r in LADDER if r not in KIT_RUNGS)  # the rungs the public code has


def rung_label(rung: str) -> str:
    """``(d) + Spectral Norm``; (a) is the real-image upper bound."""
    if rung == "a":
        return f"(a) {wan2019.TABLE4_MODELS['a']}"
    return f"({rung}) {RUNGS[rung].label}"


def rung_steps(rung: str) -> list[str]:
    """The named steps from the bottom of the ladder up to ``rung``, in order."""
    if rung not in RUNGS:
        raise A2VError(f"unknown rung {rung!r}; the rungs are {', '.join(LADDER)} "
                       "((a) is the real-image upper bound, not a model)")
    spec = RUNGS[rung]
    return (rung_steps(spec.parent) if spec.parent else []) + list(spec.steps)


# What the public TensorFlow code does differently from the paper. ``delta`` (a value, or a function of the current
# value, described by ``as``) applies to the listed rungs' configs; ``scoring`` changes how the score is computed; an
# entry with neither is listed with the reason it is not applied. ``where``: the file and line of the public
# repository (wjohn1483/Audio_to_Scene_Image_Generator at ef7d89a) that shows it.
PUBLIC_CODE = "wjohn1483/Audio_to_Scene_Image_Generator at ef7d89a"
PUBLIC_CODE_DEVIATIONS: dict[str, dict[str, Any]] = {
    "noise_not_fed": {
        "what": "z is never fed to the generator (its input is the sound vector alone)",
        "where": "models/model_improved_wgan.py:167-168 and every other generator: `#z_concat = tf.concat(1, [t_z, "
                 "reduced_text_embedding])`, `z_concat = t_text_embedding`",
        "rungs": _PUBLIC, "delta": {"use_noise": False}},
    "condition_raw_in_g": {
        "what": "G computes a 128-value compression of the sound vector (t_dim) but feeds the vector as it is; t_dim "
                "acts in D alone (its d_embedding). The kit's G takes the vector as it is too, and its D compresses "
                "to 128 values: no change to apply",
        "where": "models/model_improved_wgan.py:165-168 (`reduced_text_embedding = ...` then `z_concat = "
                 "t_text_embedding`), :195-200 (`ops.linear(t_text_embedding, self.options['t_dim'], 'd_embedding')`)",
        "rungs": _PUBLIC, "delta": {"condition_embedding": 0}},
    "spectral_norm_u_frozen": {
        "what": "the spectral-norm power-iteration vector u is never updated",
        "where": "Utils/sn.py:45 puts `u.assign(u_final)` in UPDATE_OPS, which train.py:96-97, 117, 128 never run",
        "rungs": ("d", "d+", "e", "f", "g"), "delta": {"sn_variant": "frozen-u"}},
    "sigma_scaled_098": {
        "what": "sigma is multiplied by 0.98, so weights end slightly above unit spectral norm (part of the "
                "frozen-u variant above)", "where": "Utils/sn.py:32, 38: `sigma = ...[0, 0] * 0.98`",
        "rungs": ("d", "d+", "e", "f", "g"), "delta": {"sn_variant": "frozen-u"}},
    "batchnorm_with_spectral_norm": {
        "what": "the discriminator keeps BatchNorm alongside spectral norm",
        "where": "models/model_conditional_gan_with_spectral_norm.py:175-177: `self.d_bn1(ops.conv2d_sn(...))`",
        "rungs": ("d", "d+", "e", "f", "g"), "delta": {"batchnorm_in_d": True}},
    "sn_rung_wasserstein_loss": {
        "what": "the '+SN' rung also switches to a Wasserstein loss without gradient penalty (two changes at once)",
        "where": "models/model_conditional_gan_with_spectral_norm.py:48-52: `g_loss = tf.reduce_mean(disc_real_image) "
                 "- tf.reduce_mean(disc_fake_image)`, no penalty term",
        "rungs": ("d", "d+"), "delta": {"loss": "wgan"}},
    "mismatched_term_until_hinge": {
        "what": "the rungs before '+hinge' train with Reed et al.'s mismatched-pair term, which the hinge rungs drop",
        "where": "models/model_improved_wgan.py:39-41 (D on real, wrong and fake pairs); "
                 "model_conditional_gan_with_hinge_loss_spectral_norm.py:45-46 (real and fake only)",
        "rungs": ("b", "c", "d", "d+"), "delta": {"mismatched_term": True}},
    "wgan_gp_weight_20": {
        "what": "the improved-WGAN critic's gradient penalty is weighted 20, not Gulrajani et al.'s 10 (the public "
                "code's other WGAN-GP files use 10)",
        "where": "models/model_improved_wgan.py:63: `lam=20`",
        "rungs": ("b",), "delta": {"gp_weight": 20.0}},
    "negatives_summed_in_c": {
        "what": "(c)'s D loss adds its real, wrong and generated terms (d_loss1 + d_loss2 + d_loss3); (b) and (d) "
                "halve the wrong and generated terms (0.5*d_loss2 + 0.5*d_loss3 - d_loss1), which is the kit's "
                "averaging already",
        "where": "models/model_conditional_gan.py:49 (sum); model_improved_wgan.py:50 and "
                 "model_conditional_gan_with_spectral_norm.py:52 (halved)",
        "rungs": ("c",), "delta": {"negatives": "sum"}},
    "widths_200": {
        "what": "gf_dim = df_dim = 200 at 64 px: the profile's width times 200/64 (200 under the paper profile's "
                "width 64)", "where": "run_soundnet.sh:21-22: `gf_dim=200`, `df_dim=200`",
        "rungs": _PUBLIC, "delta": {"width": lambda width: max(1, round(width * 200 / 64))},
        "as": "width x 200/64"},
    "kernels_5x5": {
        "what": "every (de)convolution has a 5x5 kernel", "where": "Utils/ops.py:73, 120: `k_h=5, k_w=5`",
        "rungs": _PUBLIC, "delta": {"kernel": 5}},
    "epochs_301": {
        "what": f"trains one epoch more than the paper's {wan2019.EPOCHS.value:g} (its loop runs 301 epochs; the "
                "model of epoch 300 is tested)", "where": "run_soundnet.sh:15, 17: `testing_epoch=300`, `epochs=301`",
        "rungs": _PUBLIC, "delta": {"epochs": lambda epochs: epochs + 1}, "as": "epochs=+1"},
    "class_balanced_batches": {
        "what": "batches are drawn balanced over the classes (a class, then a picture of it)",
        "where": "data_loader/soundnet_mix_multi_auxiliary_classifier_dataloader.py:50-56",
        "rungs": _PUBLIC, "delta": {"sampling": "class_balanced"}},
    "class_contiguous_folds": {
        "what": "the score takes one image per test sound (248 test clips), gathered class folder by class folder, "
                "in 10 contiguous splits: about 25 images a split, each split nearly one class",
        "where": "run_soundnet.sh:47 (`--n_images=1`); compute_inception_score.py:29, 52-53, 107-117",
        "rungs": _PUBLIC, "scoring": {"protocol": "public", "splits": 10}},
    "embedding_discriminator": {
        "what": "the projection and auxiliary-classifier D adds a 1x1 convolution with BatchNorm and a 128-d linear "
                "image embedding that the projection, the scalar output and the auxiliary classifier read, without "
                "spectral norm on those linear layers",
        "where": "models/model_conditional_gan_with_hinge_loss_spectral_norm_projection_discriminator_auxiliary_"
                 "classifier.py:181-192",
        "rungs": ("f", "g"), "delta": {"d_head": "embedding"}},
    "fresh_batch_per_g_step": {
        "what": "each of the generator steps draws a fresh (class-balanced) batch, not the discriminator's",
        "where": "train.py:114-128: `get_feed_dict(...)` inside both the D and the five G steps",
        "rungs": _PUBLIC, "delta": {"fresh_g_batches": True}},
    "per_class_scoring": {
        "what": "each class's images (one per test sound: 19-35 a class) are also scored alone in the same 10 splits "
                "(1-4 images a split), and averaged over the classes; where a class has fewer images than splits, "
                "the public code's empty splits give NaN and the kit uses one split per image",
        "where": "compute_inception_score.py:118, 122",
        "rungs": _PUBLIC, "scoring": {"protocol": "public", "per_class_score": True, "splits": 10}},
    "keyword_cleaning": {
        "what": "cleaning keeps a frame when a top-5 Inception label contains a keyword; the committed keyword list "
                "is a placeholder (['beach']) to edit by hand",
        "where": "soundnet/scripts/classify_image.py:261-271, 372",
        "rungs": (), "not_applied": "the cleaning of notebook 01 follows the paper's agreement rule; the keyword "
                                    "lists are Inception's ImageNet labels, which SceneSynth-9 has no use for"},
}


# Where the paper leaves the kit a choice in every rung, and the kit's reading (shown under the ladder's steps).
READINGS: dict[str, dict[str, str]] = {
    "spectral_norm_on_linear_layers": {
        "paper": "D is 'the cascade of several convolution layers with spectral normalization [7] in each layer'",
        "kit": "spectral norm wraps every convolution and every linear layer of D (the projection, the output and "
               "the auxiliary classifier too), as SN-GAN does; the public code normalises the convolutions only"},
    "projection_over_the_flattened_map": {
        "paper": "'The projection layer which is simply a linear transformation projects the sound vector' into a "
                 "latent representation whose inner product with the image feature adds to the score",
        "kit": "the image feature is D's whole 4 x 4 x C output, flattened (SN-GAN's projection sums it over space "
               "first)"},
    "no_mismatched_term_before_hinge": {
        "paper": "training is 'similar to text-to-image[2]' (Reed et al., whose D also sees wrong pairs), yet eq. 1-2 "
                 "have no wrong-pair term",
        "kit": "eq. 1-2 as written in every rung: (b), (c) and (d) train without Reed et al.'s mismatched term (the "
               "public code adds it before +hinge: a listed deviation)"},
}


def _apply(config: S2IConfig, delta: Mapping[str, Any]) -> S2IConfig:
    changes = {k: v(getattr(config, k)) if callable(v) else v for k, v in delta.items()}
    return config.replace(**changes)


def rung_config(rung: str = "g", public_code: bool = False, **sizes: Any) -> S2IConfig:
    """The configuration of ``rung``: the default with the profile's ``sizes`` (image size, width, epochs, batch,
    schedule), then the rung's named steps from the bottom of the ladder, then (``public_code``) the public code's
    deviations for that rung. The steps come after the sizes, so (b) keeps Gulrajani's schedule whatever the
    profile's ``g_steps``."""
    config = S2IConfig().replace(**sizes)
    for name in rung_steps(rung):
        config = _apply(config, STEPS[name].delta)
    if public_code:
        for deviation in PUBLIC_CODE_DEVIATIONS.values():
            if rung in deviation["rungs"] and "delta" in deviation:
                config = _apply(config, deviation["delta"])
        config = config.replace(public_code=True)
    return config


def public_code_scoring(per_class: bool = False) -> dict[str, Any]:
    """Evaluation settings of the public code, to score its models its own way too: one image per test sound in
    class-contiguous splits, or (``per_class``) each class's images alone, averaged over the classes."""
    out: dict[str, Any] = {}
    for deviation in PUBLIC_CODE_DEVIATIONS.values():
        if "scoring" in deviation and bool(deviation["scoring"].get("per_class_score")) == per_class:
            out.update(deviation["scoring"])
    return out


def delta_table(sizes: Mapping[str, Any], rungs: tuple[str, ...] | list[str] = LADDER,
                describe: Callable[[Mapping[str, Any]], str] | None = None) -> list[dict[str, str]]:
    """One row per rung: its parent, each named step it adds (who names it) and the config fields that step
    changes, so the ladder reads as one change per row."""
    describe = describe or (lambda d: ", ".join(f"{k}={v}" for k, v in d.items()))
    rows = []
    for rung in rungs:
        spec = RUNGS[rung]
        parent = rung_config(spec.parent, **sizes) if spec.parent else S2IConfig().replace(**sizes)
        for name in spec.steps:
            step = STEPS[name]
            after = _apply(parent, step.delta)
            changed = {k: getattr(after, k) for k in step.delta if getattr(after, k) != getattr(parent, k)}
            rows.append({"rung": rung_label(rung), "over": f"({spec.parent})" if spec.parent else "the default",
                         "step": name, "named by": step.source, "what": step.what, "changes": describe(changed)})
            parent = after
    return rows
