"""Disclosure control in the notebook-facing report functions (shipped illustrative data).

The same count appears on several pages (a cluster's monthly table, the city total, the key
indicator tables), so suppression must be consistent across them; ranks and bands must not
place a hidden value; plain-text reprs must not carry data; symbol tables carry the legend.
"""

import pandas as pd
import pytest

from cluster_inquiry.pages import report
from cluster_inquiry.stats import disclosure
from cluster_inquiry.figures.records import Table


@pytest.fixture(scope="module")
def ctx():
    return report.context()


@pytest.mark.parametrize("column", sorted(report.TRACKER_COUNTS))
def test_city_wide_tracker_mask_leaves_no_month_with_a_single_hidden_cluster(ctx, column):
    mask = report.tracker_mask(ctx, column)
    tracker = ctx.frames["obsessions_monthly"].pivot(index="cluster_code", columns="month", values=column)
    assert (mask | ~disclosure.is_small(tracker)).all().all(), "every 1-5 count is hidden"
    per_month = mask.sum()
    assert ((per_month == 0) | (per_month >= 2)).all(), per_month[per_month == 1]
    assert not disclosure.recoverable_cells(mask, row_total=False, col_total=True).any().any()


def test_cluster_monthly_table_hides_exactly_what_the_city_mask_hides(ctx):
    for code in ("C02", "C03", "C04"):
        table = report.cluster_trend(ctx, code).table.frame.set_index("Month")
        for label, column in (("Looked-after children", "lac_count"), ("Child-protection plans", "cpp_count"), ("NEET", "neet_count")):
            hidden = report.tracker_mask(ctx, column).loc[code]
            shown_c = table[label] == "c"
            assert shown_c.reindex(hidden.index).tolist() == hidden.tolist(), (code, label)
        neet_hidden = report.tracker_mask(ctx, "neet_count").loc[code].reindex(table.index)
        assert (table.loc[neet_hidden, "NEET %"] == "c").all()


@pytest.mark.parametrize("code", ["LAC_RATE", "CPP_RATE", "NEET_PCT"])
def test_key_indicator_tables_hide_at_least_what_the_monthly_tables_hide(ctx, code):
    column = next(c for c, i in report.TRACKER_COUNTS.items() if i == code)
    for period in ("2013-04", "2013-09"):
        pub = report.published_indicator(ctx, code, period)
        codes = pub.numeric["cluster_code"].to_numpy()
        hidden_here = pd.Series((pub.display["Count"] == "c").to_numpy(), index=codes)
        hidden_monthly = report.tracker_mask(ctx, column)[period].reindex(codes)
        assert (hidden_here | ~hidden_monthly).all(), (period, hidden_monthly[hidden_monthly & ~hidden_here])
        assert hidden_here.sum() != 1


def test_ranks_and_bands_do_not_place_hidden_clusters(ctx):
    pub = report.published_indicator(ctx, "LAC_RATE", "2013-09")
    hidden = pub.display["Count"] == "c"
    assert hidden.any()
    assert (pub.display.loc[hidden, ["Rank", "Quartile band", "Compared with city", "95% CI"]] == "c").all().all()
    ranks = sorted(int(r) for r in pub.display.loc[~hidden, "Rank"])
    assert ranks == list(range(1, len(ranks) + 1)), "ranks run 1..n over published clusters, no gaps"


def test_plain_text_reprs_carry_no_data(ctx):
    fig = report.cluster_trend(ctx, "C05")
    assert repr(fig) == f"Figure: {fig.title}"
    assert repr(fig.table) == f"Table: {fig.table.title}"
    assert "0x" not in repr(report.banner())


def test_symbol_legend_is_added_exactly_when_a_symbol_is_shown():
    with_symbols = Table(pd.DataFrame({"Cluster": ["A", "B"], "Count": ["c", "12"]}), "t", "s", "illustrative")
    without = Table(pd.DataFrame({"Cluster": ["A", "B"], "Count": ["7", "12"]}), "t", "s", "illustrative")
    assert "ci-legend" in with_symbols.to_html()
    html = with_symbols.to_html()
    assert "<code>c</code>" in html and "<code>x</code>" in html and "<code>z</code>" in html
    assert "&#x27;:&#x27;" in html, "the legend explains the old ':' mark"
    assert "ci-legend" not in without.to_html()
