"""A notebook that fails or runs past its timeout fails the build, naming notebook and cell;
the last good site stays published, byte for byte. Uses the tiny fixtures in tests/notebooks/
(one kernel each, no book build)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cluster_inquiry import cli, pipeline
from cluster_inquiry.core.exceptions import NotebookExecutionError
from cluster_inquiry.build.execute import NotebookJob, run_job
from cluster_inquiry.core.paths import Paths

from test_bad_inputs import snapshot

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "notebooks"


@pytest.fixture()
def project(tmp_path) -> Path:
    """The fixture notebooks as templates, and a published site."""
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    for part in ("raw", "reference"):
        os.symlink(ROOT / "data" / part, root / "data" / part)
    for part in ("book", "_toc.yml", "_config.yml", "pyproject.toml"):
        os.symlink(ROOT / part, root / part)
    shutil.copytree(FIXTURES, root / "notebooks")
    site = root / "_build" / "sites" / "site-old"
    site.mkdir(parents=True)
    (site / "index.html").write_text("the last good site\n", encoding="utf-8")
    os.symlink("sites/site-old", root / "_build" / "html")
    return root


@pytest.fixture()
def only(monkeypatch):
    """Make the build plan exactly the given fixture job; record whether Jupyter Book ran.

    Validation is not under test here (tests/test_bad_inputs.py covers it), so the inputs are
    stubbed: these tests do not depend on the state of data/clusters.
    """
    ran = []
    monkeypatch.setattr(pipeline, "load_inputs", lambda *a, **k: {"clusters": pd.DataFrame({"cluster_code": ["C01"], "cluster_name": ["A"]})})
    monkeypatch.setattr(pipeline, "build_html", lambda *a, **k: ran.append(1) or (_ for _ in ()).throw(AssertionError("jupyter-book ran")))

    def plan(job: NotebookJob):
        monkeypatch.setattr(pipeline, "plan_jobs", lambda *a, **k: [job])
        return ran

    return plan


def test_failing_cell_is_named_by_notebook_and_cell_and_old_site_stays(project, only):
    ran = only(NotebookJob("broken.ipynb", "themes/broken.ipynb", {"value": 2}))
    before = snapshot(project / "_build")
    with pytest.raises(NotebookExecutionError) as err:
        pipeline.build(Paths(project), workers=1, progress=False)
    message = str(err.value)
    assert "themes/broken.ipynb" in message
    assert "code cell 3" in message and "planted failure" in message
    assert "nothing was published" in message
    assert not ran
    assert snapshot(project / "_build") == before


def test_cell_past_its_timeout_fails_the_build_naming_the_cell(project, only):
    ran = only(NotebookJob("slow.ipynb", "themes/slow.ipynb", {}))
    before = snapshot(project / "_build")
    with pytest.raises(NotebookExecutionError) as err:
        pipeline.build(Paths(project), workers=1, progress=False, timeout=2)
    message = str(err.value)
    assert "themes/slow.ipynb" in message and "timed out after 2 s" in message
    assert "code cell 3 (`time.sleep(seconds)" in message
    assert not ran
    assert snapshot(project / "_build") == before


def test_cli_build_reports_the_failed_notebook_without_traceback(project, only, monkeypatch):
    only(NotebookJob("broken.ipynb", "clusters/c99-broken.ipynb", {}))
    monkeypatch.setenv("CLUSTER_INQUIRY_ROOT", str(project))
    before = snapshot(project / "_build")
    result = CliRunner().invoke(cli.app, ["build", "--quiet", "--jobs", "1"])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "clusters/c99-broken.ipynb" in result.output and "code cell 3" in result.output
    assert "Traceback" not in result.output
    assert snapshot(project / "_build") == before


def test_a_job_cannot_write_outside_the_executed_folder(tmp_path):
    with pytest.raises(NotebookExecutionError, match="outside"):
        run_job(NotebookJob("broken.ipynb", "../../escaped.ipynb", {}), FIXTURES, tmp_path / "out", tmp_path)
    assert not (tmp_path.parent / "escaped.ipynb").exists()


def test_a_dead_kernel_is_reported_in_the_cell_where_it_died(project, only):
    """os._exit(1) in code cell 3: reported there, not in a later cell (issue 17, item 12)."""
    only(NotebookJob("dies.ipynb", "themes/dies.ipynb", {}))
    with pytest.raises(NotebookExecutionError) as err:
        pipeline.build(Paths(project), workers=1, progress=False)
    message = str(err.value)
    assert "themes/dies.ipynb" in message
    assert "code cell 3 (`import os`)" in message, message


def test_a_timeout_prints_no_kernel_traceback(project, only, capfd):
    """The watchdog kills the kernel: the build says so in one line; the dying kernel's ZMQError
    or KeyboardInterrupt traceback does not reach the terminal (issue 17, item 12)."""
    only(NotebookJob("slow.ipynb", "themes/slow.ipynb", {}))
    with pytest.raises(NotebookExecutionError):
        pipeline.build(Paths(project), workers=1, progress=False, timeout=2)
    out = capfd.readouterr()
    noise = out.out + out.err
    for word in ("Traceback", "ZMQError", "KeyboardInterrupt"):
        assert word not in noise, noise[-2000:]
