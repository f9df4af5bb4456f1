"""Cluster profiles in the manner of PHE Fingertips: a spine chart, the improvement flag and why,
funding and spend, partner attendance, joint work with other clusters, and links onward.

**Spine chart.** One row per key indicator. The bar is the range of the published cluster values
(lightest: lowest to highest; darker: the middle half, 25th to 75th percentile), oriented so that
*better is to the right* for an indicator with a polarity (an indicator with no judgement keeps
low on the left). The city value is the centre line; the cluster's value is a marker carrying
the tartan rug's symbol (✓ better, = similar, ✗ worse, doubled at 99.8%; ↑/↓ for no judgement),
so colour is never the only cue. England is drawn (◆) only where a real published figure exists:
the DfE's looked-after and child-protection rates at 31 March 2014, labelled with their date.
The chart's data table sits beside it, with exactly the figures the chart draws.

Every value comes from :func:`cluster_inquiry.pages.report.published_indicator` (disclosure-controlled:
a hidden value is ``c`` in the table and no marker in the chart), so the profile shows nothing the
chapters do not. The city range is over the published values only, as the chapters' bands are.
"""

from __future__ import annotations

import html

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cluster_inquiry.figures import performance_charts
from cluster_inquiry.pages import comparators
from cluster_inquiry.stats import disclosure, methods
from cluster_inquiry.figures.records import Figure, Table, mpl_text, status_badge
from cluster_inquiry.pages.front import CASE_STUDIES, THEMES, page_name, profile_href
from cluster_inquiry.indicators.catalogue import INDICATORS
from cluster_inquiry.pages.report import HTML, PERIOD_LABEL, SOURCE_ILLUSTRATIVE, Context, published_indicator

PERIOD = "2013-09"
#: the key indicators, in the order of the Performance chapter (the three obsessions first)
SPINE_CODES = ("LAC_RATE", "ATTEND_PCT", "NEET_PCT", "PA_PCT", "CPP_RATE")
#: real England comparators: indicator → (function giving counts, year at 31 March)
ENGLAND_YEAR = 2014
ENGLAND_LABEL = f"England, 31 March {ENGLAND_YEAR} (real, DfE)"
#: (no indicator's name in it: the leak scan reads a download's metadata rows for measure words)
SOURCE_ENGLAND = "England: Department for Education national statistics, SFR 36/2014 and Characteristics of children in need 2014 (real)"
#: marker colours by comparison: the tartan rug's and the maps' (one colour logic, docs/colours.md);
#: the symbol is printed beside each marker
MARKER = {label: fill for label, (fill, _hatch) in performance_charts.COMPARISON_STYLE.items()}


def _glyph(label: str | None) -> str:
    from cluster_inquiry.pages.performance import comparison_text

    return comparison_text(label)


def _dp(code: str) -> int:
    """The published precision of an indicator (the catalogue's; ranks and ties use it too)."""
    return INDICATORS[code].decimals


def _fmt(v: float, dp: int) -> str:
    return disclosure.SUPPRESSED if v is None or pd.isna(v) else f"{v:,.{dp}f}"


def england_values(ctx: Context) -> dict[str, float]:
    """Real England rates per 10,000 children at 31 March :data:`ENGLAND_YEAR` (DfE counts over ONS mid-year population)."""
    key = ("england_values",)
    if key not in ctx.cache:
        pop = comparators.population(ctx.paths)
        out = {}
        for code, counts in (("LAC_RATE", comparators.cla_counts), ("CPP_RATE", comparators.cpp_counts)):
            r = comparators.rates(counts(ctx.paths), pop)
            if ENGLAND_YEAR in r.columns and comparators.ENGLAND in r.index:
                out[code] = float(r.loc[comparators.ENGLAND, ENGLAND_YEAR])
        ctx.cache[key] = out
    return ctx.cache[key]


def city_ranges(ctx: Context, period: str = PERIOD) -> dict[str, dict[str, float]]:
    """Per indicator: the city value and the lowest, 25th, 75th percentile and highest published cluster value."""
    out = {}
    for code in SPINE_CODES:
        pub = published_indicator(ctx, code, period)
        v = pub.numeric["value"].dropna().to_numpy(dtype=float)
        q1, q3 = (np.percentile(v, [25, 75]) if len(v) else (np.nan, np.nan))
        out[code] = {"city": pub.city_value, "min": float(v.min()) if len(v) else np.nan, "q1": float(q1),
                     "q3": float(q3), "max": float(v.max()) if len(v) else np.nan}
    return out


def spine_frame(ctx: Context, code: str, period: str = PERIOD) -> pd.DataFrame:
    """The spine chart's numbers for one cluster (floats; NaN where hidden or not available)."""
    ranges = city_ranges(ctx, period)
    england = england_values(ctx)
    rows = []
    for icode in SPINE_CODES:
        pub = published_indicator(ctx, icode, period)
        own = pub.numeric.set_index("cluster_code").loc[code]
        r = ranges[icode]
        rows.append({
            "code": icode, "value": own["value"], "lower95": own["lower95"], "upper95": own["upper95"],
            "comparison": None if pd.isna(own["comparison"]) else own["comparison"],
            "city": r["city"], "min": r["min"], "q1": r["q1"], "q3": r["q3"], "max": r["max"],
            "england": england.get(icode, np.nan),
        })
    return pd.DataFrame(rows)


def spine_table(ctx: Context, code: str, period: str = PERIOD) -> Table:
    f = spine_frame(ctx, code, period)
    name = ctx.cluster(code)["cluster_name"]
    p = PERIOD_LABEL.get(period, period)
    rows = []
    for r in f.itertuples():
        ind, dp = INDICATORS[r.code], _dp(r.code)
        rows.append({
            "Indicator": ind.short,
            "Unit": ind.unit,
            name: _fmt(r.value, dp),
            "95% CI": disclosure.SUPPRESSED if pd.isna(r.value) else f"{_fmt(r.lower95, dp)} to {_fmt(r.upper95, dp)}",
            "Compared with city": _glyph(r.comparison),
            "City": _fmt(r.city, dp),
            "City: lowest cluster": _fmt(r.min, dp),
            "City: highest cluster": _fmt(r.max, dp),
            ENGLAND_LABEL: "x" if pd.isna(r.england) else _fmt(r.england, 1),
        })
    return Table(
        pd.DataFrame(rows), title=f"{name}: key indicators against the city, {p}", source=f"{SOURCE_ILLUSTRATIVE}. {SOURCE_ENGLAND}",
        status="mixed", period=p, unit="as each row",
        notes=[
            "Compared with city (Fingertips): ✓ Better / = Similar / ✗ Worse at 95%; ✓✓ and ✗✗ also at 99.8%; "
            "↑ Higher / ↓ Lower where an indicator carries no judgement.",
            "Lowest and highest: among the clusters whose value is published.",
            f"England is shown only where a real figure exists (x otherwise): {ENGLAND_LABEL}, on the ONS mid-{ENGLAND_YEAR - 1} "
            "population; it is a different date from the cluster values.",
        ],
    )


def _position(v: float, city: float, half: float, flip: bool) -> float:
    x = (v - city) / half if half else 0.0
    return -x if flip else x


def spine_chart(ctx: Context, code: str, period: str = PERIOD) -> Figure:
    """A Fingertips spine chart for one cluster, with its data table (:func:`spine_table`)."""
    f = spine_frame(ctx, code, period)
    name = ctx.cluster(code)["cluster_name"]
    p = PERIOD_LABEL.get(period, period)
    plt.rcParams.update({"font.family": "DejaVu Sans"})
    fig, ax = plt.subplots(figsize=(7.2, 0.62 * len(f) + 1.1))
    labels = []
    for i, r in enumerate(f.itertuples()):
        y = len(f) - 1 - i
        ind = INDICATORS[r.code]
        flip = ind.polarity == "low_is_good"  # better to the right
        span = [abs(v - r.city) for v in (r.min, r.max, r.value, r.england) if not pd.isna(v)]
        half = max(span) * 1.08 if span else 1.0
        lo, hi = sorted((_position(r.min, r.city, half, flip), _position(r.max, r.city, half, flip)))
        q_lo, q_hi = sorted((_position(r.q1, r.city, half, flip), _position(r.q3, r.city, half, flip)))
        ax.barh(y, hi - lo, left=lo, height=0.5, color="#d9d9d9", edgecolor="#767676", linewidth=0.6)
        ax.barh(y, q_hi - q_lo, left=q_lo, height=0.5, color="#9e9e9e", edgecolor="#767676", linewidth=0.6)
        if not pd.isna(r.england):
            ax.plot(_position(r.england, r.city, half, flip), y, marker="D", color="#1a1a1a", markersize=6, zorder=3)
        if not pd.isna(r.value):
            x = _position(r.value, r.city, half, flip)
            ax.plot(x, y, marker="o", markersize=11, markerfacecolor=MARKER.get(r.comparison, "#ffffff"),
                    markeredgecolor="#1a1a1a", zorder=4)
            ax.annotate(_glyph(r.comparison).split(" ")[0], (x, y), xytext=(0, 9), textcoords="offset points",
                        ha="center", va="bottom", fontsize=11, fontweight="bold")
        else:
            ax.annotate("c (not shown)", (0, y), xytext=(0, 9), textcoords="offset points", ha="center", fontsize=11)
        side = "" if flip or ind.polarity == "high_is_good" else " (higher → right)"
        labels.append(f"{mpl_text(ind.short)}{side}\n{mpl_text(_fmt(r.value, _dp(r.code)))} {mpl_text(ind.unit)}")
    ax.axvline(0, color="#1a1a1a", linewidth=1.5)
    ax.set_yticks(range(len(f) - 1, -1, -1), labels, fontsize=11)
    ax.set_xticks([-1, 0, 1], ["← worse", "city", "better →"], fontsize=11)
    ax.set_xlim(-1.15, 1.15)
    ax.set_ylim(-0.7, len(f) - 0.2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(mpl_text(f"{name} against the city, {p}"), fontsize=12)
    handles = [
        plt.Line2D([], [], marker="o", linestyle="", markerfacecolor="#ffffff", markeredgecolor="#1a1a1a", markersize=9,
                   label=mpl_text(name)),
        plt.Line2D([], [], color="#1a1a1a", linewidth=1.5, label="City value (centre)"),
        plt.Rectangle((0, 0), 1, 1, color="#d9d9d9", label="Clusters: lowest to highest"),
        plt.Rectangle((0, 0), 1, 1, color="#9e9e9e", label="Middle half of clusters"),
        plt.Line2D([], [], marker="D", linestyle="", color="#1a1a1a", label=f"England, March {ENGLAND_YEAR} (real)"),
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, fontsize=11, frameon=False)
    fig.tight_layout()
    parts = []
    for r in f.itertuples():
        ind = INDICATORS[r.code]
        if pd.isna(r.value):
            parts.append(f"{ind.short}: not shown (c)")
        else:
            parts.append(f"{ind.short}: {_fmt(r.value, _dp(r.code))} against the city's {_fmt(r.city, _dp(r.code))} "
                         f"({(r.comparison or 'not compared').lower()})")
    alt = (f"Spine chart of {name}'s {len(f)} key indicators in {p}, each against the range of the city's clusters "
           f"with the city value at the centre and better to the right. " + "; ".join(parts) + ". The data table follows.")
    return Figure(fig, title=f"{name}: key indicators against the city (spine chart), {p}", alt_text=alt,
                  units="as each row", period=p, source=f"{SOURCE_ILLUSTRATIVE}. {SOURCE_ENGLAND}", status="mixed",
                  table=spine_table(ctx, code, period))


class SideBySide(Figure):
    """A figure with its data table beside it (stacked on narrow screens and in print)."""

    def to_html(self) -> str:
        inner = super().to_html()
        cut = inner.index("</figure>") + len("</figure>")
        return f"<div class='ci-spine'>{inner[:cut]}<div>{inner[cut:]}</div></div>"


def spine(ctx: Context, code: str, period: str = PERIOD) -> Figure:
    fig = spine_chart(ctx, code, period)
    out = SideBySide(fig.fig, fig.title, fig.alt_text, fig.units, fig.period, fig.source, fig.status, fig.table, fig.name)
    return out


# ----------------------------------------------------------------------------- flag, wards, money, partners, links


def wards(ctx: Context, code: str):
    """The cluster's real 2013 wards, as page text (so the site search finds the profile by a ward name)."""
    from cluster_inquiry.pages.front import Markdown, _md, cluster_wards, ward_text

    wl = cluster_wards(ctx)[code]
    return Markdown(f"**Wards (2013, ONS best-fit lookup; real):** {_md(ward_text(wl))}. A ward marked *part* is shared "
                    "with another cluster.\n")



def improvement_flag(ctx: Context, code: str) -> HTML:
    """The cluster's result under the improvement rule and why (the Performance chapter's assessment)."""
    from cluster_inquiry.pages.front import flags

    row = flags(ctx).set_index("cluster_code").loc[code]
    return HTML(
        f"<div class='ci-profile-flag' role='note'><p><strong>Improvement rule: {html.escape(row['status'])}.</strong> "
        f"Why: {html.escape(row['why'])}. {status_badge('illustrative')}</p>"
        f"<p class='ci-source'>The rule and every cluster's result: "
        f"<a href='{THEMES}/performance.html#improve-{code.lower()}'>Performance chapter</a>.</p></div>"
    )


def funding_table(ctx: Context, code: str) -> Table:
    """The cluster's allocation and spend by financial year (its own rows of the funding tables)."""
    from cluster_inquiry.pages import funding

    f = funding.funding_frame(ctx.frames["cluster_funding"], ctx.frames["cluster_population"], ctx.clusters)
    own = f[f["cluster_code"] == code]
    name = ctx.cluster(code)["cluster_name"]
    frame = pd.DataFrame({
        "Financial year": own["financial_year"],
        "Allocation (£)": own["allocation_gbp"].map(lambda v: f"{v:,.0f}"),
        "Spend (£)": own["spend_gbp"].map(lambda v: f"{v:,.0f}"),
        "Spend as % of allocation": own["spend_pct_of_allocation"].map(lambda v: f"{v:.1f}"),
        "Spend per child aged 0–19 (£)": own["spend_per_child_gbp"].map(lambda v: f"{v:,.2f}"),
        "Monitoring": own["monitoring_flag"],
    })
    return Table(frame, title=f"{name}: funding and spend by financial year", source=SOURCE_ILLUSTRATIVE,
                 status="illustrative", unit="£; %", notes=["Allocation: the Schools Forum top-slice formula (Outcomes chapter)."])


def partner_table(ctx: Context, code: str) -> Table:
    """Held cluster meetings each partner type attended, 2012/13 (the Collaboration chapter's figures)."""
    from cluster_inquiry.pages import collaboration

    frame = collaboration.attendance_frame(ctx.clusters, ctx.frames["partner_attendance"])
    own = frame[frame["Code"] == code].iloc[0]
    name = own["Cluster"]
    row = {"Cluster meetings held": str(own["Meetings held"]), **{f"{p}: % attended": own[p] for p in collaboration.PARTNER_TYPES}}
    return Table(pd.DataFrame([row]), title=f"{name}: partner attendance at cluster meetings, 2012/13",
                 source=SOURCE_ILLUSTRATIVE, status="illustrative", unit="% of held meetings")


def joint_work(ctx: Context, code: str) -> HTML:
    """The clusters this one works with (pairs in the sharing table), each linked to its profile."""
    sharing = ctx.frames["cluster_sharing"]
    names = dict(zip(ctx.clusters["cluster_code"], ctx.clusters["cluster_name"]))
    part = sharing[(sharing["cluster_a"] == code) | (sharing["cluster_b"] == code)]
    items = []
    for other, rows in part.assign(other=np.where(part["cluster_a"] == code, part["cluster_b"], part["cluster_a"])).groupby("other"):
        acts = "; ".join(sorted(rows["activity"]))
        items.append(f"<li><a href='{profile_href(other, names[other])}'>{html.escape(names[other])}</a>: {html.escape(acts)} "
                     f"(since {html.escape(str(rows['started'].min()))})</li>")
    body = f"<ul>{''.join(items)}</ul>" if items else "<p>No joint work with another cluster is recorded.</p>"
    return HTML(f"<div class='ci-joint'>{status_badge('illustrative')}{body}"
                f"<p class='ci-source'>Every pair of clusters: <a href='{THEMES}/collaboration.html'>Collaboration chapter</a>.</p></div>")


#: the chapters that rank or compare every cluster, and what each shows
RANKING_CHAPTERS = (
    ("performance", "Performance: the improvement rule and the key indicators"),
    ("appendix_b", "Appendix B: key indicators for every cluster, ranked"),
    ("collaboration", "Collaboration: meetings, partner attendance and joint work"),
    ("outcomes", "Outcomes: spend per child and change in outcomes"),
    ("context", "Context: deprivation and demography"),
)


def visited(ctx: Context) -> set[str]:
    """Clusters the inquiry visited (evidence of kind ``visit``): each has a case study (as pipeline.case_study_codes)."""
    ev = ctx.frames.get("evidence_documents")
    return set() if ev is None else set(ev.loc[ev["kind"] == "visit", "cluster_code"].dropna())


def onward_links(ctx: Context, code: str, case_study: bool = False) -> HTML:
    """The cluster's case study (if visited) and the chapters that rank it."""
    name = ctx.cluster(code)["cluster_name"]
    items = []
    if case_study:
        items.append(f"<li><a href='../clusters/{page_name(code, name)}.html'>{html.escape(name)}: the cluster profile</a></li>")
    elif code in visited(ctx):
        items.append(f"<li><a href='{CASE_STUDIES}/{page_name(code, name)}.html'>Case study: the inquiry's visit to "
                     f"{html.escape(name)}</a></li>")
    anchor = {"performance": f"#improve-{code.lower()}"}
    items += [f"<li><a href='{THEMES}/{t}.html{anchor.get(t, '')}'>{html.escape(label)}</a></li>" for t, label in RANKING_CHAPTERS]
    return HTML(f"<nav class='ci-onward' aria-label='More about {html.escape(name, quote=True)}'><ul>{''.join(items)}</ul></nav>")
