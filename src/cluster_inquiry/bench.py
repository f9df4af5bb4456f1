"""``make bench``: how fast the book builds, four ways, on this machine, in one run.

In a scratch copy of the project (your ``_build`` is never touched):

(a) **Jupyter Book alone** — the same notebooks, parameterised by papermill but not executed,
    built with ``execute_notebooks: force`` (Jupyter Book executes them itself, one at a time);
(b) **our cold build** — ``cluster-inquiry build`` with an empty cache (parallel papermill);
(c) **our no-change rebuild** — the same command again;
(d) **a one-cluster data change** — one cluster's attendance for one month corrected, rebuilt:
    only that cluster's pages and the city-wide chapters may execute.

Each is a separate process; its wall time and the peak memory of its whole process tree (the
sum of resident set sizes, sampled every 0.2 s — an upper bound, as forked kernels share pages)
are recorded. Then (e) the cost of one cluster profile, with a plain kernel and with a kernel
forked from the pre-imported zygote. Results are printed and written to ``_build/bench.json``.
Nothing here asserts a time; targets are reported as met or not.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from cluster_inquiry.core.paths import Paths, project_paths

TARGETS = {"cold_vs_jb": 2.5, "no_change_s": 3.0, "peak_rss_gib": 2.0}
#: the one-cluster change of step (d): a corrected attendance return
CHANGE = {"cluster": "C09", "month": "2013-10", "column": "attendance_pct"}
IGNORE = shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__", ".pytest_cache", "*.egg-info", "processed",
                                ".ipynb_checkpoints")


@dataclass
class Step:
    name: str
    seconds: float
    peak_rss_mib: float
    ok: bool
    executed: list[str] = field(default_factory=list)
    note: str = ""


def measure(cmd: list[str], env: dict[str, str], cwd: Path, interval: float = 0.2) -> tuple[float, float, int, str]:
    """Run ``cmd``; return (seconds, peak RSS of its process tree in MiB, exit code, output tail)."""
    start = time.perf_counter()
    log = tempfile.TemporaryFile(mode="w+")
    proc = psutil.Popen(cmd, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, text=True)
    peak = 0
    while proc.poll() is None:
        total = 0
        try:
            family = [proc, *proc.children(recursive=True)]
        except psutil.Error:
            family = []
        for p in family:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        peak = max(peak, total)
        time.sleep(interval)
    seconds = time.perf_counter() - start
    log.seek(0)
    tail = "\n".join(line for line in log.read().splitlines() if "WARNING | Kernel is running" not in line)[-3000:]
    return seconds, peak / 2**20, proc.returncode, tail


def scratch_copy(src: Path, dest: Path) -> Paths:
    shutil.copytree(src, dest, ignore=IGNORE, symlinks=True)
    return Paths(dest)


def cli_env(root: Path) -> dict[str, str]:
    env = dict(os.environ, CLUSTER_INQUIRY_ROOT=str(root), PYTHONUNBUFFERED="1")
    env.pop("MPLBACKEND", None)
    return env


def cli(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("cluster-inquiry")), *args]


def executed_in_last_build(paths: Paths) -> list[str]:
    manifest = json.loads((paths.build / "manifest.json").read_text(encoding="utf-8"))
    return sorted(out for out, job in manifest["jobs"].items() if job["status"] == "executed")


def prepare_jupyter_book_force(paths: Paths, stage: Path) -> int:
    """Parameterised, unexecuted notebooks of every job + book sources, set to ``execute_notebooks: force``."""
    import nbformat
    import papermill as pm
    import yaml

    from cluster_inquiry import pipeline
    from cluster_inquiry.build.execute import tidy_for_publishing
    from cluster_inquiry.data.validation import load_inputs

    frames = load_inputs(paths)
    jobs = pipeline.plan_jobs(frames["clusters"], case_studies=pipeline.case_study_codes(frames))
    for name in pipeline.BOOK_SOURCES:
        src = paths.root / name
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, stage / name)
    for job in jobs:
        target = stage / "generated" / job.output
        target.parent.mkdir(parents=True, exist_ok=True)
        nb = pm.execute_notebook(str(paths.notebooks / job.template), str(target), parameters=dict(job.parameters),
                                 prepare_only=True, kernel_name="python3", progress_bar=False, log_output=False)
        nbformat.write(tidy_for_publishing(nb, job.substitutions), target)
    config = yaml.safe_load((stage / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("execute", {}).update({"execute_notebooks": "force", "timeout": 600, "allow_errors": False})
    (stage / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return len(jobs)


def change_one_cluster(paths: Paths) -> None:
    """Step (d): correct one cluster's attendance for one month (no city value a profile shows moves)."""
    import pandas as pd

    path = paths.clusters / "obsessions_monthly.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    row = df.index[(df["cluster_code"] == CHANGE["cluster"]) & (df["month"] == CHANGE["month"])][0]
    df.loc[row, CHANGE["column"]] = f"{float(df.loc[row, CHANGE['column']]) + 0.3:.1f}"
    df.to_csv(path, index=False, lineterminator="\n")


def notebook_cost(paths: Paths, repeats: int = 3) -> dict[str, float]:
    """Median seconds for one cluster profile: plain kernel vs a kernel forked from the zygote."""
    from cluster_inquiry.build import cache, kernels
    from cluster_inquiry.build.execute import NotebookJob
    from cluster_inquiry.build.executors import Task, execute_task
    from cluster_inquiry.pipeline import PROFILE_TEMPLATE

    os.environ["CLUSTER_INQUIRY_ROOT"] = str(paths.root)
    template = (paths.notebooks / PROFILE_TEMPLATE).read_text(encoding="utf-8")
    preload = tuple(cache.template_imports(paths.notebooks / PROFILE_TEMPLATE))
    job = NotebookJob(PROFILE_TEMPLATE, "clusters/bench.ipynb", {"cluster_code": CHANGE["cluster"]}, scope=CHANGE["cluster"])
    out = {}
    zygote = kernels.Zygote(preload).wait_ready()
    try:
        for label, kw in (("plain kernel", {"preload": None}),
                          ("zygote kernel", {"preload": preload, "zygote_socket": zygote.socket_path})):
            times = []
            for _ in range(repeats):
                res = execute_task(Task(job, template, str(paths.root), **kw))
                if res.status != "executed":
                    raise RuntimeError(res.error)
                times.append(res.seconds)
            out[label] = round(statistics.median(times), 2)
    finally:
        zygote.close()
    return out


def main(argv: list[str] | None = None) -> int:
    paths = project_paths()
    workdir = Path(tempfile.mkdtemp(prefix="ci-bench-"))
    steps: list[Step] = []
    print(f"benchmark on {os.cpu_count()} CPU(s); scratch copy of the project (deleted afterwards)", flush=True)
    try:
        # (a) Jupyter Book executing the notebooks itself
        jb = scratch_copy(paths.root, workdir / "jb")
        stage = workdir / "jb-stage"
        stage.mkdir()
        n = prepare_jupyter_book_force(jb, stage)
        print(f"(a) Jupyter Book, execute_notebooks: force, {n} notebooks …", flush=True)
        jb_cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(stage), "--builder", "html", "--keep-going"]
        s, rss, code, tail = measure(jb_cmd, cli_env(jb.root), stage)
        steps.append(Step("a. Jupyter Book force (serial)", s, rss, code == 0 and (stage / "_build/html/index.html").exists(),
                          note="" if code == 0 else f"exit {code}: {tail.splitlines()[-1] if tail else ''}"))
        shutil.rmtree(jb.root / "data" / "processed", ignore_errors=True)

        # (b)-(d) ours
        ours = scratch_copy(paths.root, workdir / "ours")
        env = cli_env(ours.root)
        for label, prepare in (
            ("b. ours, cold (parallel, empty cache)", None),
            ("c. ours, no change", None),
            ("d. ours, one cluster's data changed", change_one_cluster),
        ):
            if prepare:
                prepare(ours)
            print(f"{label} …", flush=True)
            s, rss, code, tail = measure(cli("build", "--quiet"), env, ours.root)
            ok = code == 0
            executed = executed_in_last_build(ours) if ok else []
            if label.startswith("c.") and ok:
                executed = [] if "up to date" in tail else executed
            steps.append(Step(label, s, rss, ok, executed, "" if ok else tail[-600:]))
            if not ok:
                print(tail, file=sys.stderr)
                break

        print("(e) one cluster profile: plain kernel vs zygote …", flush=True)
        cost = notebook_cost(ours)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    report_steps(steps, cost, paths)
    return 0 if all(s.ok for s in steps) else 1


def report_steps(steps: list[Step], cost: dict[str, float], paths: Paths) -> None:
    from rich.console import Console
    from rich.table import Table

    by = {s.name[0]: s for s in steps}
    base = by.get("a")
    table = Table(title=f"Build benchmark ({os.cpu_count()} CPUs)")
    for col in ("build", "seconds", "vs (a)", "executed", "peak RSS (MiB)", "ok"):
        table.add_column(col, justify="right" if col not in ("build", "ok") else "left")
    for s in steps:
        ratio = f"{base.seconds / s.seconds:.1f}× faster" if base and s is not base and s.seconds else ""
        executed = "all" if s.name.startswith(("a", "b")) else str(len(s.executed))
        table.add_row(s.name, f"{s.seconds:.1f}", ratio, executed, f"{s.peak_rss_mib:,.0f}", "yes" if s.ok else f"NO {s.note}")
    console = Console()
    console.print(table)
    if cost:
        console.print("one cluster profile, median of 3: " + "; ".join(f"{k} {v:.1f} s" for k, v in cost.items()))
    checks = []
    if base and "b" in by:
        checks.append((f"(b) at least {TARGETS['cold_vs_jb']}× faster than (a)", base.seconds / by["b"].seconds >= TARGETS["cold_vs_jb"]))
    if "c" in by:
        checks.append((f"(c) under {TARGETS['no_change_s']:.0f} s and executes nothing",
                       by["c"].seconds < TARGETS["no_change_s"] and not by["c"].executed))
    if "d" in by:
        only = all(not o.startswith(("clusters/", "case-studies/")) or Path(o).name.startswith(CHANGE["cluster"].lower() + "-")
                   for o in by["d"].executed)
        checks.append((f"(d) re-executes only {CHANGE['cluster']}'s pages and the city-wide chapters "
                       f"({len(by['d'].executed)} notebooks)", only and bool(by["d"].executed)))
    peak = max((s.peak_rss_mib for s in steps), default=0) / 1024
    checks.append((f"peak RSS under {TARGETS['peak_rss_gib']:.0f} GiB (highest {peak:.2f} GiB)", peak < TARGETS["peak_rss_gib"]))
    for text, met in checks:
        console.print(f"  {'met' if met else 'NOT met'}: {text}")
    out = paths.build / "bench.json"
    paths.build.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"cpus": os.cpu_count(), "steps": [asdict(s) for s in steps], "notebook_cost_s": cost,
                               "targets": dict(checks)}, indent=1) + "\n", encoding="utf-8")
    console.print(f"written to {out.relative_to(paths.root)}")


if __name__ == "__main__":
    sys.exit(main())
