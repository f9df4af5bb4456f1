"""Deterministic generator of the ILLUSTRATIVE partnership tables (governance, meetings, sharing).

No council records of cluster reporting, meetings, attendance or joint work are public, so these
tables are *invented* from a fixed seed, shaped by the (also illustrative) cluster governance in
``clusters.csv``: clusters without a cluster manager or with informal governance are modelled as
holding and reporting a little less reliably. The meeting structure follows the inquiry's
Appendix F (:data:`cluster_inquiry.data.partnerships.MEETING_TYPES`). Every row carries
``data_status = illustrative``. The random stream is separate from the main generator's, so
adding these tables changes no other file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cluster_inquiry.data.partnerships import (
    AREA_PARTNERSHIP,
    CLUSTER_MEETING_TYPES,
    DIRECT,
    MEETING_TYPES,
    PARTNER_TYPES,
    SCHOOLS_FORUM,
    SHARING_ACTIVITIES,
    TRUST_BOARD,
    VIA_AREA,
)

SEED = (20131114, 4, 13)  # the main generator's seed, issue 4, chapters 1 and 3 (distinct from generate_context's [SEED, 4])

# Leeds school terms 2012/13 (Mondays of the first and last teaching weeks) and half-term weeks
TERMS = [("2012-09-10", "2012-12-10"), ("2013-01-07", "2013-03-18"), ("2013-04-08", "2013-07-15")]
HALF_TERMS = {"2012-10-29", "2013-02-18", "2013-05-27"}
# Nominal months for the less frequent meetings
MONTHS = {
    3: ["2012-10", "2013-02", "2013-06"],  # termly
    6: ["2012-10", "2012-12", "2013-02", "2013-03", "2013-05", "2013-07"],  # half-termly
    2: ["2012-11", "2013-06"],  # twice a year
}
BIMONTHLY = ["2012-09", "2012-11", "2013-01", "2013-03", "2013-05", "2013-07"]

# Chance that a held cluster meeting is attended by each partner type (before cluster variation)
ATTENDANCE_BASE = {
    "cluster_partnership": {
        "Schools": 0.97, "Children's centres": 0.9, "Health": 0.7, "Police": 0.5,
        "Social care": 0.72, "Voluntary sector": 0.66, "Youth service": 0.6,
    },
    "guidance_support": {
        "Schools": 0.95, "Children's centres": 0.86, "Health": 0.76, "Police": 0.48,
        "Social care": 0.84, "Voluntary sector": 0.55, "Youth service": 0.52,
    },
}


def school_weeks() -> list[pd.Timestamp]:
    """Mondays of the 2012/13 teaching weeks (half-term weeks left out)."""
    weeks = []
    for first, last in TERMS:
        for monday in pd.date_range(first, last, freq="7D"):
            if monday.strftime("%Y-%m-%d") not in HALF_TERMS:
                weeks.append(monday)
    return weeks


def guidance_weeks(n_weeks: int, offset: int, per_year: int = MEETING_TYPES["guidance_support"].per_year) -> list[int]:
    """Indices of the teaching weeks a cluster's guidance and support meetings fall in: exactly ``per_year``
    of them (Appendix F's cadence, "about every three weeks"), evenly spaced from week ``offset``.

    Every third week from the offset would give 12 or 13 in a 37-week year, so the register would not
    match the structure it is published beside (issue 12: 310 planned where 13 × 25 = 325).
    """
    last = n_weeks - 3 + offset  # so the spacing stays close to three weeks whatever the offset
    return [int(k) for k in np.round(np.linspace(offset, last, per_year))]


def _weekday_in_month(rng: np.random.Generator, month: str) -> str:
    """A Tuesday–Thursday in the second or third week of ``month``."""
    start = pd.Timestamp(f"{month}-08")
    start += pd.Timedelta(days=(1 - start.weekday()) % 7)  # the Tuesday on or after the 8th
    day = start + pd.Timedelta(days=int(rng.integers(0, 3)) + 7 * int(rng.integers(0, 2)))
    return day.strftime("%Y-%m-%d")


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _expit(x: float) -> float:
    return float(1 / (1 + np.exp(-x)))


def reliability(clusters: pd.DataFrame) -> np.ndarray:
    """A per-cluster shift on the logit scale: informal governance and no manager lower it."""
    shift = np.zeros(len(clusters))
    shift -= np.where(clusters["governance"].to_numpy() == "Informal", 0.7, 0.0)
    shift -= np.where(clusters["has_cluster_manager"].astype(bool).to_numpy(), 0.0, 0.9)
    shift += np.where(clusters["governance"].to_numpy() == "Trust", 0.3, 0.0)
    return shift


def reporting_table(clusters: pd.DataFrame, rng: np.random.Generator, shift: np.ndarray) -> pd.DataFrame:
    rows = []
    for i, row in enumerate(clusters.itertuples()):
        lines = [
            (AREA_PARTNERSHIP, DIRECT, 3, 0.9),  # a termly report to the area partnership
            (TRUST_BOARD, DIRECT if row.governance == "Trust" else VIA_AREA, 1, 0.88),  # annual report
            (SCHOOLS_FORUM, DIRECT, 2, 0.9),  # half-year and year-end returns on the DSG top-slice
        ]
        for body, route, due, p in lines:
            made = int(rng.binomial(due, _expit(_logit(p) + shift[i])))
            rows.append((row.cluster_code, body, route, due, made))
    out = pd.DataFrame(rows, columns=["cluster_code", "body", "route", "reports_due", "reports_made"])
    out["data_status"] = "illustrative"
    return out


def meetings_table(clusters: pd.DataFrame, rng: np.random.Generator, shift: np.ndarray) -> pd.DataFrame:
    rows = []
    weeks = school_weeks()
    areas = sorted(clusters["area"].unique())
    held_p = {"area_chairs": 0.93, "area_partnership": 0.9, "tsl": 0.9, "manager_tsl": 0.82}
    for mtype in ("area_chairs", "area_partnership", "tsl", "manager_tsl"):
        months = BIMONTHLY if mtype == "manager_tsl" else MONTHS[MEETING_TYPES[mtype].per_year]
        for area in areas:
            for month in months:
                rows.append((mtype, area, None, _weekday_in_month(rng, month), bool(rng.random() < held_p[mtype])))
    for i, row in enumerate(clusters.itertuples()):
        offset = int(rng.integers(0, 3))  # which of the first three teaching weeks the cluster starts in
        day = pd.Timedelta(days=int(rng.integers(1, 4)))
        for k in guidance_weeks(len(weeks), offset):
            held = rng.random() < _expit(_logit(0.9) + shift[i])
            rows.append(("guidance_support", row.area, row.cluster_code, (weeks[k] + day).strftime("%Y-%m-%d"), bool(held)))
        for month in MONTHS[3]:
            held = rng.random() < _expit(_logit(0.93) + shift[i])
            rows.append(("cluster_partnership", row.area, row.cluster_code, _weekday_in_month(rng, month), bool(held)))
    for month in MONTHS[2]:
        rows.append(("sf_review", None, None, _weekday_in_month(rng, month), True))
    out = pd.DataFrame(rows, columns=["meeting_type", "area", "cluster_code", "planned_date", "held"])
    order = {code: i for i, code in enumerate(MEETING_TYPES)}
    out["_order"] = out["meeting_type"].map(order)
    out = out.sort_values(["_order", "area", "cluster_code", "planned_date"], na_position="first", kind="stable")
    out = out.drop(columns="_order").reset_index(drop=True)
    out.insert(0, "meeting_id", [f"M{i + 1:04d}" for i in range(len(out))])
    out["data_status"] = "illustrative"
    return out


def attendance_table(
    clusters: pd.DataFrame, meetings: pd.DataFrame, rng: np.random.Generator, shift: np.ndarray
) -> pd.DataFrame:
    held = meetings[meetings["held"]].groupby(["cluster_code", "meeting_type"]).size()
    rows = []
    for i, row in enumerate(clusters.itertuples()):
        # each cluster has its own strengths and gaps: a partner-specific effect shared by both meeting types
        partner_effect = rng.normal(0, 0.75, len(PARTNER_TYPES))
        for mtype in CLUSTER_MEETING_TYPES:
            n = int(held.get((row.cluster_code, mtype), 0))
            for j, partner in enumerate(PARTNER_TYPES):
                p = _expit(_logit(ATTENDANCE_BASE[mtype][partner]) + partner_effect[j] + 0.5 * shift[i])
                rows.append((row.cluster_code, mtype, partner, n, int(rng.binomial(n, p))))
    out = pd.DataFrame(rows, columns=["cluster_code", "meeting_type", "partner_type", "meetings_held", "meetings_attended"])
    out["data_status"] = "illustrative"
    return out


def sharing_table(clusters: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    codes = clusters["cluster_code"].tolist()
    area = dict(zip(clusters["cluster_code"], clusters["area"]))
    months = [str(p) for p in pd.period_range("2011-09", "2013-07", freq="M")]
    rows = []
    for a_i, a in enumerate(codes):
        for b in codes[a_i + 1:]:
            p = 0.2 if area[a] == area[b] else 0.035
            if rng.random() >= p:
                continue
            k = int(rng.choice([1, 1, 1, 2, 2, 3]))
            for activity in sorted(rng.choice(SHARING_ACTIVITIES, size=k, replace=False).tolist()):
                rows.append((a, b, activity, months[int(rng.integers(0, len(months)))]))
    out = pd.DataFrame(rows, columns=["cluster_a", "cluster_b", "activity", "started"])
    out["data_status"] = "illustrative"
    return out


def tables(clusters: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The four partnership tables as (name, frame) pairs, built from the clusters table."""
    clusters = clusters.sort_values("cluster_code").reset_index(drop=True)
    rng = np.random.default_rng(SEED)
    shift = reliability(clusters)
    reporting = reporting_table(clusters, rng, shift)
    meetings = meetings_table(clusters, rng, shift)
    attendance = attendance_table(clusters, meetings, rng, shift)
    sharing = sharing_table(clusters, rng)
    return [
        ("cluster_reporting", reporting),
        ("meetings", meetings),
        ("partner_attendance", attendance),
        ("cluster_sharing", sharing),
    ]
