"""The content-addressed cache: what re-executes a notebook and what does not.

Two levels. (1) Real execution of tiny fixture notebooks (tests/notebooks/cache_*.ipynb) in a
scratch project: no change executes nothing; a data change for one cluster, a template change,
a parameter change re-execute exactly the notebooks concerned. (2) Keys computed for the real
book's jobs over a copy of the shipped data (no kernels): the rules for cluster profiles (own
rows + the city values they show), package code and the environment, and the honesty check that
a profile's output really does not depend on what its key leaves out.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from cluster_inquiry import pipeline
from cluster_inquiry.build import cache
from cluster_inquiry.pages import report
from cluster_inquiry.build.execute import NotebookJob
from cluster_inquiry.core.paths import Paths

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "notebooks"


# ----------------------------------------------------------------------------- (1) fixture notebooks


def write_values(root: Path, values: dict[str, list[int]]) -> None:
    rows = [f"{code},{v}" for code, vs in values.items() for v in vs]
    (root / "data" / "clusters" / "values.csv").write_text("cluster_code,value\n" + "\n".join(rows) + "\n", encoding="utf-8")


@pytest.fixture()
def mini(tmp_path) -> Paths:
    root = tmp_path / "project"
    (root / "data" / "clusters").mkdir(parents=True)
    (root / "notebooks").mkdir()
    for name in ("cache_city.ipynb", "cache_cluster.ipynb"):
        shutil.copy(FIXTURES / name, root / "notebooks" / name)
    write_values(root, {"C01": [1, 2], "C02": [3], "C03": [4]})
    return Paths(root)


def mini_jobs(extra: dict | None = None) -> list[NotebookJob]:
    jobs = [NotebookJob("cache_city.ipynb", "themes/city.ipynb", {})]
    for code in ("C01", "C02", "C03"):
        params = {"cluster_code": code, **((extra or {}).get(code, {}))}
        jobs.append(NotebookJob("cache_cluster.ipynb", f"clusters/{code}.ipynb", params, {"cluster_name": code}, scope=code))
    return jobs


def run_mini(paths: Paths, jobs=None, **kw) -> dict[str, tuple[str, str]]:
    deps = cache.DataDependencies(paths, {"values": paths.root / "data" / "clusters" / "values.csv"})
    fp = cache.Fingerprinter(paths.notebooks, deps, environment="test-environment")
    results = cache.run_cached(paths, jobs or mini_jobs(), paths.build / "executed", fingerprinter=fp,
                               workers=2, progress=False, **kw)
    assert all(r.status != "failed" for r in results), [r.error for r in results]
    return {r.job.output: (r.status, r.reason) for r in results}


def executed(outcome: dict) -> set[str]:
    return {out for out, (status, _) in outcome.items() if status == "executed"}


def test_cache_invalidation_rules_on_fixture_notebooks(mini):
    first = run_mini(mini)
    assert executed(first) == set(first) and all(reason == "new" for _, reason in first.values())
    page = mini.build / "executed" / "clusters" / "C02.ipynb"
    assert "'3'" in page.read_text(encoding="utf-8")

    # no change: nothing executes, every page is reused from the store (a hard link, not a copy)
    again = run_mini(mini)
    assert executed(again) == set()
    stored = list((mini.build / "cache" / "notebooks").glob("*.ipynb"))
    assert len(stored) == 4 and page.stat().st_nlink >= 2

    # one cluster's rows change: that cluster's page and the city page only
    write_values(mini.root, {"C01": [1, 2], "C02": [30], "C03": [4]})
    data = run_mini(mini)
    assert executed(data) == {"themes/city.ipynb", "clusters/C02.ipynb"}
    assert "'30'" in page.read_text(encoding="utf-8")

    # a template change: every page made from it, not the others
    tpl = mini.notebooks / "cache_cluster.ipynb"
    tpl.write_text(tpl.read_text(encoding="utf-8").replace("A tiny stand-in", "A small stand-in"), encoding="utf-8")
    template = run_mini(mini)
    assert executed(template) == {"clusters/C01.ipynb", "clusters/C02.ipynb", "clusters/C03.ipynb"}

    # a parameter change: that job only
    params = run_mini(mini, mini_jobs({"C03": {"extra": 1}}))
    assert executed(params) == {"clusters/C03.ipynb"}

    # force: everything, whatever the cache holds
    forced = run_mini(mini, force=True)
    assert executed(forced) == set(forced) and {r for _, r in forced.values()} == {"forced"}


def test_reasons_name_the_part_that_changed(mini):
    run_mini(mini)
    cache.write_manifest(mini.build, {"jobs": {
        out: {"parts": cache.Fingerprinter(mini.notebooks, cache.DataDependencies(
            mini, {"values": mini.root / "data" / "clusters" / "values.csv"}), environment="test-environment").fingerprint(job).parts}
        for job in mini_jobs() for out in [job.output]}})
    write_values(mini.root, {"C01": [1, 2], "C02": [3], "C03": [5]})
    outcome = run_mini(mini)
    assert outcome["clusters/C03.ipynb"] == ("executed", "data")
    assert outcome["clusters/C01.ipynb"][0] == "cached"


def test_nothing_is_written_under_build_when_every_notebook_fails(mini):
    jobs = [NotebookJob("cache_city.ipynb", "themes/city.ipynb", {})]
    (mini.root / "data" / "clusters" / "values.csv").write_text("cluster_code,value\nC01,not-a-number\n", encoding="utf-8")
    deps = cache.DataDependencies(mini, {})
    fp = cache.Fingerprinter(mini.notebooks, deps, environment="test-environment")
    results = cache.run_cached(mini, jobs, mini.build / "executed", fingerprinter=fp, workers=1, progress=False)
    assert results[0].status == "failed" and "ValueError" in results[0].error
    assert not mini.build.exists()


def test_an_edit_in_place_of_an_executed_notebook_is_not_served_from_the_cache(mini, capfd):
    """_build/executed holds hard links into the cache: an edit there changes the stored notebook,
    so the next run must notice (the digest recorded when it was made) and execute it again."""
    run_mini(mini)
    page = mini.build / "executed" / "clusters" / "C02.ipynb"
    text = page.read_text(encoding="utf-8")
    with open(page, "r+", encoding="utf-8") as fh:  # in place: same inode, as an editor saving over it does
        fh.write(text.replace("'3'", "'9'"))
    capfd.readouterr()
    again = run_mini(mini)
    assert again["clusters/C02.ipynb"][0] == "executed" and "dropped" in again["clusters/C02.ipynb"][1]
    assert executed(again) == {"clusters/C02.ipynb"}, "the others are still served from the cache"
    assert "'3'" in page.read_text(encoding="utf-8") and "'9'" not in page.read_text(encoding="utf-8")
    said = [line for line in capfd.readouterr().err.splitlines() if "cached notebook" in line]
    assert len(said) == 1 and "clusters/C02.ipynb" in said[0] and "executing it again" in said[0], said


def test_a_truncated_cache_entry_is_dropped_and_executed_again(mini):
    run_mini(mini)
    stored = cache.NotebookStore(mini.build)
    key = next(p.stem for p in stored.dir.glob("*.ipynb") if "'1'" in p.read_text(encoding="utf-8") and "C01" in p.read_text(encoding="utf-8"))
    entry = stored.path(key)
    entry.write_bytes(entry.read_bytes()[:100])  # a crash or a full disk: half a notebook
    again = run_mini(mini)
    assert executed(again) == {"clusters/C01.ipynb"}
    page = mini.build / "executed" / "clusters" / "C01.ipynb"
    import nbformat
    nbformat.read(page, as_version=4)  # whole again
    assert stored.problem(key) is None


def test_reusing_cached_notebooks_leaves_no_tmp_links_in_executed(mini):
    run_mini(mini)
    run_mini(mini)  # every notebook materialised over a link to the same file
    left = [p.name for p in (mini.build / "executed").rglob("*") if p.name.endswith(".tmp") or ".tmp" in p.name]
    assert left == []


# ----------------------------------------------------------------------------- (2) the real book's rules


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Paths:
    """A copy of the shipped data and templates (the package is the installed one)."""
    root = tmp_path_factory.mktemp("cache") / "project"
    root.mkdir()
    shutil.copytree(ROOT / "data", root / "data", ignore=shutil.ignore_patterns("processed"))
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    for name in ("_toc.yml", "_config.yml", "pyproject.toml"):
        shutil.copy(ROOT / name, root / name)
    return Paths(root)


def keys(paths: Paths) -> dict[str, str]:
    from cluster_inquiry.data.validation import load_inputs

    frames = load_inputs(paths)
    jobs = pipeline.plan_jobs(frames["clusters"], case_studies=pipeline.case_study_codes(frames))
    fp = cache.project_fingerprinter(paths, frames, environment="test-environment")
    return {job.output: fp.fingerprint(job).key for job in jobs}


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {out for out in before if before[out] != after.get(out)}


@pytest.fixture()
def edit(project):
    """Edit a CSV of the project copy for one test; restore it afterwards."""
    saved = {}

    def apply(table: str, change) -> None:
        path = project.root / "data" / "clusters" / f"{table}.csv"
        saved.setdefault(path, path.read_bytes())
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        change(df)
        df.to_csv(path, index=False, lineterminator="\n")

    yield apply
    for path, data in saved.items():
        path.write_bytes(data)


def set_cell(df: pd.DataFrame, code: str, month: str, column: str, value) -> None:
    row = df.index[(df["cluster_code"] == code) & (df["month"] == month)][0]
    df.loc[row, column] = str(value(df.loc[row, column]) if callable(value) else value)


def scoped_outputs(before: dict[str, str], code: str) -> set[str]:
    return {o for o in before if o.split("/")[-1].startswith(code.lower() + "-")}


def unscoped_outputs(before: dict[str, str]) -> set[str]:
    return {o for o in before if not o.startswith(("clusters/", f"{pipeline.CASE_STUDY_FOLDER}/"))}


def test_profile_template_makes_only_declared_calls():
    """The profile template's package calls are all declared (else profiles would depend on all data)."""
    calls = cache.package_calls(ROOT / "notebooks" / pipeline.PROFILE_TEMPLATE)
    assert calls <= set(report.PROFILE_CALLS), f"declare these in report.PROFILE_CALLS: {calls - set(report.PROFILE_CALLS)}"


def test_no_change_gives_the_same_keys(project):
    assert keys(project) == keys(project)


def test_one_clusters_own_data_reruns_its_profile_and_the_city_chapters_only(project, edit):
    before = keys(project)
    # a late attendance return for C09 in one month: no city value a profile shows moves
    edit("obsessions_monthly", lambda df: set_cell(df, "C09", "2013-10", "attendance_pct", "91.0"))
    after = keys(project)
    assert changed(before, after) == scoped_outputs(before, "C09") | unscoped_outputs(before)
    assert scoped_outputs(before, "C09") and len(changed(before, after) & scoped_outputs(before, "C10")) == 0


def test_a_change_that_moves_a_city_total_reruns_every_profile(project, edit):
    before = keys(project)
    edit("obsessions_monthly", lambda df: set_cell(df, "C09", "2013-10", "lac_count", lambda v: int(v) + 1))
    after = keys(project)
    assert changed(before, after) == set(before)  # the city's looked-after rate is on every profile


def test_moving_a_count_between_two_clusters_reruns_those_two_profiles(project, edit):
    before = keys(project)
    tracker = pd.read_csv(project.clusters / "obsessions_monthly.csv", dtype={"lac_count": int})
    month = tracker[tracker.month == "2013-10"].sort_values("lac_count")
    a, b = month["cluster_code"].iloc[-1], month["cluster_code"].iloc[-2]  # two large counts: no new suppression
    assert month["lac_count"].iloc[-2] > 10

    def move(df):  # one looked-after child recorded against the wrong cluster, corrected
        set_cell(df, a, "2013-10", "lac_count", lambda v: int(v) + 1)
        set_cell(df, b, "2013-10", "lac_count", lambda v: int(v) - 1)

    edit("obsessions_monthly", move)
    after = keys(project)
    assert changed(before, after) == scoped_outputs(before, a) | scoped_outputs(before, b) | unscoped_outputs(before)


def test_an_undeclared_call_in_the_profile_template_makes_profiles_depend_on_all_data(project, edit):
    tpl = project.notebooks / pipeline.PROFILE_TEMPLATE
    saved = tpl.read_bytes()
    try:
        tpl.write_text(tpl.read_text(encoding="utf-8").replace(
            "report.cluster_header(ctx, cluster_code)", "report.indicator_map(ctx, 'LAC_RATE', '2013-09')"), encoding="utf-8")
        before = keys(project)
        edit("obsessions_monthly", lambda df: set_cell(df, "C09", "2013-10", "attendance_pct", "91.0"))
        assert changed(before, keys(project)) == set(before)
    finally:
        tpl.write_bytes(saved)


def test_package_code_counts_only_where_the_template_imports_it(tmp_path):
    package = tmp_path / "cluster_inquiry"
    shutil.copytree(Path(cache.__file__).parent.parent, package, ignore=shutil.ignore_patterns("__pycache__"))

    def code_part() -> str:
        fp = cache.Fingerprinter(ROOT / "notebooks", cache.DataDependencies(Paths(tmp_path)), package_dir=package,
                                 environment="e")
        return fp.template_info(pipeline.PROFILE_TEMPLATE)[1]

    base = code_part()
    (package / "cli.py").write_text((package / "cli.py").read_text(encoding="utf-8") + "\n# a CLI tweak\n", encoding="utf-8")
    assert code_part() == base  # the notebook never imports the CLI
    methods = package / "stats" / "methods.py"
    methods.write_text(methods.read_text(encoding="utf-8") + "\n# a method change\n", encoding="utf-8")
    assert code_part() != base  # pages.report → indicators.catalogue → stats.methods


def test_environment_is_part_of_every_key(project):
    from cluster_inquiry.data.validation import load_inputs

    frames = load_inputs(project)
    job = pipeline.plan_jobs(frames["clusters"], cluster_codes=["C09"], themes=[])[0]
    a = cache.project_fingerprinter(project, frames, environment="pandas 3.1.1").fingerprint(job)
    b = cache.project_fingerprinter(project, frames, environment="pandas 3.1.2").fingerprint(job)
    assert a.key != b.key and b.changed(a.parts) == ["environment"]


def test_a_profile_does_not_depend_on_what_its_key_leaves_out(project):
    """Honesty check: change other clusters in every way that leaves C01's key alone (names,
    governance, populations, attendance, a child-protection count that moves the city total but is
    not shown on profiles, monthly counts moved between two clusters) — C01's rendered profile is identical."""
    from cluster_inquiry.data import geography
    from cluster_inquiry.pages import profiles
    from cluster_inquiry.data.validation import load_inputs

    frames = load_inputs(project)
    changed_frames = {k: v.copy() for k, v in frames.items()}
    c, pop, t, ki = (changed_frames[n] for n in ("clusters", "cluster_population", "obsessions_monthly", "key_indicators"))
    # two other clusters with large counts, so that moving one between them creates no new small count
    month = t[(t.month == "2013-11") & (t.cluster_code != "C01")].sort_values("lac_count")
    b, d = month["cluster_code"].iloc[-1], month["cluster_code"].iloc[-2]
    c.loc[c.cluster_code == b, ["governance", "chair_role"]] = ["Informal", "Headteacher (changed)"]
    pop.loc[pop.cluster_code == b, "pop_total"] += 100
    t.loc[t.cluster_code == b, "attendance_pct"] += 0.5
    t.loc[t.cluster_code == b, "pupils_on_roll"] += 10
    cpp = t[(t.cluster_code != "C01") & (t.cpp_count > 10)].index[0]
    t.loc[cpp, "cpp_count"] += 1  # moves the city's child-protection total, which profiles do not show
    pa = ki[(ki.indicator_code == "PA_PCT") & (ki.period == "2013-09")].set_index("cluster_code")["numerator"]
    assert min(pa[b], pa[d]) > 10
    for code, step in ((b, 1), (d, -1)):
        row = (t.cluster_code == code) & (t.month == "2013-11")
        assert int(t.loc[row, "lac_count"].iloc[0]) > 10
        t.loc[row, "lac_count"] += step
    # (a key-indicator count moved between two clusters is not here: it can move the city's range of
    # that indicator, which the profile's spine chart draws, so it is in profile_benchmarks)

    def own_rows(fr, code):
        return {n: fr[n][fr[n]["cluster_code"] == code].to_csv(index=False) for n in report.PROFILE_OWN_ROWS}

    assert own_rows(frames, "C01") == own_rows(changed_frames, "C01")
    assert report.profile_benchmarks(frames, project)["C01"] == report.profile_benchmarks(changed_frames, project)["C01"]
    assert own_rows(frames, b) != own_rows(changed_frames, b)  # the edits are real

    boundaries = geography.cluster_boundaries(project, frames["lsoa_cluster_lookup"])

    def profile(fr) -> list[str]:
        ctx = report.Context(project, fr, boundaries)
        with matplotlib.rc_context():  # charts set a seaborn theme: start each profile from the same style
            return [
                report.cluster_header(ctx, "C01")._repr_html_(),
                report.cluster_locator_map(ctx, "C01")._repr_html_(),
                report.cluster_trend(ctx, "C01")._repr_html_(),
                report.cluster_indicator_summary(ctx, "C01")._repr_html_(),
                profiles.improvement_flag(ctx, "C01")._repr_html_(),
                profiles.spine(ctx, "C01")._repr_html_(),
                profiles.funding_table(ctx, "C01")._repr_html_(),
                profiles.partner_table(ctx, "C01")._repr_html_(),
                profiles.onward_links(ctx, "C01")._repr_html_(),
            ]

    assert profile(frames) == profile(changed_frames)


# ----------------------------------------------------------------------------- the no-change rebuild


@pytest.fixture()
def published(tmp_path) -> Paths:
    """A project whose published site and manifest match its sources (as after a build)."""
    root = tmp_path / "published"
    for folder in ("data/clusters", "notebooks", "book", "_build/sites/site-1", "_build/executed/themes"):
        (root / folder).mkdir(parents=True)
    (root / "data/clusters/values.csv").write_text("cluster_code,value\nC01,1\n", encoding="utf-8")
    shutil.copy(FIXTURES / "cache_city.ipynb", root / "notebooks")
    (root / "book/intro.md").write_text("# Intro\n", encoding="utf-8")
    for name in ("_toc.yml", "_config.yml", "pyproject.toml"):
        (root / name).write_text("# stub\n", encoding="utf-8")
    (root / "_build/sites/site-1/index.html").write_text("the published site\n", encoding="utf-8")
    os.symlink("sites/site-1", root / "_build/html")
    (root / "_build/executed/themes/city.ipynb").write_text("{}", encoding="utf-8")
    paths = Paths(root)
    options = {"strict": True}
    key = cache.build_key(paths, pipeline.BOOK_SOURCES, options=options, environment=cache.environment_digest())
    cache.write_manifest(paths.build, {"build_key": key, "site": "site-1", "book_sources": pipeline.BOOK_SOURCES,
                                       "options": options, "jobs": {"themes/city.ipynb": {"key": "k", "status": "executed"}}})
    return paths


def test_a_rebuild_with_nothing_changed_returns_the_published_site_without_validating(published):
    # the inputs here would not pass validation: an up-to-date answer proves nothing was validated or run
    result = pipeline.build(published, progress=False)
    assert result.up_to_date and result.site == published.build / "sites" / "site-1"
    assert [r.status for r in result.results] == ["cached"]
    assert cache.unchanged_site(published, {"strict": True}) == result.site


@pytest.mark.parametrize("change", ["data", "template", "book", "options", "site gone"])
def test_any_change_means_a_real_build(published, change):
    if change == "data":
        (published.root / "data/clusters/values.csv").write_text("cluster_code,value\nC01,2\n", encoding="utf-8")
    elif change == "template":
        (published.notebooks / "cache_city.ipynb").write_text("{}", encoding="utf-8")
    elif change == "book":
        (published.root / "book/intro.md").write_text("# Introduction\n", encoding="utf-8")
    elif change == "site gone":
        (published.build / "sites/site-1/index.html").unlink()
    options = {"strict": False} if change == "options" else {"strict": True}
    assert cache.unchanged_site(published, options) is None


def test_cli_build_with_nothing_changed_answers_without_importing_the_pipeline(published):
    import subprocess
    import sys

    env = dict(os.environ, CLUSTER_INQUIRY_ROOT=str(published.root))
    code = ("import sys; from cluster_inquiry.cli import app\n"
            "try:\n    app(['build'])\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "heavy = [m for m in ('cluster_inquiry.pipeline', 'pandas', 'matplotlib') if m in sys.modules]\n"
            "print('imported:', heavy)")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "up to date" in proc.stderr and "imported: []" in proc.stdout
    quiet = subprocess.run([sys.executable, "-c", code.replace("['build']", "['build', '--quiet']")], env=env,
                           capture_output=True, text=True)
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr  # --quiet: nothing when nothing changed
