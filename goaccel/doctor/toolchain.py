"""Findings about the toolchain go would run for a go.mod: a pending download through GOPROXY,
a go line the local go refuses, a GOTOOLCHAIN that cannot work. The selection itself is go's
rule, in goaccel.gocompat.toolchain."""

from __future__ import annotations

from typing import Optional

from goaccel.doctor.model import OK, PROBLEM, WARNING, Finding
from goaccel.doctor.model import sanitized_finding as _finding
from goaccel.gocompat.gosumdb import parse_gosumdb
from goaccel.gocompat.gover import parse_local_version
from goaccel.gocompat.toolchain import lang_as_release, select_toolchain

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
