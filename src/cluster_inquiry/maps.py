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

from . import stats
from .figures import Figure, Table
from .geography import GEOMETRY_ATTRIBUTION

CMAP = plt.get_cmap("cividis")
HATCHES = ["", "..", "//", "xx"]
NO_DATA = "#ffffff"


def class_breaks(values: np.ndarray) -> list[float] | None:
    cuts = stats.quartile_cut_points(values)
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
) -> Figure:
    """Map ``values[value]`` (joined on ``cluster_code``); missing or suppressed values are shown as 'no data'."""
    gdf = boundaries.merge(values[["cluster_code", value, label]], on="cluster_code", how="left")
    gdf = gdf.to_crs("EPSG:27700")
    v = gdf[value].astype(float).to_numpy()
    breaks = class_breaks(v[~np.isnan(v)]) if np.isfinite(v).sum() >= 4 else None
    fig, ax = plt.subplots(figsize=(7.5, 6))
    handles = []
    if breaks:
        classes = assign_class(v, breaks)
        for k in range(4):
            colour = CMAP(0.15 + 0.23 * k)
            part = gdf[classes == k]
            if not part.empty:
                part.plot(ax=ax, color=colour, edgecolor="black", linewidth=0.6, hatch=HATCHES[k])
            handles.append(Patch(facecolor=colour, edgecolor="black", hatch=HATCHES[k],
                                 label=f"{breaks[k]:,.1f} to {breaks[k + 1]:,.1f}"))
        missing = gdf[classes == -1]
    else:
        missing = gdf[np.isnan(v)]
        gdf[~np.isnan(v)].plot(ax=ax, color=CMAP(0.5), edgecolor="black", linewidth=0.6)
    if not missing.empty:
        missing.plot(ax=ax, color=NO_DATA, edgecolor="black", linewidth=0.6, hatch="\\\\")
        handles.append(Patch(facecolor=NO_DATA, edgecolor="black", hatch="\\\\", label="suppressed or no data"))
    if highlight:
        gdf[gdf["cluster_code"] == highlight].boundary.plot(ax=ax, color="#d55e00", linewidth=2.5)
    for row in gdf.itertuples():
        pt = row.geometry.representative_point()
        ax.annotate(row.cluster_code[1:], (pt.x, pt.y), ha="center", va="center", fontsize=7,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
    ax.legend(handles=handles, title=f"{units} (quartiles)", loc="lower left", fontsize=7, title_fontsize=8)
    ax.set_axis_off()
    ax.set_title(title, fontsize=11)
    fig.text(0.01, 0.01, GEOMETRY_ATTRIBUTION, fontsize=5)
    fig.tight_layout()
    valid = gdf.dropna(subset=[value]).sort_values(value)
    alt = (
        f"Map of Leeds divided into {len(gdf)} numbered clusters, shaded in four classes by {measure} ({units}, {period}). "
    )
    if not valid.empty:
        alt += (
            f"Highest: {valid.iloc[-1][label]} ({valid.iloc[-1][value]:,.1f} {units}); "
            f"lowest: {valid.iloc[0][label]} ({valid.iloc[0][value]:,.1f} {units}). "
        )
    n_missing = int(np.isnan(v).sum())
    if n_missing:
        alt += f"{n_missing} cluster(s) suppressed or without data. "
    alt += "Every value is in the table that follows the map."
    return Figure(fig, title=title, alt_text=alt, units=units, period=period,
                  source=f"{source}. {GEOMETRY_ATTRIBUTION}", status=status, table=table)
