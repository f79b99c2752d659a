"""Write a plan to a target (go env file, shell rc file, printed lines, $GITHUB_ENV) and undo it.

prepare() reads the files and computes exactly what would change (the dry run shows this);
commit() records the change in the journal first, then writes. undo() reverts the last entry.
"""

from __future__ import annotations

import difflib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from goaccel.configure import shellrc
from goaccel.configure.journal import FileChange, Journal, new_entry
from goaccel.configure.plan import Plan
from goaccel.errors import GoCommandError, InputError, NothingToUndoError, WriteError
from goaccel.fsutil import atomic_write, read_bytes_or_none, remove_file
from goaccel.gotool import env as goenv_mod
from goaccel.gotool.env import GoEnv
from goaccel.textsafe import mask_urls_in_text, strip_control

TARGETS = ("go-env", "shell", "print", "github-env")


@dataclass
class FilePlan:
    path: Path
    kind: str  # go-env | rc | github-env
    before: Optional[bytes]
    after: bytes
    shell: Optional[str] = None
    keys: dict[str, dict[str, Optional[str]]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        """A unified diff of the changed lines only (no context: the user's other lines may
        hold secrets, and terminal escapes), control characters stripped, credentials masked."""
        a = (self.before or b"").decode("utf-8", "replace").splitlines(keepends=True)
        b = self.after.decode("utf-8", "replace").splitlines(keepends=True)
        text = "".join(
            difflib.unified_diff(
                a, b, fromfile=f"{self.path} (before)", tofile=f"{self.path} (after)", n=0
            )
        )
        return mask_urls_in_text(strip_control(text, keep_newlines=True))


@dataclass
class Prepared:
    target: str
    values: dict[str, str]  # what is written (all of them for shell/print, the changes for go-env)
    files: list[FilePlan]
    lines: list[str] = field(default_factory=list)  # for --target print
    shell: Optional[str] = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def changes_anything(self) -> bool:
        return any(f.changed for f in self.files) or bool(self.lines)


@dataclass
class Written:
    target: str
    files: list[str]
    journal_id: Optional[str]
    warnings: list[str] = field(default_factory=list)


def resolve_target(
    target: Optional[str],
    goenv: GoEnv,
    *,
    shell: Optional[str] = None,
    rc_file: Optional[Path] = None,
) -> tuple[str, list[str]]:
    """The target to use and notes about the choice. Default: go-env when go is on PATH;
    --shell or --rc-file without --target mean the shell target."""
    if target is None and (shell or rc_file):
        return "shell", []
    if target not in (None, "shell") and rc_file is not None:
        raise InputError(f"--rc-file applies to --target shell, not --target {target}")
    if target in ("go-env", "github-env") and shell:
        raise InputError(f"--shell applies to --target shell or print, not --target {target}")
    if target is None:
        if goenv.go is None:
            return "shell", [
                "go is not on PATH, so goaccel writes your shell's startup file instead"
            ]
        if goenv.env_file is None:
            return "shell", [
                "GOENV=off disables the go env file, so goaccel writes your shell's startup file"
            ]
        return "go-env", []
    if target not in TARGETS:
        raise InputError(f"unknown target '{target}'", hint=f"choose one of: {', '.join(TARGETS)}")
    if target == "go-env" and goenv.go is None:
        raise GoCommandError(
            "--target go-env needs the go command, and go is not on PATH",
            hint="install Go, or use --target shell",
        )
    if target == "go-env" and goenv.env_file is None:
        raise InputError("--target go-env cannot work with GOENV=off", hint="use --target shell")
    return target, []


def resolve_shell(shell: Optional[str]) -> str:
    if shell:
        return shellrc.normalize_shell(shell)
    detected = shellrc.detect_shell(os.environ)
    if detected is None:
        raise InputError(
            "cannot tell which shell you use ($SHELL is not bash, zsh or fish)",
            hint="pass --shell bash|zsh|fish|powershell",
        )
    return detected


def rc_path(shell: str, rc_file: Optional[Path]) -> Path:
    if rc_file is not None:
        return rc_file
    return shellrc.default_rc_file(shell, home=Path.home(), env=os.environ, platform=sys.platform)


def check_writable(path: Path) -> None:
    if path.is_symlink():
        raise WriteError(
            f"{path} is a symbolic link to {os.readlink(path)}; goaccel will not replace it",
            hint=f"pass --rc-file {path.resolve()} to edit the file it points to",
        )
    if path.exists():
        if path.is_dir():
            raise WriteError(f"{path} is a directory, not a file")
        if not os.access(path, os.W_OK):
            raise WriteError(f"cannot write {path}: permission denied")
        return
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not os.access(parent, os.W_OK):
        raise WriteError(f"cannot create {path}: {parent} is not writable")


def block_values(plan: Plan, goenv: GoEnv, old_block: Optional[str], shell: str) -> dict[str, str]:
    """What a persistent rc block exports: GOPROXY, every other decided value that differs from
    what go sees now, and whatever the previous goaccel block set that this run does not
    decide (a re-run without --private must not drop earlier --private patterns). Copying
    values that are already in effect would pin them, hiding later edits of the go env file."""
    old = shellrc.parse_block_values(shell, old_block) if old_block else {}
    values = {"GOPROXY": plan.settings["GOPROXY"]}
    for key, value in plan.settings.items():
        if key != "GOPROXY" and (value != goenv.value(key) or key in old):
            values[key] = value
    for key, value in old.items():
        values.setdefault(key, value)
    return values


def github_env_path() -> Path:
    env_path = os.environ.get("GITHUB_ENV")
    if not env_path:
        raise InputError(
            "--target github-env needs $GITHUB_ENV, which GitHub Actions sets for each step",
            hint="outside GitHub Actions use --target print or --target go-env",
        )
    return Path(env_path)


def prepare(
    plan: Plan,
    goenv: GoEnv,
    *,
    target: str,
    shell: Optional[str] = None,
    rc_file: Optional[Path] = None,
) -> Prepared:
    """Compute what writing the plan changes, without writing anything."""
    if target == "go-env":
        assert goenv.env_file is not None
        values = plan.changed()
        for v in values.values():
            goenv_mod.check_subprocess_env_value(v)
        before = goenv.env_file_bytes
        before_text = before.decode("utf-8") if before is not None else None
        after = goenv_mod.render_env_file(before_text, values).encode("utf-8")
        keys = {k: {"before": goenv.file_values.get(k), "after": v} for k, v in values.items()}
        fp = FilePlan(goenv.env_file, "go-env", before, after, keys=keys)
        if values:
            check_writable(goenv.env_file)
        return Prepared(target, values, [fp] if values else [])
    if target in ("shell", "print"):
        sh = resolve_shell(shell)
        if target == "print":
            # One-shot environments (eval in CI): every decided value, self-contained.
            values = dict(plan.settings)
            return Prepared(target, values, [], lines=shellrc.render_lines(sh, values), shell=sh)
        path = rc_path(sh, rc_file)
        check_writable(path)
        before = read_bytes_or_none(path)
        text = shellrc.read_rc(path)
        values = block_values(plan, goenv, shellrc.find_block(text, source=path), sh)
        new_text = shellrc.apply_block(text, shellrc.render_block(sh, values), source=path)
        fp = FilePlan(path, "rc", before, new_text.encode("utf-8"), shell=sh)
        return Prepared(target, values, [fp], shell=sh)
    if target == "github-env":
        values = dict(plan.settings)
        for v in values.values():
            goenv_mod.check_subprocess_env_value(v)
        path = github_env_path()
        before = read_bytes_or_none(path)
        addition = "".join(f"{k}={v}\n" for k, v in values.items()).encode("utf-8")
        prefix = before or b""
        if prefix and not prefix.endswith(b"\n"):
            prefix += b"\n"
        return Prepared(target, values, [FilePlan(path, "github-env", before, prefix + addition)])
    raise InputError(f"unknown target '{target}'", hint=f"choose one of: {', '.join(TARGETS)}")


def commit(prepared: Prepared, goenv: GoEnv, journal: Journal) -> Written:
    """Record, then write. The caller holds the setup lock."""
    files = [f for f in prepared.files if f.changed]
    if not files:
        return Written(prepared.target, [], None)
    # The new content was computed from the bytes read before measuring (and before any
    # confirmation prompt); an edit made since would be lost, or be missing from undo.
    for f in files:
        if f.kind != "github-env" and read_bytes_or_none(f.path) != f.before:
            raise WriteError(
                f"{f.path} changed while goaccel was running; nothing was written",
                hint="run goaccel setup again",
            )
    if prepared.target == "github-env":
        # Appending to $GITHUB_ENV affects later CI steps only; there is nothing to undo.
        f = files[0]
        try:
            with open(f.path, "ab") as fh:
                fh.write(f.after[len(f.before or b"") :])
        except OSError as exc:
            raise WriteError(f"cannot append to {f.path}: {exc.strerror or exc}") from None
        return Written(prepared.target, [str(f.path)], None)
    changes = [
        FileChange(str(f.path), f.kind, f.before, f.after, shell=f.shell, keys=f.keys)
        for f in files
    ]
    entry = new_entry(prepared.target, changes, prepared.values)
    journal.push(entry)  # recorded before anything is touched
    warnings: list[str] = []
    try:
        for f, change in zip(files, changes):
            if f.kind == "go-env":
                assert goenv.go is not None
                # Write through go itself, as users expect; then keep the exact bytes go wrote.
                warnings += goenv_mod.go_env_write(goenv.go, prepared.values)
                change.after = read_bytes_or_none(f.path)
            else:
                shellrc.write_rc(f.path, f.after.decode("utf-8"))
    except BaseException:
        # Nothing written means nothing to undo; a partial write stays recorded for undo.
        if all(read_bytes_or_none(Path(c.path)) == c.before for c in changes):
            journal.drop(entry.id)
        raise
    entry.state = "applied"
    journal.save([e for e in journal.load() if e.id != entry.id] + [entry])
    return Written(prepared.target, [str(f.path) for f in files], entry.id, warnings)


@dataclass
class UndoFile:
    path: str
    action: str  # restored | removed | reverted-keys | reverted-block | unchanged | deleted
    kept: list[str] = field(default_factory=list)  # keys changed by hand since: left alone


@dataclass
class Undone:
    entry_id: str
    target: str
    files: list[UndoFile]
    remaining: int  # setups still recorded after this one


def undo(journal: Journal) -> Undone:
    """Revert the most recent setup recorded in the journal."""
    entry = journal.last()
    if entry is None:
        raise NothingToUndoError(
            "nothing to undo: goaccel has no recorded setup",
            hint="`goaccel status` shows the current configuration",
        )
    results: list[UndoFile] = []
    for f in reversed(entry.files):
        path = Path(f.path)
        current = read_bytes_or_none(path)
        if current == f.after:
            if f.before is None:
                remove_file(path)
                results.append(UndoFile(f.path, "removed"))
            else:
                atomic_write(path, f.before)
                results.append(UndoFile(f.path, "restored"))
        elif current == f.before:
            results.append(UndoFile(f.path, "unchanged"))
        elif current is None:
            # Deleted since: recreating it would be a change of its own, not an undo.
            results.append(UndoFile(f.path, "deleted"))
        elif f.kind == "go-env":
            # Only keys that still hold what goaccel wrote: a value set by hand since is the
            # user's newer decision, not goaccel's to take back.
            text = (current or b"").decode("utf-8", "replace")
            now = goenv_mod.parse_lenient(text)
            revert = {k: v.get("before") for k, v in f.keys.items() if now.get(k) == v.get("after")}
            kept = sorted(k for k in f.keys if k not in revert)
            if revert:
                atomic_write(path, goenv_mod.render_env_file(text, revert).encode("utf-8"))
            results.append(UndoFile(f.path, "reverted-keys", kept))
        else:
            text = shellrc.read_rc(path)
            new_text = shellrc.remove_block(text, source=path)
            old_block = shellrc.find_block((f.before or b"").decode("utf-8", "replace"))
            if old_block:
                new_text = shellrc.apply_block(new_text, old_block, source=path)
            shellrc.write_rc(path, new_text)
            results.append(UndoFile(f.path, "reverted-block"))
    journal.drop(entry.id)
    return Undone(entry.id, entry.target, results, len(journal.load()))
