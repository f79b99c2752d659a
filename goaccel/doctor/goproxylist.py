"""Judge a GOPROXY list: what it means for `go mod tidy`, as findings.

The list itself is read as go reads it by goaccel.gocompat.goproxy (cmd/go/internal/modfetch/
proxy.go); here go's errors get their credentials masked, and the findings say what to fix.
Pure: no I/O.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import replace
from typing import Optional, Union

from goaccel.doctor.model import OK, PROBLEM, WARNING, Finding
from goaccel.doctor.model import sanitized_finding as _finding
from goaccel.gocompat import goproxy
from goaccel.gocompat.goproxy import (
    DEFAULT_GOPROXY,
    KIND_DIRECT,
    KIND_OFF,
    KIND_URL,
    NO_ENTRIES,
    ParsedGoproxy,
    ProxyEntry,
    format_goproxy,
    parse_entry,
)
from goaccel.gocompat.goproxy import trim_space as _go_trim_space
from goaccel.textsafe import mask_urls_in_text
from goaccel.urls import is_loopback_host


def parse_goproxy(value: str, *, windows: Optional[bool] = None) -> ParsedGoproxy:
    """gocompat's parse_goproxy, with credentials masked in go's errors (they are shown)."""
    parsed = goproxy.parse_goproxy(value, windows=windows)
    return replace(parsed, problems=[mask_urls_in_text(p) for p in parsed.problems])


def parse(value: str, *, windows: Optional[bool] = None) -> tuple[list[ProxyEntry], list[str]]:
    """(go's list of entries, the errors of invalid entries): parse_goproxy, in short."""
    parsed = parse_goproxy(value, windows=windows)
    return parsed.entries, parsed.problems


# --- findings ---------------------------------------------------------------------------------


def _set_command(value: str, source: str) -> str:
    """The lines that make GOPROXY=value effective, for a value that came from `source`."""
    quoted = shlex.quote(value)
    lines = [f"go env -w GOPROXY={quoted}"]
    if source == "environment":
        lines = [
            "# GOPROXY is set in your environment, which overrides go env -w: change it there",
            f"export GOPROXY={quoted}",
        ]
    if mask_urls_in_text(value) != value:
        lines.append("# put your credentials back where *** is shown")
    return "\n".join(lines)


def _with(fix_lines: Sequence[str]) -> str:
    return "\n".join(line for line in fix_lines if line)


def semantic_findings(
    entries: Union[ParsedGoproxy, Sequence[ProxyEntry]],
    value: Optional[str] = None,
    *,
    gonoproxy: str = "",
    source: str = "",
) -> list[Finding]:
    """What the GOPROXY list means for `go mod tidy`, as findings (ids start with `goproxy-`).

    entries: a ParsedGoproxy, or the entries from parse(); value: the GOPROXY value they came
    from (parsed again for the invalid and ignored entries; without it only `entries` count).
    gonoproxy: the effective GONOPROXY (GONOPROXY, or GOPRIVATE when that is empty).
    source: where GOPROXY came from ("environment" when set in the OS environment: then
    `go env -w` cannot change it, and the fix says so).

    Ids: goproxy-invalid, goproxy-off, goproxy-direct-only, goproxy-no-direct,
    goproxy-comma-fallback, goproxy-ignored-entries, goproxy-http-credentials,
    goproxy-http-mirror, goproxy-url-no-host.
    """
    if isinstance(entries, ParsedGoproxy):
        parsed = entries
    elif value is not None:
        parsed = parse_goproxy(value)
    else:
        listed = list(entries)
        text = format_goproxy(listed)
        problems = [] if listed else [NO_ENTRIES]
        parsed = ParsedGoproxy(
            text, listed, problems, corrected=text if listed else DEFAULT_GOPROXY
        )
    findings: list[Finding] = []
    value = parsed.value
    shown = f"GOPROXY={value}"
    entries = parsed.entries
    if parsed.problems:
        empty = parsed.problems == [NO_ENTRIES]
        findings.append(
            _finding(
                "goproxy-invalid",
                PROBLEM,
                "GOPROXY has no entries: every module download fails"
                if empty
                else "GOPROXY is invalid: every module download fails",
                seen=f"{shown}: go stops with: {parsed.problems[0]}",
                why="go checks the whole GOPROXY list before its first download and gives up "
                "with this error for every module not already in the module cache. "
                "`go env -w` accepts such a value without checking it.",
                fix=_with(
                    [
                        "goaccel setup",
                        "# or go back to go's default:"
                        if parsed.corrected == DEFAULT_GOPROXY
                        else "# or keep your list without the invalid entries:",
                        _set_command(parsed.corrected, source),
                    ]
                ),
                details=parsed.problems,
            )
        )
    else:
        findings.extend(_list_findings(parsed, gonoproxy=gonoproxy, source=source))
    findings.extend(_entry_findings(entries, source=source, value=value))
    return findings


def _list_findings(parsed: ParsedGoproxy, *, gonoproxy: str, source: str) -> list[Finding]:
    out: list[Finding] = []
    entries = parsed.entries
    value = parsed.value
    shown = f"GOPROXY={value}"
    last = entries[-1]
    private_note = (
        f"Modules matching GONOPROXY ({gonoproxy}) are still fetched directly from "
        "their repositories."
        if gonoproxy
        else "No GOPRIVATE/GONOPROXY is set, so private modules have no way around the "
        "mirrors: declare them with `goaccel setup --private PATTERN`."
    )
    if entries[0].kind == KIND_OFF:
        out.append(
            _finding(
                "goproxy-off",
                PROBLEM,
                "GOPROXY=off: go may not download any module",
                seen=shown,
                why="Every module that is not already in the module cache fails with "
                "`module lookup disabled by GOPROXY=off`."
                + (
                    f" Only modules matching GONOPROXY ({gonoproxy}) are still fetched "
                    "directly from their repositories."
                    if gonoproxy
                    else ""
                )
                + " This is only right for offline builds with vendored dependencies.",
                fix=_with(
                    ["goaccel setup", "# or go's default:", _set_command(DEFAULT_GOPROXY, source)]
                ),
            )
        )
    elif entries[0].kind == KIND_DIRECT:
        out.append(
            _finding(
                "goproxy-direct-only",
                WARNING,
                "GOPROXY=direct: every module is fetched from its version control repository",
                seen=shown,
                why="Without a module mirror go clones each dependency's repository (git, "
                "hg, svn... must be installed), asks every vanity import host for its "
                "go-get=1 page and needs network access to every one of those hosts: much "
                "slower than a mirror, which serves ready-made zip files, and one unreachable "
                "host breaks `go mod tidy`.",
                fix=_with(
                    ["goaccel setup", "# or go's default:", _set_command(DEFAULT_GOPROXY, source)]
                ),
            )
        )
    elif last.kind in (KIND_URL, KIND_OFF):
        ending = (
            "fails with `module lookup disabled by GOPROXY=off`"
            if last.kind == KIND_OFF
            else "fails with the last mirror's 404/410 error"
        )
        out.append(
            _finding(
                "goproxy-no-direct",
                OK,
                "GOPROXY does not end with `direct`: only the mirrors are used",
                seen=shown,
                why=f"A module that none of the mirrors has (a private module, a tag pushed "
                f"minutes ago) {ending} instead of being fetched from its repository. "
                + private_note,
                fix=""
                if gonoproxy
                else "goaccel setup --private 'PATTERN'   # e.g. '*.corp.example.com'",
            )
        )
    # ',' after a mirror: only 404/410 move on.
    commas = [
        (e, entries[i + 1])
        for i, e in enumerate(entries[:-1])
        if e.kind == KIND_URL and not e.fallback_on_error and entries[i + 1].kind != KIND_OFF
    ]
    if commas:
        before_mirror = [e for e, nxt in commas if nxt.kind == KIND_URL]
        comma_ids = {id(e) for e, _ in commas}
        fixed = [replace(e, fallback_on_error=True) if id(e) in comma_ids else e for e in entries]
        names = ", ".join(e.url for e, _ in commas)
        out.append(
            _finding(
                "goproxy-comma-fallback",
                WARNING if before_mirror else OK,
                "A ',' after a mirror: if it is down, go does not try the next entry"
                if before_mirror
                else "',direct' after the mirror: go goes direct only after a 404 or 410",
                seen=f"{shown} ({names} followed by ',')",
                why="After ',' go moves to the next entry only when the mirror answers 404 or "
                "410. Connection refused, a timeout, a TLS error, 403 or 500 stop "
                "`go mod tidy` with that error. After '|' go moves on after any error."
                + (" Your second mirror is never used as a backup." if before_mirror else ""),
                fix=_with(
                    [
                        "goaccel setup   # writes a '|' list of measured mirrors",
                        "# or:",
                        _set_command(format_goproxy(fixed), source),
                    ]
                ),
            )
        )
    if parsed.ignored:
        out.append(_ignored_finding(parsed, source=source))
    return out


def _ignored_finding(parsed: ParsedGoproxy, *, source: str) -> Finding:
    entries = parsed.entries
    terminal = entries[-1]
    movable: list[ProxyEntry] = []
    for raw in parsed.ignored:
        entry, _ = parse_entry(raw)
        if entry is not None and entry.kind == KIND_URL:
            movable.append(entry)
    # Move the mirrors in front of the keyword, or drop what follows it.
    fix = _set_command(format_goproxy([*entries[:-1], *movable, terminal]), source)
    ignored = ", ".join(_go_trim_space(r) for r in parsed.ignored)
    return _finding(
        "goproxy-ignored-entries",
        WARNING,
        f"GOPROXY entries after `{terminal.url}` are never used",
        seen=f"GOPROXY={parsed.value}: ignored: {ignored}",
        why=f"go stops reading the list at `{terminal.url}`: what follows is not a fallback.",
        fix=fix,
    )


def _entry_findings(entries: Sequence[ProxyEntry], *, source: str, value: str) -> list[Finding]:
    out: list[Finding] = []
    creds = [e for e in entries if e.kind == KIND_URL and e.scheme == "http" and e.has_credentials]
    if creds:
        out.append(
            _finding(
                "goproxy-http-credentials",
                PROBLEM,
                "A GOPROXY mirror has credentials in a plain http URL: go refuses to use it",
                seen=", ".join(e.url for e in creds),
                why="go never sends credentials over http, not even to localhost: every "
                "request to this mirror fails with `refusing to pass credentials to insecure "
                "URL`, and that error is not a 404, so go does not move on after ','.",
                fix="# serve the mirror over https and keep the credentials out of GOPROXY:\n"
                "# put `machine HOST login USER password TOKEN` in ~/.netrc "
                "(go sends netrc credentials to https URLs only)\n"
                "goaccel setup --mirror https://HOST/PATH",
                details=[f"GOPROXY={value}"],
            )
        )
    plain = [
        e
        for e in entries
        if e.kind == KIND_URL
        and e.scheme == "http"
        and not e.has_credentials
        and e.host
        and not is_loopback_host(e.host)
    ]
    if plain:
        out.append(
            _finding(
                "goproxy-http-mirror",
                WARNING,
                "A GOPROXY mirror uses plain http",
                seen=", ".join(e.url for e in plain),
                why="Anyone on the network path can see which modules you fetch and tamper "
                "with the answers (contents are still verified against go.sum and the "
                "checksum database, so tampering shows up as a checksum error).",
                fix="# use the mirror's https URL if it has one:\n"
                + _set_command(
                    format_goproxy(
                        [
                            replace(e, raw=_go_trim_space(e.raw).replace("http://", "https://", 1))
                            if e in plain
                            else e
                            for e in entries
                        ]
                    ),
                    source,
                ),
            )
        )
    hostless = [e for e in entries if e.kind == KIND_URL and e.scheme != "file" and not e.host]
    if hostless:
        out.append(
            _finding(
                "goproxy-url-no-host",
                PROBLEM,
                "A GOPROXY URL has no host",
                seen=", ".join(e.url for e in hostless),
                why="go accepts the entry but every request to it fails with "
                "`http: no Host in request URL`, which does not fall through after ','.",
                fix="goaccel setup",
            )
        )
    return out
