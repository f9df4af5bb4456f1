"""Integration: the whole book builds from the shipped data into a temporary project copy."""

import re

import pytest

pytestmark = pytest.mark.integration


def test_front_page_says_what_is_real_and_what_is_illustrative(built_book):
    index = (built_book / "_build/html/index.html").read_text(encoding="utf-8")
    target = re.search(r'url=([^"]+)"', index).group(1)  # Jupyter Book's index redirects to the root page
    html = (built_book / "_build/html" / target).read_text(encoding="utf-8")
    assert "Cluster Partnerships Inquiry" in html
    assert "ci-banner" in html and "Illustrative data" in html and "Real" in html


def test_performance_chapter_has_a_map_with_alt_text_and_a_table(built_book):
    page = (built_book / "_build/html/generated/themes/performance.html").read_text(encoding="utf-8")
    assert "Key findings" in page
    imgs = re.findall(r"<img [^>]*>", page)
    assert imgs and all(re.search(r'alt="[^"]{20,}"|alt=\'[^\']{20,}\'', i) for i in imgs)
    assert "Interactive map of Leeds divided into 25 clusters" in page  # the chapter's map; static maps in Appendix B
    assert "<table" in page
    appendix_b = (built_book / "_build/html/generated/themes/appendix_b.html").read_text(encoding="utf-8")
    assert "Map of Leeds divided into 25 numbered clusters" in appendix_b


def test_one_profile_page_per_cluster(built_book):
    pages = sorted((built_book / "_build/html/generated/clusters").glob("c*.html"))
    assert len(pages) == 25
    temple = (built_book / "_build/html/generated/clusters/c09-temple-newsam.html").read_text(encoding="utf-8")
    assert "<h1>Temple Newsam" in temple
    assert "injected-parameters" not in temple and "cluster_code = " not in temple  # code hidden


def test_published_site_is_an_atomic_symlink(built_book):
    link = built_book / "_build/html"
    assert link.is_symlink()
    assert (link.resolve().parent.name) == "sites"
    assert (built_book / "_build/executed/themes/performance.ipynb").exists()
