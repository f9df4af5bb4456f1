"""Figures for the Performance chapter: band maps, ranked bars, a tartan rug, small multiples, dot charts.

Each function returns a :class:`~cluster_inquiry.figures.records.Figure` with alt text written from the
data it draws. Colour is never the only carrier of meaning: every coloured cell or area also
carries a letter, a symbol or a hatch, and every figure has its data table beside it.
Colours are colour-blind safe (Okabe–Ito for categories; *cividis* for the ordered band scale).

**The shared map scale.** Every cluster map of a key indicator uses the same four classes: the
LAIT quartile bands A (best quarter, lightest) to D (worst quarter, darkest), each with its own
hatch and its letter printed in every cluster. An indicator that carries no judgement
(child-protection plans) uses the four quarters of its values, Q1 (lowest) to Q4 (highest), in a
separate blue scale so that it cannot be read as better or worse.
"""

from __future__ import annotations

import base64
import io
import math

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from PIL import Image

from cluster_inquiry.stats import methods
from cluster_inquiry.figures.records import Figure, GridCell, Table, extremes_text, mpl_text
from cluster_inquiry.data.geography import GEOMETRY_ATTRIBUTION
from cluster_inquiry.figures.maps import finish_map

class CompactFigure(Figure):
    """A :class:`Figure` whose PNG is reduced to a 64-colour palette (about a quarter of the bytes).

    The charts use a few flat colours, so nothing visible is lost; it keeps pages with many maps
    and charts light.
    """

    def png_base64(self, dpi: int = 96) -> str:
        image = Image.open(io.BytesIO(self._png(dpi))).convert("RGB")
        small = image.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        out = io.BytesIO()
        small.save(out, format="PNG", optimize=True)
        return base64.b64encode(out.getvalue()).decode("ascii")


_CIVIDIS = plt.get_cmap("cividis")
_BLUES = plt.get_cmap("Blues")
#: the book's shared band scale for judged indicators: A best (light) … D worst (dark)
BAND_STYLE = {
    "A": (_CIVIDIS(0.95), "", "A: best quarter"),
    "B": (_CIVIDIS(0.68), "..", "B"),
    "C": (_CIVIDIS(0.40), "//", "C"),
    "D": (_CIVIDIS(0.08), "xx", "D: worst quarter"),
}
#: quarters of an indicator with no judgement: Q1 lowest … Q4 highest (blue, not the band scale)
QUARTER_STYLE = {
    "Q1": (_BLUES(0.15), "", "Q1: lowest quarter"),
    "Q2": (_BLUES(0.38), "..", "Q2"),
    "Q3": (_BLUES(0.62), "//", "Q3"),
    "Q4": (_BLUES(0.88), "xx", "Q4: highest quarter"),
}
HIDDEN_STYLE = ("#ffffff", "\\\\\\", "c: value not shown")
#: Fingertips comparison → (fill, hatch); Okabe–Ito blue/orange with a neutral grey, purple for no judgement
COMPARISON_STYLE = {
    methods.BETTER_998: ("#0072B2", ""),
    methods.BETTER: ("#56B4E9", ""),
    methods.SIMILAR: ("#E8E8E8", ""),
    methods.WORSE: ("#E69F00", "//"),
    methods.WORSE_998: ("#D55E00", "xx"),
    methods.LOWER_998: ("#8e6bb0", ".."),
    methods.LOWER: ("#cdb5e0", ".."),
    methods.HIGHER: ("#cdb5e0", "oo"),
    methods.HIGHER_998: ("#8e6bb0", "oo"),
}
GLYPH = {
    methods.WORSE_998: "✗✗", methods.WORSE: "✗", methods.SIMILAR: "=", methods.BETTER: "✓", methods.BETTER_998: "✓✓",
    methods.HIGHER_998: "↑↑", methods.HIGHER: "↑", methods.LOWER: "↓", methods.LOWER_998: "↓↓",
}
TRAVEL = {
    methods.IMPROVING: "↗", methods.WORSENING: "↘", methods.NO_SIGNIFICANT_CHANGE: "→",
    methods.INCREASING: "↑", methods.DECREASING: "↓",
}
INK = "#1a1a1a"


def _setup() -> None:
    plt.rcParams.update({"font.family": "DejaVu Sans", "axes.edgecolor": INK, "axes.labelcolor": INK,
                         "xtick.color": INK, "ytick.color": INK, "text.color": INK})


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


# ----------------------------------------------------------------------------- maps


def value_quartile(values: np.ndarray) -> list[str | None]:
    """Q1–Q4 by the type-7 quartiles of the shown values (a value on a cut point goes to the lower quarter)."""
    arr = np.asarray(values, dtype=float)
    cuts = methods.quartile_cut_points(arr)
    if cuts is None:
        return [None] * len(arr)
    out: list[str | None] = []
    for v in arr:
        if np.isnan(v):
            out.append(None)
        else:
            out.append(f"Q{int(np.searchsorted(cuts[1:4], v, side='left')) + 1}")
    return out


def band_map(
    boundaries: gpd.GeoDataFrame,
    codes: list[str],
    names: list[str],
    values: np.ndarray,
    classes: list[str | None],
    *,
    judged: bool,
    dp: int,
    measure: str,
    units: str,
    period: str,
    title: str,
    source: str,
    status: str,
    table: Table,
    highlight: str | None = None,
) -> Figure:
    """A cluster map on the shared band scale; each cluster shows its number and its class letter."""
    _setup()
    styles = BAND_STYLE if judged else QUARTER_STYLE
    data = pd.DataFrame({"cluster_code": codes, "name": names, "value": np.asarray(values, dtype=float),
                         "cls": [c if isinstance(c, str) else None for c in classes]})
    gdf = boundaries.merge(data, on="cluster_code", how="left").to_crs("EPSG:27700")
    fig, ax = plt.subplots(figsize=(7.2, 6.2))
    handles = []
    for cls, (colour, hatch, label) in styles.items():
        part = gdf[gdf["cls"] == cls]
        if not part.empty:
            part.plot(ax=ax, color=colour, edgecolor=INK, linewidth=0.6, hatch=hatch)
        shown = part["value"].dropna()
        rng = f" ({shown.min():,.{dp}f} to {shown.max():,.{dp}f})" if not shown.empty else " (none)"
        handles.append(Patch(facecolor=colour, edgecolor=INK, hatch=hatch, label=label + rng))
    hidden = gdf[gdf["cls"].isna()]
    if not hidden.empty:
        colour, hatch, label = HIDDEN_STYLE
        hidden.plot(ax=ax, color=colour, edgecolor=INK, linewidth=0.6, hatch=hatch)
        handles.append(Patch(facecolor=colour, edgecolor=INK, hatch=hatch, label=label))
    if highlight:
        gdf[gdf["cluster_code"] == highlight].boundary.plot(ax=ax, color="#d55e00", linewidth=2.5)
    for row in gdf.itertuples():
        pt = row.geometry.representative_point()
        ax.annotate(f"{row.cluster_code[1:]}\n{row.cls if isinstance(row.cls, str) else 'c'}", (pt.x, pt.y),
                    ha="center", va="center", fontsize=6.5, linespacing=0.9,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})
    legend_title = ("Quartile band (A best)" if judged else "Quarter of values (no judgement)") + f"\n{units}"
    ax.legend(handles=handles, title=legend_title, loc="lower left", fontsize=7, title_fontsize=7.5, frameon=True)
    finish_map(fig, ax, mpl_text(title))
    valid = data.dropna(subset=["value"]).sort_values("value")
    scale = ("the book's shared band scale: A (best quarter, lightest, no hatch) to D (worst quarter, darkest, "
             "cross-hatched)" if judged else
             "quarters of the values, Q1 (lowest, lightest) to Q4 (highest, darkest), in blue because a higher or "
             "lower value is not better or worse")
    alt = (f"Map of Leeds divided into {len(gdf)} numbered clusters, each shaded, hatched and lettered by {scale}, "
           f"for {measure} ({units}, {period}). ")
    n_hidden = int(data["cls"].isna().sum())
    if n_hidden:
        alt += f"Clusters whose value is not shown (c), drawn white: {n_hidden}. "
    if not valid.empty:
        alt += extremes_text(valid, "name", "value", dp=dp) + " "
    alt += "Every value and class is in the table that follows the map."
    return CompactFigure(fig, title=title, alt_text=alt, units=units, period=period,
                  source=f"{source}. {GEOMETRY_ATTRIBUTION}", status=status, table=table)


# ----------------------------------------------------------------------------- ranked bars


def ranked_bars(
    numeric: pd.DataFrame,
    *,
    value: str,
    lower: str,
    upper: str,
    label: str,
    comparison: str,
    benchmark: float,
    dp: int,
    title: str,
    x_label: str,
    units: str,
    period: str,
    source: str,
    status: str,
    table: Table,
) -> Figure:
    """Horizontal bars (hidden values left out) with 95% intervals, the city line and the comparison in words."""
    _setup()
    t = numeric.dropna(subset=[value]).sort_values(value).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 0.27 * len(t) + 1.3))
    for i, row in t.iterrows():
        colour, hatch = COMPARISON_STYLE.get(row[comparison], ("#ffffff", ""))
        ax.barh(i, row[value], color=colour, hatch=hatch, edgecolor=INK, linewidth=0.4)
        lo, hi = row[lower], row[upper]
        if pd.notna(lo) and pd.notna(hi):
            err = [[row[value] - lo], [hi - row[value]]]
            ax.errorbar(row[value], i, xerr=err, color="white", capsize=3, linewidth=2.6, capthick=2.6)
            ax.errorbar(row[value], i, xerr=err, color=INK, capsize=2, linewidth=0.9)
    ax.axvline(benchmark, color=INK, linestyle="--", linewidth=1)
    ax.text(benchmark, len(t) - 0.4, f" City {benchmark:,.{dp}f}", fontsize=8, va="bottom")
    ax.set_yticks(range(len(t)))
    ax.set_yticklabels([mpl_text(f"{r[label]}  {GLYPH.get(r[comparison], '')} {r[comparison]}") for _, r in t.iterrows()],
                       fontsize=7)
    ax.set_ylim(-0.6, len(t) + 0.4)
    ax.set_xlabel(mpl_text(x_label))
    ax.set_title(mpl_text(title), fontsize=11)
    present = list(dict.fromkeys(t[comparison]))
    handles = [Patch(facecolor=COMPARISON_STYLE[c][0], hatch=COMPARISON_STYLE[c][1], edgecolor=INK,
                     label=f"{GLYPH.get(c, '')} {c}") for c in COMPARISON_STYLE if c in present]
    ax.legend(handles=handles, fontsize=7, loc="lower right", frameon=True, title="Compared with city", title_fontsize=7)
    fig.tight_layout()
    counts = t[comparison].value_counts()
    summary = ", ".join(f"{k}: {n}" for k, n in counts.items())
    hidden = len(numeric) - len(t)
    alt = (f"Bar chart of {x_label}, {period}, one bar per cluster with its 95% confidence interval, and the city value "
           f"{benchmark:,.{dp}f} as a dashed line. Clusters not drawn because their value is not shown (c): {hidden}. "
           f"Compared with the city: {summary}. ")
    if not t.empty:
        alt += extremes_text(t, label, value, dp=dp) + " "
    alt += "The data table follows."
    return CompactFigure(fig, title=title, alt_text=alt, units=units, period=period, source=source, status=status, table=table)


# ----------------------------------------------------------------------------- tartan rug


#: text colour on each comparison fill with at least 4.5:1 contrast (WCAG 2.2 AA): white only on dark blue
_CELL_INK = {"#0072B2": "#ffffff"}
#: sort order of comparisons (best first; no-judgement ones after, hidden last)
_SORT = {methods.BETTER_998: 1, methods.BETTER: 2, methods.SIMILAR: 3, methods.WORSE: 4, methods.WORSE_998: 5,
         methods.LOWER_998: 6, methods.LOWER: 7, methods.HIGHER: 8, methods.HIGHER_998: 9}
_RULE_SORT = {"Improvement measures": 1, "Watch": 2, "No flag": 3}


def rug_cell(comparison: object, travel: object) -> GridCell:
    """One tartan-rug cell: the comparison's symbol and colour (COMPARISON_STYLE), the change's arrow."""
    if _missing(comparison):
        return GridCell("c", "#ffffff", "#000000", 99, "c: not shown")
    fill = COMPARISON_STYLE.get(comparison, ("#ffffff", ""))[0]
    arrow = TRAVEL.get(travel, "") if not _missing(travel) else ""
    text = f"{GLYPH.get(comparison, '–')} {arrow}".strip()
    change = f"; {travel}" if arrow else ""
    return GridCell(text, fill, _CELL_INK.get(fill, "#000000"), _SORT.get(comparison, 50), f"{comparison}{change}")


def rule_cell(status: str) -> GridCell:
    return GridCell(status if status != "No flag" else "–", "#ffffff", "#000000", _RULE_SORT.get(status, 9), status)


def rug_legend() -> list[tuple[GridCell, str]]:
    """The rug's key: each comparison's symbol on its colour, then the arrows."""
    out = [(GridCell(GLYPH[c], COMPARISON_STYLE[c][0], _CELL_INK.get(COMPARISON_STYLE[c][0], "#000000")), c)
           for c in (methods.BETTER_998, methods.BETTER, methods.SIMILAR, methods.WORSE, methods.WORSE_998, methods.HIGHER,
                     methods.LOWER)]
    out.append((GridCell("c", "#ffffff", "#000000"), "not shown"))
    out += [(GridCell(TRAVEL[k]), k) for k in (methods.IMPROVING, methods.NO_SIGNIFICANT_CHANGE, methods.WORSENING)]
    return out


# ----------------------------------------------------------------------------- small multiples


def small_multiples(
    values: pd.DataFrame,
    city: pd.Series,
    *,
    names: dict[str, str],
    dp: int,
    marks: tuple[str, ...],
    title: str,
    measure: str,
    units: str,
    period: str,
    source: str,
    status: str,
    table: Table,
) -> Figure:
    """One small panel per cluster (solid line) against the city (dashed), on a shared axis; gaps = hidden."""
    _setup()
    months = list(values.columns)
    x = np.arange(len(months))
    n = len(values)
    cols = 5
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(9, 1.55 * rows + 0.9), sharex=True, sharey=True)
    axes = np.atleast_1d(axes).ravel()
    city_y = city.reindex(months).to_numpy(dtype=float)
    for k, (code, series) in enumerate(values.iterrows()):
        ax = axes[k]
        ax.plot(x, city_y, color=INK, linestyle="--", linewidth=0.9)
        ax.plot(x, series.to_numpy(dtype=float), color="#0072B2", linewidth=1.4, marker="o", markersize=1.8)
        for m in marks:
            if m in months:
                ax.axvline(months.index(m), color="#767676", linestyle=":", linewidth=0.8)
        name = names.get(code, code)
        ax.set_title(mpl_text(f"{code[1:]} {name if len(name) <= 24 else name[:23] + '…'}"), fontsize=7, loc="left")
        ax.tick_params(labelsize=6.5)
        ax.grid(axis="y", color="#dddddd", linewidth=0.5)
    for ax in axes[n:]:
        ax.set_axis_off()
    ticks = [i for i, m in enumerate(months) if m.endswith("-04") or m.endswith("-10")]
    for ax in axes[:n]:
        ax.set_xticks(ticks)
        ax.set_xticklabels([_short_month(months[i]) for i in ticks], fontsize=6)
    handles = [Line2D([], [], color="#0072B2", linewidth=1.4, marker="o", markersize=3, label="Cluster"),
               Line2D([], [], color=INK, linestyle="--", label="City"),
               Line2D([], [], color="#767676", linestyle=":", label=" and ".join(_long_month(m) for m in marks))]
    fig.legend(handles=handles, loc="upper right", ncol=3, fontsize=7.5, frameon=False)
    fig.suptitle(mpl_text(title), fontsize=10.5, x=0.01, ha="left")
    fig.supylabel(mpl_text(units), fontsize=8)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    last = [m for m in marks if m in months][-1] if any(m in months for m in marks) else months[-1]
    col = values[last].dropna().sort_values()
    n_gaps = int(values.isna().to_numpy().sum())
    alt = (f"Small-multiple line charts of {measure}, {period}: one panel per cluster ({n} panels, shared scale), each "
           f"with the city as a dashed line. Cluster-months not drawn (hidden c or not applicable z): {n_gaps}. "
           f"City in {_long_month(last)}: {city.get(last, float('nan')):,.{dp}f}. ")
    if not col.empty:
        alt += (f"Highest cluster in {_long_month(last)}: {names.get(col.index[-1])} ({col.iloc[-1]:,.{dp}f}); "
                f"lowest: {names.get(col.index[0])} ({col.iloc[0]:,.{dp}f}). ")
    alt += "Every value is in the table that follows."
    return CompactFigure(fig, title=title, alt_text=alt, units=units, period=period, source=source, status=status, table=table)


def _short_month(m: str) -> str:
    year, mon = m.split("-")
    return ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][int(mon) - 1] + f" {year[2:]}"


def _long_month(m: str) -> str:
    year, mon = m.split("-")
    return ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
            "November", "December"][int(mon) - 1] + f" {year}"


# ----------------------------------------------------------------------------- dot (dumbbell) chart


def dumbbell(
    frame: pd.DataFrame,
    *,
    label: str,
    before: str,
    after: str,
    before_label: str,
    after_label: str,
    change: str | None,
    benchmarks: dict[str, float],
    title: str,
    x_label: str,
    units: str,
    period: str,
    source: str,
    status: str,
    table: Table,
    highlight: str | None = None,
    sort_by: str = "after",
    what: str = "clusters",
) -> Figure:
    """Two markers per row (hollow circle, filled square) joined by a line; rows with a hidden value are left out."""
    _setup()
    key = after if sort_by == "after" else before
    t = frame.dropna(subset=[before, after], how="all").copy()
    t["_sort"] = t[key].fillna(t[after if key == before else before])
    t = t.sort_values("_sort").reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 0.27 * len(t) + 1.5))
    y = np.arange(len(t))
    both = t[[before, after]].notna().all(axis=1).to_numpy()
    ax.hlines(y[both], t.loc[both, [before, after]].min(axis=1), t.loc[both, [before, after]].max(axis=1),
              color="#9a9a9a", linewidth=1.2, zorder=1)
    ax.scatter(t[before], y, s=48, facecolor="white", edgecolor="#0072B2", linewidth=1.5, marker="o", zorder=3,
               label=mpl_text(before_label))
    ax.scatter(t[after], y, s=16, color="#D55E00", edgecolor=INK, linewidth=0.4, marker="s", zorder=4,
               label=mpl_text(after_label))
    styles = ["--", ":", "-."]
    for k, (name, v) in enumerate(benchmarks.items()):
        ax.axvline(v, color=INK, linestyle=styles[k % len(styles)], linewidth=0.9, label=mpl_text(f"{name}: {v:,.1f}"))
    labels = []
    for _, r in t.iterrows():
        significant = change and not _missing(r[change]) and r[change] != methods.NO_SIGNIFICANT_CHANGE
        suffix = f"  {TRAVEL.get(r[change], '')}" if significant else ""
        labels.append(mpl_text(f"{r[label]}{suffix}"))
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=7)
    if highlight is not None:
        for tick, name in zip(ax.get_yticklabels(), t[label]):
            if name == highlight:
                tick.set_fontweight("bold")
    ax.set_ylim(-0.7, len(t) - 0.3)
    ax.set_xlabel(mpl_text(x_label))
    ax.set_title(mpl_text(title), fontsize=10.5)
    ax.grid(axis="x", color="#dddddd", linewidth=0.5)
    ax.legend(fontsize=7, loc="lower right", frameon=True)
    fig.tight_layout()
    left_out = len(frame) - len(t)
    one_missing = int((~both).sum())
    alt = (f"Dot chart of {x_label}, {period}, one row per {what[:-1] if what.endswith('s') else what}: "
           f"{before_label} as a hollow circle and {after_label} as a filled square, joined by a line. ")
    if left_out:
        alt += f"Rows left out because both values are not shown (c): {left_out}. "
    if one_missing:
        alt += f"Rows with one marker only, the other value not shown (c): {one_missing}. "
    if benchmarks:
        alt += "Reference lines: " + "; ".join(f"{k} {v:,.1f}" for k, v in benchmarks.items()) + ". "
    if change:
        moved = t[change].dropna()
        alt += ("An arrow after a name marks a significant change (↗ improving, ↘ worsening); "
                + ", ".join(f"{k}: {n}" for k, n in moved.value_counts().items()) + ". ")
    ranked = t.dropna(subset=[key])
    if not ranked.empty:
        alt += extremes_text(ranked, label, key, highest=f"Highest ({after_label if sort_by == 'after' else before_label})") + " "
    alt += "The data table follows."
    return CompactFigure(fig, title=title, alt_text=alt, units=units, period=period, source=source, status=status, table=table)
