"""The shell target: goaccel's marked block in the user's shell startup file.

The block's syntax per shell (rendering, quoting, finding and parsing it) is configure/shellrc.py;
this module decides what goes into the block and writes and reverts it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from goaccel.configure.targets.base import (
    Description,
    FilePlan,
    Options,
    Prepared,
    Target,
    UndoFile,
    check_writable,
)

if TYPE_CHECKING:
    from goaccel.configure.journal import FileChange
    from goaccel.configure.plan import Plan
    from goaccel.gotool.env import GoEnv

KIND = "rc"


def rc_path(shell: str, rc_file: Optional[Path]) -> Path:
    from goaccel.configure import shellrc

    if rc_file is not None:
        return rc_file
    return shellrc.default_rc_file(shell, home=Path.home(), env=os.environ, platform=sys.platform)


def block_values(plan: Plan, goenv: GoEnv, old_block: Optional[str], shell: str) -> dict[str, str]:
    """What a persistent rc block exports: GOPROXY, every other decided value that differs from
    what go sees now, and whatever the previous goaccel block set that this run does not
    decide (a re-run without --private must not drop earlier --private patterns). Copying
    values that are already in effect would pin them, hiding later edits of the go env file."""
    from goaccel.configure import shellrc

    old = shellrc.parse_block_values(shell, old_block) if old_block else {}
    values = {"GOPROXY": plan.settings["GOPROXY"]}
    for key, value in plan.settings.items():
        if key != "GOPROXY" and (value != goenv.value(key) or key in old):
            values[key] = value
    for key, value in old.items():
        values.setdefault(key, value)
    return values


class ShellTarget(Target):
    name = "shell"
    summary = "shell"
    options = frozenset({"shell", "rc_file"})
    implied_by = frozenset({"shell", "rc_file"})
    file_kinds = frozenset({KIND})
    description = Description(
        always_diff=True, effect="Open a new terminal (or source the file) for it to take effect."
    )

    def check(self, goenv: GoEnv, options: Options, *, dry_run: bool) -> None:
        from goaccel.configure import shellrc

        shell = shellrc.resolve_shell(options.shell)
        if not dry_run:
            check_writable(rc_path(shell, options.rc_file))

    def prepare(self, plan: Plan, goenv: GoEnv, options: Options) -> Prepared:
        from goaccel.configure import shellrc
        from goaccel.fsutil import read_bytes_or_none

        sh = shellrc.resolve_shell(options.shell)
        path = rc_path(sh, options.rc_file)
        check_writable(path)
        before = read_bytes_or_none(path)
        text = shellrc.read_rc(path)
        values = block_values(plan, goenv, shellrc.find_block(text, source=path), sh)
        new_text = shellrc.apply_block(text, shellrc.render_block(sh, values), source=path)
        fp = FilePlan(path, KIND, before, new_text.encode("utf-8"), shell=sh)
        return Prepared(self.name, values, [fp], shell=sh)

    def write(
        self, f: FilePlan, prepared: Prepared, goenv: GoEnv
    ) -> tuple[Optional[bytes], list[str]]:
        from goaccel.configure import shellrc

        shellrc.write_rc(f.path, f.after.decode("utf-8"))
        return f.after, []

    def undo_edited(self, change: FileChange, current: bytes) -> UndoFile:
        from goaccel.configure import shellrc

        # The block out, and the block that was there before back in; the user's lines stay.
        path = Path(change.path)
        text = shellrc.read_rc(path)
        if shellrc.find_block(text, source=path) is None:
            # The user removed goaccel's block by hand since: that is their newer decision,
            # as a go env key set by hand is; putting an older block back would undo it.
            return UndoFile(change.path, "block-removed")
        new_text = shellrc.remove_block(text, source=path)
        old_block = shellrc.find_block((change.before or b"").decode("utf-8", "replace"))
        if old_block:
            new_text = shellrc.apply_block(new_text, old_block, source=path)
        shellrc.write_rc(path, new_text)
        return UndoFile(change.path, "reverted-block")


TARGET = ShellTarget()
