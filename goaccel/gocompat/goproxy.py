"""GOPROXY lists, read exactly as go reads them.

Follows cmd/go/internal/modfetch/proxy.go (proxyList, newProxyRepo) and, as far as those use
it, src/net/url/url.go (Parse, URL.Redacted; ParseRequestURI and URL.String for GOAUTH
commands, goauth.py); the default list is from $GOROOT/go.env.
go reads the list once, before its first download:
- entries are separated by ',' or '|'; the separator *after* an entry decides what a failure of
  that entry does: after ',' the next entry is tried only on 404/410, after '|' on any error;
- each entry is trimmed of spaces; empty entries are skipped;
- `direct` and `off` (lower case, nothing else) end the list: later entries are never read;
- an entry holding '.', ':' or '/' but not ":/", and not an absolute path, gets "https://";
- every other entry must parse as a URL (Go's net/url) with scheme http, https or file
  (`file://` with a path only): anything else is an error for every module, e.g.
  `invalid proxy URL missing scheme: notaurl`. `noproxy` is go's internal name for GONOPROXY
  and is rejected like any other word;
- a list with no entries at all (",", " ", or an empty value in the go env file) is the error
  `GOPROXY list is not the empty string, but contains no entries`.
go reports only the first invalid entry; parse_goproxy reports each of them, in order.
One download walks the list (TryProxies): the first entry that has it ends the walk; a 404
or 410 moves on; any other failure moves on only after '|', else go stops with it; after
the list, go reports the most useful error it saw (direct's, then a failure, then not-found).
Pure and stdlib-only.
"""

from __future__ import annotations

import ipaddress
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Optional

from goaccel.gocompat.quote import quote as go_quote

__all__ = [
    "DEFAULT_GOPROXY",
    "FAILED",
    "FOUND",
    "KIND_DIRECT",
    "KIND_OFF",
    "KIND_URL",
    "NOT_FOUND",
    "NO_ENTRIES",
    "UNKNOWN",
    "ParsedGoproxy",
    "ProxyEntry",
    "Walk",
    "filepath_is_abs",
    "format_goproxy",
    "go_parse_request_uri",
    "go_url_parse",
    "parse_entry",
    "parse_goproxy",
    "split_goproxy",
    "trim_space",
    "try_proxies",
]

KIND_URL = "url"
KIND_DIRECT = "direct"
KIND_OFF = "off"
DEFAULT_GOPROXY = "https://proxy.golang.org,direct"
NO_ENTRIES = "GOPROXY list is not the empty string, but contains no entries"

# What one entry answers for one download, in try_proxies.
FOUND = "found"
NOT_FOUND = "not found"  # 404 or 410: fs.ErrNotExist
FAILED = "failed"  # any other error
UNKNOWN = "unknown"  # not known (no answer in time): the walk cannot be replayed past it


@dataclass(frozen=True)
class ProxyEntry:
    """One entry of go's proxy list."""

    raw: str  # as written between the separators (untrimmed; may hold credentials)
    url: str  # the URL go uses ("https://" added where go adds it), or the keyword
    kind: str  # KIND_URL | KIND_DIRECT | KIND_OFF
    fallback_on_error: bool  # followed by '|': the next entry is tried after any error
    scheme: str = ""  # lower case, for KIND_URL
    host: str = ""  # host name without port or brackets, lower case ("" for file://)
    has_credentials: bool = False

    @property
    def is_mirror(self) -> bool:
        return self.kind == KIND_URL


@dataclass(frozen=True)
class ParsedGoproxy:
    value: str
    entries: list[ProxyEntry]  # go's list, in order (without the implicit GONOPROXY entry)
    problems: list[str]  # go's error for each invalid entry; go stops at the first one
    ignored: list[str] = field(default_factory=list)  # raw entries after direct/off
    corrected: str = ""  # the value with invalid entries dropped (or go's default)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- Go's net/url, as far as proxyList and newProxyRepo use it ---------------------------------

_PATH, _PATH_SEGMENT, _HOST, _ZONE, _USER_PASSWORD, _QUERY_COMPONENT, _FRAGMENT = (
    1 << i for i in range(7)
)
_UPPERHEX = "0123456789ABCDEF"


def _should_escape(c: int, mode: int) -> bool:
    """net/url's shouldEscape (gen_encoding_table.go), for one byte."""
    ch = chr(c)
    if c < 0x80 and ch.isalnum():
        return False
    if mode in (_HOST, _ZONE) and ch in "!$&'()*+,;=:[]<>\"":
        return False
    if ch in "-_.~":
        return False
    if ch in "$&+,/:;=?@":
        if mode == _PATH:
            return ch == "?"
        if mode == _PATH_SEGMENT:
            return ch in "/;,?"
        if mode == _USER_PASSWORD:
            return ch in "@/?:"
        if mode == _QUERY_COMPONENT:
            return True
        if mode == _FRAGMENT:
            return False
    return not (mode == _FRAGMENT and ch in "!()*")


def _ishex(ch: str) -> bool:
    return ch in "0123456789abcdefABCDEF" and ch != ""


class _URLError(Exception):
    pass


def _unescape(s: str, mode: int) -> str:
    i, n, has_escape = 0, len(s), False
    while i < n:
        ch = s[i]
        if ch == "%":
            has_escape = True
            if i + 2 >= n or not _ishex(s[i + 1]) or not _ishex(s[i + 2]):
                raise _URLError("invalid URL escape " + go_quote(s[i : i + 3]))
            byte = int(s[i + 1 : i + 3], 16)
            if mode == _HOST and byte < 0x80 and s[i : i + 3] != "%25":
                raise _URLError("invalid URL escape " + go_quote(s[i : i + 3]))
            if (
                mode == _ZONE
                and s[i : i + 3] != "%25"
                and byte != 0x20
                and _should_escape(byte, _HOST)
            ):
                raise _URLError("invalid URL escape " + go_quote(s[i : i + 3]))
            i += 3
        else:
            if mode in (_HOST, _ZONE) and ord(ch) < 0x80 and _should_escape(ord(ch), mode):
                raise _URLError(f"invalid character {go_quote(ch)} in host name")
            i += 1
    if not has_escape:
        return s
    raw = s.encode("utf-8", "surrogateescape")
    out = bytearray()
    j = 0
    while j < len(raw):
        if raw[j] == 0x25:  # '%'
            out.append(int(raw[j + 1 : j + 3], 16))
            j += 3
        else:
            out.append(raw[j])
            j += 1
    return out.decode("utf-8", "surrogateescape")


def _escape(s: str, mode: int) -> str:
    out = []
    for b in s.encode("utf-8", "surrogateescape"):
        if _should_escape(b, mode):
            out.append("%" + _UPPERHEX[b >> 4] + _UPPERHEX[b & 15])
        else:
            out.append(chr(b))
    return "".join(out)


def _valid_encoded(s: str, mode: int) -> bool:
    for b in s.encode("utf-8", "surrogateescape"):
        if chr(b) in "!$&'()*+,;=:@[]%":
            continue
        if _should_escape(b, mode):
            return False
    return True


def _raw_is_exact(raw: str, value: str, mode: int) -> bool:
    """EscapedPath/EscapedFragment: the raw form is used when it is a valid encoding of the
    value."""
    if not raw or not _valid_encoded(raw, mode):
        return False
    try:
        return _unescape(raw, mode) == value
    except _URLError:
        return False


@dataclass
class _GoURL:
    scheme: str = ""
    opaque: str = ""
    has_user: bool = False
    username: str = ""
    password: Optional[str] = None
    host: str = ""
    path: str = ""
    raw_path: str = ""
    raw_query: str = ""
    force_query: bool = False
    fragment: str = ""
    raw_fragment: str = ""
    omit_host: bool = False

    def escaped_path(self) -> str:
        if _raw_is_exact(self.raw_path, self.path, _PATH):
            return self.raw_path
        if self.path == "*":
            return "*"
        return _escape(self.path, _PATH)

    def escaped_fragment(self) -> str:
        if _raw_is_exact(self.raw_fragment, self.fragment, _FRAGMENT):
            return self.raw_fragment
        return _escape(self.fragment, _FRAGMENT)

    def redacted(self) -> str:
        """URL.Redacted: String() with the password replaced by "xxxxx"."""
        return self._render(redact=True)

    def string(self) -> str:
        """URL.String (it holds the password: never show it)."""
        return self._render(redact=False)

    def _render(self, *, redact: bool) -> str:
        buf = ""
        if self.scheme:
            buf += self.scheme + ":"
        if self.opaque:
            buf += self.opaque
        else:
            omitted = self.omit_host and not self.host and not self.has_user
            if (self.scheme or self.host or self.has_user) and not omitted:
                if self.host or self.path or self.has_user:
                    buf += "//"
                if self.has_user:
                    buf += _escape(self.username, _USER_PASSWORD)
                    if self.password is not None:
                        buf += ":xxxxx" if redact else ":" + _escape(self.password, _USER_PASSWORD)
                    buf += "@"
                if self.host:
                    buf += _escape(self.host, _HOST)
            path = self.escaped_path()
            if self.omit_host and not self.host and not self.has_user and path.startswith("//"):
                buf += "%2F"
                path = path[1:]
            if path and path[0] != "/" and self.host:
                buf += "/"
            if not buf and ":" in path.split("/", 1)[0]:
                buf += "./"
            buf += path
        if self.force_query or self.raw_query:
            buf += "?" + self.raw_query
        if self.fragment:
            buf += "#" + self.escaped_fragment()
        return buf


def _get_scheme(raw: str) -> tuple[str, str]:
    for i, ch in enumerate(raw):
        if ("a" <= ch <= "z") or ("A" <= ch <= "Z"):
            continue
        if ("0" <= ch <= "9") or ch in "+-.":
            if i == 0:
                return "", raw
            continue
        if ch == ":":
            if i == 0:
                raise _URLError("missing protocol scheme")
            return raw[:i], raw[i + 1 :]
        return "", raw
    return "", raw


def _valid_optional_port(port: str) -> bool:
    if port == "":
        return True
    return port[0] == ":" and all("0" <= c <= "9" for c in port[1:])


def _parse_host(scheme: str, host: str) -> str:
    open_bracket = host.rfind("[")
    if open_bracket > 0:
        raise _URLError("invalid IP-literal")
    if open_bracket == 0:
        close_bracket = host.rfind("]")
        if close_bracket < 0:
            raise _URLError("missing ']' in host")
        colon_port = host[close_bracket + 1 :]
        if not _valid_optional_port(colon_port):
            raise _URLError(f"invalid port {go_quote(colon_port)} after host")
        port = _unescape(colon_port, _HOST)
        hostname = host[1:close_bracket]
        zone = hostname.find("%25")
        if zone >= 0:
            unescaped = _unescape(hostname[:zone], _HOST) + _unescape(hostname[zone:], _ZONE)
        else:
            unescaped = _unescape(hostname, _HOST)
        try:
            addr = ipaddress.ip_address(unescaped)
        except ValueError:
            raise _URLError(
                f"invalid host: ParseAddr({go_quote(unescaped)}): unable to parse IP"
            ) from None
        if addr.version == 4:
            raise _URLError("invalid IP-literal")
        return "[" + unescaped + "]" + port
    i = host.find(":")
    if i != -1:
        # Since Go 1.26 (GODEBUG urlstrictcolons=1) http(s) hosts may hold one colon only.
        if host.rfind(":") != i and scheme not in ("http", "https"):
            i = host.rfind(":")
        colon_port = host[i:]
        if not _valid_optional_port(colon_port):
            raise _URLError(f"invalid port {go_quote(colon_port)} after host")
    return _unescape(host, _HOST)


_USERINFO_OK = re.compile(r"^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*\Z")


def _parse_authority(url: _GoURL, authority: str) -> None:
    i = authority.rfind("@")
    url.host = _parse_host(url.scheme, authority if i < 0 else authority[i + 1 :])
    if i < 0:
        return
    userinfo = authority[:i]
    if not _USERINFO_OK.match(userinfo):
        raise _URLError("net/url: invalid userinfo")
    url.has_user = True
    if ":" not in userinfo:
        url.username = _unescape(userinfo, _USER_PASSWORD)
    else:
        user, _, password = userinfo.partition(":")
        url.username = _unescape(user, _USER_PASSWORD)
        url.password = _unescape(password, _USER_PASSWORD)


def _parse(raw: str, *, via_request: bool = False) -> _GoURL:
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        raise _URLError("net/url: invalid control character in URL")
    if raw == "" and via_request:
        raise _URLError("empty url")
    url = _GoURL()
    if raw == "*":
        url.path = "*"
        return url
    scheme, rest = _get_scheme(raw)
    url.scheme = scheme.lower()
    if rest.endswith("?") and rest.count("?") == 1:
        url.force_query = True
        rest = rest[:-1]
    else:
        rest, _, url.raw_query = rest.partition("?")
    if not rest.startswith("/"):
        if url.scheme:
            url.opaque = rest
            return url
        if via_request:
            raise _URLError("invalid URI for request")
        if ":" in rest.split("/", 1)[0]:
            raise _URLError("first path segment in URL cannot contain colon")
    if (url.scheme or (not via_request and not rest.startswith("///"))) and rest.startswith("//"):
        authority, rest = rest[2:], ""
        slash = authority.find("/")
        if slash >= 0:
            authority, rest = authority[:slash], authority[slash:]
        _parse_authority(url, authority)
    elif url.scheme and rest.startswith("/"):
        url.omit_host = True
    url.path = _unescape(rest, _PATH)
    url.raw_path = "" if _escape(url.path, _PATH) == rest else rest
    return url


def go_url_parse(raw: str) -> _GoURL:
    """net/url.Parse: raises ValueError with Go's message (`parse "URL": ...`)."""
    before, sep, frag = raw.partition("#")
    try:
        url = _parse(before)
    except _URLError as exc:
        raise ValueError(f"parse {go_quote(before)}: {exc}") from None
    if sep and frag:
        try:
            url.fragment = _unescape(frag, _FRAGMENT)
        except _URLError as exc:
            raise ValueError(f"parse {go_quote(raw)}: {exc}") from None
        url.raw_fragment = "" if _escape(url.fragment, _FRAGMENT) == frag else frag
    return url


def go_parse_request_uri(raw: str) -> _GoURL:
    """net/url.ParseRequestURI: an absolute URL or path, no fragment cut off; raises
    ValueError with Go's message."""
    try:
        return _parse(raw, via_request=True)
    except _URLError as exc:
        raise ValueError(f"parse {go_quote(raw)}: {exc}") from None


def _is_abs(text: str, windows: bool) -> bool:
    """path.IsAbs or filepath.IsAbs, as proxyList asks."""
    return text.startswith("/") or filepath_is_abs(text, windows=windows)


def filepath_is_abs(text: str, *, windows: bool) -> bool:
    """filepath.IsAbs: on Unix a leading '/'; on Windows a drive letter and a separator, or a
    UNC path."""
    if not windows:
        return text.startswith("/")
    if re.match(r"^[A-Za-z]:[\\/]", text):
        return True
    return bool(re.match(r"^[\\/]{2}[^\\/]+[\\/]+[^\\/]", text))


def _check_entry(url_text: str) -> tuple[Optional[_GoURL], Optional[str]]:
    """newProxyRepo's check of one entry: (parsed URL, None) or (None, go's error)."""
    try:
        url = go_url_parse(url_text)
    except ValueError as exc:
        return None, str(exc)
    shown = url.redacted()
    if url.scheme in ("http", "https"):
        return url, None
    if url.scheme == "file":
        if (
            url.opaque
            or url.has_user
            or url.host
            or url.raw_query
            or url.force_query
            or url.fragment
            or url.raw_fragment
            or url.omit_host
        ):
            return None, f"invalid file:// proxy URL with non-path elements: {shown}"
        return url, None
    if url.scheme == "":
        return None, f"invalid proxy URL missing scheme: {shown}"
    return None, f"invalid proxy URL scheme (must be https, http, file): {shown}"


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host[1 : host.find("]")].lower()
    return host.partition(":")[0].lower()


def split_goproxy(value: str) -> list[tuple[str, bool]]:
    """(raw entry, followed by '|') for each piece between separators, as go cuts them."""
    out: list[tuple[str, bool]] = []
    rest = value
    while rest != "":
        m = re.search(r"[,|]", rest)
        if m is None:
            out.append((rest, False))
            break
        out.append((rest[: m.start()], m.group() == "|"))
        rest = rest[m.end() :]
    return out


def trim_space(s: str) -> str:
    """strings.TrimSpace."""
    return s.strip(" \t\n\v\f\r\x85\xa0")


def parse_entry(
    raw: str, fallback_on_error: bool = False, *, windows: Optional[bool] = None
) -> tuple[Optional[ProxyEntry], Optional[str]]:
    """One trimmed, non-empty entry: (ProxyEntry, None) or (None, go's error)."""
    if windows is None:
        windows = sys.platform == "win32"
    text = trim_space(raw)
    if text in (KIND_OFF, KIND_DIRECT):  # nothing follows them: go keeps no separator
        return ProxyEntry(raw=raw, url=text, kind=text, fallback_on_error=False), None
    if any(c in text for c in ".:/") and ":/" not in text and not _is_abs(text, windows):
        text = "https://" + text
    url, error = _check_entry(text)
    if url is None:
        return None, error
    entry = ProxyEntry(
        raw=raw,
        url=text,
        kind=KIND_URL,
        fallback_on_error=fallback_on_error,
        scheme=url.scheme,
        host=_hostname(url.host),
        has_credentials=url.has_user,
    )
    return entry, None


def parse_goproxy(value: str, *, windows: Optional[bool] = None) -> ParsedGoproxy:
    """Read a GOPROXY value as go does; see the module docstring for the rules."""
    entries: list[ProxyEntry] = []
    problems: list[str] = []
    ignored: list[str] = []
    kept: list[tuple[str, bool]] = []  # for the corrected value
    pieces = split_goproxy(value)
    ended = False
    for raw, bar in pieces:
        if ended:
            if trim_space(raw):
                ignored.append(raw)
            continue
        if not trim_space(raw):
            continue
        entry, error = parse_entry(raw, bar, windows=windows)
        if entry is None:
            problems.append(error or "")
            word = trim_space(raw).lower()
            if word in (KIND_OFF, KIND_DIRECT):  # "DIRECT": surely meant as the keyword
                kept.append((word, bar))
                ended = True
            continue
        entries.append(entry)
        kept.append((trim_space(raw), bar))
        if entry.kind != KIND_URL:
            ended = True
    if not entries and not problems:
        problems.append(NO_ENTRIES)
    if problems:
        # Without a usable mirror left, the corrected list is go's default, not a bare
        # `direct` or `off` the user surely did not mean.
        has_mirror = any(w not in (KIND_OFF, KIND_DIRECT) for w, _ in kept)
        corrected = _join(kept) if has_mirror else DEFAULT_GOPROXY
    else:
        corrected = value
    return ParsedGoproxy(
        value=value, entries=entries, problems=problems, ignored=ignored, corrected=corrected
    )


def _join(items: Sequence[tuple[str, bool]]) -> str:
    out = ""
    for i, (text, bar) in enumerate(items):
        out += text
        if i < len(items) - 1:
            out += "|" if bar else ","
    return out


def format_goproxy(entries: Sequence[ProxyEntry]) -> str:
    """The GOPROXY value for a list of entries (their separators; none after the last)."""
    return _join([(_entry_text(e), e.fallback_on_error) for e in entries])


def _entry_text(entry: ProxyEntry) -> str:
    """The entry as the user wrote it (trimmed), or the keyword."""
    return trim_space(entry.raw) if entry.kind == KIND_URL else entry.url


@dataclass(frozen=True)
class Walk:
    """Where one download's walk over the list ends (modfetch/proxy.go, TryProxies)."""

    outcome: str  # FOUND | FAILED | NOT_FOUND | UNKNOWN | KIND_DIRECT | KIND_OFF
    entry: Optional[ProxyEntry]  # the entry that decided; None when every entry said 404/410
    tried: tuple[ProxyEntry, ...] = ()  # the mirrors asked on the way, in order


def try_proxies(entries: Sequence[ProxyEntry], answer: Callable[[ProxyEntry], str]) -> Walk:
    """Replay TryProxies for one download, given each mirror's answer (FOUND, NOT_FOUND,
    FAILED or UNKNOWN). Reaching `direct` ends the walk there (go asks the VCS, and that
    answer decides); past the last entry, or at `off`, the last failure seen after '|' is
    what go reports (it outranks not-found), else not-found (or `off`: `module lookup
    disabled by GOPROXY=off`)."""
    tried: list[ProxyEntry] = []
    failure: Optional[ProxyEntry] = None  # the last failure after '|': go reports it
    for e in entries:
        if e.kind == KIND_OFF and failure is not None:
            break  # off answers "not found", which a failure outranks
        if e.kind != KIND_URL:
            return Walk(e.kind, e, tuple(tried))
        tried.append(e)
        outcome = answer(e)
        if outcome in (FOUND, UNKNOWN):
            return Walk(outcome, e, tuple(tried))
        if outcome == NOT_FOUND:
            continue
        if not e.fallback_on_error:
            return Walk(FAILED, e, tuple(tried))
        failure = e
    if failure is not None:
        return Walk(FAILED, failure, tuple(tried))
    return Walk(NOT_FOUND, None, tuple(tried))
