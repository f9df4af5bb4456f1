"""Partnership diagrams: structure from data, meaning not carried by colour alone (artist-level checks)."""

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
import partnership_fixtures as fx
import pytest
from matplotlib.patches import Rectangle

from cluster_inquiry.figures import diagrams
from cluster_inquiry.figures.records import Table
from cluster_inquiry.data.partnerships import AREA_NAMES

TABLE = Table(pd.DataFrame({"a": [1]}), title="t", source="s", status="illustrative")


@pytest.fixture()
def rg():
    return diagrams.reporting_graph(fx.clusters(), fx.reporting(), AREA_NAMES)


def test_reporting_graph_edges_come_from_the_data(rg):
    g = rg.graph
    assert rg.clusters == ["C01", "C02", "C03", "C04"]
    assert rg.areas == ["AP-ENE", "AP-SE"]
    assert g.has_edge("C02", "AP-ENE") and g.has_edge("AP-SE", diagrams.TRUST_BOARD_NODE)
    direct = sorted(u for u, v, d in g.edges(data=True) if d["line"] == "direct")
    assert direct == ["C01", "C04"]  # the routes marked direct in the fixture
    assert sum(1 for _, _, d in g.edges(data=True) if d["line"] == "funding") == 4
    assert all(nx.has_path(g, c, diagrams.TRUST_BOARD_NODE) for c in rg.clusters)


def test_a_cluster_without_a_route_has_no_line(rg):
    rep = fx.reporting()
    rep = rep[~((rep["cluster_code"] == "C03") & (rep["body"] == "Area partnership"))]
    g = diagrams.reporting_graph(fx.clusters(), rep, AREA_NAMES).graph
    assert not g.has_edge("C03", "AP-SE")
    assert not nx.has_path(g, "C03", diagrams.TRUST_BOARD_NODE)


def test_positions_group_clusters_by_area_with_a_gap(rg):
    pos = diagrams.reporting_positions(rg)
    ys = [pos[c][1] for c in rg.clusters]
    assert ys == sorted(ys, reverse=True)
    assert ys[1] - ys[2] > ys[0] - ys[1]  # the gap between ENE and SE is wider than within an area
    assert pos["AP-ENE"][1] == pytest.approx(np.mean(ys[:2]))


def test_reporting_diagram_marks_forms_by_shape_and_lines_by_style(rg):
    fig = diagrams.reporting_diagram(rg, title="t", period="p", source="s", status="illustrative", table=TABLE,
                                     summary="Summary from data.")
    ax = fig.fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"Trust", "Joint Collaborative Committee", "Informal", "reports directly to the Board"} <= set(legend)
    markers = {h.get_marker() for h in ax.get_legend().legend_handles if h.get_marker() not in (None, "None")}
    assert len(markers) == 3  # one shape per governance form
    styles = {h.get_linestyle() for h in ax.get_legend().legend_handles if h.get_marker() in (None, "None")}
    assert {"-", "--", ":"} <= styles
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "C01 Alpha <b> (Trust, 2 EM)" in texts and "C02 Beta (JCC, 0 EM)" in texts
    assert fig.alt_text.startswith("Diagram of reporting lines, p. Summary from data.")


def test_text_colour_meets_contrast():
    assert diagrams.text_colour((1, 1, 1, 1)) == "black"
    assert diagrams.text_colour((0, 0, 0.2, 1)) == "white"
    assert diagrams.text_colour((1, 0.9, 0.2, 1)) == "black"  # cividis yellow


def test_heatmap_prints_every_label_and_hatches_flagged_cells():
    values = pd.DataFrame([[10.0, 90.0], [np.nan, 50.0]], index=["r1", "r2"], columns=["A", "B"])
    labels = pd.DataFrame([["10", "90"], ["x", "50"]], index=values.index, columns=values.columns)
    flag = values < 50
    fig = diagrams.annotated_heatmap(values, labels, flag=flag, flag_label="below 50%", title="t", colour_label="%",
                                     vmin=0, vmax=100, units="%", period="p", source="s", status="illustrative",
                                     table=TABLE, alt_text="alt")
    ax = fig.fig.axes[0]
    assert sorted(t.get_text() for t in ax.texts) == ["10", "50", "90", "x"]
    hatched = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch()]
    assert len(hatched) == 1  # only the 10 is below 50 (NaN is not flagged)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["below 50%"]


def test_sharing_graph_and_layout():
    g = diagrams.sharing_graph(fx.clusters(), fx.sharing())
    assert g.number_of_nodes() == 4 and g.number_of_edges() == 2
    assert g["C01"]["C02"]["weight"] == 2 and g.degree("C04") == 0
    pos = diagrams.network_positions(g)
    assert all(np.hypot(*p) == pytest.approx(1.0) for p in pos.values())
    fig = diagrams.sharing_network(g, area_names=AREA_NAMES, title="t", period="p", source="s", status="illustrative",
                                   table=TABLE, alt_text="alt")
    ax = fig.fig.axes[0]
    styles = {h.get_linestyle() for h in ax.get_legend().legend_handles}
    assert {"-", "--"} <= styles  # within and across areas differ by dash, not only colour
    assert {"01", "02", "03", "04"} <= {t.get_text() for t in ax.texts}


def test_planned_held_bars_are_shares_labelled_with_counts():
    frame = pd.DataFrame({"row": ["a", "b"], "grp": ["x", "y"], "p": [3, 100], "h": [2, 90]})
    fig = diagrams.planned_held_bars(frame, label="row", group="grp", planned="p", held="h", title="t", period="p",
                                     source="s", status="illustrative", table=TABLE, alt_text="alt")
    ax = fig.fig.axes[0]
    assert {"2 of 3", "90 of 100"} <= {t.get_text() for t in ax.texts}
    widths = sorted(round(p.get_width(), 1) for p in ax.patches if p.get_width() < 100)
    assert widths == [66.7, 90.0]
    plt.close(fig.fig)
