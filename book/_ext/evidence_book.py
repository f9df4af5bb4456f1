"""Sphinx extension for the evidence book: small fixes to the theme's HTML (accessibility, no duplicates).

- **Named disclosure toggles.** pydata-sphinx-theme puts an empty ``<summary>`` (only a decorative
  chevron) beside each navigation entry that has sub-pages; a screen reader announces it as an
  unnamed button (axe ``summary-name``, WCAG 4.1.2). We give each one an ``aria-label`` naming the
  section it opens.
- **Escaped page titles.** sphinx-book-theme 1.3 puts ``pagetitle`` (the print header on every
  page) and ``root_title`` (the sidebar's home link) into the HTML as raw text. Sphinx templates
  do not auto-escape, so a cluster named ``<img src=x onerror=…>`` would become live HTML on its
  page. We escape both (tests/test_hostile_input.py).
- **No duplicated inline scripts.** sphinx-thebe registers its inline configuration script twice
  under Sphinx 7, which declares ``const THEBE_JS_URL`` twice: a console error on every page. Inline
  scripts with identical attributes and body are kept once.
"""

from __future__ import annotations

import html

from bs4 import BeautifulSoup, Tag


def _label_summaries(nav):
    """Label empty ``<summary>`` toggles in the theme's navigation (a BeautifulSoup tree or HTML)."""
    soup = nav if isinstance(nav, Tag) else BeautifulSoup(str(nav), "html.parser")
    for summary in soup.find_all("summary"):
        if summary.get_text(strip=True) or summary.get("aria-label"):
            continue
        item = summary.find_parent("li")
        link = item.find("a", recursive=False) if item is not None else None
        name = link.get_text(" ", strip=True) if link is not None else "this section"
        summary["aria-label"] = f"Show or hide the pages under {name}"
    return soup if isinstance(nav, Tag) else str(soup)


def _escape_theme_titles(context) -> None:
    for key in ("pagetitle", "root_title"):
        value = context.get(key)
        if isinstance(value, str) and not getattr(value, "__html__", None):
            context[key] = html.escape(value, quote=True)


def _wrap_toctree(app, pagename, templatename, context, doctree) -> None:
    _escape_theme_titles(context)
    generate = context.get("generate_toctree_html")
    if generate is not None and not getattr(generate, "_evidence_book", False):
        def labelled(*args, **kwargs):
            return _label_summaries(generate(*args, **kwargs))

        labelled._evidence_book = True
        context["generate_toctree_html"] = labelled
    scripts = context.get("script_files")
    if scripts:
        seen, unique = set(), []
        for js in scripts:
            key = (js.filename or "", tuple(sorted(js.attributes.items())))
            if key in seen:
                continue
            seen.add(key)
            unique.append(js)
        context["script_files"] = unique


def setup(app):
    # after pydata-sphinx-theme (500) and sphinx-book-theme (501) have filled the context
    app.connect("html-page-context", _wrap_toctree, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
