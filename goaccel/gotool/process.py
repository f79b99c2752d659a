"""Running go as a child process: empty temporary caches, and stopping go with its children."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional


@contextlib.contextmanager
def cold_caches(env: dict[str, str], cold: bool = True) -> Iterator[None]:
    """Empty temporary module and build caches in env, as on a fresh CI machine (doctor
    --cold, bench --go); removed afterwards."""
    if not cold:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="goaccel-cold-") as tmp:
        caches = [Path(tmp) / "mod", Path(tmp) / "build"]
        env["GOMODCACHE"], env["GOCACHE"] = (str(c) for c in caches)
        # read-only module cache files would make the temporary directory hard to remove
        flags = env.get("GOFLAGS", "")
        if "-modcacherw" not in flags.split():
            env["GOFLAGS"] = (flags + " -modcacherw").strip()
        try:
            yield
        finally:
            _remove_trees(caches)  # TemporaryDirectory removes whatever this left


def _remove_trees(roots: Sequence[Path]) -> None:
    """Remove the trees under roots on a few threads. doctor --cold waits for this after go:
    for a 30-module project's caches (700 entries) it takes 0.07-0.09 s either way on an
    idle 2-CPU machine, but 0.3-0.4 s instead of 0.65-1.1 s one tree after the other on a
    busy one."""
    import concurrent.futures

    parts = [p for root in roots if root.is_dir() for p in root.iterdir()]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        for part in parts:
            if part.is_dir() and not part.is_symlink():
                pool.submit(shutil.rmtree, part, ignore_errors=True)


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    if sys.platform == "win32":  # pragma: no cover - Windows only
        subprocess.run(
            ["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True, check=False
        )
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


class Stopped(Exception):
    """run_watched's `stop` event was set: the command was killed before it finished."""


#: How often a watched command's `stop` event and deadline are looked at while it runs; go's
#: own exit is seen at once (its stderr closing wakes the wait).
POLL_S = 0.05


@dataclass
class Watched:
    """What a watched go command did: its exit, its output, and whether the watchdog fired."""

    returncode: Optional[int]  # None when the watchdog stopped it
    timed_out: bool
    started: float  # monotonic time it was started
    elapsed_s: float
    stderr: list[tuple[float, str]] = field(default_factory=list)  # lines, with arrival time
    stdout: bytes = b""


def run_watched(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float,
    capture_stdout: bool = True,
    on_line: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
) -> Watched:
    """Run a command (go) with its stderr read line by line, and at `timeout`, on Ctrl-C, or
    when `stop` is set (from another thread: raises Stopped) kill it and every process it
    started. Raises OSError when it cannot be started."""
    start = time.monotonic()
    proc = subprocess.Popen(
        list(args),
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if capture_stdout else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=sys.platform != "win32",
    )
    lines: list[tuple[float, str]] = []
    out_chunks: list[bytes] = []
    stderr_closed = threading.Event()

    def read_stderr() -> None:
        assert proc.stderr is not None
        try:
            for raw in proc.stderr:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                lines.append((time.monotonic(), line))
                if on_line is not None:
                    with contextlib.suppress(Exception):  # progress must never break the run
                        on_line(line)
        finally:
            stderr_closed.set()

    def read_stdout() -> None:
        if proc.stdout is not None:
            out_chunks.append(proc.stdout.read())

    readers = [
        threading.Thread(target=read_stderr, daemon=True),
        threading.Thread(target=read_stdout, daemon=True),
    ]
    for t in readers:
        t.start()
    timed_out = False
    try:
        returncode: Optional[int] = _wait(proc, start + timeout, stderr_closed, stop)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_tree(proc)
        proc.wait()
        returncode = None
    except BaseException:  # Ctrl-C, or Stopped
        kill_tree(proc)
        proc.wait()
        raise
    for t in readers:
        t.join(timeout=2)
    return Watched(
        returncode=returncode,
        timed_out=timed_out,
        started=start,
        elapsed_s=time.monotonic() - start,
        stderr=list(lines),
        stdout=b"".join(out_chunks),
    )


def _wait(
    proc: subprocess.Popen[bytes],
    deadline: float,
    stderr_closed: threading.Event,
    stop: threading.Event | None,
) -> int:
    """proc's exit code; TimeoutExpired at the deadline, Stopped when `stop` is set.

    Popen.wait(timeout) sleeps up to 50 ms between looks at the child; go's stderr closing
    (it exits) wakes this wait at once instead."""
    while True:
        if stop is not None and stop.is_set():
            raise Stopped(f"stopped: {proc.args!r}")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise subprocess.TimeoutExpired(proc.args, 0)
        step = min(remaining, POLL_S)
        if stderr_closed.wait(step):
            try:
                return proc.wait(timeout=step)
            except subprocess.TimeoutExpired:
                continue  # stderr closed but still running: keep watching
        code = proc.poll()
        if code is not None:
            return code
