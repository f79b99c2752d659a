"""goaccel.gocompat.modpath: module path checks and case-encoding, as golang.org/x/mod/module."""

from __future__ import annotations

import pytest

from goaccel.gocompat.modpath import (
    ModulePathError,
    check_path,
    escape_path,
    escape_version,
    path_major,
    unescape_path,
    unescape_version,
)

# --- escaping ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "escaped"),
    [
        ("github.com/spf13/cobra", "github.com/spf13/cobra"),
        ("github.com/BurntSushi/toml", "github.com/!burnt!sushi/toml"),
        ("github.com/Masterminds/semver/v3", "github.com/!masterminds/semver/v3"),
        ("github.com/Azure/azure-sdk-for-go", "github.com/!azure/azure-sdk-for-go"),
        ("gopkg.in/yaml.v3", "gopkg.in/yaml.v3"),
        ("example.com/ABC", "example.com/!a!b!c"),
        ("example.com/a_b~c-d.e", "example.com/a_b~c-d.e"),
    ],
)
def test_escape_path_round_trip(path: str, escaped: str) -> None:
    assert escape_path(path) == escaped
    assert unescape_path(escaped) == path


@pytest.mark.parametrize(
    "path",
    [
        "",
        "example.com/a!b",  # '!' is the escape character, never part of a path
        "example.com/a b",
        "example.com//x",
        "example.com/x/",
        "/example.com",
        "-example.com/x",
        "localhost/x",  # no dot in the first element
        "Example.com/x",  # uppercase in the first element
        "example.com/.hidden",
        "example.com/x.",
        "example.com/x/v1",  # /v1 is not a valid major suffix
        "example.com/x/v0",
        "example.com/x/v2.1",
        "gopkg.in/yaml",  # gopkg.in needs .vN
        "example.com/héllo",
        "example.com/con",  # reserved on Windows
        "example.com/PROGRA~1",
    ],
)
def test_escape_path_rejects_invalid_paths(path: str) -> None:
    with pytest.raises(ModulePathError):
        escape_path(path)


@pytest.mark.parametrize(
    "escaped",
    [
        "github.com/BurntSushi/toml",
        "example.com/x!",
        "example.com/!1",
        "example.com/!!a",
        "example.com/é",
    ],
)
def test_unescape_path_rejects_bad_encodings(escaped: str) -> None:
    with pytest.raises(ModulePathError):
        unescape_path(escaped)


def test_escape_version() -> None:
    assert escape_version("v1.0.0") == "v1.0.0"
    assert escape_version("v1.0.0-RC1") == "v1.0.0-!r!c1"
    assert unescape_version("v1.0.0-!r!c1") == "v1.0.0-RC1"
    assert escape_version("v2.0.0+incompatible") == "v2.0.0+incompatible"
    for bad in ["", "v1!", "v1/2", "v1.0.0.", ".."]:
        with pytest.raises(ModulePathError):
            escape_version(bad)
    with pytest.raises(ModulePathError):
        unescape_version("v1.0.0-RC1")


def test_check_path_accepts_real_paths() -> None:
    for path in ["golang.org/x/net", "go.uber.org/zap", "k8s.io/client-go", "gopkg.in/check.v1"]:
        check_path(path)


@pytest.mark.parametrize(
    ("path", "major"),
    [
        ("example.com/m", ""),
        ("example.com/m/v2", "/v2"),
        ("example.com/m/v1", None),
        ("example.com/m/v02", None),
        ("gopkg.in/yaml.v3", ".v3"),
        ("gopkg.in/check.v1", ".v1"),
        ("gopkg.in/x.v2-unstable", ".v2-unstable"),
        ("gopkg.in/yaml", None),
    ],
)
def test_path_major(path: str, major: str | None) -> None:
    assert path_major(path) == major
