"""Diagrams for the partnership chapters: reporting lines, annotated heatmaps, networks, bars.

Each function draws from data and returns a :class:`~cluster_inquiry.figures.records.Figure` with alt
text generated from the same data. Colour never carries meaning alone: governance forms and
areas differ by marker shape, line types by dash pattern, cells below a threshold are hatched,
and every number is printed on the chart or in the table beside it. Colours come from
seaborn's colour-blind palette; the heatmap scale is *cividis*.
"""

from __future__ import annotations

import textwrap

from dataclasses import dataclass

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from cluster_inquiry.figures.charts import PALETTE
from cluster_inquiry.figures.records import Figure, Table, mpl_text

GOVERNANCE_MARKERS = {"Trust": "s", "Joint Collaborative Committee": "o", "Informal": "^"}
GOVERNANCE_SHORT = {"Trust": "Trust", "Joint Collaborative Committee": "JCC", "Informal": "informal"}
AREA_MARKERS = ["o", "s", "^", "D"]
HEATMAP = plt.get_cmap("cividis")


def _plain(fig: plt.Figure) -> None:
    fig.patch.set_facecolor("white")


# ----------------------------------------------------------------------------- reporting lines


@dataclass(frozen=True)
class ReportingGraph:
    """The reporting network: a directed graph plus the layer each node sits in."""

    graph: nx.DiGraph
    clusters: list[str]  # cluster node ids, top to bottom
    areas: list[str]  # area-partnership node ids, top to bottom


TRUST_BOARD_NODE, SCHOOLS_FORUM_NODE = "CTB", "SF"


def reporting_graph(clusters: pd.DataFrame, reporting: pd.DataFrame, area_names: dict[str, str]) -> ReportingGraph:
    """Clusters → area partnership → Children's Trust Board, direct lines to the Board, Schools Forum funding.

    ``clusters``: cluster_code, cluster_name, area, governance, elected_members.
    ``reporting``: cluster_code, body, route (see :mod:`cluster_inquiry.data.partnerships`).
    """
    g = nx.DiGraph()
    g.add_node(TRUST_BOARD_NODE, layer=3, label="Children's Trust Board", kind="board")
    g.add_node(SCHOOLS_FORUM_NODE, layer=0, label="Schools Forum", kind="forum")
    order = clusters.sort_values(["area", "cluster_code"])
    areas = []
    for area in sorted(order["area"].unique()):
        node = f"AP-{area}"
        areas.append(node)
        g.add_node(node, layer=2, label=area_names.get(area, area), kind="area", area=area)
        g.add_edge(node, TRUST_BOARD_NODE, line="accountability")
    routes = reporting.set_index(["cluster_code", "body"])["route"]
    for row in order.itertuples():
        g.add_node(
            row.cluster_code, layer=1, label=row.cluster_name, kind="cluster", area=row.area,
            governance=row.governance, elected_members=int(row.elected_members),
        )
        if (row.cluster_code, "Area partnership") in routes.index:
            g.add_edge(row.cluster_code, f"AP-{row.area}", line="accountability")
        if routes.get((row.cluster_code, "Children's Trust Board")) == "direct":
            g.add_edge(row.cluster_code, TRUST_BOARD_NODE, line="direct")
        if (row.cluster_code, "Schools Forum") in routes.index:
            g.add_edge(SCHOOLS_FORUM_NODE, row.cluster_code, line="funding")
    return ReportingGraph(g, order["cluster_code"].tolist(), areas)


def reporting_positions(rg: ReportingGraph) -> dict[str, tuple[float, float]]:
    """Layered positions: clusters stacked by area (a gap between areas), others centred on theirs."""
    pos: dict[str, tuple[float, float]] = {}
    y = 0.0
    last_area = None
    for code in rg.clusters:
        area = rg.graph.nodes[code]["area"]
        if last_area is not None and area != last_area:
            y -= 0.8
        pos[code] = (1.0, y)
        y -= 1.0
        last_area = area
    for node in rg.areas:
        ys = [pos[c][1] for c in rg.clusters if rg.graph.nodes[c]["area"] == rg.graph.nodes[node]["area"]]
        pos[node] = (2.55, float(np.mean(ys)))
    all_y = [p[1] for p in pos.values()]
    mid = float(np.mean([min(all_y), max(all_y)]))
    pos[TRUST_BOARD_NODE] = (3.55, mid)
    pos[SCHOOLS_FORUM_NODE] = (0.0, mid)
    return pos


def reporting_diagram(
    rg: ReportingGraph, *, title: str, period: str, source: str, status: str, table: Table, summary: str
) -> Figure:
    """Draw the reporting network; ``summary`` (from the same data) opens the alt text."""
    g = rg.graph
    pos = reporting_positions(rg)
    fig, ax = plt.subplots(figsize=(10, 0.36 * len(rg.clusters) + 2.2))
    _plain(fig)
    x_max = 4.4  # fixed first: text widths in data units depend on the axis limits
    ax.set_xlim(-0.35, x_max)
    ax.set_ylim(min(p[1] for p in pos.values()) - 0.8, max(p[1] for p in pos.values()) + 0.8)
    ax.set_axis_off()
    ax.set_title(mpl_text(title), fontsize=11)
    handles = [
        Line2D([], [], marker=m, linestyle="", markerfacecolor=PALETTE[i], markeredgecolor="black", label=f"{f}")
        for i, (f, m) in enumerate(GOVERNANCE_MARKERS.items())
    ] + [
        Line2D([], [], color="#333333", linestyle="-", label="reports to area partnership"),
        Line2D([], [], color="black", linestyle="-", linewidth=2, label="area partnership reports to the Board"),
        Line2D([], [], color=PALETTE[3], linestyle="--", label="reports directly to the Board"),
        Line2D([], [], color=PALETTE[2], linestyle=":", label="Schools Forum funding and returns"),
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=3, fontsize=7, frameon=True,
              title="EM = elected members on the cluster's governance group", title_fontsize=7)
    # cluster labels, then the layout, then measure where each label ends (in data units)
    texts = {}
    for c in rg.clusters:
        n = g.nodes[c]
        text = f"{c} {n['label']} ({GOVERNANCE_SHORT.get(n['governance'], n['governance'])}, {n['elected_members']} EM)"
        texts[c] = ax.text(pos[c][0] + 0.06, pos[c][1], mpl_text(text), fontsize=7, va="center", ha="left")
    fig.tight_layout()
    renderer = fig.canvas.get_renderer()
    inverse = ax.transData.inverted()
    ends = {c: float(inverse.transform(t.get_window_extent(renderer))[1][0]) + 0.04 for c, t in texts.items()}
    label_end = max(ends.values(), default=1.5)
    area_x = max(pos[rg.areas[0]][0], label_end + 0.5) if rg.areas else label_end + 0.5
    for node in rg.areas:
        pos[node] = (area_x, pos[node][1])
    pos[TRUST_BOARD_NODE] = (max(area_x + 0.8, min(area_x + 1.0, x_max - 0.4)), pos[TRUST_BOARD_NODE][1])
    for c in rg.clusters:  # a leader from each label to the common start of the lines, so no line crosses a label
        ax.plot([ends[c], label_end], [pos[c][1], pos[c][1]], color="#767676", linewidth=0.6, zorder=1)
    for u, v, d in g.edges(data=True):
        (x0, y0), (x1, y1) = pos[u], pos[v]
        if d["line"] == "funding":  # Schools Forum → each cluster (dotted)
            ax.plot([x0 + 0.12, x1 - 0.06], [y0, y1], linestyle=":", color=PALETTE[2], linewidth=0.9, zorder=1)
        elif d["line"] == "accountability" and g.nodes[u]["kind"] == "cluster":
            ax.annotate("", xy=(x1 - 0.28, y1), xytext=(label_end, y0),
                        arrowprops={"arrowstyle": "-|>", "color": "#333333", "linewidth": 0.8, "shrinkA": 0, "shrinkB": 0})
        elif d["line"] == "accountability":  # area partnership → board
            ax.annotate("", xy=(x1 - 0.25, y1), xytext=(x0 + 0.28, y0),
                        arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 2.0})
        elif d["line"] == "direct":
            ax.annotate("", xy=(x1 - 0.25, y1), xytext=(label_end, y0),
                        arrowprops={"arrowstyle": "-|>", "color": PALETTE[3], "linewidth": 1.1, "linestyle": "--",
                                    "connectionstyle": "arc3,rad=-0.12", "shrinkA": 0, "shrinkB": 0})
    # cluster nodes: marker by governance form
    for i, (form, marker) in enumerate(GOVERNANCE_MARKERS.items()):
        nodes = [c for c in rg.clusters if g.nodes[c]["governance"] == form]
        if nodes:
            nx.draw_networkx_nodes(g, pos, nodelist=nodes, node_shape=marker, node_color=[PALETTE[i]] * len(nodes),
                                   edgecolors="black", linewidths=0.6, node_size=70, ax=ax)
    box = {"boxstyle": "round,pad=0.35", "fc": "white", "ec": "black", "lw": 1.0}
    for node in rg.areas:
        n = g.nodes[node]
        members = sum(1 for c in rg.clusters if g.nodes[c]["area"] == n["area"])
        ax.text(*pos[node], mpl_text(f"{n['label']}\narea partnership and\ntargeted-service leaders\n({members} clusters)"),
                ha="center", va="center", fontsize=7.5, bbox=box, zorder=3)
    ax.text(*pos[TRUST_BOARD_NODE], "Children's\nTrust Board", ha="center", va="center", fontsize=9, fontweight="bold",
            bbox={**box, "lw": 2.0}, zorder=3)
    ax.text(*pos[SCHOOLS_FORUM_NODE], "Schools\nForum\n(DSG\ntop-slice)", ha="center", va="center", fontsize=8,
            bbox={**box, "ls": ":"}, zorder=3)
    ax.set_xlim(-0.35, x_max)  # node drawing may autoscale; keep the measured frame
    alt = f"Diagram of reporting lines, {period}. {summary} The same information is in the table that follows."
    return Figure(fig, title=title, alt_text=alt, units="reporting lines (no units)", period=period, source=source,
                  status=status, table=table)


# ----------------------------------------------------------------------------- annotated heatmap


def text_colour(rgba: tuple[float, ...]) -> str:
    """Black or white text, whichever contrasts more with a cell colour (WCAG relative luminance)."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgba[:3])
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "black" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "white"


def annotated_heatmap(
    values: pd.DataFrame,
    labels: pd.DataFrame,
    *,
    flag: pd.DataFrame | None,
    flag_label: str,
    title: str,
    colour_label: str,
    vmin: float,
    vmax: float,
    units: str,
    period: str,
    source: str,
    status: str,
    table: Table,
    alt_text: str,
) -> Figure:
    """A grid of cells coloured by ``values`` with ``labels`` printed in each; ``flag`` cells hatched.

    ``values``/``labels``/``flag`` share index (rows, top to bottom) and columns. NaN values are
    drawn white and labelled from ``labels`` (e.g. "–").
    """
    n_rows, n_cols = values.shape
    fig, ax = plt.subplots(figsize=(1.0 * n_cols + 3.2, 0.3 * n_rows + 1.9))
    _plain(fig)
    grid = np.ma.masked_invalid(values.to_numpy(dtype=float))
    cmap = HEATMAP.with_extremes(bad="white")
    im = ax.imshow(grid, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    for i in range(n_rows):
        for j in range(n_cols):
            v = values.iat[i, j]
            colour = "black" if pd.isna(v) else text_colour(cmap(im.norm(v)))
            flagged = flag is not None and bool(flag.iat[i, j])
            if flagged:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", edgecolor="#ffffff" if colour == "white" else "#000000", linewidth=0))
                ax.add_patch(Rectangle((j - 0.48, i - 0.48), 0.96, 0.96, fill=False, edgecolor="black", linewidth=1.6))
            ax.text(j, i, mpl_text(labels.iat[i, j]), ha="center", va="center", fontsize=7.5,
                    color="black" if flagged else colour,  # flagged labels sit on a white box
                    fontweight="bold" if flagged else "normal",
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85} if flagged else None)
    ax.set_xticks(range(n_cols))
    ax.set_xticklabels([mpl_text(c) for c in values.columns], fontsize=8, rotation=30, ha="right")
    ax.set_yticks(range(n_rows))
    ax.set_yticklabels([mpl_text(r) for r in values.index], fontsize=7.5)
    ax.tick_params(length=0)
    cbar = fig.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    cbar.set_label(mpl_text(colour_label), fontsize=8)
    handles = [Patch(facecolor="white", edgecolor="black", hatch="///", label=mpl_text(flag_label))] if flag is not None else []
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.08 - 0.6 / max(n_rows, 1)), fontsize=8, frameon=True)
    ax.set_title(mpl_text(title), fontsize=11)
    fig.tight_layout()
    return Figure(fig, title=title, alt_text=alt_text, units=units, period=period, source=source, status=status, table=table)


# ----------------------------------------------------------------------------- network


def sharing_graph(clusters: pd.DataFrame, sharing: pd.DataFrame) -> nx.Graph:
    """Undirected graph: every cluster a node; an edge per pair with joint work, weight = activities."""
    g = nx.Graph()
    for row in clusters.sort_values(["area", "cluster_code"]).itertuples():
        g.add_node(row.cluster_code, name=row.cluster_name, area=row.area)
    for (a, b), part in sharing.groupby(["cluster_a", "cluster_b"], sort=True):
        g.add_edge(a, b, weight=len(part), activities=sorted(part["activity"]))
    return g


def network_positions(g: nx.Graph) -> dict[str, np.ndarray]:
    """Clusters on a circle in area order, one arc per area with a gap between arcs, so links
    within an area run along the rim and links across areas cross the middle."""
    nodes = list(g.nodes)
    slots, last = [], None
    for n in nodes:
        area = g.nodes[n].get("area")
        if last is not None and area != last:
            slots.append(None)  # an empty slot between areas
        slots.append(n)
        last = area
    slots.append(None)
    step = 2 * np.pi / len(slots)
    return {
        n: np.array([np.cos(np.pi / 2 - k * step), np.sin(np.pi / 2 - k * step)])
        for k, n in enumerate(slots) if n is not None
    }


def sharing_network(
    g: nx.Graph, *, area_names: dict[str, str], title: str, period: str, source: str, status: str, table: Table, alt_text: str
) -> Figure:
    pos = network_positions(g)
    fig, ax = plt.subplots(figsize=(9, 9.6))
    _plain(fig)
    areas = list(dict.fromkeys(nx.get_node_attributes(g, "area").values()))
    for u, v, d in g.edges(data=True):
        cross = g.nodes[u]["area"] != g.nodes[v]["area"]
        nx.draw_networkx_edges(g, pos, edgelist=[(u, v)], width=0.9 + 1.3 * (d["weight"] - 1),
                               style="--" if cross else "-", edge_color="#555555" if cross else "#222222", ax=ax)
    for i, area in enumerate(areas):
        nodes = [n for n in g.nodes if g.nodes[n]["area"] == area]
        nx.draw_networkx_nodes(g, pos, nodelist=nodes, node_shape=AREA_MARKERS[i % len(AREA_MARKERS)],
                               node_color=[PALETTE[i]] * len(nodes), edgecolors="black", linewidths=0.7, node_size=420, ax=ax)
    for n, (x, y) in pos.items():
        colour = PALETTE[areas.index(g.nodes[n]["area"]) % len(PALETTE)]
        ax.text(x, y, n[1:], ha="center", va="center", fontsize=7, color=text_colour((*colour, 1.0)), fontweight="bold")
        r = float(np.hypot(x, y)) or 1.0
        lx, ly = x / r * 1.13, y / r * 1.13
        ax.text(lx, ly, mpl_text(g.nodes[n]["name"]), fontsize=7, ha="left" if x >= 0 else "right", va="center",
                rotation=float(np.degrees(np.arctan2(y, x))) + (180 if x < 0 else 0), rotation_mode="anchor")
    handles = [
        Line2D([], [], marker=AREA_MARKERS[i % len(AREA_MARKERS)], linestyle="", markerfacecolor=PALETTE[i],
               markeredgecolor="black", markersize=9, label=mpl_text(area_names.get(a, a)))
        for i, a in enumerate(areas)
    ] + [
        Line2D([], [], color="#222222", linestyle="-", label="joint work within an area"),
        Line2D([], [], color="#555555", linestyle="--", label="joint work across areas"),
        Line2D([], [], color="#222222", linewidth=3.5, label="thicker line = more joint activities"),
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.01), ncol=2, fontsize=8, frameon=True)
    ax.set_xlim(-2.05, 2.05)
    ax.set_ylim(-2.05, 2.05)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(mpl_text(title), fontsize=11)
    fig.tight_layout()
    return Figure(fig, title=title, alt_text=alt_text, units="pairs of clusters with joint work", period=period,
                  source=source, status=status, table=table)


# ----------------------------------------------------------------------------- planned vs held


def planned_held_bars(
    frame: pd.DataFrame,
    *,
    label: str,
    group: str,
    planned: str,
    held: str,
    title: str,
    period: str,
    source: str,
    status: str,
    table: Table,
    alt_text: str,
) -> Figure:
    """One row per ``label``: the share of planned meetings held, against an outlined 100% bar.

    Bars show percentages so that rows with 3 and with 100 meetings can be compared; each is
    labelled "held of planned" and filled (colour and hatch) by ``group``.
    """
    t = frame.reset_index(drop=True)
    groups = list(dict.fromkeys(t[group]))
    hatches = ["", "//", "..", "xx", "\\\\"]
    # narrow enough to be shown at its own size; long row labels wrap onto two lines
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(t) + 1.8))
    _plain(fig)
    ys = np.arange(len(t))[::-1]
    for y, row in zip(ys, t.itertuples()):
        k = groups.index(getattr(row, group))
        p, h = int(getattr(row, planned)), int(getattr(row, held))
        share = 100.0 * h / p if p else 0.0
        ax.barh(y, 100, color="white", edgecolor="black", linewidth=0.9, height=0.72)
        ax.barh(y, share, color=PALETTE[k % len(PALETTE)], hatch=hatches[k % len(hatches)], edgecolor="black",
                linewidth=0.4, height=0.5)
        ax.text(101.5, y, f"{h} of {p}", va="center", fontsize=7)
    ax.set_yticks(ys)
    ax.set_yticklabels([mpl_text(textwrap.fill(str(v), 44)) for v in t[label]], fontsize=7)
    ax.set_xlabel("% of planned meetings held")
    ax.set_xlim(0, 118)
    ax.set_xticks([0, 25, 50, 75, 100])
    handles = [Patch(facecolor="white", edgecolor="black", label="planned (100%)")] + [
        Patch(facecolor=PALETTE[k % len(PALETTE)], hatch=hatches[k % len(hatches)], edgecolor="black", label=f"held: {mpl_text(g)}")
        for k, g in enumerate(groups)
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.6 / max(len(t), 1) - 0.06), ncol=2,
              fontsize=7, frameon=True)
    ax.set_title(mpl_text(title), fontsize=11)
    fig.tight_layout()
    return Figure(fig, title=title, alt_text=alt_text, units="% of planned meetings held (labels: meetings held of planned)",
                  period=period, source=source, status=status, table=table)
