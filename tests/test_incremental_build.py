"""Correctness of incremental builds (issue 16): after one input changes, the site an incremental
build publishes equals, byte for byte, the site a forced full build publishes from the same
inputs. And a build's output carries none of the kernels' noise.

No normalisation is applied: every file of both sites is compared as bytes. (If a file ever
had to be normalised — a timestamp, say — it would be named here with the reason.)"""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import pytest

from cluster_inquiry.bench import change_one_cluster
from cluster_inquiry.core.paths import Paths

from conftest import cli, copy_project

pytestmark = pytest.mark.integration

NOISE = ("Kernel is running over TCP", "KeyboardInterrupt caught in kernel")


def files(site: Path) -> dict[str, Path]:
    return {p.relative_to(site).as_posix(): p for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.mark.xfail(strict=True, reason=(
    "known, not yet fixed (issue 16): in the first run, 31 files differ, starting with the "
    "_sources/generated/*.ipynb of profiles the incremental build took from the cache; a re-executed "
    "notebook is not byte-identical to the cached one (cause not yet diagnosed: volatile metadata or "
    "figure bytes). strict: this flags as soon as the sites agree."))
def test_incremental_site_equals_forced_full_build_and_output_is_quiet(tmp_path):
    root = copy_project(tmp_path / "project")
    first = cli(root, "build", check=True)  # as `make book` runs it (with its progress output)
    for line in NOISE:
        assert line not in first.stdout + first.stderr, f"build output has kernel noise: {line!r}"

    change_one_cluster(Paths(root))
    cli(root, "build", "--quiet", check=True)
    incremental = tmp_path / "incremental"
    shutil.copytree((root / "_build" / "html").resolve(), incremental, symlinks=True)

    cli(root, "build", "--quiet", "--force", check=True)
    forced = (root / "_build" / "html").resolve()

    a, b = files(incremental), files(forced)
    assert sorted(a) == sorted(b), f"only incremental: {sorted(set(a) - set(b))[:10]}; only forced: {sorted(set(b) - set(a))[:10]}"
    differ = [name for name in a if not filecmp.cmp(a[name], b[name], shallow=False)]
    assert differ == [], f"{len(differ)} file(s) differ between incremental and forced builds: {differ[:10]}"
