"""The £5.2m top-slice: formula, exact totals, the contract's cross-checks and the findings."""

import re
import shutil

import pandas as pd
import pytest

from cluster_inquiry.data import geography
from cluster_inquiry.pages import funding
from cluster_inquiry.core.paths import project_paths
from cluster_inquiry.data.validation import load_inputs, validate_inputs


def test_pots_of_the_documented_formula_sum_to_the_top_slice():
    pots = funding.FORMULA.pots(25)
    assert pots == {"base": 1_000_000, "population": 2_520_000, "deprivation": 1_680_000}
    assert sum(pots.values()) == 5_200_000


def test_allocation_on_a_tiny_fixture_matches_a_hand_calculation():
    formula = funding.FundingFormula(total_gbp=1000, base_per_cluster_gbp=100, population_share=0.5)
    clusters = pd.DataFrame({"cluster_code": ["C01", "C02", "C03"], "pop_0_19": [100, 200, 400]})
    weight = pd.Series({"C03": 2.0, "C01": 1.0, "C02": 1.0})  # order must not matter
    out = funding.allocate(clusters, weight, formula).set_index("cluster_code")
    # pots: base 300, population 350, deprivation 350
    assert list(out["allocation_population_gbp"]) == [50, 100, 200]  # 350 × 1/7, 2/7, 4/7
    # 350 × 1/4, 1/4, 2/4 = 87.5, 87.5, 175: the tied half pound goes to the first cluster
    assert list(out["allocation_deprivation_gbp"]) == [88, 87, 175]
    assert list(out["allocation_gbp"]) == [238, 287, 475]
    assert out["allocation_gbp"].sum() == 1000


def test_a_formula_whose_base_exceeds_the_total_is_refused():
    with pytest.raises(ValueError):
        funding.FundingFormula(total_gbp=100, base_per_cluster_gbp=50).pots(3)


@pytest.fixture(scope="module")
def shipped():
    paths = project_paths()
    return load_inputs(paths), geography.load_lsoa_attributes(paths)


def test_shipped_allocations_follow_the_formula_and_sum_exactly(shipped):
    frames, lsoa = shipped
    weight = funding.deprivation_weight(lsoa, frames["lsoa_cluster_lookup"])
    expected = funding.allocate(frames["cluster_population"], weight).set_index("cluster_code")
    money = frames["cluster_funding"]
    for fy in funding.FINANCIAL_YEARS:
        year = money[money["financial_year"] == fy].set_index("cluster_code")
        assert int(year["allocation_gbp"].sum()) == 5_200_000
        for col in ("allocation_population_gbp", "allocation_deprivation_gbp", "allocation_gbp"):
            assert (year[col].astype(int) == expected.loc[year.index, col]).all(), col


@pytest.fixture()
def data_copy(tmp_path):
    dest = tmp_path / "clusters"
    shutil.copytree(project_paths().clusters, dest)
    return dest


def test_allocations_that_miss_the_top_slice_are_refused(data_copy):
    path = data_copy / "cluster_funding.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    row = df.index[df["financial_year"] == "2013-14"][0]
    for col in ("allocation_base_gbp", "allocation_gbp"):  # keep the row's own sum rule intact
        df.loc[row, col] = str(int(df.loc[row, col]) + 100)
    df.to_csv(path, index=False, lineterminator="\n")
    problems = validate_inputs(directory=data_copy).problems
    assert any(
        re.match(r"cluster_funding\.csv:\d+-\d+: allocation_gbp: allocations for 2013-14 sum to £5,200,100, not the £5,200,000", p)
        for p in problems
    ), problems
    assert not any("2012-13 sum" in p for p in problems)


def test_a_row_whose_parts_do_not_add_up_is_refused(data_copy):
    path = data_copy / "cluster_funding.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[0, "allocation_base_gbp"] = "1"
    df.to_csv(path, index=False, lineterminator="\n")
    problems = validate_inputs(directory=data_copy).problems
    assert any(p.startswith("cluster_funding.csv:2: allocation_base_gbp") and "must equal" in p for p in problems), problems


def test_a_cluster_missing_a_year_is_refused(data_copy):
    path = data_copy / "cluster_funding.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = df[~((df["cluster_code"] == "C05") & (df["financial_year"] == "2012-13"))]
    df.to_csv(path, index=False, lineterminator="\n")
    problems = validate_inputs(directory=data_copy).problems
    assert "cluster_funding.csv:-: financial_year: cluster C05 has no row for 2012-13" in problems


def test_monitoring_flags_under_and_overspends():
    money = pd.DataFrame(
        {
            "cluster_code": ["C01", "C02", "C03"],
            "financial_year": "2013-14",
            "allocation_base_gbp": 0,
            "allocation_population_gbp": 0,
            "allocation_deprivation_gbp": 0,
            "allocation_gbp": [1000, 1000, 1000],
            "spend_staffing_gbp": [500, 800, 900],
            "spend_services_gbp": [300, 150, 150],
            "spend_other_gbp": [99, 50, 0],  # 899 (under by >10%), 1000 (exactly), 1050 (over)
        }
    )
    pop = pd.DataFrame({"cluster_code": ["C01", "C02", "C03"], "pop_0_19": [100, 50, 10]})
    clusters = pd.DataFrame({"cluster_code": ["C01", "C02", "C03"], "cluster_name": ["A", "B", "C"], "area": "SE"})
    f = funding.funding_frame(money, pop, clusters)
    assert list(f["spend_gbp"]) == [899, 1000, 1050]
    assert list(f["monitoring_flag"]) == ["Underspent by more than 10%", "Within 10% below allocation", "Overspent"]
    assert list(f["spend_per_child_gbp"]) == pytest.approx([8.99, 20.0, 105.0])


def test_findings_quote_the_totals_in_the_tables(shipped):
    frames, lsoa = shipped
    ev = funding.funding_evidence(frames, lsoa)
    text = " ".join(ev.findings_items())
    for fy in funding.FINANCIAL_YEARS:
        total = ev.monitoring_display(fy).iloc[-1]
        assert total["Cluster"] == "All clusters"
        assert f"{fy}: {total['Total spend']} ({total['Spend as % of allocation']}% of the allocation)" in text
        assert f"{fy} ({ev.allocation_display(fy).iloc[-1]['Allocation']})" in text
    table = ev.monitoring_display("2013-14")
    under = table[table["Monitoring"].str.startswith("Underspent")]
    assert f"{len(under)} of 25 clusters underspent by more than 10%" in text
    alloc = ev.allocation_display("2013-14").iloc[:-1]
    per_child = alloc["Allocation per child 0–19"].str.replace("[£,]", "", regex=True).astype(float)
    lo, hi = alloc.loc[per_child.idxmin()], alloc.loc[per_child.idxmax()]
    assert f"ranged from {lo['Allocation per child 0–19']} in <strong>{lo['Cluster']}</strong>" in text
    assert f"to {hi['Allocation per child 0–19']} in <strong>{hi['Cluster']}</strong>" in text
