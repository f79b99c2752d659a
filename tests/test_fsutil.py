"""The primitives that write user files: atomic replace keeping the mode, and the setup lock
(checked against a second, real process)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from goaccel.errors import ExitCode, LockedError, WriteError
from goaccel.fsutil import atomic_write, exclusive_lock, read_bytes_or_none, remove_file

REPO = Path(__file__).resolve().parent.parent
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX modes and signals")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".goaccel-tmp"))


# --------------------------------------------------------------------------- atomic_write


@posix_only
def test_new_file_default_modes(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    atomic_write(a, b"one\n")
    atomic_write(b, b"two\n", default_mode=0o600)
    assert (a.read_bytes(), mode(a)) == (b"one\n", 0o644)
    assert (b.read_bytes(), mode(b)) == (b"two\n", 0o600)
    assert leftovers(tmp_path) == []


@posix_only
@pytest.mark.parametrize("existing", [0o600, 0o640, 0o755, 0o444])
def test_replace_keeps_mode(tmp_path: Path, existing: int) -> None:
    path = tmp_path / "rc"
    path.write_bytes(b"old contents that are longer\n")
    path.chmod(existing)
    if existing == 0o444 and not IS_ROOT:
        pytest.skip("a read-only file can only be replaced by root here")
    atomic_write(path, b"new\n", default_mode=0o600)
    assert path.read_bytes() == b"new\n"
    assert mode(path) == existing
    assert leftovers(tmp_path) == []


def test_replace_is_a_new_inode(tmp_path: Path) -> None:
    # a reader holding the old file keeps seeing the old bytes: the file was replaced, not
    # rewritten in place
    path = tmp_path / "f"
    path.write_bytes(b"old\n")
    with open(path, "rb") as reader:
        atomic_write(path, b"new\n")
        assert reader.read() == b"old\n"
    assert path.read_bytes() == b"new\n"


def test_creates_parent_directories(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "c" / "file"
    atomic_write(path, b"x")
    assert path.read_bytes() == b"x"


def test_exact_bytes(tmp_path: Path) -> None:
    data = bytes(range(256)) * 3 + b"\r\n"
    atomic_write(tmp_path / "bin", data)
    assert (tmp_path / "bin").read_bytes() == data
    atomic_write(tmp_path / "bin", b"")
    assert (tmp_path / "bin").read_bytes() == b""


def test_symlink_refused_link_and_target_unchanged(tmp_path: Path) -> None:
    target = tmp_path / "dotfiles" / "bashrc"
    target.parent.mkdir()
    target.write_bytes(b"# mine\n")
    link = tmp_path / ".bashrc"
    link.symlink_to(target)
    with pytest.raises(WriteError) as info:
        atomic_write(link, b"replaced\n")
    err = info.value
    assert err.message == f"{link} is a symbolic link to {target}; goaccel will not replace it"
    assert err.hint == f"edit the target instead (--rc-file {target})"
    assert err.exit_code == ExitCode.WRITE
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert target.read_bytes() == b"# mine\n"
    assert leftovers(tmp_path) == [] and leftovers(target.parent) == []


def test_dangling_symlink_refused(tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "nowhere")
    with pytest.raises(WriteError, match="is a symbolic link"):
        atomic_write(link, b"x")
    assert link.is_symlink() and not (tmp_path / "nowhere").exists()


@posix_only
def test_symlink_allowed_writes_the_target(tmp_path: Path) -> None:
    target = tmp_path / "real"
    target.write_bytes(b"old\n")
    target.chmod(0o640)
    link = tmp_path / "link"
    link.symlink_to(target)
    atomic_write(link, b"new\n", allow_symlink=True)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == b"new\n"
    assert mode(target) == 0o640


def test_directory_refused(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    with pytest.raises(WriteError) as info:
        atomic_write(tmp_path / "d", b"x")
    assert info.value.message == f"{tmp_path / 'd'} is a directory, not a file"


def test_parent_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"keep")
    path = tmp_path / "file" / "env"
    with pytest.raises(WriteError) as info:
        atomic_write(path, b"x")
    assert info.value.message == f"cannot write {path}: Not a directory"
    assert (tmp_path / "file").read_bytes() == b"keep"


def test_grandparent_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"keep")
    path = tmp_path / "file" / "go" / "env"
    with pytest.raises(WriteError, match=r"^cannot write .*: Not a directory$"):
        atomic_write(path, b"x")


def test_failed_replace_leaves_original_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"original\n")

    def boom(src: str, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(WriteError) as info:
        atomic_write(path, b"new\n")
    assert info.value.message == f"cannot write {path}: No space left on device"
    assert path.read_bytes() == b"original\n"
    assert leftovers(tmp_path) == []


@posix_only
@pytest.mark.skipif(IS_ROOT, reason="root ignores permissions")
def test_read_only_directory(tmp_path: Path) -> None:
    d = tmp_path / "ro"
    d.mkdir()
    (d / "f").write_bytes(b"old")
    d.chmod(0o555)
    try:
        with pytest.raises(WriteError, match="Permission denied"):
            atomic_write(d / "f", b"new")
        assert (d / "f").read_bytes() == b"old"
    finally:
        d.chmod(0o755)


# --------------------------------------------------------------------------- read / remove


def test_read_bytes_or_none(tmp_path: Path) -> None:
    assert read_bytes_or_none(tmp_path / "missing") is None
    (tmp_path / "f").write_bytes(b"\x00data")
    assert read_bytes_or_none(tmp_path / "f") == b"\x00data"
    with pytest.raises(WriteError, match="is a directory, not a file"):
        read_bytes_or_none(tmp_path)
    with pytest.raises(WriteError) as info:
        read_bytes_or_none(tmp_path / "f" / "child")
    assert info.value.message == f"cannot read {tmp_path / 'f' / 'child'}: Not a directory"


def test_remove_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    remove_file(tmp_path / "f")
    assert not (tmp_path / "f").exists()
    remove_file(tmp_path / "f")  # already gone: fine
    (tmp_path / "d").mkdir()
    with pytest.raises(WriteError, match=r"^cannot remove "):
        remove_file(tmp_path / "d")


# --------------------------------------------------------------------------- exclusive_lock

HOLDER = """
import sys
from pathlib import Path
from goaccel.fsutil import exclusive_lock

with exclusive_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """Another process holding the lock until its stdin is closed."""
    lock = tmp_path / "state" / "setup.lock"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "locked\n"
        yield proc, lock
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()


def test_lock_held_by_another_process(holder: tuple[subprocess.Popen[str], Path]) -> None:
    proc, lock = holder
    with pytest.raises(LockedError) as info, exclusive_lock(lock, "goaccel setup"):
        pytest.fail("the lock should be held by the other process")
    err = info.value
    assert err.message == (
        f"another goaccel setup is running (pid {proc.pid}); try again when it has finished"
    )
    assert err.hint == f"lock file: {lock}"
    assert err.exit_code == ExitCode.LOCKED
    # the holder's record is untouched by the failed attempt
    assert lock.read_text(encoding="utf-8") == f"pid {proc.pid}"


def test_lock_released_after_holder_exits(holder: tuple[subprocess.Popen[str], Path]) -> None:
    proc, lock = holder
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.close()
    assert proc.stdout.readline() == "released\n"
    assert proc.wait(timeout=10) == 0
    with exclusive_lock(lock):
        assert lock.read_text(encoding="utf-8") == f"pid {os.getpid()}"


@posix_only
def test_lock_released_when_holder_is_killed(holder: tuple[subprocess.Popen[str], Path]) -> None:
    proc, lock = holder
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=10) == -signal.SIGKILL
    assert lock.read_text(encoding="utf-8") == f"pid {proc.pid}"  # stale text, no stale lock
    entered = False
    with exclusive_lock(lock):
        entered = True
        assert lock.read_text(encoding="utf-8") == f"pid {os.getpid()}"
    assert entered


def test_lock_taken_twice_in_one_process(tmp_path: Path) -> None:
    lock = tmp_path / "setup.lock"
    with exclusive_lock(lock):
        with pytest.raises(LockedError) as info, exclusive_lock(lock):
            pass
        assert f"(pid {os.getpid()})" in info.value.message
    # released on exit, also after an exception inside
    with pytest.raises(RuntimeError), exclusive_lock(lock):
        raise RuntimeError("inside")
    with exclusive_lock(lock):
        pass


def test_lock_with_unreadable_holder_text(tmp_path: Path) -> None:
    lock = tmp_path / "setup.lock"
    with exclusive_lock(lock):
        lock.write_text("", encoding="utf-8")
        with pytest.raises(LockedError) as info, exclusive_lock(lock):
            pass
    assert info.value.message == (
        "another goaccel is running (another process); try again when it has finished"
    )


def test_lock_file_cannot_be_created(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    lock = tmp_path / "file" / "setup.lock"
    with pytest.raises(WriteError) as info, exclusive_lock(lock):
        pass
    assert info.value.message.startswith(f"cannot create lock file {lock}: ")
