"""The user's config.toml: extra mirrors. Edited with tomlkit so comments and layout survive.

# ~/.config/goaccel/config.toml
[mirrors]
corp = "https://athens.corp.example.com"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from goaccel import paths
from goaccel.errors import ConfigFileError, InputError
from goaccel.fsutil import atomic_write, exclusive_lock, read_bytes_or_none
from goaccel.measure.catalog import CatalogMirror
from goaccel.urls import MirrorURL, parse_mirror_url

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


_TABLE_HEADER = re.compile(r"^[ \t]*\[")
_MIRRORS_HEADER = re.compile(
    r"""^[ \t]*\[[ \t]*(mirrors|"mirrors"|'mirrors')[ \t]*\][ \t]*(#.*)?$"""
)


def _entry_line(name: str, url: str) -> str:
    """`name = "url"` as tomlkit writes it, with the key quoted where TOML needs it."""
    import tomlkit

    return str(tomlkit.dumps({name: url}))


def _text_with_entry(text: str, name: str, url: str) -> str | None:
    """The file's text with `name = url` on the line after the last entry of [mirrors], or
    None when that place cannot be found in the text.

    tomlkit appends a new key after the comments and blank lines that end a table, which
    belong to whatever comes next, and its own way to insert elsewhere is private. So the line
    is placed in the text, and the caller checks the result by parsing it again."""
    lines = text.splitlines(keepends=True)
    headers = [i for i, line in enumerate(lines) if _MIRRORS_HEADER.match(line.rstrip("\r\n"))]
    if len(headers) != 1:
        return None
    last = headers[0]
    for i in range(headers[0] + 1, len(lines)):
        if _TABLE_HEADER.match(lines[i]):
            break
        stripped = lines[i].strip()
        if stripped and not stripped.startswith("#"):
            last = i
    if last == headers[0]:
        return None
    newline = "\r\n" if lines[last].endswith("\r\n") else "\n"
    entry = _entry_line(name, url).replace("\n", newline)
    before = "".join(lines[: last + 1])
    if not before.endswith(("\n", "\r")):
        before += newline
    return before + entry + "".join(lines[last + 1 :])


def _entry_order(table: dict[str, Any]) -> list[str]:
    return [k for k, v in table.items() if not isinstance(v, dict)]


def _render_with_entry(doc: Any, table: Any, name: str, url: str) -> str:
    """The document's new text with `name = url` added as the last entry of [mirrors].

    Where the entry can go straight after the table's last entry (see `_text_with_entry`)
    and the result parses to exactly the old data plus the new entry, that text is used;
    otherwise tomlkit's public append, which keeps every byte but may put the entry after
    a trailing comment."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    old_text = tomlkit.dumps(doc)
    expected = doc.unwrap()
    mirrors = dict(expected.get("mirrors", {}))
    mirrors[name] = url
    expected["mirrors"] = mirrors
    candidate = _text_with_entry(old_text, name, url)
    if candidate is not None:
        try:
            parsed: dict[str, Any] = tomlkit.parse(candidate).unwrap()
        except TOMLKitError:
            parsed = {}
        if parsed == expected and _entry_order(parsed["mirrors"]) == _entry_order(mirrors):
            return candidate
    table[name] = url
    return str(tomlkit.dumps(doc))


def lock_path(path: Path) -> Path:
    """The lock that `mirrors add` and `mirrors remove` hold while they rewrite PATH, so that
    two of them at once never lose one's entry."""
    return path.with_name(path.name + ".lock")


def add_mirror(url: str, name: str | None = None, path: Path | None = None) -> ConfigMirror:
    """Add `name = url` to [mirrors] in config.toml, keeping every other byte."""
    path = path or paths.config_file()
    parsed = parse_mirror_url(url)
    name = name or parsed.host_port
    if not name.strip() or any(c in name for c in "\n\r\t"):
        raise InputError("a mirror name must be a non-empty single line")
    with exclusive_lock(lock_path(path), "goaccel mirrors add or remove"):
        return _add_mirror(parsed, name, path)


def _add_mirror(parsed: MirrorURL, name: str, path: Path) -> ConfigMirror:
    import tomlkit

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
    text = _render_with_entry(doc, table, name, parsed.url)
    atomic_write(path, text.encode("utf-8"), default_mode=0o600)
    return ConfigMirror(name, parsed.url)


def remove_mirror(name_or_url: str, path: Path | None = None) -> ConfigMirror:
    """Remove the [mirrors] entry named NAME_OR_URL (or whose URL it is) from config.toml."""
    path = path or paths.config_file()
    with exclusive_lock(lock_path(path), "goaccel mirrors add or remove"):
        return _remove_mirror(name_or_url, path)


def _remove_mirror(name_or_url: str, path: Path) -> ConfigMirror:
    import tomlkit

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
