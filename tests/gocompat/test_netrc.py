"""gocompat.netrc: go's parseNetrc and netrcPath (cmd/go/internal/auth/netrc.go).

The first case is go's own (netrc_test.go, go1.27); test_goauth.py checks against the go
command which entry it sends.
"""

from __future__ import annotations

import pytest

from goaccel.gocompat.netrc import (
    NetrcEntry,
    NetrcLine,
    go_fields,
    netrc_entries,
    netrc_path,
    parse_netrc,
)

# cmd/go/internal/auth/netrc_test.go, testNetrc, byte for byte
GO_TEST_NETRC = """
machine incomplete
password none

machine api.github.com
  login user
  password pwd

machine incomlete.host
  login justlogin

machine test.host
login user2
password pwd2

machine oneline login user3 password pwd3

machine ignore.host macdef ignore
  login nobody
  password nothing

machine hasmacro.too macdef ignore-next-lines login user4 password pwd4
  login nobody
  password nothing

default
login anonymous
password gopher@golang.org

machine after.default
login oops
password too-late-in-file
"""


def test_go_test_case() -> None:
    assert parse_netrc(GO_TEST_NETRC) == [
        NetrcLine("api.github.com", "user", "pwd"),
        NetrcLine("test.host", "user2", "pwd2"),
        NetrcLine("oneline", "user3", "pwd3"),
        NetrcLine("hasmacro.too", "user4", "pwd4"),
    ]


def test_every_entry_of_the_go_test_case_with_why_it_is_dropped() -> None:
    assert netrc_entries(GO_TEST_NETRC) == [
        NetrcEntry("incomplete", 2, has_login=False, has_password=True, kept=False),
        NetrcEntry("api.github.com", 5, has_login=True, has_password=True, kept=True),
        NetrcEntry("incomlete.host", 9, has_login=True, has_password=False, kept=False),
        NetrcEntry("test.host", 12, has_login=True, has_password=True, kept=True),
        NetrcEntry("oneline", 16, has_login=True, has_password=True, kept=True),
        NetrcEntry("ignore.host", 18, has_login=False, has_password=False, kept=False),
        NetrcEntry("hasmacro.too", 22, has_login=True, has_password=True, kept=True),
    ]  # after.default is never read


def test_no_secret_in_repr() -> None:
    (line,) = parse_netrc("machine h login alice password hunter2\n")
    assert "hunter2" not in repr(line) and "alice" not in repr(line)
    assert "hunter2" not in repr(netrc_entries("machine h login alice password hunter2"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the first entry of a machine comes first (go keeps the first: goauth.py)
        (
            "machine h login a password 1\nmachine h login b password 2\n",
            [NetrcLine("h", "a", "1"), NetrcLine("h", "b", "2")],
        ),
        # kept at once: a later password on the same entry starts from nothing
        ("machine h login a password 1 password 2\n", [NetrcLine("h", "a", "1")]),
        # a login before the machine is lost: `machine` resets the entry
        ("login a password 1 machine h\n", []),
        ("login a machine h password 1\n", []),
        # the order of login and password does not matter
        ("machine h password 1 login a\n", [NetrcLine("h", "a", "1")]),
        # `default login x password y` on one line is read in pairs: it does not stop the file
        (
            "default login anon password x\nmachine h login a password 1\n",
            [NetrcLine("h", "a", "1")],
        ),
        # a line ending in `default` does
        ("machine h login a\ndefault\npassword 1\n", []),
        ("machine h login a password 1 default\nmachine g login b password 2\n",
         [NetrcLine("h", "a", "1")]),
        # a macro runs to the first empty line; "\r" (CRLF files) is not empty
        ("macdef m\nmachine x login a password 1\n\nmachine h login b password 2\n",
         [NetrcLine("h", "b", "2")]),
        ("macdef m\r\nmachine x login a password 1\r\n\r\nmachine h login b password 2\r\n", []),
        # with CRLF a value does not end in "\r": it is white space to strings.Fields
        ("machine h\r\nlogin a\r\npassword 1\r\n", [NetrcLine("h", "a", "1")]),
        # an odd field at the end of a line is dropped
        ("machine h login\na password 1\n", []),
        # Unicode white space separates fields; \x1c (a Python space) does not
        ("machine\u2003h\u00a0login a password 1", [NetrcLine("h", "a", "1")]),
        ("machine h\x1clogin a password 1", []),
        # keywords are case-sensitive; unknown ones are skipped in pairs
        ("Machine h login a password 1", []),
        ("machine h account x login a password 1", [NetrcLine("h", "a", "1")]),
        # a machine with a port, or a path, is just a name
        ("machine h:8443 login a password 1", [NetrcLine("h:8443", "a", "1")]),
    ],
)  # fmt: skip
def test_parse(text: str, expected: list[NetrcLine]) -> None:
    assert parse_netrc(text) == expected


def test_go_fields() -> None:
    assert go_fields("  a\tb\u3000c \x85d ") == ["a", "b", "c", "d"]
    assert go_fields("a\x1fb") == ["a\x1fb"]


@pytest.mark.parametrize(
    ("environ", "windows", "present", "expected"),
    [
        ({"NETRC": "/etc/n", "HOME": "/h"}, False, set(), "/etc/n"),
        ({"NETRC": "", "HOME": "/h"}, False, set(), "/h/.netrc"),
        ({"HOME": "/h/"}, False, set(), "/h/.netrc"),
        ({}, False, set(), None),
        ({"HOME": "/h"}, True, set(), None),  # Windows: USERPROFILE
        ({"USERPROFILE": "C:\\Users\\u"}, True, set(), "C:\\Users\\u\\.netrc"),
        (
            {"USERPROFILE": "C:\\Users\\u"},
            True,
            {"C:\\Users\\u\\_netrc"},
            "C:\\Users\\u\\_netrc",
        ),
        ({"USERPROFILE": "C:\\Users\\u", "NETRC": "D:\\n"}, True, set(), "D:\\n"),
        ({"HOME": "/h"}, False, {"/h/_netrc"}, "/h/.netrc"),  # _netrc on Windows only
    ],
)
def test_netrc_path(
    environ: dict[str, str], windows: bool, present: set[str], expected: str | None
) -> None:
    assert netrc_path(environ, windows=windows, exists=present.__contains__) == expected
