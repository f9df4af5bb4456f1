"""Chapter 5: IMD aggregation from LSOA to cluster (real data), demographics and the findings."""

import re

import pandas as pd
import pytest

from cluster_inquiry.data import geography
from cluster_inquiry.pages import context
from cluster_inquiry.synth import generate
from cluster_inquiry.core.paths import project_paths
from cluster_inquiry.data.validation import load_inputs


@pytest.fixture()
def tiny():
    """Three LSOAs in cluster C01 and one in C02, with scores, ranks and populations chosen by hand."""
    lsoa = pd.DataFrame(
        {
            "lsoa11cd": ["E01000001", "E01000002", "E01000003", "E01000004"],
            "imd_score": [10.0, 40.0, 20.0, 5.0],
            "imd_rank": [20000, 3000, 10000, 30000],
            "imd_decile": [7, 1, 4, 10],
            "pop_0_15": [100, 300, 100, 50],
            "pop_total": [500, 1000, 1500, 400],
        }
    )
    lookup = pd.DataFrame({"lsoa11cd": lsoa["lsoa11cd"], "cluster_code": ["C01", "C01", "C01", "C02"]})
    return lsoa, lookup


def test_imd_aggregation_matches_a_hand_calculation(tiny):
    out = context.aggregate_imd(*tiny).set_index("cluster_code")
    c01 = out.loc["C01"]
    # by hand: (10×100 + 40×300 + 20×100) / (100 + 300 + 100) = 15000 / 500
    assert c01["imd_score_child"] == pytest.approx(30.0)
    # (10×500 + 40×1000 + 20×1500) / 3000 = 75000 / 3000
    assert c01["imd_score_total"] == pytest.approx(25.0)
    # (20000×500 + 3000×1000 + 10000×1500) / 3000 = 28,000,000 / 3000
    assert c01["imd_rank_avg"] == pytest.approx(9333.333333)
    assert c01["lsoas"] == 3 and c01["lsoas_decile1"] == 1
    assert c01["pct_lsoas_decile1"] == pytest.approx(100 / 3)
    assert c01["children_decile1"] == 300 and c01["pct_children_decile1"] == pytest.approx(60.0)
    assert c01["pop_0_15"] == 500 and c01["pop_total"] == 3000
    assert out.loc["C02", "imd_score_child"] == pytest.approx(5.0)
    assert list(out["leeds_rank"]) == [1, 2]  # C01 is the more deprived


def test_city_measures_pool_every_lsoa(tiny):
    city = context.city_imd(tiny[0])
    # (1000 + 12000 + 2000 + 250) / 550
    assert city["imd_score_child"] == pytest.approx(15250 / 550)
    assert city["lsoas"] == 4 and city["lsoas_decile1"] == 1


def test_an_lsoa_without_imd_is_an_error(tiny):
    lsoa, lookup = tiny
    lookup = pd.concat([lookup, pd.DataFrame({"lsoa11cd": ["E01999999"], "cluster_code": ["C02"]})])
    with pytest.raises(ValueError, match="E01999999"):
        context.aggregate_imd(lsoa, lookup)


@pytest.fixture(scope="module")
def shipped():
    paths = project_paths()
    frames = load_inputs(paths)
    return frames, geography.load_lsoa_attributes(paths), paths


def test_shipped_aggregation_agrees_with_the_generator(shipped):
    frames, lsoa, paths = shipped
    ours = context.aggregate_imd(lsoa, frames["lsoa_cluster_lookup"]).set_index("cluster_code")
    _, agg = generate.cluster_frame(paths)
    theirs = agg.set_index("cluster_code")["imd_score_weighted"]
    assert ours["imd_score_child"].to_numpy() == pytest.approx(theirs.loc[ours.index].to_numpy())
    assert ours["lsoas"].sum() == 482 and ours["lsoas_decile1"].sum() == 105


def _cell(display, cluster, column):
    return display.loc[display["Cluster"] == cluster, column].iloc[0]


def test_findings_quote_the_numbers_in_the_tables(shipped):
    frames, lsoa, _ = shipped
    ev = context.context_evidence(frames, lsoa)
    text = " ".join(ev.findings_items())
    most, least = ev.most_and_least()
    t = ev.imd_display
    assert f"{most['cluster_name']}</strong> is the most deprived" in text
    score = _cell(t, most["cluster_name"], "Average score (children)")
    n_d1, n_all = _cell(t, most["cluster_name"], "LSOAs in most deprived 10%").split(" of ")
    assert f"average IMD 2015 score of {score}, and {n_d1} of its {n_all} LSOAs" in text
    assert f"{least['cluster_name']}</strong> ({_cell(t, least['cluster_name'], 'Average score (children)')})" in text
    city_d1 = _cell(t, "Leeds", "LSOAs in most deprived 10%")
    assert f"{city_d1} LSOAs are in that decile" in text
    assert f"{_cell(t, 'Leeds', '% of children')}% of children aged 0–15" in text
    # the demographic ranges are the table's own percentages
    d = ev.demo_display
    for column, words in (("BME %", "black and minority ethnic"), ("Low-income %", "low-income families")):
        values = pd.to_numeric(d.loc[d["Cluster"] != "Leeds", column], errors="coerce")
        top = d.loc[values.idxmax(), "Cluster"]
        assert re.search(rf"{words}[^;]* to {re.escape(d.loc[values.idxmax(), column])}% in {re.escape(top)}", text)


def test_small_demographic_counts_are_suppressed_with_their_percentages():
    clusters = pd.DataFrame({"cluster_code": ["C01", "C02", "C03"], "cluster_name": ["A", "B", "C"]})
    demo = pd.DataFrame(
        {
            "cluster_code": ["C01", "C02", "C03"],
            "pupils_on_roll": [100, 200, 300],
            "pupils_bme": [3, 40, 50],  # 3 is small; secondary suppression hides 40 (the next smallest)
            "pupils_eal": [20, 30, 40],
            "children_0_15": [150, 250, 350],
            "children_low_income": [30, 60, 90],
        }
    )
    imd = pd.DataFrame({"cluster_code": ["C01", "C02", "C03"], "imd_score_child": [10.0, 20.0, 30.0]})
    numeric, display = context._demographics(demo, clusters, imd)
    assert list(display["BME pupils"][:3]) == ["c", "c", "50"]
    assert list(display["BME %"][:3]) == ["c", "c", "16.7"]
    assert numeric["bme_pct"].isna().tolist() == [True, True, False]
    assert display["EAL pupils"][0] == "20" and display["Cluster"].iloc[-1] == "Leeds"


@pytest.mark.integration
def test_context_page_and_appendix_g_are_built(built_book):
    page = (built_book / "_build/html/generated/themes/context.html").read_text(encoding="utf-8")
    assert "Key findings" in page and "Deprivation by small area" in page
    assert "Map of Leeds divided into 482 small areas (2011 LSOAs)" in page
    assert "Real data" in page and "Illustrative data" in page
    appendix = (built_book / "_build/html/generated/themes/appendix_g.html").read_text(encoding="utf-8")
    assert "Monitoring of cluster expenditure, 2012-13" in appendix and "Monitoring of cluster expenditure, 2013-14" in appendix
