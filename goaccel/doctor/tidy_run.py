"""The live run: the real `go mod tidy -x` in the user's project, under a watchdog.

go has no response timeout, so a mirror that accepts and never answers hangs it forever:
the watchdog kills go (and everything it started) at --go-timeout and the log tells which
request never finished. The user's go.mod and go.sum are never modified: `go mod tidy -diff`
where the local go has it (go1.23+), else a temporary copy of the module.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from goaccel.errors import GoCommandError
from goaccel.fsutil import atomic_write, read_bytes_or_none
from goaccel.gocompat import gover
from goaccel.gotool.process import cold_caches, run_watched

TIDY_DIFF_SINCE = "1.23"


@dataclass
class LiveResult:
    command: list[str]
    cwd: str
    returncode: Optional[int]  # None when the watchdog stopped go
    timed_out: bool
    elapsed_s: float
    lines: list[tuple[float, str]] = field(default_factory=list)  # stderr, with arrival time
    stdout: str = ""  # `tidy -diff` prints the diff here
    used_copy: bool = False
    cold: bool = False
    started: float = 0.0  # monotonic time go was started


def needs_copy(go_version: Optional[str]) -> bool:
    """True when this go ('go1.27.3', `go env GOVERSION`) has no `go mod tidy -diff`; an
    unreadable version counts as old (gover: malformed versions sort first)."""
    return gover.compare(gover.from_toolchain(go_version or ""), TIDY_DIFF_SINCE) < 0


def _copy_module(root: Path, dest: Path) -> None:
    """Copy the module for a `go mod tidy` that may rewrite it: no VCS data, no nested
    modules' caches; symlinks copied as links."""
    shutil.copytree(
        root,
        dest,
        symlinks=True,
        ignore=shutil.ignore_patterns(".git", ".hg", ".svn", "node_modules"),
    )


@contextlib.contextmanager
def _workdir(root: Path, use_copy: bool) -> Iterator[Path]:
    if not use_copy:
        yield root
        return
    with tempfile.TemporaryDirectory(prefix="goaccel-doctor-") as tmp:
        dest = Path(tmp) / root.name
        try:
            _copy_module(root, dest)
        except OSError as exc:
            raise GoCommandError(f"cannot copy {root} to run go on the copy: {exc}") from None
        yield dest


def _diff_module_files(original: Path, copy: Path) -> str:
    import difflib

    out: list[str] = []
    for name in ("go.mod", "go.sum"):
        a = (read_bytes_or_none(original / name) or b"").decode("utf-8", "replace")
        b = (read_bytes_or_none(copy / name) or b"").decode("utf-8", "replace")
        if a != b:
            out += difflib.unified_diff(
                a.splitlines(keepends=True),
                b.splitlines(keepends=True),
                fromfile=f"current/{name}",
                tofile=f"tidy/{name}",
            )
    return "".join(out)


def live_run(
    go: str,
    root: Path,
    *,
    go_version: Optional[str],
    timeout: float,
    cold: bool = False,
    environ: Mapping[str, str] | None = None,
    on_line: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
) -> LiveResult:
    """Run `go mod tidy -x` for the module at root; never let it touch root's go.mod/go.sum.
    Setting `stop` (from another thread) kills go and raises gotool.process.Stopped."""
    env = dict(os.environ if environ is None else environ)
    use_copy = needs_copy(go_version)
    args = [go, "mod", "tidy", "-x"] + ([] if use_copy else ["-diff"])
    guarded = {name: read_bytes_or_none(root / name) for name in ("go.mod", "go.sum")}
    with cold_caches(env, cold), _workdir(root, use_copy) as cwd:
        try:
            run = run_watched(args, cwd=cwd, env=env, timeout=timeout, on_line=on_line, stop=stop)
        except OSError as exc:
            raise GoCommandError(f"cannot run {go}: {exc.strerror or exc}") from None
        timed_out = run.timed_out
        # Without -diff, what tidy would change is what it changed in the copy.
        copy_diff = _diff_module_files(root, cwd) if use_copy and not timed_out else ""
    for name, before in guarded.items():
        if read_bytes_or_none(root / name) != before:  # pragma: no cover - a go bug if ever
            if before is not None:
                atomic_write(root / name, before)
            raise GoCommandError(f"go changed {root / name} during the run; it was restored")
    return LiveResult(
        command=["go", *args[1:]],
        cwd=str(root),
        returncode=run.returncode,
        timed_out=timed_out,
        elapsed_s=run.elapsed_s,
        lines=run.stderr,
        stdout=copy_diff or run.stdout.decode("utf-8", "replace"),
        used_copy=use_copy,
        cold=cold,
        started=run.started,
    )
