"""The typer application: global options and the command list."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from goaccel import __version__
from goaccel.cli import bench, completion, doctor, mirrors, setup, status, undo

app = typer.Typer(
    name="goaccel",
    help=(
        "Make `go mod download` fast: measure Go module mirrors from your network with your "
        "own project, configure the fastest one safely, and undo it exactly."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"goaccel {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        Optional[bool],
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="More detail; tracebacks for errors.")
    ] = False,
) -> None:
    """goaccel: fast, safe Go module mirror configuration."""
    from goaccel.cli import console

    console.global_verbose = verbose


app.command("setup")(setup.setup)
app.command("undo")(undo.undo)
app.command("status")(status.status)
app.command("doctor")(doctor.doctor)
app.command("bench")(bench.bench)
app.add_typer(mirrors.app, name="mirrors")
app.command("completion")(completion.completion)
