"""Content-addressed cache of executed notebooks, and the build manifest.

A notebook is executed again only when something it depends on has changed. Its **key** is the
SHA-256 of five parts, each itself a digest:

``template``     the template's bytes;
``parameters``   the papermill parameters, the title substitutions and the output page;
``code``         the package modules the template imports, followed through their own imports
                 (``cluster_inquiry.pages.report`` → ``charts``, ``stats`` …), plus the module that
                 tidies executed notebooks for publishing — not the CLI, pipeline or tests;
``data``         the data it reads (below);
``environment``  the Python version and every installed distribution's name and version.

**Data.** A theme chapter reads every input, so its data part is the digest of every file under
``data/`` (``data/processed`` excepted: it is derived). A cluster profile (a job with a
``scope``) reads, of the tables declared in :data:`cluster_inquiry.pages.report.PROFILE_OWN_ROWS`,
only its own cluster's rows — plus the city-level values it shows, which
:func:`cluster_inquiry.pages.report.profile_benchmarks` returns exactly (city totals, and which of its
own cells city-wide disclosure control hides). Every other data file counts whole. So a
correction to one cluster's rows re-executes that cluster's profile and the theme chapters; a
change that moves a city total the profiles show re-executes every profile, as it must.

Executed notebooks are stored under ``_build/cache/notebooks/<key>.ipynb`` (written atomically;
a notebook executed in a build that later fails is kept, so fixing the failure does not redo
the rest). ``_build/manifest.json`` records, for the published site, each page's key and its
parts, the status and seconds of the build that made it, and the build key that lets a
rebuild with nothing changed return at once.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import io
import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cluster_inquiry.core.exceptions import InputFileError, SchedulerError
from cluster_inquiry.core.paths import Paths, not_a_file

SCHEMA = 1
PACKAGE = "cluster_inquiry"
PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the cluster_inquiry package
#: modules every executed notebook depends on besides the template's own imports
ALWAYS_CODE = ("cluster_inquiry.build.execute",)
#: folders under data/ that never count as inputs (derived files, editor litter)
IGNORED_DIRS = {"processed", "__pycache__", ".ipynb_checkpoints"}
IGNORED_SUFFIXES = (".pyc", ".tmp", "~")


# ----------------------------------------------------------------------------- hashing


def digest_bytes(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def digest_json(obj: Any) -> str:
    return digest_bytes(json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False))


_FILE_MEMO: dict[tuple[str, int, int, int], str] = {}


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (memoised on path, size, mtime and inode)."""
    st = path.stat()
    memo = (str(path), st.st_size, st.st_mtime_ns, st.st_ino)
    found = _FILE_MEMO.get(memo)
    if found is None:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        found = _FILE_MEMO[memo] = h.hexdigest()
    return found


def walk_files(folder: Path, root: Path | None = None) -> list[Path]:
    """Every file under ``folder`` (following links), skipping derived and editor files."""
    out: list[Path] = []
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        return out
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:  # a link back to a folder already walked: walk it once
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames[:] = sorted(d for d in dirnames if d not in IGNORED_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or name.endswith(IGNORED_SUFFIXES):
                continue
            path = Path(dirpath) / name
            refused = not_a_file(path)  # a FIFO would hang the hash; a dangling link has no bytes
            if refused:
                raise InputFileError(f"{_shown(path, root)}: {refused}; remove it or replace it with the file")
            out.append(path)
    return out


def _shown(path: Path, root: Path | None = None) -> str:
    """``path`` relative to the project root when it is under it (messages never show machine paths)."""
    try:
        from cluster_inquiry.core.paths import find_root

        return path.relative_to(root or find_root()).as_posix()
    except (ValueError, RuntimeError):
        return str(path)


def files_digest(files: Iterable[Path], base: Path) -> str:
    """Digest of files by their path relative to ``base`` and their contents."""
    items = sorted((p.relative_to(base).as_posix(), file_digest(p)) for p in files)
    return digest_json(items)


# ----------------------------------------------------------------------------- code


def _module_file(module: str, package_dir: Path) -> Path | None:
    parts = module.split(".")
    if parts[0] != PACKAGE:
        return None
    if len(parts) == 1:
        candidates = [package_dir / "__init__.py"]
    else:
        rel = Path(*parts[1:])
        candidates = [package_dir / rel.with_suffix(".py"), package_dir / rel / "__init__.py"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None


def _imports(tree: ast.AST, current: str | None = None, is_package: bool = False) -> set[str]:
    """Absolute names of every module imported anywhere in ``tree`` (functions included)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level and current:
                base = current.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                prefix = ".".join(base)
                module = f"{prefix}.{node.module}" if node.module else prefix
            else:
                module = node.module or ""
            found.add(module)
            for alias in node.names:  # ``from pkg import module``
                found.add(f"{module}.{alias.name}")
    return found


def notebook_code(path: Path) -> str:
    """The code cells of a notebook, with IPython magics and shell lines dropped."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0][:120]
        raise InputFileError(f"{path.parent.name}/{path.name}: not a valid notebook ({reason})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells", []), list):
        raise InputFileError(f"{path.parent.name}/{path.name}: not a valid notebook (no list of cells)")
    lines = []
    for cell in nb.get("cells", []):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        lines.extend(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
        lines.append("")
    return "\n".join(lines)


def template_imports(template: Path) -> list[str]:
    """Top-level modules a template's code imports (for preloading), in a stable order."""
    try:
        tree = ast.parse(notebook_code(template))
    except SyntaxError:
        return []
    return sorted(m for m in _imports(tree) if m and not m.startswith("."))


_IMPORTS_MEMO: dict[tuple[str, str], tuple[str, ...]] = {}


def _module_imports(module: str, path: Path) -> tuple[str, ...]:
    """Package modules ``module`` imports (parsed once per file version in this process)."""
    memo = (module, file_digest(path))
    if memo not in _IMPORTS_MEMO:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found = _imports(tree, module, path.name == "__init__.py")
        _IMPORTS_MEMO[memo] = tuple(sorted(m for m in found if m.split(".")[0] == PACKAGE))
    return _IMPORTS_MEMO[memo]


def module_closure(roots: Iterable[str], package_dir: Path = PACKAGE_DIR) -> dict[str, Path]:
    """Package modules reachable from ``roots`` through imports: ``{module: file}``."""
    seen: dict[str, Path] = {}
    todo = [m for m in roots if m.split(".")[0] == PACKAGE]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        path = _module_file(module, package_dir)
        if path is None:
            continue
        seen[module] = path
        todo.extend(m for m in _module_imports(module, path) if m not in seen)
        # importing a submodule runs its package's __init__
        parent = module.rsplit(".", 1)[0]
        if parent != module:
            todo.append(parent)
    return seen


def code_digest(modules: Mapping[str, Path], package_dir: Path = PACKAGE_DIR) -> str:
    """Digest of the given module files plus the package's data files (JSON, CSV …)."""
    files = list(modules.values())
    files += [p for p in walk_files(package_dir) if p.suffix not in (".py", ".pyc")]
    return files_digest(set(files), package_dir)


def environment_digest() -> str:
    """The interpreter version and every installed distribution (name and version)."""
    import importlib.metadata as md

    dists = sorted({(d.metadata["Name"] or "").lower(): d.version for d in md.distributions()}.items())
    return digest_json([sys.version, sys.platform, dists])


# ----------------------------------------------------------------------------- data


def data_files(paths: Paths) -> list[Path]:
    """Every input file under ``data/`` (derived ``data/processed`` excluded)."""
    return walk_files(paths.root / "data", paths.root)


def _rows_by_cluster(path: Path) -> dict[str, list[list[str]]]:
    """A contract CSV's rows grouped by ``cluster_code`` (file order kept), header under ``""``."""
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    out: dict[str, list[list[str]]] = {"": [header]}
    if "cluster_code" not in header:
        return out
    col = header.index("cluster_code")
    for row in reader:
        code = row[col] if col < len(row) else ""
        out.setdefault(code, []).append(row)
    return out


@dataclass
class DataDependencies:
    """The data digest of each job: all inputs for a theme, own rows + benchmarks for a profile.

    ``own_rows``: ``{table name: path}`` of the tables profiles read only their own rows of.
    ``benchmarks``: a callable returning ``{cluster code: city-level values the profile shows}``
    (called once, only if some job has a scope). Every other file under ``data/`` counts whole.
    """

    paths: Paths
    own_rows: Mapping[str, Path] = field(default_factory=dict)
    benchmarks: Callable[[], Mapping[str, Any]] | None = None
    _files: list[Path] | None = None
    _rows: dict[str, dict[str, list[list[str]]]] | None = None
    _bench: Mapping[str, Any] | None = None
    _shared: str | None = None

    @property
    def files(self) -> list[Path]:
        if self._files is None:
            self._files = data_files(self.paths)
        return self._files

    def all_inputs(self) -> str:
        """Digest of every input file: what a theme chapter depends on."""
        return files_digest(self.files, self.paths.root)

    def _shared_digest(self) -> str:
        if self._shared is None:
            split = {p.resolve() for p in self.own_rows.values()}
            shared = [p for p in self.files if p.resolve() not in split]
            self._shared = files_digest(shared, self.paths.root)
        return self._shared

    def cluster(self, code: str) -> str:
        """Digest of what a profile of ``code`` reads: own rows, benchmarks, every other file."""
        if self._rows is None:
            self._rows = {name: _rows_by_cluster(path) for name, path in sorted(self.own_rows.items()) if path.exists()}
        if self._bench is None:
            self._bench = self.benchmarks() if self.benchmarks else {}
        own = {name: [rows[""], rows.get(code, [])] for name, rows in self._rows.items()}
        return digest_json({"shared": self._shared_digest(), "own_rows": own, "benchmarks": self._bench.get(code)})

    def for_scope(self, scope: str | None) -> str:
        return self.all_inputs() if scope is None else self.cluster(scope)


# ----------------------------------------------------------------------------- fingerprints


@dataclass(frozen=True)
class Fingerprint:
    key: str
    parts: dict[str, str]

    def changed(self, previous: Mapping[str, str] | None) -> list[str]:
        """Which parts differ from a previous fingerprint's (all of them if there was none)."""
        if not previous:
            return ["new"]
        return [name for name, value in self.parts.items() if previous.get(name) != value] or []


class Fingerprinter:
    """Computes job keys; template and code digests are shared between jobs of one template."""

    def __init__(self, templates: Path, data: DataDependencies, *, package_dir: Path = PACKAGE_DIR,
                 environment: str | None = None):
        self.templates = templates
        self.data = data
        self.package_dir = package_dir
        self.environment = environment or environment_digest()
        self._template: dict[str, tuple[str, str, tuple[str, ...]]] = {}
        #: ``module.function`` calls a scoped (profile) template may make; None = trust every scope
        self.declared_calls: tuple[str, ...] | None = None
        self._scoped: dict[str, bool] = {}

    def scope_of(self, job) -> str | None:
        """The job's scope, or None (all data) if its template calls anything not declared."""
        scope = getattr(job, "scope", None)
        if scope is None or self.declared_calls is None:
            return scope
        if job.template not in self._scoped:
            self._scoped[job.template] = scoped_template_ok(self.templates / job.template, self.declared_calls)
        return scope if self._scoped[job.template] else None

    def template_info(self, name: str) -> tuple[str, str, tuple[str, ...]]:
        """``(template digest, code digest, modules to preload)`` for a template file name."""
        if name not in self._template:
            path = self.templates / name
            imports = template_imports(path)
            closure = module_closure([*imports, *ALWAYS_CODE], self.package_dir)
            self._template[name] = (file_digest(path), code_digest(closure, self.package_dir), tuple(imports))
        return self._template[name]

    def fingerprint(self, job) -> Fingerprint:
        template, code, _ = self.template_info(job.template)
        parts = {
            "template": template,
            "parameters": digest_json({"parameters": job.parameters, "substitutions": job.substitutions, "output": job.output}),
            "code": code,
            "data": self.data.for_scope(self.scope_of(job)),
            "environment": self.environment,
        }
        return Fingerprint(digest_json(parts), parts)


# ----------------------------------------------------------------------------- store and manifest


class NotebookStore:
    """Executed notebooks by key under ``_build/cache/notebooks`` (created on first write)."""

    def __init__(self, build: Path):
        self.dir = build / "cache" / "notebooks"

    def path(self, key: str) -> Path:
        return self.dir / f"{key}.ipynb"

    def has(self, key: str) -> bool:
        return self.path(key).is_file()

    def digest_path(self, key: str) -> Path:
        """The SHA-256 of the notebook's bytes, recorded when it was stored."""
        return self.dir / f"{key}.sha256"

    def put(self, key: str, text: str) -> Path:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        for path, content in ((self.digest_path(key), hashlib.sha256(data).hexdigest().encode() + b"\n"), (target, data)):
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:6]}.tmp")
            tmp.write_bytes(content)
            os.replace(tmp, path)
        return target

    def problem(self, key: str) -> str | None:
        """Why the stored notebook cannot be served (None: its bytes are those recorded when it was made).

        Executed notebooks in ``_build/executed`` are hard links to these files, so an edit there is
        an edit here; a crash or a full disk can leave one short. Either way its digest differs.
        """
        try:
            recorded = self.digest_path(key).read_text(encoding="ascii").strip()
        except (OSError, ValueError):
            return "has no recorded digest"
        try:
            h = hashlib.sha256()
            with open(self.path(key), "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
        except OSError as exc:
            return f"is unreadable ({exc.strerror or type(exc).__name__})"
        if h.hexdigest() != recorded:
            return "was changed or truncated after it was made (its digest differs from the one recorded)"
        return None

    def drop(self, key: str) -> None:
        """Remove a stored notebook and its digest (a hard link elsewhere keeps its own copy)."""
        for path in (self.path(key), self.digest_path(key)):
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass

    def read(self, key: str) -> str:
        return self.path(key).read_text(encoding="utf-8")

    def materialise(self, key: str, dest: Path) -> None:
        """Put the stored notebook at ``dest`` (a hard link when possible: no copy, no bytes written)."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:6]}.tmp")
        try:
            os.link(self.path(key), tmp)
        except OSError:
            tmp.write_bytes(self.path(key).read_bytes())
        os.replace(tmp, dest)
        # rename() between two links to one file does nothing and leaves ``tmp``: remove it
        tmp.unlink(missing_ok=True)
        try:
            os.utime(self.path(key))  # recently used: kept by prune()
        except OSError:
            pass

    def prune(self, keep: Iterable[str], spare: int = 200) -> int:
        """Delete stored notebooks not in ``keep`` beyond the ``spare`` most recently used."""
        if not self.dir.is_dir():
            return 0
        keep = set(keep)
        others = sorted((p for p in self.dir.glob("*.ipynb") if p.stem not in keep), key=lambda p: p.stat().st_mtime, reverse=True)
        for p in others[spare:]:
            p.unlink(missing_ok=True)
            self.digest_path(p.stem).unlink(missing_ok=True)
        return max(0, len(others) - spare)


def manifest_path(build: Path) -> Path:
    return build / "manifest.json"


def read_manifest(build: Path) -> dict:
    """The manifest of the published site, or an empty one (missing, unreadable or another schema)."""
    try:
        data = json.loads(manifest_path(build).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"schema": SCHEMA, "jobs": {}}
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return {"schema": SCHEMA, "jobs": {}}
    jobs = data.setdefault("jobs", {})
    # a manifest of the wrong shape ("jobs": [], an entry that is not an object) is treated as absent
    if not isinstance(jobs, dict) or not all(isinstance(e, dict) for e in jobs.values()):
        return {"schema": SCHEMA, "jobs": {}}
    if not isinstance(data.get("site", ""), (str, type(None))) or not isinstance(data.get("book_sources", []), (list, type(None))):
        return {"schema": SCHEMA, "jobs": {}}
    return data


def stage_manifest(build: Path, manifest: dict) -> Path:
    """Write the manifest beside its final place (``os.replace`` it onto :func:`manifest_path` to commit)."""
    manifest = {"schema": SCHEMA, "written": time.strftime("%Y-%m-%dT%H:%M:%S"), **manifest}
    tmp = manifest_path(build).with_name(f".manifest.{uuid.uuid4().hex[:6]}.tmp")
    try:
        tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_manifest(build: Path, manifest: dict) -> Path:
    target = manifest_path(build)
    os.replace(stage_manifest(build, manifest), target)
    return target


# ----------------------------------------------------------------------------- whole-build key


def build_key(paths: Paths, sources: Iterable[str], *, options: Mapping[str, Any], environment: str,
              package_dir: Path = PACKAGE_DIR) -> str:
    """Digest of everything a published site is made from: when it matches the manifest's, and the
    site is still there, a rebuild has nothing to do (not even validation, whose verdict is a
    function of the same inputs and code)."""
    root = paths.root
    parts = {
        "data": files_digest(data_files(paths), root),
        "templates": files_digest(walk_files(paths.notebooks), root),
        "package": files_digest(walk_files(package_dir), package_dir),
        "book": files_digest([f for s in sources for f in walk_files(root / s)], root),
        "environment": environment,
        "options": dict(options),
    }
    return digest_json(parts)


# ----------------------------------------------------------------------------- this project's rules


def package_calls(template: Path) -> set[str]:
    """``module.function`` calls a template makes into this package (``report.cluster_trend`` …)."""
    try:
        tree = ast.parse(notebook_code(template))
    except SyntaxError:
        return {"<unparsable>"}
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == PACKAGE:
            for alias in node.names:
                aliases[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    aliases[alias.asname or alias.name] = alias.name
    calls = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            calls.add(f"{aliases[node.value.id].split('.')[-1]}.{node.attr}")
        elif isinstance(node, ast.Name) and node.id in aliases and aliases[node.id] != node.id:
            calls.add(f"<bare {node.id}>")
    return calls


def scoped_template_ok(template: Path, declared: Iterable[str]) -> bool:
    """True when every package call of the template is declared as reading own rows only."""
    return package_calls(template) <= set(declared)


def project_fingerprinter(paths: Paths, frames: Mapping | None = None, *, environment: str | None = None) -> "Fingerprinter":
    """The fingerprinter with this project's data rules (profiles: own rows + city benchmarks)."""
    from cluster_inquiry.pages import report
    from cluster_inquiry.data.schemas import TABLES

    own = {}
    for name in report.PROFILE_OWN_ROWS:
        spec = TABLES.get(name)
        if spec is not None:
            own[name] = paths.root / "data" / getattr(spec, "folder", "clusters") / spec.filename

    def benchmarks() -> Mapping[str, Any]:
        data = frames if frames is not None and all(n in frames for n in own) else None
        if data is None:
            from cluster_inquiry.data.validation import load_inputs

            data = load_inputs(paths)
        return report.profile_benchmarks(dict(data), paths)

    deps = DataDependencies(paths, own, benchmarks)
    fp = Fingerprinter(paths.notebooks, deps, environment=environment)
    fp.declared_calls = tuple(report.PROFILE_CALLS)
    return fp


def run_cached(
    paths: Paths,
    jobs: list,
    out_dir: Path,
    *,
    frames: Mapping | None = None,
    force: bool = False,
    executor=None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    cell_timeout: int | None = None,
    notebook_timeout: int | None = None,
    fingerprinter: "Fingerprinter | None" = None,
) -> list:
    """Execute the jobs whose key is not in the store; put every successful job's notebook in ``out_dir``.

    Returns one :class:`~cluster_inquiry.build.execute.JobResult` per job, in job order: ``cached``,
    ``executed`` (with the reason) or ``failed``. Notebooks executed successfully are stored even
    when others fail. Nothing is written under ``_build`` unless some notebook was executed.
    """
    from cluster_inquiry.build.execute import DEFAULT_TIMEOUT, JobResult, _inside
    from cluster_inquiry.build.executors import DEFAULT_NOTEBOOK_TIMEOUT, Task, make_executor, run_tasks

    fp = fingerprinter or project_fingerprinter(paths, frames)
    store = NotebookStore(paths.build)
    published = read_manifest(paths.build)["jobs"]
    cached, tasks, prints = [], [], {}
    dropped: dict[str, str] = {}  # output → why its cached notebook was not served
    templates: dict[str, str] = {}
    for job in jobs:
        f = fp.fingerprint(job)
        prints[job.output] = f
        if not force and store.has(f.key):
            problem = store.problem(f.key)
            if problem is None:
                cached.append(JobResult(job, "cached", 0.0, key=f.key, parts=f.parts))
                continue
            store.drop(f.key)
            dropped[job.output] = f"cached notebook {problem}; dropped"
            print(f"cache: {job.output}: the cached notebook {problem}; executing it again", file=sys.stderr)
        if job.template not in templates:
            templates[job.template] = (paths.notebooks / job.template).read_text(encoding="utf-8")
        tasks.append(Task(
            job, templates[job.template], str(paths.root),
            cell_timeout=cell_timeout or DEFAULT_TIMEOUT, notebook_timeout=notebook_timeout or DEFAULT_NOTEBOOK_TIMEOUT,
            preload=fp.template_info(job.template)[2],
        ))

    def reason(job) -> str:
        if force:
            return "forced"
        if job.output in dropped:
            return dropped[job.output]
        before = published.get(job.output, {}).get("parts")
        changed = prints[job.output].changed(before)
        return ", ".join(changed) if changed else "not in cache"

    def on_result(res) -> None:
        f = prints[res.job.output]
        res.key, res.parts = f.key, f.parts
        if res.status == "executed":
            res.reason = reason(res.job)
            store.put(f.key, res.notebook)
            res.notebook = None

    if tasks and frames is not None:
        prepare_shared_inputs(paths, frames)
    own_executor = executor is None and bool(tasks)
    if own_executor:
        try:
            executor = make_executor(workers, scheduler)
        except (OSError, TimeoutError, ValueError) as exc:  # no scheduler answers there
            if not scheduler:
                raise
            detail = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
            raise SchedulerError(f"--scheduler {scheduler}: no Dask scheduler answered ({detail}); "
                                 "nothing was executed") from None
    try:
        ran = run_tasks(executor, tasks, progress=progress, on_result=on_result, cached=cached) if tasks else []
    finally:
        if own_executor:
            executor.close()
    by_output = {r.job.output: r for r in [*cached, *ran]}
    results = [by_output[job.output] for job in jobs]
    for res in results:
        if res.status in ("cached", "executed"):
            store.materialise(res.key, _inside(out_dir, res.job.output))
    return results


def prepare_shared_inputs(paths: Paths, frames: Mapping) -> None:
    """Before notebooks run: save the validated inputs (each kernel loads them instead of validating
    again) and derive the cluster boundaries once (GeoParquet), rather than in every kernel at once."""
    from cluster_inquiry.data import geography, snapshot

    if "clusters" not in frames or "lsoa_cluster_lookup" not in frames:
        return  # not this project's full set of inputs (a test's stub): nothing to share
    snapshot.save(paths, dict(frames))
    if frames.get("cluster_boundaries") is None:
        geography.cluster_boundaries(paths, frames["lsoa_cluster_lookup"])


def unchanged_site(paths: Paths, options: Mapping[str, Any], sources: Iterable[str] | None = None) -> Path | None:
    """The published site if nothing it was built from has changed (else None).

    Cheap on purpose — it hashes files and imports nothing heavy — so that ``cluster-inquiry
    build`` with nothing to do can answer before importing pandas, matplotlib or the pipeline.
    ``sources``: the book source paths; by default those recorded in the manifest (a change to the
    pipeline's list is a change to the package, which the key covers anyway).
    """
    manifest = read_manifest(paths.build)
    sources = list(sources) if sources is not None else manifest.get("book_sources")
    if not sources or manifest.get("options") != dict(options):
        return None
    return up_to_date(paths, build_key(paths, sources, options=options, environment=environment_digest()))


def up_to_date(paths: Paths, key: str) -> Path | None:
    """The published site, if the manifest says it was built from exactly ``key`` and it is intact."""
    manifest = read_manifest(paths.build)
    if manifest.get("build_key") != key or not manifest.get("site"):
        return None
    link = paths.build / "html"
    site = paths.build / "sites" / manifest["site"]
    if not link.is_symlink() or link.resolve() != site.resolve() or not (site / "index.html").is_file():
        return None
    executed = paths.build / "executed"
    if any(not (executed / output).is_file() for output in manifest["jobs"]):
        return None
    return site


def manifest_results(paths: Paths) -> list:
    """The published build's jobs as ``cached`` results (for the summary of a no-change build)."""
    from cluster_inquiry.build.execute import JobResult, NotebookJob

    out = []
    for output, entry in read_manifest(paths.build)["jobs"].items():
        job = NotebookJob(entry.get("template", ""), output, entry.get("parameters", {}))
        out.append(JobResult(job, "cached", 0.0, key=entry.get("key", ""), parts=entry.get("parts", {})))
    return out


def build_manifest(paths: Paths, results: Iterable, key: str, site: Path, *, seconds: float | None = None,
                   sources: Iterable[str] = (), options: Mapping[str, Any] | None = None) -> dict:
    """The manifest of a site about to be published (its jobs' keys, parts, status and seconds)."""
    previous = read_manifest(paths.build)["jobs"]
    jobs = {}
    for res in results:
        before = previous.get(res.job.output, {})
        jobs[res.job.output] = {
            "key": res.key,
            "parts": res.parts,
            "template": res.job.template,
            "parameters": res.job.parameters,
            "scope": getattr(res.job, "scope", None),
            "status": res.status,
            "reason": res.reason,
            # how long the notebook took when it was last executed (kept while it is reused)
            "seconds": round(res.seconds, 2) if res.status == "executed" else before.get("seconds"),
        }
    return {"build_key": key, "site": site.name, "seconds": seconds, "jobs": jobs,
            "book_sources": list(sources), "options": dict(options or {})}


def prune_store(paths: Paths, manifest: Mapping) -> int:
    """Delete stored notebooks the published manifest does not need (beyond the spare ones)."""
    return NotebookStore(paths.build).prune(keep={j["key"] for j in manifest["jobs"].values()})


def record_build(paths: Paths, results: Iterable, key: str, site: Path, *, seconds: float | None = None,
                 sources: Iterable[str] = (), options: Mapping[str, Any] | None = None) -> Path:
    """Write the manifest of a newly published site and prune the store to what it may need."""
    manifest = build_manifest(paths, results, key, site, seconds=seconds, sources=sources, options=options)
    path = write_manifest(paths.build, manifest)
    prune_store(paths, manifest)
    return path
