"""The user's config.toml: extra mirrors. Edited with tomlkit so comments and layout survive.

# ~/.config/goaccel/config.toml
[mirrors]
corp = "https://athens.corp.example.com"
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goaccel import paths
from goaccel.catalog import CatalogMirror
from goaccel.errors import ConfigFileError, InputError
from goaccel.fsutil import atomic_write, read_bytes_or_none
from goaccel.urls import parse_mirror_url

_HEADER = (
    "# goaccel configuration. `goaccel mirrors add|remove` edits this file and keeps your\n"
    "# comments. Each entry under [mirrors] is a name = URL of a GOPROXY mirror to measure.\n"
)


@dataclass(frozen=True)
class ConfigMirror:
    name: str
    url: str


def _load_doc(path: Path) -> Any:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    raw = read_bytes_or_none(path)
    if raw is None:
        return tomlkit.parse(_HEADER)
    try:
        return tomlkit.parse(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigFileError(f"{path} is not UTF-8 text") from None
    except TOMLKitError as exc:
        raise ConfigFileError(
            f"malformed config file {path}: {exc}", hint="fix the file or move it away"
        ) from None


def _mirror_table(doc: Any, path: Path) -> Any:
    table = doc.get("mirrors")
    if table is None:
        return None
    if not hasattr(table, "items"):
        raise ConfigFileError(
            f"malformed config file {path}: 'mirrors' must be a table of name = URL"
        )
    return table


def read_mirrors(path: Path | None = None) -> list[ConfigMirror]:
    path = path or paths.config_file()
    doc = _load_doc(path)
    table = _mirror_table(doc, path)
    if table is None:
        return []
    out = []
    for name, value in table.items():
        if not isinstance(value, str):
            raise ConfigFileError(
                f"malformed config file {path}: mirrors.{name} must be a URL string"
            )
        out.append(ConfigMirror(str(name), value))
    return out


def config_catalog_mirrors(path: Path | None = None) -> list[CatalogMirror]:
    path = path or paths.config_file()
    result = []
    for m in read_mirrors(path):
        try:
            url = parse_mirror_url(m.url).url
        except InputError as exc:
            raise ConfigFileError(f"{path}: mirrors.{m.name}: {exc.message}") from None
        result.append(CatalogMirror(m.name, url, "from your config.toml", origin="config"))
    return result


def _same_url(value: Any, url: str) -> bool:
    """Whether a config value names the mirror `url` (normalised), however it was written."""
    if not isinstance(value, str):
        return False
    try:
        return parse_mirror_url(value).url == url
    except InputError:
        return value.rstrip("/") == url


def _append_entry(table: Any, name: str, url: str) -> None:
    """Add name = url right after the table's last entry, not after the comments and blank
    lines that follow it (tomlkit's default), which belong to whatever comes next."""
    from tomlkit.items import AoT, Table

    body = getattr(getattr(table, "value", None), "body", None)
    # _insert_after is tomlkit's own (private) way to do this; without it, append at the end.
    if isinstance(table, Table) and body and hasattr(table.value, "_insert_after"):
        entries = [k for k, v in body if k is not None and not isinstance(v, (Table, AoT))]
        if entries:
            table.value._insert_after(entries[-1], name, url)
            return
    table[name] = url


def add_mirror(url: str, name: str | None = None, path: Path | None = None) -> ConfigMirror:
    import tomlkit

    path = path or paths.config_file()
    parsed = parse_mirror_url(url)
    name = name or parsed.host_port
    if not name.strip() or any(c in name for c in "\n\r\t"):
        raise InputError("a mirror name must be a non-empty single line")
    doc = _load_doc(path)
    table = _mirror_table(doc, path)
    if table is None:
        table = tomlkit.table()
        doc["mirrors"] = table
    for existing_name, existing_url in table.items():
        if existing_name == name:
            raise InputError(
                f"a mirror named '{name}' is already configured ({existing_url})",
                hint="remove it first or pick another --name",
            )
        if _same_url(existing_url, parsed.url):
            raise InputError(f"{parsed.display} is already configured as '{existing_name}'")
    _append_entry(table, name, parsed.url)
    atomic_write(path, tomlkit.dumps(doc).encode("utf-8"), default_mode=0o600)
    return ConfigMirror(name, parsed.url)


def remove_mirror(name_or_url: str, path: Path | None = None) -> ConfigMirror:
    import tomlkit

    path = path or paths.config_file()
    doc = _load_doc(path)
    table = _mirror_table(doc, path)
    entries = dict(table.items()) if table is not None else {}
    try:
        target = parse_mirror_url(name_or_url).url
    except InputError:
        target = name_or_url.rstrip("/")
    for name, url in entries.items():
        if name == name_or_url or _same_url(url, target):
            del table[name]
            atomic_write(path, tomlkit.dumps(doc).encode("utf-8"), default_mode=0o600)
            return ConfigMirror(str(name), str(url))
    raise InputError(
        f"no configured mirror named '{name_or_url}'",
        hint="`goaccel mirrors list` shows them; built-in mirrors are left out with --no-builtin",
    )
