"""The inquiry's record (issue 8): contract rules, evidence links, table downloads, case-study cells, provenance.

Unit tests only (small fixtures, no kernels); the built-book checks are in test_record_build.py.
"""

from __future__ import annotations

import hashlib
import html
import io
import shutil
import zipfile
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pandas as pd
import pytest

from cluster_inquiry import pipeline
from cluster_inquiry.build import downloads
from cluster_inquiry.pages import record
from cluster_inquiry.pages import report as _report
from cluster_inquiry.core.exceptions import BookBuildError
from cluster_inquiry.build.execute import tidy_for_publishing
from cluster_inquiry.figures.records import TABLE_MIME, Figure, Table
from cluster_inquiry.core.paths import project_paths
from cluster_inquiry.data.schemas import TABLES, VISIT_QUESTIONS
from cluster_inquiry.data.validation import read_table, validate_inputs

PATHS = project_paths()


# ----------------------------------------------------------------------------- the contract


@pytest.fixture()
def inquiry_copy(tmp_path):
    dest = tmp_path / "inquiry"
    shutil.copytree(PATHS.root / "data" / "inquiry", dest)
    return dest


def _edit(path: Path, row: int, column: str, value: str) -> None:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row, column] = value
    df.to_csv(path, index=False, lineterminator="\n")


def _problems(inquiry: Path) -> list[str]:
    """The inquiry tables' problems, checked as ``validate_inputs`` checks them (faster: no geography)."""
    problems: list[str] = []
    frames = {}
    for spec in TABLES.values():
        if spec.folder == "inquiry":
            frame = read_table(inquiry, spec, problems)
            if frame is not None:
                frames[spec.name] = frame
    problems += [":".join(map(str, p[:2])) + f": {p[2]}: {p[3]}" for p in record.cross_checks(frames)]
    return problems


def test_inquiry_tables_are_checked_by_validate_from_their_own_folder(inquiry_copy):
    _edit(inquiry_copy / "recommendations.csv", 0, "status", "done")
    problems = validate_inputs(inquiry_directory=inquiry_copy).problems
    assert len(problems) == 1 and problems[0].startswith("recommendations.csv:2: status: must be one of"), problems


def test_shipped_inquiry_tables_pass_and_are_loaded():
    report = validate_inputs()
    assert report.ok, report.problems[:5]
    for name in ("sessions", "evidence_documents", "witnesses", "recommendations", "case_study_notes"):
        assert name in report.frames


@pytest.mark.parametrize(
    ("row", "column", "value", "expected"),
    [
        (0, "status", "done", "recommendations.csv:2: status: must be one of ['not started', 'in progress', 'achieved', 'not achieved'] (got 'done')"),
        (1, "due_date", "2014-02-30", "recommendations.csv:3: due_date: must be a real calendar date written YYYY-MM-DD (got '2014-02-30')"),
        (1, "due_date", "31/12/2014", "recommendations.csv:3: due_date: must be a date written YYYY-MM-DD (got '31/12/2014')"),
        (2, "number", "1", "recommendations.csv:4: number: duplicate key ('1',) (first seen on row 2)"),
        (2, "number", "three", "recommendations.csv:4: number: must be a whole number (got 'three')"),
        (3, "evidence_ids", "S9-D9", "recommendations.csv:5: evidence_ids: unknown evidence ID 'S9-D9' (not in evidence_documents.csv)"),
        (0, "progress", "", "recommendations.csv:2: status, progress: progress may be blank only when status is 'not started'"),
        (0, "data_status", "draft", "recommendations.csv:2: data_status: must be one of ['illustrative', 'real'] (got 'draft')"),
    ],
)
def test_a_bad_recommendation_is_named_by_file_row_column_and_rule(inquiry_copy, row, column, value, expected):
    _edit(inquiry_copy / "recommendations.csv", row, column, value)
    problems = _problems(inquiry_copy)
    assert expected in problems, problems


def test_not_started_may_have_no_progress(inquiry_copy):
    _edit(inquiry_copy / "recommendations.csv", 0, "status", "not started")
    _edit(inquiry_copy / "recommendations.csv", 0, "progress", "")
    assert _problems(inquiry_copy) == []


def test_register_references_are_checked(inquiry_copy):
    _edit(inquiry_copy / "evidence_documents.csv", 0, "session_id", "S7")
    _edit(inquiry_copy / "sessions.csv", 3, "date", "2014-13")
    problems = _problems(inquiry_copy)
    assert "evidence_documents.csv:2: session_id: unknown session 'S7' (not in sessions.csv)" in problems
    assert any(p.startswith("sessions.csv:5: date: must be a real calendar date") for p in problems), problems


def test_each_visited_cluster_answers_all_seven_questions(inquiry_copy):
    notes = pd.read_csv(inquiry_copy / "case_study_notes.csv", dtype=str, keep_default_na=False)
    notes = notes[~((notes["cluster_code"] == "C13") & (notes["question"] == "barriers"))]
    notes.loc[0, "cluster_code"] = "C01"  # a cluster that was not visited
    notes.to_csv(inquiry_copy / "case_study_notes.csv", index=False, lineterminator="\n")
    problems = _problems(inquiry_copy)
    assert "case_study_notes.csv:-: question: visited cluster C13 has no answer for barriers" in problems
    assert "case_study_notes.csv:2: cluster_code: cluster C01 was not visited (no visit for it in evidence_documents.csv)" in problems


# ----------------------------------------------------------------------------- evidence links


def _ctx() -> SimpleNamespace:
    sessions = pd.DataFrame({"session_id": ["S2"], "date": ["2013-12-12"], "title": ["Session 2"]})
    evidence = pd.DataFrame(
        {
            "evidence_id": ["S2-D1", "BG-1"],
            "session_id": ["S2", None],
            "title": ["City dashboard", "<script>alert(1)</script> & co"],
            "kind": ["dashboard", "background"],
            "cluster_code": [None, None],
        }
    )
    return SimpleNamespace(frames={"sessions": sessions, "evidence_documents": evidence})


def test_evidence_links_point_at_the_register_anchors_and_escape_titles():
    body = record.evidence_links(_ctx(), ["S2-D1", "BG-1", "S2-D1"])._repr_html_()
    assert "href='../record/evidence-register.html#evidence-s2-d1'" in body
    assert "href='../record/evidence-register.html#evidence-bg-1'" in body
    assert body.count("#evidence-s2-d1") == 1  # listed once
    assert "Session 2, 12 December 2013" in body and "background source" in body
    assert "<script>" not in body and "&lt;script&gt;" in body


def test_unknown_evidence_id_stops_the_page():
    with pytest.raises(KeyError, match="S9-D9"):
        record.evidence_links(_ctx(), ["S2-D1", "S9-D9"])


def test_register_rows_carry_the_anchor_ids():
    t = Table(pd.DataFrame({"ID": ["S2-D1", "BG-1"]}), title="Register", source="s", status="record",
              row_ids=[record.anchor("S2-D1"), record.anchor("BG-1")])
    html = t.to_html()
    assert "<tr id='evidence-s2-d1'>" in html and "<tr id='evidence-bg-1'>" in html
    with pytest.raises(ValueError):
        Table(pd.DataFrame({"ID": ["a"]}), title="t", source="s", status="record", row_ids=["a", "b"])


@pytest.mark.parametrize(("value", "shown"), [("2013-11-14", "14 November 2013"), ("2014-02", "February 2014")])
def test_dates_are_written_out(value, shown):
    assert record.format_date(value) == shown


# ----------------------------------------------------------------------------- table downloads


def _table(**kw) -> Table:
    frame = pd.DataFrame(
        {
            "Cluster": ["Alwoodley", "Temple Newsam", "A & B <i>"],
            "Count": ["1,373", "c", "12"],
            "Rate": [62.8, None, 7.25],
        }
    )
    return Table(frame, title="Looked-after children", source="DfE", status="illustrative", unit="per 10,000",
                 period="September 2013", definition="Children looked after at month end.", **kw)


def test_download_csv_matches_the_displayed_table():
    t = _table()
    shown = pd.read_html(io.StringIO(t.to_html()))[0]
    downloaded = pd.read_csv(io.StringIO(t.csv_text()))
    # the CSV writes 1,373 as 1373; everything else (symbols, x for blank, escaped text) is identical
    norm = lambda df: df.astype(str).replace(r"^(-?\d+),(\d{3})", r"\1\2", regex=True)  # noqa: E731
    pd.testing.assert_frame_equal(norm(shown), norm(downloaded))
    assert list(downloaded["Count"].astype(str)) == ["1373", "c", "12"]
    assert list(downloaded["Rate"].astype(str)) == ["62.80", "x", "7.25"]  # as displayed, not re-formatted


def test_download_metadata_says_what_the_numbers_are():
    meta = _table().metadata()
    assert meta["unit"] == "per 10,000" and meta["period"] == "September 2013" and meta["source"] == "DfE"
    assert meta["data_status"] == "illustrative" and "Illustrative" in meta["data_status_label"]
    assert meta["definition"] == "Children looked after at month end."
    assert meta["symbols"].startswith("c = confidential") and "x = not available" in meta["symbols"]


def test_download_name_follows_content_and_the_link_is_beside_the_table():
    a, b = _table(), _table()
    assert a.stem == b.stem and a.stem.startswith("looked-after-children-")
    b.frame.loc[2, "Count"] = "13"
    assert a.stem != b.stem
    assert f"href='../../downloads/tables/{a.stem}.csv'" in a.to_html()


def test_tables_and_figures_carry_their_download_in_output_metadata():
    data, meta = _table()._repr_mimebundle_()
    assert set(data) == {"text/html"}  # nothing for Sphinx to warn about
    (payload,) = meta[TABLE_MIME]["tables"]
    assert payload["csv"] == _table().csv_text()
    import matplotlib.pyplot as plt

    fig = Figure(plt.figure(), title="Chart", alt_text="A chart of things.", units="%", period="2013",
                 source="DfE", status="real", table=Table(pd.DataFrame({"a": [1]}), title="T", source="s", status="real"))
    data, meta = fig._repr_mimebundle_()
    assert meta[TABLE_MIME]["tables"][0]["metadata"]["unit"] == "%"  # filled from the figure


def _executed_page(path: Path, title: str, tables: list[Table]) -> None:
    nb = nbformat.v4.new_notebook()
    outputs = []
    for t in tables:
        data, meta = t._repr_mimebundle_()
        outputs.append(nbformat.v4.new_output("display_data", data=data, metadata=meta))
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {title}"), nbformat.v4.new_code_cell("x", outputs=outputs)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


def test_data_pack_has_every_table_once_with_its_pages(tmp_path):
    executed = tmp_path / "executed"
    shared = _table()
    other = Table(pd.DataFrame({"Month": ["2013-04"], "NEET": ["c"]}), title="Tracker", source="s", status="illustrative")
    _executed_page(executed / "clusters" / "c01-alwoodley.ipynb", "Alwoodley", [shared, other])
    _executed_page(executed / "themes" / "performance.ipynb", "Performance", [shared])
    found = downloads.build(executed, tmp_path / "out")
    assert [d.stem for d in found] == [shared.stem, other.stem]
    assert [p for p, _ in found[0].pages] == ["clusters/c01-alwoodley", "themes/performance"]
    out = tmp_path / "out"
    assert (out / "tables" / f"{shared.stem}.csv").read_text(encoding="utf-8") == shared.csv_text()
    sheet = dict(pd.read_csv(out / "tables" / f"{other.stem}.metadata.csv", dtype=str, keep_default_na=False).to_numpy())
    assert sheet["page"] == "clusters/c01-alwoodley" and sheet["data_status"] == "illustrative"
    with zipfile.ZipFile(out / "data-pack.zip") as zf:
        names = set(zf.namelist())
        assert {f"tables/{shared.stem}.csv", f"tables/{other.stem}.metadata.csv", "metadata.csv", "pages.csv"} <= names
        assert zf.read(f"tables/{other.stem}.csv").decode() == other.csv_text()
        listed = pd.read_csv(io.BytesIO(zf.read("metadata.csv")))
    assert list(listed["file"]) == [f"tables/{shared.stem}.csv", f"tables/{other.stem}.csv"]
    page = nbformat.read(executed / "record" / "downloads.ipynb", as_version=4)
    html = page.cells[1].outputs[0]["data"]["text/html"]
    assert "../../downloads/data-pack.zip" in html and f"../../downloads/tables/{other.stem}.csv" in html
    first = (out / "data-pack.zip").read_bytes()
    downloads.build(executed, tmp_path / "again")
    assert (tmp_path / "again" / "data-pack.zip").read_bytes() == first  # reproducible


def test_a_page_outside_the_generated_layout_is_refused(tmp_path):
    _executed_page(tmp_path / "executed" / "deep" / "er" / "page.ipynb", "Deep", [_table()])
    with pytest.raises(BookBuildError, match="one folder below generated"):
        downloads.collect(tmp_path / "executed")


# ----------------------------------------------------------------------------- case studies from the profile


def _profile(parameters: dict) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"parameters": parameters}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# {page_title}"),
        nbformat.v4.new_markdown_cell("## The deep-dive visit", metadata={"tags": ["only-if-deep_dive"]}),
        nbformat.v4.new_code_cell("visit()", metadata={"tags": ["only-if-deep_dive"]}),
        nbformat.v4.new_markdown_cell("## Key indicators"),
    ]
    return nb


def test_deep_dive_sections_only_on_case_studies():
    plain = tidy_for_publishing(_profile({"cluster_code": "C09"}), {"page_title": "Temple Newsam"})
    deep = tidy_for_publishing(_profile({"cluster_code": "C09", "deep_dive": True}), {"page_title": "Case study: Temple Newsam"})
    assert [c.source for c in plain.cells] == ["# Temple Newsam", "## Key indicators"]
    assert len(deep.cells) == 4 and deep.cells[0].source == "# Case study\\: Temple Newsam"  # escaped for MyST


def test_profile_template_has_the_seven_visit_questions_behind_the_flag():
    nb = nbformat.read(PATHS.notebooks / "cluster_profile.ipynb", as_version=4)
    deep = [c for c in nb.cells if "only-if-deep_dive" in c.metadata.get("tags", [])]
    headings = [c.source for c in deep if c.cell_type == "markdown" and c.source.startswith("### ")]
    assert len(headings) == 7
    assert all("if deep_dive else None" in c.source for c in deep if c.cell_type == "code")  # plain profiles run them harmlessly
    assert "deep_dive = False" in next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))


def test_plan_has_the_record_pages_and_a_case_study_per_visit():
    clusters = pd.DataFrame({"cluster_code": ["C09", "C13"], "cluster_name": ["Temple Newsam", "Beeston, Cottingley and Middleton"]})
    jobs = pipeline.plan_jobs(clusters, case_studies=["C13"])
    outputs = [j.output for j in jobs]
    for page in pipeline.RECORD_PAGES:
        assert f"record/{page}.ipynb" in outputs
    (case,) = [j for j in jobs if j.output.startswith("case-studies/")]
    assert case.output == "case-studies/c13-beeston-cottingley-and-middleton.ipynb"
    assert case.parameters == {"cluster_code": "C13", "deep_dive": True}
    assert case.substitutions["page_title"] == "Case study: Beeston, Cottingley and Middleton"
    partial = pipeline.plan_jobs(clusters, themes=[], cluster_codes=["C09"])
    assert [j.output for j in partial] == ["clusters/c09-temple-newsam.ipynb"]  # `run --cluster` stays small


def test_visited_clusters_come_from_the_register(inquiry_copy):
    evidence = read_table(inquiry_copy, TABLES["evidence_documents"], [])
    assert pipeline.case_study_codes({"evidence_documents": evidence}) == ["C09", "C13"]
    assert pipeline.case_study_codes({}) == []


# ----------------------------------------------------------------------------- provenance


def test_every_input_file_has_a_source_and_licence():
    table = record.provenance(PATHS)
    missing = table.loc[table["status"] == "not recorded", "file"].tolist()
    assert not missing, f"add rows to {record.PROVENANCE_TABLE} for: {missing}"
    files = set(table["file"])
    assert "data/inquiry/recommendations.csv" in files and "data/raw/geo/leeds_wards_2013_E08000035.geojson" in files
    assert not any(f.endswith(".md") for f in files)
    row = table.set_index("file").loc["data/inquiry/recommendations.csv"]
    assert row["status"] == "illustrative"


def test_provenance_hash_is_the_files_sha256(tmp_path):
    root = tmp_path / "p"
    (root / "data" / "raw" / "x").mkdir(parents=True)
    (root / "data" / "reference").mkdir(parents=True)
    (root / "data" / "raw" / "x" / "a.csv").write_bytes(b"a,b\n1,2\n")
    (root / "data" / "raw" / "x" / "PROVENANCE.md").write_text("notes")
    (root / "data" / "reference" / "input_provenance.csv").write_text(
        "pattern,source,licence,status,notes_file\ndata/raw/x/*,Somewhere,OGL v3,real,\n"
    )
    table = record.provenance(project_paths(root)).set_index("file")
    assert table.loc["data/raw/x/a.csv", "sha256"] == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert table.loc["data/raw/x/a.csv", "licence"] == "OGL v3"
    assert table.loc["data/reference/input_provenance.csv", "status"] == "not recorded"  # no rule matches it
    assert "data/raw/x/PROVENANCE.md" not in table.index


def test_record_part_of_the_toc_matches_the_pipeline():
    import yaml

    toc = yaml.safe_load((PATHS.root / "_toc.yml").read_text(encoding="utf-8"))
    (part,) = [p for p in toc["parts"] if p["caption"] == "The inquiry's record"]
    files = [c["file"] for c in part["chapters"]]
    for page, template in pipeline.RECORD_PAGES.items():
        assert f"generated/record/{page}" in files
        assert (PATHS.notebooks / template).exists()
    assert "generated/" + downloads.PAGE.removesuffix(".ipynb") in files
    case_studies = next(c for c in part["chapters"] if c["file"] == "book/case-studies")
    assert case_studies["sections"] == [{"glob": f"generated/{pipeline.CASE_STUDY_FOLDER}/*"}]


# ----------------------------------------------------------------------------- claims about the data (issue 12)


def report_context():
    return _report.context()


@pytest.mark.parametrize(
    ("table", "row", "column", "text", "expected"),
    [
        ("recommendations.csv", 4, "progress", "Illustrative: plans agreed in 5 of the 8 clusters identified.",
         "recommendations.csv:6: progress: a number ('5') typed in the text"),
        ("recommendations.csv", 2, "progress", "Illustrative: nineteen of the governance groups record attendance.",
         "recommendations.csv:4: progress: a count ('nineteen of the governance groups') typed in the text"),
        ("case_study_notes.csv", 4, "answer", "Guided referrals through a weekly multi-agency meeting.",
         "case_study_notes.csv:6: answer: a meeting frequency ('weekly') typed in the text"),
        ("case_study_notes.csv", 3, "answer", "Shares a parenting programme with neighbouring clusters in the area.",
         "case_study_notes.csv:5: answer: a claim about neighbouring clusters ('neighbouring') typed in the text"),
        ("case_study_notes.csv", 10, "answer", "Links with the city-centre cluster on NEET tracking.",
         "case_study_notes.csv:12: answer: a claim about neighbouring clusters ('city-centre') typed in the text"),
        ("case_study_notes.csv", 10, "answer", "Links with Hunslet and City on NEET tracking.",
         "case_study_notes.csv:12: answer: a cluster name ('Hunslet and City') typed in the text"),
        ("case_study_notes.csv", 0, "answer", "The cluster manager reports to the governance group.",
         "case_study_notes.csv:2: answer: a governance fact ('cluster manager') typed in the text"),
        ("recommendations.csv", 0, "progress", "Illustrative: {clusters_counted} plans.",
         "recommendations.csv:2: progress: unknown placeholder {clusters_counted}"),
        ("recommendations.csv", 0, "progress", "Illustrative: {joint_work}.",  # a cluster fact in a city-wide table
         "recommendations.csv:2: progress: unknown placeholder {joint_work}"),
    ],
)
def test_a_claim_about_the_data_typed_in_the_record_is_refused(inquiry_copy, table, row, column, text, expected):
    """The record's narrative contradicted the tables (recommendation 5's '5 of the 8 clusters' against 7 worse on
    NEET; Temple Newsam's 'weekly' meeting; Beeston's link with the city-centre cluster): such claims must be
    placeholders computed from the tables, and validate refuses them typed."""
    _edit(inquiry_copy / table, row, column, text)
    frames = validate_inputs(inquiry_directory=inquiry_copy).frames
    problems = [":".join(map(str, p[:2])) + f": {p[2]}: {p[3]}" for p in record.claim_problems(frames)]
    assert any(p.startswith(expected) for p in problems), problems


def test_years_and_placeholders_are_not_typed_claims():
    assert record._typed_claims("Plans for 2014/15 agreed in all {clusters} clusters in June 2014.", ["Morley"], True) == []


def test_recommendation_5_counts_the_clusters_the_performance_chapter_finds_worse_on_neet():
    from cluster_inquiry.pages import performance

    ctx = report_context()
    dash = performance.city_dashboard(ctx).frame
    neet = dash[dash["Indicator"] == performance.INDICATORS["NEET_PCT"].short].iloc[0]
    worse = int(neet[performance.DASH_WORSE])  # what the performance chapter prints
    table = record.recommendations_table(ctx).frame.set_index("No.")
    assert f"finds {worse} clusters significantly above the city's NEET rate" in table.loc[5, "Evidence of progress"]
    flagged = performance.assessments(ctx)
    names = flagged.loc[flagged["NEET_PCT_comparison"].str.startswith("Worse", na=False), "cluster_name"]
    assert "; ".join(names) in table.loc[5, "Evidence of progress"]
    assert not any(ch in v for v in table["Evidence of progress"] for ch in "{}")


def test_case_study_answers_name_only_the_clusters_the_sharing_table_links():
    """Beeston's answer linked it with the city-centre cluster (no C13–C14 row); Temple Newsam's 'neighbouring
    clusters in the area' were mostly across the area boundary."""
    ctx = report_context()
    sharing = ctx.frames["cluster_sharing"]
    clusters = ctx.clusters.set_index("cluster_code")
    for code in sorted(record.visits(ctx.frames)["cluster_code"]):
        text = " ".join(str(record.visit_answer(ctx, code, q).body) for q in VISIT_QUESTIONS)
        linked = set(sharing.loc[sharing["cluster_a"] == code, "cluster_b"]) | set(sharing.loc[sharing["cluster_b"] == code, "cluster_a"])
        for other in clusters.index.difference([code]):
            name = html.escape(clusters.loc[other, "cluster_name"])
            if other in linked:
                assert name in text, (code, other)
                same = clusters.loc[other, "area"] == clusters.loc[code, "area"]
                assert (f"{name} (" in text) and ("same area" in text.split(name + " (", 1)[1].split(")")[0]) == same
            else:
                assert name not in text, (code, other)
        in_area = sum(clusters.loc[o, "area"] == clusters.loc[code, "area"] for o in linked)
        assert f"{in_area} of {len(linked)} are in its own area" in text
        assert "weekly" not in text and "{" not in text


def test_case_study_meeting_frequency_is_appendix_fs_and_held_counts_are_the_registers():
    from cluster_inquiry.data.partnerships import MEETING_TYPES

    ctx = report_context()
    m = ctx.frames["meetings"]
    g = m[(m["cluster_code"] == "C09") & (m["meeting_type"] == "guidance_support")]
    text = str(record.visit_answer(ctx, "C09", "difference").body)
    assert MEETING_TYPES["guidance_support"].cadence.split(",")[0] in text
    assert f"{int(g['held'].sum())} of {len(g)} held in 2012/13" in text


def test_witnesses_are_the_seven_the_session_2_minutes_list_as_attending():
    """The register said no session per witness; the public minutes of 12 December 2013 list seven attending."""
    ctx = report_context()
    w = record.witnesses_table(ctx).frame
    assert len(w) == 7
    assert set(w["Session"]) == {"Session 2, 12 December 2013"}
    assert list(w["Role"]).count("Targeted Service Leader") == 2
    assert all("mgAi.aspx?ID=46553" in b for b in w["Basis"])
