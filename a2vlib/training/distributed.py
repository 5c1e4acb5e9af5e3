"""Data parallelism for the one trainer: one GAN across several processes (``torchrun --nproc_per_node N``), for the
``paper`` profile's 64x64 models and V2RA.

Every process holds the whole model and draws the same random numbers (the same seed): each takes its share of the
global batch (``batch_size`` stays the global batch) and of every random draw made for it (noise, the gradient
penalty's mixing weights, the mismatched pairs, which are drawn over the whole batch), and the gradients are averaged
in one all-reduce before each optimiser step, so the update is the one a single process would make on the whole
batch. BatchNorm is synchronised across the GPUs (SyncBatchNorm); on CPU (gloo) its batch statistics stay each
process's own, the one difference from a single process there. Rank 0 decides whether to resume and alone writes
checkpoints; every rank resumes from the same one; a non-finite loss on any rank stops every rank. Without
``torch.distributed`` initialised, everything here is a no-op and the trainer is the single-process one.
"""
from __future__ import annotations

import os
from typing import Iterable

import torch
import torch.distributed as dist

from a2vlib.core.errors import A2VError


def world() -> tuple[int, int]:
    """(rank, number of processes): (0, 1) without an initialised process group."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def is_main() -> bool:
    return world()[0] == 0


def init_from_env(backend: str | None = None) -> tuple[int, int]:
    """Join the process group that ``torchrun`` describes in the environment (RANK, WORLD_SIZE, MASTER_ADDR, ...);
    gloo on CPU, NCCL on GPUs. Returns (rank, size); (0, 1) when not started by torchrun."""
    if "RANK" not in os.environ or "WORLD_SIZE" not in os.environ:
        return 0, 1
    if not dist.is_initialized():
        backend = backend or ("nccl" if torch.cuda.is_available() else "gloo")
        if backend == "nccl":  # before the group forms, so that NCCL binds each process to its own GPU
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
        dist.init_process_group(backend)
    return world()


def sync_batchnorm(module: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    """BatchNorm layers synchronised across the processes (their statistics over the global batch) on GPUs; the
    module as it is in one process or on CPU, where SyncBatchNorm does not run."""
    if world()[1] == 1 or device.type != "cuda":
        return module
    return torch.nn.SyncBatchNorm.convert_sync_batchnorm(module)


def agree(value: object) -> object:
    """Rank 0's ``value`` on every rank (a decision every process must take the same way, e.g. to resume)."""
    if world()[1] == 1:
        return value
    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def all_true(flag: bool) -> bool:
    """True on every rank when ``flag`` is true on every rank (a check that must stop all processes or none)."""
    if world()[1] == 1:
        return flag
    t = torch.tensor([1.0 if flag else 0.0])
    dist.all_reduce(t, op=dist.ReduceOp.MIN)
    return bool(t.item() == 1.0)


def check_batch(batch_size: int) -> None:
    """The global batch must split evenly over the processes (each takes the same share)."""
    rank, size = world()
    if batch_size % size:
        raise A2VError(f"batch_size {batch_size} does not split over {size} processes; use a multiple of {size}")


def share(t: torch.Tensor) -> torch.Tensor:
    """This process's contiguous share of a tensor drawn for the global batch (dim 0)."""
    rank, size = world()
    if size == 1:
        return t
    n = t.shape[0] // size
    return t[rank * n:(rank + 1) * n]


def average_gradients(params: Iterable[torch.nn.Parameter]) -> None:
    """Average the gradients over the processes (before the optimiser step): one all-reduce of all of them,
    flattened into one buffer, instead of one per tensor."""
    rank, size = world()
    if size == 1:
        return
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat, op=dist.ReduceOp.SUM)
    flat /= size
    offset = 0
    for g in grads:
        g.copy_(flat[offset:offset + g.numel()].view_as(g))
        offset += g.numel()


def average_buffers(*modules: torch.nn.Module) -> None:
    """BatchNorm's running statistics averaged over the processes (each gathered them on its share), so every
    process holds the same model, in eval mode too."""
    rank, size = world()
    if size == 1:
        return
    for module in modules:
        for b in module.buffers():
            if b.dtype.is_floating_point:
                dist.all_reduce(b, op=dist.ReduceOp.SUM)
                b /= size


def average(values: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Per-epoch statistics averaged over the processes (so rank 0's history speaks for the whole batch)."""
    rank, size = world()
    if size == 1 or not values:
        return values
    keys = sorted(values)
    stacked = torch.stack([values[k].detach().float().reshape(()) for k in keys])
    dist.all_reduce(stacked, op=dist.ReduceOp.SUM)
    return {k: v / size for k, v in zip(keys, stacked)}


def barrier() -> None:
    if world()[1] > 1:
        dist.barrier()
