"""The built site in a real browser: headless Chromium (Debian package) driven by playwright.

Used by the browser/accessibility tests, ``cluster-inquiry audit`` and ``cluster-inquiry pdf``.
Playwright never downloads a browser here: Chromium comes from the system (``chromium`` on
PATH, or ``CHROMIUM_PATH``). The site is served from a local HTTP server on 127.0.0.1 and every
request that would leave that origin is recorded and aborted, so the audit also proves the site
works offline.

An audit of one page records:

- console errors and uncaught page errors;
- requests outside the local origin (recorded, then aborted) and local requests that failed or
  returned an HTTP error (a missing stylesheet, script or image);
- images without a text alternative (``alt`` missing or empty);
- optionally, axe-core violations of WCAG 2.2 A/AA whose impact is serious or critical.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlparse

from cluster_inquiry.core.exceptions import ClusterInquiryError

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_BLOCKING = {"serious", "critical"}
VIEWPORT = {"width": 1280, "height": 900}


class BrowserUnavailableError(ClusterInquiryError):
    """No Chromium executable was found (install the Debian package ``chromium``)."""


def chromium_path() -> str:
    """The system Chromium: ``CHROMIUM_PATH``, else ``chromium`` on PATH, else /usr/bin/chromium."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    raise BrowserUnavailableError(
        "Chromium not found: install the Debian package 'chromium' (.ci/run does) or set CHROMIUM_PATH"
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the stdlib
        pass


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 (a free port) in a thread; yield its base URL ending in '/'."""
    handler = functools.partial(_QuietHandler, directory=str(Path(site).resolve()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A headless system Chromium (playwright ``Browser``), closed on exit."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def site_pages(site: Path) -> list[str]:
    """Every page of a built site, as paths relative to the site root (sorted)."""
    from cluster_inquiry.checks.linkcheck import site_pages as pages

    return [p.relative_to(Path(site)).as_posix() for p in pages(Path(site))]


@dataclass
class PageAudit:
    """What went wrong on one page (empty lists: nothing)."""

    page: str
    console_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    images_without_alt: list[str] = field(default_factory=list)
    axe_violations: list[str] = field(default_factory=list)
    maps_not_drawn: list[str] = field(default_factory=list)
    small_figure_text: list[str] = field(default_factory=list)
    axe_run: bool = False

    @property
    def problems(self) -> list[str]:
        out = []
        for label, items in (
            ("console error", self.console_errors),
            ("request outside the site", self.external_requests),
            ("failed request", self.failed_requests),
            ("image without alt text", self.images_without_alt),
            ("interactive map not drawn (offline?)", self.maps_not_drawn),
            (f"figure text smaller than {MIN_SCREEN_TEXT_PX} px at 100% zoom", self.small_figure_text),
            ("accessibility (axe)", self.axe_violations),
        ):
            out += [f"{self.page}: {label}: {item}" for item in items]
        return out

    @property
    def ok(self) -> bool:
        return not self.problems


_IMAGES_WITHOUT_ALT_JS = """
() => Array.from(document.querySelectorAll('img, [role="img"], svg[role="img"], input[type="image"]'))
  .filter(el => {
    if (el.closest('[aria-hidden="true"]')) return false;  // decorative icons, hidden from assistive technology
    if (el.tagName.toLowerCase() === 'img' || el.tagName.toLowerCase() === 'input') {
      const alt = el.getAttribute('alt');
      return alt === null || alt.trim() === '';
    }
    const label = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.getAttribute('title');
    return !label || !label.trim();
  })
  .map(el => (el.getAttribute('src') || el.outerHTML).slice(0, 120))
"""


# an interactive map is drawn when plotly.js (from the site's own _static) has put an SVG in it
_MAPS_NOT_DRAWN_JS = """
() => Array.from(document.querySelectorAll('.ci-interactive'))
  .filter(fig => !fig.querySelector('.plotly-graph-div .main-svg'))
  .map(fig => fig.id || 'interactive figure')
"""


#: the smallest text a reader should meet on screen at 100% zoom (issue 13)
MIN_SCREEN_TEXT_PX = 11

# a figure's smallest text on screen: its smallest text in the PNG (data-min-text-px, written when
# it was drawn) times the scale the page shows the image at
_SMALL_FIGURE_TEXT_JS = """
(limit) => Array.from(document.querySelectorAll('img[data-min-text-px]'))
  .filter(img => img.naturalWidth > 0 && img.getBoundingClientRect().width > 0)
  .map(img => ({id: (img.closest('figure') || {}).id || img.alt.slice(0, 60),
                px: parseFloat(img.dataset.minTextPx) * img.getBoundingClientRect().width / img.naturalWidth}))
  .filter(x => x.px < limit)
  .map(x => `${x.id}: ${x.px.toFixed(1)} px`)
"""


def new_context(browser):
    """A browser context with a fixed viewport, reduced motion and no service workers."""
    return browser.new_context(viewport=VIEWPORT, reduced_motion="reduce", service_workers="block")


#: a screenshot's element to scroll to that means "print emulation, whole page" (the print view)
PRINT_VIEW = "@print"


def audit_page(context, base_url: str, page_path: str, *, axe: bool = True, screenshot: Path | None = None,
               scroll_to: str | None = None) -> PageAudit:
    """Load one page of the site served at ``base_url`` and audit it."""
    origin = urlparse(base_url)
    result = PageAudit(page_path)
    page = context.new_page()
    # axe-core re-fetches stylesheets itself (and resolves CSS @import against the page, not the
    # stylesheet); those are the audit's own requests, so only the page's own loading is judged.
    page_loading = [True]

    def on_route(route):
        url = route.request.url
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "about") or (parsed.scheme, parsed.netloc) == (origin.scheme, origin.netloc):
            route.continue_()
        else:
            result.external_requests.append(url)
            route.abort()

    def on_console(msg):
        if page_loading[0] and msg.type == "error" and not _is_aborted_external(msg.text, result.external_requests):
            result.console_errors.append(msg.text)

    def on_response(response):
        if page_loading[0] and response.status >= 400:
            result.failed_requests.append(f"HTTP {response.status} {response.url}")

    def on_failed(request):
        if page_loading[0] and request.url not in result.external_requests:
            result.failed_requests.append(f"{request.failure} {request.url}")

    page.route("**/*", on_route)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: result.console_errors.append(f"uncaught: {exc}"))
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    try:
        page.goto(urljoin(base_url, page_path), wait_until="load")
        page.wait_for_load_state("networkidle")
        result.images_without_alt = page.evaluate(_IMAGES_WITHOUT_ALT_JS)
        result.maps_not_drawn = page.evaluate(_MAPS_NOT_DRAWN_JS)
        result.small_figure_text = page.evaluate(_SMALL_FIGURE_TEXT_JS, MIN_SCREEN_TEXT_PX)
        page_loading[0] = False
        if axe:
            result.axe_violations = run_axe(page)
            result.axe_run = True
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            if scroll_to == PRINT_VIEW:
                page.emulate_media(media="print")
                page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
                page.screenshot(path=str(screenshot), full_page=True)
            elif scroll_to and page.locator(scroll_to).count():
                page.locator(scroll_to).first.scroll_into_view_if_needed()
                page.screenshot(path=str(screenshot))
            else:
                page.screenshot(path=str(screenshot))
    finally:
        page.close()
    return result


def _is_aborted_external(text: str, external: list[str]) -> bool:
    """Chromium logs a console error for each request we aborted; that is already reported."""
    return "net::ERR_FAILED" in text and bool(external)


def run_axe(page) -> list[str]:
    """axe-core (bundled with axe-playwright-python) against WCAG 2.2 A/AA; serious and critical only."""
    from axe_playwright_python.sync_playwright import Axe

    response = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
    out = []
    for v in response.response["violations"]:
        if v.get("impact") in AXE_BLOCKING:
            targets = "; ".join(" ".join(map(str, n.get("target", []))) for n in v["nodes"][:5])
            out.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} element(s)): {v['help']} — {targets}")
    return out


# ----------------------------------------------------------------------------- the whole site

MAP_IMAGE = "img[alt^='Map']"  # static maps' alt text starts "Map of …" (maps.choropleth)
INTERACTIVE_MAP = ".ci-interactive"  # offline plotly maps (interactive.py)


FINDER_PAGE = "generated/front/finder.html"


def front_page(site: Path) -> str:
    """The site's front page: ``index.html`` is Jupyter Book's redirect to the toc's root page."""
    from cluster_inquiry.checks.pdf import front_page as _front

    return _front(Path(site))


def representative_pages(site: Path) -> list[str]:
    """The pages audited with axe: the front page, every theme chapter and three cluster profiles."""
    pages = site_pages(site)
    themes = [p for p in pages if p.startswith("generated/themes/")]
    clusters = [p for p in pages if p.startswith("generated/clusters/")]
    picked = [clusters[i] for i in sorted({0, len(clusters) // 2, len(clusters) - 1})] if clusters else []
    finder = [p for p in pages if p == FINDER_PAGE]
    return [front_page(site), *finder, *themes, *picked]


def map_page(site: Path) -> tuple[str, str] | None:
    """(page, element) of a map: an interactive map first (it shows the offline map works), else a
    static one; a page named after maps, else a theme chapter, else any page."""
    pages = site_pages(site)
    texts = {p: (Path(site) / p).read_text(encoding="utf-8", errors="replace") for p in pages}
    for selector, pattern in ((INTERACTIVE_MAP, r"class=[\"']ci-figure ci-interactive"), (MAP_IMAGE, r"<img[^>]+alt=[\"']Map")):
        found = [p for p in pages if re.search(pattern, texts[p])]
        named = [p for p in found if "map" in p.rsplit("/", 1)[-1]]
        themes = [p for p in found if p.startswith("generated/themes/")]
        if found:
            return (named or themes or found)[0], selector
    return None


def screenshot_plan(site: Path) -> dict[str, tuple[str, str | None]]:
    """Screenshot name → (page, element to scroll into view)."""
    pages = site_pages(site)
    themes = [p for p in pages if p.startswith("generated/themes/")]
    clusters = [p for p in pages if p.startswith("generated/clusters/")]
    plan = {"front-page": (front_page(site), None)}
    if FINDER_PAGE in pages:
        plan["finder"] = (FINDER_PAGE, None)
    if themes:
        plan["theme-chapter"] = (next((t for t in themes if t.endswith("performance.html")), themes[0]), None)
    if clusters:
        plan["cluster-profile"] = (clusters[0], None)
        plan["cluster-profile-print"] = (clusters[0], PRINT_VIEW)
    found = map_page(site)
    if found:
        plan["map"] = found
    return plan


@dataclass
class SiteAudit:
    pages: list[PageAudit]
    screenshots: dict[str, Path]

    @property
    def problems(self) -> list[str]:
        return [p for page in self.pages for p in page.problems]


def audit_site(site: Path, *, screenshots: Path | None = None, axe_pages: list[str] | None = None) -> SiteAudit:
    """Load every page (console, network, alt text); axe-audit the representative pages; screenshots."""
    site = Path(site).resolve()
    pages = site_pages(site)
    axe_set = set(representative_pages(site) if axe_pages is None else axe_pages)
    plan = screenshot_plan(site) if screenshots is not None else {}
    by_page = {}
    for name, (page, selector) in plan.items():
        by_page.setdefault(page, []).append((name, selector))
    shots: dict[str, Path] = {}
    results = []
    with serve(site) as base, chromium() as browser:
        context = new_context(browser)
        for page in pages:
            results.append(audit_page(context, base, page, axe=page in axe_set))
            for name, selector in by_page.get(page, []):
                shots[name] = screenshots / f"{name}.png"
                audit_page(context, base, page, axe=False, screenshot=shots[name], scroll_to=selector)
        context.close()
    return SiteAudit(results, shots)
