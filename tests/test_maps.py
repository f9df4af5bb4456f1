"""Maps: the small-area choropleth with cluster outlines (same classes and scale as cluster maps)."""

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from cluster_inquiry.figures import maps
from cluster_inquiry.figures.records import Table

# four small squares near Leeds (British National Grid metres), two per cluster
SQUARES = [box(430000 + i * 1000, 433000, 431000 + i * 1000, 434000) for i in range(4)]


def _inputs():
    areas = gpd.GeoDataFrame({"lsoa11cd": [f"E0100000{i}" for i in range(4)]}, geometry=SQUARES, crs="EPSG:27700")
    outlines = gpd.GeoDataFrame(
        {"cluster_code": ["C01", "C02"]}, geometry=[box(430000, 433000, 432000, 434000), box(432000, 433000, 434000, 434000)],
        crs="EPSG:27700",
    )
    values = pd.DataFrame({"lsoa11cd": areas["lsoa11cd"], "name": ["A", "B", "C", "D"], "score": [5.0, 10.0, 40.0, 80.0]})
    table = Table(pd.DataFrame({"x": [1]}), title="t", source="s", status="real")
    return areas, outlines, values, table


def test_small_area_map_numbers_the_clusters_not_the_areas():
    areas, outlines, values, table = _inputs()
    fig = maps.choropleth(
        areas, values, value="score", label="name", key="lsoa11cd", outlines=outlines, areas="small areas",
        title="T", measure="IMD score", units="score", period="2015", source="s", status="real", table=table,
        table_note="The table counts areas by class.",
    )
    alt = fig.alt_text
    assert alt.startswith("Map of Leeds divided into 4 small areas, shaded in four classes by IMD score")
    assert "The outlines of the 2 clusters are drawn on top and numbered." in alt
    assert "Highest: D (80.0 score); lowest: A (5.0 score)." in alt
    assert alt.endswith("The table counts areas by class.")
    labels = sorted(t.get_text() for t in fig.fig.axes[0].texts)
    assert labels == ["01", "02"]


def test_cluster_maps_are_unchanged_by_default():
    _, outlines, _, table = _inputs()
    values = pd.DataFrame({"cluster_code": ["C01", "C02"], "name": ["A", "B"], "v": [1.0, float("nan")]})
    fig = maps.choropleth(outlines, values, value="v", label="name", title="T", measure="m", units="u",
                          period="p", source="s", status="illustrative", table=table)
    assert fig.alt_text.startswith("Map of Leeds divided into 2 numbered clusters")
    assert "1 cluster(s) suppressed or without data." in fig.alt_text
    assert fig.alt_text.endswith("Every value is in the table that follows the map.")
