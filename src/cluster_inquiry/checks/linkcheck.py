"""Offline link check of the built HTML: nothing is fetched.

Every internal ``href``/``src`` (links, images, scripts, stylesheets) must resolve to a file of the
site, and every ``#fragment`` must name an ``id`` (or ``<a name>``) on the target page. External
links (``http(s)``, ``mailto`` …) are not fetched: they are listed, with the pages that use them,
in a report for a reviewer to read. Sphinx's own ``linkcheck`` builder is not used because it
fetches every external link.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINK_ATTRS = {
    "a": ("href",),
    "link": ("href",),
    "img": ("src",),
    "script": ("src",),
    "iframe": ("src",),
    "source": ("src",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "area": ("href",),
}
INERT_SCHEMES = {"data", "javascript", "blob", "about"}
# <link rel=...> values that are metadata, not resources the page needs
META_RELS = {"canonical", "alternate"}


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, int]] = []  # (url, line)
        self.anchors: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.anchors.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            self.anchors.add(attrs["name"])
        if tag == "link" and set((attrs.get("rel") or "").split()) & META_RELS:
            return
        for attr in LINK_ATTRS.get(tag, ()):
            value = attrs.get(attr)
            if value is not None:
                self.links.append((value.strip(), self.getpos()[0]))
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "refresh":
            content = attrs.get("content") or ""
            if "url=" in content.lower():
                self.links.append((content[content.lower().index("url=") + 4 :].strip(" '\""), self.getpos()[0]))

    handle_startendtag = handle_starttag


@dataclass
class LinkReport:
    pages: int = 0
    links: int = 0
    broken: list[str] = field(default_factory=list)  # "page:line: problem"
    external: dict[str, list[str]] = field(default_factory=dict)  # url -> pages

    @property
    def ok(self) -> bool:
        return not self.broken

    def text(self) -> str:
        lines = [
            f"Offline link check: {self.pages} pages, {self.links} internal links and anchors checked, "
            f"{len(self.broken)} broken, {len(self.external)} external links listed (not fetched).",
            "",
            "## Broken internal links",
            *(self.broken or ["none"]),
            "",
            "## External links (not fetched; check by hand if needed)",
        ]
        for url in sorted(self.external):
            pages = self.external[url]
            lines.append(f"{url}  (on {len(pages)} page(s), e.g. {pages[0]})")
        if not self.external:
            lines.append("none")
        return "\n".join(lines) + "\n"


def _parse(path: Path) -> _PageParser:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return parser


def site_pages(site: Path) -> list[Path]:
    """The pages of a built site: every ``*.html`` outside Sphinx's ``_static``/``_sources``-style
    folders (those hold theme templates and assets, not pages)."""
    site = Path(site)
    return sorted(p for p in site.rglob("*.html") if not any(d.startswith("_") for d in p.relative_to(site).parts[:-1]))


def check_site(site: Path) -> LinkReport:
    """Check every page under ``site``; return broken links and the external ones."""
    site = Path(site).resolve()
    pages = site_pages(site)
    parsed: dict[Path, _PageParser] = {}

    def page(path: Path) -> _PageParser:
        if path not in parsed:
            parsed[path] = _parse(path)
        return parsed[path]

    report = LinkReport(pages=len(pages))
    external: dict[str, set[str]] = defaultdict(set)
    for path in pages:
        rel_page = path.relative_to(site).as_posix()
        for url, line in page(path).links:
            where = f"{rel_page}:{line}"
            parts = urlsplit(url)
            if parts.scheme in INERT_SCHEMES:
                continue
            if parts.scheme or parts.netloc:
                external[url].add(rel_page)
                continue
            if not url:
                report.broken.append(f"{where}: empty link")
                continue
            report.links += 1
            if parts.path:
                target_rel = posixpath.normpath(posixpath.join(posixpath.dirname(rel_page), unquote(parts.path)))
                if parts.path.startswith("/") or target_rel.startswith(".."):
                    report.broken.append(f"{where}: {url} points outside the site")
                    continue
                target = site / target_rel
                if target.is_dir():
                    target = target / "index.html"
                if not target.is_file():
                    report.broken.append(f"{where}: {url} → no such file {target_rel}")
                    continue
            else:
                target = path
            if parts.fragment and target.suffix == ".html":
                fragment = unquote(parts.fragment)
                if fragment not in page(target).anchors:
                    report.broken.append(f"{where}: {url} → no anchor #{fragment} in {target.relative_to(site).as_posix()}")
    report.external = {url: sorted(p) for url, p in external.items()}
    return report


def write_report(report: LinkReport, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report.text(), encoding="utf-8")
    return path
