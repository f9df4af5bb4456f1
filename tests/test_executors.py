"""Executors: the local process pool and Dask (on a LocalCluster) run the same tasks, each notebook
in a fresh kernel, within a per-notebook time limit. Uses tiny fixture notebooks (tests/notebooks/)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cluster_inquiry.build.execute import NotebookJob
from cluster_inquiry.build.executors import DaskExecutor, LocalExecutor, Task, execute_task, run_tasks

FIXTURES = Path(__file__).parent / "notebooks"


def task(root: Path, template: str, output: str, parameters: dict | None = None, **kw) -> Task:
    job = NotebookJob(template, output, parameters or {})
    return Task(job, (FIXTURES / template).read_text(encoding="utf-8"), str(root), **kw)


def outputs(result) -> list[str]:
    """Every output's text (stream text and HTML), in order."""
    nb = json.loads(result.notebook)
    out = []
    for cell in nb["cells"]:
        for o in cell.get("outputs", []):
            text = o.get("text") or o.get("data", {}).get("text/html", "")
            out.append("".join(text) if isinstance(text, list) else text)
    return out


@pytest.fixture()
def root(tmp_path) -> Path:
    (tmp_path / "data").mkdir()
    return tmp_path


def test_local_pool_runs_each_notebook_in_a_fresh_kernel_in_the_project(root):
    tasks = [task(root, "kernel_state.ipynb", f"n{i}.ipynb", {"mark": m}) for i, m in enumerate("ab")]
    executor = LocalExecutor(workers=2)
    try:
        results = run_tasks(executor, tasks, progress=False)
    finally:
        executor.close()
    assert [r.status for r in results] == ["executed", "executed"], [r.error for r in results]
    texts = [outputs(r) for r in results]
    pids = {re.search(r"pid (\d+)", t[0]).group(1) for t in texts}
    assert len(pids) == 2  # two kernels
    for text, mark in zip(texts, "ab"):
        assert "leaked False" in text[0] and "root True" in text[0]  # fresh namespace; cwd = project root
        assert f"mark {mark}" in text[1]
    # tidied for publishing: code hidden, parameters cells removed from the page
    nb = json.loads(results[0].notebook)
    assert any("remove-cell" in c["metadata"].get("tags", []) for c in nb["cells"])


def test_zygote_kernel_gives_the_same_outputs_as_a_subprocess_kernel(root):
    forked = execute_task(task(root, "kernel_state.ipynb", "a.ipynb", {"mark": "z"}, preload=("csv",)))
    plain = execute_task(task(root, "kernel_state.ipynb", "a.ipynb", {"mark": "z"}, preload=None))
    assert forked.status == plain.status == "executed", (forked.error, plain.error)
    strip = lambda texts: [re.sub(r"pid \d+", "pid N", t) for t in texts]  # noqa: E731
    assert strip(outputs(forked)) == strip(outputs(plain))


def test_a_notebook_past_its_whole_notebook_limit_is_killed_and_named(root):
    # the cell may run 120 s, the notebook 8 s: the watchdog, not papermill's cell limit, stops it
    res = execute_task(task(root, "sleepy.ipynb", "themes/sleepy.ipynb", cell_timeout=120, notebook_timeout=8))
    assert res.status == "failed"
    assert "themes/sleepy.ipynb" in res.error
    assert "timed out after 8 s (the whole notebook's limit)" in res.error, res.error
    assert " in code cell " in res.error  # the cell running when it was stopped


def test_a_worker_whose_data_differ_from_the_clients_refuses(root):
    res = execute_task(task(root, "kernel_state.ipynb", "a.ipynb", data_digest="not-the-clients-data"))
    assert res.status == "failed" and "data" in res.error and "differ" in res.error


def test_dask_local_cluster_runs_the_same_tasks_as_the_local_pool(root):
    tasks = [task(root, "kernel_state.ipynb", f"d{i}.ipynb", {"mark": m}) for i, m in enumerate("xy")]
    executor = DaskExecutor("local", workers=2)
    try:
        assert executor.workers == 2
        results = run_tasks(executor, tasks, progress=False)
    finally:
        executor.close()
    assert [r.status for r in results] == ["executed", "executed"], [r.error for r in results]
    assert [r.job.output for r in results] == ["d0.ipynb", "d1.ipynb"]
    for res, mark in zip(results, "xy"):
        text = outputs(res)
        assert "leaked False" in text[0] and "root True" in text[0]
        assert f"mark {mark}" in text[1]


def test_after_prepare_execution_running_a_notebook_imports_nothing_more_from_its_packages(root):
    """Worker threads must not be the first to import jupyter_client & co: two threads importing
    them at once can meet a partially initialised module (a real build failure, 1 in 3 in a loop).
    Checked in a fresh interpreter: after ``prepare_execution()``, executing a notebook imports no
    further module of those packages."""
    import subprocess
    import sys

    code = f"""
import sys
from pathlib import Path
from cluster_inquiry.build.execute import EXECUTION_PACKAGES, papermill_execute, prepare_execution
prepare_execution()
before = set(sys.modules)
papermill_execute(Path({str(FIXTURES / "kernel_state.ipynb")!r}), Path({str(root / "out.ipynb")!r}), {{"mark": "x"}}, cell_timeout=60, cwd={str(root)!r})
late = sorted(m for m in set(sys.modules) - before if m.split(".")[0] in EXECUTION_PACKAGES)
print("LATE", ",".join(late))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root,
                          env={**__import__("os").environ, "CLUSTER_INQUIRY_ROOT": str(root)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    late = next(line for line in proc.stdout.splitlines() if line.startswith("LATE"))
    assert late == "LATE ", late
