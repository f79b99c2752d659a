"""goaccel.gocompat.gosum: module path escaping, h1 hashes and go.sum, checked against go."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from goaccel.errors import ConfigFileError, InputError
from goaccel.gocompat import gosum
from goaccel.gocompat.gosum import (
    EMPTY_GO_MOD_HASH,
    GoSumEntry,
    check_path,
    escape_path,
    escape_version,
    hash1,
    hash_mod,
    hash_zip,
    parse_go_sum,
    path_major,
    unescape_path,
    unescape_version,
)

GO = shutil.which("go") or str(Path(sys.executable).parent / "go")
needs_go = pytest.mark.skipif(not Path(GO).exists(), reason="the go toolchain is not installed")


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
    with pytest.raises(InputError):
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
    with pytest.raises(InputError):
        unescape_path(escaped)


def test_escape_version() -> None:
    assert escape_version("v1.0.0") == "v1.0.0"
    assert escape_version("v1.0.0-RC1") == "v1.0.0-!r!c1"
    assert unescape_version("v1.0.0-!r!c1") == "v1.0.0-RC1"
    assert escape_version("v2.0.0+incompatible") == "v2.0.0+incompatible"
    for bad in ["", "v1!", "v1/2", "v1.0.0.", ".."]:
        with pytest.raises(InputError):
            escape_version(bad)
    with pytest.raises(InputError):
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


# --- hashes -----------------------------------------------------------------------------------


def _summary_hash(lines: bytes) -> str:
    return "h1:" + base64.b64encode(hashlib.sha256(lines).digest()).decode()


def test_hash1_is_sha256_of_sorted_sha256sum_lines() -> None:
    files = [("b.txt", b"bee\n"), ("a.txt", b"ay\n"), ("B.txt", b"upper\n")]
    summary = b"".join(
        hashlib.sha256(data).hexdigest().encode() + b"  " + name.encode() + b"\n"
        for name, data in sorted(files)
    )
    assert hash1(files) == _summary_hash(summary)
    assert hash1(reversed(files)) == hash1(files)  # order of the input does not matter


def test_hash1_sorts_names_as_bytes() -> None:
    # Go sorts file names as byte strings; UTF-8 preserves code point order, so "Z" < "a" < "é".
    files = [("é", b"1"), ("a", b"2"), ("Z", b"3")]
    summary = b"".join(
        hashlib.sha256(d).hexdigest().encode() + b"  " + n.encode() + b"\n"
        for n, d in [("Z", b"3"), ("a", b"2"), ("é", b"1")]
    )
    assert hash1(files) == _summary_hash(summary)


def test_hash1_rejects_newlines_in_names() -> None:
    with pytest.raises(InputError, match="newline"):
        hash1([("a\nb", b"")])


def test_hash_mod_matches_published_go_sum_lines() -> None:
    # Modules without a go.mod get a synthesized "module PATH\n"; their /go.mod lines in real
    # go.sum files (gin, cobra) are exactly that text hashed as a single file named "go.mod".
    published = {
        "gopkg.in/check.v1": "h1:Co6ibVJAznAaIkqp8huTwlJQCZ016jof/cbN4VW5Yz0=",
        "github.com/davecgh/go-spew": "h1:J7Y8YcW2NihsgmVo/mv3lAwl/skON4iLHjSsI+c5H38=",
        "github.com/pmezard/go-difflib": "h1:iKH77koFhYxTK1pcRnkKkqfTogsbg7gZNVY4sRDYZ/4=",
    }
    for path, h in published.items():
        assert hash_mod(f"module {path}\n".encode(), path, "v1.0.0") == h


def test_hash_mod_of_empty_file_is_go_known_bogus_hash() -> None:
    assert hash_mod(b"", "example.com/x", "v1.0.0") == EMPTY_GO_MOD_HASH


def test_hash_mod_ignores_path_and_version() -> None:
    data = b"module example.com/x\n"
    assert hash_mod(data, "example.com/x", "v1.0.0") == hash_mod(data, "other.org/y", "v2.0.0")
    assert hash_mod(data) == hash1([("go.mod", data)])


def _zip(entries: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


def test_hash_zip_ignores_compression_and_order() -> None:
    entries = [("m@v1.0.0/go.mod", b"module m\n"), ("m@v1.0.0/a.go", b"package a\n")]
    a = hash_zip(_zip(entries, zipfile.ZIP_DEFLATED))
    b = hash_zip(_zip(list(reversed(entries)), zipfile.ZIP_STORED))
    assert a == b == hash1(entries)


def test_hash_zip_uses_stored_names_including_non_ascii() -> None:
    entries = [("m@v1.0.0/docs/héllo.txt", b"hi"), ("m@v1.0.0/go.mod", b"module m\n")]
    assert hash_zip(_zip(entries)) == hash1(entries)


def test_hash_zip_lists_directory_entries_and_duplicates_like_go() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("m@v1.0.0/dir/", b"")
        z.writestr("m@v1.0.0/a.go", b"first")
        with pytest.warns(UserWarning, match="Duplicate name"):
            z.writestr("m@v1.0.0/a.go", b"second")
    # Go hashes every entry; it finds contents through a map by name, so the last one wins
    expected = hash1(
        [("m@v1.0.0/dir/", b""), ("m@v1.0.0/a.go", b"second"), ("m@v1.0.0/a.go", b"second")]
    )
    assert hash_zip(buf.getvalue()) == expected


def test_hash_zip_refuses_more_than_go_allows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gosum, "MAX_ZIP_CONTENT", 1000)
    small = _zip([("m@v1.0.0/a", b"x" * 1000)])
    assert hash_zip(small).startswith("h1:")
    with pytest.raises(InputError, match="too large"):
        hash_zip(_zip([("m@v1.0.0/a", b"x" * 600), ("m@v1.0.0/b", b"y" * 401)]))


def test_hash_zip_rejects_garbage() -> None:
    with pytest.raises(InputError):
        hash_zip(b"this is not a zip file")


# --- go.sum -----------------------------------------------------------------------------------

GIN_GO_SUM = """\
github.com/bytedance/sonic v1.11.6 h1:oUp34TzMlL+OY1OUWxHqsdkgC/Zfc85zGqw9siXjrc0=
github.com/bytedance/sonic v1.11.6/go.mod h1:LysEHSvpvDySVdC2f87zGWf6CIKJcAvqab1ZaiQtds4=
github.com/davecgh/go-spew v1.1.0/go.mod h1:J7Y8YcW2NihsgmVo/mv3lAwl/skON4iLHjSsI+c5H38=
github.com/davecgh/go-spew v1.1.1 h1:vj9j/u1bqnvCEfJOwUhtlOARqs3+rkHYY13jYWTU97c=
github.com/davecgh/go-spew v1.1.1/go.mod h1:J7Y8YcW2NihsgmVo/mv3lAwl/skON4iLHjSsI+c5H38=
github.com/gin-gonic/gin v1.10.0 h1:nTuyha1TYqgedzytsKYqna+DfLos46nTv2ygFy86HFU=
github.com/gin-gonic/gin v1.10.0/go.mod h1:4PMNQiOhvDRa013RKVbsiNwoyezlm2rm0uX/T7kzp5Y=
gopkg.in/check.v1 v0.0.0-20161208181325-20d25e280405/go.mod \
h1:Co6ibVJAznAaIkqp8huTwlJQCZ016jof/cbN4VW5Yz0=
gopkg.in/yaml.v3 v3.0.1 h1:fxVm/GzAzEWqLHuvctI91KS9hhNmmWOoWu0XTYJS7CA=
gopkg.in/yaml.v3 v3.0.1/go.mod h1:K4uyk7z7BCEPqu6E+C64Yfv1cQ7kz7rIZviUmN+EgEM=
"""


def test_parse_go_sum_real_file() -> None:
    sums = parse_go_sum(GIN_GO_SUM)
    assert len(sums) == 6
    gin = sums[("github.com/gin-gonic/gin", "v1.10.0")]
    assert gin == GoSumEntry(
        "github.com/gin-gonic/gin",
        "v1.10.0",
        zip_hash="h1:nTuyha1TYqgedzytsKYqna+DfLos46nTv2ygFy86HFU=",
        mod_hash="h1:4PMNQiOhvDRa013RKVbsiNwoyezlm2rm0uX/T7kzp5Y=",
    )
    spew_old = sums[("github.com/davecgh/go-spew", "v1.1.0")]
    assert spew_old.zip_hash is None
    assert spew_old.mod_hash == "h1:J7Y8YcW2NihsgmVo/mv3lAwl/skON4iLHjSsI+c5H38="
    assert sums[("gopkg.in/check.v1", "v0.0.0-20161208181325-20d25e280405")].zip_hash is None
    assert next(iter(sums)) == ("github.com/bytedance/sonic", "v1.11.6")  # file order


def test_parse_go_sum_tolerates_blank_lines_crlf_and_spacing() -> None:
    text = (
        "\r\n\n  example.com/a   v1.0.0\th1:AAA=  \r\n\n\nexample.com/a v1.0.0/go.mod h1:BBB=\r\n"
    )
    assert parse_go_sum(text) == {
        ("example.com/a", "v1.0.0"): GoSumEntry("example.com/a", "v1.0.0", "h1:AAA=", "h1:BBB=")
    }
    assert parse_go_sum("") == {}


def test_parse_go_sum_drops_the_bogus_empty_go_mod_hash_and_keeps_first_duplicate() -> None:
    text = (
        f"example.com/a v1.0.0/go.mod {EMPTY_GO_MOD_HASH}\n"
        "example.com/b v1.0.0 h1:FIRST=\n"
        "example.com/b v1.0.0 h1:SECOND=\n"
    )
    sums = parse_go_sum(text)
    assert ("example.com/a", "v1.0.0") not in sums
    assert sums[("example.com/b", "v1.0.0")].zip_hash == "h1:FIRST="


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("example.com/a v1.0.0\n", 1),
        ("example.com/a v1.0.0 h1:A=\n\nexample.com/b v1.0.0 h1:B= extra\n", 3),
        ("example.com/a v1.0.0 h1:A=\r\n<<<<<<< HEAD\r\n", 2),  # a merge conflict marker
    ],
)
def test_parse_go_sum_malformed_lines_name_the_line(text: str, line: int) -> None:
    expected = rf"^malformed go.sum: /p/go.sum:{line}: wrong number of fields"
    with pytest.raises(ConfigFileError, match=expected):
        parse_go_sum(text, "/p/go.sum")


# --- against the real go: a file:// GOPROXY, no network ---------------------------------------


def _publish(proxy: Path, path: str, version: str, files: dict[str, bytes]) -> Path:
    """Lay out path@version the way a GOPROXY serves it; return the zip's location.

    Both the path and the version are case-encoded in file names (v1.0.0-RC1 is served as
    v1.0.0-!r!c1.info); entries inside the zip use the real path@version.
    """
    d = proxy / escape_path(path) / "@v"
    d.mkdir(parents=True, exist_ok=True)
    with (d / "list").open("a") as f:
        f.write(version + "\n")
    info = {"Version": version, "Time": "2024-05-01T12:00:00Z"}
    ev = escape_version(version)
    (d / f"{ev}.info").write_text(json.dumps(info))
    (d / f"{ev}.mod").write_bytes(files["go.mod"])
    zpath = d / f"{ev}.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(f"{path}@{version}/{name}", data)
    return zpath


def _go_env(proxy: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GOPROXY=proxy.as_uri(),
        GOSUMDB="off",
        GOFLAGS="-mod=mod -modcacherw",
        GOTOOLCHAIN="local",
    )
    return env


def _go(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GO, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


MODULES = [
    (
        "example.com/x",
        "v1.0.0",
        {
            "go.mod": b"module example.com/x\n\ngo 1.21\n",
            "x.go": b"package x\n",
            "LICENSE": b"MIT\n",
            "sub/Zed.go": b"package sub\n",
            "sub/a.go": b"package sub\n\n// a\n",
            "docs/héllo.txt": b"hi\n",
        },
    ),
    (
        "example.com/Upper/Case",
        "v1.2.3-RC1",
        {
            "go.mod": b"module example.com/Upper/Case\r\n\r\ngo 1.21\r\n",
            "c.go": b"package c\r\n",
            "testdata/empty.txt": b"",
        },
    ),
    (
        "gopkg.in/thing.v2",
        "v2.0.1",
        {"go.mod": b"module gopkg.in/thing.v2\n", "t.go": b"package t\n"},
    ),
]


@pytest.mark.go
@needs_go
@pytest.mark.parametrize(("path", "version", "files"), MODULES, ids=[m[0] for m in MODULES])
def test_hashes_match_go_mod_download(
    tmp_path: Path, path: str, version: str, files: dict[str, bytes]
) -> None:
    proxy = tmp_path / "proxy"
    zpath = _publish(proxy, path, version, files)
    work = tmp_path / "work"
    work.mkdir()
    result = _go(["mod", "download", "-json", f"{path}@{version}"], work, _go_env(proxy))
    assert result.returncode == 0, result.stderr + result.stdout
    info = json.loads(result.stdout)
    assert info["Path"] == path
    assert info["Sum"] == hash_zip(zpath.read_bytes())
    assert info["GoModSum"] == hash_mod(files["go.mod"], path, version)
    # the zip hash covers the stored names (module@version/...) and contents only
    assert hash_zip(zpath.read_bytes()) == hash1(
        (f"{path}@{version}/{name}", data) for name, data in files.items()
    )


@pytest.mark.go
@needs_go
def test_go_sum_written_by_go_parses_to_our_hashes(tmp_path: Path) -> None:
    proxy = tmp_path / "proxy"
    dep_files = {"go.mod": b"module example.com/Dep\n\ngo 1.21\n", "d.go": b"package dep\n"}
    zpath = _publish(proxy, "example.com/Dep", "v1.4.0", dep_files)
    app = tmp_path / "app"
    app.mkdir()
    (app / "go.mod").write_text("module example.com/app\n\ngo 1.21\n")
    (app / "main.go").write_text('package main\n\nimport _ "example.com/Dep"\n\nfunc main() {}\n')
    result = _go(["get", "example.com/Dep@v1.4.0"], app, _go_env(proxy))
    assert result.returncode == 0, result.stderr
    sums = parse_go_sum((app / "go.sum").read_text(), str(app / "go.sum"))
    assert sums == {
        ("example.com/Dep", "v1.4.0"): GoSumEntry(
            "example.com/Dep",
            "v1.4.0",
            zip_hash=hash_zip(zpath.read_bytes()),
            mod_hash=hash_mod(dep_files["go.mod"]),
        )
    }
