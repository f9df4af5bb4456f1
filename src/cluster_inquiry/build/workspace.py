"""The ``_build`` folder as a workspace one build at a time: its lock, its leftovers, its permissions.

* **Lock.** A build or run holds a lock on ``_build`` (``fcntl.flock``: the kernel releases it when
  the process ends, however it ends, so a ``kill -9`` never leaves a stale lock). A second build in
  the same checkout stops at once and says which process holds the lock.
* **Leftovers.** Holding the lock, a build removes what a dead build left: ``_build/work-*``, the
  set-aside ``_build/.executed-old-*``, half-written links and manifests (``_build/.html-*``,
  ``_build/.manifest.*.tmp``) and half-written notebooks (``.*.tmp`` in the cache and in
  ``_build/executed``), temporary files (``_build/tmp``: every temporary file of a build lives
  there, none in the system's temporary folder) and kernels' sockets (``_build/kernels``).
  No live build can own them: it would hold the lock.
* **Permissions.** ``_build`` and every folder of ``_build/executed`` must be writable before any
  notebook runs; otherwise the build stops with one line naming the folder.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from cluster_inquiry.core.exceptions import ClusterInquiryError
from cluster_inquiry.core.paths import Paths

LOCK_NAME = "build.lock"
#: names under ``_build`` a dead build can leave behind (globs)
LEFTOVERS = ("work-*", ".executed-old-*", ".html-*", ".manifest.*.tmp", "tmp", "kernels")


class BuildLockedError(ClusterInquiryError):
    """Another build or run holds the checkout's ``_build`` lock."""


class BuildFolderError(ClusterInquiryError):
    """``_build`` (or a folder under it) cannot be written."""


def _holder(lock: Path) -> str:
    try:
        pid = lock.read_text(encoding="utf-8").split()[0]
    except (OSError, IndexError):
        return "another process"
    return f"process {pid}"


@contextlib.contextmanager
def build_lock(paths: Paths) -> Iterator[None]:
    """Hold the lock on ``_build`` for the duration; refuse (one line) if another process holds it.

    The lock is ``flock`` on the ``_build`` folder itself; ``_build/build.lock`` only names the
    holder's process id while it holds the lock (removed on release, so a failed build leaves
    ``_build`` as it found it).
    """
    ensure_writable(paths)
    pidfile = paths.build / LOCK_NAME
    fd = os.open(paths.build, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise BuildLockedError(
                f"_build is in use by another build ({_holder(pidfile)}); "
                "wait for it to finish, then run the command again"
            ) from None
        pidfile.write_text(f"{os.getpid()}\n", encoding="utf-8")
        try:
            remove_leftovers(paths)
            yield
        finally:
            pidfile.unlink(missing_ok=True)
    finally:
        os.close(fd)  # releases the lock


def remove_leftovers(paths: Paths) -> list[Path]:
    """Delete what a dead build left under ``_build`` (call only while holding the lock)."""
    removed: list[Path] = []
    build = paths.build
    if not build.is_dir():
        return removed
    found = [p for pattern in LEFTOVERS for p in build.glob(pattern)]
    for folder in (build / "cache" / "notebooks", build / "executed"):
        if folder.is_dir():
            found += [p for p in folder.rglob(".*.tmp*") if p.is_file() or p.is_symlink()]
    for p in found:
        try:
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
            removed.append(p)
        except OSError:
            pass  # not ours to fight over: ensure_writable names unwritable folders
    return removed


def _unwritable(folder: Path) -> bool:
    return not os.access(folder, os.W_OK | os.X_OK)


def ensure_writable(paths: Paths) -> None:
    """``_build`` exists (or can be made) and it and ``_build/executed``'s folders can be written."""
    build = paths.build
    try:
        build.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BuildFolderError(f"{_shown(paths, build)}: cannot create the build folder ({exc.strerror})") from None
    if not build.is_dir():
        raise BuildFolderError(f"{_shown(paths, build)}: is not a folder; move it away and build again")
    if _unwritable(build):
        raise BuildFolderError(f"{_shown(paths, build)}: the build folder is read-only; make it writable (chmod u+w)")
    executed = build / "executed"
    if executed.is_dir():
        for dirpath, dirnames, _ in os.walk(executed):
            if _unwritable(Path(dirpath)):
                raise BuildFolderError(
                    f"{_shown(paths, Path(dirpath))}: folder is read-only, so the build could not replace it; "
                    "make it writable (chmod -R u+w) and build again"
                )


def _shown(paths: Paths, path: Path) -> str:
    try:
        return path.relative_to(paths.root).as_posix()
    except ValueError:
        return str(path)
