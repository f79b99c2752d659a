"""Consent: setup and undo write only after a "yes" on a terminal, or with --yes.

Without a terminal on stdin nobody can answer the prompt, and that is never consent: the plan
is shown, nothing is written, the exit code is 8 (ABORTED) and the message names --yes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import go_env_file, goaccel, mirror_args, run_json, state_dir
from mirrorsim import MirrorSim, make_universe, write_project

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

MODS = make_universe(4, sizes=2_000)
ORIGINAL_ENV = b"# mine\nGOFLAGS=-mod=mod\n"
ORIGINAL_RC = b"alias ll='ls -l'\n"


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    return write_project(tmp_path / "proj", MODS)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    env = go_env_file()
    env.parent.mkdir(parents=True, exist_ok=True)
    env.write_bytes(ORIGINAL_ENV)
    rc = tmp_path / "bashrc"
    rc.write_bytes(ORIGINAL_RC)
    return env, rc


def journal_entries() -> int:
    path = state_dir() / "journal.json"
    if not path.exists():
        return 0
    return len(json.loads(path.read_text())["entries"])


def args(sim: MirrorSim, proj: Path, *extra: str) -> list[str]:
    return ["setup", *mirror_args(sim), "--project", str(proj), "--timeout", "3", *extra]


def on_a_terminal(
    *argv: str, answer: bytes, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`goaccel ARGV` with a pseudo-terminal as stdin (stdout and stderr stay pipes, as in
    `goaccel setup 2>&1 | tee log`), `answer` typed into it."""
    master, slave = os.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "goaccel", *argv],
            stdin=slave,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.close(slave)
        os.write(master, answer)  # the line discipline keeps it until the prompt reads it
        out, err = proc.communicate(timeout=timeout)
    finally:
        os.close(master)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def assert_untouched(env: Path, rc: Path) -> None:
    assert env.read_bytes() == ORIGINAL_ENV
    assert rc.read_bytes() == ORIGINAL_RC
    assert journal_entries() == 0


@pytest.mark.parametrize("target", ["go-env", "shell"])
def test_setup_without_a_terminal_or_yes_writes_nothing(
    target: str, proj: Path, files: tuple[Path, Path]
) -> None:
    env, rc = files
    extra = ["--target", target] + (["--shell", "bash", "--rc-file", str(rc)] * (target == "shell"))
    with MirrorSim(MODS) as good:
        proc = goaccel(*args(good, proj, *extra))  # stdin: /dev/null
        assert proc.returncode == 8, proc.stderr
        assert "--yes" in proc.stderr
        assert "nothing was written" in proc.stderr
        assert good.url in proc.stdout, "the plan is shown, as a dry run shows it"
        assert_untouched(env, rc)
        proc = goaccel(*args(good, proj, *extra, "--yes"))
        assert proc.returncode == 0, proc.stderr
    assert good.url.encode() in (env if target == "go-env" else rc).read_bytes()
    assert journal_entries() == 1


def test_setup_json_without_a_terminal_or_yes_is_an_error_document(
    proj: Path, files: tuple[Path, Path]
) -> None:
    with MirrorSim(MODS) as good:
        proc, doc = run_json(*args(good, proj), schema="setup")
    assert proc.returncode == 8
    assert doc["ok"] is False and doc["error"]["exit_code"] == 8
    assert "--yes" in doc["error"]["message"]
    assert_untouched(*files)


def test_dry_run_and_print_target_need_no_yes(proj: Path, files: tuple[Path, Path]) -> None:
    with MirrorSim(MODS) as good:
        dry = goaccel(*args(good, proj, "--dry-run"))
        printed = goaccel(*args(good, proj, "--target", "print", "--shell", "bash"))
    assert dry.returncode == 0, dry.stderr
    assert "Dry run" in dry.stdout
    assert printed.returncode == 0, printed.stderr
    assert f"export GOPROXY='{good.url},direct'" in printed.stdout.splitlines()
    assert_untouched(*files)


def test_setup_on_a_terminal_asks(proj: Path, files: tuple[Path, Path]) -> None:
    env, rc = files
    with MirrorSim(MODS) as good:
        no = on_a_terminal(*args(good, proj), answer=b"n\n")
        assert no.returncode == 8, no.stderr
        assert "Apply these changes" in no.stderr
        assert_untouched(env, rc)
        yes = on_a_terminal(*args(good, proj), answer=b"y\n")
    assert yes.returncode == 0, yes.stderr
    assert f"GOPROXY={good.url},direct".encode() in env.read_bytes()
    assert journal_entries() == 1


def test_undo_asks_and_without_a_terminal_needs_yes(proj: Path, files: tuple[Path, Path]) -> None:
    env, _ = files
    with MirrorSim(MODS) as good:
        assert goaccel(*args(good, proj, "--yes")).returncode == 0
    after_setup = env.read_bytes()
    assert after_setup != ORIGINAL_ENV

    proc = goaccel("undo")  # stdin: /dev/null
    assert proc.returncode == 8, proc.stderr
    assert "--yes" in proc.stderr and "nothing was changed" in proc.stderr
    _, doc = run_json("undo", schema="undo")
    assert doc["error"]["exit_code"] == 8 and "--yes" in doc["error"]["message"]
    no = on_a_terminal("undo", answer=b"n\n")
    assert no.returncode == 8, no.stderr
    assert "Revert it?" in no.stderr
    assert env.read_bytes() == after_setup
    assert journal_entries() == 1

    yes = on_a_terminal("undo", answer=b"y\n")
    assert yes.returncode == 0, yes.stderr
    assert env.read_bytes() == ORIGINAL_ENV
    assert journal_entries() == 0
