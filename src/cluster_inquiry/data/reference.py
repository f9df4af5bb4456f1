"""Readers for the real published comparators shipped in data/raw (DfE, ONS).

These are the only *real* numbers about looked-after children and child-protection plans; the
cluster-level figures are illustrative and are made to sum to these city totals.
"""

from __future__ import annotations

import pandas as pd

from cluster_inquiry.core.paths import Paths

LEEDS = "E08000035"
CLA_FILE = "reference/leeds_cla_comparators_2012_2015.csv"
CPP_FILE = "safeguarding/leeds_cin_cpp_comparators_2013_2015.csv"
POP_FILE = "population/la_population_0_17_comparators_mid2012_2015.csv"
CLA_AT_31_MARCH = "children looked after at 31 March"
#: Leeds and its ten DfE statistical neighbours (April 2021 model): counts and 0–17 populations,
#: extracted by tools/extract_statistical_neighbours.py from DfE's files (see its PROVENANCE.md)
NEIGHBOURS_FILE = "reference/leeds_statistical_neighbours_2013_2015.csv"
NEIGHBOURS_MODEL = "DfE children's services statistical neighbours, April 2021 model"


def cla_comparators(paths: Paths) -> pd.DataFrame:
    df = pd.read_csv(paths.raw / CLA_FILE, dtype={"area_code": str})
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    return df


def cpp_comparators(paths: Paths) -> pd.DataFrame:
    df = pd.read_csv(paths.raw / CPP_FILE, dtype={"area_code": str})
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    return df


def population_0_17(paths: Paths) -> pd.DataFrame:
    df = pd.read_csv(paths.raw / POP_FILE, dtype={"area_code": str})
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    return df


def leeds_lac_at_31_march(paths: Paths) -> dict[int, int]:
    """Real Leeds children looked after at 31 March, by year (DfE SFRs)."""
    df = cla_comparators(paths)
    sel = df[(df["area_code"] == LEEDS) & (df["measure"] == CLA_AT_31_MARCH)]
    return {int(r.year_31_march): int(r.value) for r in sel.itertuples()}


def leeds_cpp_at_31_march(paths: Paths) -> dict[int, int]:
    """Real Leeds children subject of a child-protection plan at 31 March (DfE CIN census)."""
    df = cpp_comparators(paths)
    sel = df[(df["area_code"] == LEEDS) & (df["source_column"] == "CPP_At31")]
    return {int(r.time_period): int(r.value) for r in sel.itertuples()}


def leeds_population_0_17(paths: Paths) -> dict[int, int]:
    """ONS mid-year population aged 0–17 for Leeds, by mid-year."""
    df = population_0_17(paths)
    sel = df[df["area_code"] == LEEDS]
    return {int(r.time_period): int(r.value) for r in sel.itertuples()}


def statistical_neighbours(paths: Paths) -> pd.DataFrame:
    """Leeds and its ten DfE statistical neighbours (2021 model): one row per area, measure and year."""
    df = pd.read_csv(paths.raw / NEIGHBOURS_FILE, dtype={"area_code": str, "dfe_la_code": str},
                     keep_default_na=False)
    df["value"] = pd.to_numeric(df["value"], errors="raise")
    return df
