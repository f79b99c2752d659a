"""The one place that owns the terminal: results on stdout, progress and messages on stderr.

In --json mode stdout carries exactly one JSON document and nothing else. Colour follows rich's
rules (NO_COLOR, TERM=dumb, not a terminal). Anything that came from outside must already be
sanitized (textsafe.untrusted) and is escaped here before it meets rich markup.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import IO, Any, Optional

from goaccel import __version__
from goaccel.textsafe import escape_markup

JSON_SCHEMA = 1


class UI:
    def __init__(self, *, json_mode: bool = False, verbose: bool = False, quiet: bool = False):
        from rich.console import Console

        self.json_mode = json_mode
        self.verbose = verbose
        self.quiet = quiet
        width = None if sys.stdout.isatty() else int(os.environ.get("COLUMNS", "0") or 0) or 120
        out, err = _LineEnds(sys.stdout), _LineEnds(sys.stderr)
        self.out = Console(file=out, highlight=False, soft_wrap=False, width=width)  # type: ignore[arg-type]
        # messages stay one line each (the terminal wraps them), so that they can be grepped
        self.err = Console(file=err, highlight=False, soft_wrap=True, width=width)  # type: ignore[arg-type]

    # -- results (stdout)
    def print(self, *renderables: Any, markup: bool = True) -> None:
        if not self.json_mode:
            self.out.print(*renderables, markup=markup)

    def raw(self, line: str) -> None:
        """A line for machines (eval, pipes): bytes as they are, no wrapping, no markup."""
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def emit_json(self, command: str, payload: dict[str, Any], *, ok: bool = True) -> None:
        doc = envelope(command, payload, ok=ok)
        sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")
        sys.stdout.flush()

    # -- messages (stderr)
    def info(self, message: str) -> None:
        if not self.quiet:
            self.err.print(message)

    def detail(self, message: str) -> None:
        if self.verbose:
            self.err.print(f"[dim]{message}[/dim]")

    def warn(self, message: str) -> None:
        self.err.print(f"[yellow]warning:[/yellow] {escape_markup(message)}")

    def note(self, message: str) -> None:
        if not self.quiet:
            self.err.print(f"[cyan]note:[/cyan] {escape_markup(message)}")

    def error(self, message: str, hint: Optional[str] = None) -> None:
        self.err.print(f"[bold red]error:[/bold red] {escape_markup(message)}")
        if hint:
            self.err.print(f"[dim]hint:[/dim] {escape_markup(hint)}")

    @property
    def interactive(self) -> bool:
        return sys.stdin.isatty() and sys.stderr.isatty() and not self.json_mode

    @property
    def can_ask(self) -> bool:
        """Whether a confirmation can be answered: the answer is read from stdin, so stdin must be
        a terminal. stderr (where the question goes) may be a pipe, as in `2>&1 | tee log`.
        CI is not special: a pipeline has no terminal on stdin and passes --yes."""
        return sys.stdin.isatty()

    def confirm(self, question: str, *, default: bool = True) -> bool:
        """Ask on stderr, read the answer on stdin. Without a terminal on stdin (see can_ask)
        nobody can answer: that is never consent, and nothing waits for input."""
        if not self.can_ask:
            return False
        from rich.prompt import Confirm

        try:
            return Confirm.ask(question, default=default, console=self.err)
        except EOFError:  # Ctrl-D: no answer is not a yes
            self.err.print()
            return False


_TRAILING = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)(?=\r?\n)")


class _LineEnds:
    """A stream that drops the spaces rich leaves at the end of a line (a table's last column,
    padding, a word-wrapped line), also when colour codes follow them. Only before a newline:
    a prompt's trailing space stays."""

    def __init__(self, stream: IO[str]):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(_TRAILING.sub(r"\1", text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", None) or "utf-8"

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def envelope(command: str, payload: dict[str, Any], *, ok: bool = True) -> dict[str, Any]:
    """The --json document: the common envelope, then the command's fields."""
    doc: dict[str, Any] = {
        "goaccel": __version__,
        "schema": JSON_SCHEMA,
        "command": command,
        "ok": ok,
    }
    doc.update(payload)
    return doc


_current: Optional[UI] = None
global_verbose = False  # `goaccel -v COMMAND`


def configure(*, json_mode: bool = False, verbose: bool = False, quiet: bool = False) -> UI:
    global _current
    _current = UI(json_mode=json_mode, verbose=verbose or global_verbose, quiet=quiet)
    return _current


def current() -> UI:
    return _current or configure()
