"""Read and check every input table; report each violation as ``file:row: column: rule``.

Row numbers are the line numbers a spreadsheet user sees (the header is line 1). Nothing here
raises on bad data: problems are collected so that a council sees every one in a single run.
:func:`load_inputs` is the single gate the pipeline passes through before any notebook runs.
"""

from __future__ import annotations

import csv
import io
import re
import sys

import numpy as np
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from cluster_inquiry.data import boundaries, geography, partnerships, reference
from cluster_inquiry.indicators import catalogue
from cluster_inquiry.pages import funding
from cluster_inquiry.stats import disclosure
from cluster_inquiry.core.exceptions import InputValidationError
from cluster_inquiry.core.paths import Paths, not_a_file, project_paths
from cluster_inquiry.data.schemas import FIRST_MONTH, LAST_MONTH, TABLES, TableSpec

#: how far a cluster sum may stray from the published city total before we refuse to build
CITY_TOTAL_TOLERANCE = 0.02


@dataclass
class ValidationReport:
    """The outcome of checking all inputs: validated frames and the list of problems."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    #: what was accepted and tidied, one line per file (surrounding spaces trimmed …)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _problem(file: str, row: int | str, column: str, rule: str) -> str:
    return f"{file}:{row}: {column}: {rule}"


def _decode(path: Path, problems: list[str]) -> str | None:
    name = path.name
    refused = not_a_file(path)  # a folder, a FIFO, a device, a dangling or looping link: never read
    if refused:
        problems.append(_problem(name, "-", "-", refused))
        return None
    if not path.exists():
        problems.append(_problem(name, "-", "-", "required file is missing"))
        return None
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):  # Excel's "CSV UTF-8": the byte-order mark is dropped
        raw = raw[3:]
    if not raw.strip():
        problems.append(_problem(name, 1, "-", "file is empty (expected a header row and data)"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _locate(raw, exc.start)
        problems.append(_problem(name, line, column, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save as UTF-8 "
                                 "(in Excel: CSV UTF-8)"))
        return None
    control = _CONTROL.search(text)
    if control:
        offset = len(text[: control.start()].encode("utf-8"))
        line, column = _locate(raw, offset)
        problems.append(
            _problem(name, line, column, f"contains the control character U+{ord(control.group()):04X}; remove it (text must be printable)")
        )
        return None
    header = text.splitlines()[0]
    if "," not in header:
        for delim in (";", "\t", "|"):
            if delim in header:
                shown = "tab" if delim == "\t" else repr(delim)
                problems.append(_problem(name, 1, "-", f"fields are separated by {shown}; the contract requires commas"))
                return None
    return text


#: control characters other than tab, newline and carriage return (a stray NUL, escape, form feed…)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _locate(raw: bytes, offset: int) -> tuple[int, str]:
    """The file line (1-based) and the header column holding byte ``offset`` (best effort)."""
    before = _LINE_BREAK.split(raw[:offset])  # CR LF, LF or CR alone (Excel for Mac)
    line = len(before)
    header = _LINE_BREAK.split(raw, 1)[0].decode("utf-8", errors="replace").strip("\ufeff")
    try:
        names = next(csv.reader([header]), [])
        prefix = before[-1].decode("utf-8", errors="replace")
        fields = next(csv.reader([prefix]), [""]) if prefix else [""]
    except csv.Error:
        return line, "-"
    index = len(fields) - 1  # a trailing comma yields an empty last field: the one being read
    column = names[index] if 0 <= index < len(names) and line > 1 else "-"
    return line, column


_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
_INT_TYPES = {"Int64", "int64"}
#: no whole number in any table comes near this (Leeds has about 750,000 people; the top-slice is
#: £5.2m): larger values are typing slips, or would overflow a 64-bit count
WHOLE_NUMBER_LIMIT = 10**9


#: text a spreadsheet would run as a formula when a reader opens a CSV download (CSV injection)
#: (a leading minus only when the whole cell is a plain number, OWASP's rule: "-2+3+cmd|..." is refused)
_FORMULA = re.compile(r"^(?:[=+@\t\r]|-(?!\d+(?:\.\d+)?$))")


def _check_formula_text(df: pd.DataFrame, spec: TableSpec, problems: list[str]) -> None:
    """Text cells must not start like a spreadsheet formula: they travel into the CSV downloads."""
    for name, col in spec.schema.columns.items():
        if name not in df.columns or not str(col.dtype).startswith(("str", "string", "object")):
            continue
        text = df[name]
        hits = text.notna() & text.astype(str).str.match(_FORMULA)
        for idx in df.index[hits]:
            problems.append(
                _problem(spec.filename, idx + 2, name,
                         f"must not start with {text[idx][0]!r} (a spreadsheet would run it as a formula; got {_short(text[idx])})")
            )


def _coerce(df: pd.DataFrame, spec: TableSpec, problems: list[str]) -> pd.DataFrame:
    """Convert text columns to the schema's types, reporting every cell that will not convert."""
    out = df.copy()
    for name, col in spec.schema.columns.items():
        if name not in out.columns:
            continue
        dtype = str(col.dtype)
        text = out[name]
        if dtype in _INT_TYPES or dtype.startswith("float"):
            # as floats: 'inf', '1e309' and '9223372036854775808' parse, and are then refused below
            numbers = pd.to_numeric(text, errors="coerce").astype(float)
            infinite = numbers.notna() & ~np.isfinite(numbers.fillna(0.0))
            numbers[infinite] = np.nan
            bad = text.notna() & numbers.isna()
            whole = dtype in _INT_TYPES
            huge = pd.Series(False, index=out.index)
            if whole:
                bad |= numbers.notna() & (numbers != numbers.round())
                huge = ~bad & numbers.notna() & (numbers.abs() >= WHOLE_NUMBER_LIMIT)
            for idx in out.index[bad]:
                kind = "a whole number" if whole else "a number"
                problems.append(_problem(spec.filename, idx + 2, name, f"must be {kind} (got {_short(text[idx])})"))
            for idx in out.index[huge]:
                problems.append(_problem(spec.filename, idx + 2, name,
                                         f"implausible: must be below {WHOLE_NUMBER_LIMIT:,} (got {_short(text[idx])})"))
            bad |= huge
            numbers[bad] = pd.NA
            out[name] = numbers.round().astype("Int64") if whole else numbers.astype(float)
        elif dtype == "bool":
            lowered = text.str.strip().str.lower()
            mapped = lowered.map({"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False})
            bad = text.notna() & mapped.isna()
            for idx in out.index[bad]:
                problems.append(_problem(spec.filename, idx + 2, name, f"must be true or false (got {_short(text[idx])})"))
            out[name] = mapped.fillna(False).astype(bool)
        if not col.nullable:
            for idx in out.index[text.isna()]:
                problems.append(_problem(spec.filename, idx + 2, name, "must not be blank"))
    return out


def _check_schema(df: pd.DataFrame, spec: TableSpec, problems: list[str], bad_rows: set[int]) -> None:
    schema = spec.schema
    # Blank / unconvertible cells are reported already; check the remaining rows.
    subset = df.drop(index=list(bad_rows))
    try:
        schema.validate(subset, lazy=True)
    except pa.errors.SchemaErrors as err:
        seen = set()
        for case in err.failure_cases.itertuples():
            check = str(case.check)
            if check in {"column_in_schema", "column_in_dataframe", "not_nullable"} or check.startswith("dtype("):
                continue  # reported by the column and type checks
            row = int(case.index) + 2 if case.index is not None and not pd.isna(case.index) else "-"
            if case.schema_context == "DataFrameSchema":
                # a rule across columns: name the columns it is about, once per row
                column = ", ".join(c for c in schema.columns if c in check) or "-"
                msg = _problem(spec.filename, row, column, check)
            else:
                column = str(case.column)
                shown = f" (got {_short(case.failure_case)})" if row != "-" else ""
                msg = _problem(spec.filename, row, column, f"{check}{shown}")
            if msg not in seen:
                seen.add(msg)
                problems.append(msg)


#: free-text columns that may hold a line break (a quoted field over several lines); names,
#: codes and titles may not: a page title or a file name cannot hold one
MULTILINE_COLUMNS = {"key_areas", "description", "recommendation", "progress", "answer", "basis", "name_basis"}


def _short(value, limit: int = 60) -> str:
    """A cell as shown in a message: quoted, and shortened to ``limit`` characters."""
    text = str(value)
    if len(text) > limit:
        text = f"{text[: limit - 1]}…"
    return repr(text)


def _parse(text: str, spec: TableSpec, problems: list[str], notes: list[str]) -> pd.DataFrame | None:
    """Split a decoded CSV into a frame of text cells (blank cells are NA), or None.

    Accepts any line ending (CR LF, LF, CR alone), surrounding spaces in any cell (trimmed once, the
    same for text, numbers and true/false; said once per file) and a trailing comma on every line.
    Refuses, naming only columns the file has: a header with a blank or repeated name, and any row
    whose number of fields differs from the header's (the first data row included).
    """
    name = spec.filename
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    try:
        last = 0
        for fields in reader:
            records.append((last + 1, fields))
            last = reader.line_num
    except csv.Error as exc:
        problems.append(_problem(name, reader.line_num, "-", f"not a well-formed CSV: {exc}"))
        return None
    records = [(line, fields) for line, fields in records if any(f.strip() for f in fields)]  # blank lines
    if not records:
        problems.append(_problem(name, 1, "-", "file is empty (expected a header row and data)"))
        return None
    trimmed = 0
    cleaned: list[tuple[int, list[str]]] = []
    for line, fields in records:
        row = [f.strip() for f in fields]
        trimmed += sum(a != b for a, b in zip(fields, row))
        cleaned.append((line, row))
    (_, header), rows = cleaned[0], cleaned[1:]
    if len(header) > 1 and header[-1] == "" and all(len(r) == len(header) and r[-1] == "" for _, r in rows):
        header, rows = header[:-1], [(line, r[:-1]) for line, r in rows]
        notes.append(f"{name}: note: a trailing comma at the end of every line was ignored")
    if trimmed:
        notes.append(f"{name}: note: surrounding spaces were trimmed from {trimmed:,} cell(s) (text, numbers and true/false alike)")
    bad_header = False
    seen: dict[str, int] = {}
    for i, column in enumerate(header, start=1):
        if not column:
            problems.append(_problem(name, 1, f"column {i}", "the header row gives this column no name (every column needs one)"))
            bad_header = True
        elif column in seen:
            problems.append(_problem(name, 1, _short(column, 40).strip("'\""), f"appears twice in the header (columns {seen[column]} and {i})"))
            bad_header = True
        else:
            seen[column] = i
    if bad_header:
        return None
    ragged = [(line, len(r)) for line, r in rows if len(r) != len(header)]
    for line, width in ragged:
        problems.append(_problem(name, line, "-", f"not a well-formed CSV: Expected {len(header)} fields in line {line}, saw {width}"))
    if ragged:
        return None
    df = pd.DataFrame([r for _, r in rows], columns=header, dtype=object)
    df = df.mask(df == "")
    if df.empty:
        return df.astype(str)
    df = df.astype(str).where(df.notna())  # the same text type read_csv(dtype=str) gives
    for column in df.columns:
        if column in MULTILINE_COLUMNS:
            continue
        breaks = df[column].notna() & df[column].str.contains("[\r\n]", regex=True, na=False)
        for idx in df.index[breaks]:
            problems.append(_problem(name, idx + 2, column, f"must not contain a line break (got {_short(df.at[idx, column])})"))
    return df


def read_table(directory: Path, spec: TableSpec, problems: list[str], notes: list[str] | None = None) -> pd.DataFrame | None:
    """Read one CSV of the contract and check it; return the typed frame or None.

    ``notes``: one line per file for what was accepted and tidied (surrounding spaces trimmed, a
    trailing comma on every line ignored)."""
    start = len(problems)
    text = _decode(directory / spec.filename, problems)
    if text is None:
        return None
    df = _parse(text, spec, problems, notes if notes is not None else [])
    if df is None:
        return None
    expected = list(spec.schema.columns)
    missing = [c for c in expected if c not in df.columns]
    extra = [c for c in df.columns if c not in expected]
    for c in missing:
        problems.append(_problem(spec.filename, 1, c, "required column is missing"))
    for c in extra:
        problems.append(_problem(spec.filename, 1, c, "unknown column (not in the data contract)"))
    if missing or extra:
        return None
    if df.empty:
        problems.append(_problem(spec.filename, 2, "-", "no data rows"))
        return None
    typed = _coerce(df, spec, problems)
    _check_formula_text(df, spec, problems)
    bad_rows = {int(p.split(":")[1]) - 2 for p in problems[start:] if p.split(":")[1].isdigit()}
    _check_schema(typed, spec, problems, bad_rows)
    dup = typed.duplicated(subset=list(spec.key), keep="first")
    first_row = {}
    for idx, key in zip(typed.index, map(tuple, typed[list(spec.key)].astype(str).to_numpy())):
        if dup[idx]:
            first = first_row[key]
            if spec.name == "lsoa_cluster_lookup":
                rule = (
                    f"LSOA {key[0]} is listed twice (clusters {typed.at[first - 2, 'cluster_code']} on row {first} "
                    f"and {typed.at[idx, 'cluster_code']}); each LSOA must be in exactly one cluster"
                )
            else:
                rule = f"duplicate key {key} (first seen on row {first})"
            problems.append(_problem(spec.filename, idx + 2, ", ".join(spec.key), rule))
        else:
            first_row.setdefault(key, idx + 2)
    if spec.name == "clusters":
        _check_cluster_names(typed, spec, problems)
    return typed


def _check_cluster_names(clusters: pd.DataFrame, spec: TableSpec, problems: list[str]) -> None:
    """Names are page titles and file names: unique (ignoring case) and not just punctuation."""
    seen: dict[str, int] = {}
    for idx, name in clusters["cluster_name"].items():
        if not isinstance(name, str):
            continue
        if not any(ch.isalnum() for ch in name):  # a letter or digit in any script (Ŵŷ, اردو)
            problems.append(_problem(spec.filename, idx + 2, "cluster_name", f"must contain a letter or digit (got {name!r})"))
        key = " ".join(name.casefold().split())
        if key in seen:
            problems.append(
                _problem(spec.filename, idx + 2, "cluster_name", f"duplicate cluster name {name!r} (first used on row {seen[key]})")
            )
        else:
            seen[key] = idx + 2


def _cross_checks(frames: dict[str, pd.DataFrame], paths: Paths, problems: list[str]) -> None:
    clusters = frames.get("clusters")
    if clusters is None:
        return
    known = set(clusters["cluster_code"])
    for name, df in frames.items():
        if name == "clusters" or "cluster_code" not in df.columns:
            continue
        # a blank code is allowed only where the schema says so (reported there otherwise)
        for idx in df.index[df["cluster_code"].notna() & ~df["cluster_code"].isin(known)]:
            problems.append(
                _problem(f"{name}.csv", idx + 2, "cluster_code", f"unknown cluster {df.at[idx, 'cluster_code']!r} (not in clusters.csv)")
            )
    lookup = frames.get("lsoa_cluster_lookup")
    if lookup is not None:
        real = set(geography.load_lsoa_attributes(paths)["lsoa11cd"])
        for idx in lookup.index[~lookup["lsoa11cd"].isin(real)]:
            problems.append(
                _problem("lsoa_cluster_lookup.csv", idx + 2, "lsoa11cd", f"{lookup.at[idx, 'lsoa11cd']} is not a Leeds 2011 LSOA")
            )
        for code in sorted(real - set(lookup["lsoa11cd"])):
            problems.append(_problem("lsoa_cluster_lookup.csv", "-", "lsoa11cd", f"LSOA {code} is in no cluster"))
        for code in sorted(known - set(lookup["cluster_code"])):
            problems.append(_problem("lsoa_cluster_lookup.csv", "-", "cluster_code", f"cluster {code} has no LSOAs"))
    problems.extend(_problem(*p) for p in partnerships.cross_checks(frames))
    problems.extend(_problem(*p) for p in funding.cross_checks(frames))
    problems.extend(_problem(*p) for p in catalogue.cross_checks(frames))  # year-to-date attendance
    tracker = frames.get("obsessions_monthly")
    if tracker is not None:
        months = [str(p) for p in pd.period_range(FIRST_MONTH, LAST_MONTH, freq="M")]
        have = set(zip(tracker["cluster_code"], tracker["month"]))
        for code in sorted(known):
            gaps = [m for m in months if (code, m) not in have]
            if gaps:
                problems.append(
                    _problem("obsessions_monthly.csv", "-", "month", f"cluster {code} has no row for {', '.join(gaps[:4])}{' …' if len(gaps) > 4 else ''}")
                )
        real_totals = {
            "lac_count": reference.leeds_lac_at_31_march(paths),
            "cpp_count": reference.leeds_cpp_at_31_march(paths),
        }
        for column, by_year in real_totals.items():
            for year, published in sorted(by_year.items()):
                month = f"{year}-03"
                rows = tracker[tracker["month"] == month]
                if rows.empty or month < FIRST_MONTH or month > LAST_MONTH:
                    continue
                total = int(rows[column].sum())
                if abs(total - published) > CITY_TOTAL_TOLERANCE * published:
                    problems.append(
                        _problem(
                            "obsessions_monthly.csv",
                            f"{rows.index.min() + 2}-{rows.index.max() + 2}",
                            column,
                            f"city total for {month} is {total:,} but DfE published {published:,} "
                            f"(allowed difference {CITY_TOTAL_TOLERANCE:.0%})",
                        )
                    )


#: counts of people in a cluster, and what each cannot exceed (cluster_population.csv): children's
#: counts its 0–17s, the others its whole population. (Key indicators count events — pupil
#: sessions — and are bounded by their own denominators instead.)
PEOPLE_COUNTS = {
    "obsessions_monthly": {"lac_count": "pop_0_17", "cpp_count": "pop_0_17", "pupils_on_roll": "pop_total",
                           "persistent_absentees": "pop_total", "neet_count": "pop_total", "neet_cohort": "pop_total"},
    "cluster_demographics": {"pupils_on_roll": "pop_total", "pupils_bme": "pop_total", "pupils_eal": "pop_total",
                             "children_0_15": "pop_total", "children_low_income": "pop_0_17"},
}
_WHOM = {"pop_0_17": "children aged 0–17 (pop_0_17)", "pop_total": "people (pop_total)"}


def _check_plausible(frames: dict[str, pd.DataFrame], problems: list[str]) -> None:
    """A cluster's count of people cannot be larger than its population (children's counts: its 0–17s)."""
    population = frames.get("cluster_population")
    if population is None:
        return
    for name, columns in PEOPLE_COUNTS.items():
        df = frames.get(name)
        if df is None:
            continue
        for column, bound in columns.items():
            limit = df["cluster_code"].map(dict(zip(population["cluster_code"], population[bound])))
            values = df[column].astype("Float64")
            over = (values.notna() & limit.notna() & (values > limit.astype("Float64"))).fillna(False).astype(bool)
            for idx in df.index[over]:
                problems.append(_problem(
                    TABLES[name].filename, idx + 2, column,
                    f"implausible: {int(df.at[idx, column]):,} is more than the {int(limit[idx]):,} {_WHOM[bound]} "
                    f"of cluster {df.at[idx, 'cluster_code']} in cluster_population.csv"))


def _check_data_folder(paths: Paths, problems: list[str]) -> None:
    """Every file under ``data/`` can be read (the build hashes them all): no FIFO, device or dangling link."""
    from cluster_inquiry.build import cache
    from cluster_inquiry.core.exceptions import InputFileError

    try:
        cache.data_files(paths)
    except InputFileError as exc:
        path, _, reason = str(exc).partition(": ")
        problems.append(_problem(path, "-", "-", reason))


def _check_policy_file(paths: Paths, problems: list[str]) -> None:
    """The suppression threshold file: readable, sensible, and the one this program is using."""
    path = paths.root / disclosure.POLICY_FILE
    name = Path(disclosure.POLICY_FILE).name
    if not path.exists() and not path.is_symlink():
        if disclosure.DEFAULT_POLICY != disclosure.DisclosurePolicy():
            problems.append(_problem(name, "-", "-", "file is missing but the running program uses another threshold; restart it"))
        return
    refused = not_a_file(path)  # a folder, a FIFO, a dangling link
    if refused:
        problems.append(_problem(name, "-", "-", refused))
        return
    try:
        policy = disclosure.read_policy_file(path)
    except (TypeError, ValueError, OSError) as exc:
        problems.append(_problem(name, "-", getattr(exc, "key", "min_count, max_count"), str(exc)))
        return
    if policy != disclosure.DEFAULT_POLICY:
        problems.append(
            _problem(name, "-", "min_count, max_count",
                     f"says {policy.describe()} but the running program uses {disclosure.DEFAULT_POLICY.describe()}; "
                     "run the command again (the threshold is read when the program starts)")
        )


def validate_inputs(
    paths: Paths | None = None, directory: Path | None = None, inquiry_directory: Path | None = None
) -> ValidationReport:
    """Check every table of the contract in ``directory`` (default ``data/clusters``).

    Tables of the inquiry's record (``TableSpec.folder == "inquiry"``) are read from
    ``inquiry_directory`` (default ``data/inquiry``), whatever ``directory`` is.

    The optional ``cluster_boundaries.geojson`` in the same folder is checked too, and when it
    passes it is returned as the ``cluster_boundaries`` frame (a GeoDataFrame).
    """
    paths = paths or project_paths()
    directory = directory or paths.clusters
    report = ValidationReport()
    folders = {"clusters": directory, "inquiry": inquiry_directory or paths.root / "data" / "inquiry"}
    for spec in TABLES.values():
        frame = read_table(folders.get(spec.folder, paths.root / "data" / spec.folder), spec, report.problems, report.notes)
        if frame is not None:
            report.frames[spec.name] = frame
    if all(name in report.frames for name, spec in TABLES.items() if spec.folder == "clusters"):
        _cross_checks(report.frames, paths, report.problems)
        _check_plausible(report.frames, report.problems)
    _check_data_folder(paths, report.problems)
    from cluster_inquiry.pages import record  # late: record imports report, which imports this module

    report.problems.extend(_problem(*p) for p in record.cross_checks(report.frames))
    _check_policy_file(paths, report.problems)
    boundary_file = directory / boundaries.FILENAME
    if boundary_file.exists():
        clusters = report.frames.get("clusters")
        known = set(clusters["cluster_code"]) if clusters is not None else None
        shapes = boundaries.check_boundary_file(boundary_file, paths, known, report.problems)
        if shapes is not None:
            report.frames["cluster_boundaries"] = shapes
    report.problems = bounded(_root_causes_first(report.problems))
    return report


def _root_causes_first(problems: list[str]) -> list[str]:
    """Problems in another file that only repeat a value already refused in its own file (a wrong
    area code in clusters.csv, then every meeting of that cluster) become one line saying so."""
    refused: dict[str, set[str]] = {}  # file → values its own rules refused
    for problem in problems:
        found = re.search(r"\(got '([^']{1,60})'\)$", problem)
        if found:
            refused.setdefault(problem.split(":", 1)[0], set()).add(found.group(1))
    out: list[str] = []
    follows: dict[tuple[str, str, str, str], int] = {}
    for problem in problems:
        file, _, rest = problem.partition(":")
        column = rest.split(": ", 2)[1] if rest.count(": ") >= 2 else "-"
        cause = next(((source, value) for source, values in refused.items() if source != file and source in problem
                      for value in values if re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", problem)), None)
        if cause is None:
            out.append(problem)
        else:
            key = (file, column, *cause)
            follows[key] = follows.get(key, 0) + 1
    for (file, column, source, value), n in follows.items():
        out.append(_problem(file, "-", column, f"{n:,} problem(s) follow from {value!r}, refused in {source} above; fix that first"))
    return out


#: lines shown per file, column and rule (about a screenful); the rest are counted
SCREENFUL = 20


def _rule_kind(problem: str) -> tuple[str, str, str]:
    """``(file, column, rule)`` with the quoted values, row and line numbers taken out."""
    parts = problem.split(": ", 2)
    file = parts[0].rsplit(":", 1)[0]
    column = parts[1] if len(parts) > 1 else ""
    rule = parts[2] if len(parts) > 2 else ""
    rule = re.sub(r"\(got .*\)$", "", rule)
    return file, column, re.sub(r"'[^']*'|\"[^\"]*\"|[\d,.]+", "#", rule)


def bounded(problems: list[str], limit: int = SCREENFUL) -> list[str]:
    """At most ``limit`` lines per file, column and rule, each group followed by the count of the rest."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for problem in problems:
        groups.setdefault(_rule_kind(problem), []).append(problem)
    out = []
    for (file, column, _), lines in groups.items():  # first-seen order: a file's own problems come first
        out.extend(lines[:limit])
        if len(lines) > limit:
            out.append(_problem(file, "-", column, f"… and {len(lines) - limit:,} more row(s) with the same problem"))
    return out


def load_inputs(paths: Paths | None = None, directory: Path | None = None) -> dict[str, pd.DataFrame]:
    """Validated input tables, or :class:`InputValidationError` listing every problem."""
    report = validate_inputs(paths, directory)
    if not report.ok:
        raise InputValidationError(report.problems)
    for note in report.notes:
        print(note, file=sys.stderr)
    return report.frames
