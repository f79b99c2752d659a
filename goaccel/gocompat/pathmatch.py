"""Go's path.Match and golang.org/x/mod/module.MatchPrefixPatterns, the matching behind
GOPRIVATE, GONOPROXY, GONOSUMDB and GOINSECURE, and the syntax check of one glob.

Follows src/path/match.go and golang.org/x/mod/module/module.go (MatchPrefixPatterns):
comma-separated path.Match globs, each matched against as many leading elements of the module
path as the glob has; one trailing '/' of a glob is dropped, empty globs are skipped, spaces are
not trimmed, and a malformed glob silently matches nothing. Works on UTF-8 bytes, as Go does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

__all__ = ["match_prefix_patterns", "merge_patterns", "path_match", "pattern_problem", "split_list"]

_LONE_BACKSLASH = "ends with a lone '\\'"
_BAD_CLASS = "has a '[' character class that is empty or not closed"


class _BadPattern(Exception):
    """path.ErrBadPattern, with what is wrong in words."""

    def __init__(self, reason: str = _BAD_CLASS) -> None:
        super().__init__(reason)
        self.reason = reason


def _decode_rune(b: bytes) -> tuple[int, int]:
    """utf8.DecodeRune: (rune, size); (0xFFFD, 1) for an invalid encoding, (0xFFFD, 0) at end."""
    if not b:
        return 0xFFFD, 0
    if b[0] < 0x80:
        return b[0], 1
    for size in (2, 3, 4):
        try:
            text = b[:size].decode("utf-8")
        except UnicodeDecodeError:
            continue
        if len(text) == 1:
            return ord(text), size
    return 0xFFFD, 1


def _scan_chunk(pattern: bytes) -> tuple[bool, bytes, bytes]:
    star = False
    while pattern[:1] == b"*":
        pattern = pattern[1:]
        star = True
    inrange = False
    i = 0
    while i < len(pattern):
        c = pattern[i : i + 1]
        if c == b"\\":
            if i + 1 < len(pattern):
                i += 1
        elif c == b"[":
            inrange = True
        elif c == b"]":
            inrange = False
        elif c == b"*" and not inrange:
            return star, pattern[:i], pattern[i:]
        i += 1
    return star, pattern, b""


def _get_esc(chunk: bytes) -> tuple[int, bytes]:
    if not chunk or chunk[:1] in (b"-", b"]"):
        raise _BadPattern
    if chunk[:1] == b"\\":
        chunk = chunk[1:]
        if not chunk:
            raise _BadPattern
    r, n = _decode_rune(chunk)
    if r == 0xFFFD and n == 1:
        raise _BadPattern
    rest = chunk[n:]
    if not rest:
        raise _BadPattern
    return r, rest


def _match_chunk(chunk: bytes, s: bytes) -> tuple[bytes, bool]:
    """(rest of s, matched); raises _BadPattern. Checks the whole chunk even after a mismatch."""
    failed = False
    while chunk:
        failed = failed or not s
        c = chunk[:1]
        if c == b"[":
            r = 0
            if not failed:
                r, n = _decode_rune(s)
                s = s[n:]
            chunk = chunk[1:]
            negated = False
            if chunk[:1] == b"^":
                negated = True
                chunk = chunk[1:]
            match = False
            nrange = 0
            while True:
                if chunk[:1] == b"]" and nrange > 0:
                    chunk = chunk[1:]
                    break
                lo, chunk = _get_esc(chunk)
                hi = lo
                if chunk[:1] == b"-":
                    hi, chunk = _get_esc(chunk[1:])
                match = match or lo <= r <= hi
                nrange += 1
            failed = failed or match == negated
        elif c == b"?":
            if not failed:
                failed = s[:1] == b"/"
                _, n = _decode_rune(s)
                s = s[n:]
            chunk = chunk[1:]
        else:
            if c == b"\\":
                chunk = chunk[1:]
                if not chunk:
                    raise _BadPattern(_LONE_BACKSLASH)
            if not failed:
                failed = chunk[:1] != s[:1]
                s = s[1:]
            chunk = chunk[1:]
    if failed:
        return b"", False
    return s, True


def path_match(pattern: str, name: str) -> bool:
    """Go's path.Match. Raises ValueError("syntax error in pattern") when go reports
    ErrBadPattern (which, like go, may go unnoticed when the name matches early)."""
    p = pattern.encode("utf-8", "surrogateescape")
    n = name.encode("utf-8", "surrogateescape")
    try:
        return _path_match(p, n)
    except _BadPattern:
        raise ValueError("syntax error in pattern") from None


def _path_match(pattern: bytes, name: bytes) -> bool:
    while pattern:
        star, chunk, pattern = _scan_chunk(pattern)
        if star and not chunk:
            return b"/" not in name
        t, ok = _match_chunk(chunk, name)
        if ok and (not t or pattern):
            name = t
            continue
        if star:
            matched = False
            i = 0
            while i < len(name) and name[i : i + 1] != b"/":
                t, ok = _match_chunk(chunk, name[i + 1 :])
                if ok:
                    if not pattern and t:
                        i += 1
                        continue
                    name = t
                    matched = True
                    break
                i += 1
            if matched:
                continue
        while pattern:
            _, chunk, pattern = _scan_chunk(pattern)
            _match_chunk(chunk, b"")
        return False
    return not name


def match_prefix_patterns(patterns: str, path: str) -> bool:
    """golang.org/x/mod/module.MatchPrefixPatterns: does any glob match a prefix of path?"""
    globs = patterns
    while globs != "":
        glob, sep, rest = globs.partition(",")
        globs = rest if sep else ""
        glob = glob[:-1] if glob.endswith("/") else glob
        if glob == "":
            continue
        n = glob.count("/")
        prefix = path
        for i, ch in enumerate(path):
            if ch == "/":
                if n == 0:
                    prefix = path[:i]
                    break
                n -= 1
        if n > 0:
            continue
        try:
            if path_match(glob, prefix):
                return True
        except ValueError:
            pass
    return False


def pattern_problem(pattern: str) -> Optional[str]:
    """Why go's path.Match rejects the glob (ErrBadPattern), in words, or None when it is valid.

    '\\' escapes the next character; '[' opens a class that holds at least one character or
    range (optionally after '^') and must be closed by ']'; a ']' outside a class is an ordinary
    character. path.Match checks the whole pattern even when the name does not match, so
    matching against "" finds every problem.
    """
    try:
        _path_match(pattern.encode("utf-8", "surrogateescape"), b"")
    except _BadPattern as exc:
        return exc.reason
    return None


def split_list(value: str) -> list[str]:
    """The non-empty items of a comma-separated list such as GOPRIVATE (spaces kept, as go
    keeps them)."""
    return [p for p in value.split(",") if p]


def merge_patterns(current: str, extra: Sequence[str]) -> str:
    """current's patterns, then each of extra not already among them, comma-separated."""
    items = split_list(current)
    for pat in extra:
        if pat not in items:
            items.append(pat)
    return ",".join(items)
