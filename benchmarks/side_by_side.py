"""Training throughput of the lab models: one process with two threads against two one-thread processes side by side
(the kit's thread policy), on this machine's cores. Steps are GAN iterations (one batch: D and G updates).

    .venv/bin/python benchmarks/side_by_side.py [--seconds 40] [--out reports/benchmarks/side_by_side.json]

Each model trains on random data of its lab shapes (04: rung (g) at 32 px, width 32, batch 32, 1 G step; 03: S2I-C
at 32 px, width 32, batch 64; 07: V2RA-GAN d = 8 on one-second 16 kHz segments, batch 8, 2 D steps).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

MODELS = ("04_rung_g", "03_s2i_c", "07_v2ra")


def build(name: str):
    """(generator, discriminator, data, trainer options) of one lab model."""
    import torch

    g = torch.Generator().manual_seed(0)
    if name == "04_rung_g":
        from a2vlib.models.s2i import build_s2i
        from a2vlib.studies.wan2019.rungs import rung_config

        config = rung_config("g", image_size=32, width=32, epochs=1, batch_size=32, g_steps=1)
        n, cond_dim, classes = 256, 256, 9
    elif name == "03_s2i_c":
        from a2vlib.models.s2i import build_s2i
        from a2vlib.studies.chen2017.s2i import gan_cls_config

        config = gan_cls_config(image_size=32, width=32, epochs=1, batch_size=64)
        n, cond_dim, classes = 512, 128, 13
    else:
        from a2vlib.studies.liu_v2ra.networks import V2RAConfig, build_v2ra

        m = V2RAConfig(segment=16000, model_size=8, batch_size=8, epochs=1)
        gen, disc = build_v2ra(m)
        data = (torch.rand(64, 1, 16000, generator=g) * 2 - 1, torch.rand(64, 1, 16000, generator=g))
        return gen, disc, data, m.training(len(data[0]))
    gen, disc = build_s2i(config, cond_dim, classes)
    labels = torch.randint(0, classes, (n,), generator=g)
    data = (torch.rand(n, 3, 32, 32, generator=g) * 2 - 1, torch.randn(n, cond_dim, generator=g), labels)
    return gen, disc, data, config.training()


def worker(name: str, threads: int, seconds: float) -> dict:
    """Train ``name`` for about ``seconds`` on ``threads`` threads; steps per second after a warm-up epoch."""
    from a2vlib.core.threads import set_threads
    from a2vlib.training.trainer import GANTrainer

    set_threads(threads)
    gen, disc, data, options = build(name)
    trainer = GANTrainer(gen, disc, options, device="cpu")
    n_batches = len(data[0]) // options["batch_size"]
    start = time.perf_counter()
    trainer.fit(data, 1)  # warm-up, and the time of one epoch
    epochs = max(1, round(seconds / (time.perf_counter() - start)))
    start = time.perf_counter()
    trainer.fit(data, epochs)
    elapsed = time.perf_counter() - start
    return {"model": name, "threads": threads, "steps": epochs * n_batches, "seconds": elapsed,
            "steps_per_s": epochs * n_batches / elapsed}


def run(args: list[str], n: int) -> list[dict]:
    """``n`` copies of this script's worker at once; their results."""
    cmd = [sys.executable, __file__, "--worker", *args]
    env = {**os.environ, "TQDM_DISABLE": "1"}
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env) for _ in range(n)]
    return [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--out", default="reports/benchmarks/side_by_side.json")
    parser.add_argument("--worker", nargs=3, metavar=("MODEL", "THREADS", "SECONDS"))
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]), float(args.worker[2]))))
        return
    from a2vlib.core.atomic import write_text
    from a2vlib.core.provenance import run_metadata

    rows = []
    for name in MODELS:
        one = run([name, "2", str(args.seconds)], 1)[0]
        two = run([name, "1", str(args.seconds)], 2)
        together = sum(r["steps_per_s"] for r in two)
        rows.append({"model": name, "one_process_2_threads": one["steps_per_s"],
                     "two_processes_1_thread_each": together, "ratio": together / one["steps_per_s"]})
        print(f"{name}: one process x 2 threads {one['steps_per_s']:.2f} steps/s; two processes x 1 thread "
              f"{together:.2f} steps/s together ({together / one['steps_per_s']:.2f}x)", flush=True)
    write_text(args.out, json.dumps({"rows": rows, "seconds": args.seconds, **run_metadata()}, indent=2) + "\n")


if __name__ == "__main__":
    main()
