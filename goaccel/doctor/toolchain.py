"""Which Go toolchain a `go` command runs, and what that costs (cmd/go/internal/toolchain).

Pure: no I/O. Versions are compared as cmd/go/internal/gover does (goaccel.gocompat.gover).

Selection (toolchain/select.go), for GOTOOLCHAIN=auto, path, local, goX.Y.Z, goX.Y.Z+auto,
goX.Y.Z+path, local+auto, local+path:
- the minimum toolchain is the local one, or the named one (which then always runs);
- with +auto/+path (or auto/path), a `toolchain` line newer than the minimum raises it, then a
  `go` line newer than that raises it again, to go<line> plus ".0" when the line is a language
  version >= 1.21 (go 1.30 -> go1.30.0); `toolchain default` keeps the minimum;
- a non-local choice is looked up in PATH (a golang.org/dl `go1.30.0` binary), and unless the
  mode is path, downloaded as golang.org/toolchain@v0.0.1-go1.30.0.GOOS-GOARCH through
  GOPROXY, verified against the checksum database even with GOSUMDB=off or GONOSUMDB;
- the toolchain that runs refuses a go.mod whose go line is newer than itself:
  `go.mod requires go >= 1.30 (running go 1.27.3; GOTOOLCHAIN=local)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from goaccel.doctor.model import OK, PROBLEM, WARNING, Finding
from goaccel.doctor.model import sanitized_finding as _finding
from goaccel.gocompat import gover
from goaccel.gocompat.gosumdb import parse_gosumdb
from goaccel.gocompat.gover import from_toolchain, is_lang, parse_local_version
from goaccel.gocompat.quote import quote as go_quote

TOOLCHAIN_MODULE = "golang.org/toolchain"
TOOLCHAIN_MODULE_VERSION = "v0.0.1"


# --- selection --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """What go does with a GOTOOLCHAIN value and a go.mod, before running the command."""

    mode: str  # "auto" | "path" | "" (go.mod does not choose the toolchain)
    toolchain: str  # the toolchain name that runs, e.g. "go1.30.0" (the local one when local)
    version: str  # its version, e.g. "1.30.0"
    local: bool  # the local go runs the command
    reason: str = ""  # why another toolchain: "toolchain line" | "go line" | "GOTOOLCHAIN"
    path_only: bool = False  # GOTOOLCHAIN=path or +path: never downloads
    error: Optional[str] = None  # go's fatal error, without the "go: " prefix
    download: str = ""  # golang.org/toolchain@v0.0.1-... when go would download it


def _lang_as_release(version: str) -> str:
    """go1.30 -> go1.30.0: the first release of a language version (golang.org/issue/62278)."""
    if is_lang(version) and gover.compare(version, "1.21") >= 0:
        return version + ".0"
    return version


def select_toolchain(
    go_line: Optional[str],
    toolchain_line: Optional[str],
    local_version: str,
    gotoolchain: Optional[str] = "auto",
    *,
    gomod_name: str = "go.mod",
    goos: str = "GOOS",
    goarch: str = "GOARCH",
) -> Selection:
    """toolchain.Select and Exec, on data. gotoolchain: `go env GOTOOLCHAIN` (None: "auto")."""
    local_vers = parse_local_version(local_version) or ""
    local_name = "go" + local_vers
    gt = "auto" if gotoolchain is None else gotoolchain
    go_line = go_line or ""
    toolchain_line = toolchain_line or ""

    def too_new(running: str, *, error: Optional[str] = None) -> Optional[str]:
        if error is None and go_line and gover.compare(go_line, running) > 0:
            explain = f"; GOTOOLCHAIN={gt}" if gt not in ("", "auto") else ""
            return f"{gomod_name} requires go >= {go_line} (running go {running}{explain})"
        return error

    if gt == "":
        # A go.env without GOTOOLCHAIN: go skips the selection and runs itself.
        return Selection("", local_name, local_vers, True, error=too_new(local_vers))
    min_name, min_vers, mode = local_name, local_vers, gt
    if gt not in ("auto", "path"):
        minimum, plus, suffix = gt.partition("+")
        if minimum != "local":
            v = from_toolchain(minimum)
            if not v:
                error = f"invalid GOTOOLCHAIN {go_quote(gt)}"
                if plus:
                    error += f": invalid minimum toolchain {go_quote(minimum)}"
                return Selection(gt, local_name, local_vers, True, error=error)
            min_name, min_vers = minimum, v
        if plus and suffix not in ("auto", "path"):
            error = f"invalid GOTOOLCHAIN {go_quote(gt)}: only version suffixes are +auto and +path"
            return Selection(gt, local_name, local_vers, True, error=error)
        mode = suffix
    name, vers, reason = min_name, min_vers, "GOTOOLCHAIN" if min_name != local_name else ""
    if mode in ("auto", "path") and toolchain_line != "default":
        if toolchain_line:
            tv = from_toolchain(toolchain_line)
            if not tv:
                error = f"invalid toolchain {go_quote(toolchain_line)} in {gomod_name}"
                return Selection(mode, local_name, local_vers, True, error=error)
            if gover.compare(tv, vers) > 0:
                name, vers, reason = toolchain_line, tv, "toolchain line"
        if go_line and gover.compare(go_line, vers) > 0:
            name, vers, reason = "go" + _lang_as_release(go_line), go_line, "go line"
    if name in ("local", local_name):
        return Selection(mode, local_name, local_vers, True, error=too_new(local_vers))
    path_only = gt == "path" or gt.endswith("+path")
    if not name.startswith("go1") and "-go1" not in name:
        error = f"invalid GOTOOLCHAIN {go_quote(name)}"
        return Selection(mode, name, vers, False, reason, path_only, error=error)
    # The chosen toolchain runs as a child with the same GOTOOLCHAIN: its own version counts.
    running = from_toolchain(name) or vers
    if path_only:
        error = f"cannot find {go_quote(name)} in PATH"  # unless it is there
        return Selection(mode, name, running, False, reason, True, error=error)
    download = f"{TOOLCHAIN_MODULE}@{TOOLCHAIN_MODULE_VERSION}-{name}.{goos}-{goarch}"
    failure = too_new(running)
    if is_lang(running) and gover.compare(running, "1.21") >= 0:
        failure = (
            f"invalid toolchain: {name} is a language version but not a toolchain "
            f"version ({name}.x)"
        )
    return Selection(mode, name, running, False, reason, False, error=failure, download=download)


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
                f"-toolchain=go{_lang_as_release(go_line or local)}   # or -toolchain=none",
            )
        ]
    out: list[Finding] = []
    if sel.error and "requires go >=" in sel.error:
        need = _lang_as_release(go_line or "")
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
