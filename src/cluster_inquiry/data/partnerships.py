"""Vocabulary and cross-table rules of the partnership tables (chapters 1 and 3, Appendix F).

Four input tables describe how clusters are governed and how they work together in the
academic year 2012/13 (1 September 2012 to 31 August 2013):

* ``cluster_reporting`` — each cluster's reporting lines to its area partnership, the
  Children's Trust Board and Schools Forum, with reports due and made;
* ``meetings`` — the meeting register: every planned city, area and cluster meeting, held or not;
* ``partner_attendance`` — for each cluster meeting type, how many held meetings each partner
  type attended;
* ``cluster_sharing`` — joint work and shared practice between pairs of clusters.

The meeting structure (:data:`MEETING_TYPES`) is the one set out in the inquiry's Appendix F.
Column rules live in :mod:`cluster_inquiry.data.schemas`; the rules that span tables are in
:func:`cross_checks`, which :mod:`cluster_inquiry.data.validation` calls.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from cluster_inquiry.figures.records import status_badge

YEAR_LABEL = "academic year 2012/13"
YEAR_START, YEAR_END = "2012-09-01", "2013-08-31"
CITY = "Leeds"

AREA_NAMES = {"ENE": "East North East", "SE": "South East", "WNW": "West North West"}


@dataclass(frozen=True)
class MeetingType:
    code: str
    label: str
    level: str  # city | area | cluster
    cadence: str
    per_year: int  # nominal meetings a year for each body at this level
    members: str


MEETING_TYPES: dict[str, MeetingType] = {
    m.code: m
    for m in (
        MeetingType("area_chairs", "Cluster chairs", "area", "termly, in each area", 3, "cluster chairs"),
        MeetingType(
            "area_partnership", "Area partnership (chairs, managers, members, partners)", "area", "termly, in each area", 3,
            "cluster chairs, cluster managers, elected members, local-authority partners and targeted-service leaders",
        ),
        MeetingType("tsl", "Targeted-service leaders", "area", "half-termly, in each area", 6, "targeted-service leaders"),
        MeetingType(
            "manager_tsl", "Cluster managers and targeted-service leaders", "area", "every other month, in each area", 6,
            "cluster managers and targeted-service leaders",
        ),
        MeetingType(
            "guidance_support", "Multi-agency guidance and support", "cluster", "about every three weeks (term time), in each cluster", 13,
            "cluster staff and partner agencies who discuss support for children and families",
        ),
        MeetingType(
            "cluster_partnership", "Cluster partnership", "cluster", "termly, in each cluster", 3,
            "the cluster's governance group: schools, children's centres, partner agencies and elected members",
        ),
        MeetingType(
            "sf_review", "Schools Forum review and support sub-group", "city", "at least twice a year", 2,
            "Schools Forum members who review clusters' use of the Dedicated Schools Grant top-slice",
        ),
    )
}
CLUSTER_MEETING_TYPES = [m.code for m in MEETING_TYPES.values() if m.level == "cluster"]

PARTNER_TYPES = [
    "Schools",
    "Children's centres",
    "Health",
    "Police",
    "Social care",
    "Voluntary sector",
    "Youth service",
]

AREA_PARTNERSHIP = "Area partnership"
TRUST_BOARD = "Children's Trust Board"
SCHOOLS_FORUM = "Schools Forum"
REPORTING_BODIES = [AREA_PARTNERSHIP, TRUST_BOARD, SCHOOLS_FORUM]
DIRECT, VIA_AREA = "direct", "via area partnership"
ROUTES = [DIRECT, VIA_AREA]

SHARING_ACTIVITIES = ["Joint commissioning", "Shared post", "Joint training", "Practice exchange"]


# ----------------------------------------------------------------------------- cross-table rules


def cross_checks(frames: dict[str, pd.DataFrame]) -> list[tuple[str, int | str, str, str]]:
    """Rules across the partnership tables and ``clusters``: (file, row, column, rule) tuples.

    Rows are file line numbers (header = line 1). Tables that are absent are skipped.
    """
    out: list[tuple[str, int | str, str, str]] = []
    clusters = frames.get("clusters")
    if clusters is None:
        return out
    area_of = dict(zip(clusters["cluster_code"], clusters["area"]))
    known = set(area_of)

    reporting = frames.get("cluster_reporting")
    if reporting is not None:
        have = set(zip(reporting["cluster_code"], reporting["body"]))
        for code in sorted(known):
            missing = [b for b in REPORTING_BODIES if (code, b) not in have]
            if missing:
                out.append(("cluster_reporting.csv", "-", "body", f"cluster {code} has no row for {', '.join(missing)}"))

    meetings = frames.get("meetings")
    if meetings is not None:
        for idx, row in meetings.iterrows():
            code = row["cluster_code"]
            if isinstance(code, str) and code in known and row["area"] != area_of[code]:
                out.append(
                    ("meetings.csv", idx + 2, "area", f"cluster {code} is in area {area_of[code]} (clusters.csv), not {row['area']!r}")
                )

    attendance = frames.get("partner_attendance")
    if attendance is not None and meetings is not None:
        held = (
            meetings[meetings["held"] & meetings["meeting_type"].isin(CLUSTER_MEETING_TYPES)]
            .groupby(["cluster_code", "meeting_type"]).size()
        )
        for idx, row in attendance.iterrows():
            key = (row["cluster_code"], row["meeting_type"])
            expected = int(held.get(key, 0))
            if pd.notna(row["meetings_held"]) and int(row["meetings_held"]) != expected:
                out.append(
                    (
                        "partner_attendance.csv", idx + 2, "meetings_held",
                        f"{int(row['meetings_held'])} held {row['meeting_type']} meetings, but meetings.csv records {expected} "
                        f"held for cluster {row['cluster_code']}",
                    )
                )

    sharing = frames.get("cluster_sharing")
    if sharing is not None:
        for column in ("cluster_a", "cluster_b"):
            for idx in sharing.index[~sharing[column].isin(known)]:
                out.append(
                    ("cluster_sharing.csv", idx + 2, column, f"unknown cluster {sharing.at[idx, column]!r} (not in clusters.csv)")
                )
    return out


# ----------------------------------------------------------------------------- page helpers shared by the chapters


def sources_block(items: list[tuple[str, str, str]]) -> str:
    """An HTML list of a page's data sources: (name, description, status) — every part escaped."""
    rows = "".join(
        f"<li><strong>{html.escape(name)}</strong>: {html.escape(text)} {status_badge(status)}</li>" for name, text, status in items
    )
    return f"<div class='ci-sources'><p><strong>Data sources for this page</strong></p><ul>{rows}</ul></div>"


def cluster_label(code: str, name: str) -> str:
    return f"{code} {name}"
