"""Make untrusted text (from mirrors, from go, from files) safe to show, and hide credentials."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# C0 controls except tab and newline, DEL, C1 controls, and the Unicode bidi overrides that
# can make a terminal show text in another order than it is.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?")


def strip_control(text: str, *, keep_newlines: bool = False) -> str:
    """Remove terminal escape sequences and control characters.

    Newlines and tabs are folded to spaces unless keep_newlines is set.
    """
    text = _ANSI.sub("", text)
    text = _CONTROL.sub("", text)
    if not keep_newlines:
        text = text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return text


# rich reads backslashes as escapes only right before a '[': double those (and a trailing run,
# which would otherwise escape the closing tag the caller puts after the text), no others, or
# `C:\\Users` would be shown with doubled backslashes.
_BACKSLASHES_BEFORE_TAG = re.compile(r"(\\+)(?=\[|\Z)")


def escape_markup(text: str) -> str:
    """Escape rich markup so that `[bold]` in a server's answer is shown, not obeyed."""
    text = _BACKSLASHES_BEFORE_TAG.sub(lambda m: m.group(1) * 2, text)
    return text.replace("[", "\\[")


def untrusted(text: str, *, limit: int = 300, keep_newlines: bool = False) -> str:
    """Plain text from outside, made safe for the console: stripped and shortened.

    The result still needs escape_markup() before it goes into rich markup.
    """
    text = strip_control(text, keep_newlines=keep_newlines).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def mask_url(url: str) -> str:
    """`https://user:secret@host/x` -> `https://user:***@host/x`, `https://TOKEN@host` ->
    `https://***@host`. Other URLs unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed '[': still hide what looks like credentials
        return mask_urls_in_text(url)
    if "@" not in parts.netloc:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    netloc = f"{_masked_userinfo(userinfo)}@{hostport}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _masked_userinfo(userinfo: str) -> str:
    # A userinfo without ':' is a token (https://TOKEN@host), the secret itself: hide all of it.
    user, sep, _ = userinfo.partition(":")
    return f"{user}:***" if user and sep else "***"


# The userinfo ends at the last '@' before the host, as go's url.Parse reads it, so that a
# password holding an unescaped '@' is hidden whole.
_URL_IN_TEXT = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://)([^\s/@]+(?:@[^\s/@]+)*)@")


# go accepts a GOPROXY entry without a scheme (it adds https://), and proxy variables may be
# written host-only too: `alice:secret@goproxy.corp,direct`. Userinfo at the start of the
# text or of a list entry is masked as well.
# An entry starts at the start of a line (after a diff's +/-), after white space, a quote,
# ',', '|' or '=' (KEY=VALUE); '=' inside userinfo is allowed only as base64 padding.
_BARE_USERINFO = re.compile(
    r"(^[+-]?|[\s,|=\"'])([^\s,|/@\"'=]+=*(?:@[^\s,|/@\"'=]+=*)*)@(?=[^\s,|/@])", re.M
)


def mask_urls_in_text(text: str) -> str:
    """Mask credentials of every URL inside free text (a GOPROXY list, an error message)."""
    text = _URL_IN_TEXT.sub(lambda m: f"{m.group(1)}{_masked_userinfo(m.group(2))}@", text)
    return _BARE_USERINFO.sub(lambda m: f"{m.group(1)}{_masked_userinfo(m.group(2))}@", text)
