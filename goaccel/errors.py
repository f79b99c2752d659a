"""The error hierarchy. Core code raises these; only the CLI boundary turns them into output.

Exit codes are part of the public contract (docs/exit-codes.md). Keep them stable.
"""

from __future__ import annotations

from typing import Any, Optional


class ExitCode:
    OK = 0
    ERROR = 1  # a failure without its own code; doctor: at least one problem

    USAGE = 2  # bad command line or bad input value (same as click's usage errors)
    NO_MIRROR = 3  # no candidate mirror was usable; nothing was written
    CONFIG = 4  # a configuration file (go env file, config.toml, journal) is malformed
    WRITE = 5  # a file could not be written (permissions, symlink, go env -w failed)
    LOCKED = 6  # another goaccel is changing the configuration right now
    NOTHING_TO_UNDO = 7  # undo found no recorded setup
    ABORTED = 8  # the user declined the confirmation
    GO = 9  # the go command is missing or failed where it is required
    INTERNAL = 70  # an unexpected failure, a bug: "internal error" (sysexits' EX_SOFTWARE)
    INTERRUPTED = 130


class GoaccelError(Exception):
    """A failure the user can act on: one line of message, an optional hint."""

    exit_code: int = ExitCode.ERROR

    def __init__(
        self, message: str, *, hint: Optional[str] = None, exit_code: Optional[int] = None
    ):
        super().__init__(message)
        self.message = message
        self.hint = hint
        # Extra fields for the --json error document (e.g. the measurements that led here).
        self.json_extra: dict[str, Any] = {}
        if exit_code is not None:
            self.exit_code = exit_code


class InputError(GoaccelError):
    """A value given on the command line (or in config) is not acceptable."""

    exit_code = ExitCode.USAGE


class NoUsableMirrorError(GoaccelError):
    """No candidate mirror could serve the workload; nothing was written."""

    exit_code = ExitCode.NO_MIRROR


class ConfigFileError(GoaccelError):
    """A file goaccel reads (go env file, config.toml, catalog, journal) is malformed."""

    exit_code = ExitCode.CONFIG


class WriteError(GoaccelError):
    """A file could not be written (permissions, a symlink, `go env -w` failed)."""

    exit_code = ExitCode.WRITE


class LockedError(GoaccelError):
    """Another goaccel is changing the configuration right now."""

    exit_code = ExitCode.LOCKED


class NothingToUndoError(GoaccelError):
    """undo found no recorded setup to revert."""

    exit_code = ExitCode.NOTHING_TO_UNDO


class AbortedError(GoaccelError):
    """The user declined the confirmation, or could not be asked."""

    exit_code = ExitCode.ABORTED


class GoCommandError(GoaccelError):
    """The go command is missing, or failed where goaccel needs it."""

    exit_code = ExitCode.GO
