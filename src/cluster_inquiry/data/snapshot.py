"""Validated inputs, saved once as Parquet, so each notebook's kernel need not validate again.

Validating every input table (16 CSVs, cross-table checks, the real LSOA lookups) takes a second
or more; every notebook used to repeat it when it called ``report.context()``. The build
validates once, before any notebook runs, and saves the validated frames here:
``data/processed/validated/<key>/`` (one Parquet file per table, GeoParquet for geometry).

The **key** is the digest of every input file under ``data/`` (and of the data folder given, if
elsewhere), of the package's source files and of the versions of the libraries that parse the
files. A snapshot exists only for inputs that passed validation
with that code, so loading it is equivalent to validating again; anything else — a changed
cell, a changed rule, a new pandas — is a different key, and the kernel validates (and saves) as
before. Writing is atomic (a temporary folder renamed into place); the newest few are kept.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import uuid
from pathlib import Path

from cluster_inquiry.build import cache
from cluster_inquiry.core.paths import Paths

KEEP = 3
VERSIONED = ("pandas", "numpy", "pyarrow", "pandera", "geopandas", "shapely", "pyogrio")


def _versions() -> list[tuple[str, str]]:
    import importlib.metadata as md

    out = []
    for name in VERSIONED:
        try:
            out.append((name, md.version(name)))
        except md.PackageNotFoundError:
            out.append((name, ""))
    return out


def key(paths: Paths, directory: Path | None = None) -> str:
    """Digest of the inputs (every file under data/, and ``directory`` if elsewhere), the
    validation code and the parsing libraries' versions."""
    label, extra = "", []
    if directory is not None:
        d, root = Path(directory).resolve(), paths.root.resolve()
        label = d.relative_to(root).as_posix() if d.is_relative_to(root) else str(d)
        if not d.is_relative_to(root / "data"):
            extra = sorted((p.relative_to(d).as_posix(), cache.file_digest(p)) for p in cache.walk_files(d))
    return cache.digest_json({
        "data": cache.files_digest(cache.data_files(paths), paths.root),
        "directory": label,
        "extra": extra,
        # the whole package, not just validation's imports: hashing files is quick, parsing them is not
        "code": cache.files_digest(cache.walk_files(cache.PACKAGE_DIR), cache.PACKAGE_DIR),
        "versions": [sys.version, *_versions()],
    })


def folder(paths: Paths) -> Path:
    return paths.processed / "validated"


def load(paths: Paths, directory: Path | None = None) -> dict | None:
    """The validated frames for the current inputs, or None if no snapshot matches."""
    target = folder(paths) / key(paths, directory)
    index = target / "index.json"
    if not index.is_file():
        return None
    import pandas as pd

    try:
        tables = json.loads(index.read_text(encoding="utf-8"))
        frames = {}
        for name, kind in tables.items():
            if kind == "geo":
                import geopandas as gpd

                frames[name] = gpd.read_parquet(target / f"{name}.parquet")
            else:
                frames[name] = pd.read_parquet(target / f"{name}.parquet")
    except Exception:  # a damaged snapshot is ignored (and validation runs)
        return None
    try:
        os.utime(target)
    except OSError:
        pass
    return frames


def save(paths: Paths, frames: dict, directory: Path | None = None) -> Path | None:
    """Save validated ``frames`` under their key (no-op if present); None if they cannot be saved."""
    import geopandas as gpd

    base = folder(paths)
    target = base / key(paths, directory)
    if (target / "index.json").is_file():
        return target
    tmp = base / f".tmp-{uuid.uuid4().hex}"
    try:
        tmp.mkdir(parents=True)
        index = {}
        for name, frame in frames.items():
            frame.to_parquet(tmp / f"{name}.parquet")
            index[name] = "geo" if isinstance(frame, gpd.GeoDataFrame) else "table"
        (tmp / "index.json").write_text(json.dumps(index, indent=1), encoding="utf-8")
        try:
            os.rename(tmp, target)  # atomic; fails if another process saved the same key first
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
    except Exception:
        shutil.rmtree(tmp, ignore_errors=True)
        return None
    _prune(base, keep=target.name)
    return target


def _prune(base: Path, keep: str) -> None:
    done = sorted((p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.stat().st_mtime,
                  reverse=True)
    for old in [p for p in done if p.name != keep][KEEP - 1:]:
        shutil.rmtree(old, ignore_errors=True)


def load_inputs(paths: Paths, directory: Path | None = None) -> dict:
    """:func:`cluster_inquiry.data.validation.load_inputs`, from the snapshot when the inputs are unchanged."""
    frames = load(paths, directory)
    if frames is not None:
        return frames
    from cluster_inquiry.data.validation import load_inputs as validate_and_load

    frames = validate_and_load(paths, directory)  # raises on bad input, as always
    save(paths, frames, directory)
    return frames
