"""``cluster-inquiry pdf``: the book as one PDF for a committee agenda pack.

Each chapter starts on a new sheet, and every sheet of a chapter with illustrative numbers carries
the illustrative-data label in its footer (a loose sheet still says its numbers are modelled).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from cluster_inquiry.checks import browser
from cluster_inquiry.figures.records import STATUS_LABEL
from cluster_inquiry.checks.pdf import ILLUSTRATIVE_LABEL

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


@pytest.fixture(scope="module")
def book_pdf(built_book, artifacts):
    exe = Path(sys.executable).with_name("cluster-inquiry")
    env = dict(os.environ, CLUSTER_INQUIRY_ROOT=str(built_book))
    proc = subprocess.run([str(exe), "pdf"], cwd=built_book, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    path = built_book / "_build" / "pdf" / "evidence-book.pdf"
    shutil.copy2(path, artifacts / path.name)
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    chapters = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    return reader, [_norm(p.extract_text()) for p in reader.pages], chapters


def test_pdf_has_every_chapter_each_from_a_new_sheet(book_pdf, built_site):
    reader, texts, chapters = book_pdf
    pages = set(browser.site_pages(built_site)) - {"index.html", "genindex.html", "search.html"}
    assert sorted(c["page"] for c in chapters) == sorted(pages)
    contents = chapters[0]["first_sheet"] - 1  # the contents page(s) come first
    assert contents >= 1
    assert contents + sum(c["sheets"] for c in chapters) == len(reader.pages)
    for before, after in zip(chapters, chapters[1:]):
        assert after["first_sheet"] == before["first_sheet"] + before["sheets"]
    assert [o.title for o in reader.outline] == ["Contents"] + [c["title"] for c in chapters]
    assert chapters[0]["page"] == "generated/front/index.html"
    assert "Cluster Partnerships Inquiry" in texts[0]


def test_contents_page_gives_every_chapter_its_page_number(book_pdf):
    """Issue 13: the whole-book PDF opens with a contents page; its numbers are the PDF's page labels."""
    reader, texts, chapters = book_pdf
    n = chapters[0]["first_sheet"] - 1
    contents = " ".join(texts[:n])
    for c in chapters:
        label = reader.page_labels[c["first_sheet"] - 1]
        assert label == str(c["first_sheet"] - n)
        assert f"{_norm(c['title'])} {label}" in contents, c["title"]


def test_one_pdf_per_cluster_profile_at_most_two_pages(book_pdf, built_book, built_site, artifacts):
    """Issue 13: ``pdf`` writes clusters/<code>-<name>.pdf beside the book; each profile prints on two A4 sheets at most."""
    from pypdf import PdfReader

    folder = built_book / "_build" / "pdf" / "clusters"
    profiles = sorted(p.stem for p in (built_site / "generated" / "clusters").glob("*.html"))
    assert sorted(p.stem for p in folder.glob("*.pdf")) == profiles and len(profiles) >= 25
    sheets = {p.stem: len(PdfReader(str(p)).pages) for p in folder.glob("*.pdf")}
    assert max(sheets.values()) <= 2, sheets
    shutil.copy2(folder / f"{profiles[0]}.pdf", artifacts / f"profile-{profiles[0]}.pdf")


def test_every_sheet_with_illustrative_numbers_carries_the_label(book_pdf):
    reader, texts, chapters = book_pdf
    label = _norm(ILLUSTRATIVE_LABEL)
    badges = [_norm(STATUS_LABEL[s]) for s in ("illustrative", "mixed")]  # banners; markers are covered by the chapter flag
    sheet_chapter = {}
    for c in chapters:
        for i in range(c["first_sheet"] - 1, c["first_sheet"] - 1 + c["sheets"]):
            sheet_chapter[i] = c
    missing = [
        i + 1 for i, text in enumerate(texts)
        if i in sheet_chapter  # the contents page(s) belong to no chapter and show no figures
        and (sheet_chapter[i]["illustrative"] or any(b in text for b in badges)) and label not in text
    ]
    assert not missing, f"sheets without the illustrative label: {missing}"
    assert any(c["illustrative"] for c in chapters)


def test_pages_without_illustrative_numbers_are_not_labelled(book_pdf):
    """The label means something: 'About this book' describes the data but shows no cluster figures."""
    reader, texts, chapters = book_pdf
    about = next(c for c in chapters if c["page"] == "book/intro.html")
    assert not about["illustrative"]
    first = about["first_sheet"] - 1
    assert all(_norm(ILLUSTRATIVE_LABEL) not in texts[i] for i in range(first, first + about["sheets"]))
