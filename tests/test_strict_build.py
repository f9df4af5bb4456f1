"""The book build is strict: a Sphinx warning (a broken cross-reference) fails it.

Builds a two-page book with the project's own _config.yml, extension and CSS (seconds, not the full
book), once sound and once with broken references.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cluster_inquiry.core.exceptions import BookBuildError
from cluster_inquiry.pipeline import build_html

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.integration

TOC = "format: jb-book\nroot: book/index\nchapters:\n  - file: book/other\n"


def tiny_book(stage: Path, index_body: str) -> Path:
    (stage / "book").mkdir(parents=True)
    shutil.copy2(ROOT / "_config.yml", stage / "_config.yml")
    for folder in ("_static", "_ext", "_extra"):  # the folders _config.yml names
        if (ROOT / "book" / folder).is_dir():
            shutil.copytree(ROOT / "book" / folder, stage / "book" / folder)
    (stage / "_toc.yml").write_text(TOC, encoding="utf-8")
    (stage / "book" / "index.md").write_text(f"# Index\n\n(index-label)=\n## Section\n\n{index_body}\n", encoding="utf-8")
    (stage / "book" / "other.md").write_text("# Other\n\nBack to {ref}`index-label`.\n", encoding="utf-8")
    return stage


def test_a_sound_book_builds(tmp_path):
    html = build_html(tiny_book(tmp_path / "ok", "See {doc}`other` and [the other page](other.md)."))
    assert (html / "book" / "other.html").exists()


def test_broken_cross_references_fail_the_build_and_are_named(tmp_path):
    body = "See {doc}`no-such-page`, {ref}`no-such-label` and [a missing page](missing-page.md)."
    with pytest.raises(BookBuildError) as err:
        build_html(tiny_book(tmp_path / "broken", body))
    message = str(err.value)
    for name in ("no-such-page", "no-such-label", "missing-page"):
        assert name in message, message
