"""goaccel.gocompat.envfile: the go env file format, how go env -w rewrites it, and where
each value comes from; checked against the real go (go env -w, go env GOENV)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Optional

import pytest
from helpers import go
from helpers import go_env_file as env_file
from helpers import write_go_env_file as write_env

from goaccel.gocompat.envfile import (
    BUILTIN_DEFAULTS,
    DEFAULT,
    ENVIRONMENT,
    GO_ENV_FILE,
    GOROOT_ENV,
    EnvFileDuplicateError,
    EnvFileSyntaxError,
    default_goenv_path,
    effective_private_lists,
    effective_value,
    parse_env_file,
    parse_lenient,
    render_env_file,
)

pytestmark = pytest.mark.go


# --------------------------------------------------------------------------- parse_env_file


def test_parse_comments_blank_lines_and_values() -> None:
    text = (
        "# written by go env -w\n"
        "\n"
        "   \n"
        "   # indented comment\n"
        "GOFLAGS=-ldflags=-s -w\n"
        "GOPRIVATE=\n"
        "GOPROXY=https://goproxy.example|https://proxy.golang.org,direct\n"
        "CGO_ENABLED=0\n"
        "lower_case=ok\n"
    )
    assert parse_env_file(text) == {
        "GOFLAGS": "-ldflags=-s -w",
        "GOPRIVATE": "",
        "GOPROXY": "https://goproxy.example|https://proxy.golang.org,direct",
        "CGO_ENABLED": "0",
        "lower_case": "ok",
    }


def test_parse_crlf_and_missing_final_newline() -> None:
    assert parse_env_file("GOPROXY=https://a.example\r\nGOSUMDB=off") == {
        "GOPROXY": "https://a.example",
        "GOSUMDB": "off",
    }


def test_parse_duplicate_other_key_last_wins() -> None:
    assert parse_env_file("CGO_ENABLED=1\nCGO_ENABLED=0\n") == {"CGO_ENABLED": "0"}


def test_parse_errors_carry_the_line() -> None:
    with pytest.raises(EnvFileSyntaxError) as info:
        parse_env_file("# ok\nGOPROXY https://x.example\n")
    assert (info.value.lineno, info.value.line) == (2, "GOPROXY https://x.example")
    with pytest.raises(EnvFileDuplicateError) as dup:
        parse_env_file("GOPROXY=a\nGOSUMDB=off\nGOPROXY=b\n", unique_keys=("GOPROXY",))
    assert (dup.value.key, dup.value.first, dup.value.second) == ("GOPROXY", 1, 3)
    assert parse_env_file("GOPROXY=a\nGOPROXY=b\n") == {"GOPROXY": "b"}


def test_parse_lenient_skips_what_go_skips() -> None:
    text = "# comment\nGOPROXY=https://a\nnonsense line\nGOSUMDB=x=y\n\nGOTOOLCHAIN=auto"
    assert parse_lenient(text) == {
        "GOPROXY": "https://a",
        "GOSUMDB": "x=y",
        "GOTOOLCHAIN": "auto",
    }


# --------------------------------------------------------------------------- precedence


def test_effective_value_follows_gos_precedence() -> None:
    goroot = {"GOPROXY": "https://goroot.example", "GOSUMDB": ""}
    assert effective_value("GOPROXY", "https://e", "https://f", goroot) == (
        "https://e",
        ENVIRONMENT,
    )
    # an empty OS variable is ignored; a key present in the file counts even when empty
    assert effective_value("GOPROXY", "", "", goroot) == ("", GO_ENV_FILE)
    assert effective_value("GOPROXY", None, None, goroot) == ("https://goroot.example", GOROOT_ENV)
    assert effective_value("GOSUMDB", None, None, goroot) == ("sum.golang.org", DEFAULT)
    assert effective_value("GOPRIVATE", None, None, {}) == ("", DEFAULT)


def test_gonoproxy_and_gonosumdb_default_to_goprivate_only_when_empty() -> None:
    assert effective_private_lists("a.com", "", "") == ("a.com", "a.com")
    assert effective_private_lists("a.com", "none", "") == ("none", "a.com")
    assert effective_private_lists("", "b.com", "c.com") == ("b.com", "c.com")


def test_default_goenv_path_matches_go(monkeypatch: pytest.MonkeyPatch, isolated_env: Path) -> None:
    monkeypatch.delenv("GOENV")
    expected = Path(go("env", "GOENV").stdout.strip())
    assert default_goenv_path(os.environ) == expected
    assert expected == isolated_env / ".config" / "go" / "env"
    assert default_goenv_path({"HOME": "/h"}) == Path("/h/.config/go/env")
    assert default_goenv_path({"HOME": "/h", "XDG_CONFIG_HOME": "/x"}) == Path("/x/go/env")


# --------------------------------------------------------------------------- render_env_file


def go_edit(original: Optional[bytes], changes: Mapping[str, Optional[str]]) -> bytes:
    """What the real `go env -w` then `go env -u` (as go_env_write runs them) make of it."""
    path = env_file()
    if original is None:
        if path.exists():
            path.unlink()
    else:
        write_env(original)
    sets = [f"{k}={v}" for k, v in changes.items() if v is not None]
    unsets = [k for k, v in changes.items() if v is None]
    for args in (["env", "-w", *sets], ["env", "-u", *unsets]):
        if len(args) > 2:
            proc = go(*args)
            assert proc.returncode == 0, proc.stderr
    return path.read_bytes()


P = "https://goproxy.example|https://proxy.golang.org,direct"

# (id, starting file or None for no file, changes)
RENDER_CASES: list[tuple[str, Optional[str], dict[str, Optional[str]]]] = [
    ("no-file-set", None, {"GOPROXY": P}),
    ("no-file-set-two-in-order", None, {"GOPROXY": P, "GOSUMDB": "sum.golang.org"}),
    ("empty-set", "", {"GOPROXY": P}),
    ("key-present-replace", "GOPROXY=https://old.example\n", {"GOPROXY": P}),
    ("key-present-no-newline", "GOPROXY=https://old.example", {"GOPROXY": P}),
    ("earlier-key-no-newline-append", "CGO_ENABLED=0", {"GOPROXY": P}),
    ("key-present-unset", "GOPROXY=https://old.example\nGOSUMDB=off\n", {"GOPROXY": None}),
    ("unset-last-key", "CGO_ENABLED=0\nGOSUMDB=off\n", {"GOSUMDB": None}),
    ("unset-absent-key", "GOSUMDB=off\n", {"GONOPROXY": None}),
    ("unset-only-key", "GOPROXY=x\n", {"GOPROXY": None}),
    (
        "comments-kept",
        "# my go settings\n\n# proxy:\nGOPROXY=https://old.example\n\n# end\n",
        {"GOPROXY": P},
    ),
    ("comment-then-new-key", "# only a comment\n", {"GOPROXY": P}),
    ("blank-lines-kept", "\n\nGOPROXY=a\n\n", {"GOPROXY": P}),
    ("other-keys-earlier", "CGO_ENABLED=0\nGOARCH=arm64\n", {"GOPROXY": P}),
    (
        "set-and-unset",
        "GONOPROXY=x\nGOPROXY=a\nGOSUMDB=off\n",
        {"GOPROXY": P, "GONOPROXY": None, "GOSUMDB": "sum.golang.org"},
    ),
    ("value-with-equals", "GOFLAGS=-ldflags=-s\n", {"GOFLAGS": "-tags=a,b"}),
    # go sorts each run of KEY=VALUE lines after editing; render_env_file does not:
    ("other-keys-later", "GOSUMDB=off\nGOTOOLCHAIN=local\n", {"GOPROXY": P}),
    ("later-key-no-newline-append", "GOSUMDB=x", {"GOPROXY": P}),
    ("no-file-set-two-reverse", None, {"GOSUMDB": "sum.golang.org", "GOPROXY": P}),
    ("unsorted-file-edited", "GOSUMDB=off\nGOPROXY=a\n", {"GOPROXY": P}),
    # go also drops every duplicate but the last, of any key
    ("duplicate-other-key", "CGO_ENABLED=1\nGOPROXY=a\nCGO_ENABLED=0\n", {"GOPROXY": P}),
    # deleted and blanked lines split the runs that go sorts
    ("comment-splits-runs", "GOSUMDB=x\n# mine\nGOFLAGS=-v\nGOAMD64=v3\n", {"GOPROXY": P}),
    ("unset-then-sort", "GOSUMDB=x\nGOPROXY=a\nGOFLAGS=-v\n", {"GOPROXY": None}),
]


@pytest.mark.parametrize(
    ("original", "changes"),
    [pytest.param(o, c, id=i) for i, o, c in RENDER_CASES],
)
def test_render_env_file_matches_real_go(
    original: Optional[str], changes: dict[str, Optional[str]]
) -> None:
    expected = go_edit(None if original is None else original.encode(), changes)
    assert render_env_file(original, changes).encode("utf-8") == expected


def test_render_env_file_exact() -> None:
    assert render_env_file(None, {"GOPROXY": "a"}) == "GOPROXY=a\n"
    assert render_env_file(None, {"GOPROXY": None}) == ""
    assert render_env_file("# c\nGOPROXY=x\nGOSUMDB=y", {"GOPROXY": "z", "GOSUMDB": None}) == (
        "# c\nGOPROXY=z\n"
    )


def test_render_env_file_duplicate_changed_key_keeps_one() -> None:
    # such a file is refused by parse_env_file; should one get here, only one line remains
    assert render_env_file("GOPROXY=a\nGOPROXY=b\n", {"GOPROXY": "c"}) == "GOPROXY=c\n"


def test_builtin_defaults() -> None:
    assert BUILTIN_DEFAULTS["GOPROXY"] == "https://proxy.golang.org,direct"
