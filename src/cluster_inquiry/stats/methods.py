"""Statistical methods for the evidence book (PHE Fingertips / DfE LAIT conventions).

Every method follows ``shared/reference/methods.md`` (the *methods reference*); section numbers
below refer to it. The published worked examples in its section 7 are the test oracles in
``tests/test_stats.py``.

Contents
--------
Confidence intervals (sections 1-2)
    :func:`wilson_ci` (proportions, Wilson score, no continuity correction),
    :func:`byar_ci`, :func:`exact_poisson_ci`, :func:`count_ci` (PHE switch rule: exact when
    O < 10, Byar's otherwise) and :func:`rate_ci`.
Comparison with a benchmark (section 3)
    :func:`compare_to_benchmark`: Fingertips "single overlapping CIs", one or two CI levels.
Quartiles and ranks (section 4)
    :func:`quartile_cut_points`, :func:`quartile_band` (LAIT A-D, A always best) and
    :func:`rank` (LAIT, 1 = best, ties share the smallest rank).
Direction of travel (section 6)
    :func:`change_significance` (CI non-overlap between two periods),
    :func:`trend_marker` (Fingertips 5-point weighted least-squares chi-squared trend at 99.8%)
    and :func:`trend_marker_proportions` (chi-squared test for trend on counts/denominators).

Inputs and outputs
------------------
The interval and comparison functions are vectorised. They take scalars, array-likes or
pandas Series (missing values as NaN, None or ``pd.NA``) and give back the same kind:
a Python ``float``/``str`` when every input is a scalar, a Series (index of the first Series
argument) when any input is a Series, otherwise a numpy array. Missing inputs give NaN
limits (intervals) or a "not compared" label (comparisons); impossible inputs (x > n, a
negative count, ...) raise ``ValueError``.

Polarity
--------
One vocabulary throughout, with Fingertips' ids and LAIT's words accepted as aliases:

=================  ==========================================  ===============================
canonical          aliases                                     meaning
=================  ==========================================  ===============================
``high_is_good``   ``"high"``, ``1`` (Fingertips RAG high)      a higher value is better
``low_is_good``    ``"low"``, ``0`` (Fingertips RAG low)        a lower value is better
``no_judgement``   ``"bob"``, ``99``, ``None``                  Higher / Lower, no judgement
``not_applicable`` ``-1``                                       no comparison at all
=================  ==========================================  ===============================

``None`` means "no judgement". For :func:`compare_to_benchmark` this still gives
Higher / Similar / Lower; only ``not_applicable`` gives "Not compared" (Fingertips polarity
-1). :func:`quartile_band` and :func:`rank` give no band / no rank without a RAG polarity
(LAIT shows "-").

Benchmark labels and Fingertips' names
--------------------------------------
Fingertips' two-level comparer (comparator id 17) calls the outer, 99.8% results
``Best``/``Worst``. This module labels them ``"Better (99.8%)"``/``"Worse (99.8%)"`` so the
book's wording says what the result means:

=====================  ========================  ====================================
Fingertips             this module (RAG)          this module (no judgement)
=====================  ========================  ====================================
Same                   ``"Similar"``              ``"Similar"``
Better / Worse         ``"Better"``/``"Worse"``    ``"Higher"``/``"Lower"``
Best / Worst           ``"Better (99.8%)"``/      ``"Higher (99.8%)"``/
                       ``"Worse (99.8%)"``        ``"Lower (99.8%)"``
None                   ``"Not compared"``         ``"Not compared"``
=====================  ========================  ====================================

Notes on the oracles and on deviations from the sources
-------------------------------------------------------
* Trend (T1, T2): the weighted least-squares formulation of the methods reference
  reproduces Fingertips exactly: SE = (U95 - L95)/3.92, weights w = 1/SE^2, slope
  b = sum w(x - xw)(y - yw) / sum w(x - xw)^2, SE(b) = sqrt(1 / sum w(x - xw)^2),
  chi^2 = (b/SE(b))^2. This is algebraically the same as ``TrendMarkerCalculator.cs``
  (``beta = sqrt(S1/(S1*S5 - S3^2))``). T1 gives chi^2 = 46.7653 (published 46.77 to 2 d.p.);
  T2 gives 0.4642 (reference: "approx 0.46", computed). No discrepancy.
* Trend on proportions (T3): Armitage's chi-squared test for trend,
  chi^2 = N (N sum r_i t_i - R sum n_i t_i)^2 / (R (N - R) (N sum n_i t_i^2 - (sum n_i t_i)^2)),
  exactly as Fingertips; T3 gives 47.8967 (published 47.9). The stable-sign check uses the
  unweighted least-squares slope of logit(p) on time, as Fingertips does. Fingertips' code
  takes the *direction* of a significant proportions trend from a slope variable its
  proportions branch never sets (so it would always say "Decreasing"); here the direction is
  the sign of the logit slope over all five points, the same slope the stable-sign check
  uses. Fingertips refuses the test when a count equals its denominator (logit infinite);
  a zero count has the same problem and is refused here too.
* The stable-sign rule counts a slope of exactly 0 as positive, as Fingertips does.
* Fingertips' ``AdjustForPolarity`` (commit 5441c9a) flips only Better/Worse; the methods
  reference (and oracle C5) flip Best/Worst too for low-is-good. This module flips both.
* LAIT returns "Error" for a value outside [min, max] of the cut points. Such values cannot
  occur when the cut points come from the same values; when external cut points are passed
  (e.g. LA quartiles applied to clusters) a value below the minimum goes in the lowest-value
  band and one above the maximum in the highest-value band.
* Byar's lower limit is NaN when negative (PHEIM returns NA), and at O = 0 where the formula
  is undefined (its limit there is negative). :func:`count_ci` never uses Byar's below 10.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special as _sp

__all__ = [
    "BETTER",
    "WORSE",
    "SIMILAR",
    "BETTER_998",
    "WORSE_998",
    "HIGHER",
    "LOWER",
    "HIGHER_998",
    "LOWER_998",
    "NOT_COMPARED",
    "IMPROVING",
    "WORSENING",
    "INCREASING",
    "DECREASING",
    "NO_SIGNIFICANT_CHANGE",
    "CANNOT_BE_CALCULATED",
    "TREND_CHI2_THRESHOLD",
    "TREND_POINTS",
    "EXACT_BELOW",
    "normalise_polarity",
    "z_for_level",
    "wilson_ci",
    "byar_ci",
    "exact_poisson_ci",
    "count_ci",
    "rate_ci",
    "compare_to_benchmark",
    "quartile_cut_points",
    "quartile_band",
    "rank",
    "change_significance",
    "TrendResult",
    "trend_marker",
    "trend_marker_proportions",
]

# --------------------------------------------------------------------------- constants

BETTER = "Better"
WORSE = "Worse"
SIMILAR = "Similar"
BETTER_998 = "Better (99.8%)"
WORSE_998 = "Worse (99.8%)"
HIGHER = "Higher"
LOWER = "Lower"
HIGHER_998 = "Higher (99.8%)"
LOWER_998 = "Lower (99.8%)"
NOT_COMPARED = "Not compared"

IMPROVING = "Improving"
WORSENING = "Worsening"
INCREASING = "Increasing"
DECREASING = "Decreasing"
NO_SIGNIFICANT_CHANGE = "No significant change"
CANNOT_BE_CALCULATED = "Cannot be calculated"

#: chi-squared (1 df) at 99.8%, as hard-coded in Fingertips ``TrendMarkerCalculator.cs``.
TREND_CHI2_THRESHOLD = 9.54953570608324
#: Number of most recent points the Fingertips trend uses.
TREND_POINTS = 5
#: PHE switch rule: exact Poisson limits for counts below this, Byar's from it up.
EXACT_BELOW = 10

_HIGH = "high_is_good"
_LOW = "low_is_good"
_NONE = "no_judgement"
_NA = "not_applicable"

_POLARITY_ALIASES: dict[object, str] = {
    _HIGH: _HIGH,
    "high": _HIGH,
    "rag_high_is_good": _HIGH,
    _LOW: _LOW,
    "low": _LOW,
    "rag_low_is_good": _LOW,
    _NONE: _NONE,
    "bob": _NONE,
    "none": _NONE,
    _NA: _NA,
}
_POLARITY_IDS = {1: _HIGH, 0: _LOW, 99: _NONE, -1: _NA}


def normalise_polarity(polarity: object) -> str:
    """Canonical polarity name for ``polarity``.

    Parameters
    ----------
    polarity : str, int or None
        ``"high_is_good"``, ``"low_is_good"``, ``"no_judgement"`` or ``"not_applicable"``;
        also LAIT's ``"High"``/``"Low"``, ``"BOB"`` and Fingertips' polarity ids
        1, 0, 99, -1 (case and surrounding spaces ignored). ``None`` means no judgement.

    Returns
    -------
    str
        One of ``"high_is_good"``, ``"low_is_good"``, ``"no_judgement"``,
        ``"not_applicable"``.

    Raises
    ------
    ValueError
        If ``polarity`` is not recognised.
    """
    if polarity is None:
        return _NONE
    if isinstance(polarity, str):
        key = polarity.strip().lower().replace(" ", "_").replace("-", "_")
        if key in _POLARITY_ALIASES:
            return _POLARITY_ALIASES[key]
    elif not isinstance(polarity, bool) and isinstance(polarity, (int, np.integer)):
        if int(polarity) in _POLARITY_IDS:
            return _POLARITY_IDS[int(polarity)]
    raise ValueError(
        f"unknown polarity {polarity!r}: use 'high_is_good', 'low_is_good', "
        "'no_judgement' or 'not_applicable'"
    )


# --------------------------------------------------------------------------- helpers


def _to_float_array(x: object) -> np.ndarray:
    """``x`` as a float ndarray; None / pd.NA / non-numbers become NaN."""
    if x is None or x is pd.NA:
        return np.asarray(np.nan)
    if isinstance(x, (pd.Series, pd.Index)):
        return pd.to_numeric(pd.Series(x), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        s = pd.Series(np.asarray(x, dtype=object).ravel())
        out = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        return out.reshape(np.shape(x))


class _Shape:
    """Remembers what the caller passed, to hand results back in the same form."""

    def __init__(self, *inputs: object):
        self.index = next((a.index for a in inputs if isinstance(a, pd.Series)), None)
        self.scalar = all(a is None or np.ndim(a) == 0 for a in inputs)

    def numbers(self, arr: np.ndarray):
        if self.scalar:
            return float(np.asarray(arr).reshape(()))
        if self.index is not None:
            return pd.Series(np.asarray(arr, dtype=float).ravel(), index=self.index)
        return np.asarray(arr, dtype=float)

    def labels(self, arr: np.ndarray):
        if self.scalar:
            return str(np.asarray(arr, dtype=object).reshape(()).item())
        if self.index is not None:
            return pd.Series(np.asarray(arr, dtype=object).ravel(), index=self.index, dtype=object)
        return np.asarray(arr, dtype=object)


def z_for_level(level: float = 0.95) -> float:
    """Two-sided standard normal quantile for a confidence level.

    Parameters
    ----------
    level : float, default 0.95
        Confidence level strictly between 0 and 1 (0.95, 0.998).

    Returns
    -------
    float
        ``norm.ppf(1 - (1 - level)/2)``, computed with ``scipy.special.ndtri`` (the same
        function): 1.959964 at 95%, 3.090232 at 99.8%.

    Raises
    ------
    ValueError
        If ``level`` is not strictly between 0 and 1 (e.g. 95 was passed for 0.95).
    """
    level = float(level)
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be strictly between 0 and 1 (e.g. 0.95), got {level!r}")
    return float(_sp.ndtri(1.0 - (1.0 - level) / 2.0))


def _alpha(level: float) -> float:
    z_for_level(level)  # validates
    return 1.0 - float(level)


# --------------------------------------------------------------------------- section 1: Wilson


def wilson_ci(x, n, level: float = 0.95):
    """Wilson score confidence interval for a proportion (no continuity correction).

    ``lower, upper = (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2))`` with the exact
    normal quantile z (PHEIM ``wilson_lower``/``wilson_upper``; Newcombe 1998 method 3).

    Parameters
    ----------
    x : float or array-like or pandas.Series
        Numerator (successes); need not be an integer (PHEIM accepts 0.445).
    n : float or array-like or pandas.Series
        Denominator, > 0.
    level : float, default 0.95
        Confidence level, e.g. 0.95 or 0.998.

    Returns
    -------
    lower, upper : float or numpy.ndarray or pandas.Series
        Limits on the 0-1 scale (multiply by 100 for percentages). For x = 0 the lower
        limit is exactly 0, for x = n the upper limit exactly 1. NaN where x or n is missing.

    Raises
    ------
    ValueError
        If any x < 0, n <= 0 or x > n, or ``level`` is not in (0, 1).
    """
    shape = _Shape(x, n)
    xa, na = np.broadcast_arrays(_to_float_array(x), _to_float_array(n))
    z = z_for_level(level)
    with np.errstate(invalid="ignore"):
        if np.any(xa < 0):
            raise ValueError("wilson_ci: numerator x must be >= 0")
        if np.any(na <= 0):
            raise ValueError("wilson_ci: denominator n must be > 0")
        if np.any(xa > na):
            raise ValueError("wilson_ci: numerator x must not exceed denominator n")
        z2 = z * z
        root = z * np.sqrt(z2 + 4.0 * xa * (1.0 - xa / na))
        denom = 2.0 * (na + z2)
        lower = (2.0 * xa + z2 - root) / denom
        upper = (2.0 * xa + z2 + root) / denom
    lower = np.where(xa == 0, 0.0, np.clip(lower, 0.0, 1.0))
    upper = np.where(xa == na, 1.0, np.clip(upper, 0.0, 1.0))
    return shape.numbers(lower), shape.numbers(upper)


# --------------------------------------------------------------------------- section 2: counts


def _check_counts(o: np.ndarray, name: str) -> None:
    with np.errstate(invalid="ignore"):
        if np.any(o < 0):
            raise ValueError(f"{name}: observed count must be >= 0")


def _byar(o: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    z = z_for_level(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        base_lo = 1.0 - 1.0 / (9.0 * o) - z / (3.0 * np.sqrt(o))
        lower = o * base_lo**3
        o1 = o + 1.0
        upper = o1 * (1.0 - 1.0 / (9.0 * o1) + z / (3.0 * np.sqrt(o1))) ** 3
    lower = np.where((o > 0) & (base_lo >= 0), lower, np.nan)
    return lower, upper


def _exact(o: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    a = _alpha(level)
    # chi2.ppf(q, 2k) / 2 is the gamma(k) quantile: gammaincinv(k, q) (scipy.special is far
    # quicker to import than scipy.stats)
    with np.errstate(invalid="ignore"):
        lower = np.where(o > 0, _sp.gammaincinv(np.where(o > 0, o, 1.0), a / 2.0), 0.0)
        upper = _sp.gammaincinv(o + 1.0, 1.0 - a / 2.0)
    lower = np.where(np.isnan(o), np.nan, lower)
    return lower, upper


def _phe_switch(o: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """PHE's switch rule: exact limits where O < ``EXACT_BELOW``, Byar's from there on."""
    bl, bu = _byar(o, level)
    el, eu = _exact(o, level)
    small = o < EXACT_BELOW
    return np.where(small, el, bl), np.where(small, eu, bu)


def _count_interval(
    o, level: float, name: str, limits: Callable[[np.ndarray, float], tuple[np.ndarray, np.ndarray]]
):
    """Check the counts ``o``, apply ``limits`` (one of the functions above) and give the limits
    back in the form ``o`` came in; ``name`` is the public function named in errors."""
    shape = _Shape(o)
    oa = _to_float_array(o)
    _check_counts(oa, name)
    lower, upper = limits(oa, level)
    return shape.numbers(lower), shape.numbers(upper)


def byar_ci(o, level: float = 0.95):
    """Byar's approximation to the Poisson confidence interval for a count.

    ``lower = O (1 - 1/(9O) - z/(3 sqrt O))^3``,
    ``upper = (O+1) (1 - 1/(9(O+1)) + z/(3 sqrt(O+1)))^3`` (PHEIM ``byars_lower/upper``).

    Parameters
    ----------
    o : float or array-like or pandas.Series
        Observed count(s), >= 0.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    lower, upper : float or numpy.ndarray or pandas.Series
        Limits for the count. ``lower`` is NaN where the formula goes negative (small O at
        99.8%, e.g. O = 1) and at O = 0, as PHEIM returns NA.

    Raises
    ------
    ValueError
        If any count is negative.

    See Also
    --------
    count_ci : applies PHE's switch rule (exact below 10).
    """
    return _count_interval(o, level, "byar_ci", _byar)


def exact_poisson_ci(o, level: float = 0.95):
    """Exact (chi-squared) Poisson confidence interval for a count.

    ``lower = chi2.ppf(alpha/2, 2O)/2`` (0 when O = 0),
    ``upper = chi2.ppf(1 - alpha/2, 2O + 2)/2``.

    Parameters
    ----------
    o : float or array-like or pandas.Series
        Observed count(s), >= 0.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    lower, upper : float or numpy.ndarray or pandas.Series
        Limits for the count; NaN where ``o`` is missing.

    Raises
    ------
    ValueError
        If any count is negative.
    """
    return _count_interval(o, level, "exact_poisson_ci", _exact)


def count_ci(o, level: float = 0.95):
    """Confidence interval for a count with PHE's switch rule.

    Exact Poisson limits when O < 10, Byar's when O >= 10, at any level (PHEIM ``phe_rate``).

    Parameters
    ----------
    o : float or array-like or pandas.Series
        Observed count(s), >= 0.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    lower, upper : float or numpy.ndarray or pandas.Series
        Limits for the count.

    Raises
    ------
    ValueError
        If any count is negative.
    """
    return _count_interval(o, level, "count_ci", _phe_switch)


def rate_ci(o, denominator, multiplier: float = 100_000, level: float = 0.95):
    """Crude rate with its confidence interval (PHEIM ``phe_rate``).

    ``rate = O / denominator * multiplier``; the limits are :func:`count_ci` limits scaled
    the same way (exact when O < 10, Byar's otherwise).

    Parameters
    ----------
    o : float or array-like or pandas.Series
        Observed count(s), >= 0.
    denominator : float or array-like or pandas.Series
        Population or person-time, > 0.
    multiplier : float, default 100000
        Rate per ``multiplier`` (100 for "per 100", 1000 for "per 1,000").
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    rate, lower, upper : float or numpy.ndarray or pandas.Series

    Raises
    ------
    ValueError
        If any count is negative or any denominator is <= 0.
    """
    shape = _Shape(o, denominator)
    oa, da = np.broadcast_arrays(_to_float_array(o), _to_float_array(denominator))
    _check_counts(oa, "rate_ci")
    with np.errstate(invalid="ignore"):
        if np.any(da <= 0):
            raise ValueError("rate_ci: denominator must be > 0")
    scale = float(multiplier) / da
    lower, upper = _phe_switch(oa, level)
    return shape.numbers(oa * scale), shape.numbers(lower * scale), shape.numbers(upper * scale)


# --------------------------------------------------------------------------- section 3: benchmark


def compare_to_benchmark(
    value,
    lower95,
    upper95,
    benchmark,
    polarity: object,
    lower998=None,
    upper998=None,
):
    """Significance of an area against a benchmark value (Fingertips single overlapping CIs).

    The benchmark is treated as a fixed value and compared with the area's CI, ends
    inclusive. One level (95% only): benchmark inside [L95, U95] -> Similar, otherwise
    higher/lower by which side the area value lies. Two levels (when ``lower998`` and
    ``upper998`` are given; Fingertips comparator 17): benchmark inside the 95% CI -> Similar;
    between the 95% and 99.8% limits -> significant at 95%; outside the 99.8% CI ->
    significant at 99.8%.

    Parameters
    ----------
    value, lower95, upper95 : float or array-like or pandas.Series
        The area's value and 95% confidence limits (same scale as ``benchmark``).
    benchmark : float or array-like or pandas.Series
        The benchmark's point value (for this book, the city value).
    polarity : str, int or None
        See :func:`normalise_polarity`. ``"not_applicable"`` gives "Not compared".
    lower998, upper998 : float or array-like or pandas.Series, optional
        The area's 99.8% limits; give both or neither.

    Returns
    -------
    str or numpy.ndarray of str or pandas.Series of str
        ``"Better"``, ``"Similar"``, ``"Worse"``, and with two levels also
        ``"Better (99.8%)"``/``"Worse (99.8%)"`` (Fingertips' Best/Worst). With no-judgement
        polarity: ``"Higher"``, ``"Similar"``, ``"Lower"`` (and ``"Higher (99.8%)"``/
        ``"Lower (99.8%)"``). ``"Not compared"`` where the value, the benchmark or a needed
        limit is missing, or the polarity is not applicable.

    Raises
    ------
    ValueError
        If only one of ``lower998``/``upper998`` is given, or the polarity is unknown.
    """
    pol = normalise_polarity(polarity)
    two = lower998 is not None or upper998 is not None
    if two and (lower998 is None or upper998 is None):
        raise ValueError("compare_to_benchmark: give both lower998 and upper998, or neither")
    inputs = [value, lower95, upper95, benchmark] + ([lower998, upper998] if two else [])
    shape = _Shape(*inputs)
    arrs = np.broadcast_arrays(*[_to_float_array(a) for a in inputs])
    v, l95, u95, b = arrs[:4]
    valid = np.isfinite(v) & np.isfinite(l95) & np.isfinite(u95) & np.isfinite(b)

    # direction: +1 area higher than benchmark, -1 lower, 0 similar; outer: significant at 99.8%
    with np.errstate(invalid="ignore"):
        similar = (b >= l95) & (b <= u95)
        if two:
            l998, u998 = arrs[4], arrs[5]
            valid &= np.isfinite(l998) & np.isfinite(u998)
            higher95 = (b <= l95) & (b >= l998)
            lower95_ = (b <= u998) & (b >= u95)
            outer = ~similar & ~higher95 & ~lower95_
            direction = np.where(
                similar, 0, np.where(higher95, 1, np.where(lower95_, -1, np.where(v < b, -1, 1)))
            )
        else:
            outer = np.zeros(v.shape, dtype=bool)
            direction = np.where(similar, 0, np.where(v < b, -1, 1))

    if pol == _HIGH:
        up, down, up_o, down_o = BETTER, WORSE, BETTER_998, WORSE_998
    elif pol == _LOW:
        up, down, up_o, down_o = WORSE, BETTER, WORSE_998, BETTER_998
    else:
        up, down, up_o, down_o = HIGHER, LOWER, HIGHER_998, LOWER_998
    out = np.full(v.shape, SIMILAR, dtype=object)
    out[(direction == 1) & ~outer] = up
    out[(direction == -1) & ~outer] = down
    out[(direction == 1) & outer] = up_o
    out[(direction == -1) & outer] = down_o
    if pol == _NA:
        valid = np.zeros(v.shape, dtype=bool)
    out[~valid] = NOT_COMPARED
    return shape.labels(out)


# --------------------------------------------------------------------------- section 4: quartiles


def quartile_cut_points(values) -> np.ndarray | None:
    """Quartile cut points: minimum, Q1, median, Q3, maximum (type 7 quantiles).

    Type 7 is R's default ``quantile()``, Excel PERCENTILE.INC and numpy's default (position
    (n - 1) p + 1, linear interpolation), as LAIT and Fingertips use.

    Parameters
    ----------
    values : array-like or pandas.Series
        The values to cut (e.g. all LAs' latest values); missing values are ignored.

    Returns
    -------
    numpy.ndarray of shape (5,) or None
        ``[min, Q1, Q2, Q3, max]``, or None when fewer than 4 valid values remain
        (Fingertips ``ValueCategoriesCalculator``: ``validValues.Count >= 4``).
    """
    arr = _to_float_array(values).ravel()
    arr = arr[np.isfinite(arr)]
    if arr.size < 4:
        return None
    return np.quantile(arr, [0.0, 0.25, 0.5, 0.75, 1.0])


def _band_polarity(polarity: object) -> str | None:
    pol = normalise_polarity(polarity)
    return pol if pol in (_HIGH, _LOW) else None


def quartile_band(values, polarity: object, cut_points=None):
    """LAIT quartile band A-D, A always the best quartile.

    Low is good: A = [min, Q1], B = (Q1, Q2], C = (Q2, Q3], D = (Q3, max].
    High is good: the letters reverse (A = (Q3, max], D = [min, Q1]). A value exactly on a
    cut point belongs to the lower-value band whatever the polarity.

    Parameters
    ----------
    values : float or array-like or pandas.Series
        Values to band.
    polarity : str, int or None
        ``high_is_good`` or ``low_is_good``; any other polarity gives no band (LAIT "-").
    cut_points : sequence of 5 floats or 3 floats, optional
        ``[min, Q1, Q2, Q3, max]`` or ``[Q1, Q2, Q3]``. Default: :func:`quartile_cut_points`
        of ``values`` itself. Values outside [min, max] of external cut points go in the
        outermost band on their side (LAIT would print "Error").

    Returns
    -------
    str or None, pandas.Series or pandas.arrays.StringArray (dtype "string")
        A scalar input gives ``"A"``-``"D"`` or None; a Series input a Series with the same
        index; any other array-like a positional ``StringArray`` (no index, so assigning it
        to a DataFrame column never realigns). ``<NA>`` where the value is missing, where
        there is no RAG polarity, or where fewer than 4 valid values leave no cut points.
    """
    scalar = np.ndim(values) == 0
    index = values.index if isinstance(values, pd.Series) else None
    arr = np.atleast_1d(_to_float_array(values)).ravel()
    pol = _band_polarity(polarity)
    if cut_points is None:
        cuts = quartile_cut_points(arr)
    else:
        cuts = np.asarray(cut_points, dtype=float).ravel()
        if cuts.size not in (3, 5) or np.any(np.diff(cuts) < 0):
            raise ValueError("cut_points must be 3 (Q1-Q3) or 5 (min-max) non-decreasing numbers")
    out = np.full(arr.shape, None, dtype=object)
    if cuts is not None and pol is not None:
        q1, q2, q3 = (cuts[1:4] if cuts.size == 5 else cuts)
        # 0..3 from the lowest-value band up; a value on a cut point goes to the lower band
        pos = np.where(arr <= q1, 0, np.where(arr <= q2, 1, np.where(arr <= q3, 2, 3)))
        letters = np.array(list("ABCD") if pol == _LOW else list("DCBA"), dtype=object)
        ok = np.isfinite(arr)
        out[ok] = letters[pos[ok]]
    if scalar:
        return out[0]
    if index is None:
        return pd.array(out, dtype="string")
    return pd.Series(out, index=index, dtype="string")


def rank(values, polarity: object):
    """LAIT rank: 1 is the best, ties share the smallest rank, missing values get none.

    Parameters
    ----------
    values : array-like or pandas.Series
        Values to rank.
    polarity : str, int or None
        ``high_is_good`` ranks in descending order, ``low_is_good`` ascending; any other
        polarity gives no ranks (LAIT "-").

    Returns
    -------
    pandas.Series or pandas.arrays.IntegerArray, dtype Int64
        Ranks: a Series with the same index for a Series input, otherwise a positional
        ``IntegerArray`` (no index). ``<NA>`` for missing values or no RAG polarity.
        Ties: ``method="min"`` (1, 2, 2, 4).
    """
    index = values.index if isinstance(values, pd.Series) else None
    arr = np.atleast_1d(_to_float_array(values)).ravel()
    s = pd.Series(arr, index=index)
    pol = _band_polarity(polarity)
    if pol is None:
        r = pd.Series(pd.NA, index=s.index, dtype="Int64")
    else:
        r = s.rank(method="min", ascending=(pol == _LOW), na_option="keep").astype("Int64")
    return r if index is not None else r.array


# --------------------------------------------------------------------------- section 6: change


def _direction_words(pol: str) -> tuple[str, str]:
    if pol == _HIGH:
        return IMPROVING, WORSENING
    if pol == _LOW:
        return WORSENING, IMPROVING
    return INCREASING, DECREASING


def change_significance(value1, ci1, value2, ci2, polarity: object):
    """Significance of the change between two periods: Fingertips CI non-overlap rule.

    The change is significant when the two periods' confidence intervals do not overlap
    (use 95% CIs, as Fingertips stores). Intervals that touch overlap (ends inclusive).

    Parameters
    ----------
    value1 : float or array-like or pandas.Series
        Earlier value (only checked for being present).
    ci1 : tuple (lower, upper)
        Earlier period's limits; each a float, array-like or Series.
    value2 : float or array-like or pandas.Series
        Later value.
    ci2 : tuple (lower, upper)
        Later period's limits.
    polarity : str, int or None
        See :func:`normalise_polarity`.

    Returns
    -------
    str or numpy.ndarray of str or pandas.Series of str
        ``"Improving"``/``"Worsening"`` (RAG polarity), ``"Increasing"``/``"Decreasing"``
        (no judgement / not applicable), ``"No significant change"``, or
        ``"Cannot be calculated"`` where a value or limit is missing.
    """
    pol = normalise_polarity(polarity)
    (lo1, up1), (lo2, up2) = ci1, ci2
    inputs = [value1, lo1, up1, value2, lo2, up2]
    shape = _Shape(*inputs)
    v1, l1, u1, v2, l2, u2 = np.broadcast_arrays(*[_to_float_array(a) for a in inputs])
    valid = np.isfinite(v1) & np.isfinite(l1) & np.isfinite(u1)
    valid &= np.isfinite(v2) & np.isfinite(l2) & np.isfinite(u2)
    up_word, down_word = _direction_words(pol)
    with np.errstate(invalid="ignore"):
        increased = l2 > u1
        decreased = u2 < l1
    out = np.full(v1.shape, NO_SIGNIFICANT_CHANGE, dtype=object)
    out[increased] = up_word
    out[decreased] = down_word
    out[~valid] = CANNOT_BE_CALCULATED
    return shape.labels(out)


@dataclass(frozen=True)
class TrendResult:
    """Result of a Fingertips recent-trend test.

    Attributes
    ----------
    chi2 : float
        Test statistic (NaN when it cannot be calculated).
    slope : float
        Slope over the 5 points, per period: value units for :func:`trend_marker`, logit(p)
        for :func:`trend_marker_proportions` (NaN when it cannot be calculated).
    significant : bool
        chi2 > 9.5495 (99.8%) **and** the slope keeps its sign when each point is dropped.
    stable_sign : bool
        Whether the slope kept its sign in all five drop-one fits.
    marker : str
        ``"Increasing"``, ``"Decreasing"``, ``"No significant change"`` or
        ``"Cannot be calculated"`` (Fingertips ``TrendMarker``).
    label : str
        Polarity wording: "Increasing and getting better", "Decreasing and getting worse",
        ... for RAG polarity; plain marker otherwise.
    n_points : int
        Points used (5), or the number of valid recent points found when fewer.
    message : str
        Why the trend cannot be calculated; empty otherwise.
    """

    chi2: float
    slope: float
    significant: bool
    stable_sign: bool
    marker: str
    label: str
    n_points: int
    message: str = ""


def _trend_label(marker: str, pol: str) -> str:
    if marker == INCREASING:
        if pol == _HIGH:
            return "Increasing and getting better"
        if pol == _LOW:
            return "Increasing and getting worse"
    if marker == DECREASING:
        if pol == _HIGH:
            return "Decreasing and getting worse"
        if pol == _LOW:
            return "Decreasing and getting better"
    return marker


def _cannot(n_points: int, message: str) -> TrendResult:
    return TrendResult(
        chi2=math.nan,
        slope=math.nan,
        significant=False,
        stable_sign=False,
        marker=CANNOT_BE_CALCULATED,
        label=CANNOT_BE_CALCULATED,
        n_points=n_points,
        message=message,
    )


def _recent_run(valid: np.ndarray) -> int:
    """Length of the unbroken run of valid points ending at the most recent one."""
    run = 0
    for ok in valid[::-1]:
        if not ok:
            break
        run += 1
    return run


def _finish(chi2: float, slope: float, stable: bool, pol: str) -> TrendResult:
    significant = bool(stable and chi2 > TREND_CHI2_THRESHOLD)
    if significant:
        marker = INCREASING if slope > 0 else DECREASING
    else:
        marker = NO_SIGNIFICANT_CHANGE
    return TrendResult(
        chi2=float(chi2),
        slope=float(slope),
        significant=significant,
        stable_sign=bool(stable),
        marker=marker,
        label=_trend_label(marker, pol),
        n_points=TREND_POINTS,
    )


def _wls_slope(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Weighted LS slope and sum w (x - xw)^2."""
    xw = np.sum(w * x) / np.sum(w)
    yw = np.sum(w * y) / np.sum(w)
    sxx = float(np.sum(w * (x - xw) ** 2))
    return float(np.sum(w * (x - xw) * (y - yw)) / sxx), sxx


def _stable_sign(slopes: Sequence[float]) -> bool:
    # Fingertips: a slope < 0 counts -1, anything else +1; all six fits must agree
    signs = [-1 if s < 0 else 1 for s in slopes]
    return abs(sum(signs)) == len(signs)


def trend_marker(values, lower95, upper95, polarity: object = None) -> TrendResult:
    """Fingertips recent trend: 5-point weighted least-squares chi-squared test at 99.8%.

    Uses the most recent unbroken run of points with a value and both 95% limits (the last
    element must be valid), and of those the latest 5, on time index 1-5. SE = (U95 - L95)
    / 3.92, weights 1/SE^2, chi^2 = (slope / SE(slope))^2 with
    SE(slope) = sqrt(1 / sum w (x - xw)^2). Significant when chi^2 > 9.54953570608324
    **and** the slope keeps its sign when each of the 5 points is dropped in turn.

    Parameters
    ----------
    values, lower95, upper95 : array-like or pandas.Series
        Values and 95% limits in time order, oldest first, one per period.
    polarity : str, int or None, default None
        Only changes the wording of ``label`` (see :func:`normalise_polarity`).

    Returns
    -------
    TrendResult
        ``marker``/``label`` "Cannot be calculated" with fewer than 5 valid recent points or
        a zero-width interval.
    """
    pol = normalise_polarity(polarity)
    y, lo, up = (np.atleast_1d(_to_float_array(a)).ravel() for a in (values, lower95, upper95))
    if not (y.size == lo.size == up.size):
        raise ValueError("trend_marker: values, lower95 and upper95 must have the same length")
    run = _recent_run(np.isfinite(y) & np.isfinite(lo) & np.isfinite(up))
    if run < TREND_POINTS:
        return _cannot(run, "Not enough data points with valid values to calculate recent trend")
    y, lo, up = y[-TREND_POINTS:], lo[-TREND_POINTS:], up[-TREND_POINTS:]
    se = (up - lo) / 3.92
    if np.any(se <= 0):
        return _cannot(TREND_POINTS, "A confidence interval has zero or negative width")
    w = 1.0 / se**2
    x = np.arange(1.0, TREND_POINTS + 1.0)
    slope, sxx = _wls_slope(x, y, w)
    chi2 = slope**2 * sxx  # (slope / sqrt(1/sxx))^2
    keep = ~np.eye(TREND_POINTS, dtype=bool)
    drops = [_wls_slope(x[k], y[k], w[k])[0] for k in keep]
    return _finish(chi2, slope, _stable_sign([slope, *drops]), pol)


def trend_marker_proportions(counts, denominators, polarity: object = None) -> TrendResult:
    """Fingertips recent trend for proportions: chi-squared test for trend (Armitage).

    On the latest 5 points (time t = 1-5, most recent unbroken run of valid counts and
    denominators): chi^2 = N (N sum r t - R sum n t)^2 / (R (N - R) (N sum n t^2 -
    (sum n t)^2)), with R = sum r, N = sum n. Significant when chi^2 > 9.54953570608324 and
    the unweighted least-squares slope of logit(r/n) on t keeps its sign when each point is
    dropped in turn (Fingertips ``NoOutliersCheckForProportion``).

    Parameters
    ----------
    counts, denominators : array-like or pandas.Series
        Numerators and denominators in time order, oldest first.
    polarity : str, int or None, default None
        Only changes the wording of ``label``.

    Returns
    -------
    TrendResult
        ``slope`` is the logit slope per period. "Cannot be calculated" with fewer than 5
        valid points, or when a count is 0 or equals its denominator (logit infinite;
        Fingertips refuses count = denominator).

    Raises
    ------
    ValueError
        If a count is negative or exceeds its denominator, or a denominator is <= 0.
    """
    pol = normalise_polarity(polarity)
    r, n = (np.atleast_1d(_to_float_array(a)).ravel() for a in (counts, denominators))
    if r.size != n.size:
        raise ValueError("trend_marker_proportions: counts and denominators differ in length")
    with np.errstate(invalid="ignore"):
        if np.any(r < 0) or np.any(n <= 0) or np.any(r > n):
            raise ValueError("trend_marker_proportions: need 0 <= count <= denominator, n > 0")
    run = _recent_run(np.isfinite(r) & np.isfinite(n))
    if run < TREND_POINTS:
        return _cannot(run, "Not enough data points with valid values to calculate recent trend")
    r, n = r[-TREND_POINTS:], n[-TREND_POINTS:]
    if np.any(r == n) or np.any(r == 0):
        return _cannot(TREND_POINTS, "Cannot be calculated: a proportion is 0 or 1")
    t = np.arange(1.0, TREND_POINTS + 1.0)
    big_n, big_r = n.sum(), r.sum()
    num = big_n * (big_n * np.sum(r * t) - big_r * np.sum(n * t)) ** 2
    den = big_r * (big_n - big_r) * (big_n * np.sum(n * t * t) - np.sum(n * t) ** 2)
    chi2 = float(num / den)
    logit = np.log(r / (n - r))
    ones = np.ones(TREND_POINTS)
    slope = _wls_slope(t, logit, ones)[0]
    keep = ~np.eye(TREND_POINTS, dtype=bool)
    drops = [_wls_slope(t[k], logit[k], ones[k])[0] for k in keep]
    return _finish(chi2, slope, _stable_sign([slope, *drops]), pol)


# --------------------------------------------------------------------------- sessions within pupils

#: DfE's persistent-absence threshold in force in 2012/13 and 2013/14: 15% of possible sessions.
PERSISTENT_ABSENCE_THRESHOLD = 0.15
#: the intra-pupil correlation is searched over phi = 1/rho - 1 in [_PHI_MIN, _PHI_MAX]
_PHI_MIN, _PHI_MAX = 0.5, 1e7


def _betabinom_sf(k: np.ndarray, m: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """P(X >= k) for X ~ beta-binomial(m, a, b), elementwise (vectorised; k, m whole numbers).

    1 minus the sum of the pmf over j < k, the pmf from log-beta functions. scipy.stats.betabinom
    gives the same numbers but is about a hundred times slower on arrays.
    """
    kmax = int(np.nanmax(k)) if np.size(k) else 0
    j = np.arange(max(kmax, 1), dtype=float)
    shape = np.broadcast(k, m, a, b).shape
    k, m, a, b = (np.broadcast_to(v, shape)[..., None] for v in (k, m, a, b))
    logpmf = (
        _sp.gammaln(m + 1) - _sp.gammaln(j + 1) - _sp.gammaln(m - j + 1)
        + _sp.betaln(j + a, m - j + b) - _sp.betaln(a, b)
    )
    cdf = np.where(j < k, np.exp(logpmf), 0.0).sum(axis=-1)
    return np.clip(1.0 - cdf, 0.0, 1.0)


def pupil_correlation_from_persistent_absence(
    absence_rate, sessions_per_pupil, persistent_share, threshold: float = PERSISTENT_ABSENCE_THRESHOLD
):
    """Intra-pupil correlation of absence, estimated from the persistent-absence share.

    Model: each pupil's absence rate is drawn from a beta distribution with mean ``absence_rate``
    and precision phi (a = mu phi, b = (1 - mu) phi); the sessions a pupil misses are binomial
    given that rate, so a pupil's absent sessions are beta-binomial and the correlation between
    two sessions of the same pupil is rho = 1 / (phi + 1) (Williams 1982). The share of pupils
    missing at least ``threshold`` of their ``sessions_per_pupil`` sessions (DfE persistent
    absence) is P(X >= ceil(threshold m)); phi is chosen so this equals ``persistent_share``,
    on the branch where more spread means more persistent absentees (found by a grid then
    bisection, vectorised).

    Parameters
    ----------
    absence_rate : float or array-like
        Share of possible sessions missed (1 - attendance), in (0, 1).
    sessions_per_pupil : float or array-like
        Possible sessions per pupil in the period (rounded to a whole number), >= 1.
    persistent_share : float or array-like
        Persistently absent pupils / pupils on roll, in [0, 1].
    threshold : float, default 0.15
        The persistent-absence threshold as a share of possible sessions.

    Returns
    -------
    numpy.ndarray or float
        rho in [0, 1]. A share no larger than binomial sessions would give (no extra spread)
        gives rho close to 0; a share larger than any beta spread gives (the model's limit) gives
        the rho of the largest tail, the most conservative value the model allows. NaN where an
        input is missing.
    """
    scalar = all(np.ndim(v) == 0 for v in (absence_rate, sessions_per_pupil, persistent_share))
    mu, m, share = np.broadcast_arrays(
        *(np.atleast_1d(_to_float_array(v)).astype(float) for v in (absence_rate, sessions_per_pupil, persistent_share))
    )
    mu, m, share = (np.array(v, dtype=float) for v in (mu, m, share))
    ok = np.isfinite(mu) & np.isfinite(m) & np.isfinite(share) & (mu > 0) & (mu < 1) & (m >= 1)
    out = np.full(mu.shape, np.nan)
    if ok.any():
        mu_, m_, s_ = mu[ok], np.round(m[ok]), share[ok]
        k = np.ceil(threshold * m_ - 1e-9)
        grid = np.exp(np.linspace(np.log(_PHI_MIN), np.log(_PHI_MAX), 41))
        tails = np.stack([_betabinom_sf(k, m_, mu_ * g, (1 - mu_) * g) for g in grid], axis=-1)
        top = np.argmax(tails, axis=-1)  # the tail falls from here as phi grows
        lo = np.log(grid[top])
        hi = np.full(lo.shape, np.log(_PHI_MAX))
        above_max = s_ >= tails[np.arange(len(top)), top]
        for _ in range(50):
            mid = (lo + hi) / 2
            g = np.exp(mid)
            t = _betabinom_sf(k, m_, mu_ * g, (1 - mu_) * g)
            lo, hi = np.where(t > s_, mid, lo), np.where(t > s_, hi, mid)
        phi = np.exp((lo + hi) / 2)
        phi = np.where(above_max, grid[top], phi)
        out[ok] = 1.0 / (phi + 1.0)
    return float(out[0]) if scalar else out


def design_effect(sessions_per_pupil, rho):
    """Kish's design effect for sessions clustered in pupils: 1 + (m - 1) rho (never below 1)."""
    m, r = np.broadcast_arrays(_to_float_array(sessions_per_pupil), _to_float_array(rho))
    with np.errstate(invalid="ignore"):
        out = np.maximum(1.0 + (m - 1.0) * r, 1.0)
    return float(out) if np.ndim(out) == 0 else out


def clustered_wilson_ci(x, n, deff, level: float = 0.95):
    """Wilson interval on the effective sample size n / deff (Korn and Graubard 1998).

    For a proportion of sessions that belong to pupils: the Wilson score interval computed with
    numerator x / deff and denominator n / deff, so its width reflects the variance of the
    clustered estimate (Kish 1965). With deff = 1 it is :func:`wilson_ci`.

    Parameters
    ----------
    x, n : float or array-like or pandas.Series
        Sessions attended and possible sessions.
    deff : float or array-like
        Design effect, >= 1 (see :func:`design_effect`).
    level : float, default 0.95

    Returns
    -------
    lower, upper : as :func:`wilson_ci`, on the 0-1 scale.
    """
    shape = _Shape(x, n)
    xa, na, da = np.broadcast_arrays(_to_float_array(x), _to_float_array(n), _to_float_array(deff))
    with np.errstate(invalid="ignore"):
        if np.any(da < 1):
            raise ValueError("clustered_wilson_ci: design effect must be >= 1")
    lower, upper = wilson_ci(xa / da, na / da, level)
    return shape.numbers(lower), shape.numbers(upper)


def attendance_ci(attended, possible, pupils, persistent_absentees, level: float = 0.95,
                  threshold: float = PERSISTENT_ABSENCE_THRESHOLD):
    """Confidence interval for attendance (share of possible sessions attended), sessions clustered in pupils.

    The design effect 1 + (m - 1) rho uses m = possible / pupils sessions per pupil and the
    intra-pupil correlation rho estimated from the same period's persistent-absence share
    (:func:`pupil_correlation_from_persistent_absence`); the interval is the Wilson interval on
    the effective sample size (:func:`clustered_wilson_ci`).

    Returns
    -------
    lower, upper, deff : numpy arrays (0-1 scale for the limits)
    """
    x, n, p, pa = (np.atleast_1d(_to_float_array(v)).astype(float) for v in (attended, possible, pupils, persistent_absentees))
    with np.errstate(invalid="ignore", divide="ignore"):
        m = n / p
        rho = pupil_correlation_from_persistent_absence(1.0 - x / n, m, pa / p, threshold)
    deff = np.where(np.isfinite(rho), design_effect(m, rho), np.nan)
    lower, upper = clustered_wilson_ci(x, n, np.where(np.isfinite(deff), deff, 1.0), level)
    lower = np.where(np.isfinite(deff), lower, np.nan)
    upper = np.where(np.isfinite(deff), upper, np.nan)
    return lower, upper, deff


def rank_range(values, lower, upper, polarity: object):
    """The ranks a value could take given its interval: (best, worst), 1 = best.

    Interval-overlap rank range: the best rank is 1 + the number of others whose whole interval
    is better than this one's; the worst is n minus the number whose whole interval is worse.
    Where intervals overlap, the range is wide; a range of one rank means every other interval is
    clear of this one.

    Parameters
    ----------
    values, lower, upper : array-like or pandas.Series
        Values and their (e.g. 95%) limits; missing values get no range.
    polarity : ``high_is_good`` or ``low_is_good``

    Returns
    -------
    pandas.DataFrame
        Columns ``best`` and ``worst`` (Int64), index of ``values`` if a Series.
    """
    index = values.index if isinstance(values, pd.Series) else None
    v, lo, up = (np.atleast_1d(_to_float_array(a)).ravel() for a in (values, lower, upper))
    pol = _band_polarity(polarity)
    if pol is None:
        raise ValueError("rank_range needs a RAG polarity (high_is_good or low_is_good)")
    ok = np.isfinite(v) & np.isfinite(lo) & np.isfinite(up)
    n = int(ok.sum())
    if pol == _LOW:  # j clearly better than i: up_j < lo_i
        better = (up[None, :] < lo[:, None]) & ok[None, :]
        worse = (lo[None, :] > up[:, None]) & ok[None, :]
    else:
        better = (lo[None, :] > up[:, None]) & ok[None, :]
        worse = (up[None, :] < lo[:, None]) & ok[None, :]
    best = pd.array(np.where(ok, 1 + better.sum(axis=1), 0), dtype="Int64")
    worst = pd.array(np.where(ok, n - worse.sum(axis=1), 0), dtype="Int64")
    best[~ok] = pd.NA
    worst[~ok] = pd.NA
    return pd.DataFrame({"best": best, "worst": worst}, index=index)
