"""Atomic publishing: the last stages of ``pipeline.build`` (Jupyter Book, the leak scan) either
publish a whole new site by swapping the ``_build/html`` link, or leave the old site byte for byte.

Notebook execution and Jupyter Book are stubbed (their own failures are covered by
tests/test_notebook_failure.py and the integration build); what is under test is the order of
the stages and the swap."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from cluster_inquiry import pipeline
from cluster_inquiry.core.exceptions import BookBuildError, DisclosureError
from cluster_inquiry.core.paths import Paths

from test_bad_inputs import snapshot

ROOT = Path(__file__).resolve().parents[1]

PAGE = (
    "<p class='ci-caption'>Beta: monthly tracker</p><table><thead><tr><th>Month</th>"
    "<th>Looked-after children</th></tr></thead><tbody><tr><td>2013-08</td><td>{cell}</td></tr></tbody></table>"
)


@pytest.fixture()
def project(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    for part in ("book", "_toc.yml", "_config.yml", "pyproject.toml", "notebooks"):
        os.symlink(ROOT / part, root / part)
    site = root / "_build" / "sites" / "site-old"
    site.mkdir(parents=True)
    (site / "index.html").write_text("the last good site\n", encoding="utf-8")
    os.symlink("sites/site-old", root / "_build" / "html")
    frames = {
        "clusters": pd.DataFrame({"cluster_code": ["C01", "C02"], "cluster_name": ["Alpha", "Beta"]}),
        "obsessions_monthly": pd.DataFrame({"cluster_code": ["C01", "C02"], "month": ["2013-08"] * 2, "lac_count": [40, 3],
                                            "cpp_count": [30, 30], "neet_count": [10, 10], "neet_cohort": [200, 200],
                                            "persistent_absentees": [50, 50], "pupils_on_roll": [900, 900]}),
    }
    monkeypatch.setattr(pipeline, "load_inputs", lambda *a, **k: frames)
    monkeypatch.setattr(pipeline, "plan_jobs", lambda *a, **k: [])
    monkeypatch.setattr(pipeline, "case_study_codes", lambda *a, **k: [], raising=False)

    def run_notebooks(paths, jobs, *, out_dir, **kwargs):
        (out_dir / "clusters").mkdir(parents=True)
        return []

    monkeypatch.setattr(pipeline, "run_notebooks", run_notebooks)
    if hasattr(pipeline, "downloads"):
        monkeypatch.setattr(pipeline.downloads, "build", lambda executed, target, *a, **k: target.mkdir(parents=True))
    return root


def _jupyter_book(cell: str | None):
    """A stand-in for Jupyter Book writing one cluster page (or failing, if ``cell`` is None)."""

    def build_html(stage: Path, *, strict: bool = True) -> Path:
        if cell is None:
            raise BookBuildError("Jupyter Book failed (exit 2); the published site is unchanged.")
        html = stage / "_build" / "html"
        (html / "generated" / "clusters").mkdir(parents=True)
        (html / "index.html").write_text("the new site\n", encoding="utf-8")
        (html / "generated" / "clusters" / "c02-beta.html").write_text(PAGE.format(cell=cell), encoding="utf-8")
        return html

    return build_html


def test_a_leak_found_by_the_scan_publishes_nothing(project, monkeypatch):
    monkeypatch.setattr(pipeline, "build_html", _jupyter_book(cell="3"))
    before = snapshot(project / "_build")
    with pytest.raises(DisclosureError, match="c02-beta.html.*'3'"):
        pipeline.build(Paths(project), progress=False, force=True)
    assert snapshot(project / "_build") == before, "old site, link and folders exactly as they were"


def test_jupyter_book_failure_publishes_nothing(project, monkeypatch):
    monkeypatch.setattr(pipeline, "build_html", _jupyter_book(cell=None))
    before = snapshot(project / "_build")
    with pytest.raises(BookBuildError):
        pipeline.build(Paths(project), progress=False, force=True)
    assert snapshot(project / "_build") == before


def test_a_clean_site_is_published_by_swapping_the_link(project, monkeypatch):
    """The control: the same stages with the count suppressed publish the new site."""
    monkeypatch.setattr(pipeline, "build_html", _jupyter_book(cell="c"))
    old = (project / "_build" / "sites" / "site-old" / "index.html").read_bytes()
    result = pipeline.build(Paths(project), progress=False, force=True)
    link = project / "_build" / "html"
    assert link.is_symlink() and link.resolve() == result.site.resolve() != (project / "_build/sites/site-old").resolve()
    assert (link / "index.html").read_text(encoding="utf-8") == "the new site\n"
    assert (project / "_build" / "sites" / "site-old" / "index.html").read_bytes() == old  # kept as the previous site
    assert not list((project / "_build").glob("work-*")), "the work folder is cleaned up"


# ----------------------------------------------------------------------------- failing after publishing (issue 17, item 4)


def _published(root: Path) -> tuple[str, bytes | None, dict]:
    """What a reader and the next build see: the link's target, the manifest, the executed folder."""
    manifest = root / "_build" / "manifest.json"
    return (os.readlink(root / "_build" / "html"), manifest.read_bytes() if manifest.exists() else None,
            snapshot(root / "_build" / "executed"))


def _old_build_state(root: Path) -> None:
    executed = root / "_build" / "executed" / "clusters"
    executed.mkdir(parents=True)
    (executed / "c02-beta.ipynb").write_text('{"the": "old notebook"}', encoding="utf-8")
    (root / "_build" / "manifest.json").write_text('{"schema": 1, "site": "site-old", "jobs": {}}\n', encoding="utf-8")


def _refuse_executed(root: Path, monkeypatch) -> None:
    """``_build/executed`` cannot be removed, renamed or moved (as a read-only folder behaves)."""
    final = str(root / "_build" / "executed")

    def guard(real):
        def call(src, *args, **kwargs):
            if os.fspath(src) == final:
                raise PermissionError(13, "Permission denied", final)
            return real(src, *args, **kwargs)
        return call

    import shutil
    monkeypatch.setattr(shutil, "rmtree", guard(shutil.rmtree))
    monkeypatch.setattr(shutil, "move", guard(shutil.move))
    monkeypatch.setattr(os, "rename", guard(os.rename))


def _refuse_manifest(root: Path, monkeypatch) -> None:
    """The manifest cannot be written (a full disk, a read-only file)."""
    real = Path.write_text

    def write_text(self, *args, **kwargs):
        if "manifest" in self.name:
            raise OSError(28, "No space left on device", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)


@pytest.mark.parametrize("fault", [_refuse_executed, _refuse_manifest], ids=["executed", "manifest"])
def test_a_failure_while_publishing_leaves_the_old_site_link_manifest_and_notebooks(project, monkeypatch, fault):
    """Every step that can fail comes before the swap: injected there, the failure publishes nothing."""
    monkeypatch.setattr(pipeline, "build_html", _jupyter_book(cell="c"))
    monkeypatch.setattr(pipeline.workspace, "ensure_writable", lambda paths: None)  # the fault is met, not foreseen
    _old_build_state(project)
    before = _published(project)
    fault(project, monkeypatch)
    with pytest.raises(OSError):
        pipeline.build(Paths(project), progress=False, force=True)
    assert _published(project) == before, "the old site is still published, with its manifest and notebooks"
    assert sorted(p.name for p in (project / "_build" / "sites").iterdir()) == ["site-old"]


def test_a_manifest_of_the_wrong_shape_is_treated_as_absent(project, monkeypatch):
    monkeypatch.setattr(pipeline, "build_html", _jupyter_book(cell="c"))
    (project / "_build" / "manifest.json").write_text('{"schema": 1, "jobs": []}', encoding="utf-8")
    result = pipeline.build(Paths(project), progress=False, force=True)
    assert os.readlink(project / "_build" / "html") == f"sites/{result.site.name}"
    import json
    assert json.loads((project / "_build" / "manifest.json").read_text(encoding="utf-8"))["site"] == result.site.name


@pytest.mark.parametrize("text", ['{"schema": 1, "jobs": []}', '{"schema": 1, "jobs": {"a": 3}}', "[1, 2]", "{", "\x00\xff"])
def test_read_manifest_of_any_shape_gives_an_empty_manifest(tmp_path, text):
    from cluster_inquiry.build import cache

    (tmp_path / "manifest.json").write_text(text, encoding="utf-8")
    assert cache.read_manifest(tmp_path)["jobs"] == {}


def test_read_only_executed_folder_fails_before_any_notebook_with_one_line(project, monkeypatch):
    """Root ignores permissions, so the read-only folder is what ``os.access`` reports."""
    from typer.testing import CliRunner

    from cluster_inquiry import cli

    _old_build_state(project)
    read_only = str(project / "_build" / "executed" / "clusters")
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **k: False if os.fspath(p) == read_only else real_access(p, mode, **k))
    started = []
    monkeypatch.setattr(pipeline, "run_notebooks", lambda *a, **k: started.append(1))
    monkeypatch.setenv("CLUSTER_INQUIRY_ROOT", str(project))
    before = snapshot(project / "_build")
    result = CliRunner().invoke(cli.app, ["build", "--quiet", "--force"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "_build/executed/clusters: folder is read-only" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert started == [] and snapshot(project / "_build") == before


def test_a_second_build_says_which_process_holds_the_lock(project, monkeypatch):
    from cluster_inquiry.build import workspace
    from cluster_inquiry.build.workspace import BuildLockedError

    monkeypatch.setattr(pipeline, "build_html", _jupyter_book(cell="c"))
    with workspace.build_lock(Paths(project)):
        with pytest.raises(BuildLockedError, match=f"in use by another build \\(process {os.getpid()}\\)"):
            pipeline.build(Paths(project), progress=False, force=True)
    assert not (project / "_build" / workspace.LOCK_NAME).exists()
    pipeline.build(Paths(project), progress=False, force=True)  # released: the next build runs


def test_the_next_build_removes_what_a_dead_build_left(project, monkeypatch):
    monkeypatch.setattr(pipeline, "build_html", _jupyter_book(cell="c"))
    build = project / "_build"
    for leftover in ("work-deadbeef/executed/clusters", ".executed-old-12345678/clusters", "tmp/nb-x1y2z3",
                     "kernels/zygote-abcd1234"):
        (build / leftover).mkdir(parents=True)
    (build / "tmp" / "nb-x1y2z3" / "executed.ipynb").write_text("{", encoding="utf-8")
    os.symlink("sites/site-old", build / ".html-0123")
    (build / ".manifest.abc123.tmp").write_text("{", encoding="utf-8")
    pipeline.build(Paths(project), progress=False, force=True)
    assert sorted(p.name for p in build.iterdir()) == ["executed", "html", "manifest.json", "sites"]


def test_quiet_build_prints_nothing_when_it_publishes(project, monkeypatch):
    """``build --quiet``: no progress bar, no summary table, no "published" line; errors only
    (issue 17, item 12). Without --quiet the summary and the result line are printed."""
    from typer.testing import CliRunner

    from cluster_inquiry import cli

    monkeypatch.setattr(pipeline, "build_html", _jupyter_book(cell="c"))
    monkeypatch.setenv("CLUSTER_INQUIRY_ROOT", str(project))
    result = CliRunner().invoke(cli.app, ["build", "--quiet", "--force"])
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert (project / "_build" / "html" / "index.html").read_text(encoding="utf-8") == "the new site\n"
    loud = CliRunner().invoke(cli.app, ["build", "--force"])
    assert loud.exit_code == 0 and "published" in loud.output
