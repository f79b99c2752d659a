"""Write a prepared plan to its target, and undo the last setup: the steps every target shares.

Each target (configure/targets/) computes its change in prepare() and writes it in commit();
undo() restores every journaled file still as goaccel left it byte for byte, whatever its
target, and asks the target that recorded a file to revert its part of one edited since.
"""

from __future__ import annotations

from pathlib import Path

from goaccel.configure import targets
from goaccel.configure.journal import Journal
from goaccel.configure.targets.base import Prepared, UndoFile, Undone, Written
from goaccel.errors import NothingToUndoError
from goaccel.fsutil import atomic_write, read_bytes_or_none, remove_file
from goaccel.gotool.env import GoEnv


def commit(prepared: Prepared, goenv: GoEnv, journal: Journal) -> Written:
    """Record, then write. The caller holds the setup lock."""
    return targets.get(prepared.target).commit(prepared, goenv, journal)


def undo(journal: Journal) -> Undone:
    """Revert the most recent setup recorded in the journal."""
    entry = journal.last()
    if entry is None:
        raise NothingToUndoError(
            "nothing to undo: goaccel has no recorded setup",
            hint="`goaccel status` shows the current configuration",
        )
    # Every file's reverter is known before the first one is touched.
    reverters = [targets.for_file_kind(f.kind) for f in entry.files]
    results: list[UndoFile] = []
    for f, reverter in reversed(list(zip(entry.files, reverters))):
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
        else:
            results.append(reverter.undo_edited(f, current))
    journal.drop(entry.id)
    return Undone(entry.id, entry.target, results, len(journal.load()))
