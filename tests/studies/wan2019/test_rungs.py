"""The ablation ladder of Wan et al.'s Table 4 as named steps over the default, and the public code's deviations."""
import dataclasses

import pytest
import torch
from torch.nn.utils import parametrize

from a2vlib.core.errors import A2VError, ParamsError
from a2vlib.models.s2i import S2IConfig, build_s2i
from a2vlib.papers import wan2019
from a2vlib.studies.wan2019 import rungs
from a2vlib.studies.wan2019.rungs import (LADDER, PAPER_RUNGS, PUBLIC_CODE_DEVIATIONS, RUNGS, STEPS, delta_table,
                                          public_code_scoring, rung_config, rung_label, rung_steps)

SIZES = {"image_size": 32, "width": 8, "epochs": 3, "batch_size": 8}
FIELDS = [f.name for f in dataclasses.fields(S2IConfig)]
GULRAJANI = {"d_steps": 5, "g_steps": 1, "betas": (0.0, 0.9), "lr_g": 1e-4, "lr_d": 1e-4, "gp_weight": 10.0,
             "batchnorm_in_d": False}


def changed(a: S2IConfig, b: S2IConfig) -> set[str]:
    return {name for name in FIELDS if getattr(a, name) != getattr(b, name)}


@pytest.mark.parametrize("sizes", [{}, {"image_size": 32, "width": 8}, SIZES])
def test_walking_up_from_c_arrives_at_the_default(sizes):
    config = rung_config("c", **sizes)
    for rung in ("d", "d+", "e", "f", "g"):
        for name in RUNGS[rung].steps:
            config = config.replace(**STEPS[name].delta)
    assert config == S2IConfig().replace(**sizes)
    assert rung_config("g", **sizes) == S2IConfig().replace(**sizes)
    assert rung_config(**sizes) == S2IConfig().replace(**sizes)  # (g) is the default rung


def test_ladder_shape():
    assert LADDER == ("b", "b+", "c", "d", "d+", "e", "f", "g", "g+ema", "g+ema+da", "g+ema+lc")
    assert set(RUNGS) == set(LADDER)
    assert PAPER_RUNGS == ("b", "c", "d", "e", "f", "g")
    assert {r: RUNGS[r].parent for r in LADDER} == {"b": "c", "b+": "b", "c": None, "d": "c", "d+": "d", "e": "d+",
                                                    "f": "e", "g": "f", "g+ema": "g", "g+ema+da": "g+ema",
                                                    "g+ema+lc": "g+ema"}
    assert rung_steps("g") == ["reed_cgan", "spectral_norm", "drop_batchnorm_in_d", "hinge", "projection",
                               "aux_classifier"]
    assert rung_steps("b") == ["reed_cgan", "improved_wgan"]
    assert rung_steps("b+") == ["reed_cgan", "improved_wgan", "gulrajani_settings"]


@pytest.mark.parametrize("rung", ["b", "b+", "d", "d+", "e", "f", "g", "g+ema", "g+ema+da", "g+ema+lc"])
def test_each_rung_is_its_parent_plus_one_step(rung):
    spec = RUNGS[rung]
    assert len(spec.steps) == 1
    step = STEPS[spec.steps[0]]
    for sizes in ({}, SIZES):
        parent, child = rung_config(spec.parent, **sizes), rung_config(rung, **sizes)
        # every field of the delta changes something, and nothing else changes
        assert changed(parent, child) == set(step.delta)
        assert all(getattr(child, k) == v for k, v in step.delta.items())


def test_every_paper_step_belongs_to_exactly_one_rung():
    owners = {name: [r for r in LADDER if name in RUNGS[r].steps] for name in STEPS}
    assert all(len(rs) == 1 for rs in owners.values()), owners  # and every step is used
    paper_steps = {name for name, step in STEPS.items() if step.source == "paper"}
    assert paper_steps == {"reed_cgan", "improved_wgan", "spectral_norm", "hinge", "projection", "aux_classifier"}
    # a paper rung carries exactly one paper-named step; the kit's own step has a rung of its own
    for rung in LADDER:
        names = [n for n in RUNGS[rung].steps if STEPS[n].source == "paper"]
        assert len(names) == (0 if rung in ("d+", "b+", "g+ema", "g+ema+da", "g+ema+lc") else 1), rung
    assert STEPS["drop_batchnorm_in_d"].source == "kit" and RUNGS["d+"].steps == ("drop_batchnorm_in_d",)
    assert all(step.what for step in STEPS.values())


def test_c_is_reeds_cgan():
    c = rung_config("c")
    assert (c.loss, c.conditioning, c.spectral_norm, c.batchnorm_in_d, c.aux_classifier) == (
        "bce", "concat", False, True, False)
    assert c.mismatched_term is False and (c.d_steps, c.g_steps) == (1, 5)  # eq. 1-2's schedule and no GAN-CLS term


@pytest.mark.parametrize("g_steps", [None, 1, 5])
def test_b_is_c_plus_improved_wgan_on_the_papers_schedule(g_steps):
    """§5: Adam 2e-4 for all experiments, G five times per D update: (b) differs from (c) in the loss alone; Gulrajani
    et al.'s own settings are the kit's rung (b+) over (b)."""
    sizes = dict(SIZES) if g_steps is None else {**SIZES, "g_steps": g_steps}
    b, c, bplus = rung_config("b", **sizes), rung_config("c", **sizes), rung_config("b+", **sizes)
    assert RUNGS["b"].steps == ("improved_wgan",) and RUNGS["b"].parent == "c"
    assert b == c.replace(loss="wgan-gp")
    assert (b.lr_g, b.lr_d, b.betas, b.d_steps, b.batchnorm_in_d) == (2e-4, 2e-4, (0.5, 0.999), 1, True)
    assert b.g_steps == (5 if g_steps is None else g_steps)  # the profile's schedule, as every rung
    assert bplus == b.replace(**GULRAJANI)
    assert (bplus.loss, bplus.d_steps, bplus.g_steps, bplus.betas, bplus.lr_g, bplus.lr_d, bplus.gp_weight,
            bplus.batchnorm_in_d) == ("wgan-gp", 5, 1, (0.0, 0.9), 1e-4, 1e-4, 10.0, False)
    assert STEPS["gulrajani_settings"].source == "Gulrajani et al." and "kit rung" in RUNGS["b+"].label
    gen, disc = build_s2i(bplus, 12, 3)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in disc.modules())


@pytest.mark.parametrize("rung", [r for r in LADDER if r != "b+"])
def test_sizes_apply_to_every_other_rung(rung):
    sizes = {"image_size": 32, "width": 16, "epochs": 7, "batch_size": 4, "g_steps": 2}
    config = rung_config(rung, **sizes)
    assert {k: getattr(config, k) for k in sizes} == sizes
    build_s2i(rung_config(rung, image_size=32, width=8), 12, 3)
    b = rung_config("b+", **sizes)
    assert (b.image_size, b.width, b.epochs, b.batch_size, b.g_steps) == (32, 16, 7, 4, 1)  # (b+) keeps Gulrajani's


def test_the_weight_average_rung_is_g_s_training():
    g, ema = rung_config("g", **SIZES), rung_config("g+ema", **SIZES)
    assert ema.weights == "ema" and g.weights == "last"
    assert ema.cache_key() == g.cache_key() and ema.training() == g.training()  # one training serves both
    assert STEPS["weight_average"].source == "kit" and "g+ema" not in PUBLIC_CODE_DEVIATIONS["kernels_5x5"]["rungs"]
    da = rung_config("g+ema+da", **SIZES)
    assert da.weights == "ema" and da.training().augment == "color,translation,cutout"
    assert da.cache_key() != g.cache_key() and da.cache_key()["augment"] == "color,translation,cutout"
    lc = rung_config("g+ema+lc", **SIZES)
    assert lc.weights == "ema" and lc.training().lecam_weight == 0.3 and lc.training().augment == ""
    assert lc.cache_key()["lecam_weight"] == 0.3 and "lecam_weight" not in g.cache_key()


def test_unknown_rung_and_field():
    with pytest.raises(A2VError, match="unknown rung 'a'.*b, b\\+, c, d, d\\+, e, f, g, g\\+ema, g\\+ema\\+da, g\\+ema\\+lc.*upper"):
        rung_config("a")
    with pytest.raises(A2VError, match="unknown rung 'h'"):
        rung_steps("h")
    with pytest.raises(ParamsError, match="unknown S2IConfig field.*widht"):
        rung_config("g", widht=8)
    with pytest.raises(ParamsError, match="unknown S2IConfig field"):
        rung_config("b", public_code=True, nonsense=1)


def test_every_public_code_deviation_is_described_and_applied():
    for name, dev in PUBLIC_CODE_DEVIATIONS.items():
        assert dev["what"], name
        assert set(dev["rungs"]) <= set(LADDER), name
        assert ("delta" in dev) + ("scoring" in dev) + ("not_applied" in dev) == 1, name
        if "not_applied" in dev:
            assert dev["not_applied"] and dev["rungs"] == ()
        for rung in dev["rungs"] if "delta" in dev else ():
            public, plain = rung_config(rung, public_code=True, **SIZES), rung_config(rung, **SIZES)
            assert public.public_code and not plain.public_code
            for field_, value in dev["delta"].items():
                # deviations listed later may overwrite an earlier one's field: find the last one touching it
                last = [d for d in PUBLIC_CODE_DEVIATIONS.values()
                        if rung in d["rungs"] and field_ in d.get("delta", {})][-1]
                want = last["delta"][field_]
                want = want(getattr(plain, field_)) if callable(want) else want
                assert getattr(public, field_) == want, (name, rung, field_)
    # a public config is a function of the plain one and the deviations only: nothing else changes
    for rung in LADDER:
        touched = {k for d in PUBLIC_CODE_DEVIATIONS.values() if rung in d["rungs"] for k in d.get("delta", {})}
        assert changed(rung_config(rung), rung_config(rung, public_code=True)) <= touched | {"public_code"}


def test_public_code_examples():
    g, plain = rung_config("g", public_code=True), rung_config("g")
    assert (g.use_noise, g.sn_variant, g.batchnorm_in_d, g.mismatched_term, g.sampling, g.g_steps, g.d_steps) == (
        False, "frozen-u", True, False, "class_balanced", 5, 1)
    assert g.epochs == plain.epochs + 1 == 301
    assert rung_config("g", public_code=True, g_steps=1).g_steps == 1  # the schedule is the profile's, not a deviation
    assert rung_config("g", public_code=True, epochs=4).epochs == 5
    assert (g.loss, g.conditioning, g.aux_classifier, g.spectral_norm) == ("hinge", "projection", True, True)
    c = rung_config("c", public_code=True)
    assert c.mismatched_term and c.use_noise is False and c.sn_variant == "power-iteration"  # no SN to freeze
    assert c.batchnorm_in_d  # Reed's BatchNorm stays
    d = rung_config("d", public_code=True)
    assert d.loss == "wgan" and d.mismatched_term and d.sn_variant == "frozen-u"
    assert rung_config("d+", public_code=True).batchnorm_in_d  # the public code never drops it
    assert not rung_config("e", public_code=True).mismatched_term  # the hinge rungs drop the GAN-CLS term
    # (b): lambda 20 (model_improved_wgan.py:63) and the halved negatives (:50, 0.5*d_loss2 + 0.5*d_loss3 - d_loss1,
    # the kit's averaging); the schedule is the profile's, as for every rung
    b = rung_config("b", public_code=True)
    assert (b.gp_weight, b.negatives, b.d_steps, b.g_steps, b.lr_g, b.betas, b.mismatched_term, b.batchnorm_in_d) == (
        20.0, "mean", 1, 5, 2e-4, (0.5, 0.999), True, True)
    assert rung_config("b").gp_weight == S2IConfig().gp_weight == 10.0
    # (c) sums its three terms (model_conditional_gan.py:49); (d) halves them (..._with_spectral_norm.py:52)
    assert (c.negatives, d.negatives, rung_config("e", public_code=True).negatives) == ("sum", "mean", "mean")
    # run_soundnet.sh and Utils/ops.py: widths 200 at 64 px (the profile's width x 200/64), 5x5 kernels; G takes the
    # sound vector as it is (z_concat = t_text_embedding), t_dim = 128 acts in D alone
    assert (g.width, g.condition_embedding, g.kernel) == (200, 0, 5)
    assert rung_config("g", public_code=True, width=32).width == 100
    gen, disc = build_s2i(rung_config("g", public_code=True, image_size=32, width=8), 12, 3)
    assert not gen.use_noise and gen(torch.randn(2, 12)).shape == (2, 3, 32, 32)
    assert {m.kernel_size for m in disc.modules() if isinstance(m, torch.nn.Conv2d) and m.stride == (2, 2)} == {(5, 5)}
    # (f) and (g): the public code's head, a 128-d image embedding read by the projection, output and classifier
    logit, classes = disc(gen(torch.randn(2, 12)), torch.randn(2, 12))
    assert logit.shape == (2,) and classes.shape == (2, 3) and disc.embed.out_features == 128
    assert not parametrize.is_parametrized(disc.psi) and not parametrize.is_parametrized(disc.classifier)
    assert rung_config("e", public_code=True).d_head == "paper" and g.d_head == "embedding"


def test_public_code_listing_names_what_is_not_applied():
    not_applied = {k for k, d in PUBLIC_CODE_DEVIATIONS.items() if "not_applied" in d}
    assert not_applied == {"keyword_cleaning"}
    assert rung_config("g", public_code=True).fresh_g_batches and not rung_config("g").fresh_g_batches
    assert "b+" not in {r for d in PUBLIC_CODE_DEVIATIONS.values() for r in d["rungs"]}  # the public code has no (b+)
    assert PUBLIC_CODE_DEVIATIONS["wgan_gp_weight_20"]["delta"] == {"gp_weight": 20.0}


def test_public_code_scoring():
    assert public_code_scoring() == {"protocol": "public", "splits": 10}
    assert public_code_scoring(per_class=True) == {"protocol": "public", "per_class_score": True, "splits": 10}


def test_delta_table_has_one_row_per_step():
    table = delta_table(SIZES)
    assert [row["step"] for row in table] == [n for r in LADDER for n in RUNGS[r].steps]
    by_step = {row["step"]: row for row in table}
    assert by_step["hinge"]["changes"] == "loss=hinge"
    assert by_step["hinge"]["over"] == "(d+)" and by_step["reed_cgan"]["over"] == "the default"
    assert by_step["spectral_norm"]["changes"] == "spectral_norm=True"
    assert by_step["drop_batchnorm_in_d"]["changes"] == "batchnorm_in_d=False"
    assert by_step["drop_batchnorm_in_d"]["named by"] == "kit"
    assert by_step["projection"]["changes"] == "conditioning=projection"
    assert by_step["aux_classifier"]["changes"] == "aux_classifier=True"
    assert by_step["improved_wgan"]["changes"] == "loss=wgan-gp"
    # Gulrajani's step lists only what changes over (c) + improved WGAN: gp_weight 10 is the default already
    assert by_step["gulrajani_settings"]["changes"] == (
        "d_steps=5, g_steps=1, lr_g=0.0001, lr_d=0.0001, betas=(0.0, 0.9), batchnorm_in_d=False")
    assert set(by_step["reed_cgan"]["changes"].split(", ")) == {
        "loss=bce", "conditioning=concat", "spectral_norm=False", "batchnorm_in_d=True", "aux_classifier=False"}
    assert all("image_size" not in row["changes"] for row in table)
    assert by_step["hinge"]["rung"] == "(e) + Hinge Loss"
    assert [row["step"] for row in delta_table(SIZES, ["g"], describe=lambda d: "x")] == ["aux_classifier"]


def test_labels_come_from_the_paper():
    for rung in LADDER:
        if rung in wan2019.TABLE4_MODELS:
            assert RUNGS[rung].label == wan2019.TABLE4_MODELS[rung]
            assert rung_label(rung) == f"({rung}) {wan2019.TABLE4_MODELS[rung]}"
    assert "d+" not in wan2019.TABLE4_MODELS and "kit" in RUNGS["d+"].label
    assert rung_label("a") == "(a) Upper bound"
    assert rungs.PAPER_RUNGS == tuple(r for r in LADDER if r in wan2019.TABLE4)
