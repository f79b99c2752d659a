"""`goaccel bench`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from goaccel.cli.main import boundary
from goaccel.cli.options import Json, Mirrors, NoBuiltin, Project, Verbose, seconds

if TYPE_CHECKING:
    from goaccel.cli.console import UI
    from goaccel.measure.bench import BenchResult, Delta


@boundary("bench")
def bench(
    mirror: Mirrors = None,
    no_builtin: NoBuiltin = False,
    project: Project = None,
    rounds: Annotated[
        int, typer.Option("--rounds", "-r", metavar="N", help="Rounds per mirror.", min=1, max=50)
    ] = 3,
    timeout: Annotated[
        float,
        seconds(
            "--timeout",
            "-t",
            "--probe-timeout",
            help="Time budget of one round (all mirrors together).",
            minimum=1,
            maximum=600,
        ),
    ] = 15.0,
    go: Annotated[
        bool,
        typer.Option(
            "--go", help="Ground truth: time the real `go mod download` through each mirror."
        ),
    ] = False,
    go_timeout: Annotated[
        float,
        seconds(
            "--go-timeout", help="Watchdog for each `go mod download`.", minimum=5, maximum=3600
        ),
    ] = 300.0,
    save: Annotated[
        Optional[Path],
        typer.Option(
            "--save", metavar="FILE", help="Also write the JSON result to FILE.", dir_okay=False
        ),
    ] = None,
    compare: Annotated[
        Optional[Path],
        typer.Option(
            "--compare",
            metavar="FILE",
            help="Compare with a result saved by --save.",
            dir_okay=False,
        ),
    ] = None,
    json: Json = False,
    verbose: Verbose = False,
) -> int:
    """Compare mirrors carefully on your project's modules, with integrity checks and, with
    --go, the real `go mod download` as ground truth."""
    from goaccel.cli import console
    from goaccel.errors import GoCommandError, InputError
    from goaccel.fsutil import atomic_write
    from goaccel.gotool import env as goenv
    from goaccel.gotool.goauth import load_goauth
    from goaccel.measure import bench as core
    from goaccel.measure.catalog import load_catalog
    from goaccel.measure.measurement import gather_candidates, mirror_workload
    from goaccel.measure.userconfig import config_catalog_mirrors
    from goaccel.measure.workload import resolve_workload

    ui = console.configure(json_mode=json, verbose=verbose)
    catalog = load_catalog()
    candidates = gather_candidates(
        catalog,
        builtin=not no_builtin,
        config_mirrors=config_catalog_mirrors(),
        extra_urls=list(mirror or []),
    )
    for w in candidates.warnings:
        ui.warn(w)
    old = core.load_saved(compare) if compare is not None else None  # fail before measuring
    genv = goenv.read_goenv(goenv.find_go())
    # Private modules (GONOPROXY) are never sent to mirrors; go fetches them directly anyway.
    workload = mirror_workload(resolve_workload(project, Path.cwd()), genv.value("GONOPROXY"))
    if go:
        if genv.go is None:
            raise GoCommandError("--go needs the go command, and go is not on PATH")
        if workload.root is None:
            raise InputError(
                "--go needs a Go module (--project DIR): the sample has no go.mod to download"
            )
    with _Status(ui) as status:
        result = core.run_bench(
            candidates.targets,
            workload,
            catalog=catalog,
            rounds=rounds,
            budget=timeout,
            gomodcache=genv.gomodcache,
            auth=load_goauth(genv.value("GOAUTH")),
            on_round=lambda i, n: status.update(
                f"round {i}/{n}: {len(candidates.targets)} mirrors, {workload.module_count} modules"
            ),
        )
        if go:
            assert genv.go is not None and workload.root is not None
            core.add_ground_truth(
                result,
                genv.go,
                workload.root,
                timeout=go_timeout,
                on_mirror=lambda name: status.update(
                    f"go mod download through {name} (ground truth)"
                ),
            )
    doc = core.bench_json(result)
    deltas = core.compare(old, doc) if old is not None else None
    if deltas is not None:
        doc["compare"] = [vars(d) for d in deltas]
    if save is not None:
        import json as _json

        saved = console.envelope("bench", doc)  # exactly what --json prints
        text = _json.dumps(saved, indent=2, ensure_ascii=False) + "\n"
        atomic_write(save, text.encode("utf-8"))
    if ui.json_mode:
        ui.emit_json("bench", doc)
        return 0
    _render(ui, result, doc, deltas)
    if save is not None:
        ui.info(f"saved to {save}")
    return 0


class _Status:
    """A progress line on stderr, on a terminal only."""

    def __init__(self, ui: UI):
        self.ui = ui
        self.status: Any = None

    def __enter__(self) -> _Status:
        if self.ui.interactive:
            self.status = self.ui.err.status("bench: starting")
            self.status.start()
        return self

    def update(self, text: str) -> None:
        from goaccel.textsafe import escape_markup, untrusted

        text = escape_markup(untrusted(text, limit=120))
        if self.status is not None:
            self.status.update(f"bench: {text}")
        else:
            self.ui.info(f"bench: {text}")

    def __exit__(self, *exc: object) -> None:
        if self.status is not None:
            self.status.stop()


def _secs(s: Optional[float]) -> str:
    if s is None:
        return "-"
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.1f} s"


def _table(result: BenchResult, doc: dict[str, Any], inline_reason: bool, chart: bool) -> Any:
    from rich.table import Table

    from goaccel.measure.rank import fmt_bytes
    from goaccel.textsafe import escape_markup, untrusted

    rows = {m["url"]: m for m in doc["mirrors"]}
    worst = max((m["predicted_s"] for m in doc["mirrors"] if m["predicted_s"]), default=0.0) or 1.0
    t = Table(show_edge=False, pad_edge=False, header_style="bold")
    for col, justify in (
        ("#", "right"),
        ("mirror", "left"),
        ("latency p50/p95", "right"),
        ("TTFB", "right"),
        ("throughput", "right"),
        ("complete", "right"),
        ("errors", "right"),
        ("predicted", "right"),
    ):
        # a mirror's name is never cut
        t.add_column(col, justify=justify, no_wrap=col == "mirror")  # type: ignore[arg-type]
    if result.go_truth:
        t.add_column("go (actual)", justify="right")
    if chart:
        t.add_column("", no_wrap=True)  # the bar
    t.add_column("verdict")
    for e in result.ranking.entries:
        m = rows[e.probe.display_url]
        lat = m["latency_ms"]
        thr = m["throughput_bytes_per_s"]["median"]
        errs = sum(m["errors"].values())
        pred = m["predicted_s"]
        bar = "█" * max(1, round(24 * pred / worst)) if pred else ""
        style = "green" if m["rank"] == 1 else ("red" if m["rank"] is None else "yellow")
        verdict = escape_markup(m["verdict"] or "")
        if m["verdict"] == "tampered":
            verdict = "[bold red]TAMPERED[/bold red]"  # the details follow below the table
        elif m["reason"] and inline_reason:
            verdict += f" [dim]{escape_markup(untrusted(m['reason'], limit=70))}[/dim]"
        row = [
            str(m["rank"] or "-"),
            escape_markup(m["name"]),
            f"{lat['median']:.0f}/{lat['p95']:.0f} ms" if lat["median"] is not None else "-",
            f"{m['ttfb_ms']['median']:.0f} ms" if m["ttfb_ms"]["median"] is not None else "-",
            f"{fmt_bytes(thr)}/s" if thr else "-",
            f"{m['completeness']['served']}/{m['completeness']['needed']}",
            str(errs) if errs else "",
            _secs(pred),
        ]
        if result.go_truth:
            gt = m["ground_truth"] or {}
            row.append(_secs(gt.get("seconds")) if gt.get("ok") else "[red]failed[/red]")
        if chart:
            row.append(f"[{style}]{bar}[/{style}]")
        row.append(verdict)
        t.add_row(*row)
    return t


def _render(
    ui: UI, result: BenchResult, doc: dict[str, Any], deltas: Optional[list[Delta]]
) -> None:
    from rich.console import Group

    from goaccel.cli import render
    from goaccel.textsafe import escape_markup, untrusted

    width = ui.out.width
    # Too narrow: the reasons move under the table, then the chart goes; a name is never cut.
    for inline_reason, chart in ((True, True), (False, True), (False, False)):
        t = _table(result, doc, inline_reason, chart)
        if render.fits(t, width, loosely=not chart):
            break
    notes = [
        (
            escape_markup(m["name"]),
            [f"[dim]{escape_markup(untrusted(m['reason'], limit=400))}[/dim]"],
        )
        for m in doc["mirrors"]
        if m["reason"] and m["verdict"] != "tampered" and not inline_reason
    ]
    ui.print(Group(t, *render.notes_below(notes, width)) if notes else t)
    ui.print()
    ui.print(escape_markup(doc["explanation"]))
    for m in doc["mirrors"]:
        if m["verdict"] == "tampered":
            first = m["integrity"]["mismatched"][0] if m["integrity"]["mismatched"] else ""
            ui.warn(
                f"{m['name']} served bytes that differ from go.sum: stale or tampered. goaccel "
                f"never picks it; go would refuse them with a checksum mismatch. First: {first}"
            )
    if doc["setup_command"]:
        ui.print(f"Apply it: [bold]{escape_markup(doc['setup_command'])}[/bold]")
    if deltas:
        ui.print()
        ui.print("[bold]Compared with the saved result[/bold]:")
        for d in deltas:
            if d.change is None:
                if d.before_s is None and d.after_s is None:
                    what = "unranked then and now" if d.rank_before is None else "new"
                else:
                    what = "new" if d.before_s is None else "gone, or unranked now"
                ui.print(f"  {escape_markup(d.name)}: {what}")
            else:
                sign = "+" if d.change >= 0 else ""
                ui.print(
                    f"  {escape_markup(d.name)}: {_secs(d.before_s)} -> {_secs(d.after_s)} "
                    f"({sign}{d.change * 100:.0f}%), "
                    f"rank {d.rank_before or '-'} -> {d.rank_after or '-'}"
                )
