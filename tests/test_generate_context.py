"""The illustrative demographics and funding generator: deterministic, calibrated, consistent."""

import pandas as pd
import pytest

from cluster_inquiry.synth import generate, generate_context
from cluster_inquiry.core.paths import project_paths


@pytest.fixture(scope="module")
def tables():
    return {t.name: t.frame for t in generate.generate(project_paths())}


def test_same_inputs_give_identical_tables(tables):
    a = generate_context.tables(tables["cluster_population"], _agg(), tables["obsessions_monthly"])
    b = generate_context.tables(tables["cluster_population"], _agg(), tables["obsessions_monthly"])
    for x, y in zip(a, b):
        pd.testing.assert_frame_equal(x.frame, y.frame)
    pd.testing.assert_frame_equal(a[0].frame, tables["cluster_demographics"])
    pd.testing.assert_frame_equal(a[1].frame, tables["cluster_funding"])


def _agg():
    return generate.cluster_frame(project_paths())[1]


def test_city_shares_are_calibrated(tables):
    d = tables["cluster_demographics"]
    assert d["children_low_income"].sum() == round(0.222 * d["children_0_15"].sum())
    assert d["pupils_bme"].sum() == round(0.25 * d["pupils_on_roll"].sum())
    assert d["pupils_eal"].sum() == round(0.16 * d["pupils_on_roll"].sum())
    assert (d["pupils_bme"] <= d["pupils_on_roll"]).all() and (d["children_low_income"] <= d["children_0_15"]).all()


def test_denominators_are_the_tracker_and_real_population(tables):
    d = tables["cluster_demographics"].set_index("cluster_code")
    pop = tables["cluster_population"].set_index("cluster_code")
    pupils = tables["obsessions_monthly"].groupby("cluster_code")["pupils_on_roll"].first()
    assert (d["children_0_15"] == pop["pop_0_15"]).all()
    assert (d["pupils_on_roll"] == pupils.loc[d.index]).all()


def test_hardship_rises_with_deprivation(tables):
    agg = _agg().set_index("cluster_code")
    d = tables["cluster_demographics"].set_index("cluster_code")
    share = d["children_low_income"] / d["children_0_15"]
    assert agg["imd_score_weighted"].corr(share, method="spearman") > 0.8


def test_spend_parts_are_whole_pounds_and_plausible(tables):
    f = tables["cluster_funding"]
    spend = f[["spend_staffing_gbp", "spend_services_gbp", "spend_other_gbp"]].sum(axis=1)
    assert (f[["spend_staffing_gbp", "spend_services_gbp", "spend_other_gbp"]] >= 0).all().all()
    ratio = spend / f["allocation_gbp"]
    assert ratio.between(0.70, 1.06).all()
    assert set(f["data_status"]) == {"illustrative"}
    assert sorted(f["financial_year"].unique()) == ["2012-13", "2013-14"]

