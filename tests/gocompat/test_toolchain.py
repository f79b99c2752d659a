"""gocompat.toolchain: which toolchain go runs, for go lines, toolchain lines and GOTOOLCHAIN
values; checked against the real go command too."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

import pytest

from goaccel.gocompat.toolchain import select_toolchain

GO = shutil.which("go") or str(Path(sys.executable).parent / "go")

LOCAL = "go1.27.3"


@pytest.mark.parametrize(
    ("go_line", "toolchain_line", "gotoolchain", "name", "local", "error"),
    [
        ("1.22", None, "auto", "go1.27.3", True, None),
        ("1.30", None, "auto", "go1.30.0", False, None),
        ("1.30.2", None, "auto", "go1.30.2", False, None),
        ("1.30rc1", None, "auto", "go1.30rc1", False, None),
        ("1.20", None, "auto", "go1.27.3", True, None),
        ("1.22", "go1.30.1", "auto", "go1.30.1", False, None),
        ("1.31", "go1.30.1", "auto", "go1.31.0", False, None),  # the go line wins when newer
        ("1.22", "default", "auto", "go1.27.3", True, None),
        ("1.22", "go1.26.0", "auto", "go1.27.3", True, None),  # older: ignored
        ("1.30", None, "local", "go1.27.3", True,
         "go.mod requires go >= 1.30 (running go 1.27.3; GOTOOLCHAIN=local)"),
        ("1.22", "go1.30.1", "local", "go1.27.3", True, None),  # the toolchain line is advice
        ("1.30", None, "path", "go1.30.0", False, 'cannot find "go1.30.0" in PATH'),
        ("1.30", None, "local+path", "go1.30.0", False, 'cannot find "go1.30.0" in PATH'),
        ("1.22", None, "go1.26.0", "go1.26.0", False, None),
        ("1.30", None, "go1.26.0", "go1.26.0", False,
         "go.mod requires go >= 1.30 (running go 1.26.0; GOTOOLCHAIN=go1.26.0)"),
        ("1.22", "default", "go1.28.0+auto", "go1.28.0", False, None),
        ("1.30", None, "go1.28.0+auto", "go1.30.0", False, None),
        ("1.30", None, "", "go1.27.3", True, "go.mod requires go >= 1.30 (running go 1.27.3)"),
        ("1.30", None, "bash", "go1.27.3", True, 'invalid GOTOOLCHAIN "bash"'),
        ("1.30", None, "go1.25+foo", "go1.27.3", True,
         'invalid GOTOOLCHAIN "go1.25+foo": only version suffixes are +auto and +path'),
        ("1.30", None, "junk+auto", "go1.27.3", True,
         'invalid GOTOOLCHAIN "junk+auto": invalid minimum toolchain "junk"'),
        ("1.30", None, "go1.21", "go1.21", False,
         "invalid toolchain: go1.21 is a language version but not a toolchain version (go1.21.x)"),
        ("1.22", "bad", "auto", "go1.27.3", True, 'invalid toolchain "bad" in go.mod'),
        ("1.22", None, "go1.27.3", "go1.27.3", True, None),
        (None, None, "auto", "go1.27.3", True, None),
    ],
)  # fmt: skip
def test_select_toolchain(
    go_line: Optional[str], toolchain_line: Optional[str], gotoolchain: str, name: str,
    local: bool, error: Optional[str],
) -> None:  # fmt: skip
    sel = select_toolchain(go_line, toolchain_line, LOCAL, gotoolchain, goos="linux",
                           goarch="amd64")  # fmt: skip
    assert (sel.toolchain, sel.local, sel.error) == (name, local, error)
    if not sel.local and not sel.path_only:
        assert sel.download == f"golang.org/toolchain@v0.0.1-{name}.linux-amd64"
    else:
        assert sel.download == ""


def test_select_toolchain_before_go_1_21_names_the_line_as_is() -> None:
    # "1.20" is "1.20.0" to gover (not a language version): no ".0" is appended
    assert select_toolchain("1.20", None, "go1.19.13", "auto").toolchain == "go1.20"
    assert select_toolchain("1.21", None, "go1.20.14", "auto").toolchain == "go1.21.0"


def _write_gomod(root: Path, go_line: str, toolchain_line: Optional[str]) -> None:
    text = f"module example.com/m\n\ngo {go_line}\n"
    if toolchain_line:
        text += f"\ntoolchain {toolchain_line}\n"
    (root / "go.mod").write_text(text, encoding="utf-8")


@pytest.mark.go
def test_select_toolchain_agrees_with_the_go_command(tmp_path: Path) -> None:
    """Run `go list -m` with GOPROXY=off: go either runs locally, fails as predicted, or
    announces the toolchain it starts to download (which GOPROXY=off then stops)."""
    env = {**os.environ, "GOPROXY": "off", "GOFLAGS": "", "GO111MODULE": "on"}
    local = subprocess.run(
        [GO, "env", "GOVERSION"], env=env, capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
    mod = tmp_path / "m"
    mod.mkdir()
    cases = [
        ("1.20", None, "auto"), ("1.99", None, "auto"), ("1.99.2", None, "auto"),
        ("1.20", "go1.99.1", "auto"), ("1.99", "go1.98.1", "auto"), ("1.99", None, "local"),
        ("1.20", "go1.99.1", "local"), ("1.99", None, "path"), ("1.20", None, "go1.21.0"),
        ("1.20", "default", "go1.21.0+auto"), ("1.99", None, "bash"), ("1.99", None, "go1.21"),
        ("1.20", "bad", "auto"), ("1.99", None, "go1.25+foo"), ("1.20", None, "junk+auto"),
    ]  # fmt: skip
    for go_line, toolchain_line, gotoolchain in cases:
        _write_gomod(mod, go_line, toolchain_line)
        proc = subprocess.run(
            [GO, "list", "-m"], cwd=mod, env={**env, "GOTOOLCHAIN": gotoolchain},
            capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
        sel = select_toolchain(go_line, toolchain_line, local, gotoolchain)
        case = (go_line, toolchain_line, gotoolchain, proc.stderr)
        if sel.local and sel.error is None:
            assert proc.returncode == 0, case
            assert proc.stdout.strip() == "example.com/m", case
            continue
        assert proc.returncode != 0, case
        if sel.local or sel.path_only:
            assert proc.stderr.splitlines()[0] == f"go: {sel.error}", case
        else:
            first = proc.stderr.splitlines()[0]
            assert first.startswith(f"go: downloading {sel.toolchain} ("), case
            if sel.error and "language version" in sel.error:
                assert f"go: {sel.error}" in proc.stderr, case
