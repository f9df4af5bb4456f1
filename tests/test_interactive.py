"""The offline interactive map: local plotly.js, no CDN, suppressed values read 'c' in tooltips and JSON."""

import json
import re

import geopandas as gpd
import pytest
from shapely.geometry import box

from cluster_inquiry.figures import interactive
from cluster_inquiry.pages import performance, report
from cluster_inquiry.figures.records import Table

import pandas as pd


def _view(label, fills, hovers):
    return {"label": label, "heading": label, "fill": fills, "hover": hovers,
            "mark": {c: f"{c} x" for c in fills}, "legend": [("#ffffff", "class")]}


@pytest.fixture()
def small_map():
    gdf = gpd.GeoDataFrame({"cluster_code": ["C01", "C02"]},
                           geometry=[box(430000, 430000, 431000, 431000), box(431000, 430000, 432000, 431000)],
                           crs="EPSG:27700")
    views = [_view("one", {"C01": "#111111", "C02": "#222222"}, {"C01": "Alpha: 12.5", "C02": "Beta: c"}),
             _view("two", {"C01": "#333333", "C02": "#444444"}, {"C01": "Alpha: c", "C02": "Beta: 7.5"})]
    table = Table(pd.DataFrame({"Cluster": ["Alpha", "Beta"], "Value": ["12.5", "c"]}), "t", "s", "illustrative")
    return interactive.cluster_map(gdf, views, title="A map", alt_text="A test map.", units="u", period="p",
                                   source="s", status="illustrative", table=table)


def test_figure_loads_plotly_from_the_local_static_folder_only(small_map):
    html = small_map.to_html()
    scripts = re.findall(r"<script[^>]*src=['\"]([^'\"]+)", html)
    assert scripts == [interactive.PLOTLYJS_URL]
    assert not re.search(r"https?://", html), "no external address anywhere in the figure"
    assert len(html) < 50_000, "the plotly.js bundle is not inlined"
    assert "showSendToCloud" in html and "sendChartToCloud" in html  # the share-to-cloud button is removed


def test_menu_switches_tooltips_and_colours(small_map):
    data = interactive.figure_json(small_map)
    menu = data["layout"]["updatemenus"][0]["buttons"]
    assert [b["label"] for b in menu] == ["one", "two"]
    assert menu[1]["args"][0]["text"][:2] == ["Alpha: c", "Beta: 7.5"]
    assert menu[1]["args"][0]["fillcolor"][:2] == ["#333333", "#444444"]
    assert [a["text"] for a in menu[1]["args"][1]["annotations"]] == ["C01 x", "C02 x"]
    assert data["data"][0]["hoveron"] == "fills" and data["data"][0]["text"] == "Alpha: 12.5"


def test_record_travels_with_the_figure(small_map):
    html = small_map.to_html()
    assert "A test map." in html and "aria-describedby" in html and "<noscript>" in html
    assert "<table" in html and "ci-badge" in html
    data, metadata = small_map._repr_mimebundle_()
    assert list(data) == ["text/html"]  # no plotly MIME type (it would make the page load plotly.js from a CDN)
    (payload,) = metadata.values()
    assert payload["tables"][0]["csv"].startswith("Cluster,Value")


def test_write_plotlyjs(tmp_path):
    path = interactive.write_plotlyjs(tmp_path / "_static")
    assert path.name == interactive.PLOTLYJS_NAME and path.stat().st_size > 1_000_000
    assert interactive.PLOTLYJS_URL.endswith(f"_static/{interactive.PLOTLYJS_NAME}")


def test_performance_map_never_shows_a_hidden_value():
    ctx = report.context()
    fig = performance.interactive_map(ctx)
    data = json.loads(fig.fig.to_json())
    buttons = data["layout"]["updatemenus"][0]["buttons"]
    assert len(buttons) == len(performance.KEY_CODES) * 2
    checked = 0
    for button, (code, period) in zip(buttons, [(c, p) for c in performance.KEY_CODES for p in ("2013-09", "2012-09")]):
        numeric = report.published_indicator(ctx, code, period).numeric.set_index("cluster_code")
        texts = dict(zip(numeric.index, button["args"][0]["text"]))
        marks = {a["text"].split()[0]: a["text"] for a in button["args"][1]["annotations"]}
        for cluster, value in numeric["value"].items():
            if pd.isna(value):
                checked += 1
                assert texts[cluster].split("<br>")[1].endswith(": c"), texts[cluster]
                assert not re.search(r"\d", texts[cluster].replace(cluster, "").replace("2013", "").replace("2012", ""))
                assert marks[cluster] == f"{cluster} c"
                # primary and secondary cells read alike: "small" would tell the reader a
                # secondary cell's value (6 or more, hidden to protect another) is small
                assert "small" not in texts[cluster].lower(), texts[cluster]
            else:
                assert f"{value:,.{performance.decimals(code)}f}" in texts[cluster]
    assert checked > 0
