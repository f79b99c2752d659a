"""netrc files, read exactly as the go command reads them.

Follows cmd/go/internal/auth/netrc.go (go1.27):
- parseNetrc: the text is cut at "\\n" and each line into fields at white space (Go's
  strings.Fields); fields are read in pairs, `machine NAME` starting a new entry, `login X`
  and `password X` filling it, `macdef NAME` skipping the following lines up to the first
  empty one. An entry is kept the moment it has a machine, a login and a password, and the
  pairs after it start from nothing until the next `machine`. A line that ends in `default`
  ends the file: go never uses a default entry, nor anything after it.
- netrcPath: `$NETRC` when set, else `.netrc` in the home directory (`_netrc` first on
  Windows, when it exists).
How an entry is matched to a request (by the URL's host with its port) is in goauth.py, where
go keeps it. Pure and stdlib-only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath
from typing import Callable, Optional

__all__ = ["NetrcEntry", "NetrcLine", "go_fields", "netrc_entries", "netrc_path", "parse_netrc"]

# unicode.IsSpace, which strings.Fields splits at (Python's str.split also splits at
# \x1c-\x1f, which Go does not).
_GO_SPACE = re.compile("[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")


@dataclass(frozen=True)
class NetrcLine:
    """An entry go keeps (netrcLine): the credentials it sends to `machine`."""

    machine: str
    login: str = field(repr=False)
    password: str = field(repr=False)


@dataclass(frozen=True)
class NetrcEntry:
    """A `machine` entry as written, kept by go or not: what doctor needs to say why not.
    No secret is held: only whether a login and a password were given."""

    machine: str
    lineno: int  # 1-based line of its `machine` token
    has_login: bool
    has_password: bool
    kept: bool  # go uses it (it had all three before the next machine or the end)


def go_fields(s: str) -> list[str]:
    """strings.Fields."""
    return [f for f in _GO_SPACE.split(s) if f]


@dataclass
class _Current:
    machine: str = ""
    login: str = ""
    password: str = ""
    lineno: int = 0


def _walk(data: str) -> tuple[list[NetrcLine], list[NetrcEntry]]:
    kept: list[NetrcLine] = []
    entries: list[NetrcEntry] = []
    cur = _Current()

    def left_incomplete() -> None:
        if cur.machine:
            entries.append(
                NetrcEntry(cur.machine, cur.lineno, bool(cur.login), bool(cur.password), False)
            )

    in_macro = False
    for lineno, line in enumerate(data.split("\n"), start=1):
        if in_macro:
            if line == "":
                in_macro = False
            continue
        f = go_fields(line)
        i = 0
        while i < len(f) - 1:
            keyword, value = f[i], f[i + 1]
            if keyword == "machine":
                left_incomplete()
                cur = _Current(machine=value, lineno=lineno)
            elif keyword == "login":
                cur.login = value
            elif keyword == "password":
                cur.password = value
            elif keyword == "macdef":
                in_macro = True
            # ("default" is read as a pair too, and changes nothing: go's `break` there
            # leaves the switch, not the loop.)
            if cur.machine and cur.login and cur.password:
                kept.append(NetrcLine(cur.machine, cur.login, cur.password))
                entries.append(NetrcEntry(cur.machine, cur.lineno, True, True, True))
                cur = _Current()
            i += 2
        if i < len(f) and f[i] == "default":
            break
    left_incomplete()
    return kept, entries


def parse_netrc(data: str) -> list[NetrcLine]:
    """parseNetrc: the entries go uses, in file order (for one machine, go uses the first)."""
    return _walk(data)[0]


def netrc_entries(data: str) -> list[NetrcEntry]:
    """Every `machine` entry the way parseNetrc reads it, kept or not, in file order."""
    return _walk(data)[1]


def netrc_path(
    environ: Mapping[str, str], *, windows: bool, exists: Callable[[str], bool]
) -> Optional[str]:
    """netrcPath: the file go reads, or None when there is no home directory to look in.

    environ: the OS environment (NETRC is never read from the go env file); exists: whether a
    path exists (asked for `_netrc` on Windows only)."""
    if environ.get("NETRC"):
        return environ["NETRC"]
    # os.UserHomeDir: %USERPROFILE% on Windows, $HOME elsewhere
    home = environ.get("USERPROFILE" if windows else "HOME", "")
    if not home:
        return None
    join = PureWindowsPath if windows else PurePosixPath  # filepath.Join
    if windows and exists(str(join(home, "_netrc"))):
        return str(join(home, "_netrc"))
    return str(join(home, ".netrc"))
