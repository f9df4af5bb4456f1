"""Chapter 3 and Appendix F: meeting cadence, attendance, gaps, sharing — findings match the tables."""

import html
import re

import pandas as pd
import partnership_fixtures as fx
import pytest
from matplotlib.patches import Rectangle

from cluster_inquiry.pages import collaboration, report
from cluster_inquiry.data.partnerships import MEETING_TYPES, PARTNER_TYPES


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


@pytest.fixture()
def frames():
    return fx.frames()


# ----------------------------------------------------------------------------- cadence


def test_cadence_frame_counts_planned_and_held_by_type_and_area(frames):
    c = collaboration.cadence_frame(frames["meetings"]).set_index(["Meeting", "Area"])
    assert c.loc[("Cluster chairs", "East North East"), ["Planned", "Held"]].tolist() == [2, 1]
    assert c.loc[("Multi-agency guidance and support", "East North East"), ["Planned", "Held", "Held (%)"]].tolist() == [4, 3, "75"]
    assert c.loc[("Schools Forum review and support sub-group", "City-wide"), "Level"] == "City"
    assert ("Targeted-service leaders", "East North East") not in c.index  # no rows: nothing planned


def test_cadence_findings_match_the_table(frames):
    table = collaboration.cadence_frame(frames["meetings"])
    text = _text(" ".join(collaboration.cadence_findings(table)))
    planned, held = int(table["Planned"].sum()), int(table["Held"].sum())
    assert (planned, held) == (21, 17)
    assert f"Of {planned} meetings planned in academic year 2012/13, {held} ({round(100 * held / planned)}%) were held" in text
    assert "cluster chairs meetings in East North East (1 of 2, 50%)" in text


# ----------------------------------------------------------------------------- attendance and gaps


def test_attendance_frame_percentages(frames):
    a = collaboration.attendance_frame(frames["clusters"], frames["partner_attendance"]).set_index("Code")
    assert list(a.columns[:3]) == ["Cluster", "Area", "Meetings held"] and list(a.columns[3:]) == PARTNER_TYPES
    assert a.loc["C01", ["Meetings held", "Police", "Health", "Schools"]].tolist() == [4, "25", "100", "100"]
    assert a.loc["C04", ["Meetings held", "Police"]].tolist() == [3, "33"]


@pytest.mark.parametrize("threshold, police, health, any_gap", [(50, 2, 1, 3), (60, 3, 1, 4), (20, 0, 0, 0)])
def test_gap_counts_follow_the_threshold(frames, threshold, police, health, any_gap):
    table = collaboration.attendance_frame(frames["clusters"], frames["partner_attendance"])
    gaps = collaboration.gap_counts(table, threshold).set_index("Partner type")["Clusters below threshold"]
    assert (gaps["Police"], gaps["Health"]) == (police, health)
    text = _text(" ".join(collaboration.attendance_findings(table, threshold)))
    assert f"{any_gap} of 4 clusters have at least one partner type below {threshold}% attendance" in text
    if police:
        assert f"Police attended fewer than {threshold}% of cluster meetings in {police} of 4 clusters" in text


def test_gaps_table_agrees_with_the_heatmap_flags(frames):
    ctx = fx.context()
    rows = collaboration.gaps_frame(frames["clusters"], frames["partner_attendance"], 50)
    assert list(zip(rows["Code"], rows["Partner type"])) == [("C03", "Health"), ("C01", "Police"), ("C04", "Police")]
    assert rows.set_index("Code").loc["C04", ["Meetings attended", "Meetings held", "Attended (%)"]].tolist() == [1, 3, "33"]
    fig = collaboration.attendance_heatmap(ctx, 50)
    hatched = [p for p in fig.fig.axes[0].patches if isinstance(p, Rectangle) and p.get_hatch()]
    assert len(hatched) == len(rows)
    assert "3 cluster–partner cells are below 50%" in fig.alt_text
    assert "most often below it is police (2 clusters)" in fig.alt_text


# ----------------------------------------------------------------------------- sharing


def test_sharing_frame_and_findings(frames):
    table = collaboration.sharing_frame(frames["clusters"], frames["cluster_sharing"])
    assert table.to_dict("records")[0] == {
        "Cluster A": "C01 Alpha <b>", "Cluster B": "C02 Beta", "Same area": "Yes", "Activities": 2,
        "Joint work": "Joint training; Shared post", "Since": "2012-01",
    }
    items = collaboration.sharing_findings(table, frames["clusters"])
    text = _text(" ".join(items))
    links, activities = len(table), int(table["Activities"].sum())
    cross = int((table["Same area"] == "No").sum())
    assert f"{links} pairs of clusters record joint work or shared practice ({activities} activities); {cross} of the {links} links cross" in text
    assert "each with joint work with 2 other clusters: C01 Alpha <b>." in text
    assert "1 of 4 clusters record no joint work with another cluster (C04 Delta)" in text
    everyone = collaboration.sharing_findings(table, frames["clusters"].iloc[:3])
    assert "Every one of the 3 clusters records joint work with at least one other cluster." in everyone[-1]
    assert "Alpha &lt;b&gt;" in " ".join(items)  # escaped in the HTML


def test_network_alt_text_from_the_graph():
    fig = collaboration.sharing_network(fx.context())
    assert "line between each of the 2 pairs" in fig.alt_text and "1 lines cross an area boundary" in fig.alt_text
    assert "No links: C04 Delta" in fig.alt_text and "Most links (2 links each: C01 Alpha <b>)" in fig.alt_text
    assert len(fig.table.frame) == 2


# ----------------------------------------------------------------------------- chapter and appendix


def test_chapter_findings_equal_the_tables_on_the_shipped_data():
    ctx = report.context()
    text = _text(collaboration.collaboration_findings(ctx)._repr_html_())
    cadence = collaboration.cadence_frame(ctx.frames["meetings"])
    assert f"Of {int(cadence['Planned'].sum()):,} meetings planned" in text
    assert f"{int(cadence['Held'].sum()):,} (" in text
    attendance = collaboration.attendance_frame(ctx.clusters, ctx.frames["partner_attendance"])
    gaps = collaboration.gap_counts(attendance, 50)
    top = gaps.iloc[0]
    assert f"{top['Partner type']} attended fewer than 50% of cluster meetings in {top['Clusters below threshold']} of 25 clusters" in text
    sharing = collaboration.sharing_frame(ctx.clusters, ctx.frames["cluster_sharing"])
    assert f"{len(sharing)} pairs of clusters record joint work or shared practice ({int(sharing['Activities'].sum())} activities)" in text


def test_structure_table_totals_equal_the_register(frames):
    s = collaboration.structure_frame(frames["meetings"]).set_index("Meeting")
    assert list(s.index) == [m.label for m in MEETING_TYPES.values()]
    assert int(s["Planned"].sum()) == len(frames["meetings"]) and int(s["Held"].sum()) == int(frames["meetings"]["held"].sum())
    assert s.loc["Multi-agency guidance and support", "Meeting bodies"] == 4
    assert s.loc["Schools Forum review and support sub-group", "Cadence"] == "at least twice a year"


def test_structure_note_says_when_the_register_does_not_plan_what_the_cadence_implies(frames):
    s = collaboration.structure_frame(frames["meetings"])
    notes = collaboration.structure_mismatches(s)
    row = s.set_index("Meeting").loc["Multi-agency guidance and support"]
    assert f"Multi-agency guidance and support: the register plans {row['Planned']} meetings, not the " \
           f"{row['Meeting bodies'] * row['Expected a year (each)']} the cadence implies" in " ".join(notes)


def test_shipped_register_plans_what_appendix_f_says():
    """Issue 12: Appendix F printed 13 a year for each of 25 clusters beside 310 planned (13 × 25 = 325)."""
    ctx = report.context()
    table = collaboration.structure_table(ctx)
    f = table.frame
    assert (f["Planned"] == f["Meeting bodies"] * f["Expected a year (each)"]).all(), f
    assert collaboration.structure_mismatches(f) == []
    assert "Planned = meeting bodies × expected a year, for every meeting type." in table.notes


def test_participation_frame_and_findings(frames):
    p = collaboration.participation_frame(frames["partner_attendance"]).set_index("Partner type")
    # police: partnership 0+1+2+1 = 4 of 7 held, guidance 1+0+2+0 = 3 of 6 held
    assert p.loc["Police", ["Cluster partnership: attended", "Cluster partnership: held"]].tolist() == [4, 7]
    assert p.loc["Police", "All cluster meetings (%)"] == "54"
    text = _text(" ".join(collaboration.participation_findings(p.reset_index())))
    assert "police least often (54%)" in text


def test_calendar_counts_by_month(frames):
    planned, held, pct = collaboration.calendar_frames(frames["meetings"])
    assert list(planned.columns)[0] == "2012-09" and list(planned.columns)[-1] == "2013-08"
    assert int(planned.to_numpy().sum()) == len(frames["meetings"])
    assert planned.loc["area_chairs", "2012-10"] == 2 and held.loc["area_chairs", "2013-02"] == 0
    table = collaboration.calendar_table(fx.context()).frame.set_index("Meeting")
    assert table.loc["Cluster chairs", "Feb 2013"] == "0 of 1" and table.loc["Cluster chairs", "Sep 2012"] == "–"


def test_banners_and_sources_say_what_is_illustrative():
    chapter = _text(collaboration.page_banner()._repr_html_())
    appendix = _text(collaboration.page_banner(appendix=True)._repr_html_())
    assert "Illustrative: the meeting register" in chapter and "joint work between clusters" in chapter
    assert "inquiry's own description" in appendix
    assert "Inquiry record" in _text(collaboration.data_sources(appendix=True)._repr_html_())


def test_every_table_is_illustrative_and_downloadable():
    ctx = fx.context()
    for table in (collaboration.cadence_table(ctx), collaboration.attendance_table(ctx), collaboration.gaps_table(ctx),
                  collaboration.gap_summary_table(ctx), collaboration.sharing_table(ctx), collaboration.structure_table(ctx),
                  collaboration.participation_table(ctx), collaboration.calendar_table(ctx)):
        assert table.status == "illustrative" and table.period
        out = table.to_html()
        assert "Download" in out and "<b>" not in out


@pytest.mark.integration
def test_chapter_and_appendix_are_built(built_book):
    html_dir = built_book / "_build" / "html" / "generated" / "themes"
    page = (html_dir / "collaboration.html").read_text(encoding="utf-8")
    assert "Collaboration and participation" in page and "Key findings" in page
    assert "Gaps in representation" in page and "Data sources for this page" in page
    appendix = (html_dir / "appendix_f.html").read_text(encoding="utf-8")
    assert "Appendix F: How practice is shared" in appendix and "Membership and participation" in appendix
