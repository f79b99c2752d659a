"""`goaccel doctor`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from goaccel.cli.main import boundary
from goaccel.cli.options import Json, Verbose, seconds

if TYPE_CHECKING:
    from rich.console import Console

    from goaccel.cli.console import UI
    from goaccel.doctor.model import Report


GO_TIMEOUT = 180.0

#: doctor's `-t`/`--timeout` was go's watchdog; everywhere else --timeout is the probe budget.
OLD_TIMEOUT_NOTE = (
    "`doctor --timeout` is deprecated: use --go-timeout SECONDS (go's watchdog); "
    "--timeout is the probe budget in setup and bench"
)


@boundary("doctor")
def doctor(
    ctx: typer.Context,
    directory: Annotated[
        Optional[Path],
        typer.Argument(
            metavar="DIR",
            help="The Go module to examine (default: the module around the current directory).",
            show_default=False,
        ),
    ] = None,
    project: Annotated[
        Optional[Path],
        typer.Option(
            "--project",
            "-p",
            metavar="DIR",
            help="The Go module to examine, as with setup and bench (the same as DIR).",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    no_run: Annotated[
        bool, typer.Option("--no-run", help="Only the static checks; do not run go.")
    ] = False,
    cold: Annotated[
        bool,
        typer.Option(
            "--cold", help="Run with an empty temporary module cache, as a fresh CI machine."
        ),
    ] = False,
    go_timeout: Annotated[
        float,
        seconds(
            "--go-timeout",
            help="Watchdog for the live `go mod tidy` run.",
            minimum=1,
            maximum=3600,
        ),
    ] = GO_TIMEOUT,
    old_timeout: Annotated[
        Optional[float],
        typer.Option(
            "--timeout",
            "-t",
            metavar="SECONDS",
            help="The old spelling of --go-timeout.",
            min=1,
            max=3600,
            hidden=True,
            show_default=False,
        ),
    ] = None,
    probe_timeout: Annotated[
        float,
        seconds(
            "--probe-timeout",
            help="Time budget for probing the configured proxies.",
            minimum=0.5,
            maximum=120,
        ),
    ] = 4.0,
    json: Json = False,
    verbose: Verbose = False,
) -> int:
    """Say why `go mod tidy` is slow or failing here, and print the exact fix.

    Static checks of the Go configuration and network, then (unless --no-run) the real
    `go mod tidy -x` under a watchdog, with the time attributed per host. go.mod and go.sum are
    never modified. Exit 0 when nothing is a problem, 1 when something is.
    """
    from goaccel.cli import console
    from goaccel.doctor.diagnose import DoctorOptions, run_doctor
    from goaccel.errors import InputError

    ui = console.configure(json_mode=json, verbose=verbose)
    if old_timeout is not None:
        ui.warn(OLD_TIMEOUT_NOTE)
        # by name: typer 0.29 brings its own copy of click, whose enum is another class
        source = ctx.get_parameter_source("go_timeout")
        given = source is not None and source.name != "DEFAULT"
        if given and go_timeout != old_timeout:
            raise InputError(
                f"two watchdogs given: --go-timeout {go_timeout:g} and --timeout {old_timeout:g}",
                hint="give --go-timeout only; --timeout is its old spelling",
            )
        go_timeout = old_timeout
    if project is not None and directory is not None and project != directory:
        raise InputError(
            f"two modules given: DIR {directory} and --project {project}",
            hint="name the module once, as DIR or with -p/--project",
        )
    opts = DoctorOptions(
        directory=project if project is not None else directory,
        run=not no_run,
        cold=cold,
        go_timeout=go_timeout,
        probe_budget=probe_timeout,
    )
    progress = _Progress(ui)
    report = run_doctor(opts, Path.cwd(), on_stage=progress.stage, on_line=progress.line)
    progress.close()
    _render(ui, report)
    return 1 if report.problems else 0


class _Progress:
    """Streams what doctor and go are doing on stderr: a status line on a terminal (doctor's
    stage, and go's progress while it runs beside the checks), else the stages and go's
    downloads as lines. go's lines arrive on another thread than the stages."""

    def __init__(self, ui: UI):
        import threading

        self.ui = ui
        self.status = None
        self.requests = 0
        self.stage_text = "starting"
        self.go_text = ""
        self.lock = threading.Lock()
        if ui.interactive:
            self.status = ui.err.status("doctor: starting")
            self.status.start()

    def stage(self, text: str) -> None:
        if self.status is None:
            self.ui.info(f"doctor: {text}")
            return
        with self.lock:
            self.stage_text = text
            self._update()

    def line(self, line: str) -> None:
        from goaccel.textsafe import escape_markup, mask_urls_in_text, untrusted

        shown = escape_markup(mask_urls_in_text(untrusted(line, limit=200)))
        with self.lock:
            if line.startswith("# get ") and not line.rstrip().endswith(")"):
                self.requests += 1
            if self.status is not None:
                self.go_text = f"go mod tidy: {self.requests} requests; {shown}"
                self._update()
            elif self.ui.verbose or line.startswith("go: downloading "):
                self.ui.err.print(f"[dim]{shown}[/dim]")

    def _update(self) -> None:
        assert self.status is not None
        text = f"doctor: {self.stage_text}"
        self.status.update(f"{text}\n{self.go_text}" if self.go_text else text)

    def close(self) -> None:
        if self.status is not None:
            self.status.stop()


_LABEL = {
    "ok": "[green]ok[/green]     ",
    "warning": "[yellow]warning[/yellow]",
    "problem": "[bold red]problem[/bold red]",
}


def _render(ui: UI, report: Report) -> None:
    from goaccel.textsafe import escape_markup

    if ui.json_mode:
        timing = report.timing
        ui.emit_json(
            "doctor",
            {
                "problems": len(report.problems),
                "warnings": len(report.warnings),
                "findings": [f.to_json() for f in report.findings],
                "timing": None
                if timing is None
                else {
                    "total_s": round(timing.total_s, 3),
                    "hosts": [vars(h) for h in timing.hosts],
                    "slowest": [vars(r) for r in timing.slowest],
                    "unfinished": [vars(r) for r in timing.unfinished],
                },
                "go_command": report.command,
            },
        )
        return
    from rich.text import Text

    width = ui.out.width

    def block(label: str, text: str, style: str = "") -> None:
        # wrapped lines stay indented under their label, and end where their text ends (rich's
        # Padding would fill each one with spaces to the width)
        body = Text(f"{label}{text}", style=style, overflow="fold")
        for line in body.wrap(ui.out, max(width - 10, 20)):
            line.rstrip()
            ui.print(Text(" " * 10) + line)

    for f in report.findings:
        if f.status == "ok" and not ui.verbose:
            ui.print(f"{_LABEL['ok']} {escape_markup(f.title)}")
            continue
        ui.print(f"{_LABEL.get(f.status, f.status)} [bold]{escape_markup(f.title)}[/bold]")
        if f.seen:
            block("seen: ", f.seen)
        if f.why:
            block("why:  ", f.why)
        shown = f.details if ui.verbose else f.details[:12]
        for d in shown:
            block("", d, "dim")
        if len(shown) < len(f.details):
            block("", f"(and {len(f.details) - len(shown)} more: -v or --json shows all)", "dim")
        if f.fix:
            block("fix:", "")
            for line in _fix_lines(f.fix, width, ui.out):
                # One line each, never wrapped by us: a pasted command must stay whole.
                ui.out.print(Text(line, style="cyan"), soft_wrap=True)  # fits: _fix_lines
    t = report.timing
    if t is not None:
        ui.print()
        ui.print(f"[bold]Time[/bold]: {t.total_s:.1f} s for `{' '.join(report.command)}`")
        for h in t.hosts[:6]:
            ui.print(
                f"  {h.share * 100:5.1f}%  {escape_markup(h.host)} ({h.role}): "
                f"{_plural(h.requests, 'request')}, {h.seconds:.1f} s"
            )
        for r in t.slowest[:5]:
            if r.seconds is not None and r.seconds >= 1.0 and r not in t.unfinished:
                ui.print(f"  slow: {r.seconds:.1f} s  {escape_markup(r.url)}")
        for r in t.unfinished[:5]:
            ui.print(f"  [red]never finished[/red]: {escape_markup(r.url)}")
    n_p, n_w = len(report.problems), len(report.warnings)
    ui.print()
    if n_p:
        ui.print(f"[bold red]{_plural(n_p, 'problem')}[/bold red], {_plural(n_w, 'warning')}.")
    elif n_w:
        ui.print(f"No problems; {_plural(n_w, 'warning')}.")
    else:
        ui.print("[green]No problems found.[/green]")


def _fix_lines(fix: str, width: int, console: Console) -> list[str]:
    """The fix's lines indented by 12; a line too long for that loses its comment to a line
    of its own above it, then its indentation, and one longer than the terminal is wrapped
    at its spaces (a value without spaces folds at the width, so it can be joined back)."""
    from rich.text import Text

    out = []
    for whole in fix.splitlines():
        line = whole
        command, sep, comment = whole.partition("   # ")
        if 12 + len(whole) > width and sep and command.strip():
            out.append(" " * 12 + "# " + comment.strip())
            line = command.rstrip()
        if len(line) <= width:
            out.append(" " * max(0, min(12, width - len(line))) + line)
            continue
        out += [str(p).rstrip() for p in Text(line, overflow="fold").wrap(console, width)]
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"
