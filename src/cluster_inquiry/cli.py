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

from . import generate as generate_mod
from . import pipeline
from .exceptions import ClusterInquiryError
from .paths import project_paths
from .validation import validate_inputs

app = typer.Typer(add_completion=False, help="Build and check the Cluster Inquiry evidence book.", no_args_is_help=True)
console = Console(stderr=True)


def _fail(exc: ClusterInquiryError) -> None:
    # the message can quote input cells: print it literally (a "[/red]" in a cell is text, not markup)
    console.print(f"[bold red]error:[/] {escape(str(exc))}", markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _summary(results) -> None:
    table = Table(title="Notebooks")
    table.add_column("notebook")
    table.add_column("status")
    table.add_column("seconds", justify="right")
    for r in results:
        table.add_row(r.job.label, r.status, f"{r.seconds:.1f}")
    console.print(table)


@app.command()
def generate(out_dir: Optional[Path] = typer.Option(None, help="where to write (default data/clusters)")) -> None:
    """Regenerate the illustrative cluster dataset (deterministic; byte-identical on rerun)."""
    for path in generate_mod.main(out_dir=out_dir):
        console.print(f"wrote {path.relative_to(project_paths().root) if path.is_relative_to(project_paths().root) else path}")


@app.command()
def validate(data_dir: Optional[Path] = typer.Option(None, help="folder of input CSVs (default data/clusters)")) -> None:
    """Check every input table against the data contract; list every problem."""
    report = validate_inputs(directory=data_dir)
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
    quiet: bool = typer.Option(False, help="no progress bar"),
) -> None:
    """Validate inputs, execute all notebooks with papermill and build the HTML book."""
    try:
        result = pipeline.build(workers=jobs, progress=not quiet)
    except ClusterInquiryError as exc:
        _fail(exc)
    _summary(result.results)
    console.print(f"[green]published[/] _build/html in {result.seconds:.0f} s")


@app.command()
def run(
    cluster: Optional[str] = typer.Option(None, "--cluster", help="cluster name or code, e.g. 'Temple Newsam'"),
    theme: Optional[str] = typer.Option(None, "--theme", help=f"theme: {', '.join(pipeline.THEMES)}"),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j"),
) -> None:
    """Re-execute one cluster profile and/or one theme notebook into _build/executed."""
    if not cluster and not theme:
        console.print("give --cluster NAME and/or --theme NAME")
        raise typer.Exit(2)
    try:
        results = pipeline.run(cluster=cluster, theme=theme, workers=jobs)
    except ClusterInquiryError as exc:
        _fail(exc)
    _summary(results)


def main() -> None:  # pragma: no cover
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover
    main()
