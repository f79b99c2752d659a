"""The go command's configuration: read it (with where each value comes from) and write it.

Precedence, as go applies it (goaccel.gocompat.envfile): a non-empty OS environment variable,
then the user's go env file (`go env GOENV`), then `$GOROOT/go.env`, then go's built-in
default. One `go env -json` call gives the effective values and the file locations; the files
are read here (and parsed by gocompat.envfile) so that goaccel can say where each value comes
from and restore them byte for byte.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from goaccel.errors import ConfigFileError, GoCommandError, WriteError
from goaccel.gocompat import envfile
from goaccel.gocompat.envfile import (
    BUILTIN_DEFAULTS,
    DEFAULT,
    ENVIRONMENT,
    GO_ENV_FILE,
    GOROOT_ENV,
    default_goenv_path,
    parse_lenient,
    render_env_file,
)
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
    "GOAUTH",
)
NET_KEYS = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")

__all__ = [
    "BUILTIN_DEFAULTS",
    "DEFAULT",
    "ENVIRONMENT",
    "GOROOT_ENV",
    "GO_ENV_FILE",
    "GO_KEYS",
    "NET_KEYS",
    "GoEnv",
    "Setting",
    "check_subprocess_env_value",
    "default_goenv_path",
    "find_go",
    "go_env_write",
    "parse_env_file",
    "parse_lenient",
    "read_env_file",
    "read_goenv",
    "render_env_file",
    "run_go",
    "run_go_settings",
]

# Set for every go command that only reads or writes settings (`go env`, `go version`): with
# GOTOOLCHAIN=auto (go's default) go first switches to the toolchain a go.mod or GOTOOLCHAIN
# asks for, downloading it through GOPROXY, which is the very setting that may be broken.
# The user's own GOTOOLCHAIN is still what goaccel reports (read_goenv).
SETTINGS_OVERRIDES = {"GOTOOLCHAIN": "local"}


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


def neutral_dir() -> Path:
    """A directory outside the user's module for settings commands: go env does not depend on
    it, and no go.mod or go.work there can select another toolchain."""
    return Path(tempfile.gettempdir())


def run_go_settings(
    go: str,
    args: Sequence[str],
    *,
    timeout: float = 30,
) -> subprocess.CompletedProcess[str]:
    """Run a go command that only reads or writes settings (`go env ...`, `go version`): with
    the local toolchain (GOTOOLCHAIN=local) and from a neutral directory, so that it never
    downloads a toolchain. Not for commands that build or fetch."""
    env = {**os.environ, **SETTINGS_OVERRIDES}
    return run_go(go, args, timeout=timeout, env=env, cwd=neutral_dir())


def parse_env_file(text: str, path: Path | str) -> dict[str, str]:
    """Parse a go env file strictly (gocompat.envfile.parse_env_file; a key goaccel manages set
    twice is refused too), with ConfigFileError naming the file and the line.

    go itself skips lines it cannot read without a word, so `GOPROXY https://x` silently does
    nothing. goaccel refuses to edit such a file and says which line is wrong.
    """
    try:
        return envfile.parse_env_file(text, unique_keys=GO_KEYS)
    except envfile.EnvFileSyntaxError as exc:
        raise ConfigFileError(
            f"malformed go env file {path}, line {exc.lineno}: "
            f"'{untrusted(exc.line, limit=80)}' is not KEY=VALUE (go ignores this line)",
            hint="fix or delete that line, then run goaccel again",
        ) from None
    except envfile.EnvFileDuplicateError as exc:
        raise ConfigFileError(
            f"malformed go env file {path}: {exc.key} is set twice "
            f"(lines {exc.first} and {exc.second}); go uses the last one",
            hint="delete one of the two lines",
        ) from None


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
    goos: Optional[str] = None  # GOHOSTOS: where go runs (not the GOOS it builds for)
    goarch: Optional[str] = None  # GOHOSTARCH

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
) -> GoEnv:
    """Read the effective configuration. With go missing, it is computed from the files alone.

    `go env` runs with SETTINGS_OVERRIDES, from a neutral directory (run_go_settings); those
    keys keep the user's value, computed from the environment and the files as go would.
    GONOPROXY and GONOSUMDB default to GOPRIVATE while empty, with or without go.
    """
    environ = os.environ if environ is None else environ
    overrides = SETTINGS_OVERRIDES
    go_version = None
    goroot: Optional[Path] = None
    effective: dict[str, str] = {}
    if go:
        proc = run_go_settings(
            go,
            [
                "env",
                "-json",
                "GOENV",
                "GOROOT",
                "GOVERSION",
                "GOMODCACHE",
                "GOHOSTOS",
                "GOHOSTARCH",
                *GO_KEYS,
            ],
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
        # The toolchain go downloads is for the machine it runs on (runtime.GOOS in
        # toolchain/select.go), never for a cross-compilation target named by GOOS/GOARCH.
        goos=effective.get("GOHOSTOS") or None,
        goarch=effective.get("GOHOSTARCH") or None,
    )
    computed: dict[str, tuple[str, str, Optional[str], Optional[str]]] = {}
    for key in GO_KEYS:
        env_value = environ.get(key) or None
        # A key present in the file counts even when empty: go then uses "" and ignores go.env.
        file_value = file_values.get(key)
        value, source = envfile.effective_value(key, env_value, file_value, goroot_values)
        computed[key] = (value, source, env_value, file_value)
    # As go does (cfg.GONOPROXY, cfg.GONOSUMDB): empty means GOPRIVATE. Without go on PATH this
    # is the only place it happens, and private paths must never reach a public mirror.
    noproxy, nosumdb = envfile.effective_private_lists(
        computed["GOPRIVATE"][0], computed["GONOPROXY"][0], computed["GONOSUMDB"][0]
    )
    for key, derived in (("GONOPROXY", noproxy), ("GONOSUMDB", nosumdb)):
        computed[key] = (derived, *computed[key][1:])
    for key, (value, source, env_value, file_value) in computed.items():
        if go and key in effective and key not in overrides:
            # go's own word on the effective value
            genv.settings[key] = Setting(key, effective[key], source, env_value, file_value)
        else:
            genv.settings[key] = Setting(key, value, source, env_value, file_value)
    return genv


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
        proc = run_go_settings(go, args)
        text = mask_urls_in_text(untrusted(proc.stderr, limit=400, keep_newlines=True))
        if proc.returncode != 0:
            raise WriteError(f"`go {args[0]} {args[1]}` failed: {text.strip()}")
        warnings.extend(line.strip() for line in text.splitlines() if line.strip())
    return warnings


def check_subprocess_env_value(value: str) -> None:
    """Values written with go env -w must be one line: go's file format cannot hold more."""
    if any(c in value for c in "\r\n\x00"):
        raise WriteError("refusing to write a value with a line break into the go env file")
