"""Shared fixtures.

``built_book`` builds the whole book ONCE per test session, in a temporary copy of the project
(so the developer's own ``_build`` is never touched), and returns that copy's root. Every
integration test that needs built HTML or executed notebooks uses it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
COPY_IGNORE = shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__", ".pytest_cache", "*.egg-info", "processed")


def copy_project(dest: Path) -> Path:
    """A copy of the project's sources and data (no venv, build outputs or git)."""
    shutil.copytree(ROOT, dest, ignore=COPY_IGNORE, symlinks=True)
    return dest


def cli(root: Path, *args: str, check: bool = False) -> subprocess.CompletedProcess:
    """Run the installed CLI against a project copy at ``root``."""
    env = dict(os.environ, CLUSTER_INQUIRY_ROOT=str(root))
    exe = Path(sys.executable).with_name("cluster-inquiry")
    proc = subprocess.run([str(exe), *args], cwd=root, env=env, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"cluster-inquiry {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="session")
def project_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """Build the full book once into a temporary project copy; return the copy's root."""
    root = copy_project(tmp_path_factory.mktemp("book") / "project")
    cli(root, "build", "--quiet", check=True)
    return root


@pytest.fixture(scope="session")
def built_site(built_book) -> Path:
    """The published HTML of the session build (``_build/html`` resolved)."""
    return (built_book / "_build" / "html").resolve()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """CI artefacts folder (git-ignored): screenshots, link report, PDF. ``CLUSTER_INQUIRY_ARTIFACTS`` overrides."""
    path = Path(os.environ.get("CLUSTER_INQUIRY_ARTIFACTS", ROOT / "_build" / "artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
