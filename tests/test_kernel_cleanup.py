"""Kernels die with the build (issue 17, item 6): a kernel forked from the zygote gets SIGKILL when
the zygote dies, and the zygote exits when the build that started it dies (its stdin closes)."""

from __future__ import annotations

import os
import sys
import time

import pytest

from cluster_inquiry.build import kernels

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


def test_a_killed_run_leaves_no_temporary_file_outside_build(tmp_path):
    """Every temporary file (notebook copies, the zygote's socket) lives under _build, so a run
    killed with -9 mid-notebook leaves nothing in the system's temporary folder, and the next
    build's leftover sweep removes what it left under _build (issue 17, item 6)."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from conftest import copy_project

    from cluster_inquiry.build import workspace
    from cluster_inquiry.core.paths import Paths

    root = copy_project(tmp_path / "project")
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(system_tmp), "CLUSTER_INQUIRY_ROOT": str(root)}
    exe = Path(sys.executable).with_name("cluster-inquiry")
    proc = subprocess.Popen([str(exe), "run", "--theme", "appendix_a", "--jobs", "1", "--force"], cwd=root, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    scratch = root / "_build" / "tmp"
    deadline = time.monotonic() + 300
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if (scratch.is_dir() and any(scratch.iterdir())) or any(p.name.startswith("ci-nb-") for p in system_tmp.iterdir()):
                break  # a notebook is being executed
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before a notebook started"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    time.sleep(0.5)
    assert sorted(p.name for p in system_tmp.iterdir()) == []
    assert any(scratch.iterdir())  # what the dead run left is under _build ...
    workspace.remove_leftovers(Paths(root))
    assert not scratch.exists() and not (root / "_build" / "kernels").exists()  # ... and the next build sweeps it
