"""What every target is: one place goaccel writes a plan to, behind one small interface.

A target is asked, in this order, by setup_flow and apply:

1. check(): can it write here at all? Called before measuring, so that a bad flag or an
   unwritable file fails in milliseconds, not after the probe.
2. prepare(): the exact bytes (or lines) writing the plan gives, without writing anything;
   the dry run and the confirmation prompt show this.
3. commit(): record the change in the journal, then write it atomically. A file that changed
   since prepare() read it is never overwritten.
4. undo_edited(): take goaccel's change back out of a file edited since (a file still as
   goaccel left it is restored byte for byte by apply.undo, whatever the target).

`description` tells the renderer how to report it, so the CLI never asks which target it has.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Optional

from goaccel.errors import WriteError

if TYPE_CHECKING:
    from goaccel.configure.journal import FileChange, Journal
    from goaccel.configure.plan import Plan
    from goaccel.gotool.env import GoEnv


@dataclass(frozen=True)
class Options:
    """The target-specific command-line options (each target says which it takes)."""

    shell: Optional[str] = None  # --shell
    rc_file: Optional[Path] = None  # --rc-file

    def given(self) -> list[str]:
        """The names of the options given, in the order their misuse is reported."""
        return [name for name in ("rc_file", "shell") if getattr(self, name)]


#: How each option is spelled on the command line.
OPTION_FLAGS = {"shell": "--shell", "rc_file": "--rc-file"}


@dataclass(frozen=True)
class Description:
    """How the CLI reports a target, in plain text (the renderer adds the markup)."""

    writes: bool = True  # False: it only shows lines; no lock, no prompt, no change table
    owns_stdout: bool = False  # its lines are the output (eval'ed); the report goes to stderr
    always_diff: bool = False  # show the diff of its files on every run, not only --dry-run
    appends: bool = False  # adds to a file another program reads and owns: nothing to undo
    effect: Optional[str] = None  # when the written change takes effect, said after writing


@dataclass
class FilePlan:
    path: Path
    kind: str  # the FileChange kind recorded in the journal: go-env | rc | github-env
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
        import difflib

        from goaccel.textsafe import mask_urls_in_text, strip_control

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
    lines: list[str] = field(default_factory=list)  # for a target whose lines own stdout
    shell: Optional[str] = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # about this target, shown before writing

    @property
    def changes_anything(self) -> bool:
        return any(f.changed for f in self.files) or bool(self.lines)


@dataclass
class Written:
    target: str
    files: list[str]
    journal_id: Optional[str]
    warnings: list[str] = field(default_factory=list)


@dataclass
class UndoFile:
    path: str
    # restored | removed | reverted-keys | reverted-block | block-removed | unchanged | deleted
    action: str
    kept: list[str] = field(default_factory=list)  # keys changed by hand since: left alone


@dataclass
class Undone:
    entry_id: str
    target: str
    files: list[UndoFile]
    remaining: int  # setups still recorded after this one


class Target:
    """One place to write a plan. Subclasses set the class attributes and implement prepare();
    a target that writes files implements write() and undo_edited() too."""

    name: ClassVar[str]  # the --target value; recorded in the journal
    summary: ClassVar[str]  # for --help
    options: ClassVar[frozenset[str]] = frozenset()  # which Options fields it takes
    implied_by: ClassVar[frozenset[str]] = frozenset()  # options that choose it without --target
    file_kinds: ClassVar[frozenset[str]] = frozenset()  # FileChange kinds it records and undoes
    description: ClassVar[Description] = Description()

    def default_refusal(self, goenv: GoEnv) -> Optional[str]:
        """Why this target is not the default here (a note for the user), or None."""
        return None

    def check_available(self, goenv: GoEnv) -> None:
        """Raise a GoaccelError when --target names this target and it cannot work here."""

    def check(self, goenv: GoEnv, options: Options, *, dry_run: bool) -> None:
        """Fail now, before measuring, on whatever can already be checked."""

    def prepare(self, plan: Plan, goenv: GoEnv, options: Options) -> Prepared:
        """What writing the plan changes, computed exactly, without writing anything."""
        raise NotImplementedError(f"the {self.name} target prepares nothing")

    def commit(self, prepared: Prepared, goenv: GoEnv, journal: Journal) -> Written:
        """Record, then write. The caller holds the setup lock."""
        from goaccel.configure.journal import FileChange, new_entry
        from goaccel.fsutil import read_bytes_or_none

        files = [f for f in prepared.files if f.changed]
        if not files:
            return Written(prepared.target, [], None)
        # The new content was computed from the bytes read before measuring (and before any
        # confirmation prompt); an edit made since would be lost, or be missing from undo.
        for f in files:
            if read_bytes_or_none(f.path) != f.before:
                raise WriteError(
                    f"{f.path} changed while goaccel was running; nothing was written",
                    hint="run goaccel setup again",
                )
        changes = [
            FileChange(str(f.path), f.kind, f.before, f.after, shell=f.shell, keys=f.keys)
            for f in files
        ]
        entry = new_entry(prepared.target, changes, prepared.values)
        journal.push(entry)  # recorded before anything is touched
        warnings: list[str] = []
        try:
            for f, change in zip(files, changes):
                change.after, more = self.write(f, prepared, goenv)
                warnings += more
        except BaseException:
            # Nothing written means nothing to undo; a partial write stays recorded for undo.
            if all(read_bytes_or_none(Path(c.path)) == c.before for c in changes):
                journal.drop(entry.id)
            raise
        journal.mark_applied(entry.id)
        return Written(prepared.target, [str(f.path) for f in files], entry.id, warnings)

    def write(
        self, f: FilePlan, prepared: Prepared, goenv: GoEnv
    ) -> tuple[Optional[bytes], list[str]]:
        """Write one prepared file atomically, keeping its mode. Returns the bytes the file
        now holds (what undo compares against) and warnings."""
        raise NotImplementedError(f"the {self.name} target writes no files")

    def undo_edited(self, change: FileChange, current: bytes) -> UndoFile:
        """Revert goaccel's part of `change` in a file edited since setup (now `current`)."""
        raise NotImplementedError(f"the {self.name} target records no files")


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
