"""Independent units of work on an executor: here, one after another, or on a Dask LocalCluster of one-thread
workers. The same units give the same numbers either way; a worker killed mid-run does not stop a sweep and nothing
finished is trained again; bad cluster specs, unreachable schedulers and bad grid files are one-line errors."""
import json
import os
import socket
import sys

import pytest
import torch
from torch import nn

from a2vlib.core.errors import ParamsError
from a2vlib.core.executor import (ClusterError, ProcessPool, Sequential, UnitError, default_jobs, executor,
                                  open_executor, parse_spec, unit_name)
from a2vlib.sweep import read_grid, run_sweep, set_name
from a2vlib.training.trainer import fit_cached
from a2vlib.training.config import TrainingConfig

pytestmark = pytest.mark.slow  # process pools and Dask clusters

distributed = pytest.importorskip("distributed")


@pytest.fixture(autouse=True)
def _by_value():
    """Workers cannot import this test module by name: ship its functions with the tasks."""
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield
    cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


@pytest.mark.parametrize("spec,kind,arg", [("", "auto", None), ("auto", "auto", None), ("sequential", "sequential", None),
                                           ("pool", "pool", None), ("pool:3", "pool", 3),
                                           ("local", "local", None), ("local:2", "local", 2),
                                           ("tcp://10.0.0.5:8786", "address", "tcp://10.0.0.5:8786"),
                                           ("slurm:3", "slurm", 3)])
def test_cluster_specs_parse(spec, kind, arg):
    assert parse_spec(spec) == (kind, arg)


@pytest.mark.parametrize("spec", ["lokal", "local:two", "local:0", "tcp://", "8786", "slurm:-1"])
def test_a_spec_that_does_not_parse_is_named(spec):
    with pytest.raises(ParamsError, match=f"cluster spec {spec!r}") as err:
        parse_spec(spec)
    assert "\n" not in str(err.value)


def test_an_unreachable_scheduler_is_one_line():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ClusterError, match=f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}") as err:
        open_executor(f"tcp://127.0.0.1:{port}")
    assert "\n" not in str(err.value)


def test_grid_files(tmp_path):
    grid = tmp_path / "g.yaml"
    grid.write_text("profile: ci\ngrid:\n  seed: [0, 1]\n  n_test: [30, 60]\nsets:\n  - {seed: 7}\n")
    profile, sets = read_grid(grid, "00_datasets_tour")
    assert profile == "ci" and len(sets) == 5 and sets[0] == {"seed": 0, "n_test": 30} and sets[-1] == {"seed": 7}
    assert set_name(sets[1]) == "seed=0,n_test=60"
    grid.write_text("grid:\n  sede: [0, 1]\n")
    with pytest.raises(ParamsError, match=r"g.yaml \(set 1\): unknown key 'sede'"):
        read_grid(grid, "00_datasets_tour")
    grid.write_text("grids:\n  seed: [0]\n")
    with pytest.raises(ParamsError, match="unknown key 'grids'"):
        read_grid(grid, "00_datasets_tour")
    grid.write_text("files: [missing.yaml]\n")
    with pytest.raises(ParamsError, match="missing.yaml: parameter file not found"):
        read_grid(grid, "00_datasets_tour")


# -- training units ------------------------------------------------------------------------------------------------
class TinyG(nn.Module):
    z_dim = 3

    def __init__(self):
        super().__init__()
        self.net = nn.Linear(2 + 3, 4)

    def forward(self, cond, z):
        return self.net(torch.cat([cond, z], 1))


class TinyD(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(4 + 2, 1)

    def forward(self, x, cond):
        return self.net(torch.cat([x, cond], 1))


def train_unit(unit):
    """A (seed) training unit through the one cached trainer; logs every epoch actually trained; a unit marked to
    die kills its worker once, in the middle of its training."""
    seed, log, die_marker = unit
    g = torch.Generator().manual_seed(seed)
    data = (torch.randn(64, 4, generator=g), torch.randn(64, 2, generator=g), None)

    def record(trainer, epoch, metrics):
        with open(log, "a") as fh:
            fh.write(json.dumps({"seed": seed, "epoch": epoch, "pid": os.getpid()}) + "\n")
        if die_marker and epoch == 2 and not os.path.exists(die_marker):
            open(die_marker, "w").close()
            os._exit(1)  # the worker dies, as a preempted node would
        return None

    torch.manual_seed(seed)
    result, folder, _ = fit_cached("tiny", {"seed": seed}, TinyG(), TinyD(), data, 4,
                                   TrainingConfig(z_dim=3, batch_size=16), seed=seed, device="cpu",
                                   callbacks=[record], checkpoints=4)
    return {k: v.tolist() for k, v in result.generator.state_dict().items()}


def test_units_give_the_same_numbers_here_and_on_a_local_cluster(tmp_path, monkeypatch):
    monkeypatch.setenv("A2V_CACHE", str(tmp_path / "seq"))
    units = [(s, str(tmp_path / "log_seq"), None) for s in range(3)]
    here = Sequential(one_thread=True).map(train_unit, units)
    monkeypatch.setenv("A2V_CACHE", str(tmp_path / "dask"))
    with executor("local:2", echo=lambda *_: None) as ex:
        there = ex.map(train_unit, [(s, str(tmp_path / "log_dask"), None) for s in range(3)])
    assert here == there


def test_units_give_the_same_numbers_here_and_in_a_local_pool(tmp_path, monkeypatch):
    """One-thread units side by side in processes of their own train exactly what one after another trains."""
    monkeypatch.setenv("A2V_CACHE", str(tmp_path / "seq"))
    here = Sequential().map(train_unit, [(s, str(tmp_path / "log_seq"), None) for s in range(3)])
    monkeypatch.setenv("A2V_CACHE", str(tmp_path / "pool"))
    with executor("pool:2", echo=lambda *_: None) as ex:
        assert isinstance(ex, ProcessPool)
        there = ex.map(train_unit, [(s, str(tmp_path / "log_pool"), None) for s in range(3)])
    assert here == there
    pids = {json.loads(line)["pid"] for line in (tmp_path / "log_pool").read_text().splitlines()}
    assert os.getpid() not in pids and len(pids) == 2  # trained in two other processes


def _fails_on_one(x):
    if x == 1:
        raise ValueError("bad input for this unit")
    return x


@pytest.mark.parametrize("spec", ["sequential", "pool:2"])
def test_a_failing_unit_is_named(spec):
    with executor(spec, echo=lambda *_: None) as ex:
        with pytest.raises(UnitError, match=r"unit \(1\) failed: ValueError: bad input for this unit"):
            ex.map(_fails_on_one, [0, 1, 2])


def test_auto_runs_units_side_by_side_when_cores_allow(monkeypatch):
    monkeypatch.setenv("A2V_JOBS", "2")
    with executor("", echo=lambda *_: None) as ex:
        assert isinstance(ex, ProcessPool) and ex.n == 2
    monkeypatch.setenv("A2V_JOBS", "1")
    with executor("", echo=lambda *_: None) as ex:
        assert isinstance(ex, Sequential)
    monkeypatch.delenv("A2V_JOBS")
    monkeypatch.setenv("A2V_THREADS", "2")
    assert default_jobs() == max(1, len(os.sched_getaffinity(0)) // 2)  # cores / threads per unit
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert default_jobs() == 1  # one process drives the GPU, whatever the cores
    monkeypatch.setenv("A2V_JOBS", "many")
    with pytest.raises(ParamsError, match="A2V_JOBS='many'"):
        default_jobs()


def test_units_are_named_after_what_they_run():
    assert unit_name(("g", 3, "cpu")) == "g, 3, cpu"
    assert len(unit_name("x" * 500)) <= 120


def _threads_setting(_):
    return os.environ.get("OMP_NUM_THREADS"), torch.get_num_threads()


def test_a_pool_unit_runs_on_the_callers_thread_count(monkeypatch):
    monkeypatch.setenv("A2V_THREADS", "2")
    with executor("pool:2", echo=lambda *_: None) as ex:
        assert ex.map(_threads_setting, [0, 1]) == [("2", 2), ("2", 2)]


def test_a_cluster_leaves_the_callers_environment_as_it_was(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    before = dict(os.environ)
    with executor("local:1", echo=lambda *_: None) as ex:
        assert ex.map(_threads_setting, [0]) == [("1", 1)]  # the worker runs the caller's one thread
        assert "OMP_NUM_THREADS" not in os.environ  # ... and the caller keeps its own setting
    assert dict(os.environ) == before


def test_a_killed_worker_does_not_stop_the_run_and_nothing_is_trained_twice(tmp_path, monkeypatch):
    monkeypatch.setenv("A2V_CACHE", str(tmp_path / "cache"))
    log, marker = tmp_path / "log", tmp_path / "died"
    units = [(s, str(log), str(marker) if s == 1 else None) for s in range(3)]
    with executor("local:2", echo=lambda *_: None) as ex:
        results = ex.map(train_unit, units)
    assert marker.exists() and len(results) == 3
    epochs = [json.loads(line) for line in log.read_text().splitlines()]
    for seed in (0, 2):  # finished units: every epoch trained once
        assert sorted(e["epoch"] for e in epochs if e["seed"] == seed) == [1, 2, 3, 4]
    died = [e for e in epochs if e["seed"] == 1]
    # the killed unit resumed from its last checkpoint (epoch 1): only the epoch it died in ran twice
    assert sorted(e["epoch"] for e in died) == [1, 2, 2, 3, 4]
    with executor("local:2", echo=lambda *_: None) as ex:  # a second run finds everything in the cache
        again = ex.map(train_unit, [(s, str(log), None) for s in range(3)])
    assert again == results and len(log.read_text().splitlines()) == len(epochs)


@pytest.mark.notebooks
def test_a_sweep_gives_the_same_table_here_and_on_a_local_cluster(tmp_path, monkeypatch):
    tables = {}
    for how, spec in (("here", None), ("cluster", "local:2")):
        monkeypatch.setenv("A2V_CACHE", str(tmp_path / f"cache_{how}"))
        tables[how] = run_sweep("00_datasets_tour", "params/sweeps/tour_seeds.yaml", "ci", spec,
                                reports_dir=tmp_path / how, echo=lambda *_: None)
    assert list(tables["here"].status) == ["ok"] * 3
    figures = [c for c in tables["here"].columns if c not in ("elapsed_s", "report")]
    assert tables["here"][figures].equals(tables["cluster"][figures])
    assert (tmp_path / "cluster" / "tour_seeds" / "00_datasets_tour" / "comparison.html").exists()
    assert len(set(tables["here"].loudness_magnitude_spearman)) == 3  # three datasets, three figures


@pytest.mark.notebooks
def test_report_runs_notebooks_as_tasks(tmp_path, monkeypatch):
    from a2vlib.cli import main

    monkeypatch.setenv("A2V_CACHE", str(tmp_path / "cache"))
    assert main(["report", "--profile", "ci", "--only", "00_datasets_tour", "--cluster", "local:1",
                 "--reports-dir", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "ci" / "00_datasets_tour" / "00_datasets_tour.html").exists()
    assert "00_datasets_tour/00_datasets_tour.html" in (tmp_path / "r" / "ci" / "index.html").read_text()
    assert main(["report", "--profile", "ci", "--only", "00_datasets_tour", "--cluster", "locale"]) == 2
