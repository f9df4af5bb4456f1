"""Real comparators for Leeds: England, Yorkshire and the Humber, the English core cities and
Leeds's ten DfE statistical neighbours (April 2021 model).

All numbers here are real published statistics shipped in ``data/raw`` (see the PROVENANCE.md
files there):

* children looked after at 31 March 2012–2015 (DfE SFR underlying data; counts only);
* children subject of a child-protection plan at 31 March 2013–2015 (DfE CIN census);
* ONS mid-year population aged 0–17, mid-2012 to mid-2015 (via DfE);
* DfE's LAIT dataset for 2015 (published rates, absence, September Guarantee, care leavers).

Rates per 10,000 children are **computed here** as DfE does: the count at 31 March of year Y over
the 0–17 population of mid-(Y−1), times 10,000. This reproduces DfE's published Leeds 2015 rates
(CPP 612 / 160,167 → 38.2). The 2012 rates cannot be computed: they need mid-2011, which is not
shipped. National and regional counts are rounded by DfE (to 10), so their rates are approximate.
"""

from __future__ import annotations

import html

import pandas as pd

from cluster_inquiry.data import reference
from cluster_inquiry.figures import performance_charts
from cluster_inquiry.pages import report
from cluster_inquiry.stats import disclosure, methods
from cluster_inquiry.figures.records import Figure, Table
from cluster_inquiry.core.paths import Paths

ENGLAND, REGION = "E92000001", "E12000003"
REGION_NAME = "Yorkshire and the Humber"
#: display order: Leeds, England, the region, then the other core cities
CORE_CITIES = {
    "E08000035": "Leeds",
    "E08000025": "Birmingham",
    "E06000023": "Bristol",
    "E08000012": "Liverpool",
    "E08000003": "Manchester",
    "E08000021": "Newcastle upon Tyne",
    "E06000018": "Nottingham",
    "E08000019": "Sheffield",
}
AREA_NAMES = {ENGLAND: "England", REGION: REGION_NAME, **CORE_CITIES}
ORDER = ["E08000035", ENGLAND, REGION] + [c for c in CORE_CITIES if c != "E08000035"]
LAIT_NAMES = {"England": ENGLAND, "Yorkshire and the Humber": REGION, "Bristol, City of": "E06000023",
              **{v: k for k, v in CORE_CITIES.items() if v != "Bristol"}}
LAIT_FILE = "safeguarding/lait_comparators_2015.csv"
#: LAIT measures read but not shown in the LAIT table: the page's looked-after rates are the computed
#: 2013–2015 series, and one 2015 rate per page (LAIT's published 78 is explained in a note)
LAIT_NOT_SHOWN = ("LAC",)

SOURCE_CLA = ("Department for Education, Children looked after in England, SFR 20/2012, SFR 36/2013, SFR 36/2014, "
              "SFR 34/2015 underlying data (OGL v3)")
SOURCE_CPP = "Department for Education, Characteristics of children in need: 2025, underlying data 2013–2025 (OGL v3)"
SOURCE_POP = "ONS mid-year population estimates, children aged 0 to 17, via DfE (OGL v3)"
SOURCE_LAIT = "Department for Education, Local Authority Interactive Tool (LAIT), data as at November 2024 (OGL v3)"

#: LAIT measures shown, with their polarity for ranking among the core cities (None: no rank)
LAIT_MEASURES = {
    "LAC": ("Looked-after children per 10,000", "per 10,000", "low_is_good"),
    "CPP_rate": ("Child-protection plans per 10,000", "per 10,000", None),
    "TotAbs": ("Overall absence (% of sessions)", "%", "low_is_good"),
    "TotPerAbNew": ("Persistent absence, 10% definition (% of pupils)", "%", "low_is_good"),
    "Sept_Guarantee": ("September Guarantee: 16–17s offered a place (%)", "%", "high_is_good"),
    "CareLeaversNEET": ("Care leavers aged 19 who are NEET (%)", "%", "low_is_good"),
}


def rate_column(year: int) -> str:
    return f"Per 10,000, 31 March {year} (mid-{year - 1} population)"


def _wide(df: pd.DataFrame, code_col: str, year_col: str) -> pd.DataFrame:
    out = df.pivot_table(index=code_col, columns=year_col, values="value", aggfunc="first")
    out.columns = [int(c) for c in out.columns]
    return out.reindex(ORDER)


def cla_counts(paths: Paths) -> pd.DataFrame:
    """Children looked after at 31 March, area × year (2012–2015)."""
    df = reference.cla_comparators(paths)
    df = df[df["measure"] == reference.CLA_AT_31_MARCH]
    return _wide(df, "area_code", "year_31_march")


def cpp_counts(paths: Paths) -> pd.DataFrame:
    """Children subject of a child-protection plan at 31 March, area × year (2013–2015)."""
    df = reference.cpp_comparators(paths)
    df = df[df["source_column"] == "CPP_At31"]
    return _wide(df, "area_code", "time_period")


def population(paths: Paths) -> pd.DataFrame:
    """ONS population aged 0–17, area × mid-year (2012–2015)."""
    return _wide(reference.population_0_17(paths), "area_code", "time_period")


def rates(counts: pd.DataFrame, pop: pd.DataFrame) -> pd.DataFrame:
    """Rate per 10,000 at 31 March Y on the mid-(Y−1) population; NaN where that year is not shipped."""
    out = pd.DataFrame(index=counts.index)
    for year in counts.columns:
        if year - 1 in pop.columns:
            out[year] = counts[year] / pop[year - 1] * 10_000
    return out


def _count(v: float) -> str:
    return disclosure.format_count(None if pd.isna(v) else int(v))


def _change(a: float, b: float) -> str:
    if pd.isna(a) or pd.isna(b):
        return "x"
    d = b - a
    return f"{d:+,.0f} ({d / a * 100:+.1f}%)"


def _counts_and_rates_table(counts: pd.DataFrame, pop: pd.DataFrame, *, title: str, source: str, what: str,
                            notes: list[str]) -> Table:
    r = rates(counts, pop)
    years = list(counts.columns)
    frame = pd.DataFrame({"Area": [AREA_NAMES[c] for c in counts.index]})
    for y in years:
        frame[f"31 March {y}"] = [_count(v) for v in counts[y]]
    frame[f"Change, {years[0]} to {years[-1]}"] = [_change(a, b) for a, b in zip(counts[years[0]], counts[years[-1]])]
    for y in r.columns:
        frame[rate_column(y)] = [f"{v:.1f}" if pd.notna(v) else "x" for v in r[y]]
    ry = list(r.columns)
    frame[f"Change in rate, {ry[0]} to {ry[-1]}"] = [f"{b - a:+.1f}" if pd.notna(a) and pd.notna(b) else "x"
                                                     for a, b in zip(r[ry[0]], r[ry[-1]])]
    cities = [c for c in counts.index if c in CORE_CITIES]
    ranks = methods.rank(r.loc[cities, ry[-1]], "low_is_good") if what == "lac" else None
    if ranks is not None:
        col = f"Rank among the 8 core cities, {ry[-1]} (1 = lowest rate)"
        frame[col] = [str(int(ranks[c])) if c in cities else "–" for c in counts.index]
        # issue 12: the rank's uncertainty, from the rates' 95% intervals (methods.rank_range)
        y = ry[-1]
        _, lo, hi = methods.rate_ci(counts.loc[cities, y], pop.loc[cities, y - 1], 10_000, 0.95)
        span = methods.rank_range(r.loc[cities, y], lo, hi, "low_is_good")
        frame[f"Possible ranks, {y} (from 95% intervals)"] = [
            (f"{span.loc[c, 'best']}" if span.loc[c, "best"] == span.loc[c, "worst"]
             else f"{span.loc[c, 'best']} to {span.loc[c, 'worst']}") if c in cities else "–" for c in counts.index]
        notes = [*notes, "Possible ranks: the best and worst rank a core city could take given the 95% intervals of "
                 "the rates (Byar's method): a city whose interval overlaps another's could be ranked either side "
                 "of it."]
    return Table(frame, title=title, source=f"{source}; denominators: {SOURCE_POP}", status="real", notes=notes,
                 unit="children; per 10,000 children aged 0–17", period=f"31 March {years[0]} to 31 March {years[-1]}")


def cla_table(paths: Paths) -> Table:
    return _counts_and_rates_table(
        cla_counts(paths), population(paths), what="lac",
        title="Children looked after at 31 March: Leeds, England, the region and the core cities, 2012 to 2015",
        source=SOURCE_CLA,
        notes=[
            "Rates are computed here, as DfE does: the count at 31 March of year Y per 10,000 children aged 0–17 in the "
            "ONS mid-year estimate for mid-(Y−1), e.g. 31 March 2015 uses mid-2014. No 2012 rate: it would need the "
            "mid-2011 population, which is not in the shipped data.",
            "England and regional counts are rounded by DfE to the nearest 10, so their rates are approximate; the "
            "population estimates include later ONS revisions, so a rate can differ by about 1 from the one printed "
            "in the original release (see the LAIT table's note for LAIT's own 2015 figure).",
            "Rank 1 = the lowest rate of children looked after among the 8 core cities (the council's aim is to "
            "reduce the number safely); this is not a judgement that a lower rate is always better.",
        ],
    )


def cpp_table(paths: Paths) -> Table:
    return _counts_and_rates_table(
        cpp_counts(paths), population(paths), what="cpp",
        title="Children subject of a child-protection plan at 31 March: Leeds, England, the region and the core cities, 2013 to 2015",
        source=SOURCE_CPP,
        notes=[
            "Rates computed as for looked-after children (count at 31 March Y per 10,000 children aged 0–17 at "
            "mid-(Y−1)); this reproduces DfE's published Leeds 2015 rate of 38.2. The series starts in 2013.",
            "A child-protection plan rate is neither good nor bad in itself, so areas are not ranked.",
        ],
    )


def lait_2015(paths: Paths) -> pd.DataFrame:
    df = pd.read_csv(paths.raw / LAIT_FILE)
    df = df[df["Short Desc"].isin(LAIT_MEASURES)]
    df = df.assign(area_code=df["LA and Regions"].map(LAIT_NAMES),
                   value=pd.to_numeric(df["Values"], errors="coerce"))
    return df.pivot_table(index="area_code", columns="Short Desc", values="value", aggfunc="first").reindex(ORDER)


def lait_decimals(values: pd.Series, most: int = 2) -> int:
    """The precision LAIT published a measure at: the fewest decimals that show every value exactly
    (whole-number rates print as 78, never 78.0)."""
    v = values.dropna()
    for dp in range(most + 1):
        if ((v * 10**dp).round(6) % 1 == 0).all():
            return dp
    return most


def lait_lac_note(paths: Paths) -> str:
    """Why LAIT's published 2015 looked-after rate is not the one the page shows (both from the shipped files)."""
    lait = pd.read_csv(paths.raw / LAIT_FILE)
    leeds = lait[lait["LA and Regions"] == "Leeds"].set_index("Short Desc")["Values"]
    rate, count = float(leeds["LAC"]), float(leeds["LACnum"])
    computed = rates(cla_counts(paths), population(paths)).loc["E08000035", 2015]
    first = cla_counts(paths).loc["E08000035", 2015]
    return (
        f"Looked-after children are not repeated here: the page shows one 2015 rate for Leeds, {computed:.1f} per "
        f"10,000, computed from the count first published for 31 March 2015 ({int(first):,}) and the ONS mid-2014 "
        f"population. LAIT publishes {rate:.0f} (a whole number) on DfE's later revised count of {int(count):,}; the "
        "difference is that revision and rounding, not a different measure."
    )


def lait_table(paths: Paths) -> Table:
    w = lait_2015(paths)
    frame = pd.DataFrame({"Area": [AREA_NAMES[c] for c in w.index]})
    cities = [c for c in w.index if c in CORE_CITIES]
    rank_row = {"Area": "Leeds: rank among the 8 core cities (1 = best)"}
    for code, (label, _unit, pol) in LAIT_MEASURES.items():
        if code in LAIT_NOT_SHOWN:
            continue
        dp = lait_decimals(w[code])
        frame[label] = [f"{v:.{dp}f}" if pd.notna(v) else "x" for v in w[code]]
        if pol is None:
            rank_row[label] = "–"
        else:
            r = methods.rank(w.loc[cities, code], pol)
            rank_row[label] = "x" if pd.isna(r["E08000035"]) else str(int(r["E08000035"]))
    frame = pd.concat([frame, pd.DataFrame([rank_row])], ignore_index=True)
    return Table(
        frame, title="DfE LAIT, 2015: Leeds, England, the region and the core cities", source=SOURCE_LAIT, status="real",
        period="year ending 31 March 2015; 2014/15 academic year for absence",
        notes=[
            "LAIT's published values (rates per 10,000 children; percentages), at the precision LAIT publishes them "
            "(whole numbers for looked-after children and care leavers). The extract shipped with this book holds "
            "2015 only, so these are not 2013 figures.",
            lait_lac_note(paths),
            "Persistent absence here uses the 10% definition introduced in 2015/16 (back-cast to 2014/15); the "
            "book's cluster indicator uses the 15% definition in force in 2013, so the two are not comparable.",
            "Ranks are among the 8 core cities only (LAIT ranks all 150 authorities); children looked after: 1 = "
            "lowest rate; child-protection plans are not ranked (no judgement).",
        ],
    )


NEIGHBOUR_MEASURES = {
    "lac": ("children looked after at 31 March", "Looked-after children per 10,000"),
    "cpp": ("children subject of a child-protection plan at 31 March", "Child-protection plans per 10,000"),
}
NEIGHBOUR_POP = "population aged 0 to 17 (mid-year)"
SOURCE_SN = (f"{reference.NEIGHBOURS_MODEL} (DfE, OGL v3); counts: {SOURCE_CLA}; {SOURCE_CPP}; "
             f"denominators: {SOURCE_POP}")


def neighbour_rates(paths: Paths, what: str) -> pd.DataFrame:
    """Rates per 10,000 (31 March Y on mid-(Y−1) 0–17s) for Leeds and its ten statistical neighbours,
    area × year, Leeds first, then DfE's order of closeness; ``name`` and ``closeness`` columns."""
    df = reference.statistical_neighbours(paths)
    measure = NEIGHBOUR_MEASURES[what][0]
    counts = df[df["measure"] == measure].pivot_table(index="area_code", columns="year", values="value", aggfunc="first")
    pop = df[df["measure"] == NEIGHBOUR_POP].pivot_table(index="area_code", columns="year", values="value", aggfunc="first")
    out = rates(counts, pop)
    order = list(dict.fromkeys(df["area_code"]))
    out = out.reindex(order)
    first = df.drop_duplicates("area_code").set_index("area_code")
    out.insert(0, "closeness", first["closeness_2021"].reindex(order))
    out.insert(0, "name", first["area_name"].reindex(order))
    return out


def neighbour_average(rates_: pd.DataFrame) -> pd.Series:
    """DfE's statistical-neighbour average: the simple mean of the ten neighbours' rates (not Leeds)."""
    years = [c for c in rates_.columns if isinstance(c, int)]
    return rates_.iloc[1:][years].mean()


def neighbours_table(paths: Paths) -> Table:
    """Leeds against its ten DfE statistical neighbours (2021 model): looked-after and plan rates, 2013–2015."""
    lac, cpp = neighbour_rates(paths, "lac"), neighbour_rates(paths, "cpp")
    years = [c for c in lac.columns if isinstance(c, int)]
    frame = pd.DataFrame({"Area": lac["name"].to_numpy(),
                          "Closeness (2021 model)": [c if c else "–" for c in lac["closeness"]]})
    for key, r in (("lac", lac), ("cpp", cpp)):
        label = NEIGHBOUR_MEASURES[key][1]
        for y in years:
            frame[f"{label}, 31 March {y}"] = [f"{v:.1f}" for v in r[y]]
    avg_lac, avg_cpp = neighbour_average(lac), neighbour_average(cpp)
    avg = {"Area": "Average of the 10 statistical neighbours", "Closeness (2021 model)": "–"}
    for key, a in (("lac", avg_lac), ("cpp", avg_cpp)):
        for y in years:
            avg[f"{NEIGHBOUR_MEASURES[key][1]}, 31 March {y}"] = f"{a[y]:.1f}"
    frame = pd.concat([frame, pd.DataFrame([avg])], ignore_index=True)
    # rank at the precision shown (ties share a rank, written "=n")
    leeds = reference.LEEDS
    rank_text = report.rank_text(methods.rank(lac[years[-1]].round(1), "low_is_good"))[leeds]
    return Table(
        frame,
        title=f"Leeds and its 10 statistical neighbours (DfE 2021 model): rates per 10,000 children, "
              f"31 March {years[0]} to {years[-1]}",
        source=SOURCE_SN, status="real", unit="per 10,000 children aged 0–17", period=f"31 March {years[0]} to {years[-1]}",
        notes=[
            "Statistical neighbours are the ten authorities DfE's model finds most like Leeds in their population "
            "and need. This is the April 2021 model, the one published now: the groups Leeds used in 2012–2014 came "
            "from the earlier 2007-based model, which is not shipped with the book, so this is a present-day "
            "reference group, not the one the board compared against at the time.",
            "Rates are computed as in the tables above (count at 31 March Y per 10,000 children aged 0–17 at "
            "mid-(Y−1)). The average is the simple mean of the ten neighbours' rates, as DfE's LAIT computes it.",
            f"Leeds's looked-after rate at 31 March {years[-1]} ranks {rank_text} of the 11 (1 = lowest rate); the "
            f"neighbours' average is {avg_lac[years[-1]]:.1f} against Leeds's {lac.loc[leeds, years[-1]]:.1f}.",
        ],
    )


def summary_table(paths: Paths) -> Table:
    """Leeds against England, the region and the core cities: the latest real value of each measure."""
    cla_r = rates(cla_counts(paths), population(paths))
    cpp_r = rates(cpp_counts(paths), population(paths))
    lait = lait_2015(paths)
    cities = [c for c in ORDER if c in CORE_CITIES]
    rows = []

    sn = {"lac": neighbour_average(neighbour_rates(paths, "lac")), "cpp": neighbour_average(neighbour_rates(paths, "cpp"))}

    def add(measure: str, period: str, series: pd.Series, dp: int, pol: str | None, note: str,
            neighbours: float | None = None) -> None:
        core = series.loc[cities]
        rank = methods.rank(core, pol)["E08000035"] if pol else None
        rows.append({
            "Measure": measure, "Period": period, "Leeds": f"{series['E08000035']:.{dp}f}",
            "England": f"{series[ENGLAND]:.{dp}f}", REGION_NAME: f"{series[REGION]:.{dp}f}",
            "Statistical neighbours (average, 2021 model)": "x" if neighbours is None else f"{neighbours:.{dp}f}",
            "Core cities (lowest to highest)": f"{core.min():.{dp}f} to {core.max():.{dp}f}",
            "Leeds rank among 8 core cities": "–" if rank is None or pd.isna(rank) else str(int(rank)),
            "Basis": note,
        })

    for y in (2013, 2014, 2015):
        add("Looked-after children per 10,000", f"31 March {y}", cla_r[y], 1, "low_is_good",
            f"computed (mid-{y - 1} population)", sn["lac"][y])
    for y in (2013, 2015):
        add("Child-protection plans per 10,000", f"31 March {y}", cpp_r[y], 1, None,
            f"computed (mid-{y - 1} population)", sn["cpp"][y])
    add("Overall absence (% of sessions)", "2014/15", lait["TotAbs"], 2, "low_is_good", "published (LAIT)")
    add("September Guarantee (% of 16–17s offered a place)", "2015", lait["Sept_Guarantee"],
        lait_decimals(lait["Sept_Guarantee"]), "high_is_good",
        "published (LAIT)")
    add("Care leavers aged 19 who are NEET (%)", "2015", lait["CareLeaversNEET"], lait_decimals(lait["CareLeaversNEET"]),
        "low_is_good", "published (LAIT)")
    return Table(
        pd.DataFrame(rows), title="Leeds against England, Yorkshire and the Humber and the core cities (real data)",
        source=f"{SOURCE_CLA}; {SOURCE_CPP}; {SOURCE_POP}; {SOURCE_LAIT}", status="real",
        period="31 March 2013 to 2015",
        notes=[
            "Computed rates: the DfE count at 31 March per 10,000 children aged 0–17 in the ONS estimate for the "
            "previous mid-year (shown in Basis), as DfE does. Published: DfE's LAIT values.",
            "Rank 1 = best among the 8 core cities (for looked-after children, the lowest rate); plans are not ranked.",
            "Statistical neighbours: the mean rate of Leeds's ten DfE statistical neighbours in the April 2021 model "
            "(a present-day group, later than the inquiry; the table of neighbours below names them); x where the "
            "neighbours' figures are not shipped (LAIT measures).",
            "There is no published NEET rate or attendance figure for 2013 in the shipped data: the LAIT extract shipped "
            "with this book holds 2015 only (LAIT itself has earlier years).",
        ],
    )


def rate_chart(paths: Paths, what: str = "lac") -> Figure:
    """Rates per 10,000 at the first and last year with a computable rate, for every comparator area."""
    counts = cla_counts(paths) if what == "lac" else cpp_counts(paths)
    r = rates(counts, population(paths))
    first, last = r.columns[0], r.columns[-1]
    frame = pd.DataFrame({"area": [AREA_NAMES[c] for c in r.index], "first": r[first].to_numpy(), "last": r[last].to_numpy()})
    word = "Children looked after" if what == "lac" else "Children subject of a child-protection plan"
    table = cla_table(paths) if what == "lac" else cpp_table(paths)
    return performance_charts.dumbbell(
        frame, label="area", before="first", after="last", before_label=f"31 March {first}", after_label=f"31 March {last}",
        change=None, benchmarks={}, highlight="Leeds", sort_by="after",
        title=f"{word} per 10,000 children aged 0–17, 31 March {first} and {last}",
        x_label="per 10,000 children aged 0–17", units="per 10,000 children aged 0–17 (previous mid-year population)",
        period=f"31 March {first} and 31 March {last}", source=f"{table.source}", status="real", table=table,
        what="areas",
    )


def describe(paths: Paths) -> str:
    """One escaped sentence on how the comparator rates were made (for the page)."""
    pop = population(paths)
    return html.escape(
        "Rates use the ONS population aged 0–17 for the previous mid-year "
        f"(Leeds: {int(pop.loc['E08000035', 2012]):,} at mid-2012 to {int(pop.loc['E08000035', 2014]):,} at mid-2014)."
    )


__all__ = ["neighbour_rates", "neighbour_average", "neighbours_table", "cla_counts", "cpp_counts", "population", "rates", "cla_table", "cpp_table", "lait_table", "summary_table",
           "rate_chart", "rate_column", "REGION_NAME"]
