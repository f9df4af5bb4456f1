"""Accessible spreadsheets: every table download also as an XLSX and an ODS workbook.

The workbooks follow the Government Analysis Function's guidance on releasing statistics in
spreadsheets: a cover sheet, a contents sheet, a notes sheet and one table per sheet, each table
marked as a table, its title in cell A1, no merged cells, no blank rows inside a table, numbers
stored as numbers and the GSS symbols (``c``, ``x``, ``z``) as text with their meaning on the
sheet. The XLSX is written by ``gptables`` (the Analysis Function's own package); the ODS, the open
format the guidance prefers, is written with ``odfpy`` from the XLSX just written, cell for cell,
so the two always hold the same cells (decision: odfpy rather than LibreOffice headless, which
would add a 300 MB system package to CI and a process start per workbook).

One workbook per page (``downloads/workbooks/<page>.xlsx|ods``: the tables that page shows) and
one for the whole book (``downloads/evidence-book-tables.xlsx|ods``: every table once).

Every text cell passes :func:`safe_cell`: a cell never starts with ``= + - @``, a tab or a carriage
return unless it is a plain number, so no spreadsheet program reads it as a formula.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from cluster_inquiry.core.exceptions import BookBuildError

WORKBOOK_DIR = "workbooks"
BOOK_WORKBOOK = "evidence-book-tables"
FORMATS = ("xlsx", "ods")
#: a plain number as the CSVs write it (no thousands separators): stored as a number
#: (a leading zero, as in the map label "09", makes it a label, kept as text)
_PLAIN_NUMBER = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?$")
#: a leading character that a spreadsheet program may read as the start of a formula
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CREATED = datetime.datetime(2014, 1, 16, tzinfo=datetime.timezone.utc)
CONTACT = "Scrutiny Support, the council's children's services scrutiny board (see the book's front page)."


def is_plain_number(text: str) -> bool:
    return bool(_PLAIN_NUMBER.match(text))


def safe_cell(text: str) -> str:
    """``text`` with a leading apostrophe when it would otherwise start with ``= + - @``, a tab or a
    carriage return and is not a plain number (the OWASP rule against formula injection)."""
    if text.startswith(_FORMULA_START) and not is_plain_number(text):
        return "'" + text
    return text


def safe_csv(text: str) -> str:
    """A CSV document with every cell passed through :func:`safe_cell`: no cell a spreadsheet opens
    can start a formula. Cells already safe are written back unchanged (the file's quoting rules)."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not any(c.startswith(_FORMULA_START) and not is_plain_number(c) for row in rows for c in row):
        return text
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([[safe_cell(c) for c in row] for row in rows])
    return buf.getvalue()


#: cells with no letter or digit, which the guidance (and gptables) refuses: a dash or a blank says
#: "no figure here", the GSS symbol z (not applicable); a lone % is a unit, written out
_DASHES = {"", "-", "–", "—", "‒", "―"}
_ALNUM = re.compile(r"[^\W_]")


def symbol_text(text: str) -> str:
    """The spreadsheet's text for a cell that has no letter or digit (else ``text`` unchanged):
    a dash or blank → ``z``; ``%`` → ``per cent``; any other symbol → its Unicode name, lower case."""
    if _ALNUM.search(text):
        return text
    if text.strip() in _DASHES:
        return "z"
    if text.strip() == "%":
        return "per cent"
    import unicodedata

    return " ".join(unicodedata.name(ch, "symbol").lower() for ch in text.strip())


def cell_value(text: str) -> float | int | str:
    """A CSV cell as a spreadsheet cell: a plain number becomes a number; a cell with no letter or
    digit its :func:`symbol_text`; anything else safe text (:func:`safe_cell`)."""
    if is_plain_number(text):
        number = float(text)
        return int(number) if number.is_integer() and re.fullmatch(r"-?\d+", text) else number
    return safe_cell(symbol_text(text))


def sheet_text(text: str) -> str:
    """What a reader sees in the spreadsheet cell made from the CSV cell ``text`` (numbers as the CSV
    writes them): the rule the tests compare a workbook with its CSV by."""
    return text if is_plain_number(text) else safe_cell(symbol_text(text))


def decimals(text: str) -> int:
    """How many decimal places a plain number is written with (``"12.30"`` → 2)."""
    mantissa = text.lower().split("e")[0]
    return len(mantissa.split(".")[1]) if "." in mantissa else 0


def number_formats(csv_text: str) -> list[dict]:
    """gptables formats that show each number with the decimal places the CSV gives it
    (``12.30`` is stored as the number 12.3 and shown as 12.30).

    A column whose numbers all have the same places gets one column format; otherwise each cell its
    own entry (gptables 2.0.2 applies a ``cell`` entry's format to the last of its cells only)."""
    rows = list(csv.reader(io.StringIO(csv_text)))
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    out: list[dict] = []
    for c, name in enumerate(header):
        # row 0 of gptables' format table is the header, so data row r is r + 1
        places = {r: decimals(row[c]) for r, row in enumerate(body, start=1) if c < len(row) and is_plain_number(row[c])}
        kinds = set(places.values())
        if kinds == {0} or not kinds:
            continue
        if len(kinds) == 1:
            out.append({"column": {"columns": [c], "format": {"num_format": "0." + "0" * kinds.pop()}}})
            continue
        out += [{"cell": {"cells": [(r, c)], "format": {"num_format": "0." + "0" * dp}}}
                for r, dp in places.items() if dp]
    return out


def csv_frame(csv_text: str) -> pd.DataFrame:
    """A download's CSV as a frame of spreadsheet cells (header = the CSV's first row)."""
    rows = list(csv.reader(io.StringIO(csv_text)))
    if not rows:
        return pd.DataFrame()
    header = [safe_cell(symbol_text(h)) for h in rows[0]]
    body = [[cell_value(v) for v in r] for r in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=object)


# ----------------------------------------------------------------------------------- XLSX (gptables)


@dataclass
class WorkbookTable:
    """One table sheet: a download and the page(s) it is shown on."""

    sheet: str
    download: object  # downloads.Download (not imported: downloads imports this module)


def _notes(tables: list[WorkbookTable]) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The notes sheet (one row per distinct note) and, per sheet, its note references."""
    refs: dict[str, str] = {}
    texts: list[str] = []
    by_sheet: dict[str, list[str]] = {}
    for t in tables:
        meta = t.download.metadata
        notes = [n.strip() for n in meta.get("notes", "").split(" | ") if n.strip()]
        if meta.get("definition"):
            notes.insert(0, "Definition: " + meta["definition"])
        own = []
        for note in notes:
            if note not in refs:
                texts.append(note)
                refs[note] = f"note{len(texts)}"
            own.append(refs[note])
        by_sheet[t.sheet] = own
    if not texts:
        texts, by_sheet = ["No table in this workbook has notes."], {t.sheet: [] for t in tables}
    frame = pd.DataFrame({  # gptables numbers the notes in the order the sheets refer to them
        "Note reference": [f"note{i}" for i in range(1, len(texts) + 1)],
        "Note text": [safe_cell(t) for t in texts],
    })
    return frame, by_sheet


def _gptable(t: WorkbookTable, note_refs: list[str], symbols: str):
    import gptables as gpt

    meta = t.download.metadata
    frame = csv_frame(t.download.csv)
    title = safe_cell(meta.get("title", t.sheet)) + (" " if note_refs else "") + "".join(f"$${ref}$$" for ref in note_refs)
    subtitles = [safe_cell(f"Data: {meta.get('data_status_label', '')}")]
    if meta.get("unit"):
        subtitles.append(safe_cell(f"Unit: {meta['unit']}"))
    if meta.get("period"):
        subtitles.append(safe_cell(f"Period: {meta['period']}"))
    pages = "; ".join(title for _, title in t.download.pages)
    subtitles.append(safe_cell(f"Shown in the book on: {pages}"))
    legend = [safe_cell(s) for s in symbols.split("; ") if s] if symbols else []
    return gpt.GPTable(
        table=frame,
        table_name=t.sheet.lower(),
        title=title,
        subtitles=subtitles,
        instructions=("This worksheet contains one table. Some cells may refer to notes, "
                      "which can be found on the notes worksheet."),
        source=safe_cell(f"Source: {meta.get('source', '')}"),
        legend=legend,
        index_columns={},
        additional_formatting=number_formats(t.download.csv),
    )


def write_xlsx(path: Path, title: str, downloads: list, *, about: str) -> None:
    """One workbook: cover, contents, notes and one sheet per download (``Table_1``, ``Table_2``, …)."""
    import gptables as gpt

    tables = [WorkbookTable(f"Table_{i}", d) for i, d in enumerate(downloads, start=1)]
    notes, refs = _notes(tables)
    symbols = downloads[0].metadata.get("symbols", "") if downloads else ""
    sheets = {t.sheet: _gptable(t, refs[t.sheet], symbols) for t in tables}
    cover = gpt.Cover(
        title=safe_cell(title),
        intro=[safe_cell(about),
               "This workbook holds the tables exactly as the book shows them: already disclosure-controlled. "
               "c marks a suppressed value, x not available, z not applicable (see each table's legend)."],
        about=["Each table sits on its own worksheet, listed on the contents worksheet; notes referred to "
               "in titles as [note N] are on the notes worksheet.",
               "Figures marked illustrative are modelled, not council records: each table says which it is."],
        contact=[CONTACT],
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = gpt.produce_workbook(
            filename=path,
            sheets=sheets,
            cover=cover,
            notes_table=notes,
            contentsheet_options={"additional_elements": ["subtitles"]},
            # a text cell is text: never a formula or a link written by accident
            workbook_options={"strings_to_formulas": False, "strings_to_urls": False,
                              "strings_to_numbers": False},
        )
        # a fixed creation time (xlsxwriter stamps the time of writing): the same tables give the same file
        wb.set_properties({"title": title, "created": _CREATED})
        wb.close()


# ----------------------------------------------------------------------------------- ODS (odfpy)


@dataclass
class SheetCells:
    """One XLSX sheet as plain cells: values, bold cells, decimal places shown, internal links."""

    name: str
    rows: list[list[object]]
    bold: set[tuple[int, int]]
    places: dict[tuple[int, int], int]
    links: dict[tuple[int, int], str]


_FIXED = re.compile(r"^0\.(0+)$")


def xlsx_sheets(path: Path | io.BytesIO) -> list[SheetCells]:
    """Each sheet of an XLSX, in order, as :class:`SheetCells` (read with openpyxl)."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    out = []
    for ws in wb.worksheets:
        sheet = SheetCells(ws.title, [], set(), {}, {})
        for r, row in enumerate(ws.iter_rows()):
            values = []
            for c, cell in enumerate(row):
                values.append(cell.value)
                if cell.value is not None and cell.font is not None and cell.font.b:
                    sheet.bold.add((r, c))
                fixed = _FIXED.match(cell.number_format or "")
                if fixed and isinstance(cell.value, (int, float)):
                    sheet.places[(r, c)] = len(fixed.group(1))
                if cell.hyperlink is not None and cell.hyperlink.location:
                    sheet.links[(r, c)] = cell.hyperlink.location
            sheet.rows.append(values)
        while sheet.rows and all(v is None for v in sheet.rows[-1]):
            sheet.rows.pop()
        out.append(sheet)
    return out


def write_ods(xlsx: Path, ods: Path) -> None:
    """The ODS copy of ``xlsx``: the same sheets, in the same order, with the same cells (numbers as
    numbers shown with the same decimal places, text as text), bold where the XLSX is bold and the
    contents sheet's links kept."""
    from odf.number import Number, NumberStyle
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableColumnProperties, TextProperties
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import A, P

    from odf.element import Element

    # odfpy declares, on every document, each namespace any element created so far used (a class-level
    # dict): start from none, so the same tables give the same bytes
    Element.namespaces.clear()
    doc = OpenDocumentSpreadsheet()
    styles: dict[tuple[bool, int | None], Style] = {}

    def style(bold: bool, places: int | None) -> Style | None:
        if not bold and places is None:
            return None
        key = (bold, places)
        if key not in styles:
            attrs = {"name": f"ce{len(styles) + 1}", "family": "table-cell"}
            if places is not None:
                number = NumberStyle(name=f"N{places}")
                number.addElement(Number(decimalplaces=places, minintegerdigits=1))
                if not any(k[1] == places for k in styles):
                    doc.automaticstyles.addElement(number)
                attrs["datastylename"] = f"N{places}"
            st = Style(**attrs)
            if bold:
                st.addElement(TextProperties(fontweight="bold"))
            doc.automaticstyles.addElement(st)
            styles[key] = st
        return styles[key]

    wide = Style(name="co1", family="table-column")
    wide.addElement(TableColumnProperties(columnwidth="2.5in"))
    doc.automaticstyles.addElement(wide)
    for sheet in xlsx_sheets(xlsx):
        table = Table(name=sheet.name)
        width = max((len(r) for r in sheet.rows), default=1)
        table.addElement(TableColumn(numbercolumnsrepeated=width, stylename=wide))
        for r, values in enumerate(sheet.rows):
            tr = TableRow()
            for c in range(width):
                value = values[c] if c < len(values) else None
                places = sheet.places.get((r, c))
                st = style((r, c) in sheet.bold, places)
                kwargs = {"stylename": st} if st is not None else {}
                if value is None:
                    tr.addElement(TableCell(**kwargs))
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    cell = TableCell(valuetype="float", value=repr(value), **kwargs)
                    cell.addElement(P(text=f"{value:.{places}f}" if places is not None else str(value)))
                    tr.addElement(cell)
                else:
                    text = str(value)
                    cell = TableCell(valuetype="string", **kwargs)
                    p = P()
                    target = sheet.links.get((r, c))
                    if target:  # "'Table_1'!A1" → "#Table_1.A1"
                        name, _, ref = target.rpartition("!")
                        p.addElement(A(href=f"#{name.strip(chr(39))}.{ref}", text=text))
                    else:
                        p.addText(text)
                    cell.addElement(p)
                    tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    ods.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    doc.write(buf)
    ods.write_bytes(_fixed_times(buf.getvalue()))


def _fixed_times(raw: bytes) -> bytes:
    """The zip ``raw`` with every member dated :data:`_CREATED` (odfpy dates them now); member order
    and compression kept (an ODS's ``mimetype`` stays first and stored)."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_CREATED.timetuple()[:6])
            fixed.compress_type = info.compress_type
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# ----------------------------------------------------------------------------------- the book's workbooks


def page_file(page: str) -> str:
    """A page's workbook path (without extension) under ``downloads/``: the page's own path
    (``clusters/c01-x`` → ``workbooks/clusters/c01-x``), so no two pages share one and the file name
    still starts with the cluster's code (the leak scan reads it)."""
    path = PurePosixPath(page)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BookBuildError(f"{page}: a page path must be relative, inside the book")
    return f"{WORKBOOK_DIR}/{path.as_posix()}"


def plan(downloads: list) -> dict[str, tuple[str, list]]:
    """Workbook stem → (title, downloads): one per page, in page order, and one for the whole book."""
    pages: dict[str, tuple[str, list]] = {}
    for d in downloads:
        for page, title in d.pages:
            pages.setdefault(page_file(page), (title, []))[1].append(d)
    return {BOOK_WORKBOOK: ("Cluster Partnerships Inquiry: every table in the evidence book", list(downloads)), **pages}


def write_all(downloads: list, out: Path) -> dict[str, list[str]]:
    """Write every workbook as XLSX and ODS under ``out``; return page → its workbook files."""
    files: dict[str, list[str]] = {}
    for stem, (title, items) in plan(downloads).items():
        if not items:
            continue
        xlsx = out / f"{stem}.xlsx"
        book = stem == BOOK_WORKBOOK
        about = ("Every table in the Cluster Partnerships Inquiry evidence book, once each." if book
                 else f"The tables on the evidence book's page “{title}”.")
        write_xlsx(xlsx, title if book else f"{title}: tables", items, about=about)
        write_ods(xlsx, out / f"{stem}.ods")
        files[stem] = [f"{stem}.{ext}" for ext in FORMATS]
    return files


# ----------------------------------------------------------------------------------- reading back


def read_sheets(path: Path | io.BytesIO, engine: str | None = None) -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook as a frame of raw cells (no header), via pandas (openpyxl / odf)."""
    return pd.read_excel(path, sheet_name=None, header=None, engine=engine, dtype=object)


def _shown(value: object, places: int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, (int, float)):
        if places is not None:
            return f"{value:.{places}f}"
        return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return str(value)


def display_texts(raw: bytes, kind: str) -> list[tuple[str, list[list[str]]]]:
    """Each sheet of a workbook (``kind`` ``xlsx`` or ``ods``) as rows of the text a reader sees in
    each cell: a number shown with its cell's fixed decimal places (``12.30``), text as it is."""
    if kind == "xlsx":
        sheets = xlsx_sheets(io.BytesIO(raw))  # read in memory: no temporary file
        return [(s.name, [_trim([_shown(v, s.places.get((r, c))) for c, v in enumerate(row)]) for r, row in enumerate(s.rows)])
                for s in sheets]
    if kind == "ods":
        return _ods_texts(raw)
    raise ValueError(f"unknown workbook kind {kind!r}")


def _trim(row: list[str]) -> list[str]:
    while row and row[-1] == "":
        row.pop()
    return row


def _ods_texts(raw: bytes) -> list[tuple[str, list[list[str]]]]:
    from odf import teletype
    from odf.namespaces import TABLENS
    from odf.opendocument import load
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = load(io.BytesIO(raw))
    out = []
    for table in doc.spreadsheet.getElementsByType(Table):
        rows: list[list[str]] = []
        for tr in table.getElementsByType(TableRow):
            row: list[str] = []
            for cell in tr.childNodes:
                if cell.qname[1] not in ("table-cell", "covered-table-cell"):
                    continue
                text = "\n".join(teletype.extractText(p) for p in cell.getElementsByType(P))
                repeat = int(cell.attributes.get((TABLENS, "number-columns-repeated"), 1) or 1)
                row.extend([text] * (min(repeat, 1024) if text else min(repeat, 1)))
            row = _trim(row)
            repeat_rows = int(tr.attributes.get((TABLENS, "number-rows-repeated"), 1) or 1)
            rows.extend([row] * (min(repeat_rows, 1024) if row else 1))
        while rows and not rows[-1]:
            rows.pop()
        out.append((str(table.getAttribute("name")), rows))
    return out


def table_block(rows: list[list[str]]) -> tuple[str, list[str], list[list[str]]]:
    """A table sheet's (title, header, body rows) from its display texts: the title in A1, the table
    from the first row as wide as the widest row to the sheet's end (gptables writes the table last,
    with no blank rows inside it)."""
    title = rows[0][0] if rows and rows[0] else ""
    widths = [sum(bool(v) for v in row) for row in rows]
    if not rows or max(widths) == 0:
        return title, [], []
    start = widths.index(max(widths))
    header = rows[start]
    body = [row + [""] * (len(header) - len(row)) for row in rows[start + 1:]]
    return title, header, [row[: len(header)] for row in body]
