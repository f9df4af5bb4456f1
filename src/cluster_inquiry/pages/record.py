"""The inquiry's record: sessions, evidence register, witnesses, recommendations, deep dives, provenance.

Inputs live in ``data/inquiry/`` (docs/data-contract.md, "The inquiry's record"):

* ``sessions.csv``, ``evidence_documents.csv``, ``witnesses.csv`` — **from the inquiry's record as
  described in the brief** (hand-authored; background rows cite public sources);
* ``recommendations.csv``, ``case_study_notes.csv`` — **illustrative** until a council supplies
  its own (the real ones are not public).

Claims about the data in that narrative (counts of clusters, which clusters work together, how
often a cluster's meetings are held, how it compares with the city) are never typed: the text
holds placeholders such as ``{neet_worse}`` that :func:`fill` replaces at build time with values
computed from the tables (:data:`CITY_FACTS`, :data:`CLUSTER_FACTS`), and :func:`claim_problems`
(run by ``validate``) refuses typed numbers, cadences, cluster names and neighbourhood words.

Chapters cite the evidence they use with :func:`evidence_links`, which prints links to the
items' anchors on the evidence register page. Every table goes through
:class:`~cluster_inquiry.figures.records.Table`, so it is downloadable like any other.
"""

from __future__ import annotations

import fnmatch
import hashlib
import html
import re
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from cluster_inquiry.figures.records import STATUS_LABEL, Figure, Table, mpl_text, slug, status_badge, status_banner_badge
from cluster_inquiry.core.paths import Paths
from cluster_inquiry.pages.report import HTML, Context
from cluster_inquiry.data.schemas import RECOMMENDATION_STATUS, VISIT_QUESTIONS

#: the register page, relative to any generated page (all sit at generated/<folder>/<page>)
REGISTER_URL = "../record/evidence-register.html"
CASE_STUDY_FOLDER = "case-studies"
RECORD_SOURCE = "The inquiry's record as described in the brief (data/inquiry/, hand-authored)"
ILLUSTRATIVE_RECORD_SOURCE = "Illustrative: written for this evidence book (data/inquiry/); not the inquiry's own record"
#: the folders whose files are inputs (data/raw is searched recursively)
INPUT_FOLDERS = ("data/raw", "data/reference", "data/clusters", "data/inquiry")
PROVENANCE_TABLE = "data/reference/input_provenance.csv"

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]


# ----------------------------------------------------------------------------- helpers


def format_date(value: str) -> str:
    """``2013-11-14`` → ``14 November 2013``; ``2014-02`` → ``February 2014``."""
    parts = str(value).split("-")
    month = _MONTHS[int(parts[1]) - 1]
    return f"{int(parts[2])} {month} {parts[0]}" if len(parts) == 3 else f"{month} {parts[0]}"


def anchor(evidence_id: str) -> str:
    """The HTML id of an evidence item on the register page."""
    return slug(f"evidence-{evidence_id}")


def split_ids(value: object) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        return []
    return [part.strip() for part in value.split(";") if part.strip()]


def _session_label(sessions: pd.DataFrame, session_id: object) -> str:
    if not isinstance(session_id, str):
        return "background source"
    row = sessions.set_index("session_id").loc[session_id]
    return f"{row['title']}, {format_date(row['date'])}"


def _cell(value: object, blank: str = "—") -> str:
    return value if isinstance(value, str) and value.strip() else blank


def banner_record() -> HTML:
    text = (
        "The sessions, evidence and witnesses on this page are <strong>from the inquiry's record as described in "
        "the brief</strong> (hand-authored; the titles describe subjects, not the documents' own titles). Items "
        "marked <em>background</em> are published sources, each with its address. This page holds no statistics. "
        "The recommendations tracker and the case-study visit notes elsewhere in this part are "
        "<strong>illustrative</strong>."
    )
    return HTML(f"<div class='ci-banner' role='note'>{status_banner_badge('record')}<p>{text}</p></div>")


def status_banner(ctx: Context, table: str, what: str) -> HTML:
    """Page-top label for a page built from one inquiry table, from its rows' ``data_status``."""
    status = _status_of(ctx.frames[table])
    text = {
        "illustrative": f"The {html.escape(what)} on this page are <strong>illustrative</strong>: the inquiry's own are "
        "not public, so these rows were written for this evidence book to show the format. They are not the "
        "inquiry's findings or the council's progress. A council replaces the file in <code>data/inquiry/</code> "
        "with its own.",
        "real": f"The {html.escape(what)} on this page are <strong>real</strong>: the council's own tracker.",
        "mixed": f"Some of the {html.escape(what)} on this page are <strong>illustrative</strong> and some "
        "<strong>real</strong>; each table says which.",
    }[status]
    return HTML(f"<div class='ci-banner' role='note'>{status_banner_badge(status)}<p>{text}</p></div>")


def banner_provenance() -> HTML:
    text = (
        "This page lists files, not statistics. Each file's <em>Status</em> says what its numbers are: "
        "<strong>real</strong> published open data, <strong>illustrative</strong> (modelled by this project), the "
        "<strong>inquiry record</strong> (hand-authored from the brief), or <strong>derived</strong> from real data."
    )
    return HTML(f"<div class='ci-banner' role='note'>{status_banner_badge('mixed')}<p>{text}</p></div>")


# ----------------------------------------------------------------------------- evidence links


def evidence_links(ctx: Context, ids: list[str]) -> HTML:
    """"Evidence used: …" — links from a chapter to the items it uses on the evidence register.

    Unknown IDs raise ``KeyError`` (the notebook, and so the build, stops with the ID named).
    """
    evidence = ctx.frames["evidence_documents"].set_index("evidence_id")
    unknown = [i for i in ids if i not in evidence.index]
    if unknown:
        raise KeyError(f"unknown evidence ID(s) {', '.join(unknown)}; see data/inquiry/evidence_documents.csv")
    sessions = ctx.frames["sessions"]
    items = []
    for eid in dict.fromkeys(ids):
        row = evidence.loc[eid]
        where = _session_label(sessions, row["session_id"])
        items.append(
            f"<li><a href='{REGISTER_URL}#{anchor(eid)}'>{html.escape(eid)}: {html.escape(row['title'])}</a> "
            f"({html.escape(where)})</li>"
        )
    return HTML(
        "<nav class='ci-evidence' aria-label='Evidence used on this page'>"
        f"<p><strong>Evidence used</strong> (from the <a href='{REGISTER_URL}'>evidence register</a>):</p>"
        f"<ul>{''.join(items)}</ul></nav>"
    )


#: what each kind of page draws on (evidence IDs); chapters may pass their own list instead
PROFILE_EVIDENCE = ["S2-D2", "S2-D3", "S2-D8", "BG-4"]


def profile_evidence(ctx: Context, code: str) -> HTML:
    """Evidence links for a cluster profile (or case study): the dashboards, plus the visit if there was one."""
    ids = [i for i in PROFILE_EVIDENCE if i in set(ctx.frames["evidence_documents"]["evidence_id"])]
    v = visits(ctx.frames)
    ids += list(v.loc[v["cluster_code"] == code, "evidence_id"])
    return evidence_links(ctx, ids)


# ----------------------------------------------------------------------------- claims about the data

#: placeholders any record text may use, computed from the tables at build time
CITY_FACTS = {
    "clusters": "the number of clusters (clusters.csv)",
    "neet_worse": "clusters significantly worse than the city on NEET in the performance chapter's latest period",
    "neet_worse_names": "their names",
    "elected_member_groups": "clusters with at least one elected member on their governance group (clusters.csv)",
}
#: placeholders a visited cluster's case-study answers may also use
CLUSTER_FACTS = {
    "cluster": "the cluster's name",
    "area": "its children's-services area",
    "governance": "its governance form: a trust, a joint collaborative committee or an informal partnership (clusters.csv)",
    "manager": "'the cluster manager', or 'the chair (the cluster has no manager)' (clusters.csv)",
    "joint_work": "the other clusters it records joint work with, their areas and activities (cluster_sharing.csv)",
    "joint_work_in_area": "how many of those are in its own area",
    "partnership_cadence": "the cadence of cluster partnership (governance group) meetings (Appendix F)",
    "guidance_cadence": "the cadence of multi-agency guidance and support meetings (Appendix F)",
    "guidance_held": "guidance and support meetings held of planned, 2012/13 (meetings.csv)",
    "neet_comparison": "its NEET rate against the city's in the latest period (better than / similar to / worse than)",
}
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
#: record text checked for typed claims, with the placeholders each may use
CLAIM_COLUMNS = {
    ("recommendations", "progress"): set(CITY_FACTS),
    ("case_study_notes", "answer"): set(CITY_FACTS) | set(CLUSTER_FACTS),
}
_YEAR = re.compile(r"\b(?:19|20)\d\d(?:/\d\d)?\b")
_NUMBER = re.compile(r"\d[\d,.]*")
_COUNT_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
                r"seventeen|eighteen|nineteen|twenty[\w-]*|half|most|all|every|none")
_COUNTED = re.compile(rf"\b(?:{_COUNT_WORDS})\s+(?:of\s+(?:the\s+)?)?(?:\w+\s+)?(?:clusters?|governance groups?|meetings?)\b", re.I)
_CADENCE = re.compile(r"\b(?:weekly|fortnightly|monthly|termly|half[- ]termly|each (?:half[- ])?term|every (?:other|\w+) "
                      r"(?:weeks?|months?|terms?))\b", re.I)
_GOVERNANCE = re.compile(r"\b(?:trust|joint collaborative committee|informal partnership|cluster manager)\b", re.I)
_NEIGHBOUR = re.compile(r"\b(?:neighbouring|nearby|adjacent|city[- ]centre|in the area|across the area)\b", re.I)


def _typed_claims(text: str, cluster_names: list[str], cadence: bool) -> list[str]:
    """What in ``text`` (placeholders removed) is a claim about the data that should be a placeholder."""
    bare = _YEAR.sub(" ", PLACEHOLDER.sub(" \u27e8\u27e9 ", text))
    found = [f"a number ({m.group(0)!r})" for m in _NUMBER.finditer(bare)]
    found += [f"a count ({m.group(0)!r})" for m in _COUNTED.finditer(bare)]
    if cadence:
        found += [f"a meeting frequency ({m.group(0)!r})" for m in _CADENCE.finditer(bare)]
        found += [f"a governance fact ({m.group(0)!r})" for m in _GOVERNANCE.finditer(bare)]
    found += [f"a claim about neighbouring clusters ({m.group(0)!r})" for m in _NEIGHBOUR.finditer(bare)]
    found += [f"a cluster name ({n!r})" for n in cluster_names if n and n.lower() in bare.lower()]
    return found


def claim_problems(frames: dict[str, pd.DataFrame]) -> list[tuple[str, int | str, str, str]]:
    """Record text that types a claim about the data, or uses an unknown placeholder, as ``(file, row, column, rule)``."""
    problems: list[tuple[str, int | str, str, str]] = []
    clusters = frames.get("clusters")
    names = sorted(clusters["cluster_name"].dropna().tolist(), key=len, reverse=True) if clusters is not None else []
    for (table, column), allowed in CLAIM_COLUMNS.items():
        df = frames.get(table)
        if df is None or column not in df.columns:
            continue
        for idx, value in df[column].items():
            if not isinstance(value, str):
                continue
            for key in PLACEHOLDER.findall(value):
                if key not in allowed:
                    problems.append((f"{table}.csv", idx + 2, column,
                                     f"unknown placeholder {{{key}}} (known: {', '.join(sorted(allowed))})"))
            for claim in _typed_claims(value, names, cadence=table == "case_study_notes"):
                problems.append((f"{table}.csv", idx + 2, column,
                                 f"{claim} typed in the text: write a placeholder computed from the tables "
                                 "(docs/data-contract.md, 'Claims about the data')"))
    return problems


def _count_text(n: int) -> str:
    return f"{n:,}"


def city_facts(ctx: Context) -> dict[str, str]:
    """The values of :data:`CITY_FACTS`, computed from this build's tables."""
    key = ("record_city_facts",)
    if key in ctx.cache:
        return ctx.cache[key]
    from cluster_inquiry.pages import performance  # late: performance imports the indicator machinery
    from cluster_inquiry.stats import methods

    a = performance.assessments(ctx)
    worse = a[a["NEET_PCT_comparison"].map(lambda v: isinstance(v, str) and v.startswith(methods.WORSE))]
    facts = {
        "clusters": _count_text(len(ctx.clusters)),
        "neet_worse": _count_text(len(worse)),
        # semicolons: cluster names contain commas ("Beeston, Cottingley and Middleton")
        "neet_worse_names": "; ".join(worse["cluster_name"]) or "none",
        "elected_member_groups": _count_text(int((ctx.clusters["elected_members"].astype(int) > 0).sum())),
    }
    ctx.cache[key] = facts
    return facts


def cluster_facts(ctx: Context, code: str) -> dict[str, str]:
    """The values of :data:`CITY_FACTS` and :data:`CLUSTER_FACTS` for one cluster."""
    from cluster_inquiry.pages import performance
    from cluster_inquiry.stats import methods
    from cluster_inquiry.data.partnerships import AREA_NAMES, MEETING_TYPES

    clusters = ctx.clusters.set_index("cluster_code")
    area = clusters.loc[code, "area"]
    sharing = ctx.frames["cluster_sharing"]
    mine = sharing[(sharing["cluster_a"] == code) | (sharing["cluster_b"] == code)]
    other = mine["cluster_b"].where(mine["cluster_a"] == code, mine["cluster_a"])
    partners = []
    for partner, rows in mine.groupby(other, sort=True):
        other_area = clusters.loc[partner, "area"]
        where = "same area" if other_area == area else f"{AREA_NAMES.get(other_area, other_area)} area"
        acts = " and ".join(sorted(a.lower() for a in rows["activity"]))
        partners.append((partner, f"{clusters.loc[partner, 'cluster_name']} ({acts}; {where})"))
    in_area = sum(1 for p, _ in partners if clusters.loc[p, "area"] == area)
    if partners:
        joint = (f"{len(partners)} other cluster{'s' if len(partners) != 1 else ''}: "
                 + "; ".join(text for _, text in partners))
    else:
        joint = "no other cluster"
    meetings = ctx.frames["meetings"]
    guidance = meetings[(meetings["cluster_code"] == code) & (meetings["meeting_type"] == "guidance_support")]
    comparison = performance.assessments(ctx).set_index("cluster_code").loc[code, "NEET_PCT_comparison"]
    if not isinstance(comparison, str):
        neet = "not shown (c), so not compared with"
    elif comparison.startswith(methods.WORSE):
        neet = "significantly worse than"
    elif comparison.startswith(methods.BETTER):
        neet = "significantly better than"
    else:
        neet = "not significantly different from"
    return {
        **city_facts(ctx),
        "cluster": str(clusters.loc[code, "cluster_name"]),
        "area": AREA_NAMES.get(area, area),
        "governance": {"Trust": "a trust", "Joint Collaborative Committee": "a joint collaborative committee",
                       "Informal": "an informal partnership"}.get(clusters.loc[code, "governance"],
                                                                   str(clusters.loc[code, "governance"]).lower()),
        "manager": "the cluster manager" if str(clusters.loc[code, "has_cluster_manager"]).lower() == "true"
        else "the chair (the cluster has no manager)",
        "joint_work": joint,
        "joint_work_in_area": f"{in_area} of {len(partners)}",
        "partnership_cadence": MEETING_TYPES["cluster_partnership"].cadence.split(",")[0],
        "guidance_cadence": MEETING_TYPES["guidance_support"].cadence.split(",")[0],
        "guidance_held": f"{int(guidance['held'].sum())} of {len(guidance)}",
        "neet_comparison": neet,
    }


def fill(text: object, facts: dict[str, str]) -> object:
    """Replace each ``{placeholder}`` in record text with its computed value (unknown names raise KeyError)."""
    if not isinstance(text, str):
        return text
    return PLACEHOLDER.sub(lambda m: facts[m.group(1)], text)


# ----------------------------------------------------------------------------- register page


def sessions_table(ctx: Context) -> Table:
    s = ctx.frames["sessions"]
    frame = pd.DataFrame(
        {
            "Session": s["session_id"],
            "Date": s["date"].map(format_date),
            "What": s["title"],
            "Kind": s["kind"],
            "Key areas of discussion": s["key_areas"].map(lambda v: _cell(v, "not recorded in the brief")),
            "Basis": s["basis"],
        }
    )
    return Table(frame, title="The inquiry's sessions", source=RECORD_SOURCE, status="record",
                 definition="Sessions, visits and meetings of the inquiry, with the areas discussed.",
                 period="November 2013 to July 2014", row_ids=[f"session-{i}" for i in s["session_id"]])


def evidence_register(ctx: Context) -> Table:
    e = ctx.frames["evidence_documents"]
    sessions = ctx.frames["sessions"]
    names = ctx.clusters.set_index("cluster_code")["cluster_name"]
    frame = pd.DataFrame(
        {
            "ID": e["evidence_id"],
            "Evidence": e["title"],
            "Kind": e["kind"],
            "Received": e["session_id"].map(lambda v: _session_label(sessions, v)),
            "What it covers": e["description"],
            "Cluster": e["cluster_code"].map(lambda c: names.get(c, c) if isinstance(c, str) else "—"),
            "Source": [url if isinstance(url, str) else basis for url, basis in zip(e["source_url"], e["basis"])],
        }
    )
    return Table(frame, title="Evidence register", source=RECORD_SOURCE, status="record",
                 definition="Every item of evidence the inquiry received or the book relies on, with the ID chapters cite.",
                 notes=["Chapters link to these rows from their 'Evidence used' lists."],
                 row_ids=[anchor(i) for i in e["evidence_id"]])


def witnesses_table(ctx: Context) -> Table:
    w = ctx.frames["witnesses"]
    sessions = ctx.frames["sessions"]
    frame = pd.DataFrame(
        {
            "Witness": w["witness_id"],
            "Role": w["role"],
            "Service": w["service"],
            "Session": w["session_id"].map(lambda v: _session_label(sessions, v) if isinstance(v, str) else "not stated"),
            "Basis": w["basis"],
        }
    )
    return Table(frame, title="Witnesses, by role", source=RECORD_SOURCE, status="record",
                 definition="Who gave evidence to the inquiry, by role (never by name).")


def visits(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The deep-dive visits: evidence rows of kind ``visit`` with the cluster visited."""
    e = frames["evidence_documents"]
    return e[e["kind"] == "visit"].reset_index(drop=True)


def case_study_page(code: str, name: str) -> str:
    from cluster_inquiry.pipeline import cluster_page_name  # late: the pipeline imports the notebook machinery

    return f"{CASE_STUDY_FOLDER}/{cluster_page_name(code, name)}"


def case_study_links(ctx: Context) -> HTML:
    names = ctx.clusters.set_index("cluster_code")["cluster_name"]
    sessions = ctx.frames["sessions"]
    items = []
    for row in visits(ctx.frames).itertuples():
        name = names[row.cluster_code]
        items.append(
            f"<li><a href='../{case_study_page(row.cluster_code, name)}.html'>Case study: {html.escape(name)}</a> "
            f"({html.escape(row.evidence_id)}, {html.escape(_session_label(sessions, row.session_id))})</li>"
        )
    return HTML(f"<ul class='ci-case-studies'>{''.join(items)}</ul>")


# ----------------------------------------------------------------------------- recommendations


def _recommendations(ctx: Context) -> pd.DataFrame:
    return ctx.frames["recommendations"].sort_values("number").reset_index(drop=True)


def _status_of(frame: pd.DataFrame) -> str:
    statuses = set(frame["data_status"])
    return "real" if statuses == {"real"} else "illustrative" if statuses == {"illustrative"} else "mixed"


def recommendations_table(ctx: Context) -> Table:
    r = _recommendations(ctx)
    frame = pd.DataFrame(
        {
            "No.": r["number"].astype(int),
            "Recommendation": r["recommendation"],
            "Owner": r["owner"],
            "Due": r["due_date"].map(format_date),
            "Status": r["status"].str.capitalize(),
            "Evidence of progress": r["progress"].map(lambda v: _cell(fill(v, city_facts(ctx)), "none yet")),
            "Evidence": r["evidence_ids"].map(lambda v: ", ".join(split_ids(v)) or "—"),
        }
    )
    status = _status_of(r)
    return Table(frame, title="Recommendations tracker", status=status,
                 source=ILLUSTRATIVE_RECORD_SOURCE if status == "illustrative" else "Recommendations tracker (data/inquiry/recommendations.csv)",
                 definition="Each recommendation with its owner, due date, status (not started, in progress, achieved, "
                 "not achieved) and evidence of progress.",
                 notes=["Evidence IDs refer to the evidence register.",
                        "Numbers of clusters in the progress column are computed by the build from the tables they "
                        "describe (for example, the clusters significantly worse than the city on NEET in the performance "
                        "chapter), never typed."],
                 row_ids=[f"recommendation-{n}" for n in r["number"]])


def status_counts(ctx: Context) -> pd.DataFrame:
    r = _recommendations(ctx)
    counts = r["status"].value_counts().reindex(RECOMMENDATION_STATUS, fill_value=0)
    return pd.DataFrame({"status": counts.index, "count": counts.to_numpy().astype(int)})


def recommendations_chart(ctx: Context) -> Figure:
    """Recommendations by status: bars with text labels and distinct hatching (never colour alone)."""
    counts = status_counts(ctx)
    r = _recommendations(ctx)
    status = _status_of(r)
    hatches = ["", "..", "//", "xx"]
    fig, ax = plt.subplots(figsize=(7, 2.6))
    for i, row in enumerate(counts.itertuples()):
        ax.barh(i, row.count, color="#ffffff" if i % 2 else "#d9d9d9", hatch=hatches[i], edgecolor="black")
        ax.text(row.count + 0.1, i, str(row.count), va="center", fontsize=9)
    ax.set_yticks(range(len(counts)))
    ax.set_yticklabels([mpl_text(s.capitalize()) for s in counts["status"]])
    ax.invert_yaxis()
    ax.set_xlabel("Number of recommendations")
    ax.set_xlim(0, max(counts["count"].max() + 1, 2))
    ax.set_title("Recommendations by status", fontsize=11)
    fig.tight_layout()
    summary = "; ".join(f"{s}: {n}" for s, n in zip(counts["status"], counts["count"]))
    alt = (f"Bar chart of the {len(r)} recommendations by status ({'illustrative' if status == 'illustrative' else 'tracker'} "
           f"data). {summary}. The data table follows the chart.")
    table = Table(
        pd.DataFrame({"Status": counts["status"].str.capitalize(), "Recommendations": counts["count"]}),
        title="Recommendations by status", source=ILLUSTRATIVE_RECORD_SOURCE if status == "illustrative" else "data/inquiry/recommendations.csv",
        status=status, definition="Number of recommendations at each status.",
        notes=["These are counts of recommendations, not of people, so no disclosure control applies."],
    )
    return Figure(fig, title="Recommendations by status", alt_text=alt, units="recommendations",
                  period="as recorded in the tracker", source=table.source, status=status, table=table)


def recommendations_evidence(ctx: Context) -> HTML:
    ids = [i for v in _recommendations(ctx)["evidence_ids"] for i in split_ids(v)]
    return evidence_links(ctx, ids)


# ----------------------------------------------------------------------------- deep-dive case studies


def _visit(ctx: Context, code: str) -> pd.Series:
    v = visits(ctx.frames)
    row = v[v["cluster_code"] == code]
    if row.empty:
        raise KeyError(f"cluster {code} was not visited (no visit for it in data/inquiry/evidence_documents.csv)")
    return row.iloc[0]


def case_study_intro(ctx: Context, code: str) -> HTML:
    visit = _visit(ctx, code)
    name = ctx.cluster(code)["cluster_name"]
    when = _session_label(ctx.frames["sessions"], visit["session_id"])
    notes = ctx.frames["case_study_notes"]
    status = _status_of(notes[notes["cluster_code"] == code])
    label = {
        "illustrative": "The answers below are <strong>illustrative</strong>: the visit notes are not public, so "
        "they were written for this evidence book to show the format. They are not what the cluster told the inquiry.",
        "real": "The answers below are from the visit notes (<strong>real</strong>).",
        "mixed": "Some answers below are <strong>illustrative</strong> (each is labelled).",
    }[status]
    return HTML(
        f"<div class='ci-visit-intro' role='note'>{status_badge(status)}<p>Members visited <strong>{html.escape(name)}</strong> "
        f"on the inquiry's deep-dive visits ({html.escape(when)}; evidence {html.escape(visit['evidence_id'])}, from the "
        f"inquiry's record as described in the brief) and asked seven questions. {label}</p></div>"
    )


def visit_answer(ctx: Context, code: str, question: str) -> HTML:
    notes = ctx.frames["case_study_notes"]
    row = notes[(notes["cluster_code"] == code) & (notes["question"] == question)]
    if row.empty:
        return HTML(f"<p>{status_badge('record')} No answer is recorded for this question.</p>")
    row = row.iloc[0]
    return HTML(
        f"<div class='ci-visit-answer'>{status_badge(row['data_status'])}"
        f"<p>{html.escape(fill(row['answer'], cluster_facts(ctx, code)))}</p></div>"
    )


# ----------------------------------------------------------------------------- provenance


def input_files(paths: Paths) -> list[Path]:
    """Every input file (documentation ``*.md`` and hidden files excluded), sorted by path."""
    files = []
    for folder in INPUT_FOLDERS:
        base = paths.root / folder
        if base.is_dir():
            files += [p for p in base.rglob("*") if p.is_file() and p.suffix != ".md"
                      and not any(part.startswith(".") for part in p.relative_to(paths.root).parts)]
    return sorted(files, key=lambda p: p.relative_to(paths.root).as_posix())


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def provenance_rules(paths: Paths) -> pd.DataFrame:
    return pd.read_csv(paths.root / PROVENANCE_TABLE, dtype=str, keep_default_na=False)


def provenance(paths: Paths) -> pd.DataFrame:
    """One row per input file: path, bytes, SHA-256 and the first matching provenance rule."""
    rules = provenance_rules(paths)
    rows = []
    for path in input_files(paths):
        rel = path.relative_to(paths.root).as_posix()
        match = next((r for r in rules.itertuples() if fnmatch.fnmatchcase(rel, r.pattern)), None)
        rows.append(
            {
                "file": rel,
                "bytes": path.stat().st_size,
                "sha256": sha256(path),
                "status": match.status if match else "not recorded",
                "source": match.source if match else "not recorded: add a row to " + PROVENANCE_TABLE,
                "licence": match.licence if match else "not recorded",
                "notes_file": match.notes_file if match else "",
            }
        )
    return pd.DataFrame(rows)


def provenance_table(ctx: Context) -> Table:
    p = provenance(ctx.paths)
    frame = pd.DataFrame(
        {
            "File": p["file"],
            "Bytes": p["bytes"].map(lambda b: f"{int(b):,}"),
            "SHA-256": p["sha256"],
            "Status": p["status"],
            "Source": p["source"],
            "Licence": p["licence"],
            "Notes": p["notes_file"],
        }
    )
    return Table(frame, title="Input files: source, licence and SHA-256", source=f"This build's input files; rules in {PROVENANCE_TABLE}",
                 status="mixed", definition="Every input file of the build with its size, SHA-256 content hash, source and licence.",
                 notes=["Status real = published open data; illustrative = modelled by this project; inquiry record = "
                        "hand-authored from the brief; derived = computed from real data by this project."],
                 row_ids=[f"file-{f}" for f in p["file"]])


# ----------------------------------------------------------------------------- contract checks


def cross_checks(frames: dict[str, pd.DataFrame]) -> list[tuple[str, int | str, str, str]]:
    """Rules across the inquiry tables, as ``(file, row, column, rule)``."""
    problems: list[tuple[str, int | str, str, str]] = []
    sessions, evidence = frames.get("sessions"), frames.get("evidence_documents")
    known_sessions = set(sessions["session_id"]) if sessions is not None else None
    for name in ("evidence_documents", "witnesses"):
        df = frames.get(name)
        if df is None or known_sessions is None:
            continue
        for idx in df.index[df["session_id"].notna() & ~df["session_id"].isin(known_sessions)]:
            problems.append((f"{name}.csv", idx + 2, "session_id", f"unknown session {df.at[idx, 'session_id']!r} (not in sessions.csv)"))
    recs = frames.get("recommendations")
    if recs is not None and evidence is not None:
        known = set(evidence["evidence_id"])
        for idx, value in recs["evidence_ids"].items():
            for eid in split_ids(value):
                if eid not in known:
                    problems.append(("recommendations.csv", idx + 2, "evidence_ids",
                                     f"unknown evidence ID {eid!r} (not in evidence_documents.csv)"))
    notes = frames.get("case_study_notes")
    if notes is not None and evidence is not None:
        visited = set(visits(frames)["cluster_code"])
        for idx in notes.index[~notes["cluster_code"].isin(visited)]:
            problems.append(("case_study_notes.csv", idx + 2, "cluster_code",
                             f"cluster {notes.at[idx, 'cluster_code']} was not visited (no visit for it in evidence_documents.csv)"))
        for code in sorted(visited):
            have = set(notes.loc[notes["cluster_code"] == code, "question"])
            missing = [q for q in VISIT_QUESTIONS if q not in have]
            if missing:
                problems.append(("case_study_notes.csv", "-", "question",
                                 f"visited cluster {code} has no answer for {', '.join(missing)}"))
    problems += claim_problems(frames)
    return problems


__all__ = [
    "STATUS_LABEL", "evidence_links", "profile_evidence", "status_banner", "banner_record", "banner_provenance", "sessions_table", "evidence_register", "witnesses_table", "case_study_links",
    "recommendations_table", "recommendations_chart", "recommendations_evidence", "case_study_intro", "visit_answer",
    "provenance_table", "provenance", "input_files", "cross_checks", "visits", "claim_problems", "city_facts",
    "cluster_facts", "fill",
]
