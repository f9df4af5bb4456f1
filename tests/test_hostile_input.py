"""Hostile or odd input is inert: HTML/JavaScript in a cluster name is escaped on every output,
path-like names cannot escape the build folder, file names are slugs, and nothing is evaluated."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from cluster_inquiry import cli, pipeline
from cluster_inquiry.data import geography
from cluster_inquiry.pages import report
from cluster_inquiry.build.execute import tidy_for_publishing
from cluster_inquiry.figures.records import slug
from cluster_inquiry.core.paths import project_paths
from cluster_inquiry.data.validation import validate_inputs

HOSTILE = """<script>alert(1)</script> & "quotes" $\\alpha$ {cluster_code} [/red]"""
ROOT = Path(__file__).resolve().parents[1]
UNESCAPED = re.compile(r"<script>alert|<img src=x", re.IGNORECASE)


def hostile_clusters_csv(dest: Path, name: str = HOSTILE) -> Path:
    shutil.copytree(ROOT / "data" / "clusters", dest)
    df = pd.read_csv(dest / "clusters.csv", dtype=str, keep_default_na=False)
    df.loc[df["cluster_code"] == "C02", "cluster_name"] = name
    df.loc[df["cluster_code"] == "C02", "name_basis"] = "<img src=x onerror=alert(2)>"
    df.to_csv(dest / "clusters.csv", index=False, lineterminator="\n")
    return dest


@pytest.fixture(scope="module")
def hostile_ctx(tmp_path_factory):
    data = hostile_clusters_csv(tmp_path_factory.mktemp("hostile") / "clusters")
    report_ = validate_inputs(directory=data)
    hostile_problems = [p for p in report_.problems if p.startswith("clusters.csv")]
    assert not hostile_problems, "a hostile-looking name is legitimate text, not a contract violation"
    paths = project_paths()
    boundaries = geography.cluster_boundaries(paths, report_.frames["lsoa_cluster_lookup"])
    return report.Context(paths, report_.frames, boundaries)


def test_report_output_escapes_the_name_everywhere(hostile_ctx):
    ctx = hostile_ctx
    pieces = {
        "indicator table": report.indicator_table(ctx, "NEET_PCT", "2013-09").to_html(),
        "indicator chart": report.indicator_chart(ctx, "PA_PCT", "2013-09").to_html(),
        "map": report.indicator_map(ctx, "ATTEND_PCT", "2013-09", highlight="C02").to_html(),
        "findings": report.performance_findings(ctx)._repr_html_(),
        "trend": report.cluster_trend(ctx, "C02").to_html(),
        "header": report.cluster_header(ctx, "C02")._repr_html_(),
        "summary": report.cluster_indicator_summary(ctx, "C02").to_html(),
    }
    for where, html in pieces.items():
        assert not UNESCAPED.search(html), where
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pieces["trend"]
    assert "&lt;script&gt;" in pieces["indicator table"]


def test_page_title_substitution_is_inert_markdown():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# {cluster_name}\n\nProfile of {cluster_name} ({cluster_code}).")])
    tidy_for_publishing(nb, {"cluster_name": HOSTILE, "cluster_code": "C02"})
    source = nb.cells[0].source
    assert "<script" not in source and "{cluster_code}" not in source.replace("\\{cluster\\_code\\}", "")
    rendered = MarkdownIt("commonmark").render(source)
    assert not UNESCAPED.search(rendered)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered
    assert rendered.count("<h1>") == 1


def test_search_override_is_sphinx_plus_the_escape():
    """book/_static/searchtools.js = the installed Sphinx file + escaping of raw index titles.

    Sphinx 7.4 shows "alltitles" keys (raw text) via innerHTML; a cluster name could inject HTML
    into the search results. If Sphinx is upgraded this fails: re-derive the copy, or drop it
    once Sphinx escapes the titles itself (8.2+)."""
    import sphinx

    installed = (Path(sphinx.__file__).parent / "themes/basic/static/searchtools.js").read_text(encoding="utf-8")
    ours = (ROOT / "book/_static/searchtools.js").read_text(encoding="utf-8")
    assert "titles[file] !== title ? `${titles[file]} > ${title}` : title," in installed, "Sphinx's search changed"
    start = ours.index("// Cluster Inquiry Evidence Book:")
    end = ours.index("const _displayItem")
    restored = (ours[:start] + ours[end:]).replace(
        "const shown = _escapeHTML(title);\n          const boost = titles[file] === shown ? 1 : 0;",
        "const boost = titles[file] === title ? 1 : 0;",
    ).replace("titles[file] !== shown ? `${titles[file]} > ${shown}` : shown,", "titles[file] !== title ? `${titles[file]} > ${title}` : title,")
    assert restored == installed
    assert "innerHTML = title" in ours  # titles reaching innerHTML are escaped ones only


def test_page_file_names_are_slugs():
    name = pipeline.cluster_page_name("C02", HOSTILE)
    assert re.fullmatch(r"c02-[a-z0-9-]+", name), name
    assert pipeline.cluster_page_name("C03", "../../etc/passwd") == "c03-etc-passwd"
    assert slug("..") == "item" and "/" not in slug("a/b\\c") and "." not in slug("x.ipynb")


def test_cluster_option_cannot_reach_outside_the_build(tmp_path, monkeypatch):
    before = sorted(p.name for p in tmp_path.iterdir())
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli.app, ["run", "--cluster", "../../etc"])
    assert result.exit_code == 1
    assert "unknown cluster '../../etc'" in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_no_input_is_evaluated(tmp_path):
    """A cell that would run code if anything eval'd input is read as plain (invalid) text."""
    data = hostile_clusters_csv(tmp_path / "clusters")
    df = pd.read_csv(data / "key_indicators.csv", dtype=str, keep_default_na=False)
    marker = tmp_path / "pwned"
    df.loc[0, "numerator"] = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    df.to_csv(data / "key_indicators.csv", index=False, lineterminator="\n")
    problems = validate_inputs(directory=data).problems
    assert any(p.startswith("key_indicators.csv:2: numerator: must be a whole number") for p in problems)
    assert not marker.exists()


@pytest.mark.integration
def test_one_profile_rendered_by_jupyter_book_has_no_live_script(tmp_path, monkeypatch):
    """Execute the real profile template for the hostile cluster and render it with Jupyter Book."""
    from cluster_inquiry.build.execute import NotebookJob, run_job

    root = tmp_path / "project"
    root.mkdir()
    for part in ("_config.yml", "book", "notebooks", "pyproject.toml"):
        src = ROOT / part
        shutil.copytree(src, root / part) if src.is_dir() else shutil.copy(src, root / part)
    (root / "data").mkdir()
    for part in (ROOT / "data").iterdir():  # raw, reference, inquiry, …: everything but the clusters
        if part.name not in ("clusters", "processed"):
            os.symlink(part, root / "data" / part.name)
    hostile_clusters_csv(root / "data" / "clusters")
    page = pipeline.cluster_page_name("C02", HOSTILE)
    (root / "_toc.yml").write_text(f"format: jb-book\nroot: generated/clusters/{page}\n", encoding="utf-8")
    monkeypatch.setenv("CLUSTER_INQUIRY_ROOT", str(root))  # the kernel inherits it
    executed = root / "_build" / "executed"
    run_job(
        NotebookJob(pipeline.PROFILE_TEMPLATE, f"clusters/{page}.ipynb", {"cluster_code": "C02"},
                    {"cluster_name": HOSTILE, "cluster_code": "C02", "page_title": HOSTILE}),
        root / "notebooks", executed, root,
    )
    stage = root / "_build" / "stage"
    pipeline.stage_book(pipeline.project_paths(root), executed, stage)
    (stage / "_toc.yml").write_text(f"format: jb-book\nroot: generated/clusters/{page}\n", encoding="utf-8")
    html = pipeline.build_html(stage, strict=False)
    texts = {p: p.read_text(encoding="utf-8", errors="replace") for p in html.rglob("*") if p.suffix in {".html", ".js", ".txt"}}
    for path in html.rglob("*.ipynb"):  # shipped notebooks: what a viewer renders as HTML/Markdown
        nb = nbformat.read(path, as_version=4)
        parts = [c.source for c in nb.cells if c.cell_type == "markdown"]
        parts += ["".join(o.get("data", {}).get("text/html", "")) for c in nb.cells for o in c.get("outputs", [])]
        texts[path] = "\n".join(parts)
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in t for t in texts.values())
    # The search index is data, not markup: it holds the raw title (as JSON) for matching, and our
    # searchtools.js escapes it before display (see test_search_override_is_sphinx_plus_the_escape).
    index = texts.pop(html / "searchindex.js")
    assert '"titles": ["&lt;script&gt;' in index
    assert "const shown = _escapeHTML(title);" in texts[html / "_static" / "searchtools.js"]
    for path, text in texts.items():
        assert not UNESCAPED.search(text), path
