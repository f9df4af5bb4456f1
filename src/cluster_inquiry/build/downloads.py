"""Table downloads: every table in the book as CSV with a metadata sheet, and one zipped data pack.

Each :class:`~cluster_inquiry.figures.records.Table` displayed in a notebook also puts its CSV text and
metadata in the output's metadata under ``TABLE_MIME`` (see ``Table.export``). After the
notebooks have run, :func:`collect` reads those outputs from the executed notebooks — so cached
or re-used notebooks export exactly what they show — and writes:

``downloads/tables/<stem>.csv``           the table as displayed (suppressed; numbers without
                                          thousands separators)
``downloads/tables/<stem>.metadata.csv``  field,value: definition, unit, period, source,
                                          real/illustrative, symbols
``downloads/metadata.csv``                one row per table file
``downloads/pages.csv``                   which page shows which file
``downloads/evidence-book-tables.xlsx|ods``  every table as an accessible workbook (cover, contents,
                                          notes, one table per sheet; cluster_inquiry.build.spreadsheets)
``downloads/workbooks/<folder>/<page>.xlsx|ods``   the same for each page's tables
``downloads/data-pack.zip``               all of the above

and a downloads page (``record/downloads.ipynb``) listing every file by page. The pipeline
copies ``downloads/`` into the built site; every table's link points at
``../../downloads/tables/<stem>.csv`` (all generated pages sit two folders below the site root).
"""

from __future__ import annotations

import csv
import html
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from cluster_inquiry.build import spreadsheets
from cluster_inquiry.core.exceptions import BookBuildError
from cluster_inquiry.figures.records import STATUS_LABEL, TABLE_MIME, status_banner_badge

PAGE = "record/downloads.ipynb"
PACK = "data-pack.zip"
METADATA_FIELDS = [
    "file", "metadata_file", "pages", "title", "definition", "unit", "period", "source",
    "data_status", "data_status_label", "notes", "symbols", "columns",
]
_ZIP_TIME = (2014, 1, 16, 0, 0, 0)  # fixed, so the same tables give a byte-identical pack


@dataclass
class Download:
    """One table file, with every page that shows it (the same table on several pages is one file)."""

    stem: str
    csv: str
    metadata: dict
    pages: list[tuple[str, str]] = field(default_factory=list)  # (page path, page title)

    @property
    def file(self) -> str:
        return f"tables/{self.stem}.csv"

    @property
    def metadata_file(self) -> str:
        return f"tables/{self.stem}.metadata.csv"

    def metadata_csv(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["field", "value"])
        writer.writerow(["file", self.file])
        for key, value in self.metadata.items():
            writer.writerow([key, value])
        # the page a reader downloaded it from; a table shown on several pages lists them all
        writer.writerow(["page", self.pages[0][0] if len(self.pages) == 1 else ""])
        writer.writerow(["pages", "; ".join(page for page, _ in self.pages)])
        return buf.getvalue()

    def row(self) -> dict:
        return {"file": self.file, "metadata_file": self.metadata_file, "pages": len(self.pages), **self.metadata}


def _title(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip().replace("\\", "")
    return fallback


def tables_in(nb: nbformat.NotebookNode) -> list[dict]:
    """Every exported table in an executed notebook, in page order."""
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "remove-cell" in cell.get("metadata", {}).get("tags", []):
            continue
        for out in cell.get("outputs", []):
            payload = out.get("metadata", {}).get(TABLE_MIME)
            if payload:
                found.extend(payload.get("tables", []))
    return found


def collect(executed: Path) -> list[Download]:
    """Every table exported by the executed notebooks under ``executed``, once per file, in page order."""
    by_stem: dict[str, Download] = {}
    for path in sorted(executed.rglob("*.ipynb")):
        rel = path.relative_to(executed)
        nb = nbformat.read(path, as_version=4)
        tables = tables_in(nb)
        if not tables:
            continue
        if len(rel.parts) != 2:
            raise BookBuildError(
                f"{rel}: pages with tables must sit one folder below generated/ (links are ../../downloads/…)"
            )
        page = (rel.with_suffix("").as_posix(), _title(nb, rel.stem))
        for t in tables:
            d = by_stem.setdefault(t["stem"], Download(t["stem"], t["csv"], t["metadata"]))
            if page not in d.pages:
                d.pages.append(page)
    found = list(by_stem.values())
    _check_unique_titles(found)
    return found


def _check_unique_titles(found: list[Download]) -> None:
    """Two different tables never share a title: a reader choosing a file, a sheet or a contents row
    by its title must get one table (the same table on several pages is one file)."""
    by_title: dict[str, Download] = {}
    for d in found:
        title = d.metadata.get("title", "")
        other = by_title.setdefault(title, d)
        if other is not d:
            raise BookBuildError(
                f"{d.pages[0][0]}: table title {title!r} is also the title of a different table on "
                f"{other.pages[0][0]}: every table needs its own title"
            )


def metadata_csv(downloads: list[Download]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=METADATA_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for d in downloads:
        writer.writerow(d.row())
    return buf.getvalue()


def pages_csv(downloads: list[Download]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["file", "page"])
    for d in downloads:
        for page, _ in d.pages:
            writer.writerow([d.file, page])
    return buf.getvalue()


def write(downloads: list[Download], out: Path) -> Path:
    """Write the CSVs, metadata sheets, ``metadata.csv``, ``pages.csv`` and ``data-pack.zip`` into ``out``."""
    tables = out / "tables"
    tables.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    for d in downloads:
        files[d.file] = d.csv
        files[d.metadata_file] = d.metadata_csv()
    files["metadata.csv"] = metadata_csv(downloads)
    files["pages.csv"] = pages_csv(downloads)
    files["README.txt"] = (
        "Cluster Partnerships Inquiry: Evidence Book - data pack\n\n"
        "tables/*.csv           every table in the book, exactly as shown (suppressed: c, x, z symbols)\n"
        "tables/*.metadata.csv  each table's definition, unit, period, source and real/illustrative status\n"
        "metadata.csv           one row per table file\n"
        "pages.csv              which book page shows which table file\n"
        f"{spreadsheets.BOOK_WORKBOOK}.xlsx / .ods  every table in one spreadsheet (cover, contents, notes,\n"
        "                       one table per sheet); the same cells as the CSVs\n"
        "workbooks/*.xlsx, *.ods  one spreadsheet per book page\n\n"
        "Numbers marked illustrative are modelled, not council records. See the book's provenance page.\n"
    )
    # OWASP's CSV-injection rule: no published cell starts = + - @ tab or CR unless it is a number
    files = {name: spreadsheets.safe_csv(text) if name.endswith(".csv") else text for name, text in files.items()}
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    workbooks = spreadsheets.write_all(downloads, out)
    binary = {name: (out / name).read_bytes() for names in workbooks.values() for name in names}
    pack = out / PACK
    with zipfile.ZipFile(pack, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, body in sorted([(n, t.encode("utf-8")) for n, t in files.items()] + list(binary.items())):
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, body)
    return pack


def page_notebook(downloads: list[Download]) -> nbformat.NotebookNode:
    """The downloads page: the data pack, then every table file once, with the page(s) showing it."""
    base = "../../downloads"
    n_pages = len({page for d in downloads for page, _ in d.pages})
    parts = [
        "<div class='ci-banner' role='note'>"
        f"{status_banner_badge('mixed')}<p>Each table keeps the label it has in the book: "
        "<strong>real</strong> published data, <strong>illustrative</strong> (modelled) figures, or the "
        "<strong>inquiry's record</strong>. Every file is already disclosure-controlled: "
        "<code>c</code> marks a suppressed value, <code>x</code> not available, <code>z</code> not applicable.</p></div>",
        f"<p><a class='ci-pack' href='{base}/{PACK}' download><strong>Download the data pack (ZIP)</strong></a>: "
        f"{len(downloads)} table files from {n_pages} pages, each with a metadata sheet; <code>metadata.csv</code> "
        f"describes every file and <code>pages.csv</code> says which page shows it "
        f"(<a href='{base}/metadata.csv' download>metadata.csv</a>, <a href='{base}/pages.csv' download>pages.csv</a>).</p>",
    ]
    book = spreadsheets.BOOK_WORKBOOK
    parts.append(
        "<h2 id='spreadsheets'>Spreadsheets</h2>"
        "<p>The same tables as accessible spreadsheets, laid out as the Government Analysis Function advises: "
        "a cover sheet, a contents sheet, a notes sheet and one table per sheet, with the same cells as the CSV "
        "files (numbers stored as numbers; a dash or an empty cell is written <code>z</code>, not applicable). "
        "ODS is the open format (LibreOffice, Google Sheets, Excel); XLSX is Excel's.</p>"
        f"<p><a class='ci-pack' href='{base}/{book}.ods' download><strong>Every table in one spreadsheet (ODS)</strong></a>"
        f" · <a href='{base}/{book}.xlsx' download>the same as XLSX</a></p>"
    )
    page_rows = []
    seen: dict[str, tuple[str, int]] = {}
    for d in downloads:
        for page, title in d.pages:
            name, count = seen.get(page, (title, 0))
            seen[page] = (name, count + 1)
    for page, (title, count) in seen.items():
        stem = spreadsheets.page_file(page)
        page_rows.append(
            f"<tr><td><a href='../{html.escape(page)}.html'>{html.escape(title)}</a></td><td>{count}</td>"
            f"<td><a href='{base}/{html.escape(stem)}.ods' download>ODS</a> · "
            f"<a href='{base}/{html.escape(stem)}.xlsx' download>XLSX</a></td></tr>"
        )
    parts.append(
        "<table class='ci-table ci-catalogue'><caption>One spreadsheet per page</caption><thead><tr>"
        "<th scope='col'>Page</th><th scope='col'>Tables</th><th scope='col'>Spreadsheet</th></tr></thead>"
        f"<tbody>{''.join(page_rows)}</tbody></table>"
        "<h2 id='table-files'>Every table file (CSV)</h2>"
    )
    rows = []
    for d in downloads:
        if len(d.pages) == 1:
            page, title = d.pages[0]
            shown = f"<a href='../{html.escape(page)}.html'>{html.escape(title)}</a>"
        else:
            shown = f"{len(d.pages)} pages (see pages.csv)"
        rows.append(
            "<tr>"
            f"<td>{html.escape(d.metadata.get('title', ''))}</td>"
            f"<td>{shown}</td>"
            f"<td>{html.escape(STATUS_LABEL.get(d.metadata.get('data_status', ''), ''))}</td>"
            f"<td><a href='{base}/{d.file}' download>CSV</a> · <a href='{base}/{d.metadata_file}' download>metadata</a></td>"
            "</tr>"
        )
    parts.append(
        "<table class='ci-table ci-catalogue'><caption>Every table file</caption><thead><tr><th scope='col'>Table</th>"
        "<th scope='col'>Shown on</th><th scope='col'>Data</th><th scope='col'>Files</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# Downloads\n\nEvery table in this book as a CSV file, with a metadata sheet saying what it measures, "
            "its unit, period and source, and whether its numbers are real or illustrative, and as spreadsheets "
            "(ODS and XLSX): one for the whole book and one per page. The files are the "
            "tables exactly as shown on the pages (numbers are written without thousands separators)."
        ),
        nbformat.v4.new_code_cell(
            "# written by cluster_inquiry.build.downloads after the other pages were executed",
            metadata={"tags": ["remove-input"]},
            outputs=[nbformat.v4.new_output("display_data", data={"text/html": "".join(parts), "text/plain": "Downloads"})],
        ),
    ]
    return nb


def build(executed: Path, out: Path) -> list[Download]:
    """Collect downloads from ``executed``, write them to ``out`` and the page into ``executed``."""
    downloads = collect(executed)
    write(downloads, out)
    page = executed / PAGE
    page.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(page_notebook(downloads), page)
    return downloads
