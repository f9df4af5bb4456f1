"""Deterministic generator of the ILLUSTRATIVE cluster dataset.

No public cluster-level data exists for Leeds, so this module *models* plausible cluster figures
on real foundations:

* geography: real 2011 LSOAs grouped into 25 clusters (:mod:`cluster_inquiry.data.geography`);
* denominators: real mid-2012 LSOA populations summed to clusters (0–15 and total are real;
  16–19 year-olds are *estimated*, because no LSOA split by single year of age is published:
  the city's real 16–17s are shared out by each cluster's share of its 0–15s, so a cluster's
  16–17s follow its children, not its students; ``pop_0_17`` is therefore estimated too);
* deprivation: real IMD 2015 scores drive the modelled rates (more deprived → more looked-after
  children and NEET, lower attendance);
* city totals: looked-after children and child-protection plans sum *exactly* to the real DfE
  Leeds figures at 31 March; the city NEET rate is calibrated to the reported 6.0%.

Everything else (month-to-month movement, cluster-to-cluster variation, governance) is invented
from a fixed seed. Re-running writes byte-identical files. Every table carries
``data_status = illustrative`` where it holds invented numbers.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cluster_inquiry.data import geography, reference
from cluster_inquiry.indicators import catalogue
from cluster_inquiry.synth import generate_partnerships
from cluster_inquiry.core.exceptions import ClusterInquiryError
from cluster_inquiry.core.paths import Paths, project_paths

SEED = 20131114  # the date of the inquiry's first session
MONTHS = pd.period_range("2012-04", "2014-03", freq="M")
KEY_PERIODS = ("2012-09", "2013-04", "2013-09")  # 2012-09: the like period for 2013-09
CITY_NEET_RATE = 0.060  # "Leeds 6.0%" (sourced_facts.csv F11)
CITY_ATTENDANCE = 94.9  # illustrative city attendance %, close to Leeds's published 2012/13 level
CITY_PERSISTENT_ABSENCE = 0.055
GOVERNANCE_FORMS = ("Trust", "Joint Collaborative Committee", "Informal")
CHAIR_ROLES = (
    "Secondary headteacher",
    "Primary headteacher",
    "Children's centre leader",
    "Voluntary-sector partner",
)


@dataclass(frozen=True)
class Table:
    """One output table: its file name and its frame."""

    name: str
    frame: pd.DataFrame

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer ``total`` in proportion to ``weights`` (largest remainder; ties by position)."""
    weights = np.asarray(weights, dtype=float)
    if total < 0 or (weights < 0).any() or weights.sum() <= 0:
        raise ValueError("apportion needs a non-negative total and positive weights")
    exact = total * weights / weights.sum()
    base = np.floor(exact).astype(int)
    remainder = total - int(base.sum())
    order = np.lexsort((np.arange(len(exact)), -(exact - base)))
    base[order[:remainder]] += 1
    return base


def _zscore(x: pd.Series) -> pd.Series:
    return (x - x.mean()) / x.std(ddof=0)


def _month_path(anchors: dict[str, int], noise: np.ndarray) -> np.ndarray:
    """Monthly city totals: linear between anchor months, seeded noise, exact at anchors."""
    idx = pd.period_range("2012-03", "2014-03", freq="M")
    known = pd.Series({pd.Period(k, "M"): v for k, v in anchors.items()}, dtype=float)
    series = pd.Series(np.nan, index=idx)
    series.loc[known.index] = known.values
    series = series.interpolate(limit_direction="both")
    series = series.loc[MONTHS]
    values = series.to_numpy() + noise
    for k, v in anchors.items():
        p = pd.Period(k, "M")
        if p in MONTHS:
            values[MONTHS.get_loc(p)] = v
    return np.round(values).astype(int)


def cluster_frame(paths: Paths) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The LSOA lookup and per-cluster real aggregates (population, deprivation)."""
    lookup = geography.build_lsoa_cluster_lookup(paths)
    attrs = geography.load_lsoa_attributes(paths).merge(lookup, on="lsoa11cd", validate="1:1")
    attrs["imd_x_pop"] = attrs["imd_score"] * attrs["pop_0_15"]
    agg = attrs.groupby("cluster_code").agg(
        pop_total=("pop_total", "sum"),
        pop_0_15=("pop_0_15", "sum"),
        pop_16_59=("pop_16_59", "sum"),
        imd_x_pop=("imd_x_pop", "sum"),
        lsoas=("lsoa11cd", "count"),
    )
    agg["imd_score_weighted"] = agg["imd_x_pop"] / agg["pop_0_15"]
    return lookup, agg.drop(columns="imd_x_pop").reset_index()


def generate(paths: Paths | None = None) -> list[Table]:
    """Build every illustrative table (nothing is written)."""
    from cluster_inquiry.synth import generate_context  # late: it imports Table, SEED and apportion from this module

    paths = paths or project_paths()
    rng = np.random.default_rng(SEED)
    defs = geography.read_cluster_definitions(paths)
    lookup, agg = cluster_frame(paths)
    agg = agg.merge(defs[["cluster_code", "cluster_name", "area", "name_basis"]], on="cluster_code")
    n = len(agg)
    dep = _zscore(agg["imd_score_weighted"]).to_numpy()

    # --- population (0–15 and total real; 16–19 estimated) -------------------------------
    # The city's 16–17s (real ONS 0–17 less the real LSOA 0–15s) are shared out by each
    # cluster's share of 0–15s: the children who age into 16–17. Sharing by 16–59s followed
    # students (Headingley and Hyde Park got 3.95 times its children's per-year rate).
    city_0_17 = reference.leeds_population_0_17(paths)[2012]
    city_16_17 = city_0_17 - int(agg["pop_0_15"].sum())
    pop_16_17 = apportion(city_16_17, agg["pop_0_15"].to_numpy())
    population = pd.DataFrame(
        {
            "cluster_code": agg["cluster_code"],
            "pop_total": agg["pop_total"],
            "pop_0_15": agg["pop_0_15"],
            "pop_16_17": pop_16_17,
            "pop_0_17": agg["pop_0_15"].to_numpy() + pop_16_17,
            "pop_16_19": 2 * pop_16_17,
            "pop_0_19": agg["pop_0_15"].to_numpy() + 2 * pop_16_17,
            "lsoa_count": agg["lsoas"],
            "pop_source": "real mid-2012 LSOA sums (total, 0-15); 16-17 estimated by share of 0-15s; 16-19 estimated",
        }
    )

    # --- clusters: governance and roles (illustrative) ------------------------------------
    gov = rng.choice(len(GOVERNANCE_FORMS), size=n, p=[0.36, 0.44, 0.20])
    clusters = pd.DataFrame(
        {
            "cluster_code": agg["cluster_code"],
            "cluster_name": agg["cluster_name"],
            "area": agg["area"],
            "governance": [GOVERNANCE_FORMS[i] for i in gov],
            "chair_role": [CHAIR_ROLES[i] for i in rng.integers(0, len(CHAIR_ROLES), size=n)],
            "has_cluster_manager": rng.random(n) < 0.92,
            "elected_members": rng.choice([0, 1, 2], size=n, p=[0.12, 0.40, 0.48]),
            "name_basis": agg["name_basis"],
            "data_status": "illustrative",
        }
    )

    # --- monthly obsession tracker -------------------------------------------------------
    lac_real = reference.leeds_lac_at_31_march(paths)
    cpp_real = reference.leeds_cpp_at_31_march(paths)
    lac_city = _month_path(
        {"2012-03": lac_real[2012], "2013-03": lac_real[2013], "2014-03": lac_real[2014]},
        rng.normal(0, 6, len(MONTHS)),
    )
    # CPP before March 2013 is not published here: assume it rose towards 983 (illustrative).
    cpp_city = _month_path(
        {"2012-03": round(cpp_real[2013] * 0.9), "2013-03": cpp_real[2013], "2014-03": cpp_real[2014]},
        rng.normal(0, 8, len(MONTHS)),
    )
    pop017 = population["pop_0_17"].to_numpy()
    lac_base = pop017 * np.exp(0.85 * dep) * rng.lognormal(0, 0.18, n)
    cpp_base = pop017 * np.exp(0.75 * dep) * rng.lognormal(0, 0.22, n)
    lac_drift = rng.normal(0, 0.10, n)  # relative change over two years, per cluster
    cpp_drift = rng.normal(0, 0.18, n)
    pupils = np.round(agg["pop_0_15"].to_numpy() * 11 / 16).astype(int)
    cohort = np.round(pop_16_17 * 1.5).astype(int)
    neet_odds = np.exp(0.55 * dep + rng.normal(0, 0.12, n))
    neet_drift = rng.normal(-0.05, 0.12, n)
    att_offset = -0.55 * dep + rng.normal(0, 0.25, n)
    pa_odds = np.exp(0.5 * dep + rng.normal(0, 0.12, n))
    rows = []
    for m, month in enumerate(MONTHS):
        t = m / (len(MONTHS) - 1)
        w_lac = lac_base * (1 + lac_drift * t) * rng.lognormal(0, 0.02, n)
        w_cpp = cpp_base * (1 + cpp_drift * t) * rng.lognormal(0, 0.05, n)
        lac = apportion(int(lac_city[m]), w_lac)
        cpp = apportion(int(cpp_city[m]), w_cpp)
        # NEET: calibrate cluster odds so the city rate follows a gentle seasonal path near 6.0%
        season = 1 + 0.08 * np.cos(2 * np.pi * (month.month - 11) / 12)
        city_rate = CITY_NEET_RATE * season * (1 - 0.04 * t)
        odds = neet_odds * (1 + neet_drift * t)
        rate = odds / (odds * cohort).sum() * cohort.sum() * city_rate
        neet = apportion(int(round(city_rate * cohort.sum())), rate * cohort)
        if month.month == 8:  # school holidays: attendance is not applicable
            attendance = np.full(n, np.nan)
            pa = np.full(n, np.nan)
        else:
            attendance = np.round(CITY_ATTENDANCE + att_offset + rng.normal(0, 0.15, n), 1)
            pa_rate = pa_odds / (pa_odds * pupils).sum() * pupils.sum() * CITY_PERSISTENT_ABSENCE
            pa = np.round(pupils * pa_rate * rng.lognormal(0, 0.05, n))
        for i in range(n):
            rows.append(
                {
                    "cluster_code": agg["cluster_code"].iat[i],
                    "month": str(month),
                    "lac_count": int(lac[i]),
                    "cpp_count": int(cpp[i]),
                    "pupils_on_roll": int(pupils[i]),
                    "attendance_pct": attendance[i],
                    "persistent_absentees": pa[i],
                    "neet_count": int(neet[i]),
                    "neet_cohort": int(cohort[i]),
                    "data_status": "illustrative",
                }
            )
    tracker = pd.DataFrame(rows)
    tracker["persistent_absentees"] = tracker["persistent_absentees"].astype("Int64")
    tracker = tracker.sort_values(["cluster_code", "month"]).reset_index(drop=True)

    return [
        Table("clusters", clusters),
        Table("lsoa_cluster_lookup", lookup),
        Table("cluster_population", population),
        Table("obsessions_monthly", tracker),
        Table("key_indicators", key_indicators_from(tracker, population, rng)),
        # governance, meetings, attendance and sharing (own random stream; see that module)
        *(Table(name, frame) for name, frame in generate_partnerships.tables(clusters)),
        # demographics and funding (own random stream; see that module)
        *generate_context.tables(population, agg, tracker),
    ]


def key_indicators_from(tracker: pd.DataFrame, population: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Cluster key indicators at the dashboard dates (September 2012, April and September 2013).

    Counts for looked-after children, child-protection plans and NEET are the tracker's counts
    in that month, so the dashboard and the tracker can never disagree. Attendance and
    persistent absence are year-to-date figures modelled from the tracker.
    """
    rows = []
    pop = population.set_index("cluster_code")
    for period in KEY_PERIODS:
        month = tracker[tracker["month"] == period].set_index("cluster_code")
        # academic year to date (1 September to the end of the month), each month weighted by
        # its possible sessions (catalogue.SCHOOL_DAYS): the one definition the pages use
        months = catalogue.year_to_date_months(period)
        ytd = tracker[tracker["month"].isin(months) & tracker["attendance_pct"].notna()].copy()
        ytd["sessions"] = ytd["month"].map(lambda m: catalogue.SCHOOL_DAYS[int(m[5:])]) * ytd["pupils_on_roll"]
        ytd["attended"] = ytd["attendance_pct"] * ytd["sessions"]
        ytd = ytd.groupby("cluster_code")
        att = ytd["attended"].sum() / ytd["sessions"].sum()
        pa = ytd["persistent_absentees"].mean()
        possible = catalogue.possible_sessions_per_pupil(period)
        for code in sorted(month.index):
            r = month.loc[code]
            p = pop.loc[code]
            pupils = int(r["pupils_on_roll"])
            rows += [
                (code, period, "LAC_RATE", int(r["lac_count"]), int(p["pop_0_17"])),
                (code, period, "CPP_RATE", int(r["cpp_count"]), int(p["pop_0_17"])),
                (code, period, "NEET_PCT", int(r["neet_count"]), int(r["neet_cohort"])),
                (code, period, "ATTEND_PCT", round(att[code] / 100 * pupils * possible), pupils * possible),
                (code, period, "PA_PCT", int(round(pa[code])), pupils),
            ]
    out = pd.DataFrame(rows, columns=["cluster_code", "period", "indicator_code", "numerator", "denominator"])
    out["data_status"] = "illustrative"
    return out.sort_values(["period", "indicator_code", "cluster_code"]).reset_index(drop=True)


#: beside the tables: the SHA-256 of each file the generator wrote (a dot-file: not an input)
RECORD = ".generated.json"


class OverwriteRefusedError(ClusterInquiryError):
    """``generate`` would overwrite a table holding real rows or not written by the generator."""


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _real_rows(data: bytes) -> int:
    """Rows whose ``data_status`` is ``real`` (-1 when the file cannot be read as a CSV)."""
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
        return sum((row.get("data_status") or "").strip().casefold() == "real" for row in reader)
    except (UnicodeDecodeError, csv.Error):
        return -1


def _why_not_overwrite(path: Path, new: bytes, record: dict[str, str]) -> str | None:
    """Why overwriting ``path`` with ``new`` would destroy something (None: safe)."""
    if not path.exists() and not path.is_symlink():
        return None
    if not path.is_file():
        return "is not a regular file"
    old = path.read_bytes()
    if old == new:
        return None
    real = _real_rows(old)
    if real > 0:
        return f"holds {real} row(s) marked real"
    if record.get(path.name) != _digest(old):
        return "was not written by the generator (changed since, or supplied by hand)"
    return None


def write_tables(tables: list[Table], out_dir: Path, *, overwrite: bool = False) -> list[Path]:
    """Write tables as UTF-8 CSV with LF line endings and fixed float formatting.

    A file that holds rows marked ``real``, or was not written by the generator (its digest is not
    the one in ``.generated.json``), is overwritten only with ``overwrite``, and then copied first
    to ``.backup-<time>/`` beside it. Without ``overwrite`` nothing at all is written.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    record_path = out_dir / RECORD
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        record = record if isinstance(record, dict) else {}
    except (OSError, ValueError):
        record = {}
    contents = {}
    for table in tables:
        buffer = io.StringIO()
        table.frame.to_csv(buffer, index=False, lineterminator="\n", float_format="%.1f")
        contents[table.filename] = buffer.getvalue().encode("utf-8")
    refused = {name: why for name, data in contents.items() if (why := _why_not_overwrite(out_dir / name, data, record))}
    if refused and not overwrite:
        raise OverwriteRefusedError(
            f"generate would overwrite {len(refused)} file(s) in {out_dir}; nothing was written:\n"
            + "\n".join(f"{out_dir / name}: {why}" for name, why in sorted(refused.items()))
            + "\nrun `cluster-inquiry generate --overwrite` to replace them (a backup of each is kept)"
        )
    if refused:
        backup = out_dir / f".backup-{time.strftime('%Y%m%dT%H%M%S')}"
        backup.mkdir(exist_ok=True)
        for name in sorted(refused):
            shutil.copy2(out_dir / name, backup / name)
        print(f"backed up {len(refused)} file(s) to {backup}", file=sys.stderr)
    written = []
    for name, data in contents.items():
        path = out_dir / name
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        record[name] = _digest(data)
        written.append(path)
    tmp = record_path.with_name(f"{RECORD}.tmp")
    tmp.write_text(json.dumps(dict(sorted(record.items())), indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, record_path)
    return written


def main(paths: Paths | None = None, out_dir: Path | None = None, *, overwrite: bool = False) -> list[Path]:
    paths = paths or project_paths()
    return write_tables(generate(paths), out_dir or paths.clusters, overwrite=overwrite)
