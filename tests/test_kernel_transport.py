"""Kernels talk to their client over IPC (Unix sockets under ``_build/kernels``), never TCP:
no kernel of a build listens on a network port, connection files are private (0600), and the
kernels print none of the noise that flooded ``make book`` (issue 16)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cluster_inquiry.build import kernels
from cluster_inquiry.build.execute import NotebookJob, run_job
from cluster_inquiry.build.executors import LocalExecutor, Task, run_tasks

FIXTURES = Path(__file__).parent / "notebooks"
NOISE = ("Kernel is running over TCP", "KeyboardInterrupt caught in kernel")


def report(notebook_text: str) -> dict:
    nb = json.loads(notebook_text)
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            if out.get("name") == "stdout":
                text = "".join(out["text"]) if isinstance(out["text"], list) else out["text"]
                return json.loads(text.strip().splitlines()[-1])
    raise AssertionError("the kernel printed no report")


def check(info: dict, root: Path) -> None:
    assert info["transport"] == "ipc", info
    assert info["listening"] == [], f"the kernel listens on TCP: {info['listening']}"
    assert info["mode"] == "0o600", info
    kernel_dir = (root / "_build" / "kernels").resolve()
    assert Path(info["file"]).resolve().parent == kernel_dir, info
    assert Path(info["ip"]).resolve().parent == kernel_dir, info
    assert len(info["ip"]) + len("-99") <= kernels.MAX_SOCKET_PATH
    if kernel_dir.exists():  # the executors remove it, empty, once their kernels are done
        assert oct(os.stat(kernel_dir).st_mode & 0o777) == "0o700"


@pytest.mark.parametrize("preload", [("json",), None], ids=["zygote", "subprocess"])
def test_build_kernels_use_ipc_and_open_no_tcp_port(tmp_path, capfd, preload):
    (tmp_path / "data").mkdir()
    template = (FIXTURES / "kernel_transport.ipynb").read_text(encoding="utf-8")
    tasks = [Task(NotebookJob("kernel_transport.ipynb", f"t{i}.ipynb", {}), template, str(tmp_path), preload=preload)
             for i in range(2)]
    executor = LocalExecutor(workers=2)  # its own zygote, started here: its output is captured below
    try:
        results = run_tasks(executor, tasks, progress=False)
    finally:
        executor.close()
    assert [r.status for r in results] == ["executed"] * 2, [r.error for r in results]
    infos = [report(r.notebook) for r in results]
    for info in infos:
        check(info, tmp_path)
    assert len({i["pid"] for i in infos}) == 2
    # the kernels cleaned up after themselves: no connection file or socket is left behind
    assert not (tmp_path / "_build").exists()  # nor the folders made for them
    err = capfd.readouterr()
    for line in NOISE:
        assert line not in err.out + err.err


def test_the_one_notebook_path_uses_ipc_too(tmp_path, capfd):
    out = tmp_path / "out"
    run_job(NotebookJob("kernel_transport.ipynb", "t.ipynb", {}), FIXTURES, out, tmp_path)
    check(report((out / "t.ipynb").read_text(encoding="utf-8")), tmp_path)
    err = capfd.readouterr()
    for line in NOISE:
        assert line not in err.out + err.err


def test_a_deep_project_path_falls_back_to_a_short_private_folder(tmp_path):
    deep = tmp_path / ("d" * 120) / "_build" / "kernels"
    folder = kernels.ipc_dir(deep)
    assert len(folder) + len("/0123456789ab-ipc-99") <= kernels.MAX_SOCKET_PATH
    assert oct(os.stat(folder).st_mode & 0o777) == "0o700"
    assert kernels.ipc_dir(tmp_path / "_build" / "kernels") == str(tmp_path / "_build" / "kernels")
    assert oct(os.stat(tmp_path / "_build" / "kernels").st_mode & 0o777) == "0o700"
