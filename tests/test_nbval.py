"""nbval: the published evidence is reproducible and equals the reviewed (golden) evidence.

Cells tagged ``nbval-check-output`` are the evidence (tables, key findings, figures with their data
tables); nbval runs in ``--nbval-lax`` mode, so only those cells' outputs are compared, after the
sanitisers in ``tests/nbval_sanitize.cfg`` (image bytes, memory addresses, timestamps, paths).

Two runs, on every theme chapter and the golden cluster profiles (not all 25 profiles, for time):

1. the executed notebooks of this session's build, re-executed: the published outputs are what
   the code and data produce now (no stale or hand-edited output, no randomness);
2. the golden notebooks in ``tests/golden``, re-executed: today's evidence equals the reviewed
   evidence. An intended change is accepted with ``make golden`` and a reviewed commit.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cluster_inquiry.checks import golden

ROOT = Path(__file__).resolve().parents[1]
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
GOLDEN = ROOT / "tests" / "golden"

pytestmark = pytest.mark.integration


def run_nbval(notebooks: list[Path], *, project: Path, rootdir: Path) -> subprocess.CompletedProcess:
    """``pytest --nbval-lax`` on ``notebooks`` in a subprocess, data resolved from ``project``."""
    cmd = [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=", "-q", "-rf", "--color=no",
        "--rootdir", str(rootdir), "--nbval-lax", "--nbval-current-env", "--nbval-sanitize-with", str(SANITIZE),
        *map(str, notebooks),
    ]
    env = dict(os.environ, CLUSTER_INQUIRY_ROOT=str(project))
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(cmd, cwd=rootdir, env=env, capture_output=True, text=True)


def failed_notebooks(proc: subprocess.CompletedProcess) -> set[str]:
    return {m.group(1) for m in re.finditer(r"^FAILED (\S+?\.ipynb)::", proc.stdout, flags=re.MULTILINE)}


def _summary(proc: subprocess.CompletedProcess) -> str:
    text = "\n".join(line for line in (proc.stdout + proc.stderr).splitlines() if "IPKernelApp" not in line)
    return text[-6000:]


def golden_outputs() -> list[str]:
    return sorted(p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*.ipynb"))


def test_published_evidence_is_reproducible(built_book):
    executed = built_book / "_build" / "executed"
    subset = [executed / rel for rel in golden_outputs()]
    assert subset and all(p.exists() for p in subset), "golden subset missing from the build (run make golden)"
    for path in subset:
        assert golden.evidence_cells(nbformat.read(path, as_version=4)), f"{path.name}: no nbval-check-output cell"
    proc = run_nbval(subset, project=built_book, rootdir=executed)
    assert proc.returncode == 0, "re-executing the published notebooks changed their evidence:\n" + _summary(proc)
    assert " passed" in proc.stdout


def test_evidence_equals_the_reviewed_golden_evidence(built_book):
    notebooks = sorted(GOLDEN.rglob("*.ipynb"))
    proc = run_nbval(notebooks, project=built_book, rootdir=GOLDEN)
    assert proc.returncode == 0, (
        "the evidence differs from the reviewed copy in tests/golden. If the change is intended, run "
        "`make golden`, review `git diff tests/golden` and commit it with the reason.\n" + _summary(proc)
    )


def test_golden_covers_every_theme_and_runs_the_current_templates(built_book):
    """A template change must be reviewed as evidence too: golden code = the code the build ran."""
    from cluster_inquiry.core.paths import Paths
    from cluster_inquiry.data.validation import load_inputs

    clusters = load_inputs(Paths(built_book))["clusters"]
    expected = sorted(job.output for job in golden.golden_jobs(clusters))
    assert golden_outputs() == expected, "tests/golden is out of date: run `make golden` and review"
    for rel in expected:
        ref = nbformat.read(GOLDEN / rel, as_version=4)
        built = nbformat.read(built_book / "_build" / "executed" / rel, as_version=4)
        assert golden.code_sources(ref) == golden.code_sources(built), (
            f"{rel}: the template changed since tests/golden was reviewed: run `make golden` and review the diff"
        )


def _first_evidence_number(nb: nbformat.NotebookNode) -> tuple[int, nbformat.NotebookNode, re.Match]:
    """(nbval's code-cell number, output, match) of the first number in an evidence table."""
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for cell in golden.evidence_cells(nb):
        for output in cell.outputs:
            html = output.get("data", {}).get("text/html", "")
            match = re.search(r"<td>(\d[\d,.]*)</td>", html)
            if match:
                return code_cells.index(cell), output, match
    raise AssertionError("no number in any evidence table")


def test_nbval_fails_on_a_changed_evidence_output_and_ignores_volatile_ones(built_book, tmp_path):
    source = sorted((GOLDEN / "clusters").glob("*.ipynb"))[0]
    # 1. one published number changed in a tagged cell: must fail
    nb = nbformat.read(source, as_version=4)
    changed_cell, output, match = _first_evidence_number(nb)
    output.data["text/html"] = output.data["text/html"].replace(match.group(0), "<td>987,654</td>", 1)
    nbformat.write(nb, tmp_path / "changed.ipynb")
    # 2. only volatile or non-evidence output changed: must pass
    nb = nbformat.read(source, as_version=4)
    untagged = next(c for c in nb.cells if c.cell_type == "code" and c.outputs and c not in golden.evidence_cells(nb))
    untagged.outputs[0].data["text/html"] = "<p>a banner reworded: not evidence</p>"
    for cell in golden.evidence_cells(nb):
        for out in cell.outputs:
            data = out.get("data", {})
            if "text/html" in data:
                data["text/html"] = data["text/html"].replace(";base64,STRIPPED", ";base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB")
    nbformat.write(nb, tmp_path / "volatile.ipynb")
    proc = run_nbval([tmp_path / "changed.ipynb", tmp_path / "volatile.ipynb"], project=built_book, rootdir=tmp_path)
    assert proc.returncode != 0
    assert failed_notebooks(proc) == {"changed.ipynb"}, _summary(proc)
    failed_cells = re.findall(r"^FAILED changed\.ipynb::Cell (\d+)", proc.stdout, flags=re.MULTILINE)
    assert failed_cells == [str(changed_cell)], _summary(proc)  # exactly the cell whose evidence changed

