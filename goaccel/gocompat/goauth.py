"""GOAUTH: which credentials go attaches to an https request, exactly as go decides it.

Follows cmd/go/internal/auth (go1.27), cmd/go/internal/cfg/cfg.go (GOAUTH defaults to `netrc`;
an empty value means the default) and cmd/go/internal/web/http.go (when it is asked):
- auth.go, AddCredentials: only https requests get credentials; GOAUTH=off gives none. go
  applies GOAUTH once before its first https request, and again, with the URL, after every
  answer from 400 to 499, then sends the request a second time.
- auth.go, runGoAuth: GOAUTH is a `;`-separated list, each item trimmed and read back to front,
  so that for the same URL prefix the item listed first wins. `off` must stand alone; `netrc`
  stores every kept netrc entry (the first one for a machine wins); `git DIR` (an absolute
  directory) asks `git credential fill` in DIR, and only once there is a URL; anything else is
  a command, run without arguments the first time and with the URL (and the 4xx response on
  its standard input) afterwards. An empty item, `off` with other items and a bad `git` item
  stop go at its first https request (GoAuthError); a command that fails is only logged
  under -x, and go goes on without its credentials.
- auth.go, storeCredential and loadCredential: credentials are kept by URL prefix without
  `https://` and one trailing `/`. A request takes those of the longest stored prefix of
  its URL (without `https://`) cut at a `/`: `host:port/a/b`, `host:port/a`, `host:port`.
  The host is compared as the URL spells it, port included, and never without its port:
  a netrc `machine h` does not match `https://h:8443/` (golang/go#81253).
- userauth.go: a command prints blocks of URL lines, a blank line, header lines and a blank
  line (parseUserAuth; URLs read by net/url.ParseRequestURI, see goproxy.py); its command line
  is split by cmd/internal/quoted.Split; the 4xx response reaches its standard input as a
  status line, the headers and a blank line (writeResponseToStdin).
- httputils.go: which header names and values a command may give.
Pure and stdlib-only: reading the netrc file and running commands are the caller's
(goaccel.gotool.goauth), handed to run_goauth as functions.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Callable, Optional

from goaccel.gocompat.goproxy import filepath_is_abs, go_parse_request_uri, trim_space
from goaccel.gocompat.netrc import NetrcLine, go_fields

__all__ = [
    "COMMAND",
    "DEFAULT_GOAUTH",
    "GIT",
    "NETRC",
    "AuthMethod",
    "CredentialStore",
    "GoAuthError",
    "Headers",
    "UserAuthError",
    "basic_auth",
    "credential_prefixes",
    "netrc_machine",
    "parse_goauth",
    "parse_user_auth",
    "response_stdin",
    "run_goauth",
    "split_quoted",
]

DEFAULT_GOAUTH = "netrc"
NETRC = "netrc"
GIT = "git"
COMMAND = "command"

#: HTTP headers, (name, value) pairs in order: what a stored credential adds to a request.
Headers = tuple[tuple[str, str], ...]


class GoAuthError(ValueError):
    """A GOAUTH value go refuses: it stops with this message at its first https request."""


class UserAuthError(ValueError):
    """A GOAUTH command's output that is not in the GOAUTH format."""


@dataclass(frozen=True)
class AuthMethod:
    """One item of GOAUTH."""

    kind: str  # NETRC | GIT | COMMAND
    text: str  # the item, trimmed (for a command: its command line)
    argv: tuple[str, ...] = ()  # COMMAND: the words to run; GIT: (DIR,)
    error: str = ""  # COMMAND: go's error when its command line cannot be split


def split_quoted(s: str) -> list[str]:
    """cmd/internal/quoted.Split: fields at ' ', '\\t', '\\n', '\\r', allowing '...' or "..."
    around one (no escapes inside). Raises ValueError for an unterminated quote."""
    out: list[str] = []
    i, n = 0, len(s)
    while i < n:
        while i < n and s[i] in " \t\n\r":
            i += 1
        if i >= n:
            break
        if s[i] in "\"'":
            quote = s[i]
            end = s.find(quote, i + 1)
            if end < 0:
                raise ValueError(f"unterminated {quote} string")
            out.append(s[i + 1 : end])
            i = end + 1
            continue
        start = i
        while i < n and s[i] not in " \t\n\r":
            i += 1
        out.append(s[start:i])
    return out


def parse_goauth(value: str, *, windows: bool = False) -> list[AuthMethod]:
    """The items of GOAUTH in the order written ([] for off: nothing is sent).

    Raises GoAuthError with go's message for the first problem go meets, reading the list back
    to front as it does. Whether a `git` directory exists is for the caller to check."""
    value = value or DEFAULT_GOAUTH
    if value == "off":
        return []
    items = value.split(";")
    methods: list[AuthMethod] = []
    for raw in reversed(items):
        command = trim_space(raw)
        words = go_fields(command)
        if not words:
            raise GoAuthError(f"go: GOAUTH encountered an empty command (GOAUTH={value})")
        if words[0] == "off":
            if len(items) != 1:
                raise GoAuthError(
                    "go: GOAUTH=off cannot be combined with other authentication commands "
                    f"(GOAUTH={value})"
                )
            return []
        if words[0] == NETRC:
            methods.append(AuthMethod(NETRC, command))
        elif words[0] == GIT:
            need = (
                "go: GOAUTH=git dir method requires an absolute path to the git working directory"
            )
            if len(words) != 2:
                raise GoAuthError(need)
            if not filepath_is_abs(words[1], windows=windows):
                raise GoAuthError(need + ", dir is not absolute")
            methods.append(AuthMethod(GIT, command, (words[1],)))
        else:
            try:
                methods.append(AuthMethod(COMMAND, command, tuple(split_quoted(command))))
            except ValueError as exc:
                error = f"cannot parse GOAUTH command {command}: {exc}"
                methods.append(AuthMethod(COMMAND, command, (), error))
    methods.reverse()
    return methods


def _trim(url: str) -> str:
    """A URL or prefix as credentials are keyed: without `https://` and one trailing `/`."""
    url = url[len("https://") :] if url.startswith("https://") else url
    return url[:-1] if url.endswith("/") else url


def credential_prefixes(url: str) -> list[str]:
    """The stored prefixes loadCredential tries for a request URL, most specific first."""
    prefix = _trim(url)
    out = [prefix]
    while "/" in prefix:
        prefix = prefix[: prefix.rindex("/")]
        out.append(prefix)
    return out


def netrc_machine(url: str) -> str:
    """The netrc `machine` name that gives a URL its credentials: its host as written, with
    its port when it has one (the last prefix loadCredential tries)."""
    return credential_prefixes(url)[-1]


class CredentialStore:
    """go's credentialCache: headers by URL prefix, each with where it came from. Safe to use
    from several threads. Its repr shows no secret."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_prefix: dict[str, tuple[Headers, str]] = {}

    def store(self, prefix: str, headers: Headers, source: str = "") -> None:
        """storeCredential: no headers remove the prefix."""
        key = _trim(prefix)
        with self._lock:
            if headers:
                self._by_prefix[key] = (tuple(headers), source)
            else:
                self._by_prefix.pop(key, None)

    def lookup(self, url: str) -> Optional[tuple[str, Headers, str]]:
        """loadCredential: (the stored prefix, its headers, its source) for a request URL."""
        with self._lock:
            for prefix in credential_prefixes(url):
                found = self._by_prefix.get(prefix)
                if found is not None:
                    return prefix, found[0], found[1]
        return None

    def prefixes(self) -> list[str]:
        with self._lock:
            return sorted(self._by_prefix)

    def __repr__(self) -> str:
        return f"CredentialStore({len(self._by_prefix)} prefixes)"


def basic_auth(login: str, password: str) -> Headers:
    """http.Request.SetBasicAuth."""
    raw = f"{login}:{password}".encode("utf-8", "surrogateescape")
    return (("Authorization", "Basic " + base64.b64encode(raw).decode("ascii")),)


_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _valid_header_name(name: str) -> bool:
    return bool(name) and all(c in _TOKEN for c in name)


def _valid_header_value(value: str) -> bool:
    return not any((ord(c) < 0x20 and c not in " \t") or c == "\x7f" for c in value)


def parse_user_auth(data: str) -> dict[str, Headers]:
    """parseUserAuth: a GOAUTH command's output as {prefix without https://: headers}.

    Raises UserAuthError with go's reason; unlike go's, the message never quotes the output,
    which holds credentials."""
    credentials: dict[str, Headers] = {}
    while data != "":
        urls: list[str] = []
        while True:
            line, found, data = data.partition("\n")
            if not found:
                raise UserAuthError("invalid format: missing empty line after URLs")
            if line == "":
                break
            try:
                urls.append(go_parse_request_uri(line).string())
            except ValueError:
                raise UserAuthError("could not parse a URL line") from None
        header: list[tuple[str, str]] = []
        while True:
            line, found, data = data.partition("\n")
            if not found:
                raise UserAuthError("invalid format: missing empty line after headers")
            if line == "":
                break
            name, sep, value = line.partition(": ")
            value = trim_space(value)
            if not sep or not _valid_header_name(name) or not _valid_header_value(value):
                raise UserAuthError("invalid format: invalid header line")
            header.append((name, value))
        for url in urls:  # mapHeadersToPrefixes
            credentials[url[len("https://") :] if url.startswith("https://") else url] = tuple(
                header
            )
    return credentials


def response_stdin(proto: str, status: str, headers: Iterable[tuple[str, str]]) -> str:
    """writeResponseToStdin: what a GOAUTH command reads after a 4xx answer, e.g.
    `HTTP/1.1 401 Unauthorized`, the headers (values of one name joined by ", "), a blank
    line."""
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        grouped.setdefault(name, []).append(value)
    lines = [f"{proto} {status}"] + [f"{k}: {', '.join(v)}" for k, v in grouped.items()]
    return "\n".join(lines) + "\n\n"


def run_goauth(
    methods: Sequence[AuthMethod],
    store: CredentialStore,
    url: str,
    *,
    read_netrc: Callable[[], Optional[Sequence[NetrcLine]]],
    run_command: Callable[[AuthMethod, str], Optional[Mapping[str, Headers]]],
    run_git: Optional[Callable[[AuthMethod, str], Optional[tuple[str, Headers]]]] = None,
) -> None:
    """runGoAuth: apply the methods back to front into store.

    url: "" the first time (before the first https request), else the URL that was answered
    with a 4xx. The functions do the I/O, and return None where go saves an error and goes
    on: read_netrc the kept entries, run_command a command's parsed output, run_git the
    prefix and headers `git credential fill` gave (None: git is not asked)."""
    for method in reversed(methods):
        if method.kind == NETRC:
            lines = read_netrc()
            for line in reversed(lines or ()):
                store.store(line.machine, basic_auth(line.login, line.password), NETRC)
        elif method.kind == GIT:
            if not url or run_git is None:
                continue
            got = run_git(method, url)
            if got is not None:
                store.store(got[0], got[1], method.text)
        else:
            credentials = run_command(method, url)
            for prefix, headers in (credentials or {}).items():
                store.store(prefix, headers, method.text)
