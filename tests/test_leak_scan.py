"""The leak scanner (cluster_inquiry.checks.leakscan) on tiny synthetic pages: it finds a small count,
or a rate worked out from one, wherever it is placed (table cell, alt text, chart JSON,
notebook output, CSV download, zip, parameters), finds a single hidden cluster, and stays
quiet on suppressed output and on numbers that are not about a small count."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from cluster_inquiry.checks import leakscan
from cluster_inquiry.data.schemas import TableSpec

MONTHS = ["2013-08", "2013-09"]


@pytest.fixture()
def frames():
    clusters = pd.DataFrame({"cluster_code": ["C01", "C02", "C03"], "cluster_name": ["Alpha", "Beta & Co", "Gamma Vale"]})
    pop = pd.DataFrame({"cluster_code": ["C01", "C02", "C03"], "pop_0_17": [4000, 1500, 3000]})
    rows = []
    for code, lac, neet in (("C01", 40, 12), ("C02", 3, 9), ("C03", 25, 4)):
        for month in MONTHS:
            rows.append({"cluster_code": code, "month": month, "lac_count": lac, "cpp_count": 30, "neet_count": neet,
                         "neet_cohort": 200, "persistent_absentees": 50, "pupils_on_roll": 900})
    return {"clusters": clusters, "cluster_population": pop, "obsessions_monthly": pd.DataFrame(rows)}


@pytest.fixture()
def facts(frames):
    return leakscan.collect_facts(frames)


def scan(tmp_path, facts, files: dict[str, str | bytes]):
    for name, body in files.items():
        path = tmp_path / "site" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body if isinstance(body, bytes) else body.encode("utf-8"))
    return leakscan.scan_paths([tmp_path / "site"], facts)


def tracker_page(lac_c02: str = "c", rate_c02: str = "c") -> str:
    """A cluster profile page for C02 with its monthly table (as report.Table renders it)."""
    return (
        "<html><body><h1>Beta &amp; Co</h1>"
        "<div class='ci-table-wrap'><p class='ci-caption'><strong>Beta &amp; Co: monthly tracker, "
        "April 2012 to March 2014</strong></p><table class='ci-table'><thead><tr><th>Month</th>"
        "<th>Looked-after children</th><th>NEET</th><th>LAC per 10,000</th></tr></thead><tbody>"
        f"<tr><td>2013-08</td><td>{lac_c02}</td><td>9</td><td>{rate_c02}</td></tr>"
        "<tr><td>2013-09</td><td>c</td><td>9</td><td>c</td></tr>"
        "</tbody></table></div></body></html>"
    )


def indicator_page(rows: list[tuple[str, str, str]]) -> str:
    """A theme page table: cluster rows with count, denominator and rank, September 2013."""
    body = "".join(f"<tr><td>{n}</td><td>{c}</td><td>1,500</td><td>{r}</td></tr>" for n, c, r in rows)
    return (
        "<p class='ci-caption'><strong>Looked-after children per 10,000 children aged 0–17 by cluster, "
        "September 2013</strong></p><table><thead><tr><th>Cluster</th><th>Count</th><th>Denominator</th>"
        f"<th>Rank</th></tr></thead><tbody>{body}</tbody></table>"
    )


# ----------------------------------------------------------------------------- facts


def test_facts_are_the_small_counts_with_measure_period_and_derived_rates(facts):
    keys = {(f.cluster, f.measure, f.period, f.value) for f in facts.facts}
    assert keys == {("C02", "lac", m, 3) for m in MONTHS} | {("C03", "neet", m, 4) for m in MONTHS}
    lac = next(f for f in facts.facts if f.measure == "lac")
    assert "20.0" in lac.derived  # 3 / 1,500 × 10,000
    neet = next(f for f in facts.facts if f.measure == "neet")
    assert "2.0" in neet.derived  # 4 / 200 × 100


def test_a_count_column_the_scanner_does_not_know_is_reported(frames, monkeypatch):
    import pandera.pandas as pa

    spec = TableSpec("widgets", pa.DataFrameSchema({}), ("cluster_code",), "test", count_columns=("children",))
    monkeypatch.setitem(leakscan.TABLES, "widgets", spec)
    frames["widgets"] = pd.DataFrame({"cluster_code": ["C01"], "children": [2]})
    assert any("widgets.children" in p for p in leakscan.collect_facts(frames).problems)


# ----------------------------------------------------------------------------- tables


def test_suppressed_pages_pass(tmp_path, facts):
    # Gamma Vale is hidden too (secondary suppression): otherwise the city total gives Beta & Co away
    page = indicator_page([("Alpha", "40", "1"), ("Beta &amp; Co", "c", "c"), ("Gamma Vale", "c", "c")])
    assert scan(tmp_path, facts, {"generated/clusters/c02-beta-co.html": tracker_page(), "generated/themes/t.html": page}) == []


def test_small_count_in_a_cluster_page_table_is_found(tmp_path, facts):
    findings = scan(tmp_path, facts, {"generated/clusters/c02-beta-co.html": tracker_page(lac_c02="3")})
    assert len(findings) == 1
    text = str(findings[0])
    assert "c02-beta-co.html" in text and "row '2013-08'" in text and "Looked-after children" in text and "'3'" in text


def test_rate_worked_out_from_a_hidden_count_is_found(tmp_path, facts):
    findings = scan(tmp_path, facts, {"generated/clusters/c02-beta-co.html": tracker_page(rate_c02="20.0")})
    assert len(findings) == 1 and "LAC per 10,000" in str(findings[0])


def test_row_of_a_theme_table_is_placed_by_cluster_name_and_caption(tmp_path, facts):
    page = indicator_page([("Alpha", "40", "2"), ("Beta &amp; Co", "3", "3"), ("Gamma Vale", "25", "1")])
    findings = scan(tmp_path, facts, {"t.html": page})
    assert {f.where.split("column ")[1] for f in findings} == {"'Count'", "'Rank'"}


def test_numbers_about_other_things_are_not_leaks(tmp_path, facts):
    """Ranks of published clusters, a NEET count of 9 in C02's row, elected members: all fine."""
    glance = (
        "<table><thead><tr><th>Fact</th><th>Value</th></tr></thead><tbody>"
        "<tr><th>Elected members on the governance group</th><td>2</td></tr>"
        "<tr><th>LSOAs among England's most deprived 10%</th><td>3 of 6</td></tr></tbody></table>"
    )
    page = indicator_page([("Alpha", "40", "1"), ("Beta &amp; Co", "c", "c"), ("Gamma Vale", "c", "c")])
    assert scan(tmp_path, facts, {"generated/clusters/c02-beta-co.html": tracker_page() + glance, "t.html": page}) == []


def test_a_single_hidden_cluster_is_recoverable_from_the_city_total(tmp_path, facts):
    """C03's NEET (4) hidden, but C01's and C02's shown: city total minus the two gives it away."""
    pages = {}
    for code, slug, neet in (("C01", "alpha", "12"), ("C02", "beta-co", "9"), ("C03", "gamma-vale", "c")):
        pages[f"{code.lower()}-{slug}.html"] = (
            "<p class='ci-caption'>Monthly tracker</p><table><thead><tr><th>Month</th><th>NEET</th></tr></thead>"
            f"<tbody><tr><td>2013-08</td><td>{neet}</td></tr><tr><td>2013-09</td><td>c</td></tr></tbody></table>"
        )
    findings = scan(tmp_path, facts, pages)
    assert [f.where for f in findings] == ["neet, 2013-08"]
    assert "Gamma Vale's hidden count can be worked out as exactly 4" in findings[0].message


def _four(lac: dict[str, list[int]]):
    """Four clusters, one page per cluster and month showing its looked-after count (or c)."""
    codes = ["C01", "C02", "C03", "C04"]
    clusters = pd.DataFrame({"cluster_code": codes, "cluster_name": ["Alpha", "Beta", "Gamma", "Delta"]})
    pop = pd.DataFrame({"cluster_code": codes, "pop_0_17": [4000] * 4})
    months = [f"2013-{m:02d}" for m in range(8, 8 + len(lac["C01"]))]
    rows = [{"cluster_code": c, "month": m, "lac_count": lac[c][k], "cpp_count": 30, "neet_count": 20,
             "neet_cohort": 200, "persistent_absentees": 50, "pupils_on_roll": 900}
            for c in codes for k, m in enumerate(months)]
    return leakscan.collect_facts({"clusters": clusters, "cluster_population": pop,
                                   "obsessions_monthly": pd.DataFrame(rows)}), months


def _city_page(shown: dict[str, list[str]], months: list[str]) -> str:
    head = "".join(f"<th>{m}</th>" for m in months)
    body = "".join(f"<tr><td>{name}</td>" + "".join(f"<td>{v}</td>" for v in vals) + "</tr>"
                   for name, vals in shown.items())
    return ("<p class='ci-caption'>Looked-after children by cluster</p><table><thead><tr><th>Cluster</th>"
            f"{head}</tr></thead><tbody>{body}</tbody></table>")


def test_hidden_counts_are_at_least_one_so_1_1_40_57_is_recoverable(tmp_path):
    """Two hidden cells, but 99 - 40 - 57 = 2 and each is at least 1: both are 1 (issue 12, section 3)."""
    facts, months = _four({"C01": [1], "C02": [1], "C03": [40], "C04": [57]})
    page = _city_page({"Alpha": ["c"], "Beta": ["c"], "Gamma": ["40"], "Delta": ["57"]}, months)
    findings = scan(tmp_path, facts, {"city.html": page})
    assert sorted(f.message.split("'s")[0] for f in findings) == ["Alpha", "Beta"]
    assert all("exactly 1" in f.message for f in findings)


def test_differencing_adjacent_months_is_caught(tmp_path):
    """Hidden totals 8, 13 with one extra hidden cluster in the 13 month: a reader infers 5."""
    facts, months = _four({"C01": [4, 4], "C02": [4, 4], "C03": [300, 300], "C04": [50, 5]})
    page = _city_page({"Alpha": ["c", "c"], "Beta": ["c", "c"], "Gamma": ["300", "300"], "Delta": ["50", "c"]},
                      months)
    findings = scan(tmp_path, facts, {"city.html": page})
    assert [(f.where, f.message.split("'s")[0]) for f in findings] == [("lac, 2013-09", "Delta")]


def test_a_well_protected_pattern_passes(tmp_path):
    facts, months = _four({"C01": [3], "C02": [30], "C03": [4], "C04": [57]})
    page = _city_page({"Alpha": ["c"], "Beta": ["c"], "Gamma": ["c"], "Delta": ["57"]}, months)
    assert scan(tmp_path, facts, {"city.html": page}) == []


# ----------------------------------------------------------------------------- prose, alt text, JSON


def test_alt_text_and_prose_are_read(tmp_path, facts):
    alt = "<img src='data:image/png;base64,AAAA' alt='Bar chart of looked-after children. Lowest: Beta &amp; Co (20.0 per 10,000).'>"
    prose = "<p>In September 2013 Gamma Vale had 4 young people NEET.</p>"
    findings = scan(tmp_path, facts, {"a.html": alt, "b.html": prose})
    assert {f.file.split("/")[-1] for f in findings} == {"a.html", "b.html"}
    assert all(f.where == "text" for f in findings)


def test_prose_without_a_small_count_passes(tmp_path, facts):
    body = "<p>Alpha (40 looked-after children) and Beta &amp; Co (suppressed). 3 of 3 clusters reported; Gamma Vale: 25.</p>"
    assert scan(tmp_path, facts, {"a.html": body}) == []


def test_interactive_chart_json_is_read(tmp_path, facts):
    trace = {"data": [{"type": "bar", "name": "Looked-after children", "x": ["Alpha", "Beta & Co"], "y": [40, 3]}]}
    page = f"<div id='chart'></div><script type='application/json'>{json.dumps(trace)}</script>"
    findings = scan(tmp_path, facts, {"chart.html": page, "chart.json": json.dumps(trace)})
    assert {f.file.split("/")[-1] for f in findings} == {"chart.html", "chart.json"}


def test_plotly_newplot_script_is_read_past_earlier_json(tmp_path, facts):
    """plotly's to_html: an empty ``{}`` first, then the data array with customdata rows."""
    data = [{"type": "scatter", "customdata": [["Alpha", 40], ["Beta & Co", 3]],
             "hovertemplate": "%{customdata[0]}: %{customdata[1]} looked-after children"}]
    script = (f"window.PLOTLYENV=window.PLOTLYENV || {{}}; if (document.getElementById('m')) "
              f"{{ Plotly.newPlot('m', {json.dumps(data)}, {{}}, {{}}) }};")
    findings = scan(tmp_path, facts, {"map.html": f"<div id='m'></div><script type='text/javascript'>{script}</script>"})
    assert findings and "data pairs Beta & Co with 3" in findings[0].message
    safe = script.replace('["Beta & Co", 3]', '["Beta & Co", "c"]')
    assert scan(tmp_path / "ok", facts, {"map.html": f"<script>{safe}</script>"}) == []


@pytest.mark.parametrize("padding", [0, 5_000, 70_000])
def test_a_pair_deep_inside_a_large_script_value_is_found(tmp_path, facts, padding):
    """Script values longer than the decoder's first window (long strings cut at its edge, long
    arrays) are decoded whole: the leaking row sits after ``padding`` characters of other data."""
    data = [{"type": "scatter", "text": "x" * padding, "z": list(range(padding // 5)),
             "customdata": [["Alpha", 40], ["Beta & Co", 3]],
             "hovertemplate": "%{customdata[0]}: %{customdata[1]} looked-after children"}]
    script = "var broken = {not: json}; " + f"Plotly.newPlot('m', {json.dumps(data)}, {{}});" + " if (a) { b = [1, 2"
    findings = scan(tmp_path, facts, {"map.html": f"<script>{script}</script>"})
    assert findings and "data pairs Beta & Co with 3" in findings[0].message


@pytest.mark.parametrize("text, start, expected", [
    ('a = {"k": [1, 2]}; b', 4, ({"k": [1, 2]}, 17)),
    ("{not json} [3]", 0, None),
    ('x ["' + "y" * 10_000 + '"] z', 2, (["y" * 10_000], 10_006)),
    ('[1, 2, "cut', 0, None),
])
def test_decode_at_reads_one_json_value_or_none(text, start, expected):
    assert leakscan._decode_at(text, start, window=64) == expected


def test_map_tooltip_json_is_read(tmp_path, facts):
    geo = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"cluster": "Beta & Co", "tooltip": "Beta & Co: 3 looked-after children"}, "geometry": None}]}
    assert scan(tmp_path, facts, {"map.geojson": json.dumps(geo)})


# ----------------------------------------------------------------------------- notebooks, downloads


def _notebook(outputs: list[dict], params: dict | None = None, source: str = "") -> str:
    cells = [{"cell_type": "code", "metadata": {"tags": ["injected-parameters"]}, "source": source, "outputs": [], "execution_count": 1},
             {"cell_type": "code", "metadata": {}, "source": "report.x()", "outputs": outputs, "execution_count": 2}]
    return json.dumps({"cells": cells, "metadata": {"papermill": {"parameters": params or {}}}, "nbformat": 4, "nbformat_minor": 5})


def test_notebook_outputs_and_parameters_are_read(tmp_path, facts):
    frame_repr = {"output_type": "execute_result", "metadata": {}, "execution_count": 2,
                  "data": {"text/plain": "     Cluster  LAC\n0      Alpha   40\n1  Beta & Co    3"}}
    html = {"output_type": "display_data", "metadata": {}, "data": {"text/html": tracker_page(lac_c02="3")}}
    findings = scan(tmp_path, facts, {
        "c02-beta-co.ipynb": _notebook([html]),
        "c01-alpha.ipynb": _notebook([frame_repr]),
        "c02-other.ipynb": _notebook([], params={"cluster_code": "C02", "lac": 3}, source="cluster_code = \"C02\"\nlac = 3\n"),
    })
    files = sorted(f.file for f in findings)
    assert files[0] == "site/c01-alpha.ipynb"
    assert any(f.file.startswith("site/c02-beta-co.ipynb") for f in findings)
    assert sum(f.file == "site/c02-other.ipynb" for f in findings) == 2  # metadata and the injected cell


def test_table_download_in_output_metadata_is_read(tmp_path, facts):
    meta = {"application/vnd.cluster-inquiry.tables+json": {"tables": [{"name": "t", "csv": "Month,Looked-after children\n2013-08,3\n",
            "metadata": {"title": "Beta & Co: monthly tracker"}}]}}
    out = {"output_type": "display_data", "metadata": meta, "data": {"text/html": tracker_page(), "text/plain": "Table"}}
    findings = scan(tmp_path, facts, {"c02-beta-co.ipynb": _notebook([out])})
    assert len(findings) == 1 and "row '2013-08'" in findings[0].where


def test_clean_notebook_passes(tmp_path, facts):
    ok = {"output_type": "display_data", "metadata": {}, "data": {"text/html": tracker_page(), "text/plain": "Table: tracker"}}
    assert scan(tmp_path, facts, {"c02-beta-co.ipynb": _notebook([ok], params={"cluster_code": "C02"})}) == []


def test_csv_download_is_read_with_its_metadata_title(tmp_path, facts):
    table = "Month,Looked-after children,NEET\n2013-08,3,9\n2013-09,c,9\n"
    meta = "field,value\npage,clusters/c02-beta-co\ntitle,Beta & Co: monthly tracker\n"
    findings = scan(tmp_path, facts, {"downloads/tables/t-1.csv": table, "downloads/tables/t-1.metadata.csv": meta})
    assert len(findings) == 1 and findings[0].file.endswith("t-1.csv")


def test_zipped_data_pack_is_read(tmp_path, facts):
    path = tmp_path / "pack.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("tables/t-1.csv", "Cluster,Looked-after children (September 2013)\nAlpha,40\nBeta & Co,3\nGamma Vale,25\n")
    findings = scan(tmp_path, facts, {"downloads/data-pack.zip": path.read_bytes()})
    assert len(findings) == 1 and "data-pack.zip!tables/t-1.csv" in findings[0].file


def test_check_site_raises_a_disclosure_error_listing_the_leaks(tmp_path, frames):
    from cluster_inquiry.core.exceptions import DisclosureError

    (tmp_path / "c02-beta-co.html").write_text(tracker_page(lac_c02="3"), encoding="utf-8")
    with pytest.raises(DisclosureError, match="nothing was published"):
        leakscan.check_site([tmp_path], frames)


def test_only_files_identical_to_an_installed_packages_file_are_skipped_as_vendor_assets(tmp_path, facts, monkeypatch):
    """A file byte for byte as a package ships it is third-party code and is not read; one byte
    more (a leak appended to a copy of the library) and it is scanned like any other file."""
    package = tmp_path / "fakevendor"
    (package / "static").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    library = "/* vendor */ var paths = ['M1 C14 2']; var d = {\"cluster\": \"Beta & Co\", \"looked-after\": 3};\n"
    (package / "static" / "lib.js").write_text(library)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(leakscan, "VENDOR_PACKAGES", ("fakevendor",))
    assert scan(tmp_path / "same", facts, {"_static/lib.js": library}) == []
    changed = library + "var again = {\"cluster\": \"Beta & Co\", \"looked-after children\": 3};\n"
    assert scan(tmp_path / "changed", facts, {"_static/lib.js": changed})


def test_plotly_js_as_shipped_is_a_vendor_asset_and_a_changed_copy_is_not():
    from plotly.offline import get_plotlyjs

    shipped = get_plotlyjs().encode("utf-8")
    assert leakscan.is_vendor_asset(shipped)
    assert not leakscan.is_vendor_asset(shipped + b"\n")


# ----------------------------------------------------------------------------- spreadsheets (XLSX, ODS)


def _workbooks(tmp_path, csv_text: str, title: str = "Beta & Co: monthly tracker") -> Path:
    from cluster_inquiry.build import spreadsheets
    from cluster_inquiry.build.downloads import Download

    meta = {"title": title, "data_status": "illustrative", "data_status_label": "Illustrative data",
            "source": "s", "symbols": "c = confidential"}
    out = tmp_path / "site" / "downloads"
    spreadsheets.write_all([Download("t-1", csv_text, meta, [("clusters/c02-beta-co", "Beta & Co")])], out)
    return out


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_a_small_count_planted_in_a_spreadsheet_is_found(tmp_path, facts, kind):
    out = _workbooks(tmp_path, "Month,Looked-after children,NEET\n2013-08,3,9\n2013-09,c,9\n")
    for other in out.rglob("*"):  # scan one format at a time
        if other.is_file() and other.suffix != f".{kind}":
            other.unlink()
    findings = leakscan.scan_paths([tmp_path / "site"], facts)
    files = {f.file for f in findings}
    # the page's workbook (named after the page: c02-…) and the whole book's (the title names the cluster)
    assert files == {f"site/downloads/workbooks/clusters/c02-beta-co.{kind}!Table_1",
                     f"site/downloads/evidence-book-tables.{kind}!Table_1"}
    assert all("row '2013-08'" in f.where for f in findings)


def test_suppressed_spreadsheets_pass_and_a_zipped_one_is_read(tmp_path, facts):
    out = _workbooks(tmp_path, "Month,Looked-after children,NEET\n2013-08,c,9\n2013-09,c,9\n")
    assert leakscan.scan_paths([tmp_path / "site"], facts) == []
    leaky = _workbooks(tmp_path / "leaky", "Month,Looked-after children,NEET\n2013-08,3,9\n")
    pack = tmp_path / "pack.zip"
    with zipfile.ZipFile(pack, "w") as z:
        z.writestr("workbooks/c02-beta-co.ods", (leaky / "workbooks" / "clusters" / "c02-beta-co.ods").read_bytes())
    for f in out.rglob("*"):
        f.unlink() if f.is_file() else None
    findings = scan(tmp_path, facts, {"downloads/data-pack.zip": pack.read_bytes()})
    assert [f.file for f in findings] == ["site/downloads/data-pack.zip!workbooks/c02-beta-co.ods!Table_1"]


def test_an_unreadable_spreadsheet_is_a_finding(tmp_path, facts):
    findings = scan(tmp_path, facts, {"downloads/broken.xlsx": b"not a workbook"})
    assert len(findings) == 1 and "cannot be read" in findings[0].message
