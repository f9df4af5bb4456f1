"""Real vs illustrative, said once per page (issue 13): one banner with the long statement at the
top of each page that shows data, and a short marker on each table, figure and finding."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from cluster_inquiry.pages import report
from cluster_inquiry.figures.records import STATUS_LABEL, STATUS_MARKER, Table


def test_a_table_carries_the_short_marker_and_the_banner_the_long_label():
    table = Table(pd.DataFrame({"Cluster": ["A"], "Value": ["1"]}), "t", "s", "illustrative").to_html()
    assert STATUS_MARKER["illustrative"] in table and STATUS_LABEL["illustrative"] not in re.sub(r"title='[^']*'", "", table)
    banner = report.banner("illustrative")._repr_html_()
    assert STATUS_LABEL["illustrative"] in banner


@pytest.mark.integration
def test_every_page_has_at_most_one_banner_and_no_repeated_long_labels(built_site):
    long_labels = [re.escape(v) for v in STATUS_LABEL.values()]
    pattern = re.compile(r"class='ci-badge[^']*'[^>]*>(" + "|".join(long_labels) + r")<")  # badges, not table text
    checked = 0
    for page in sorted((built_site / "generated").rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        banners = html.count("class='ci-banner'")
        assert banners <= 1, f"{page.relative_to(built_site)}: {banners} banners"
        shown = pattern.findall(html)
        assert len(shown) <= banners, f"{page.relative_to(built_site)}: the long label is repeated {len(shown)} times"
        checked += 1
    assert checked > 40
