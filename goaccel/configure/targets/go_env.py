"""The go-env target: the user's go env file (`go env GOENV`), written through `go env -w`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

from goaccel.configure.targets.base import (
    FilePlan,
    Options,
    Prepared,
    Target,
    UndoFile,
    check_writable,
)
from goaccel.errors import GoCommandError, InputError

if TYPE_CHECKING:
    from goaccel.configure.journal import FileChange
    from goaccel.configure.plan import Plan
    from goaccel.gotool.env import GoEnv

KIND = "go-env"


class GoEnvTarget(Target):
    name = "go-env"
    summary = "go-env (default when go is on PATH)"
    file_kinds = frozenset({KIND})

    def default_refusal(self, goenv: GoEnv) -> Optional[str]:
        if goenv.go is None:
            return "go is not on PATH, so goaccel writes your shell's startup file instead"
        if goenv.env_file is None:
            return "GOENV=off disables the go env file, so goaccel writes your shell's startup file"
        return None

    def check_available(self, goenv: GoEnv) -> None:
        if goenv.go is None:
            raise GoCommandError(
                "--target go-env needs the go command, and go is not on PATH",
                hint="install Go, or use --target shell",
            )
        if goenv.env_file is None:
            raise InputError(
                "--target go-env cannot work with GOENV=off", hint="use --target shell"
            )

    def check(self, goenv: GoEnv, options: Options, *, dry_run: bool) -> None:
        if not dry_run and goenv.env_file is not None:
            check_writable(goenv.env_file)

    def prepare(self, plan: Plan, goenv: GoEnv, options: Options) -> Prepared:
        from goaccel.gotool import env as goenv_mod

        assert goenv.env_file is not None
        values = plan.changed()
        for v in values.values():
            goenv_mod.check_subprocess_env_value(v)
        before = goenv.env_file_bytes
        before_text = before.decode("utf-8") if before is not None else None
        after = goenv_mod.render_env_file(before_text, values).encode("utf-8")
        keys = {k: {"before": goenv.file_values.get(k), "after": v} for k, v in values.items()}
        fp = FilePlan(goenv.env_file, KIND, before, after, keys=keys)
        if values:
            check_writable(goenv.env_file)
        # OS variables hide what goes into the file; only this target needs saying so. (The
        # plan module is imported here: the CLI reads the registry at start-up, for --help.)
        from goaccel.configure.plan import env_override_warnings

        warnings = env_override_warnings(plan, goenv)
        return Prepared(self.name, values, [fp] if values else [], warnings=warnings)

    def write(
        self, f: FilePlan, prepared: Prepared, goenv: GoEnv
    ) -> tuple[Optional[bytes], list[str]]:
        from goaccel.fsutil import read_bytes_or_none
        from goaccel.gotool import env as goenv_mod

        assert goenv.go is not None
        # Write through go itself, as users expect; then keep the exact bytes go wrote.
        warnings = goenv_mod.go_env_write(goenv.go, prepared.values)
        return read_bytes_or_none(f.path), warnings

    def undo_edited(self, change: FileChange, current: bytes) -> UndoFile:
        from goaccel.fsutil import atomic_write
        from goaccel.gotool import env as goenv_mod

        # Only keys that still hold what goaccel wrote: a value set by hand since is the
        # user's newer decision, not goaccel's to take back.
        text = current.decode("utf-8", "replace")
        now = goenv_mod.parse_lenient(text)
        revert = {
            k: v.get("before") for k, v in change.keys.items() if now.get(k) == v.get("after")
        }
        kept = sorted(k for k in change.keys if k not in revert)
        if revert:
            atomic_write(Path(change.path), goenv_mod.render_env_file(text, revert).encode("utf-8"))
        return UndoFile(change.path, "reverted-keys", kept)


TARGET = GoEnvTarget()
