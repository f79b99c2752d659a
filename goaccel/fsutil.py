"""The few primitives that write user files: atomic replace keeping the mode, and a lock."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Optional

from goaccel.errors import LockedError, WriteError


def read_bytes_or_none(path: Path) -> Optional[bytes]:
    """The file's bytes, or None if it does not exist."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise WriteError(f"{path} is a directory, not a file") from None
    except PermissionError:
        raise WriteError(f"cannot read {path}: permission denied") from None
    except OSError as exc:  # NotADirectoryError: a file sits where a parent directory should be
        raise WriteError(f"cannot read {path}: {exc.strerror or exc}") from None


def atomic_write(
    path: Path, data: bytes, *, default_mode: int = 0o644, allow_symlink: bool = False
) -> None:
    """Replace `path` with `data` all at once: a reader sees the old file or the new one.

    The file keeps its permission bits. A symlink is refused unless allow_symlink, in which case
    the link's target is written (the link stays a link).
    """
    if path.is_symlink():
        if not allow_symlink:
            raise WriteError(
                f"{path} is a symbolic link to {os.readlink(path)}; goaccel will not replace it",
                hint=f"edit the target instead (--rc-file {path.resolve()})",
            )
        path = path.resolve()
    if path.is_dir():
        raise WriteError(f"{path} is a directory, not a file")
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = default_mode
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".goaccel-tmp", dir=parent)
    except OSError as exc:
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if not os.access(path, os.W_OK) and path.exists():
            raise WriteError(f"cannot write {path}: permission denied")
        os.replace(tmp, path)
    except WriteError:
        _unlink_quietly(tmp)
        raise
    except OSError as exc:
        _unlink_quietly(tmp)
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None
    _fsync_dir(parent)


def remove_file(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise WriteError(f"cannot remove {path}: {exc.strerror or exc}") from None


def _unlink_quietly(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _try_lock(fh: IO[str]) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        fh.seek(0)  # msvcrt locks bytes from the current position: always the first byte
        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return False
        raise
    return True


@contextlib.contextmanager
def exclusive_lock(path: Path, what: str = "goaccel") -> Iterator[None]:
    """Hold an OS file lock for the duration; fail at once if another process holds it.

    The OS drops the lock when the holder dies, so a crash never leaves a stale lock behind.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - closed in finally
    except OSError as exc:
        raise WriteError(f"cannot create lock file {path}: {exc.strerror or exc}") from None
    try:
        if not _try_lock(fh):
            try:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
            except OSError:  # Windows: the holder's locked byte cannot be read
                holder = "another process"
            raise LockedError(
                f"another {what} is running ({holder}); try again when it has finished",
                hint=f"lock file: {path}",
            )
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        yield
    finally:
        fh.close()
