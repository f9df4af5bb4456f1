"""Charts (matplotlib, in seaborn's whitegrid style). One function per figure, each returning a :class:`Figure`.

Colour is never the only carrier of meaning: series also differ by marker and line style,
and every chart has its data table beside it. The palette is seaborn's colour-blind palette.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
from cycler import cycler

from cluster_inquiry.figures.records import Figure, Table, extremes_text, mpl_text

#: seaborn's "colorblind" palette (seaborn 0.13.2), as RGB — without importing seaborn, whose
#: import (scipy.stats) cost every notebook kernel about a second
PALETTE = [mpl.colors.to_rgb(c) for c in (
    "#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc", "#ca9161", "#fbafe4", "#949494", "#ece133", "#56b4e9",
)]
_DEEP = [mpl.colors.to_rgb(c) for c in (
    "#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd",
)]
#: what ``seaborn.set_theme(style="whitegrid", context="notebook")`` writes to rcParams (seaborn
#: 0.13.2; tests/test_charts.py checks the two agree while seaborn is installed)
_THEME = {
    "axes.axisbelow": True, "axes.edgecolor": ".8", "axes.facecolor": "white", "axes.grid": True,
    "axes.labelcolor": ".15", "axes.labelsize": 12.0, "axes.linewidth": 1.25, "axes.prop_cycle": cycler("color", _DEEP),
    "axes.spines.bottom": True, "axes.spines.left": True, "axes.spines.right": True, "axes.spines.top": True,
    "axes.titlesize": 12.0, "figure.facecolor": "white", "font.family": ["sans-serif"],
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "font.size": 12.0, "grid.color": ".8", "grid.linestyle": "-", "grid.linewidth": 1.0, "legend.fontsize": 11.0,
    "legend.title_fontsize": 12.0, "lines.linewidth": 1.5, "lines.markersize": 6.0, "lines.solid_capstyle": "round",
    "patch.edgecolor": "w", "patch.facecolor": "C0", "patch.force_edgecolor": True, "patch.linewidth": 1.0,
    "text.color": ".15", "xtick.bottom": False, "xtick.color": ".15", "xtick.direction": "out", "xtick.labelsize": 11.0,
    "xtick.major.size": 6.0, "xtick.major.width": 1.25, "xtick.minor.size": 4.0, "xtick.minor.width": 1.0,
    "xtick.top": False, "ytick.color": ".15", "ytick.direction": "out", "ytick.labelsize": 11.0, "ytick.left": False,
    "ytick.major.size": 6.0, "ytick.major.width": 1.25, "ytick.minor.size": 4.0, "ytick.minor.width": 1.0,
    "ytick.right": False,
}
#: seaborn also maps the shorthand colours "b", "g" … to its "deep" palette
_COLOR_CODES = dict(zip("bgrmyck", [_DEEP[i] for i in (0, 2, 3, 4, 8, 9)] + [(0.1, 0.1, 0.1)]))


def set_theme() -> None:
    """The charts' style: seaborn's whitegrid/notebook theme, set with matplotlib alone.

    (seaborn's theme also makes its "rocket" colour map the default for images; no chart here
    draws an image without naming its colour map, so that setting is left out.)
    """
    mpl.rcParams.update(_THEME)
    for code, rgb in _COLOR_CODES.items():
        mpl.colors.colorConverter.colors[code] = rgb
        mpl.colors.colorConverter.cache[code] = rgb
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]
LINESTYLES = ["-", "--", ":", "-."]


def trend_chart(
    frame: pd.DataFrame,
    x: str,
    y: str,
    series: str,
    *,
    title: str,
    y_label: str,
    units: str,
    period: str,
    source: str,
    status: str,
    table: Table,
) -> Figure:
    """A line chart of ``y`` over ``x`` for each value of ``series`` (marker + dash + colour)."""
    set_theme()
    fig, ax = plt.subplots(figsize=(8, 3.6))
    _plot_series(ax, frame, x, y, series)
    ax.set_ylabel(y_label)
    ax.set_xlabel("")
    ticks = list(frame[x].drop_duplicates())[::3]
    ax.set_xticks(ticks)
    ax.tick_params(axis="x", rotation=45)
    ax.legend(loc="best", fontsize=8, frameon=True)
    ax.set_title(mpl_text(title), fontsize=11)
    fig.tight_layout()
    alt = _trend_alt(frame, x, y, series, y_label, period)
    return Figure(fig, title=title, alt_text=alt, units=units, period=period, source=source, status=status, table=table)


def _plot_series(ax, frame: pd.DataFrame, x: str, y: str, series: str) -> None:
    """One line per value of ``series``, told apart by marker, dash and colour, in first-seen order."""
    for i, name in enumerate(dict.fromkeys(frame[series])):
        part = frame[frame[series] == name]
        ax.plot(
            part[x], part[y], label=mpl_text(name), color=PALETTE[i % len(PALETTE)],
            marker=MARKERS[i % len(MARKERS)], linestyle=LINESTYLES[i % len(LINESTYLES)], markersize=4,
        )


def _trend_alt(frame: pd.DataFrame, x: str, y: str, series: str, y_label: str, period: str) -> str:
    return _series_alt(frame, x, y, series, y_label, period) + " The data table follows the chart."


def _series_alt(frame: pd.DataFrame, x: str, y: str, series: str, y_label: str, period: str) -> str:
    parts = []
    for name, part in frame.groupby(series, sort=False):
        part = part.dropna(subset=[y])
        if part.empty:
            continue
        first, last = part.iloc[0], part.iloc[-1]
        parts.append(f"{name}: {first[y]:,.1f} in {first[x]} to {last[y]:,.1f} in {last[x]}")
    return f"Line chart of {y_label}, {period}. " + "; ".join(parts) + "."


def trend_panels(
    frame: pd.DataFrame,
    x: str,
    y: str,
    series: str,
    panel: str,
    *,
    y_labels: dict[str, str],
    title: str,
    units: str,
    period: str,
    source: str,
    status: str,
    table: Table,
    panel_width: float = 4.4,
) -> Figure:
    """Line charts side by side, one panel (and one unit) per value of ``panel``: never two units on one axis.

    ``panel_width`` (inches): narrower where the page shows the chart in a half-width column, so its
    text is drawn at the size it is shown (:data:`figures.MIN_TEXT_PT`).

    ``y_labels`` maps each panel to its axis label (its unit). Within a panel, series differ by
    marker, dash and colour, in the same order in every panel.
    """
    set_theme()
    panels = list(dict.fromkeys(frame[panel]))
    fig, axes = plt.subplots(1, len(panels), figsize=(panel_width * len(panels), 3.6 * panel_width / 4.4), squeeze=False)
    alts = []
    for ax, name in zip(axes[0], panels):
        part = frame[frame[panel] == name]
        _plot_series(ax, part, x, y, series)
        ax.set_ylabel(mpl_text(y_labels[name]))
        ax.set_ylim(bottom=0)
        ax.set_title(mpl_text(name), fontsize=11)
        ticks = list(part[x].drop_duplicates())[::4]
        ax.set_xticks(ticks)
        ax.tick_params(axis="x", rotation=45, labelsize=11)
        ax.legend(loc="lower left", fontsize=9, frameon=True)
        alts.append(_series_alt(part, x, y, series, y_labels[name], period))
    fig.suptitle(mpl_text(title), fontsize=12)
    fig.tight_layout()
    alt = f"{len(panels)} panels, one unit each. " + " ".join(alts) + " The data table follows the chart."
    return Figure(fig, title=title, alt_text=alt, units=units, period=period, source=source, status=status, table=table)


def ranked_bar_chart(
    table: pd.DataFrame,
    *,
    label: str,
    value: str,
    lower: str,
    upper: str,
    benchmark: float,
    group: str,
    title: str,
    x_label: str,
    units: str,
    period: str,
    source: str,
    status: str,
    data_table: Table,
) -> Figure:
    """Horizontal bars with 95% intervals, a city reference line, and the comparison as text."""
    set_theme()
    t = table.dropna(subset=[value]).sort_values(value)
    fig, ax = plt.subplots(figsize=(8, 0.28 * len(t) + 1.2))
    groups = list(dict.fromkeys(t[group]))
    hatches = {"Similar": "", "Better": "//", "Worse": "xx", "Higher": "..", "Lower": "oo"}
    for i, row in enumerate(t.itertuples()):
        g = getattr(row, group)
        key = str(g).split(" ")[0]
        ax.barh(
            i, getattr(row, value), color=PALETTE[groups.index(g) % len(PALETTE)],
            hatch=hatches.get(key, ""), edgecolor="black", linewidth=0.4,
        )
        ax.errorbar(getattr(row, value), i, xerr=[[getattr(row, value) - getattr(row, lower)], [getattr(row, upper) - getattr(row, value)]], color="black", capsize=2, linewidth=0.8)
    ax.axvline(benchmark, color="black", linestyle="--", linewidth=1)
    ax.text(benchmark, len(t) - 0.3, f" City {benchmark:,.1f}", fontsize=8, va="bottom")
    ax.set_yticks(range(len(t)))
    ax.set_yticklabels([mpl_text(f"{getattr(r, label)} ({getattr(r, group)})") for r in t.itertuples()], fontsize=7)
    ax.set_xlabel(x_label)
    ax.set_title(title, fontsize=11)
    fig.tight_layout()
    counts = t[group].value_counts()
    summary = ", ".join(f"{n} {k.lower()}" for k, n in counts.items())
    alt = (
        f"Bar chart of {x_label} for {len(t)} clusters, {period}, with 95% confidence intervals and the city value "
        f"{benchmark:,.1f} as a dashed line. Compared with the city: {summary}. {extremes_text(t, label, value)} "
        "The data table follows."
    )
    return Figure(fig, title=title, alt_text=alt, units=units, period=period, source=source, status=status, table=data_table)


def scatter_chart(
    frame: pd.DataFrame,
    *,
    x: str,
    y: str,
    point_label: str,
    name: str,
    group: str,
    title: str,
    x_label: str,
    y_label: str,
    units: str,
    period: str,
    source: str,
    status: str,
    table: Table,
    reference_y: float | None = None,
    summary: str = "",
    group_label: str = "",
    group_order: list[str] | None = None,
) -> Figure:
    """Points labelled with ``point_label`` (e.g. the cluster number); groups differ by marker and colour.

    Rows with a missing (suppressed) ``x`` or ``y`` are left out and counted in the alt text.
    ``group_label`` names the grouping in words (legend title, alt text); ``group_order`` orders the
    legend. ``summary`` (e.g. a correlation in words) is appended to the alt text.
    """
    set_theme()
    t = frame.dropna(subset=[x, y]).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8, 5))
    present = list(dict.fromkeys(t[group]))
    groups = [g for g in group_order if g in present] + [g for g in present if g not in group_order] if group_order else present
    for i, g in enumerate(groups):
        part = t[t[group] == g]
        ax.scatter(part[x], part[y], label=mpl_text(g), color=PALETTE[i % len(PALETTE)],
                   marker=MARKERS[i % len(MARKERS)], s=46, edgecolor="black", linewidth=0.5, zorder=3)
    if reference_y is not None:
        ax.axhline(reference_y, color="black", linestyle="--", linewidth=0.8)
    ax.set_xlabel(mpl_text(x_label))
    ax.set_ylabel(mpl_text(y_label))
    ax.legend(loc="best", fontsize=8, frameon=True, title=mpl_text(group_label) if group_label else None, title_fontsize=8)
    ax.set_title(mpl_text(title), fontsize=11)
    fig.tight_layout()
    _place_labels(ax, t, x, y, point_label)
    left_out = len(frame) - len(t)
    alt = f"Scatter chart of {y_label} against {x_label} for {len(t)} clusters, {period}; each point is labelled with its cluster number"
    alt += f" and its marker shows the {group_label or group_noun(group)}." if len(groups) > 1 else "."
    if not t.empty:
        hx, lx = t.loc[t[x].idxmax()], t.loc[t[x].idxmin()]
        hy, ly = t.loc[t[y].idxmax()], t.loc[t[y].idxmin()]
        alt += (
            f" Highest {x_label}: {hx[name]} ({hx[x]:,.1f}); lowest: {lx[name]} ({lx[x]:,.1f})."
            f" Highest {y_label}: {hy[name]} ({hy[y]:,.1f}); lowest: {ly[name]} ({ly[y]:,.1f})."
        )
    if left_out:
        alt += f" {left_out} cluster(s) are not shown because a figure is suppressed or missing."
    if summary:
        alt += f" {summary}"
    alt += " The data table follows the chart."
    return Figure(fig, title=title, alt_text=alt, units=units, period=period, source=source, status=status, table=table)


def _place_labels(ax, t: pd.DataFrame, x: str, y: str, point_label: str) -> None:
    """Label each point beside it, trying a few offsets so that labels do not overlap (greedy)."""
    offsets = [(4, 3), (4, -10), (-15, 3), (-15, -10), (4, 12), (-15, 12), (4, -19), (-15, -19)]
    pt = ax.figure.dpi / 72  # display pixels per point
    centres = ax.transData.transform(t[[x, y]].to_numpy(dtype=float)) / pt  # in points
    placed = [(cx - 3.5, cy - 3.5, cx + 3.5, cy + 3.5) for cx, cy in centres]  # the markers themselves
    for row in t.sort_values([x, y]).itertuples():
        px, py = ax.transData.transform((getattr(row, x), getattr(row, y))) / pt
        text = str(getattr(row, point_label))
        w, h = 4.5 * len(text) + 1, 8
        choice = offsets[0]
        for dx, dy in offsets:
            box = (px + dx, py + dy, px + dx + w, py + dy + h)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
                choice = (dx, dy)
                break
        placed.append((px + choice[0], py + choice[1], px + choice[0] + w, py + choice[1] + h))
        ax.annotate(mpl_text(text), (getattr(row, x), getattr(row, y)), xytext=choice, textcoords="offset points", fontsize=7)


def group_noun(column: str) -> str:
    """A column name as words for alt text (``imd_band`` → ``imd band``)."""
    return column.replace("_", " ")


def dot_chart(
    frame: pd.DataFrame,
    *,
    label: str,
    series: dict[str, str],
    title: str,
    x_label: str,
    units: str,
    period: str,
    source: str,
    status: str,
    table: Table,
    summary: str = "",
) -> Figure:
    """One row per ``label`` (in the frame's order, top to bottom), one marker per series.

    ``series`` maps column → legend name. A grey line joins each row's smallest and largest value,
    so two series read as a dumbbell; markers and colours both differ between series.
    """
    set_theme()
    t = frame.reset_index(drop=True)
    cols = list(series)
    fig, ax = plt.subplots(figsize=(8, 0.28 * len(t) + 1.4))
    ys = list(range(len(t)))[::-1]
    lo, hi = t[cols].min(axis=1), t[cols].max(axis=1)
    ax.hlines(ys, lo, hi, color="#767676", linewidth=1, zorder=1)
    for i, (col, legend) in enumerate(series.items()):
        ax.scatter(t[col], ys, label=mpl_text(legend), color=PALETTE[i % len(PALETTE)], marker=MARKERS[i % len(MARKERS)],
                   s=34, edgecolor="black", linewidth=0.5, zorder=3)
    ax.set_yticks(ys)
    ax.set_yticklabels([mpl_text(v) for v in t[label]], fontsize=7)
    ax.set_xlabel(mpl_text(x_label))
    ax.legend(loc="best", fontsize=8, frameon=True)
    ax.set_title(mpl_text(title), fontsize=11)
    fig.tight_layout()
    parts = []
    for col, legend in series.items():
        s = t[[label, col]].dropna()
        if s.empty:
            continue
        top, bottom = s.loc[s[col].idxmax()], s.loc[s[col].idxmin()]
        parts.append(f"{legend}: highest {top[label]} ({top[col]:,.1f}), lowest {bottom[label]} ({bottom[col]:,.1f})")
    alt = f"Dot chart of {x_label} for {len(t)} clusters, {period}, one marker per measure. " + "; ".join(parts) + "."
    if summary:
        alt += f" {summary}"
    alt += " The data table follows the chart."
    return Figure(fig, title=title, alt_text=alt, units=units, period=period, source=source, status=status, table=table)
