"""go's error messages, parsed: which failure, which module and version, which host, which status.

Input is go's stderr (the -x trace lines are skipped: xlog.py reads those; a request that
failed and was retried elsewhere is not a failure). go continues a multi-line error with
tab-indented lines, and a SECURITY ERROR block runs to the next blank line; a message is
parsed as a whole into one GoError, plain facts with no judgement and no fix: explain.py holds
the rules that turn them into findings.

Texts checked against go1.27.3 run against loopback mirrors (tests/doctor/test_doctor_xlog.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Optional
from urllib.parse import urlsplit

from goaccel.doctor.xlog import (
    ROLE_PROXY,
    ROLE_SUMDB,
    ROLE_TOOLCHAIN,
    ROLE_VCS,
    host_in,
    host_of,
    is_x_line,
    request_role,
)
from goaccel.gocompat.modpath import ModulePathError, unescape_path, unescape_version

# GoError.kind: what failed.
GOFLAGS_INVALID = "goflags-invalid"  # go: parsing $GOFLAGS: ...
GOPROXY_INVALID = "goproxy-invalid"  # invalid proxy URL, a GOPROXY list with no entries
INSECURE_CREDENTIALS = "insecure-credentials"  # credentials refused over http (url)
CHECKSUM_MISMATCH = "checksum-mismatch"  # verifying ...: checksum mismatch, SECURITY ERROR
LOOKUP_DISABLED = "lookup-disabled"  # module lookup disabled by GOPROXY=off or -mod=... (setting)
INCONSISTENT_VENDORING = "inconsistent-vendoring"
MISSING_GO_SUM_ENTRY = "missing-go-sum-entry"  # (target: what `go mod download` go suggests)
TOOLCHAIN_DOWNLOAD = "toolchain-download"  # go: downloading go1.X.Y (platform)
TOOLCHAIN_DOWNLOAD_FAILED = "toolchain-download-failed"  # go: download go1.X.Y: ...
VCS_AUTH = "vcs-auth"  # git asked for credentials with prompts disabled
UNKNOWN_REVISION = "unknown-revision"  # unknown revision, invalid version
HTTP_STATUS = "http-status"  # reading URL: 404 Not Found (a mirror's or database's answer)
NETWORK = "network"  # refused, dns, timeout, unreachable, tls, reset (cause)

KINDS = (
    GOFLAGS_INVALID,
    GOPROXY_INVALID,
    INSECURE_CREDENTIALS,
    CHECKSUM_MISMATCH,
    LOOKUP_DISABLED,
    INCONSISTENT_VENDORING,
    MISSING_GO_SUM_ENTRY,
    TOOLCHAIN_DOWNLOAD,
    TOOLCHAIN_DOWNLOAD_FAILED,
    VCS_AUTH,
    UNKNOWN_REVISION,
    HTTP_STATUS,
    NETWORK,
)

# GoError.role: who was being contacted (xlog's roles, and "network" when no one is known).
ROLE_NETWORK = "network"
# GoError.cause of a NETWORK error (and of a TOOLCHAIN_DOWNLOAD_FAILED one, when it is one).
NET_CAUSES = ("refused", "timeout", "dns", "unreachable", "tls", "reset")

# Plain tokens: only these are kept as a module, version or host, since they end up in
# commands the user pastes.
SAFE_MODULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~+-]*(?:/[A-Za-z0-9._~+-]+)*")
SAFE_HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?")
SAFE_VERSION = re.compile(r"[A-Za-z0-9._+-]+")


@dataclass(frozen=True)
class GoError:
    """One of go's error messages, as facts. Fields a kind does not have stay empty."""

    kind: str  # one of KINDS
    lines: tuple[str, ...]  # the message as go printed it (its continuation lines too)
    seen: str  # the line that shows the problem, stripped
    module: Optional[str] = None  # the module named (a plain token), e.g. "example.com/m"
    version: Optional[str] = None  # its version, e.g. "v1.2.3"
    url: Optional[str] = None  # the URL that failed
    host: str = ""  # host[:port] that failed, lower-cased
    role: str = ""  # who that host is: proxy, sumdb, vcs or network (HTTP_STATUS, NETWORK, ...)
    status: str = ""  # the HTTP status line, e.g. "404 Not Found"
    code: Optional[int] = None  # its code, e.g. 404
    body: str = ""  # the server's response body, white space folded
    private_repo: bool = False  # the server's answer shows a fetch that wanted credentials
    cause: Optional[str] = None  # a network failure's cause: one of NET_CAUSES
    reason: str = ""  # go's words after the prefix (GOFLAGS_INVALID, TOOLCHAIN_DOWNLOAD_FAILED)
    setting: str = ""  # what disabled lookups: "GOPROXY=off" or "-mod=vendor" (LOOKUP_DISABLED)
    toolchain: str = ""  # the toolchain, e.g. "go1.30.0" (TOOLCHAIN_*)
    not_available: bool = False  # the mirror has no such toolchain (TOOLCHAIN_DOWNLOAD_FAILED)
    target: Optional[str] = None  # what go says to `go mod download` (MISSING_GO_SUM_ENTRY)
    downloaded: str = ""  # the hash of what go downloaded (CHECKSUM_MISMATCH)
    recorded_in: str = ""  # where the expected hash comes from: "go.sum" or the database's name
    recorded: str = ""  # that hash
    against_db: bool = False  # the mismatch is against the checksum database, not go.sum

    @property
    def module_version(self) -> str:
        """`module@version`, the module alone, or "a module"."""
        if self.module and self.version:
            return f"{self.module}@{self.version}"
        return self.module or "a module"


def group_messages(lines: Iterable[str]) -> list[list[str]]:
    """go's stderr as messages: a line, its tab-indented continuation lines, and for a
    SECURITY ERROR block everything up to the next blank line. -x lines are skipped."""
    groups: list[list[str]] = []
    current: Optional[list[str]] = None
    security_block = False
    for raw in lines:
        line = raw.rstrip("\r\n")
        if is_x_line(line):
            continue
        if not line.strip():
            current, security_block = None, False
            continue
        if current is not None and (line[:1] in ("\t", " ") or security_block):
            current.append(line)
            continue
        current = [line]
        groups.append(current)
        security_block = line.strip() == "SECURITY ERROR"
    return groups


def parse_messages(
    lines: Iterable[str],
    *,
    proxy_hosts: Sequence[str] = (),
    sumdb_hosts: Sequence[str] = (),
) -> list[GoError]:
    """go's stderr (with or without the -x lines) as the errors it reports, in order.

    proxy_hosts and sumdb_hosts (host[:port], as xlog.host_of gives them) tell a mirror from
    the checksum database from a repository host. A message go prints that is none of the
    known kinds is left out; the SECURITY ERROR block that follows a checksum mismatch is
    part of that one error."""
    hosts = _Hosts(tuple(proxy_hosts), tuple(sumdb_hosts))
    out: list[GoError] = []
    mismatch_seen = False
    for group in group_messages(lines):
        text = "\n".join(group)
        if text.startswith("SECURITY ERROR"):
            mismatch = _checksum_mismatch(group, text, hosts)  # every such block is one
            if not mismatch_seen and mismatch is not None:
                out.append(mismatch)
            continue
        for parse in _PARSERS:
            error = parse(group, text, hosts)
            if error is not None:
                mismatch_seen = mismatch_seen or error.kind == CHECKSUM_MISMATCH
                out.append(error)
                break
    return out


def parse_message(
    text: str, *, proxy_hosts: Sequence[str] = (), sumdb_hosts: Sequence[str] = ()
) -> Optional[GoError]:
    """One message (its lines joined with newlines), or None when it is no known kind."""
    found = parse_messages(text.splitlines(), proxy_hosts=proxy_hosts, sumdb_hosts=sumdb_hosts)
    return found[0] if found else None


@dataclass(frozen=True)
class _Hosts:
    proxy: tuple[str, ...]
    sumdb: tuple[str, ...]


# -- pieces of a message ------------------------------------------------------------------------

_MOD_AT_VER = re.compile(
    r"(?<![\w/.!%-])([A-Za-z0-9][\w.~+-]*(?:/[\w.~+!-]+)+)@([\w.+~-]*[\w+~-])(?=[:\s/\"]|$)"
)
_IMPORT_LINE = re.compile(r"^\s+([A-Za-z0-9][\w.~+-]*(?:/[\w.~+-]+)+): ", re.M)
_QUOTED_URL = re.compile(r"(?:Get|read|Head|Post) \"([^\"]+)\"")
_READING = re.compile(r"reading (\S+): ((\d{3})\b[^\n]*)")
# go indents every line of a multi-line body with a tab (web/api.go HTTPError.Error).
_SERVER_RESPONSE = re.compile(r"server response:(.*)", re.S)
_DIAL_HOST = re.compile(r"dial tcp (\[[^\]]+\]:\d+|[^\s:]+:\d+)")
_LOOKUP_HOST = re.compile(r"lookup ([^\s:]+)")
_GIT_URL = re.compile(r"(?:unable to access|for|repository) '([^']+)'")
_GIT_HOST = re.compile(r"(?:Could not resolve host:|Failed to connect to) ([^\s:]+)")

NET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("refused", re.compile(r"connection refused", re.I)),
    (
        "dns",
        re.compile(
            r"no such host|server misbehaving|could not resolve host|"
            r"temporary failure in name resolution|lookup \S+ on \S+: ",
            re.I,
        ),
    ),
    (
        "timeout",
        re.compile(
            r"i/o timeout|Client\.Timeout exceeded|TLS handshake timeout|"
            r"context deadline exceeded|timed out",
            re.I,
        ),
    ),
    ("unreachable", re.compile(r"network is unreachable|no route to host", re.I)),
    ("tls", re.compile(r"x509: |tls: |SSL certificate problem|certificate verify failed", re.I)),
    (
        "reset",
        re.compile(
            r"connection reset by peer|unexpected EOF|: EOF\b|broken pipe|"
            r"Empty reply from server|RPC failed|early EOF",
            re.I,
        ),
    ),
)


def _seen_line(group: list[str], pattern: Optional[re.Pattern[str]] = None) -> str:
    """The line of a message that shows the problem (the one matching `pattern`)."""
    chosen = group[0]
    if pattern is not None:
        chosen = next((line for line in group if pattern.search(line)), group[0])
    return chosen.strip()


def _module_version(text: str) -> tuple[Optional[str], Optional[str]]:
    """The first `module@version` named in a message (or an imported path), only when both are
    plain tokens."""
    m = _MOD_AT_VER.search(text)
    if m:
        return _checked(m.group(1), m.group(2))
    m = _IMPORT_LINE.search(text)
    if m:
        return _checked(m.group(1), None)
    return None, None


def _checked(module: Optional[str], version: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    if not module or not SAFE_MODULE.fullmatch(module):
        return None, None
    return module, version if version and SAFE_VERSION.fullmatch(version) else None


def _module_from_proxy_url(url: str) -> tuple[Optional[str], Optional[str]]:
    """`<base>/<escaped module>/@v/<version>.zip` -> (module, version), undoing go's `!x`
    case-encoding. Only the URL's path counts: the mirror's host is not part of the module,
    and a base path (`/goproxy/`) has no dot in its first element, as a module path must."""
    path = urlsplit(url).path if "://" in url else url
    m = re.search(r"/([^/]+\.[^/]+(?:/[^/@]+)*)/@v/(.+)\.(?:zip|mod|info)$", path)
    if not m:
        return None, None
    try:
        module = unescape_path(m.group(1).replace("%21", "!"))
        version = unescape_version(m.group(2).replace("%21", "!"))
    except ModulePathError:
        return None, None
    return _checked(module, version)


def _net_cause(text: str) -> Optional[str]:
    for cause, pattern in NET_PATTERNS:
        if pattern.search(text):
            return cause
    return None


def _failing_url(text: str) -> Optional[str]:
    for pattern in (_QUOTED_URL, _GIT_URL):
        m = pattern.search(text)
        if m:
            return m.group(1)
    return None


def _failing_host(text: str, url: Optional[str]) -> str:
    if url:
        return host_of(url)
    for pattern in (_GIT_HOST, _DIAL_HOST, _LOOKUP_HOST):
        m = pattern.search(text)
        if m:
            return m.group(1).lower()
    return ""


def _looks_like_vcs(text: str) -> bool:
    return bool(
        re.search(r"\b(?:git|hg|svn|bzr|fossil) [\w-]|fatal: |exit status \d+|go-get=1", text)
    )


def _role(url: Optional[str], host: str, text: str, hosts: _Hosts) -> str:
    if "verifying module:" in text or "verifying go.mod:" in text:
        return ROLE_SUMDB
    if url:
        role = request_role(url, hosts.proxy, hosts.sumdb)
        if role in (ROLE_PROXY, ROLE_SUMDB, ROLE_VCS):
            return role
        # The module proxy protocol's own paths: a proxy even when the context lacks it.
        if role == ROLE_TOOLCHAIN or re.search(r"/@v/|/@latest$", url.split("?")[0]):
            return ROLE_PROXY
    elif host and host_in(host, hosts.proxy):
        return ROLE_PROXY
    elif host and host_in(host, hosts.sumdb):
        return ROLE_SUMDB
    if _looks_like_vcs(text):
        return ROLE_VCS
    return ROLE_NETWORK


def _asks_credentials(text: str) -> bool:
    return "terminal prompts disabled" in text or "could not read Username" in text


# -- the kinds, in order: the first that recognises a message owns it ---------------------------


def _error(kind: str, group: list[str], seen: Optional[re.Pattern[str]] = None) -> GoError:
    """A GoError of `kind` for the message, with its seen line and the module@version it names;
    the parsers add the facts of their kind with dataclasses.replace."""
    module, version = _module_version("\n".join(group))
    return GoError(kind, tuple(group), _seen_line(group, seen), module=module, version=version)


def _goflags(group: list[str], text: str, hosts: _Hosts) -> Optional[GoError]:
    m = re.search(r"go: parsing \$GOFLAGS: (.*)", text)
    if not m:
        return None
    return replace(_error(GOFLAGS_INVALID, group), reason=m.group(1))


def _goproxy_invalid(group: list[str], text: str, hosts: _Hosts) -> Optional[GoError]:
    m = re.search(
        r"invalid proxy URL[^\n]*|GOPROXY list is not the empty string, but contains no entries"
        r"|invalid GOPROXY[^\n]*",
        text,
    )
    if not m:
        return None
    return _error(GOPROXY_INVALID, group, re.compile(re.escape(m.group(0)[:40])))


def _insecure_credentials(group: list[str], text: str, hosts: _Hosts) -> Optional[GoError]:
    m = re.search(r"refusing to pass credentials to insecure URL: (\S+)", text)
    if not m:
        return None
    error = _error(INSECURE_CREDENTIALS, group, re.compile("refusing to pass credentials"))
    return replace(error, url=m.group(1), host=host_of(m.group(1)))


def _checksum_mismatch(group: list[str], text: str, hosts: _Hosts) -> Optional[GoError]:
    if "checksum mismatch" not in text and not text.startswith("SECURITY ERROR"):
        return None
    downloaded = re.search(r"downloaded: *(\S+)", text)
    reference = re.search(r"^\s*(go\.sum|[\w.-]+\.[\w.-]+): *(h1:\S+)", text, re.M)
    against_db = bool(reference and reference.group(1) != "go.sum") or (
        "reported by the checksum server" in text
    )
    return replace(
        _error(CHECKSUM_MISMATCH, group, re.compile("checksum mismatch|SECURITY ERROR")),
        downloaded=downloaded.group(1) if downloaded else "",
        recorded_in=reference.group(1) if reference else "",
        recorded=reference.group(2) if reference else "",
        against_db=against_db,
    )


def _lookup_disabled(group: list[str], text: str, hosts: _Hosts) -> Optional[GoError]:
    m = re.search(r"module lookup disabled by (GOPROXY=off|-mod=\w+)", text)
    if not m:
        return None
    error = _error(LOOKUP_DISABLED, group, re.compile("module lookup disabled"))
    return replace(error, setting=m.group(1))


def _vendoring(group: list[str], text: str, hosts: _Hosts) -> Optional[GoError]:
    if "inconsistent vendoring" not in text:
        return None
    return _error(INCONSISTENT_VENDORING, group, re.compile("inconsistent vendoring"))


def _missing_sum(group: list[str], text: str, hosts: _Hosts) -> Optional[GoError]:
    if "missing go.sum entry" not in text:
        return None
    m = re.search(r"go mod download (\S+)", text)
    error = _error(MISSING_GO_SUM_ENTRY, group, re.compile("missing go.sum entry"))
    return replace(error, target=m.group(1) if m else None)


def _toolchain(group: list[str], text: str, hosts: _Hosts) -> Optional[GoError]:
    m = re.match(r"go: downloading (go\d[\w.]*) \(([\w/]+)\)$", text)
    if m:
        return replace(_error(TOOLCHAIN_DOWNLOAD, group), toolchain=m.group(1))
    m = re.match(r"go: download (go\d[\w.]*)(?: for ([\w/]+))?: (.*)", text, re.S)
    if not m:
        return None
    rest = m.group(3)
    url = _failing_url(rest)
    host = _failing_host(rest, url)
    return replace(
        _error(TOOLCHAIN_DOWNLOAD_FAILED, group),
        url=url,
        host=host,
        role=_role(url, host, rest, hosts),
        cause=_net_cause(rest),
        reason=rest,
        toolchain=m.group(1),
        not_available="toolchain not available" in rest,
    )


def _vcs_auth(group: list[str], text: str, hosts: _Hosts) -> Optional[GoError]:
    if not _asks_credentials(text):
        return None
    if "server response:" in text:
        return None  # a mirror's or checksum database's git failed, not go's: _http_status
    url = _failing_url(text)
    error = _error(VCS_AUTH, group, re.compile("terminal prompts disabled|could not read"))
    return replace(error, url=url, host=host_of(url) if url else "", role=ROLE_VCS)


def _unknown_revision(group: list[str], text: str, hosts: _Hosts) -> Optional[GoError]:
    m = re.search(r"unknown revision (\S+)|invalid version: ([^\n]*)", text)
    if not m:
        return None
    reading = _READING.search(text)
    if reading and _role(reading.group(1), "", text, hosts) == ROLE_SUMDB:
        return None  # the checksum database's answer quoting its own fetch: _http_status
    return _error(UNKNOWN_REVISION, group, re.compile("unknown revision|invalid version"))


def _http_status(group: list[str], text: str, hosts: _Hosts) -> Optional[GoError]:
    m = _READING.search(text)
    if not m:
        return None
    url, status = m.group(1), m.group(2).strip()
    response = _SERVER_RESPONSE.search(text)
    body = " ".join(response.group(1).split()) if response else ""
    error = _error(HTTP_STATUS, group, re.compile(re.escape(status)))
    if not error.module:
        module, version = _module_from_proxy_url(url)
        error = replace(error, module=module, version=version)
    return replace(
        error,
        url=url,
        host=host_of(url),
        role=_role(url, host_of(url), text, hosts),
        status=status,
        code=int(m.group(3)),
        body=body,
        private_repo=_asks_credentials(body),
    )


def _network(group: list[str], text: str, hosts: _Hosts) -> Optional[GoError]:
    cause = _net_cause(text)
    if cause is None:
        return None
    url = _failing_url(text)
    host = _failing_host(text, url)
    error = _error(NETWORK, group, dict(NET_PATTERNS)[cause])
    return replace(error, url=url, host=host, role=_role(url, host, text, hosts), cause=cause)


_PARSERS = (
    _goflags,
    _goproxy_invalid,
    _insecure_credentials,
    _checksum_mismatch,
    _lookup_disabled,
    _vendoring,
    _missing_sum,
    _toolchain,
    _vcs_auth,
    _unknown_revision,
    _http_status,
    _network,
)
