"""`goaccel completion SHELL`: print a shell completion script on stdout.

The scripts are typer's own (what `--show-completion` would print); goaccel prints them
instead of offering typer's `--install-completion`, which edits rc files without markers.
At completion time the shell runs `goaccel` with _GOACCEL_COMPLETE set, and typer answers
before any command runs. typer registers its shell classes only for apps built with
add_completion=True, so this module registers them when that variable is set: without that,
typer falls back to "Shell bash not supported." The check costs one environment lookup, and
typer's completion code is imported only when a script is printed or a completion asked for.
"""

from __future__ import annotations

import enum
import os
from typing import Annotated

import typer

from goaccel.cli.main import boundary
from goaccel.cli.options import Json, Verbose

PROG = "goaccel"
COMPLETE_VAR = "_GOACCEL_COMPLETE"


class Shell(str, enum.Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"
    powershell = "powershell"
    pwsh = "pwsh"


def register_shells() -> None:
    """Register typer's completion classes (bash, zsh, fish, powershell) with click."""
    from typer._completion_classes import completion_init

    completion_init()


if os.environ.get(COMPLETE_VAR):
    register_shells()


# typer's zsh script calls `compdef` when run; as an autoloaded file in $fpath (`_goaccel`,
# found by its `#compdef` line) that only registers the function, so the first TAB completes
# nothing. Complete at once when autoloaded, register when sourced (what click's script does).
_ZSH_COMPDEF = "compdef _goaccel_completion goaccel"
_ZSH_EITHER = """\
if [ "$funcstack[1]" = "_goaccel" ]; then
  _goaccel_completion "$@"
else
  compdef _goaccel_completion goaccel
fi"""


def script(shell: Shell) -> str:
    """The completion script for SHELL, without a trailing newline."""
    from typer._completion_shared import get_completion_script

    text = get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=shell.value)
    if shell is Shell.zsh and text.endswith(_ZSH_COMPDEF):
        text = text[: -len(_ZSH_COMPDEF)] + _ZSH_EITHER
    return text


@boundary("completion")
def completion(
    shell: Annotated[
        Shell,
        typer.Argument(
            metavar="SHELL",
            help="bash, zsh, fish or powershell (pwsh).",
            case_sensitive=False,
            show_default=False,
        ),
    ],
    json: Json = False,
    verbose: Verbose = False,
) -> int:
    """Print the shell completion script for SHELL on stdout; nothing is written anywhere.

    \b
    bash:  goaccel completion bash > ~/.local/share/bash-completion/completions/goaccel
           (or, in ~/.bashrc: eval "$(goaccel completion bash)")
    zsh:   goaccel completion zsh > ~/.zfunc/_goaccel
           (with fpath+=~/.zfunc before compinit in ~/.zshrc)
    fish:  goaccel completion fish > ~/.config/fish/completions/goaccel.fish
    pwsh:  goaccel completion powershell >> $PROFILE
    """
    from goaccel.cli import console

    ui = console.configure(json_mode=json, verbose=verbose)
    text = script(shell)
    if ui.json_mode:
        ui.emit_json("completion", {"shell": shell.value, "script": text + "\n"})
    else:
        ui.raw(text)
    return 0
