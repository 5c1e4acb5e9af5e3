"""Notebook kernels for this machine alone (the runner's and the grader's)."""
from __future__ import annotations

import contextlib
import os
from typing import Any, Iterator


@contextlib.contextmanager
def local_kernel() -> Iterator[Any]:
    """A kernel configuration for this machine alone: IPC sockets in a private temporary folder instead of TCP
    ports, so nothing is sent over the network and the kernel has nothing to warn about (jupyter_client's 'running
    over TCP without encryption'). The kernel's own log (not the cells' output, which the notebook keeps) is limited
    to critical messages: a Ctrl-C that stops a run mid-cell otherwise prints the kernel's ZMQ traceback from its
    shutdown. Yields a traitlets ``Config`` for papermill or nbclient."""
    import shutil
    import tempfile

    from traitlets.config import Config

    folder = tempfile.mkdtemp(prefix="a2v-k")  # short: a socket path has ~100 characters at most
    try:
        yield Config({"KernelManager": {"transport": "ipc", "ip": os.path.join(folder, "kernel")},
                      "NotebookClient": {"extra_arguments": ["--IPKernelApp.log_level=CRITICAL"]}})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
