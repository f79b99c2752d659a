"""The go command's configuration: read it (with where each value comes from) and write it.

Precedence, as go applies it: a non-empty OS environment variable, then the user's go env file
(`go env GOENV`), then `$GOROOT/go.env`, then go's built-in default. One `go env -json` call
gives the effective values and the file locations; the files are parsed here so that goaccel
can say where each value comes from and restore them byte for byte.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from goaccel.errors import ConfigFileError, GoCommandError, WriteError
from goaccel.textsafe import mask_urls_in_text, untrusted

GO_KEYS = (
    "GOPROXY",
    "GOSUMDB",
    "GOPRIVATE",
    "GONOPROXY",
    "GONOSUMDB",
    "GOFLAGS",
    "GOTOOLCHAIN",
    "GOINSECURE",
)
NET_KEYS = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")
BUILTIN_DEFAULTS = {
    "GOPROXY": "https://proxy.golang.org,direct",
    "GOSUMDB": "sum.golang.org",
    "GOTOOLCHAIN": "auto",
}

ENVIRONMENT = "environment"
GO_ENV_FILE = "go env file"
GOROOT_ENV = "$GOROOT/go.env"
DEFAULT = "default"

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def find_go() -> Optional[str]:
    override = os.environ.get("GOACCEL_GO")
    if override:
        return override
    return shutil.which("go")


def run_go(
    go: str,
    args: Sequence[str],
    *,
    timeout: float = 30,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [go, *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except FileNotFoundError:
        raise GoCommandError(f"the go command was not found at {go}") from None
    except subprocess.TimeoutExpired:
        raise GoCommandError(f"`go {' '.join(args)}` did not finish in {timeout:.0f} s") from None
    except OSError as exc:
        raise GoCommandError(f"cannot run {go}: {exc.strerror or exc}") from None


@dataclass(frozen=True)
class EnvFileLine:
    lineno: int
    key: str
    value: str


def parse_env_file(text: str, path: Path | str) -> dict[str, str]:
    """Parse a go env file strictly.

    go itself skips lines it cannot read without a word, so `GOPROXY https://x` silently does
    nothing. goaccel refuses to edit such a file and says which line is wrong. Returns the last
    value of each key, as go uses it.
    """
    values: dict[str, str] = {}
    first_seen: dict[str, int] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not _KEY.match(key):
            raise ConfigFileError(
                f"malformed go env file {path}, line {lineno}: "
                f"'{untrusted(line, limit=80)}' is not KEY=VALUE (go ignores this line)",
                hint="fix or delete that line, then run goaccel again",
            )
        if key in first_seen and key in GO_KEYS:
            raise ConfigFileError(
                f"malformed go env file {path}: {key} is set twice "
                f"(lines {first_seen[key]} and {lineno}); go uses the last one",
                hint="delete one of the two lines",
            )
        first_seen.setdefault(key, lineno)
        values[key] = value
    return values


def read_env_file(path: Path) -> tuple[Optional[bytes], dict[str, str]]:
    """The file's raw bytes (None when absent) and its parsed values."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, {}
    except IsADirectoryError:
        raise ConfigFileError(f"the go env file {path} is a directory") from None
    except PermissionError:
        raise ConfigFileError(f"cannot read the go env file {path}: permission denied") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigFileError(f"the go env file {path} is not UTF-8 text") from None
    return raw, parse_env_file(text, path)


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


@dataclass
class Setting:
    key: str
    value: str
    source: str  # ENVIRONMENT | GO_ENV_FILE | GOROOT_ENV | DEFAULT
    env_value: Optional[str] = None  # the OS environment's value, when set
    file_value: Optional[str] = None  # the go env file's value, when set

    @property
    def overridden_file(self) -> bool:
        """An OS variable hides a different value in the go env file."""
        return (
            self.env_value is not None
            and self.file_value is not None
            and self.env_value != self.file_value
        )


@dataclass
class GoEnv:
    go: Optional[str]  # path of the go command; None when not on PATH
    go_version: Optional[str]
    env_file: Optional[Path]  # None when GOENV=off
    env_file_bytes: Optional[bytes]
    file_values: dict[str, str]
    goroot: Optional[Path]
    goroot_values: dict[str, str]
    settings: dict[str, Setting] = field(default_factory=dict)
    gomodcache: Optional[str] = None
    goos: Optional[str] = None
    goarch: Optional[str] = None

    def value(self, key: str) -> str:
        s = self.settings.get(key)
        return s.value if s else ""

    def source(self, key: str) -> str:
        s = self.settings.get(key)
        return s.source if s else DEFAULT


def read_goenv(
    go: Optional[str] = None,
    *,
    environ: Mapping[str, str] | None = None,
    go_overrides: Mapping[str, str] | None = None,
) -> GoEnv:
    """Read the effective configuration. With go missing, it is computed from the files alone.

    go_overrides are set for the `go env` call only (e.g. GOTOOLCHAIN=local when the user's
    GOTOOLCHAIN is invalid and go refuses to start); those keys keep the user's value.
    """
    environ = os.environ if environ is None else environ
    overrides = dict(go_overrides or {})
    go_version = None
    goroot: Optional[Path] = None
    effective: dict[str, str] = {}
    if go:
        proc = run_go(
            go,
            [
                "env",
                "-json",
                "GOENV",
                "GOROOT",
                "GOVERSION",
                "GOMODCACHE",
                "GOOS",
                "GOARCH",
                *GO_KEYS,
            ],
            env={**os.environ, **overrides} if overrides else None,
        )
        if proc.returncode != 0:
            msg = untrusted(proc.stderr or proc.stdout, limit=300)
            if "go env config" in msg or "GOENV" in msg:
                raise ConfigFileError(f"go cannot read its env file: {msg}")
            raise GoCommandError(f"`go env` failed: {msg}")
        try:
            data = json.loads(proc.stdout)
        except ValueError:
            raise GoCommandError("`go env -json` printed something that is not JSON") from None
        effective = {k: str(v) for k, v in data.items()}
        go_version = effective.get("GOVERSION") or None
        goroot = Path(effective["GOROOT"]) if effective.get("GOROOT") else None
        env_path_text = effective.get("GOENV", "")
    else:
        env_path_text = environ.get("GOENV") or str(default_goenv_path(environ))
    env_file = None if env_path_text in ("", "off") else Path(env_path_text)
    raw, file_values = read_env_file(env_file) if env_file else (None, {})
    goroot_values: dict[str, str] = {}
    if goroot is not None:
        try:
            goroot_values = parse_lenient(Path(goroot, "go.env").read_text(encoding="utf-8"))
        except OSError:
            goroot_values = {}
    genv = GoEnv(
        go=go,
        go_version=go_version,
        env_file=env_file,
        env_file_bytes=raw,
        file_values=file_values,
        goroot=goroot,
        goroot_values=goroot_values,
        gomodcache=effective.get("GOMODCACHE") or None,
        goos=effective.get("GOOS") or None,
        goarch=effective.get("GOARCH") or None,
    )
    for key in GO_KEYS:
        env_value = environ.get(key) or None
        # A key present in the file counts even when empty: go then uses "" and ignores go.env.
        file_value = file_values.get(key)
        if env_value is not None:
            value, source = env_value, ENVIRONMENT
        elif file_value is not None:
            value, source = file_value, GO_ENV_FILE
        elif goroot_values.get(key):
            value, source = goroot_values[key], GOROOT_ENV
        else:
            value, source = BUILTIN_DEFAULTS.get(key, ""), DEFAULT
        if go and key in effective and key not in overrides:
            value = effective[key]  # go's own word on the effective value
        genv.settings[key] = Setting(key, value, source, env_value, file_value)
    return genv


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


def go_env_write(go: str, changes: Mapping[str, Optional[str]]) -> list[str]:
    """Apply changes with `go env -w` (values) and `go env -u` (None: unset).

    Returns go's warnings (for example an OS variable that overrides the file).
    """
    warnings: list[str] = []
    sets = [f"{k}={v}" for k, v in changes.items() if v is not None]
    unsets = [k for k, v in changes.items() if v is None]
    for args in (
        ["env", "-w", *sets] if sets else None,
        ["env", "-u", *unsets] if unsets else None,
    ):
        if args is None:
            continue
        proc = run_go(go, args)
        text = mask_urls_in_text(untrusted(proc.stderr, limit=400, keep_newlines=True))
        if proc.returncode != 0:
            raise WriteError(f"`go {args[0]} {args[1]}` failed: {text.strip()}")
        warnings.extend(line.strip() for line in text.splitlines() if line.strip())
    return warnings


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


def check_subprocess_env_value(value: str) -> None:
    """Values written with go env -w must be one line: go's file format cannot hold more."""
    if any(c in value for c in "\r\n\x00"):
        raise WriteError("refusing to write a value with a line break into the go env file")
