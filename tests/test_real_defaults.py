"""goaccel under go's real defaults, not the test suite's comfortable ones (issue 9).

conftest.py sets GOTOOLCHAIN=local for every test; here it is removed, so go applies its
default (auto, from $GOROOT/go.env) and may try to download a toolchain for a go line newer
than itself. GOPROXY points at a refused loopback port and GOSUMDB is off, so whatever go
tries can only reach loopback, and fails at once.

The second half runs goaccel with no go on PATH at all: the private module lists must then
come from the OS environment and the go env file, with go's defaults (GONOPROXY and
GONOSUMDB follow GOPRIVATE while empty), and no private path may reach a mirror.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from helpers import goaccel, mirror_args, run_args, run_json, setup_json, write_go_env_file
from mirrorsim import MirrorSim, make_module, make_universe, refused_url, write_project

MODS = make_universe(4, sizes=3000)
CORP = make_module("corp.example.com/team/secret", "v1.0.0", size=2000)


@pytest.fixture
def real_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """go's own GOTOOLCHAIN default, an unreachable (refused, loopback) GOPROXY, and a module
    whose go line is newer than any local go: `go env` from inside it would download go1.99.0."""
    monkeypatch.delenv("GOTOOLCHAIN", raising=False)
    monkeypatch.setenv("GOPROXY", refused_url())
    monkeypatch.setenv("GOSUMDB", "off")  # go itself can then reach nothing but loopback
    root = write_project(tmp_path / "newer", MODS)
    gomod = root / "go.mod"
    gomod.write_text(gomod.read_text().replace("go 1.21\n", "go 1.99.0\n"), encoding="utf-8")
    assert "go 1.99.0" in gomod.read_text()
    return root


def _no_download(proc_stderr: str, stdout: str) -> None:
    """go never tried the download (goaccel itself may name the toolchain: it is part of
    the workload, tests/test_toolchain_download.py)."""
    for text in (proc_stderr, stdout):
        assert "go: download go1.99" not in text, text
        assert "downloading go" not in text, text
        assert "`go env` failed" not in text, text


def test_status_in_a_module_with_a_newer_go_line(real_defaults: Path) -> None:
    proc, _ = run_json("status", schema="status", cwd=real_defaults)
    assert proc.returncode != 9, proc.stderr
    assert proc.returncode == 0, proc.stderr
    _no_download(proc.stderr, proc.stdout)


def test_setup_dry_run_in_a_module_with_a_newer_go_line(real_defaults: Path) -> None:
    with MirrorSim(MODS) as good:
        proc, doc = setup_json(
            *mirror_args(good), *run_args(real_defaults), "--dry-run", cwd=real_defaults
        )
    assert proc.returncode != 9, proc.stderr
    assert proc.returncode == 0, proc.stderr
    assert doc["ok"] is True
    _no_download(proc.stderr, proc.stdout)


def test_doctor_no_run_in_a_module_with_a_newer_go_line(real_defaults: Path) -> None:
    proc, _ = run_json("doctor", "--no-run", str(real_defaults), schema="doctor", cwd=real_defaults)
    assert proc.returncode != 9, proc.stderr
    assert "`go env` failed" not in proc.stdout + proc.stderr
    # doctor's toolchain finding explains the download go would do; go itself never tried it
    assert "downloading go1.99" not in proc.stderr
    assert "go: download go1.99.0:" not in proc.stdout + proc.stderr
    # the toolchain check sees the user's GOTOOLCHAIN (go's default), not goaccel's local
    assert "GOTOOLCHAIN=auto" in proc.stdout, proc.stdout


def test_reading_settings_keeps_the_users_gotoolchain(
    real_defaults: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from goaccel.gotool.env import find_go, read_goenv

    monkeypatch.chdir(real_defaults)
    genv = read_goenv(find_go())
    assert (genv.value("GOTOOLCHAIN"), genv.source("GOTOOLCHAIN")) == ("auto", "$GOROOT/go.env")
    write_go_env_file("GOTOOLCHAIN=go1.99.0+auto\n")
    genv = read_goenv(find_go())
    assert (genv.value("GOTOOLCHAIN"), genv.source("GOTOOLCHAIN")) == (
        "go1.99.0+auto",
        "go env file",
    )


# --------------------------------------------------------------------------- no go on PATH


def _path_without_go(tmp_path: Path) -> str:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "python").symlink_to(sys.executable)
    path = f"{bindir}{os.pathsep}/usr/bin{os.pathsep}/bin"
    assert shutil.which("go", path=path) is None
    return path


@pytest.mark.parametrize("where", ["environment", "go env file"])
def test_without_go_private_paths_never_reach_a_mirror(tmp_path: Path, where: str) -> None:
    root = write_project(tmp_path / "p", [*MODS, CORP])
    env = {"PATH": _path_without_go(tmp_path), "SHELL": "/bin/bash"}
    if where == "environment":
        env["GOPRIVATE"] = "corp.example.com"
    else:
        write_go_env_file("GOPRIVATE=corp.example.com\n")
    with MirrorSim([*MODS, CORP]) as mirror:
        proc = goaccel(
            "setup", *mirror_args(mirror), *run_args(root), "--target", "print", "--dry-run",
            env=env,
        )  # fmt: skip
        setup_paths = [r.path for r in mirror.requests]
        mirror.clear_requests()
        bench = goaccel(
            "bench", *mirror_args(mirror), "-p", str(root), "--rounds", "1", "-t", "4", env=env
        )
        bench_paths = [r.path for r in mirror.requests]
    assert proc.returncode == 0, proc.stderr
    assert bench.returncode == 0, bench.stderr
    for paths in (setup_paths, bench_paths):
        assert not any("corp.example.com" in p for p in paths), paths
        assert any("example.com/sim/mod00" in p for p in paths), paths


def test_without_go_the_private_lists_default_to_goprivate(monkeypatch: pytest.MonkeyPatch) -> None:
    from goaccel.gotool.env import read_goenv

    write_go_env_file("GOPRIVATE=corp.example.com\nGONOSUMDB=\n")
    genv = read_goenv(None)
    assert genv.value("GONOPROXY") == "corp.example.com"
    assert genv.value("GONOSUMDB") == "corp.example.com"
    monkeypatch.setenv("GOPRIVATE", "*.corp.example.com")
    monkeypatch.setenv("GONOPROXY", "none")
    genv = read_goenv(None)
    assert genv.value("GONOPROXY") == "none"
    assert genv.value("GONOSUMDB") == "*.corp.example.com"
