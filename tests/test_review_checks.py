"""Unit tests of the reviewers' checks (no build, no browser): nbval sanitisers and evidence tags,
golden copies, the offline link checker and the PDF's reading order."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbval.plugin import get_sanitize_patterns

from cluster_inquiry.checks import golden, linkcheck, pdf

ROOT = Path(__file__).resolve().parents[1]
PATTERNS = get_sanitize_patterns((ROOT / "tests" / "nbval_sanitize.cfg").read_text(encoding="utf-8"))
TEMPLATES = sorted((ROOT / "notebooks").glob("*.ipynb"))


def sanitize(text: str) -> str:
    for regex, replace in PATTERNS:
        text = re.sub(regex, replace, text)
    return text


# ----------------------------------------------------------------------------- nbval


@pytest.mark.parametrize(
    "a, b",
    [
        ("<cluster_inquiry.pages.report.HTML at 0x7fb9e8bd0850>", "<cluster_inquiry.pages.report.HTML at 0x7f0011223344>"),
        ("<img src='data:image/png;base64,iVBORw0KGgoAAAANSUhEUg+/=' alt='Map'>", "<img src='data:image/png;base64,STRIPPED' alt='Map'>"),
        ("built 2026-11-23T10:01:39.123+00:00", "built 2027-01-02 08:00:00"),
        ("read /tmp/pytest-of-ci/book0/project/data/clusters/x.csv", "read /home/analyst/work/data/clusters/x.csv"),
    ],
)
def test_sanitisers_remove_volatile_content(a, b):
    assert sanitize(a) == sanitize(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("<td>87.0</td>", "<td>88.0</td>"),
        ("September 2013 (2013-09): 5 of 25 clusters", "September 2013 (2013-09): 6 of 25 clusters"),
        ("<img src='data:image/png;base64,AAAA' alt='Map of 25 clusters'>", "<img src='data:image/png;base64,AAAA' alt='Map of 24 clusters'>"),
    ],
)
def test_sanitisers_keep_the_evidence(a, b):
    assert sanitize(a) != sanitize(b)
    assert "2013-09" in sanitize("period 2013-09")


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_every_template_marks_its_evidence_cells(path):
    nb = nbformat.read(path, as_version=4)
    tagged = golden.evidence_cells(nb)
    assert tagged, f"{path.name}: tag the evidence cells (tables, key findings) nbval-check-output"
    for cell in tagged:
        assert "parameters" not in cell.metadata.get("tags", [])


def test_golden_copies_exist_and_hold_no_image_bytes():
    copies = sorted((ROOT / "tests" / "golden").rglob("*.ipynb"))
    assert copies, "no golden evidence: run make golden"
    for path in copies:
        text = path.read_text(encoding="utf-8")
        assert "iVBORw0KGgo" not in text, f"{path.name}: image bytes in a golden notebook (use make golden)"
        assert golden.evidence_cells(nbformat.read(path, as_version=4))


def test_strip_images_removes_bytes_but_keeps_the_table():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                "text/html": "<figure><img src='data:image/png;base64,iVBORw0KGgo+/=' alt='a'/></figure><table><td>42</td></table>",
                "image/png": "iVBORw0KGgo",
            },
        )
    ]
    nb.cells = [cell]
    out = golden.strip_images(nb).cells[0].outputs[0].data
    assert "image/png" not in out
    assert "iVBORw0KGgo" not in out["text/html"] and "<td>42</td>" in out["text/html"]
    assert "base64,STRIPPED" in out["text/html"]


# ----------------------------------------------------------------------------- link check


def _page(path: Path, body: str, head: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>", encoding="utf-8")


@pytest.fixture()
def site(tmp_path):
    _page(tmp_path / "index.html", "", head='<meta http-equiv="Refresh" content="0; url=book/intro.html" />')
    _page(
        tmp_path / "book" / "intro.html",
        '<h1 id="top">Intro</h1><a href="#top">top</a><a href="../generated/a.html#sec-1">A</a>'
        '<img src="../_static/logo.png" alt="logo"><a href="https://example.org/report">ext</a>'
        '<a href="mailto:board@example.org">mail</a><img src="data:image/png;base64,AAAA" alt="x">',
        head='<link rel="stylesheet" href="../_static/site.css?v=1">',
    )
    _page(tmp_path / "generated" / "a.html", '<section id="sec-1"><a name="old"></a></section><a href="../book/intro.html">back</a>')
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "logo.png").write_bytes(b"png")
    (tmp_path / "_static" / "site.css").write_text("body{}")
    _page(tmp_path / "_static" / "template.html", "<a href=\"{{ pathto('x') }}\">theme template, not a page</a>")
    return tmp_path


def test_link_check_passes_a_sound_site_and_lists_external_links(site):
    report = linkcheck.check_site(site)
    assert report.ok, report.broken
    assert report.pages == 3
    assert sorted(report.external) == ["https://example.org/report", "mailto:board@example.org"]
    assert "https://example.org/report" in report.text()


@pytest.mark.parametrize(
    "link, problem",
    [
        ('<a href="missing.html">x</a>', "no such file"),
        ('<a href="../generated/a.html#no-such-section">x</a>', "no anchor #no-such-section"),
        ('<a href="#nowhere">x</a>', "no anchor #nowhere"),
        ('<img src="../_static/missing.png" alt="m">', "no such file"),
        ('<a href="../../outside.html">x</a>', "outside the site"),
    ],
)
def test_link_check_finds_a_planted_broken_link(site, link, problem):
    page = site / "book" / "intro.html"
    page.write_text(page.read_text().replace("</body>", link + "</body>"))
    report = linkcheck.check_site(site)
    assert not report.ok
    assert len(report.broken) == 1 and problem in report.broken[0] and report.broken[0].startswith("book/intro.html:")


def test_reading_order_follows_next_links(tmp_path):
    _page(tmp_path / "index.html", "", head='<meta http-equiv="Refresh" content="0; url=book/intro.html" />')
    _page(tmp_path / "book" / "intro.html", "", head='<link rel="next" href="../generated/t.html" />')
    _page(tmp_path / "generated" / "t.html", "", head='<link rel="next" href="../book/end.html" />')
    _page(tmp_path / "book" / "end.html", "")
    assert pdf.reading_order(tmp_path) == ["book/intro.html", "generated/t.html", "book/end.html"]
