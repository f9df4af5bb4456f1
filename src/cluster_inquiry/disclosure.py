"""Small-number suppression and GSS table symbols for everything the book publishes.

Rules (methods reference, section 5; the full wording is in ``docs/disclosure.md``):

* A count from ``policy.min_count`` to ``policy.max_count`` inclusive (default 1 to 5) is
  never published: it is shown as ``c``. A 0 is a true zero and is shown.
* Secondary suppression: where row and/or column totals are published, no row or column may
  hold exactly one ``c``, or the hidden count could be worked out by subtraction. The
  next-smallest non-zero count in that line is hidden too, repeatedly until stable. A final
  exact check (linear algebra over all published totals) then catches the rarer patterns where
  every line holds two or more ``c`` but a cell can still be solved for.
* A rate or percentage worked out from a hidden count is hidden too.
* Symbols (GSS, as DfE applies them): ``c`` confidential/suppressed, ``x`` not available,
  ``z`` not applicable. The obsolete ``:`` is accepted on input and read as ``x``.

Input cells in count columns may already hold a symbol: ``c`` counts as suppressed (its value
is unknown to readers), ``x``/``:``/NaN/None become ``x``, ``z`` stays ``z``. Beware: DfE's
2014-15 children-looked-after files used ``x`` for *suppressed*; recode those to ``c`` first.

The main entry point is :func:`suppress_table`, which returns a :class:`SuppressionResult`
holding the publishable ``.table`` and the ``.mask`` of cells shown as ``c``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cluster_inquiry.exceptions import DisclosureError

__all__ = [
    "SUPPRESSED",
    "NOT_APPLICABLE",
    "NOT_AVAILABLE",
    "OBSOLETE_NOT_AVAILABLE",
    "LEGEND",
    "legend_items",
    "legend_html",
    "DisclosurePolicy",
    "PolicyError",
    "FLOOR_MIN",
    "FLOOR_MAX",
    "DEFAULT_POLICY",
    "POLICY_FILE",
    "read_policy_file",
    "SuppressionResult",
    "legend_markdown",
    "normalise_symbol",
    "is_small",
    "primary_suppress",
    "secondary_suppress",
    "recoverable_cells",
    "suppress_table",
    "suppress_value",
    "format_count",
]

# --------------------------------------------------------------------------- symbols

SUPPRESSED = "c"
NOT_APPLICABLE = "z"
NOT_AVAILABLE = "x"
#: GSS's old mark for "not available"; accepted on input, never written.
OBSOLETE_NOT_AVAILABLE = ":"

LEGEND: dict[str, str] = {
    SUPPRESSED: "confidential: withheld to protect individuals (small count, or a figure "
    "that would let a small count be worked out)",
    NOT_AVAILABLE: "not available",
    NOT_APPLICABLE: "not applicable: no figure can exist",
}

_SYMBOLS = {SUPPRESSED, NOT_APPLICABLE, NOT_AVAILABLE}


def normalise_symbol(value: object) -> str | None:
    """The GSS symbol ``value`` stands for, or None if it is not a symbol.

    ``"c"``, ``"x"``, ``"z"`` (any case, surrounding spaces ignored) map to themselves and the
    obsolete ``":"`` maps to ``"x"``. Missing values (None, NaN, pd.NA) are *not* symbols here.
    """
    if not isinstance(value, str):
        return None
    s = value.strip().lower()
    if s == OBSOLETE_NOT_AVAILABLE:
        return NOT_AVAILABLE
    return s if s in _SYMBOLS else None


# --------------------------------------------------------------------------- policy


#: the documented floor (docs/disclosure.md): counts from FLOOR_MIN to FLOOR_MAX are always
#: suppressed. A setting may widen the band (stricter), never narrow it.
FLOOR_MIN = 1
FLOOR_MAX = 5


class PolicyError(ValueError):
    """A suppression setting that is malformed or weaker than the floor; ``key`` names the setting."""

    def __init__(self, key: str, rule: str):
        super().__init__(rule)
        self.key = key


@dataclass(frozen=True)
class DisclosurePolicy:
    """Counts from ``min_count`` to ``max_count`` inclusive are suppressed.

    The default (1 to 5) is DfE's children-looked-after rule and the floor: a policy may suppress
    more (``min_count`` 0, ``max_count`` above 5), never less. 0 is a true zero and is shown
    unless ``min_count`` is 0.
    """

    min_count: int = FLOOR_MIN
    max_count: int = FLOOR_MAX

    def __post_init__(self) -> None:
        for name in ("min_count", "max_count"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise TypeError(f"DisclosurePolicy.{name} must be an int, got {v!r}")
        if self.min_count < 0 or self.max_count < self.min_count:
            raise PolicyError(
                "min_count, max_count",
                f"DisclosurePolicy needs 0 <= min_count <= max_count, "
                f"got {self.min_count}..{self.max_count}",
            )
        if self.min_count > FLOOR_MIN:
            raise PolicyError(
                "min_count",
                f"must be at most {FLOOR_MIN}, got {self.min_count}: counts from {FLOOR_MIN} to {FLOOR_MAX} "
                "are always suppressed (the floor; a setting may only make suppression stricter)",
            )
        if self.max_count < FLOOR_MAX:
            raise PolicyError(
                "max_count",
                f"must be at least {FLOOR_MAX}, got {self.max_count}: counts from {FLOOR_MIN} to {FLOOR_MAX} "
                "are always suppressed (the floor; a setting may only make suppression stricter)",
            )

    @property
    def zeros_shown(self) -> bool:
        """True when a 0 is published (so every hidden count is at least 1)."""
        return self.min_count > 0

    def describe(self) -> str:
        """Plain-English threshold, e.g. ``"counts from 1 to 5"``."""
        return f"counts from {self.min_count} to {self.max_count}"


#: the data owner's threshold, relative to the project root (``cluster-inquiry validate`` checks it)
POLICY_FILE = "data/reference/disclosure.toml"


def read_policy_file(path) -> DisclosurePolicy:
    """The policy in a ``min_count = …`` / ``max_count = …`` TOML file.

    Raises :class:`PolicyError` (a ValueError naming the key, with a plain message) if the file is
    not valid TOML, has a key other than those two, the values are not whole numbers with
    0 <= min <= max, or the setting is weaker than the floor (it must suppress 1 to 5).
    """
    import tomllib

    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError("-", f"not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError("-", f"cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    unknown = sorted(set(doc) - {"min_count", "max_count"})
    if unknown:
        raise PolicyError(", ".join(unknown), f"unknown setting(s) {', '.join(unknown)}; only min_count and max_count")
    for key in ("min_count", "max_count"):
        v = doc.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
            raise PolicyError(key, f"must be a whole number, got {v!r}")
    return DisclosurePolicy(doc.get("min_count", FLOOR_MIN), doc.get("max_count", FLOOR_MAX))


def _configured_policy() -> DisclosurePolicy:
    """The policy in the project's POLICY_FILE, or 1 to 5 if there is none.

    A broken file also gives 1 to 5 here, so that importing the package never fails; the
    validation gate reports the file and stops every build before anything is published.
    """
    try:
        from cluster_inquiry.paths import find_root

        path = find_root() / POLICY_FILE
        if path.exists():
            return read_policy_file(path)
    except Exception:  # noqa: BLE001 - reported by cluster_inquiry.validation
        pass
    return DisclosurePolicy()


#: the policy every table, prose helper and the leak scan use unless given another one
DEFAULT_POLICY = _configured_policy()


def legend_items(policy: DisclosurePolicy = DEFAULT_POLICY) -> list[tuple[str, str]]:
    """``(symbol, plain-text meaning)`` for each symbol, in the order a legend shows them."""
    return [
        (
            SUPPRESSED,
            f"confidential. Withheld to protect individuals: {policy.describe()} are not shown, nor any "
            "figure (another count, a rate, a percentage, a rank or a band) that would let one be worked "
            "out" + (". A 0 is a true zero." if policy.zeros_shown else " (zeros are hidden too)."),
        ),
        (NOT_AVAILABLE, f"not available. (Older GSS tables, and this inquiry's brief, wrote '{OBSOLETE_NOT_AVAILABLE}'.)"),
        (NOT_APPLICABLE, "not applicable (no figure can exist, e.g. school attendance in August)."),
    ]


def legend_markdown(policy: DisclosurePolicy = DEFAULT_POLICY) -> str:
    """A short markdown legend for the symbols, to print under a table."""
    return "\n".join(
        ["**Symbols used in tables**", ""] + [f"- `{sym}`: {text}" for sym, text in legend_items(policy)]
    )


def legend_html(policy: DisclosurePolicy = DEFAULT_POLICY) -> str:
    """The same legend as an HTML fragment (escaped), for tables rendered as HTML."""
    import html

    items = "".join(
        f"<li><code>{html.escape(sym)}</code>: {html.escape(text)}</li>" for sym, text in legend_items(policy)
    )
    return f"<div class='ci-legend'><p><strong>Symbols used in this table</strong></p><ul>{items}</ul></div>"


# --------------------------------------------------------------------------- masks


def _to_float(value: object) -> float:
    """A number as float; NaN for anything that is not a number (symbols, None, text)."""
    if value is None or isinstance(value, bool):
        return math.nan
    if isinstance(value, numbers.Real):
        return float(value)
    try:
        return float(value)  # numpy scalars, numeric strings such as "12"
    except (TypeError, ValueError):
        return math.nan


def _numeric(values: object) -> np.ndarray:
    arr = np.asarray(values, dtype=object)
    return np.vectorize(_to_float, otypes=[float])(arr) if arr.size else arr.astype(float)


def is_small(values, policy: DisclosurePolicy = DEFAULT_POLICY):
    """True where a value is a count in ``policy.min_count..policy.max_count`` inclusive.

    Accepts a scalar (returns bool), a Series or DataFrame (returns the same shape, same
    labels, bool dtype) or anything array-like (returns a bool ndarray). NaN, None, symbols
    and other non-numbers are never small.
    """
    if isinstance(values, pd.DataFrame):
        out = _numeric(values.to_numpy(dtype=object))
        res = (out >= policy.min_count) & (out <= policy.max_count)
        return pd.DataFrame(res, index=values.index, columns=values.columns, dtype=bool)
    if isinstance(values, pd.Series):
        out = _numeric(values.to_numpy(dtype=object))
        res = (out >= policy.min_count) & (out <= policy.max_count)
        return pd.Series(res, index=values.index, name=values.name, dtype=bool)
    if np.ndim(values) == 0:
        v = _to_float(values)
        return bool(policy.min_count <= v <= policy.max_count)
    out = _numeric(values)
    return (out >= policy.min_count) & (out <= policy.max_count)


def _check_cols(df: pd.DataFrame, count_cols: Sequence[str]) -> list:
    cols = list(count_cols)
    if not cols:
        raise ValueError("count_cols is empty")
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise KeyError(f"count column(s) not in the table: {missing}")
    if len(set(cols)) != len(cols):
        raise ValueError(f"count_cols has duplicates: {cols}")
    return cols


def _symbol_grid(df: pd.DataFrame, cols: list) -> np.ndarray:
    """Object array: the normalised symbol in each cell, or None."""
    raw = df[cols].to_numpy(dtype=object)
    return np.vectorize(normalise_symbol, otypes=[object])(raw) if raw.size else raw


def primary_suppress(
    df: pd.DataFrame, count_cols: Sequence[str], policy: DisclosurePolicy = DEFAULT_POLICY
) -> pd.DataFrame:
    """Boolean mask (index of ``df``, columns ``count_cols``): cells to hide on their own account.

    True where the count is small under ``policy``, or where the cell already holds ``c``.
    """
    cols = _check_cols(df, count_cols)
    mask = is_small(df[cols], policy).to_numpy(dtype=bool, copy=True)
    mask |= _symbol_grid(df, cols) == SUPPRESSED
    return pd.DataFrame(mask, index=df.index, columns=cols, dtype=bool)


def _lines(shape: tuple[int, int], row_total: bool, col_total: bool) -> list[list[tuple[int, int]]]:
    """Each published additive line as a list of (row, col) positions: rows, then columns."""
    n, m = shape
    lines: list[list[tuple[int, int]]] = []
    if row_total:
        lines += [[(i, j) for j in range(m)] for i in range(n)]
    if col_total:
        lines += [[(i, j) for i in range(n)] for j in range(m)]
    return lines


def _recoverable(mask: np.ndarray, lines: list[list[tuple[int, int]]]) -> np.ndarray:
    """Suppressed cells whose value is fixed by the published line totals (exact, linear).

    A hidden cell is recoverable iff its unit vector lies in the row space of the line
    equations restricted to the hidden cells, i.e. every null-space vector is zero there.
    Bounds (counts are >= 0) are ignored.
    """
    out = np.zeros_like(mask, dtype=bool)
    cells = list(zip(*np.nonzero(mask)))
    if not cells:
        return out
    pos = {c: k for k, c in enumerate(cells)}
    rows = []
    for line in lines:
        idx = [pos[c] for c in line if c in pos]
        if idx:
            r = np.zeros(len(cells))
            r[idx] = 1.0
            rows.append(r)
    if not rows:
        return out
    a = np.vstack(rows)
    _, s, vt = np.linalg.svd(a)
    rank = int((s > 1e-9 * max(a.shape)).sum())
    null = vt[rank:]  # (k, n_cells); empty if full column rank
    determined = (
        np.ones(len(cells), dtype=bool) if null.shape[0] == 0 else np.abs(null).max(axis=0) < 1e-9
    )
    for (i, j), d in zip(cells, determined):
        out[i, j] = d
    return out


def _pick_partner(
    line: list[tuple[int, int]], mask: np.ndarray, values: np.ndarray, known: np.ndarray
) -> tuple[int, int] | None:
    """Smallest non-zero, not yet hidden, numeric cell of the line; ties by position.

    Falls back to a zero (by position) when no non-zero cell is left; None if nothing is left.
    """
    cands = [c for c in line if not mask[c] and known[c]]
    nonzero = [c for c in cands if values[c] != 0]
    pool = nonzero or cands
    if not pool:
        return None
    return min(pool, key=lambda c: (values[c], c))


def _secondary(
    mask: np.ndarray, values: np.ndarray, known: np.ndarray, row_total: bool, col_total: bool,
    labels: tuple[Sequence, Sequence],
) -> np.ndarray:
    mask = mask.copy()
    lines = _lines(mask.shape, row_total, col_total)
    if not lines:
        return mask

    def fail(cell: tuple[int, int], why: str) -> DisclosureError:
        i, j = cell
        return DisclosureError(
            f"cannot protect suppressed cell (row {labels[0][i]!r}, column {labels[1][j]!r}): "
            f"{why}. Do not publish that total, or publish the table another way."
        )

    while True:
        # 1. the line rule: no published line may hold exactly one hidden cell
        changed = True
        while changed:
            changed = False
            for line in lines:
                hidden = [c for c in line if mask[c]]
                if len(hidden) != 1:
                    continue
                partner = _pick_partner(line, mask, values, known)
                if partner is None:
                    raise fail(hidden[0], "it is the only count in a line whose total is shown")
                mask[partner] = True
                changed = True
        # 2. exact check: patterns where every line has >= 2 hidden cells but one is solvable
        rec = _recoverable(mask, lines)
        if not rec.any():
            return mask
        cell = tuple(int(k) for k in np.argwhere(rec)[0])
        own = [ln for ln in lines if cell in ln]
        pool = [c for ln in own for c in ln]
        partner = _pick_partner(sorted(set(pool)), mask, values, known)
        if partner is None:
            raise fail(cell, "it can be worked out from the totals and nothing is left to hide")
        mask[partner] = True


def secondary_suppress(
    mask: pd.DataFrame,
    df: pd.DataFrame,
    count_cols: Sequence[str],
    policy: DisclosurePolicy = DEFAULT_POLICY,
    row_total: bool = True,
    col_total: bool = True,
) -> pd.DataFrame:
    """Extend a suppression mask so no hidden cell can be worked out from published totals.

    ``row_total``: totals across ``count_cols`` are published for each row (or a totals column
    is in ``count_cols``). ``col_total``: totals down each count column are published (or a
    totals row is in ``df``). While some published line (a row across ``count_cols``, or a
    column down the rows) holds exactly one hidden cell, hide the smallest non-zero, not yet
    hidden numeric cell in that line (ties: lower value, then earlier position; a zero only if
    no non-zero cell is left). Rows are scanned before columns, top to bottom and left to
    right, and the scan repeats until nothing changes. Then an exact linear check over all
    published lines catches any hidden cell still solvable (e.g. two blocks of hidden cells
    joined by one cell); the smallest candidate in that cell's row/column is hidden and the
    whole process repeats.

    ``mask`` must have ``df``'s index and the columns ``count_cols`` (as from
    :func:`primary_suppress`); it is not modified. ``policy`` is accepted for symmetry and
    future use: the choice of partner does not depend on the threshold. NaN and symbol cells
    count as known (never chosen, never counted as hidden) unless they are ``c``.

    Returns a new boolean DataFrame, a superset of ``mask``.
    Raises :class:`DisclosureError` when a hidden cell cannot be protected (e.g. a line with a
    single count and a published total).
    """
    del policy  # see docstring
    cols = _check_cols(df, count_cols)
    m = mask.reindex(index=df.index, columns=cols)
    if m.isna().any().any() or not m.index.equals(df.index):
        raise ValueError("mask must have the table's index and the count columns")
    values = _numeric(df[cols].to_numpy(dtype=object))
    known = ~np.isnan(values)
    out = _secondary(
        m.to_numpy(dtype=bool), values, known, row_total, col_total, (list(df.index), cols)
    )
    return pd.DataFrame(out, index=df.index, columns=cols, dtype=bool)


def recoverable_cells(
    mask: pd.DataFrame, row_total: bool = True, col_total: bool = True
) -> pd.DataFrame:
    """Hidden cells (True in ``mask``) whose exact value follows from the published totals.

    An audit helper: after :func:`secondary_suppress` this is all False. It ignores the fact
    that counts are non-negative, so it flags exact recovery only, not narrow bounds.
    """
    arr = mask.to_numpy(dtype=bool)
    rec = _recoverable(arr, _lines(arr.shape, row_total, col_total))
    return pd.DataFrame(rec, index=mask.index, columns=mask.columns, dtype=bool)


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class SuppressionResult:
    """What :func:`suppress_table` returns.

    ``table``: a new DataFrame ready to publish (same index and columns as the input; count
    and derived columns have object dtype holding ints/floats or the strings ``c``/``x``/``z``).
    ``mask``: bool DataFrame, the input's index by (count_cols + derived columns), True where
    the table shows ``c``. ``primary``: bool DataFrame over count_cols, the cells hidden for
    being small (or already ``c``); ``mask`` minus ``primary`` is the secondary suppression.
    """

    table: pd.DataFrame
    mask: pd.DataFrame
    primary: pd.DataFrame

    @property
    def secondary(self) -> pd.DataFrame:
        """Count cells hidden only to protect other cells."""
        return self.mask[self.primary.columns] & ~self.primary

    @property
    def n_suppressed(self) -> int:
        """Number of cells shown as ``c`` (counts and derived)."""
        return int(self.mask.to_numpy().sum())


def _symbol_out(value: object) -> str | None:
    """The symbol a shown cell holds instead of a value: its normalised GSS symbol, ``x`` where
    the value is missing (None, NaN, pd.NA); None for a value."""
    sym = normalise_symbol(value)
    if sym is not None:
        return sym
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return NOT_AVAILABLE
    return None


def _count_out(value: object) -> object:
    """A shown count cell: a symbol, or a plain Python number (whole floats become int)."""
    sym = _symbol_out(value)
    if sym is not None:
        return sym
    v = _to_float(value)
    if math.isnan(v):
        raise ValueError(f"not a count or a symbol: {value!r}")
    return int(v) if v.is_integer() else v


def _other_out(value: object) -> object:
    sym = _symbol_out(value)
    if sym is not None:
        return sym
    return value.item() if isinstance(value, np.generic) else value


def suppress_table(
    df: pd.DataFrame,
    count_cols: Sequence[str],
    policy: DisclosurePolicy = DEFAULT_POLICY,
    derived: Mapping[str, Iterable[str]] | None = None,
    row_total: bool = True,
    col_total: bool = True,
    totals_row_label: object = None,
) -> SuppressionResult:
    """Make a table safe to publish: primary, then secondary suppression, then derived cells.

    ``count_cols``: the columns holding counts of people (include a totals column, if the table
    shows one). ``derived``: ``{column: [count columns it is worked out from]}`` for rates and
    percentages; a derived cell is shown as ``c`` when any of its count cells in the same row
    is hidden. Every listed source must be in ``count_cols``. ``row_total``/``col_total``: see
    :func:`secondary_suppress` (default True: assume both are published or derivable).
    ``totals_row_label``: the index label of a totals row already in ``df``; it is checked to
    exist, is suppressed like any other row (a total of 1-5 is itself small) and implies
    ``col_total=True``.

    In count and derived columns: hidden cells become ``"c"``, NaN/None/``"x"``/``":"`` become
    ``"x"``, ``"z"`` stays; counts shown are Python ints. Other columns are copied unchanged.
    The input is not modified.
    """
    cols = _check_cols(df, count_cols)
    derived = {k: list(v) for k, v in (derived or {}).items()}
    for dcol, sources in derived.items():
        if dcol not in df.columns:
            raise KeyError(f"derived column {dcol!r} not in the table")
        if dcol in cols:
            raise ValueError(f"{dcol!r} is listed both as a count and as derived")
        if not sources:
            raise ValueError(f"derived column {dcol!r} lists no count columns")
        bad = [s for s in sources if s not in cols]
        if bad:
            raise ValueError(
                f"derived column {dcol!r} depends on {bad}, which are not in count_cols; "
                "list every count a rate is worked out from as a count column"
            )
    if totals_row_label is not None:
        if totals_row_label not in df.index:
            raise KeyError(f"totals row {totals_row_label!r} not in the table's index")
        col_total = True
    if not df.index.is_unique:
        raise ValueError("the table's index must be unique (set a label column as the index)")

    primary = primary_suppress(df, cols, policy)
    mask = secondary_suppress(primary, df, cols, policy, row_total=row_total, col_total=col_total)

    full = mask.copy()
    for dcol, sources in derived.items():
        full[dcol] = mask[sources].any(axis=1)

    table = df.copy()
    for col in cols:
        hidden = mask[col].to_numpy()
        out = [SUPPRESSED if h else _count_out(v) for v, h in zip(df[col].to_numpy(object), hidden)]
        table[col] = pd.Series(out, index=df.index, dtype=object)
    for dcol in derived:
        hidden = full[dcol].to_numpy()
        out = [SUPPRESSED if h else _other_out(v) for v, h in zip(df[dcol].to_numpy(object), hidden)]
        table[dcol] = pd.Series(out, index=df.index, dtype=object)

    return SuppressionResult(table=table, mask=full, primary=primary)


# --------------------------------------------------------------------------- scalars


def suppress_value(count: object, policy: DisclosurePolicy = DEFAULT_POLICY) -> int | float | str:
    """One count for prose, alt text or a tooltip: the count itself, or a symbol.

    Small counts give ``"c"``; None/NaN give ``"x"``; a symbol string gives its normalised
    symbol (``":"`` -> ``"x"``). Whole-number floats come back as int. Anything else raises
    TypeError. This protects the value only: a sentence that also quotes a total and the
    other parts can still give it away, so quote figures from a :func:`suppress_table` result.
    """
    sym = normalise_symbol(count)
    if sym is not None:
        return sym
    if isinstance(count, str) or isinstance(count, bool):
        raise TypeError(f"not a count: {count!r}")
    v = _to_float(count)
    if math.isnan(v):
        if count is None or pd.isna(count):
            return NOT_AVAILABLE
        raise TypeError(f"not a count: {count!r}")
    if is_small(v, policy):
        return SUPPRESSED
    return int(v) if v.is_integer() else v


def format_count(value: object, policy: DisclosurePolicy = DEFAULT_POLICY) -> str:
    """A count as publication text: ``"1,234"``, or ``"c"``/``"x"``/``"z"``.

    Applies :func:`suppress_value` first, so passing a raw count is safe. Raises ValueError
    for a number that is not whole (format rates yourself).
    """
    v = suppress_value(value, policy)
    if isinstance(v, str):
        return v
    if isinstance(v, float):
        raise ValueError(f"a count must be a whole number, got {value!r}")
    return f"{v:,}"
