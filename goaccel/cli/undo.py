"""`goaccel undo`."""

from __future__ import annotations

from goaccel.cli.main import boundary
from goaccel.cli.options import Json, Verbose, Yes


@boundary("undo")
def undo(yes: Yes = False, json: Json = False, verbose: Verbose = False) -> int:
    """Revert the last `goaccel setup` exactly; run again to revert the one before."""
    from goaccel.cli import console, render
    from goaccel.configure import apply, setup_flow
    from goaccel.configure.journal import Journal
    from goaccel.errors import AbortedError, NothingToUndoError
    from goaccel.textsafe import escape_markup

    ui = console.configure(json_mode=json, verbose=verbose)
    journal = Journal()
    with setup_flow.setup_lock():
        last = journal.last()
        if last is None:
            raise NothingToUndoError(
                "nothing to undo: goaccel has no recorded setup",
                hint="`goaccel status` shows the current configuration",
            )
        files = ", ".join(f.path for f in last.files)
        ui.info(f"Reverting setup {escape_markup(last.id)} ({last.target}): {escape_markup(files)}")
        if not yes and not ui.can_ask:
            raise AbortedError(
                "nothing was changed: no terminal to confirm on; pass --yes to revert it",
                hint="scripts and CI pass --yes",
            )
        if not yes and not ui.confirm("Revert it?"):
            raise AbortedError("nothing was changed")
        done = apply.undo(journal)
    if ui.json_mode:
        ui.emit_json("undo", render.undone_json(done))
        return 0
    labels = {
        "restored": "restored to its exact previous content",
        "removed": "removed (goaccel had created it)",
        "unchanged": "already as before",
        "deleted": "deleted since setup: left as it is",
        "reverted-keys": "edited since setup: goaccel's keys reverted, other edits kept",
        "reverted-block": "edited since setup: goaccel's block reverted, other edits kept",
        "block-removed": "goaccel's block was removed by hand since setup: left as it is",
    }
    for f in done.files:
        ui.print(f"{escape_markup(f.path)}: {labels.get(f.action, f.action)}")
        if f.kept:
            ui.print(f"  kept as you set them since: {', '.join(f.kept)}")
    if done.remaining:
        ui.print(
            f"{done.remaining} earlier setup(s) recorded; `goaccel undo` again reverts the next."
        )
    return 0
