"""Throughput of a2vlib.training.trainer.GANTrainer against a plain hand-written PyTorch loop, S2I full model (g).

Both run the same networks (same initial weights), the same loss terms (hinge + mismatched pairs + auxiliary
classifier), the same schedule (1 D step, then 5 G steps per batch) and the same batches, in the same process;
repetitions alternate between the two and the medians are reported. The difference is the trainer's overhead:
bookkeeping, the NaN guard, metrics, the progress bar, seeding.

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 .venv/bin/python benchmarks/bench_trainer.py
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time

os.environ.setdefault("TQDM_DISABLE", "1")  # a progress bar in a benchmark log is noise

import torch  # noqa: E402

from a2vlib.core.atomic import write_text  # noqa: E402
from a2vlib.training.losses import aux_classifier_loss, hinge_d, negative_score_g  # noqa: E402
from a2vlib.models.s2i import S2IConfig, build_s2i  # noqa: E402
from a2vlib.core.paths import resolve_path  # noqa: E402
from a2vlib.core.provenance import run_metadata  # noqa: E402
from a2vlib.training.trainer import GANTrainer, mismatched_indices  # noqa: E402

COND_DIM, N_CLASSES = 16, 4


def make_data(n: int, size: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    labels = torch.arange(n) % N_CLASSES
    cond = torch.nn.functional.one_hot(labels, COND_DIM).float() + 0.1 * torch.randn(n, COND_DIM, generator=g)
    return torch.rand(n, 3, size, size, generator=g) * 2 - 1, cond, labels


def build(config):
    torch.manual_seed(0)
    return build_s2i(config, COND_DIM, N_CLASSES)


def run_trainer(config, data, epochs: int) -> float:
    generator, discriminator = build(config)
    trainer = GANTrainer(generator, discriminator, config.training(), device="cpu")
    start = time.perf_counter()
    trainer.fit(data, epochs)
    return time.perf_counter() - start


def run_plain(config, data, epochs: int) -> float:
    """The loop one would write by hand for the same model and losses."""
    generator, discriminator = build(config)
    opt_g = torch.optim.Adam(generator.parameters(), lr=config.lr_g, betas=config.betas)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=config.lr_d, betas=config.betas)
    images, cond, labels = data
    order_gen = torch.Generator().manual_seed(0)
    bs = config.batch_size
    start = time.perf_counter()
    torch.manual_seed(0)
    for _ in range(epochs):
        order = torch.randperm(len(images), generator=order_gen)
        for it in range(len(images) // bs):
            idx = order[it * bs:(it + 1) * bs]
            x, c, y = images[idx], cond[idx], labels[idx]
            with torch.no_grad():
                fake = generator(c, torch.randn(bs, config.z_dim))
            real_out, real_cls = discriminator(x, c)
            fake_out, _ = discriminator(fake, c)
            wrong_out, _ = discriminator(x, c[mismatched_indices(bs, y)])
            d_loss = hinge_d(real_out, fake_out, wrong_out) + config.aux_weight * aux_classifier_loss(real_cls, y)
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()
            discriminator.requires_grad_(False)
            for _ in range(config.g_steps):
                out, cls = discriminator(generator(c, torch.randn(bs, config.z_dim)), c)
                g_loss = negative_score_g(out) + config.aux_weight * aux_classifier_loss(cls, y)
                opt_g.zero_grad(set_to_none=True)
                g_loss.backward()
                opt_g.step()
            discriminator.requires_grad_(True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image-size", type=int, default=32)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--batches", type=int, default=8, help="batches per epoch")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per timed repetition")
    parser.add_argument("--reps", type=int, default=5, help="repetitions of each, alternating")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="benchmarks/results/bench_trainer.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    # the full model (g) with the mismatched-pair term on, so that every loss path of the trainer is timed
    config = S2IConfig(image_size=args.image_size, width=args.width, batch_size=args.batch_size, mismatched_term=True)
    assert config.loss == "hinge" and config.mismatched_term and config.aux_classifier  # what run_plain does
    data = make_data(args.batches * args.batch_size, args.image_size)
    n_images = args.epochs * args.batches * args.batch_size
    run_trainer(config, data, 1)  # warm-up: allocator, kernels, imports
    run_plain(config, data, 1)
    times: dict[str, list[float]] = {"trainer": [], "plain": []}
    for rep in range(args.reps):
        # alternate the order too, so neither always runs right after the other
        for name in (("trainer", "plain") if rep % 2 == 0 else ("plain", "trainer")):
            times[name].append((run_trainer if name == "trainer" else run_plain)(config, data, args.epochs))

    rates = {name: [n_images / t for t in ts] for name, ts in times.items()}
    med = {name: statistics.median(r) for name, r in rates.items()}
    overhead = med["plain"] / med["trainer"] - 1.0
    print(f"S2I full model (g), {args.image_size}x{args.image_size}, width {args.width}, batch {args.batch_size}, "
          f"1 D + {config.g_steps} G steps per batch, {n_images} images per repetition, {args.threads} thread(s)")
    print(f"{'loop':<10}{'median img/s':>14}{'all reps (img/s)':>40}")
    for name in ("plain", "trainer"):
        print(f"{name:<10}{med[name]:>14.1f}{', '.join(f'{r:.1f}' for r in rates[name]):>40}")
    print(f"trainer overhead: {100 * overhead:+.1f} % (goal <= 10 %)")

    result = {"config": config.to_dict(), "args": vars(args), "images_per_rep": n_images,
              "seconds": times, "images_per_s": rates, "median_images_per_s": med,
              "trainer_overhead_fraction": overhead, "metadata": run_metadata("cpu")}
    out = resolve_path(args.out)
    write_text(out, json.dumps(result, indent=2, default=str))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
