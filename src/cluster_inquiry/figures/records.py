"""The Figure and Table records every chart, map and table is published through.

A figure always travels with its alt text, title, units, period, source, data status
(``illustrative`` or ``real``) and the data table shown beside it, so no page can show a chart
without saying what it is and which numbers are real.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.text  # noqa: E402
import pandas as pd  # noqa: E402

from cluster_inquiry.stats import disclosure  # noqa: E402
from cluster_inquiry.indicators.catalogue import INDICATORS  # noqa: E402

STATUS_LABEL = {
    "illustrative": "Illustrative data — modelled, not real council figures",
    "real": "Real published data",
    "mixed": "Real geography and denominators; illustrative indicator values",
    "record": "The inquiry's record, as described in the brief (not statistics)",
}
#: the short marker on each table and figure (the page's banner carries the long label)
STATUS_MARKER = {
    "illustrative": "Illustrative data",
    "real": "Real data",
    "mixed": "Real and illustrative",
    "record": "Inquiry record",
}

#: key, in a notebook output's *metadata*, of each table's download (CSV text and metadata); the
#: pipeline reads it from executed notebooks (cluster_inquiry.build.downloads). Output metadata, not data:
#: renderers never see it (no unknown-MIME warning) and nbval does not compare it.
TABLE_MIME = "application/vnd.cluster-inquiry.tables+json"
#: where table downloads live, relative to a generated page (every one sits at generated/<folder>/<page>)
DOWNLOADS_URL = "../../downloads/tables"
#: the indicator definitions page (cluster_inquiry.pages.definitions), from a generated page
DEFINITIONS_URL = "../record/definitions.html"
_NUMBER_WITH_COMMAS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def mpl_text(text: object) -> str:
    """Text for a matplotlib label, drawn literally: a ``$`` in a cluster name is not mathtext."""
    return str(text).replace("$", r"\$")


def extremes_text(ranked: pd.DataFrame, label: str, value: str, *, dp: int = 1, units: str = "",
                  highest: str = "Highest") -> str:
    """The alt-text sentence naming the highest and lowest row of ``ranked`` (sorted by ``value``, none missing).

    ``"Highest: A (12.3); lowest: B (4.5)."``, values to ``dp`` decimal places, each followed by
    ``units`` when given; ``highest`` replaces the opening word (e.g. ``"Highest (2014)"``).
    """
    top, bottom = ranked.iloc[-1], ranked.iloc[0]
    unit = f" {units}" if units else ""
    return (f"{highest}: {top[label]} ({top[value]:,.{dp}f}{unit}); "
            f"lowest: {bottom[label]} ({bottom[value]:,.{dp}f}{unit}).")


def name_list(names: list[str], limit: int = 5, *, more: str = "; {n} more", empty: str = "") -> str:
    """Up to ``limit`` names joined by commas, then how many more were left out.

    The default "; N more" keeps the count away from the last name: the leak scan reads a number
    straight after a cluster's name as a possible count for that cluster.
    """
    if not names:
        return empty
    shown = ", ".join(names[:limit])
    return shown + (more.format(n=len(names) - limit) if len(names) > limit else "")


def slug(text: str) -> str:
    """A safe file or anchor name: lower-case ASCII letters, digits and hyphens only."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s or "item"


def definition_anchor(code: str) -> str:
    """An indicator's anchor on the definitions page (``LAC_RATE`` → ``lac-rate``)."""
    return slug(code)


def definition_url(code: str) -> str:
    return f"{DEFINITIONS_URL}#{definition_anchor(code)}"


def definitions_html(codes: list[str]) -> str:
    """"Indicator definitions: …" links to the definitions page, one per indicator (empty for none)."""
    if not codes:
        return ""
    links = " · ".join(
        f"<a href='{definition_url(c)}'>{html.escape(INDICATORS[c].short)}</a>" for c in codes
    )
    word = "definition" if len(codes) == 1 else "definitions"
    return f"<p class='ci-defs'>Indicator {word}: {links}</p>"


#: the GSS symbols a published cell may hold; a table showing any of them carries the legend
_SYMBOLS = {"c", "x", "z"}


def _shows_symbols(frame: pd.DataFrame) -> bool:
    if frame.isna().any().any():  # rendered as x
        return True
    return any(isinstance(v, str) and v.strip() in _SYMBOLS for v in frame.to_numpy().ravel())


class _BodyCells(HTMLParser):
    """The text of each ``<td>`` in a table's ``<tbody>``, row by row (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._in_body = self._in_cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag in ("td", "th"):
            self._in_cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._in_cell = False
        elif tag == "tbody":
            self._in_body = False

    def handle_data(self, data):
        if self._in_cell:
            self.rows[-1][-1] += data

    def close(self):
        super().close()
        self.rows = [[cell.strip() for cell in row] for row in self.rows]


@dataclass(repr=False)
class Table:
    """A publishable table: the frame must already be disclosure-controlled.

    Its HTML escapes every cell, title and note, and adds the GSS symbol legend whenever a cell
    shows ``c``, ``x`` or ``z``. Its plain-text repr is only the title, so no numbers travel in
    the ``text/plain`` copy of a notebook output.
    """

    frame: pd.DataFrame
    title: str
    source: str
    status: str
    name: str = ""
    notes: list[str] = field(default_factory=list)
    #: for the download's metadata sheet: what the numbers measure, their unit and period
    definition: str = ""
    unit: str = ""
    period: str = ""
    #: optional HTML ids for the body rows (anchors other pages link to); escaped via slug
    row_ids: list[str] | None = None
    #: codes of the catalogue's indicators this table shows (indicators.INDICATORS); a table whose
    #: definition or notes quote an indicator's definition shows that indicator too
    indicators: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in STATUS_LABEL:
            raise ValueError(f"unknown data status {self.status!r}")
        self.name = self.name or slug(self.title)
        if self.row_ids is not None and len(self.row_ids) != len(self.frame):
            raise ValueError("row_ids needs one id per row")
        unknown = [c for c in self.indicators if c not in INDICATORS]
        if unknown:
            raise ValueError(f"unknown indicator code(s) {unknown}")

    def indicator_codes(self) -> list[str]:
        """The indicators this table shows, in catalogue order: those named in ``indicators`` and
        those whose catalogue definition the table quotes (as its definition or a note)."""
        quoted = {self.definition, *self.notes}
        return [c for c, ind in INDICATORS.items() if c in self.indicators or ind.definition in quoted]

    # ------------------------------------------------------------------ downloads

    def _frame_html(self) -> str:
        return self.frame.to_html(index=False, escape=True, border=0, classes="ci-table", na_rep="x")

    def download_frame(self) -> pd.DataFrame:
        """The table as published in the CSV: each cell's text exactly as displayed (read back from the
        rendered HTML, so float formatting and symbols agree), numbers without thousands separators so
        that spreadsheets read them as numbers."""
        cells = _BodyCells()
        cells.feed(self._frame_html())
        cells.close()
        rows = [[v.replace(",", "") if _NUMBER_WITH_COMMAS.match(v) else v for v in row] for row in cells.rows]
        return pd.DataFrame(rows, columns=[str(c) for c in self.frame.columns], dtype=object)

    def metadata(self) -> dict[str, str]:
        return {
            "title": self.title,
            "definition": self.definition,
            "unit": self.unit,
            "period": self.period,
            "source": self.source,
            "data_status": self.status,
            "data_status_label": STATUS_LABEL[self.status],
            "notes": " | ".join(self.notes),
            "symbols": "; ".join(f"{sym} = {text}" for sym, text in disclosure.legend_items()),
            "columns": " | ".join(map(str, self.frame.columns)),
        }

    def csv_text(self) -> str:
        return self.download_frame().to_csv(index=False, lineterminator="\n")

    @property
    def stem(self) -> str:
        """The download's file name without extension: the table's name and a content hash, so the
        same table shown on several pages is one file, and different tables never collide."""
        digest = hashlib.sha256((self.csv_text() + json.dumps(self.metadata(), sort_keys=True)).encode("utf-8"))
        return f"{self.name[:80]}-{digest.hexdigest()[:10]}"

    def export(self) -> dict:
        return {"name": self.name, "stem": self.stem, "csv": self.csv_text(), "metadata": self.metadata()}

    def download_html(self) -> str:
        stem = self.stem
        title = html.escape(self.title)
        return (
            f"<p class='ci-download'><a href='{DOWNLOADS_URL}/{stem}.csv' download>Download “{title}” as CSV</a>"
            f" · <a href='{DOWNLOADS_URL}/{stem}.metadata.csv' download>its metadata (CSV)</a></p>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict, dict]:
        return {"text/html": self.to_html()}, {TABLE_MIME: {"tables": [self.export()]}}

    def to_html(self) -> str:
        body = self._frame_html()
        if self.row_ids is not None:
            head, rows = body.split("<tbody>", 1)
            parts = rows.split("<tr>")
            rows = parts[0] + "".join(f"<tr id='{slug(rid)}'>{part}" for rid, part in zip(self.row_ids, parts[1:]))
            body = f"{head}<tbody>{rows}"
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        notes_html = f"<ul class='ci-notes'>{notes}</ul>" if notes else ""
        legend = disclosure.legend_html() if _shows_symbols(self.frame) else ""
        return (
            f"<div class='ci-table-wrap' id='{self.name}'>"
            f"<p class='ci-caption'><strong>{html.escape(self.title)}</strong></p>"
            f"{status_badge(self.status)}{body}"
            f"<p class='ci-source'>Source: {html.escape(self.source)}</p>{notes_html}{legend}"
            f"{definitions_html(self.indicator_codes())}{self.download_html()}</div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"Table: {self.title}"


#: the smallest text a figure may carry, in points (12 px at the 96 dpi the PNGs are drawn at)
MIN_TEXT_PT = 9.0
#: the widest the book's layout shows a figure, in CSS px, at the 1280 px viewport the browser
#: check audits: a wider PNG is scaled down to this, so its text is drawn larger in proportion
COLUMN_PX = 672
#: what the smallest text of a figure must measure on screen at 100% zoom (11 px, with a margin)
SCREEN_TEXT_PX = 11.5


def readable_text(fig: matplotlib.figure.Figure, floor: float = MIN_TEXT_PT) -> float:
    """Raise every visible text of ``fig`` to at least ``floor`` points; the smallest size left."""
    sizes = []
    for text in fig.findobj(matplotlib.text.Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        if text.get_fontsize() < floor:
            text.set_fontsize(floor)
        sizes.append(float(text.get_fontsize()))
    return min(sizes, default=floor)


class _Record:
    """What a figure and a grid share: the caption naming title, units, period, source and status,
    and the notebook output carrying the data table's download (``TABLE_MIME``)."""

    title: str
    units: str
    period: str
    source: str
    status: str
    table: Table | None

    def _caption(self, extra: str = "") -> str:
        return (
            f"<figcaption><strong>{html.escape(self.title)}</strong>. Units: {html.escape(self.units)}. "
            f"Period: {html.escape(self.period)}. Source: {html.escape(self.source.rstrip('.'))}. "
            f"{status_badge(self.status)}{extra}</figcaption>"
        )

    def to_html(self) -> str:
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict, dict]:
        metadata = {TABLE_MIME: {"tables": [self.table.export()]}} if self.table is not None else {}
        return {"text/html": self.to_html()}, metadata


@dataclass(repr=False)
class Figure(_Record):
    """A rendered chart or map with everything a reader (and a screen reader) needs."""

    fig: matplotlib.figure.Figure
    title: str
    alt_text: str
    units: str
    period: str
    source: str
    status: str
    table: Table | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if not self.alt_text.strip():
            raise ValueError("every figure needs alt text")
        if self.status not in STATUS_LABEL:
            raise ValueError(f"unknown data status {self.status!r}")
        self.name = self.name or slug(self.title)
        if self.table is not None:  # the table's download says what the chart says
            self.table.unit = self.table.unit or self.units
            self.table.period = self.table.period or self.period

    def _png(self, dpi: int) -> bytes:
        """The figure as PNG bytes, its text readable where the page shows it.

        Every text is raised to :data:`MIN_TEXT_PT`; if the PNG is wider than :data:`COLUMN_PX`
        (so the page scales it down), the floor is raised until its smallest text still measures
        :data:`SCREEN_TEXT_PX` as shown, and the figure drawn again (at most four times more: larger text can widen it).
        ``min_text_px``: the smallest text in the PNG's own pixels (the browser check multiplies it
        by the scale the page shows the image at).
        """
        floor = MIN_TEXT_PT
        for _ in range(5):
            smallest = readable_text(self.fig, floor)
            buf = io.BytesIO()
            self.fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
            png = buf.getvalue()
            width = int.from_bytes(png[16:20], "big")  # the PNG header's IHDR width
            scale = min(1.0, COLUMN_PX / width)
            if smallest * dpi / 72 * scale >= SCREEN_TEXT_PX:
                break
            floor = max(floor, smallest) * SCREEN_TEXT_PX / (smallest * dpi / 72 * scale) * 1.03
        self.min_text_px = smallest * dpi / 72
        plt.close(self.fig)
        return png

    def png_base64(self, dpi: int = 96) -> str:
        return base64.b64encode(self._png(dpi)).decode("ascii")

    def to_html(self) -> str:
        png = self.png_base64()
        img = (
            f"<img src='data:image/png;base64,{png}' alt='{html.escape(self.alt_text, quote=True)}' "
            f"class='ci-img' data-min-text-px='{self.min_text_px:.1f}'/>"
        )
        caption = self._caption(definitions_html(self.indicator_codes()))
        table = self.table.to_html() if self.table is not None else ""
        return f"<figure class='ci-figure' id='{self.name}'>{img}{caption}</figure>{table}"

    def indicator_codes(self) -> list[str]:
        """The indicators the chart shows: its data table's."""
        return self.table.indicator_codes() if self.table is not None else []

    def __repr__(self) -> str:
        return f"Figure: {self.title}"


@dataclass(repr=False)
class GridCell:
    """One cell of a :class:`GridTable`: its text, fill and text colour, and the key it sorts by."""

    text: str
    fill: str = "#ffffff"
    ink: str = "#1a1a1a"
    sort_key: float | str = ""
    title: str = ""


@dataclass(repr=False)
class GridTable(_Record):
    """A wide grid (e.g. the tartan rug) as an HTML table, not a picture: readable at any zoom,
    its header row and first column sticky while it scrolls inside the page, sortable by any
    column where JavaScript runs (``book/_static/sortable.js``; without it, a plain table).
    The figure's record travels with it: title, description, units, period, source, status, and
    its data table (with the download) after it."""

    title: str
    alt_text: str  # the description a reader gets before the grid (also read by screen readers)
    header: list[str]
    row_headers: list[str]
    cells: list[list[GridCell]]
    units: str
    period: str
    source: str
    status: str
    legend: list[tuple[GridCell, str]] = field(default_factory=list)
    table: Table | None = None
    name: str = ""
    header_first: str = "Cluster"  # the heading of the row-header column

    def __post_init__(self) -> None:
        if self.status not in STATUS_LABEL:
            raise ValueError(f"unknown data status {self.status!r}")
        self.name = self.name or slug(self.title)

    @staticmethod
    def _cell(c: GridCell, tag: str = "td") -> str:
        title = f" title='{html.escape(c.title, quote=True)}'" if c.title else ""
        return (f"<{tag} style='background:{c.fill};color:{c.ink}' data-sort='{html.escape(str(c.sort_key), quote=True)}'"
                f"{title}>{html.escape(c.text)}</{tag}>")

    def to_html(self) -> str:
        head = "".join(f"<th scope='col'>{html.escape(h)}</th>" for h in self.header)
        body = "".join(
            f"<tr><th scope='row' data-sort='{html.escape(r, quote=True)}'>{html.escape(r)}</th>"
            + "".join(self._cell(c) for c in row) + "</tr>"
            for r, row in zip(self.row_headers, self.cells)
        )
        legend = "".join(f"<li><span class='ci-grid-key' style='background:{c.fill};color:{c.ink}'>"
                         f"{html.escape(c.text)}</span> {html.escape(text)}</li>" for c, text in self.legend)
        desc = f"{self.name}-desc"
        caption = self._caption()
        table = self.table.to_html() if self.table is not None else ""
        return (
            f"<figure class='ci-figure ci-grid' id='{self.name}'>"
            f"<p class='ci-grid-desc' id='{desc}'>{html.escape(self.alt_text)}</p>"
            f"<div class='ci-grid-wrap' role='region' tabindex='0' aria-label='{html.escape(self.title, quote=True)} "
            f"(scrolls; sort by a column heading)'>"
            f"<table class='ci-grid-table ci-sortable' aria-describedby='{desc}'><thead><tr>"
            f"<th scope='col'>{html.escape(self.header_first)}</th>{head}</tr></thead><tbody>{body}</tbody></table></div>"
            f"<ul class='ci-grid-legend'>{legend}</ul>{caption}</figure>{table}"
        )

    def __repr__(self) -> str:
        return f"Grid: {self.title}"


def status_banner_badge(status: str) -> str:
    """The long label, for a page's one banner: whether its numbers are real or illustrative."""
    return f"<span class='ci-badge ci-badge-{status}'>{html.escape(STATUS_LABEL[status])}</span>"


def status_badge(status: str) -> str:
    """The short marker (text, never colour alone) on each table, figure or finding: the page's
    banner says what it means in full, so a page carries one long statement, not one per table."""
    return (f"<span class='ci-badge ci-badge-{status} ci-marker' title='{html.escape(STATUS_LABEL[status])}'>"
            f"{html.escape(STATUS_MARKER[status])}</span>")


def sources_table(rows: list[tuple[str, str, str]], caption: str = "Data sources on this page") -> str:
    """A page's data sources as an HTML table of (data, status, source) rows: every part escaped,
    each status as its :func:`status_badge`."""
    body = "".join(
        f"<tr><td>{html.escape(a)}</td><td>{status_badge(s)}</td><td>{html.escape(src)}</td></tr>" for a, s, src in rows
    )
    return (
        f"<table class='ci-table'><caption>{html.escape(caption)}</caption><thead><tr><th scope='col'>Data</th>"
        f"<th scope='col'>Status</th><th scope='col'>Source</th></tr></thead><tbody>{body}</tbody></table>"
    )
