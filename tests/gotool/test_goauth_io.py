"""gotool.goauth: the netrc file read and GOAUTH commands run as go does, with what failed told
in one safe line, never a secret."""

from __future__ import annotations

import os
import stat
import sys
import time
from pathlib import Path

import pytest

from goaccel.gocompat.goauth import basic_auth
from goaccel.gotool.goauth import load_goauth


def _helper(tmp: Path, name: str, body: str) -> Path:
    path = tmp / name
    path.write_text(f"#!{sys.executable}\nimport sys, time\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _env(tmp: Path, netrc: str | None = None) -> dict[str, str]:
    env = {"HOME": str(tmp), "PATH": os.environ["PATH"]}
    if netrc is not None:
        (tmp / ".netrc").write_text(netrc)
    return env


def test_netrc_from_home_and_from_NETRC(tmp_path: Path) -> None:
    env = _env(tmp_path, "machine h login a password 1\n")
    auth = load_goauth("", env, windows=False)
    assert auth.netrc.path == str(tmp_path / ".netrc")
    assert auth.headers_for("https://h/x") == basic_auth("a", "1")
    assert auth.headers_for("http://h/x") is None  # never over http
    other = tmp_path / "other"
    other.write_text("machine h login b password 2\n")
    auth = load_goauth("netrc", {**env, "NETRC": str(other)}, windows=False)
    assert auth.headers_for("https://h/x") == basic_auth("b", "2")


def test_goauth_off_and_invalid_send_nothing(tmp_path: Path) -> None:
    env = _env(tmp_path, "machine h login a password 1\n")
    off = load_goauth("off", env, windows=False)
    assert off.off and off.headers_for("https://h/x") is None
    assert off.netrc.lines  # still read: doctor tells GOAUTH=off hides it
    bad = load_goauth("netrc;", env, windows=False)
    assert bad.error == "go: GOAUTH encountered an empty command (GOAUTH=netrc;)"
    assert bad.headers_for("https://h/x") is None


def test_git_dir_that_does_not_exist(tmp_path: Path) -> None:
    auth = load_goauth(f"git {tmp_path / 'nope'}", _env(tmp_path), windows=False)
    assert auth.error.startswith(f"go: GOAUTH=git encountered an error; cannot stat {tmp_path}")
    auth = load_goauth(f"git {tmp_path}", _env(tmp_path), windows=False)
    assert auth.error == "" and auth.runs == []  # git is never run here


def test_missing_and_unreadable_netrc(tmp_path: Path) -> None:
    auth = load_goauth("netrc", _env(tmp_path), windows=False)
    assert (auth.netrc.exists, auth.netrc.error, auth.netrc.lines) == (False, "", [])
    (tmp_path / ".netrc").mkdir()
    auth = load_goauth("netrc", _env(tmp_path), windows=False)
    assert auth.netrc.exists and auth.netrc.error == "Is a directory"


def test_netrc_mode(tmp_path: Path) -> None:
    env = _env(tmp_path, "machine h login a password 1\n")
    (tmp_path / ".netrc").chmod(0o644)
    assert load_goauth("", env, windows=False).netrc.mode == 0o644


def test_command_credentials(tmp_path: Path) -> None:
    helper = _helper(
        tmp_path,
        "helper",
        "print('https://h/goproxy\\n\\nAuthorization: Bearer t0k\\n' if len(sys.argv) == 1 "
        "else 'https://h\\n\\nAuthorization: Bearer for-' + sys.argv[1] + '\\n')",
    )
    auth = load_goauth(str(helper), _env(tmp_path), windows=False)
    (run,) = auth.runs
    assert run.ok and run.url == "" and run.prefixes == ["h/goproxy"]
    assert auth.headers_for("https://h/goproxy/m/@v/list") == (("Authorization", "Bearer t0k"),)
    assert auth.headers_for("https://h/other") is None
    assert auth.has_commands
    auth.apply("https://h/other", "HTTP/1.1 401 Unauthorized\n\n")  # after a 4xx, with the URL
    assert auth.headers_for("https://h/other") == (("Authorization", "Bearer for-https://h/other"),)
    assert "t0k" not in repr(auth) + repr(auth.runs)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            "print('hunter2'); print('first\\x1b[31m line', file=sys.stderr); "
            "print('second', file=sys.stderr); sys.exit(3)",
            "exit status 3: first line",
        ),
        (
            "print('https://u:hunter2@h/x', file=sys.stderr); sys.exit(1)",
            "exit status 1: https://u:***@h/x",
        ),
        ("sys.exit(1)", "exit status 1"),
        (
            "print('hunter2')",
            "its output is not in the GOAUTH format (could not parse a URL line)",
        ),
    ],
)
def test_failing_command_is_told_without_its_output(
    tmp_path: Path, body: str, problem: str
) -> None:
    helper = _helper(tmp_path, "helper", body)
    auth = load_goauth(f"{helper};netrc", _env(tmp_path, "machine h login a password 1"))
    (run,) = auth.runs
    assert run.problem == problem and not run.ok
    assert "hunter2" not in repr(run)
    assert auth.headers_for("https://h/") == basic_auth("a", "1")  # the others still count


def test_command_not_found_and_timeout(tmp_path: Path) -> None:
    auth = load_goauth(str(tmp_path / "no-such-helper"), _env(tmp_path))
    assert (
        auth.runs[0].problem
        == f"cannot run {tmp_path / 'no-such-helper'}: No such file or directory"
    )
    helper = _helper(tmp_path, "slow", "time.sleep(30)")
    start = time.monotonic()
    auth = load_goauth(str(helper), _env(tmp_path), timeout=0.5)
    assert time.monotonic() - start < 5
    assert auth.runs[0].problem == "it did not finish within 0.5 s"
