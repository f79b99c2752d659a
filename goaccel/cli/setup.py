"""`goaccel setup`: measure, rank, write, and say exactly what changed."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Callable, Optional

import typer

from goaccel.cli.main import boundary
from goaccel.cli.options import Json, Mirrors, NoBuiltin, Project, Verbose, Yes, seconds
from goaccel.configure import targets

if TYPE_CHECKING:
    from rich.console import Console

    from goaccel.cli.console import UI
    from goaccel.configure.setup_flow import Decided, SetupOptions, Started
    from goaccel.measure.measurement import Measurement
    from goaccel.measure.probe import MirrorProbe


@boundary("setup")
def setup(
    mirror: Mirrors = None,
    no_builtin: NoBuiltin = False,
    project: Project = None,
    timeout: Annotated[
        float,
        seconds(
            "--timeout",
            "-t",
            "--probe-timeout",
            help="Time budget in seconds for measuring all mirrors.",
            minimum=0.5,
            maximum=300,
        ),
    ] = 5.0,
    fallbacks: Annotated[
        int,
        typer.Option(
            "--fallbacks",
            metavar="N",
            help="Mirrors after the best one in GOPROXY (joined with '|').",
            min=0,
            max=5,
        ),
    ] = 1,
    private: Annotated[
        Optional[list[str]],
        typer.Option(
            "--private",
            metavar="PATTERN",
            help="Module path pattern to add to GOPRIVATE (repeatable).",
            show_default=False,
        ),
    ] = None,
    target: Annotated[
        Optional[str],
        typer.Option(
            "--target",
            metavar="TARGET",
            help=targets.help_text(),
            show_default=False,
        ),
    ] = None,
    shell: Annotated[
        Optional[str],
        typer.Option(
            "--shell",
            metavar="SHELL",
            help="bash, zsh, fish or powershell (default: from $SHELL).",
            show_default=False,
        ),
    ] = None,
    rc_file: Annotated[
        Optional[Path],
        typer.Option(
            "--rc-file",
            metavar="FILE",
            help="The startup file to edit with --target shell.",
            dir_okay=False,
        ),
    ] = None,
    no_direct: Annotated[
        bool, typer.Option("--no-direct", help="Do not end GOPROXY with ',direct'.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", "-n", help="Show what would change and write nothing.")
    ] = False,
    yes: Yes = False,
    json: Json = False,
    verbose: Verbose = False,
) -> int:
    """Measure Go module mirrors with your project and configure the fastest one.

    Writes GOPROXY=best|runner-up,direct, keeps GOSUMDB verifying, and records everything so
    `goaccel undo` can revert it exactly.
    """
    from goaccel.cli import console
    from goaccel.configure.setup_flow import SetupOptions

    ui = console.configure(json_mode=json, verbose=verbose)
    opts = SetupOptions(
        mirrors=list(mirror or []),
        builtin=not no_builtin,
        project=project,
        budget=timeout,
        fallbacks=fallbacks,
        private=list(private or []),
        target=target,
        shell=shell,
        rc_file=rc_file,
        direct=not no_direct,
        dry_run=dry_run,
        yes=yes,
    )
    return _run(opts, ui)


def _run(opts: SetupOptions, ui: UI) -> int:
    from goaccel.configure import setup_flow

    # The lock covers reading the current configuration too, so that what is written is
    # computed from what is there (a dry run and --target print write nothing: no lock).
    with setup_flow.setup_lock(setup_flow.writes(opts)):
        return _run_locked(opts, ui)


def _run_locked(opts: SetupOptions, ui: UI) -> int:
    from goaccel.cli import render
    from goaccel.configure import setup_flow
    from goaccel.errors import AbortedError, NoUsableMirrorError
    from goaccel.measure.serialize import ranking_json
    from goaccel.textsafe import escape_markup

    s = setup_flow.start(opts, Path.cwd())
    shown = s.target.description
    # With --target print the eval-able lines own stdout; the report goes to stderr.
    out = ui.err if shown.owns_stdout else ui.out
    for note in s.notes:
        ui.note(note)
    w = s.workload
    what = (
        f"{w.module_count} modules from {w.root}"
        if w.root
        else f"a sample of {w.module_count} popular modules (no Go project here)"
    )
    with _progress(ui, len(s.candidates.targets), opts.budget) as tick:
        n = len(s.candidates.targets)
        ui.info(
            f"Measuring {n} mirror{'s' if n != 1 else ''} with {escape_markup(what)} "
            f"(budget {opts.budget:g} s)…"
        )
        m = setup_flow.run_measure(s, tick)
    _details(ui, s, m)
    if not ui.json_mode:
        out.print(render.ranking_table(m.ranking, out.width))
        out.print()
        if m.workload.toolchain_download is not None:
            out.print(render.toolchain_summary(m.workload.toolchain_download, m.ranking))
    try:
        d = setup_flow.decide(s, m)
    except NoUsableMirrorError as exc:
        exc.json_extra = {"workload": _workload_json(s), **ranking_json(m.ranking)}
        raise
    if not ui.json_mode:
        out.print(escape_markup(m.ranking.explanation))
    for note in d.notes:
        ui.note(note)
    for warning in d.warnings:
        ui.warn(warning)
    written = None
    writing = not opts.dry_run and d.prepared.changes_anything and shown.writes
    # No terminal to ask on and no --yes: show the plan as a dry run does, then refuse.
    refused = writing and not opts.yes and not ui.can_ask
    if not ui.json_mode:
        _show_changes(out, s, d, diff=refused)
    if refused:
        raise AbortedError(
            "nothing was written: no terminal to confirm on; pass --yes to apply these changes",
            hint="--dry-run shows the changes without asking; scripts and CI pass --yes",
        )
    if writing:
        question = f"Apply these changes ({s.target.name})?"
        if not opts.yes and not ui.confirm(question):
            raise AbortedError("nothing was written")
        written = setup_flow.apply_changes(s, d)
        for warning in written.warnings:
            ui.warn(warning)
    if shown.owns_stdout and not ui.json_mode:
        for line in d.prepared.lines:
            ui.raw(line)  # never through rich: wrapping would corrupt what eval reads
    if ui.json_mode:
        ui.emit_json(
            "setup",
            {
                "dry_run": opts.dry_run,
                "workload": _workload_json(s),
                **ranking_json(m.ranking),
                "chosen": {"chain": d.plan.chain, "settings": _masked(d.plan.settings)},
                "changes": [c.to_json() for c in d.plan.changes],
                "write": render.prepared_json(d.prepared),
                "written": render.written_json(written),
                "notes": d.notes,
                "warnings": d.warnings,
            },
        )
    elif opts.dry_run:
        out.print("[bold]Dry run:[/bold] nothing was written.")
    elif written and written.files:
        for line in render.written_report(shown, written):
            out.print(line)
    elif shown.writes:
        out.print("Already configured: nothing to change.")
    return 0


def _masked(values: dict[str, str]) -> dict[str, str]:
    from goaccel.textsafe import mask_urls_in_text

    return {k: mask_urls_in_text(v) for k, v in values.items()}


def _workload_json(s: Started) -> dict[str, object]:
    w = s.workload
    need = w.toolchain_download
    return {
        "source": w.source,
        "root": str(w.root) if w.root else None,
        "modules": w.module_count,
        "zip_modules": w.zip_count,
        "toolchain": None
        if need is None
        else {
            "name": need.name,
            "module": need.module.path,
            "version": need.module.version,
            "reason": need.reason,
        },
    }


def _show_changes(out: Console, s: Started, d: Decided, *, diff: bool = False) -> None:
    from goaccel.cli import render

    if not s.target.description.writes:
        return
    if not d.plan.changes and not any(f.changed for f in d.prepared.files):
        return
    if d.plan.changes:
        out.print(render.changes_table(d.plan, out.width))
    for f in d.prepared.files:
        if f.changed and (diff or s.opts.dry_run or s.target.description.always_diff):
            _print_folded(out, f.diff())


def _print_folded(out: Console, text: str) -> None:
    """A diff as it is: a line longer than the terminal breaks at its width, never between
    words, so that joining the pieces gives back the line."""
    from rich.text import Text

    width = max(out.width, 20)
    for line in text.splitlines():
        for i in range(0, max(len(line), 1), width):
            out.print(Text(line[i : i + width]), no_wrap=True, overflow="ignore", crop=False)


@contextlib.contextmanager
def _progress(ui: UI, total: int, budget: float) -> Iterator[Callable[[MirrorProbe], None]]:
    """A live count on stderr while probing, only on a terminal."""
    if not ui.interactive:
        yield lambda _p: None
        return
    done = 0
    with ui.err.status(f"measuring mirrors: 0/{total} done (at most {budget:g} s)") as status:

        def tick(_p: MirrorProbe) -> None:
            nonlocal done
            done += 1
            status.update(f"measuring mirrors: {done}/{total} done (at most {budget:g} s)")

        yield tick


def _details(ui: UI, s: Started, m: Measurement) -> None:
    """-v: what was measured, per mirror, so a surprising ranking can be understood."""
    if not ui.verbose:
        return
    from goaccel.measure.rank import fmt_bytes
    from goaccel.textsafe import escape_markup, untrusted

    w = s.workload
    ui.detail(
        f"workload: {w.module_count} modules ({w.zip_count} zips, {w.mod_only_count} .mod only); "
        f"estimated {fmt_bytes(m.ranking.workload_bytes)} of zips; parallelism "
        f"{m.ranking.parallelism}; probing took {m.run.elapsed_s:.2f} s"
    )
    for sumdb, ok in m.run.sumdb_reachable.items():
        ui.detail(f"checksum database {sumdb}: {'reachable' if ok else 'not reachable'}")
    for e in m.ranking.entries:
        p = e.probe
        lat = ", ".join(f"{x * 1000:.0f}" for x in p.latencies) or "-"
        parts = [
            f"{p.requests} requests in {p.elapsed_s:.2f} s",
            f"first {p.first_request_s * 1000:.0f} ms" if p.first_request_s is not None else "",
            f"then [{lat}] ms",
            f"zips {fmt_bytes(p.zip_bytes)} in {p.zip_seconds:.2f} s ({p.zips_complete} complete)",
            f"sumdb proxied: {p.sumdb_supported}",
        ]
        if p.toolchain is not None:
            c = p.toolchain
            parts.append(
                f"toolchain: {c.state}"
                + (f" (HTTP {c.status})" if c.status else "")
                + (f", {fmt_bytes(c.size)}" if c.size else "")
                + (f", {c.error}" if c.error else "")
            )
        if e.estimate:
            est = e.estimate
            parts.append(
                f"predicted = {est.connect_s:.2f} connect + {est.requests_s:.2f} requests + "
                f"{est.transfer_s:.2f} transfer + {est.missing_s:.2f} missing"
            )
        parts += [f"error: {untrusted(x, limit=120)}" for x in p.errors[:3]]
        parts += [f"stalled: {x}" for x in p.stalled_requests[:3]]
        text = "; ".join(x for x in parts if x)
        ui.detail(f"{escape_markup(untrusted(p.name, limit=40))}: {escape_markup(text)}")
