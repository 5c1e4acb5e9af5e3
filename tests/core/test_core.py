import json
import os

import pytest
import torch

from a2vlib.core.errors import DeviceError
from a2vlib.core.cache import DATA_VERSION, cached
from a2vlib.core.device import pick_device, seed_everything
from a2vlib.core.paths import repo_root, resolve_path
from a2vlib.core.provenance import run_metadata


def test_repo_root_and_paths():
    assert (repo_root() / "pyproject.toml").exists()
    assert resolve_path("params") == repo_root() / "params"
    assert resolve_path("/abs/x").as_posix() == "/abs/x"


def test_device_choice():
    assert pick_device("cpu").type == "cpu"
    assert pick_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(DeviceError, match="no CUDA GPU is available"):
            pick_device("cuda")
    with pytest.raises(DeviceError, match="unknown device 'tpu'"):
        pick_device("tpu")


def test_seeding_repeats():
    seed_everything(3)
    a = torch.randn(5)
    seed_everything(3)
    assert torch.equal(a, torch.randn(5))


def test_cache_builds_once_and_atomically(tmp_path, monkeypatch):
    monkeypatch.setenv("A2V_CACHE", str(tmp_path))
    calls = []

    def build(folder):
        calls.append(folder)
        (folder / "x.txt").write_text("data")

    a = cached("thing", {"n": 1}, build)
    b = cached("thing", {"n": 1}, build)
    assert a == b and len(calls) == 1 and (a / "x.txt").read_text() == "data"
    recorded = json.loads((a / "params.json").read_text())
    assert recorded["data_version"] == DATA_VERSION and recorded["key"] == {"n": 1}
    assert set(recorded["numerics"]) == {"torch", "threads", "cpu_capability"}  # what the numbers depend on
    assert cached("thing", {"n": 2}, build) != a

    def broken(folder):
        (folder / "half.txt").write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cached("thing", {"n": 3}, broken)
    assert sorted(p.name for p in (tmp_path / "thing").iterdir()) == sorted([a.name, cached("thing", {"n": 2}, build).name])


def test_run_metadata_has_what_reports_need():
    meta = run_metadata("cpu")
    assert set(meta) >= {"git", "packages", "python", "platform", "device", "started"}
    assert meta["packages"]["torch"] == torch.__version__.split("+")[0] or meta["packages"]["torch"].startswith(torch.__version__[:4])
    assert meta["device"]["device"] == "cpu"


def test_a_lock_wait_names_the_holder_and_gives_up_after_its_timeout(tmp_path, monkeypatch, capsys):
    import threading

    from a2vlib.core.cache import CacheLockTimeout, build_lock

    monkeypatch.setenv("A2V_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "cache" / "thing" / "abc"
    held, release = threading.Event(), threading.Event()

    def holder():
        with build_lock(folder):
            held.set()
            release.wait(10)

    t = threading.Thread(target=holder)
    t.start()
    held.wait(10)
    try:
        with pytest.raises(CacheLockTimeout, match=rf"being built by .*\"pid\": {os.getpid()}.*still after.*A2V_LOCK_TIMEOUT"):
            with build_lock(folder, timeout_s=0.3):
                pass
        assert "[a2v] waiting for" in capsys.readouterr().err
    finally:
        release.set()
        t.join()
    with build_lock(folder, timeout_s=0.3):  # free again
        pass


def test_scenesynth_asked_for_twice_at_once_is_written_by_one(tmp_path, monkeypatch):
    # two units side by side once both wrote the dataset and the second swapped the folder under the first's readers
    import threading
    import time

    from a2vlib.studies.wan2019 import catalog

    monkeypatch.setenv("A2V_CACHE", str(tmp_path / "cache"))
    inside, writes = [], []

    def write(config, root):
        inside.append(1)
        assert len(inside) == 1, "two writers at once"
        time.sleep(0.2)
        if not root.exists():
            root.mkdir(parents=True)
            writes.append(root)
        inside.pop()

    monkeypatch.setattr(catalog.scenes, "write_dataset", write)
    monkeypatch.setattr(catalog.scenes, "load_manifest", lambda root: root)
    errors = []

    def ask():
        try:
            catalog.scenesynth({})
        except Exception as e:  # noqa: BLE001  (reported below)
            errors.append(e)

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == [] and len(writes) == 1


def test_a_killed_builds_temporaries_are_removed_by_the_next_build(tmp_path, monkeypatch):
    from a2vlib.core.cache import cache_folder, cached

    monkeypatch.setenv("A2V_CACHE", str(tmp_path / "cache"))
    folder = cache_folder("thing", {"n": 2})
    stale = folder.parent / f".{folder.name}.dead.tmp"
    (stale / folder.name).mkdir(parents=True)  # what atomic_path leaves when its process is killed
    cached("thing", {"n": 2}, lambda f: (f / "x.txt").write_text("ok"))
    assert not stale.exists() and (folder / "x.txt").read_text() == "ok"
