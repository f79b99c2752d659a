"""run_watched: the one way goaccel runs go under a watchdog (doctor's live run, bench --go)."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from goaccel.gotool.process import Stopped, cold_caches, run_watched

PY = sys.executable


def test_output_and_exit_code_are_captured(tmp_path: Path) -> None:
    seen: list[str] = []
    code = "import sys; print('out'); print('a', file=sys.stderr); print('b\\r', file=sys.stderr)"
    run = run_watched(
        [PY, "-c", code + "; sys.exit(3)"],
        cwd=tmp_path,
        env={},
        timeout=60,
        on_line=seen.append,
    )
    assert (run.returncode, run.timed_out) == (3, False)
    assert [line for _, line in run.stderr] == ["a", "b"] == seen
    assert run.stdout == b"out\n"
    assert run.started <= run.stderr[0][0] and run.elapsed_s >= 0


def test_the_watchdog_kills_the_command_and_what_it_started(tmp_path: Path) -> None:
    if sys.platform == "win32":  # pragma: no cover
        pytest.skip("process groups")
    child = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', "
    child += "'import time; time.sleep(60)']); print('started', file=sys.stderr, flush=True); "
    child += "time.sleep(60)"
    start = time.monotonic()
    run = run_watched([PY, "-c", child], cwd=tmp_path, env={}, timeout=2, capture_stdout=False)
    assert run.timed_out and run.returncode is None
    assert time.monotonic() - start < 2 + 10  # back soon after the deadline
    assert run.stdout == b""


def test_a_failing_progress_callback_does_not_break_the_run(tmp_path: Path) -> None:
    def boom(_: str) -> None:
        raise RuntimeError("progress")

    code = "import sys; print('x', file=sys.stderr)"
    run = run_watched([PY, "-c", code], cwd=tmp_path, env={}, timeout=60, on_line=boom)
    assert run.returncode == 0 and [line for _, line in run.stderr] == ["x"]


def test_a_command_that_cannot_start_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        run_watched([str(tmp_path / "no-such-go")], cwd=tmp_path, env={}, timeout=5)


def _alive(pid: int) -> bool:
    """Whether pid runs (a zombie waiting for its parent to reap it does not count)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs process groups, /proc")
def test_stop_set_by_another_thread_kills_the_command_and_what_it_started(
    tmp_path: Path,
) -> None:
    """doctor's Ctrl-C, or a failed check, reaches the live run through `stop`."""
    child = "import subprocess, sys, time; p = subprocess.Popen([sys.executable, '-c', "
    child += "'import time; time.sleep(60)']); print(p.pid, file=sys.stderr, flush=True); "
    child += "time.sleep(60)"
    stop = threading.Event()
    pids: list[int] = []

    def started(line: str) -> None:  # on go's stderr reader thread, not the waiting one
        pids.append(int(line))
        stop.set()

    start = time.monotonic()
    with pytest.raises(Stopped):
        run_watched([PY, "-c", child], cwd=tmp_path, env={}, timeout=60, on_line=started, stop=stop)
    assert time.monotonic() - start < 10
    deadline = time.monotonic() + 5
    while pids and _alive(pids[0]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pids and not _alive(pids[0]), "the command's own child was killed too"


def test_a_command_that_closes_its_stderr_is_still_watched(tmp_path: Path) -> None:
    """Its stderr closing wakes the wait; go may still be running then."""
    code = "import os, sys, time; os.close(2); time.sleep(0.5); sys.exit(4)"
    run = run_watched([PY, "-c", code], cwd=tmp_path, env={}, timeout=60)
    assert (run.returncode, run.timed_out) == (4, False) and run.elapsed_s >= 0.5
    code = "import os, time; os.close(2); time.sleep(60)"
    hung = run_watched([PY, "-c", code], cwd=tmp_path, env={}, timeout=1)
    assert hung.timed_out and hung.returncode is None


def test_cold_caches_are_removed_whole_and_nothing_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("x")
    env = {"GOFLAGS": "-mod=mod"}
    with cold_caches(env):
        mod, build = Path(env["GOMODCACHE"]), Path(env["GOCACHE"])
        assert env["GOFLAGS"] == "-mod=mod -modcacherw"
        for d in (mod / "cache" / "download" / "m" / "@v", mod / "m@v1.0.0", build / "ab"):
            d.mkdir(parents=True)
            (d / "f").write_bytes(b"data")
        (mod / "m@v1.0.0").chmod(0o555)  # as go leaves it without -modcacherw
        (mod / "link").symlink_to(outside)
        (mod / "top-file").write_text("y")
    assert not mod.parent.exists()
    assert (outside / "keep").read_text() == "x"
