"""Execute notebook templates with papermill, one job per (template × parameters).

Each job writes its executed notebook atomically (temporary file, then rename) and then
tidies it for publishing: the parameters and injected-parameters cells are removed from the
rendered page, code input is hidden, and ``{placeholders}`` in markdown cells are filled
(a page title such as the cluster's name cannot come from a parameter otherwise).
"""

from __future__ import annotations

import html
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from cluster_inquiry.core.exceptions import NotebookExecutionError

DEFAULT_TIMEOUT = 600  # seconds per cell


@dataclass(frozen=True)
class NotebookJob:
    """One notebook to execute."""

    template: str  # file name in notebooks/
    output: str  # path relative to the executed-notebooks folder
    parameters: dict = field(default_factory=dict, hash=False, compare=True)
    substitutions: dict = field(default_factory=dict, hash=False, compare=True)
    #: the cluster whose own rows the notebook reads (a profile); None = it reads all the data
    scope: str | None = None

    @property
    def label(self) -> str:
        return self.output


@dataclass
class JobResult:
    job: NotebookJob
    status: str  # executed | cached | failed
    seconds: float
    error: str = ""
    reason: str = ""  # why it was executed: new, template, parameters, code, data, environment, forced
    key: str = ""  # content-addressed cache key (see cache.py)
    notebook: str | None = field(default=None, repr=False)  # executed notebook JSON, on its way back from a worker
    parts: dict = field(default_factory=dict, repr=False)  # the key's parts (template, parameters, code, data, environment)


def _escape_myst(text: str) -> str:
    """Make arbitrary text inert in a MyST markdown cell (no HTML, roles or directives)."""
    text = html.escape(text, quote=False)
    for ch in "\\`*_{}[]()#+!|<>$~:":
        text = text.replace(ch, "\\" + ch)
    return text


#: cells tagged ``only-if-<parameter>`` are dropped unless that papermill parameter was injected and true
#: (e.g. ``only-if-deep_dive``: the deep-dive sections of the cluster profile template)
ONLY_IF = "only-if-"


def _shown(cell: nbformat.NotebookNode, parameters: dict) -> bool:
    conditions = [t[len(ONLY_IF):] for t in cell.get("metadata", {}).get("tags", []) if t.startswith(ONLY_IF)]
    return all(bool(parameters.get(name)) for name in conditions)


def tidy_for_publishing(nb: nbformat.NotebookNode, substitutions: dict) -> nbformat.NotebookNode:
    parameters = nb.metadata.get("papermill", {}).get("parameters", {})
    nb.cells = [cell for cell in nb.cells if _shown(cell, parameters)]
    for cell in nb.cells:
        tags = cell.setdefault("metadata", {}).setdefault("tags", [])
        if "parameters" in tags or "injected-parameters" in tags:
            if "remove-cell" not in tags:
                tags.append("remove-cell")
        elif cell.cell_type == "code" and "remove-input" not in tags and "remove-cell" not in tags:
            tags.append("remove-input")
        if cell.cell_type == "markdown" and substitutions:
            for key, value in substitutions.items():
                cell.source = cell.source.replace("{" + key + "}", _escape_myst(str(value)))
    # Papermill records timings and machine paths; drop what is volatile.
    nb.metadata.get("papermill", {}).pop("input_path", None)
    nb.metadata.get("papermill", {}).pop("output_path", None)
    for key in ("start_time", "end_time", "duration"):
        nb.metadata.get("papermill", {}).pop(key, None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        pm = cell.metadata.get("papermill")
        if pm:
            for key in ("start_time", "end_time", "duration"):
                pm.pop(key, None)
    return nb


def failed_cell(path: Path) -> str | None:
    """Which cell stopped a papermill run, as ``code cell N (`first line`)`` counted in the template.

    Papermill saves the partly executed notebook with each cell's status: the failing cell is
    marked ``exception`` (an error); after a timeout or a dead kernel it is the last cell that
    started (it has a ``start_time``; the ones after it have none, though papermill marks them all
    ``completed`` when the kernel dies). Cells papermill injected are not counted,
    so N is the code cell's position in the template.
    """
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - no notebook saved yet
        return None
    n, started, errored = 0, None, None
    for cell in nb.cells:
        if cell.cell_type != "code" or "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            continue
        n += 1
        pm = cell.get("metadata", {}).get("papermill", {})
        if pm.get("exception") and errored is None:
            errored = (n, cell)
        # a cell that started has a start time: after a dead kernel papermill marks every cell
        # "completed", even those it never sent, so the status alone would name the last cell
        if pm.get("start_time") is not None or pm.get("status") == "running":
            started = (n, cell)
    found = errored or started
    if found is None:
        return None
    n, cell = found
    first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    return f"code cell {n} (`{first[:60]}`)"


ENGINE = "cluster-inquiry"


def _save_once_engine():
    """papermill's nbclient engine, writing the output notebook once, when execution ends.

    papermill's own engine rewrites the whole output notebook (figures included, up to 0.8 MB)
    at every cell's start and end so that a reader can follow progress; nobody reads our
    notebooks until they finish, and that rewriting was the build's largest cost outside the
    kernels (about 9 s of a 60 s build on 2 cores). papermill writes the finished notebook (also
    when a cell raised); this engine writes it when execution stops early (a timeout, a dead
    kernel), so :func:`failed_cell` can still name the cell.
    """
    from papermill.engines import NBClientEngine, NotebookExecutionManager
    from papermill.iorw import write_ipynb

    class SaveOnceEngine(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True, log_output=False,
                             autosave_cell_every=30, **kwargs):
            nb_man = NotebookExecutionManager(nb, output_path=None, progress_bar=progress_bar, log_output=log_output,
                                              autosave_cell_every=autosave_cell_every)
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
            except BaseException:  # a timeout or a dead kernel: keep what ran, marked, for failed_cell
                nb_man.notebook_complete()
                if output_path:
                    write_ipynb(nb_man.nb, output_path)
                raise
            finally:
                nb_man.cleanup_pbar()
            nb_man.notebook_complete()
            return nb_man.nb  # papermill writes it (after recording any cell's error)

    return SaveOnceEngine


#: what executing a notebook imports; imported once, by one thread, before notebooks run in threads
EXECUTION_MODULES = ("nbformat", "jupyter_client", "jupyter_client.manager", "jupyter_client.provisioning", "nbclient",
                     "papermill", "papermill.engines", "papermill.iorw", "papermill.exceptions",
                     "ipykernel.kernelspec", "ipykernel.connect", "IPython")
#: packages whose modules no worker thread may be the first to import (tests/test_executors.py)
EXECUTION_PACKAGES = ("nbformat", "jupyter_client", "nbclient", "papermill", "ipykernel", "IPython", "zmq")
_PREPARE_LOCK = threading.Lock()


def prepare_execution() -> None:
    """Import papermill, nbclient and jupyter_client and register our engine, once per process.

    Worker threads that import these for the first time at the same moment can meet a partially
    initialised module (jupyter_client's modules import each other: "cannot import name
    'AsyncKernelManager' from partially initialized module"), which failed one build in three
    in a test loop. Every entry point that may run in a thread calls this first (``execute_task``,
    :func:`papermill_execute`); under the lock, the first caller imports while the others wait.
    """
    with _PREPARE_LOCK:
        import importlib

        for name in EXECUTION_MODULES:
            importlib.import_module(name)
        from papermill.engines import papermill_engines

        if ENGINE not in papermill_engines._engines:
            papermill_engines.register(ENGINE, _save_once_engine())


def papermill_execute(source: Path, output: Path, parameters: dict, *, cell_timeout: int, **kwargs) -> None:
    """Execute ``source`` into ``output`` with papermill (kernel ``python3``, no progress bar, the
    output written once: :func:`_save_once_engine`); papermill's exceptions pass through."""
    prepare_execution()
    import papermill as pm

    pm.execute_notebook(
        str(source), str(output), parameters=dict(parameters), kernel_name="python3", progress_bar=False,
        log_output=False, execution_timeout=cell_timeout, report_mode=False, engine_name=ENGINE,
        request_save_on_cell_execute=True, **kwargs,
    )


def _inside(out_dir: Path, output: str) -> Path:
    """``out_dir / output``, refusing any path that would land outside ``out_dir``."""
    target = (out_dir / output).resolve()
    if not target.is_relative_to(out_dir.resolve()):
        raise NotebookExecutionError(f"refusing to write notebook {output!r} outside {out_dir.name}/")
    return out_dir / output


def run_job(job: NotebookJob, templates: Path, out_dir: Path, cwd: Path, timeout: int = DEFAULT_TIMEOUT) -> JobResult:
    """Execute one job with papermill in this process; raise :class:`NotebookExecutionError` on failure.
    (Builds run jobs through :mod:`cluster_inquiry.build.executors`; this is the one-notebook path.)"""
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    target = _inside(out_dir, job.output)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp.ipynb")
    try:
        from cluster_inquiry.build import kernels

        launch = kernels.KernelLaunch(cwd=str(cwd), runtime_dir=str(Path(cwd) / "_build" / "kernels"))
        papermill_execute(templates / job.template, tmp, job.parameters, cell_timeout=timeout, cwd=str(cwd),
                          kernel_manager_class=kernels.kernel_manager_class(launch))
    except PapermillExecutionError as exc:
        cell = failed_cell(tmp) or f"cell {exc.exec_count}"
        tmp.unlink(missing_ok=True)
        raise NotebookExecutionError(
            f"notebook {job.label} (template {job.template}) failed in {cell}: {exc.ename}: {exc.evalue}"
        ) from None
    except Exception as exc:  # timeouts, dead kernels
        cell = failed_cell(tmp)
        tmp.unlink(missing_ok=True)
        what = f"timed out after {timeout} s" if "Timeout" in type(exc).__name__ else f"failed: {type(exc).__name__}"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise NotebookExecutionError(
            f"notebook {job.label} (template {job.template}) {what} " + (f"in {cell}" if cell else "before any cell ran")
            + (f": {first}" if first and "Timeout" not in type(exc).__name__ else "")
        ) from None
    nb = nbformat.read(tmp, as_version=4)
    nbformat.write(tidy_for_publishing(nb, job.substitutions), tmp)
    os.replace(tmp, target)
    return JobResult(job, "executed", time.perf_counter() - start)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))
