"""Cluster profiles in the Fingertips manner (issue 13): spine chart and its table, flag and why,
funding, partners, joint work, onward links; the trend chart draws one unit per axis."""

import pandas as pd
import pytest

from cluster_inquiry.pages import performance, profiles, report
from cluster_inquiry.stats import disclosure
from cluster_inquiry.indicators.catalogue import INDICATORS


@pytest.fixture(scope="module")
def ctx():
    return report.context()


def test_spine_table_holds_the_profiles_own_figures(ctx):
    """Every key indicator is a row, and its value and comparison are those of the profile's indicator summary."""
    for code in ("C01", "C13", "C10"):
        spine = profiles.spine_table(ctx, code).frame
        name = ctx.cluster(code)["cluster_name"]
        summary = report.cluster_indicator_summary(ctx, code).frame.set_index("Indicator")
        assert list(spine["Indicator"]) == [INDICATORS[c].short for c in profiles.SPINE_CODES]
        for _, row in spine.iterrows():
            s = summary.loc[row["Indicator"]]
            assert row[name] == s["September 2013"]
            assert row["City"] == s["City, September 2013"]
            if row[name] == disclosure.SUPPRESSED:
                assert row["Compared with city"] == disclosure.SUPPRESSED
            else:
                assert row["Compared with city"].split(" ", 1)[1] == s["Compared with city, September 2013"]


def test_spine_range_is_over_published_values_and_hidden_values_stay_hidden(ctx):
    for code in profiles.SPINE_CODES:
        pub = report.published_indicator(ctx, code, "2013-09")
        r = profiles.city_ranges(ctx)[code]
        shown = pub.numeric["value"].dropna()
        assert r["min"] == shown.min() and r["max"] == shown.max()
        for c in pub.numeric.loc[pub.numeric["value"].isna(), "cluster_code"]:
            row = profiles.spine_table(ctx, c).frame.set_index("Indicator").loc[INDICATORS[code].short]
            assert row[ctx.cluster(c)["cluster_name"]] == disclosure.SUPPRESSED


def test_england_only_where_real(ctx):
    t = profiles.spine_table(ctx, "C01").frame.set_index("Indicator")[profiles.ENGLAND_LABEL]
    assert t[INDICATORS["NEET_PCT"].short] == "x" and t[INDICATORS["ATTEND_PCT"].short] == "x"
    assert float(t[INDICATORS["LAC_RATE"].short]) == pytest.approx(60.0, abs=0.5)  # DfE: 60 per 10,000 in 2014


def test_spine_chart_marks_each_value_with_the_tartan_symbol(ctx):
    fig = profiles.spine_chart(ctx, "C13")
    texts = [t.get_text() for t in fig.fig.axes[0].texts]
    frame = profiles.spine_frame(ctx, "C13")
    assert texts == [performance.comparison_text(c).split(" ")[0] for c in frame["comparison"]]
    assert "better to the right" in fig.alt_text


def test_flag_is_the_improvement_rule(ctx):
    a = performance.assessments(ctx).set_index("cluster_code")
    for code in ("C01", "C13"):
        body = profiles.improvement_flag(ctx, code).body
        assert f"Improvement rule: {a.loc[code, 'status']}." in body and a.loc[code, "why"] in body
        assert f"performance.html#improve-{code.lower()}" in body


def test_funding_partners_and_joint_work(ctx):
    f = profiles.funding_table(ctx, "C01").frame
    assert list(f["Financial year"]) == sorted(ctx.frames["cluster_funding"].query("cluster_code == 'C01'")["financial_year"])
    p = profiles.partner_table(ctx, "C01").frame
    assert len(p.columns) - 1 == ctx.frames["partner_attendance"].query("cluster_code == 'C01'")["partner_type"].nunique()
    sharing = ctx.frames["cluster_sharing"]
    partners = set(sharing.loc[sharing.cluster_a == "C01", "cluster_b"]) | set(sharing.loc[sharing.cluster_b == "C01", "cluster_a"])
    body = profiles.joint_work(ctx, "C01").body
    assert body.count("<li><a href='../clusters/") == len(partners)


def test_onward_links_case_study_and_chapters(ctx):
    visited = profiles.visited(ctx)
    assert visited
    code = sorted(visited)[0]
    assert "../case-studies/" in profiles.onward_links(ctx, code).body
    other = next(c for c in ctx.clusters["cluster_code"] if c not in visited)
    body = profiles.onward_links(ctx, other).body
    assert "../case-studies/" not in body and "../themes/performance.html#improve-" in body
    assert "../clusters/" in profiles.onward_links(ctx, code, case_study=True).body


def test_profile_trend_has_one_unit_per_axis(ctx):
    """Looked-after children per 10,000 and NEET % are separate panels (they shared one 'rate' axis)."""
    fig = report.cluster_trend(ctx, "C01")
    axes = fig.fig.axes
    assert len(axes) == 2
    assert [a.get_ylabel() for a in axes] == ["per 10,000 children", "% of 16–18 cohort"]
    city = report.city_obsessions_trend(ctx)
    assert [a.get_ylabel() for a in city.fig.axes] == ["per 10,000 children", "% of 16–18 cohort"]
    assert "× 10" not in city.units


def test_the_0_17_denominator_is_labelled_estimated(ctx):
    """No count of 16-17-year-olds by LSOA is published, so a cluster's 0-17s are estimated."""
    html = report.cluster_header(ctx, "C25")._repr_html_()
    row = next(r for r in html.split("<tr>") if "aged 0–17" in r)
    assert "<td>estimated</td>" in row
    assert "estimated" in INDICATORS["LAC_RATE"].definition and "estimated" in INDICATORS["CPP_RATE"].definition


def test_spine_markers_use_the_books_comparison_colours():
    """One colour logic (docs/colours.md): a 'similar' marker is the rug's light grey, not white."""
    from cluster_inquiry.figures import performance_charts

    assert profiles.MARKER == {k: v[0] for k, v in performance_charts.COMPARISON_STYLE.items()}
