"""Small-number suppression: thresholds, secondary suppression, symbols, formatting."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cluster_inquiry.stats.disclosure import (
    DEFAULT_POLICY,
    LEGEND,
    NOT_APPLICABLE,
    NOT_AVAILABLE,
    SUPPRESSED,
    DisclosurePolicy,
    SuppressionResult,
    format_count,
    is_small,
    legend_markdown,
    normalise_symbol,
    primary_suppress,
    recoverable_cells,
    secondary_suppress,
    suppress_table,
    suppress_value,
)
from cluster_inquiry.core.exceptions import DisclosureError


def grid(rows, cols="abcdefgh"):
    """A small frame from a list of rows; index r0, r1, ... and columns a, b, ..."""
    n = len(rows[0])
    return pd.DataFrame(rows, index=[f"r{i}" for i in range(len(rows))], columns=list(cols[:n]))


def cells(mask: pd.DataFrame) -> set[tuple[str, str]]:
    """The (row, column) labels that are True."""
    return {(i, c) for i in mask.index for c in mask.columns if mask.at[i, c]}


# ----------------------------------------------------------------- symbols and policy


def test_symbols_are_the_gss_letters():
    assert (SUPPRESSED, NOT_AVAILABLE, NOT_APPLICABLE) == ("c", "x", "z")
    assert set(LEGEND) == {"c", "x", "z"}


def test_obsolete_colon_is_read_as_not_available():
    assert normalise_symbol(":") == "x"
    assert normalise_symbol(" C ") == "c"
    assert normalise_symbol("z") == "z"
    assert normalise_symbol("n/a") is None
    assert normalise_symbol(3) is None


def test_legend_markdown_names_symbols_and_threshold():
    md = legend_markdown()
    for sym in ("`c`", "`x`", "`z`"):
        assert sym in md
    assert "1 to 5" in md
    assert "1 to 9" in legend_markdown(DisclosurePolicy(1, 9))
    assert ":" not in md.replace("**Symbols used in tables**", "").split("`")[0]


def test_default_policy_is_one_to_five():
    assert DEFAULT_POLICY == DisclosurePolicy(min_count=1, max_count=5)


def test_policy_is_frozen_and_validated():
    with pytest.raises(AttributeError):
        DEFAULT_POLICY.max_count = 10  # type: ignore[misc]
    with pytest.raises(ValueError):
        DisclosurePolicy(min_count=6, max_count=5)
    with pytest.raises(ValueError):
        DisclosurePolicy(min_count=-1)
    with pytest.raises(TypeError):
        DisclosurePolicy(max_count=5.5)  # type: ignore[arg-type]


# ----------------------------------------------------------------- primary suppression


@pytest.mark.parametrize("value, small", [(0, False), (1, True), (5, True), (6, False)])
def test_threshold_boundaries_scalar(value, small):
    assert is_small(value) is small
    assert suppress_value(value) == ("c" if small else value)


def test_threshold_boundaries_in_a_table():
    df = pd.DataFrame({"n": [0, 1, 5, 6]}, index=list("ABCD"))
    res = suppress_table(df, ["n"], row_total=False, col_total=False)
    assert res.table["n"].tolist() == [0, "c", "c", 6]
    assert res.mask["n"].tolist() == [False, True, True, False]


def test_is_small_keeps_shape_and_ignores_non_numbers():
    s = pd.Series([0, 1, 5, 6, None, np.nan, "c", 3.0], index=list("abcdefgh"))
    out = is_small(s)
    assert isinstance(out, pd.Series) and out.index.equals(s.index)
    assert out.tolist() == [False, True, True, False, False, False, False, True]
    assert is_small(np.array([0, 2, 7])).tolist() == [False, True, False]


def test_custom_policy():
    policy = DisclosurePolicy(min_count=1, max_count=9)
    assert [is_small(v, policy) for v in (0, 3, 9, 10)] == [False, True, True, False]
    df = pd.DataFrame({"n": [2, 3, 9, 10]})
    res = suppress_table(df, ["n"], policy, row_total=False, col_total=False)
    assert res.table["n"].tolist() == ["c", "c", "c", 10]
    # the default policy would have hidden the 2 and shown the 9
    res = suppress_table(df, ["n"], row_total=False, col_total=False)
    assert res.table["n"].tolist() == ["c", "c", 9, 10]


def test_primary_marks_cells_already_suppressed():
    df = grid([[3, "c", 40], [20, 30, 0]])
    assert cells(primary_suppress(df, ["a", "b", "c"])) == {("r0", "a"), ("r0", "b")}


# ----------------------------------------------------------------- secondary suppression


def test_secondary_in_a_row():
    df = grid([[3, 10, 8, 0]])
    primary = primary_suppress(df, list("abcd"))
    mask = secondary_suppress(primary, df, list("abcd"), row_total=True, col_total=False)
    # next-smallest non-zero is the 8 (the 0 is skipped)
    assert cells(mask) == {("r0", "a"), ("r0", "c")}
    assert cells(primary) == {("r0", "a")}  # input mask untouched


def test_no_secondary_in_a_row_without_row_totals():
    df = grid([[3, 10, 8]])
    mask = secondary_suppress(primary_suppress(df, list("abc")), df, list("abc"),
                              row_total=False, col_total=False)
    assert cells(mask) == {("r0", "a")}


def test_secondary_in_a_column():
    df = pd.DataFrame({"n": [2, 40, 7, 9]}, index=list("ABCD"))
    res = suppress_table(df, ["n"], row_total=False, col_total=True)
    assert res.table["n"].tolist() == ["c", 40, "c", 9]
    assert res.secondary["n"].tolist() == [False, False, True, False]
    assert res.primary["n"].tolist() == [True, False, False, False]


def test_ties_are_broken_by_position():
    df = grid([[3, 8, 8]])
    res = suppress_table(df, list("abc"), row_total=True, col_total=False)
    assert res.table.loc["r0"].tolist() == ["c", "c", 8]
    df = pd.DataFrame({"n": [9, 9, 4]})
    res = suppress_table(df, ["n"], row_total=False, col_total=True)
    assert res.table["n"].tolist() == ["c", 9, "c"]


def test_zero_is_hidden_only_when_no_non_zero_partner_is_left():
    df = grid([[4, 0, 0]])
    res = suppress_table(df, list("abc"), row_total=False, col_total=False)
    assert res.table.loc["r0"].tolist() == ["c", 0, 0]
    # with the total shown, c + 0 would narrow the 4 to 0..4; nothing else is left, so both zeros go
    res = suppress_table(df, list("abc"), row_total=True, col_total=False)
    assert res.table.loc["r0"].tolist() == ["c", "c", "c"]


def test_cascading_secondary_suppression():
    # Hiding the 2 forces the 9 (row), which leaves single hidden cells in columns, whose
    # partners leave single hidden cells in other rows, and so on. Worked by hand:
    # row r0 -> (r0,c)=9; col a -> (r2,a)=20; col c -> (r1,c)=60; row r1 -> (r1,a)=30;
    # row r2 -> (r2,b)=70; col b -> (r1,b)=40; then stable.
    df = grid([[2, 50, 9], [30, 40, 60], [20, 70, 80]])
    res = suppress_table(df, list("abc"))
    assert res.table.to_numpy().tolist() == [
        ["c", 50, "c"],
        ["c", "c", "c"],
        ["c", "c", 80],
    ]
    assert cells(res.primary) == {("r0", "a")}


def test_no_secondary_needed_when_two_cells_already_hidden():
    df = grid([[2, 3, 40, 50], [60, 70, 80, 90]])
    res = suppress_table(df, list("abcd"), row_total=False, col_total=False)
    assert cells(res.mask) == {("r0", "a"), ("r0", "b")}
    assert not res.secondary.to_numpy().any()
    # with the row total shown, 2 + 3 = 5 would narrow each to 1..4 (fewer than 6 values):
    # the audit hides the next-smallest, the 40 (issue 12, section 3)
    res = suppress_table(df, list("abcd"), row_total=True, col_total=False)
    assert cells(res.mask) == {("r0", "a"), ("r0", "b"), ("r0", "c")}


def test_existing_c_in_input_needs_a_partner_too():
    df = grid([["c", 12, 30]])
    res = suppress_table(df, list("abc"), row_total=True, col_total=False)
    assert res.table.loc["r0"].tolist() == ["c", "c", 30]


def test_exact_check_catches_two_blocks_joined_by_one_cell():
    # Two 2x2 blocks of small counts, joined by one small cell at (r1, c). Every row and
    # column then holds >= 2 hidden cells, yet (r1, c) = (row r0 + r1 residuals) minus
    # (column a + b residuals), so it can be worked out.
    df = grid([
        [1, 2, 40, 41],
        [3, 4, 5, 30],
        [50, 51, 1, 2],
        [52, 53, 3, 4],
    ])
    cols = list("abcd")
    primary = primary_suppress(df, cols)
    assert cells(recoverable_cells(primary)) == {("r1", "c")}
    mask = secondary_suppress(primary, df, cols)
    assert cells(mask) >= cells(primary)
    assert not recoverable_cells(mask).to_numpy().any()
    assert not recoverable_cells(mask, values=df).to_numpy().any()


def test_line_with_one_cell_and_a_published_total_cannot_be_protected():
    df = pd.DataFrame({"n": [3, 20]})
    with pytest.raises(DisclosureError):
        suppress_table(df, ["n"], row_total=True, col_total=False)


def test_line_whose_other_cells_are_not_available_cannot_be_protected():
    # the column total (sum of the numbers available) would equal the hidden 3
    df = grid([[3, 20], [np.nan, 30]])
    with pytest.raises(DisclosureError):
        suppress_table(df, ["a", "b"], row_total=False, col_total=True)


def test_totals_row_label_implies_column_totals():
    df = pd.DataFrame({"n": [3, 10, 12, 25]}, index=["A", "B", "C", "All"])
    shown = suppress_table(df, ["n"], row_total=False, col_total=False)
    assert shown.table["n"].tolist() == ["c", 10, 12, 25]
    res = suppress_table(df, ["n"], row_total=False, col_total=False, totals_row_label="All")
    assert res.table["n"].tolist() == ["c", "c", 12, 25]
    with pytest.raises(KeyError):
        suppress_table(df, ["n"], totals_row_label="Total")


def test_small_total_in_totals_row_is_hidden():
    df = pd.DataFrame({"n": [1, 0, 3, 4]}, index=["A", "B", "C", "All"])
    res = suppress_table(df, ["n"], row_total=False, totals_row_label="All")
    assert res.table["n"].tolist() == ["c", 0, "c", "c"]


# ----------------------------------------------------------------- derived cells and symbols


def test_rate_derived_from_a_hidden_count_is_hidden():
    df = pd.DataFrame(
        {
            "looked_after": [3, 40, 25],
            "population": [1200, 5000, 4000],
            "rate_per_10k": [25.0, 80.0, 62.5],
            "pct_other": [1.0, 2.0, 3.0],
        },
        index=["A", "B", "C"],
    )
    res = suppress_table(
        df,
        ["looked_after", "population"],
        derived={"rate_per_10k": ["looked_after", "population"]},
        row_total=False,
        col_total=False,
    )
    assert res.table["looked_after"].tolist() == ["c", 40, 25]
    assert res.table["rate_per_10k"].tolist() == ["c", 80.0, 62.5]
    assert res.mask["rate_per_10k"].tolist() == [True, False, False]
    # a column not declared as derived is copied as it was
    assert res.table["pct_other"].tolist() == [1.0, 2.0, 3.0]


def test_rate_derived_from_a_secondary_suppressed_count_is_hidden():
    df = pd.DataFrame({"n": [2, 40, 7], "pct": [4.0, 80.0, 14.0]})
    res = suppress_table(df, ["n"], derived={"pct": ["n"]}, row_total=False, col_total=True)
    assert res.table["n"].tolist() == ["c", 40, "c"]
    assert res.table["pct"].tolist() == ["c", 80.0, "c"]


def test_derived_sources_must_be_count_columns():
    df = pd.DataFrame({"n": [10], "d": [100], "r": [0.1]})
    with pytest.raises(ValueError):
        suppress_table(df, ["n"], derived={"r": ["n", "d"]})


def test_nan_and_symbols_in_input():
    df = pd.DataFrame(
        {"n": [np.nan, 12.0, 30.0, 40.0], "m": [":", "z", 20, None], "r": [np.nan, 1.5, 2.0, 3.0]},
        index=list("ABCD"),
    )
    res = suppress_table(df, ["n", "m"], derived={"r": ["n"]}, row_total=False, col_total=False)
    assert res.table["n"].tolist() == ["x", 12, 30, 40]
    assert res.table["m"].tolist() == ["x", "z", 20, "x"]
    assert res.table["r"].tolist() == ["x", 1.5, 2.0, 3.0]
    # whole-number floats come out as ints, not "12.0"
    assert [type(v) for v in res.table["n"]][1:] == [int, int, int]
    assert not res.mask.to_numpy().any()


def test_result_shape_and_input_untouched():
    df = pd.DataFrame({"name": ["A", "B"], "n": [3, 20], "m": [30, 40]}).set_index("name")
    before = df.copy()
    res = suppress_table(df, ["n", "m"], row_total=True, col_total=False)
    assert isinstance(res, SuppressionResult)
    pd.testing.assert_frame_equal(df, before)
    assert res.table is not df
    assert res.table.index.equals(df.index) and list(res.table.columns) == ["n", "m"]
    assert res.table["n"].dtype == object
    assert res.n_suppressed == 2


# ----------------------------------------------------------------- scalars


def test_suppress_value_and_format_count():
    assert suppress_value(7) == 7
    assert suppress_value(np.int64(7)) == 7
    assert suppress_value(7.0) == 7 and isinstance(suppress_value(7.0), int)
    assert suppress_value(None) == "x"
    assert suppress_value(np.nan) == "x"
    assert suppress_value(":") == "x"
    with pytest.raises(TypeError):
        suppress_value("seven")
    assert format_count(1234) == "1,234"
    assert format_count(1234567.0) == "1,234,567"
    assert format_count(0) == "0"
    assert format_count(6) == "6"
    assert format_count(5) == "c"
    assert format_count(1) == "c"
    assert format_count(np.nan) == "x"
    assert format_count("z") == "z"
    assert format_count(7, DisclosurePolicy(max_count=9)) == "c"
    with pytest.raises(ValueError):
        format_count(12.5)


# ----------------------------------------------------------------- property test


def _random_table(rng: np.random.Generator) -> pd.DataFrame:
    n_rows = int(rng.integers(2, 8))
    n_cols = int(rng.integers(2, 6))
    kind = rng.choice(3, size=(n_rows, n_cols), p=[0.2, 0.3, 0.5])
    values = np.where(
        kind == 0, 0, np.where(kind == 1, rng.integers(1, 6, size=kind.shape),
                               rng.integers(6, 80, size=kind.shape))
    ).astype(float)
    # a few "not available" cells, but every row and column keeps two numbers (a line whose
    # total is shown with a single number in it cannot be protected: see the test above)
    for i, j in zip(*np.nonzero(rng.random(values.shape) < 0.05)):
        trial = values.copy()
        trial[i, j] = np.nan
        numeric = ~np.isnan(trial)
        if numeric.sum(axis=0).min() >= 2 and numeric.sum(axis=1).min() >= 2:
            values = trial
    return grid(values.tolist())


def _assert_no_single_c(table: pd.DataFrame, rows: bool, columns: bool) -> None:
    is_c = table.to_numpy(dtype=object) == "c"
    if rows:
        per_row = is_c.sum(axis=1)
        assert not (per_row == 1).any(), table
    if columns:
        per_col = is_c.sum(axis=0)
        assert not (per_col == 1).any(), table


@pytest.mark.parametrize("row_total, col_total", [(True, True), (True, False), (False, True)])
def test_property_no_line_with_a_single_c(row_total, col_total):
    rng = np.random.default_rng(20261115)
    n_tables = 300 if (row_total and col_total) else 100
    hid_something = refused = 0
    for _ in range(n_tables):
        df = _random_table(rng)
        cols = list(df.columns)
        try:
            res = suppress_table(df, cols, row_total=row_total, col_total=col_total)
        except DisclosureError:  # a hidden cell pinned by the totals with nothing left to hide
            refused += 1
            continue
        out = res.table
        _assert_no_single_c(out, row_total, col_total)
        raw = df.to_numpy(dtype=float)
        shown = out.to_numpy(dtype=object)
        # every small count is hidden; every cell shown is the original value
        small = (raw >= 1) & (raw <= 5)
        assert (shown[small] == "c").all()
        for v, s in zip(raw.ravel(), shown.ravel()):
            if s == "c":
                continue
            assert (s == "x") if np.isnan(v) else (s == int(v))
        # and no hidden cell can be solved for exactly from the published totals
        assert not recoverable_cells(res.mask, row_total, col_total).to_numpy().any()
        # nor with the bounds a reader knows (hidden counts are whole and at least 1)
        assert not recoverable_cells(res.mask, row_total, col_total, values=df).to_numpy().any()
        hid_something += int(res.secondary.to_numpy().any())
    assert refused <= n_tables // 20
    assert hid_something > n_tables // 4  # the generator really exercises secondary suppression


# ----------------------------------------------------------------- the audit (issue 12, section 3)

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cluster_inquiry.stats import disclosure  # noqa: E402
from cluster_inquiry.stats.disclosure import audit, feasible_ranges, protection_width  # noqa: E402


def test_bounds_pin_two_ones_that_exact_algebra_calls_safe():
    """Column 1, 1, 40, 57 with total 99: 99 - 40 - 57 = 2 forces both hidden cells to 1."""
    df = pd.DataFrame({"n": [1, 1, 40, 57]}, index=list("abcd"))
    primary = primary_suppress(df, ["n"])
    assert not recoverable_cells(primary, False, True).to_numpy().any()  # the old check: "safe"
    assert recoverable_cells(primary, False, True, values=df)["n"].tolist() == [True, True, False, False]
    res = suppress_table(df, ["n"], row_total=False, col_total=True)
    assert res.table["n"].tolist() == ["c", "c", "c", 57]
    report = audit(df, res.mask, row_total=False, col_total=True)
    assert report["protected"].all() and (report["upper"] - report["lower"] >= protection_width()).all()


def test_differencing_adjacent_months_is_audited():
    """Hidden totals 8 and 13, one more hidden unit the second month: that unit is 5."""
    months = pd.DataFrame(
        {"m1": [4, 4, 5, 40, 50, 60], "m2": [4, 4, 5, 41, 50, 60]}, index=list("abcdef")
    )
    mask = pd.DataFrame({"m1": [True, True, False, False, False, False],
                         "m2": [True, True, True, False, False, False]}, index=months.index)
    across = audit(months, mask, row_total=False, col_total=True, series=True).set_index(["row", "column"])
    assert across.loc[("c", "m2"), ["lower", "upper"]].tolist() == [5, 5]
    res = suppress_table(months, ["m1", "m2"], row_total=False, col_total=True, series=True)
    assert audit(months, res.mask, row_total=False, col_total=True, series=True)["protected"].all()


def test_suppress_value_refuses_negative_and_fractional_counts():
    for bad in (-3, -1.0, 2.5, float("inf")):
        with pytest.raises(ValueError, match="not a count"):
            suppress_value(bad)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 60), min_size=3, max_size=5), min_size=3, max_size=6)
       .filter(lambda rows: len({len(r) for r in rows}) == 1))
def test_property_every_hidden_cell_keeps_a_wide_range(rows):
    """Random tables with row and column totals: after suppression, the integer-programming
    audit finds no hidden cell pinned, and none narrower than the protection interval unless
    nothing was left to hide in its lines."""
    df = grid(rows)
    cols = list(df.columns)
    try:
        res = suppress_table(df, cols, row_total=True, col_total=True)
    except DisclosureError:
        return  # refused, with a reason: nothing is published
    values = df.to_numpy(dtype=float)
    mask = res.mask[cols].to_numpy(dtype=bool)
    lo, hi = feasible_ranges(mask, values, disclosure._lines(mask.shape, True, True))
    hidden = mask
    assert (hi[hidden] > lo[hidden]).all()
    assert ((lo[hidden] <= values[hidden]) & (values[hidden] <= hi[hidden])).all()
