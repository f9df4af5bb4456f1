"""Charts: scatter with labelled points and the dot chart (alt text from data, no colour-only meaning)."""

import numpy as np
import pandas as pd

from cluster_inquiry.figures import charts
from cluster_inquiry.figures.records import Table


def _table():
    return Table(pd.DataFrame({"a": [1]}), title="t", source="s", status="illustrative")


def _frame():
    return pd.DataFrame(
        {
            "label": ["01", "02", "03", "04"],
            "name": ["Alpha", "Beta", "Gamma", "Delta"],
            "spend": [20.0, 30.0, 25.0, np.nan],  # Delta is suppressed
            "change": [-0.5, 0.8, 0.1, 0.2],
            "band": ["Low", "High", "Low", "High"],
        }
    )


def test_scatter_alt_text_names_extremes_and_left_out_points():
    fig = charts.scatter_chart(
        _frame(), x="spend", y="change", point_label="label", name="name", group="band", title="T",
        x_label="spend", y_label="change", units="u", period="p", source="s", status="illustrative",
        table=_table(), reference_y=0.0, summary="r = 0.50.", group_label="deprivation band", group_order=["High", "Low"],
    )
    alt = fig.alt_text
    assert "for 3 clusters" in alt and "1 cluster(s) are not shown" in alt
    assert "Highest spend: Beta (30.0); lowest: Alpha (20.0)" in alt
    assert "Highest change: Beta (0.8); lowest: Alpha (-0.5)" in alt
    assert "marker shows the deprivation band" in alt and "r = 0.50." in alt
    ax = fig.fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["High", "Low"]
    # every shown point is labelled, and groups differ by marker as well as colour
    assert sorted(t.get_text() for t in ax.texts) == ["01", "02", "03"]
    markers = {c.get_paths()[0].vertices.shape for c in ax.collections}
    assert len(markers) == 2


def test_scatter_labels_of_close_points_do_not_overlap():
    frame = pd.DataFrame(
        {"label": ["01", "02", "03"], "name": ["A", "B", "C"], "x": [1.0, 1.01, 1.02], "y": [1.0, 1.0, 1.0], "g": "G"}
    )
    frame = pd.concat([frame, pd.DataFrame({"label": ["09"], "name": ["Z"], "x": [5.0], "y": [3.0], "g": "G"})])
    fig = charts.scatter_chart(
        frame, x="x", y="y", point_label="label", name="name", group="g", title="T", x_label="x", y_label="y",
        units="u", period="p", source="s", status="illustrative", table=_table(),
    )
    fig.fig.canvas.draw()
    boxes = [t.get_window_extent() for t in fig.fig.axes[0].texts]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j]), (fig.fig.axes[0].texts[i].get_text(), fig.fig.axes[0].texts[j].get_text())


def test_dot_chart_alt_text_per_series():
    frame = pd.DataFrame({"name": ["A", "B"], "alloc": [100.0, 50.0], "spend": [90.0, 55.0]})
    fig = charts.dot_chart(
        frame, label="name", series={"alloc": "Allocation", "spend": "Spend"}, title="T", x_label="£ thousand",
        units="£", period="2013-14", source="s", status="illustrative", table=_table(), summary="Total 145 of 150.",
    )
    assert "Allocation: highest A (100.0), lowest B (50.0); Spend: highest A (90.0), lowest B (55.0)." in fig.alt_text
    assert "Total 145 of 150." in fig.alt_text
    ax = fig.fig.axes[0]
    rows = sorted(((t.get_position()[1], t.get_text()) for t in ax.get_yticklabels()), reverse=True)
    assert [text for _, text in rows] == ["A", "B"]  # the frame's order, top to bottom
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Allocation", "Spend"]


def test_chart_theme_matches_seaborn_whitegrid_without_importing_seaborn():
    """charts.set_theme writes what seaborn.set_theme(style="whitegrid", context="notebook") writes
    (bar the default image colour map, which no chart uses); charts.PALETTE is seaborn's colorblind."""
    import matplotlib as mpl
    import seaborn as sns

    def state():
        return dict(mpl.rcParams), {c: mpl.colors.colorConverter.colors.get(c) for c in "bgrmyck"}

    with mpl.rc_context():
        mpl.rcdefaults()
        charts.set_theme()
        ours, our_codes = state()
        mpl.rcdefaults()
        sns.set_theme(style="whitegrid", context="notebook")
        theirs, their_codes = state()
    ours.pop("image.cmap")
    theirs.pop("image.cmap")
    assert ours == theirs
    assert our_codes == their_codes
    assert list(charts.PALETTE) == list(sns.color_palette("colorblind"))
