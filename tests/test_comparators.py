"""Real comparators: DfE counts, rates on the previous mid-year population, LAIT 2015."""

import math

import pandas as pd
import pytest

from cluster_inquiry.pages import comparators
from cluster_inquiry.core.paths import project_paths


@pytest.fixture(scope="module")
def paths():
    return project_paths()


def test_rates_use_the_previous_mid_year_and_skip_years_without_one():
    counts = pd.DataFrame({2012: [50.0], 2013: [120.0]}, index=["E1"])
    pop = pd.DataFrame({2012: [10_000.0], 2013: [20_000.0]}, index=["E1"])
    r = comparators.rates(counts, pop)
    assert list(r.columns) == [2013]  # 2012 would need mid-2011
    assert r.loc["E1", 2013] == pytest.approx(120.0)  # 120 / 10,000 (mid-2012) × 10,000


def test_leeds_rates_reproduce_dfe_published_2015(paths):
    pop = comparators.population(paths)
    cpp = comparators.rates(comparators.cpp_counts(paths), pop)
    cla = comparators.rates(comparators.cla_counts(paths), pop)
    assert round(cpp.loc["E08000035", 2015], 1) == 38.2  # DfE/LAIT published 38.2
    assert round(cla.loc["E08000035", 2015]) == 78  # LAIT 78 (on a revised count of 1,256; 1,245 gives 77.7)
    assert round(cla.loc["E92000001", 2015]) == 60  # England 60 in LAIT


def test_cla_table_counts_change_rates_and_ranks(paths):
    t = comparators.cla_table(paths).frame.set_index("Area")
    assert list(t.index[:3]) == ["Leeds", "England", "Yorkshire and the Humber"] and len(t) == 10
    assert t.loc["Leeds", "31 March 2012"] == "1,475" and t.loc["Leeds", "31 March 2015"] == "1,245"
    assert t.loc["Leeds", "Change, 2012 to 2015"] == "-230 (-15.6%)"
    assert t.loc["Leeds", comparators.rate_column(2013)] == f"{1373 / 156568 * 10_000:.1f}"
    assert "Per 10,000, 31 March 2012 (mid-2011 population)" not in t.columns
    rank_col = next(c for c in t.columns if c.startswith("Rank"))
    rates = comparators.rates(comparators.cla_counts(paths), comparators.population(paths))[2015]
    cities = rates[list(comparators.CORE_CITIES)]
    expected = int((cities < cities["E08000035"]).sum()) + 1
    assert t.loc["Leeds", rank_col] == str(expected)
    assert t.loc["England", rank_col] == "–"


def test_cpp_table_has_no_ranks(paths):
    t = comparators.cpp_table(paths).frame
    assert not any(c.startswith("Rank") for c in t.columns)
    assert t.set_index("Area").loc["Leeds", "31 March 2013"] == "983"


def test_lait_table_values_and_core_city_rank(paths):
    t = comparators.lait_table(paths).frame.set_index("Area")
    assert t.loc["Leeds", "Overall absence (% of sessions)"] == "4.70"
    assert t.loc["Bristol", "Child-protection plans per 10,000"] != "x"  # LAIT's "Bristol, City of" is matched
    rank = t.loc["Leeds: rank among the 8 core cities (1 = best)"]
    assert rank["Child-protection plans per 10,000"] == "–"
    w = comparators.lait_2015(paths)
    sg = w.loc[list(comparators.CORE_CITIES), "Sept_Guarantee"]
    assert rank["September Guarantee: 16–17s offered a place (%)"] == str(int((sg > sg["E08000035"]).sum()) + 1)


def test_summary_table_is_real_and_says_how_rates_were_made(paths):
    table = comparators.summary_table(paths)
    assert table.status == "real"
    f = table.frame
    lac15 = f[(f["Measure"] == "Looked-after children per 10,000") & (f["Period"] == "31 March 2015")].iloc[0]
    assert lac15["Leeds"] == "77.7" and lac15["Basis"] == "computed (mid-2014 population)"
    assert not math.isnan(float(lac15["England"]))


def test_one_looked_after_rate_for_2015_on_the_page_and_lait_whole_numbers(paths):
    """Issue 12: Appendix A showed Leeds' 2015 looked-after rate as 77.7 (computed) and 78.0 (LAIT)."""
    lait = comparators.lait_table(paths)
    assert "Looked-after children per 10,000" not in lait.frame.columns
    note = " ".join(lait.notes)
    assert "77.7" in note and "LAIT publishes 78 " in note and "1,256" in note and "78.0" not in note
    t = lait.frame.set_index("Area")
    assert t.loc["Leeds", "Care leavers aged 19 who are NEET (%)"] == "31"  # whole numbers, no ".0"
    assert t.loc["Leeds", "Child-protection plans per 10,000"] == "38.2"
    summary = comparators.summary_table(paths).frame
    assert summary.loc[summary["Measure"] == "Care leavers aged 19 who are NEET (%)", "Leeds"].item() == "31"
    # a measure LAIT publishes in whole numbers prints without ".0" (a column with any decimal keeps one place)
    assert not any(str(v).endswith(".0") for v in lait.frame["Care leavers aged 19 who are NEET (%)"])


def test_appendix_a_does_not_say_lait_starts_in_2015():
    from cluster_inquiry.core.paths import project_paths

    text = (project_paths().root / "notebooks" / "performance_appendix_a.ipynb").read_text(encoding="utf-8")
    assert "LAIT dataset starts in 2015" not in text and "holds 2015 only (LAIT itself has earlier years)" in text


# --------------------------------------------------------------------------- statistical neighbours

SHARED = project_paths().root.parent / "shared" / "data"


def test_neighbours_are_dfes_2021_group_for_leeds(paths):
    rates = comparators.neighbour_rates(paths, "lac")
    assert list(rates["name"]) == ["Leeds", "Sheffield", "Darlington", "Calderdale", "Bury", "Stockton-on-Tees",
                                   "Bolton", "Derby", "North Tyneside", "Kirklees", "Wirral"]
    table = comparators.neighbours_table(paths)
    assert "2021 model" in table.title and any("2007-based" in n for n in table.notes)
    assert table.status == "real"


def test_neighbour_rates_and_average_by_hand(paths):
    """Independent of the extract: Sheffield's counts and populations read from DfE's own files."""
    if not SHARED.is_dir():
        pytest.skip("../shared/data is not beside the project")
    sfr = pd.read_csv(SHARED / "reference/dfe_cla_underlying/SFR36_CLA2014.csv", dtype=str)
    pop = pd.read_csv(SHARED / "population/ons_mid-year_population_estimates_2012_to_2024.csv", dtype=str)
    count = int(sfr.loc[sfr["geog_c"] == "373", "CLA_Mar2014"].iloc[0])
    mid2013 = int(pop.loc[(pop["old_la_code"] == "373") & (pop["time_period"] == "2013"), "population_estimate"].iloc[0])
    rates = comparators.neighbour_rates(paths, "lac").set_index("name")
    assert rates.loc["Sheffield", 2014] == pytest.approx(count / mid2013 * 10_000)
    assert comparators.neighbour_average(comparators.neighbour_rates(paths, "lac"))[2014] == pytest.approx(
        rates.iloc[1:][2014].mean())
    frame = comparators.neighbours_table(paths).frame.set_index("Area")
    assert frame.loc["Leeds", "Looked-after children per 10,000, 31 March 2015"] == "77.7"  # as the tables above


def test_shipped_neighbour_extract_is_what_the_tool_makes(tmp_path, paths):
    if not SHARED.is_dir():
        pytest.skip("../shared/data is not beside the project")
    import importlib.util

    spec = importlib.util.spec_from_file_location("extract", paths.root / "tools/extract_statistical_neighbours.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    made = tool.main(SHARED, tmp_path)
    assert made.read_bytes() == (paths.raw / "reference/leeds_statistical_neighbours_2013_2015.csv").read_bytes()


def test_summary_gives_the_neighbours_average(paths):
    frame = comparators.summary_table(paths).frame
    col = "Statistical neighbours (average, 2021 model)"
    lac = frame[frame["Measure"] == "Looked-after children per 10,000"].set_index("Period")[col]
    avg = comparators.neighbour_average(comparators.neighbour_rates(paths, "lac"))
    assert lac["31 March 2015"] == f"{avg[2015]:.1f}"
