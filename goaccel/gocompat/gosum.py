"""Go module path escaping and the "h1:" checksums that go.sum and the checksum database use.

Pure and stdlib-only. Everything here mirrors the Go source shipped with the toolchain
(`$(go env GOROOT)/src`, x/mod vendored under `src/cmd/vendor/golang.org/x/mod`):

- module/module.go: CheckPath, EscapePath, EscapeVersion, UnescapePath, UnescapeVersion
- sumdb/dirhash/hash.go: Hash1 and HashZip
- cmd/go/internal/modfetch/fetch.go: goModSum (the go.mod hash) and readGoSum (go.sum)
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Optional

from goaccel.errors import ConfigFileError, InputError

__all__ = [
    "EMPTY_GO_MOD_HASH",
    "MAX_ZIP_CONTENT",
    "GoSumEntry",
    "check_path",
    "check_version_elem",
    "escape_path",
    "escape_version",
    "hash1",
    "hash_mod",
    "hash_zip",
    "module_path_problem",
    "parse_go_sum",
    "path_major",
    "unescape_path",
    "unescape_version",
]

# fetch.go: "emptyGoModHash is the hash of a 1-file tree containing a 0-length go.mod.
# A bug caused us to write these into go.sum files for non-modules." go drops such lines.
EMPTY_GO_MOD_HASH = "h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY="

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
    """Raise InputError unless path is a valid module path (golang.org/x/mod module.CheckPath)."""
    problem = module_path_problem(path)
    if problem:
        raise InputError(f"malformed module path {path!r}: {problem}")


def check_version_elem(version: str) -> None:
    """Raise InputError unless module.EscapeVersion accepts version (a file name without '!')."""
    problem = _check_elem(version, file_name=True)
    if problem is None and "!" in version:
        problem = "'!' is not allowed"
    if problem:
        raise InputError(f"disallowed version string {version!r}: {problem}")


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
    may not contain raises InputError.
    """
    check_path(path)
    return _escape(path)


def escape_version(version: str) -> str:
    """module.EscapeVersion: like escape_path, for a version (any valid file name without '!')."""
    check_version_elem(version)
    return _escape(version)


def unescape_path(escaped: str) -> str:
    """module.UnescapePath: the inverse of escape_path. InputError when not a valid encoding."""
    path = _unescape(escaped)
    if path is None:
        raise InputError(f"invalid escaped module path {escaped!r}")
    problem = module_path_problem(path)
    if problem:
        raise InputError(f"invalid escaped module path {escaped!r}: {problem}")
    return path


def unescape_version(escaped: str) -> str:
    """module.UnescapeVersion: the inverse of escape_version."""
    version = _unescape(escaped)
    if version is None:
        raise InputError(f"invalid escaped version {escaped!r}")
    problem = _check_elem(version, file_name=True)
    if problem:
        raise InputError(f"invalid escaped version {escaped!r}: {problem}")
    return version


# --- hashes (dirhash/hash.go, modfetch/fetch.go) ---------------------------------------------


def _summary(digests: Iterable[tuple[bytes, str]]) -> str:
    """Hash1 from (raw name bytes, hex sha256 of the content) pairs. Go sorts the names as byte
    strings (slices.Sort); a stable sort keeps duplicates in input order, as Go's result is the
    same either way."""
    summary = hashlib.sha256()
    for name, hexdigest in sorted(digests, key=lambda item: item[0]):
        if b"\n" in name:
            raise InputError("dirhash: filenames with newlines are not supported")
        summary.update(hexdigest.encode("ascii") + b"  " + name + b"\n")
    return "h1:" + base64.b64encode(summary.digest()).decode("ascii")


def hash1(files: Iterable[tuple[str, bytes]]) -> str:
    """dirhash.Hash1: "h1:" + base64(sha256 of the summary of the files).

    The summary has one line per file, sorted by name: the hex sha256 of the content, two
    spaces, the name, a newline (as `sha256sum $(find . -type f | sort) | sha256sum`).
    A name containing a newline raises InputError, as in Go.
    """
    return _summary(
        (name.encode("utf-8"), hashlib.sha256(data).hexdigest()) for name, data in files
    )


def _zip_entry_name(info: zipfile.ZipInfo) -> bytes:
    """The entry name exactly as stored (Go's archive/zip keeps the raw bytes).

    zipfile decodes names as UTF-8 when flag bit 11 is set, else as cp437, and `filename` is
    further normalised (cut at NUL, os.sep replaced); `orig_filename` is the decoded original.
    """
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    return info.orig_filename.encode(encoding, errors="surrogateescape")


# golang.org/x/mod/zip MaxZipFile: go rejects a module whose files total more than this.
MAX_ZIP_CONTENT = 500 << 20


def hash_zip(data: bytes) -> str:
    """dirhash.HashZip of a module zip held in memory: the h1 over every entry's stored name
    (`module@version/...`) and content. Compression, times and other metadata do not matter.

    Like Go, every entry is listed (directory entries too); when a name occurs twice, Go looks
    the content up in a map by name, so both lines carry the last entry's content.
    Contents are hashed as they are decompressed, never held whole; more than 500 MiB of them
    (go's limit for a module) is refused. InputError when data is not a readable module zip.
    """
    names: list[bytes] = []
    digests: dict[bytes, str] = {}
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            by_name: dict[bytes, zipfile.ZipInfo] = {}
            for info in archive.infolist():
                raw = _zip_entry_name(info)
                names.append(raw)
                by_name[raw] = info
            for raw, info in by_name.items():
                h = hashlib.sha256()
                with archive.open(info) as fh:
                    while chunk := fh.read(1 << 20):
                        total += len(chunk)
                        if total > MAX_ZIP_CONTENT:
                            raise InputError(
                                "module zip too large: its files total more than 500 MiB"
                            )
                        h.update(chunk)
                digests[raw] = h.hexdigest()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(f"not a valid module zip: {exc}") from exc
    except NotImplementedError as exc:  # an unsupported compression method
        raise InputError(f"not a valid module zip: {exc}") from exc
    return _summary((raw, digests[raw]) for raw in names)


def hash_mod(mod_bytes: bytes, path: str = "", version: str = "") -> str:
    """The h1 of a go.mod file: the `path version/go.mod` line of go.sum.

    go hashes the go.mod as a one-file tree whose single file is named just "go.mod", with no
    module@version prefix: cmd/go/internal/modfetch/fetch.go,

        func goModSum(data []byte) (string, error) {
            return dirhash.Hash1([]string{"go.mod"}, ...)

    So the hash depends only on the bytes; path and version are accepted for the caller's
    clarity and are not part of the hash.
    """
    del path, version
    return hash1([("go.mod", mod_bytes)])


# --- go.sum (modfetch/fetch.go readGoSum) ------------------------------------------------------


@dataclass(frozen=True)
class GoSumEntry:
    """The checksums go.sum records for one module version.

    zip_hash is from the `path version h1:...` line (the module zip), mod_hash from the
    `path version/go.mod h1:...` line. Either may be missing.
    """

    path: str
    version: str
    zip_hash: Optional[str] = None
    mod_hash: Optional[str] = None


def parse_go_sum(text: str, filename: str = "go.sum") -> dict[tuple[str, str], GoSumEntry]:
    """Parse go.sum text into {(path, version): GoSumEntry}, in file order.

    As go's readGoSum: lines are split on "\\n" and into whitespace-separated fields (so CRLF
    and extra spaces are fine); blank lines are skipped; a line that does not have exactly three
    fields raises ConfigFileError naming the file and line; the bogus empty-go.mod hash some old
    go versions wrote is dropped. When a version is listed twice the first hash is kept (go
    checks against the first h1 it has). Paths and versions are not validated here.
    """
    found: dict[tuple[str, str], dict[str, str]] = {}
    for lineno, line in enumerate(text.split("\n"), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 3:
            raise ConfigFileError(
                f"malformed go.sum: {filename}:{lineno}: wrong number of fields {len(fields)}",
                hint="run 'go mod tidy' to rewrite go.sum",
            )
        path, version, digest = fields
        if digest == EMPTY_GO_MOD_HASH:
            continue
        kind = "zip"
        if version.endswith("/go.mod"):
            version = version[: -len("/go.mod")]
            kind = "mod"
        slot = found.setdefault((path, version), {})
        slot.setdefault(kind, digest)
    return {
        key: GoSumEntry(path=key[0], version=key[1], zip_hash=v.get("zip"), mod_hash=v.get("mod"))
        for key, v in found.items()
    }
