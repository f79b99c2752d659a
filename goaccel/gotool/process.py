"""Running go as a child process: empty temporary caches, and stopping go with its children."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def cold_caches(env: dict[str, str], cold: bool = True) -> Iterator[None]:
    """Empty temporary module and build caches in env, as on a fresh CI machine (doctor
    --cold, bench --go); removed afterwards."""
    if not cold:
        yield
        return
    with tempfile.TemporaryDirectory(prefix="goaccel-cold-") as tmp:
        env["GOMODCACHE"] = str(Path(tmp) / "mod")
        env["GOCACHE"] = str(Path(tmp) / "build")
        # read-only module cache files would make the temporary directory hard to remove
        flags = env.get("GOFLAGS", "")
        if "-modcacherw" not in flags.split():
            env["GOFLAGS"] = (flags + " -modcacherw").strip()
        yield


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    if sys.platform == "win32":  # pragma: no cover - Windows only
        subprocess.run(
            ["taskkill", "/F", "/T", "/PID", str(proc.pid)], capture_output=True, check=False
        )
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
