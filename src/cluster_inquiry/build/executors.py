"""Where notebooks run: a local process pool (default) or a Dask cluster, behind one protocol.

A :class:`Task` carries everything a worker needs except the project's code and data: the job,
the template's text, the timeouts and the digests of the data and code it must see. A worker
executes it with papermill and returns the executed, tidied notebook as text in the
:class:`~cluster_inquiry.build.execute.JobResult` — so workers need no shared output folder, and the
same task runs unchanged on this machine's process pool or on any Dask cluster:

* :class:`LocalExecutor` — a ``spawn`` process pool sized to the machine; one kernel zygote
  (:mod:`cluster_inquiry.build.kernels`) shared by its workers.
* :class:`DaskExecutor` — ``distributed``: a scheduler address (``tcp://host:8786``) or, for
  tests and a single machine, a ``LocalCluster``. Each Dask worker process starts its own
  zygote on first use. A worker whose copy of the project's data or code differs from the
  client's refuses the task (the digests differ) rather than publish a mixture.

Every notebook has two time limits: each cell (papermill's ``execution_timeout``) and the whole
notebook (a watchdog kills the kernel's process group).
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from cluster_inquiry.build import kernels
from cluster_inquiry.core.paths import scratch_dir
from cluster_inquiry.build.execute import (DEFAULT_TIMEOUT, JobResult, NotebookJob, default_workers, failed_cell, papermill_execute,
                      prepare_execution, tidy_for_publishing)

#: seconds a whole notebook may run (the per-cell limit is execute.DEFAULT_TIMEOUT)
DEFAULT_NOTEBOOK_TIMEOUT = 1800
#: set on a remote worker whose copy of the project lives elsewhere than the client's
WORKER_ROOT_ENV = "CLUSTER_INQUIRY_WORKER_ROOT"


@dataclass(frozen=True)
class Task:
    """One notebook to execute, self-contained apart from the project's code and data."""

    job: NotebookJob
    template: str  # the template notebook (JSON text)
    root: str  # project root: the kernel's working folder and CLUSTER_INQUIRY_ROOT
    cell_timeout: int = DEFAULT_TIMEOUT
    notebook_timeout: int = DEFAULT_NOTEBOOK_TIMEOUT
    #: modules a zygote preloads; None = start each kernel as a plain subprocess
    preload: tuple[str, ...] | None = ()
    zygote_socket: str = ""  # a zygote already running on this machine ("" = the worker's own)
    data_digest: str = ""  # digest of data/ the client saw ("" = not checked)
    code_digest: str = ""  # digest of the package the client ran ("" = not checked)


@lru_cache(maxsize=8)
def _project_digests(root: str, signature: tuple) -> tuple[str, str]:
    from cluster_inquiry.build import cache
    from cluster_inquiry.core.paths import Paths

    paths = Paths(Path(root))
    data = cache.files_digest(cache.data_files(paths), paths.root)
    code = cache.files_digest(cache.walk_files(cache.PACKAGE_DIR), cache.PACKAGE_DIR)
    return data, code


def _signature(root: str) -> tuple:
    """A cheap fingerprint of the data and package folders (sizes and mtimes) for the memo above."""
    from cluster_inquiry.build import cache
    from cluster_inquiry.core.paths import Paths

    files = cache.data_files(Paths(Path(root))) + cache.walk_files(cache.PACKAGE_DIR)
    return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)


def check_worker_copy(task: Task, root: str) -> str | None:
    """Why this worker must not run the task (its data or code differ from the client's), or None."""
    if not task.data_digest and not task.code_digest:
        return None
    data, code = _project_digests(root, _signature(root))
    if task.data_digest and data != task.data_digest:
        return f"this worker's data under {root}/data differ from the client's; sync the project first"
    if task.code_digest and code != task.code_digest:
        return "this worker's cluster_inquiry package differs from the client's; install the same version"
    return None


def execute_task(task: Task) -> JobResult:
    """Run one notebook with papermill; return its result (never raises for a notebook failure)."""
    import nbformat

    prepare_execution()
    from papermill.exceptions import PapermillExecutionError

    job = task.job
    start = time.perf_counter()
    root = os.environ.get(WORKER_ROOT_ENV) or task.root
    refused = check_worker_copy(task, root)
    if refused:
        return JobResult(job, "failed", 0.0, f"notebook {job.label}: {refused}")
    launch = kernels.KernelLaunch(
        cwd=root, env={"CLUSTER_INQUIRY_ROOT": root}, preload=task.preload, zygote_socket=task.zygote_socket,
        runtime_dir=str(Path(root) / "_build" / "kernels"),  # IPC sockets and connection files, not TCP ports
    )
    timed_out, finished = threading.Event(), threading.Event()

    def watchdog() -> None:  # at the deadline, kill the kernel (as soon as there is one)
        if finished.wait(task.notebook_timeout):
            return
        while not finished.is_set():
            if launch.kill():
                timed_out.set()
                return
            finished.wait(0.1)

    timer = threading.Thread(target=watchdog, daemon=True, name=f"watchdog {job.label}")
    with tempfile.TemporaryDirectory(prefix="nb-", dir=scratch_dir(root)) as tmpdir:
        source = Path(tmpdir) / "template.ipynb"
        source.write_text(task.template, encoding="utf-8")
        out = Path(tmpdir) / "executed.ipynb"
        error = ""
        timer.start()
        try:
            papermill_execute(source, out, job.parameters, cell_timeout=task.cell_timeout,
                              kernel_manager_class=kernels.kernel_manager_class(launch))
        except PapermillExecutionError as exc:
            cell = failed_cell(out) or f"cell {exc.exec_count}"
            error = f"notebook {job.label} (template {job.template}) failed in {cell}: {exc.ename}: {exc.evalue}"
        except Exception as exc:  # timeouts, dead kernels, a zygote that would not start
            cell = failed_cell(out) or "an unknown cell"
            if timed_out.is_set():
                what, detail = f"timed out after {task.notebook_timeout} s (the whole notebook's limit)", ""
            elif "Timeout" in type(exc).__name__:
                what, detail = f"timed out after {task.cell_timeout} s", ""
            else:
                what = f"failed: {type(exc).__name__}"
                detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            error = f"notebook {job.label} (template {job.template}) {what} in {cell}" + (f": {detail}" if detail else "")
        finally:
            finished.set()
        if error:
            return JobResult(job, "failed", time.perf_counter() - start, error)
        nb = tidy_for_publishing(nbformat.read(out, as_version=4), job.substitutions)
        text = nbformat.writes(nb)
    return JobResult(job, "executed", time.perf_counter() - start, notebook=text)


# ----------------------------------------------------------------------------- executors


class Executor(Protocol):
    """Runs tasks somewhere and yields their results as they finish."""

    name: str

    @property
    def workers(self) -> int: ...

    def run(self, tasks: Sequence[Task]) -> Iterator[JobResult]: ...

    def close(self) -> None: ...


class LocalExecutor:
    """Notebooks on this machine, ``workers`` at a time, kernels forked from one shared zygote.

    The workers are threads: each only drives its kernel over ZMQ (papermill/nbclient) while the
    kernel — a separate process — does the work, so threads cost nothing in parallelism and avoid
    a process pool's start-up and its ``if __name__ == "__main__"`` requirement under ``spawn``.
    """

    name = "local"

    def __init__(self, workers: int | None = None, *, zygote: bool = True):
        self._workers = workers or default_workers()
        self.use_zygote = zygote
        self._zygote: kernels.Zygote | None = None
        self._builds: dict[Path, bool] = {}  # each _build folder used, and whether it existed before

    @property
    def workers(self) -> int:
        return self._workers

    def _prepare(self, tasks: Sequence[Task]) -> list[Task]:
        preload = sorted({m for t in tasks if t.preload is not None for m in t.preload})
        if not self.use_zygote or all(t.preload is None for t in tasks):
            return [_replace(t, preload=None) for t in tasks]
        if self._zygote is None or not self._zygote.alive() or self._zygote.modules != tuple(preload):
            if self._zygote is not None:
                self._zygote.close()
            runtime = Path(tasks[0].root) / "_build" / "kernels"
            self._zygote = kernels.Zygote(tuple(preload), runtime_dir=runtime)  # imports in the background
        return [_replace(t, preload=tuple(preload), zygote_socket=self._zygote.socket_path) for t in tasks]

    def run(self, tasks: Sequence[Task]) -> Iterator[JobResult]:
        for t in tasks:  # before the zygote makes _build/kernels
            self._builds.setdefault(Path(t.root) / "_build", (Path(t.root) / "_build").exists())
        tasks = self._prepare(tasks)
        if not tasks:
            return
        try:
            yield from self._run(tasks)
        finally:
            self._tidy()

    def _tidy(self) -> None:
        """The kernels' IPC folder and the scratch folder are made on demand: leave no empty folder."""
        for build, existed in self._builds.items():
            for folder in (build / "kernels", build / "tmp", *(() if existed else (build,))):
                try:
                    folder.rmdir()
                except OSError:
                    pass

    def _run(self, tasks: Sequence[Task]) -> Iterator[JobResult]:
        if self._workers == 1 or len(tasks) == 1:
            for task in tasks:
                yield execute_task(task)
            return
        pool = ThreadPoolExecutor(max_workers=min(self._workers, len(tasks)), thread_name_prefix="notebook")
        try:
            futures = {pool.submit(execute_task, task): task for task in tasks}
            for fut in as_completed(futures):
                try:
                    yield fut.result()
                except Exception as exc:  # a bug outside the notebook: report it as that job's failure
                    task = futures[fut]
                    yield JobResult(task.job, "failed", 0.0, f"notebook {task.job.label}: {type(exc).__name__}: {exc}")
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        if self._zygote is not None:
            self._zygote.close()
            self._zygote = None
        self._tidy()


class DaskExecutor:
    """Tasks on a Dask cluster: ``scheduler="tcp://host:8786"``, or a ``LocalCluster`` of ``workers``."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, *, workers: int | None = None, client=None, zygote: bool = True):
        from distributed import Client, LocalCluster

        self._cluster = None
        self._own_client = client is None
        self.use_zygote = zygote
        if client is not None:
            self.client = client
        elif scheduler and scheduler != "local":
            self.client = Client(scheduler)
        else:
            self._cluster = LocalCluster(
                n_workers=workers or default_workers(), threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=40,
            )
            self.client = Client(self._cluster)

    @property
    def workers(self) -> int:
        info = self.client.scheduler_info()
        return sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()) or 1

    def run(self, tasks: Sequence[Task]) -> Iterator[JobResult]:
        from distributed import as_completed as dask_completed

        if not tasks:
            return
        preload = tuple(sorted({m for t in tasks if t.preload is not None for m in t.preload}))
        tasks = [_replace(t, preload=preload if self.use_zygote and t.preload is not None else None, zygote_socket="") for t in tasks]
        futures = {}
        for task in tasks:
            fut = self.client.submit(execute_task, task, pure=False, key=f"notebook-{task.job.output}-{os.urandom(4).hex()}")
            futures[fut] = task
        try:
            for fut in dask_completed(list(futures)):
                try:
                    yield fut.result()
                except Exception as exc:  # KilledWorker, lost connection …
                    task = futures[fut]
                    yield JobResult(task.job, "failed", 0.0, f"notebook {task.job.label}: Dask worker error: {type(exc).__name__}: {exc}")
        finally:
            for fut in futures:
                fut.cancel()

    def close(self) -> None:
        if self._own_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def _replace(task: Task, **changes) -> Task:
    from dataclasses import replace

    return replace(task, **changes)


def make_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """``scheduler``: None → local process pool; ``"local"`` → a Dask LocalCluster; else a Dask address."""
    if scheduler:
        return DaskExecutor(scheduler, workers=workers)
    return LocalExecutor(workers)


def run_tasks(executor: Executor, tasks: Sequence[Task], *, progress: bool = True,
              on_result=None, cached: Iterable[JobResult] = ()) -> list[JobResult]:
    """Run ``tasks`` with a progress bar (cached jobs count as done); results in task order."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    cached = list(cached)
    results: list[JobResult] = []
    total = len(tasks) + len(cached)
    with Progress(
        TextColumn("[bold]Executing notebooks"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"), disable=not progress or not tasks, transient=False,
    ) as bar:
        row = bar.add_task("run", total=total, completed=len(cached),
                           last=f"{len(cached)} unchanged (cache), {executor.workers} worker(s) [{executor.name}]")
        for res in executor.run(tasks):
            if on_result is not None:
                on_result(res)
            results.append(res)
            bar.update(row, advance=1, last=f"{res.status}: {res.job.label}")
    order = {task.job.output: i for i, task in enumerate(tasks)}
    return sorted(results, key=lambda r: order.get(r.job.output, 0))
