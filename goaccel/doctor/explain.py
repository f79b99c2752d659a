"""The rules that explain go's errors (as messages.py parses them): findings with a cause and a
fix the user can paste.

One finding per cause and host (or module): the other occurrences go into its details.
Fixes never weaken verification: no GOSUMDB=off, GONOSUMDB=*, GOINSECURE or GOFLAGS=-insecure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Optional

from goaccel.doctor import messages as msg
from goaccel.doctor.messages import SAFE_HOST, SAFE_MODULE, SAFE_VERSION, GoError
from goaccel.doctor.model import PROBLEM, WARNING, Finding
from goaccel.doctor.xlog import ROLE_PROXY, ROLE_SUMDB, ROLE_VCS, bare_host, host_in, host_of
from goaccel.gocompat.goproxy import KIND_DIRECT, KIND_OFF, split_goproxy
from goaccel.gocompat.gosumdb import SUMDB_DEFAULT, parse_gosumdb
from goaccel.gocompat.pathmatch import match_prefix_patterns
from goaccel.textsafe import mask_urls_in_text, untrusted

# -- stable finding ids ---------------------------------------------------------------------

# Network failures: "<role>-<cause>", role = who was being contacted.
NET_ROLES = ("proxy", "sumdb", "vcs", "network")
NET_CAUSES = msg.NET_CAUSES
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

_MAX_DETAILS = 8
_SEEN_LIMIT = 400


@dataclass(frozen=True)
class ErrorContext:
    """What the rules need to know about the go configuration the output came from."""

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
            safe = _safe(private_pattern(module), SAFE_MODULE, "")
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
    found: dict[tuple[str, str], Finding] = field(default_factory=dict)

    def add(self, key: str, finding: Finding, also: str = "") -> None:
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


# A rule: (context, error) -> (the key one finding is kept per, the finding, what a repeat adds
# to its details; "" for the repeat's seen line).
_Explained = tuple[str, Finding, str]


def _explained(
    e: GoError,
    key: str,
    finding_id: str,
    *,
    title: str,
    why: str,
    fix: str,
    details: Optional[list[str]] = None,
    also: str = "",
    status: str = PROBLEM,
) -> _Explained:
    """A rule's answer: the finding for `e` (its seen line is the message's), kept once per
    (id, key)."""
    finding = Finding(
        id=finding_id,
        status=status,
        title=title,
        seen=e.seen,
        why=why,
        fix=fix,
        details=details or [],
    )
    return key, finding, also


def explain(errors: list[GoError], context: Optional[ErrorContext] = None) -> list[Finding]:
    """Findings for parsed errors, in order of appearance, one per cause and host or module."""
    ctx = context if context is not None else ErrorContext()
    out = _Collector()
    for error in errors:
        out.add(*_RULES[error.kind](ctx, error))
    return list(out.found.values())


def findings_from_output(lines: list[str], context: Optional[ErrorContext] = None) -> list[Finding]:
    """Map go's stderr (with or without the -x lines) to findings, in order of appearance."""
    ctx = context if context is not None else ErrorContext()
    errors = msg.parse_messages(lines, proxy_hosts=ctx.proxy_hosts, sumdb_hosts=ctx.sumdb_hosts)
    return explain(errors, ctx)


def _goflags(ctx: ErrorContext, e: GoError) -> _Explained:
    current = f" (GOFLAGS={ctx.goflags})" if ctx.goflags else ""
    return _explained(
        e,
        "",
        GOFLAGS_INVALID,
        title="GOFLAGS holds a flag go does not accept",
        why=f"GOFLAGS{current} is applied to every go command; one it cannot parse "
        f"({e.reason}) makes every command except `go env` fail before doing anything.",
        fix="go env GOFLAGS    # see the value\n"
        "go env -u GOFLAGS # if it was set with go env -w\n"
        "unset GOFLAGS     # if it comes from your shell or CI environment",
    )


def _goproxy_invalid(ctx: ErrorContext, e: GoError) -> _Explained:
    return _explained(
        e,
        "",
        GOPROXY_INVALID,
        title="GOPROXY is not a valid proxy list",
        why="go accepted the value when it was written, but every module lookup now fails "
        "with it. Entries are URLs (https://host/path) separated by ',' or '|', optionally "
        "ending with direct or off.",
        fix="go env GOPROXY     # see the value\n"
        "goaccel setup      # or write a checked one\n"
        "go env -u GOPROXY  # or go back to the default",
    )


def _insecure_credentials(ctx: ErrorContext, e: GoError) -> _Explained:
    host = e.host
    return _explained(
        e,
        host,
        PROXY_INSECURE_CREDENTIALS,
        title=f"GOPROXY sends credentials over plain http to {host}",
        why="go refuses to send a user name and password over http, where anyone on the "
        "path could read them, so every request to this mirror fails.",
        fix="# use the mirror's https:// URL, and keep the credentials out of GOPROXY:\n"
        f"# a ~/.netrc line 'machine {_safe(bare_host(host), SAFE_HOST, 'HOST')} login "
        "USER password TOKEN' (GOAUTH=netrc, the default) sends them over https only",
    )


def _checksum_mismatch(ctx: ErrorContext, e: GoError) -> _Explained:
    mv = e.module_version
    if e.against_db:
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
    safe_module = _safe(e.module, SAFE_MODULE, "MODULE")
    safe_mv = f"{safe_module}@{_safe(e.version, SAFE_VERSION, 'VERSION')}"
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
    if e.downloaded:
        details.append(f"downloaded: {e.downloaded}")
    if e.recorded_in:
        details.append(f"{e.recorded_in}: {e.recorded}")
    return _explained(
        e,
        mv,
        CHECKSUM_MISMATCH,
        title=f"SECURITY ERROR: {mv} does not match its recorded checksum",
        why=why,
        fix=fix,
        details=details,
    )


def _lookup_disabled(ctx: ErrorContext, e: GoError) -> _Explained:
    if e.setting == "GOPROXY=off":
        return _explained(
            e,
            "",
            GOPROXY_OFF,
            title="GOPROXY=off forbids downloading modules",
            why="With GOPROXY=off go may only use what is already in the module cache; any "
            "module or version missing from it fails.",
            fix="go env -u GOPROXY   # back to the default, or:\n"
            "goaccel setup       # configure a fast mirror\n"
            "unset GOPROXY       # if it is set in your shell or CI environment",
            details=[e.module] if e.module else [],
            also=e.module or "",
        )
    return _explained(
        e,
        e.setting,
        MODULE_LOOKUP_DISABLED,
        title=f"{e.setting} forbids looking modules up",
        why=f"With {e.setting} go uses only go.mod/vendor as they are, and something "
        "needed is not there.",
        fix="go mod tidy      # update go.mod and go.sum\n"
        "go mod vendor    # if the project vendors its dependencies",
    )


def _vendoring(ctx: ErrorContext, e: GoError) -> _Explained:
    return _explained(
        e,
        "",
        INCONSISTENT_VENDORING,
        title="vendor/ does not match go.mod",
        why="The project has a vendor directory, so go builds from it, but vendor/modules.txt "
        "lists other modules or versions than go.mod requires.",
        fix="go mod vendor    # re-create vendor/ from go.mod\n"
        "# or build without it: go build -mod=mod ./...",
        details=[line.strip() for line in e.lines[1:6]],
    )


def _missing_sum(ctx: ErrorContext, e: GoError) -> _Explained:
    target = e.target
    return _explained(
        e,
        "",
        MISSING_GO_SUM_ENTRY,
        title="go.sum lacks entries go needs",
        why="go refuses to use a module whose checksum is not in go.sum while it runs "
        "read-only (the default for build and test); go.sum was not updated after "
        "go.mod changed.",
        fix="go mod tidy"
        + (
            f"\n# or just this module: go mod download {_safe(target, SAFE_MODULE, '')}"
            if target and SAFE_MODULE.fullmatch(target)
            else ""
        ),
        details=[e.module] if e.module else [],
        also=e.seen,
    )


def _toolchain_download(ctx: ErrorContext, e: GoError) -> _Explained:
    local = f" (the local go is {ctx.go_version})" if ctx.go_version else ""
    return _explained(
        e,
        e.toolchain,
        TOOLCHAIN_DOWNLOAD,
        title=f"go switches to {e.toolchain}, downloading it first",
        why=f"go.mod asks for a newer go than the one installed{local}, and with "
        "GOTOOLCHAIN=auto go downloads that toolchain (tens of MB through GOPROXY, "
        "verified by the checksum database) before doing anything else: a slow start, "
        "every time in a fresh CI machine.",
        fix=f"# install {e.toolchain} (or put it in the CI image) so nothing is "
        "downloaded; or, if the go line in go.mod was raised by mistake, lower it\n"
        "go version    # the go that runs",
        status=WARNING,
    )


def _toolchain_download_failed(ctx: ErrorContext, e: GoError) -> _Explained:
    version = e.toolchain
    if e.not_available:
        why = (
            f"The GOPROXY mirror has no {version} toolchain for this platform: that version "
            "does not exist, or the mirror does not carry toolchains (golang.org/toolchain)."
        )
    elif e.cause:
        who = _who(e.role, e.host, e.url, ctx)
        why = f"The toolchain comes through GOPROXY and {who} {_CAUSE_TEXT[e.cause]}."
    else:
        why = (
            "Toolchains come through GOPROXY and must be verified by the checksum database "
            "(even with GOSUMDB=off); one of the two failed."
        )
    return _explained(
        e,
        version,
        TOOLCHAIN_DOWNLOAD_FAILED,
        title=f"go could not download the {version} toolchain go.mod asks for",
        why=why,
        fix=f"# install {version} yourself (https://go.dev/dl/), or lower the go/toolchain "
        "line in go.mod if it was raised by mistake\n"
        "goaccel setup    # a mirror that serves toolchains and the checksum database",
    )


def _vcs_auth(ctx: ErrorContext, e: GoError) -> _Explained:
    module, host = e.module, e.host
    safe_host = _safe(bare_host(host), SAFE_HOST, "HOST")
    fix = []
    if module:
        fix.append(
            _goprivate_command(ctx, _safe(private_pattern(module), SAFE_MODULE, "MODULE-PATTERN"))
        )
    # (No `url."ssh://git@HOST/".insteadOf` line: any user@host text is masked as a
    # credential, and a masked command would not work when pasted.)
    fix += [
        f"# then give git credentials for {safe_host} that need no prompt: an SSH key with an",
        "# insteadOf rule (https://go.dev/doc/faq#git_https), a credential helper, or a token:",
        f"# ~/.netrc: machine {safe_host} login USER password TOKEN",
    ]
    return _explained(
        e,
        host or module or "",
        VCS_AUTH_REQUIRED,
        title=f"{module or 'a module'} is in a private repository go cannot log in to",
        why=f"go fetched {module or 'the module'} straight from its repository at "
        f"{host or 'its host'}, which asked for credentials; go runs git with prompts "
        "disabled, so without stored credentials (SSH key, ~/.netrc, a git credential "
        "helper, GOAUTH) the fetch fails. Public mirrors cannot fetch private repositories "
        "either: the module must be in GOPRIVATE.",
        fix="\n".join(fix),
    )


def _unknown_revision(ctx: ErrorContext, e: GoError) -> _Explained:
    safe_module = _safe(e.module, SAFE_MODULE, "MODULE")
    mv = e.module_version
    return _explained(
        e,
        mv,
        UNKNOWN_REVISION,
        title=f"{mv}: no such version",
        why="The version go.mod (or a dependency) asks for does not exist where go looked: a "
        "typo, a deleted or never-pushed tag, or a branch or commit a mirror cannot see. A "
        "private repository seen through a public mirror shows up this way too.",
        fix=f"go list -m -versions {safe_module}   # the versions go can see\n"
        f"go get {safe_module}@latest            # or pick one of them",
    )


def _private_fix(ctx: ErrorContext, e: GoError, pattern: str, why_private: str) -> list[str]:
    """The GOPRIVATE lines of a fix, when the module may be private and is not in GOPRIVATE."""
    if not pattern or matches_patterns(e.module or "", ctx.goprivate):
        return []
    return [
        f"# if {e.module_version} is private, {why_private}:",
        _goprivate_command(ctx, pattern),
    ]


def _http_status(ctx: ErrorContext, e: GoError) -> _Explained:
    url, status, code, host = e.url, e.status, e.code or 0, e.host
    details = [f"server response: {e.body}"] if e.body else []
    mv = e.module_version
    pattern = _safe(private_pattern(e.module), SAFE_MODULE, "") if e.module else ""
    if e.role == ROLE_SUMDB:
        found = code in (404, 410)
        fix_lines = (
            _private_fix(ctx, e, pattern, "go must not look it up in a public database")
            if found
            else []
        )
        fix_lines += [
            "goaccel setup    # a mirror that serves the checksum database properly",
            _NEVER_OFF,
        ]
        return _explained(
            e,
            f"{host} {pattern or mv}" if found else host,
            SUMDB_NOT_FOUND if found else SUMDB_HTTP_ERROR,
            title=f"The checksum database has no record of {mv}"
            if found
            else f"The checksum database at {host} answers {status}",
            why=f"go verifies each new module against {_who(e.role, host, url, ctx)}, "
            f"which answered {status}. "
            + (
                "Its answer shows it could not fetch a private repository. "
                if e.private_repo
                else ""
            )
            + (
                "That happens for private modules (the database cannot fetch them) and "
                "for versions that were never published."
                if found
                else "The failure is on the server's side (or a proxy in between)."
            ),
            fix="\n".join(fix_lines),
            details=details,
            also=f"also: {mv}",
        )
    if code in (404, 410):
        fix_lines = _private_fix(
            ctx, e, pattern, "fetch it from its repository, not a public mirror"
        )
        safe_module = _safe(e.module, SAFE_MODULE, "MODULE")
        fix_lines += [
            f"# if it is public, check the path and version: go list -m -versions {safe_module}",
            "goaccel setup    # or choose a mirror that has it",
        ]
        why = (
            f"{_cap(_who(ROLE_PROXY, host, url, ctx)) if e.role == ROLE_PROXY else host}"
            f" answered {status} for {mv}: it does not have this module or version. "
        )
        why += (
            "Its answer shows it tried to fetch a private repository without credentials. "
            if e.private_repo
            else "Public mirrors cannot fetch private repositories, and a tag pushed minutes ago "
            "may not be there yet. "
        )
        why += "After ',' go would try the next GOPROXY entry; this was the last one it had."
        return _explained(
            e,
            f"{host} {pattern or mv}",
            MODULE_NOT_FOUND,
            title=f"{mv} is missing from the mirror {host}",
            why=why,
            fix="\n".join(fix_lines),
            details=details,
            also=f"also: {mv}",
        )
    auth = code in (401, 403)
    return _explained(
        e,
        host,
        PROXY_HTTP_ERROR,
        title=f"The mirror {host} answers {status}",
        why=f"{_cap(_who(ROLE_PROXY, host, url, ctx))} failed with {status}. "
        + (
            "It wants credentials: give them in ~/.netrc (GOAUTH=netrc), never in an http:// URL. "
            if auth
            else "That is the mirror's own failure. "
        )
        + "After ',' go does not try the next entry on this error; after '|' it does.",
        fix="goaccel setup    # choose mirrors that answer, joined with '|' for fallback",
        details=details,
    )


def _network(ctx: ErrorContext, e: GoError) -> _Explained:
    role, cause, host = e.role, e.cause or "", e.host
    who = _who(role, host, e.url, ctx)
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
    return _explained(
        e,
        host,
        f"{role}-{cause}",
        title=_cap(f"{who.split(' (')[0]} {_CAUSE_TEXT[cause].split(':')[0]}"),
        why=why,
        fix=_network_fix(role, cause, host, e.module, ctx),
        details=[e.module] if e.module else [],
        also=e.module or "",
    )


_RULES: dict[str, Callable[[ErrorContext, GoError], _Explained]] = {
    msg.GOFLAGS_INVALID: _goflags,
    msg.GOPROXY_INVALID: _goproxy_invalid,
    msg.INSECURE_CREDENTIALS: _insecure_credentials,
    msg.CHECKSUM_MISMATCH: _checksum_mismatch,
    msg.LOOKUP_DISABLED: _lookup_disabled,
    msg.INCONSISTENT_VENDORING: _vendoring,
    msg.MISSING_GO_SUM_ENTRY: _missing_sum,
    msg.TOOLCHAIN_DOWNLOAD: _toolchain_download,
    msg.TOOLCHAIN_DOWNLOAD_FAILED: _toolchain_download_failed,
    msg.VCS_AUTH: _vcs_auth,
    msg.UNKNOWN_REVISION: _unknown_revision,
    msg.HTTP_STATUS: _http_status,
    msg.NETWORK: _network,
}
