"""Project paths, resolved from the project root (never the current directory).

The root is found by walking up from this file to the folder holding ``_toc.yml``;
``CLUSTER_INQUIRY_ROOT`` overrides it (used by tests that build into a temporary copy).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def find_root() -> Path:
    env = os.environ.get("CLUSTER_INQUIRY_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "_toc.yml").exists() and (parent / "pyproject.toml").exists():
            return parent
    raise RuntimeError("cannot find the project root (no _toc.yml above the package)")


@dataclass(frozen=True)
class Paths:
    """Every location the pipeline reads or writes."""

    root: Path

    @property
    def raw(self) -> Path:  # real open data, read-only
        return self.root / "data" / "raw"

    @property
    def reference(self) -> Path:  # project-authored reference tables (cluster definitions)
        return self.root / "data" / "reference"

    @property
    def clusters(self) -> Path:  # input tables in the data contract (illustrative by default)
        return self.root / "data" / "clusters"

    @property
    def processed(self) -> Path:  # git-ignored derived files (GeoParquet etc.)
        return self.root / "data" / "processed"

    @property
    def notebooks(self) -> Path:  # notebook templates, outputs stripped
        return self.root / "notebooks"

    @property
    def book(self) -> Path:  # hand-written book pages
        return self.root / "book"

    @property
    def build(self) -> Path:
        return self.root / "_build"

    @property
    def scratch(self) -> Path:  # temporary files of a running build (removed by the next build if it dies)
        return self.root / "_build" / "tmp"


def scratch_dir(root: Path | str) -> Path:
    """``<root>/_build/tmp``, created private (0700): where a build's temporary files live, never /tmp."""
    path = Path(root) / "_build" / "tmp"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def project_paths(root: Path | str | None = None) -> Paths:
    return Paths(Path(root).resolve() if root else find_root())


def not_a_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as an input file, without opening it (None: a regular file, or a
    link to one; also None when nothing is there). FIFOs and devices are refused, never read: a
    FIFO would block the reader for ever."""
    import errno
    import stat

    try:
        st = os.stat(path)  # follows links
    except FileNotFoundError:
        return "is a symbolic link to a file that does not exist" if os.path.islink(path) else None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a symbolic link that loops back on itself"
        return f"cannot be read ({exc.strerror or type(exc).__name__})"
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a file; it was not read"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file; it was not read"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file; it was not read"
    return "is not a regular file; it was not read"
