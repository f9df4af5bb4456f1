"""Site-wide leak scan: no small count (or anything worked out from one) leaves the build.

Disclosure control is applied table by table in :mod:`cluster_inquiry.pages.report`; this module
checks the *result*, every file of a built site, against the input data. It is the last gate
of ``cluster-inquiry build`` (nothing is published if it finds a leak) and is also run on its
own by ``cluster-inquiry scan``.

What is sensitive
    Every count of 1 to 5 (``disclosure.DEFAULT_POLICY``) in a column that the data contract
    marks as a count of people (:attr:`TableSpec.count_columns`), keyed by cluster, measure and
    period. Each such column must be registered in :data:`MEASURES` with the words pages use
    for it; an unregistered count column holding a small count is itself reported, so a new
    table cannot slip past the scan.

What is read
    HTML pages (tables, captions, prose, ``alt``/``title``/``aria-label``/``data-*``
    attributes, inline scripts that name a cluster), executed notebooks (every output:
    ``text/html``, ``text/plain``, ``text/markdown``, JSON, streams; markdown cells; the
    papermill parameters), CSV downloads, JSON files and other text files that name a cluster.

Checks
    1. **Cells.** A table cell is placed by its row (a cell naming a cluster, else the page's
       cluster, from ``cNN-…`` file names), its measure (the column header, else the row's text,
       else the table's caption) and its period (``2013-09``/``September 2013`` in the header,
       row or caption). A cell placed on a sensitive (cluster, measure, period) must show a
       symbol (``c``, ``x``, ``z``, ``-``): any number (count, rate, interval, rank) or verdict
       (``Better``, a band letter) there is a leak. Identity columns (cluster, area,
       denominators, city values, months) are not placed.
    2. **Recoverability.** For each measure and period with a small count, the clusters whose
       value is shown nowhere on the site must be none or at least two; exactly one hidden
       cluster could be recovered from the published city total.
    3. **Prose, alt text, tooltips, JSON.** Near each mention of a cluster (up to the next
       cluster, line break, ``;``, end of sentence or 80 characters) a number equal to one of
       that cluster's small counts, or a rate or percentage worked out from one (to 1 or 2
       decimal places), is a leak when the text (200 characters around) names that measure
       ("Wetherby: 3 meetings" is not about looked-after children). In JSON, labels paired with numbers (chart traces,
       ``{"cluster": …, "value": …}``) are checked the same way.
    4. **Parameters.** Papermill's parameters and injected-parameters cells must not carry a
       small count of the page's cluster.

Deliberately not read: images' pixels (charts are drawn from suppressed data and carry alt
text, which is read), fonts, Sphinx's own ``searchindex.js`` (it lists words without context,
and the pages it indexes are scanned), third-party static assets that name no cluster, and
files byte-identical to one an installed package ships (:func:`is_vendor_asset`: plotly.js,
the theme's scripts).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from cluster_inquiry.stats import disclosure
from cluster_inquiry.data.schemas import TABLES

POLICY = disclosure.DEFAULT_POLICY

# ----------------------------------------------------------------------------- measures


@dataclass(frozen=True)
class Source:
    """Where a measure's counts come from: ``table.column``, optionally rows where ``where`` holds."""

    table: str
    column: str
    period_column: str | None
    where: tuple[tuple[str, str], ...] = ()
    #: "rate" (per 10,000 of pop_0_17), or "pct" of ``denominator`` column, for derived values
    derived: str | None = None
    denominator: str | None = None


@dataclass(frozen=True)
class Measure:
    key: str
    pattern: str  # regex (case-insensitive) for the words pages use for it
    sources: tuple[Source, ...]

    def matches(self, text: str) -> bool:
        return bool(_compiled(self.pattern).search(text))


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


@lru_cache(maxsize=65_536)
def measures_named(text: str) -> tuple[str, ...]:
    """Keys of the measures that ``text`` names (tables repeat the same headers and labels)."""
    return tuple(m.key for m in MEASURES if m.matches(text))


def _ki(code: str, derived: str) -> Source:
    return Source("key_indicators", "numerator", "period", (("indicator_code", code),), derived, "denominator")


#: every count of people the book can publish, and the words used for it on pages
MEASURES: tuple[Measure, ...] = (
    Measure("lac", r"looked[- ]after|\bLAC\b", (Source("obsessions_monthly", "lac_count", "month", derived="rate"), _ki("LAC_RATE", "rate"))),
    Measure("cpp", r"child[- ]protection|\bCPP\b", (Source("obsessions_monthly", "cpp_count", "month", derived="rate"), _ki("CPP_RATE", "rate"))),
    Measure("neet", r"\bNEET\b|not in education", (Source("obsessions_monthly", "neet_count", "month", derived="pct", denominator="neet_cohort"), _ki("NEET_PCT", "pct"))),
    Measure("pa", r"persistent(ly)? absen", (Source("obsessions_monthly", "persistent_absentees", "month", derived="pct", denominator="pupils_on_roll"), _ki("PA_PCT", "pct"))),
    Measure("attend", r"attendance|sessions attended", (_ki("ATTEND_PCT", "pct"),)),
)

#: column headers that identify a row or give a denominator or city value: never placed on a measure
IDENTITY_HEADER = re.compile(
    r"^(cluster.*|area|map label|month|period|indicator|unit|fact|data|source|notes?)$|denominator|population|"
    r"cohort|on roll|^city\b|^england\b|children aged|^pop_",
    re.IGNORECASE,
)
#: what a hidden or empty cell may show
SYMBOL_TEXT = {"", "c", "x", "z", ":", "-", "–", "—", "c%"}

_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"], 1)}
_ISO_MONTH = re.compile(r"\b(20\d\d)-(0[1-9]|1[0-2])\b")
_NAMED_MONTH = re.compile(r"\b(" + "|".join(_MONTHS) + r")\s+(20\d\d)\b", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w]|\.\d)")


def periods_in(text: str) -> set[str]:
    found = {f"{y}-{m}" for y, m in _ISO_MONTH.findall(text)}
    found |= {f"{y}-{_MONTHS[m.lower()]:02d}" for m, y in _NAMED_MONTH.findall(text)}
    return found


def numbers_in(text: str) -> list[str]:
    """Numbers written in ``text`` (thousands separators removed), ignoring months, years and codes."""
    text = _ISO_MONTH.sub(" ", text)
    text = _NAMED_MONTH.sub(" ", text)
    text = re.sub(r"\b(19|20)\d\d/\d\d\b|\b(19|20)\d\d\b|\bC\d\d\b|\bE0\d{7}\b", " ", text)
    return [(whole.replace(",", "") + (frac or "")) for whole, frac in _NUMBER.findall(text)]


# ----------------------------------------------------------------------------- sensitive facts


@dataclass(frozen=True)
class Fact:
    cluster: str  # cluster code
    measure: str
    period: str | None
    value: int
    derived: tuple[str, ...] = ()  # rate/percentage strings worked out from the count


@dataclass
class Facts:
    """Small counts from the inputs, with the names used to find clusters in text."""

    facts: list[Fact]
    names: dict[str, str]  # cluster code -> name
    problems: list[str] = field(default_factory=list)  # unregistered count columns
    #: every cluster's count (small or not) by (measure, period): what the site-wide audit solves for
    values: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    policy: disclosure.DisclosurePolicy = POLICY

    def __post_init__(self) -> None:
        self.by_cluster: dict[str, list[Fact]] = defaultdict(list)
        self.keys: set[tuple[str, str, str | None]] = set()
        for f in self.facts:
            self.by_cluster[f.cluster].append(f)
            self.keys.add((f.cluster, f.measure, f.period))
        self.by_name = {n.casefold(): c for c, n in self.names.items()}
        self.by_name.update({c.casefold(): c for c in self.names})
        alternatives = sorted(self.by_name, key=len, reverse=True)
        self.mention = re.compile(
            r"(?<![\w])(" + "|".join(re.escape(a) for a in alternatives) + r")(?![\w])", re.IGNORECASE
        ) if alternatives else None

    def cluster_of(self, text: str) -> str | None:
        return self.by_name.get(" ".join(text.split()).casefold())


def _fmt(value: float, dp: int) -> str:
    return f"{value:.{dp}f}"


def _derived_strings(kind: str | None, count: int, denominator: float | None) -> tuple[str, ...]:
    if kind is None or not denominator:
        return ()
    value = count / denominator * (10_000 if kind == "rate" else 100)
    return tuple(dict.fromkeys(_fmt(value, dp) for dp in (1, 2)))


def collect_facts(frames: dict[str, pd.DataFrame], policy: disclosure.DisclosurePolicy = POLICY) -> Facts:
    """Every small count of people in the inputs, as (cluster, measure, period, value) facts."""
    clusters = frames["clusters"]
    names = dict(zip(clusters["cluster_code"], clusters["cluster_name"]))
    pop = {}
    if "cluster_population" in frames:
        pop = frames["cluster_population"].set_index("cluster_code")["pop_0_17"].astype(float).to_dict()
    facts: list[Fact] = []
    problems: list[str] = []
    covered: dict[tuple[str, str], pd.Series] = {}
    values: dict[tuple[str, str], dict[str, int]] = {}
    for measure in MEASURES:
        for src in measure.sources:
            df = frames.get(src.table)
            if df is None or src.column not in df.columns:
                continue
            rows = pd.Series(True, index=df.index)
            for column, value in src.where:
                rows &= df[column] == value
            key = (src.table, src.column)
            covered[key] = covered.get(key, pd.Series(False, index=df.index)) | rows
            part = df[rows]
            if src.period_column:
                for code, period, count in zip(part["cluster_code"], part[src.period_column].astype(str), part[src.column]):
                    if pd.notna(count):
                        values.setdefault((measure.key, period), {}).setdefault(code, int(count))
            small = disclosure.is_small(part[src.column], policy)
            for idx in part.index[small]:
                count = int(part.at[idx, src.column])
                code = part.at[idx, "cluster_code"]
                if src.derived == "rate":
                    den = pop.get(code) if src.table != "key_indicators" else float(part.at[idx, "denominator"])
                else:
                    den = float(part.at[idx, src.denominator]) if src.denominator else None
                period = str(part.at[idx, src.period_column]) if src.period_column else None
                facts.append(Fact(code, measure.key, period, count, _derived_strings(src.derived, count, den)))
    for name, spec in TABLES.items():
        df = frames.get(name)
        if df is None:
            continue
        for column in spec.count_columns:
            if column not in df.columns:
                continue
            done = covered.get((name, column), pd.Series(False, index=df.index))
            loose = df[~done & disclosure.is_small(df[column], policy)]
            if not loose.empty:
                problems.append(
                    f"{name}.{column}: a count column with small counts that leakscan.MEASURES does not describe "
                    f"(e.g. row {int(loose.index[0]) + 2}); register the words pages use for it"
                )
    return Facts(facts, names, problems, values, policy)


# ----------------------------------------------------------------------------- HTML extraction


@dataclass
class ExtractedTable:
    title: str
    header: list[str]
    rows: list[list[str]]


_BLOCKS = {"p", "li", "div", "figcaption", "caption", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "tr", "br", "section", "dd", "dt"}
_TITLE_TAGS = {"caption", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "title"}
_TEXT_ATTRS = {"alt", "title", "aria-label", "aria-description", "placeholder", "value", "content"}


class _Extractor(HTMLParser):
    """Tables (with the caption before them), prose blocks and text-bearing attributes."""

    def __init__(self, mention: re.Pattern | None) -> None:
        super().__init__(convert_charrefs=True)
        self.mention = mention
        self.tables: list[ExtractedTable] = []
        self.prose: list[str] = []
        self.scripts: list[str] = []
        self._stack: list[dict] = []  # open tables
        self._text: list[str] = []
        self._title_parts: list[str] | None = None
        self._last_title = ""
        self._caption_class_depth: list[str] = []
        self._skip = 0  # inside <style>
        self._script: list[str] | None = None

    # text outside tables
    def _flush(self) -> None:
        text = " ".join("".join(self._text).split())
        if text:
            self.prose.append(text)
        self._text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if value and (name in _TEXT_ATTRS or name.startswith("data-")) and name != "data-src":
                self.prose.append(value)
        if tag == "style":
            self._skip += 1
        elif tag == "script":
            self._script = []
        elif tag in _TITLE_TAGS or "caption" in (attrs.get("class") or ""):
            if self._title_parts is None:
                self._title_parts = []
                self._caption_class_depth.append(tag)
        if tag == "table":
            self._flush()
            self._stack.append({"title": self._last_title, "header": [], "rows": [], "row": None, "cell": None, "in_head": False})
        elif self._stack:
            t = self._stack[-1]
            if tag == "thead":
                t["in_head"] = True
            elif tag == "tbody":
                t["in_head"] = False
            elif tag == "tr":
                t["row"] = []
                t["row_th"] = True
            elif tag in ("td", "th"):
                t["cell"] = []
                if tag == "td":
                    t["row_th"] = False
        elif tag in _BLOCKS:
            self._flush()

    def handle_endtag(self, tag):
        if tag == "style":
            self._skip = max(0, self._skip - 1)
            return
        if tag == "script":
            if self._script is not None:
                self.scripts.append("".join(self._script))
            self._script = None
            return
        if self._title_parts is not None and self._caption_class_depth and tag == self._caption_class_depth[-1]:
            self._caption_class_depth.pop()
            title = " ".join("".join(self._title_parts).split())
            if title:
                self._last_title = title
            self._title_parts = None
        if self._stack:
            t = self._stack[-1]
            if tag in ("td", "th") and t["cell"] is not None and t["row"] is not None:
                t["row"].append(" ".join("".join(t["cell"]).split()))
                t["cell"] = None
            elif tag == "tr" and t["row"] is not None:
                row = t["row"]
                t["row"] = None
                if t["in_head"] or (not t["rows"] and not t["header"] and t.get("row_th")):
                    t["header"] = row
                else:
                    t["rows"].append(row)
            elif tag == "thead":
                t["in_head"] = False
            elif tag == "table":
                self._stack.pop()
                header = t["header"]
                rows = t["rows"]
                if not header and rows:
                    header, rows = rows[0], rows[1:]
                self.tables.append(ExtractedTable(t["title"], header, rows))
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data):
        if self._skip:
            return
        if self._script is not None:
            self._script.append(data)
            return
        if self._title_parts is not None:
            self._title_parts.append(data)
        if self._stack:
            t = self._stack[-1]
            if t["cell"] is not None:
                t["cell"].append(data)
            return
        self._text.append(data)

    def close(self):
        super().close()
        self._flush()


def extract_html(text: str, mention: re.Pattern | None = None) -> _Extractor:
    parser = _Extractor(mention)
    parser.feed(text)
    parser.close()
    return parser


# ----------------------------------------------------------------------------- the scan


@dataclass(frozen=True)
class Finding:
    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}"


@dataclass
class _Obs:
    cluster: str
    measure: str
    period: str | None
    shown: bool
    file: str
    where: str
    text: str


class Scanner:
    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.findings: list[Finding] = []
        self.observations: list[_Obs] = []

    # -- helpers
    def _measure(self, *texts: str) -> str | None:
        for text in texts:
            if not text:
                continue
            hits = measures_named(text)
            if len(hits) == 1:
                return hits[0]
            if hits:  # several measures named (e.g. a chart title): not decidable from this text
                continue
        return None

    @staticmethod
    def _period(*texts: str) -> str | None:
        for text in texts:
            found = periods_in(text or "")
            if len(found) == 1:
                return found.pop()
        return None

    def _add(self, file: str, where: str, message: str) -> None:
        self.findings.append(Finding(file, where, message))

    # -- 1. tables
    def scan_table(self, table: ExtractedTable, file: str, page_cluster: str | None) -> None:
        header = table.header
        named = {self.facts.by_name[m.group(1).casefold()] for m in self.facts.mention.finditer(table.title)} if self.facts.mention else set()
        title_cluster = named.pop() if len(named) == 1 else None
        for r, row in enumerate(table.rows, start=1):
            row_cluster = None
            for cell in row:
                row_cluster = self.facts.cluster_of(cell)
                if row_cluster:
                    break
            cluster = row_cluster or page_cluster or title_cluster
            if cluster is None:
                continue
            labels = " ".join(c for c in row if not numbers_in(c))
            for i, text in enumerate(row):
                head = header[i] if i < len(header) else ""
                if IDENTITY_HEADER.search(head) or self.facts.cluster_of(text):
                    continue
                if not head and i == 0:
                    continue  # a row label
                measure = self._measure(head, labels, table.title)
                if measure is None:
                    continue
                period = self._period(head, " ".join(row), table.title)
                shown = text.strip().lower() not in SYMBOL_TEXT
                label = row[0] if row else str(r)
                where = f"table {table.title[:60]!r}, row {label[:40]!r}, column {head[:40]!r}"
                self.observations.append(_Obs(cluster, measure, period, shown, file, where, text))
                if not shown:
                    continue
                if (cluster, measure, period) in self.facts.keys:
                    fact = next(f for f in self.facts.by_cluster[cluster] if f.measure == measure and f.period == period)
                    self._add(file, where, f"shows {text!r} for {self.facts.names[cluster]} ({measure}, {period}), "
                              f"where the count is {fact.value} and must be suppressed (c)")
                elif period is None:
                    for fact in self.facts.by_cluster[cluster]:
                        if fact.measure == measure and text.replace(",", "") in ((str(fact.value),) + fact.derived):
                            self._add(file, where, f"shows {text!r} for {self.facts.names[cluster]} ({measure}); "
                                      f"it equals the small count {fact.value} of {fact.period} or a rate worked out from it")
                            break

    # -- 3. prose
    def scan_text(self, text: str, file: str, where: str, page_cluster: str | None = None) -> None:
        mention = self.facts.mention
        if not text or mention is None:
            return
        hits = list(mention.finditer(text))
        for k, hit in enumerate(hits):
            cluster = self.facts.by_name[hit.group(1).casefold()]
            facts = self.facts.by_cluster.get(cluster)
            if not facts:
                continue
            end = min(hits[k + 1].start() if k + 1 < len(hits) else len(text), hit.end() + 80)
            # the context ends at a line break (table reprs), a semicolon or the end of the sentence
            window = re.split(r"[;\n]|\.\s", text[hit.end():end])[0]
            numbers = numbers_in(window)
            if not numbers:
                continue
            context = text[max(0, hit.start() - 200): end]
            named = set(measures_named(context))
            for fact in facts:
                raw = str(fact.value)
                if fact.measure not in named:
                    continue  # "Wetherby: 3 meetings" is not about looked-after children
                if raw in numbers:
                    self._add(file, where, f"text names {self.facts.names[cluster]} next to {raw}, a small count "
                              f"({fact.measure}, {fact.period}): {_clip(text, hit.start())!r}")
                    break
                if fact.period is None or not periods_in(context) or fact.period in periods_in(context):
                    leaked = [d for d in fact.derived if d in numbers]
                    if leaked:
                        self._add(file, where, f"text gives {leaked[0]} for {self.facts.names[cluster]} ({fact.measure}, "
                                  f"{fact.period}), worked out from the small count {fact.value}: {_clip(text, hit.start())!r}")
                        break

    # -- JSON
    def scan_json(self, obj: object, file: str, where: str) -> None:
        """Strings as prose; cluster labels paired with numbers (chart traces, tooltips, rows)."""
        strings: list[str] = []
        stack = [obj]
        while stack and sum(map(len, strings)) < 50_000:
            node = stack.pop()
            if isinstance(node, dict):
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, str) and len(node) < 2_000:
                strings.append(node)
        # the measures this document is about: trace names, hover templates, titles, column headers
        named = set(measures_named(" ".join(strings)))
        stack = [obj]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                if isinstance(node.get("csv"), str):  # a table download carried in a notebook output
                    meta = node.get("metadata") if isinstance(node.get("metadata"), dict) else {}
                    self.scan_csv(node["csv"], f"{file} [{where}]", None, title=str(meta.get("title") or node.get("name") or ""))
                self._check_pairs(self._dict_pairs(node), named, file, where)
                stack.extend(v for k, v in node.items() if k != "csv")
            elif isinstance(node, list):
                self._check_pairs(self._row_pairs(node), named, file, where)
                stack.extend(node)
            elif isinstance(node, str) and len(node) < 20_000:
                self.scan_text(node, file, where)

    @staticmethod
    def _is_number(v: object) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    def _dict_pairs(self, node: dict) -> list[tuple[str, object]]:
        """``{"x": [names], "y": [values]}`` (parallel arrays) and ``{"cluster": name, "value": 3}``."""
        labels, numbers = [], []
        for value in node.values():
            if isinstance(value, list) and value:
                if all(isinstance(v, str) for v in value) and any(self.facts.cluster_of(v) for v in value):
                    labels.append(value)
                elif all(self._is_number(v) or v is None for v in value):
                    numbers.append(value)
        pairs = [pair for names in labels for values in numbers if len(values) == len(names) for pair in zip(names, values)]
        name = next((v for v in node.values() if isinstance(v, str) and self.facts.cluster_of(v)), None)
        if name:
            pairs += [(name, v) for v in node.values() if self._is_number(v)]
        return pairs

    def _row_pairs(self, node: list) -> list[tuple[str, object]]:
        """A row such as plotly ``customdata``: ``["Wetherby", 3, "B"]``."""
        if len(node) > 50:
            return []
        name = next((v for v in node if isinstance(v, str) and self.facts.cluster_of(v)), None)
        return [(name, v) for v in node if self._is_number(v)] if name else []

    def _check_pairs(self, pairs: list[tuple[str, object]], named: set[str], file: str, where: str) -> None:
        for label, value in pairs:
            cluster = self.facts.cluster_of(label) if isinstance(label, str) else None
            if cluster is None or value is None:
                continue
            as_text = {f"{float(value):.1f}", f"{float(value):.2f}"}
            for fact in self.facts.by_cluster.get(cluster, []):
                if fact.measure not in named:
                    continue
                if float(value) == fact.value or as_text & set(fact.derived):
                    self._add(file, where, f"data pairs {self.facts.names[cluster]} with {value}, the small count "
                              f"({fact.measure}, {fact.period}) or a rate worked out from it")
                    break

    # -- 2. recoverability
    def check_recoverability(self) -> None:
        """The disclosure audit over everything the site publishes (disclosure.audit).

        For each measure, a cell is *hidden* if no page, notebook, CSV or workbook shows that
        cluster's figure for that period. A reader who knows the rules (hidden counts are whole and
        at least 1; every period's city total is published) and reads every shown cell, and who
        differences adjacent months, can narrow each hidden count to a feasible range, found by
        integer programming. A range narrower than the protection interval is a finding."""
        shown: dict[tuple[str, str], set[str]] = defaultdict(set)
        for o in self.observations:
            if o.shown and o.period:
                shown[(o.measure, o.period)].add(o.cluster)
        clusters = sorted(self.facts.names)
        width = disclosure.protection_width(self.facts.policy)
        for measure in sorted({m for m, _ in self.facts.values}):
            periods = sorted(p for (m, p) in self.facts.values if m == measure and shown[(m, p)])
            for run in _consecutive_runs(periods):
                vals = pd.DataFrame({p: pd.Series(self.facts.values[(measure, p)]) for p in run}).reindex(clusters)
                if vals.isna().any().any():
                    continue  # a cluster without a figure: the totals are not those of the shown cells
                mask = pd.DataFrame({p: [c not in shown[(measure, p)] for c in clusters] for p in run}, index=clusters)
                if not mask.to_numpy().any():
                    continue
                result = disclosure.audit(vals, mask, row_total=False, col_total=True, series=len(run) > 1,
                                          policy=self.facts.policy)
                for r in result[~result["protected"]].itertuples():
                    span = (f"exactly {r.lower:,.0f}" if r.lower == r.upper
                            else f"{r.lower:,.0f} to {r.upper:,.0f}")
                    self._add("(whole site)", f"{measure}, {r.column}",
                              f"{self.facts.names[r.row]}'s hidden count can be worked out as {span} from what the "
                              f"site shows (the city total, the other clusters, adjacent months): narrower than the "
                              f"protection interval of {width} (secondary suppression missing)")

    # -- files
    def scan_html(self, text: str, file: str, page_cluster: str | None) -> None:
        page = extract_html(text, self.facts.mention)
        for table in page.tables:
            self.scan_table(table, file, page_cluster)
        for chunk in page.prose:
            self.scan_text(chunk, file, "text", page_cluster)
        for script in page.scripts:
            if self.facts.mention is not None and self.facts.mention.search(script):
                self._scan_script(script, file)

    def _scan_script(self, script: str, file: str) -> None:
        """Every JSON value written in a script (e.g. ``Plotly.newPlot(id, [data], {layout})``)."""
        pos = 0
        while True:
            match = _JSON_START.search(script, pos)
            if match is None:
                break
            decoded = _decode_at(script, match.start())
            if decoded is None:
                pos = match.start() + 1
                continue
            obj, end = decoded
            if obj:
                self.scan_json(obj, file, "script data")
            pos = end
        self.scan_text(script, file, "script")

    def scan_notebook(self, text: str, file: str, page_cluster: str | None) -> None:
        try:
            nb = json.loads(text)
        except ValueError:
            self._add(file, "-", "not a readable notebook")
            return
        params = (nb.get("metadata", {}).get("papermill", {}) or {}).get("parameters", {}) or {}
        self._check_parameters(params, file, "papermill parameters", page_cluster)
        for n, cell in enumerate(nb.get("cells", []), start=1):
            where = f"cell {n}"
            source = "".join(cell.get("source", ""))
            tags = cell.get("metadata", {}).get("tags", [])
            if cell.get("cell_type") == "markdown":
                self.scan_text(source, file, where, page_cluster)
            elif "parameters" in tags or "injected-parameters" in tags:
                values = dict(re.findall(r"^\s*(\w+)\s*=\s*(-?\d+(?:\.\d+)?)\s*$", source, re.MULTILINE))
                self._check_parameters(values, file, f"{where} (parameters)", page_cluster)
            for output in cell.get("outputs", []):
                if output.get("metadata"):  # e.g. table downloads carried beside an output
                    self.scan_json(output["metadata"], file, f"{where} output metadata")
                if "text" in output:
                    self.scan_text("".join(output["text"]), file, f"{where} output", page_cluster)
                for mime, data in (output.get("data") or {}).items():
                    body = "".join(data) if isinstance(data, list) else data
                    if mime == "text/html":
                        self.scan_html(body, f"{file} [{where}]", page_cluster)
                    elif mime.endswith("json"):
                        self.scan_json(data, file, f"{where} {mime}")
                    elif mime.startswith("text/"):
                        self.scan_text(body, file, f"{where} {mime}", page_cluster)

    def _check_parameters(self, params: dict, file: str, where: str, page_cluster: str | None) -> None:
        if page_cluster is None:
            return
        small = {f.value for f in self.facts.by_cluster.get(page_cluster, [])}
        for name, value in params.items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            if number in small:
                self._add(file, where, f"parameter {name} = {value} equals a small count of {self.facts.names[page_cluster]}")

    def scan_csv(self, text: str, file: str, page_cluster: str | None, title: str | None = None) -> None:
        rows = list(csv.reader(io.StringIO(text)))
        if rows:
            title = title or Path(file).stem.replace("_", " ").replace("-", " ")
            self.scan_table(ExtractedTable(title, rows[0], rows[1:]), file, page_cluster)
            for row in rows:
                for cell in row:
                    if len(cell) > 40:  # free text inside a CSV (notes, definitions)
                        self.scan_text(cell, file, "text", page_cluster)


_JSON_START = re.compile(r"[\[{]")
_DECODER = json.JSONDecoder()


def _consecutive_runs(periods: list[str]) -> list[list[str]]:
    """Split sorted periods into runs of consecutive months (``YYYY-MM``); anything else stands alone."""
    runs: list[list[str]] = []
    prev = None
    for p in periods:
        cur = pd.Period(p, "M") if _ISO_MONTH.fullmatch(p) else None
        if runs and cur is not None and prev is not None and cur == prev + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
        prev = cur
    return runs


def _decode_at(text: str, start: int, window: int = 4096) -> tuple[object, int] | None:
    """The JSON value that starts at ``text[start]`` and where it ends, or None.

    Decodes a window of the text that grows while the value may run past its end, so that a
    failed attempt costs about the length of what was read, not of the whole text (``json``
    counts the lines up to an error: quadratic over a 5 MB minified library tried at every
    bracket). An error is the value's own when the whole text was read, or when it lies well
    inside the window and is not a string cut off by the window's end.
    """
    while True:
        chunk = text[start: start + window]
        try:
            obj, end = _DECODER.raw_decode(chunk)
            return obj, start + end
        except json.JSONDecodeError as exc:
            cut = exc.msg.startswith("Unterminated string") or exc.pos >= len(chunk) - 32
            if start + window >= len(text) or not cut:
                return None
            window *= 4


def _clip(text: str, at: int, width: int = 100) -> str:
    return " ".join(text[max(0, at - 10): at + width].split())


_PAGE = re.compile(r"^(c\d\d)-")


def page_cluster_of(path: Path, facts: Facts) -> str | None:
    match = _PAGE.match(path.name.lower())
    if match and match.group(1).upper() in facts.names:
        return match.group(1).upper()
    return None


SKIP_FILES = {"searchindex.js"}
#: spreadsheets the downloads publish (cluster_inquiry.build.spreadsheets): read sheet by sheet
WORKBOOK_SUFFIXES = {".xlsx", ".ods"}
TEXT_SUFFIXES = {".html", ".htm", ".ipynb", ".csv", ".json", ".js", ".txt", ".md", ".xml", ".svg", ".geojson"}
#: installed packages whose static files a built site copies unchanged (Sphinx, the theme and its
#: extensions, plotly.js for the offline maps)
VENDOR_PACKAGES = ("sphinx", "pydata_sphinx_theme", "sphinx_book_theme", "sphinx_design", "sphinx_togglebutton",
                   "sphinx_copybutton", "sphinx_thebe", "myst_nb", "plotly")


@lru_cache(maxsize=4)
def _vendor_files(packages: tuple[str, ...]) -> dict[int, list[Path]]:
    """The text files the ``packages`` ship, by size (a cheap first test before hashing)."""
    import importlib.util

    by_size: dict[int, list[Path]] = defaultdict(list)
    for name in packages:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        for f in Path(spec.origin).parent.rglob("*"):
            if f.suffix.lower() in TEXT_SUFFIXES and f.is_file():
                by_size[f.stat().st_size].append(f)
    return by_size


@lru_cache(maxsize=256)
def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def is_vendor_asset(raw: bytes, packages: tuple[str, ...] | None = None) -> bool:
    """True when ``raw`` is byte for byte a file that an installed package ships (e.g. plotly.min.js,
    the theme's fontawesome.js): third-party code, which cannot carry this project's data. Such
    files are not scanned; their minified SVG paths hold strings like ``C14`` that look like
    cluster codes, and reading 6 MB of them was a third of the scan."""
    candidates = _vendor_files(packages or VENDOR_PACKAGES).get(len(raw))
    if not candidates:
        return False
    digest = hashlib.sha256(raw).hexdigest()
    return any(_digest(f) == digest for f in candidates)


@dataclass
class ScanResult:
    findings: list[Finding]
    #: every table cell the scan placed on a (cluster, measure, period), shown or hidden
    observations: list[_Obs]
    files: int

    def unplaced(self, facts: Facts) -> set[tuple[str, str, str | None]]:
        """Sensitive (cluster, measure, period) keys the scan never saw on the site: a passing
        scan is only meaningful if the pages showing those figures were read and understood."""
        seen = {(o.cluster, o.measure, o.period) for o in self.observations}
        return facts.keys - seen


def scan_paths(paths: list[Path], facts: Facts) -> list[Finding]:
    """Scan every text file under ``paths`` (folders or files); return the findings."""
    return scan(paths, facts).findings


def scan(paths: list[Path], facts: Facts) -> ScanResult:
    """Scan every text file under ``paths`` (folders or files)."""
    scanner = Scanner(facts)
    for problem in facts.problems:
        scanner._add("(configuration)", "-", problem)
    files: list[tuple[Path, Path]] = []
    for base in paths:
        if base.is_file():
            files.append((base.parent, base))
        elif base.is_dir():
            files += [(base, p) for p in sorted(base.rglob("*")) if p.is_file()]
    for base, path in files:
        rel = str(path.relative_to(base.parent if base.is_dir() else base))
        if path.suffix.lower() == ".zip":
            with zipfile.ZipFile(path) as archive:
                members = {m: archive.read(m) for m in archive.namelist()
                           if Path(m).suffix.lower() in TEXT_SUFFIXES | WORKBOOK_SUFFIXES}
            for member, raw in members.items():
                if Path(member).suffix.lower() in WORKBOOK_SUFFIXES:
                    _scan_workbook(scanner, facts, Path(member), f"{rel}!{member}", raw)
                else:
                    _scan_file(scanner, facts, Path(member), f"{rel}!{member}", raw, members)
            continue
        if path.suffix.lower() in WORKBOOK_SUFFIXES:
            _scan_workbook(scanner, facts, path, rel, path.read_bytes())
            continue
        if path.suffix.lower() not in TEXT_SUFFIXES or path.name in SKIP_FILES:
            continue
        raw = path.read_bytes()
        if is_vendor_asset(raw):
            continue
        _scan_file(scanner, facts, path, rel, raw, None)
    scanner.check_recoverability()
    return ScanResult(list(dict.fromkeys(scanner.findings)), scanner.observations, len(files))


def _scan_workbook(scanner: Scanner, facts: Facts, path: Path, rel: str, raw: bytes) -> None:
    """Every sheet of an XLSX or ODS workbook: each sheet's table (its title in A1) as a table, as the
    reader sees the cells, and every longer text cell as prose. A workbook that cannot be read is a
    finding: an unreadable file is not a clean one."""
    from cluster_inquiry.build import spreadsheets

    try:
        sheets = spreadsheets.display_texts(raw, path.suffix.lower().lstrip("."))
    except Exception as exc:  # noqa: BLE001 - any reader failure means the file went unscanned
        scanner._add(rel, "workbook", f"cannot be read to scan it ({type(exc).__name__}: {str(exc)[:80]})")
        return
    cluster = page_cluster_of(path, facts)
    for name, rows in sheets:
        title, header, body = spreadsheets.table_block(rows)
        if header:
            scanner.scan_table(ExtractedTable(title, header, body), f"{rel}!{name}", cluster)
        for row in rows:
            for cell in row:
                if len(cell) > 40:
                    scanner.scan_text(cell, f"{rel}!{name}", "text", cluster)


def _csv_metadata(raw: bytes | None) -> dict[str, str]:
    """``field,value`` rows of a download's metadata sheet (title, page, …)."""
    if not raw:
        return {}
    try:
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    except UnicodeDecodeError:
        return {}
    return {r[0]: r[1] for r in rows[1:] if len(r) >= 2}


def _scan_file(scanner: Scanner, facts: Facts, path: Path, rel: str, raw: bytes, siblings: dict[str, bytes] | None) -> None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return
    cluster = page_cluster_of(path, facts)
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm", ".svg", ".xml"):
        scanner.scan_html(text, rel, cluster)
    elif suffix == ".ipynb":
        scanner.scan_notebook(text, rel, cluster)
    elif suffix == ".csv":
        title = None
        if not path.name.endswith(".metadata.csv"):
            meta_name = path.name[: -len(".csv")] + ".metadata.csv"
            if siblings is not None:
                meta_raw = siblings.get(str(path.with_name(meta_name)))
            else:
                meta_path = path.with_name(meta_name)
                meta_raw = meta_path.read_bytes() if meta_path.exists() else None
            meta = _csv_metadata(meta_raw)
            title = meta.get("title")
            cluster = cluster or page_cluster_of(Path(meta.get("page", "")), facts)
        scanner.scan_csv(text, rel, cluster, title=title)
    elif facts.mention is not None and facts.mention.search(text):
        if suffix in (".json", ".geojson"):
            try:
                scanner.scan_json(json.loads(text), rel, "json")
                return
            except ValueError:
                pass
        if suffix == ".js":
            scanner._scan_script(text, rel)
        else:
            scanner.scan_text(text, rel, "text", cluster)


def scan_site(paths: list[Path], frames: dict[str, pd.DataFrame]) -> list[Finding]:
    return scan_paths(paths, collect_facts(frames))


def check_site(paths: list[Path], frames: dict[str, pd.DataFrame], limit: int = 30) -> None:
    """Raise :class:`DisclosureError` listing the leaks, if any."""
    findings = scan_site(paths, frames)
    if findings:
        shown = "\n".join(str(f) for f in findings[:limit])
        more = f"\n… and {len(findings) - limit} more" if len(findings) > limit else ""
        from cluster_inquiry.core.exceptions import DisclosureError

        raise DisclosureError(
            f"leak scan: {len(findings)} unsuppressed small count(s) or recoverable value(s) would be published; "
            f"nothing was published.\n{shown}{more}"
        )
