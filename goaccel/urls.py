"""Mirror URLs: validate and normalise what users type, before anything is probed or written."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlsplit, urlunsplit

from goaccel.errors import InputError
from goaccel.textsafe import mask_url, untrusted

# Characters RFC 3986 allows in a URL, less ',' and '|' which separate GOPROXY entries.
_URL_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+;=%]+$")
_KEYWORDS = {"direct", "off", "noproxy"}


@dataclass(frozen=True)
class MirrorURL:
    url: str  # normalised: scheme lower-case, no trailing slash
    host: str
    scheme: str
    has_credentials: bool
    port: Optional[int] = None

    @property
    def host_port(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host  # IPv6 literal
        return host if self.port is None else f"{host}:{self.port}"

    @property
    def display(self) -> str:
        return mask_url(self.url)

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(self.host)


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_mirror_url(raw: str) -> MirrorURL:
    """Validate a mirror URL as go would read it as one GOPROXY entry, and normalise it.

    A bare `host[:port][/path]` gets `https://`, as go does. Raises InputError with the reason.
    """
    text = raw.strip()
    # A bare `user:pass@host` has no scheme for mask_url to see: mask it as go would read it.
    bare = "://" not in text
    masked = mask_url("https://" + text)[len("https://") :] if bare else mask_url(text)
    shown = untrusted(masked, limit=120)
    if not text:
        raise InputError("empty mirror URL")
    if text.lower() in _KEYWORDS:
        raise InputError(
            f"'{shown}' is a GOPROXY keyword, not a mirror URL",
            hint="goaccel adds ',direct' at the end of GOPROXY itself",
        )
    if any(c in text for c in ",|"):
        raise InputError(
            f"invalid mirror URL '{shown}': it contains ',' or '|'",
            hint="give one mirror per --mirror option; goaccel builds the GOPROXY list",
        )
    if not _URL_CHARS.match(text):
        raise InputError(
            f"invalid mirror URL '{shown}': it contains spaces or characters a URL cannot have"
        )
    if "://" not in text:
        if not any(c in text for c in ".:/"):
            raise InputError(
                f"invalid mirror URL '{shown}': missing scheme",
                hint="write it as https://HOST/PATH",
            )
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise InputError(f"invalid mirror URL '{shown}': {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        bad = untrusted(scheme, limit=20)
        raise InputError(
            f"unsupported mirror URL '{shown}': scheme must be http or https, not '{bad}'"
        )
    host = parts.hostname or ""
    if not host:
        raise InputError(f"invalid mirror URL '{shown}': no host")
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        raise InputError(
            f"invalid mirror URL '{shown}': a GOPROXY URL cannot have a query or fragment"
        )
    if port == 0:
        raise InputError(f"invalid mirror URL '{shown}': port 0")
    has_credentials = "@" in parts.netloc
    if has_credentials and scheme == "http":
        raise InputError(
            f"refusing credentials in an insecure URL '{shown}'",
            hint="go refuses to send credentials over http; use https or a netrc file (GOAUTH)",
        )
    path = parts.path.rstrip("/")
    # One spelling per mirror, so the same mirror is not measured twice nor listed as its own
    # fallback: host lower-cased without a trailing dot, the scheme's default port dropped.
    # User info and path keep their case.
    host = host.lower().rstrip(".")
    if port == {"http": 80, "https": 443}[scheme]:
        port = None
    hostport = f"[{host}]" if ":" in host else host
    if port is not None:
        hostport += f":{port}"
    userinfo = parts.netloc.rpartition("@")[0] if has_credentials else ""
    netloc = f"{userinfo}@{hostport}" if has_credentials else hostport
    url = urlunsplit((scheme, netloc, path, "", ""))
    return MirrorURL(url=url, host=host, scheme=scheme, has_credentials=has_credentials, port=port)


def insecure_warning(m: MirrorURL) -> str | None:
    """The warning for an http:// mirror that is not on this machine, else None."""
    if m.scheme == "http" and not m.is_loopback:
        return (
            f"{m.display} uses plain http: anyone on the path can see which modules you fetch "
            "(contents stay verified by go.sum and the checksum database)"
        )
    return None
