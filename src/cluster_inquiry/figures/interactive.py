"""An interactive cluster map that works offline: plotly.js written once into the site's static files.

How it stays offline
    The build writes the plotly.js bundle of the installed ``plotly`` package ONCE into the book's
    static folder (:func:`write_plotlyjs`, called by the pipeline when it stages the book), and
    each interactive figure is written with ``include_plotlyjs=False`` plus one ``<script>`` tag
    pointing at that local file (:data:`PLOTLYJS_URL`). The map is drawn as filled polygons on
    plain x/y axes in British National Grid metres — no map tiles, no topojson, no fonts or
    MathJax from a CDN — so the page makes no external request.

Disclosure
    Tooltips and the figure's JSON are built from the disclosure-controlled published values only:
    a hidden value is the text ``c`` and no number (count, rate, interval, band or rank) of a hidden
    cluster is written anywhere in the figure.

Accessibility
    Hover shows the cluster's name, number, value, band and comparison with the city; every cluster
    also carries its number (C01…) and class letter on the map, classes use the book's shared band
    scale with hatching described in the legend, the figure has a text description and the full
    data table follows it. A ``<noscript>`` note points to the table.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import geopandas as gpd
import numpy as np

from cluster_inquiry.figures.records import TABLE_MIME, Table, slug, status_badge

#: where the bundle lives, relative to the site root, and from a generated page (generated/<folder>/<page>)
PLOTLYJS_NAME = "plotly.min.js"
PLOTLYJS_URL = f"../../_static/{PLOTLYJS_NAME}"


def plotly_version() -> str:
    import plotly

    return plotly.__version__


def write_plotlyjs(static_dir: Path) -> Path:
    """Write the installed plotly.js bundle into ``static_dir`` (once per build); return its path."""
    from plotly.offline import get_plotlyjs

    static_dir.mkdir(parents=True, exist_ok=True)
    target = static_dir / PLOTLYJS_NAME
    target.write_text(get_plotlyjs(), encoding="utf-8")
    return target


def _rings(geom) -> list[np.ndarray]:
    polys = [geom] if geom.geom_type == "Polygon" else list(geom.geoms)
    return [np.asarray(p.exterior.coords) for p in polys]


def _outline(geom, tolerance: float) -> tuple[list[float | None], list[float | None]]:
    """x/y of every exterior ring, separated by None (plotly draws each ring as one filled shape)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for ring in _rings(geom.simplify(tolerance, preserve_topology=True)):
        if xs:
            xs.append(None)
            ys.append(None)
        xs += [round(float(v)) for v in ring[:, 0]]
        ys += [round(float(v)) for v in ring[:, 1]]
    return xs, ys


def _pattern(view: dict, code: str) -> dict:
    """A fill pattern over the class colour (hatching, so classes differ by more than colour)."""
    shape = view.get("pattern", {}).get(code, "")
    return {"shape": shape, "bgcolor": view["fill"][code], "fgcolor": "#1a1a1a", "fgopacity": 0.45, "size": 7,
            "solidity": 0.2, "fillmode": "replace"}


def _labels(view: dict, codes: list[str], xy: dict) -> list[dict]:
    """Each cluster's code and class letter on a white box (legible on every class colour); hover too."""
    return [{"x": xy[c][0], "y": xy[c][1], "text": view["mark"][c], "showarrow": False, "hovertext": view["hover"][c],
             "bgcolor": "rgba(255,255,255,0.85)", "borderpad": 1, "font": {"size": 10, "color": "#1a1a1a"}}
            for c in codes]


class InteractiveFigure:
    """A plotly figure published as HTML that loads plotly.js from the site's static folder.

    Carries the same record as :class:`~cluster_inquiry.figures.records.Figure`: title, a text
    description (the alt text), units, period, source, data status and the data table beside it.
    """

    def __init__(self, fig, *, title: str, alt_text: str, units: str, period: str, source: str, status: str,
                 table: Table, name: str = "", script_url: str = PLOTLYJS_URL):
        if not alt_text.strip():
            raise ValueError("every figure needs a text description")
        self.fig = fig
        self.title, self.alt_text, self.units, self.period = title, alt_text, units, period
        self.source, self.status, self.table = source, status, table
        self.name = name or slug(title)
        self.script_url = script_url
        table.unit = table.unit or units
        table.period = table.period or period

    def plot_html(self) -> str:
        return self.fig.to_html(
            full_html=False, include_plotlyjs=False, div_id=f"{self.name}-plot",
            # no "share to Plotly Cloud" button (it would send the chart to an external server)
            config={"displaylogo": False, "responsive": True, "showSendToCloud": False, "plotlyServerURL": "",
                    "modeBarButtonsToRemove": ["select2d", "lasso2d", "sendChartToCloud"], "scrollZoom": False},
        )

    def to_html(self) -> str:
        desc_id = f"{self.name}-desc"
        caption = (
            f"<figcaption><strong>{html.escape(self.title)}</strong> (interactive: hover or tap a cluster). "
            f"Units: {html.escape(self.units)}. Period: {html.escape(self.period)}. Source: {html.escape(self.source.rstrip('.'))}. "
            f"{status_badge(self.status)}</figcaption>"
        )
        return (
            f"<figure class='ci-figure ci-interactive' id='{self.name}'>"
            f"<p class='ci-sr-desc' id='{desc_id}'>{html.escape(self.alt_text)}</p>"
            f"<script src='{html.escape(self.script_url, quote=True)}' charset='utf-8'></script>"
            # role=group, not img: the map holds controls (view menu, zoom) that must stay reachable
            # by keyboard and screen reader (axe nested-interactive, WCAG 4.1.2)
            f"<div role='group' aria-describedby='{desc_id}' aria-label='{html.escape(self.title, quote=True)}'>"
            f"{self.plot_html()}</div>"
            "<noscript><p>The interactive map needs JavaScript; every value is in the table below.</p></noscript>"
            f"{caption}</figure>{self.table.to_html()}"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict, dict]:
        # HTML only (a plotly MIME type would make the page load plotly.js from a CDN); the table's
        # download travels in the output's metadata, as for every Figure
        return {"text/html": self.to_html()}, {TABLE_MIME: {"tables": [self.table.export()]}}

    def __repr__(self) -> str:
        return f"Interactive figure: {self.title}"


def cluster_map(
    boundaries: gpd.GeoDataFrame,
    views: list[dict],
    *,
    title: str,
    alt_text: str,
    units: str,
    period: str,
    source: str,
    status: str,
    table: Table,
    legend_title: str = "Class",
    tolerance: float = 25.0,
) -> InteractiveFigure:
    """An offline choropleth of the clusters with a menu of ``views``.

    Each view is a dict with ``label`` (menu text), ``heading`` (shown above the map), and
    per-cluster dicts keyed by cluster code: ``fill`` (colour), ``hover`` (tooltip text, already
    disclosure-controlled — suppressed values must read ``c``) and ``mark`` (text drawn on the
    cluster, e.g. ``C07 D``); optionally ``pattern`` (a plotly fill-pattern shape: "", ".", "/", "x",
    so classes differ by more than colour); plus ``legend``: a list of ``(colour, text)`` classes.
    """
    import plotly.graph_objects as go

    gdf = boundaries.to_crs("EPSG:27700").sort_values("cluster_code").reset_index(drop=True)
    codes = gdf["cluster_code"].tolist()
    first = views[0]
    fig = go.Figure()
    for code, geom in zip(codes, gdf.geometry):
        xs, ys = _outline(geom, tolerance)
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines", fill="toself", fillcolor=first["fill"][code], line={"color": "#1a1a1a", "width": 0.8},
            hoveron="fills", text=first["hover"][code], hoverinfo="text", name=code, showlegend=False,
            fillpattern=_pattern(first, code),
        ))
    points = [geom.representative_point() for geom in gdf.geometry]
    xy = {code: (round(p.x), round(p.y)) for code, p in zip(codes, points)}
    n_legend = max(len(v["legend"]) for v in views)
    for k in range(n_legend):
        colour, text = first["legend"][k] if k < len(first["legend"]) else ("#ffffff", "")
        fig.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", marker={"size": 14, "symbol": "square", "color": colour,
                                                        "line": {"color": "#1a1a1a", "width": 1}},
            name=text, showlegend=bool(text), hoverinfo="skip",
        ))
    n_poly = len(codes)
    buttons = []
    for view in views:
        legend = list(view["legend"]) + [("#ffffff", "")] * (n_legend - len(view["legend"]))
        fills = [view["fill"][c] for c in codes] + [c for c, _ in legend]
        texts = [view["hover"][c] for c in codes] + [None] * n_legend
        names = codes + [t for _, t in legend]
        markers = [None] * n_poly + [{"size": 14, "symbol": "square", "color": c,
                                      "line": {"color": "#1a1a1a", "width": 1}} for c, _ in legend]
        showlegend = [False] * n_poly + [bool(t) for _, t in legend]
        patterns = [_pattern(view, c) for c in codes] + [None] * n_legend
        buttons.append({
            "label": view["label"], "method": "update",
            "args": [{"fillcolor": fills, "fillpattern": patterns, "text": texts, "name": names, "marker": markers,
                      "showlegend": showlegend},
                     {"title.text": view["heading"], "annotations": _labels(view, codes, xy)}],
        })
    fig.update_layout(
        annotations=_labels(first, codes, xy),
        title={"text": first["heading"], "x": 0.01, "xanchor": "left", "y": 0.985, "yanchor": "top", "font": {"size": 14}},
        xaxis={"visible": False, "fixedrange": False}, yaxis={"visible": False, "scaleanchor": "x", "scaleratio": 1},
        plot_bgcolor="white", paper_bgcolor="white", hovermode="closest", height=640, margin={"l": 10, "r": 10, "t": 100, "b": 10},
        legend={"title": {"text": legend_title}, "x": 0.0, "y": 0.0, "xanchor": "left", "yanchor": "bottom",
                "bgcolor": "rgba(255,255,255,0.9)", "bordercolor": "#1a1a1a", "borderwidth": 1, "font": {"size": 11}},
        updatemenus=[{"buttons": buttons, "direction": "down", "x": 0.01, "y": 1.02, "xanchor": "left", "yanchor": "bottom",
                      "showactive": True, "bgcolor": "white", "bordercolor": "#1a1a1a", "font": {"size": 12}}],
        font={"family": "sans-serif", "color": "#1a1a1a"},
        hoverlabel={"bgcolor": "white", "font": {"size": 13, "color": "#1a1a1a"}, "bordercolor": "#1a1a1a"},
    )
    return InteractiveFigure(fig, title=title, alt_text=alt_text, units=units, period=period, source=source,
                             status=status, table=table)


def figure_json(fig: InteractiveFigure) -> dict:
    """The figure's data and layout as the browser receives them (for tests)."""
    return json.loads(fig.fig.to_json())


__all__ = ["InteractiveFigure", "cluster_map", "write_plotlyjs", "PLOTLYJS_URL", "PLOTLYJS_NAME", "figure_json",
           "plotly_version"]
