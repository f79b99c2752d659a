"""Findings about the toolchain go would run for a go.mod: a pending download through GOPROXY,
whether the configured mirrors serve it, a go line the local go refuses, a GOTOOLCHAIN that
cannot work. The selection itself is go's rule, in goaccel.gocompat.toolchain; what each
mirror answered for the toolchain zip comes from the probe (goaccel.measure.toolchain)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

from goaccel.doctor.model import OK, PROBLEM, WARNING, Finding
from goaccel.doctor.model import sanitized_finding as _finding
from goaccel.gocompat.goproxy import FAILED, FOUND, KIND_DIRECT, KIND_OFF, UNKNOWN, Walk
from goaccel.gocompat.gosumdb import parse_gosumdb
from goaccel.gocompat.gover import parse_local_version
from goaccel.gocompat.toolchain import lang_as_release, select_toolchain
from goaccel.measure.probe import FAILS, LACKS, SERVED, MirrorProbe
from goaccel.measure.rank import fmt_bytes
from goaccel.measure.workload import ToolchainNeed

# --- findings ---------------------------------------------------------------------------------


def _sentence(text: str) -> str:
    """Upper-case the first letter only (str.capitalize lowers the rest: GOTOOLCHAIN)."""
    return text[:1].upper() + text[1:]


def toolchain_findings(
    go_line: Optional[str],
    toolchain_line: Optional[str],
    local_version: str,
    gotoolchain_value: Optional[str] = "auto",
    *,
    gosumdb: str = "sum.golang.org",
    gomod_name: str = "go.mod",
    goos: str = "GOOS",
    goarch: str = "GOARCH",
) -> list[Finding]:
    """Findings about the toolchain go would run for this go.mod.

    local_version: `go version` output, `go env GOVERSION` or "1.27.3". gotoolchain_value:
    `go env GOTOOLCHAIN` (None means go's default, "auto"). Ids: gotoolchain-invalid,
    toolchain-invalid-line, toolchain-too-new, toolchain-download, toolchain-path,
    toolchain-ok.
    """
    local = parse_local_version(local_version)
    if local is None:
        return []
    sel = select_toolchain(
        go_line,
        toolchain_line,
        local_version,
        gotoolchain_value,
        gomod_name=gomod_name,
        goos=goos,
        goarch=goarch,
    )
    gt = "auto" if gotoolchain_value is None else gotoolchain_value
    lines = f"go {go_line}" if go_line else "no go line"
    if toolchain_line:
        lines += f", toolchain {toolchain_line}"
    seen = f"{gomod_name}: {lines}; local go {local}; GOTOOLCHAIN={gt}"
    error = sel.error or ""
    if error.startswith("invalid GOTOOLCHAIN"):
        return [
            _finding(
                "gotoolchain-invalid",
                PROBLEM,
                "GOTOOLCHAIN is invalid: every go command in a module fails",
                seen=f"GOTOOLCHAIN={gt}: go stops with: go: {error}",
                why="GOTOOLCHAIN takes auto, path, local, a toolchain name such as go1.27.3, "
                "or a name followed by +auto or +path.",
                fix="go env -w GOTOOLCHAIN=auto   # if it is set in your environment, unset it "
                "there",
            )
        ]
    if error.startswith("invalid toolchain ") and sel.local:
        return [
            _finding(
                "toolchain-invalid-line",
                PROBLEM,
                f"{gomod_name} has an invalid toolchain line: every go command fails",
                seen=f"{seen}: go stops with: go: {error}",
                why="A toolchain line names a Go release such as go1.27.3.",
                fix="GOTOOLCHAIN=local go mod edit "
                f"-toolchain=go{lang_as_release(go_line or local)}   # or -toolchain=none",
            )
        ]
    out: list[Finding] = []
    if sel.error and "requires go >=" in sel.error:
        need = lang_as_release(go_line or "")
        out.append(
            _finding(
                "toolchain-too-new",
                PROBLEM,
                f"{gomod_name} needs go {go_line}, newer than the go that runs "
                f"({sel.version}): every go command fails",
                seen=f"{seen}: go stops with: go: {sel.error}",
                why="go refuses a module whose go line is newer than itself; with "
                f"GOTOOLCHAIN={gt or '(empty)'} it does not fetch a newer toolchain.",
                fix=f"# install go {need} or newer (https://go.dev/dl/), or let go fetch it:\n"
                "go env -w GOTOOLCHAIN=auto",
            )
        )
    if sel.local:
        if not out:
            out.append(
                _finding(
                    "toolchain-ok",
                    OK,
                    f"The local go {local} builds this module: no toolchain download",
                    seen=seen,
                )
            )
        return out
    why_chosen = {
        "toolchain line": f"the toolchain line asks for {sel.toolchain}, newer than the local "
        f"go {local}",
        "go line": f"the go line needs go {go_line}, newer than the local go {local}",
        "GOTOOLCHAIN": f"GOTOOLCHAIN={gt} names {sel.toolchain}",
    }.get(sel.reason, "")
    if sel.path_only:
        out.append(
            _finding(
                "toolchain-path",
                WARNING,
                f"go needs a {sel.toolchain} binary in PATH",
                seen=seen,
                why=f"{_sentence(why_chosen)}; GOTOOLCHAIN={gt} only looks in PATH and never "
                f'downloads: without it go stops with `go: cannot find "{sel.toolchain}" in '
                "PATH`.",
                fix=f"go install golang.org/dl/{sel.toolchain}@latest && {sel.toolchain} download",
            )
        )
        return out
    sumdb_off = parse_gosumdb(gosumdb).off
    lang_error = bool(sel.error and "language version" in sel.error)
    status = PROBLEM if sumdb_off or lang_error else WARNING
    why = (
        f"{_sentence(why_chosen)}, so unless a {sel.toolchain} binary is in PATH, go "
        f"downloads {sel.download} (a zip of tens of MB) through GOPROXY before running any "
        "command, on every machine or CI job without it in its module cache. The checksum "
        "database is always consulted for it, even with GOSUMDB=off or GONOSUMDB. "
        f"`go: downloading {sel.toolchain} ({goos}/{goarch})` is the sign."
    )
    if sumdb_off:
        why += " With GOSUMDB=off the download fails: `checksum database disabled by GOSUMDB=off`."
    if lang_error:
        why += f" It fails: go: {sel.error}."
    fix = [
        f"# install go {sel.version} locally and in CI (e.g. actions/setup-go with "
        "go-version-file: go.mod), or",
        "# keep the module cache between CI runs (the path `go env GOMODCACHE` prints)",
    ]
    if sel.reason == "toolchain line":
        fix += [
            f"# if the project does not need {sel.toolchain}, drop the suggestion "
            f"(the go line {go_line or '(none)'} is satisfied by go {local}):",
            "GOTOOLCHAIN=local go mod edit -toolchain=none",
            "# or never switch toolchains on this machine:",
            "go env -w GOTOOLCHAIN=local",
        ]
    elif sel.reason == "go line":
        fix += [
            "# GOTOOLCHAIN=local avoids the download only if you also lower the go line:",
            f"# with go {go_line} in {gomod_name}, go {local} then stops with "
            f"`{gomod_name} requires go >= {go_line} (running go {local}; GOTOOLCHAIN=local)`",
        ]
    else:
        fix += ["go env -w GOTOOLCHAIN=auto   # to use the local go unless go.mod needs newer"]
    out.append(
        _finding(
            "toolchain-download",
            status,
            f"go downloads the {sel.toolchain} toolchain before running",
            seen=seen,
            why=why,
            fix="\n".join(fix),
            details=[sel.download],
        )
    )
    return out


# --- which mirrors serve it -------------------------------------------------------------------


def _answer(shown: str, p: Optional[MirrorProbe]) -> str:
    """One detail line: what a GOPROXY entry answered for the toolchain zip."""
    if p is None:
        return f"{shown}: not probed"
    c = p.toolchain
    if c is None:
        why = f": {p.error.kind}, {p.error.detail}" if p.error else ""
        return f"{shown}: not asked (the probe stopped before{why})"
    if c.state == SERVED:
        return f"{shown}: serves it" + (f" ({fmt_bytes(c.size)})" if c.size else "")
    if c.state == LACKS:
        return f"{shown}: lacks it (HTTP {c.status})"
    if c.state == FAILS:
        return f"{shown}: fails: {c.error}"
    return f"{shown}: no answer within the probe's budget"


def _shown(walk: Walk, answers: Sequence[tuple[str, Optional[MirrorProbe]]]) -> str:
    """The entry the walk ended at, as shown (credentials masked)."""
    for shown, p in answers:
        if walk.entry is not None and p is not None and p.url == walk.entry.url.rstrip("/"):
            return shown
    return walk.entry.url if walk.entry is not None else ""


def toolchain_mirror_findings(
    need: ToolchainNeed,
    walk: Walk,
    answers: Sequence[tuple[str, Optional[MirrorProbe]]],
    *,
    local_version: str,
    goos: str,
    goarch: str,
    sumdb_problem: Optional[Finding] = None,
    noproxy: bool = False,
) -> list[Finding]:
    """toolchain-mirrors: whether go gets the toolchain it downloads first through GOPROXY.

    walk: go's walk over GOPROXY for the toolchain zip (measure.toolchain.walk); answers:
    each GOPROXY mirror (shown, its probe or None) in order, for the details; sumdb_problem:
    check_sumdb's problem finding, if any (GOSUMDB=off, the database unreachable): toolchain
    downloads are always verified against it; noproxy: GONOPROXY matches golang.org/toolchain.
    """
    name, key = need.name, need.key
    local = parse_local_version(local_version) or local_version
    details = [_answer(shown, p) for shown, p in answers]
    at = _shown(walk, answers)
    checks = [p.toolchain for _, p in answers if p is not None and p.toolchain is not None]
    served = next((c for c in checks if c.state == SERVED and c.size), None)
    size = f" ({fmt_bytes(served.size)})" if served and served.size else ""
    verify = ""
    if sumdb_problem is not None:
        verify = (
            "go verifies every toolchain download against the checksum database, even with "
            f"GOSUMDB=off or GONOSUMDB, and that fails here: {sumdb_problem.title}."
        )
    if walk.outcome == FOUND:
        before = len(walk.tried) - 1
        order = (
            f", after {before} GOPROXY entr{'y' if before == 1 else 'ies'} that lack it"
            + (" or fail before '|'" if any(e.fallback_on_error for e in walk.tried[:-1]) else "")
            if before
            else ""
        )
        if sumdb_problem is None:
            return [
                _finding(
                    "toolchain-mirrors",
                    OK,
                    f"go gets the {name} toolchain from {at}{size}",
                    seen=f"{at} serves {key}{order}",
                    details=details,
                )
            ]
        return [
            _finding(
                "toolchain-mirrors",
                PROBLEM,
                f"{at} serves the {name} toolchain, but go cannot verify it: the download fails",
                seen=f"{at} serves {key}{order}; {sumdb_problem.title}",
                why=verify,
                fix=sumdb_problem.fix,
                details=details,
            )
        ]
    stop = f"go: download {name} for {goos}/{goarch}: toolchain not available"
    if walk.outcome == KIND_DIRECT:
        status = WARNING
        title = f"no GOPROXY mirror serves the {name} toolchain: go fetches it through direct"
        seen = (
            f"GONOPROXY matches {need.module.path}, so go does not ask the mirrors for it"
            if noproxy
            else f"every GOPROXY mirror answered 404/410 (or failed before '|') for {key}"
        )
        why = (
            "go then looks for golang.org/toolchain at its origin (golang.org), which fails "
            "where that is blocked, and downloads tens of MB from there on every machine or "
            "CI job without it in its module cache."
        )
    elif walk.outcome == UNKNOWN:
        status = WARNING
        title = f"could not tell whether go gets the {name} toolchain through {at}"
        seen = f"{at} did not answer for {key} within the probe's budget"
        why = "go has no response timeout: it waits for that answer as long as it takes."
    else:
        status = PROBLEM
        if walk.outcome == FAILED:
            title = f"go stops at {at} before it finds the {name} toolchain: every go command fails"
            seen = next((d for d in details if d.startswith(f"{at}:")), at)
            why = (
                "After ',' (or as the last entry) go moves on only after a 404 or 410, so this "
                "failure ends the download, and with it every go command in the module."
            )
        else:
            title = f"no GOPROXY mirror serves the {name} toolchain: every go command fails"
            seen = f"every GOPROXY mirror answered 404/410 for {key}"
            if walk.outcome == KIND_OFF:
                seen += ", and GOPROXY ends with off"
            why = f"go downloads the toolchain before running any command, and stops with `{stop}`."
    version = need.name.removeprefix("go")
    fix = [
        f"goaccel setup   # measures the mirrors with the {name} toolchain too",
        f"# or install go {version} here and in CI (actions/setup-go: go-version-file: go.mod)",
    ]
    if need.reason == "go line":
        fix += [
            f"# or, if the module does not need go {version}, stay on go {local}:",
            f"GOTOOLCHAIN=local go mod edit -go={local} && go env -w GOTOOLCHAIN=local",
        ]
    elif need.reason == "toolchain line":
        fix += [
            f"# or, if the module does not need {name}, drop the toolchain line:",
            "GOTOOLCHAIN=local go mod edit -toolchain=none",
        ]
    else:
        fix += ["go env -w GOTOOLCHAIN=auto   # or unset GOTOOLCHAIN where it is set"]
    if sumdb_problem is not None and sumdb_problem.fix:
        fix += sumdb_problem.fix.splitlines()
    return [
        _finding(
            "toolchain-mirrors",
            PROBLEM if sumdb_problem is not None else status,
            title,
            seen=seen,
            why=f"{why} {verify}".strip(),
            fix="\n".join(fix),
            details=details,
        )
    ]
