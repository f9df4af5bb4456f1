"""The single entry point: validate → execute notebooks (papermill) → build the book → publish.

Stages (govcookiecutter style, raw → processed → published):

1. **validate** every input table against the data contract; stop before any notebook runs;
2. **execute** the theme notebooks and one profile per cluster into ``_build/executed``;
3. **stage** the book sources and executed notebooks in a fresh temporary folder and run
   Jupyter Book (strict: warnings are errors) there;
4. **scan** every file of the new site and the executed notebooks for small counts
   (:mod:`cluster_inquiry.checks.leakscan`); a leak stops the build here;
5. **publish** by pointing the ``_build/html`` symlink at the new site in one atomic rename.

If any stage fails, ``_build/html`` still points at the previous site, byte for byte.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cluster_inquiry.build import cache
from cluster_inquiry.core.exceptions import BookBuildError, InputFileError, NotebookExecutionError, SchedulerError, UnknownClusterError
from cluster_inquiry.checks import leakscan
from cluster_inquiry.build.execute import JobResult, NotebookJob
from cluster_inquiry.build import downloads
from cluster_inquiry.pages import definitions
from cluster_inquiry.figures.records import slug
from cluster_inquiry.figures import interactive
from cluster_inquiry.build import workspace
from cluster_inquiry.core.paths import Paths, project_paths
from cluster_inquiry.data.validation import load_inputs

THEMES = {
    "accountability": "theme_accountability.ipynb",
    "performance": "theme_performance.ipynb",
    # Appendices A–E of the performance chapter (listed under Appendices in _toc.yml)
    "appendix_a": "performance_appendix_a.ipynb",  # city dashboard and real comparators
    "appendix_b": "performance_appendix_b.ipynb",  # key indicators for every cluster
    "appendix_c": "performance_appendix_c.ipynb",  # monthly tracker of the three obsessions
    "appendix_d": "performance_appendix_d.ipynb",  # NEET by cluster, October 2012 to October 2013
    "appendix_e": "performance_appendix_e.ipynb",  # child-protection plans and looked-after children
    "collaboration": "theme_collaboration.ipynb",
    "appendix_f": "appendix_f.ipynb",  # Appendix F: how practice is shared (listed under Appendices in _toc.yml)
    "outcomes": "theme_outcomes.ipynb",
    "context": "theme_context.ipynb",
    "appendix_g": "appendix_g.ipynb",  # Appendix G: demography, deprivation and funding (under Appendices in _toc.yml)
}
#: pages of "The inquiry's record" (generated/record/<page>): page → template
RECORD_PAGES = {
    "evidence-register": "evidence_register.ipynb",
    "recommendations": "recommendations.ipynb",
    "provenance": "provenance.ipynb",
}
#: the front page and the cluster finder (generated/front/<page>): page → template; planned with the themes
FRONT_PAGES = {
    "index": "front_page.ipynb",
    "finder": "cluster_finder.ipynb",
}
#: deep-dive case studies: generated/case-studies/<cluster page>
CASE_STUDY_FOLDER = "case-studies"
PROFILE_TEMPLATE = "cluster_profile.ipynb"
BOOK_SOURCES = ["_config.yml", "_toc.yml", "book"]
KEEP_SITES = 2


@dataclass
class BuildResult:
    site: Path | None
    results: list[JobResult] = field(default_factory=list)
    seconds: float = 0.0
    up_to_date: bool = False  # nothing had changed: the published site was kept as it is


def cluster_page_name(code: str, name: str) -> str:
    return f"{code.lower()}-{slug(name)}"


def resolve_cluster(clusters: pd.DataFrame, given: str) -> pd.Series:
    """Find a cluster by code or name (case-insensitive); unknown names list close matches."""
    key = given.strip().casefold()
    for _, row in clusters.iterrows():
        if key in {row["cluster_code"].casefold(), row["cluster_name"].casefold()}:
            return row
    names = clusters["cluster_name"].tolist()
    close = difflib.get_close_matches(given, names, n=3, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    raise UnknownClusterError(f"unknown cluster {given!r}.{hint} Known clusters: {', '.join(sorted(names))}")


def case_study_codes(frames: dict[str, pd.DataFrame]) -> list[str]:
    """Clusters the inquiry visited (evidence register rows of kind ``visit``): each gets a case study."""
    evidence = frames.get("evidence_documents")
    if evidence is None:
        return []
    return sorted(set(evidence.loc[evidence["kind"] == "visit", "cluster_code"].dropna()))


def plan_jobs(
    clusters: pd.DataFrame,
    *,
    themes: list[str] | None = None,
    cluster_codes: list[str] | None = None,
    case_studies: list[str] | None = None,
) -> list[NotebookJob]:
    """The notebooks to execute: theme chapters, the inquiry's record (full builds only), one profile
    per cluster, then a deep-dive case study (the profile template with ``deep_dive``) per visited cluster."""
    jobs = []
    if themes is None:  # the front pages quote every chapter, so they come with the full set of themes
        for page, template in FRONT_PAGES.items():
            jobs.append(NotebookJob(template, f"front/{page}.ipynb", {}))
    for theme in THEMES if themes is None else themes:
        if theme not in THEMES:
            raise UnknownClusterError(f"unknown theme {theme!r}; themes are {', '.join(THEMES)}")
        jobs.append(NotebookJob(THEMES[theme], f"themes/{theme}.ipynb", {}))
    if themes is None and cluster_codes is None:
        for page, template in RECORD_PAGES.items():
            jobs.append(NotebookJob(template, f"record/{page}.ipynb", {}))
    rows = clusters if cluster_codes is None else clusters[clusters["cluster_code"].isin(cluster_codes)]
    for row in rows.sort_values("cluster_code").itertuples():
        jobs.append(
            NotebookJob(
                PROFILE_TEMPLATE,
                f"clusters/{cluster_page_name(row.cluster_code, row.cluster_name)}.ipynb",
                {"cluster_code": row.cluster_code},
                {"cluster_name": row.cluster_name, "cluster_code": row.cluster_code, "page_title": row.cluster_name},
                scope=row.cluster_code,  # reads its own rows and the city values it shows (cache.py)
            )
        )
    names = dict(zip(clusters["cluster_code"], clusters["cluster_name"]))
    for code in case_studies or []:
        name = names[code]
        jobs.append(
            NotebookJob(
                PROFILE_TEMPLATE,
                f"{CASE_STUDY_FOLDER}/{cluster_page_name(code, name)}.ipynb",
                {"cluster_code": code, "deep_dive": True},
                {"cluster_name": name, "cluster_code": code, "page_title": f"Case study: {name}"},
                scope=code,
            )
        )
    return jobs


#: what ``--scheduler`` accepts: "local", or a Dask address (protocol://host[:port])
SCHEDULER_ADDRESS = r"^(tcp|tls|ucx|ws|wss|inproc)://(\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?$"


def check_scheduler(scheduler: str | None) -> None:
    """Refuse a malformed ``--scheduler`` before anything runs (one line, the form it takes)."""
    import re

    if scheduler is None or scheduler == "local":
        return
    found = re.match(SCHEDULER_ADDRESS, scheduler)
    port = int(found.group(3)[1:]) if found and found.group(3) else 8786
    if not found or not 0 < port < 65536:
        raise SchedulerError(f"--scheduler {scheduler[:80]!r}: not a Dask scheduler address; give 'local' "
                             "or protocol://host:port, e.g. tcp://127.0.0.1:8786")


def run_notebooks(
    paths: Paths,
    jobs: list[NotebookJob],
    *,
    workers: int | None = None,
    progress: bool = True,
    out_dir: Path | None = None,
    timeout: int | None = None,
    force: bool = False,
    frames: dict | None = None,
    scheduler: str | None = None,
    executor=None,
) -> list[JobResult]:
    """Execute the jobs whose inputs changed (all with ``force``), reuse the rest from the cache,
    and put every job's executed notebook in ``out_dir``. ``timeout``: seconds per cell (default
    execute.DEFAULT_TIMEOUT). ``scheduler``: run on Dask (an address, or "local" for a LocalCluster)."""
    out_dir = out_dir or paths.build / "executed"
    results = cache.run_cached(
        paths, jobs, out_dir, frames=frames, force=force, executor=executor, workers=workers,
        scheduler=scheduler, progress=progress, cell_timeout=timeout,
    )
    failed = [r for r in results if r.status == "failed"]
    if failed:
        raise NotebookExecutionError(
            f"{len(failed)} notebook(s) failed; nothing was published (the previous site stays).\n"
            + "\n".join(r.error for r in failed)
        )
    return results


def jupyter_book_executable() -> str:
    exe = Path(sys.executable).with_name("jupyter-book")
    return str(exe) if exe.exists() else "jupyter-book"


def stage_book(paths: Paths, executed: Path, stage: Path) -> None:
    """Copy book sources and executed notebooks into ``stage`` (the Sphinx source folder)."""
    stage.mkdir(parents=True)
    for name in BOOK_SOURCES:
        src = paths.root / name
        if src.is_dir():
            shutil.copytree(src, stage / name)
        else:
            shutil.copy2(src, stage / name)
    shutil.copytree(executed, stage / "generated")
    # plotly.js, written once, for the offline interactive figures (they load ../../_static/plotly.min.js)
    interactive.write_plotlyjs(stage / "book" / "_static")


def build_html(stage: Path, *, strict: bool = True) -> Path:
    """Run Jupyter Book on a staged source folder; return the HTML folder."""
    cmd = [jupyter_book_executable(), "build", str(stage), "--builder", "html", "--keep-going"]
    if strict:
        cmd += ["-W", "-n"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    html = stage / "_build" / "html"
    if proc.returncode != 0 or not (html / "index.html").exists():
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise BookBuildError(f"Jupyter Book failed (exit {proc.returncode}); the published site is unchanged.\n{tail}")
    return html


def _new_site_folder(paths: Paths, html: Path) -> Path:
    """Move a finished site under ``_build/sites`` (not yet published: nothing links to it)."""
    sites = paths.build / "sites"
    sites.mkdir(parents=True, exist_ok=True)
    site = sites / f"site-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    shutil.move(str(html), site)
    link = paths.build / "html"
    if link.exists() and not link.is_symlink():
        # a plain folder from an older layout: keep it, as a site, so the swap stays atomic
        shutil.move(str(link), sites / f"site-legacy-{uuid.uuid4().hex[:6]}")
    return site


def publish(paths: Paths, html: Path, *, executed: Path | None = None, manifest: dict | None = None) -> Path:
    """Publish a finished site: every step that can fail comes first, the ``_build/html`` swap last.

    1. move the site under ``_build/sites`` and make the new link beside ``_build/html``;
    2. put ``executed`` (the build's executed notebooks) at ``_build/executed``, the old folder set aside;
    3. write the manifest beside ``_build/manifest.json``;
    4. commit: rename the manifest into place, then swap the link (one ``rename`` each).

    A failure in steps 1–3 undoes them: ``_build/html``, ``_build/executed`` and the manifest stay as
    they were. Cleaning up afterwards (old sites, the old executed folder) cannot fail the build.
    """
    link = paths.build / "html"
    final = paths.build / "executed"
    aside: Path | None = None
    tmp_link = tmp_manifest = None
    site = _new_site_folder(paths, html)
    try:
        tmp_link = paths.build / f".html-{uuid.uuid4().hex}"
        os.symlink(os.path.relpath(site, paths.build), tmp_link)
        if executed is not None:
            if final.exists() or final.is_symlink():
                old = paths.build / f".executed-old-{uuid.uuid4().hex[:8]}"
                os.rename(final, old)
                aside = old
            os.rename(executed, final)
        if manifest is not None:
            tmp_manifest = cache.stage_manifest(paths.build, {**manifest, "site": site.name})
    except BaseException:
        if executed is not None and final.exists() and not executed.exists():
            os.rename(final, executed)
        if aside is not None:
            os.rename(aside, final)
        for tmp in (tmp_link, tmp_manifest):
            if tmp is not None and (tmp.exists() or tmp.is_symlink()):
                tmp.unlink()
        shutil.rmtree(site, ignore_errors=True)
        raise
    if tmp_manifest is not None:
        os.replace(tmp_manifest, cache.manifest_path(paths.build))
    os.replace(tmp_link, link)  # the swap: the new site is published
    # cleaning up; a failure here leaves litter the next build removes, never a half-published site
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
    try:
        _prune_sites(paths.build / "sites", keep={site.name})
    except OSError:
        pass
    return site


def _prune_sites(sites: Path, keep: set[str]) -> None:
    old = sorted((p for p in sites.iterdir() if p.is_dir() and p.name not in keep), key=lambda p: p.stat().st_mtime)
    for p in old[: max(0, len(old) - (KEEP_SITES - 1))]:
        shutil.rmtree(p, ignore_errors=True)


def build(
    paths: Paths | None = None,
    *,
    workers: int | None = None,
    progress: bool = True,
    strict: bool = True,
    timeout: int | None = None,
    force: bool = False,
    scheduler: str | None = None,
    executor=None,
) -> BuildResult:
    """Validate inputs, execute the notebooks whose inputs changed and publish the book to ``_build/html``.

    A rebuild with nothing changed (same data, templates, package, book sources and environment
    as the published site's manifest) returns at once. ``force`` re-executes every notebook.
    """
    start = time.perf_counter()
    paths = paths or project_paths()
    check_scheduler(scheduler)
    options = {"strict": strict}
    try:
        build_key = cache.build_key(paths, BOOK_SOURCES, options=options, environment=cache.environment_digest())
    except InputFileError:
        load_inputs(paths)  # a table that is not a file: validation names it as file:row: column: rule
        raise
    if not force:
        site = cache.up_to_date(paths, build_key)
        if site is not None:
            return BuildResult(site, cache.manifest_results(paths), time.perf_counter() - start, up_to_date=True)
    frames = load_inputs(paths)  # raises before any notebook runs
    jobs = plan_jobs(frames["clusters"], case_studies=case_study_codes(frames))
    lock = contextlib.ExitStack()
    # one build at a time in this checkout (a second says who holds _build); removes a dead build's leftovers
    lock.enter_context(workspace.build_lock(paths))
    work = paths.build / f"work-{uuid.uuid4().hex[:8]}"
    executed = work / "executed"
    try:
        results = run_notebooks(
            paths, jobs, workers=workers, progress=progress, out_dir=executed, timeout=timeout,
            force=force, frames=frames, scheduler=scheduler, executor=executor,
        )
        # the indicator definitions and glossary pages, from the package's catalogue (no kernel)
        definitions.build(executed)
        # every table's CSV + metadata, the data pack and the downloads page (read from the executed notebooks)
        downloads.build(executed, work / "downloads")
        stage = work / "stage"
        stage_book(paths, executed, stage)
        html = build_html(stage, strict=strict)
        shutil.copytree(work / "downloads", html / "downloads")  # tables link to ../../downloads/tables/…
        leakscan.check_site([html, executed], frames)  # raises DisclosureError: nothing is published
        manifest = cache.build_manifest(paths, results, build_key, Path("unpublished"), sources=BOOK_SOURCES,
                                        options=options, seconds=round(time.perf_counter() - start, 1))
        # the site, and beside it the executed notebooks (for analysts and reviewers: nbval) and the manifest
        site = publish(paths, html, executed=executed, manifest=manifest)
        try:
            cache.prune_store(paths, manifest)
        except OSError:
            pass  # a cache larger than it needs to be; the next build prunes it
    finally:
        shutil.rmtree(work, ignore_errors=True)
        lock.close()
    return BuildResult(site, results, time.perf_counter() - start)


def run(
    paths: Paths | None = None,
    *,
    cluster: str | None = None,
    theme: str | None = None,
    workers: int | None = None,
    progress: bool = True,
    all_jobs: bool = False,
    force: bool = False,
    scheduler: str | None = None,
) -> list[JobResult]:
    """Execute the named cluster's profile and/or theme (or every notebook, ``all_jobs``) into
    ``_build/executed``. Unchanged notebooks come from the cache unless ``force``."""
    paths = paths or project_paths()
    check_scheduler(scheduler)
    frames = load_inputs(paths)
    if all_jobs:
        jobs = plan_jobs(frames["clusters"], case_studies=case_study_codes(frames))
    else:
        codes = [resolve_cluster(frames["clusters"], cluster)["cluster_code"]] if cluster else []
        themes = [theme] if theme else []
        jobs = plan_jobs(frames["clusters"], themes=themes, cluster_codes=codes)
    with workspace.build_lock(paths):
        return run_notebooks(paths, jobs, workers=workers, progress=progress, force=force, frames=frames, scheduler=scheduler)
