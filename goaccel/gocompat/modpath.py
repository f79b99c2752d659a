"""Module paths and versions: the checks and the case-encoding of the module proxy protocol.

Follows golang.org/x/mod/module/module.go (CheckPath, CheckPathMajor, SplitPathVersion,
EscapePath, EscapeVersion, UnescapePath, UnescapeVersion), as vendored in
`$(go env GOROOT)/src/cmd/vendor/golang.org/x/mod`. Pure and stdlib-only.
"""

from __future__ import annotations

from typing import Optional

from goaccel.gocompat.semver import major

__all__ = [
    "ModulePathError",
    "check_path",
    "check_path_major",
    "check_version_elem",
    "escape_path",
    "escape_version",
    "module_path_problem",
    "path_major",
    "unescape_path",
    "unescape_version",
]


class ModulePathError(ValueError):
    """A module path or version that module.go rejects; the message is the one to show."""


_BAD_WINDOWS_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{i}" for i in range(1, 10)]
    + [f"LPT{i}" for i in range(1, 10)]
)
_ASCII_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_MOD_PATH_OK = _ASCII_ALNUM | frozenset("-._~")
_FILE_NAME_PUNCT_OK = frozenset("!#$%&()+,-.=@[]^_{}~ ")
_FIRST_ELEM_OK = frozenset("0123456789abcdefghijklmnopqrstuvwxyz-.")


# --- path checks (module.go) ------------------------------------------------------------------


def _check_elem(elem: str, *, file_name: bool) -> Optional[str]:
    """module.checkElem for modulePath (file_name=False) or filePath kind; None when valid."""
    if elem == "":
        return "empty path element"
    if elem.count(".") == len(elem):
        return f"invalid path element {elem!r}"
    if elem[0] == "." and not file_name:
        return "leading dot in path element"
    if elem[-1] == ".":
        return "trailing dot in path element"
    for ch in elem:
        if file_name:
            ok = (
                ch in _ASCII_ALNUM
                or ch in _FILE_NAME_PUNCT_OK
                or (ord(ch) >= 0x80 and ch.isalpha())
            )
        else:
            ok = ch in _MOD_PATH_OK
        if not ok:
            return f"invalid char {ch!r}"
    short = elem.split(".", 1)[0]
    if short.upper() in _BAD_WINDOWS_NAMES:
        return f"{short!r} disallowed as path element component on Windows"
    if not file_name:
        tilde = short.rfind("~")
        if 0 <= tilde < len(short) - 1 and short[tilde + 1 :].isdigit():
            return "trailing tilde and digits in path element"
    return None


def path_major(path: str) -> Optional[str]:
    """The major-version suffix of a module path per module.SplitPathVersion: "/v2" for
    example.com/m/v2, ".v3" for gopkg.in/yaml.v3, "" when there is none, None when the suffix
    is malformed (example.com/m/v1, example.com/m/v2.1, gopkg.in/yaml)."""
    if path.startswith("gopkg.in/"):
        i = len(path)
        if path.endswith("-unstable"):
            i -= len("-unstable")
        while i > 0 and "0" <= path[i - 1] <= "9":
            i -= 1
        if i <= 1 or path[i - 1] != "v" or path[i - 2] != ".":
            return None  # all gopkg.in paths must end in .vN
        major = path[i - 2 :]
        if len(major) <= 2 or (major[2] == "0" and major != ".v0"):
            return None
        return major
    i = len(path)
    dot = False
    while i > 0 and path[i - 1] in "0123456789.":
        dot = dot or path[i - 1] == "."
        i -= 1
    if i <= 1 or i == len(path) or path[i - 1] != "v" or path[i - 2] != "/":
        return ""
    major = path[i - 2 :]
    if dot or len(major) <= 2 or major[2] == "0" or major == "/v1":
        return None
    return major


def module_path_problem(path: str) -> Optional[str]:
    """module.CheckPath: why path is not a valid module path, or None."""
    if path == "":
        return "empty string"
    if path[0] == "-":
        return "leading dash"
    if "//" in path:
        return "double slash"
    if path[-1] == "/":
        return "trailing slash"
    for elem in path.split("/"):
        problem = _check_elem(elem, file_name=False)
        if problem:
            return problem
    first = path.split("/", 1)[0]
    if first == "":
        return "leading slash"
    if "." not in first:
        return "missing dot in first path element"
    for ch in first:
        if ch not in _FIRST_ELEM_OK:
            return f"invalid char {ch!r} in first path element"
    if path_major(path) is None:
        return "invalid version"
    return None


def check_path(path: str) -> None:
    """module.CheckPath: raise ModulePathError unless path is a valid module path."""
    problem = module_path_problem(path)
    if problem:
        raise ModulePathError(f"malformed module path {path!r}: {problem}")


def check_version_elem(version: str) -> None:
    """Raise ModulePathError unless module.EscapeVersion accepts version (a file name,
    without '!')."""
    problem = _check_elem(version, file_name=True)
    if problem is None and "!" in version:
        problem = "'!' is not allowed"
    if problem:
        raise ModulePathError(f"disallowed version string {version!r}: {problem}")


def check_path_major(version: str, path_major: str) -> Optional[str]:
    """module.CheckPathMajor, for a canonical version: why version does not fit the path's
    major-version suffix, or None."""
    if path_major.startswith(".v") and path_major.endswith("-unstable"):
        path_major = path_major[: -len("-unstable")]
    if version.startswith("v0.0.0-") and path_major == ".v1":
        return None  # an old pseudo-version bug go tolerates (gopkg.in/check.v1)
    got = major(version)
    if path_major == "":
        if got in ("v0", "v1") or version.endswith("+incompatible"):
            return None
        want = "v0 or v1"
    else:
        if got == path_major[1:]:
            return None
        want = path_major[1:]
    return f'version "{version}" invalid: should be {want}, not {got}'


# --- escaping (module.go) ---------------------------------------------------------------------


def _escape(s: str) -> str:
    return "".join("!" + ch.lower() if "A" <= ch <= "Z" else ch for ch in s)


def _unescape(escaped: str) -> Optional[str]:
    out: list[str] = []
    bang = False
    for ch in escaped:
        if ord(ch) >= 0x80:
            return None
        if bang:
            bang = False
            if not "a" <= ch <= "z":
                return None
            out.append(ch.upper())
            continue
        if ch == "!":
            bang = True
            continue
        if "A" <= ch <= "Z":
            return None
        out.append(ch)
    if bang:
        return None
    return "".join(out)


def escape_path(path: str) -> str:
    """module.EscapePath: each uppercase ASCII letter becomes '!' + its lowercase.

    The path is checked first (module.CheckPath), so a '!' or any other character a module path
    may not contain raises ModulePathError.
    """
    check_path(path)
    return _escape(path)


def escape_version(version: str) -> str:
    """module.EscapeVersion: like escape_path, for a version (any valid file name without '!')."""
    check_version_elem(version)
    return _escape(version)


def unescape_path(escaped: str) -> str:
    """module.UnescapePath: the inverse of escape_path; ModulePathError when not valid."""
    path = _unescape(escaped)
    if path is None:
        raise ModulePathError(f"invalid escaped module path {escaped!r}")
    problem = module_path_problem(path)
    if problem:
        raise ModulePathError(f"invalid escaped module path {escaped!r}: {problem}")
    return path


def unescape_version(escaped: str) -> str:
    """module.UnescapeVersion: the inverse of escape_version."""
    version = _unescape(escaped)
    if version is None:
        raise ModulePathError(f"invalid escaped version {escaped!r}")
    problem = _check_elem(version, file_name=True)
    if problem:
        raise ModulePathError(f"invalid escaped version {escaped!r}: {problem}")
    return version
