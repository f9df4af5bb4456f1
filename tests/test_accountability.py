"""Chapter 1: the governance table, findings that match it, real context facts, the diagram's text."""

import re
from collections import Counter

import pandas as pd
import partnership_fixtures as fx
import pytest

from cluster_inquiry.figures import diagrams
from cluster_inquiry.pages import accountability, report
from cluster_inquiry.data.partnerships import AREA_NAMES


def _text(html_fragment: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", html_fragment))


def test_governance_frame_is_one_row_per_cluster_in_area_order():
    frame = accountability.governance_frame(fx.clusters(), fx.reporting())
    assert list(frame["Code"]) == ["C01", "C02", "C03", "C04"]
    row = frame.set_index("Code").loc["C02"]
    assert row["Cluster manager"] == "No" and row["Elected members"] == 0
    assert row[accountability.REPORT_COLUMNS["Area partnership"]] == "2 of 3"
    assert row[accountability.ROUTE_COLUMN] == "Through the area partnership"
    assert frame.set_index("Code").loc["C04", accountability.ROUTE_COLUMN] == "Direct"


def test_missing_reporting_line_is_shown_as_not_available():
    rep = fx.reporting()
    rep = rep[~((rep["cluster_code"] == "C03") & (rep["body"] == "Schools Forum"))]
    frame = accountability.governance_frame(fx.clusters(), rep).set_index("Code")
    assert frame.loc["C03", accountability.REPORT_COLUMNS["Schools Forum"]] == "x"


def _numbers_from_table(frame: pd.DataFrame) -> dict:
    """An independent reading of the published table: what the findings must say."""
    n = len(frame)
    made_due = frame[list(accountability.REPORT_COLUMNS.values())].apply(
        lambda col: col.str.extract(r"^(\d+) of (\d+)$").astype(float).pipe(lambda d: d[0] == d[1])
    )
    board = frame[accountability.REPORT_COLUMNS["Children's Trust Board"]].str.extract(r"^(\d+) of (\d+)$").astype(int)
    return {
        "n": n,
        "trusts": int((frame["Governance form"] == "Trust").sum()),
        "jcc": int((frame["Governance form"] == "Joint Collaborative Committee").sum()),
        "informal": int((frame["Governance form"] == "Informal").sum()),
        "no_manager": int((frame["Cluster manager"] == "No").sum()),
        "em": Counter(frame["Elected members"].astype(int)),
        "complete": int(made_due.all(axis=1).sum()),
        "direct": int((frame[accountability.ROUTE_COLUMN] == "Direct").sum()),
        "via_area": int(frame[accountability.REPORT_COLUMNS["Area partnership"]].str.match(r"^\d+ of \d+$").sum()),
        "no_annual": int((board[0] < board[1]).sum()),
    }


def _check_findings(frame: pd.DataFrame) -> None:
    want = _numbers_from_table(frame)
    text = _text(" ".join(accountability.governance_findings(frame)))
    n = want["n"]
    assert f"{want['trusts']} of {n} clusters are Trusts, {want['jcc']} are Joint Collaborative Committees and {want['informal']} are informal" in text
    assert f"{want['no_manager']} of {n} clusters had no cluster manager" in text
    assert f"{want['em'][2]} clusters have two elected members on their governance group, {want['em'][1]} have one and {want['em'][0]} have none" in text
    assert f"{want['complete']} of {n} clusters made every report due" in text
    assert f"{n - want['complete']} missed at least one" in text
    assert f"{want['via_area']} of {n} clusters report to the Children's Trust Board through their area partnership; {want['direct']} of them also report directly to the Board" in text
    assert "the other" not in text  # the direct route is in addition to the area partnership, not instead (issue 12)
    assert f"{want['no_annual']} did not make their annual report to the Board" in text


def test_findings_numbers_equal_the_table_on_the_fixture():
    frame = accountability.governance_frame(fx.clusters(), fx.reporting())
    _check_findings(frame)
    text = _text(" ".join(accountability.governance_findings(frame)))
    assert "2 of 4 clusters are Trusts" in text and "(Beta)" in text and "2 of 4 clusters made every report due" in text


def test_findings_numbers_equal_the_table_on_the_shipped_data():
    ctx = report.context()
    _check_findings(accountability.governance_frame(ctx.clusters, ctx.frames["cluster_reporting"]))


def test_findings_escape_cluster_names():
    rep = fx.reporting()
    rep.loc[(rep["cluster_code"] == "C01") & (rep["body"] == "Schools Forum"), "reports_made"] = 0
    items = accountability.governance_findings(accountability.governance_frame(fx.clusters(), rep))
    joined = " ".join(items)
    assert "Alpha &lt;b&gt;" in joined and "Alpha <b>" not in joined


def test_findings_block_and_banner():
    ctx = fx.context()
    html_out = accountability.accountability_findings(ctx)._repr_html_()
    assert "Key findings" in html_out and "Illustrative data" in html_out
    banner = _text(accountability.page_banner()._repr_html_())
    assert "Real: the context facts" in banner and "Illustrative: every cluster's governance form" in banner


def test_context_facts_are_quoted_from_the_sourced_facts_table():
    ctx = fx.context()
    facts = pd.read_csv(ctx.paths.raw / "reference" / "sourced_facts.csv", dtype=str, keep_default_na=False).set_index("id")
    out = accountability.sourced_facts(ctx)._repr_html_()
    assert "Real data" in out  # the short marker; the page banner has the long label
    for fid in ("F03", "F04", "F05"):
        assert f"id='fact-{fid.lower()}'" in out
        assert facts.loc[fid, "source_url"] in out
        assert _text(out).count(facts.loc[fid, "fact"]) == 1
    assert "April 2011" in _text(out) and "up to 2 members per cluster" in _text(out)
    with pytest.raises(KeyError):
        accountability.sourced_facts(ctx, ("F99",))


def test_diagram_summary_is_written_from_the_graph():
    rg = diagrams.reporting_graph(fx.clusters(), fx.reporting(), AREA_NAMES)
    summary = accountability.reporting_summary(rg)
    assert "4 clusters, grouped by children's-services area" in summary
    assert "East North East: 2; South East: 2 clusters" in summary
    assert "4 of 4 clusters have a reporting line to the Board" in summary
    assert "2 clusters also report directly to the Board (dashed lines): Alpha <b>, Delta" in summary
    assert "2 Trust (squares), 1 Joint Collaborative Committee (circles), 1 Informal (triangles)" in summary


def test_diagram_figure_carries_the_table_and_alt_text():
    fig = accountability.reporting_diagram(fx.context())
    assert fig.status == "illustrative" and fig.table is not None and len(fig.table.frame) == 4
    assert "The same information is in the table that follows." in fig.alt_text
    html_out = fig.to_html()
    assert "alt='Diagram of reporting lines" in html_out and "Alpha &lt;b&gt;" in html_out


@pytest.mark.integration
def test_chapter_is_built_with_findings_banner_and_sources(built_book):
    page = (built_book / "_build" / "html" / "generated" / "themes" / "accountability.html").read_text(encoding="utf-8")
    assert "Accountability and governance" in page
    assert "Key findings" in page and "clusters are <strong>Trusts</strong>" in page
    assert "ci-banner" in page and "Data sources for this page" in page and "Published context" in page
    toc = (built_book / "_toc.yml").read_text(encoding="utf-8")
    assert toc.index("themes/accountability") < toc.index("themes/performance") < toc.index("themes/collaboration")


def test_findings_and_diagram_agree_on_who_reports_through_the_area_partnership():
    """Issue 12: the findings said 'the other 17 report through their area partnership' while the diagram
    draws all 25 clusters reporting to theirs (8 of them also directly)."""
    ctx = report.context()
    rg = diagrams.reporting_graph(ctx.clusters, ctx.frames["cluster_reporting"], AREA_NAMES)
    via_area = sum(1 for c in rg.clusters if any(rg.graph.has_edge(c, a) for a in rg.areas))
    direct = sum(1 for c in rg.clusters if rg.graph.has_edge(c, diagrams.TRUST_BOARD_NODE))
    text = _text(" ".join(accountability.governance_findings(
        accountability.governance_frame(ctx.clusters, ctx.frames["cluster_reporting"]))))
    n = len(rg.clusters)
    assert f"{via_area} of {n} clusters report to the Children's Trust Board through their area partnership; {direct} of them also report directly" in text
