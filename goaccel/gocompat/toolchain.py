"""Which Go toolchain a `go` command runs for a go.mod and a GOTOOLCHAIN value.

Follows cmd/go/internal/toolchain/select.go (Select, and what Exec then does), for
GOTOOLCHAIN=auto, path, local, goX.Y.Z, goX.Y.Z+auto, goX.Y.Z+path, local+auto, local+path:
- the minimum toolchain is the local one, or the named one (which then always runs);
- with +auto/+path (or auto/path), a `toolchain` line newer than the minimum raises it, then a
  `go` line newer than that raises it again, to go<line> plus ".0" when the line is a language
  version >= 1.21 (go 1.30 -> go1.30.0); `toolchain default` keeps the minimum;
- a non-local choice is looked up in PATH (a golang.org/dl `go1.30.0` binary), and unless the
  mode is path, downloaded as golang.org/toolchain@v0.0.1-go1.30.0.GOOS-GOARCH through
  GOPROXY, verified against the checksum database even with GOSUMDB=off or GONOSUMDB;
- the toolchain that runs refuses a go.mod whose go line is newer than itself:
  `go.mod requires go >= 1.30 (running go 1.27.3; GOTOOLCHAIN=local)`.
Versions are compared as cmd/go/internal/gover does (gover.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from goaccel.gocompat import gover
from goaccel.gocompat.gover import from_toolchain, is_lang, parse_local_version
from goaccel.gocompat.quote import quote as go_quote

TOOLCHAIN_MODULE = "golang.org/toolchain"
TOOLCHAIN_MODULE_VERSION = "v0.0.1"


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


def lang_as_release(version: str) -> str:
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
            name, vers, reason = "go" + lang_as_release(go_line), go_line, "go line"
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
