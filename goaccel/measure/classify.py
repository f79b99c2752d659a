"""How a failed request is named: the stable error kinds that --json and the docs use, and the
mapping from httpx and OS exceptions to them, with a short detail safe to show."""

from __future__ import annotations

import errno
import ssl
from dataclasses import dataclass
from typing import Optional

from goaccel.textsafe import mask_urls_in_text, untrusted

# Error kinds, stable strings: they appear in --json output and in docs.
REFUSED = "refused"
DNS = "dns"
TLS = "tls"
TIMEOUT = "timeout"
STALLED = "stalled"
RESET = "reset"
HTTP = "http"
PROTOCOL = "protocol"
UNREACHABLE = "unreachable"


@dataclass
class ProbeError:
    kind: str
    detail: str  # already sanitized, credentials masked
    status: Optional[int] = None  # the HTTP status, for kind http

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}" if self.detail else self.kind


def classify_exception(exc: BaseException) -> ProbeError:
    """Map an httpx/OS exception to a stable error kind with a short, safe detail."""
    import httpx

    text = untrusted(mask_urls_in_text(str(exc)) or type(exc).__name__, limit=200)
    chain = _exception_chain(exc)
    if isinstance(exc, httpx.ConnectTimeout):
        return ProbeError(TIMEOUT, "no connection within the time limit")
    if isinstance(exc, (httpx.ReadTimeout, httpx.WriteTimeout, httpx.PoolTimeout)):
        return ProbeError(STALLED, "connected, but the server stopped answering")
    if isinstance(exc, httpx.TooManyRedirects):
        return ProbeError(PROTOCOL, "too many redirects")
    low = " ".join(str(e).lower() for e in chain)
    if any(isinstance(e, ssl.SSLError) for e in chain) or "ssl" in low or "certificate" in low:
        return ProbeError(TLS, text)
    if isinstance(exc, httpx.ConnectError):
        for e in chain:
            if (
                isinstance(e, ConnectionRefusedError)
                or getattr(e, "errno", None) == errno.ECONNREFUSED
            ):
                return ProbeError(REFUSED, "connection refused")
        if any(
            s in low
            for s in (
                "name or service not known",
                "nodename nor servname",
                "getaddrinfo failed",
                "no address associated",
                "temporary failure in name resolution",
                "name resolution",
                "no such host",
            )
        ):
            return ProbeError(DNS, "host name could not be resolved")
        if "connection refused" in low:
            return ProbeError(REFUSED, "connection refused")
        if "unreachable" in low:
            return ProbeError(UNREACHABLE, text)
        return ProbeError(UNREACHABLE, text)
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        for e in chain:
            if isinstance(e, ConnectionResetError) or getattr(e, "errno", None) == errno.ECONNRESET:
                return ProbeError(RESET, "connection reset by the server")
        if "disconnected" in low or "peer closed" in low or "reset" in low:
            return ProbeError(RESET, "the server closed the connection mid-answer")
        return ProbeError(PROTOCOL, text)
    if isinstance(exc, httpx.TimeoutException):
        return ProbeError(TIMEOUT, text)
    if isinstance(exc, (httpx.HTTPError, OSError)):
        return ProbeError(UNREACHABLE, text)
    return ProbeError(PROTOCOL, text)


def _exception_chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: Optional[BaseException] = exc
    while cur is not None and cur not in seen and len(seen) < 10:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen
