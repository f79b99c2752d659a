"""goaccel.gocompat.gomod: go.mod parsing as golang.org/x/mod/modfile, checked against go."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from gomod_samples import GIN_GO_MOD, K8S_GO_MOD
from helpers import GO_OFFLINE, go

from goaccel.gocompat.gomod import GoMod, ModFileError, Replacement, Requirement, parse_go_mod

GO = shutil.which("go") or str(Path(sys.executable).parent / "go")
needs_go = pytest.mark.skipif(not Path(GO).exists(), reason="the go toolchain is not installed")


# Everything at once: comments everywhere, quoting, replace of every form, toolchain, exclude,
# retract with rationale, godebug and tool blocks, an empty block, single-line requires.
KITCHEN_SINK_GO_MOD = """\
// Copyright header comment.
// Deprecated: use example.com/app/v2 instead.
module "example.com/app"

go 1.22.0

toolchain go1.22.4

godebug (
\tdefault=go1.21
\tpanicnil=1
)

require github.com/spf13/cobra v1.8.1

require (
\t// the TOML parser
\t"github.com/BurntSushi/toml" v1.4.0 // indirect
\tgolang.org/x/text v0.16 // indirect; needed by x/net
\tgolang.org/x/net v0.26.0 //indirect
\tgolang.org/x/sys v0.21.0 // Indirect
\tgolang.org/x/sync v0.7.0 // indirect and more
\tgopkg.in/check.v1 v0.0.0-20161208181325-20d25e280405 // indirect

\tgithub.com/pkg/errors v0.9.1
\tgithub.com/Masterminds/semver/v3 v3.2.1
\tgithub.com/docker/docker v24.0.9+incompatible
)

require ( // a comment after the paren
\tgo.uber.org/zap v1.27.0
) // and after the closing one

require ()

replace github.com/pkg/errors => ../errors

replace (
\tgolang.org/x/net v0.1.0 => golang.org/x/net v0.2.0
\t"golang.org/x/sys" => github.com/golang/sys v0.21.0
\texample.com/local v1.0.0 => /abs/path/local
\texample.com/dot => .
)

exclude golang.org/x/crypto v0.1.0

exclude (
\tgolang.org/x/crypto v0.2.0
)

retract (
\t// published by accident
\tv1.0.0
\t[v1.1.0, v1.2.0] // broken build
)

tool example.com/app/cmd/gen
"""


QUOTING_GO_MOD = """\
module example.com/q
require "example.com/\\u0062\\x63" v1.0.0
require (
\t"example.com/\\154ess" "v1.0.0"
)
replace example.com/bc v1.0.0 => example.com/bc2 v1.0.1 // a replace comment
"""


def _go_edit_json(gomod: GoMod) -> dict[str, Any]:
    """Our parse in the shape of `go mod edit -json` (only the fields we model)."""
    out: dict[str, Any] = {"Module": {"Path": gomod.module or ""}}
    if gomod.go:
        out["Go"] = gomod.go
    if gomod.toolchain:
        out["Toolchain"] = gomod.toolchain
    if gomod.requires:
        out["Require"] = [
            {"Path": r.path, "Version": r.version, **({"Indirect": True} if r.indirect else {})}
            for r in gomod.requires
        ]
    if gomod.excludes:
        out["Exclude"] = [{"Path": p, "Version": v} for p, v in gomod.excludes]
    if gomod.replaces:

        def mv(path: str, version: str | None) -> dict[str, str]:
            return {"Path": path, **({"Version": version} if version else {})}

        out["Replace"] = [
            {"Old": mv(r.old_path, r.old_version), "New": mv(r.new_path, r.new_version)}
            for r in gomod.replaces
        ]
    return out


# --- parse_go_mod -----------------------------------------------------------------------------


def test_parse_tidy_output() -> None:
    gm = parse_go_mod(GIN_GO_MOD)
    assert gm.module == "backend"
    assert gm.go == "1.23.7"
    assert gm.toolchain is None
    assert len(gm.requires) == 10
    assert gm.requires[0] == Requirement("github.com/gin-gonic/gin", "v1.10.0", False, 6)
    assert gm.requires[-1] == Requirement("gopkg.in/yaml.v3", "v3.0.1", True, 18)
    assert [r.indirect for r in gm.requires] == [False] * 4 + [True] * 6


def test_parse_kitchen_sink() -> None:
    gm = parse_go_mod(KITCHEN_SINK_GO_MOD)
    assert gm.module == "example.com/app"
    assert (gm.go, gm.toolchain) == ("1.22.0", "go1.22.4")
    reqs = {r.path: r for r in gm.requires}
    assert reqs["github.com/BurntSushi/toml"].indirect
    assert reqs["golang.org/x/text"].version == "v0.16.0"  # canonicalised, like go
    assert reqs["golang.org/x/text"].indirect  # "// indirect; needed by x/net"
    assert reqs["golang.org/x/net"].indirect  # "//indirect"
    assert not reqs["golang.org/x/sys"].indirect  # "// Indirect": case matters
    assert not reqs["golang.org/x/sync"].indirect  # "// indirect and more"
    assert not reqs["github.com/pkg/errors"].indirect
    assert reqs["github.com/docker/docker"].version == "v24.0.9+incompatible"
    assert reqs["go.uber.org/zap"].version == "v1.27.0"
    assert gm.replaces == (
        Replacement("github.com/pkg/errors", None, "../errors", None, 36),
        Replacement("golang.org/x/net", "v0.1.0", "golang.org/x/net", "v0.2.0", 39),
        Replacement("golang.org/x/sys", None, "github.com/golang/sys", "v0.21.0", 40),
        Replacement("example.com/local", "v1.0.0", "/abs/path/local", None, 41),
        Replacement("example.com/dot", None, ".", None, 42),
    )
    assert gm.replaces[0].is_local and not gm.replaces[1].is_local
    assert gm.excludes == (("golang.org/x/crypto", "v0.1.0"), ("golang.org/x/crypto", "v0.2.0"))


def test_parse_crlf_is_the_same_as_lf() -> None:
    crlf = KITCHEN_SINK_GO_MOD.replace("\n", "\r\n")
    assert parse_go_mod(crlf) == parse_go_mod(KITCHEN_SINK_GO_MOD)
    assert parse_go_mod(crlf).requires[1].indirect  # "// indirect\r" still counts


def test_parse_quoted_paths_with_escapes() -> None:
    gm = parse_go_mod(QUOTING_GO_MOD)
    assert [r.path for r in gm.requires] == ["example.com/bc", "example.com/less"]


def test_parse_minimal_and_empty() -> None:
    assert parse_go_mod("module example.com/m") == GoMod(module="example.com/m")
    assert parse_go_mod("") == GoMod(module=None)
    assert parse_go_mod("// only a comment\n\n") == GoMod(module=None)


def test_parse_keeps_unresolved_versions_and_ignores_future_directives() -> None:
    # go accepts a branch name in the main go.mod (it resolves it and rewrites the file), and
    # a newer go may add directives; neither should stop goaccel.
    gm = parse_go_mod(
        "module example.com/m\nrequire example.com/dep master\nfrobnicate x\nnewblock (\n y\n)\n"
    )
    assert gm.requires == (Requirement("example.com/dep", "master", False, 2),)


MALFORMED = [
    ("module x.com/m\nrequire (\n  a.com/b v1.0.0\n", 4, "unterminated block started at line 2"),
    ("module x.com/m\n\nrequire a.com/b\n", 3, "usage: require module/path v1.2.3"),
    ("module x.com/m\ngo 1.21\ngo 1.22\n", 3, "repeated go statement"),
    ("module x.com/m\nmodule y.com/n\n", 2, "repeated module statement"),
    ("module x.com/m\n/* c */\n", 2, "must use // comments"),
    ("module x.com/m\nrequire a.com/b v1.0.0 extra\n", 2, "usage: require"),
    ("module x.com/m\nrequire a.com/b/v2 v1.0.0\n", 2, "should be v2, not v1"),
    ("module x.com/m\nrequire a.com/b v2.0.0\n", 2, "should be v0 or v1, not v2"),
    ("module x.com/m\nrequire a.com/b/v1 v1.0.0\n", 2, "invalid module path"),
    ("module x.com/m\nreplace a.com/b => a.com/c\n", 2, "must be directory path"),
    ("module x.com/m\nreplace a.com/b => a.com/c@v1.0.0\n", 2, "not 'path@version'"),
    ("module x.com/m\nreplace a.com/b => ./c v1.0.0\n", 2, "cannot have version"),
    ("module x.com/m\nreplace a.com/b v1.0.0\n", 2, "usage: replace"),
    ('module x.com/m\nrequire "a.com/b v1.0.0\n', 2, "unexpected newline in string"),
    ('module x.com/m\nrequire (\n\ta.com/b v1.0.0\n\t"a.com/c\\q" v1.0.0\n)\n', 4, "quoted"),
    ("module x.com/m\nrequire 'a.com/b' v1.0.0\n", 2, "cannot contain quote"),
    ("module x.com/m\nrequire a.com/b `v1.0.0`\n", 2, "cannot contain quote"),
    ("module x.com/m\ngo 1.21rc\n", 2, "invalid go version '1.21rc'"),
    ("module x.com/m\ntoolchain 1.21\n", 2, "invalid toolchain version '1.21'"),
    ("module x.com/m\nrequire (\n  a.com/b v1.0.0\n) x\n", 4, "expected newline after closing"),
    ("module x.com/m\ngo (\n 1.21\n)\n", 2, "unknown block type: go"),
    ("module x.com/m\nrequire x y (\n)\n", 2, "unknown block type: require x y"),
    ("module x.com/m\n) \n", 2, "unknown directive: )"),
    ("module x.com/m\nrequire (a.com/c v1.0.0)\n", 2, "usage: require"),
    ("\ufeffmodule x.com/m\n", 1, "unexpected input character"),
    ("module x.com/m\n\nrequire a.com/b v1.0.0\x0c\n", 3, "unexpected input character"),
    ("module\n", 1, "usage: module module/path"),
    ("module x.com/m\nexclude a.com/b v1.0.0 v2\n", 2, "usage: exclude"),
    ("module x.com/m\ngodebug x\n", 2, "usage: godebug key=value"),
    ("module x.com/m\r\n\r\nrequire (\r\n\ta.com/b\r\n)\r\n", 4, "usage: require"),
]


@pytest.mark.parametrize(("text", "line", "message"), MALFORMED)
def test_parse_malformed_names_file_and_line(text: str, line: int, message: str) -> None:
    with pytest.raises(ModFileError) as info:
        parse_go_mod(text, "/src/app/go.mod")
    assert str(info.value).startswith(f"/src/app/go.mod:{line}: ")
    assert message in str(info.value)


# --- parse_go_mod against the real go ---------------------------------------------------------


@pytest.mark.go
@needs_go
@pytest.mark.parametrize(
    "text",
    [
        GIN_GO_MOD,
        KITCHEN_SINK_GO_MOD,
        KITCHEN_SINK_GO_MOD.replace("\n", "\r\n"),
        K8S_GO_MOD,
        QUOTING_GO_MOD,
    ],
    ids=["gin", "kitchen-sink", "kitchen-sink-crlf", "k8s", "quoting"],
)
def test_parse_agrees_with_go_mod_edit_json(tmp_path: Path, text: str) -> None:
    (tmp_path / "go.mod").write_bytes(text.encode())
    result = go("mod", "edit", "-json", cwd=tmp_path, env=GO_OFFLINE)
    assert result.returncode == 0, result.stderr
    theirs = json.loads(result.stdout)
    for key in ("GoDebug", "Retract", "Tool", "Ignore"):  # parsed by go, not modelled by us
        theirs.pop(key, None)
    theirs["Module"].pop("Deprecated", None)
    assert _go_edit_json(parse_go_mod(text)) == theirs


@pytest.mark.go
@needs_go
@pytest.mark.parametrize(("text", "line", "message"), MALFORMED)
def test_malformed_go_mod_is_rejected_by_go_on_the_same_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    (tmp_path / "go.mod").write_bytes(text.encode())
    result = go("mod", "edit", "-json", cwd=tmp_path, env=GO_OFFLINE)
    assert result.returncode != 0
    m = re.search(r"go\.mod:(\d+)", result.stderr)
    assert m, result.stderr
    assert int(m.group(1)) == line, result.stderr
