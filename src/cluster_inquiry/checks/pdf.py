"""Print the built book to one PDF for a committee agenda pack (``cluster-inquiry pdf``).

Each page of the site is printed by headless Chromium (print CSS in ``book/_static/evidence.css``
hides the navigation) in table-of-contents order, found by following the pages' ``rel="next"``
links from the front page. Each chapter is printed separately, so every chapter starts on a new
sheet; the parts are merged with pypdf, with one bookmark per chapter.

Every sheet of a chapter that shows illustrative numbers (any ``illustrative`` or ``mixed`` data
label on the page) carries :data:`ILLUSTRATIVE_LABEL` in its running footer, so a loose sheet
taken out of the pack still says that its numbers are modelled. ``evidence-book.json`` beside the
PDF lists each chapter's first sheet, sheet count and whether it is labelled. The PDF opens with a
contents page (chapters and their page numbers, counted from the first page after it, as the PDF's
page labels are) and ``clusters/<code>-<name>.pdf`` beside it holds each cluster profile on its own.
"""

from __future__ import annotations

import html
import json
import os
import posixpath
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from cluster_inquiry.core.exceptions import ClusterInquiryError

ILLUSTRATIVE_LABEL = "Illustrative data: cluster-level figures on this page are modelled, not council records"
ILLUSTRATIVE_SELECTOR = ".ci-badge-illustrative, .ci-badge-mixed"
BOOK_TITLE = "Cluster Partnerships Inquiry: Evidence Book"
PDF_NAME = "evidence-book.pdf"
MARGIN = {"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"}


class _HeadLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.next: str | None = None
        self.refresh: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and "next" in (attrs.get("rel") or "").split() and self.next is None:
            self.next = attrs.get("href")
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            content = attrs.get("content") or ""
            if "url=" in content.lower():
                self.refresh = content[content.lower().index("url=") + 4 :].strip(" '\"")


def _head_links(path: Path) -> _HeadLinks:
    parser = _HeadLinks()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def _resolve(page: str, href: str) -> str:
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), urlsplit(href).path))


def front_page(site: Path) -> str:
    """The site's front page (``index.html`` is a redirect to the toc's root document)."""
    links = _head_links(site / "index.html")
    return _resolve("index.html", links.refresh) if links.refresh else "index.html"


def reading_order(site: Path) -> list[str]:
    """Every page in table-of-contents order: the front page, then each ``rel=next``."""
    site = Path(site)
    order = [front_page(site)]
    while True:
        nxt = _head_links(site / order[-1]).next
        if not nxt:
            return order
        page = _resolve(order[-1], nxt)
        if page in order or not (site / page).is_file():
            raise ClusterInquiryError(f"reading order broken at {order[-1]}: next page {nxt!r}")
        order.append(page)


@dataclass
class Chapter:
    page: str
    title: str
    first_sheet: int  # 1-based, in the merged PDF
    sheets: int
    illustrative: bool


def _footer(title: str, illustrative: bool) -> str:
    label = (
        f"<div style='font-weight:700;border:1px dashed #1a1a1a;padding:1px 4px;margin-bottom:2px'>"
        f"{html.escape(ILLUSTRATIVE_LABEL)}</div>"
        if illustrative
        else ""
    )
    return (
        "<div style='font-size:9pt;color:#1a1a1a;width:100%;margin:0 14mm;font-family:sans-serif'>"
        f"{label}<div style='display:flex;justify-content:space-between'><span>{html.escape(BOOK_TITLE)} · "
        f"{html.escape(title)}</span><span>page <span class='pageNumber'></span> of <span class='totalPages'></span>"
        "</span></div></div>"
    )


CLUSTER_FOLDER = "clusters"  # one PDF per cluster profile, beside the whole-book PDF, named by cluster
CLUSTER_PAGES = "generated/clusters/"


def contents_html(chapters: list[Chapter]) -> str:
    """The whole-book PDF's contents page: every chapter and the page it starts on (counted after the contents)."""
    rows = "".join(
        f"<tr><td>{html.escape(c.title)}</td><td style='text-align:right'>{c.first_sheet}</td></tr>" for c in chapters
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Contents</title><style>"
        "body{font-family:sans-serif;font-size:10pt;color:#1a1a1a} table{width:100%;border-collapse:collapse}"
        "td{padding:1px 4px;border-bottom:1px dotted #767676} h1{font-size:16pt}</style></head><body>"
        f"<h1>{html.escape(BOOK_TITLE)}: contents</h1><table><thead><tr><th style='text-align:left'>Chapter</th>"
        f"<th style='text-align:right'>Page</th></tr></thead><tbody>{rows}</tbody></table>"
        "<p>Page numbers count from the first page after these contents (the PDF's page labels). Each page's "
        "footer also gives its page within its chapter.</p></body></html>"
    )


def _print_contents(context, chapters: list[Chapter], *, path: Path) -> None:
    page = context.new_page()
    page.set_content(contents_html(chapters))
    page.pdf(path=str(path), format="A4", margin=MARGIN)
    page.close()


def _cluster_pdfs(pages: list[str], parts: Path, folder: Path) -> list[Path]:
    """Copy each cluster profile's printed part to ``folder/<code>-<name>.pdf``."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.pdf"):
        old.unlink()
    written = []
    for i, page in enumerate(pages):
        if page.startswith(CLUSTER_PAGES):
            target = folder / (posixpath.basename(page).removesuffix(".html") + ".pdf")
            target.write_bytes((parts / f"{i:03d}.pdf").read_bytes())
            written.append(target)
    return written


def build_pdf(site: Path, out: Path, *, pages: list[str] | None = None) -> list[Chapter]:
    """Print ``site`` (a built Jupyter Book) to ``out``; return the chapters with their sheets."""
    from pypdf import PdfReader, PdfWriter

    from cluster_inquiry.checks.browser import chromium, serve

    site = Path(site).resolve()
    if not (site / "index.html").is_file():
        raise ClusterInquiryError(f"no built site at {site}: run `cluster-inquiry build` first")
    pages = pages or reading_order(site)
    out = Path(out)
    parts = out.parent / f".{out.stem}-parts"
    parts.mkdir(parents=True, exist_ok=True)
    chapters: list[Chapter] = []
    sheet = 1
    with serve(site) as base, chromium() as browser:
        context = browser.new_context(viewport={"width": 1100, "height": 1400})
        for i, page_path in enumerate(pages):
            page = context.new_page()
            page.goto(urljoin(base, page_path), wait_until="load")
            page.emulate_media(media="print")
            title = page.locator("main h1").first.inner_text().strip() if page.locator("main h1").count() else page.title()
            title = title.replace("#", "").strip()
            illustrative = page.locator(ILLUSTRATIVE_SELECTOR).count() > 0
            part = parts / f"{i:03d}.pdf"
            page.pdf(
                path=str(part), format="A4", print_background=True, margin=MARGIN, display_header_footer=True,
                header_template="<span></span>", footer_template=_footer(title, illustrative),
            )
            page.close()
            reader = PdfReader(str(part))
            chapters.append(Chapter(page_path, title, sheet, len(reader.pages), illustrative))
            sheet += len(reader.pages)
        # the contents page: each chapter's first page, numbered from the first page after the contents
        # (the merged PDF's page labels say the same, so a viewer's page box agrees with the contents)
        contents = parts / "contents.pdf"
        _print_contents(context, chapters, path=contents)
        context.close()
    n = len(PdfReader(str(contents)).pages)
    writer = PdfWriter()
    writer.append(PdfReader(str(contents)), outline_item="Contents")
    for index, chapter in enumerate(chapters):
        writer.append(PdfReader(str(parts / f"{index:03d}.pdf")), outline_item=chapter.title)
        chapter.first_sheet += n  # the JSON keeps sheets of the merged file
    writer.set_page_label(0, n - 1, style="/r")  # the contents: i, ii …; the book from 1
    writer.set_page_label(n, len(writer.pages) - 1, style="/D", start=1)
    writer.add_metadata({"/Title": BOOK_TITLE, "/Author": "Scrutiny Board (Children and Families) evidence team"})
    _cluster_pdfs(pages, parts, out.parent / CLUSTER_FOLDER)
    tmp = out.with_name(f".{out.name}.tmp")
    with open(tmp, "wb") as fh:
        writer.write(fh)
    os.replace(tmp, out)
    for part in parts.glob("*.pdf"):
        part.unlink()
    parts.rmdir()
    out.with_suffix(".json").write_text(json.dumps([asdict(c) for c in chapters], indent=1), encoding="utf-8")
    return chapters
