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


def escape_markup(text: str) -> str:
    """Escape rich markup so that `[bold]` in a server's answer is shown, not obeyed."""
    return text.replace("\\", "\\\\").replace("[", "\\[")


def untrusted(text: str, *, limit: int = 300, keep_newlines: bool = False) -> str:
    """Plain text from outside, made safe for the console: stripped and shortened.

    The result still needs escape_markup() before it goes into rich markup.
    """
    text = strip_control(text, keep_newlines=keep_newlines).strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def mask_url(url: str) -> str:
    """`https://user:secret@host/x` -> `https://user:***@host/x`. Other URLs unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    netloc = f"{user}:***@{hostport}" if user else f"***@{hostport}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


_URL_IN_TEXT = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://)([^\s/@]+)@")


def mask_urls_in_text(text: str) -> str:
    """Mask credentials of every URL inside free text (a GOPROXY list, an error message)."""

    def repl(m: re.Match[str]) -> str:
        user = m.group(2).split(":", 1)[0]
        return f"{m.group(1)}{user}:***@" if user else f"{m.group(1)}***@"

    return _URL_IN_TEXT.sub(repl, text)
