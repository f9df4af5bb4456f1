"""Indicator definitions and cluster/city indicator tables (with intervals and comparisons).

Every indicator is a numerator over a denominator. Rates per 10,000 children use Byar's or the
exact Poisson interval (PHE rule: exact below 10); percentages use Wilson score intervals.
Each cluster is compared with the city value, Fingertips-style, at 95% and 99.8%.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cluster_inquiry.stats import methods


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    short: str
    unit: str
    multiplier: float
    polarity: str  # high_is_good | low_is_good | no_judgement
    method: str  # rate | proportion
    definition: str
    numerator_label: str
    denominator_label: str
    #: decimal places of the published value; ranks, bands and ties use this precision
    decimals: int = 1
    #: what period a value "at" month YYYY-MM covers (see :func:`period_covered`)
    period_rule: str = "month_end"  # month_end | academic_year_to_date | month
    # the rest of the Fingertips metadata form (the definitions page, cluster_inquiry.pages.definitions)
    period: str = "Monthly, April 2012 to March 2014; the book compares September 2013 with the like period a year earlier"
    source: str = ("Illustrative cluster dataset made by this project's generator (data/clusters/key_indicators.csv), "
                   "modelled on real IMD 2015 and mid-2012 populations")
    caveats: str = ""
    status: str = "illustrative"  # of the cluster values (figures.STATUS_LABEL)

    @property
    def ci_method(self) -> str:
        if self.method == "rate":
            return ("Byar's method for the 95% and 99.8% intervals of a rate; the exact Poisson interval when the "
                    "count is below 10 (PHE's rule).")
        if self.code == "ATTEND_PCT":
            return ("Wilson score interval, 95% and 99.8%, on the effective number of sessions: possible sessions "
                    "divided by a design effect for sessions clustered within pupils (methods.attendance_ci).")
        return "Wilson score interval, 95% and 99.8%."

    @property
    def calculation(self) -> str:
        if self.method == "rate":
            return f"Numerator ÷ denominator × {self.multiplier:,.0f}, for each cluster and for the city (summed numerators ÷ summed denominators)."
        return "Numerator ÷ denominator × 100, for each cluster and for the city (summed numerators ÷ summed denominators)."

    @property
    def polarity_text(self) -> str:
        return {
            "low_is_good": "Lower is better: a cluster significantly below the city is marked better.",
            "high_is_good": "Higher is better: a cluster significantly above the city is marked better.",
            "no_judgement": "No judgement: neither high nor low is better in itself, so clusters are marked higher, "
                            "similar or lower than the city, not better or worse.",
        }[self.polarity]


#: how a cluster's 0–17 denominator is made (it is estimated, not a published count)
DENOMINATOR_0_17 = (
    "A cluster's children aged 0–17 are estimated: its real 0–15s (mid-2012 LSOA sums) plus a share of the "
    "city's real 16–17s in proportion to its 0–15s, because no count of 16–17-year-olds by LSOA is published."
)


INDICATORS: dict[str, Indicator] = {
    i.code: i
    for i in (
        Indicator(
            "LAC_RATE", "Looked-after children per 10,000 children aged 0–17", "Looked-after children",
            "per 10,000", 10_000, "low_is_good", "rate",
            "Children looked after by the council at the end of the month, per 10,000 resident children aged 0–17 (mid-2012). "
            + DENOMINATOR_0_17,
            "looked-after children", "children aged 0–17",
            caveats="The city totals match DfE's published Leeds figures at 31 March 2013 and 2014 (real); the split "
                    "between clusters is illustrative. A child counts in the cluster of their home address.",
        ),
        Indicator(
            "CPP_RATE", "Child-protection plans per 10,000 children aged 0–17", "Child-protection plans",
            "per 10,000", 10_000, "no_judgement", "rate",
            "Children subject of a child-protection plan at the end of the month, per 10,000 children aged 0–17. "
            + DENOMINATOR_0_17 + " "
            "Neither a high nor a low rate is good in itself, so no better/worse judgement is made.",
            "children on a plan", "children aged 0–17",
            caveats="The city totals match DfE's published Leeds figures at 31 March 2013 and 2014 (real); the split "
                    "between clusters is illustrative.",
        ),
        Indicator(
            "NEET_PCT", "Young people not in education, employment or training (%)", "NEET",
            "%", 100, "low_is_good", "proportion",
            "Young people of academic age 16–18 known to be NEET, as a percentage of the cohort.",
            "NEET young people", "16–18 cohort",
            caveats="Cluster values are illustrative; the city rate is kept near the 6.0% reported for Leeds.",
        ),
        Indicator(
            "ATTEND_PCT", "School attendance (% of sessions attended, academic year to date)", "Attendance",
            "%", 100, "high_is_good", "proportion",
            "Half-day sessions attended as a percentage of possible sessions, academic year to date: from 1 September "
            "to the end of the month named (DfE's convention), with the possible sessions of exactly those months.",
            "sessions attended", "possible sessions", period_rule="academic_year_to_date",
            caveats="Academic year to date, so a September value covers September alone; there are no school "
                    "sessions in August. Illustrative.",
        ),
        Indicator(
            "PA_PCT", "Persistent absence (% of pupils)", "Persistent absence",
            "%", 100, "low_is_good", "proportion",
            "Pupils missing 15% or more of their possible sessions from 1 September to the end of the month named "
            "(academic year to date), as a percentage of pupils on roll.",
            "persistently absent pupils", "pupils on roll", period_rule="academic_year_to_date",
            caveats="15% of sessions was DfE's threshold in 2013; it has been 10% since 2015/16, so later published "
                    "figures are not comparable. Academic year to date. Illustrative.",
        ),
    )
}

#: the "three obsessions" and the indicator that measures each
OBSESSIONS = {
    "Fewer looked-after children": "LAC_RATE",
    "Higher school attendance": "ATTEND_PCT",
    "Fewer young people NEET": "NEET_PCT",
}


# ----------------------------------------------------------------------------- periods: one definition


_MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December"]

#: School days per calendar month in the book's school calendar (illustrative: a typical Leeds
#: year of 190 days, the statutory minimum; no teaching in August). The possible sessions of a
#: pupil in a month are twice its school days (a morning and an afternoon session).
SCHOOL_DAYS = {9: 19, 10: 17, 11: 22, 12: 15, 1: 19, 2: 15, 3: 16, 4: 13, 5: 18, 6: 20, 7: 16, 8: 0}
SESSIONS_PER_DAY = 2

#: Attendance of one month alone: the monthly tracker's figure (Appendix C, the profiles' tracker).
MONTHLY_ATTENDANCE_LABEL = "School attendance in the month (% of that month's possible sessions)"
MONTHLY_ATTENDANCE_DEFINITION = (
    "Half-day sessions attended in the month named, as a percentage of that month's possible sessions (the month "
    "alone, not the year to date). Not applicable (z) in August."
)


def month_name(period: str) -> str:
    """``2013-09`` → ``September 2013``."""
    year, mon = period.split("-")
    return f"{_MONTH_NAMES[int(mon) - 1]} {year}"


def academic_year_start(period: str) -> str:
    """The September that opens ``period``'s academic year (DfE: the year runs from 1 September)."""
    year, mon = (int(v) for v in period.split("-"))
    return f"{year if mon >= 9 else year - 1}-09"


def year_to_date_months(period: str) -> list[str]:
    """The months from 1 September of the academic year to the end of ``period``, in order."""
    return [str(m) for m in pd.period_range(academic_year_start(period), period, freq="M")]


def possible_sessions_per_pupil(period: str) -> int:
    """Possible sessions per pupil from 1 September to the end of ``period`` (the school calendar)."""
    return SESSIONS_PER_DAY * sum(SCHOOL_DAYS[int(m[5:])] for m in year_to_date_months(period))


def period_covered(code: str, period: str) -> str:
    """What a value of indicator ``code`` "at" ``period`` covers, in words (the one definition).

    Year-to-date indicators cover 1 September of the academic year to the end of the month
    (``1 September 2012 to 30 April 2013``); stocks are counted at the end of the month.
    """
    ind = INDICATORS[code]
    end = pd.Period(period, freq="M").end_time
    if ind.period_rule == "academic_year_to_date":
        start = pd.Period(academic_year_start(period), freq="M").start_time
        return (f"academic year to date, 1 {_MONTH_NAMES[start.month - 1]} {start.year} to "
                f"{end.day} {_MONTH_NAMES[end.month - 1]} {end.year}")
    return f"at {end.day} {_MONTH_NAMES[end.month - 1]} {end.year}"


def like_period(period: str) -> str:
    """The period a direction of travel compares ``period`` with: the same month a year earlier.

    For a year-to-date figure that is the same months of the previous academic year (September
    2013 year to date against September 2012 year to date); for a month-end count, the same
    point of the year, so seasonality cancels in both.
    """
    p = pd.Period(period, freq="M") - 12
    return str(p)


def comparison_basis(code: str, previous: str, period: str) -> str:
    """How two periods are compared, in words; refuses periods that are not alike."""
    if like_period(period) != previous:
        raise ValueError(
            f"direction of travel compares like periods only: {month_name(period)} with {month_name(like_period(period))}, "
            f"not {month_name(previous)}"
        )
    ind = INDICATORS[code]
    if ind.period_rule == "academic_year_to_date":
        a, b = year_to_date_months(previous), year_to_date_months(period)
        months = month_name(a[0]).split()[0] if len(a) == 1 else f"{month_name(a[0]).split()[0]} to {month_name(a[-1]).split()[0]}"
        return f"the same months a year apart ({months} of each academic year, year to date)"
    return "the same month a year apart (end of month)"


# ----------------------------------------------------------------------------- intervals


def select(key_indicators: pd.DataFrame, code: str, period: str) -> pd.DataFrame:
    """The rows of one indicator in one period; attendance also gets the same period's pupils and
    persistent absentees (``pupils``, ``persistent``), which its interval needs."""
    ki = key_indicators
    sel = ki[(ki["indicator_code"] == code) & (ki["period"] == period)].copy()
    if code == "ATTEND_PCT":
        pa = ki[(ki["indicator_code"] == "PA_PCT") & (ki["period"] == period)]
        pa = pa[["cluster_code", "numerator", "denominator"]].rename(columns={"numerator": "persistent", "denominator": "pupils"})
        sel = sel.merge(pa, on="cluster_code", how="left", validate="1:1")
        if sel["pupils"].isna().any():
            missing = ", ".join(sel.loc[sel["pupils"].isna(), "cluster_code"])
            raise ValueError(f"key_indicators: ATTEND_PCT {period} needs a PA_PCT row in the same period ({missing})")
    return sel


def add_intervals(df: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """Add value, 95% and 99.8% limits to a frame with ``numerator`` and ``denominator``.

    Attendance (sessions, clustered within pupils) also needs ``pupils`` and ``persistent``
    (see :func:`select`) and uses :func:`methods.attendance_ci`; its design effect is ``deff``.
    """
    out = df.copy()
    num = out["numerator"].astype(float).to_numpy()
    den = out["denominator"].astype(float).to_numpy()
    for level, tag in ((0.95, "95"), (0.998, "998")):
        if indicator.method == "rate":
            value, lo, hi = methods.rate_ci(num, den, indicator.multiplier, level)
        else:
            if indicator.code == "ATTEND_PCT":
                if not {"pupils", "persistent"} <= set(out.columns):
                    raise ValueError("attendance intervals need pupils and persistent absentees (indicators.select)")
                lo, hi, deff = methods.attendance_ci(num, den, out["pupils"].astype(float).to_numpy(),
                                                   out["persistent"].astype(float).to_numpy(), level)
                out["deff"] = deff
            else:
                lo, hi = methods.wilson_ci(num, den, level)
            value = num / den * indicator.multiplier
            lo, hi = np.asarray(lo) * indicator.multiplier, np.asarray(hi) * indicator.multiplier
        out["value"] = np.asarray(value, dtype=float)
        out[f"lower{tag}"] = np.asarray(lo, dtype=float)
        out[f"upper{tag}"] = np.asarray(hi, dtype=float)
    return out


def city_row(df: pd.DataFrame) -> dict[str, float]:
    """The city value: the sum of numerators over the sum of denominators (and of pupils and
    persistent absentees, for attendance)."""
    out = {"numerator": float(df["numerator"].sum()), "denominator": float(df["denominator"].sum())}
    for col in ("pupils", "persistent"):
        if col in df.columns:
            out[col] = float(df[col].sum())
    return out


def displayed(values, code: str) -> np.ndarray:
    """Values at the published precision of ``code`` (what the reader sees); NaN stays NaN."""
    return np.round(np.asarray(values, dtype=float), INDICATORS[code].decimals)


def indicator_table(key_indicators: pd.DataFrame, clusters: pd.DataFrame, code: str, period: str) -> pd.DataFrame:
    """One indicator for every cluster in one period: value, CIs, comparison with city, band, rank.

    Comparisons, bands and ranks use the published precision (:func:`displayed`): equal shown
    values share a rank and a band, and a comparison can be checked from the interval shown.
    """
    ind = INDICATORS[code]
    sel = select(key_indicators, code, period)
    sel = sel.merge(clusters[["cluster_code", "cluster_name", "area"]], on="cluster_code", validate="1:1")
    table = add_intervals(sel, ind)
    city = city_row(sel)
    city_value = city["numerator"] / city["denominator"] * ind.multiplier
    table["city_value"] = city_value
    # compared at the published precision, so every verdict can be checked from the numbers shown
    d = {c: displayed(table[c], code) for c in ("value", "lower95", "upper95", "lower998", "upper998")}
    table["comparison"] = methods.compare_to_benchmark(
        d["value"], d["lower95"], d["upper95"], displayed(city_value, code), ind.polarity, d["lower998"], d["upper998"]
    ).tolist()
    shown = d["value"]
    table["quartile_band"] = methods.quartile_band(shown, ind.polarity, displayed_cut_points(shown, code)) if ind.polarity != "no_judgement" else "-"
    table["rank"] = methods.rank(pd.Series(shown, index=table.index), ind.polarity) if ind.polarity != "no_judgement" else pd.NA
    return table.sort_values("cluster_code").reset_index(drop=True)


def displayed_cut_points(shown, code: str):
    """Quartile cut points of the displayed values, themselves at the published precision (or None)."""
    cuts = methods.quartile_cut_points(shown)
    return None if cuts is None else displayed(cuts, code)


def tracker_series(tracker: pd.DataFrame, clusters: pd.DataFrame) -> pd.DataFrame:
    """The monthly tracker in long form with the three obsessions' values per cluster and month."""
    t = tracker.merge(clusters[["cluster_code", "cluster_name", "area"]], on="cluster_code")
    t["neet_pct"] = t["neet_count"] / t["neet_cohort"] * 100
    return t.sort_values(["cluster_code", "month"]).reset_index(drop=True)


def city_tracker(tracker: pd.DataFrame) -> pd.DataFrame:
    """City totals per month (looked-after children and plans are sums; rates are pooled)."""
    g = tracker.groupby("month")
    out = g[["lac_count", "cpp_count", "neet_count", "neet_cohort", "pupils_on_roll"]].sum()
    weighted = (tracker["attendance_pct"] * tracker["pupils_on_roll"]).groupby(tracker["month"]).sum(min_count=1)
    out["attendance_pct"] = weighted / out["pupils_on_roll"]
    out["neet_pct"] = out["neet_count"] / out["neet_cohort"] * 100
    return out.reset_index()


def cross_checks(frames: dict[str, pd.DataFrame]) -> list[tuple[str, int | str, str, str]]:
    """Contract rules for year-to-date attendance in ``key_indicators.csv`` (file, row, column, rule).

    An ``ATTEND_PCT`` row needs the same cluster's ``PA_PCT`` row in the same period (its pupils
    and persistent absentees give the interval's design effect), and its possible sessions can be
    at most two per weekday from 1 September of the academic year to the end of the period per
    pupil on roll: a one-month "year to date" counted over a full year's sessions is refused.
    """
    ki = frames.get("key_indicators")
    if ki is None or not {"indicator_code", "period", "cluster_code", "denominator"} <= set(ki.columns):
        return []
    out = []
    pa = ki[ki["indicator_code"] == "PA_PCT"].set_index(["cluster_code", "period"])["denominator"]
    pa = pa[~pa.index.duplicated()]
    for idx, row in ki[ki["indicator_code"] == "ATTEND_PCT"].iterrows():
        key = (row["cluster_code"], row["period"])
        try:
            start = pd.Period(academic_year_start(str(row["period"])), freq="M").start_time
            end = pd.Period(str(row["period"]), freq="M").end_time
        except (ValueError, IndexError):
            continue  # a malformed period is reported by the schema
        if key not in pa.index:
            out.append(("key_indicators.csv", idx + 2, "indicator_code",
                        f"ATTEND_PCT for {key[0]} {key[1]} needs a PA_PCT row (pupils on roll) for the same period"))
            continue
        weekdays = int(np.busday_count(start.date(), (end + pd.Timedelta(days=1)).date()))
        most = SESSIONS_PER_DAY * weekdays * float(pa[key])
        if float(row["denominator"]) > most:
            out.append(("key_indicators.csv", idx + 2, "denominator",
                        f"possible sessions {int(row['denominator']):,} exceed 2 per weekday from 1 {start:%B %Y} to "
                        f"{end.day} {end:%B %Y} for {int(pa[key]):,} pupils ({int(most):,}): year to date starts 1 September"))
    return out
