"""Chapter 4: outcome changes, spend per child, correlations with honest intervals, findings."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from cluster_inquiry.data import geography
from cluster_inquiry.pages import outcomes
from cluster_inquiry.core.paths import project_paths
from cluster_inquiry.data.validation import load_inputs


def test_fisher_interval_matches_a_hand_calculation():
    # r = 0.5, n = 25: z = atanh(0.5) = 0.549306, se = 1/sqrt(22) = 0.213201, half-width 1.959964 × se = 0.417866
    # limits tanh(0.131440) = 0.130689 and tanh(0.967172) = 0.747459
    lo, hi = outcomes.pearson_ci(0.5, 25)
    assert lo == pytest.approx(0.130689, abs=1e-6) and hi == pytest.approx(0.747459, abs=1e-6)
    # partial correlation with one control: se = 1/sqrt(25 - 4)
    lo, hi = outcomes.pearson_ci(-0.3, 25, controls=1)
    assert lo == pytest.approx(-0.627462, abs=1e-6) and hi == pytest.approx(0.117632, abs=1e-6)
    assert np.isnan(outcomes.pearson_ci(0.5, 3)[0])


def test_correlation_agrees_with_scipy():
    rng = np.random.default_rng(1)
    x = pd.Series(rng.normal(size=25))
    y = pd.Series(0.4 * x + rng.normal(size=25))
    ours = outcomes.correlate(x, y)
    ref = sps.pearsonr(x, y)
    ci = ref.confidence_interval(0.95)
    assert ours.r == pytest.approx(ref.statistic) and ours.n == 25
    assert (ours.lower, ours.upper) == pytest.approx((ci.low, ci.high))


def test_partial_correlation_equals_the_correlation_of_residuals():
    rng = np.random.default_rng(2)
    z = pd.Series(rng.normal(size=30))
    x = pd.Series(2 * z + rng.normal(size=30))
    y = pd.Series(-z + 0.5 * x + rng.normal(size=30))
    rx = x - np.polyval(np.polyfit(z, x, 1), z)
    ry = y - np.polyval(np.polyfit(z, y, 1), z)
    assert outcomes.correlate(x, y, control=z).r == pytest.approx(np.corrcoef(rx, ry)[0, 1])


def test_missing_values_are_dropped_and_counted():
    x = pd.Series([1.0, 2.0, 3.0, 4.0, np.nan])
    y = pd.Series([2.0, 4.1, 5.9, np.nan, 1.0])
    c = outcomes.correlate(x, y)
    assert c.n == 3 and c.r > 0.99


def test_outcome_changes_on_a_tiny_tracker():
    rows = []
    for code, lac, neet, att in (("C01", (10, 12), (20, 15), (94.0, 95.0)), ("C02", (30, 30), (8, 10), (93.0, 92.5))):
        for month, i in (("2012-06", 0), ("2013-03", 0), ("2013-06", 1), ("2014-03", 1)):
            rows.append(
                {"cluster_code": code, "month": month, "lac_count": lac[i], "cpp_count": 0, "pupils_on_roll": 100,
                 "attendance_pct": att[i], "persistent_absentees": 0, "neet_count": neet[i], "neet_cohort": 200}
            )
    tracker = pd.DataFrame(rows)
    pop = pd.DataFrame({"cluster_code": ["C01", "C02"], "pop_0_17": [2000, 5000]})
    out = outcomes.outcome_frame(tracker, pop).set_index("cluster_code")
    # C01: LAC 10 → 12 of 2,000 = 50 → 60 per 10,000; NEET 20 → 15 of 200 = 10% → 7.5%; attendance 94 → 95
    assert out.loc["C01", "LAC_CHANGE"] == pytest.approx(10.0)
    assert out.loc["C01", "NEET_CHANGE"] == pytest.approx(-2.5)
    assert out.loc["C01", "ATTEND_CHANGE"] == pytest.approx(1.0)
    assert out.loc["C02", "LAC_CHANGE"] == pytest.approx(0.0)
    assert out.loc["C02", "NEET_CHANGE"] == pytest.approx(1.0)
    assert out.loc["C02", "ATTEND_CHANGE"] == pytest.approx(-0.5)


@pytest.fixture(scope="module")
def shipped():
    paths = project_paths()
    return load_inputs(paths), geography.load_lsoa_attributes(paths)


@pytest.fixture(scope="module")
def evidence(shipped):
    return outcomes.outcomes_evidence(*shipped)


def test_small_counts_hide_the_change_worked_out_from_them(evidence):
    d, n = evidence.display, evidence.numeric
    lac = ["Looked after, March 2013", "Looked after, March 2014"]
    hidden = d[lac].eq("c").any(axis=1)
    assert hidden.any(), "the shipped data have small looked-after counts"
    assert (d.loc[hidden, "Change in LAC per 10,000"] == "c").all()
    assert n.loc[hidden.to_numpy(), "LAC_CHANGE"].isna().all()
    # no published count is from 1 to 5
    for col in lac + ["NEET, March 2013", "NEET, March 2014"]:
        shown = pd.to_numeric(d[col].str.replace(",", ""), errors="coerce").dropna()
        assert not shown.between(1, 5).any(), col


def test_counts_hidden_elsewhere_are_hidden_here(shipped):
    frames, lsoa = shipped
    mask = pd.Series(False, index=frames["clusters"]["cluster_code"])
    mask["C07"] = True  # a large count another page had to hide
    ev = outcomes.outcomes_evidence(frames, lsoa, hidden={("neet", outcomes.START): mask})
    row = ev.display[ev.display["Cluster"] == "Harehills and Burmantofts"].iloc[0]
    assert row["NEET, March 2013"] == "c" and row["Change in NEET % (points)"] == "c"
    assert np.isnan(ev.numeric.set_index("cluster_code").loc["C07", "NEET_CHANGE"])


def test_findings_quote_the_correlation_table(evidence):
    text = " ".join(evidence.findings_items("NEET_CHANGE"))
    table = evidence.correlations_display()
    for comparison in (outcomes.SPEND_VS_OUTCOME, outcomes.IMD_VS_OUTCOME, outcomes.SPEND_VS_OUTCOME_PARTIAL):
        row = table[(table["Comparison"] == comparison) & (table["Outcome"] == "change in NEET rate")].iloc[0]
        assert f"r = {row['Correlation r']} (95% CI {row['95% CI']}; {row['Clusters']} clusters)" in text
    row = table[table["Comparison"] == outcomes.SPEND_VS_IMD].iloc[0]
    assert f"r = {row['Correlation r']} (95% CI {row['95% CI']}; {row['Clusters']} clusters)" in text
    assert "cannot" in text and "illustrative" in text and "caused" in text


def test_findings_spend_range_is_the_tables(evidence):
    text = " ".join(evidence.findings_items())
    d = evidence.display
    spend = d["Spend per child 0–19 (a year)"].str.replace("[£,]", "", regex=True).astype(float)
    lo, hi = d.loc[spend.idxmin()], d.loc[spend.idxmax()]
    assert f"from {lo['Spend per child 0–19 (a year)']} in <strong>{lo['Cluster']}</strong>" in text
    assert f"to {hi['Spend per child 0–19 (a year)']} in <strong>{hi['Cluster']}</strong>" in text


def test_verdict_follows_the_intervals(evidence):
    import copy

    text = " ".join(evidence.findings_items("NEET_CHANGE"))
    raw = evidence.correlation(outcomes.SPEND_VS_OUTCOME, "NEET_CHANGE")
    part = evidence.correlation(outcomes.SPEND_VS_OUTCOME_PARTIAL, "NEET_CHANGE")
    both_include_zero = raw.includes_zero and part.includes_zero
    assert ("Both intervals include zero" in text) == both_include_zero
    # make the raw interval exclude zero: the verdict must change, the caveat must stay
    other = copy.copy(evidence)
    other.correlations = evidence.correlations.copy()
    sel = (other.correlations["comparison"] == outcomes.SPEND_VS_OUTCOME) & (other.correlations["outcome"] == "NEET_CHANGE")
    other.correlations.loc[sel, ["r", "lower", "upper"]] = [0.6, 0.2, 0.8]
    text = " ".join(other.findings_items("NEET_CHANGE"))
    assert "Both intervals include zero" not in text
    assert "an association between areas is not an effect" in text and "caused" in text


@pytest.mark.integration
def test_outcomes_page_is_built_with_findings_figures_and_caveats(built_book):
    import re

    page = (built_book / "_build/html/generated/themes/outcomes.html").read_text(encoding="utf-8")
    assert "Key findings" in page and "What a correlation can and cannot show" in page
    alts = re.findall(r"alt=['\"]([^'\"]+)['\"]", page)
    assert any(a.startswith("Scatter chart of change in NEET rate") and "Correlation r = " in a for a in alts)
    assert any(a.startswith("Map of Leeds divided into 25 numbered clusters") for a in alts)
    assert "Illustrative data" in page and "Real:" in page and "Illustrative:" in page
    assert "£5,200,000" in page and "Evidence used" in page


@pytest.mark.parametrize("outcome", ["NEET_CHANGE", "LAC_CHANGE"])
def test_scatter_period_is_the_period_its_table_compares(outcome):
    """Issue 12: the scatter's caption said 'April 2012 to March 2014' while its table compares March 2013 with
    March 2014 (the spend is the 2012-13 and 2013-14 average)."""
    import re as _re

    from cluster_inquiry.pages import report as _report

    ctx = _report.context()
    fig = outcomes.spend_outcome_scatter(ctx, outcome)
    word = "NEET" if outcome == "NEET_CHANGE" else "Looked after"
    months = {m for c in fig.table.frame.columns if c.startswith(word)
              for m in _re.findall(r"[A-Z][a-z]+ \d{4}", c)}
    assert months == {"March 2013", "March 2014"}
    assert "March 2013 to March 2014" in fig.period and "2012-13 and 2013-14" in fig.period
    assert "April 2012" not in fig.period
    assert fig.table.period == outcomes.table_period() and "March 2013 to March 2014" in fig.table.period
