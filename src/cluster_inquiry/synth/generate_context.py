"""Deterministic generator of the ILLUSTRATIVE context and funding tables.

Two tables of the data contract are written here (registered in :func:`generate.generate`):

``cluster_demographics``
    Pupils from black and minority ethnic groups (BME), pupils with English as an additional
    language (EAL) and children aged 0–15 in low-income families, per cluster. No cluster-level
    figures are published, so they are **modelled on real deprivation**: a cluster's share rises
    with its child-weighted IMD 2015 score, with seeded variation. City levels are set to
    plausible values: children in low-income families to the 22.2% Leeds figure for children in
    benefit households (sourced fact F13); BME (25%) and EAL (16%) are *assumed* city shares
    of pupils, not sourced figures. Pupils on roll are the tracker's; children aged 0–15 are the
    real mid-2012 LSOA sums.

``cluster_funding``
    Allocations of the £5.2m annual top-slice by the documented formula
    (:mod:`cluster_inquiry.pages.funding`) and invented spend by category, for 2012-13 and 2013-14.

The random stream is separate from the main generator's (seeded ``[SEED, 4]``), so adding these
tables changed none of the other files. Every row is ``data_status = illustrative``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cluster_inquiry.pages import funding
from cluster_inquiry.synth.generate import SEED, Table, apportion

#: assumed city shares (see the module docstring for which are sourced)
CITY_BME_SHARE = 0.25
CITY_EAL_SHARE = 0.16
CITY_LOW_INCOME_SHARE = 0.222  # sourced_facts.csv F13: Leeds 22.2% of children in benefit households
#: average share of the allocation spent: lower in the first year of the top-slice
UTILISATION = {"2012-13": (0.90, 0.06), "2013-14": (0.97, 0.04)}


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _calibrated_counts(rng: np.random.Generator, base: np.ndarray, city_share: float, dep: np.ndarray,
                       slope: float, noise: float) -> np.ndarray:
    """Counts out of ``base`` whose shares rise with ``dep`` and sum exactly to the city share."""
    logit = _logit(city_share) + slope * dep + rng.normal(0, noise, len(base))
    share = 1 / (1 + np.exp(-logit))
    counts = apportion(int(round(city_share * base.sum())), base * share)
    if (counts > base).any():
        raise ValueError("a modelled count exceeds its denominator; lower the slope")
    return counts


def demographics(population: pd.DataFrame, tracker: pd.DataFrame, imd_child: pd.Series,
                 rng: np.random.Generator) -> pd.DataFrame:
    codes = population["cluster_code"].to_numpy()
    imd = imd_child.reindex(codes).to_numpy(dtype=float)
    dep = (imd - imd.mean()) / imd.std()
    pupils = tracker.groupby("cluster_code")["pupils_on_roll"].first().reindex(codes).to_numpy(dtype=int)
    children = population["pop_0_15"].to_numpy(dtype=int)
    bme = _calibrated_counts(rng, pupils, CITY_BME_SHARE, dep, slope=0.85, noise=0.35)
    eal = _calibrated_counts(rng, pupils, CITY_EAL_SHARE, dep, slope=0.95, noise=0.30)
    low_income = _calibrated_counts(rng, children, CITY_LOW_INCOME_SHARE, dep, slope=0.80, noise=0.15)
    return pd.DataFrame(
        {
            "cluster_code": codes,
            "pupils_on_roll": pupils,
            "pupils_bme": bme,
            "pupils_eal": eal,
            "children_0_15": children,
            "children_low_income": low_income,
            "data_status": "illustrative",
        }
    )


def funding_table(population: pd.DataFrame, deprivation_weight: pd.Series, rng: np.random.Generator) -> pd.DataFrame:
    alloc = funding.allocate(population, deprivation_weight)
    # each cluster keeps a similar split between staffing, commissioned services and other costs
    cluster_split = rng.dirichlet([12.0, 8.0, 3.0], size=len(alloc))
    rows = []
    for fy in funding.FINANCIAL_YEARS:
        mean, sd = UTILISATION[fy]
        use = np.clip(rng.normal(mean, sd, len(alloc)), 0.70, 1.06)
        shares = cluster_split * rng.lognormal(0, 0.08, size=cluster_split.shape)
        shares = shares / shares.sum(axis=1, keepdims=True)
        for i, row in enumerate(alloc.itertuples(index=False)):
            spend = int(round(row.allocation_gbp * use[i]))
            staffing = int(round(spend * shares[i, 0]))
            services = int(round(spend * shares[i, 1]))
            rows.append(
                {
                    "cluster_code": row.cluster_code,
                    "financial_year": fy,
                    "allocation_base_gbp": row.allocation_base_gbp,
                    "allocation_population_gbp": row.allocation_population_gbp,
                    "allocation_deprivation_gbp": row.allocation_deprivation_gbp,
                    "allocation_gbp": row.allocation_gbp,
                    "spend_staffing_gbp": staffing,
                    "spend_services_gbp": services,
                    "spend_other_gbp": spend - staffing - services,
                    "data_status": "illustrative",
                }
            )
    return pd.DataFrame(rows).sort_values(["cluster_code", "financial_year"]).reset_index(drop=True)


def tables(population: pd.DataFrame, agg: pd.DataFrame, tracker: pd.DataFrame) -> list[Table]:
    """The context and funding tables, from the main generator's population, aggregates and tracker.

    ``agg`` is :func:`generate.cluster_frame`'s per-cluster frame (``pop_0_15`` and the
    child-weighted ``imd_score_weighted``, both real).
    """
    rng = np.random.default_rng([SEED, 4])
    a = agg.set_index("cluster_code")
    imd_child = a["imd_score_weighted"]
    weight = a["pop_0_15"] * a["imd_score_weighted"]  # = sum over LSOAs of children 0–15 × IMD score
    return [
        Table("cluster_demographics", demographics(population, tracker, imd_child, rng)),
        Table("cluster_funding", funding_table(population, weight, rng)),
    ]
