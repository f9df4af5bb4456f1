"""Integration: the built Performance chapter and Appendices A–E (offline, light, every figure described)."""

import re

import pytest

pytestmark = pytest.mark.integration

PAGES = ["performance", "appendix_a", "appendix_b", "appendix_c", "appendix_d", "appendix_e"]


def _page(built_book, name):
    return (built_book / "_build/html/generated/themes" / f"{name}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_nothing_from_another_site(built_book, name):
    page = _page(built_book, name)
    for tag, attr in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"), ("source", "src")):
        for url in re.findall(rf"<{tag}\b[^>]*?\b{attr}=['\"]([^'\"]+)", page):
            assert not re.match(r"(https?:)?//", url), f"{name}: <{tag} {attr}={url}>"
    assert "cdn.plot.ly" not in page and "cdn.jsdelivr" not in page


def test_plotly_is_written_once_and_referenced_locally(built_book):
    site = built_book / "_build/html"
    bundles = list(site.rglob("plotly*.js"))
    assert [b.relative_to(site).as_posix() for b in bundles] == ["_static/plotly.min.js"]
    assert bundles[0].stat().st_size > 1_000_000
    page = _page(built_book, "performance")
    assert page.count("src='../../_static/plotly.min.js'") == 1
    assert "Plotly.newPlot" in page and "sendChartToCloud" in page
    assert len(page.encode("utf-8")) < 1_500_000, "the bundle is not inlined in the page"


@pytest.mark.parametrize("name", PAGES)
def test_page_weight_and_described_figures(built_book, name):
    page = _page(built_book, name)
    assert len(page.encode("utf-8")) < 1_500_000, f"{name} is too heavy"
    imgs = re.findall(r"<img [^>]*>", page)
    charts = [i for i in imgs if "ci-img" in i]
    assert charts or name == "performance" and "ci-interactive" in page
    for img in charts:
        assert re.search(r"alt='[^']{60,}'", img), img[:120]
    assert page.count("<figcaption>") >= 1 and "Period:" in page and "Source:" in page


def test_chapter_opens_with_findings_and_links_every_appendix(built_book):
    page = _page(built_book, "performance")
    assert page.index("Key findings") < page.index("Which clusters need improvement measures")
    for name in PAGES[1:]:
        assert f'href="{name}.html"' in page, name
