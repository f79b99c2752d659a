"""`goaccel status`."""

from __future__ import annotations

from goaccel.cli.main import boundary
from goaccel.cli.options import Json, Verbose


@boundary("status")
def status(json: Json = False, verbose: Verbose = False) -> int:
    """Show the effective Go proxy settings, where each comes from, and any conflicts."""
    from rich.table import Table

    from goaccel.cli import console
    from goaccel.configure import status as core
    from goaccel.configure.journal import Journal
    from goaccel.gotool import env as goenv
    from goaccel.textsafe import escape_markup, mask_urls_in_text, untrusted

    ui = console.configure(json_mode=json, verbose=verbose)
    st = core.collect(goenv.read_goenv(goenv.find_go()), Journal())

    def show(v: str) -> str:
        return mask_urls_in_text(untrusted(v, limit=200))

    if ui.json_mode:
        ui.emit_json(
            "status",
            {
                "go": st.go,
                "go_version": st.go_version,
                "env_file": st.env_file,
                "settings": {
                    s.key: {
                        "value": show(s.value),
                        "source": s.source,
                        "environment": None if s.env_value is None else show(s.env_value),
                        "go_env_file": None if s.file_value is None else show(s.file_value),
                    }
                    for s in st.settings
                },
                "network": st.network,
                "rc_blocks": [
                    {
                        "path": b.path,
                        "shell": b.shell,
                        "values": {k: show(v) for k, v in b.values.items()},
                    }
                    for b in st.blocks
                ],
                "conflicts": st.conflicts,
                "undo_entries": st.journal_entries,
            },
        )
        return 0
    go_line = (
        f"{st.go_version or 'go'} at {st.go}" if st.go else "[yellow]go is not on PATH[/yellow]"
    )
    ui.print(f"go: {escape_markup(go_line) if st.go else go_line}")
    ui.print(f"go env file: {escape_markup(st.env_file or 'off (GOENV=off)')}")
    t = Table(show_edge=False, pad_edge=False, header_style="bold")
    t.add_column("setting")
    t.add_column("value")
    t.add_column("from")
    for s in st.settings:
        t.add_row(s.key, escape_markup(show(s.value)) or "[dim](empty)[/dim]", s.source)
    for k, v in st.network.items():
        t.add_row(k, escape_markup(v), "environment")
    ui.print(t)
    if st.blocks:
        for b in st.blocks:
            ui.print(f"goaccel block in {escape_markup(b.path)} ({b.shell}):")
            for k, v in b.values.items():
                ui.print(f"  {k}={escape_markup(show(v))}")
    else:
        ui.print("No goaccel block in any shell startup file.")
    for c in st.conflicts:
        ui.warn(c)
    ui.print(
        f"{st.journal_entries} setup(s) recorded; `goaccel undo` reverts the last."
        if st.journal_entries
        else "No setup recorded."
    )
    return 0
