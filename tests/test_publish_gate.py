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
from cluster_inquiry.exceptions import BookBuildError, DisclosureError
from cluster_inquiry.paths import Paths

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
