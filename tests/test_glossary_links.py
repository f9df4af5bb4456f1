"""book/_ext/glossary_links.py: the first use of each glossary term in a page's prose links to the glossary."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from docutils import nodes
from docutils.core import publish_doctree

_EXT = Path(__file__).resolve().parents[1] / "book" / "_ext" / "glossary_links.py"
spec = importlib.util.spec_from_file_location("glossary_links", _EXT)
glossary_links = importlib.util.module_from_spec(spec)
spec.loader.exec_module(glossary_links)

PAGE = """\
NEET by cluster
===============

NEET rates by LSOA, and NEET again. ``LSOA code``

* the JCC and a `link naming LAC <http://example.invalid/>`_, then LAC.

.. raw:: html

   <p>DSG in an HTML output</p>
"""


def _links(doctree) -> list[tuple[str, str]]:
    return [(r.astext(), r["refuri"]) for r in doctree.findall(nodes.reference) if "ci-term" in r.get("classes", [])]


def test_first_use_in_prose_is_linked_once_per_page():
    doctree = publish_doctree(PAGE)
    assert glossary_links.link_terms(doctree, "../record/glossary.html") == 4
    assert _links(doctree) == [
        ("NEET", "../record/glossary.html#term-neet"),
        ("LSOA", "../record/glossary.html#term-lsoa"),
        ("JCC", "../record/glossary.html#term-joint-collaborative-committee-jcc"),
        ("LAC", "../record/glossary.html#term-looked-after-child-lac"),  # not the one inside the link
    ]
    title = next(iter(doctree.findall(nodes.title)))
    assert not list(title.findall(nodes.reference))  # headings are left alone
    raw = next(iter(doctree.findall(nodes.raw)))
    assert "DSG" in raw.astext() and not list(raw.findall(nodes.reference))  # HTML outputs too
    assert "NEET rates by LSOA, and NEET again." in doctree.astext()  # the words are unchanged


def test_the_glossary_page_itself_is_not_linked():
    class Builder:
        format = "html"

        def get_relative_uri(self, a, b):
            raise AssertionError("not called for the glossary page")

    class App:
        builder = Builder()

        class env:
            all_docs = {glossary_links.GLOSSARY_DOC: 0}

    doctree = publish_doctree(PAGE)
    glossary_links._on_doctree_resolved(App(), doctree, glossary_links.GLOSSARY_DOC)
    assert _links(doctree) == []
