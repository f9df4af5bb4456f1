"""Fast kernel start: fork fresh Jupyter kernels from a pre-imported "zygote" process.

Starting a Python kernel and importing pandas, geopandas, matplotlib and this package costs
about 3–4 s, more than half of a cluster profile's run time. Every notebook pays it again,
although the imports are the same each time. A *zygote* pays it once: a small server process
imports ipykernel and the modules the notebook templates import, freezes its heap
(``gc.freeze``) and waits. Each notebook then gets a **brand-new kernel process** forked from
it — its own pid, namespace, working directory and environment, nothing ever executed in it
before — which finds its imports already in ``sys.modules`` (pages shared copy-on-write).

Only the *launch* changes; the kernel is a normal ipykernel speaking ZMQ, so papermill and
nbclient drive it exactly as before (:class:`ZygoteKernelManager` plugs into
``papermill.execute_notebook(kernel_manager_class=...)``). When the kernel command is not this
interpreter's ``ipykernel_launcher`` (another kernel spec), or the zygote is unavailable, the
standard subprocess launch is used instead.

Fork safety: the zygote is single-threaded at fork time apart from BLAS worker threads, which
OpenBLAS re-creates after ``fork`` (``pthread_atfork``); ZMQ contexts are created only in the
child, after the fork. Tests compare zygote-executed notebooks with subprocess-executed ones.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: always preloaded (the kernel itself); template imports are added by the caller
KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "matplotlib_inline.backend_inline")
READY = b"zygote-ready\n"


def _recv_line(sock: socket.socket, bufsize: int) -> bytes:
    """Read from ``sock`` until a newline (kept) or until the other end closes; both sides speak one JSON line."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(bufsize)
        if not chunk:
            break
        data += chunk
    return data


# --------------------------------------------------------------------------- kernel side: no TCP at all


def _connection_file(argv: list[str]) -> str | None:
    """The ``-f FILE`` / ``--f=FILE`` argument of an ipykernel command line."""
    for i, arg in enumerate(argv):
        if arg in ("-f", "--f") and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith(("--f=", "-f=")):
            return arg.split("=", 1)[1]
    return None


def use_ipc_iopub_pipe(argv: list[str]) -> None:  # pragma: no cover - runs in the kernel
    """Bind ipykernel's IOPub pipe (output of processes the kernel forks) to a Unix socket.

    Even with ``transport: ipc`` ipykernel binds that pipe to a random TCP port on 127.0.0.1;
    when the connection file says IPC, it goes beside the kernel's other sockets instead
    (``<ip>-pipe``, removed by the manager with them).
    """
    conn = _connection_file(argv)
    try:
        with open(conn or "", encoding="utf-8") as fh:
            info = json.load(fh)
    except (OSError, ValueError):
        return
    if info.get("transport") != "ipc" or not info.get("ip"):
        return
    address = f"ipc://{info['ip']}-pipe"
    import zmq
    from ipykernel import iostream

    def _setup_pipe_in(self) -> None:
        self._pipe_uuid = os.urandom(16)
        pipe_in = self.socket.context.socket(zmq.PULL)
        pipe_in.linger = 0
        try:
            pipe_in.bind(address)
        except zmq.ZMQError:
            self._pipe_flag = False
            pipe_in.close()
            return
        self._pipe_in = iostream.ZMQStream(pipe_in, self.io_loop)
        self._pipe_in.on_recv(self._handle_pipe_msg)

    def _setup_pipe_out(self):
        ctx = zmq.Context()  # a new context after fork
        pipe_out = ctx.socket(zmq.PUSH)
        pipe_out.linger = 3000
        pipe_out.connect(address)
        return ctx, pipe_out

    iostream.IOPubThread._setup_pipe_in = _setup_pipe_in
    iostream.IOPubThread._setup_pipe_out = _setup_pipe_out


def launch_kernel_main(argv: list[str]) -> None:  # pragma: no cover - a kernel process
    """``python -m cluster_inquiry.build.kernels --kernel -f FILE``: ipykernel, IOPub pipe over IPC."""
    # as ipykernel_launcher does: the cwd leaves sys.path while ipykernel loads (init_path adds it back)
    if sys.path and (sys.path[0] == "" or os.path.realpath(sys.path[0]) == os.path.realpath(os.getcwd())):
        del sys.path[0]
    use_ipc_iopub_pipe(argv)
    from ipykernel import kernelapp

    sys.argv = [sys.argv[0], *argv]
    kernelapp.launch_new_instance(argv=argv)


# --------------------------------------------------------------------------- the zygote process


def _die_with_parent(parent: int | None) -> None:  # pragma: no cover - runs in the fork
    """Linux: SIGKILL this kernel when the zygote dies (and the zygote dies when the build does: its
    stdin closes), so a ``kill -9`` of a build leaves no kernel running."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent is not None and os.getppid() != parent:  # the zygote died before prctl took effect
        os._exit(1)


def _child(conn: socket.socket, listener: socket.socket, request: dict) -> None:  # pragma: no cover - runs in the fork
    """Become a fresh kernel process (never returns)."""
    code = 1
    try:
        listener.close()
        conn.close()
        os.setsid()  # own process group: the client signals the group, as for Popen'd kernels
        _die_with_parent(request.get("zygote_pid"))
        for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        gc.unfreeze()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)  # the zygote's stdout is a pipe to its parent; nobody reads it
        os.close(null)
        argv = request["argv"]
        sys.argv = [argv[0], *argv[3:]]
        # as ``python -m ipykernel_launcher`` would see it: cwd first on sys.path
        if sys.path and sys.path[0] in ("", os.getcwd(), request.get("zygote_cwd")):
            sys.path[0] = request["cwd"]
        use_ipc_iopub_pipe(argv[3:])
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=argv[3:])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


def _warm_up() -> None:  # pragma: no cover - runs in the zygote
    """Load what the first Parquet read and the first PNG would load lazily in every kernel.

    Only libraries' own lazy imports and caches (pyarrow's Parquet and pandas conversion modules,
    Agg, the PNG writer, the default font): no pyplot figure, no file, nothing a notebook can see.
    """
    import io

    try:
        import pandas as pd

        buf = io.BytesIO()
        pd.DataFrame({"a": ["x"], "b": pd.array([1], dtype="Int64"), "c": [1.5]}).to_parquet(buf)
        pd.read_parquet(io.BytesIO(buf.getvalue()))
    except Exception:
        pass
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(1, 1))
        FigureCanvasAgg(fig)
        fig.add_subplot().set_title("warm-up")
        fig.savefig(io.BytesIO(), format="png", dpi=20)
    except Exception:
        pass


def serve(socket_path: str, modules: list[str]) -> None:  # pragma: no cover - a separate process
    """Preload ``modules`` and fork one kernel per request until stdin closes."""
    for name in (*KERNEL_MODULES, *modules):
        try:
            __import__(name)
        except Exception as exc:  # the notebook will meet the same error itself
            print(f"zygote: could not preload {name}: {exc}", file=sys.stderr)
    _warm_up()
    gc.collect()
    gc.freeze()  # keep the garbage collector from touching (and so copying) shared pages
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped automatically
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(16)
    zygote_cwd = os.getcwd()
    sys.stdout.buffer.write(READY)
    sys.stdout.flush()
    while True:
        ready, _, _ = select.select([listener, sys.stdin], [], [])
        if sys.stdin in ready and not os.read(sys.stdin.fileno(), 1):
            break  # parent closed our stdin: it has gone
        if listener not in ready:
            continue
        conn, _ = listener.accept()
        try:
            request = json.loads(_recv_line(conn, 65536))
            request["zygote_cwd"] = zygote_cwd
            request["zygote_pid"] = os.getpid()
            pid = os.fork()
            if pid == 0:
                _child(conn, listener, request)
            conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        except Exception as exc:
            try:
                conn.sendall(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode() + b"\n")
            except OSError:
                pass
        finally:
            conn.close()
    listener.close()


# --------------------------------------------------------------------------- client side


class Zygote:
    """A running zygote process (one per executing process; started on first use)."""

    def __init__(self, modules: tuple[str, ...], python: str = sys.executable,
                 runtime_dir: str | os.PathLike | None = None):
        self.modules = tuple(modules)
        self.python = python
        # the project's _build/kernels (private, removed with the build's leftovers) when the
        # socket path fits AF_UNIX's limit; else a private temporary folder
        base = ipc_dir(runtime_dir) if runtime_dir is not None else None
        if base is not None and len(base) + len("/zygote-01234567/s") > MAX_SOCKET_PATH:
            base = None
        self._dir = tempfile.mkdtemp(prefix="zygote-", dir=base) if base else tempfile.mkdtemp(prefix="ci-zygote-")
        self.socket_path = os.path.join(self._dir, "s")
        self._lock = threading.Lock()
        self.proc = subprocess.Popen(
            [python, "-m", "cluster_inquiry.build.kernels", self.socket_path, *self.modules],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=self._dir,
        )
        self._ready = False

    def wait_ready(self) -> "Zygote":
        """Block until the zygote has imported everything and listens (started in the background)."""
        with self._lock:
            if not self._ready:
                line = self.proc.stdout.readline()
                if line != READY:
                    self.close()
                    raise RuntimeError("kernel zygote failed to start")
                self._ready = True
        return self

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()
        for name in ("s",):
            Path(self._dir, name).unlink(missing_ok=True)
        try:
            os.rmdir(self._dir)
        except OSError:
            pass


_ZYGOTE: Zygote | None = None
_ZYGOTE_LOCK = threading.Lock()


def zygote(modules: tuple[str, ...]) -> Zygote:
    """This process's zygote preloading ``modules`` (restarted if the module list changed or it died)."""
    global _ZYGOTE
    with _ZYGOTE_LOCK:
        if _ZYGOTE is None or not _ZYGOTE.alive() or _ZYGOTE.modules != tuple(modules):
            if _ZYGOTE is not None:
                _ZYGOTE.close()
            _ZYGOTE = Zygote(tuple(modules))
        return _ZYGOTE.wait_ready()


def shutdown_zygote() -> None:
    global _ZYGOTE
    with _ZYGOTE_LOCK:
        if _ZYGOTE is not None:
            _ZYGOTE.close()
            _ZYGOTE = None


atexit.register(shutdown_zygote)


class ForkedProcess:
    """The part of :class:`subprocess.Popen` that jupyter_client uses, for a forked kernel.

    The kernel is the zygote's child, not ours: it is reaped by the zygote, so "alive" means
    the pid still exists. (Its exit status is not observable; 0 is reported.)
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0
            except PermissionError:  # pragma: no cover - pid reused by another user
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def fork_kernel(socket_path: str, argv: list[str], cwd: str, env: dict[str, str]) -> int:
    """Ask the zygote listening on ``socket_path`` for a new kernel; return its pid."""
    deadline = time.monotonic() + 300  # a zygote started in the background may still be importing
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        while True:
            try:
                s.connect(socket_path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no kernel zygote is listening at {socket_path}") from None
                time.sleep(0.05)
        s.sendall(json.dumps({"argv": argv, "cwd": cwd, "env": env}).encode() + b"\n")
        reply = _recv_line(s, 4096)
    answer = json.loads(reply or b"{}")
    if "pid" not in answer:
        raise RuntimeError(f"kernel zygote could not fork: {answer.get('error', 'no reply')}")
    return int(answer["pid"])


def _is_native_python_kernel(cmd: list[str]) -> bool:
    return (
        len(cmd) >= 3 and cmd[1:3] == ["-m", "ipykernel_launcher"]
        and os.path.realpath(cmd[0]) == os.path.realpath(sys.executable)
    )


@dataclass
class KernelLaunch:
    """How one notebook's kernel is started, and (after start) which process it is."""

    cwd: str
    env: dict[str, str] = field(default_factory=dict)  # added to the inherited environment
    preload: tuple[str, ...] | None = None  # None: a plain subprocess kernel; else fork from a zygote
    zygote_socket: str = ""  # a zygote already running on this machine ("" = this process's own)
    #: folder for the kernel's connection file and IPC sockets (normally ``_build/kernels``; see :func:`ipc_dir`)
    runtime_dir: str = ""
    pid: int | None = None
    pgid: int | None = None

    def kill(self) -> bool:
        """Kill the kernel's process group (the notebook timeout); False if it had not started."""
        if self.pgid is None:
            return False
        try:
            os.killpg(self.pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            return False
        return True


#: AF_UNIX socket paths are limited to 108 bytes (107 and a NUL on Linux)
MAX_SOCKET_PATH = 107
#: ``<runtime dir>/<12 hex>-ipc-<N>``: what an IPC socket name adds to the folder's path
_SOCKET_SUFFIX = len("/0123456789ab-ipc-99")


def ipc_dir(preferred: str | os.PathLike) -> str:
    """A private folder (mode 0700) for kernels' connection files and IPC sockets.

    ``preferred`` (the project's ``_build/kernels``) when its socket paths fit the AF_UNIX limit,
    else a fresh private temporary folder (a project checked out at a very deep path).
    """
    path = os.path.abspath(os.fspath(preferred))
    if len(path) + _SOCKET_SUFFIX <= MAX_SOCKET_PATH:
        try:
            os.makedirs(path, mode=0o700, exist_ok=True)
            os.chmod(path, 0o700)
            return path
        except OSError:
            pass
    global _FALLBACK_DIR
    with _ZYGOTE_LOCK:
        if _FALLBACK_DIR is None or not os.path.isdir(_FALLBACK_DIR):
            _FALLBACK_DIR = tempfile.mkdtemp(prefix="ci-k-")  # mode 0700
        return _FALLBACK_DIR


_FALLBACK_DIR: str | None = None


def kernel_manager_class(launch: KernelLaunch):
    """An ``AsyncKernelManager`` class starting its kernel as ``launch`` says (cwd, env, zygote)."""
    from jupyter_client import AsyncKernelManager
    from jupyter_client.provisioning import LocalProvisioner

    class ZygoteProvisioner(LocalProvisioner):
        """Launch by asking the zygote to fork; everything else as :class:`LocalProvisioner`."""

        async def launch_kernel(self, cmd: list[str], **kwargs: Any):
            if launch.preload is None or not _is_native_python_kernel(cmd):
                if launch.runtime_dir and _is_native_python_kernel(cmd):  # same kernel, IOPub pipe over IPC
                    cmd = [cmd[0], "-m", "cluster_inquiry.build.kernels", "--kernel", *cmd[3:]]
                info = await super().launch_kernel(cmd, **kwargs)
            else:
                env = dict(kwargs.get("env") or os.environ)
                cwd = str(kwargs.get("cwd") or os.getcwd())
                socket_path = launch.zygote_socket or zygote(launch.preload).socket_path
                pid = fork_kernel(socket_path, list(cmd), cwd, env)
                self.process = ForkedProcess(pid)
                self.pid = self.pgid = pid  # the child calls setsid()
                self.cwd = cwd
                info = self.connection_info
            launch.pid, launch.pgid = self.pid, self.pgid
            return info

    class ZygoteKernelManager(AsyncKernelManager):
        """Kernels speak ZMQ over IPC (Unix sockets in a private folder), never TCP: no port is
        opened, and the connection file (mode 0600, written by jupyter_client) sits beside them."""

        def __init__(self, **kw: Any):
            if launch.runtime_dir and "connection_file" not in kw:
                folder = ipc_dir(launch.runtime_dir)
                kw.setdefault("transport", "ipc")
                kw["connection_file"] = os.path.join(folder, f"{uuid.uuid4().hex[:12]}.json")
            super().__init__(**kw)

        def cleanup_ipc_files(self) -> None:
            super().cleanup_ipc_files()
            if self.transport == "ipc":
                try:
                    os.remove(f"{self.ip}-pipe")
                except OSError:
                    pass

        async def _async_interrupt_kernel(self) -> None:
            # jupyter_client interrupts (SIGINT) a kernel before asking it to shut down; ours has
            # finished its notebook, so the interrupt only made it log "KeyboardInterrupt caught".
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

        async def _async_pre_start_kernel(self, **kw: Any):
            if self.provisioner is None:
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or uuid.uuid4().hex
                self.provisioner = ZygoteProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
            env = dict(kw.get("env") or os.environ)
            env.update(launch.env)
            kw["env"] = env
            kw["cwd"] = launch.cwd
            return await super()._async_pre_start_kernel(**kw)

    return ZygoteKernelManager


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:2] == ["--kernel"]:
        launch_kernel_main(sys.argv[2:])
    else:
        serve(sys.argv[1], sys.argv[2:])
