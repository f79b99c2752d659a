"""Go versions as the go command compares them: go lines, toolchain names, `go version`.

Follows cmd/go/internal/gover/gover.go (Parse, Compare, IsLang, IsValid, CmpInt) and
toolchain.go (FromToolchain). "1.21" (a language version) < "1.21rc1" < "1.21.0"; before 1.21
a missing patch is ".0" ("1.20" == "1.20.0"); malformed versions compare less than valid ones
and equal to each other. Pure and stdlib-only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

__all__ = [
    "GoVersion",
    "cmp_int",
    "compare",
    "compare_go_versions",
    "from_toolchain",
    "is_lang",
    "is_valid",
    "parse_local_version",
    "parse_version",
]


@dataclass(frozen=True)
class GoVersion:
    major: str
    minor: str = ""
    patch: str = ""
    kind: str = ""  # "", "alpha", "beta", "rc" (any lower-case word is accepted)
    pre: str = ""


def _cut_int(x: str) -> Optional[tuple[str, str]]:
    i = 0
    while i < len(x) and "0" <= x[i] <= "9":
        i += 1
    if i == 0 or (x[0] == "0" and i != 1):  # no digits, or a needless leading zero
        return None
    return x[:i], x[i:]


def parse_version(x: str) -> Optional[GoVersion]:
    """gover.Parse: "1.21.3", "1.21rc1", "1.21"; None when malformed (no "go" prefix here)."""
    cut = _cut_int(x)
    if cut is None:
        return None
    major, x = cut
    if x == "":
        return GoVersion(major, "0", "0")
    if x[0] != ".":
        return None
    cut = _cut_int(x[1:])
    if cut is None:
        return None
    minor, x = cut
    if x == "":
        # Before Go 1.21 a missing patch is ".0"; from 1.21 on "1.21" is the language version.
        return GoVersion(major, minor, "0" if cmp_int(minor, "21") < 0 else "")
    if x[0] == ".":
        cut = _cut_int(x[1:])
        if cut is None or cut[1] != "":
            return None
        return GoVersion(major, minor, cut[0])
    i = 0
    while i < len(x) and not ("0" <= x[i] <= "9"):
        if not ("a" <= x[i] <= "z"):
            return None
        i += 1
    if i == 0:
        return None
    kind, x = x[:i], x[i:]
    if x == "":
        return GoVersion(major, minor, "", kind)
    cut = _cut_int(x)
    if cut is None or cut[1] != "":
        return None
    return GoVersion(major, minor, "", kind, cut[0])


def cmp_int(x: str, y: str) -> int:
    """Compare decimal strings of any length (gover.CmpInt); "" is less than any number."""
    if x == y:
        return 0
    if len(x) != len(y):
        return -1 if len(x) < len(y) else 1
    return -1 if x < y else 1


_ZERO = GoVersion("")


def compare(x: str, y: str) -> int:
    """gover.Compare on versions without the "go" prefix."""
    vx = parse_version(x) or _ZERO
    vy = parse_version(y) or _ZERO
    for a, b in ((vx.major, vy.major), (vx.minor, vy.minor), (vx.patch, vy.patch)):
        c = cmp_int(a, b)
        if c:
            return c
    if vx.kind != vy.kind:
        return -1 if vx.kind < vy.kind else 1
    return cmp_int(vx.pre, vy.pre)


def is_valid(x: str) -> bool:
    return parse_version(x) is not None


def is_lang(x: str) -> bool:
    """gover.IsLang: "1.21" (a language version), not "1.21.0" nor "1.21rc1"."""
    v = parse_version(x)
    return v is not None and v.patch == "" and v.kind == "" and v.pre == ""


def from_toolchain(name: str) -> str:
    """gover.FromToolchain: "go1.2.3-bigcorp" -> "1.2.3"; "" when not a toolchain name."""
    if "/" in name or "\\" in name or not name.startswith("go"):
        return ""
    v = re.split(r"[ \t-]", name[2:], maxsplit=1)[0]
    return v if is_valid(v) else ""


def _normalize(v: str) -> str:
    v = v.strip()
    return from_toolchain(v) if v.startswith("go") else v


def compare_go_versions(a: str, b: str) -> int:
    """-1, 0 or 1, as gover.Compare, for versions written with or without "go":
    a go.mod `go` line ("1.21"), a toolchain name ("go1.21.0", "go1.21.0-bigcorp")."""
    return compare(_normalize(a), _normalize(b))


def parse_local_version(text: str) -> Optional[str]:
    """The local version from `go version` output ("go version go1.27.3 linux/amd64" ->
    "1.27.3"), from `go env GOVERSION` ("go1.27.3") or a bare "1.27.3"; None if none is found.
    A development build ("devel go1.28-abcdef ...") gives its language version ("1.28")."""
    words = text.split()
    if len(words) >= 2 and words[0] == "go" and words[1] == "version":
        words = words[2:]
    for word in words:
        v = from_toolchain(word) if word.startswith("go") else (word if is_valid(word) else "")
        if v:
            return v
    return None
