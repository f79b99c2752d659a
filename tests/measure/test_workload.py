"""goaccel.measure.workload: go.mod parsing, the project's download list, and the built-in sample.

The parser is cross-checked against `go mod edit -json` and the download list against what the
real `go mod download` fetches, both offline (a file:// GOPROXY).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from gomod_samples import GIN_GO_MOD, K8S_GO_MOD
from helpers import GO_OFFLINE, go

from goaccel.errors import ConfigFileError, InputError
from goaccel.gocompat.dirhash import hash_mod
from goaccel.gocompat.modpath import escape_path, escape_version
from goaccel.gocompat.semver import canonical_version
from goaccel.measure.workload import (
    SAMPLE,
    ModuleRef,
    Workload,
    find_module_root,
    load_project,
    parse_go_mod,
    resolve_workload,
    sample_workload,
)

GO = shutil.which("go") or str(Path(sys.executable).parent / "go")
needs_go = pytest.mark.skipif(not Path(GO).exists(), reason="the go toolchain is not installed")

# --- parse_go_mod: gocompat's parse, errors as ConfigFileError --------------------------------


def test_parse_go_mod_errors_are_config_file_errors() -> None:
    with pytest.raises(ConfigFileError) as info:
        parse_go_mod("module x.com/m\nrequire (\n", "/src/app/go.mod")
    assert info.value.message.startswith("/src/app/go.mod:3: ")
    assert info.value.hint is None  # a syntax error: nothing for go mod edit -json to show
    with pytest.raises(ConfigFileError) as info:
        parse_go_mod("module x.com/m\nrequire a.com/b\n", "/src/app/go.mod")
    assert info.value.message == "/src/app/go.mod:2: usage: require module/path v1.2.3"
    assert info.value.hint == "fix go.mod, or check it with 'go mod edit -json'"


# --- load_project -----------------------------------------------------------------------------

PROJECT_GO_MOD = """\
module example.com/app

go 1.22

toolchain go1.22.4

require (
\tgithub.com/spf13/cobra v1.8.1
\tgithub.com/pkg/errors v0.9.1
\tgolang.org/x/sys v0.20.0
\texample.com/tools v1.0.0
\tgithub.com/nosum/dep v1.2.0
)

require (
\tgithub.com/inconshreveable/mousetrap v1.1.0 // indirect
\tgithub.com/spf13/pflag v1.0.5 // indirect
)

replace github.com/pkg/errors => ../errors

replace golang.org/x/sys => golang.org/x/sys v0.21.0

replace example.com/tools v1.0.0 => example.com/tools-fork v1.0.1

exclude gopkg.in/yaml.v3 v3.0.0
"""

PROJECT_GO_SUM = """\
example.com/app v0.9.0/go.mod h1:APP=
example.com/tools-fork v1.0.1 h1:TF=
example.com/tools-fork v1.0.1/go.mod h1:TFM=
github.com/cpuguy83/go-md2man/v2 v2.0.4/go.mod h1:MD=
github.com/inconshreveable/mousetrap v1.1.0 h1:wN+x4NVGpMsO7ErUn/mUI3vEoE6Jt13X2s0bqwp9tc8=
github.com/inconshreveable/mousetrap v1.1.0/go.mod h1:vpF70FUmC8bwa3OWnCshd2FqLfsEA9PFc4w1p2J65bw=
github.com/pkg/errors v0.9.1/go.mod h1:STALE=
github.com/spf13/cobra v1.8.1 h1:e5/vxKd/rZsfSJMUX1agtjeTDf+qv1/JdBF8gg5k9ZM=
github.com/spf13/cobra v1.8.1/go.mod h1:COBRA=
github.com/spf13/pflag v1.0.5 h1:iy+VFUOCP1a+8yFto/drg2CJ5u0yRoB7fZw3DKv/JXA=
github.com/spf13/pflag v1.0.5/go.mod h1:McXfInJRrz4CZXVZOBLb0bTZqETkiAhM9Iw0y3An2Bg=
golang.org/x/sys v0.18.0/go.mod h1:OLDSYS=
golang.org/x/sys v0.21.0 h1:SYS=
golang.org/x/sys v0.21.0/go.mod h1:SYSM=
gopkg.in/yaml.v3 v3.0.0/go.mod h1:EXCLUDED=
gopkg.in/yaml.v3 v3.0.1/go.mod h1:K4uyk7z7BCEPqu6E+C64Yfv1cQ7kz7rIZviUmN+EgEM=
junk-without-dot v1.0.0 h1:JUNK=
example.com/branch master h1:BRANCH=
"""


def _project(root: Path, gomod: str, gosum: str | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "go.mod").write_text(gomod, encoding="utf-8")
    if gosum is not None:
        (root / "go.sum").write_text(gosum, encoding="utf-8")
    return root


def test_load_project_merges_go_mod_and_go_sum(tmp_path: Path) -> None:
    root = _project(tmp_path / "app", PROJECT_GO_MOD, PROJECT_GO_SUM)
    w = load_project(root)
    assert w.source == "project"
    assert w.root == root
    assert (w.go_version, w.toolchain) == ("1.22", "go1.22.4")
    assert w.modules == (
        ModuleRef("example.com/tools-fork", "v1.0.1", True),  # replaced module version
        ModuleRef("github.com/cpuguy83/go-md2man/v2", "v2.0.4", False),
        ModuleRef("github.com/inconshreveable/mousetrap", "v1.1.0", True),
        ModuleRef("github.com/nosum/dep", "v1.2.0", True),  # required, absent from go.sum
        ModuleRef("github.com/spf13/cobra", "v1.8.1", True),
        ModuleRef("github.com/spf13/pflag", "v1.0.5", True),
        ModuleRef("golang.org/x/sys", "v0.21.0", True),  # every x/sys version -> v0.21.0
        ModuleRef("gopkg.in/yaml.v3", "v3.0.1", False),
    )
    # dropped: the main module, github.com/pkg/errors (a local directory), the excluded
    # yaml.v3 v3.0.0, and lines that are no module version go could fetch
    assert (w.module_count, w.zip_count, w.mod_only_count) == (8, 6, 2)
    assert not w.is_sample


def test_load_project_without_go_sum_needs_every_requirement_zip(tmp_path: Path) -> None:
    root = _project(tmp_path, GIN_GO_MOD)
    w = load_project(root)
    assert w.module_count == 10
    assert w.zip_count == 10
    assert w.modules == tuple(sorted(w.modules, key=lambda m: (m.path, m.version)))


def test_load_project_k8s_style_local_replacements(tmp_path: Path) -> None:
    w = load_project(_project(tmp_path, K8S_GO_MOD))
    assert w.modules == (
        ModuleRef("github.com/fork/go-cmp", "v0.6.1-0.20240101000000-abcdefabcdef", True),
    )


def test_load_project_dedupes_and_merges_needs_zip(tmp_path: Path) -> None:
    gomod = "module example.com/m\n\nrequire example.com/a v1.0.0\n"
    gosum = (
        "example.com/a v1.0.0/go.mod h1:A=\n"
        "example.com/old v1.0.0/go.mod h1:B=\n"
        "example.com/old v1.0.0 h1:C=\n"
        "example.com/a v1.0.0/go.mod h1:A=\n"
    )
    w = load_project(_project(tmp_path, gomod, gosum))
    # a is required but go.sum has only its go.mod hash: go needs no zip for it
    assert w.modules == (
        ModuleRef("example.com/a", "v1.0.0", False),
        ModuleRef("example.com/old", "v1.0.0", True),
    )


def test_load_project_conflicting_replacements(tmp_path: Path) -> None:
    gomod = (
        "module example.com/m\n"
        "replace example.com/a => example.com/b v1.0.0\n"
        "replace example.com/a => example.com/c v1.0.0\n"
    )
    with pytest.raises(ConfigFileError, match=r"go.mod:3: conflicting replacements"):
        load_project(_project(tmp_path, gomod))


def test_load_project_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="no module declaration"):
        load_project(_project(tmp_path / "a", "go 1.22\n"))
    root = _project(tmp_path / "b", "module example.com/m\n", "example.com/x v1.0.0\n")
    with pytest.raises(ConfigFileError, match=r"go.sum:1: wrong number of fields"):
        load_project(root)
    root = _project(tmp_path / "c", "module example.com/m\nrequire (\n")
    with pytest.raises(ConfigFileError) as info:
        load_project(root)
    assert info.value.message.startswith(f"{root / 'go.mod'}:3: ")


def test_load_project_tolerates_invalid_utf8(tmp_path: Path) -> None:
    root = tmp_path / "m"
    root.mkdir()
    (root / "go.mod").write_bytes(
        b"// caf\xe9\nmodule example.com/m\nrequire example.com/a v1.0.0\n"
    )
    assert load_project(root).modules == (ModuleRef("example.com/a", "v1.0.0", True),)


# --- load_project against the real go ---------------------------------------------------------


def _publish(proxy: Path, path: str, version: str, files: dict[str, str]) -> None:
    d = proxy / escape_path(path) / "@v"
    d.mkdir(parents=True, exist_ok=True)
    with (d / "list").open("a") as f:
        f.write(version + "\n")
    ev = escape_version(version)
    (d / f"{ev}.info").write_text(json.dumps({"Version": version, "Time": "2024-05-01T12:00:00Z"}))
    (d / f"{ev}.mod").write_text(files["go.mod"])
    with zipfile.ZipFile(d / f"{ev}.zip", "w") as z:
        for name, data in files.items():
            z.writestr(f"{path}@{version}/{name}", data)


@pytest.mark.go
@needs_go
@pytest.mark.parametrize("go_line", ["1.21", "1.16"])
def test_workload_is_what_go_mod_download_fetches(tmp_path: Path, go_line: str) -> None:
    """A small module graph in a file:// proxy: `go mod tidy` writes go.sum, then a fresh
    `go mod download` fetches exactly our zips, and exactly our go.mod files."""
    proxy = tmp_path / "proxy"
    _publish(
        proxy,
        "example.com/b",
        "v1.0.0",
        {"go.mod": "module example.com/b\n", "b.go": "package b\n"},
    )
    _publish(
        proxy,
        "example.com/b",
        "v1.1.0",
        {"go.mod": "module example.com/b\n", "b.go": "package b\n"},
    )
    _publish(
        proxy,
        "example.com/c",
        "v1.0.0",
        {"go.mod": "module example.com/c\n", "c.go": "package c\n"},
    )
    _publish(
        proxy,
        "example.com/Big/d",
        "v1.0.0-RC1",
        {"go.mod": "module example.com/Big/d\n", "d.go": "package d\n"},
    )
    _publish(
        proxy,
        "example.com/a",
        "v1.0.0",
        {
            "go.mod": "module example.com/a\n\nrequire (\n\texample.com/b v1.0.0\n"
            "\texample.com/c v1.0.0\n)\n",
            "a.go": 'package a\n\nimport _ "example.com/b"\n',
            "other/o.go": 'package other\n\nimport _ "example.com/c"\n',  # app never imports it
        },
    )
    app = _project(
        tmp_path / "app",
        f"module example.com/app\n\ngo {go_line}\n\nrequire (\n\texample.com/a v1.0.0\n"
        "\texample.com/b v1.1.0\n\texample.com/Big/d v1.0.0-RC1\n)\n",
    )
    (app / "main.go").write_text(
        'package main\n\nimport (\n\t_ "example.com/Big/d"\n\t_ "example.com/a"\n'
        '\t_ "example.com/b"\n)\n\nfunc main() {}\n'
    )
    env = {**GO_OFFLINE, "GOPROXY": proxy.as_uri(), "GOSUMDB": "off"}
    tidy = go("mod", "tidy", cwd=app, env=dict(env, GOMODCACHE=str(tmp_path / "cache1")))
    assert tidy.returncode == 0, tidy.stderr
    assert f"go {go_line}\n" in (app / "go.mod").read_text()

    w = load_project(app)
    assert w.modules == (
        ModuleRef("example.com/Big/d", "v1.0.0-RC1", True),
        ModuleRef("example.com/a", "v1.0.0", True),
        ModuleRef("example.com/b", "v1.0.0", False),  # only a's requirement: go.mod alone
        ModuleRef("example.com/b", "v1.1.0", True),
        ModuleRef("example.com/c", "v1.0.0", False),  # in the graph, no package used
    )

    cache = tmp_path / "cache2"
    download = go("mod", "download", cwd=app, env=dict(env, GOMODCACHE=str(cache)))
    assert download.returncode == 0, download.stderr
    fetched = {
        p.relative_to(cache / "cache" / "download").as_posix()
        for p in (cache / "cache" / "download").rglob("*")
        if p.suffix in (".zip", ".mod") and p.parent.name == "@v"
    }

    def key(m: ModuleRef, suffix: str) -> str:
        return f"{escape_path(m.path)}/@v/{escape_version(m.version)}.{suffix}"

    mods = {key(m, "mod") for m in w.modules}
    zips = {key(m, "zip") for m in w.modules if m.needs_zip}
    if go_line == "1.16":
        # Before go 1.17 (no graph pruning) `go mod download` fetches the zip of every module in
        # the build list, even one no package is imported from; a build needs only ours.
        zips.add("example.com/c/@v/v1.0.0.zip")
    assert fetched == mods | zips
    for m in w.modules:  # and the go.mod hashes go wrote are those of the files it fetched
        data = (cache / "cache" / "download" / key(m, "mod")).read_bytes()
        assert f"{m.path} {m.version}/go.mod {hash_mod(data)}" in (app / "go.sum").read_text()


# --- find_module_root / resolve_workload ------------------------------------------------------


def test_find_module_root_walks_up(tmp_path: Path) -> None:
    root = _project(tmp_path / "repo", "module example.com/repo\n")
    deep = root / "cmd" / "tool" / "internal"
    deep.mkdir(parents=True)
    assert find_module_root(deep) == root
    assert find_module_root(root) == root
    (deep / "file.go").write_text("package internal\n")
    assert find_module_root(deep / "file.go") == root
    assert find_module_root(root / "cmd" / ".." / "cmd") == root


def test_find_module_root_nested_module_wins(tmp_path: Path) -> None:
    root = _project(tmp_path / "repo", "module example.com/repo\n")
    inner = _project(root / "tools", "module example.com/repo/tools\n")
    assert find_module_root(inner / ".") == inner


def test_find_module_root_ignores_a_directory_named_go_mod(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    (plain / "go.mod").mkdir(parents=True)
    found = find_module_root(plain)
    assert found is None or found in plain.parents  # some enclosing module, never plain


def test_find_module_root_ignores_go_mod_in_the_temp_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # go: "ignoring go.mod in system temp root" (someone's /tmp/go.mod experiment)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    _project(tmp_path, "module example.com/tmp\n")
    (tmp_path / "work").mkdir()
    assert find_module_root(tmp_path / "work") is None
    inner = _project(tmp_path / "work" / "m", "module example.com/m\n")
    assert find_module_root(inner) == inner


def test_workspace_root_without_go_mod(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "go.work").write_text("go 1.22\n\nuse (\n\t./api\n\t./cli\n)\n")
    api = _project(ws / "api", "module example.com/api\n\nrequire example.com/x v1.0.0\n")
    _project(ws / "cli", "module example.com/cli\n")
    assert find_module_root(ws) is None
    w = resolve_workload(None, ws)
    assert w.source == "sample"
    w = resolve_workload(None, api)
    assert (w.source, w.root) == ("project", api)
    assert w.modules == (ModuleRef("example.com/x", "v1.0.0", True),)


def test_resolve_workload_explicit_project(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", GIN_GO_MOD)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    w = resolve_workload(root, elsewhere)
    assert (w.source, w.root, w.module_count) == ("project", root, 10)


@pytest.mark.parametrize("make", ["empty-dir", "missing", "subdir-of-module"])
def test_resolve_workload_project_without_go_mod(tmp_path: Path, make: str) -> None:
    target = tmp_path / "target"
    if make == "empty-dir":
        target.mkdir()
    elif make == "subdir-of-module":
        _project(tmp_path, "module example.com/m\n")
        target.mkdir()
    with pytest.raises(InputError, match=f"no go.mod in {re.escape(str(target))}"):
        resolve_workload(target, tmp_path)


def test_resolve_workload_from_cwd_and_fallback(tmp_path: Path) -> None:
    root = _project(tmp_path / "m", "module example.com/m\nrequire example.com/a v1.0.0\n")
    sub = root / "pkg"
    sub.mkdir()
    assert resolve_workload(None, sub).root == root
    nowhere = tmp_path / "nowhere"
    nowhere.mkdir()
    w = resolve_workload(None, nowhere)
    if find_module_root(nowhere) is None:  # unless the test runs inside some module
        assert w == sample_workload()


def test_resolve_workload_propagates_parse_errors(tmp_path: Path) -> None:
    root = _project(tmp_path / "bad", "module example.com/m\nrequire (\n")
    with pytest.raises(ConfigFileError):
        resolve_workload(None, root)


# --- the sample -------------------------------------------------------------------------------


def test_sample_is_valid_sorted_and_unique() -> None:
    assert 25 <= len(SAMPLE) <= 40
    keys = [(m.path, m.version) for m in SAMPLE]
    assert keys == sorted(keys)
    assert len({m.path for m in SAMPLE}) == len(SAMPLE)
    for m in SAMPLE:
        escape_path(m.path)  # a valid module path
        assert canonical_version(m.version) == m.version
    assert any("!" in escape_path(m.path) for m in SAMPLE)  # exercises case-encoding
    assert any(not m.needs_zip for m in SAMPLE)
    paths = {m.path for m in SAMPLE}
    assert {"github.com/spf13/cobra", "golang.org/x/text", "gopkg.in/yaml.v3"} <= paths


def test_sample_workload() -> None:
    w = sample_workload()
    assert isinstance(w, Workload)
    assert (w.source, w.root, w.go_version, w.toolchain) == ("sample", None, None, None)
    assert w.modules == SAMPLE
    assert w.is_sample
    assert w.zip_count + w.mod_only_count == w.module_count == len(SAMPLE)


# --- the toolchain go downloads first (measure.toolchain) -------------------------------------


@pytest.mark.parametrize(
    ("go_line", "toolchain_line", "gotoolchain", "expected"),
    [
        ("1.99.0", None, "auto", ("go1.99.0", "v0.0.1-go1.99.0.linux-amd64", "go line")),
        ("1.99", None, None, ("go1.99.0", "v0.0.1-go1.99.0.linux-amd64", "go line")),
        ("1.21", "go1.98.1", "auto", ("go1.98.1", "v0.0.1-go1.98.1.linux-amd64", "toolchain line")),
        ("1.21", None, "go1.98.2+auto", ("go1.98.2", "v0.0.1-go1.98.2.linux-amd64", "GOTOOLCHAIN")),
        ("1.21", None, "auto", None),  # the local go runs it
        ("1.99.0", None, "local", None),  # go stops instead: nothing is downloaded
        ("1.99.0", None, "path", None),  # only PATH is looked in
        ("1.21", "go1.98.1", "local", None),
        ("1.99", None, "go1.99", None),  # a language version: go fails before downloading
    ],
)  # fmt: skip
def test_toolchain_need(
    go_line: str, toolchain_line: str | None, gotoolchain: str | None,
    expected: tuple[str, str, str] | None,
) -> None:  # fmt: skip
    from goaccel.measure.toolchain import toolchain_need

    need = toolchain_need(go_line, toolchain_line, "go1.27.3", gotoolchain, "linux", "amd64")
    if expected is None:
        assert need is None
        return
    assert need is not None
    assert (need.name, need.module.version, need.reason) == expected
    assert need.module.path == "golang.org/toolchain" and need.module.needs_zip
    assert need.key == f"golang.org/toolchain@{expected[1]}"


def test_toolchain_need_without_go_or_platform() -> None:
    from goaccel.measure.toolchain import toolchain_need

    assert toolchain_need("1.99.0", None, None, "auto", "linux", "amd64") is None
    assert toolchain_need("1.99.0", None, "go1.27.3", "auto", None, None) is None


def test_with_toolchain_reads_the_local_go_and_the_users_gotoolchain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The local go's version and platform come from go env (run with GOTOOLCHAIN=local), and
    GOTOOLCHAIN is the user's own: auto downloads, local does not."""
    from goaccel.gotool.env import find_go, read_goenv
    from goaccel.measure.measurement import known_zip_sizes, mirror_workload
    from goaccel.measure.toolchain import with_toolchain

    (tmp_path / "go.mod").write_text("module example.com/app\n\ngo 1.99.0\n", encoding="utf-8")
    host = go("env", "GOHOSTOS", "GOHOSTARCH").stdout.split()
    monkeypatch.setenv("GOTOOLCHAIN", "auto")
    w = with_toolchain(load_project(tmp_path), read_goenv(find_go()))
    need = w.toolchain_download
    assert need is not None and need.key == f"golang.org/toolchain@v0.0.1-go1.99.0.{'-'.join(host)}"
    assert with_toolchain(sample_workload(), read_goenv(find_go())).toolchain_download is None
    monkeypatch.setenv("GOTOOLCHAIN", "local")
    assert with_toolchain(load_project(tmp_path), read_goenv(find_go())).toolchain_download is None
    # GONOPROXY covering golang.org/toolchain: go fetches it directly, the mirrors never see it
    assert mirror_workload(w, "golang.org").toolchain_download is None
    assert mirror_workload(w, "example.com/other").toolchain_download == need
    # its size in the module cache counts, as a module's does
    cache = tmp_path / "modcache"
    zip_path = cache / "cache/download/golang.org/toolchain/@v" / f"{need.module.version}.zip"
    zip_path.parent.mkdir(parents=True)
    zip_path.write_bytes(b"PK" + b"x" * 998)
    assert known_zip_sizes(w, str(cache)) == {need.key: 1000}
