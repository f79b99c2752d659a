"""Rich renderings and JSON shapes of result objects. No logic beyond formatting.

Every string that came from outside (mirror names from config, error bodies, file values) is
sanitized where it was captured and escaped here with escape_markup before rich sees it.
"""

from __future__ import annotations

from typing import Any, Optional

from goaccel.configure.plan import Plan
from goaccel.configure.targets.base import Description, Prepared, Undone, Written
from goaccel.measure.rank import Ranking, fmt_bytes
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


def ranking_table(r: Ranking) -> Any:
    from rich.table import Table

    t = Table(title=None, show_edge=False, pad_edge=False, header_style="bold")
    t.add_column("#", justify="right")
    t.add_column("mirror")
    t.add_column("latency", justify="right")
    t.add_column("throughput", justify="right")
    t.add_column("complete", justify="right")
    t.add_column("predicted", justify="right")
    t.add_column("verdict")
    for e in r.entries:
        p = e.probe
        complete = f"{p.served}/{p.checked}" if p.checked else "-"
        thr = p.throughput_bps
        style = _VERDICT_STYLE.get(e.verdict, "red")
        verdict = f"[{style}]{escape_markup(e.verdict)}[/]"
        if e.reason:
            verdict += f" [dim]{_safe(e.reason, 80)}[/dim]"
        name = _safe(p.name, 40)
        if p.display_url.split("://", 1)[-1] != p.name:  # a named mirror: show where it is
            name += f"\n[dim]{_safe(p.display_url, 60)}[/dim]"
        t.add_row(
            str(e.rank) if e.rank else "-",
            name,
            _ms(p.latency_s) if e.estimate is not None or p.latencies else "-",
            f"{fmt_bytes(thr)}/s" if thr else "-",
            complete,
            _secs(e.predicted_s),
            verdict,
        )
    return t


def changes_table(plan: Plan) -> Any:
    from rich.table import Table

    t = Table(show_edge=False, pad_edge=False, header_style="bold")
    t.add_column("setting")
    t.add_column("before", overflow="fold")
    t.add_column("after", overflow="fold")  # a GOPROXY list must be shown whole, never cut
    for c in plan.changes:
        if c.before:
            before = f"{_safe(c.before, 400)} [dim]({escape_markup(c.source)})[/dim]"
        else:
            before = "[dim](unset)[/dim]"
        t.add_row(c.key, before, _safe(c.after, 400))
    return t


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
