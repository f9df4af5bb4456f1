"""Accessible spreadsheets (issue 13): every table download also as XLSX (gptables) and ODS (odfpy),
one workbook per page and one for the whole book, laid out as the Government Analysis Function
advises (cover, contents, notes, one table per sheet), holding the same cells as the CSVs."""

from __future__ import annotations

import csv
import io
import zipfile

import nbformat
import pandas as pd
import pytest

from cluster_inquiry.build import downloads, spreadsheets
from cluster_inquiry.pages import report
from cluster_inquiry.build.downloads import Download
from cluster_inquiry.core.exceptions import BookBuildError
from cluster_inquiry.figures.records import Table

SYMBOLS = "c = confidential; x = not available; z = not applicable"


def _download(stem: str, csv_text: str, title: str, pages: list[tuple[str, str]], **meta) -> Download:
    metadata = {"title": title, "definition": "", "unit": "%", "period": "September 2013", "source": "DfE",
                "data_status": "illustrative", "data_status_label": "Illustrative data", "notes": "",
                "symbols": SYMBOLS, **meta}
    return Download(stem, csv_text, metadata, pages)


NEET = ("Cluster,NEET (%),Young people,Compared with city\n"
        "Alwoodley,12.30,1373,Similar\n"
        "Temple Newsam,c,c,=HYPERLINK(\"http://x\")\n"
        "Beta & Co,-1.5,0,+1 better\n")
TRACKER = ("Month,Looked-after children,Unit,Rank,Map label,Rate\n"
           "2013-04,40,%,–,09,68.0\n2013-05,x,%,,10,70.25\n2013-06,x,%,,11,70.7\n")


@pytest.fixture()
def written(tmp_path):
    items = [
        _download("neet-1", NEET, "NEET by cluster, September 2013", [("themes/performance", "Performance"),
                                                                        ("clusters/c01-alwoodley", "Alwoodley")],
                  definition="Young people NEET as a % of the cohort.", notes="One note | Another note"),
        _download("tracker-1", TRACKER, "Alwoodley: monthly tracker", [("clusters/c01-alwoodley", "Alwoodley")]),
    ]
    files = spreadsheets.write_all(items, tmp_path)
    return tmp_path, items, files


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_one_workbook_per_page_and_one_for_the_book_in_both_formats(written):
    out, _, files = written
    assert set(files) == {"evidence-book-tables", "workbooks/themes/performance", "workbooks/clusters/c01-alwoodley"}
    for names in files.values():
        assert all((out / n).is_file() for n in names) and {n.rsplit(".", 1)[1] for n in names} == {"xlsx", "ods"}


@pytest.mark.parametrize(("kind", "engine"), [("xlsx", "openpyxl"), ("ods", "odf")])
def test_workbook_has_cover_contents_notes_and_one_table_per_sheet(written, kind, engine):
    out, items, _ = written
    sheets = pd.read_excel(out / f"evidence-book-tables.{kind}", sheet_name=None, header=None, engine=engine)
    assert list(sheets) == ["Cover", "Contents", "Notes", "Table_1", "Table_2"]
    assert sheets["Cover"].iloc[0, 0].startswith("Cluster Partnerships Inquiry")
    contents = sheets["Contents"].fillna("").astype(str).values.tolist()
    assert ["Sheet name", "Table description"] in contents
    described = {row[0]: row[1] for row in contents if row[0].startswith("Table_")}
    assert described["Table_1"].startswith("NEET by cluster, September 2013")
    assert described["Table_2"].startswith("Alwoodley: monthly tracker")
    notes = sheets["Notes"].fillna("").astype(str).values.ravel().tolist()
    assert "Definition: Young people NEET as a % of the cohort." in notes and "Another note" in notes
    table_1 = sheets["Table_1"].fillna("").astype(str).values.ravel().tolist()
    assert sheets["Table_1"].iloc[0, 0].startswith("NEET by cluster, September 2013 [note 1]")  # title in A1
    assert "Source: DfE" in table_1 and "c = confidential" in table_1 and "Data: Illustrative data" in table_1


@pytest.mark.parametrize(("kind", "engine"), [("xlsx", "openpyxl"), ("ods", "odf")])
def test_spreadsheets_open_with_pandas_and_hold_the_csvs_cells(written, kind, engine):
    out, items, _ = written
    for workbook, tables in (("evidence-book-tables", items), ("workbooks/clusters/c01-alwoodley", items),
                             ("workbooks/themes/performance", items[:1])):
        sheets = pd.read_excel(out / f"{workbook}.{kind}", sheet_name=None, header=None, engine=engine)
        for i, d in enumerate(tables, start=1):
            grid = sheets[f"Table_{i}"].values.tolist()
            rows = _csv_rows(d.csv)
            start = next(r for r, row in enumerate(grid) if [str(v) for v in row[: len(rows[0])]] == rows[0])
            body = grid[start + 1:]
            assert len(body) == len(rows) - 1
            for got, want in zip(body, rows[1:]):
                for value, text in zip(got, want):
                    if spreadsheets.is_plain_number(text):
                        assert isinstance(value, (int, float)) and value == pytest.approx(float(text))
                    else:
                        assert value == spreadsheets.sheet_text(text)


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_cells_read_as_shown_equal_the_csv_text(written, kind):
    """As a reader sees them: 12.30 stays 12.30 (a number, shown to two places), c stays c."""
    out, items, _ = written
    sheets = dict(spreadsheets.display_texts((out / f"evidence-book-tables.{kind}").read_bytes(), kind))
    for i, d in enumerate(items, start=1):
        title, header, body = spreadsheets.table_block(sheets[f"Table_{i}"])
        assert title.startswith(d.metadata["title"])
        assert [header] + body == [[spreadsheets.sheet_text(v) for v in row] for row in _csv_rows(d.csv)]


def test_xlsx_and_ods_hold_the_same_cells_in_every_sheet(written):
    out, _, files = written
    for names in files.values():
        xlsx, ods = (out / n for n in sorted(names, key=lambda n: n.endswith(".ods")))
        a = spreadsheets.display_texts(xlsx.read_bytes(), "xlsx")
        b = spreadsheets.display_texts(ods.read_bytes(), "ods")
        assert a == b


@pytest.mark.parametrize(("text", "cell"), [
    ("=SUM(A1)", "'=SUM(A1)"), ("+1 better", "'+1 better"), ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("-risk", "'-risk"), ("-1.5", -1.5), ("12.30", 12.3), ("1373", 1373), ("c", "c"), ("−£8,009", "−£8,009"),
    # no letter or digit: the guidance (and gptables) refuses such a cell
    ("09", "09"), (".5", ".5"), ("1e5", "1e5"),  # a label or code, not a plain number
    ("–", "z"), ("—", "z"), ("-", "z"), ("", "z"), ("%", "per cent"), ("✓", "check mark"), ("£", "pound sign"),
])
def test_no_cell_starts_like_a_formula_unless_a_plain_number(text, cell):
    assert spreadsheets.cell_value(text) == cell
    assert type(spreadsheets.cell_value(text)) is type(cell)


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_no_cell_in_a_workbook_starts_like_a_formula(written, kind):
    out, _, _ = written
    for _, rows in spreadsheets.display_texts((out / f"evidence-book-tables.{kind}").read_bytes(), kind):
        for row in rows:
            for text in row:
                assert not text.startswith(("=", "+", "@", "\t", "\r")) and (
                    not text.startswith("-") or spreadsheets.is_plain_number(text)), text
    with zipfile.ZipFile(out / "evidence-book-tables.xlsx") as z:  # and none is stored as a formula
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_same_tables_give_byte_identical_workbooks(written, tmp_path):
    out, items, files = written
    again = tmp_path / "again"
    spreadsheets.write_all(items, again)
    for names in files.values():
        for n in names:
            assert (again / n).read_bytes() == (out / n).read_bytes(), n


def test_two_pages_with_the_same_file_name_get_two_workbooks():
    d = _download("t", TRACKER, "T", [("clusters/c09-x", "A"), ("case-studies/c09-x", "B")])
    assert list(spreadsheets.plan([d])) == ["evidence-book-tables", "workbooks/clusters/c09-x", "workbooks/case-studies/c09-x"]
    with pytest.raises(BookBuildError, match="must be relative"):
        spreadsheets.plan([_download("t", TRACKER, "T", [("../x", "A")])])


# ----------------------------------------------------------------------------- in the downloads


def _executed_page(path, title: str, tables: list[Table]) -> None:
    nb = nbformat.v4.new_notebook()
    outputs = []
    for t in tables:
        data, meta = t._repr_mimebundle_()
        outputs.append(nbformat.v4.new_output("display_data", data=data, metadata=meta))
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}"), nbformat.v4.new_code_cell("x", outputs=outputs)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def _table(title: str, value: str = "12") -> Table:
    return Table(pd.DataFrame({"Cluster": ["Alwoodley"], "Count": [value]}), title=title, source="s", status="illustrative")


def test_downloads_write_the_workbooks_list_them_and_pack_them(tmp_path):
    executed = tmp_path / "executed"
    _executed_page(executed / "clusters" / "c01-alwoodley.ipynb", "Alwoodley", [_table("A table")])
    _executed_page(executed / "themes" / "performance.ipynb", "Performance", [_table("Another table", "13")])
    downloads.build(executed, tmp_path / "out")
    out = tmp_path / "out"
    assert (out / "evidence-book-tables.ods").is_file() and (out / "workbooks" / "clusters" / "c01-alwoodley.xlsx").is_file()
    with zipfile.ZipFile(out / "data-pack.zip") as z:
        assert {"evidence-book-tables.xlsx", "evidence-book-tables.ods", "workbooks/themes/performance.ods"} <= set(z.namelist())
    page = nbformat.read(executed / "record" / "downloads.ipynb", as_version=4)
    html = page.cells[1].outputs[0]["data"]["text/html"]
    for link in ("evidence-book-tables.ods", "evidence-book-tables.xlsx", "workbooks/clusters/c01-alwoodley.ods",
                 "workbooks/themes/performance.xlsx"):
        assert f"href='../../downloads/{link}'" in html


def test_two_different_tables_with_one_title_are_refused(tmp_path):
    executed = tmp_path / "executed"
    _executed_page(executed / "clusters" / "c01-alwoodley.ipynb", "Alwoodley", [_table("Key indicators")])
    _executed_page(executed / "clusters" / "c02-beta.ipynb", "Beta", [_table("Key indicators", "13")])
    with pytest.raises(BookBuildError, match="clusters/c02-beta: table title 'Key indicators' is also the title"):
        downloads.collect(executed)


def test_each_profiles_key_indicator_table_is_titled_with_its_cluster():
    ctx = report.context()
    titles = {report.cluster_indicator_summary(ctx, code).title for code in ("C01", "C09")}
    names = [ctx.cluster(code)["cluster_name"] for code in ("C01", "C09")]
    assert titles == {f"Key indicators for {n}, September 2012 and September 2013" for n in names}


def test_safe_csv_defuses_every_formula_start_and_keeps_numbers():
    from cluster_inquiry.build.spreadsheets import safe_csv

    text = 'a,b\n= Similar,+£9,163\n"-2+3+cmd|\' /C calc\'!A0",-2.5\n@SUM(A1),-7\n"\tx","\rx"\n'
    rows = list(csv.reader(io.StringIO(safe_csv(text), newline="")))
    cells = [c for row in rows[1:] for c in row]
    assert "-2.5" in cells and "-7" in cells  # plain numbers stay numbers
    assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells if c not in {"-2.5", "-7"})
    assert "'= Similar" in cells and "'+£9" in cells
    assert safe_csv("a,b\n1,x\n") == "a,b\n1,x\n"  # nothing to defuse: byte for byte the same
