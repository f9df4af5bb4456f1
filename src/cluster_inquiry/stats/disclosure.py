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

from cluster_inquiry.core.exceptions import DisclosureError

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
    "feasible_ranges",
    "series_ranges",
    "protection_width",
    "audit",
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
        from cluster_inquiry.core.paths import find_root

        path = find_root() / POLICY_FILE
        if path.exists():
            return read_policy_file(path)
    except Exception:  # noqa: BLE001 - reported by cluster_inquiry.data.validation
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


def protection_width(policy: DisclosurePolicy = DEFAULT_POLICY) -> int:
    """The protection interval: every hidden cell's feasible range must be at least this wide.

    Like sdcTable's sliding protection level: a reader who knows everything published and the
    rules must not be able to narrow a hidden count to fewer than ``max_count + 1`` whole
    numbers (``hi - lo >= max_count``; 5 under the default rule, so a hidden cell could be any
    of at least six values). Applied to every hidden cell, primary or secondary.
    """
    return policy.max_count


def _components(mask: np.ndarray, lines: list[list[tuple[int, int]]]) -> list[list[tuple[int, int]]]:
    """Hidden cells grouped so that cells sharing a published line are in one group."""
    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(c):
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for c in zip(*np.nonzero(mask)):
        parent[(int(c[0]), int(c[1]))] = (int(c[0]), int(c[1]))
    for line in lines:
        hidden = [c for c in line if c in parent]
        for c in hidden[1:]:
            a, b = find(hidden[0]), find(c)
            if a != b:
                parent[b] = a
    groups: dict = {}
    for c in parent:
        groups.setdefault(find(c), []).append(c)
    return [sorted(g) for _, g in sorted(groups.items())]


def _lp_ranges(
    n: int, rows: list[tuple[list[int], list[float], float, float]], lower: np.ndarray,
    extra: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest integer value of each of ``n`` variables under ``rows``.

    ``rows``: (variable indices, coefficients, lower bound, upper bound) of each linear
    constraint over ``n + extra`` variables (the ``extra`` ones are helpers, not reported).
    Variables are integers >= ``lower`` (helpers >= 0), with no upper bound. Solved with
    scipy.optimize.milp (HiGHS). An unbounded maximum is ``inf``. Raises ValueError if the
    constraints have no solution.
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    total = n + extra
    lo = np.full(n, np.nan)
    hi = np.full(n, np.nan)
    if n == 0:
        return lo, hi
    a = np.zeros((max(len(rows), 1), total))
    lb = np.zeros(a.shape[0])
    ub = np.zeros(a.shape[0])
    for k, (idx, coef, low, up) in enumerate(rows):
        a[k, idx] = coef
        lb[k], ub[k] = low, up
    cons = [LinearConstraint(a, lb, ub)] if rows else []
    lower_all = np.concatenate([np.asarray(lower, dtype=float), np.zeros(extra)])
    bounds = Bounds(lower_all, np.full(total, np.inf))
    integrality = np.ones(total)
    for v in range(n):
        for sign in (1.0, -1.0):
            c = np.zeros(total)
            c[v] = sign
            res = milp(c, constraints=cons, integrality=integrality, bounds=bounds)
            if sign < 0 and (res.status != 0 or res.x is None):  # nothing bounds it from above
                hi[v] = math.inf
                continue
            if res.status != 0 or res.x is None:
                raise ValueError(f"the published figures admit no solution ({res.message})")
            if sign > 0:
                lo[v] = round(res.x[v])
            else:
                hi[v] = round(res.x[v])
    return lo, hi


def _hidden_lower(values: np.ndarray, cells: Sequence[tuple[int, int]], zeros_shown: bool) -> float:
    """What a reader knows a hidden count is at least: 1 where zeros are published, else 0.

    If a zero had to be hidden (only when nothing else was left in a line), 0 for the group,
    since the reader cannot tell which cell it is.
    """
    if not zeros_shown or any(values[c] == 0 for c in cells):
        return 0.0
    return 1.0


def feasible_ranges(
    mask: np.ndarray, values: np.ndarray, lines: list[list[tuple[int, int]]], zeros_shown: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """For every hidden cell, the lowest and highest value consistent with what is published.

    The audit statistical disclosure-control tools run (tau-ARGUS, sdcTable): a reader who sees
    every shown cell and every line total (``lines``: each published additive line, its total
    being the sum of its cells' values) and knows the rules (hidden counts are whole numbers, at
    least 1 where zeros are published) solves an integer programme for each hidden cell's
    minimum and maximum. Cells whose value is not a number (``x``, ``z``) are outside every
    equation. Returns two float arrays shaped like ``mask`` (NaN where not hidden; ``inf``
    where nothing bounds a cell from above).
    """
    lo = np.full(mask.shape, np.nan)
    hi = np.full(mask.shape, np.nan)
    for comp in _components(mask, lines):
        pos = {c: k for k, c in enumerate(comp)}
        rows = []
        for line in lines:
            idx = [pos[c] for c in line if c in pos]
            if not idx or any(np.isnan(values[c]) for c in line if c in pos):
                continue  # a cell given as "c" (value unknown here): the line's total is unknown too
            rhs = float(sum(values[c] for c in line if c in pos))
            rows.append((idx, [1.0] * len(idx), rhs, rhs))
        low = np.full(len(comp), _hidden_lower(values, comp, zeros_shown))
        clo, chi = _lp_ranges(len(comp), rows, low)
        for c, a, b in zip(comp, clo, chi):
            lo[c], hi[c] = a, b
    return lo, hi


def series_ranges(
    mask: np.ndarray, values: np.ndarray, zeros_shown: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Ranges a reader gets by differencing adjacent periods of one series.

    ``mask``/``values``: rows are units (clusters), columns consecutive periods, and each
    column's total is published. For each pair of adjacent columns the reader assumes the
    units hidden in both changed as little as the two totals allow (the smallest ``t`` with
    ``|x[i, j+1] - x[i, j]| <= t`` for all of them; ``t = 0`` when they can have stayed the
    same), then bounds every cell hidden in only one of the two columns. This is how totals of
    8 and 13 with one extra hidden cluster give that cluster away as 5. Returns arrays shaped
    like ``mask``: for each cell, the narrowest range any adjacent pair gives (NaN where not
    checked).
    """
    from scipy.optimize import Bounds, LinearConstraint, milp

    n_rows, n_cols = mask.shape
    lo = np.full(mask.shape, np.nan)
    hi = np.full(mask.shape, np.nan)
    for j in range(n_cols - 1):
        a_h, b_h = mask[:, j], mask[:, j + 1]
        if not (a_h ^ b_h).any():
            continue
        cells = [(int(i), j) for i in np.nonzero(a_h)[0]] + [(int(i), j + 1) for i in np.nonzero(b_h)[0]]
        if any(np.isnan(values[c]) for c in cells):
            continue  # a cell given as "c": its value (and so the hidden total) is unknown here
        pos = {c: v for v, c in enumerate(cells)}
        n = len(cells)
        t = n  # helper variable index: the largest change of a unit hidden in both periods
        rows = []
        for col in (j, j + 1):
            idx = [pos[(int(i), col)] for i in range(n_rows) if mask[i, col]]
            rhs = float(np.nansum([values[i, col] for i in range(n_rows) if mask[i, col]]))
            rows.append((idx, [1.0] * len(idx), rhs, rhs))
        both = [i for i in range(n_rows) if a_h[i] and b_h[i]]
        for i in both:
            rows.append(([pos[(i, j + 1)], pos[(i, j)], t], [1.0, -1.0, -1.0], -np.inf, 0.0))
            rows.append(([pos[(i, j + 1)], pos[(i, j)], t], [1.0, -1.0, 1.0], 0.0, np.inf))
        low = np.full(n, _hidden_lower(values, cells, zeros_shown))
        # the reader's most plausible story: the smallest uniform change t
        a = np.zeros((len(rows), n + 1))
        lb, ub = np.zeros(len(rows)), np.zeros(len(rows))
        for k, (idx, coef, l_, u_) in enumerate(rows):
            a[k, idx] = coef
            lb[k], ub[k] = l_, u_
        c = np.zeros(n + 1)
        c[t] = 1.0
        res = milp(c, constraints=[LinearConstraint(a, lb, ub)], integrality=np.ones(n + 1),
                   bounds=Bounds(np.concatenate([low, [0.0]]), np.full(n + 1, np.inf)))
        if res.status != 0 or res.x is None:
            continue
        t_star = round(res.x[t])
        rows.append(([t], [1.0], 0.0, float(t_star)))
        clo, chi = _lp_ranges(n, rows, low, extra=1)
        for v, (i, k) in enumerate(cells):
            if a_h[i] and b_h[i]:
                continue  # hidden in both periods: nothing new is learnt about it here
            if np.isnan(lo[i, k]) or chi[v] - clo[v] < hi[i, k] - lo[i, k]:
                lo[i, k], hi[i, k] = clo[v], chi[v]
    return lo, hi


def _too_narrow(lo: np.ndarray, hi: np.ndarray, width: int) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return ~np.isnan(lo) & ((hi - lo) < width)


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
    labels: tuple[Sequence, Sequence], policy: DisclosurePolicy = DEFAULT_POLICY, series: bool = False,
) -> np.ndarray:
    mask = mask.copy()
    lines = _lines(mask.shape, row_total, col_total)
    if not lines:
        return mask
    width = protection_width(policy)

    def fail(cell: tuple[int, int], why: str) -> DisclosureError:
        i, j = cell
        return DisclosureError(
            f"cannot protect suppressed cell (row {labels[0][i]!r}, column {labels[1][j]!r}): "
            f"{why}. Do not publish that total, or publish the table another way."
        )

    accepted: set[tuple[int, int]] = set()  # narrow but not exact, and nothing left to hide

    def widen(cell: tuple[int, int], pool: list[tuple[int, int]], exact: bool) -> None:
        partner = _pick_partner(sorted(set(pool)), mask, values, known)
        if partner is None:
            if exact:
                raise fail(cell, "it can be worked out from the published figures and nothing is left to hide")
            accepted.add(cell)  # documented limit: the line has nothing else to hide
            return
        mask[partner] = True

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
        # 2. the audit: every hidden cell's feasible range (integer programme over everything
        #    published) must be at least the protection interval wide
        lo, hi = feasible_ranges(mask, values, lines, policy.zeros_shown)
        narrow = _too_narrow(lo, hi, width)
        for c in accepted:
            narrow[c] = False
        if narrow.any():
            # one partner per group of linked hidden cells per pass (groups do not interact)
            for comp in _components(mask, lines):
                bad = [c for c in comp if narrow[c]]
                if bad:
                    widen(bad[0], [c for ln in lines if bad[0] in ln for c in ln], lo[bad[0]] == hi[bad[0]])
            continue
        # 3. the same audit across adjacent periods (columns of one series, column totals shown)
        if series and col_total:
            lo, hi = series_ranges(mask, values, policy.zeros_shown)
            narrow = _too_narrow(lo, hi, width)
            for c in accepted:
                narrow[c] = False
            if narrow.any():
                cell = tuple(int(k) for k in np.argwhere(narrow.T)[0][::-1])  # earliest period first
                widen(cell, [(i, cell[1]) for i in range(mask.shape[0])], lo[cell] == hi[cell])
                continue
        return mask


def secondary_suppress(
    mask: pd.DataFrame,
    df: pd.DataFrame,
    count_cols: Sequence[str],
    policy: DisclosurePolicy = DEFAULT_POLICY,
    row_total: bool = True,
    col_total: bool = True,
    series: bool = False,
) -> pd.DataFrame:
    """Extend a suppression mask so no hidden cell can be worked out from published totals.

    ``row_total``: totals across ``count_cols`` are published for each row (or a totals column
    is in ``count_cols``). ``col_total``: totals down each count column are published (or a
    totals row is in ``df``). While some published line (a row across ``count_cols``, or a
    column down the rows) holds exactly one hidden cell, hide the smallest non-zero, not yet
    hidden numeric cell in that line (ties: lower value, then earlier position; a zero only if
    no non-zero cell is left). Rows are scanned before columns, top to bottom and left to
    right, and the scan repeats until nothing changes. Then the audit (:func:`feasible_ranges`,
    an integer programme over every published line, hidden counts whole and at least 1) finds
    any hidden cell a reader can narrow to a range less than :func:`protection_width` wide; the
    smallest candidate in that cell's row/column is hidden (one per group of linked cells) and
    the whole process repeats. With ``series`` (the count columns are consecutive periods of
    one series and ``col_total``), the audit also runs across adjacent periods
    (:func:`series_ranges`), hiding the smallest candidate in the failing cell's period.

    ``mask`` must have ``df``'s index and the columns ``count_cols`` (as from
    :func:`primary_suppress`); it is not modified. ``policy`` sets the protection interval and
    whether zeros are published. NaN and symbol cells count as known (never chosen, never
    counted as hidden) unless they are ``c``; a line holding a ``c`` given on input has an
    unknown total here, so only the line rule covers it (pass values and hide them upstream
    with the same mask, as ``report.tracker_mask`` does, for the full audit).

    Returns a new boolean DataFrame, a superset of ``mask``.
    Raises :class:`DisclosureError` when a hidden cell cannot be protected (e.g. a line with a
    single count and a published total).
    """
    cols = _check_cols(df, count_cols)
    m = mask.reindex(index=df.index, columns=cols)
    if m.isna().any().any() or not m.index.equals(df.index):
        raise ValueError("mask must have the table's index and the count columns")
    values = _numeric(df[cols].to_numpy(dtype=object))
    known = ~np.isnan(values)
    out = _secondary(
        m.to_numpy(dtype=bool), values, known, row_total, col_total, (list(df.index), cols), policy, series
    )
    return pd.DataFrame(out, index=df.index, columns=cols, dtype=bool)


def recoverable_cells(
    mask: pd.DataFrame, row_total: bool = True, col_total: bool = True, *,
    values: pd.DataFrame | None = None, policy: DisclosurePolicy = DEFAULT_POLICY,
) -> pd.DataFrame:
    """Hidden cells (True in ``mask``) whose exact value follows from what is published.

    With ``values`` (the true counts, same labels), the integer programme of
    :func:`feasible_ranges`: it uses that hidden counts are whole and at least 1, so in a column
    ``1, 1, 40, 57`` with total 99 both 1s are found. Without ``values``, only exact linear
    recovery from the totals (bounds ignored), which misses that case.
    """
    arr = mask.to_numpy(dtype=bool)
    lines = _lines(arr.shape, row_total, col_total)
    if values is None:
        rec = _recoverable(arr, lines)
    else:
        vals = _numeric(values.reindex(index=mask.index, columns=mask.columns).to_numpy(dtype=object))
        lo, hi = feasible_ranges(arr, vals, lines, policy.zeros_shown)
        with np.errstate(invalid="ignore"):
            rec = arr & (lo == hi)
    return pd.DataFrame(rec, index=mask.index, columns=mask.columns, dtype=bool)


def audit(
    values: pd.DataFrame, mask: pd.DataFrame, row_total: bool = True, col_total: bool = True,
    series: bool = False, policy: DisclosurePolicy = DEFAULT_POLICY,
) -> pd.DataFrame:
    """The disclosure audit of one published table: a row per hidden cell.

    ``values``: the true counts; ``mask``: True where ``c`` is shown (same labels). Columns:
    ``row``, ``column``, ``value``, ``lower``/``upper`` (the range a reader gets from everything
    published, :func:`feasible_ranges`; with ``series`` also across adjacent periods, the
    narrower of the two, :func:`series_ranges`) and ``protected`` (``upper - lower`` at least
    :func:`protection_width`).
    """
    arr = mask.reindex(index=values.index, columns=values.columns).fillna(False).to_numpy(dtype=bool)
    vals = _numeric(values.to_numpy(dtype=object))
    lo, hi = feasible_ranges(arr, vals, _lines(arr.shape, row_total, col_total), policy.zeros_shown)
    if series and col_total:
        slo, shi = series_ranges(arr, vals, policy.zeros_shown)
        with np.errstate(invalid="ignore"):
            take = ~np.isnan(slo) & ((shi - slo) < (hi - lo))
        lo, hi = np.where(take, slo, lo), np.where(take, shi, hi)
    rows = []
    width = protection_width(policy)
    for i, j in zip(*np.nonzero(arr)):
        rows.append({"row": values.index[i], "column": values.columns[j], "value": vals[i, j],
                     "lower": lo[i, j], "upper": hi[i, j], "protected": bool(hi[i, j] - lo[i, j] >= width)})
    return pd.DataFrame(rows, columns=["row", "column", "value", "lower", "upper", "protected"])


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
    series: bool = False,
) -> SuppressionResult:
    """Make a table safe to publish: primary, then secondary suppression, then derived cells.

    ``count_cols``: the columns holding counts of people (include a totals column, if the table
    shows one). ``derived``: ``{column: [count columns it is worked out from]}`` for rates and
    percentages; a derived cell is shown as ``c`` when any of its count cells in the same row
    is hidden. Every listed source must be in ``count_cols``. ``row_total``/``col_total``: see
    :func:`secondary_suppress` (default True: assume both are published or derivable).
    ``totals_row_label``: the index label of a totals row already in ``df``; it is checked to
    exist, is suppressed like any other row (a total of 1-5 is itself small) and implies
    ``col_total=True``. ``series``: the count columns are consecutive periods of one series
    (months, in order); the audit then also runs across adjacent periods.

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
    mask = secondary_suppress(primary, df, cols, policy, row_total=row_total, col_total=col_total, series=series)

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
    symbol (``":"`` -> ``"x"``). Whole-number floats come back as int. A negative, fractional
    or infinite number raises ValueError (``-3`` or ``2.5`` is no count, and ``-3`` would
    otherwise be published as if it were safe); anything else raises TypeError. This protects the value only: a sentence that also quotes a total and the
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
    if math.isinf(v) or v < 0 or not v.is_integer():
        raise ValueError(f"not a count (a count is a whole number, 0 or more): {count!r}")
    if is_small(v, policy):
        return SUPPRESSED
    return int(v)


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
