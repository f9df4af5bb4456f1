"""Faults outside the tables (issue 17, items 8, 10, 11): each gives one line, never a traceback.

A settings file that is a folder, a FIFO or a dangling link under data/, a template that is not a
notebook, a malformed or unreachable --scheduler; bounded output; implausible dates."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from cluster_inquiry import pipeline
from cluster_inquiry.build import cache
from cluster_inquiry.data import validation
from cluster_inquiry.core.exceptions import ClusterInquiryError, InputFileError, SchedulerError
from cluster_inquiry.core.paths import Paths

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def project(tmp_path) -> Paths:
    """A project whose data/ is a copy (so it can be broken) and whose code and book are links."""
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    for part in ("clusters", "inquiry", "reference"):
        shutil.copytree(ROOT / "data" / part, root / "data" / part)
    os.symlink(ROOT / "data" / "raw", root / "data" / "raw")
    for part in ("book", "_toc.yml", "_config.yml", "pyproject.toml"):
        os.symlink(ROOT / part, root / part)
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    return Paths(root)


def test_disclosure_settings_as_a_folder_is_one_line(project):
    policy = project.root / "data" / "reference" / "disclosure.toml"
    policy.unlink(missing_ok=True)
    policy.mkdir()
    report = validation.validate_inputs(project)
    assert "disclosure.toml:-: -: is a folder, not a file" in report.problems


@pytest.mark.parametrize("kind", ["dangling", "fifo"])
def test_a_file_under_data_that_cannot_be_read_stops_validate_and_the_build(project, kind):
    extra = project.root / "data" / "reference" / "notes.csv"
    if kind == "dangling":
        os.symlink("gone.csv", extra)
    else:
        os.mkfifo(extra)  # reading it would hang the build for ever
    report = validation.validate_inputs(project)
    assert any(p.startswith("data/reference/notes.csv:-: -: is a") for p in report.problems), report.problems
    with pytest.raises(ClusterInquiryError, match="notes.csv"):
        pipeline.build(project, progress=False)


def test_a_folder_link_looping_back_is_walked_once(project):
    os.symlink("..", project.root / "data" / "reference" / "loop")
    files = cache.walk_files(project.root / "data" / "reference")
    assert len(files) == len(set(p.resolve() for p in files))


def test_a_template_that_is_not_a_notebook_is_one_line(project):
    (project.notebooks / "theme_outcomes.ipynb").write_text('{"cells": [', encoding="utf-8")
    with pytest.raises(InputFileError, match=r"^notebooks/theme_outcomes.ipynb: not a valid notebook \("):
        cache.template_imports(project.notebooks / "theme_outcomes.ipynb")


@pytest.mark.parametrize("address", ["tcp//nowhere", "tcp://host:99999", "http://x:1", "tcp://a b:1"])
def test_a_malformed_scheduler_is_refused_before_anything_runs(project, address, monkeypatch):
    monkeypatch.setattr(pipeline, "load_inputs", lambda *a, **k: pytest.fail("validation ran"))
    with pytest.raises(SchedulerError, match="not a Dask scheduler address"):
        pipeline.build(project, progress=False, scheduler=address, force=True)


def test_an_unreachable_scheduler_is_one_line(tmp_path):
    """No scheduler on a closed port: SchedulerError naming the address (not OSError's traceback)."""
    import dask

    from cluster_inquiry.build.execute import NotebookJob

    root = tmp_path / "project"
    paths = Paths(root)
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "notebooks" / "cache_city.ipynb", root / "notebooks")
    (root / "data" / "clusters").mkdir(parents=True)
    (root / "data" / "clusters" / "values.csv").write_text("cluster_code,value\nC01,1\n", encoding="utf-8")
    fp = cache.Fingerprinter(paths.notebooks, cache.DataDependencies(paths, {}), environment="test")
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        with pytest.raises(SchedulerError, match=r"--scheduler tcp://127.0.0.1:9: no Dask scheduler answered"):
            cache.run_cached(paths, [NotebookJob("cache_city.ipynb", "themes/city.ipynb", {})], root / "out",
                             fingerprinter=fp, scheduler="tcp://127.0.0.1:9", progress=False)


@pytest.mark.parametrize("table,column,value,rule", [
    ("sessions", "date", "0001-01-01", "implausible date: must be between 2012-01-01 and 2016-12-31"),
    ("recommendations", "due_date", "9999-12-31", "implausible date: must be between 2013-01-01 and 2020-12-31"),
])
def test_implausible_dates_are_refused_with_the_rule(project, table, column, value, rule):
    import pandas as pd

    path = project.root / "data" / "inquiry" / f"{table}.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[0, column] = value
    df.to_csv(path, index=False, lineterminator="\n")
    report = validation.validate_inputs(project)
    assert f"{table}.csv:2: {column}: {rule} (got '{value}')" in report.problems, report.problems


def test_output_is_bounded_per_file_and_rule(project):
    """Thousands of bad cells: at most a screenful per file and rule, then the count of the rest."""
    path = project.clusters / "obsessions_monthly.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    col = header.index("lac_count")
    bad = []
    for line in lines[1:]:
        cells = line.split(",")
        cells[col] = "many"
        bad.append(",".join(cells))
    path.write_text("\n".join([lines[0], *bad]) + "\n", encoding="utf-8")
    report = validation.validate_inputs(project)
    word = [p for p in report.problems if "lac_count: must be a whole number" in p]
    assert len(word) == validation.SCREENFUL
    rest = len(bad) - validation.SCREENFUL
    assert f"obsessions_monthly.csv:-: lac_count: … and {rest:,} more row(s) with the same problem" in report.problems
    assert len(report.problems) < 200
