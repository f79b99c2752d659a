"""goaccel.gocompat.gosum: go.sum files; with dirhash and modpath, checked against go."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from goaccel.gocompat.dirhash import EMPTY_GO_MOD_HASH, hash1, hash_mod, hash_zip
from goaccel.gocompat.gosum import GoSumEntry, GoSumError, parse_go_sum
from goaccel.gocompat.modpath import escape_path, escape_version

GO = shutil.which("go") or str(Path(sys.executable).parent / "go")
needs_go = pytest.mark.skipif(not Path(GO).exists(), reason="the go toolchain is not installed")


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
    with pytest.raises(GoSumError, match=expected):
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
