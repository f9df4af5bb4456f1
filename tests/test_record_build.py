"""Integration (issue 8): the inquiry's record in the built book — register, case studies, tracker,
downloads that match the tables shown, provenance hashes, evidence links and search."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from cluster_inquiry.pages import record
from cluster_inquiry.core.paths import project_paths
from cluster_inquiry.data.schemas import VISIT_QUESTIONS

pytestmark = pytest.mark.integration

CASE_STUDIES = ["c09-temple-newsam", "c13-beeston-cottingley-and-middleton"]
_WRAP = re.compile(r"<div class='ci-table-wrap'.*?</table>.*?<p class='ci-download'>(.*?)</p>", re.S)
_CSV_LINK = re.compile(r"href='\.\./\.\./downloads/(tables/[^']+\.csv)'")
_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def _page(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


def _chapters(site: Path) -> list[Path]:
    """Pages that present evidence: themes (and appendices), cluster profiles and case studies."""
    return sorted(p for folder in ("themes", "clusters", "case-studies") for p in (site / "generated" / folder).glob("*.html"))


def test_record_pages_are_in_the_book(built_site):
    for rel in ("generated/record/evidence-register.html", "generated/record/recommendations.html",
                "generated/record/downloads.html", "generated/record/provenance.html"):
        assert (built_site / rel).exists(), rel
    register = _page(built_site, "generated/record/evidence-register.html")
    for text in ("12 December 2013", "16 January 2014", "February 2014", "Director of Children", "Chair of Schools Forum",
                 "from the inquiry's record as described in the brief"):
        assert text in register.replace("&#x27;", "'"), text
    tracker = _page(built_site, "generated/record/recommendations.html")
    assert "ci-badge-illustrative" in tracker and "Recommendations by status" in tracker
    assert re.search(r"<img [^>]*alt='Bar chart of the \d+ recommendations by status", tracker)


def test_one_case_study_per_visit_with_the_seven_questions(built_site):
    pages = sorted(p.stem for p in (built_site / "generated" / "case-studies").glob("*.html"))
    assert pages == CASE_STUDIES
    for stem in CASE_STUDIES:
        page = _page(built_site, f"generated/case-studies/{stem}.html")
        assert "<h1>Case study:" in page
        for label in VISIT_QUESTIONS.values():
            assert f"{label}<a class=\"headerlink\"" in page, (stem, label)
        assert page.count("ci-visit-answer") == 7 and "ci-badge-illustrative" in page
    profile = _page(built_site, "generated/clusters/c09-temple-newsam.html")
    assert "ci-visit-answer" not in profile and "The deep-dive visit" not in profile


def test_every_chapter_links_to_evidence_that_exists_on_the_register(built_site):
    register = _page(built_site, "generated/record/evidence-register.html")
    anchors = set(re.findall(r"<tr id='(evidence-[a-z0-9-]+)'>", register))
    assert len(anchors) >= 10
    missing, broken = [], []
    for page in _chapters(built_site):
        html = page.read_text(encoding="utf-8")
        if "class='ci-evidence'" not in html:
            missing.append(page.name)
        for target in re.findall(r"href='\.\./record/evidence-register\.html#([^']+)'", html):
            if target not in anchors:
                broken.append(f"{page.name} → #{target}")
    assert not missing, f"chapters without 'Evidence used' (call record.evidence_links): {missing}"
    assert not broken, broken


def _read_shown(html: str) -> pd.DataFrame:
    """The first HTML table, every cell as the text shown (no type guessing: "01" stays "01")."""
    ncols = pd.read_html(io.StringIO(html))[0].shape[1]
    return pd.read_html(io.StringIO(html), keep_default_na=False, thousands=None,
                        converters={i: str for i in range(ncols)})[0]


def test_every_download_matches_the_table_shown(built_site):
    checked = 0
    for page in sorted((built_site / "generated").rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        for wrap in _WRAP.finditer(html):
            block = wrap.group(0)
            (link,) = [link for link in _CSV_LINK.findall(wrap.group(1)) if not link.endswith(".metadata.csv")]
            shown = _read_shown(block[block.index("<table"):])
            csv = pd.read_csv(built_site / "downloads" / link, dtype=str, keep_default_na=False)
            # the only permitted differences: the CSV writes 1,373 as 1373, and a cell that would start a
            # spreadsheet formula ("= Similar") carries a leading apostrophe (OWASP's CSV-injection rule)
            shown = shown.map(lambda v: v.replace(",", "") if _NUMBER.match(v) else v)
            shown = shown.map(lambda v: "'" + v if v.startswith(_FORMULA_START) and not _PLAIN.match(v) else v)
            shown.columns = [str(c) for c in shown.columns]
            assert list(shown.columns) == list(csv.columns), (page.name, link)
            assert shown.to_numpy().tolist() == csv.to_numpy().tolist(), (page.name, link)
            checked += 1
    assert checked >= 60


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN = re.compile(r"^-?\d+(\.\d+)?$")


def _formula_cells(name: str, text: str) -> list[str]:
    return [f"{name}: {c[:40]!r}" for row in csv.reader(io.StringIO(text, newline="")) for c in row
            if c.startswith(_FORMULA_START) and not _PLAIN.match(c)]


def test_no_published_csv_cell_can_start_a_formula(built_site):
    """OWASP CSV injection: no cell of any CSV the book publishes, loose or in the data pack, starts
    with = + - @ tab or CR unless it is a plain number (today's book has "= Similar", "+£9,163")."""
    bad = []
    for path in (built_site / "downloads").rglob("*.csv"):
        bad += _formula_cells(path.name, path.read_text(encoding="utf-8"))
    with zipfile.ZipFile(built_site / "downloads" / "data-pack.zip") as zf:
        for name in zf.namelist():
            if name.endswith(".csv"):
                bad += _formula_cells(name, zf.read(name).decode("utf-8"))
    assert not bad, bad[:10]


def test_data_pack_and_downloads_page_list_every_table(built_site):
    linked = set()
    for page in (built_site / "generated").rglob("*.html"):
        linked |= set(_CSV_LINK.findall(page.read_text(encoding="utf-8")))
    with zipfile.ZipFile(built_site / "downloads" / "data-pack.zip") as zf:
        names = set(zf.namelist())
        meta = pd.read_csv(io.BytesIO(zf.read("metadata.csv")), dtype=str, keep_default_na=False)
    tables = {n for n in names if n.startswith("tables/") and not n.endswith(".metadata.csv")}
    assert tables == {link for link in linked if not link.endswith(".metadata.csv")}
    assert set(meta["file"]) == tables
    assert set(meta["data_status"]) <= {"real", "illustrative", "mixed", "record"}
    assert (meta["source"] != "").all() and (meta["symbols"] != "").all()
    listing = _page(built_site, "generated/record/downloads.html")
    assert "../../downloads/data-pack.zip" in listing
    assert all(f"../../downloads/{t}" in listing for t in tables)


def test_provenance_lists_every_input_with_a_hash_the_test_recomputes(built_book, built_site):
    page = _page(built_site, "generated/record/provenance.html")
    table = _read_shown(page[page.index("<table"):])
    listed = dict(zip(table["File"], table["SHA-256"]))
    expected = {p.relative_to(built_book).as_posix() for p in record.input_files(project_paths(built_book))}
    assert set(listed) == expected
    for rel, digest in listed.items():
        assert hashlib.sha256((built_book / rel).read_bytes()).hexdigest() == digest, rel
    assert "not recorded" not in set(table["Status"])


def _search_index(site: Path) -> dict:
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1: text.rindex(")")])


def test_search_finds_cluster_and_indicator_names(built_site):
    from sphinx.search.en import SearchEnglish

    index = _search_index(built_site)
    stem = SearchEnglish({}).stem
    docs = index["docnames"]
    titles = " ".join(index["titles"]).lower()

    def pages_for(word: str) -> set[str]:
        hits = set()
        for table in ("terms", "titleterms"):
            found = index[table].get(stem(word.lower()), [])
            hits |= {docs[i] for i in ([found] if isinstance(found, int) else found)}
        return hits

    for name in ("Temple Newsam", "Beeston", "Alwoodley", "Headingley"):
        assert name.lower() in titles, name
        assert all(pages_for(w) for w in name.split()), name
    assert "generated/clusters/c09-temple-newsam" in pages_for("Newsam")
    for word in ("looked-after", "NEET", "attendance", "persistent", "child-protection"):
        hits = set.intersection(*(pages_for(w) for w in word.split("-")))
        assert "generated/themes/performance" in hits, word


@pytest.mark.parametrize(("kind", "engine"), [("xlsx", "openpyxl"), ("ods", "odf")])
def test_the_books_spreadsheet_holds_every_csv_with_a_unique_title(built_site, kind, engine):
    """Issue 13: the whole-book workbook opens with pandas and each table sheet holds its CSV's cells."""
    from cluster_inquiry.build import spreadsheets

    meta = pd.read_csv(built_site / "downloads" / "metadata.csv", dtype=str, keep_default_na=False)
    assert meta["title"].is_unique
    path = built_site / "downloads" / f"{spreadsheets.BOOK_WORKBOOK}.{kind}"
    sheets = pd.read_excel(path, sheet_name=None, header=None, engine=engine)
    assert list(sheets)[:3] == ["Cover", "Contents", "Notes"] and len(sheets) == 3 + len(meta)
    shown = dict(spreadsheets.display_texts(path.read_bytes(), kind))
    for i, row in enumerate(meta.itertuples(), start=1):
        title, header, body = spreadsheets.table_block(shown[f"Table_{i}"])
        assert title.startswith(row.title)
        with open(built_site / "downloads" / row.file, encoding="utf-8", newline="") as f:
            # the CSV's cells defused against formulas carry one leading apostrophe; the workbook applies
            # the same rule to the table's own text, so compare with the cell before that apostrophe
            want = [[spreadsheets.sheet_text(v[1:] if v.startswith("'") and v[1:].startswith(_FORMULA_START) else v)
                     for v in r] for r in csv.reader(f)]
        assert [header] + body == want, row.file
