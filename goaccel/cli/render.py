"""Rich renderings and JSON shapes of result objects. No logic beyond formatting.

Every string that came from outside (mirror names from config, error bodies, file values) is
sanitized where it was captured and escaped here with escape_markup before rich sees it.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from goaccel.configure.plan import Plan
from goaccel.configure.targets.base import Description, Prepared, Undone, Written
from goaccel.measure.probe import FAILS, LACKS, NO_ANSWER, SERVED
from goaccel.measure.rank import Ranking, fmt_bytes
from goaccel.measure.workload import ToolchainNeed
from goaccel.textsafe import escape_markup, mask_urls_in_text, untrusted

_VERDICT_STYLE = {
    "best": "bold green",
    "good": "green",
    "slower": "yellow",
    "stale": "yellow",
    "tampered": "bold red",
}


def _ms(s: Optional[float]) -> str:
    return "-" if s is None else f"{s * 1000:.0f} ms"


def _secs(s: Optional[float]) -> str:
    if s is None:
        return "-"
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.1f} s"


def _safe(text: str, limit: int = 120) -> str:
    return escape_markup(untrusted(mask_urls_in_text(text), limit=limit))


def fits(table: Any, width: Optional[int], *, loosely: bool = False) -> bool:
    """Whether ``table`` fits ``width`` columns: laid out on one line per cell, or (loosely)
    at least without cutting a word, which is what rich does to a table narrower than its
    minimum."""
    if width is None:
        return True
    from rich.console import Console
    from rich.measure import Measurement

    console = Console(width=100_000, file=_Null())  # type: ignore[arg-type]  # natural sizes, not those fitted to width
    m = Measurement.get(console, console.options, table)
    return (m.minimum if loosely else m.maximum) <= width


class _Null:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def notes_below(notes: list[tuple[str, list[str]]], width: Optional[int]) -> list[Any]:
    """Texts taken out of a table to keep it narrow, under it: each mirror's name, then its
    texts, on the same line where they fit, else each on its own lines, indented; a name or
    URL longer than the line folds rather than being cut."""
    from rich.padding import Padding
    from rich.text import Text

    out: list[Any] = []
    for head, texts in notes:
        first = Text.from_markup(f"{head}:")
        rest = [Text.from_markup(t) for t in texts]
        if rest and width and 2 + len(first) + 1 + len(rest[0]) <= width:
            first.append(" ")
            first.append_text(rest.pop(0))
        out.append(Padding(first, (0, 0, 0, 2)))
        for text in rest:
            text.overflow = "fold"
            out.append(Padding(text, (0, 0, 0, 4)))
    return out


def ranking_table(r: Ranking, width: Optional[int] = None) -> Any:
    """The ranking. Where ``width`` is too narrow for everything, the verdicts' reasons and
    then the named mirrors' URLs move under the table, so that no name is ever cut. The
    toolchain column is shown only where the table fits whole with it (toolchain_summary
    under the table says the same)."""
    from rich.console import Group

    layouts = [(True, True), (False, True), (False, False)]
    options = [(*x, True) for x in layouts] if any(e.probe.toolchain for e in r.entries) else []
    for inline_reason, inline_url, toolchain in [*options, *((*x, False) for x in layouts)]:
        t = _ranking(r, inline_reason, inline_url, toolchain)
        if fits(t, width, loosely=not inline_reason and not toolchain):
            break
    notes: list[tuple[str, list[str]]] = []
    for e in r.entries:
        p = e.probe
        texts = []
        if not inline_url and _named(p.display_url, p.name):
            texts.append(f"[dim]{_safe(p.display_url, 400)}[/dim]")
        if e.reason and not inline_reason:
            texts.append(f"[dim]{_safe(e.reason, 400)}[/dim]")
        if texts:
            notes.append((_safe(p.name, 200), texts))
    if not notes:
        return t
    return Group(t, *notes_below(notes, width))


def _named(url: str, name: str) -> bool:
    return url.split("://", 1)[-1] != name  # a named mirror: its URL says where it is


def _ranking(r: Ranking, inline_reason: bool, inline_url: bool, toolchain: bool) -> Any:
    from rich.table import Table

    t = Table(title=None, show_edge=False, pad_edge=False, header_style="bold")
    t.add_column("#", justify="right")
    t.add_column("mirror", no_wrap=True, overflow="fold")  # a name is never cut
    t.add_column("latency", justify="right")
    t.add_column("throughput", justify="right")
    t.add_column("complete", justify="right")
    if toolchain:
        t.add_column("toolchain")  # the zip go.mod makes go download first
    t.add_column("predicted", justify="right")
    t.add_column("verdict")
    for e in r.entries:
        p = e.probe
        complete = f"{p.served}/{p.checked}" if p.checked else "-"
        served = [_TOOLCHAIN_CELL.get(p.toolchain.state, "?")] if p.toolchain else ["-"]
        thr = p.throughput_bps
        style = _VERDICT_STYLE.get(e.verdict, "red")
        verdict = f"[{style}]{escape_markup(e.verdict)}[/]"
        if e.reason and inline_reason:
            verdict += f" [dim]{_safe(e.reason, 80)}[/dim]"
        name = _safe(p.name, 200)
        if inline_url and _named(p.display_url, p.name):
            name += f"\n[dim]{_safe(p.display_url, 400)}[/dim]"
        t.add_row(
            str(e.rank) if e.rank else "-",
            name,
            _ms(p.latency_s) if e.estimate is not None or p.latencies else "-",
            f"{fmt_bytes(thr)}/s" if thr else "-",
            complete,
            *(served if toolchain else []),
            _secs(e.predicted_s),
            verdict,
        )
    return t


_TOOLCHAIN_CELL = {SERVED: "yes", LACKS: "[yellow]no[/]", FAILS: "[red]error[/]"}


def toolchain_summary(need: ToolchainNeed, r: Ranking) -> str:
    """One line under the ranking: the toolchain in the workload, and who serves it."""
    by_state: dict[str, list[str]] = {}
    for e in r.entries:
        if e.probe.toolchain is not None:
            by_state.setdefault(e.probe.toolchain.state, []).append(_safe(e.probe.name, 200))
    parts = [
        f"{label} {', '.join(by_state[state])}"
        for state, label in (
            (SERVED, "served by"),
            (LACKS, "not by"),
            (FAILS, "failed on"),
            (NO_ANSWER, "no answer from"),
        )
        if state in by_state
    ]
    where = "; ".join(parts) if parts else "no mirror was asked"
    why = escape_markup(need.reason if need.reason == "GOTOOLCHAIN" else f"go.mod's {need.reason}")
    return (
        f"Toolchain {escape_markup(need.name)} ({escape_markup(need.key)}, "
        f"{fmt_bytes(r.toolchain_bytes)}), which go downloads first ({why}): {where}."
    )


def _elements(value: str) -> str:
    """A GOPROXY-like list one element per line, each keeping its separator: a list too long
    for the line breaks only between its elements."""
    return re.sub(r"([,|])(?=.)", "\\1\n", value)


def changes_table(plan: Plan, width: Optional[int] = None) -> Any:
    """The settings to be written. The value is shown whole: one list element per line, in a
    table where that fits ``width``, else as a list under each setting's name."""
    from rich.table import Table
    from rich.text import Text

    rows = []
    for c in plan.changes:
        if c.before:
            before = f"{_elements(_safe(c.before, 400))} [dim]({escape_markup(c.source)})[/dim]"
        else:
            before = "[dim](unset)[/dim]"
        rows.append((escape_markup(c.key), before, _elements(_safe(c.after, 400))))
    t = Table(show_edge=False, pad_edge=False, header_style="bold")
    t.add_column("setting")
    t.add_column("before", overflow="fold")
    t.add_column("after", no_wrap=True, overflow="fold")  # a GOPROXY list is shown whole
    for row in rows:
        t.add_row(*row)
    if fits(t, width, loosely=True):
        return t
    from rich.console import Group

    out: list[Any] = []
    for key, before, after in rows:
        out.append(Text.from_markup(f"[bold]{key}[/bold]"))
        for label, value in (("before:", before), ("after: ", after)):
            for i, line in enumerate(value.split("\n")):
                text = Text.from_markup(f"  {label if i == 0 else ' ' * len(label)} {line}")
                text.overflow = "fold"
                out.append(text)
    return Group(*out)


def prepared_json(p: Prepared) -> dict[str, Any]:
    return {
        "target": p.target,
        "shell": p.shell,
        "values": {k: mask_urls_in_text(v) for k, v in p.values.items()},
        "files": [
            {"path": str(f.path), "kind": f.kind, "changed": f.changed, "diff": f.diff()}
            for f in p.files
        ],
        "lines": [mask_urls_in_text(line) for line in p.lines],
    }


def written_report(d: Description, w: Written) -> list[str]:
    """What the human report says once a target has written its files."""
    files = escape_markup(", ".join(w.files))
    if d.appends:
        return [f"[green]Appended[/green] to {files}: {escape_markup(d.effect or '')}"]
    lines = [f"[green]Wrote[/green] {files}. Undo with [bold]goaccel undo[/bold]."]
    if d.effect:
        lines.append(escape_markup(d.effect))
    return lines


def written_json(w: Optional[Written]) -> Optional[dict[str, Any]]:
    if w is None:
        return None
    return {
        "target": w.target,
        "files": w.files,
        "journal_id": w.journal_id,
        "warnings": w.warnings,
    }


def undone_json(u: Undone) -> dict[str, Any]:
    return {
        "entry": u.entry_id,
        "target": u.target,
        "files": [{"path": f.path, "action": f.action, "kept": f.kept} for f in u.files],
        "remaining": u.remaining,
    }
