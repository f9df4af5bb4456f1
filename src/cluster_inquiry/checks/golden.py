"""Reviewed evidence: golden executed notebooks that nbval checks the evidence against.

The evidence of the book is the output of every notebook cell tagged ``nbval-check-output`` (tables,
key findings, figures with their data tables). A reviewed copy of those outputs is committed under
``tests/golden/`` for every theme chapter and two cluster profiles (:data:`GOLDEN_CLUSTERS`):
executed notebooks, exactly as published, with image bytes removed (nbval never compares images;
the data table and alt text beside each image are compared instead).

``pytest --nbval-lax`` re-executes those notebooks with today's code and data and fails if any
tagged output differs. An intended change of evidence is accepted by regenerating them
(``cluster-inquiry golden`` / ``make golden``), reviewing ``git diff tests/golden`` and committing
it with the reason.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import nbformat

from cluster_inquiry.build.execute import NotebookJob
from cluster_inquiry.core.paths import Paths, project_paths, scratch_dir

GOLDEN_CLUSTERS = ("C01", "C09")
EVIDENCE_TAG = "nbval-check-output"
IMAGE_MIME = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")
_DATA_URI = re.compile(r"data:image/(png|jpeg|gif|svg\+xml);base64,[A-Za-z0-9+/=\s]+")
IMAGE_PLACEHOLDER = "STRIPPED"


def golden_dir(paths: Paths) -> Path:
    return paths.root / "tests" / "golden"


def golden_jobs(clusters) -> list[NotebookJob]:
    """Every theme chapter and the profiles of :data:`GOLDEN_CLUSTERS` present in ``clusters``."""
    from cluster_inquiry.pipeline import plan_jobs

    codes = [c for c in GOLDEN_CLUSTERS if c in set(clusters["cluster_code"])]
    return plan_jobs(clusters, cluster_codes=codes)


def strip_images(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove image bytes (data URIs in HTML and image MIME outputs); everything else is kept."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data")
            if not data:
                continue
            for mime in IMAGE_MIME:
                data.pop(mime, None)
            for mime, value in list(data.items()):
                if isinstance(value, str) and "data:image/" in value:
                    data[mime] = _DATA_URI.sub(lambda m: f"data:image/{m.group(1)};base64,{IMAGE_PLACEHOLDER}", value)
                elif isinstance(value, list) and any("data:image/" in v for v in value if isinstance(v, str)):
                    joined = "".join(value)
                    data[mime] = _DATA_URI.sub(lambda m: f"data:image/{m.group(1)};base64,{IMAGE_PLACEHOLDER}", joined)
    return nb


def evidence_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code" and EVIDENCE_TAG in c.metadata.get("tags", [])]


def code_sources(nb: nbformat.NotebookNode) -> list[str]:
    """The code a notebook runs, without papermill's injected parameters (they differ by design)."""
    return [c.source for c in nb.cells if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])]


def write_golden(paths: Paths | None = None, *, workers: int | None = None, progress: bool = True) -> list[Path]:
    """Execute the golden subset from today's code and data and write it to ``tests/golden``."""
    from cluster_inquiry.pipeline import run_notebooks
    from cluster_inquiry.data.validation import load_inputs

    paths = paths or project_paths()
    frames = load_inputs(paths)
    jobs = golden_jobs(frames["clusters"])
    out = golden_dir(paths)
    written = []
    with tempfile.TemporaryDirectory(prefix="golden-", dir=scratch_dir(paths.root)) as tmp:
        run_notebooks(paths, jobs, workers=workers, progress=progress, out_dir=Path(tmp))
        keep = {job.output for job in jobs}
        if out.exists():
            for old in out.rglob("*.ipynb"):
                if old.relative_to(out).as_posix() not in keep:
                    old.unlink()
        for job in jobs:
            nb = strip_images(nbformat.read(Path(tmp) / job.output, as_version=4))
            target = out / job.output
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, target)
            written.append(target)
    shutil.rmtree(out / ".ipynb_checkpoints", ignore_errors=True)
    return written
