"""Kernels die with the build (issue 17, item 6): a kernel forked from the zygote gets SIGKILL when
the zygote dies, and the zygote exits when the build that started it dies (its stdin closes)."""

from __future__ import annotations

import os
import sys
import time

import pytest

from cluster_inquiry import kernels

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_forked_kernel_dies_when_its_zygote_is_killed(tmp_path):
    from jupyter_client.connect import write_connection_file

    zygote = kernels.Zygote(()).wait_ready()
    connection, _ = write_connection_file(str(tmp_path / "kernel.json"), ip="127.0.0.1")
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", connection]
    pid = kernels.fork_kernel(zygote.socket_path, argv, str(tmp_path), dict(os.environ))
    try:
        assert _alive(pid)
        zygote.proc.kill()  # as a kill -9 of the build would end it (its stdin closes)
        zygote.proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid), "the kernel outlived its zygote"
    finally:
        if _alive(pid):
            os.kill(pid, 9)
        zygote.close()
