"""Cluster maps on the real geography: a classed choropleth, labelled, with its table beside it.

Classes are the quartiles of the cluster values (type-7 cut points, as DfE LAIT and Fingertips
use), drawn in the colour-blind-safe *cividis* scale; every cluster carries its number (C01…)
so the map can be read without colour, and the legend names each class's range.
"""

from __future__ import annotations

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from cluster_inquiry.stats import methods
from cluster_inquiry.figures.records import Figure, Table, extremes_text
from cluster_inquiry.data.geography import GEOMETRY_ATTRIBUTION

CMAP = plt.get_cmap("cividis")
HATCHES = ["", "..", "//", "xx"]
NO_DATA = "#ffffff"


def map_data(values: pd.DataFrame, columns: dict[str, pd.Series]) -> pd.DataFrame:
    """The frame of a cluster map's table: the label printed on the map (the cluster number), the
    cluster's name, then ``columns`` (heading → values), one row per row of ``values``."""
    return pd.DataFrame({"Map label": values["cluster_code"].str[1:], "Cluster": values["cluster_name"], **columns})


def finish_map(fig: plt.Figure, ax: plt.Axes, title: str) -> None:
    """Frame a drawn map: no axes, ``title`` above, tight layout.

    The boundaries' attribution (OS/ONS copyright) is in the figure's caption (every map's
    ``source`` ends with it), as text a reader can select and a screen reader reads, not as a
    5-point line inside the image.
    """
    ax.set_axis_off()
    ax.set_title(title, fontsize=11)
    fig.tight_layout()


def class_breaks(values: np.ndarray) -> list[float] | None:
    cuts = methods.quartile_cut_points(values)
    return None if cuts is None else [float(c) for c in cuts]


def assign_class(values: np.ndarray, breaks: list[float]) -> np.ndarray:
    """Class 0–3 by quartile (a value on a cut point goes to the lower class); -1 for missing."""
    out = np.full(len(values), -1)
    for i, v in enumerate(values):
        if np.isnan(v):
            continue
        out[i] = int(np.searchsorted(breaks[1:4], v, side="left"))
    return out


def choropleth(
    boundaries: gpd.GeoDataFrame,
    values: pd.DataFrame,
    *,
    value: str,
    label: str,
    title: str,
    measure: str,
    units: str,
    period: str,
    source: str,
    status: str,
    table: Table,
    highlight: str | None = None,
    key: str = "cluster_code",
    outlines: gpd.GeoDataFrame | None = None,
    areas: str = "numbered clusters",
    table_note: str = "Every value is in the table that follows the map.",
) -> Figure:
    """Map ``values[value]`` (joined on ``key``); missing or suppressed values are shown as 'no data'.

    Clusters (``key="cluster_code"``) are numbered. A small-area map (e.g. ``key="lsoa11cd"``)
    leaves its areas unnumbered and draws the cluster ``outlines``, numbered, on top.
    """
    gdf = boundaries.merge(values[[key, value, label]], on=key, how="left")
    gdf = gdf.to_crs("EPSG:27700")
    v = gdf[value].astype(float).to_numpy()
    breaks = class_breaks(v[~np.isnan(v)]) if np.isfinite(v).sum() >= 4 else None
    fig, ax = plt.subplots(figsize=(7.5, 6))
    handles = []
    edge = 0.6 if key == "cluster_code" else 0.15
    if breaks:
        classes = assign_class(v, breaks)
        for k in range(4):
            colour = CMAP(0.15 + 0.23 * k)
            part = gdf[classes == k]
            if not part.empty:
                part.plot(ax=ax, color=colour, edgecolor="black", linewidth=edge, hatch=HATCHES[k])
            handles.append(Patch(facecolor=colour, edgecolor="black", hatch=HATCHES[k],
                                 label=f"{breaks[k]:,.1f} to {breaks[k + 1]:,.1f}"))
        missing = gdf[classes == -1]
    else:
        missing = gdf[np.isnan(v)]
        gdf[~np.isnan(v)].plot(ax=ax, color=CMAP(0.5), edgecolor="black", linewidth=edge)
    if not missing.empty:
        missing.plot(ax=ax, color=NO_DATA, edgecolor="black", linewidth=edge, hatch="\\\\")
        handles.append(Patch(facecolor=NO_DATA, edgecolor="black", hatch="\\\\", label="suppressed or no data"))
    if highlight:
        gdf[gdf["cluster_code"] == highlight].boundary.plot(ax=ax, color="#d55e00", linewidth=2.5)
    numbered = gdf if key == "cluster_code" else None
    if outlines is not None:
        numbered = outlines.to_crs("EPSG:27700")
        numbered.boundary.plot(ax=ax, color="black", linewidth=1.4)
    for row in numbered.itertuples() if numbered is not None else []:
        pt = row.geometry.representative_point()
        ax.annotate(row.cluster_code[1:], (pt.x, pt.y), ha="center", va="center", fontsize=7,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
    ax.legend(handles=handles, title=f"{units} (quartiles)", loc="lower left", fontsize=7, title_fontsize=8)
    finish_map(fig, ax, title)
    valid = gdf.dropna(subset=[value]).sort_values(value)
    alt = (
        f"Map of Leeds divided into {len(gdf)} {areas}, shaded in four classes by {measure} ({units}, {period}). "
    )
    if outlines is not None:
        alt += f"The outlines of the {len(outlines)} clusters are drawn on top and numbered. "
    if not valid.empty:
        alt += extremes_text(valid, label, value, units=units) + " "
    n_missing = int(np.isnan(v).sum())
    if n_missing:
        alt += f"{n_missing} {'cluster(s)' if key == 'cluster_code' else 'area(s)'} suppressed or without data. "
    alt += table_note
    return Figure(fig, title=title, alt_text=alt, units=units, period=period,
                  source=f"{source}. {GEOMETRY_ATTRIBUTION}", status=status, table=table)


def locator_map(
    boundaries: gpd.GeoDataFrame,
    highlight: str,
    *,
    name: str,
    title: str,
    source: str,
    status: str,
    table: Table | None = None,
) -> Figure:
    """Where one cluster is: every cluster outlined and numbered (no values), ``highlight`` filled."""
    gdf = boundaries.to_crs("EPSG:27700")
    own = gdf[gdf["cluster_code"] == highlight]
    fig, ax = plt.subplots(figsize=(4.6, 3.7))  # drawn at the half-column size the profile shows it
    gdf.plot(ax=ax, color="#f2f2f2", edgecolor="#555555", linewidth=0.5)
    own.plot(ax=ax, color=CMAP(0.85), edgecolor="#d55e00", linewidth=2.5, hatch="//")
    for row in gdf.itertuples():
        pt = row.geometry.representative_point()
        ax.annotate(row.cluster_code[1:], (pt.x, pt.y), ha="center", va="center", fontsize=7,
                    fontweight="bold" if row.cluster_code == highlight else "normal",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
    ax.legend(handles=[Patch(facecolor=CMAP(0.85), edgecolor="#d55e00", hatch="//", label=name)],
              loc="lower left", fontsize=7)
    finish_map(fig, ax, title)
    alt = f"Map of Leeds divided into {len(gdf)} numbered clusters, with {name} (number {highlight[1:]}) highlighted"
    if not own.empty:
        city = gdf.geometry.union_all().centroid
        here = own.geometry.union_all().centroid
        dx, dy = here.x - city.x, here.y - city.y
        if (dx * dx + dy * dy) ** 0.5 < 2500:
            alt += " near the centre of the city"
        else:
            ns = "north" if dy > abs(dx) / 2 else "south" if -dy > abs(dx) / 2 else ""
            ew = "east" if dx > abs(dy) / 2 else "west" if -dx > abs(dy) / 2 else ""
            alt += f" in the {ns}{'-' if ns and ew else ''}{ew} of the city"
    alt += ". The map shows where the cluster is; it shows no indicator values."
    return Figure(fig, title=title, alt_text=alt, units="none (locator map)", period="2013 clusters",
                  source=f"{source}. {GEOMETRY_ATTRIBUTION}", status=status, table=table)
