"""The Performance chapter: the improvement rule, findings from the tables, disclosure of derived cells."""

import re

import numpy as np
import pandas as pd
import pytest

from cluster_inquiry.pages import comparators, performance, report
from cluster_inquiry.stats import methods
from cluster_inquiry.indicators.catalogue import INDICATORS
from cluster_inquiry.pages.performance import NEEDS_MEASURES, NO_FLAG, WATCH, assess

LAC, ATT, NEET = performance.OBSESSION_CODES
SAME = {LAC: methods.NO_SIGNIFICANT_CHANGE, ATT: methods.NO_SIGNIFICANT_CHANGE, NEET: methods.NO_SIGNIFICANT_CHANGE}


# ----------------------------------------------------------------------------- the rule (small fixtures)


@pytest.mark.parametrize(
    ("comparisons", "changes", "status"),
    [
        ({LAC: "Worse", ATT: "Worse (99.8%)", NEET: "Similar"}, SAME, NEEDS_MEASURES),  # worse on two
        ({LAC: "Worse", ATT: "Similar", NEET: "Better"}, SAME, WATCH),  # worse on one only
        ({LAC: "Worse (99.8%)", ATT: "Better", NEET: "Better"}, SAME, WATCH),  # 99.8% on one is still one
        ({LAC: "Similar", ATT: "Similar", NEET: "Similar"}, {**SAME, NEET: methods.WORSENING}, NEEDS_MEASURES),
        ({LAC: "Better", ATT: "Similar", NEET: "Worse"}, {**SAME, NEET: methods.WORSENING}, NEEDS_MEASURES),
        ({LAC: "Better", ATT: "Better (99.8%)", NEET: "Better"}, {**SAME, ATT: methods.WORSENING}, WATCH),
        ({LAC: "Better", ATT: "Similar", NEET: "Similar"}, {**SAME, ATT: methods.IMPROVING}, NO_FLAG),
        ({LAC: "Better", ATT: "Better", NEET: "Better"}, SAME, NO_FLAG),
    ],
)
def test_improvement_rule(comparisons, changes, status):
    assert assess(comparisons, changes).status == status


def test_rule_uses_only_published_values():
    hidden = {LAC: None, ATT: "Worse", NEET: None}
    result = assess(hidden, {LAC: None, ATT: methods.NO_SIGNIFICANT_CHANGE, NEET: None})
    assert result.status == WATCH  # one published obsession worse: not two
    assert result.not_assessed == (LAC, NEET)
    # a worsening on a hidden indicator cannot trigger the rule
    assert assess({LAC: None, ATT: "Similar", NEET: "Similar"}, {**SAME, LAC: methods.WORSENING}).status == NO_FLAG
    # the explanation names no hidden indicator (pages must not tie a verdict to a hidden value)
    assert "looked-after" not in result.why and "NEET" not in result.why


def test_reasons_say_why():
    result = assess({LAC: "Worse (99.8%)", ATT: "Worse", NEET: "Similar"}, SAME)
    assert result.reasons == ("worse than the city on looked-after children (99.8%) and attendance (95%)",)
    result = assess({LAC: "Similar", ATT: "Better", NEET: "Similar"}, {**SAME, NEET: methods.WORSENING})
    assert result.reasons == ("NEET got significantly worse and is not better than the city",)


# ----------------------------------------------------------------------------- shipped data


@pytest.fixture(scope="module")
def ctx():
    return report.context()


def test_improvement_cells_read_back():
    assert performance.split_improvement_cell("✗✗ Worse (99.8%); ↘ worsening") == ("Worse (99.8%)", methods.WORSENING)
    assert performance.split_improvement_cell("= Similar; → no significant change") == ("Similar", methods.NO_SIGNIFICANT_CHANGE)
    assert performance.split_improvement_cell("= Similar; → no significant change (by interval overlap)") == (
        "Similar", methods.NO_SIGNIFICANT_CHANGE)
    assert performance.split_improvement_cell("✓ Better; c") == ("Better", None)
    assert performance.split_improvement_cell("c") == (None, None)


def test_improvement_table_applies_the_rule_to_what_it_shows(ctx):
    frame = performance.improvement_table(ctx).frame
    assert len(frame) == 25
    for _, row in frame.iterrows():
        comparisons, changes = {}, {}
        for code in performance.OBSESSION_CODES:
            comparisons[code], changes[code] = performance.split_improvement_cell(row[performance.improvement_column(code)])
        assert row["Needs improvement measures?"] == assess(comparisons, changes).status, row["Cluster"]
    order = frame["Needs improvement measures?"].map(performance.STATUS_ORDER)
    assert order.is_monotonic_increasing, "flagged clusters first"


def test_key_findings_quote_the_tables(ctx):
    text = re.sub(r"<[^>]+>", "", performance.key_findings(ctx)._repr_html_())
    imp = performance.improvement_table(ctx).frame
    status = imp["Needs improvement measures?"]
    flagged = imp.loc[status == NEEDS_MEASURES, "Cluster"].tolist()
    watch = imp.loc[status == WATCH, "Cluster"].tolist()
    m = re.search(r"(\d+) of (\d+) clusters need improvement measures.*?: (.*?)\. Illustrative", text)
    assert m, text
    assert int(m.group(1)) == len(flagged) and int(m.group(2)) == len(imp)
    assert m.group(3) == ", ".join(flagged)
    m = re.search(r"(\d+) more (?:is|are) on the watch list.*?\): (.*?)\. Illustrative", text)
    assert int(m.group(1)) == len(watch) and m.group(2) == ", ".join(watch)

    dash = performance.city_dashboard(ctx).frame.set_index("Indicator")
    for code in performance.OBSESSION_CODES:
        ind = INDICATORS[code]
        m = re.search(re.escape(ind.short) + r": city ([\d.,]+)%?.*? in September 2013.*?, against ([\d.,]+)%?.*? in "
                      r"September 2012, the same months a year earlier: (.*?)\. "
                      r".*?worse than the city: (\d+); better: (\d+); not shown: (\d+)\.", text)
        assert m, ind.short
        row = dash.loc[ind.short]
        assert m.group(1) == row["September 2013"] and m.group(2) == row["September 2012"]
        assert m.group(3) == row["Change, September 2012 to September 2013"].split(" ", 1)[1].lower()
        worse, better, hidden = m.group(4), m.group(5), m.group(6)
        assert worse == row[performance.DASH_WORSE]
        assert better == row[performance.DASH_BETTER]
        assert hidden == row[performance.DASH_HIDDEN]
        # … and the dashboard's counts are the improvement table's cells
        col = imp[performance.improvement_column(code)].str.split(";").str[0]
        assert int(worse) == col.str.contains("Worse").sum()
        assert int(better) == col.str.contains("Better").sum()
        assert int(hidden) == (col == "c").sum()

    neet = performance.neet_rates_table(ctx).frame.iloc[-1]
    m = re.search(r"city rate was ([\d.]+)% in October 2012 and ([\d.]+)% in October 2013", text)
    assert (m.group(1), m.group(2)) == (neet["2012-10"], neet["2013-10"])

    cla = comparators.cla_table(ctx.paths).frame.set_index("Area")
    m = re.search(r"Leeds had ([\d,]+) children looked after at 31 March 2012 and ([\d,]+) at 31 March 2015.*?"
                  r"that was ([\d.]+) per 10,000 children, against ([\d.]+) in England and ([\d.]+) in Yorkshire", text)
    col = comparators.rate_column(2015)
    assert m.groups() == (cla.loc["Leeds", "31 March 2012"], cla.loc["Leeds", "31 March 2015"], cla.loc["Leeds", col],
                          cla.loc["England", col], cla.loc["Yorkshire and the Humber", col])


def test_city_dashboard_values_are_pooled_cluster_values(ctx):
    dash = performance.city_dashboard(ctx).frame.set_index("Indicator")
    ki = ctx.frames["key_indicators"]
    sel = ki[(ki["indicator_code"] == "NEET_PCT") & (ki["period"] == "2013-09")]
    assert dash.loc["NEET", "September 2013"] == f"{sel['numerator'].sum() / sel['denominator'].sum() * 100:.1f}"


@pytest.mark.parametrize("code", ["LAC_RATE", "CPP_RATE", "NEET_PCT"])
def test_every_derived_cell_of_a_hidden_cluster_is_hidden(ctx, code):
    table = performance.cluster_indicator_table(ctx, code).frame
    seen = 0
    for period, label in (("2012-09", "September 2012"), ("2013-09", "September 2013")):
        hidden = report.published_indicator(ctx, code, period).numeric["value"].isna().to_numpy()
        seen += int(hidden.sum())
        value_col = f"Value ({INDICATORS[code].unit}), {label}"
        assert (table.loc[hidden, value_col] == "c").all()
        assert (table.loc[~hidden, value_col] != "c").all()
        change = table["Change, September 2012 to September 2013"]
        assert (change[hidden] == "c").all(), "a change worked out from a hidden value is hidden"
    assert seen, "the shipped data hide some cluster in one of the two periods"
    sept_hidden = report.published_indicator(ctx, code, "2013-09").numeric["value"].isna().to_numpy()
    derived = [c for c in table.columns if c.endswith("September 2013") and not c.startswith("Denominator")
               and not c.startswith("Change")]
    assert (table.loc[sept_hidden, derived] == "c").all().all()


def test_travel_is_fingertips_non_overlap(ctx):
    a = report.published_indicator(ctx, "ATTEND_PCT", "2012-09").numeric.set_index("cluster_code").round(1)
    b = report.published_indicator(ctx, "ATTEND_PCT", "2013-09").numeric.set_index("cluster_code").round(1)
    tr = performance.travel(ctx, "ATTEND_PCT")
    for code in a.index:
        if b.loc[code, "lower95"] > a.loc[code, "upper95"]:
            assert tr[code] == methods.IMPROVING
        elif b.loc[code, "upper95"] < a.loc[code, "lower95"]:
            assert tr[code] == methods.WORSENING
        else:
            assert tr[code] == methods.NO_SIGNIFICANT_CHANGE


@pytest.mark.parametrize(("code", "column"), [("LAC_RATE", "lac_count"), ("NEET_PCT", "neet_count")])
def test_tracker_hides_exactly_the_city_wide_mask(ctx, code, column):
    s = performance.tracker_series(ctx, code)
    mask = report.tracker_mask(ctx, column).reindex(index=s.display.index, columns=s.display.columns)
    assert mask.any().any()
    assert ((s.display == "c") == mask).all().all()
    table = performance.tracker_table(ctx, code).frame
    trend = table.columns[-1]
    assert trend.startswith("Recent trend, May 2013 to September 2013")
    window = ["2013-05", "2013-06", "2013-07", "2013-08", "2013-09"]
    any_hidden = mask[window].any(axis=1).to_numpy()
    assert (table[trend].iloc[:-1][any_hidden] == "c").all()
    assert (table[trend].iloc[:-1][~any_hidden] != "c").all()


def test_recent_trend_on_a_small_fixture():
    months = ["2013-05", "2013-06", "2013-07", "2013-08", "2013-09"]
    counts = pd.DataFrame([[100, 120, 140, 160, 180], [50, 50, 50, 50, 50], [100, np.nan, 100, 100, 100]],
                          index=["C01", "C02", "C03"], columns=months)
    dens = pd.DataFrame(10_000.0, index=counts.index, columns=months)
    s = performance.TrackerSeries("LAC_RATE", counts / dens * 10_000, counts.astype(str), pd.Series(dtype=float),
                                  counts, dens)
    trend = performance.recent_trend(s, "2013-09")
    assert trend["C01"] == "Increasing and getting worse"
    assert trend["C02"] == methods.NO_SIGNIFICANT_CHANGE
    assert trend["C03"] is None  # a hidden month: no trend


def test_neet_numbers_table_shows_the_mask_and_the_city_total(ctx):
    table = performance.neet_numbers_table(ctx).frame
    months = [c for c in table.columns if c != "Cluster"]
    assert months[0] == "2012-10" and months[-1] == "2013-10" and len(months) == 13
    mask = report.tracker_mask(ctx, "neet_count")[months]
    assert ((table.iloc[:-1][months] == "c").to_numpy() == mask.to_numpy()).all()
    total = ctx.frames["obsessions_monthly"].groupby("month")["neet_count"].sum()
    assert table.iloc[-1]["2013-10"] == f"{total['2013-10']:,}"


def test_band_maps_share_one_scale(ctx):
    from cluster_inquiry.figures import performance_charts

    colours = {tuple(np.round(c[0], 4)) for c in performance_charts.BAND_STYLE.values()}
    fig = performance.indicator_band_map(ctx, "NEET_PCT")
    fills = {tuple(np.round(p.get_facecolor(), 4)) for p in fig.fig.axes[0].get_legend().get_patches()}
    assert colours <= fills, "the map's classes are the book's shared band colours"
    assert "shared band scale" in fig.alt_text
    assert fig.table.frame.iloc[:, 3].isin(list("ABCD") + ["c"]).all()
    hidden = (fig.table.frame.iloc[:, 2] == "c").sum()
    assert (f"not shown (c), drawn white: {hidden}" in fig.alt_text) == bool(hidden)
    cpp = performance.indicator_band_map(ctx, "CPP_RATE")
    assert "no judgement" in cpp.fig.axes[0].get_legend().get_title().get_text()


def test_figures_have_alt_text_title_units_period_source_and_table(ctx):
    figures = [performance.improvement_chart(ctx), performance.neet_chart(ctx), comparators.rate_chart(ctx.paths, "cpp")]
    for f in figures:
        assert len(f.alt_text) > 80 and f.title and f.units and f.period and f.source and f.table is not None
    html = figures[-1].to_html()  # rendering is slow: one is enough to check the record travels with the image
    assert "alt='" in html and "ci-badge" in html and "<table" in html and "Real data" in html


def test_a_hostile_cluster_name_is_inert_on_every_performance_output(tmp_path):
    from test_hostile_input import HOSTILE, UNESCAPED, hostile_clusters_csv

    from cluster_inquiry.data import geography
    from cluster_inquiry.core.paths import project_paths
    from cluster_inquiry.data.validation import validate_inputs

    data = hostile_clusters_csv(tmp_path / "clusters")
    checked = validate_inputs(directory=data)
    paths = project_paths()
    boundaries = geography.cluster_boundaries(paths, checked.frames["lsoa_cluster_lookup"])
    hostile = report.Context(paths, checked.frames, boundaries)
    pieces = {
        "findings": performance.key_findings(hostile)._repr_html_(),
        "improvement": performance.improvement_chart(hostile).to_html(),
        "interactive map": performance.interactive_map(hostile).to_html(),
        "indicator table": performance.cluster_indicator_table(hostile, "ATTEND_PCT").to_html(),
        "neet": performance.neet_rates_table(hostile).to_html(),
    }
    for where, html in pieces.items():
        assert not UNESCAPED.search(html), where
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pieces["indicator table"]
    assert HOSTILE not in pieces["interactive map"]


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_the_tartan_rug_is_an_html_grid_in_the_books_colours(ctx):
    """Issue 13: the rug is a table (readable at any zoom, sortable), not a small PNG; each cell's
    symbol and colour are the comparison's (COMPARISON_STYLE) and its text meets 4.5:1 contrast."""
    from cluster_inquiry.figures import performance_charts
    from cluster_inquiry.figures.records import GridTable

    rug = performance.improvement_chart(ctx)
    assert isinstance(rug, GridTable)
    html = rug.to_html()
    assert "<img" not in html and "ci-sortable" in html and "role='region' tabindex='0'" in html
    a = performance.assessments(ctx)
    assert len(rug.cells) == len(a) == 25 and rug.header[-1] == "Rule"
    lac = a.set_index("cluster_code")["LAC_RATE_comparison"]
    for code, row in zip(a["cluster_code"], rug.cells):
        cell = row[0]
        if pd.isna(lac[code]):
            assert cell.text == "c"
        else:
            assert cell.fill == performance_charts.COMPARISON_STYLE[lac[code]][0]
            assert cell.text.startswith(performance_charts.GLYPH[lac[code]])
    for row in rug.cells:
        for cell in row:
            hi, lo = sorted((_luminance(cell.fill), _luminance(cell.ink)), reverse=True)
            assert (hi + 0.05) / (lo + 0.05) >= 4.5, (cell.text, cell.fill, cell.ink)
