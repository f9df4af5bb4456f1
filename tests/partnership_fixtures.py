"""Tiny hand-made partnership tables (4 clusters, 2 areas) shared by the partnership tests."""

from __future__ import annotations

import pandas as pd

from cluster_inquiry.core.paths import project_paths
from cluster_inquiry.pages.report import Context


def clusters() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cluster_code": ["C01", "C02", "C03", "C04"],
            "cluster_name": ["Alpha <b>", "Beta", "Gamma", "Delta"],
            "area": ["ENE", "ENE", "SE", "SE"],
            "governance": ["Trust", "Joint Collaborative Committee", "Informal", "Trust"],
            "chair_role": ["Secondary headteacher", "Primary headteacher", "Secondary headteacher", "Voluntary-sector partner"],
            "has_cluster_manager": [True, False, True, True],
            "elected_members": [2, 0, 1, 2],
            "name_basis": ["x", "x", "x", "x"],
            "data_status": "illustrative",
        }
    )


def reporting() -> pd.DataFrame:
    rows = []
    made = {"C01": (3, 1, 2), "C02": (2, 0, 2), "C03": (3, 1, 1), "C04": (3, 1, 2)}
    for code, (ap, ctb, sf) in made.items():
        direct = code in {"C01", "C04"}
        rows += [
            (code, "Area partnership", "direct", 3, ap),
            (code, "Children's Trust Board", "direct" if direct else "via area partnership", 1, ctb),
            (code, "Schools Forum", "direct", 2, sf),
        ]
    out = pd.DataFrame(rows, columns=["cluster_code", "body", "route", "reports_due", "reports_made"])
    out["data_status"] = "illustrative"
    return out


def meetings() -> pd.DataFrame:
    rows = [
        ("area_chairs", "ENE", None, "2012-10-10", True),
        ("area_chairs", "ENE", None, "2013-02-10", False),
        ("area_chairs", "SE", None, "2012-10-11", True),
        ("sf_review", None, None, "2012-11-14", True),
        ("sf_review", None, None, "2013-06-12", True),
    ]
    held = {"C01": [True, True, True, True], "C02": [True, False, True, False], "C03": [True] * 4, "C04": [True, True, True, False]}
    for code, flags in held.items():
        area = "ENE" if code in {"C01", "C02"} else "SE"
        for k, flag in enumerate(flags):
            mtype = "cluster_partnership" if k < 2 else "guidance_support"
            rows.append((mtype, area, code, ["2012-10-01", "2012-11-02", "2013-01-03", "2013-03-04"][k], flag))
    out = pd.DataFrame(rows, columns=["meeting_type", "area", "cluster_code", "planned_date", "held"])
    out.insert(0, "meeting_id", [f"M{i + 1:04d}" for i in range(len(out))])
    out["data_status"] = "illustrative"
    return out


#: attended meetings of (cluster_partnership, guidance_support) for each cluster and partner type
ATTENDED = {
    "C01": {"Police": (0, 1), "Health": (2, 2)},  # held: 2 + 2
    "C02": {"Police": (1, 0), "Health": (1, 1)},  # held: 1 + 1
    "C03": {"Police": (2, 2), "Health": (1, 0)},  # held: 2 + 2
    "C04": {"Police": (1, 0), "Health": (2, 1)},  # held: 2 + 1
}


def attendance(meetings_frame: pd.DataFrame | None = None) -> pd.DataFrame:
    from cluster_inquiry.data.partnerships import PARTNER_TYPES

    m = meetings() if meetings_frame is None else meetings_frame
    held = m[m["held"]].groupby(["cluster_code", "meeting_type"]).size()
    rows = []
    for code, partners in ATTENDED.items():
        for k, mtype in enumerate(("cluster_partnership", "guidance_support")):
            n = int(held.get((code, mtype), 0))
            for partner in PARTNER_TYPES:
                attended = partners.get(partner, (n, n))[k] if partner in partners else n
                rows.append((code, mtype, partner, n, attended))
    out = pd.DataFrame(rows, columns=["cluster_code", "meeting_type", "partner_type", "meetings_held", "meetings_attended"])
    out["data_status"] = "illustrative"
    return out


def sharing() -> pd.DataFrame:
    out = pd.DataFrame(
        [
            ("C01", "C02", "Joint training", "2012-01"),
            ("C01", "C02", "Shared post", "2012-05"),
            ("C01", "C03", "Practice exchange", "2013-02"),
        ],
        columns=["cluster_a", "cluster_b", "activity", "started"],
    )
    out["data_status"] = "illustrative"
    return out


def frames() -> dict[str, pd.DataFrame]:
    return {
        "clusters": clusters(),
        "cluster_reporting": reporting(),
        "meetings": meetings(),
        "partner_attendance": attendance(),
        "cluster_sharing": sharing(),
    }


def context() -> Context:
    return Context(project_paths(), frames(), boundaries=None)
