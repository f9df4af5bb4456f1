"""Issue 13 in a real browser: a reader finds a cluster's profile from the front page quickly, by
keyboard or by clicking the map; the spine chart's table agrees with the profile; every profile
prints on at most two A4 sheets."""

from __future__ import annotations

import io
import json
from urllib.parse import urljoin

import pytest

from cluster_inquiry.checks import browser

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CLUSTER = "Beeston, Cottingley and Middleton"
PROFILE = "generated/clusters/c13-beeston-cottingley-and-middleton.html"
FRONT = "generated/front/index.html"

#: a point inside a map polygon, in page coordinates (the centre of its box may be a neighbour)
_POINT_IN_POLYGON_JS = """
(href) => {
  const a = [...document.querySelectorAll('a.ci-map-link')].find(e => e.getAttribute('href').endsWith(href));
  const path = a.querySelector('path');
  const box = path.getBBox(), svg = path.ownerSVGElement, ctm = path.getScreenCTM();
  for (let i = 1; i < 40; i++) for (let j = 1; j < 40; j++) {
    const p = svg.createSVGPoint(); p.x = box.x + box.width * i / 40; p.y = box.y + box.height * j / 40;
    if (!path.isPointInFill(p)) continue;
    const s = p.matrixTransform(ctm);
    const hit = document.elementFromPoint(s.x, s.y);
    if (hit && hit.closest('a') === a) return [s.x, s.y];
  }
  return null;
}
"""


@pytest.fixture(scope="module")
def site(built_site):
    with browser.serve(built_site) as base, browser.chromium() as chromium:
        context = browser.new_context(chromium)
        yield base, context
        context.close()


def _path(page, base: str) -> str:
    return page.url.removeprefix(base).split("#")[0]


def test_keyboard_reader_reaches_a_named_cluster_in_three_activations_or_fewer(site):
    base, context = site
    page = context.new_page()
    page.goto(urljoin(base, FRONT))
    activations = 0
    for _ in range(400):  # Tab moves focus (not an activation) until the cluster's link has it
        page.keyboard.press("Tab")
        focused = page.evaluate("() => { const e = document.activeElement; return [e.tagName, "
                                "e.getAttribute('aria-label') || e.textContent || ''] }")
        if focused[0].lower() == "a" and focused[1].strip().startswith(CLUSTER):
            break
    else:
        pytest.fail(f"no keyboard-reachable link to {CLUSTER} on the front page")
    with page.expect_navigation():
        page.keyboard.press("Enter")
        activations += 1
    assert _path(page, base) == PROFILE and activations <= 3
    assert CLUSTER in page.locator("main h1").first.inner_text()
    page.close()


def test_every_map_polygon_is_keyboard_focusable(site):
    base, context = site
    page = context.new_page()
    page.goto(urljoin(base, FRONT))
    links = page.locator("a.ci-map-link")
    assert links.count() == 25
    links.nth(3).focus()
    assert page.evaluate("() => document.activeElement.classList.contains('ci-map-link')")
    page.close()


def test_clicking_a_map_polygon_opens_that_profile(site):
    base, context = site
    page = context.new_page()
    page.goto(urljoin(base, FRONT))
    for href in ("c13-beeston-cottingley-and-middleton.html", "c01-alwoodley.html", "c20-pudsey.html"):
        page.goto(urljoin(base, FRONT))
        xy = page.evaluate(_POINT_IN_POLYGON_JS, href)
        assert xy, href
        with page.expect_navigation():
            page.mouse.click(*xy)
        assert _path(page, base) == f"generated/clusters/{href}"
    page.close()


def _table(page, caption_start: str) -> list[dict[str, str]]:
    return page.evaluate(
        """(start) => {
          const wrap = [...document.querySelectorAll('.ci-table-wrap')].find(w => w.querySelector('.ci-caption')
            && w.querySelector('.ci-caption').textContent.trim().includes(start));
          const t = wrap.querySelector('table');
          const heads = [...t.querySelectorAll('thead th')].map(th => th.textContent.trim());
          return [...t.querySelectorAll('tbody tr')].map(tr => Object.fromEntries(
            [...tr.querySelectorAll('td,th')].map((td, i) => [heads[i], td.textContent.trim()])));
        }""",
        caption_start,
    )


def test_spine_chart_table_equals_the_profiles_figures(site, built_site):
    base, context = site
    page = context.new_page()
    profiles = sorted(p.relative_to(built_site).as_posix() for p in (built_site / "generated/clusters").glob("*.html"))
    for path in profiles[:: max(1, len(profiles) // 5)]:
        page.goto(urljoin(base, path))
        name = page.locator("main h1").first.inner_text().replace("#", "").strip()
        spine = _table(page, "key indicators against the city")
        summary = {r["Indicator"]: r for r in _table(page, "Key indicators for ")}
        assert len(spine) == 5
        for row in spine:
            s = summary[row["Indicator"]]
            assert row[name] == s["September 2013"], (path, row)
            assert row["City"] == s["City, September 2013"], (path, row)
            assert row["Compared with city"].endswith(s["Compared with city, September 2013"]), (path, row)
        # the chart's alt text says the same values
        alt = page.locator("figure img[alt^='Spine chart']").first.get_attribute("alt")
        for row in spine:
            if row[name] != "c":
                assert f"{row['Indicator']}: {row[name]} against the city's {row['City']}" in alt
    page.close()


def test_each_profile_prints_on_at_most_two_a4_pages(site, built_site):
    from pypdf import PdfReader

    base, context = site
    page = context.new_page()
    pages = {}
    for html in sorted((built_site / "generated/clusters").glob("*.html")):
        page.goto(urljoin(base, html.relative_to(built_site).as_posix()), wait_until="load")
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4", print_background=True, margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"})
        pages[html.stem] = len(PdfReader(io.BytesIO(pdf)).pages)
    page.close()
    assert len(pages) == 25
    assert max(pages.values()) <= 2, pages


def test_site_search_finds_a_cluster_by_a_ward_name(built_site):
    """Sphinx's search index holds the ward names of the finder and of each profile (they are page text):
    'Holbeck' (in the ward Beeston and Holbeck) finds the finder and Beeston, Cottingley and Middleton's profile."""
    text = (built_site / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    hits = index["terms"]["holbeck"]
    docs = {index["docnames"][i] for i in (hits if isinstance(hits, list) else [hits])}
    assert {"generated/front/finder", PROFILE.removesuffix(".html")} <= docs
