"""The illustrative generator: deterministic, and consistent with the real city totals."""

import hashlib

import pandas as pd
import pytest

from cluster_inquiry.data import geography
from cluster_inquiry.synth import generate
from cluster_inquiry.core.paths import project_paths


@pytest.fixture(scope="module")
def paths():
    return project_paths()


@pytest.fixture(scope="module")
def tables(paths):
    return {t.name: t.frame for t in generate.generate(paths)}


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}


def test_rerun_writes_byte_identical_files(paths, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate.main(paths, a)
    generate.main(paths, b)
    assert _digest(a) == _digest(b)
    assert len(_digest(a)) >= 5


def test_shipped_files_are_what_the_generator_writes(paths, tmp_path):
    generate.main(paths, tmp_path)
    fresh = _digest(tmp_path)
    shipped = _digest(paths.clusters)
    for name, digest in fresh.items():
        assert shipped.get(name) == digest, f"data/clusters/{name} is stale: run `cluster-inquiry generate`"


def _real(paths, file, measure_col, measure, year_col):
    df = pd.read_csv(paths.raw / file, dtype=str)
    sel = df[(df["area_code"] == "E08000035") & (df[measure_col] == measure)]
    return {int(y): int(v) for y, v in zip(sel[year_col], sel["value"])}


def test_looked_after_children_sum_to_dfe_leeds_totals(paths, tables):
    real = _real(paths, "reference/leeds_cla_comparators_2012_2015.csv", "measure", "children looked after at 31 March", "year_31_march")
    # Published figures (DfE SFR 36/2013, 36/2014), as quoted in the inquiry brief
    assert real[2013] == 1373 and real[2014] == 1339
    t = tables["obsessions_monthly"]
    assert t.loc[t["month"] == "2013-03", "lac_count"].sum() == real[2013]
    assert t.loc[t["month"] == "2014-03", "lac_count"].sum() == real[2014]


def test_child_protection_plans_sum_to_dfe_leeds_totals(paths, tables):
    real = _real(paths, "safeguarding/leeds_cin_cpp_comparators_2013_2015.csv", "source_column", "CPP_At31", "time_period")
    assert real[2013] == 983
    t = tables["obsessions_monthly"]
    assert t.loc[t["month"] == "2013-03", "cpp_count"].sum() == real[2013]
    assert t.loc[t["month"] == "2014-03", "cpp_count"].sum() == real[2014]


def test_city_neet_rate_is_around_six_percent(tables):
    t = tables["obsessions_monthly"]
    rate = t["neet_count"].sum() / t["neet_cohort"].sum()
    assert 0.055 <= rate <= 0.065


def test_population_is_summed_from_real_lsoas(paths, tables):
    lookup = tables["lsoa_cluster_lookup"]
    attrs = geography.load_lsoa_attributes(paths).merge(lookup, on="lsoa11cd")
    pop = tables["cluster_population"].set_index("cluster_code")
    sums = attrs.groupby("cluster_code")[["pop_total", "pop_0_15"]].sum()
    assert (pop.loc[sums.index, "pop_0_15"] == sums["pop_0_15"]).all()
    assert pop["pop_0_15"].sum() == 139_343  # DCLG File 6, Leeds aged 0-15 (PROVENANCE.md)
    assert pop["pop_total"].sum() == 756_212


def test_16_17s_follow_each_clusters_children_not_its_students(tables):
    """Per year of age, a cluster's estimated 16-17s are as many as its real 0-15s (give or take
    rounding): sharing the city's 16-17s by 16-59s gave Headingley and Hyde Park 3.95 times."""
    pop = tables["cluster_population"]
    per_year = (pop["pop_16_17"] / 2) / (pop["pop_0_15"] / 16)
    city = (pop["pop_16_17"].sum() / 2) / (pop["pop_0_15"].sum() / 16)
    assert (per_year / city).between(0.97, 1.03).all(), per_year.round(2).tolist()
    assert pop["pop_source"].str.contains("16-17 estimated").all()


def test_more_deprived_clusters_have_higher_modelled_rates(paths, tables):
    lookup = tables["lsoa_cluster_lookup"]
    attrs = geography.load_lsoa_attributes(paths).merge(lookup, on="lsoa11cd")
    imd = (attrs["imd_score"] * attrs["pop_0_15"]).groupby(attrs["cluster_code"]).sum() / attrs.groupby("cluster_code")["pop_0_15"].sum()
    t = tables["obsessions_monthly"]
    sep = t[t["month"] == "2013-09"].set_index("cluster_code")
    pop = tables["cluster_population"].set_index("cluster_code")["pop_0_17"]
    lac_rate = sep["lac_count"] / pop
    neet_rate = sep["neet_count"] / sep["neet_cohort"]
    assert imd.corr(lac_rate, method="spearman") > 0.6
    assert imd.corr(neet_rate, method="spearman") > 0.6
    assert imd.corr(sep["attendance_pct"], method="spearman") < -0.5


def test_every_table_is_labelled_illustrative(tables):
    for name in ("clusters", "obsessions_monthly", "key_indicators"):
        assert set(tables[name]["data_status"]) == {"illustrative"}


def test_apportion_sums_exactly_and_is_proportional():
    out = generate.apportion(10, [1, 1, 1])
    assert out.sum() == 10 and sorted(out) == [3, 3, 4]
    # largest remainder: 3.5, 1.75, 1.75 -> floors 3, 1, 1; the two largest remainders (0.75) get +1
    assert list(generate.apportion(7, [0.5, 0.25, 0.25])) == [3, 2, 2]
    with pytest.raises(ValueError):
        generate.apportion(5, [0, 0])


# ----------------------------------------------------------------------------- never destroy council data (issue 17, item 5)


def _bytes(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def written(paths, tmp_path):
    folder = tmp_path / "clusters"
    generate.main(paths, folder)
    return folder


def _mark_real(folder, name="obsessions_monthly.csv", rows=3):
    lines = (folder / name).read_text(encoding="utf-8").splitlines(keepends=True)
    for i in range(1, rows + 1):
        lines[i] = lines[i].replace(",illustrative", ",real")
    (folder / name).write_text("".join(lines), encoding="utf-8")


def _edit_by_hand(folder, name="clusters.csv"):
    path = folder / name
    path.write_text(path.read_text(encoding="utf-8").replace("Alwoodley", "Alwoodley and Adel"), encoding="utf-8")


@pytest.mark.parametrize("damage,name,why", [
    (_mark_real, "obsessions_monthly.csv", "holds 3 row(s) marked real"),
    (_edit_by_hand, "clusters.csv", "was not written by the generator"),
])
def test_generate_refuses_to_overwrite_real_or_foreign_files(paths, written, damage, name, why):
    from typer.testing import CliRunner

    from cluster_inquiry import cli

    damage(written)
    before = _bytes(written)
    result = CliRunner().invoke(cli.app, ["generate", "--out-dir", str(written)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert any(name in line and why in line for line in result.output.splitlines()), result.output
    assert "--overwrite" in result.output and "Traceback" not in result.output
    assert _bytes(written) == before, "nothing at all was written"


def test_generate_refuses_files_it_has_no_record_of(paths, written):
    """A council's own file dropped in, illustrative rows only: no digest of it was ever recorded."""
    meetings = written / "meetings.csv"
    meetings.write_bytes(meetings.read_bytes().replace(b"\n", b"\r\n"))
    (written / generate.RECORD).unlink()
    with pytest.raises(generate.OverwriteRefusedError, match="meetings.csv: was not written by the generator"):
        generate.main(paths, written)


def test_generate_overwrite_keeps_a_backup(paths, written, tmp_path):
    _mark_real(written)
    real = (written / "obsessions_monthly.csv").read_bytes()
    generate.main(paths, tmp_path / "fresh")
    generate.main(paths, written, overwrite=True)
    assert _digest(written) == _digest(tmp_path / "fresh")
    backups = list(written.glob(".backup-*/obsessions_monthly.csv"))
    assert len(backups) == 1 and backups[0].read_bytes() == real
    generate.main(paths, written)  # its own files again: no refusal, no further backup
    assert len(list(written.glob(".backup-*"))) == 1
