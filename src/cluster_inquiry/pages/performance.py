"""The Performance chapter and its appendices A–E: statistics, the improvement rule, findings.

Everything here starts from the disclosure-controlled indicator tables of :mod:`report`
(:func:`report.published_indicator`, :func:`report.tracker_mask`), so a value hidden on one page
is hidden on every page, and everything derived from it (an interval, a comparison, a band, a
rank, a direction of travel, a trend) is hidden too.

Statistics (``shared/reference/methods.md``):

* percentages with Wilson 95% and 99.8% intervals; rates per 10,000 with Byar's (exact Poisson
  below 10) — :func:`catalogue.add_intervals`;
* each cluster against the city, Fingertips' two-level comparison (Better / Similar / Worse,
  "(99.8%)" when outside the 99.8% interval too);
* LAIT quartile bands A–D (A best) and ranks (1 best) among the published clusters;
* direction of travel between like periods only, September 2012 → September 2013 (the same
  months a year apart: :func:`catalogue.comparison_basis`): Fingertips' interval non-overlap
  rule (:func:`methods.change_significance`), written "(by interval overlap)"; over the monthly tracker, Fingertips' 5-point trend test
  (:func:`methods.trend_marker`, :func:`methods.trend_marker_proportions`).

The improvement rule (:func:`assess`) is documented in ``docs/decisions.md`` and on the page.
Key findings (:func:`key_findings`) are written from the *displayed* cells of the tables the
pages show, so the prose cannot disagree with them.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from matplotlib.colors import to_hex

from cluster_inquiry.figures import interactive, maps, performance_charts
from cluster_inquiry.indicators import catalogue
from cluster_inquiry.pages import comparators, report
from cluster_inquiry.stats import disclosure, methods
from cluster_inquiry.figures.records import Figure, GridTable, Table, status_badge
from cluster_inquiry.indicators.catalogue import INDICATORS
from cluster_inquiry.pages.report import HTML, POLICY, SOURCE_ILLUSTRATIVE, Context, PublishedIndicator, published_indicator, tracker_mask

PERIOD = "2013-09"
PREVIOUS = "2012-09"  # the like period of PERIOD: the same month a year earlier (catalogue.like_period)
#: the three obsessions, in the council's order, and the indicator measuring each
OBSESSION_CODES = ("LAC_RATE", "ATTEND_PCT", "NEET_PCT")
KEY_CODES = ("LAC_RATE", "CPP_RATE", "NEET_PCT", "ATTEND_PCT", "PA_PCT")
TRACKER_START, TRACKER_END = "2012-04", "2014-03"
NEET_MONTHS = ("2012-10", "2013-10")  # Appendix D: October 2012 to October 2013

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]

# Improvement rule outcomes
NEEDS_MEASURES = "Improvement measures"
WATCH = "Watch"
NO_FLAG = "No flag"
STATUS_ORDER = {NEEDS_MEASURES: 0, WATCH: 1, NO_FLAG: 2}

#: text glyphs beside each comparison label (never colour alone; the words are always shown too)
COMPARISON_GLYPH = {
    methods.WORSE_998: "✗✗", methods.WORSE: "✗", methods.SIMILAR: "=", methods.BETTER: "✓", methods.BETTER_998: "✓✓",
    methods.HIGHER_998: "↑↑", methods.HIGHER: "↑", methods.LOWER: "↓", methods.LOWER_998: "↓↓", methods.NOT_COMPARED: "–",
}
TRAVEL_GLYPH = {
    methods.IMPROVING: "↗", methods.WORSENING: "↘", methods.NO_SIGNIFICANT_CHANGE: "→",
    methods.INCREASING: "↑", methods.DECREASING: "↓", methods.CANNOT_BE_CALCULATED: "–",
}
RULE_TEXT = (
    "A cluster is flagged for improvement measures when, in {period}, it is significantly worse than the city "
    "(at 95%) on two or more of the three obsessions, or one of the obsessions got significantly worse since "
    "{previous}, the same months a year earlier (95% intervals do not overlap), while the cluster is not better "
    "than the city on it. A cluster "
    "worse than the city on one obsession only, or getting worse while still better than the city, is marked "
    "Watch. Hidden (c) values are not used: such a cluster is assessed on the obsessions that are published."
)


def _covered(code: str, period: str) -> str:
    """The period a value covers, for both columns of a like-period table: year to date or month end."""
    if INDICATORS[code].period_rule == "academic_year_to_date":
        months = catalogue.year_to_date_months(period)
        span = ("that month alone" if len(months) == 1
                else f"September to {month_label(period).split()[0]}")
        return f"academic year to date (from 1 September: {span})"
    return "at the end of the month"


def month_label(month: str) -> str:
    """``2013-09`` → ``September 2013``."""
    year, mon = month.split("-")
    return f"{_MONTHS[int(mon) - 1]} {year}"


def decimals(code: str) -> int:
    """The published precision of an indicator (the catalogue's, so every page agrees)."""
    return INDICATORS[code].decimals


def _fmt(value: float, dp: int = 1) -> str:
    return "c" if value is None or pd.isna(value) else f"{value:,.{dp}f}"


#: two-line column headings for the tartan rug
HEADER_LABEL = {"LAC_RATE": "Looked-after\nchildren", "ATTEND_PCT": "Attendance", "NEET_PCT": "NEET",
                "PA_PCT": "Persistent\nabsence", "CPP_RATE": "Child-protection\nplans"}


def with_unit(text: str, unit: str) -> str:
    """``6.1`` + ``%`` → ``6.1%``; ``87.0`` + ``per 10,000`` → ``87.0 per 10,000``; symbols stay bare."""
    if text in ("c", "x", "z"):
        return text
    return f"{text}%" if unit == "%" else f"{text} {unit}"


def _names(codes: list[str]) -> str:
    names = [INDICATORS[c].short.lower() if c != "NEET_PCT" else "NEET" for c in codes]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _obsession_word(code: str) -> str:
    return "NEET" if code == "NEET_PCT" else INDICATORS[code].short.lower()


# ----------------------------------------------------------------------------- published values


def published(ctx: Context, code: str, period: str) -> PublishedIndicator:
    """:func:`report.published_indicator`, computed once per kernel."""
    key = ("published", code, period)
    if key not in ctx.cache:
        ctx.cache[key] = published_indicator(ctx, code, period)
    return ctx.cache[key]


def _numeric(ctx: Context, code: str, period: str) -> pd.DataFrame:
    return published(ctx, code, period).numeric.set_index("cluster_code")


def city_value(ctx: Context, code: str, period: str) -> dict[str, float]:
    """The city's value and 95%/99.8% limits (sum of cluster numerators over denominators)."""
    sel = catalogue.select(ctx.frames["key_indicators"], code, period)
    row = pd.DataFrame([catalogue.city_row(sel)])
    return catalogue.add_intervals(row, INDICATORS[code]).iloc[0].to_dict()


def travel(ctx: Context, code: str, previous: str = PREVIOUS, period: str = PERIOD) -> pd.Series:
    """Direction of travel per cluster (Fingertips CI non-overlap); None where either value is hidden.

    Only between like periods (:func:`catalogue.comparison_basis` refuses others).
    """
    catalogue.comparison_basis(code, previous, period)
    a = _numeric(ctx, code, previous)
    b = _numeric(ctx, code, period).reindex(a.index)
    a, b = (pd.DataFrame({c: catalogue.displayed(f[c], code) for c in ("value", "lower95", "upper95")}, index=f.index)
            for f in (a, b))  # at the published precision: the reader can check the overlap
    out = methods.change_significance(
        a["value"], (a["lower95"], a["upper95"]), b["value"], (b["lower95"], b["upper95"]), INDICATORS[code].polarity
    )
    shown = a["value"].notna() & b["value"].notna()
    return out.astype(object).where(shown, None)


def city_travel(ctx: Context, code: str, previous: str = PREVIOUS, period: str = PERIOD) -> str:
    catalogue.comparison_basis(code, previous, period)
    a, b = ({k: float(catalogue.displayed(v, code)) for k, v in city_value(ctx, code, p).items()
             if k in ("value", "lower95", "upper95")} for p in (previous, period))
    return methods.change_significance(
        a["value"], (a["lower95"], a["upper95"]), b["value"], (b["lower95"], b["upper95"]), INDICATORS[code].polarity
    )


def comparison_text(label: str | None) -> str:
    """``Worse (99.8%)`` → ``✗✗ Worse (99.8%)``; hidden → ``c``."""
    if label is None or (not isinstance(label, str) and pd.isna(label)):
        return disclosure.SUPPRESSED
    return f"{COMPARISON_GLYPH.get(label, '')} {label}".strip()


#: what an interval-overlap result is called: the test used is named with the result
BY_OVERLAP = " (by interval overlap)"


def travel_text(label: str | None) -> str:
    """A direction of travel from :func:`methods.change_significance`: ``→ No significant change (by interval overlap)``."""
    if label is None or (not isinstance(label, str) and pd.isna(label)):
        return disclosure.SUPPRESSED
    text = f"{TRAVEL_GLYPH.get(label, '')} {label}".strip()
    return text + BY_OVERLAP if label in (methods.IMPROVING, methods.WORSENING, methods.NO_SIGNIFICANT_CHANGE,
                                          methods.INCREASING, methods.DECREASING) else text


# ----------------------------------------------------------------------------- improvement rule


@dataclass(frozen=True)
class Assessment:
    status: str
    reasons: tuple[str, ...]
    not_assessed: tuple[str, ...] = ()

    @property
    def why(self) -> str:
        parts = list(self.reasons)
        if self.not_assessed:
            parts.append("assessed on the obsessions shown only (the others are c)")
        return "; ".join(parts) if parts else "no obsession significantly worse than the city or worsening"


def assess(comparisons: Mapping[str, str | None], changes: Mapping[str, str | None]) -> Assessment:
    """Apply the improvement rule (:data:`RULE_TEXT`) to one cluster.

    ``comparisons``: indicator code → Fingertips label against the city in the latest period
    (None where hidden); ``changes``: indicator code → direction of travel since the previous
    period (None where hidden). Only the codes given are assessed.
    """
    hidden = tuple(c for c, v in comparisons.items() if v is None)
    worse = [c for c, v in comparisons.items() if v is not None and v.startswith(methods.WORSE)]
    worsening = [c for c, v in changes.items() if v == methods.WORSENING and comparisons.get(c) is not None]
    slipping = [c for c in worsening if not comparisons[c].startswith(methods.BETTER)]

    def worse_words(codes: list[str]) -> str:
        words = [f"{_obsession_word(c)} ({'99.8%' if comparisons[c] == methods.WORSE_998 else '95%'})" for c in codes]
        return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]

    reasons = []
    if len(worse) >= 2:
        reasons.append(f"worse than the city on {worse_words(worse)}")
    if slipping:
        reasons.append(f"{_names(slipping)} got significantly worse and is not better than the city")
    if reasons:
        return Assessment(NEEDS_MEASURES, tuple(reasons), hidden)
    if worse:
        reasons.append(f"worse than the city on {worse_words(worse)} only")
    if worsening:
        reasons.append(f"{_names(worsening)} got significantly worse (still better than the city)")
    return Assessment(WATCH if reasons else NO_FLAG, tuple(reasons), hidden)


def assessments(ctx: Context, period: str = PERIOD, previous: str = PREVIOUS) -> pd.DataFrame:
    """One row per cluster: each obsession's comparison and travel, and the rule's result."""
    key = ("assessments", period, previous)
    if key in ctx.cache:
        return ctx.cache[key]
    clusters = ctx.clusters.set_index("cluster_code")
    rows = []
    cmp = {c: _numeric(ctx, c, period)["comparison"] for c in OBSESSION_CODES}
    trv = {c: travel(ctx, c, previous, period) for c in OBSESSION_CODES}
    for code in clusters.index:
        comparisons = {c: (None if pd.isna(cmp[c].get(code)) else cmp[c][code]) for c in OBSESSION_CODES}
        changes = {c: trv[c].get(code) for c in OBSESSION_CODES}
        a = assess(comparisons, changes)
        row = {"cluster_code": code, "cluster_name": clusters.loc[code, "cluster_name"], "area": clusters.loc[code, "area"],
               "status": a.status, "why": a.why}
        for c in OBSESSION_CODES:
            row[f"{c}_comparison"] = comparisons[c]
            row[f"{c}_travel"] = changes[c]
        rows.append(row)
    out = pd.DataFrame(rows)
    out["order"] = out["status"].map(STATUS_ORDER)
    out = out.sort_values(["order", "cluster_code"]).drop(columns="order").reset_index(drop=True)
    ctx.cache[key] = out
    return out


def improvement_column(code: str, period: str = PERIOD, previous: str = PREVIOUS) -> str:
    """The improvement table's column for one obsession: comparison with the city; change since ``previous``."""
    return f"{INDICATORS[code].short}: compared with city, {month_label(period)}; change since {month_label(previous)}"


def split_improvement_cell(cell: str) -> tuple[str | None, str | None]:
    """``'✗✗ Worse (99.8%); ↘ worsening'`` → ``('Worse (99.8%)', 'Worsening')``; ``'c'`` → ``(None, None)``."""
    if cell == disclosure.SUPPRESSED:
        return None, None
    comparison, change = cell.split("; ")
    comparison = comparison.split(" ", 1)[1]
    change = None if change == disclosure.SUPPRESSED else change.split(" ", 1)[1].removesuffix(BY_OVERLAP.lower())
    return comparison, (change[0].upper() + change[1:]) if change else None


def improvement_table(ctx: Context, period: str = PERIOD, previous: str = PREVIOUS) -> Table:
    a = assessments(ctx, period, previous)
    p, q = month_label(period), month_label(previous)
    frame = pd.DataFrame({"Cluster": a["cluster_name"]})
    for c in OBSESSION_CODES:
        frame[improvement_column(c, period, previous)] = [
            "c" if pd.isna(cmp_) else f"{comparison_text(cmp_)}; {travel_text(None if pd.isna(trv) else trv).lower()}"
            for cmp_, trv in zip(a[f"{c}_comparison"], a[f"{c}_travel"])
        ]
    frame["Needs improvement measures?"] = a["status"]
    frame["Why"] = a["why"]
    return Table(
        frame,
        title=f"Which clusters need improvement measures: the three obsessions, {p}",
        source=SOURCE_ILLUSTRATIVE,
        status="illustrative",
        definition=RULE_TEXT.format(period=p, previous=q),
        period=f"{q} and {p}",
        notes=[
            RULE_TEXT.format(period=p, previous=q),
            "Compared with city (Fingertips): ✓ Better / = Similar / ✗ Worse at 95%; ✓✓ and ✗✗ also at 99.8%.",
            f"Change (Fingertips), {q} to {p}, like periods (the same months a year apart; attendance year to "
            "date): ↗ Improving / ↘ Worsening when the two periods' 95% intervals do not overlap; → No significant "
            "change (by interval overlap) otherwise.",
            "Attendance intervals allow for sessions belonging to pupils (a design effect from persistent absence), "
            "so they are wider than a count of sessions alone would give.",
        ],
        row_ids=[f"improve-{c}" for c in a["cluster_code"]],
    )


def improvement_chart(ctx: Context, period: str = PERIOD, previous: str = PREVIOUS) -> Figure:
    """A Fingertips-style 'tartan rug': every cluster × key indicator, comparison and travel in each cell."""
    a = assessments(ctx, period, previous)
    p, q = month_label(period), month_label(previous)
    codes = list(OBSESSION_CODES) + ["PA_PCT", "CPP_RATE"]
    comp = pd.DataFrame({c: _numeric(ctx, c, period)["comparison"].reindex(a["cluster_code"]).to_numpy() for c in codes},
                        index=a["cluster_code"])
    trav = pd.DataFrame({c: travel(ctx, c, previous, period).reindex(a["cluster_code"]).to_numpy() for c in codes},
                        index=a["cluster_code"])
    rows = [f"{r.cluster_code[1:]} {r.cluster_name}" for r in a.itertuples()]
    cells = [[performance_charts.rug_cell(comp.iat[i, j], trav.iat[i, j]) for j in range(len(codes))]
             + [performance_charts.rule_cell(status)] for i, status in enumerate(a["status"])]
    n = a["status"].value_counts()
    alt = (
        f"Grid of {len(a)} clusters (rows) by {len(codes)} key indicators (columns; the three obsessions first). Each "
        f"cell gives the comparison with the city in {p} as a symbol (✓ better, = similar, ✗ worse, doubled when "
        f"significant at 99.8%; ↑ higher or ↓ lower for child-protection plans, which carry no judgement; c not shown) "
        f"and an arrow for the change since {q} (↗ improving, ↘ worsening, → no significant change). Rows are grouped "
        f"by the improvement rule: {n.get(NEEDS_MEASURES, 0)} clusters need improvement measures, "
        f"{n.get(WATCH, 0)} are on watch and {n.get(NO_FLAG, 0)} are not flagged. Sort by any column with its "
        "heading; the data table follows."
    )
    table = improvement_table(ctx, period, previous)
    return GridTable(
        title=f"Which clusters need improvement measures, {p}", alt_text=alt,
        header=[HEADER_LABEL[c].replace("\n", " ") for c in codes] + ["Rule"], row_headers=rows, cells=cells,
        units="comparison with the city (Fingertips method)", period=f"{q} to {p}", source=SOURCE_ILLUSTRATIVE,
        status="illustrative", legend=performance_charts.rug_legend(), table=table,
    )


# ----------------------------------------------------------------------------- Appendix A: city dashboard

DASH_WORSE, DASH_BETTER, DASH_HIDDEN = "Clusters worse (or higher)", "Clusters better (or lower)", "Clusters not shown (c)"


def city_dashboard(ctx: Context, period: str = PERIOD, previous: str = PREVIOUS) -> Table:
    """City values of every key indicator, September 2012 vs September 2013 (like periods), with intervals and travel."""
    p, q = month_label(period), month_label(previous)
    rows = []
    for code in KEY_CODES:
        ind, dp = INDICATORS[code], decimals(code)
        a, b = city_value(ctx, code, previous), city_value(ctx, code, period)
        comp = published(ctx, code, period).numeric["comparison"].dropna()
        worse = int(comp.str.startswith(methods.WORSE).sum() + comp.str.startswith(methods.HIGHER).sum())
        better = int(comp.str.startswith(methods.BETTER).sum() + comp.str.startswith(methods.LOWER).sum())
        rows.append({
            "Indicator": ind.short,
            "Unit": ind.unit,
            "Period covered": _covered(code, period),
            q: _fmt(a["value"], dp),
            f"95% CI, {q}": f"{_fmt(a['lower95'], dp)} to {_fmt(a['upper95'], dp)}",
            p: _fmt(b["value"], dp),
            f"95% CI, {p}": f"{_fmt(b['lower95'], dp)} to {_fmt(b['upper95'], dp)}",
            f"Change, {q} to {p}": travel_text(city_travel(ctx, code, previous, period)),
            DASH_WORSE: str(worse),
            DASH_BETTER: str(better),
            DASH_HIDDEN: str(int(published(ctx, code, period).numeric["value"].isna().sum())),
        })
    return Table(
        pd.DataFrame(rows),
        title=f"City key-indicator dashboard, {q} and {p}",
        source=f"{SOURCE_ILLUSTRATIVE}. The city's looked-after children and child-protection plans are calibrated to "
        "the real DfE totals at 31 March 2013 and 2014.",
        status="mixed",
        definition="City values are the sum of the cluster numerators over the sum of the denominators.",
        period=f"{q} and {p}",
        notes=[
            "95% CI: Wilson score interval for percentages (for attendance on the effective number of sessions, "
            "allowing for sessions belonging to pupils); Byar's method (exact Poisson below 10) for rates.",
            f"Change: {q} to {p}, like periods (the same months a year apart); significant when the two 95% "
            "intervals do not overlap (Fingertips), otherwise no significant change (by interval overlap).",
            f"Clusters worse / better / not shown: the number of the 25 clusters significantly worse or better than the "
            f"city in {p} (Fingertips comparison at 95%); for child-protection plans, which carry no judgement, "
            "significantly higher or lower. Not shown (c): clusters whose value is hidden.",
        ],
    )


# ----------------------------------------------------------------------------- Appendix B: key indicators by cluster


def cluster_indicator_table(ctx: Context, code: str, period: str = PERIOD, previous: str = PREVIOUS) -> Table:
    """One indicator for every cluster: both periods, interval, comparison, band, rank, travel."""
    ind, dp = INDICATORS[code], decimals(code)
    p, q = month_label(period), month_label(previous)
    now, before = published(ctx, code, period), published(ctx, code, previous)
    n, b = now.numeric.set_index("cluster_code"), before.numeric.set_index("cluster_code").reindex(now.numeric["cluster_code"])
    shown_now = now.display.set_index(now.numeric["cluster_code"].to_numpy())
    tr = travel(ctx, code, previous, period).reindex(n.index)
    frame = pd.DataFrame(
        {
            "Cluster": n["cluster_name"].to_numpy(),
            "Area": n["area"].to_numpy(),
            f"Count, {p}": shown_now["Count"].to_numpy(),
            f"Denominator, {p}": shown_now["Denominator"].to_numpy(),
            f"Value ({ind.unit}), {q}": b["value"].map(lambda v: _fmt(v, dp)).to_numpy(),
            f"Value ({ind.unit}), {p}": n["value"].map(lambda v: _fmt(v, dp)).to_numpy(),
            f"95% CI, {p}": [
                "c" if pd.isna(lo) else f"{_fmt(lo, dp)} to {_fmt(hi, dp)}" for lo, hi in zip(n["lower95"], n["upper95"])
            ],
            f"Compared with city, {p}": n["comparison"].map(comparison_text).to_numpy(),
            f"Quartile band, {p}": shown_now["Quartile band"].to_numpy(),
            f"Rank, {p}": shown_now["Rank"].to_numpy(),
            f"Change, {q} to {p}": tr.map(travel_text).to_numpy(),
        }
    )
    if ind.polarity == "no_judgement":
        frame = frame.drop(columns=[f"Quartile band, {p}", f"Rank, {p}"])
    return Table(
        frame,
        title=f"{ind.name} by cluster, {q} and {p} (city {_fmt(now.city_value, dp)} in {p})",
        source=SOURCE_ILLUSTRATIVE,
        status="illustrative",
        definition=ind.definition,
        unit=ind.unit,
        period=f"{q} and {p}",
        notes=[
            ind.definition,
            "95% CI: " + report.interval_words(ind) + ".",
            "Compared with city (Fingertips): the city value against the cluster's 95% and 99.8% intervals.",
            *(["Quartile band A is the best quarter of clusters, D the worst (DfE LAIT); rank 1 is best; both among "
               "the clusters whose value is published."] if ind.polarity != "no_judgement" else
              ["No better/worse judgement is made, so there are no bands or ranks; Higher/Lower say only whether the "
               "rate differs significantly from the city."]),
            f"Period covered: {catalogue.period_covered(code, previous)} and {catalogue.period_covered(code, period)}.",
            f"Change: {catalogue.comparison_basis(code, previous, period)}; significant when the two periods' 95% "
            "intervals do not overlap (Fingertips), otherwise no significant change (by interval overlap).",
            *(["Ranks and bands use the value as shown: equal values share a band and a rank, written =7."]
              if ind.polarity != "no_judgement" else []),
        ],
        row_ids=[f"{code.lower()}-{c}" for c in n.index],
    )


def indicator_chart(ctx: Context, code: str, period: str = PERIOD, previous: str = PREVIOUS) -> Figure:
    """Ranked bars with 95% intervals and the city line; the full Appendix B table beside it."""
    pub = published(ctx, code, period)
    ind, p = pub.indicator, month_label(period)
    return performance_charts.ranked_bars(
        pub.numeric, value="value", lower="lower95", upper="upper95", label="cluster_name", comparison="comparison",
        benchmark=pub.city_value, dp=decimals(code),
        title=f"{ind.short} by cluster, {p}", x_label=f"{ind.short} ({ind.unit})", units=ind.unit, period=p,
        source=SOURCE_ILLUSTRATIVE, status="illustrative", table=cluster_indicator_table(ctx, code, period, previous),
    )


def indicator_band_map(ctx: Context, code: str, period: str = PERIOD, highlight: str | None = None) -> Figure:
    """The cluster map of one key indicator on the book's shared band scale, with its table."""
    pub = published(ctx, code, period)
    ind, p, dp = pub.indicator, month_label(period), decimals(code)
    n = pub.numeric.reset_index(drop=True)
    judged = ind.polarity != "no_judgement"
    if judged:
        classes = n["quartile_band"].astype(object).where(n["quartile_band"].notna(), None)
    else:
        classes = pd.Series(performance_charts.value_quartile(n["value"].to_numpy()), dtype=object)
    frame = maps.map_data(n, {
        f"{ind.short} ({ind.unit}), {p}": n["value"].map(lambda v: _fmt(v, dp)),
        ("Quartile band (A best)" if judged else "Quarter (Q1 lowest)") + f", {p}": classes.map(lambda v: v if isinstance(v, str) else "c"),
        f"Compared with city, {p}": n["comparison"].map(comparison_text),
    })
    table = Table(frame, title=f"Map data: {ind.short}, {p} (city {_fmt(pub.city_value, dp)})", source=SOURCE_ILLUSTRATIVE,
                  status="illustrative", definition=ind.definition, unit=ind.unit, period=p)
    return performance_charts.band_map(
        ctx.boundaries, n["cluster_code"].tolist(), n["cluster_name"].tolist(), n["value"].to_numpy(dtype=float),
        classes.tolist(), judged=judged, dp=dp, measure=ind.short, units=ind.unit, period=p,
        title=f"{ind.short} by cluster, {p}", source=SOURCE_ILLUSTRATIVE, status="illustrative", table=table,
        highlight=highlight,
    )


def key_indicators_wide(ctx: Context, periods: tuple[str, ...] = (PREVIOUS, PERIOD)) -> Table:
    """Every key indicator for every cluster in both periods (the interactive map's table)."""
    base = published(ctx, KEY_CODES[0], periods[0]).numeric
    frame = pd.DataFrame({"Cluster": base["cluster_name"].to_numpy(), "Area": base["area"].to_numpy()})
    codes = base["cluster_code"].to_numpy()
    for code in KEY_CODES:
        ind = INDICATORS[code]
        for period in periods:
            v = _numeric(ctx, code, period)["value"].reindex(codes)
            frame[f"{ind.short} ({ind.unit}), {month_label(period)}"] = v.map(lambda x: _fmt(x, decimals(code))).to_numpy()
    return Table(frame, title="Key indicators by cluster, " + " and ".join(month_label(p) for p in periods),
                 source=SOURCE_ILLUSTRATIVE, status="illustrative", period=" and ".join(month_label(p) for p in periods),
                 notes=[INDICATORS[c].definition for c in KEY_CODES])


_PATTERN = {"": "", "..": ".", "//": "/", "xx": "x", "\\\\\\": "\\"}


def _map_view(ctx: Context, code: str, period: str) -> dict:
    """One menu entry of the interactive map: colours, tooltips and labels from the published values."""
    pub = published(ctx, code, period)
    ind, p, dp = pub.indicator, month_label(period), decimals(code)
    n = pub.numeric.set_index("cluster_code")
    judged = ind.polarity != "no_judgement"
    if judged:
        classes = {c: (v if isinstance(v, str) else None) for c, v in n["quartile_band"].astype(object).items()}
        styles = performance_charts.BAND_STYLE
    else:
        classes = dict(zip(n.index, performance_charts.value_quartile(n["value"].to_numpy(dtype=float))))
        styles = performance_charts.QUARTER_STYLE
    fill, hover, mark, pattern = {}, {}, {}, {}
    for c in n.index:
        cls, name = classes[c], html.escape(n.loc[c, "cluster_name"])
        colour, hatch, label = styles[cls] if cls else performance_charts.HIDDEN_STYLE
        fill[c], pattern[c] = to_hex(colour), _PATTERN.get(hatch, "")
        mark[c] = f"{c} {cls if cls else 'c'}"
        if cls is None:
            hover[c] = f"<b>{name}</b> ({c})<br>{html.escape(ind.short)}, {p}: c<br>(not shown)"
        else:
            where = ("band " + cls + (" (best quarter)" if cls == "A" else " (worst quarter)" if cls == "D" else "")
                     if judged else f"quarter {cls} of the clusters' values")
            shown = with_unit(f"{n.loc[c, 'value']:,.{dp}f}", ind.unit)
            hover[c] = (f"<b>{name}</b> ({c})<br>{html.escape(ind.short)}, {p}: {html.escape(shown)}<br>"
                        f"{html.escape(where)}<br>"
                        f"{html.escape(comparison_text(n.loc[c, 'comparison']))} (city {pub.city_value:,.{dp}f})")
    legend = []
    for cls, (colour, _hatch, label) in styles.items():
        shown = n.loc[[c for c in n.index if classes[c] == cls], "value"]
        rng = f" ({shown.min():,.{dp}f} to {shown.max():,.{dp}f})" if not shown.empty else ""
        legend.append((to_hex(colour), f"{label}{rng}"))
    if any(v is None for v in classes.values()):
        legend.append((to_hex(performance_charts.HIDDEN_STYLE[0]), "c: not shown"))
    return {"label": f"{ind.short}, {p}", "heading": f"{html.escape(ind.short)} ({html.escape(ind.unit)}), {p}",
            "fill": fill, "hover": hover, "mark": mark, "pattern": pattern, "legend": legend}


def interactive_map(ctx: Context, periods: tuple[str, ...] = (PERIOD, PREVIOUS)) -> interactive.InteractiveFigure:
    """Every key indicator in both periods on one offline interactive map (menu), with the table beside it."""
    views = [_map_view(ctx, code, period) for code in KEY_CODES for period in periods]
    labels = " and ".join(month_label(p) for p in sorted(periods))
    alt = (
        f"Interactive map of Leeds divided into {len(ctx.boundaries)} clusters. A menu above the map chooses one of the "
        f"{len(KEY_CODES)} key indicators in {labels}; it opens on {views[0]['label']}. Each cluster is shaded and "
        "hatched by its quartile band on the book's shared scale (A best quarter, lightest, to D worst quarter, darkest; "
        "child-protection plans, which carry no judgement, by quarter of value in blue) and labelled with its code "
        "and class letter. Hovering over or tapping a cluster shows its name, value, band and comparison with the "
        "city; a hidden value shows c. Every value is in the table that follows the map."
    )
    return interactive.cluster_map(
        ctx.boundaries, views, title=f"Interactive map: key indicators by cluster, {labels}", alt_text=alt,
        units="as chosen in the menu (per 10,000 children aged 0–17, or %)", period=labels, source=SOURCE_ILLUSTRATIVE,
        status="illustrative", table=key_indicators_wide(ctx), legend_title="Class (see the menu)",
    )


# ----------------------------------------------------------------------------- Appendix C: monthly tracker

TRACKER = {
    "LAC_RATE": {"column": "lac_count", "label": "Looked-after children per 10,000 children aged 0–17", "unit": "per 10,000"},
    "ATTEND_PCT": {"column": None, "label": catalogue.MONTHLY_ATTENDANCE_LABEL, "unit": "%"},
    "NEET_PCT": {"column": "neet_count", "label": "NEET young people (% of the 16–18 cohort)", "unit": "%"},
}


@dataclass
class TrackerSeries:
    """One obsession month by month: values (NaN = hidden or not applicable) and what is shown."""

    code: str
    values: pd.DataFrame  # cluster_code × month, float
    display: pd.DataFrame  # cluster_code × month, text with c / z
    city: pd.Series  # month → city value
    counts: pd.DataFrame | None = None  # published numerators (NaN hidden), for trends
    denominators: pd.DataFrame | None = None
    names: dict[str, str] = field(default_factory=dict)


def tracker_series(ctx: Context, code: str, start: str = TRACKER_START, end: str = TRACKER_END) -> TrackerSeries:
    key = ("tracker", code, start, end)
    if key in ctx.cache:
        return ctx.cache[key]
    t = ctx.frames["obsessions_monthly"]
    t = t[(t["month"] >= start) & (t["month"] <= end)]
    city = catalogue.city_tracker(ctx.frames["obsessions_monthly"]).set_index("month")
    names = ctx.clusters.set_index("cluster_code")["cluster_name"].to_dict()
    spec = TRACKER[code]
    dp = decimals(code)
    counts = denominators = None
    if code == "ATTEND_PCT":
        values = t.pivot(index="cluster_code", columns="month", values="attendance_pct").astype(float)
        display = values.map(lambda v: "z" if pd.isna(v) else f"{v:.{dp}f}")
        city_series = city["attendance_pct"]
    else:
        column = spec["column"]
        raw = t.pivot(index="cluster_code", columns="month", values=column).astype(float)
        hidden = tracker_mask(ctx, column).reindex(index=raw.index, columns=raw.columns).fillna(False).astype(bool)
        if code == "LAC_RATE":
            pop = ctx.frames["cluster_population"].set_index("cluster_code")["pop_0_17"].reindex(raw.index).astype(float)
            denominators = pd.DataFrame({m: pop for m in raw.columns})
            values = raw.div(pop, axis=0) * 10_000
            city_series = city["lac_count"] / pop.sum() * 10_000
        else:
            denominators = t.pivot(index="cluster_code", columns="month", values="neet_cohort").astype(float)
            values = raw / denominators * 100
            city_series = city["neet_pct"]
        values = values.where(~hidden)
        counts = raw.where(~hidden)
        display = values.map(lambda v: "c" if pd.isna(v) else f"{v:.{dp}f}")
    out = TrackerSeries(code, values, display, city_series.loc[start:end], counts, denominators, names)
    ctx.cache[key] = out
    return out


def recent_trend(series: TrackerSeries, end: str = PERIOD) -> pd.Series:
    """Fingertips recent trend over the 5 months to ``end``, per cluster; None when a month is hidden."""
    months = [m for m in series.values.columns if m <= end][-methods.TREND_POINTS:]
    pol = INDICATORS[series.code].polarity
    out = {}
    for code in series.values.index:
        if series.counts is None:
            out[code] = None
            continue
        counts = series.counts.loc[code, months].to_numpy(dtype=float)
        dens = series.denominators.loc[code, months].to_numpy(dtype=float)
        if np.isnan(counts).any():
            out[code] = None
            continue
        if series.code == "NEET_PCT":
            res = methods.trend_marker_proportions(counts, dens, pol)
        else:
            value, lo, hi = methods.rate_ci(counts, dens, 10_000, 0.95)
            res = methods.trend_marker(value, lo, hi, pol)
        out[code] = res.label
    return pd.Series(out, dtype=object)


def tracker_table(ctx: Context, code: str, start: str = TRACKER_START, end: str = TRACKER_END, trend_end: str = PERIOD) -> Table:
    s = tracker_series(ctx, code, start, end)
    spec = TRACKER[code]
    frame = s.display.copy()
    frame.insert(0, "Cluster", [s.names[c] for c in frame.index])
    months = [m for m in s.values.columns if m <= trend_end][-methods.TREND_POINTS:]
    notes = [f"{spec['label']}; city value in the last row."]
    if s.counts is not None:
        trend = recent_trend(s, trend_end).reindex(frame.index)
        frame[f"Recent trend, {month_label(months[0])} to {month_label(months[-1])}"] = trend.map(
            lambda v: "c" if v is None else v)
        notes.append(
            "Recent trend: Fingertips' test on the five months shown (weighted least squares on the rates' 95% intervals "
            "for looked-after children; chi-squared test for trend on the counts for NEET), significant at 99.8% and "
            "stable when any one month is dropped. 'c' where a month is hidden."
        )
    else:
        notes.append("z = not applicable (August: school holidays). No trend test: the tracker holds the percentage "
                     "only, not the sessions behind it.")
        notes.append(catalogue.MONTHLY_ATTENDANCE_DEFINITION + " The year-to-date figure (Appendix B) is these months "
                     "from September, each weighted by its possible sessions.")
    city_row = {"Cluster": "Leeds (city)"}
    city_row.update({m: f"{v:.{decimals(code)}f}" if pd.notna(v) else "z" for m, v in s.city.items()})
    if s.counts is not None:
        city_row[frame.columns[-1]] = "–"
    frame = pd.concat([frame, pd.DataFrame([city_row], index=["city"])])
    return Table(
        frame.reset_index(drop=True),
        title=f"Monthly tracker: {spec['label']}, by cluster, {month_label(start)} to {month_label(end)}",
        source=SOURCE_ILLUSTRATIVE + (". City totals at 31 March 2013 and 2014 are the real DfE figures" if code == "LAC_RATE" else ""),
        status="illustrative",
        unit=spec["unit"],
        period=f"{month_label(start)} to {month_label(end)}",
        notes=notes,
    )


def tracker_chart(ctx: Context, code: str, start: str = TRACKER_START, end: str = TRACKER_END) -> Figure:
    s = tracker_series(ctx, code, start, end)
    spec = TRACKER[code]
    return performance_charts.small_multiples(
        s.values, s.city, names=s.names, dp=decimals(code), marks=(PREVIOUS, PERIOD),
        title=f"{spec['label']}: each cluster against the city", measure=spec["label"], units=spec["unit"],
        period=f"{month_label(start)} to {month_label(end)}", source=SOURCE_ILLUSTRATIVE, status="illustrative",
        table=tracker_table(ctx, code, start, end),
    )


# ----------------------------------------------------------------------------- Appendix D: NEET Oct 2012 – Oct 2013


def _neet_window(ctx: Context, start: str, end: str):
    t = ctx.frames["obsessions_monthly"]
    t = t[(t["month"] >= start) & (t["month"] <= end)]
    counts = t.pivot(index="cluster_code", columns="month", values="neet_count").astype(float)
    cohort = t.pivot(index="cluster_code", columns="month", values="neet_cohort").astype(float)
    hidden = tracker_mask(ctx, "neet_count").reindex(index=counts.index, columns=counts.columns).fillna(False).astype(bool)
    return counts, cohort, hidden


def neet_numbers_table(ctx: Context, start: str = NEET_MONTHS[0], end: str = NEET_MONTHS[1]) -> Table:
    counts, _, hidden = _neet_window(ctx, start, end)
    names = ctx.clusters.set_index("cluster_code")["cluster_name"]
    shown = counts.astype(int).astype(object).where(~hidden, "c").map(lambda v: v if isinstance(v, str) else f"{v:,}")
    shown.insert(0, "Cluster", names.reindex(shown.index).to_numpy())
    total = {"Cluster": "Leeds (city total)"}
    total.update({m: f"{int(v):,}" for m, v in counts.sum().items()})
    frame = pd.concat([shown, pd.DataFrame([total], index=["city"])]).reset_index(drop=True)
    return Table(
        frame, title=f"NEET young people (number) by cluster, {month_label(start)} to {month_label(end)}",
        source=SOURCE_ILLUSTRATIVE, status="illustrative", unit="young people", period=f"{month_label(start)} to {month_label(end)}",
        definition=INDICATORS["NEET_PCT"].definition,
        notes=["Counts of 1 to 5, and any count that would let one be worked out from the city total, are shown as c "
               "(the same cells on every page of the book)."],
    )


def neet_rates(ctx: Context, start: str = NEET_MONTHS[0], end: str = NEET_MONTHS[1]) -> pd.DataFrame:
    """NEET % by cluster for the window, hidden → NaN, with Wilson 95% limits at both ends."""
    counts, cohort, hidden = _neet_window(ctx, start, end)
    pct = (counts / cohort * 100).where(~hidden)
    out = pd.DataFrame(index=counts.index)
    for m in (start, end):
        lo, hi = methods.wilson_ci(counts[m].where(~hidden[m]), cohort[m], 0.95)
        out[f"value_{m}"] = pct[m]
        out[f"lower_{m}"] = np.asarray(lo, dtype=float) * 100
        out[f"upper_{m}"] = np.asarray(hi, dtype=float) * 100
    out["change"] = methods.change_significance(
        out[f"value_{start}"], (out[f"lower_{start}"], out[f"upper_{start}"]),
        out[f"value_{end}"], (out[f"lower_{end}"], out[f"upper_{end}"]), INDICATORS["NEET_PCT"].polarity,
    )
    out["change"] = out["change"].astype(object).where(out[f"value_{start}"].notna() & out[f"value_{end}"].notna(), None)
    out["cluster_name"] = ctx.clusters.set_index("cluster_code")["cluster_name"].reindex(out.index)
    return out.join(pct)


def neet_city(ctx: Context, start: str = NEET_MONTHS[0], end: str = NEET_MONTHS[1]) -> dict[str, object]:
    counts, cohort, _ = _neet_window(ctx, start, end)
    res = {}
    for m in (start, end):
        x, n = counts[m].sum(), cohort[m].sum()
        lo, hi = methods.wilson_ci(x, n, 0.95)
        res[m] = {"count": int(x), "cohort": int(n), "value": x / n * 100, "lower": lo * 100, "upper": hi * 100}
    res["change"] = methods.change_significance(
        res[start]["value"], (res[start]["lower"], res[start]["upper"]),
        res[end]["value"], (res[end]["lower"], res[end]["upper"]), "low_is_good")
    return res


def neet_rates_table(ctx: Context, start: str = NEET_MONTHS[0], end: str = NEET_MONTHS[1]) -> Table:
    r = neet_rates(ctx, start, end)
    months = [c for c in r.columns if isinstance(c, str) and len(c) == 7 and c[4] == "-"]
    frame = pd.DataFrame({"Cluster": r["cluster_name"].to_numpy()})
    for m in months:
        frame[m] = r[m].map(lambda v: _fmt(v, 1)).to_numpy()
    s, e = month_label(start), month_label(end)
    frame[f"95% CI, {s}"] = [f"{_fmt(lo)} to {_fmt(hi)}" if pd.notna(v) else "c"
                             for v, lo, hi in zip(r[f"value_{start}"], r[f"lower_{start}"], r[f"upper_{start}"])]
    frame[f"95% CI, {e}"] = [f"{_fmt(lo)} to {_fmt(hi)}" if pd.notna(v) else "c"
                             for v, lo, hi in zip(r[f"value_{end}"], r[f"lower_{end}"], r[f"upper_{end}"])]
    frame[f"Change, {s} to {e}"] = r["change"].map(travel_text).to_numpy()
    city = neet_city(ctx, start, end)
    counts, cohort, _ = _neet_window(ctx, start, end)
    city_row = {"Cluster": "Leeds (city)"}
    city_row.update({m: f"{counts[m].sum() / cohort[m].sum() * 100:.1f}" for m in months})
    city_row[f"95% CI, {s}"] = f"{city[start]['lower']:.1f} to {city[start]['upper']:.1f}"
    city_row[f"95% CI, {e}"] = f"{city[end]['lower']:.1f} to {city[end]['upper']:.1f}"
    city_row[f"Change, {s} to {e}"] = travel_text(city["change"])
    frame = pd.concat([frame, pd.DataFrame([city_row])], ignore_index=True)
    return Table(
        frame, title=f"NEET rate (% of the 16–18 cohort) by cluster, {s} to {e}",
        source=SOURCE_ILLUSTRATIVE, status="illustrative", unit="%", period=f"{s} to {e}",
        definition=INDICATORS["NEET_PCT"].definition,
        notes=[
            "95% CI: Wilson score interval. Change: significant when the October 2012 and October 2013 intervals do not "
            "overlap (Fingertips). October to October compares the same point of the school year, so the autumn rise "
            "in NEET does not distort it.",
            "A rate worked out from a hidden count is hidden too (c).",
        ],
    )


def neet_chart(ctx: Context, start: str = NEET_MONTHS[0], end: str = NEET_MONTHS[1]) -> Figure:
    r = neet_rates(ctx, start, end)
    city = neet_city(ctx, start, end)
    s, e = month_label(start), month_label(end)
    return performance_charts.dumbbell(
        r, label="cluster_name", before=f"value_{start}", after=f"value_{end}", before_label=s, after_label=e,
        change="change", benchmarks={s: city[start]["value"], e: city[end]["value"]},
        title=f"NEET rate by cluster, {s} and {e}", x_label="NEET (% of the 16–18 cohort)", units="%",
        period=f"{s} to {e}", source=SOURCE_ILLUSTRATIVE, status="illustrative", table=neet_rates_table(ctx, start, end),
    )


# ----------------------------------------------------------------------------- Appendix E: safeguarding by cluster


def safeguarding_table(ctx: Context, period: str = PERIOD, previous: str = PREVIOUS) -> Table:
    """Looked-after children and child-protection plans by cluster: numbers and rates, both periods."""
    p, q = month_label(period), month_label(previous)
    base = published(ctx, "LAC_RATE", period).numeric
    codes = base["cluster_code"].to_numpy()
    frame = pd.DataFrame({"Cluster": base["cluster_name"].to_numpy()})
    for code, word in (("LAC_RATE", "Looked-after children"), ("CPP_RATE", "Child-protection plans")):
        for period_ in (previous, period):
            d = published(ctx, code, period_)
            shown = d.display.set_index(d.numeric["cluster_code"].to_numpy())
            frame[f"{word} (number), {month_label(period_)}"] = shown["Count"].reindex(codes).to_numpy()
        n = _numeric(ctx, code, period).reindex(codes)
        frame[f"{word} per 10,000, {p}"] = n["value"].map(_fmt).to_numpy()
        frame[f"{word}: compared with city, {p}"] = n["comparison"].map(comparison_text).to_numpy()
        frame[f"{word}: change, {q} to {p}"] = travel(ctx, code, previous, period).reindex(codes).map(travel_text).to_numpy()
    city = {"Cluster": "Leeds (city)"}
    for code, word in (("LAC_RATE", "Looked-after children"), ("CPP_RATE", "Child-protection plans")):
        for period_ in (previous, period):
            city[f"{word} (number), {month_label(period_)}"] = f"{int(city_value(ctx, code, period_)['numerator']):,}"
        city[f"{word} per 10,000, {p}"] = _fmt(city_value(ctx, code, period)["value"])
        city[f"{word}: compared with city, {p}"] = "–"
        city[f"{word}: change, {q} to {p}"] = travel_text(city_travel(ctx, code, previous, period))
    frame = pd.concat([frame, pd.DataFrame([city])], ignore_index=True)
    return Table(
        frame, title=f"Looked-after children and child-protection plans by cluster, {q} and {p}",
        source=SOURCE_ILLUSTRATIVE, status="illustrative", unit="children; per 10,000 children aged 0–17",
        period=f"{q} and {p}",
        notes=[
            "Rates per 10,000 children aged 0–17 (mid-2012), with Byar's 95% and 99.8% intervals (exact below 10).",
            "Child-protection plans carry no judgement: Higher / Lower say only that the cluster differs significantly "
            "from the city.",
            f"Change: {q} to {p}, the same month a year apart; significant when the two periods' 95% intervals do "
            "not overlap (Fingertips), otherwise no significant change (by interval overlap).",
        ],
    )


def safeguarding_chart(ctx: Context, period: str = PERIOD, previous: str = PREVIOUS) -> Figure:
    p = month_label(period)
    lac = _numeric(ctx, "LAC_RATE", period)
    cpp = _numeric(ctx, "CPP_RATE", period).reindex(lac.index)
    frame = pd.DataFrame({"cluster_name": lac["cluster_name"], "lac": lac["value"], "cpp": cpp["value"]})
    return performance_charts.dumbbell(
        frame, label="cluster_name", before="cpp", after="lac", before_label="Child-protection plans per 10,000",
        after_label="Looked-after children per 10,000", change=None,
        benchmarks={"City: plans": city_value(ctx, "CPP_RATE", period)["value"],
                    "City: looked after": city_value(ctx, "LAC_RATE", period)["value"]},
        title=f"Looked-after children and child-protection plans per 10,000 children, by cluster, {p}",
        x_label="per 10,000 children aged 0–17", units="per 10,000 children aged 0–17", period=p,
        source=SOURCE_ILLUSTRATIVE, status="illustrative", table=safeguarding_table(ctx, period, previous),
        sort_by="after",
    )


# ----------------------------------------------------------------------------- key findings


@dataclass
class Finding:
    text: str  # HTML (escaped)
    status: str  # illustrative | real | mixed


class KeyFindings:
    """The chapter's key findings: each sentence is built from cells of the tables on the pages."""

    def __init__(self, items: list[Finding]):
        self.items = items

    def _repr_html_(self) -> str:
        lis = "".join(f"<li>{f.text} {status_badge(f.status)}</li>" for f in self.items)
        return f"<div class='ci-findings'><p><strong>Key findings</strong></p><ul>{lis}</ul></div>"

    def __repr__(self) -> str:
        return "Key findings (see the rendered page)"


def key_findings(ctx: Context, period: str = PERIOD, previous: str = PREVIOUS) -> KeyFindings:
    """Findings written from the displayed cells of the dashboard, improvement, NEET and comparator tables."""
    p, q = month_label(period), month_label(previous)
    esc = html.escape
    items = []
    imp = improvement_table(ctx, period, previous).frame
    flagged = imp.loc[imp["Needs improvement measures?"] == NEEDS_MEASURES, "Cluster"].tolist()
    watch = imp.loc[imp["Needs improvement measures?"] == WATCH, "Cluster"].tolist()
    items.append(Finding(
        f"<strong>{len(flagged)} of {len(imp)} clusters need improvement measures</strong> under the rule below "
        f"(worse than the city on two or more obsessions, or getting significantly worse): "
        f"{esc(', '.join(flagged)) if flagged else 'none'}.",
        "illustrative"))
    items.append(Finding(
        f"<strong>{len(watch)} more {'is' if len(watch) == 1 else 'are'} on the watch list</strong> (worse than the city "
        f"on one obsession, or getting worse while still better than the city): {esc(', '.join(watch)) if watch else 'none'}.",
        "illustrative"))
    dash = city_dashboard(ctx, period, previous)
    for code in OBSESSION_CODES:
        ind = INDICATORS[code]
        row = dash.frame[dash.frame["Indicator"] == ind.short].iloc[0]
        worse, better, hidden = row[DASH_WORSE], row[DASH_BETTER], row[DASH_HIDDEN]
        change = row[f"Change, {q} to {p}"].split(" ", 1)[-1].lower()
        ytd = " (year to date)" if INDICATORS[code].period_rule == "academic_year_to_date" else ""
        items.append(Finding(
            f"<strong>{esc(ind.short)}</strong>: city {esc(with_unit(row[p], ind.unit))} in {p}{ytd}, against "
            f"{esc(with_unit(row[q], ind.unit))} in {q}, the same months a year earlier: {esc(change)}. "
            f"Clusters significantly worse than "
            f"the city: {esc(worse)}; better: {esc(better)}; not shown: {esc(hidden)}.",
            "illustrative"))
    neet = neet_rates_table(ctx).frame.iloc[-1]
    s, e = month_label(NEET_MONTHS[0]), month_label(NEET_MONTHS[1])
    items.append(Finding(
        f"<strong>NEET, year on year</strong>: the city rate was {esc(neet[NEET_MONTHS[0]])}% in {s} and "
        f"{esc(neet[NEET_MONTHS[1]])}% in {e}: {esc(neet[f'Change, {s} to {e}'].split(' ', 1)[-1].lower())}.",
        "illustrative"))
    cla = comparators.cla_table(ctx.paths).frame
    leeds, england = cla[cla["Area"] == "Leeds"].iloc[0], cla[cla["Area"] == "England"].iloc[0]
    region = cla[cla["Area"] == comparators.REGION_NAME].iloc[0]
    col = comparators.rate_column(2015)
    items.append(Finding(
        f"<strong>Real comparators</strong>: Leeds had {esc(leeds['31 March 2012'])} children looked after at 31 March 2012 "
        f"and {esc(leeds['31 March 2015'])} at 31 March 2015, a change of {esc(leeds['Change, 2012 to 2015'])}. In 2015 that was "
        f"{esc(leeds[col])} per 10,000 children, against {esc(england[col])} in England and {esc(region[col])} in "
        f"Yorkshire and the Humber (rates on the mid-2014 population).",
        "real"))
    return KeyFindings(items)


def rule_box(period: str = PERIOD, previous: str = PREVIOUS) -> HTML:
    text = html.escape(RULE_TEXT.format(period=month_label(period), previous=month_label(previous)))
    return HTML(f"<div class='ci-rule' role='note'><p><strong>The rule</strong></p><p>{text}</p></div>")
