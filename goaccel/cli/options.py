"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

Json = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else there.")
]
Verbose = Annotated[
    bool, typer.Option("--verbose", "-v", help="More detail; tracebacks for errors.")
]
Yes = Annotated[
    bool,
    typer.Option(
        "--yes",
        "-y",
        help="Do not ask for confirmation (needed to write when stdin is not a terminal).",
    ),
]
Mirrors = Annotated[
    Optional[list[str]],
    typer.Option(
        "--mirror",
        "-m",
        metavar="URL",
        help="Also measure this mirror URL (repeatable).",
        show_default=False,
    ),
]
NoBuiltin = Annotated[
    bool, typer.Option("--no-builtin", help="Leave the built-in mirror catalog out.")
]
Project = Annotated[
    Optional[Path],
    typer.Option(
        "--project",
        "-p",
        metavar="DIR",
        help="Go module to measure with (default: the module around the current directory).",
        file_okay=False,
    ),
]


def seconds(*flags: str, help: str, minimum: float, maximum: float) -> Any:
    """A time option in seconds, bounded to a sane range. One meaning per name in every
    command (docs/cli.md): `--timeout` and `--probe-timeout` bound the probe, `--go-timeout`
    is go's watchdog; each command says which probe or which go command."""
    return typer.Option(*flags, metavar="SECONDS", help=help, min=minimum, max=maximum)
