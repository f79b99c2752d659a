"""gocompat.goauth (and gotool.goauth, which does its I/O): which credentials go attaches to an
https request. The pure rules first, then the go command itself over real TLS: for the same
netrc file and GOAUTH, go must send the very Authorization header goaccel predicts."""

from __future__ import annotations

import os
import ssl
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import offline_go_env
from mirrorsim import MirrorSim, make_universe

from goaccel.gocompat.goauth import (
    COMMAND,
    GIT,
    NETRC,
    AuthMethod,
    CredentialStore,
    GoAuthError,
    UserAuthError,
    basic_auth,
    credential_prefixes,
    netrc_machine,
    parse_goauth,
    parse_user_auth,
    response_stdin,
    run_goauth,
    split_quoted,
)
from goaccel.gocompat.netrc import parse_netrc
from goaccel.gotool.goauth import load_goauth

# --------------------------------------------------------------------------- GOAUTH values


def test_default_and_off() -> None:
    assert parse_goauth("") == [AuthMethod(NETRC, "netrc")]
    assert parse_goauth("netrc") == [AuthMethod(NETRC, "netrc")]
    assert parse_goauth("off") == []
    assert parse_goauth(" off ") == []  # one item, trimmed
    assert parse_goauth("off now") == []  # the first word decides


def test_items_in_order_written() -> None:
    methods = parse_goauth("netrc; git /src/repo ;my-helper --flag 'a b'")
    assert methods == [
        AuthMethod(NETRC, "netrc"),
        AuthMethod(GIT, "git /src/repo", ("/src/repo",)),
        AuthMethod(COMMAND, "my-helper --flag 'a b'", ("my-helper", "--flag", "a b")),
    ]


def test_a_command_that_cannot_be_split_is_an_error_of_that_item_only() -> None:
    (m,) = parse_goauth("helper 'unterminated")
    assert m.kind == COMMAND and m.argv == ()
    assert m.error == "cannot parse GOAUTH command helper 'unterminated: unterminated ' string"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("netrc;", "go: GOAUTH encountered an empty command (GOAUTH=netrc;)"),
        (";netrc", "go: GOAUTH encountered an empty command (GOAUTH=;netrc)"),
        (
            "off;netrc",
            "go: GOAUTH=off cannot be combined with other authentication commands "
            "(GOAUTH=off;netrc)",
        ),
        (
            "git",
            "go: GOAUTH=git dir method requires an absolute path to the git working directory",
        ),
        (
            "git a b",
            "go: GOAUTH=git dir method requires an absolute path to the git working directory",
        ),
        (
            "git src/repo",
            "go: GOAUTH=git dir method requires an absolute path to the git working "
            "directory, dir is not absolute",
        ),
        # read back to front: the last bad item is the one go reports
        ("git rel;netrc;", "go: GOAUTH encountered an empty command (GOAUTH=git rel;netrc;)"),
    ],
)
def test_values_go_stops_on(value: str, message: str) -> None:
    with pytest.raises(GoAuthError) as info:
        parse_goauth(value)
    assert str(info.value) == message


def test_git_dir_on_windows() -> None:
    assert parse_goauth("git C:\\src", windows=True)[0].argv == ("C:\\src",)
    with pytest.raises(GoAuthError, match="not absolute"):
        parse_goauth("git /src", windows=True)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a b\tc\n", ["a", "b", "c"]),
        ("'a b' \"c d\"", ["a b", "c d"]),
        ("x'y z'", ["x'y", "z'"]),  # quotes count only at the start of a field
        ("'a\"b'", ['a"b']),
        ("''", [""]),
        ("", []),
    ],
)
def test_split_quoted(text: str, words: list[str]) -> None:
    assert split_quoted(text) == words


# --------------------------------------------------------------------------- matching URLs


def test_prefixes_go_tries() -> None:
    assert credential_prefixes("https://h:8443/a/b/@v/list") == [
        "h:8443/a/b/@v/list",
        "h:8443/a/b/@v",
        "h:8443/a/b",
        "h:8443/a",
        "h:8443",
    ]
    assert credential_prefixes("https://h/") == ["h"]
    assert netrc_machine("https://h:8443/goproxy") == "h:8443"
    assert netrc_machine("https://H.example/x") == "H.example"  # as spelled


def test_store_longest_prefix_wins_and_host_without_port_never_matches() -> None:
    store = CredentialStore()
    store.store("h", basic_auth("a", "1"), NETRC)
    store.store("https://h:8443/", basic_auth("b", "2"), NETRC)
    store.store("h:8443/private", (("X-Token", "t"),), "helper")
    assert store.lookup("https://h/x") == ("h", basic_auth("a", "1"), NETRC)
    assert store.lookup("https://h:8443/x/@v/list") == ("h:8443", basic_auth("b", "2"), NETRC)
    assert store.lookup("https://h:8443/private/m/@v/list") == (
        "h:8443/private",
        (("X-Token", "t"),),
        "helper",
    )
    assert store.lookup("https://h:9443/x") is None  # golang/go#81253
    assert store.lookup("https://user:pw@h/x") is None  # the URL's own userinfo is used then
    store.store("h", ())  # no headers: removed
    assert store.lookup("https://h/x") is None
    assert "pw" not in repr(store) and "Basic" not in repr(store)


def test_basic_auth_header() -> None:
    assert basic_auth("alice", "s3cret") == (("Authorization", "Basic YWxpY2U6czNjcmV0"),)


def test_run_goauth_first_item_and_first_netrc_entry_win() -> None:
    lines = parse_netrc("machine h login a password 1\nmachine h login b password 2\n")
    calls: list[tuple[str, str]] = []

    def command(m: AuthMethod, url: str) -> dict[str, tuple[tuple[str, str], ...]]:
        calls.append((m.text, url))
        return {"h": (("Authorization", "Bearer from-" + m.text),)}

    store = CredentialStore()
    run_goauth(
        parse_goauth("first;netrc;last"), store, "", read_netrc=lambda: lines, run_command=command
    )
    assert calls == [("last", ""), ("first", "")]  # back to front
    assert store.lookup("https://h/x") == ("h", (("Authorization", "Bearer from-first"),), "first")
    store = CredentialStore()
    run_goauth(parse_goauth("netrc;last"), store, "", read_netrc=lambda: lines, run_command=command)
    assert store.lookup("https://h/x") == ("h", basic_auth("a", "1"), NETRC)


def test_git_is_asked_only_with_a_url() -> None:
    asked: list[str] = []

    def git(m: AuthMethod, url: str) -> tuple[str, tuple[tuple[str, str], ...]]:
        asked.append(url)
        return "https://h/", basic_auth("g", "x")

    store = CredentialStore()
    methods = parse_goauth("git /repo")
    run_goauth(methods, store, "", read_netrc=list, run_command=dict, run_git=git)
    assert asked == [] and store.lookup("https://h/a") is None
    run_goauth(methods, store, "https://h/a", read_netrc=list, run_command=dict, run_git=git)
    assert asked == ["https://h/a"] and store.lookup("https://h/a") is not None


# --------------------------------------------------------------------------- command output

GO_HELP_EXAMPLE = (
    "https://example.com\n"
    "https://example.net/api/\n"
    "\n"
    "Authorization: Basic <token>\n"
    "\n"
    "https://another-example.org/\n"
    "\n"
    "Example: Data\n"
    "\n"
)


def test_parse_user_auth_go_help_example() -> None:
    assert parse_user_auth(GO_HELP_EXAMPLE) == {
        "example.com": (("Authorization", "Basic <token>"),),
        "example.net/api/": (("Authorization", "Basic <token>"),),
        "another-example.org/": (("Example", "Data"),),
    }
    assert parse_user_auth("") == {}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("https://h\n", "invalid format: missing empty line after URLs"),
        ("https://h\n\nA: b\n", "invalid format: missing empty line after headers"),
        ("https://h\n\nA:b\n\n", "invalid format: invalid header line"),
        ("https://h\n\nA b: c\n\n", "invalid format: invalid header line"),
        ("https://h\n\nA: b\x01\n\n", "invalid format: invalid header line"),
        ("https://h\r\n\r\nA: b\r\n\r\n", "could not parse a URL line"),  # CR: a control char
        ("h.example/x\n\nA: b\n\n", "could not parse a URL line"),  # not a request URI
        ("hunter2-token\n\nA: b\n\n", "could not parse a URL line"),
    ],
)
def test_parse_user_auth_errors_never_quote_the_output(text: str, reason: str) -> None:
    with pytest.raises(UserAuthError) as info:
        parse_user_auth(text)
    assert str(info.value) == reason
    assert "hunter2" not in str(info.value)


def test_response_stdin() -> None:
    headers = [("Content-Type", "text/plain"), ("Vary", "a"), ("Vary", "b")]
    assert response_stdin("HTTP/1.1", "401 Unauthorized", headers) == (
        "HTTP/1.1 401 Unauthorized\nContent-Type: text/plain\nVary: a, b\n\n"
    )


# --------------------------------------------------------------------------- against go

MODS = make_universe(1, sizes=[2_000])


def _helper(tmp: Path, name: str, body: str) -> Path:
    """An executable GOAUTH command: a Python script printing `body` (URL is argv[1])."""
    path = tmp / name
    path.write_text(f"#!{sys.executable}\nimport sys\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _go_sends(sim: MirrorSim, env: dict[str, str], cwd: Path) -> set[str | None]:
    sim.clear_requests()
    mod = MODS[0]
    proc = subprocess.run(
        ["go", "mod", "download", "-json", f"{mod.path}@{mod.version}"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {r.authorization for r in sim.requests}


# `{hp}` is the mirror's 127.0.0.1:PORT, `{h}` 127.0.0.1
CASES = [
    ("netrc", "machine {hp} login alice password s3cret\n"),
    ("netrc", "machine {h} login alice password s3cret\n"),  # golang/go#81253: nothing
    ("netrc", "machine {hp} login alice\n"),  # no password: ignored
    ("netrc", "machine {hp} login a password 1\nmachine {hp} login b password 2\n"),
    ("netrc", "machine {hp}/other login a password 1\nmachine {hp} login b password 2\n"),
    ("netrc", "default login anon password x\nmachine {hp} login a password 1\n"),
    ("netrc", "machine {hp} login a\ndefault\npassword 1\n"),
    ("netrc", "macdef m\nmachine {hp} login a password 1\n\nmachine {hp} login b password 2\n"),
    ("netrc", "machine {hp}\r\nlogin a\r\npassword 1\r\n"),
    ("off", "machine {hp} login alice password s3cret\n"),
    ("{helper}", ""),
    ("{helper};netrc", "machine {hp} login alice password s3cret\n"),
    ("netrc;{helper}", "machine {hp} login alice password s3cret\n"),
]


@pytest.mark.go
def test_go_sends_what_goaccel_predicts(tmp_path: Path, tls: ssl.SSLContext) -> None:
    with MirrorSim(MODS, ssl_context=tls) as sim:
        hp, url = sim.host, sim.url
        helper = _helper(
            tmp_path, "helper",
            f"print('https://{hp}\\n\\nAuthorization: Bearer from-helper\\n')",
        )  # fmt: skip
        seen = []
        for i, (goauth, text) in enumerate(CASES):
            case = tmp_path / f"case{i}"
            case.mkdir()
            netrc = case / "netrc"
            netrc.write_text(text.format(hp=hp, h="127.0.0.1"))
            env = offline_go_env(case)
            env.update(
                GOPROXY=url, GOSUMDB="off", NETRC=str(netrc),
                GOAUTH=goauth.format(helper=helper), SSL_CERT_FILE=os.environ["SSL_CERT_FILE"],
            )  # fmt: skip
            headers = load_goauth(env["GOAUTH"], env, windows=False).headers_for(url + "/x")
            predicted = dict(headers or ()).get("Authorization")
            assert _go_sends(sim, env, case) == {predicted}, (goauth, text)
            seen.append(predicted)
    alice, a, b = (basic_auth(u, p)[0][1] for u, p in [("alice", "s3cret"), ("a", "1"), ("b", "2")])
    bearer = "Bearer from-helper"
    assert seen == [alice, None, None, a, b, a, None, b, a, None, bearer, bearer, alice]
