"""One GAN across two processes (torch.distributed, gloo on CPU) against the same GAN in one process: the ci
ladder model (rung g at the ci sizes) on a small dataset, the same global batch. Only BatchNorm's batch statistics
differ (each process sees half the batch), so the two agree within a tolerance, not bit for bit."""
import os
import socket

import pytest
import torch
import torch.multiprocessing as mp

from a2vlib.models.s2i import build_s2i
from a2vlib.params import load_params
from a2vlib.studies.wan2019.rungs import rung_config
from a2vlib.training import distributed
from a2vlib.training.trainer import CHECKPOINT_NAME, GANTrainer
from a2vlib.training.config import TrainingConfig

pytestmark = pytest.mark.slow  # several processes (torch.distributed)

N, COND, CLASSES = 64, 12, 9


def _data():
    g = torch.Generator().manual_seed(5)
    return (torch.rand(N, 3, 32, 32, generator=g) * 2 - 1, torch.randn(N, COND, generator=g),
            torch.randint(0, CLASSES, (N,), generator=g))


def _config():
    p = load_params("04_ablation", "ci")
    return rung_config("g", image_size=p["image_size"], width=p["width"], epochs=2, batch_size=16, g_steps=1)


def _train(folder, epochs, resume=False):
    config = _config()
    torch.manual_seed(0)
    generator, discriminator = build_s2i(config, COND, CLASSES)
    trainer = GANTrainer(generator, discriminator, config.training(), seed=0, device="cpu", checkpoint_dir=folder)
    result = trainer.fit(_data(), epochs, resume=resume)
    return result.generator.state_dict(), result.history


def _draw(state):
    """What a generator with these weights draws (eval mode) for fixed conditions and noise."""
    config = _config()
    generator, _ = build_s2i(config, COND, CLASSES)
    generator.load_state_dict(state)
    g = torch.Generator().manual_seed(9)
    with torch.no_grad():
        return generator.eval()(torch.randn(8, COND, generator=g), torch.randn(8, config.z_dim, generator=g))


def _worker(rank, size, port, folder, out, plan):
    os.environ.update({"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "RANK": str(rank),
                       "WORLD_SIZE": str(size), "OMP_NUM_THREADS": "1"})
    torch.set_num_threads(1)
    distributed.init_from_env("gloo")
    try:
        for epochs, resume in plan:
            state, history = _train(folder, epochs, resume)
        torch.save({"state": state, "history": history}, os.path.join(out, f"rank{rank}.pt"))
    finally:
        torch.distributed.destroy_process_group()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ddp(tmp_path, name, plan):
    folder, out = tmp_path / f"{name}_ckpt", tmp_path / f"{name}_out"
    out.mkdir()
    mp.spawn(_worker, args=(2, _free_port(), str(folder), str(out), plan), nprocs=2, join=True)
    return folder, [torch.load(out / f"rank{r}.pt", weights_only=False) for r in range(2)]


@pytest.fixture
def one_thread():
    """One torch thread here, as in each of the two processes; the test process's own setting restored after."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_two_processes_match_one_and_resume(tmp_path, one_thread):
    single_state, single_history = _train(tmp_path / "single", 2)
    folder, ranks = _ddp(tmp_path, "ddp", [(2, False)])
    # both processes hold the same model (the gradients were averaged)
    for k, v in ranks[0]["state"].items():
        assert torch.equal(v, ranks[1]["state"][k]), k
    # ... which is the single process's, within BatchNorm's tolerance: the weights as a whole, and what it draws
    weights = [k for k, v in single_state.items() if v.dtype.is_floating_point and "running" not in k]
    delta = torch.cat([(ranks[0]["state"][k] - single_state[k]).flatten() for k in weights]).norm()
    scale = torch.cat([single_state[k].flatten() for k in weights]).norm()
    assert delta / scale < 0.02, float(delta / scale)
    drawn = [_draw(state) for state in (single_state, ranks[0]["state"])]
    assert (drawn[0] - drawn[1]).abs().mean() < 0.1 * drawn[0].std(), (drawn[0] - drawn[1]).abs().mean()
    for a, b in zip(single_history, ranks[0]["history"]):
        assert a["images"] == b["images"]  # the global batch, counted over both processes
        assert abs(a["d_loss"] - b["d_loss"]) < 0.1 * abs(a["d_loss"]) + 0.05, (a["d_loss"], b["d_loss"])
    # rank 0 alone wrote the checkpoint; nothing half-written beside it
    assert sorted(p.name for p in folder.iterdir()) == [CHECKPOINT_NAME]
    # stopping after one epoch and resuming ends where the straight run ends
    _, resumed = _ddp(tmp_path, "resumed", [(1, False), (2, True)])
    for k, v in ranks[0]["state"].items():
        assert torch.equal(v, resumed[0]["state"][k]), k


# -- without BatchNorm the update is a single process's, to float precision ----------------------------------------
class PlainG(torch.nn.Module):
    z_dim = 4

    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(COND + 4, 32), torch.nn.ReLU(), torch.nn.Linear(32, 6))

    def forward(self, cond, z):
        return self.net(torch.cat([cond, z], 1))


class PlainD(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(6 + COND, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))

    def forward(self, x, cond):
        return self.net(torch.cat([x, cond], 1)).squeeze(1)


def _plain_train():
    g = torch.Generator().manual_seed(3)
    data = (torch.randn(N, 6, generator=g), torch.randn(N, COND, generator=g),
            torch.randint(0, CLASSES, (N,), generator=g))
    torch.manual_seed(0)
    trainer = GANTrainer(PlainG(), PlainD(), TrainingConfig(loss="wgan-gp", z_dim=4, batch_size=16,
                                                            mismatched_term=True, d_steps=2), seed=0, device="cpu")
    return trainer.fit(data, 2).generator.state_dict()


def _plain_worker(rank, size, port, out):
    os.environ.update({"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "RANK": str(rank),
                       "WORLD_SIZE": str(size), "OMP_NUM_THREADS": "1"})
    torch.set_num_threads(1)
    distributed.init_from_env("gloo")
    try:
        torch.save(_plain_train(), os.path.join(out, f"rank{rank}.pt"))
    finally:
        torch.distributed.destroy_process_group()


def test_noise_penalty_weights_and_mismatched_pairs_are_drawn_for_the_global_batch(tmp_path, one_thread):
    """With no BatchNorm, two processes make the single process's updates: the gradient penalty's mixing weights
    and the mismatched pairs are drawn over the whole batch, as the noise is, and each process takes its share."""
    single = _plain_train()
    mp.spawn(_plain_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    for rank in range(2):
        state = torch.load(tmp_path / f"rank{rank}.pt", weights_only=True)
        for k, v in single.items():
            assert torch.allclose(v, state[k], rtol=1e-4, atol=1e-5), (rank, k, (v - state[k]).abs().max())
