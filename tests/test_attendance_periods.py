"""Attendance: one definition of each figure, the same value on every page, like periods only (issue 12)."""

import pandas as pd
import pytest

from cluster_inquiry.indicators import catalogue
from cluster_inquiry.pages import performance, report

ATT = "ATTEND_PCT"


@pytest.fixture(scope="module")
def ctx():
    return report.context()


def _tracker_month(ctx, code, month):
    """The attendance in ``month`` as Appendix C and the profile's tracker show it."""
    appendix_c = performance.tracker_table(ctx, ATT).frame.set_index("Cluster")
    profile = report.cluster_trend(ctx, code).table.frame.set_index("Month")
    name = ctx.cluster(code)["cluster_name"]
    return appendix_c.loc[name, month], profile.loc[month, "Attendance in the month %"]


@pytest.mark.parametrize(("period", "label"), [("2012-09", "September 2012"), ("2013-09", "September 2013")])
def test_every_page_shows_the_same_attendance(ctx, period, label):
    """September year to date is September alone: Appendix B, the dashboard, every profile's
    key-indicator table, Appendix C and every profile's tracker show one value, at one precision."""
    appendix_b = performance.cluster_indicator_table(ctx, ATT).frame.set_index("Cluster")
    for code, name in ctx.clusters.set_index("cluster_code")["cluster_name"].items():
        summary = report.cluster_indicator_summary(ctx, code).frame.set_index("Indicator")
        shown = {
            "Appendix B": appendix_b.loc[name, f"Value (%), {label}"],
            "profile key indicators": summary.loc["Attendance", label],
        }
        shown["Appendix C"], shown["profile tracker"] = _tracker_month(ctx, code, period)
        assert len(set(shown.values())) == 1, (name, shown)
    city = {
        "dashboard": performance.city_dashboard(ctx).frame.set_index("Indicator").loc["Attendance", label],
        "profile key indicators": report.cluster_indicator_summary(ctx, "C01").frame.set_index("Indicator").loc[
            "Attendance", f"City, {label}"],
        "city tracker": report.city_obsessions_trend(ctx).table.frame.set_index("Month").loc[period, "Attendance in the month %"],
    }
    assert len(set(city.values())) == 1, city


def test_year_to_date_is_the_session_weighted_months_from_1_september(ctx):
    """April 2013 year to date = September 2012 to April 2013, each month weighted by its possible
    sessions, with exactly those months' possible sessions as the denominator."""
    ki = ctx.frames["key_indicators"]
    tracker = ctx.frames["obsessions_monthly"]
    for period in sorted(ki["period"].unique()):
        att = ki[(ki["indicator_code"] == ATT) & (ki["period"] == period)].set_index("cluster_code")
        pupils = ki[(ki["indicator_code"] == "PA_PCT") & (ki["period"] == period)].set_index("cluster_code")["denominator"]
        per_pupil = catalogue.possible_sessions_per_pupil(period)
        assert (att["denominator"] == pupils.reindex(att.index) * per_pupil).all(), period
        months = catalogue.year_to_date_months(period)
        t = tracker[tracker["month"].isin(months)].copy()
        t["w"] = t["month"].map(lambda m: catalogue.SCHOOL_DAYS[int(m[5:])])
        weighted = (t["attendance_pct"] * t["w"]).groupby(t["cluster_code"]).sum() / t.groupby("cluster_code")["w"].sum()
        shown = report.published_indicator(ctx, ATT, period).display.set_index("Cluster")["Value (%)"]
        names = ctx.clusters.set_index("cluster_code")["cluster_name"]
        for code, value in weighted.items():
            assert shown[names[code]] == f"{value:.1f}", (period, code)


def test_september_year_to_date_has_one_months_sessions():
    assert catalogue.possible_sessions_per_pupil("2013-09") == 38
    assert catalogue.possible_sessions_per_pupil("2014-07") == 380
    assert catalogue.year_to_date_months("2013-04")[0] == "2012-09"
    assert catalogue.period_covered(ATT, "2013-04") == "academic year to date, 1 September 2012 to 30 April 2013"


def test_each_figure_says_what_it_covers(ctx):
    assert "from 1 September" in catalogue.INDICATORS[ATT].definition
    c = performance.tracker_table(ctx, ATT)
    assert "in the month" in c.title and "year to date" not in c.title
    b = performance.cluster_indicator_table(ctx, ATT)
    assert any("academic year to date, 1 September 2013 to 30 September 2013" in n for n in b.notes)
    summary = report.cluster_indicator_summary(ctx, "C01")
    assert ("Period covered, attendance: academic year to date, 1 September 2013 to 30 September 2013 (and the same "
            "months a year earlier).") in summary.notes


def test_direction_of_travel_only_between_like_periods(ctx):
    assert performance.PREVIOUS == catalogue.like_period(performance.PERIOD) == "2012-09"
    with pytest.raises(ValueError, match="like periods only"):
        performance.travel(ctx, ATT, "2013-04", "2013-09")
    with pytest.raises(ValueError, match="like periods only"):
        performance.city_travel(ctx, "NEET_PCT", "2013-04", "2013-09")
    b = performance.cluster_indicator_table(ctx, ATT)
    assert any("the same months a year apart" in n for n in b.notes)
    assert "Change, September 2012 to September 2013" in b.frame.columns


def test_improvement_rule_and_findings_use_like_periods(ctx):
    """The cluster flagged in the old book only by April 94.70 → September 94.60 (across academic
    years) is not flagged by a change any more, and the city headline no longer says 'improving'."""
    a = performance.assessments(ctx).set_index("cluster_name")
    cross_gates = a.loc["Cross Gates and Whinmoor"]
    assert "got significantly worse" not in cross_gates["why"]
    text = "".join(f.text for f in performance.key_findings(ctx).items)
    assert "April 2013" not in text
    assert "city 94.8% in September 2013 (year to date), against 94.8% in September 2012" in text
    assert "improving" not in text.split("Attendance</strong>")[1].split("</strong>")[0]
    assert pd.Series(a["why"]).str.contains("since April").sum() == 0


# ----------------------------------------------------------------------------- ranks and bands follow what is shown


@pytest.mark.parametrize("code", ["LAC_RATE", "NEET_PCT", "ATTEND_PCT", "PA_PCT"])
@pytest.mark.parametrize("period", ["2012-09", "2013-09"])
def test_equal_displayed_values_share_band_and_rank(ctx, code, period):
    pub = report.published_indicator(ctx, code, period)
    d = pub.display
    shown = d[d[f"Value ({pub.indicator.unit})"] != "c"]
    for value, group in shown.groupby(f"Value ({pub.indicator.unit})"):
        assert group["Quartile band"].nunique() == 1, (value, group[["Cluster", "Quartile band"]])
        assert group["Rank"].nunique() == 1, (value, group[["Cluster", "Rank"]])
        assert group["Rank"].iloc[0].startswith("=") == (len(group) > 1), group["Rank"].tolist()
    # ranks count the clusters shown better: a tie at =k is followed by k + size of the tie
    ranks = shown["Rank"].str.lstrip("=").astype(int)
    for value, group in shown.groupby(f"Value ({pub.indicator.unit})"):
        better = (shown[f"Value ({pub.indicator.unit})"].astype(float) > float(value)) if pub.indicator.polarity == "high_is_good" \
            else (shown[f"Value ({pub.indicator.unit})"].astype(float) < float(value))
        assert (ranks[group.index] == better.sum() + 1).all()


def test_bands_cut_at_the_published_precision():
    # Appendix B's case: 94.6 shown three times, the lower cut point an unrounded 94.6
    values = pd.Series([94.604, 94.596, 94.6, 95.3, 95.296, 95.304, 95.31, 95.0, 94.9, 95.1, 95.2, 94.8])
    shown = catalogue.displayed(values, ATT)
    cuts = catalogue.displayed_cut_points(shown, ATT)
    assert all(round(c, 1) == c for c in cuts)
    bands = pd.Series(stats_band(shown, cuts))
    assert bands[[0, 1, 2]].nunique() == 1 and bands[[3, 4, 5, 6]].nunique() == 1
    assert report.rank_text(pd.Series([1, 2, 2, 4, None], dtype="Int64")).tolist() == ["1", "=2", "=2", "4", "c"]


def stats_band(shown, cuts):
    from cluster_inquiry.stats import methods

    return list(methods.quartile_band(shown, "high_is_good", cuts))


def test_core_city_ranks_carry_their_uncertainty(ctx):
    from cluster_inquiry.pages import comparators

    frame = comparators.cla_table(ctx.paths).frame.set_index("Area")
    rank = frame["Rank among the 8 core cities, 2015 (1 = lowest rate)"]
    span = frame["Possible ranks, 2015 (from 95% intervals)"]
    for area in [a for a in frame.index if rank[a] != "–"]:
        parts = span[area].split(" to ")
        best, worst = parts[0], parts[-1]
        assert int(best) <= int(rank[area]) <= int(worst), area
    assert (span.str.contains(" to ")).any(), "overlapping intervals give a range"
