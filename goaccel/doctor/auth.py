"""Doctor's checks of the credentials go sends to the GOPROXY mirrors: GOAUTH and netrc.

Which entry go uses for which URL is gocompat's rule (goauth.py, netrc.py); the netrc file was
read and the GOAUTH commands run once, by gotool.goauth, for the probe as well. Pure: no I/O.
No finding holds a secret: no password, no login, nothing a command printed on stdout.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import replace
from typing import Callable, Optional

from goaccel.doctor.model import OK, PROBLEM, WARNING, Finding
from goaccel.doctor.model import sanitized_finding as _finding
from goaccel.gocompat.goauth import NETRC, credential_prefixes, netrc_machine
from goaccel.gocompat.goproxy import ProxyEntry, go_url_parse
from goaccel.gotool.goauth import CommandRun, GoAuth
from goaccel.measure.classify import HTTP
from goaccel.measure.probe import MirrorProbe
from goaccel.textsafe import mask_url, untrusted

DENIED = (401, 403)
_ISSUE = "golang/go#81253"


def go_spelling(url: str) -> str:
    """A GOPROXY URL as go spells its requests (url.String): what credentials are looked up
    by."""
    try:
        return go_url_parse(url).string().rstrip("/")
    except ValueError:
        return url.rstrip("/")


def split_port(machine: str) -> tuple[str, Optional[str]]:
    """`h:8443` -> (`h`, `8443`); `[::1]:8443` -> (`[::1]`, `8443`); `h` -> (`h`, None)."""
    host, sep, port = machine.rpartition(":")
    if sep and port.isdigit() and host and not host.endswith(":"):
        return host, port
    return machine, None


def denied(p: Optional[MirrorProbe]) -> bool:
    """The probe was answered 401 or 403: the mirror wants credentials it did not get."""
    return (
        p is not None
        and p.error is not None
        and p.error.kind == HTTP
        and (p.error.status in DENIED)
    )


def _netrc_name(auth: GoAuth) -> str:
    return untrusted(auth.netrc.path or "~/.netrc", limit=160)


def _line(machine: str) -> str:
    return f"machine {untrusted(machine, limit=120)} login USER password TOKEN"


def denied_advice(auth: Optional[GoAuth], url: str) -> tuple[str, str]:
    """(why, fix) for a mirror that answered 401 or 403 to the probe, which sent what go
    sends."""
    if not url.startswith("https://"):
        return (
            "it wants credentials, and go sends credentials to https URLs only",
            "# use the mirror's https:// URL, with its credentials in ~/.netrc:\n"
            "goaccel setup --mirror https://HOST/PATH",
        )
    base = go_spelling(url)
    netrc = _netrc_name(auth) if auth is not None else "~/.netrc"
    try:
        parsed = go_url_parse(url)
    except ValueError:
        parsed = None
    if parsed is not None and parsed.has_user:
        machine = netrc_machine(
            replace(parsed, has_user=False, username="", password=None).string().rstrip("/")
        )
        return (
            "it refused the user name and password in the URL (go sends those when GOAUTH "
            "gives it nothing for the URL)",
            "# check them, or better: take them out of GOPROXY and add to "
            f"{netrc} (chmod 600):\n# {_line(machine)}",
        )
    machine = netrc_machine(base)
    found = auth.lookup(base) if auth is not None else None
    if found is not None:
        prefix, _headers, source = found
        origin = (
            f"{netrc} (machine {prefix})"
            if source == NETRC
            else f"the GOAUTH command {source} (for {prefix})"
        )
        return (
            f"it refused the credentials go sends it, from {origin}: every download through "
            "it fails",
            f"# renew the password or token of machine {prefix} in {netrc}, then:\ngoaccel doctor"
            if source == NETRC
            else "# check what the GOAUTH command prints for this mirror, then:\ngoaccel doctor",
        )
    if auth is not None and auth.off:
        return (
            "it wants credentials, and GOAUTH sends none",
            "go env -u GOAUTH   # back to the default, netrc\n"
            f"# then add to {netrc} (chmod 600 {netrc}):\n# {_line(machine)}",
        )
    return (
        f"it wants credentials, and go finds none for it: go looks in {netrc} for "
        f"`machine {machine}`, the URL's host with its port",
        f"# add to {netrc} (chmod 600 {netrc}):\n# {_line(machine)}",
    )


def auth_findings(
    auth: GoAuth,
    entries: Sequence[ProxyEntry],
    probe_for: Callable[[str], Optional[MirrorProbe]],
    *,
    unset_goauth: str,
    set_goauth: Callable[[str], str],
) -> list[Finding]:
    """What GOAUTH and the netrc file mean for the GOPROXY mirrors, as findings.

    unset_goauth: the command that removes GOAUTH where it is set; set_goauth: the one that
    sets it to a value."""
    value = untrusted(auth.value or "netrc", limit=160)
    if auth.error:
        return [
            _finding(
                "goauth-invalid",
                PROBLEM,
                "GOAUTH is a value go refuses: every https download fails",
                seen=f"GOAUTH={value}: {untrusted(auth.error, limit=300)}",
                why="go reads GOAUTH before its first https request, for mirrors and "
                "repositories alike, and stops with this error",
                fix=unset_goauth,
            )
        ]
    out: list[Finding] = []
    netrc = _netrc_name(auth)
    mirrors = [e for e in entries if e.kind == "url" and e.scheme == "https"]
    any_denied_without = False
    for e in mirrors:
        p = probe_for(e.url.rstrip("/"))
        base = go_spelling(e.url)
        shown = mask_url(e.url.rstrip("/"))
        found = auth.lookup(base)
        if found is not None:
            prefix, _headers, source = found
            where = f"{netrc} (machine {prefix})" if source == NETRC else f"GOAUTH command {source}"
            out.append(
                _finding(
                    "goauth-credentials", OK, f"{shown} gets credentials from {untrusted(where)}"
                )
            )
            continue
        if e.has_credentials:
            continue  # go sends the URL's own user:password
        status = PROBLEM if denied(p) else WARNING
        any_denied_without = any_denied_without or denied(p)
        out += _netrc_mismatch(auth, base, shown, status, unset_goauth)
    failed: dict[str, list[CommandRun]] = {}
    for run in auth.runs:
        if not run.ok:
            failed.setdefault(run.command, []).append(run)
    for text, runs in failed.items():
        command = untrusted(text, limit=120)
        first, later = runs[0], runs[1:]
        out.append(
            _finding(
                "goauth-command-failed",
                PROBLEM if any_denied_without else WARNING,
                f"the GOAUTH command {command} fails",
                seen=f"{command}"
                + (f" {mask_url(first.url)}" if first.url else "")
                + f": {first.problem}",
                why="go runs it before its first https request and again, with the URL, after "
                "each 4xx answer; when it fails, go sends none of its credentials and says why "
                "only under -x",
                fix="# make the command exit 0 and print credentials in the GOAUTH format "
                "(go help goauth), or drop it:\n" + set_goauth(_without(auth, text)),
                details=[f"also with {mask_url(r.url)}: {r.problem}" for r in later[:3]],
            )
        )
    out += _netrc_file(auth)
    return out


def _without(auth: GoAuth, command: str) -> str:
    """GOAUTH without one command (netrc when nothing is left)."""
    kept = [m.text for m in auth.methods if m.text != command]
    return ";".join(kept) or "netrc"


def _netrc_mismatch(
    auth: GoAuth, base: str, shown: str, status: str, unset_goauth: str
) -> list[Finding]:
    """A mirror that gets no credentials while the netrc file seems to mean it to."""
    machine = netrc_machine(base)
    host, port = split_port(machine)
    wanted = set(credential_prefixes(base))
    netrc = _netrc_name(auth)
    if auth.off:
        meant = [ln.machine for ln in auth.netrc.lines if ln.machine in wanted]
        if not meant:
            return []
        return [
            _finding(
                "goauth-off",
                status,
                f"GOAUTH=off: go sends {shown} no credentials, not even those in the netrc file",
                seen=f"{netrc} has machine {untrusted(meant[0])}; GOAUTH=off",
                why="with GOAUTH=off go attaches no credentials to any request",
                fix=unset_goauth,
            )
        ]
    if not auth.uses_netrc:
        return []
    for entry in auth.netrc.entries:
        if entry.kept or not (entry.machine in wanted or (port and entry.machine == host)):
            continue
        given = {"login": entry.has_login, "password": entry.has_password}
        lacks = [what for what, has in given.items() if not has]
        return [
            _finding(
                "netrc-incomplete",
                status,
                f"the netrc entry for {untrusted(entry.machine)} has no "
                f"{' and no '.join(lacks)}: go ignores it",
                seen=f"{netrc}, line {entry.lineno}: machine {untrusted(entry.machine)} "
                f"without a {' or a '.join(lacks)}; GOPROXY entry {shown}",
                why="go uses a netrc entry only when it has a machine, a login and a password "
                "(before the next machine)",
                fix=f"# in {netrc}, line {entry.lineno}, give the entry both:\n# {_line(machine)}",
            )
        ]
    if port is None:
        return []
    for line in auth.netrc.lines:
        if line.machine != host:
            continue
        return [
            _finding(
                "netrc-port-mismatch",
                status,
                f"netrc has machine {untrusted(host)}, but go looks for machine "
                f"{untrusted(machine)}",
                seen=f"{netrc}: machine {untrusted(host)}; GOPROXY entry {shown}",
                why="go 1.26 and 1.27 match netrc entries by the URL's host with its port "
                f"({_ISSUE}): a URL with a port gets nothing from an entry without one",
                fix=f"# add to {netrc}, beside machine {untrusted(host)}, with the same login "
                f"and password:\n# {_line(machine)}",
            )
        ]
    return []


def _netrc_file(auth: GoAuth) -> list[Finding]:
    n = auth.netrc
    if not n.exists or not auth.uses_netrc:
        return []
    path = _netrc_name(auth)
    if n.error:
        return [
            _finding(
                "netrc-unreadable",
                WARNING,
                f"go cannot read the netrc file {path}",
                seen=f"{path}: {untrusted(n.error, limit=120)}",
                why="go then sends no netrc credentials at all, and says why only under -x",
                fix=f"ls -l {shlex.quote(n.path or '')}   # it must be a file you can read\n"
                f"chmod 600 {shlex.quote(n.path or '')}",
            )
        ]
    if n.mode is not None and n.mode & 0o077 and n.lines:
        return [
            _finding(
                "netrc-permissions",
                WARNING,
                f"the netrc file {path} can be read by other users",
                seen=f"{path}: mode {n.mode:04o}",
                why="it holds passwords or tokens in clear text",
                fix=f"chmod 600 {shlex.quote(n.path or '')}",
            )
        ]
    return []
