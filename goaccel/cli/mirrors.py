"""`goaccel mirrors list|add|remove`: the catalog and your config.toml."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from goaccel.cli.main import boundary
from goaccel.cli.options import Json, Verbose

if TYPE_CHECKING:
    from goaccel.cli.console import UI
    from goaccel.measure.userconfig import ConfigMirror

app = typer.Typer(
    help="List the mirrors goaccel measures; add or remove your own.", no_args_is_help=True
)


@app.command("list")
@boundary("mirrors list")
def list_(json: Json = False, verbose: Verbose = False) -> int:
    """List built-in and configured mirrors."""
    from rich.table import Table

    from goaccel import paths
    from goaccel.cli import console
    from goaccel.measure import catalog
    from goaccel.measure import userconfig as config
    from goaccel.textsafe import escape_markup, mask_url, untrusted

    ui = console.configure(json_mode=json, verbose=verbose)
    cat = catalog.load_catalog()
    mine = config.config_catalog_mirrors()
    rows = [*cat.mirrors, *mine]
    if ui.json_mode:
        ui.emit_json(
            "mirrors list",
            {
                "config_file": str(paths.config_file()),
                "mirrors": [
                    {
                        "name": untrusted(m.name, limit=100),
                        "url": mask_url(m.url),
                        "origin": m.origin,
                        "notes": m.notes,
                        "sumdb_proxy": m.sumdb_proxy,
                    }
                    for m in rows
                ],
                "sumdbs": [{"name": s.name, "url": s.url} for s in cat.sumdbs],
            },
        )
        return 0
    t = Table(show_edge=False, pad_edge=False, header_style="bold")
    t.add_column("name")
    t.add_column("url")
    t.add_column("from")
    t.add_column("notes")
    for m in rows:
        t.add_row(
            escape_markup(untrusted(m.name, limit=60)),
            escape_markup(mask_url(m.url)),
            m.origin,
            escape_markup(m.notes),
        )
    if rows:
        ui.print(t)
    else:
        ui.print("No mirrors: the catalog is empty and none are configured.")
    if cat.sumdbs:
        names = ", ".join(s.name for s in cat.sumdbs)
        ui.print(f"Checksum databases checked for GOSUMDB: {escape_markup(names)}")
    ui.print(
        f"Your mirrors live in {escape_markup(str(paths.config_file()))} "
        "(`goaccel mirrors add URL`)."
    )
    return 0


@app.command("add")
@boundary("mirrors add")
def add(
    url: Annotated[
        str,
        typer.Argument(
            metavar="URL", help="The mirror's GOPROXY URL, e.g. https://goproxy.example.com"
        ),
    ],
    name: Annotated[
        Optional[str],
        typer.Option("--name", metavar="NAME", help="A short name (default: host[:port])."),
    ] = None,
    json: Json = False,
    verbose: Verbose = False,
) -> int:
    """Add a mirror to your config.toml; `goaccel setup` measures it from then on."""
    from goaccel import paths
    from goaccel.cli import console
    from goaccel.measure import userconfig as config
    from goaccel.textsafe import escape_markup, mask_url
    from goaccel.urls import insecure_warning, parse_mirror_url

    ui = console.configure(json_mode=json, verbose=verbose)
    parsed = parse_mirror_url(url)
    added = config.add_mirror(url, name)
    warning = insecure_warning(parsed)
    if warning:
        ui.warn(warning)
    _report_edit(
        ui,
        "mirrors add",
        added,
        f"Added {escape_markup(added.name)} = {escape_markup(mask_url(added.url))} "
        f"to {escape_markup(str(paths.config_file()))}",
    )
    return 0


@app.command("remove")
@boundary("mirrors remove")
def remove(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="The name or URL of a mirror in your config.toml.")
    ],
    json: Json = False,
    verbose: Verbose = False,
) -> int:
    """Remove a mirror from your config.toml."""
    from goaccel import paths
    from goaccel.cli import console
    from goaccel.measure import userconfig as config
    from goaccel.textsafe import escape_markup

    ui = console.configure(json_mode=json, verbose=verbose)
    removed = config.remove_mirror(name)
    _report_edit(
        ui,
        "mirrors remove",
        removed,
        f"Removed {escape_markup(removed.name)} from {escape_markup(str(paths.config_file()))}",
    )
    return 0


def _report_edit(ui: UI, command: str, mirror: ConfigMirror, text: str) -> None:
    """What `mirrors add` and `mirrors remove` say: the entry and the file, as JSON or text."""
    from goaccel import paths
    from goaccel.textsafe import mask_url

    if ui.json_mode:
        ui.emit_json(
            command,
            {
                "name": mirror.name,
                "url": mask_url(mirror.url),
                "config_file": str(paths.config_file()),
            },
        )
    else:
        ui.print(text)
