"""The go configuration: strict parsing of the env file, reading it with the real go (where
each value comes from), and editing it the way `go env -w/-u` does, checked against go itself.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import GO
from helpers import go
from helpers import go_env_file as env_file
from helpers import write_go_env_file as write_env

from goaccel.errors import ConfigFileError, ExitCode, GoCommandError, WriteError
from goaccel.gotool.env import (
    BUILTIN_DEFAULTS,
    DEFAULT,
    ENVIRONMENT,
    GO_ENV_FILE,
    GO_KEYS,
    GOROOT_ENV,
    Setting,
    check_subprocess_env_value,
    go_env_write,
    parse_env_file,
    read_env_file,
    read_goenv,
)

pytestmark = pytest.mark.go


# --------------------------------------------------------------------------- parse_env_file


@pytest.mark.parametrize(
    ("text", "lineno", "shown"),
    [
        ("GOPROXY https://x.example\n", 1, "GOPROXY https://x.example"),
        ("# ok\nGOSUMDB=off\nGOPROXY https://x.example\n", 3, "GOPROXY https://x.example"),
        ("GOPROXY=a\n GOSUMDB=off\n", 2, " GOSUMDB=off"),
        ("export GOPROXY=https://x.example\n", 1, "export GOPROXY=https://x.example"),
        ("1GO=x\n", 1, "1GO=x"),
        ("=x\n", 1, "=x"),
        ("GO-PROXY=x\n", 1, "GO-PROXY=x"),
        ("GOPROXY\n", 1, "GOPROXY"),
    ],
)
def test_parse_refuses_lines_go_would_skip(text: str, lineno: int, shown: str) -> None:
    with pytest.raises(ConfigFileError) as info:
        parse_env_file(text, "/x/go/env")
    err = info.value
    assert err.message.startswith(f"malformed go env file /x/go/env, line {lineno}: ")
    assert f"'{shown.strip()}' is not KEY=VALUE (go ignores this line)" in err.message
    assert err.hint == "fix or delete that line, then run goaccel again"
    assert err.exit_code == ExitCode.CONFIG


def test_parse_bad_line_is_shown_safely() -> None:
    with pytest.raises(ConfigFileError) as info:
        parse_env_file("GOPROXY \x1b[31mred\x1b[0m\x07" + "y" * 200 + "\n", "env")
    msg = info.value.message
    assert "\x1b" not in msg and "\x07" not in msg
    assert "'GOPROXY red" in msg
    assert "…" in msg


@pytest.mark.parametrize("key", GO_KEYS)
def test_parse_refuses_duplicate_owned_key(key: str) -> None:
    text = f"{key}=a\nCGO_ENABLED=1\n{key}=b\n"
    with pytest.raises(ConfigFileError) as info:
        parse_env_file(text, "env")
    assert info.value.message == (
        f"malformed go env file env: {key} is set twice (lines 1 and 3); go uses the last one"
    )
    assert info.value.hint == "delete one of the two lines"


def test_read_env_file_missing() -> None:
    assert read_env_file(env_file()) == (None, {})


def test_read_env_file_bytes_and_values() -> None:
    raw = b"# c\nGOPROXY=https://a.example\n"
    write_env(raw)
    assert read_env_file(env_file()) == (raw, {"GOPROXY": "https://a.example"})


def test_read_env_file_not_utf8() -> None:
    path = write_env(b"GOPROXY=https://\xff\xfe.example\n")
    with pytest.raises(ConfigFileError) as info:
        read_env_file(path)
    assert info.value.message == f"the go env file {path} is not UTF-8 text"


def test_read_env_file_directory() -> None:
    env_file().mkdir(parents=True)
    with pytest.raises(ConfigFileError, match="is a directory"):
        read_env_file(env_file())


# --------------------------------------------------------------------------- read_goenv


def test_read_goenv_fresh_user() -> None:
    g = read_goenv(GO)
    assert g.go == GO
    assert g.go_version is not None and g.go_version.startswith("go1.")
    assert g.env_file == env_file()
    assert g.env_file_bytes is None
    assert g.file_values == {}
    assert g.goroot is not None and (g.goroot / "go.env").is_file()
    assert g.goroot_values["GOPROXY"] == "https://proxy.golang.org,direct"
    assert g.gomodcache == os.environ["GOMODCACHE"]
    s = g.settings["GOPROXY"]
    assert (s.value, s.source, s.env_value, s.file_value) == (
        "https://proxy.golang.org,direct",
        GOROOT_ENV,
        None,
        None,
    )
    assert (g.value("GOSUMDB"), g.source("GOSUMDB")) == ("sum.golang.org", GOROOT_ENV)
    assert (g.value("GOPRIVATE"), g.source("GOPRIVATE")) == ("", DEFAULT)
    # conftest sets these in the OS environment
    assert (g.value("GOTOOLCHAIN"), g.source("GOTOOLCHAIN")) == ("local", ENVIRONMENT)
    assert g.settings["GOTOOLCHAIN"].env_value == "local"
    assert (g.value("GOFLAGS"), g.source("GOFLAGS")) == ("-modcacherw", ENVIRONMENT)
    assert set(g.settings) == set(GO_KEYS)
    # unknown keys: empty value, default source
    assert (g.value("NOPE"), g.source("NOPE")) == ("", DEFAULT)


def test_read_goenv_file_values() -> None:
    raw = b"GOPRIVATE=*.corp.example\nGOPROXY=https://file.example,direct\nGOSUMDB=off\n"
    write_env(raw)
    g = read_goenv(GO)
    assert g.env_file_bytes == raw
    assert g.file_values == {
        "GOPRIVATE": "*.corp.example",
        "GOPROXY": "https://file.example,direct",
        "GOSUMDB": "off",
    }
    for key, value in g.file_values.items():
        s = g.settings[key]
        assert (s.value, s.source, s.file_value, s.env_value) == (value, GO_ENV_FILE, value, None)
        assert s.overridden_file is False
    # go derives GONOPROXY/GONOSUMDB from GOPRIVATE: the value shows, the source stays default
    for key in ("GONOPROXY", "GONOSUMDB"):
        assert (g.value(key), g.source(key)) == ("*.corp.example", DEFAULT)


def test_read_goenv_os_environment_wins_over_file(monkeypatch: pytest.MonkeyPatch) -> None:
    write_env("GOPROXY=https://file.example,direct\nGOSUMDB=sum.golang.org\n")
    monkeypatch.setenv("GOPROXY", "https://env.example")
    monkeypatch.setenv("GOSUMDB", "sum.golang.org")
    monkeypatch.setenv("GONOSUMDB", "example.com/private")
    g = read_goenv(GO)
    p = g.settings["GOPROXY"]
    assert (p.value, p.source) == ("https://env.example", ENVIRONMENT)
    assert (p.env_value, p.file_value) == ("https://env.example", "https://file.example,direct")
    assert p.overridden_file is True
    s = g.settings["GOSUMDB"]
    assert s.source == ENVIRONMENT
    assert s.overridden_file is False  # same value in both places
    n = g.settings["GONOSUMDB"]
    assert (n.value, n.source, n.file_value) == ("example.com/private", ENVIRONMENT, None)
    assert n.overridden_file is False


def test_read_goenv_empty_os_variable_does_not_count(monkeypatch: pytest.MonkeyPatch) -> None:
    write_env("GOPROXY=https://file.example\n")
    monkeypatch.setenv("GOPROXY", "")
    g = read_goenv(GO)
    s = g.settings["GOPROXY"]
    assert (s.value, s.source, s.env_value) == ("https://file.example", GO_ENV_FILE, None)


def test_read_goenv_effective_value_matches_go_env() -> None:
    write_env("GOPROXY=https://file.example|https://b.example,off\n")
    g = read_goenv(GO)
    for key in GO_KEYS:
        assert g.value(key) == go("env", key).stdout.rstrip("\n"), key


def test_read_goenv_platform_is_the_host_not_a_cross_compilation_target(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The toolchain go downloads is for the machine go runs on (runtime.GOOS), so a GOOS or
    GOARCH exported for cross-compiling must not change it."""
    host = go("env", "GOHOSTOS", "GOHOSTARCH").stdout.split()
    other = ("windows", "arm64") if host != ["windows", "arm64"] else ("linux", "amd64")
    monkeypatch.setenv("GOOS", other[0])
    monkeypatch.setenv("GOARCH", other[1])
    g = read_goenv(GO)
    assert [g.goos, g.goarch] == host


def test_read_goenv_empty_value_in_file_hides_goroot_env() -> None:
    write_env("GOPROXY=\n")
    g = read_goenv(GO)
    assert go("env", "GOPROXY").stdout == "\n"  # go: the file's empty value wins
    assert g.value("GOPROXY") == ""
    assert g.source("GOPROXY") == GO_ENV_FILE


def test_read_goenv_goenv_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOENV", "off")
    g = read_goenv(GO)
    assert g.env_file is None
    assert g.env_file_bytes is None
    assert g.file_values == {}
    assert g.source("GOPROXY") == GOROOT_ENV


def test_read_goenv_goenv_is_a_directory() -> None:
    env_file().mkdir(parents=True)
    with pytest.raises(ConfigFileError) as info:
        read_goenv(GO)
    assert info.value.message == f"the go env file {env_file()} is a directory"


def test_read_goenv_malformed_file_go_ignores_goaccel_refuses() -> None:
    write_env("GOSUMDB=off\nGOPROXY https://x.example\n")
    # go silently skips the line ...
    assert go("env", "GOPROXY").stdout.strip() == "https://proxy.golang.org,direct"
    # ... goaccel names it
    with pytest.raises(ConfigFileError, match=r"line 2: 'GOPROXY https://x.example'"):
        read_goenv(GO)


def test_read_goenv_without_go_reads_the_files() -> None:
    write_env("GOPROXY=https://file.example\n")
    g = read_goenv(None)
    assert g.go is None and g.go_version is None and g.goroot is None
    assert g.env_file == env_file()
    assert (g.value("GOPROXY"), g.source("GOPROXY")) == ("https://file.example", GO_ENV_FILE)
    assert (g.value("GOSUMDB"), g.source("GOSUMDB")) == (BUILTIN_DEFAULTS["GOSUMDB"], DEFAULT)
    assert (g.value("GOTOOLCHAIN"), g.source("GOTOOLCHAIN")) == ("local", ENVIRONMENT)


def test_read_goenv_without_go_uses_given_environ(tmp_path: Path) -> None:
    path = tmp_path / "other" / "env"
    path.parent.mkdir()
    path.write_text("GOSUMDB=sum.golang.google.cn\n", encoding="utf-8")
    g = read_goenv(None, environ={"GOENV": str(path), "GOPROXY": "https://e.example"})
    assert g.env_file == path
    assert (g.value("GOSUMDB"), g.source("GOSUMDB")) == ("sum.golang.google.cn", GO_ENV_FILE)
    assert (g.value("GOPROXY"), g.source("GOPROXY")) == ("https://e.example", ENVIRONMENT)
    assert (g.value("GOTOOLCHAIN"), g.source("GOTOOLCHAIN")) == ("auto", DEFAULT)


def test_read_goenv_go_missing() -> None:
    with pytest.raises(GoCommandError, match="not found"):
        read_goenv("/nonexistent/bin/go")


def test_setting_overridden_file() -> None:
    assert Setting("GOPROXY", "a", ENVIRONMENT, "a", "b").overridden_file is True
    assert Setting("GOPROXY", "a", ENVIRONMENT, "a", "a").overridden_file is False
    assert Setting("GOPROXY", "a", ENVIRONMENT, "a", None).overridden_file is False
    assert Setting("GOPROXY", "b", GO_ENV_FILE, None, "b").overridden_file is False


# --------------------------------------------------------------------------- go_env_write


def test_go_env_write_sets_and_unsets() -> None:
    write_env("GOPRIVATE=*.corp.example\nGOSUMDB=off\n")
    warnings = go_env_write(GO, {"GOPROXY": "https://m.example|https://n.example,direct"})
    assert warnings == []
    assert env_file().read_text(encoding="utf-8") == (
        "GOPRIVATE=*.corp.example\nGOPROXY=https://m.example|https://n.example,direct\n"
        "GOSUMDB=off\n"
    )
    assert go_env_write(GO, {"GOSUMDB": None, "GOPRIVATE": None}) == []
    assert env_file().read_text(encoding="utf-8") == (
        "GOPROXY=https://m.example|https://n.example,direct\n"
    )


def test_go_env_write_creates_the_file() -> None:
    assert not env_file().exists()
    assert go_env_write(GO, {"GOSUMDB": "sum.golang.google.cn"}) == []
    assert env_file().read_bytes() == b"GOSUMDB=sum.golang.google.cn\n"


def test_go_env_write_returns_override_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOPROXY", "https://env.example")
    warnings = go_env_write(GO, {"GOPROXY": "https://file.example,direct"})
    assert warnings == [
        "warning: go env -w GOPROXY=... does not override conflicting OS environment variable"
    ]
    # go wrote it anyway
    assert env_file().read_bytes() == b"GOPROXY=https://file.example,direct\n"


def test_go_env_write_no_warning_when_os_value_is_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOSUMDB", "sum.golang.org")
    assert go_env_write(GO, {"GOSUMDB": "sum.golang.org"}) == []


def test_go_env_write_failure_is_a_write_error() -> None:
    with pytest.raises(WriteError) as info:
        go_env_write(GO, {"GOWORK": "off"})
    assert info.value.message.startswith("`go env -w` failed: ")
    assert "GOWORK cannot be modified" in info.value.message
    assert info.value.exit_code == ExitCode.WRITE
    assert not env_file().exists()


def test_go_env_write_nothing_runs_nothing() -> None:
    assert go_env_write("/nonexistent/go", {}) == []


def test_go_env_write_go_missing() -> None:
    with pytest.raises(GoCommandError, match="/nonexistent/go"):
        go_env_write("/nonexistent/go", {"GOPROXY": "https://x.example"})


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a\x00b", "\n"])
def test_check_subprocess_env_value_refuses_line_breaks(value: str) -> None:
    with pytest.raises(WriteError, match="line break"):
        check_subprocess_env_value(value)


def test_check_subprocess_env_value_accepts_one_line() -> None:
    check_subprocess_env_value("https://a.example|https://b.example,direct")
    check_subprocess_env_value("")
