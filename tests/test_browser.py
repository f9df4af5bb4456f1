"""The built site in headless Chromium: every page loads cleanly and offline; axe-core finds no
serious or critical WCAG 2.2 A/AA violation on the representative pages; every image has alt text.

Every page is loaded (console errors, requests outside the site, failed requests, images without
alt text). axe-core runs on a representative subset for time: the front page, every theme chapter
and three cluster profiles (the profiles share one template). Screenshots of the front page, a
theme chapter, a cluster profile and a map are saved to the CI artefacts folder.
"""

from __future__ import annotations

import shutil

import pytest

from cluster_inquiry.checks import browser

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.fixture(scope="module")
def audit(built_site, artifacts):
    shots = artifacts / "screenshots"
    shutil.rmtree(shots, ignore_errors=True)
    return browser.audit_site(built_site, screenshots=shots)


def _problems(audit, attr):
    return [f"{p.page}: {item}" for p in audit.pages for item in getattr(p, attr)]


def test_every_page_is_loaded(audit, built_site):
    assert {p.page for p in audit.pages} == set(browser.site_pages(built_site))
    assert len(audit.pages) >= 28


def test_no_console_errors(audit):
    assert not _problems(audit, "console_errors")


def test_no_request_leaves_the_site_and_none_fails(audit):
    assert not _problems(audit, "external_requests"), "the site must work offline"
    assert not _problems(audit, "failed_requests")


def test_interactive_maps_are_drawn_offline(audit):
    """plotly.js comes from the site itself: every interactive map has drawn its SVG."""
    assert not _problems(audit, "maps_not_drawn")


def test_every_image_has_alt_text(audit):
    assert not _problems(audit, "images_without_alt")


def test_figure_text_is_readable_at_100_percent_zoom(audit):
    """No figure's smallest label is under 11 px as the page shows it (natural size × display scale)."""
    assert not _problems(audit, "small_figure_text")


def test_the_tartan_rug_sorts_by_a_column(built_site):
    """Pressing a column heading of the rug sorts its rows (and says so with aria-sort); again reverses."""
    page_path = "generated/themes/performance.html"
    with browser.serve(built_site) as base, browser.chromium() as chromium:
        context = browser.new_context(chromium)
        page = context.new_page()
        page.goto(f"{base}/{page_path}")
        grid = page.locator("table.ci-sortable").first
        first = lambda: grid.locator("tbody tr th").first.inner_text()  # noqa: E731
        assert not first().startswith("01 ")  # published grouped by the improvement rule
        heading = grid.locator("thead th").first
        heading.locator("button").click()
        assert heading.get_attribute("aria-sort") == "ascending" and first().startswith("01 ")
        heading.locator("button").click()
        assert heading.get_attribute("aria-sort") == "descending" and first().startswith("25 ")
        context.close()


def test_axe_finds_no_serious_or_critical_violation(audit, built_site):
    audited = {p.page for p in audit.pages if p.axe_run}
    assert audited == set(browser.representative_pages(built_site))
    assert any(p.startswith("generated/themes/") for p in audited)
    assert sum(p.startswith("generated/clusters/") for p in audited) == 3
    assert {"generated/front/index.html", "generated/front/finder.html"} <= audited
    assert not _problems(audit, "axe_violations")


def test_screenshots_are_saved(audit):
    assert set(audit.screenshots) == {"front-page", "finder", "theme-chapter", "cluster-profile", "cluster-profile-print", "map"}
    for path in audit.screenshots.values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def test_planted_faults_are_caught(built_site, tmp_path):
    """An image without alt text, a request to another site, a script error and an interactive map
    that did not draw all fail the audit."""
    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    front = browser.front_page(site)
    html = (site / front).read_text(encoding="utf-8")
    planted = (
        "<img src='data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='>"
        "<script src='https://cdn.example.org/tiles.js'></script><script>undefinedFunction()</script>"
        "<figure class='ci-figure ci-interactive' id='planted-map'><div role='img' aria-label='map'></div></figure>"
        "<figure id='planted-small'><img alt='a chart shown at half its size' data-min-text-px='12.0' "
        "style='width:0.5px' src='data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='></figure>"
    )
    (site / front).write_text(html.replace("</main>", planted + "</main>", 1), encoding="utf-8")
    with browser.serve(site) as base, browser.chromium() as chromium:
        context = browser.new_context(chromium)
        result = browser.audit_page(context, base, front, axe=True)
        context.close()
    assert len(result.images_without_alt) == 1
    assert any(v.startswith("image-alt (critical") for v in result.axe_violations), result.axe_violations
    assert result.external_requests == ["https://cdn.example.org/tiles.js"]
    assert any("undefinedFunction" in e for e in result.console_errors)
    assert result.maps_not_drawn == ["planted-map"]
    assert result.small_figure_text == ["planted-small: 6.0 px"]
