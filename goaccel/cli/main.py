"""Entry point and the one error boundary.

Core code raises GoaccelError; `boundary` (wrapped around every command) turns it into one line
on stderr plus a hint, a JSON error document on stdout under --json, and the documented exit
code. Unexpected exceptions become one "internal error" line; a traceback only with -v.
Usage errors are typer's: a usage message on stderr and exit code 2.
"""

from __future__ import annotations

import functools
import sys
from typing import Any, Callable, Optional, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def main(argv: Optional[list[str]] = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["--version"], ["-V"]):
        # Fast path: no typer, no rich; `goaccel --version` is what install checks run.
        from goaccel import __version__

        sys.stdout.write(f"goaccel {__version__}\n")
        sys.exit(0)
    from goaccel.cli.app import app

    try:
        app(args=args, prog_name="goaccel")
    finally:
        # The interpreter's last garbage collections would walk every object made so far
        # (typer's pydantic schemas above all): 70-100 ms at every exit, freeing nothing the
        # exiting process needs. Frozen objects are left to the OS.
        import gc

        gc.freeze()


def boundary(command: str) -> Callable[[F], F]:
    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            import typer

            code = _call(command, fn, args, kwargs)
            if code:
                raise typer.Exit(code)

        return wrapper  # type: ignore[return-value]

    return decorate


def _call(command: str, fn: Callable[..., Any], args: Any, kwargs: dict[str, Any]) -> int:
    from goaccel.cli import console
    from goaccel.errors import ExitCode, GoaccelError

    json_mode = bool(kwargs.get("json"))
    verbose = bool(kwargs.get("verbose")) or console.global_verbose
    try:
        result = fn(*args, **kwargs)
        return result if isinstance(result, int) else 0
    except GoaccelError as exc:
        ui = console.current()
        if json_mode:
            error = {"message": exc.message, "hint": exc.hint, "exit_code": exc.exit_code}
            ui.emit_json(command, {"error": error, **exc.json_extra}, ok=False)
        ui.error(exc.message, exc.hint)
        if verbose:
            ui.err.print_exception()
        return exc.exit_code
    except KeyboardInterrupt:
        if json_mode:
            error = {"message": "interrupted", "exit_code": ExitCode.INTERRUPTED}
            console.current().emit_json(command, {"error": error}, ok=False)
        sys.stderr.write("\ninterrupted\n")
        return ExitCode.INTERRUPTED
    except Exception as exc:  # the boundary: never a bare traceback for users
        from goaccel.textsafe import mask_urls_in_text, untrusted

        ui = console.current()
        detail = untrusted(mask_urls_in_text(str(exc)), limit=300)
        message = f"internal error: {type(exc).__name__}: {detail}"
        if json_mode:
            error = {"message": message, "exit_code": ExitCode.INTERNAL}
            ui.emit_json(command, {"error": error}, ok=False)
        ui.error(message, "this is a bug in goaccel; run again with -v for details and report it")
        if verbose:
            ui.err.print_exception()
        return ExitCode.INTERNAL
