"""The one GAN trainer: determinism, exact resume, the NaN guard, mismatched pairs, class-balanced sampling,
callbacks, generic data."""
import pytest
import torch
from torch import nn
from torch.utils.data import Dataset

from a2vlib.core.errors import A2VError, DataError, ParamsError
from a2vlib.models.s2i import build_s2i
from a2vlib.studies.wan2019.rungs import rung_config
from a2vlib.training.trainer import CHECKPOINT_NAME, GANTrainer, mismatched_indices, train_gan
from a2vlib.training.config import TrainingConfig
from a2vlib.training.ema import WeightAverage

pytestmark = pytest.mark.slow  # GAN trainings

COND, CLASSES, N = 10, 3, 48


def make_data(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(N) % CLASSES
    cond = torch.nn.functional.one_hot(labels, COND).float() + 0.1 * torch.randn(N, COND, generator=g)
    images = torch.rand(N, 3, 32, 32, generator=g) * 2 - 1
    return images, cond, labels


def make_trainer(rung: str = "g", public_code: bool = False, model_seed: int = 0, **options):
    config = rung_config(rung, public_code=public_code, image_size=32, width=8, batch_size=8, g_steps=2)
    torch.manual_seed(model_seed)
    generator, discriminator = build_s2i(config, COND, CLASSES)
    run_args = {k: options.pop(k) for k in ("seed", "checkpoint_dir", "callbacks") if k in options}
    return GANTrainer(generator, discriminator, config.training().replace(**options), device="cpu", **run_args)


def states_equal(a: nn.Module, b: nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()  # parameters and buffers (BN statistics, spectral-norm vectors)
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_same_seed_same_weights():
    runs = [make_trainer().fit(make_data(), epochs=1) for _ in range(2)]
    assert states_equal(runs[0].generator, runs[1].generator)
    assert states_equal(runs[0].discriminator, runs[1].discriminator)
    other = make_trainer(seed=1).fit(make_data(), epochs=1)
    assert not states_equal(runs[0].generator, other.generator)
    h = runs[0].history[0]
    assert h["epoch"] == 1 and h["images"] == N and h["images_per_s"] > 0
    assert {"d_loss", "g_loss", "d_adv", "d_aux", "g_adv", "g_aux", "d_real", "d_fake"} <= h.keys()
    assert "d_wrong" not in h and "gp" not in h  # the default (g) has no mismatched term (eq. 2 as written)
    assert "d_wrong" in make_trainer(mismatched_term=True).fit(make_data(), epochs=1).history[0]


@pytest.mark.parametrize("rung,public_code", [("g", False), ("b", False), ("g", True)])
def test_resume_equals_uninterrupted(tmp_path, rung, public_code):
    data = make_data()
    straight = make_trainer(rung, public_code, checkpoint_dir=tmp_path / "a").fit(data, epochs=2)
    make_trainer(rung, public_code, checkpoint_dir=tmp_path / "b").fit(data, epochs=1)
    # a fresh process would build the models from scratch (here even from another seed) and resume
    resumed = make_trainer(rung, public_code, model_seed=7, checkpoint_dir=tmp_path / "b").fit(
        data, epochs=2, resume=True)
    assert states_equal(straight.generator, resumed.generator)
    assert states_equal(straight.discriminator, resumed.discriminator)
    assert states_equal(straight.generator_ema, resumed.generator_ema)  # the weight average resumes too
    assert [h["d_loss"] for h in straight.history] == [h["d_loss"] for h in resumed.history]
    assert torch.load(tmp_path / "b" / CHECKPOINT_NAME, weights_only=True)["epoch"] == 2


def test_weight_average_changes_no_update(monkeypatch):
    kept = make_trainer().fit(make_data(), epochs=2)
    assert not states_equal(kept.generator, kept.generator_ema)
    monkeypatch.setattr(WeightAverage, "update", lambda self, model: None)
    without = make_trainer().fit(make_data(), epochs=2)
    assert states_equal(kept.generator, without.generator)  # no random draw, no change to any update
    assert states_equal(kept.discriminator, without.discriminator)


def test_diffaugment_changes_training_and_resumes_exactly(tmp_path):
    data = make_data()
    plain = make_trainer().fit(data, epochs=1)
    augmented = make_trainer(augment="color,translation,cutout").fit(data, epochs=1)
    assert not states_equal(plain.generator, augmented.generator)
    straight = make_trainer(augment="translation", checkpoint_dir=tmp_path / "a").fit(data, epochs=2)
    make_trainer(augment="translation", checkpoint_dir=tmp_path / "b").fit(data, epochs=1)
    resumed = make_trainer(augment="translation", checkpoint_dir=tmp_path / "b").fit(data, epochs=2, resume=True)
    assert states_equal(straight.generator, resumed.generator)  # its draws are in the checkpointed stream


def test_lecam_changes_training_and_resumes_exactly(tmp_path):
    data = make_data()
    plain = make_trainer().fit(data, epochs=1)
    lecam = make_trainer(lecam_weight=0.3).fit(data, epochs=1)
    assert not states_equal(plain.discriminator, lecam.discriminator) and "lecam" in lecam.history[0]
    straight = make_trainer(lecam_weight=0.3, checkpoint_dir=tmp_path / "a").fit(data, epochs=2)
    make_trainer(lecam_weight=0.3, checkpoint_dir=tmp_path / "b").fit(data, epochs=1)
    resumed = make_trainer(lecam_weight=0.3, checkpoint_dir=tmp_path / "b").fit(data, epochs=2, resume=True)
    assert states_equal(straight.discriminator, resumed.discriminator)  # the anchors are in the checkpoint


def test_checkpoint_without_weight_average_is_refused(tmp_path):
    make_trainer(checkpoint_dir=tmp_path).fit(make_data(), epochs=1)
    state = torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)
    del state["generator_ema"]
    torch.save(state, tmp_path / CHECKPOINT_NAME)
    with pytest.raises(A2VError, match="weight average; train it again"):
        make_trainer(checkpoint_dir=tmp_path).fit(make_data(), epochs=2, resume=True)


def test_resume_refuses_other_options(tmp_path):
    make_trainer(checkpoint_dir=tmp_path).fit(make_data(), epochs=1)
    with pytest.raises(A2VError, match="batch_size"):
        make_trainer(checkpoint_dir=tmp_path, batch_size=4).fit(make_data(), epochs=2, resume=True)


class NaNAfter(nn.Module):
    """Wraps a discriminator and returns NaN scores from its ``k``-th call on."""

    def __init__(self, inner: nn.Module, k: int):
        super().__init__()
        self.inner, self.k, self.calls = inner, k, 0

    def forward(self, x, s):
        self.calls += 1
        logit, classes = self.inner(x, s)
        return (logit * float("nan") if self.calls >= self.k else logit), classes


def test_nan_guard_stops_and_keeps_last_good_checkpoint(tmp_path):
    trainer = make_trainer(checkpoint_dir=tmp_path)
    per_epoch = (N // 8) * (2 + 2)  # D step: real, fake (no mismatched term); two G steps
    trainer.discriminator = NaNAfter(trainer.discriminator, k=per_epoch + 4)  # in epoch 2, iteration 1
    with pytest.raises(A2VError, match=r"non-finite (discriminator|generator) loss.*epoch 2, iteration 1.*epoch 1\)"):
        trainer.fit(make_data(), epochs=3)
    state = torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)
    assert state["epoch"] == 1 and len(state["history"]) == 1
    assert all(torch.isfinite(v).all() for v in state["discriminator"].values() if v.is_floating_point())
    assert [p.name for p in tmp_path.iterdir()] == [CHECKPOINT_NAME]  # no half-written temporaries


def test_nan_guard_without_checkpoint_names_the_loss():
    trainer = make_trainer()
    trainer.discriminator = NaNAfter(trainer.discriminator, k=1)
    with pytest.raises(A2VError, match=r"discriminator loss \(hinge\) at epoch 1, iteration 1, D step 1: d_adv=nan"):
        trainer.fit(make_data(), epochs=1)


def imbalanced_data(seed: int = 0):
    """48 samples: 36 of class 0, 9 of class 1, 3 of class 2."""
    images, cond, _ = make_data(seed)
    labels = torch.tensor([0] * 36 + [1] * 9 + [2] * 3)
    return images, cond, labels


def test_class_balanced_sampling_draws_classes_equally():
    _, _, labels = imbalanced_data()
    from a2vlib.training.trainer import _Samples

    samples = _Samples((torch.zeros(N, 1), torch.zeros(N, 1), labels))
    counts = {}
    for sampling in ("class_balanced", "shuffle"):
        trainer = make_trainer(sampling=sampling)
        trainer.data_generator.manual_seed(0)
        drawn = torch.cat([trainer._epoch_order(samples) for _ in range(100)])
        assert len(drawn) == 100 * N
        counts[sampling] = torch.bincount(labels[drawn], minlength=CLASSES).double() / len(drawn)
    assert torch.allclose(counts["class_balanced"], torch.full((CLASSES,), 1 / 3, dtype=torch.double), atol=0.02)
    assert torch.allclose(counts["shuffle"], torch.tensor([36, 9, 3]).double() / N)  # a permutation: as in the data
    # the same seed draws the same order
    a, b = make_trainer(sampling="class_balanced"), make_trainer(sampling="class_balanced")
    a.data_generator.manual_seed(3)
    b.data_generator.manual_seed(3)
    assert torch.equal(a._epoch_order(samples), b._epoch_order(samples))
    # without labels there is nothing to balance: a plain permutation
    unlabelled = _Samples((torch.zeros(N, 1), torch.zeros(N, 1)))
    assert torch.equal(torch.sort(a._epoch_order(unlabelled)).values, torch.arange(N))


def test_class_balanced_sampling_through_fit_and_dataset():
    data = imbalanced_data()
    balanced = make_trainer(sampling="class_balanced").fit(data, epochs=1)
    shuffled = make_trainer().fit(data, epochs=1)
    assert not states_equal(balanced.generator, shuffled.generator)
    from_dataset = make_trainer(sampling="class_balanced").fit(TripleDataset(*data), epochs=1)
    assert states_equal(balanced.generator, from_dataset.generator)  # labels read from the dataset's items


def test_resume_with_class_balanced_sampling(tmp_path):
    data = imbalanced_data()
    straight = make_trainer(sampling="class_balanced", checkpoint_dir=tmp_path / "a").fit(data, epochs=3)
    make_trainer(sampling="class_balanced", checkpoint_dir=tmp_path / "b").fit(data, epochs=1)
    resumed = make_trainer(sampling="class_balanced", model_seed=7, checkpoint_dir=tmp_path / "b").fit(
        data, epochs=3, resume=True)
    assert states_equal(straight.generator, resumed.generator)
    assert states_equal(straight.discriminator, resumed.discriminator)
    assert states_equal(straight.generator_ema, resumed.generator_ema)  # the weight average resumes too
    assert [h["d_loss"] for h in straight.history] == [h["d_loss"] for h in resumed.history]
    with pytest.raises(A2VError, match="sampling"):  # a checkpoint resumes only with the sampling it was written with
        make_trainer(checkpoint_dir=tmp_path / "b").fit(data, epochs=4, resume=True)


def test_unknown_sampling_is_an_error():
    with pytest.raises(A2VError, match="sampling 'stratified': not one of shuffle, class_balanced"):
        make_trainer(sampling="stratified")


def test_mismatched_indices_pick_another_class():
    gen = torch.Generator().manual_seed(0)
    labels = torch.tensor([0, 0, 1, 1, 2, 2, 2, 0])
    for _ in range(20):
        idx = mismatched_indices(len(labels), labels, generator=gen)
        assert (labels[idx] != labels).all()
        assert (mismatched_indices(5, generator=gen) != torch.arange(5)).all()
    # a batch of one class cannot mismatch by class: fall back to another entry
    assert (mismatched_indices(4, torch.zeros(4, dtype=torch.long), generator=gen) != torch.arange(4)).all()


def test_callbacks_add_metrics_without_changing_training():
    seen = []

    def sampler(trainer, epoch, metrics):
        grid = trainer.sample(torch.eye(COND)[:CLASSES])  # draws z from the global generator
        seen.append((epoch, grid.shape))
        return {"grid_mean": grid.mean()}

    with_cb = make_trainer(callbacks=[sampler]).fit(make_data(), epochs=2)
    without = make_trainer().fit(make_data(), epochs=2)
    assert seen == [(1, (CLASSES, 3, 32, 32)), (2, (CLASSES, 3, 32, 32))]
    assert isinstance(with_cb.history[1]["grid_mean"], float)
    assert states_equal(with_cb.generator, without.generator)


class TripleDataset(Dataset):
    def __init__(self, images, cond, labels):
        self.images, self.cond, self.labels = images, cond, labels

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.images[i], self.cond[i], int(self.labels[i])


def test_dataset_input_equals_tensor_input():
    data = make_data()
    from_tensors = make_trainer().fit(data, epochs=1)
    from_dataset = make_trainer().fit(TripleDataset(*data), epochs=1)
    assert states_equal(from_tensors.generator, from_dataset.generator)


class WaveG(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 64), nn.Tanh(), nn.Unflatten(1, (1, 64)))

    def forward(self, frames):
        return self.net(frames.flatten(1))


class PatchD(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(1, 1, 8, stride=4)
        self.cond = nn.Linear(6, 1)

    def forward(self, wave, frames):
        return self.conv(wave) + self.cond(frames.flatten(1))[:, :, None]  # (N, 1, 15) patch scores


def test_generic_shapes_no_noise_no_labels_patch_scores():
    torch.manual_seed(0)
    waves, frames = torch.randn(24, 1, 64).tanh(), torch.randn(24, 2, 3)
    for loss in ("lsgan", "wgan-gp"):
        result = train_gan(WaveG(), PatchD(), (waves, frames), epochs=1,
                           config=TrainingConfig(loss=loss, z_dim=None, batch_size=8, mismatched_term=True),
                           device="cpu")
        assert len(result.history) == 1 and "d_aux" not in result.history[0]


def test_too_little_data():
    with pytest.raises(DataError, match="no full batch"):
        make_trainer(batch_size=64).fit(make_data(), epochs=1)
    with pytest.raises(DataError, match="equal length"):
        make_trainer().fit((torch.zeros(4, 3, 32, 32), torch.zeros(3, COND)), epochs=1)


def test_fresh_g_batches_draw_other_batches_and_repeat(tmp_path, monkeypatch):
    """The public code's schedule: each G step on a newly drawn batch, from the trainer's data stream (so a run
    repeats and resumes exactly); without the option the G steps reuse the D step's batch."""
    seen = {}
    real = GANTrainer._g_step

    def spy(self, x, cond, labels, where):
        seen.setdefault(self.options["fresh_g_batches"], []).append(cond.clone())
        return real(self, x, cond, labels, where)

    monkeypatch.setattr(GANTrainer, "_g_step", spy)
    data = make_data()
    plain = make_trainer().fit(data, epochs=1)
    fresh = make_trainer(fresh_g_batches=True).fit(data, epochs=1)
    assert all(torch.equal(a, b) for a, b in zip(seen[False][::2], seen[False][1::2]))  # two G steps, one batch
    assert not all(torch.equal(a, b) for a, b in zip(seen[True][::2], seen[True][1::2]))
    assert not states_equal(plain.generator, fresh.generator)
    again = make_trainer(fresh_g_batches=True).fit(data, epochs=1)
    assert states_equal(fresh.generator, again.generator)


def test_summed_negatives_weigh_wrong_pairs_fully():
    from a2vlib.training.losses import hinge_d

    real, fake, wrong = torch.tensor([0.5]), torch.tensor([0.2]), torch.tensor([-0.4])
    assert float(hinge_d(real, fake, wrong)) == pytest.approx(0.5 + 0.5 * (1.2 + 0.6))
    assert float(hinge_d(real, fake, wrong, negatives="sum")) == pytest.approx(0.5 + 1.2 + 0.6)
    with pytest.raises(ParamsError, match="negatives 'x'"):
        make_trainer(negatives="x")


def test_negative_lecam_weight_is_refused():
    with pytest.raises(ParamsError, match="lecam_weight = -0.3: must be >= 0"):
        make_trainer(lecam_weight=-0.3)
