"""Tests for cluster_inquiry.stats.methods against the published oracles.

Every expected number below is typed in from ``shared/reference/methods.md`` section 7
("Test oracles"), which cites its sources (PHEindicatormethods test data, Newcombe 1998,
Fingertips and LAIT unit tests). None is computed with the code under test.
Published values have 4 decimal places: a computed value passes when it is within 6e-5 of
the published one on the scale shown (percent rows: on the percent scale).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cluster_inquiry.stats import methods

TOL = 6e-5


def close(computed: float, published: float, tol: float = TOL) -> bool:
    return abs(computed - published) <= tol


# --------------------------------------------------------------------------- Wilson W1-W16

# id, x, n, scale (1 = proportion, 100 = percent), [(level, lower, upper), ...]
WILSON = [
    ("W1", 81, 263, 1, [(0.95, 0.2553, 0.3662)]),
    ("W2", 15, 148, 1, [(0.95, 0.0624, 0.1605)]),
    ("W3", 0, 20, 1, [(0.95, 0.0000, 0.1611)]),
    ("W4", 1, 29, 1, [(0.95, 0.0061, 0.1718)]),
    ("W5", 29, 29, 1, [(0.95, 0.8830, 1.0000)]),
    ("W6", 65, 100, 1, [(0.95, 0.5525, 0.7364)]),
    ("W7", 65, 100, 1, [(0.998, 0.4955, 0.7784)]),
    ("W8", 1045, 5000, 1, [(0.95, 0.1980, 0.2205)]),
    ("W9", 1045, 5000, 1, [(0.998, 0.1918, 0.2273)]),
    ("W10", 0.445, 1, 1, [(0.95, 0.0438, 0.9335), (0.998, 0.0193, 0.9702)]),
    ("W11", 1, 100, 100, [(0.95, 0.1767, 5.4486), (0.998, 0.0873, 10.4554)]),
    ("W12", 5, 100, 100, [(0.95, 2.1544, 11.1750), (0.998, 1.3865, 16.4589)]),
    ("W13", 20, 100, 100, [(0.95, 13.3367, 28.8829), (0.998, 10.5192, 34.7111)]),
    ("W14", 222, 3215, 100, [(0.95, 6.0792, 7.8340), (0.998, 5.6471, 8.4184)]),
    ("W15", 999, 3456, 100, [(0.95, 27.4190, 30.4404), (0.998, 26.5840, 31.3448)]),
    ("W16", 9856, 12345, 100, [(0.95, 79.1210, 80.5364), (0.998, 78.6992, 80.9306)]),
]


@pytest.mark.parametrize("row", WILSON, ids=[r[0] for r in WILSON])
def test_wilson_oracle(row):
    _, x, n, scale, cases = row
    for level, lower, upper in cases:
        lo, up = methods.wilson_ci(x, n, level)
        assert close(lo * scale, lower), (level, lo * scale, lower)
        assert close(up * scale, upper), (level, up * scale, upper)


def test_wilson_exact_ends():
    assert methods.wilson_ci(0, 20)[0] == 0.0
    assert methods.wilson_ci(29, 29)[1] == 1.0


def test_wilson_vectorised_series_keeps_index():
    x = pd.Series([81, 15, np.nan], index=["a", "b", "c"])
    n = pd.Series([263, 148, 10], index=["a", "b", "c"])
    lo, up = methods.wilson_ci(x, n)
    assert list(lo.index) == ["a", "b", "c"]
    assert close(lo["a"], 0.2553) and close(up["b"], 0.1605)  # W1, W2
    assert math.isnan(lo["c"]) and math.isnan(up["c"])


@pytest.mark.parametrize(
    "x, n",
    [(21, 20), (-1, 20), (1, 0), (1, -5), ([1, 30], [29, 29])],
    ids=["x>n", "x<0", "n=0", "n<0", "x>n-in-array"],
)
def test_wilson_rejects_impossible_inputs(x, n):
    with pytest.raises(ValueError):
        methods.wilson_ci(x, n)


@pytest.mark.parametrize("level", [95, 0, 1.0, -0.5])
def test_level_must_be_a_fraction(level):
    with pytest.raises(ValueError):
        methods.wilson_ci(1, 10, level)


# --------------------------------------------------------------------------- Byar B1-B7 (counts)

# id, O, level, lower (None = NA), upper
BYAR_COUNTS = [
    ("B1", 65, 0.95, 50.1632, 82.8491),
    ("B2", 65, 0.998, 42.8803, 94.0003),
    ("B3", 1045, 0.95, 982.5932, 1110.3312),
    ("B4", 1045, 0.998, 947.9407, 1148.8062),
    ("B5", 10, 0.998, 2.9163, 24.1937),
    ("B6", 1, 0.95, 0.0131, 5.5638),
    ("B7", 1, 0.998, None, 9.3622),
]


@pytest.mark.parametrize("row", BYAR_COUNTS, ids=[r[0] for r in BYAR_COUNTS])
def test_byar_count_oracle(row):
    _, o, level, lower, upper = row
    lo, up = methods.byar_ci(o, level)
    if lower is None:
        assert math.isnan(lo)
    else:
        assert close(lo, lower)
    assert close(up, upper)


# --------------------------------------------------------------------------- rates B8-B11, E1-E3

# id, O, denominator, multiplier, [(level, lower, upper), ...]
RATES = [
    ("B8", 20, 100, 100, [(0.95, 12.2114, 30.8899), (0.998, 8.9228, 38.0850)]),
    ("B9", 222, 3215, 100, [(0.95, 6.0266, 7.8757), (0.998, 5.5607, 8.4610)]),
    ("B10", 999, 3456, 100, [(0.95, 27.1413, 30.7558), (0.998, 26.1621, 31.8456)]),
    ("B11", 9856, 12345, 100, [(0.95, 78.2695, 81.4300), (0.998, 77.3759, 82.3545)]),
    ("E1", 1, 100, 100, [(0.95, 0.0253, 5.5716), (0.998, 0.0010, 9.2334)]),
    ("E2", 5, 100, 100, [(0.95, 1.6235, 11.6683), (0.998, 0.7394, 16.4547)]),
    ("E3", 2, 200, 100_000, [(0.95, 121.1046, 3612.3438)]),
]


@pytest.mark.parametrize("row", RATES, ids=[r[0] for r in RATES])
def test_rate_oracle(row):
    _, o, denom, mult, cases = row
    for level, lower, upper in cases:
        rate, lo, up = methods.rate_ci(o, denom, multiplier=mult, level=level)
        assert rate == pytest.approx(o / denom * mult)
        assert close(lo, lower), (level, lo, lower)
        assert close(up, upper), (level, up, upper)


# --------------------------------------------------------------------------- exact E4-E6


def test_exact_oracle_E4_zero_count():
    for level, upper in [(0.95, 3.6889), (0.998, 6.9078)]:
        lo, up = methods.exact_poisson_ci(0, level)
        assert lo == 0.0
        assert close(up, upper)
        lo2, up2 = methods.count_ci(0, level)  # O < 10: the switch rule uses exact
        assert lo2 == 0.0 and close(up2, upper)


def test_exact_oracle_E5_last_exact_case():
    lo, up = methods.exact_poisson_ci(9, 0.95)
    assert close(lo, 4.1154) and close(up, 17.0848)
    lo2, up2 = methods.count_ci(9, 0.95)
    assert close(lo2, 4.1154) and close(up2, 17.0848)


def test_exact_oracle_E6_first_byar_case():
    lo, up = methods.count_ci(10, 0.95)
    assert close(lo, 4.7875) and close(up, 18.3915)
    # the exact method gives different values, so the switch point matters
    elo, eup = methods.exact_poisson_ci(10, 0.95)
    assert close(elo, 4.7954) and close(eup, 18.3904)


def test_count_ci_switches_elementwise():
    lo, up = methods.count_ci(np.array([9, 10, 65]), 0.95)
    assert close(lo[0], 4.1154) and close(up[0], 17.0848)  # E5, exact
    assert close(lo[1], 4.7875) and close(up[1], 18.3915)  # E6, Byar
    assert close(lo[2], 50.1632) and close(up[2], 82.8491)  # B1, Byar


@pytest.mark.parametrize("fn", [methods.byar_ci, methods.exact_poisson_ci, methods.count_ci])
def test_negative_count_raises(fn):
    with pytest.raises(ValueError):
        fn(-1)


def test_rate_rejects_zero_denominator():
    with pytest.raises(ValueError):
        methods.rate_ci(3, 0)


# --------------------------------------------------------------------------- benchmark C1-C5

# id, value, lower95, upper95, benchmark, {polarity: expected}
ONE_LEVEL = [
    ("C1", 3.05, 2.7, 3.1, 3.0, {"low_is_good": "Similar", "high_is_good": "Similar"}),
    ("C2", 3.3, 3.2, 3.5, 3.0, {"low_is_good": "Worse", "high_is_good": "Better"}),
    ("C3", 2.5, 2.2, 2.8, 3.0, {"low_is_good": "Better", "high_is_good": "Worse"}),
    ("C4", 11, 10, 12, 11, {"low_is_good": "Similar", "high_is_good": "Similar"}),
]


@pytest.mark.parametrize("row", ONE_LEVEL, ids=[r[0] for r in ONE_LEVEL])
def test_compare_one_level_oracle(row):
    _, value, lo, up, bench, expected = row
    for polarity, label in expected.items():
        assert methods.compare_to_benchmark(value, lo, up, bench, polarity) == label


def test_compare_oracle_C5_two_levels():
    benchmarks = [3.0, 2.8, 2.6, 2.4, 2.2]
    high = ["Worse (99.8%)", "Worse", "Similar", "Better", "Better (99.8%)"]  # Worst..Best
    low = ["Better (99.8%)", "Better", "Similar", "Worse", "Worse (99.8%)"]
    for polarity, expected in [("high_is_good", high), ("low_is_good", low)]:
        got = [
            methods.compare_to_benchmark(2.6, 2.5, 2.7, b, polarity, lower998=2.3, upper998=2.9)
            for b in benchmarks
        ]
        assert got == expected, polarity
    vec = methods.compare_to_benchmark(
        2.6, 2.5, 2.7, np.array(benchmarks), "high_is_good", 2.3, 2.9
    )
    assert list(vec) == high


def test_compare_ends_inclusive():
    # methods.md s.3: ends are inclusive (benchmark on a limit counts as inside)
    assert methods.compare_to_benchmark(11, 10, 12, 10, "high_is_good") == "Similar"
    assert methods.compare_to_benchmark(11, 10, 12, 12, "high_is_good") == "Similar"
    # on the 99.8% limit: still only significant at 95% (C5 limits)
    assert methods.compare_to_benchmark(2.6, 2.5, 2.7, 2.3, "high_is_good", 2.3, 2.9) == "Better"
    assert methods.compare_to_benchmark(2.6, 2.5, 2.7, 2.9, "high_is_good", 2.3, 2.9) == "Worse"


def test_compare_no_judgement_wording():
    assert methods.compare_to_benchmark(3.3, 3.2, 3.5, 3.0, "no_judgement") == "Higher"  # C2
    assert methods.compare_to_benchmark(2.5, 2.2, 2.8, 3.0, "BOB") == "Lower"  # C3
    assert methods.compare_to_benchmark(11, 10, 12, 11, None) == "Similar"  # C4


@pytest.mark.parametrize(
    "args, kwargs",
    [
        ((np.nan, 2.7, 3.1, 3.0, "low_is_good"), {}),
        ((3.05, np.nan, 3.1, 3.0, "low_is_good"), {}),
        ((3.05, 2.7, None, 3.0, "high_is_good"), {}),
        ((3.05, 2.7, 3.1, np.nan, "high_is_good"), {}),
        ((3.3, 3.2, 3.5, 3.0, "not_applicable"), {}),
        ((2.6, 2.5, 2.7, 2.2, "high_is_good"), {"lower998": np.nan, "upper998": 2.9}),
    ],
    ids=["value", "lower95", "upper95", "benchmark", "polarity-NA", "missing-99.8"],
)
def test_compare_missing_gives_not_compared(args, kwargs):
    assert methods.compare_to_benchmark(*args, **kwargs) == "Not compared"


def test_compare_series_mixed_missing():
    value = pd.Series([3.3, np.nan, 2.5], index=[10, 20, 30])
    lo = pd.Series([3.2, 2.7, 2.2], index=[10, 20, 30])
    up = pd.Series([3.5, 3.1, 2.8], index=[10, 20, 30])
    got = methods.compare_to_benchmark(value, lo, up, 3.0, "low_is_good")
    assert list(got.index) == [10, 20, 30]
    assert list(got) == ["Worse", "Not compared", "Better"]  # C2, missing, C3


def test_compare_needs_both_998_limits():
    with pytest.raises(ValueError):
        methods.compare_to_benchmark(2.6, 2.5, 2.7, 3.0, "high_is_good", lower998=2.3)


def test_unknown_polarity_raises():
    with pytest.raises(ValueError):
        methods.compare_to_benchmark(2.6, 2.5, 2.7, 3.0, "sideways")


# --------------------------------------------------------------------------- quartiles Q1-Q3


def test_quartile_cut_points_oracle_Q1():
    cuts = methods.quartile_cut_points(np.arange(1, 51))
    assert cuts is not None
    for got, want in zip(cuts, [1, 13.25, 25.5, 37.75, 50], strict=True):
        assert close(got, want)


def test_quartile_cut_points_need_four_values():
    assert methods.quartile_cut_points([1.0, 2.0, np.nan, 3.0]) is None
    assert methods.quartile_cut_points([1.0, 2.0, 3.0, 4.0]) is not None


CUTS = [0, 25, 50, 75, 100]


@pytest.mark.parametrize(
    "polarity, values, expected",
    [
        ("Low", [10, 30, 60, 80], ["A", "B", "C", "D"]),
        ("High", [10, 30, 60, 80], ["D", "C", "B", "A"]),
    ],
    ids=["Q2-low", "Q2-high"],
)
def test_quartile_band_oracle_Q2(polarity, values, expected):
    assert list(methods.quartile_band(values, polarity, cut_points=CUTS)) == expected


def test_quartile_band_oracle_Q3_boundaries():
    got = methods.quartile_band([0, 25, 50, 75, 100], "low_is_good", cut_points=CUTS)
    assert list(got) == ["A", "A", "B", "C", "D"]


def test_quartile_band_boundary_goes_to_lower_value_band_high():
    # methods.md s.4: High polarity, a value equal to Q1 is D, one equal to Q3 is B
    assert methods.quartile_band(25, "high_is_good", cut_points=CUTS) == "D"
    assert methods.quartile_band(75, "high_is_good", cut_points=CUTS) == "B"


def test_quartile_band_missing_and_no_polarity():
    got = methods.quartile_band(pd.Series([10, np.nan]), "low", cut_points=CUTS)
    assert got.iloc[0] == "A" and got.isna().iloc[1]
    assert methods.quartile_band([10, 30], "no_judgement", cut_points=CUTS).isna().all()
    # fewer than 4 valid values: no cut points, no bands
    assert methods.quartile_band([1.0, 2.0, 3.0], "low").isna().all()


# --------------------------------------------------------------------------- ranks R1-R2


def test_rank_oracle_R1():
    got = methods.rank([10, 20, 20, 30, 40], "High")
    assert str(got.dtype) == "Int64"
    assert got.tolist() == [5, 3, 3, 2, 1]


def test_rank_oracle_R2():
    got = methods.rank([10, np.nan, 30, 20, None], "Low")
    assert str(got.dtype) == "Int64"
    assert [None if pd.isna(v) else int(v) for v in got] == [1, None, 3, 2, None]


def test_rank_and_band_keep_series_index():
    values = pd.Series([10, 20, 20, 30, 40], index=list("vwxyz"))
    r = methods.rank(values, "high_is_good")
    assert list(r.index) == list("vwxyz") and r["v"] == 5 and r["z"] == 1  # R1
    b = methods.quartile_band(values, "low_is_good", cut_points=CUTS)
    assert list(b.index) == list("vwxyz") and b["v"] == "A"


def test_rank_and_band_array_input_is_positional():
    # no index on the result, so assigning it to a frame column never realigns
    frame = pd.DataFrame({"value": [10, 30, 60, 80]}, index=[7, 3, 5, 1])
    frame["band"] = methods.quartile_band(frame["value"].to_numpy(), "Low", cut_points=CUTS)
    frame["rank"] = methods.rank(frame["value"].to_numpy(), "Low")
    assert frame["band"].tolist() == ["A", "B", "C", "D"]  # Q2 low
    assert frame["rank"].tolist() == [1, 2, 3, 4]


def test_rank_no_polarity_gives_no_rank():
    assert methods.rank([1, 2, 3], None).isna().all()


# ------------------------------------------------------------------------- period-on-period change


@pytest.mark.parametrize(
    "polarity, up_label, down_label",
    [
        ("high_is_good", "Improving", "Worsening"),
        ("low_is_good", "Worsening", "Improving"),
        ("no_judgement", "Increasing", "Decreasing"),
    ],
)
def test_change_significance_wording(polarity, up_label, down_label):
    assert methods.change_significance(1.0, (0.5, 1.5), 3.0, (2.0, 4.0), polarity) == up_label
    assert methods.change_significance(3.0, (2.0, 4.0), 1.0, (0.5, 1.5), polarity) == down_label
    # touching intervals overlap (ends inclusive): not significant
    assert (
        methods.change_significance(1.0, (0.5, 2.0), 3.0, (2.0, 4.0), polarity)
        == "No significant change"
    )


def test_change_significance_missing():
    got = methods.change_significance(1.0, (0.5, np.nan), 3.0, (2.0, 4.0), "high_is_good")
    assert got == "Cannot be calculated"


# --------------------------------------------------------------------------- trends T1-T3

T1 = dict(
    values=[24.67, 24.6, 28, 30.2, 30.6],
    lower95=[23.16, 23.15, 26.44, 28.63, 28.98],
    upper95=[26.25, 26.19, 29.64, 31.9, 32.25],
)
T2 = dict(
    values=[20.5506, 19.5952, 19.0349, 21.3966, 18.4372],
    lower95=[18.1803, 17.3444, 16.8421, 19.0918, 16.2925],
    upper95=[23.1427, 22.0602, 21.4394, 23.8975, 20.7941],
)
T3 = dict(
    counts=[994, 1023, 1199, 1332, 1367],
    denominators=[40299, 41527, 42811, 44064, 44701],
)


def test_trend_oracle_T1():
    res = methods.trend_marker(**T1, polarity="high_is_good")
    assert round(res.chi2, 2) == 46.77  # Fingertips asserts Math.Round(chi2, 2) == 46.77
    assert res.significant and res.stable_sign
    assert res.marker == "Increasing"
    assert res.label == "Increasing and getting better"
    assert methods.trend_marker(**T1, polarity="low_is_good").label == "Increasing and getting worse"
    assert methods.trend_marker(**T1).label == "Increasing"


def test_trend_oracle_T2():
    res = methods.trend_marker(**T2, polarity="low_is_good")
    assert not res.significant
    assert res.marker == "No significant change"
    assert round(res.chi2, 2) == 0.46  # methods.md: approx 0.46 [computed]


def test_trend_oracle_T3_proportions():
    res = methods.trend_marker_proportions(**T3, polarity="high_is_good")
    assert round(res.chi2, 2) == 47.9  # Fingertips asserts Math.Round(chi2, 2) == 47.9
    assert res.significant
    assert res.marker == "Increasing"
    assert res.label == "Increasing and getting better"


def test_trend_uses_latest_five_unbroken_points():
    # an older, broken point before T1 is ignored; T1 is still found
    res = methods.trend_marker(
        [np.nan, 99.0] + T1["values"],
        [np.nan, 1.0] + T1["lower95"],
        [np.nan, 200.0] + T1["upper95"],
    )
    assert round(res.chi2, 2) == 46.77


def test_trend_cannot_be_calculated_with_fewer_than_five_points():
    res = methods.trend_marker(T1["values"][1:], T1["lower95"][1:], T1["upper95"][1:])
    assert res.marker == "Cannot be calculated" and not res.significant
    # a gap in the most recent five also breaks the run
    lo = list(T1["lower95"])
    lo[2] = np.nan
    assert methods.trend_marker(T1["values"], lo, T1["upper95"]).marker == "Cannot be calculated"


def test_trend_stable_sign_rule_blocks_one_outlier():
    # four precise, gently falling points then one precise jump: the overall slope is
    # positive and hugely significant, but dropping the last point makes it negative.
    values = [10.0, 9.9, 9.8, 9.7, 20.0]
    lower = [v - 0.01 for v in values]
    upper = [v + 0.01 for v in values]
    res = methods.trend_marker(values, lower, upper)
    assert res.chi2 > methods.TREND_CHI2_THRESHOLD
    assert not res.stable_sign
    assert not res.significant
    assert res.marker == "No significant change"


def test_trend_proportions_refuses_count_equal_to_denominator():
    # Fingertips TestIsSignificantForProportionsCannotBeCalculated
    res = methods.trend_marker_proportions([5, 3, 1, 1, 2], [5, 5, 5, 4, 4])
    assert res.marker == "Cannot be calculated" and not res.significant


def test_trend_threshold_is_chi2_998():
    assert methods.TREND_CHI2_THRESHOLD == 9.54953570608324


# --------------------------------------------------------------------------- sessions within pupils


def _simulate_clusters(seed, draws=2000, pupils=800, sessions=300, absence=0.05, phi=19.0):
    """``draws`` clusters of pupils whose absence rates are beta(mu phi, (1 - mu) phi): sessions of
    one pupil are correlated (rho = 1 / (phi + 1)); the true attendance rate is 1 - absence."""
    rng = np.random.default_rng(seed)
    rate = rng.beta(absence * phi, (1 - absence) * phi, size=(draws, pupils))
    absent = rng.binomial(sessions, rate)
    attended = (sessions - absent).sum(axis=1)
    possible = np.full(draws, pupils * sessions)
    persistent = (absent >= np.ceil(methods.PERSISTENT_ABSENCE_THRESHOLD * sessions)).sum(axis=1)
    return attended, possible, np.full(draws, pupils), persistent


@pytest.mark.parametrize(("sessions", "absence", "phi"), [(300, 0.05, 19.0), (38, 0.05, 19.0), (300, 0.07, 10.0)])
def test_attendance_interval_covers_the_true_rate(sessions, absence, phi):
    """The published 95% interval covers the true rate in 93-97% of 2,000 simulated clusters;
    Wilson on sessions (every session an independent trial) does not."""
    attended, possible, pupils, persistent = _simulate_clusters(12, sessions=sessions, absence=absence, phi=phi)
    truth = 1 - absence
    lower, upper, deff = methods.attendance_ci(attended, possible, pupils, persistent)
    coverage = np.mean((lower <= truth) & (truth <= upper))
    assert 0.93 <= coverage <= 0.97, coverage
    naive_lower, naive_upper = methods.wilson_ci(attended, possible)
    naive = np.mean((naive_lower <= truth) & (truth <= naive_upper))
    assert not 0.93 <= naive <= 0.97, naive
    # the design effect is close to the one the simulation built in
    assert np.median(deff) == pytest.approx(1 + (sessions - 1) / (phi + 1), rel=0.1)


def test_pupil_correlation_recovers_the_beta_binomial_rho():
    # the share beta-binomial pupils would have above 15% gives back the rho that made it
    mu, m = np.array([0.05, 0.05, 0.08]), np.array([300, 38, 150])
    phi = np.array([19.0, 40.0, 8.0])
    k = np.ceil(0.15 * m)
    from scipy.stats import betabinom

    share = betabinom.sf(k - 1, m, mu * phi, (1 - mu) * phi)
    rho = methods.pupil_correlation_from_persistent_absence(mu, m, share)
    np.testing.assert_allclose(rho, 1 / (phi + 1), rtol=1e-4)


def test_clustered_wilson_is_wilson_without_clustering():
    assert methods.clustered_wilson_ci(950, 1000, 1.0) == methods.wilson_ci(950, 1000)
    lo, hi = methods.clustered_wilson_ci(95_000, 100_000, 16.0)
    assert methods.wilson_ci(95_000 / 16, 100_000 / 16) == pytest.approx((lo, hi))
    with pytest.raises(ValueError):
        methods.clustered_wilson_ci(9, 10, 0.5)


def test_rank_range_from_interval_overlap():
    values = pd.Series([10.0, 11.0, 20.0, np.nan], index=list("abcd"))
    lower = values - 2
    upper = values + 2
    r = methods.rank_range(values, lower, upper, "low_is_good")
    assert r.loc["a"].tolist() == [1, 2] and r.loc["b"].tolist() == [1, 2]  # a and b overlap
    assert r.loc["c"].tolist() == [3, 3]  # clear of both
    assert pd.isna(r.loc["d", "best"])
    r = methods.rank_range(values, lower, upper, "high_is_good")
    assert r.loc["c"].tolist() == [1, 1] and r.loc["a"].tolist() == [2, 3]
