"""The probe's credentials: on each https request, what go would attach to it.

go attaches GOAUTH's credentials (netrc by default; goaccel.gotool.goauth) to every https
request by its URL, as the URL is spelled in GOPROXY, port included; with none, the URL's own
`user:password@`. After a 4xx answer it applies GOAUTH again with that URL and sends the
request once more; the probe does the same when GOAUTH has commands (for netrc alone the
second request would carry the same credentials, so it is not sent). Plain http requests
never get credentials.

Redirects: httpx keeps the headers of a request for a redirect to the same scheme, host and
port, and drops Authorization for any other; go keeps it for the same host or a subdomain,
any port. The probe is the stricter of the two: credentials never follow a redirect to
another host.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Generator
from typing import Any

import httpx

from goaccel.gocompat.goauth import basic_auth, response_stdin
from goaccel.gocompat.goproxy import go_url_parse
from goaccel.gotool.goauth import GoAuth


class GoCredentials(httpx.Auth):
    """One mirror's requests, with go's credentials. `base` is the mirror URL as written in
    GOPROXY: go looks credentials up by that spelling (httpx lower-cases the host and drops a
    default port)."""

    def __init__(self, auth: GoAuth, base: str) -> None:
        self._auth = auth
        try:
            self._go_base = go_url_parse(base).string().rstrip("/")
        except ValueError:
            self._go_base = base.rstrip("/")
        self._httpx_base = str(httpx.URL(base)).rstrip("/")

    def _go_url(self, url: httpx.URL) -> str:
        """The request URL as go spells it."""
        text = str(url)
        rest = text[len(self._httpx_base) :]
        if text.startswith(self._httpx_base) and (rest == "" or rest.startswith(("/", "?"))):
            return self._go_base + rest
        return text

    def _attach(self, request: httpx.Request) -> None:
        request.headers.pop("Authorization", None)
        if request.url.scheme != "https":
            return
        headers = self._auth.headers_for(self._go_url(request.url))
        if headers is None and (request.url.username or request.url.password):
            headers = basic_auth(request.url.username, request.url.password)
        for name, value in headers or ():
            request.headers[name] = value

    def _retries(self, request: httpx.Request, response: httpx.Response) -> bool:
        return (
            self._auth.has_commands
            and request.url.scheme == "https"
            and 400 <= response.status_code < 500
        )

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, Any, None]:
        self._attach(request)
        response = yield request
        if self._retries(request, response):
            self._auth.apply(self._go_url(request.url), _stdin(response))
            self._attach(request)
            yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, Any]:
        self._attach(request)
        response = yield request
        if self._retries(request, response):
            loop = asyncio.get_running_loop()
            # The commands run on a thread: the other mirrors' clocks keep going meanwhile.
            await loop.run_in_executor(
                None, self._auth.apply, self._go_url(request.url), _stdin(response)
            )
            self._attach(request)
            yield request


def _stdin(response: httpx.Response) -> str:
    status = f"{response.status_code} {response.reason_phrase}".rstrip()
    return response_stdin(response.http_version, status, response.headers.multi_items())
