"""The go env file and where each go setting comes from.

Follows cmd/go/internal/cfg/cfg.go (the file's location, os.UserConfigDir()/go/env; reading
KEY=VALUE lines; the precedence of a value; GONOPROXY and GONOSUMDB defaulting to GOPRIVATE),
cmd/go/internal/envcmd/env.go (updateEnvFile, lineToKey: how `go env -w` and `go env -u`
rewrite the file) and $GOROOT/go.env (the defaults). Pure and stdlib-only, apart from
default_goenv_path's look at the home directory when HOME is not given.

Precedence: a non-empty OS environment variable, then the user's go env file (a key present
there counts even when empty), then `$GOROOT/go.env` (non-empty values), then go's built-in
default.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Optional

# $GOROOT/go.env as shipped; go's built-in values when that file lacks them (GOAUTH's is
# only built in: cfg.go).
BUILTIN_DEFAULTS = {
    "GOPROXY": "https://proxy.golang.org,direct",
    "GOSUMDB": "sum.golang.org",
    "GOTOOLCHAIN": "auto",
    "GOAUTH": "netrc",
}

# Where a value comes from, strongest first.
ENVIRONMENT = "environment"
GO_ENV_FILE = "go env file"
GOROOT_ENV = "$GOROOT/go.env"
DEFAULT = "default"

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class EnvFileError(ValueError):
    """A go env file that goaccel should not edit."""


class EnvFileSyntaxError(EnvFileError):
    """A line that is not KEY=VALUE: go skips it without a word."""

    def __init__(self, lineno: int, line: str) -> None:
        super().__init__(f"line {lineno} is not KEY=VALUE")
        self.lineno = lineno
        self.line = line


class EnvFileDuplicateError(EnvFileError):
    """A key set twice: go uses the last one."""

    def __init__(self, key: str, first: int, second: int) -> None:
        super().__init__(f"{key} is set twice (lines {first} and {second})")
        self.key = key
        self.first = first
        self.second = second


def parse_env_file(text: str, unique_keys: Collection[str] = ()) -> dict[str, str]:
    """Parse a go env file strictly: the last value of each key, as go uses it.

    go itself skips lines it cannot read, so `GOPROXY https://x` silently does nothing: such a
    line raises EnvFileSyntaxError. A key of unique_keys set twice raises
    EnvFileDuplicateError. Blank lines and `#` comments are skipped.
    """
    values: dict[str, str] = {}
    first_seen: dict[str, int] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not _KEY.match(key):
            raise EnvFileSyntaxError(lineno, line)
        if key in first_seen and key in unique_keys:
            raise EnvFileDuplicateError(key, first_seen[key], lineno)
        first_seen.setdefault(key, lineno)
        values[key] = value
    return values


def parse_lenient(text: str) -> dict[str, str]:
    """Parse $GOROOT/go.env the way go does: skip what is not KEY=VALUE."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if sep and _KEY.match(key):
            values[key] = value
    return values


def default_goenv_path(env: Mapping[str, str]) -> Path:
    """Where go keeps its env file when GOENV is not set: os.UserConfigDir()/go/env."""
    if sys.platform == "win32":
        base = env.get("AppData") or env.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = str(Path(env.get("HOME", str(Path.home()))) / "Library" / "Application Support")
    else:
        base = env.get("XDG_CONFIG_HOME") or str(
            Path(env.get("HOME", str(Path.home()))) / ".config"
        )
    return Path(base) / "go" / "env"


def effective_value(
    key: str,
    env_value: Optional[str],
    file_value: Optional[str],
    goroot_values: Mapping[str, str],
) -> tuple[str, str]:
    """(value, where it comes from) for one key, by go's precedence.

    env_value: the OS environment's value (None or "" when unset: go ignores an empty one);
    file_value: the go env file's (None when the key is absent; "" counts).
    """
    if env_value:
        return env_value, ENVIRONMENT
    if file_value is not None:
        return file_value, GO_ENV_FILE
    if goroot_values.get(key):
        return goroot_values[key], GOROOT_ENV
    return BUILTIN_DEFAULTS.get(key, ""), DEFAULT


def effective_private_lists(goprivate: str, gonoproxy: str, gonosumdb: str) -> tuple[str, str]:
    """(effective GONOPROXY, effective GONOSUMDB): each is GOPRIVATE while it is empty."""
    return gonoproxy or goprivate, gonosumdb or goprivate


def _line_key(line: str) -> str:
    """go's lineToKey: the KEY of a KEY=VALUE line, else ''."""
    i = line.find("=")
    if i < 0 or "#" in line[:i]:
        return ""
    return line[:i]


def _update_env_lines(data: str, add: Mapping[str, str], delete: Sequence[str]) -> str:
    """A faithful port of go's envcmd.updateEnvFile (go1.27): keep the last copy of each key,
    update in place, append new keys, blank deleted ones, then sort each run of KEY=VALUE
    lines (runs are separated by comments, blank or invalid lines, and deleted lines)."""
    parts = data.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1] + "\n")
    prev: dict[str, int] = {}
    for i, line in enumerate(lines):
        key = _line_key(line)
        if key:
            if key in prev:
                lines[prev[key]] = ""
            prev[key] = i
    pending = dict(add)
    for key, value in add.items():
        if key in prev:
            lines[prev[key]] = f"{key}={value}\n"
            del pending[key]
    lines += [f"{k}={v}\n" for k, v in pending.items()]
    for key in delete:
        if key in prev:
            lines[prev[key]] = ""
    start = 0
    for i in range(len(lines) + 1):
        if i == len(lines) or not _line_key(lines[i]):
            lines[start:i] = sorted(lines[start:i], key=_line_key)
            start = i + 1
    return "".join(lines)


def render_env_file(original: Optional[str], changes: Mapping[str, Optional[str]]) -> str:
    """The go env file text after `go env -w` (the values) and then `go env -u` (the Nones),
    byte for byte as go writes it: for dry-run diffs, and for undo when go is gone."""
    text = original or ""
    sets = {k: v for k, v in changes.items() if v is not None}
    unsets = [k for k, v in changes.items() if v is None]
    if sets:
        text = _update_env_lines(text, sets, ())
    if unsets:
        text = _update_env_lines(text, {}, unsets)
    return text
