"""Options shared by several commands."""

from __future__ import annotations

from typing import Annotated

import typer

Json = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else there.")
]
Verbose = Annotated[
    bool, typer.Option("--verbose", "-v", help="More detail; tracebacks for errors.")
]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
