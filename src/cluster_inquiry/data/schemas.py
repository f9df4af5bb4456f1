"""The input data contract, encoded as pandera schemas (documented in docs/data-contract.md).

Each input table is a UTF-8 CSV (no byte-order mark, comma-delimited) in ``data/clusters/``.
The shipped files are illustrative; a council replaces them with its own extracts in the same
shape. Column-level rules live in the schemas; rules that span rows or tables (keys, city
totals, complete months) live in :mod:`cluster_inquiry.data.validation`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pandera.pandas as pa

from cluster_inquiry.data import partnerships
from cluster_inquiry.pages import funding

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


def _code(nullable: bool = False) -> pa.Column:
    return pa.Column(str, pa.Check.str_matches(CLUSTER_CODE, error="must be a cluster code like C07"), nullable=nullable)


def _one_of(values: list[str], nullable: bool = False) -> pa.Column:
    """A text column whose every value is one of ``values`` (the error lists them)."""
    return pa.Column(str, pa.Check.isin(values, error=f"must be one of {values}"), nullable=nullable)


def _status() -> pa.Column:
    return _one_of(DATA_STATUS)


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
    #: the folder under ``data/`` holding the file: ``clusters`` (the council's extracts, replaceable
    #: with ``validate --data-dir``) or ``inquiry`` (the inquiry's record)
    folder: str = "clusters"

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"


CLUSTERS = TableSpec(
    "clusters",
    pa.DataFrameSchema(
        {
            "cluster_code": _code(),
            "cluster_name": pa.Column(str, pa.Check.str_length(1, 80, error="must be 1–80 characters")),
            "area": _one_of(AREAS),
            "governance": _one_of(GOVERNANCE_FORMS),
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
            "indicator_code": _one_of(INDICATOR_CODES),
            "numerator": _count(),
            "denominator": pa.Column("Int64", pa.Check.gt(0, error="must be a positive denominator")),
            "data_status": _status(),
        },
        checks=[pa.Check(lambda d: d["numerator"] <= d["denominator"], error="numerator cannot be larger than denominator")],
        strict=True,
    ),
    key=("cluster_code", "period", "indicator_code"),
    description="Cluster key indicators at the dashboard dates (September 2012, April and September 2013).",
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
            "body": _one_of(partnerships.REPORTING_BODIES),
            "route": _one_of(partnerships.ROUTES),
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
            "meeting_type": _one_of(list(partnerships.MEETING_TYPES)),
            "area": _one_of(AREAS, nullable=True),
            "cluster_code": _code(nullable=True),
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
            "meeting_type": _one_of(partnerships.CLUSTER_MEETING_TYPES),
            "partner_type": _one_of(partnerships.PARTNER_TYPES),
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
            "cluster_a": _code(),
            "cluster_b": _code(),
            "activity": _one_of(partnerships.SHARING_ACTIVITIES),
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

# --- context and funding tables (chapters 4 and 5, Appendix G) -----------------------------------


def _pounds() -> pa.Column:
    return pa.Column("Int64", pa.Check.ge(0, error="must be whole pounds, 0 or more"))


DEMOGRAPHICS = TableSpec(
    "cluster_demographics",
    pa.DataFrameSchema(
        {
            "cluster_code": _code(),
            "pupils_on_roll": pa.Column("Int64", pa.Check.gt(0, error="must be a positive count")),
            "pupils_bme": _count(),
            "pupils_eal": _count(),
            "children_0_15": pa.Column("Int64", pa.Check.gt(0, error="must be a positive count")),
            "children_low_income": _count(),
            "data_status": _status(),
        },
        checks=[
            pa.Check(lambda d: d["pupils_bme"] <= d["pupils_on_roll"], error="pupils_bme cannot be larger than pupils_on_roll"),
            pa.Check(lambda d: d["pupils_eal"] <= d["pupils_on_roll"], error="pupils_eal cannot be larger than pupils_on_roll"),
            pa.Check(
                lambda d: d["children_low_income"] <= d["children_0_15"],
                error="children_low_income cannot be larger than children_0_15",
            ),
        ],
        strict=True,
    ),
    key=("cluster_code",),
    description="Pupils from minority ethnic groups and with English as an additional language (January 2013); "
    "children aged 0–15 in low-income families (2012).",
    count_columns=("pupils_bme", "pupils_eal", "children_low_income"),
)

FUNDING = TableSpec(
    "cluster_funding",
    pa.DataFrameSchema(
        {
            "cluster_code": _code(),
            "financial_year": _one_of(list(funding.FINANCIAL_YEARS)),
            "allocation_base_gbp": _pounds(),
            "allocation_population_gbp": _pounds(),
            "allocation_deprivation_gbp": _pounds(),
            "allocation_gbp": _pounds(),
            "spend_staffing_gbp": _pounds(),
            "spend_services_gbp": _pounds(),
            "spend_other_gbp": _pounds(),
            "data_status": _status(),
        },
        checks=[
            pa.Check(
                lambda d: d["allocation_gbp"]
                == d["allocation_base_gbp"] + d["allocation_population_gbp"] + d["allocation_deprivation_gbp"],
                error="allocation_gbp must equal allocation_base_gbp + allocation_population_gbp + allocation_deprivation_gbp",
            ),
        ],
        strict=True,
    ),
    key=("cluster_code", "financial_year"),
    description="Each cluster's allocation from the £5.2m Schools Forum top-slice and its spend, by financial year.",
)

# ----------------------------------------------------------------------------- the inquiry's record
# Tables in data/inquiry/ (docs/data-contract.md, "The inquiry's record"; issue 8). Sessions,
# evidence and witnesses are the inquiry's record as described in the brief; recommendations and
# case-study notes are illustrative until a council supplies its own.

SESSION_ID = r"^[A-Z]{1,2}\d{0,2}$"
EVIDENCE_ID = r"^[A-Z]{1,2}\d{0,2}-[A-Z]{0,2}\d{1,2}$"
RECOMMENDATION_STATUS = ["not started", "in progress", "achieved", "not achieved"]
EVIDENCE_KINDS = ["dashboard", "tracker", "paper", "appendix", "presentation", "visit", "background"]
VISIT_QUESTIONS = {
    "business_plan": "Business plan and performance management",
    "challenges": "Current challenges",
    "partnership_scope": "Scope of the partnership",
    "other_clusters": "Working with other clusters",
    "difference": "Where the cluster has made a difference",
    "value_for_money": "Value for money",
    "barriers": "Barriers to progress",
}


#: plausible dates (docs/data-contract.md): the inquiry met in 2013–14 and reported in 2014; its
#: recommendations fall due within a few years of that
SESSION_DATES = ("2012-01-01", "2016-12-31")
DUE_DATES = ("2013-01-01", "2020-12-31")


def _real_date(month_allowed: bool, within: tuple[str, str] | None = None) -> list[pa.Check]:
    """A real calendar date written YYYY-MM-DD (or YYYY-MM where only the month is known),
    between ``within`` (first, last) when given."""
    shape = r"^\d{4}-\d{2}(-\d{2})?$" if month_allowed else r"^\d{4}-\d{2}-\d{2}$"
    written = "YYYY-MM-DD (or YYYY-MM when only the month is known)" if month_allowed else "YYYY-MM-DD"

    def real(s: pd.Series) -> pd.Series:
        day = pd.to_datetime(s.where(s.str.len() == 10), format="%Y-%m-%d", errors="coerce")
        month = pd.to_datetime(s.where(s.str.len() == 7), format="%Y-%m", errors="coerce")
        return ~s.str.match(shape) | day.notna() | (month.notna() if month_allowed else False)  # shape reported once

    checks = [
        pa.Check.str_matches(shape, error=f"must be a date written {written}"),
        pa.Check(real, element_wise=False, error=f"must be a real calendar date written {written}"),
    ]
    if within is not None:
        first, last = within
        checks.append(pa.Check(
            lambda s: ~s.str.match(shape) | ((s >= first[: 7]) & (s <= last)),
            element_wise=False, error=f"implausible date: must be between {first} and {last}",
        ))
    return checks


def _text(max_len: int = 400, nullable: bool = False) -> pa.Column:
    return pa.Column(str, pa.Check.str_length(1, max_len, error=f"must be 1–{max_len} characters"), nullable=nullable)


def _session_ref(nullable: bool) -> pa.Column:
    return pa.Column(str, pa.Check.str_matches(SESSION_ID, error="must be a session ID like S2 or WG"), nullable=nullable)


SESSIONS = TableSpec(
    "sessions",
    pa.DataFrameSchema(
        {
            "session_id": _session_ref(False),
            "date": pa.Column(str, _real_date(month_allowed=True, within=SESSION_DATES)),
            "title": _text(120),
            "kind": _text(40),
            "key_areas": _text(1000, nullable=True),
            "basis": _text(),
        },
        strict=True,
    ),
    key=("session_id",),
    description="The inquiry's sessions, visits and meetings (from the inquiry's record).",
    folder="inquiry",
)

EVIDENCE = TableSpec(
    "evidence_documents",
    pa.DataFrameSchema(
        {
            "evidence_id": pa.Column(
                str, pa.Check.str_matches(EVIDENCE_ID, error="must be an evidence ID like S2-D1 or BG-1 (session or group, hyphen, item)")
            ),
            "session_id": _session_ref(True),
            "title": _text(120),
            "kind": _one_of(EVIDENCE_KINDS),
            "description": _text(),
            "cluster_code": _code(nullable=True),
            "source_url": pa.Column(
                str, pa.Check.str_matches(r"^https?://\S+$", error="must be a web address starting http:// or https://"),
                nullable=True,
            ),
            "basis": _text(),
        },
        checks=[
            pa.Check(
                lambda d: (d["kind"] != "visit") | d["cluster_code"].notna(),
                error="a row of kind 'visit' must name the cluster visited in cluster_code",
            ),
            pa.Check(
                lambda d: (d["kind"] == "background") | d["session_id"].notna(),
                error="session_id may be blank only when kind is 'background'",
            ),
        ],
        strict=True,
    ),
    key=("evidence_id",),
    description="The evidence register: every item of evidence, with the ID chapters cite.",
    folder="inquiry",
)

WITNESSES = TableSpec(
    "witnesses",
    pa.DataFrameSchema(
        {
            "witness_id": pa.Column(str, pa.Check.str_matches(r"^W\d{1,2}$", error="must be a witness ID like W3")),
            "role": _text(120),
            "service": _text(120),
            "session_id": _session_ref(True),
            "basis": _text(),
        },
        strict=True,
    ),
    key=("witness_id",),
    description="Witnesses by role (never by name).",
    folder="inquiry",
)

RECOMMENDATIONS = TableSpec(
    "recommendations",
    pa.DataFrameSchema(
        {
            "number": pa.Column("Int64", pa.Check.ge(1, error="must be a recommendation number of 1 or more")),
            "recommendation": _text(600),
            "owner": _text(120),
            "due_date": pa.Column(str, _real_date(month_allowed=False, within=DUE_DATES)),
            "status": _one_of(RECOMMENDATION_STATUS),
            "progress": _text(600, nullable=True),
            "evidence_ids": pa.Column(
                str,
                pa.Check.str_matches(
                    r"^[A-Z0-9-]+(;[A-Z0-9-]+)*$", error="must be evidence IDs separated by semicolons, e.g. S2-D1;S3-V1"
                ),
                nullable=True,
            ),
            "data_status": _status(),
        },
        checks=[
            pa.Check(
                lambda d: (d["status"] == "not started") | d["progress"].notna(),
                error="progress may be blank only when status is 'not started'",
            ),
        ],
        strict=True,
    ),
    key=("number",),
    description="The recommendations tracker: number, text, owner, due date, status and evidence of progress.",
    folder="inquiry",
)

CASE_STUDY_NOTES = TableSpec(
    "case_study_notes",
    pa.DataFrameSchema(
        {
            "cluster_code": _code(),
            "question": _one_of(list(VISIT_QUESTIONS)),
            "answer": _text(1500),
            "data_status": _status(),
        },
        strict=True,
    ),
    key=("cluster_code", "question"),
    description="What each visited cluster said in answer to the seven deep-dive questions.",
    folder="inquiry",
)

#: every input table, in the order they are checked
TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        CLUSTERS, LOOKUP, POPULATION, TRACKER, KEY_INDICATORS,
        CLUSTER_REPORTING, MEETINGS, PARTNER_ATTENDANCE, CLUSTER_SHARING,
        DEMOGRAPHICS, FUNDING,
        SESSIONS, EVIDENCE, WITNESSES, RECOMMENDATIONS, CASE_STUDY_NOTES,
    )
}
