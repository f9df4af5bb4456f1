"""Command line: ``cluster-inquiry generate | validate | build | run``.

A thin shell over :mod:`cluster_inquiry.pipeline`. Expected errors (bad data, unknown
cluster, failed notebook) print a short message and exit with status 1 — no traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cluster_inquiry.core.exceptions import ClusterInquiryError
from cluster_inquiry.core.paths import Paths, project_paths

# The pipeline, generator and validation are imported in the commands that use them: "build" with
# nothing changed answers from the manifest (cache.unchanged_site) before importing any of them.

app = typer.Typer(add_completion=False, help="Build and check the Cluster Inquiry evidence book.", no_args_is_help=True)
console = Console(stderr=True)


def _fail(exc: ClusterInquiryError | OSError) -> None:
    # the message can quote input cells: print it literally (a "[/red]" in a cell is text, not markup)
    console.print(f"[bold red]error:[/] {escape(_message(exc))}", markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _message(exc: BaseException) -> str:
    """An expected error's text; an OSError (a read-only folder, a full disk) as ``path: reason``, one line."""
    if isinstance(exc, OSError) and not isinstance(exc, ClusterInquiryError):
        where = exc.filename if exc.filename is not None else "-"
        try:
            where = Path(where).resolve().relative_to(project_paths().root).as_posix()
        except (ValueError, OSError, RuntimeError, TypeError):
            pass
        return f"{where}: {exc.strerror or type(exc).__name__}; nothing was published (the previous site stays)"
    return str(exc)


def _built_site(site: Optional[Path], paths: Paths) -> Path:
    """The built site to check (default _build/html); exit with status 2 when it has not been built."""
    site = site or paths.build / "html"
    if not (site / "index.html").exists():
        console.print(f"no built site at {site}; run cluster-inquiry build first", highlight=False)
        raise typer.Exit(2)
    return site


def _summary(results) -> None:
    table = Table(title="Notebooks")
    table.add_column("notebook")
    table.add_column("status")
    table.add_column("why", overflow="fold")
    table.add_column("seconds", justify="right")
    for r in results:
        why = getattr(r, "reason", "") if r.status == "executed" else ("unchanged" if r.status == "cached" else "")
        table.add_row(r.job.label, r.status, why, f"{r.seconds:.1f}")
    counts = {s: sum(r.status == s for r in results) for s in ("executed", "cached", "failed")}
    table.caption = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    console.print(table)


SCHEDULER_HELP = "run notebooks on Dask: a scheduler address (tcp://host:8786) or 'local' for a LocalCluster"


@app.command()
def generate(
    out_dir: Optional[Path] = typer.Option(None, help="where to write (default data/clusters)"),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace files holding real rows or not written by the generator (a backup of each is kept)"),
) -> None:
    """Regenerate the illustrative cluster dataset (deterministic; byte-identical on rerun)."""
    from cluster_inquiry.synth import generate as generate_mod

    try:
        written = generate_mod.main(out_dir=out_dir, overwrite=overwrite)
    except (ClusterInquiryError, OSError) as exc:
        _fail(exc)
    for path in written:
        console.print(f"wrote {path.relative_to(project_paths().root) if path.is_relative_to(project_paths().root) else path}")


@app.command()
def validate(data_dir: Optional[Path] = typer.Option(None, help="folder of input CSVs (default data/clusters)")) -> None:
    """Check every input table against the data contract; list every problem."""
    from cluster_inquiry.data.validation import validate_inputs

    report = validate_inputs(directory=data_dir)
    for note in report.notes:
        typer.echo(note, err=True)
    if report.ok:
        console.print(f"[green]ok[/]: {len(report.frames)} tables pass the data contract")
        return
    for line in report.problems:
        typer.echo(line, err=True)
    console.print(f"[bold red]{len(report.problems)} problem(s)[/]; nothing was built.")
    raise typer.Exit(1)


@app.command()
def build(
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="parallel notebook workers (default: CPUs)"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="print nothing but errors (no progress, no summary)"),
    timeout: Optional[int] = typer.Option(None, help="seconds a notebook cell may run before the build fails (default 600)"),
    force: bool = typer.Option(False, "--force", help="re-execute every notebook, ignoring the cache"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
) -> None:
    """Validate inputs, execute the notebooks whose inputs changed (papermill) and build the HTML book."""
    if not force:
        import time

        from cluster_inquiry.build.cache import unchanged_site

        start = time.perf_counter()
        try:
            unchanged = unchanged_site(project_paths(), {"strict": True})
        except ClusterInquiryError:
            unchanged = None  # e.g. a FIFO under data/: the full build below reports it, one line
        if unchanged is not None:
            if not quiet:
                console.print(f"[green]up to date[/]: nothing changed since the published build; _build/html kept "
                              f"({time.perf_counter() - start:.1f} s)")
            return
    from cluster_inquiry import pipeline

    try:
        result = pipeline.build(workers=jobs, progress=not quiet, timeout=timeout, force=force, scheduler=scheduler)
    except (ClusterInquiryError, OSError) as exc:
        _fail(exc)
    if quiet:
        return
    if result.up_to_date:
        console.print(f"[green]up to date[/]: nothing changed since the published build ({len(result.results)} notebooks); "
                      f"_build/html kept ({result.seconds:.1f} s)")
        return
    _summary(result.results)
    console.print(f"[green]published[/] _build/html in {result.seconds:.0f} s")


@app.command()
def scan(
    site: Optional[Path] = typer.Argument(None, help="built site or file(s) to scan (default _build/html and _build/executed)"),
) -> None:
    """Scan a built site for unsuppressed small counts (the same check the build runs before publishing)."""
    from cluster_inquiry.checks import leakscan
    from cluster_inquiry.data.validation import load_inputs

    paths = project_paths()
    try:
        frames = load_inputs(paths)
    except ClusterInquiryError as exc:
        _fail(exc)
    targets = [site] if site else [paths.build / "html", paths.build / "executed"]
    missing = [t for t in targets if not t.exists()]
    if missing:
        console.print(f"nothing to scan at {', '.join(map(str, missing))}; build first", highlight=False)
        raise typer.Exit(2)
    findings = leakscan.scan_site(targets, frames)
    if not findings:
        console.print("[green]ok[/]: no unsuppressed small count found")
        return
    for finding in findings:
        typer.echo(str(finding), err=True)
    console.print(f"[bold red]{len(findings)} leak(s)[/]")
    raise typer.Exit(1)


@app.command()
def run(
    cluster: Optional[str] = typer.Option(None, "--cluster", help="cluster name or code, e.g. 'Temple Newsam'"),
    theme: Optional[str] = typer.Option(None, "--theme", help="theme chapter, e.g. performance (a wrong name lists them all)"),
    all_jobs: bool = typer.Option(False, "--all", help="every notebook of the book"),
    force: bool = typer.Option(False, "--force", help="re-execute even if nothing it reads has changed"),
    book: bool = typer.Option(False, "--book", help="then rebuild and publish the book (unchanged notebooks are reused)"),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="parallel notebook workers (default: CPUs)"),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
) -> None:
    """Execute one cluster profile and/or one theme (or --all) into _build/executed; --book rebuilds the book."""
    if not cluster and not theme and not all_jobs:
        console.print("give --cluster NAME, --theme NAME or --all")
        raise typer.Exit(2)
    from cluster_inquiry import pipeline

    try:
        results = pipeline.run(cluster=cluster, theme=theme, all_jobs=all_jobs, force=force, workers=jobs, scheduler=scheduler)
    except (ClusterInquiryError, OSError) as exc:
        _fail(exc)
    _summary(results)
    if book:
        try:
            result = pipeline.build(workers=jobs, scheduler=scheduler)
        except (ClusterInquiryError, OSError) as exc:
            _fail(exc)
        state = "up to date" if result.up_to_date else "published"
        console.print(f"[green]{state}[/] _build/html in {result.seconds:.0f} s")


# ----------------------------------------------------------------------------- reviewers' checks


@app.command()
def pdf(
    out: Optional[Path] = typer.Option(None, help="where to write (default _build/pdf/evidence-book.pdf)"),
) -> None:
    """Print the built book to one PDF (headless Chromium): each chapter from a new sheet, the illustrative-data label on every sheet with illustrative numbers."""
    from cluster_inquiry.checks import pdf as pdf_mod

    paths = project_paths()
    target = out or paths.build / "pdf" / pdf_mod.PDF_NAME
    try:
        chapters = pdf_mod.build_pdf(paths.build / "html", target)
    except ClusterInquiryError as exc:
        _fail(exc)
    sheets = sum(c.sheets for c in chapters)
    console.print(f"[green]wrote[/] {target} ({len(chapters)} chapters, {sheets} sheets)", highlight=False)


@app.command("check-links")
def check_links(
    site: Optional[Path] = typer.Argument(None, help="built site (default _build/html)"),
) -> None:
    """Offline link check of the built HTML; lists external links (never fetched) in _build/artifacts."""
    from cluster_inquiry.checks import linkcheck

    paths = project_paths()
    site = _built_site(site, paths)
    report = linkcheck.check_site(site)
    target = linkcheck.write_report(report, paths.build / "artifacts" / "link-check.txt")
    for line in report.broken:
        typer.echo(line, err=True)
    console.print(
        f"{report.pages} pages, {report.links} internal links, {len(report.broken)} broken, "
        f"{len(report.external)} external listed in {target}",
        highlight=False,
    )
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def audit(
    site: Optional[Path] = typer.Argument(None, help="built site (default _build/html)"),
) -> None:
    """Load every page in headless Chromium (console, offline, alt text) and run axe-core (WCAG 2.2 AA)."""
    from cluster_inquiry.checks import browser

    paths = project_paths()
    site = _built_site(site, paths)
    try:
        result = browser.audit_site(site, screenshots=paths.build / "artifacts" / "screenshots")
    except ClusterInquiryError as exc:
        _fail(exc)
    for line in result.problems:
        typer.echo(line, err=True)
    axe = sum(p.axe_run for p in result.pages)
    console.print(f"{len(result.pages)} pages loaded, {axe} audited with axe, {len(result.problems)} problem(s); "
                  f"screenshots in {paths.build / 'artifacts' / 'screenshots'}", highlight=False)
    if result.problems:
        raise typer.Exit(1)


@app.command()
def golden(
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="parallel notebook workers"),
) -> None:
    """Accept today's evidence: re-execute the golden subset into tests/golden (review the git diff, then commit)."""
    from cluster_inquiry.checks import golden as golden_mod

    try:
        written = golden_mod.write_golden(workers=jobs)
    except ClusterInquiryError as exc:
        _fail(exc)
    root = project_paths().root
    for path in written:
        console.print(f"wrote {path.relative_to(root)}", highlight=False)
    console.print("review with `git diff tests/golden`, then commit it with the reason for the change")


def main() -> None:  # pragma: no cover
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover
    main()
