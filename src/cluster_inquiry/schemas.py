"""The input data contract, encoded as pandera schemas (documented in docs/data-contract.md).

Each input table is a UTF-8 CSV (no byte-order mark, comma-delimited) in ``data/clusters/``.
The shipped files are illustrative; a council replaces them with its own extracts in the same
shape. Column-level rules live in the schemas; rules that span rows or tables (keys, city
totals, complete months) live in :mod:`cluster_inquiry.validation`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

from . import partnerships

AREAS = ["ENE", "SE", "WNW"]
GOVERNANCE_FORMS = ["Trust", "Joint Collaborative Committee", "Informal"]
DATA_STATUS = ["illustrative", "real"]
CLUSTER_CODE = r"^C\d{2}$"
LSOA_CODE = r"^E01\d{6}$"
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
FIRST_MONTH, LAST_MONTH = "2012-04", "2014-03"
INDICATOR_CODES = ["LAC_RATE", "CPP_RATE", "NEET_PCT", "ATTEND_PCT", "PA_PCT"]


def _count(nullable: bool = False, **kw) -> pa.Column:
    return pa.Column("Int64", pa.Check.ge(0, error="must be a count of 0 or more"), nullable=nullable, **kw)


def _code() -> pa.Column:
    return pa.Column(str, pa.Check.str_matches(CLUSTER_CODE, error="must be a cluster code like C07"))


def _status() -> pa.Column:
    return pa.Column(str, pa.Check.isin(DATA_STATUS, error=f"must be one of {DATA_STATUS}"))


def _in_period() -> list[pa.Check]:
    return [
        pa.Check.str_matches(MONTH, error="must be a month written YYYY-MM"),
        pa.Check(
            lambda s: (s >= FIRST_MONTH) & (s <= LAST_MONTH),
            element_wise=False,
            error=f"must be within the reporting period {FIRST_MONTH} to {LAST_MONTH}",
        ),
    ]


@dataclass(frozen=True)
class TableSpec:
    """One input table of the contract."""

    name: str
    schema: pa.DataFrameSchema
    key: tuple[str, ...]
    description: str
    #: columns that hold counts subject to disclosure control
    count_columns: tuple[str, ...] = field(default_factory=tuple)

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"


CLUSTERS = TableSpec(
    "clusters",
    pa.DataFrameSchema(
        {
            "cluster_code": _code(),
            "cluster_name": pa.Column(str, pa.Check.str_length(1, 80, error="must be 1–80 characters")),
            "area": pa.Column(str, pa.Check.isin(AREAS, error=f"must be one of {AREAS}")),
            "governance": pa.Column(str, pa.Check.isin(GOVERNANCE_FORMS, error=f"must be one of {GOVERNANCE_FORMS}")),
            "chair_role": pa.Column(str, pa.Check.str_length(1, 80, error="must be 1–80 characters")),
            "has_cluster_manager": pa.Column(bool),
            "elected_members": pa.Column("Int64", pa.Check.in_range(0, 2, error="must be 0, 1 or 2")),
            "name_basis": pa.Column(str, nullable=True),
            "data_status": _status(),
        },
        strict=True,
        ordered=False,
    ),
    key=("cluster_code",),
    description="One row per cluster: name, children's-services area, governance form, roles.",
)

LOOKUP = TableSpec(
    "lsoa_cluster_lookup",
    pa.DataFrameSchema(
        {
            "lsoa11cd": pa.Column(str, pa.Check.str_matches(LSOA_CODE, error="must be a 2011 LSOA code like E01011698")),
            "cluster_code": _code(),
        },
        strict=True,
    ),
    key=("lsoa11cd",),
    description="Which cluster each 2011 LSOA belongs to (every Leeds LSOA exactly once).",
)

POPULATION = TableSpec(
    "cluster_population",
    pa.DataFrameSchema(
        {
            "cluster_code": _code(),
            "pop_total": _count(),
            "pop_0_15": _count(),
            "pop_16_17": _count(),
            "pop_0_17": _count(),
            "pop_16_19": _count(),
            "pop_0_19": _count(),
            "lsoa_count": pa.Column("Int64", pa.Check.ge(1, error="must be at least 1")),
            "pop_source": pa.Column(str, nullable=True),
        },
        checks=[
            pa.Check(lambda d: d["pop_0_17"] == d["pop_0_15"] + d["pop_16_17"], error="pop_0_17 must equal pop_0_15 + pop_16_17"),
            pa.Check(lambda d: d["pop_0_17"] <= d["pop_total"], error="pop_0_17 cannot exceed pop_total"),
        ],
        strict=True,
    ),
    key=("cluster_code",),
    description="Cluster population (denominators for rates per 10,000 children).",
)

TRACKER = TableSpec(
    "obsessions_monthly",
    pa.DataFrameSchema(
        {
            "cluster_code": _code(),
            "month": pa.Column(str, _in_period()),
            "lac_count": _count(),
            "cpp_count": _count(),
            "pupils_on_roll": _count(),
            "attendance_pct": pa.Column(
                float, pa.Check.in_range(0, 100, error="must be a percentage between 0 and 100"), nullable=True
            ),
            "persistent_absentees": _count(nullable=True),
            "neet_count": _count(),
            "neet_cohort": _count(),
            "data_status": _status(),
        },
        checks=[
            pa.Check(
                lambda d: d["neet_count"] <= d["neet_cohort"],
                error="neet_count cannot be larger than its denominator neet_cohort",
            ),
            pa.Check(
                lambda d: d["persistent_absentees"].isna() | (d["persistent_absentees"] <= d["pupils_on_roll"]),
                error="persistent_absentees cannot be larger than its denominator pupils_on_roll",
            ),
            pa.Check(
                lambda d: d["attendance_pct"].notna() | d["month"].str.endswith("-08"),
                error="attendance_pct may be blank only in August (school holidays)",
            ),
        ],
        strict=True,
    ),
    key=("cluster_code", "month"),
    description="Monthly tracker of the three obsessions per cluster, April 2012 to March 2014.",
    count_columns=("lac_count", "cpp_count", "persistent_absentees", "neet_count"),
)

KEY_INDICATORS = TableSpec(
    "key_indicators",
    pa.DataFrameSchema(
        {
            "cluster_code": _code(),
            "period": pa.Column(str, _in_period()),
            "indicator_code": pa.Column(str, pa.Check.isin(INDICATOR_CODES, error=f"must be one of {INDICATOR_CODES}")),
            "numerator": _count(),
            "denominator": pa.Column("Int64", pa.Check.gt(0, error="must be a positive denominator")),
            "data_status": _status(),
        },
        checks=[pa.Check(lambda d: d["numerator"] <= d["denominator"], error="numerator cannot be larger than denominator")],
        strict=True,
    ),
    key=("cluster_code", "period", "indicator_code"),
    description="Cluster key indicators at the dashboard dates (April and September 2013).",
    count_columns=("numerator",),
)

# --- partnership tables (chapters 1 and 3, Appendix F): academic year 2012/13 --------------------
DATE = r"^\d{4}-\d{2}-\d{2}$"
_MEETING_LEVEL = {m.code: m.level for m in partnerships.MEETING_TYPES.values()}


def _in_year() -> list[pa.Check]:
    return [
        pa.Check.str_matches(DATE, error="must be a date written YYYY-MM-DD"),
        pa.Check(
            lambda s: pd.to_datetime(s, format="%Y-%m-%d", errors="coerce").notna(),
            element_wise=False, error="must be a real calendar date",
        ),
        pa.Check(
            lambda s: (s >= partnerships.YEAR_START) & (s <= partnerships.YEAR_END),
            element_wise=False,
            error=f"must be within the {partnerships.YEAR_LABEL} ({partnerships.YEAR_START} to {partnerships.YEAR_END})",
        ),
    ]


def _level_rule(d: pd.DataFrame) -> pd.Series:
    level = d["meeting_type"].map(_MEETING_LEVEL)
    has_cluster, has_area = d["cluster_code"].notna(), d["area"].notna()
    return (
        ((level == "cluster") & has_cluster & has_area)
        | ((level == "area") & ~has_cluster & has_area)
        | ((level == "city") & ~has_cluster & ~has_area)
        | level.isna()  # an unknown meeting_type is reported by its own rule
    )


CLUSTER_REPORTING = TableSpec(
    "cluster_reporting",
    pa.DataFrameSchema(
        {
            "cluster_code": _code(),
            "body": pa.Column(str, pa.Check.isin(partnerships.REPORTING_BODIES, error=f"must be one of {partnerships.REPORTING_BODIES}")),
            "route": pa.Column(str, pa.Check.isin(partnerships.ROUTES, error=f"must be one of {partnerships.ROUTES}")),
            "reports_due": _count(),
            "reports_made": _count(),
            "data_status": _status(),
        },
        checks=[
            pa.Check(lambda d: d["reports_made"] <= d["reports_due"], error="reports_made cannot be more than reports_due"),
            pa.Check(
                lambda d: (d["body"] != partnerships.AREA_PARTNERSHIP) | (d["route"] == partnerships.DIRECT),
                error="route must be direct when body is Area partnership",
            ),
        ],
        strict=True,
    ),
    key=("cluster_code", "body"),
    description="Each cluster's reporting lines (area partnership, Children's Trust Board, Schools Forum), 2012/13.",
)

MEETINGS = TableSpec(
    "meetings",
    pa.DataFrameSchema(
        {
            "meeting_id": pa.Column(str, pa.Check.str_matches(r"^M\d{4}$", error="must be a meeting id like M0001")),
            "meeting_type": pa.Column(
                str, pa.Check.isin(list(partnerships.MEETING_TYPES), error=f"must be one of {list(partnerships.MEETING_TYPES)}")
            ),
            "area": pa.Column(str, pa.Check.isin(AREAS, error=f"must be one of {AREAS}"), nullable=True),
            "cluster_code": pa.Column(
                str, pa.Check.str_matches(CLUSTER_CODE, error="must be a cluster code like C07"), nullable=True
            ),
            "planned_date": pa.Column(str, _in_year()),
            "held": pa.Column(bool),
            "data_status": _status(),
        },
        checks=[
            pa.Check(
                _level_rule,
                error="cluster meetings need cluster_code and area; area meetings need area and a blank cluster_code; "
                "city meetings leave both blank (meeting_type)",
            ),
        ],
        strict=True,
    ),
    key=("meeting_id",),
    description="The meeting register: every planned city, area and cluster meeting of 2012/13, held or not.",
)

PARTNER_ATTENDANCE = TableSpec(
    "partner_attendance",
    pa.DataFrameSchema(
        {
            "cluster_code": _code(),
            "meeting_type": pa.Column(
                str,
                pa.Check.isin(partnerships.CLUSTER_MEETING_TYPES, error=f"must be one of {partnerships.CLUSTER_MEETING_TYPES}"),
            ),
            "partner_type": pa.Column(str, pa.Check.isin(partnerships.PARTNER_TYPES, error=f"must be one of {partnerships.PARTNER_TYPES}")),
            "meetings_held": _count(),
            "meetings_attended": _count(),
            "data_status": _status(),
        },
        checks=[
            pa.Check(
                lambda d: d["meetings_attended"] <= d["meetings_held"],
                error="meetings_attended cannot be more than meetings_held",
            )
        ],
        strict=True,
    ),
    key=("cluster_code", "meeting_type", "partner_type"),
    description="How many of each cluster's held meetings each partner type attended, 2012/13.",
)

CLUSTER_SHARING = TableSpec(
    "cluster_sharing",
    pa.DataFrameSchema(
        {
            "cluster_a": pa.Column(str, pa.Check.str_matches(CLUSTER_CODE, error="must be a cluster code like C07")),
            "cluster_b": pa.Column(str, pa.Check.str_matches(CLUSTER_CODE, error="must be a cluster code like C07")),
            "activity": pa.Column(
                str, pa.Check.isin(partnerships.SHARING_ACTIVITIES, error=f"must be one of {partnerships.SHARING_ACTIVITIES}")
            ),
            "started": pa.Column(
                str,
                [
                    pa.Check.str_matches(MONTH, error="must be a month written YYYY-MM"),
                    pa.Check(lambda s: s <= partnerships.YEAR_END[:7], element_wise=False, error="must not be after 2013-08"),
                ],
            ),
            "data_status": _status(),
        },
        checks=[
            pa.Check(
                lambda d: d["cluster_a"] < d["cluster_b"],
                error="cluster_a must come before cluster_b (each pair once, in code order; no cluster paired with itself)",
            )
        ],
        strict=True,
    ),
    key=("cluster_a", "cluster_b", "activity"),
    description="Joint work and shared practice between pairs of clusters (an undirected network).",
)

#: every input table, in the order they are checked
TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        CLUSTERS, LOOKUP, POPULATION, TRACKER, KEY_INDICATORS,
        CLUSTER_REPORTING, MEETINGS, PARTNER_ATTENDANCE, CLUSTER_SHARING,
    )
}
