"""Partnership tables: vocabulary, cross-table rules, and the contract as `validate` applies it."""

import shutil

import pandas as pd
import partnership_fixtures as fx
import pytest

from cluster_inquiry.data import partnerships
from cluster_inquiry.core.paths import project_paths
from cluster_inquiry.data.validation import validate_inputs


def test_meeting_structure_follows_appendix_f():
    m = partnerships.MEETING_TYPES
    assert [t.level for t in m.values()].count("cluster") == 2
    assert m["area_chairs"].per_year == 3 and m["tsl"].per_year == 6 and m["manager_tsl"].per_year == 6
    assert m["sf_review"].level == "city" and m["sf_review"].per_year == 2
    assert partnerships.CLUSTER_MEETING_TYPES == ["guidance_support", "cluster_partnership"]


def test_fixture_passes_the_cross_checks():
    assert partnerships.cross_checks(fx.frames()) == []


def test_missing_reporting_line_is_named():
    frames = fx.frames()
    rep = frames["cluster_reporting"]
    frames["cluster_reporting"] = rep[~((rep["cluster_code"] == "C02") & (rep["body"] == "Schools Forum"))]
    assert partnerships.cross_checks(frames) == [
        ("cluster_reporting.csv", "-", "body", "cluster C02 has no row for Schools Forum")
    ]


def test_cluster_meeting_in_the_wrong_area_is_named_by_line():
    frames = fx.frames()
    m = frames["meetings"].copy()
    idx = m.index[m["cluster_code"] == "C03"][0]
    m.loc[idx, "area"] = "ENE"
    frames["meetings"] = m
    problems = partnerships.cross_checks(frames)
    assert ("meetings.csv", idx + 2, "area", "cluster C03 is in area SE (clusters.csv), not 'ENE'") in problems


def test_attendance_must_agree_with_the_register():
    frames = fx.frames()
    m = frames["meetings"].copy()
    m.loc[(m["cluster_code"] == "C01") & (m["meeting_type"] == "guidance_support"), "held"] = False
    frames["meetings"] = m
    problems = partnerships.cross_checks(frames)
    bad = [p for p in problems if p[0] == "partner_attendance.csv"]
    # every partner type's guidance_support row for C01 now disagrees (2 recorded, 0 held)
    assert len(bad) == len(partnerships.PARTNER_TYPES)
    assert "2 held guidance_support meetings, but meetings.csv records 0 held for cluster C01" in bad[0][3]


def test_sharing_with_an_unknown_cluster_is_named():
    frames = fx.frames()
    s = frames["cluster_sharing"].copy()
    s.loc[2, "cluster_b"] = "C09"
    frames["cluster_sharing"] = s
    assert partnerships.cross_checks(frames) == [
        ("cluster_sharing.csv", 4, "cluster_b", "unknown cluster 'C09' (not in clusters.csv)")
    ]


def test_sources_block_escapes_text():
    out = partnerships.sources_block([("<x>", "a & b", "illustrative")])
    assert "&lt;x&gt;" in out and "a &amp; b" in out and "<x>" not in out


# ----------------------------------------------------------------------------- the contract, end to end


@pytest.fixture()
def data_copy(tmp_path):
    dest = tmp_path / "clusters"
    shutil.copytree(project_paths().clusters, dest)
    return dest


def _edit(path, row, column, value):
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row, column] = value
    df.to_csv(path, index=False, lineterminator="\n")


def test_shipped_partnership_tables_pass_the_contract():
    report = validate_inputs()
    assert report.ok, report.problems[:10]
    for name in ("cluster_reporting", "meetings", "partner_attendance", "cluster_sharing"):
        assert name in report.frames
        assert set(report.frames[name]["data_status"]) == {"illustrative"}


@pytest.mark.parametrize(
    "file, row, column, value, expected",
    [
        ("meetings.csv", 0, "cluster_code", "C01", "meetings.csv:2: meeting_type, area, cluster_code: cluster meetings need"),
        ("meetings.csv", 5, "planned_date", "2013-02-30", "meetings.csv:7: planned_date: must be a real calendar date"),
        ("meetings.csv", 5, "planned_date", "2014-01-15", "meetings.csv:7: planned_date: must be within the academic year 2012/13"),
        ("meetings.csv", 5, "held", "maybe", "meetings.csv:7: held: must be true or false (got 'maybe')"),
        ("cluster_reporting.csv", 0, "route", "via area partnership", "cluster_reporting.csv:2: body, route: route must be direct"),
        ("cluster_reporting.csv", 1, "reports_made", "7", "cluster_reporting.csv:3: reports_due, reports_made: reports_made cannot be more"),
        ("partner_attendance.csv", 3, "meetings_attended", "99", "partner_attendance.csv:5: meetings_held, meetings_attended:"),
        ("partner_attendance.csv", 3, "meeting_type", "tsl", "partner_attendance.csv:5: meeting_type: must be one of"),
        ("cluster_sharing.csv", 0, "cluster_a", "C30", "cluster_sharing.csv:2: cluster_a, cluster_b: cluster_a must come before cluster_b"),
        ("cluster_sharing.csv", 0, "started", "2013-11", "cluster_sharing.csv:2: started: must not be after 2013-08"),
    ],
)
def test_a_bad_cell_is_named_by_file_row_column_and_rule(data_copy, file, row, column, value, expected):
    _edit(data_copy / file, row, column, value)
    report = validate_inputs(directory=data_copy)
    assert any(p.startswith(expected) for p in report.problems), report.problems


def test_blank_cluster_code_is_allowed_only_where_the_contract_says(data_copy):
    # city and area meetings have a blank cluster_code: no "unknown cluster 'nan'" problem
    report = validate_inputs(directory=data_copy)
    assert not any("unknown cluster" in p for p in report.problems)
    _edit(data_copy / "meetings.csv", 100, "cluster_code", "")
    report = validate_inputs(directory=data_copy)
    assert any(p.startswith("meetings.csv:102: meeting_type, area, cluster_code:") for p in report.problems), report.problems
