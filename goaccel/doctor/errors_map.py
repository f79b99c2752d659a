"""go's error texts -> findings with a cause and a fix the user can paste.

Input is go's stderr (the -x trace lines are skipped: a request that failed and was retried
elsewhere is not a failure; doctor reads those from xlog's timing). go continues a multi-line
error with tab-indented lines, and a SECURITY ERROR block runs to the next blank line; a
message is matched as a whole. One finding per cause and host (or module): the other
occurrences go into its details.

Texts checked against go1.27.3 run against loopback mirrors (tests/test_doctor_xlog.py).
Fixes never weaken verification: no GOSUMDB=off, GONOSUMDB=*, GOINSECURE or GOFLAGS=-insecure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Optional

from goaccel.doctor.model import PROBLEM, WARNING, Finding
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
from goaccel.gocompat.goproxy import KIND_DIRECT, KIND_OFF, split_goproxy
from goaccel.gocompat.gosumdb import SUMDB_DEFAULT, parse_gosumdb
from goaccel.gocompat.pathmatch import match_prefix_patterns
from goaccel.textsafe import mask_urls_in_text, untrusted

# -- stable finding ids ---------------------------------------------------------------------

# Network failures: "<role>-<cause>", role = who was being contacted.
NET_ROLES = ("proxy", "sumdb", "vcs", "network")
NET_CAUSES = ("refused", "timeout", "dns", "unreachable", "tls", "reset")
MODULE_NOT_FOUND = "module-not-found"
PROXY_HTTP_ERROR = "proxy-http-error"
SUMDB_NOT_FOUND = "sumdb-not-found"
SUMDB_HTTP_ERROR = "sumdb-http-error"
CHECKSUM_MISMATCH = "checksum-mismatch"
VCS_AUTH_REQUIRED = "vcs-auth-required"
UNKNOWN_REVISION = "unknown-revision"
INCONSISTENT_VENDORING = "inconsistent-vendoring"
GOPROXY_OFF = "goproxy-off"
MODULE_LOOKUP_DISABLED = "module-lookup-disabled"
GOPROXY_INVALID = "goproxy-invalid"
PROXY_INSECURE_CREDENTIALS = "proxy-insecure-credentials"
GOFLAGS_INVALID = "goflags-invalid"
TOOLCHAIN_DOWNLOAD = "toolchain-download"
TOOLCHAIN_DOWNLOAD_FAILED = "toolchain-download-failed"
MISSING_GO_SUM_ENTRY = "missing-go-sum-entry"

FINDING_IDS: tuple[str, ...] = (
    *(f"{role}-{cause}" for role in NET_ROLES for cause in NET_CAUSES),
    MODULE_NOT_FOUND,
    PROXY_HTTP_ERROR,
    SUMDB_NOT_FOUND,
    SUMDB_HTTP_ERROR,
    CHECKSUM_MISMATCH,
    VCS_AUTH_REQUIRED,
    UNKNOWN_REVISION,
    INCONSISTENT_VENDORING,
    GOPROXY_OFF,
    MODULE_LOOKUP_DISABLED,
    GOPROXY_INVALID,
    PROXY_INSECURE_CREDENTIALS,
    GOFLAGS_INVALID,
    TOOLCHAIN_DOWNLOAD,
    TOOLCHAIN_DOWNLOAD_FAILED,
    MISSING_GO_SUM_ENTRY,
)

# Hosts where the first two path elements name an owner (user or organisation).
_OWNER_HOSTS = frozenset({"github.com", "gitlab.com", "bitbucket.org"})
_MAX_DETAILS = 8
_SEEN_LIMIT = 400


@dataclass(frozen=True)
class ErrorContext:
    """What errors_map needs to know about the go configuration the output came from."""

    proxy_hosts: tuple[str, ...] = ()  # host[:port] of each GOPROXY URL entry
    sumdb_name: str = "sum.golang.org"  # "" when GOSUMDB=off
    sumdb_hosts: tuple[str, ...] = ()  # where checksum lookups go when not via the proxy
    goprivate: str = ""
    goproxy: str = ""
    goflags: str = ""
    go_version: str = ""  # the local go, e.g. "go1.27.3"

    @classmethod
    def from_go_env(cls, env: Mapping[str, str]) -> ErrorContext:
        """From `go env -json` values (GOPROXY, GOSUMDB, GOPRIVATE, GOFLAGS, GOVERSION)."""
        goproxy = env.get("GOPROXY", "")
        proxy_hosts = tuple(
            h
            for entry, _ in split_goproxy(goproxy)
            if entry.strip() and entry.strip() not in (KIND_DIRECT, KIND_OFF)
            for h in [host_of(entry)]
            if h
        )
        name, hosts = _parse_gosumdb(env.get("GOSUMDB", SUMDB_DEFAULT))
        return cls(
            proxy_hosts=proxy_hosts,
            sumdb_name=name,
            sumdb_hosts=hosts,
            goprivate=env.get("GOPRIVATE", ""),
            goproxy=goproxy,
            goflags=env.get("GOFLAGS", ""),
            go_version=env.get("GOVERSION", ""),
        )


def _parse_gosumdb(value: str) -> tuple[str, tuple[str, ...]]:
    """`name[+hash+key] [URL]` -> (name, hosts); `off` -> ("", ())."""
    db = parse_gosumdb(value).resolved()
    if not db.name:
        return "", ()
    url_host = host_of(db.url) if db.url else ""
    return db.name, (url_host or db.name,)


# -- safe pieces for commands the user will paste ---------------------------------------------

_SAFE_MODULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~+-]*(?:/[A-Za-z0-9._~+-]+)*")
_SAFE_HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?")
_SAFE_VERSION = re.compile(r"[A-Za-z0-9._+-]+")


def _safe(value: Optional[str], pattern: re.Pattern[str], placeholder: str) -> str:
    """`value` if it is a plain token that cannot do anything surprising in a shell."""
    return value if value and pattern.fullmatch(value) else placeholder


def private_pattern(module: str) -> str:
    """The GOPRIVATE pattern to suggest for a private module (one rule for the whole tool:
    private.suggest_pattern)."""
    from goaccel.doctor.private import suggest_pattern

    return suggest_pattern(module)


def matches_patterns(module: str, patterns: str) -> bool:
    """go's GOPRIVATE matching (module.MatchPrefixPatterns with path.Match semantics)."""
    return match_prefix_patterns(patterns, module)


def _goprivate_command(ctx: ErrorContext, pattern: str) -> str:
    """`go env -w GOPRIVATE=...` that adds `pattern` to the existing value (go env -w
    replaces the whole value), with patterns go could never match dropped or corrected, and
    quoted as the static check quotes it."""
    from goaccel.doctor.private import corrected_patterns, go_env_w_command

    current = [p for p in corrected_patterns(ctx.goprivate).split(",") if p]
    if pattern not in current:
        current.append(pattern)
    return go_env_w_command("GOPRIVATE", ",".join(current))


# -- reading go's messages -----------------------------------------------------------------------


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

_NET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
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
    plain tokens: they end up in commands the user pastes."""
    m = _MOD_AT_VER.search(text)
    if m:
        return _checked(m.group(1), m.group(2))
    m = _IMPORT_LINE.search(text)
    if m:
        return _checked(m.group(1), None)
    return None, None


def _checked(module: Optional[str], version: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    if not module or not _SAFE_MODULE.fullmatch(module):
        return None, None
    return module, version if version and _SAFE_VERSION.fullmatch(version) else None


def _module_from_proxy_url(url: str) -> tuple[Optional[str], Optional[str]]:
    """`<base>/<escaped module>/@v/<version>.zip` -> (module, version), undoing `!x` -> `X`."""
    m = re.search(r"/([^/]+\.[^/]+(?:/[^/@]+)*)/@v/(.+)\.(?:zip|mod|info)$", url)
    if not m:
        return None, None
    path = m.group(1).replace("%21", "!")
    module = re.sub(r"!([a-z])", lambda x: x.group(1).upper(), path)
    version = re.sub(r"!([a-z])", lambda x: x.group(1).upper(), m.group(2).replace("%21", "!"))
    return _checked(module, version)


def _net_cause(text: str) -> Optional[str]:
    for cause, pattern in _NET_PATTERNS:
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


def _role(url: Optional[str], host: str, text: str, ctx: ErrorContext) -> str:
    if "verifying module:" in text or "verifying go.mod:" in text:
        return ROLE_SUMDB
    if url:
        role = request_role(url, ctx.proxy_hosts, ctx.sumdb_hosts)
        if role in (ROLE_PROXY, ROLE_SUMDB, ROLE_VCS):
            return role
        # The module proxy protocol's own paths: a proxy even when the context lacks it.
        if role == ROLE_TOOLCHAIN or re.search(r"/@v/|/@latest$", url.split("?")[0]):
            return ROLE_PROXY
    elif host and host_in(host, ctx.proxy_hosts):
        return ROLE_PROXY
    elif host and host_in(host, ctx.sumdb_hosts):
        return ROLE_SUMDB
    if _looks_like_vcs(text):
        return ROLE_VCS
    return "network"


# -- the texts of the findings -------------------------------------------------------------------

_CAUSE_TEXT = {
    "refused": "refuses connections: nothing listens there (the service is down, the port is "
    "wrong, or a firewall rejects the connection)",
    "timeout": "does not answer in time: it is blocked or unreachable from this network (go "
    "waits up to 30 s to connect and has no limit once connected)",
    "dns": "does not resolve (no such host): a typo in the setting, or a DNS that cannot see "
    "it (VPN off?)",
    "unreachable": "is unreachable (no route): no network, or a missing VPN or firewall route",
    "tls": "fails the TLS check: its certificate is not trusted here (a TLS-inspecting proxy or "
    "a company CA that is not installed?)",
    "reset": "dropped the connection midway (reset, or unexpected EOF): an unstable link, an "
    "overloaded server, or a middlebox cutting long transfers",
}

_TLS_FIX = (
    "# install your organisation's CA certificate in the system trust store\n"
    "# (or point SSL_CERT_FILE at it); do not turn verification off with GOINSECURE"
)
_NEVER_OFF = (
    "# do not set GOSUMDB=off or GONOSUMDB=*: that stops verifying every module you download"
)


def _who(role: str, host: str, url: Optional[str], ctx: ErrorContext) -> str:
    shown = host or "an unknown host"
    if role == ROLE_PROXY:
        return f"the GOPROXY mirror {shown}"
    if role == ROLE_SUMDB:
        name = ctx.sumdb_name or "GOSUMDB"
        if url and "/sumdb/" in url:
            return f"the checksum database {name}, reached through the GOPROXY mirror {shown}"
        return f"the checksum database {name}" + ("" if shown == name else f" at {shown}")
    if role == ROLE_VCS:
        return f"the repository host {shown} (go fetches from the repository directly)"
    return shown


def _network_fix(role: str, cause: str, host: str, module: Optional[str], ctx: ErrorContext) -> str:
    lines: list[str] = []
    if cause == "tls":
        lines.append(_TLS_FIX)
    if role == ROLE_PROXY:
        if cause == "dns":
            lines.append("go env GOPROXY   # check the spelling of each entry")
        if cause == "reset":
            lines.append(
                "# a dropped transfer may be a one-off: run the command again; if it recurs:"
            )
        lines += [
            "goaccel setup    # measure the mirrors reachable from here and configure the best",
            "# with '|' between mirrors go tries the next one after any error (',' only after "
            "404/410)",
        ]
    elif role == ROLE_SUMDB:
        lines.append("goaccel setup    # finds a mirror that also serves the checksum database")
        if not host_in("sum.golang.google.cn", ctx.sumdb_hosts):
            lines += [
                "# or use the checksum database's mirror that is reachable from mainland China:",
                "go env -w GOSUMDB=sum.golang.google.cn",
            ]
        lines.append(_NEVER_OFF)
    elif role == ROLE_VCS:
        lines.append("# public module: let a mirror serve it, so go never talks to the repository:")
        lines.append("goaccel setup")
        if module:
            safe = _safe(private_pattern(module), _SAFE_MODULE, "")
            if safe:
                lines.append(
                    f"# private module: make {host or 'its host'} reachable (VPN?) "
                    "and keep it away from public mirrors:"
                )
                lines.append(_goprivate_command(ctx, safe))
    else:
        lines.append(
            f"# check that {host or 'the host'} is reachable from here (proxy, VPN, firewall)"
        )
        lines.append("goaccel setup")
    return "\n".join(lines)


# -- the rules -----------------------------------------------------------------------------------


@dataclass
class _Collector:
    ctx: ErrorContext
    found: dict[tuple[str, str], Finding] = field(default_factory=dict)

    def add(
        self,
        key: str,
        finding: Finding,
        also: str = "",
    ) -> None:
        """Keep one finding per (id, key); later occurrences become details."""
        slot = (finding.id, key)
        existing = self.found.get(slot)
        if existing is None:
            self.found[slot] = _sanitized(finding)
            return
        extra = _text(also or finding.seen, limit=_SEEN_LIMIT)
        fresh = extra and extra != existing.seen and extra not in existing.details
        if fresh and len(existing.details) < _MAX_DETAILS:
            existing.details.append(extra)


def _cap(text: str) -> str:
    """Start a sentence: but a sentence that starts with a host name keeps it as it is."""
    first = text.split(" ", 1)[0]
    if "." in first or ":" in first:
        return text
    return text[:1].upper() + text[1:]


def _text(value: str, *, limit: int = 2000, keep_newlines: bool = False) -> str:
    return untrusted(mask_urls_in_text(value), limit=limit, keep_newlines=keep_newlines)


def _sanitized(f: Finding) -> Finding:
    return Finding(
        id=f.id,
        status=f.status,
        title=_text(f.title, limit=200),
        seen=_text(f.seen, limit=_SEEN_LIMIT),
        why=_text(f.why, limit=1500),
        fix=_text(f.fix, limit=2000, keep_newlines=True),
        details=[_text(d, limit=_SEEN_LIMIT) for d in f.details if d.strip()],
    )


def findings_from_output(lines: list[str], context: Optional[ErrorContext] = None) -> list[Finding]:
    """Map go's stderr (with or without the -x lines) to findings, in order of appearance."""
    ctx = context if context is not None else ErrorContext()
    out = _Collector(ctx)
    mismatch_seen = False
    for group in group_messages(lines):
        text = "\n".join(group)
        if text.startswith("SECURITY ERROR"):
            if not mismatch_seen:
                _checksum_mismatch(out, group, text)
            continue
        for rule in _RULES:
            if rule(out, group, text):
                if rule is _checksum_mismatch:
                    mismatch_seen = True
                break
    return list(out.found.values())


def _goflags(out: _Collector, group: list[str], text: str) -> bool:
    m = re.search(r"go: parsing \$GOFLAGS: (.*)", text)
    if not m:
        return False
    current = f" (GOFLAGS={out.ctx.goflags})" if out.ctx.goflags else ""
    out.add(
        "",
        Finding(
            id=GOFLAGS_INVALID,
            status=PROBLEM,
            title="GOFLAGS holds a flag go does not accept",
            seen=_seen_line(group),
            why=f"GOFLAGS{current} is applied to every go command; one it cannot parse "
            f"({m.group(1)}) makes every command except `go env` fail before doing anything.",
            fix="go env GOFLAGS    # see the value\n"
            "go env -u GOFLAGS # if it was set with go env -w\n"
            "unset GOFLAGS     # if it comes from your shell or CI environment",
        ),
    )
    return True


def _goproxy_invalid(out: _Collector, group: list[str], text: str) -> bool:
    m = re.search(
        r"invalid proxy URL[^\n]*|GOPROXY list is not the empty string, but contains no entries"
        r"|invalid GOPROXY[^\n]*",
        text,
    )
    if not m:
        return False
    out.add(
        "",
        Finding(
            id=GOPROXY_INVALID,
            status=PROBLEM,
            title="GOPROXY is not a valid proxy list",
            seen=_seen_line(group, re.compile(re.escape(m.group(0)[:40]))),
            why="go accepted the value when it was written, but every module lookup now fails "
            "with it. Entries are URLs (https://host/path) separated by ',' or '|', optionally "
            "ending with direct or off.",
            fix="go env GOPROXY     # see the value\n"
            "goaccel setup      # or write a checked one\n"
            "go env -u GOPROXY  # or go back to the default",
        ),
    )
    return True


def _insecure_credentials(out: _Collector, group: list[str], text: str) -> bool:
    m = re.search(r"refusing to pass credentials to insecure URL: (\S+)", text)
    if not m:
        return False
    host = host_of(m.group(1))
    out.add(
        host,
        Finding(
            id=PROXY_INSECURE_CREDENTIALS,
            status=PROBLEM,
            title=f"GOPROXY sends credentials over plain http to {host}",
            seen=_seen_line(group, re.compile("refusing to pass credentials")),
            why="go refuses to send a user name and password over http, where anyone on the "
            "path could read them, so every request to this mirror fails.",
            fix="# use the mirror's https:// URL, and keep the credentials out of GOPROXY:\n"
            f"# a ~/.netrc line 'machine {_safe(_bare_host(host), _SAFE_HOST, 'HOST')} login "
            "USER password TOKEN' (GOAUTH=netrc, the default) sends them over https only",
        ),
    )
    return True


def _bare_host(host: str) -> str:
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.partition(":")[0]


def _checksum_mismatch(out: _Collector, group: list[str], text: str) -> bool:
    if "checksum mismatch" not in text and not text.startswith("SECURITY ERROR"):
        return False
    module, version = _module_version(text)
    downloaded = re.search(r"downloaded: *(\S+)", text)
    reference = re.search(r"^\s*(go\.sum|[\w.-]+\.[\w.-]+): *(h1:\S+)", text, re.M)
    against_db = bool(reference and reference.group(1) != "go.sum") or (
        "reported by the checksum server" in text
    )
    mv = f"{module}@{version}" if module and version else (module or "a module")
    if against_db:
        why = (
            f"The bytes go downloaded for {mv} hash differently from what the checksum database "
            "records for that version. The database is append-only and signed, so the copy you "
            "received was altered: by the mirror (tampered or broken), or on the way to you."
        )
    else:
        why = (
            f"The bytes go downloaded for {mv} hash differently from the line in go.sum. Either "
            "the mirror served different content (a tampered or broken mirror), or the version "
            "was re-tagged upstream after go.sum was written. go stops rather than build "
            "unverified code; that is the protection working."
        )
    safe_mv = f"{_safe(module, _SAFE_MODULE, 'MODULE')}@{_safe(version, _SAFE_VERSION, 'VERSION')}"
    fix = (
        "# compare with another source (go checks the result against go.sum again):\n"
        f"GOPROXY=https://proxy.golang.org go mod download -json {safe_mv}\n"
        "# if proxy.golang.org agrees with go.sum, the mirror you use served altered bytes:\n"
        "goaccel setup    # choose another mirror\n"
        "# only for a corrupt local cache (disk error, interrupted write):\n"
        "go clean -modcache\n"
        "# do not edit go.sum by hand, and do not set GOSUMDB=off, GONOSUMDB or GOINSECURE"
    )
    details = []
    if downloaded:
        details.append(f"downloaded: {downloaded.group(1)}")
    if reference:
        details.append(f"{reference.group(1)}: {reference.group(2)}")
    out.add(
        mv,
        Finding(
            id=CHECKSUM_MISMATCH,
            status=PROBLEM,
            title=f"SECURITY ERROR: {mv} does not match its recorded checksum",
            seen=_seen_line(group, re.compile("checksum mismatch|SECURITY ERROR")),
            why=why,
            fix=fix,
            details=details,
        ),
    )
    return True


def _goproxy_off(out: _Collector, group: list[str], text: str) -> bool:
    m = re.search(r"module lookup disabled by (GOPROXY=off|-mod=\w+)", text)
    if not m:
        return False
    module, _ = _module_version(text)
    seen = _seen_line(group, re.compile("module lookup disabled"))
    if m.group(1) == "GOPROXY=off":
        out.add(
            "",
            Finding(
                id=GOPROXY_OFF,
                status=PROBLEM,
                title="GOPROXY=off forbids downloading modules",
                seen=seen,
                why="With GOPROXY=off go may only use what is already in the module cache; any "
                "module or version missing from it fails.",
                fix="go env -u GOPROXY   # back to the default, or:\n"
                "goaccel setup       # configure a fast mirror\n"
                "unset GOPROXY       # if it is set in your shell or CI environment",
                details=[module] if module else [],
            ),
            also=module or "",
        )
    else:
        out.add(
            m.group(1),
            Finding(
                id=MODULE_LOOKUP_DISABLED,
                status=PROBLEM,
                title=f"{m.group(1)} forbids looking modules up",
                seen=seen,
                why=f"With {m.group(1)} go uses only go.mod/vendor as they are, and something "
                "needed is not there.",
                fix="go mod tidy      # update go.mod and go.sum\n"
                "go mod vendor    # if the project vendors its dependencies",
            ),
        )
    return True


def _vendoring(out: _Collector, group: list[str], text: str) -> bool:
    if "inconsistent vendoring" not in text:
        return False
    out.add(
        "",
        Finding(
            id=INCONSISTENT_VENDORING,
            status=PROBLEM,
            title="vendor/ does not match go.mod",
            seen=_seen_line(group, re.compile("inconsistent vendoring")),
            why="The project has a vendor directory, so go builds from it, but vendor/modules.txt "
            "lists other modules or versions than go.mod requires.",
            fix="go mod vendor    # re-create vendor/ from go.mod\n"
            "# or build without it: go build -mod=mod ./...",
            details=[line.strip() for line in group[1:6]],
        ),
    )
    return True


def _missing_sum(out: _Collector, group: list[str], text: str) -> bool:
    if "missing go.sum entry" not in text:
        return False
    module, _ = _module_version(text)
    m = re.search(r"go mod download (\S+)", text)
    target = m.group(1) if m else None
    out.add(
        "",
        Finding(
            id=MISSING_GO_SUM_ENTRY,
            status=PROBLEM,
            title="go.sum lacks entries go needs",
            seen=_seen_line(group, re.compile("missing go.sum entry")),
            why="go refuses to use a module whose checksum is not in go.sum while it runs "
            "read-only (the default for build and test); go.sum was not updated after "
            "go.mod changed.",
            fix="go mod tidy"
            + (
                f"\n# or just this module: go mod download {_safe(target, _SAFE_MODULE, '')}"
                if target and _SAFE_MODULE.fullmatch(target)
                else ""
            ),
            details=[module] if module else [],
        ),
        also=_seen_line(group, re.compile("missing go.sum entry")),
    )
    return True


def _toolchain(out: _Collector, group: list[str], text: str) -> bool:
    m = re.match(r"go: downloading (go\d[\w.]*) \(([\w/]+)\)$", text)
    if m:
        local = f" (the local go is {out.ctx.go_version})" if out.ctx.go_version else ""
        out.add(
            m.group(1),
            Finding(
                id=TOOLCHAIN_DOWNLOAD,
                status=WARNING,
                title=f"go switches to {m.group(1)}, downloading it first",
                seen=_seen_line(group),
                why=f"go.mod asks for a newer go than the one installed{local}, and with "
                "GOTOOLCHAIN=auto go downloads that toolchain (tens of MB through GOPROXY, "
                "verified by the checksum database) before doing anything else: a slow start, "
                "every time in a fresh CI machine.",
                fix=f"# install {m.group(1)} (or put it in the CI image) so nothing is "
                "downloaded; or, if the go line in go.mod was raised by mistake, lower it\n"
                "go version    # the go that runs",
            ),
        )
        return True
    m = re.match(r"go: download (go\d[\w.]*)(?: for ([\w/]+))?: (.*)", text, re.S)
    if not m:
        return False
    version, rest = m.group(1), m.group(3)
    cause = _net_cause(rest)
    url = _failing_url(rest)
    host = _failing_host(rest, url)
    if "toolchain not available" in rest:
        why = (
            f"The GOPROXY mirror has no {version} toolchain for this platform: that version "
            "does not exist, or the mirror does not carry toolchains (golang.org/toolchain)."
        )
    elif cause:
        who = _who(_role(url, host, rest, out.ctx), host, url, out.ctx)
        why = f"The toolchain comes through GOPROXY and {who} {_CAUSE_TEXT[cause]}."
    else:
        why = (
            "Toolchains come through GOPROXY and must be verified by the checksum database "
            "(even with GOSUMDB=off); one of the two failed."
        )
    out.add(
        version,
        Finding(
            id=TOOLCHAIN_DOWNLOAD_FAILED,
            status=PROBLEM,
            title=f"go could not download the {version} toolchain go.mod asks for",
            seen=_seen_line(group),
            why=why,
            fix=f"# install {version} yourself (https://go.dev/dl/), or lower the go/toolchain "
            "line in go.mod if it was raised by mistake\n"
            "goaccel setup    # a mirror that serves toolchains and the checksum database",
        ),
    )
    return True


def _vcs_auth(out: _Collector, group: list[str], text: str) -> bool:
    if "terminal prompts disabled" not in text and "could not read Username" not in text:
        return False
    if "server response:" in text:
        return False  # a mirror's or checksum database's git failed, not go's: _http_status
    module, _ = _module_version(text)
    url = _failing_url(text)
    host = host_of(url) if url else ""
    safe_host = _safe(_bare_host(host), _SAFE_HOST, "HOST")
    fix = []
    if module:
        fix.append(
            _goprivate_command(
                out.ctx, _safe(private_pattern(module), _SAFE_MODULE, "MODULE-PATTERN")
            )
        )
    # (No `url."ssh://git@HOST/".insteadOf` line: any user@host text is masked as a
    # credential, and a masked command would not work when pasted.)
    fix += [
        f"# then give git credentials for {safe_host} that need no prompt: an SSH key with an",
        "# insteadOf rule (https://go.dev/doc/faq#git_https), a credential helper, or a token:",
        f"# ~/.netrc: machine {safe_host} login USER password TOKEN",
    ]
    out.add(
        host or module or "",
        Finding(
            id=VCS_AUTH_REQUIRED,
            status=PROBLEM,
            title=f"{module or 'a module'} is in a private repository go cannot log in to",
            seen=_seen_line(group, re.compile("terminal prompts disabled|could not read")),
            why=f"go fetched {module or 'the module'} straight from its repository at "
            f"{host or 'its host'}, which asked for credentials; go runs git with prompts "
            "disabled, so without stored credentials (SSH key, ~/.netrc, a git credential "
            "helper, GOAUTH) the fetch fails. Public mirrors cannot fetch private repositories "
            "either: the module must be in GOPRIVATE.",
            fix="\n".join(fix),
        ),
    )
    return True


def _unknown_revision(out: _Collector, group: list[str], text: str) -> bool:
    m = re.search(r"unknown revision (\S+)|invalid version: ([^\n]*)", text)
    if not m:
        return False
    reading = _READING.search(text)
    if reading and _role(reading.group(1), "", text, out.ctx) == ROLE_SUMDB:
        return False  # the checksum database's answer quoting its own fetch: _http_status
    module, version = _module_version(text)
    safe_module = _safe(module, _SAFE_MODULE, "MODULE")
    mv = f"{module}@{version}" if module and version else (module or "a module")
    out.add(
        mv,
        Finding(
            id=UNKNOWN_REVISION,
            status=PROBLEM,
            title=f"{mv}: no such version",
            seen=_seen_line(group, re.compile("unknown revision|invalid version")),
            why="The version go.mod (or a dependency) asks for does not exist where go looked: a "
            "typo, a deleted or never-pushed tag, or a branch or commit a mirror cannot see. A "
            "private repository seen through a public mirror shows up this way too.",
            fix=f"go list -m -versions {safe_module}   # the versions go can see\n"
            f"go get {safe_module}@latest            # or pick one of them",
        ),
    )
    return True


def _http_status(out: _Collector, group: list[str], text: str) -> bool:
    m = _READING.search(text)
    if not m:
        return False
    url, status, code = m.group(1), m.group(2).strip(), int(m.group(3))
    host = host_of(url)
    response = _SERVER_RESPONSE.search(text)
    body = " ".join(response.group(1).split()) if response else ""
    details = [f"server response: {body}"] if body else []
    seen = _seen_line(group, re.compile(re.escape(status)))
    role = _role(url, host, text, out.ctx)
    module, version = _module_version(text)
    if not module:
        module, version = _module_from_proxy_url(url)
    mv = f"{module}@{version}" if module and version else (module or "a module")
    pattern = _safe(private_pattern(module), _SAFE_MODULE, "") if module else ""
    private = "terminal prompts disabled" in body or "could not read Username" in body
    if role == ROLE_SUMDB:
        found = code in (404, 410)
        fix_lines = []
        if found and pattern and not matches_patterns(module or "", out.ctx.goprivate):
            fix_lines += [
                f"# if {mv} is private, go must not look it up in a public database:",
                _goprivate_command(out.ctx, pattern),
            ]
        fix_lines += [
            "goaccel setup    # a mirror that serves the checksum database properly",
            _NEVER_OFF,
        ]
        out.add(
            f"{host} {pattern or mv}" if found else host,
            Finding(
                id=SUMDB_NOT_FOUND if found else SUMDB_HTTP_ERROR,
                status=PROBLEM,
                title=(
                    f"The checksum database has no record of {mv}"
                    if found
                    else f"The checksum database at {host} answers {status}"
                ),
                seen=seen,
                why=(
                    f"go verifies each new module against {_who(role, host, url, out.ctx)}, "
                    f"which answered {status}. "
                    + (
                        "Its answer shows it could not fetch a private repository. "
                        if private
                        else ""
                    )
                    + (
                        "That happens for private modules (the database cannot fetch them) and "
                        "for versions that were never published."
                        if found
                        else "The failure is on the server's side (or a proxy in between)."
                    )
                ),
                fix="\n".join(fix_lines),
                details=details,
            ),
            also=f"also: {mv}",
        )
        return True
    if code in (404, 410):
        fix_lines = []
        if pattern and not matches_patterns(module or "", out.ctx.goprivate):
            fix_lines += [
                f"# if {mv} is private, fetch it from its repository, not a public mirror:",
                _goprivate_command(out.ctx, pattern),
            ]
        safe_module = _safe(module, _SAFE_MODULE, "MODULE")
        fix_lines += [
            f"# if it is public, check the path and version: go list -m -versions {safe_module}",
            "goaccel setup    # or choose a mirror that has it",
        ]
        why = (
            f"{_cap(_who(ROLE_PROXY, host, url, out.ctx)) if role == ROLE_PROXY else host}"
            f" answered {status} for {mv}: it does not have this module or version. "
        )
        why += (
            "Its answer shows it tried to fetch a private repository without credentials. "
            if private
            else "Public mirrors cannot fetch private repositories, and a tag pushed minutes ago "
            "may not be there yet. "
        )
        why += "After ',' go would try the next GOPROXY entry; this was the last one it had."
        out.add(
            f"{host} {pattern or mv}",
            Finding(
                id=MODULE_NOT_FOUND,
                status=PROBLEM,
                title=f"{mv} is missing from the mirror {host}",
                seen=seen,
                why=why,
                fix="\n".join(fix_lines),
                details=details,
            ),
            also=f"also: {mv}",
        )
        return True
    auth = code in (401, 403)
    out.add(
        host,
        Finding(
            id=PROXY_HTTP_ERROR,
            status=PROBLEM,
            title=f"The mirror {host} answers {status}",
            seen=seen,
            why=f"{_cap(_who(ROLE_PROXY, host, url, out.ctx))} failed with {status}. "
            + (
                "It wants credentials: give them in ~/.netrc (GOAUTH=netrc), never in an http:// "
                "URL. "
                if auth
                else "That is the mirror's own failure. "
            )
            + "After ',' go does not try the next entry on this error; after '|' it does.",
            fix="goaccel setup    # choose mirrors that answer, joined with '|' for fallback",
            details=details,
        ),
    )
    return True


def _network(out: _Collector, group: list[str], text: str) -> bool:
    cause = _net_cause(text)
    if cause is None:
        return False
    url = _failing_url(text)
    host = _failing_host(text, url)
    role = _role(url, host, text, out.ctx)
    module, _ = _module_version(text)
    who = _who(role, host, url, out.ctx)
    why = f"{_cap(who)} {_CAUSE_TEXT[cause]}."
    if role == ROLE_PROXY and cause in ("refused", "timeout", "dns", "unreachable", "tls"):
        why += " After ',' go does not try the next GOPROXY entry on such an error, so the whole "
        why += "command fails."
    elif role == ROLE_SUMDB:
        why += (
            " go verifies every module it has not seen before against the checksum "
            "database, so downloads fail at verification."
        )
    elif role == ROLE_VCS:
        why += (
            " go reached 'direct' (the mirror said 404/410, or GOPRIVATE/GONOPROXY matches "
            "the module) and fetched from the repository itself."
        )
    pattern = _NET_PATTERNS[[c for c, _ in _NET_PATTERNS].index(cause)][1]
    out.add(
        host,
        Finding(
            id=f"{role}-{cause}",
            status=PROBLEM,
            title=_cap(f"{who.split(' (')[0]} {_CAUSE_TEXT[cause].split(':')[0]}"),
            seen=_seen_line(group, pattern),
            why=why,
            fix=_network_fix(role, cause, host, module, out.ctx),
            details=[module] if module else [],
        ),
        also=module or "",
    )
    return True


# Order matters: the first rule that recognises a message owns it.
_RULES = (
    _goflags,
    _goproxy_invalid,
    _insecure_credentials,
    _checksum_mismatch,
    _goproxy_off,
    _vendoring,
    _missing_sum,
    _toolchain,
    _vcs_auth,
    _unknown_revision,
    _http_status,
    _network,
)
