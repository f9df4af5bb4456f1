"""Chapter 4 (Outcomes and value for money): spend per child against the change in outcomes.

For each cluster, the change in three outcomes over the reporting period is set against the
average annual spend per child aged 0–19 from the £5.2m top-slice, and against deprivation:

* **NEET**: young people not in education, employment or training, % of the 16–18 cohort, March
  2013 to March 2014 (the same month a year apart, so seasonality cancels);
* **looked-after children** per 10,000 children aged 0–17, March 2013 to March 2014;
* **school attendance**, the financial-year average of monthly attendance, 2012-13 to 2013-14.

Associations are Pearson correlations with 95% confidence intervals from Fisher's z
transformation (:func:`pearson_ci`); the *partial* correlation allows for deprivation (the
child-weighted IMD 2015 score), because the formula gives more money per child to more deprived
clusters, and deprivation is also linked to outcomes. With 25 clusters the intervals are wide,
the data are illustrative, and a correlation between areas cannot show that spending *caused*
any change; the page says so in plain words.

Counts behind the outcomes come from the monthly tracker and use the city-wide suppression mask
(:func:`report.tracker_mask`), so a count hidden on a cluster profile is hidden here too.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from cluster_inquiry.data import geography
from cluster_inquiry.figures import charts, maps
from cluster_inquiry.pages import funding
from cluster_inquiry.stats import disclosure
from cluster_inquiry.pages.context import aggregate_imd
from cluster_inquiry.figures.records import Figure, Table, sources_table, status_badge
from cluster_inquiry.pages.report import HTML, POLICY, SOURCE_ILLUSTRATIVE, Context, tracker_mask

START, END = "2013-03", "2014-03"
MONTH_LABEL = {START: "March 2013", END: "March 2014"}
SOURCE_OUTCOMES = (
    f"{SOURCE_ILLUSTRATIVE}; spend from the illustrative cluster funding table; IMD 2015 (real, DCLG) "
    "aggregated over the illustrative cluster boundaries"
)
IMD_BANDS = ["Least deprived quarter", "Second quarter", "Third quarter", "Most deprived quarter"]


@dataclass(frozen=True)
class Outcome:
    code: str
    name: str
    short: str
    unit: str
    better: str  # "fall" or "rise"
    period: str = ""  # the months the change compares, as the table's columns name them


SPEND_PERIOD = "spend: average of financial years 2012-13 and 2013-14"


OUTCOMES: dict[str, Outcome] = {
    o.code: o
    for o in (
        Outcome("NEET_CHANGE", "Change in the NEET rate (% of 16–18 cohort), March 2013 to March 2014",
                "change in NEET rate", "percentage points", "fall", "March 2013 to March 2014"),
        Outcome("LAC_CHANGE", "Change in looked-after children per 10,000 aged 0–17, March 2013 to March 2014",
                "change in looked-after children per 10,000", "per 10,000 children", "fall", "March 2013 to March 2014"),
        Outcome("ATTEND_CHANGE", "Change in school attendance (financial-year average, % of sessions), 2012-13 to 2013-14",
                "change in attendance", "percentage points", "rise",
                "financial-year averages 2012-13 to 2013-14"),
    )
}


# ----------------------------------------------------------------------------- statistics


def pearson_ci(r: float, n: int, level: float = 0.95, controls: int = 0) -> tuple[float, float]:
    """Confidence interval for a (partial) Pearson correlation by Fisher's z transformation.

    z = atanh(r), standard error 1/sqrt(n − 3 − controls); the limits are tanh(z ± z_crit·se).
    NaN limits when there are too few points.
    """
    dof = n - 3 - controls
    if dof <= 0 or not np.isfinite(r):
        return (np.nan, np.nan)
    if abs(r) >= 1:
        return (float(r), float(r))
    z = np.arctanh(r)
    half = sps.norm.ppf(0.5 + level / 2) / np.sqrt(dof)
    return (float(np.tanh(z - half)), float(np.tanh(z + half)))


@dataclass(frozen=True)
class Correlation:
    r: float
    lower: float
    upper: float
    n: int
    controls: int = 0

    @property
    def includes_zero(self) -> bool:
        return not (self.lower > 0 or self.upper < 0)

    def text(self) -> str:
        return f"r = {fmt_r(self.r)} (95% CI {fmt_r(self.lower)} to {fmt_r(self.upper)}; {self.n} clusters)"


def fmt_r(v: float) -> str:
    return "x" if v is None or not np.isfinite(v) else f"{v:.2f}"


def correlate(x: pd.Series, y: pd.Series, control: pd.Series | None = None, level: float = 0.95) -> Correlation:
    """Pearson r of x and y (rows with any missing value dropped), or the partial r given ``control``."""
    cols = {"x": x, "y": y} if control is None else {"x": x, "y": y, "z": control}
    d = pd.DataFrame(cols).astype(float).dropna()
    n = len(d)
    if n < 3:
        return Correlation(np.nan, np.nan, np.nan, n, 0 if control is None else 1)
    r_xy = float(np.corrcoef(d["x"], d["y"])[0, 1])
    if control is None:
        lo, hi = pearson_ci(r_xy, n, level)
        return Correlation(r_xy, lo, hi, n)
    r_xz = float(np.corrcoef(d["x"], d["z"])[0, 1])
    r_yz = float(np.corrcoef(d["y"], d["z"])[0, 1])
    r = (r_xy - r_xz * r_yz) / np.sqrt((1 - r_xz**2) * (1 - r_yz**2))
    lo, hi = pearson_ci(r, n, level, controls=1)
    return Correlation(float(r), lo, hi, n, 1)


# ----------------------------------------------------------------------------- outcome measures


def outcome_frame(tracker: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Per cluster: the counts behind each outcome at the start and end, and the changes."""
    t = tracker.set_index(["cluster_code", "month"])
    codes = sorted(tracker["cluster_code"].unique())
    pop = population.set_index("cluster_code")["pop_0_17"].reindex(codes).astype(float)
    out = pd.DataFrame({"cluster_code": codes}).set_index("cluster_code")
    for month, tag in ((START, "start"), (END, "end")):
        m = t.xs(month, level="month").reindex(codes)
        out[f"lac_{tag}"] = m["lac_count"].astype(int)
        out[f"neet_{tag}"] = m["neet_count"].astype(int)
        out[f"cohort_{tag}"] = m["neet_cohort"].astype(int)
        out[f"lac_rate_{tag}"] = out[f"lac_{tag}"] / pop * 10_000
        out[f"neet_pct_{tag}"] = out[f"neet_{tag}"] / out[f"cohort_{tag}"] * 100
    for fy in funding.FINANCIAL_YEARS:
        sel = tracker[tracker["month"].isin(funding.FY_MONTHS[fy])]
        out[f"attendance_{fy}"] = sel.groupby("cluster_code")["attendance_pct"].mean().reindex(codes)
    out["LAC_CHANGE"] = out["lac_rate_end"] - out["lac_rate_start"]
    out["NEET_CHANGE"] = out["neet_pct_end"] - out["neet_pct_start"]
    first, last = funding.FINANCIAL_YEARS[0], funding.FINANCIAL_YEARS[-1]
    out["ATTEND_CHANGE"] = out[f"attendance_{last}"] - out[f"attendance_{first}"]
    return out.reset_index()


COUNT_COLUMNS = {
    ("lac", START): "Looked after, March 2013",
    ("lac", END): "Looked after, March 2014",
    ("neet", START): "NEET, March 2013",
    ("neet", END): "NEET, March 2014",
}


@dataclass
class OutcomesEvidence:
    numeric: pd.DataFrame  # per cluster; suppressed outcome changes are NaN
    display: pd.DataFrame  # the published per-cluster table
    correlations: pd.DataFrame  # one row per comparison: label, outcome, r, lower, upper, n
    funding: funding.FundingEvidence

    def correlation(self, label: str, outcome: str | None = None) -> Correlation:
        c = self.correlations
        row = c[(c["comparison"] == label) & (c["outcome"] == (outcome or ""))].iloc[0]
        return Correlation(row["r"], row["lower"], row["upper"], int(row["n"]), int(row["controls"]))

    def correlations_display(self) -> pd.DataFrame:
        c = self.correlations
        return pd.DataFrame(
            {
                "Comparison": c["comparison"],
                "Outcome": c["outcome"].map(lambda v: OUTCOMES[v].short if v else "-"),
                "Clusters": c["n"].astype(int).astype(str),
                "Correlation r": c["r"].map(fmt_r),
                "95% CI": [f"{fmt_r(a)} to {fmt_r(b)}" for a, b in zip(c["lower"], c["upper"])],
                "Interval includes 0?": ["yes" if not (a > 0 or b < 0) else "no" for a, b in zip(c["lower"], c["upper"])],
            }
        )

    def findings_items(self, outcome: str = "NEET_CHANGE") -> list[str]:
        o = OUTCOMES[outcome]
        items = []
        s = self.numeric.dropna(subset=["spend_per_child_gbp"])
        lo, hi = s.loc[s["spend_per_child_gbp"].idxmin()], s.loc[s["spend_per_child_gbp"].idxmax()]
        dep = self.correlation(SPEND_VS_IMD)
        items.append(
            f"<li>Average annual spend per child aged 0–19 ranged from {funding.per_child(lo['spend_per_child_gbp'])} in "
            f"<strong>{html.escape(lo['cluster_name'])}</strong> to {funding.per_child(hi['spend_per_child_gbp'])} in "
            f"<strong>{html.escape(hi['cluster_name'])}</strong>. The correlation of spend per child with deprivation is "
            f"{dep.text()}.</li>"
        )
        v = self.numeric.dropna(subset=[outcome])
        raw = self.correlation(SPEND_VS_OUTCOME, outcome)
        part = self.correlation(SPEND_VS_OUTCOME_PARTIAL, outcome)
        imd = self.correlation(IMD_VS_OUTCOME, outcome)
        items.append(
            f"<li>Across the {len(v)} clusters with published figures, the {html.escape(o.short)} ranged from "
            f"{_signed(v[outcome].min())} to {_signed(v[outcome].max())} {html.escape(o.unit)}. "
            f"Its correlation with spend per child is {raw.text()}; with deprivation, {imd.text()}; and with spend per "
            f"child after allowing for deprivation, {part.text()}.</li>"
        )
        if raw.includes_zero and part.includes_zero:
            verdict = ("Both intervals include zero: with this few clusters, the data cannot tell an association "
                       "between spend and this outcome apart from none at all.")
        else:
            verdict = ("At least one interval excludes zero, but an association between areas is not an effect: "
                       "clusters that spend more also differ in deprivation and in much else.")
        items.append(
            f"<li><strong>What this can and cannot show.</strong> {verdict} These are {len(self.numeric)} clusters of "
            "<strong>illustrative</strong> data; more deprived clusters get more money per child and also start from "
            "different outcomes, so deprivation confounds any comparison. Nothing here shows that spending caused a "
            "change; that would need real council data, more time points and a design that compares like with like.</li>"
        )
        return items


SPEND_VS_IMD = "Spend per child and deprivation"
SPEND_VS_OUTCOME = "Spend per child and outcome change"
IMD_VS_OUTCOME = "Deprivation and outcome change"
SPEND_VS_OUTCOME_PARTIAL = "Spend per child and outcome change, allowing for deprivation (partial)"


def _signed(v: float, dp: int = 1) -> str:
    return "x" if pd.isna(v) else ("−" if v < 0 else "+" if v > 0 else "") + f"{abs(v):,.{dp}f}"


def outcomes_evidence(
    frames: dict[str, pd.DataFrame], lsoa: pd.DataFrame, hidden: dict[tuple[str, str], pd.Series] | None = None
) -> OutcomesEvidence:
    """Build the per-cluster table, its published version and the correlations.

    ``hidden`` marks tracker counts another page already suppresses (key (``lac``|``neet``, month),
    values indexed by cluster code); they are shown as ``c`` here too.
    """
    clusters = frames["clusters"]
    o = outcome_frame(frames["obsessions_monthly"], frames["cluster_population"])
    o = o.merge(clusters[["cluster_code", "cluster_name", "area"]], on="cluster_code", validate="1:1")
    imd = aggregate_imd(lsoa, frames["lsoa_cluster_lookup"])[["cluster_code", "imd_score_child"]]
    spend = funding.spend_per_child(frames["cluster_funding"], frames["cluster_population"], clusters)
    o = o.merge(imd, on="cluster_code", validate="1:1").merge(
        spend[["cluster_code", "spend_per_child_gbp", "allocation_per_child_gbp"]], on="cluster_code", validate="1:1"
    )
    o = o.sort_values("cluster_code").reset_index(drop=True)
    band = maps.assign_class(o["imd_score_child"].to_numpy(), maps.class_breaks(o["imd_score_child"].to_numpy()))
    o["imd_band"] = [IMD_BANDS[b] for b in band]
    o["map_label"] = o["cluster_code"].str[1:]

    shown = pd.DataFrame(
        {
            "Cluster": o["cluster_name"],
            "IMD score (children)": o["imd_score_child"].map(lambda v: f"{v:.1f}"),
            "Spend per child 0–19 (a year)": o["spend_per_child_gbp"].map(funding.per_child),
            COUNT_COLUMNS[("lac", START)]: o["lac_start"],
            COUNT_COLUMNS[("lac", END)]: o["lac_end"],
            "Change in LAC per 10,000": o["LAC_CHANGE"],
            COUNT_COLUMNS[("neet", START)]: o["neet_start"],
            COUNT_COLUMNS[("neet", END)]: o["neet_end"],
            "Change in NEET % (points)": o["NEET_CHANGE"],
            "Change in attendance % (points)": o["ATTEND_CHANGE"],
        }
    )
    shown.index = o["cluster_code"].to_numpy()
    for (kind, month), col in COUNT_COLUMNS.items():
        mask = (hidden or {}).get((kind, month))
        if mask is not None:
            shown[col] = shown[col].astype(object).where(~mask.reindex(shown.index, fill_value=False).astype(bool), "c")
    lac_cols = [COUNT_COLUMNS[("lac", START)], COUNT_COLUMNS[("lac", END)]]
    neet_cols = [COUNT_COLUMNS[("neet", START)], COUNT_COLUMNS[("neet", END)]]
    res = disclosure.suppress_table(
        shown, lac_cols + neet_cols, POLICY,
        derived={"Change in LAC per 10,000": lac_cols, "Change in NEET % (points)": neet_cols},
        row_total=False, col_total=True,
    )
    lac_hidden = res.mask[lac_cols].any(axis=1).to_numpy()
    neet_hidden = res.mask[neet_cols].any(axis=1).to_numpy()
    o["LAC_CHANGE"] = o["LAC_CHANGE"].where(~lac_hidden)
    o["NEET_CHANGE"] = o["NEET_CHANGE"].where(~neet_hidden)
    display = res.table.reset_index(drop=True)
    for c in lac_cols + neet_cols:
        display[c] = display[c].map(lambda v: v if isinstance(v, str) else f"{int(v):,}")
    for c, dp in (("Change in LAC per 10,000", 1), ("Change in NEET % (points)", 1), ("Change in attendance % (points)", 2)):
        display[c] = display[c].map(lambda v: v if isinstance(v, str) else _signed(v, dp))

    rows = []
    x, z = o["spend_per_child_gbp"], o["imd_score_child"]
    c = correlate(x, z)
    rows.append((SPEND_VS_IMD, "", c))
    for code in OUTCOMES:
        y = o[code]
        rows.append((SPEND_VS_OUTCOME, code, correlate(x, y)))
        rows.append((IMD_VS_OUTCOME, code, correlate(z, y)))
        rows.append((SPEND_VS_OUTCOME_PARTIAL, code, correlate(x, y, control=z)))
    correlations = pd.DataFrame(
        [{"comparison": a, "outcome": b, "r": k.r, "lower": k.lower, "upper": k.upper, "n": k.n, "controls": k.controls}
         for a, b, k in rows]
    )
    return OutcomesEvidence(o, display, correlations, funding.funding_evidence(frames, lsoa))


def evidence(ctx: Context) -> OutcomesEvidence:
    key = ("outcomes_evidence",)
    if key not in ctx.cache:
        hidden = {}
        for kind, column in (("lac", "lac_count"), ("neet", "neet_count")):
            mask = tracker_mask(ctx, column)
            for month in (START, END):
                if month in mask.columns:
                    hidden[(kind, month)] = mask[month]
        ctx.cache[key] = outcomes_evidence(ctx.frames, geography.lsoa_attributes(ctx.paths), hidden)
    return ctx.cache[key]


# ----------------------------------------------------------------------------- notebook calls


def findings(ctx: Context, outcome: str = "NEET_CHANGE") -> HTML:
    ev = evidence(ctx)
    items = ev.funding.findings_items() + ev.findings_items(outcome)
    return HTML(
        f"<div class='ci-findings'><p><strong>Key findings</strong> {status_badge('illustrative')}</p>"
        f"<ul>{''.join(items)}</ul></div>"
    )


def _outcomes_table(ev: OutcomesEvidence) -> Table:
    return Table(
        ev.display,
        title="Spend per child and change in outcomes by cluster",
        source=SOURCE_OUTCOMES,
        status="illustrative",
        unit="£ per child a year; children; percentage points; per 10,000",
        period=table_period(),
        notes=[
            "Spend per child: the average of 2012-13 and 2013-14 spend, divided by children and young people aged 0–19.",
            "Looked-after children per 10,000 aged 0–17 and NEET % of the 16–18 cohort compare March 2013 with March 2014; "
            "attendance compares the 2012-13 and 2013-14 financial-year averages. A minus sign is a fall.",
            "A change worked out from a hidden count is hidden too (c).",
        ],
    )


def outcome_period(outcome: str) -> str:
    """The period a spend-and-outcome chart covers, named as its table's columns name it."""
    o = OUTCOMES[outcome]
    return f"{SPEND_PERIOD}; {o.short}: {o.period}"


def table_period() -> str:
    changes = {}
    for o in OUTCOMES.values():
        changes.setdefault(o.period, []).append(o.short)
    return f"{SPEND_PERIOD}; " + "; ".join(f"{' and '.join(v)}: {k}" for k, v in changes.items())


def outcomes_table(ctx: Context) -> Table:
    return _outcomes_table(evidence(ctx))


def correlation_table(ctx: Context) -> Table:
    ev = evidence(ctx)
    return Table(
        ev.correlations_display(),
        title="How spend, deprivation and outcome change move together across clusters",
        source=SOURCE_OUTCOMES,
        status="illustrative",
        unit="Pearson correlation coefficient r (−1 to 1)",
        period=table_period(),
        notes=[
            "Pearson's r across clusters; 95% confidence intervals by Fisher's z transformation (standard error "
            "1/√(n − 3), or 1/√(n − 4) for the partial correlation, which allows for the IMD 2015 score).",
            "An interval that includes 0 means the data are consistent with no association at all.",
            "A correlation between areas describes the areas, not the effect of spending on any child.",
        ],
    )


def spend_outcome_scatter(ctx: Context, outcome: str = "NEET_CHANGE") -> Figure:
    ev = evidence(ctx)
    o = OUTCOMES[outcome]
    raw = ev.correlation(SPEND_VS_OUTCOME, outcome)
    part = ev.correlation(SPEND_VS_OUTCOME_PARTIAL, outcome)
    return charts.scatter_chart(
        ev.numeric, x="spend_per_child_gbp", y=outcome, point_label="map_label", name="cluster_name", group="imd_band",
        title=f"Spend per child and {o.short}, by cluster",
        x_label="spend per child aged 0–19 (£ a year)", y_label=f"{o.short} ({o.unit})",
        units=f"£ per child a year; {o.unit}", period=outcome_period(outcome), source=SOURCE_OUTCOMES,
        status="illustrative", table=_outcomes_table(ev), reference_y=0.0,
        group_label="deprivation (IMD 2015 quarter within Leeds)", group_order=IMD_BANDS[::-1],
        summary=f"Correlation {raw.text()}; allowing for deprivation {part.text()}.",
    )


def spend_deprivation_scatter(ctx: Context) -> Figure:
    ev = evidence(ctx)
    c = ev.correlation(SPEND_VS_IMD)
    n = ev.numeric
    table = Table(
        pd.DataFrame(
            {
                "Label": n["map_label"],
                "Cluster": n["cluster_name"],
                "Area": n["area"],
                "IMD score (children)": n["imd_score_child"].map(lambda v: f"{v:.1f}"),
                "Allocation per child 0–19 (a year)": n["allocation_per_child_gbp"].map(funding.per_child),
                "Spend per child 0–19 (a year)": n["spend_per_child_gbp"].map(funding.per_child),
            }
        ),
        title="Chart data: deprivation, allocation and spend per child by cluster",
        source=SOURCE_OUTCOMES, status="illustrative",
        notes=["Allocation and spend per child are averages of 2012-13 and 2013-14; the IMD score is real."],
    )
    return charts.scatter_chart(
        ev.numeric, x="imd_score_child", y="spend_per_child_gbp", point_label="map_label", name="cluster_name", group="area",
        title="Spend per child and deprivation, by cluster", x_label="IMD 2015 average score (children)",
        y_label="spend per child aged 0–19 (£ a year)", units="IMD score; £ per child a year",
        period="2012-13 and 2013-14", source=SOURCE_OUTCOMES, status="illustrative", table=table,
        group_label="children's-services area", summary=f"Correlation {c.text()}.",
    )


def spend_map(ctx: Context) -> Figure:
    ev = evidence(ctx)
    values = ev.numeric[["cluster_code", "cluster_name", "spend_per_child_gbp"]]
    small = maps.map_data(values, {"Spend per child 0–19 (£ a year)": values["spend_per_child_gbp"].map(funding.per_child)})
    table = Table(small, title="Map data: spend per child by cluster", source=funding.SOURCE_FUNDING, status="illustrative")
    return maps.choropleth(
        ctx.boundaries, values, value="spend_per_child_gbp", label="cluster_name",
        title="Average annual spend per child aged 0–19, 2012-13 and 2013-14", measure="spend per child aged 0–19",
        units="£ per child a year", period="2012-13 and 2013-14", source=funding.SOURCE_FUNDING, status="illustrative",
        table=table,
    )


def sources() -> HTML:
    rows = [
        ("£5.2m annual Schools Forum top-slice", "real", "Leeds Schools Forum, as reported by the council (sourced fact F02)"),
        ("Allocation formula and cluster allocations", "illustrative", "this project: documented formula on real populations and IMD 2015"),
        ("Cluster spend by category", "illustrative", "this project's generator"),
        ("Looked-after children, NEET and attendance by cluster and month", "illustrative",
         "this project's generator (city totals of looked-after children at 31 March match DfE)"),
        ("IMD 2015 and mid-2012 populations", "real", "DCLG English Indices of Deprivation 2015 (OGL v3)"),
    ]
    return HTML(sources_table(rows))

