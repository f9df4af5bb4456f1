"""Make data/raw/reference/leeds_statistical_neighbours_2013_2015.csv from ../shared/data.

The record of how the shipped extract was made (run from the project root; it only selects rows
and columns, it changes no value):

    python tools/extract_statistical_neighbours.py ../shared/data data/raw/reference

For Leeds (DfE code 383) and its ten statistical neighbours in DfE's April 2021 model
(reference/New_Statistical_Neighbour_Groupings_April_2021.csv), it takes

* children looked after at 31 March 2013-2015 (``CLA_MarYYYY`` of SFR 36/2013, 36/2014, 34/2015),
* children subject of a child-protection plan at 31 March 2013-2015 (``CPP_At31``, CIN census d5),
* the ONS population aged 0-17 at mid-2012 to mid-2014 (DfE's copy of the ONS estimates),

one tidy row per area, measure and year, naming its source file and column.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

LEEDS = "383"
SN_FILE = "reference/New_Statistical_Neighbour_Groupings_April_2021.csv"
CLA_FILES = {2013: "SFR36_CLA2013.csv", 2014: "SFR36_CLA2014.csv", 2015: "SFR34_CLA2015.csv"}
CPP_FILE = "safeguarding/dfe_cin_ees/d5_cpps_at31march_by_duration_2013_to_2025.csv"
POP_FILE = "population/ons_mid-year_population_estimates_2012_to_2024.csv"
OUT = "leeds_statistical_neighbours_2013_2015.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def neighbours(shared: Path) -> list[tuple[str, str]]:
    """Leeds's ten neighbours as (DfE code, closeness band), in DfE's order."""
    with (shared / SN_FILE).open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    leeds = next(r for r in rows[1:] if r[0] == LEEDS)
    return [(leeds[5 + 2 * i], leeds[6 + 2 * i]) for i in range(10)]


def extract(shared: Path) -> list[dict[str, str]]:
    sns = neighbours(shared)
    wanted = [LEEDS] + [code for code, _ in sns]
    band = dict(sns)
    out: list[dict[str, str]] = []

    def add(old: str, ons: str, name: str, measure: str, year: int, value: str, file: str, column: str) -> None:
        out.append({"dfe_la_code": old, "area_code": ons, "area_name": name,
                    "group": "Leeds" if old == LEEDS else "statistical neighbour",
                    "closeness_2021": band.get(old, ""), "measure": measure, "year": str(year),
                    "value": value, "source_file": file, "source_column": column})

    for year, name in CLA_FILES.items():
        rows = {r["geog_c"]: r for r in _rows(shared / "reference" / "dfe_cla_underlying" / name)}
        for code in wanted:
            r = rows[code]
            add(code, r["New_geog_code"], r["geog_n"], "children looked after at 31 March", year,
                r[f"CLA_Mar{year}"], name, f"CLA_Mar{year}")
    cpp = [r for r in _rows(shared / CPP_FILE) if r["geographic_level"] == "Local authority"]
    pop = [r for r in _rows(shared / POP_FILE) if r["geographic_level"] == "Local authority"]
    for code in wanted:
        for year in (2013, 2014, 2015):
            r = next(r for r in cpp if r["old_la_code"] == code and r["time_period"] == str(year))
            add(code, r["new_la_code"], r["la_name"], "children subject of a child-protection plan at 31 March",
                year, r["CPP_At31"], Path(CPP_FILE).name, "CPP_At31")
        for year in (2012, 2013, 2014):
            r = next(r for r in pop if r["old_la_code"] == code and r["time_period"] == str(year))
            add(code, r["new_la_code"], r["la_name"], "population aged 0 to 17 (mid-year)", year,
                r["population_estimate"], Path(POP_FILE).name, "population_estimate")
    return out


def main(shared: Path, dest: Path) -> Path:
    rows = extract(shared)
    path = dest / OUT
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return path


if __name__ == "__main__":
    print(main(Path(sys.argv[1]), Path(sys.argv[2])))
