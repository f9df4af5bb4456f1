"""Indicator definitions and cluster/city indicator tables (with intervals and comparisons).

Every indicator is a numerator over a denominator. Rates per 10,000 children use Byar's or the
exact Poisson interval (PHE rule: exact below 10); percentages use Wilson score intervals.
Each cluster is compared with the city value, Fingertips-style, at 95% and 99.8%.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import stats


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
    # the rest of the Fingertips metadata form (the definitions page, cluster_inquiry.definitions)
    period: str = "Monthly, April 2012 to March 2014; the book compares April and September 2013"
    source: str = ("Illustrative cluster dataset made by this project's generator (data/clusters/key_indicators.csv), "
                   "modelled on real IMD 2015 and mid-2012 populations")
    caveats: str = ""
    status: str = "illustrative"  # of the cluster values (figures.STATUS_LABEL)

    @property
    def ci_method(self) -> str:
        if self.method == "rate":
            return ("Byar's method for the 95% and 99.8% intervals of a rate; the exact Poisson interval when the "
                    "count is below 10 (PHE's rule).")
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


INDICATORS: dict[str, Indicator] = {
    i.code: i
    for i in (
        Indicator(
            "LAC_RATE", "Looked-after children per 10,000 children aged 0–17", "Looked-after children",
            "per 10,000", 10_000, "low_is_good", "rate",
            "Children looked after by the council at the end of the month, per 10,000 resident children aged 0–17 (mid-2012).",
            "looked-after children", "children aged 0–17",
            caveats="The city totals match DfE's published Leeds figures at 31 March 2013 and 2014 (real); the split "
                    "between clusters is illustrative. A child counts in the cluster of their home address.",
        ),
        Indicator(
            "CPP_RATE", "Child-protection plans per 10,000 children aged 0–17", "Child-protection plans",
            "per 10,000", 10_000, "no_judgement", "rate",
            "Children subject of a child-protection plan at the end of the month, per 10,000 children aged 0–17. "
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
            "ATTEND_PCT", "School attendance (% of sessions attended, year to date)", "Attendance",
            "%", 100, "high_is_good", "proportion",
            "Half-day sessions attended as a percentage of possible sessions, academic year to date.",
            "sessions attended", "possible sessions",
            caveats="Year to date, so a September value covers few weeks; there are no school sessions in August. "
                    "Illustrative.",
        ),
        Indicator(
            "PA_PCT", "Persistent absence (% of pupils)", "Persistent absence",
            "%", 100, "low_is_good", "proportion",
            "Pupils missing 15% or more of possible sessions, as a percentage of pupils on roll (year to date).",
            "persistently absent pupils", "pupils on roll",
            caveats="15% of sessions was DfE's threshold in 2013; it has been 10% since 2015/16, so later published "
                    "figures are not comparable. Year to date. Illustrative.",
        ),
    )
}

#: the "three obsessions" and the indicator that measures each
OBSESSIONS = {
    "Fewer looked-after children": "LAC_RATE",
    "Higher school attendance": "ATTEND_PCT",
    "Fewer young people NEET": "NEET_PCT",
}


def add_intervals(df: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """Add value, 95% and 99.8% limits to a frame with ``numerator`` and ``denominator``."""
    out = df.copy()
    num = out["numerator"].astype(float).to_numpy()
    den = out["denominator"].astype(float).to_numpy()
    for level, tag in ((0.95, "95"), (0.998, "998")):
        if indicator.method == "rate":
            value, lo, hi = stats.rate_ci(num, den, indicator.multiplier, level)
        else:
            lo, hi = stats.wilson_ci(num, den, level)
            value = num / den * indicator.multiplier
            lo, hi = np.asarray(lo) * indicator.multiplier, np.asarray(hi) * indicator.multiplier
        out["value"] = np.asarray(value, dtype=float)
        out[f"lower{tag}"] = np.asarray(lo, dtype=float)
        out[f"upper{tag}"] = np.asarray(hi, dtype=float)
    return out


def city_row(df: pd.DataFrame) -> dict[str, float]:
    """The city value: the sum of numerators over the sum of denominators."""
    return {"numerator": float(df["numerator"].sum()), "denominator": float(df["denominator"].sum())}


def indicator_table(key_indicators: pd.DataFrame, clusters: pd.DataFrame, code: str, period: str) -> pd.DataFrame:
    """One indicator for every cluster in one period: value, CIs, comparison with city, band, rank."""
    ind = INDICATORS[code]
    sel = key_indicators[(key_indicators["indicator_code"] == code) & (key_indicators["period"] == period)]
    sel = sel.merge(clusters[["cluster_code", "cluster_name", "area"]], on="cluster_code", validate="1:1")
    table = add_intervals(sel, ind)
    city = city_row(sel)
    city_value = city["numerator"] / city["denominator"] * ind.multiplier
    table["city_value"] = city_value
    table["comparison"] = [
        stats.compare_to_benchmark(r.value, r.lower95, r.upper95, city_value, ind.polarity, r.lower998, r.upper998)
        for r in table.itertuples()
    ]
    table["quartile_band"] = stats.quartile_band(table["value"].to_numpy(), ind.polarity) if ind.polarity != "no_judgement" else "-"
    table["rank"] = stats.rank(table["value"], ind.polarity) if ind.polarity != "no_judgement" else pd.NA
    return table.sort_values("cluster_code").reset_index(drop=True)


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
