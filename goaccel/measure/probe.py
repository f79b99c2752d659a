"""Measure Go module mirrors concurrently over the real GOPROXY protocol, within one time budget.

For every mirror, on its own HTTP client (connections are reused, as go does):
1. a short sequence of small requests (`@v/list`, `.info`, `.mod`) on one connection: the first
   one pays for the connection (TCP + TLS), the median of the rest is the per-request latency;
   `/sumdb/sum.golang.org/supported` tells whether the checksum database is reachable through it;
2. then, at the same time: `.mod` for a sample of the workload's modules (completeness: a
   stale mirror answers 404/410 for some), and a few of the workload's real zips, streamed,
   to measure throughput (and to check their bytes against go.sum where the project has one).

Everything runs under one deadline. A mirror that never answers is cancelled at the deadline
and classified by how far it got (connect timeout, stalled before or during a response).
Results are plain dataclasses; ranking lives in rank.py.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import errno
import functools
import os
import random
import ssl
import statistics
import threading
import time
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar

from goaccel import __version__
from goaccel.errors import ConfigFileError, InputError
from goaccel.gocompat.modpath import ModulePathError, escape_path, escape_version
from goaccel.measure.workload import ModuleRef
from goaccel.textsafe import mask_url, mask_urls_in_text, untrusted

USER_AGENT = f"goaccel/{__version__} (GOPROXY protocol probe; like GoCommand/1)"
SUMDB_NAME = "sum.golang.org"

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

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}" if self.detail else self.kind


@dataclass
class ProbeSettings:
    budget: float = 5.0  # seconds for the whole measurement, all mirrors together
    small_requests: int = 5  # sequential small requests for latency
    completeness_sample: int = 48  # modules checked for presence
    zip_sample: int = 4  # zips downloaded for throughput
    zip_bytes_cap: int = 6 * 1024 * 1024  # stop downloading zips past this many bytes
    concurrency: int = 4  # parallel requests per mirror in phase 2
    sumdb_name: str = SUMDB_NAME
    expected_hashes: Mapping[str, str] = field(default_factory=dict)  # "path@version" -> zip h1
    expected_mod_hashes: Mapping[str, str] = field(default_factory=dict)  # -> go.mod h1
    # Zip sizes learnt so far ("path@version" -> bytes), shared by all mirrors of a run: the
    # workload's total size is what the transfer term needs, and a 1-byte ranged GET tells
    # it without downloading. Filled by whichever mirror answers first.
    size_hints: dict[str, int] = field(default_factory=dict)
    probe_sizes: bool = True
    seed: int = 0


@dataclass
class Sample:
    kind: str  # list | info | mod | zip | sumdb
    module: str
    status: Optional[int]
    seconds: float  # the whole request
    nbytes: int = 0
    ttfb: Optional[float] = None  # time to the response headers
    body: Optional[bytes] = field(default=None, repr=False)  # kept for .mod integrity checks


@dataclass
class MirrorProbe:
    name: str
    url: str  # the URL as written to GOPROXY (may hold credentials: never show it unmasked)
    origin: str = "catalog"
    error: Optional[ProbeError] = None
    first_request_s: Optional[float] = None  # includes connecting (TCP, TLS)
    latencies: list[float] = field(default_factory=list)
    zip_bytes: int = 0
    zip_seconds: float = 0.0  # time with at least one zip body streaming
    zips_complete: int = 0
    zip_sizes: dict[str, int] = field(
        default_factory=dict
    )  # "path@version" -> size (complete only)
    checked: int = 0
    missing: list[str] = field(default_factory=list)  # "path@version" answered 404/410
    checked_modules: list[str] = field(default_factory=list)  # "path@version" asked for
    samples: list[Sample] = field(default_factory=list)  # every answered request, in order
    error_counts: dict[str, int] = field(default_factory=dict)  # failed requests by kind
    errors: list[str] = field(default_factory=list)  # sanitized, one per failed request
    mismatched: list[str] = field(default_factory=list)  # zips whose h1 differs from go.sum
    # HTTP status of <mirror>/sumdb/sum.golang.org/supported; None when it was not answered.
    sumdb_status: Optional[int] = None
    sumdb_asked: bool = False  # the request was sent (so a None status is a failure)
    stalled_requests: list[str] = field(default_factory=list)
    requests: int = 0
    elapsed_s: float = 0.0
    finished: bool = False

    @property
    def display_url(self) -> str:
        return mask_url(self.url)

    @property
    def latency_s(self) -> Optional[float]:
        if self.latencies:
            return statistics.median(self.latencies)
        return self.first_request_s

    @property
    def connect_s(self) -> Optional[float]:
        if self.first_request_s is None:
            return None
        lat = statistics.median(self.latencies) if self.latencies else 0.0
        return max(0.0, self.first_request_s - lat)

    @property
    def throughput_bps(self) -> Optional[float]:
        if self.zip_bytes <= 0 or self.zip_seconds <= 0:
            return None
        return self.zip_bytes / self.zip_seconds

    @property
    def sumdb_supported(self) -> Optional[bool]:
        """True: go sends checksum traffic through this mirror. False: it moves on (404/410).
        None: an error or no answer, where go moves on only after '|' and fails after ','."""
        if self.sumdb_status == 200:
            return True
        if self.sumdb_status in (404, 410):
            return False
        return None

    @property
    def served(self) -> int:
        return self.checked - len(self.missing)

    @property
    def usable(self) -> bool:
        return self.error is None and not self.mismatched and self.first_request_s is not None


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    origin: str = "catalog"


@dataclass
class ProbeRun:
    mirrors: list[MirrorProbe]
    budget: float
    elapsed_s: float
    sumdb_reachable: dict[str, Optional[bool]] = field(default_factory=dict)
    size_hints: dict[str, int] = field(default_factory=dict)  # zip sizes learnt while probing


# --------------------------------------------------------------------------- error mapping


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


class _HTTPStatus(Exception):
    def __init__(self, status: int, body: str):
        super().__init__(f"{status}")
        self.status = status
        self.body = body


# --------------------------------------------------------------------------- the probe


class _Tracker:
    """Follows one request through httpcore's trace events, to name where a stall happened."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.state = "connecting"
        self.started = self.last_progress = time.monotonic()

    async def __call__(self, event: str, info: Mapping[str, Any]) -> None:
        self.last_progress = time.monotonic()
        if event.endswith("connect_tcp.started"):
            self.state = "connecting"
        elif event.endswith("start_tls.started"):
            self.state = "tls"
        elif event.endswith("send_request_headers.started"):
            self.state = "waiting"
        elif event.endswith("receive_response_body.started"):
            self.state = "body"


def module_url(base: str, mod: ModuleRef, suffix: str) -> str:
    """A GOPROXY protocol URL, with go's case-encoding of the path and version."""
    try:
        if suffix == "list":
            return f"{base}/{escape_path(mod.path)}/@v/list"
        return f"{base}/{escape_path(mod.path)}/@v/{escape_version(mod.version)}.{suffix}"
    except ModulePathError as exc:
        raise InputError(str(exc)) from None


class _MirrorProber:
    def __init__(self, target: Target, modules: Sequence[ModuleRef], settings: ProbeSettings):
        self.t = target
        self.modules = list(modules)
        self.s = settings
        self.result = MirrorProbe(name=target.name, url=target.url, origin=target.origin)
        self.inflight: dict[int, tuple[str, _Tracker]] = {}
        self._next_id = 0
        self.started = time.monotonic()
        self.active_zips = 0
        self.zip_window_start = 0.0
        self._checked: set[str] = set()

    # -- one request, with bookkeeping for stall classification
    async def _get(
        self, client: Any, url: str, kind: str, module: str, *, stream_zip: bool = False
    ) -> Sample:
        tracker = _Tracker(kind)
        rid = self._next_id
        self._next_id += 1
        self.inflight[rid] = (url, tracker)
        self.result.requests += 1
        t0 = time.monotonic()
        try:
            if stream_zip:
                sample = await self._stream_zip(client, url, module, tracker, t0)
            else:
                resp = await client.get(url, extensions={"trace": tracker})
                elapsed = time.monotonic() - t0
                if resp.status_code not in (200, 404, 410):
                    raise _HTTPStatus(resp.status_code, resp.text)
                keep = resp.content if kind == "mod" and self.s.expected_mod_hashes else None
                sample = Sample(
                    kind, module, resp.status_code, elapsed, len(resp.content), elapsed, keep
                )
            self.result.samples.append(sample)
            return sample
        except _HTTPStatus:
            self._count_error(HTTP)
            raise
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._count_error(classify_exception(exc).kind)
            raise
        finally:
            del self.inflight[rid]

    def _count_error(self, kind: str) -> None:
        self.result.error_counts[kind] = self.result.error_counts.get(kind, 0) + 1

    async def _stream_zip(
        self, client: Any, url: str, module: str, tracker: _Tracker, t0: float
    ) -> Sample:
        async with client.stream("GET", url, extensions={"trace": tracker}) as resp:
            ttfb = time.monotonic() - t0
            if resp.status_code in (404, 410):
                await resp.aread()
                return Sample("zip", module, resp.status_code, time.monotonic() - t0)
            if resp.status_code != 200:
                body = (await resp.aread()).decode("utf-8", "replace")
                raise _HTTPStatus(resp.status_code, body)
            # Decoded bytes are what go hashes (it accepts gzip transfer encoding too); bytes on
            # the wire are what throughput is about.
            chunks: list[bytes] = []
            wire = 0
            self._zip_started()
            try:
                async for chunk in resp.aiter_bytes():
                    tracker.last_progress = time.monotonic()
                    chunks.append(chunk)
                    self.result.zip_bytes += resp.num_bytes_downloaded - wire
                    wire = resp.num_bytes_downloaded
            finally:
                self._zip_stopped()
            declared = resp.headers.get("content-length")
            size_ok = declared is None or not declared.isdigit() or int(declared) == wire
            data = b"".join(chunks)
            # Hashing a zip can take a while (go allows 500 MiB unpacked): not on the loop,
            # where it would stall every other mirror's clock.
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self._check_zip, module, data, size_ok)
            return Sample("zip", module, 200, time.monotonic() - t0, wire, ttfb)

    def _zip_started(self) -> None:
        if self.active_zips == 0:
            self.zip_window_start = time.monotonic()
        self.active_zips += 1

    def _zip_stopped(self) -> None:
        self.active_zips -= 1
        if self.active_zips == 0:
            self.result.zip_seconds += time.monotonic() - self.zip_window_start

    def flush_zip_window(self) -> None:
        """At cancellation: count the time of zips still streaming (a slow or stalled body)."""
        if self.active_zips > 0:
            self.result.zip_seconds += time.monotonic() - self.zip_window_start
            self.active_zips = 0

    def _check_zip(self, module: str, data: bytes, size_ok: bool) -> None:
        if not size_ok or not data.startswith(b"PK"):
            self.result.mismatched.append(f"{module} (not a zip archive)")
            return
        expected = self.s.expected_hashes.get(module)
        if expected is None:
            self.result.zips_complete += 1
            self.result.zip_sizes[module] = len(data)
            return
        from goaccel.gocompat.dirhash import hash_zip

        try:
            actual = hash_zip(data)
        except Exception:  # a zip too broken to read is as bad as a wrong one
            actual = "unreadable"
        if actual != expected:
            self.result.mismatched.append(f"{module} (h1 {actual} != go.sum {expected})")
        else:
            self.result.zips_complete += 1
            self.result.zip_sizes[module] = len(data)

    def _mark_checked(self, key: str, *, missing: bool) -> None:
        if key not in self._checked:
            self._checked.add(key)
            self.result.checked_modules.append(key)
        self.result.checked = len(self._checked)
        if missing and key not in self.result.missing:
            self.result.missing.append(key)

    def _record_http_error(self, exc: _HTTPStatus) -> None:
        body = untrusted(mask_urls_in_text(exc.body), limit=160)
        detail = f"HTTP {exc.status}" + (f": {body}" if body else "")
        self.result.errors.append(detail)
        if self.result.error is None:
            self.result.error = ProbeError(HTTP, detail)

    async def run(self, client: Any) -> None:
        mods = self.modules
        r = self.result
        # Phase 1: sequential small requests on one connection.
        seq: list[tuple[str, str, ModuleRef]] = []
        if mods:
            seq.append(("list", module_url(self.t.url, mods[0], "list"), mods[0]))
            for m in mods[: max(1, (self.s.small_requests - 1) // 2)]:
                seq.append(("info", module_url(self.t.url, m, "info"), m))
                seq.append(("mod", module_url(self.t.url, m, "mod"), m))
        sumdb_url = f"{self.t.url}/sumdb/{self.s.sumdb_name}/supported"
        for i, (kind, url, mod) in enumerate(seq):
            try:
                sample = await self._get(client, url, kind, f"{mod.path}@{mod.version}")
            except _HTTPStatus as exc:
                if i == 0:
                    r.first_request_s = time.monotonic() - self.started
                self._record_http_error(exc)
                return
            if i == 0:
                r.first_request_s = sample.seconds
            else:
                r.latencies.append(sample.seconds)
        try:
            r.sumdb_asked = True
            sample = await self._get(client, sumdb_url, "sumdb", "")
            r.sumdb_status = sample.status
            if r.first_request_s is None:
                r.first_request_s = sample.seconds
            else:
                r.latencies.append(sample.seconds)
        except _HTTPStatus as exc:
            # Not fatal for downloads, but go's checksum lookups may fail on it: plan.py
            # replays go's walk over GOPROXY to decide what that means for GOSUMDB.
            r.sumdb_status = exc.status
        # Phase 2: completeness and throughput, concurrently.
        await asyncio.gather(self._completeness(client), self._zips(client))

    async def _completeness(self, client: Any) -> None:
        sample = _spread(self.modules, self.s.completeness_sample, self.s.seed)
        sem = asyncio.Semaphore(max(1, self.s.concurrency - 1))

        async def check(m: ModuleRef) -> None:
            async with sem:
                key = f"{m.path}@{m.version}"
                try:
                    s = await self._get(client, module_url(self.t.url, m, "mod"), "mod", key)
                except _HTTPStatus as exc:
                    self._record_http_error(exc)
                    return
                self._mark_checked(key, missing=s.status in (404, 410))
                expected = self.s.expected_mod_hashes.get(key)
                if s.status == 200 and expected and s.body is not None:
                    from goaccel.gocompat.dirhash import hash_mod

                    actual = hash_mod(s.body)
                    if actual != expected:
                        self.result.mismatched.append(
                            f"{key}/go.mod (h1 {actual} != go.sum {expected})"
                        )
                if s.status == 200 and m.needs_zip and self.s.probe_sizes:
                    await self._learn_size(client, m, key)

        await asyncio.gather(*(check(m) for m in sample))

    async def _learn_size(self, client: Any, m: ModuleRef, key: str) -> None:
        """The zip's size from the headers of a 1-byte ranged GET (Content-Range), or of the
        whole answer when the mirror ignores Range (Content-Length): the body is not read."""
        if key in self.s.size_hints:
            return
        url = module_url(self.t.url, m, "zip")
        self.result.requests += 1
        try:
            async with client.stream("GET", url, headers={"Range": "bytes=0-0"}) as resp:
                size: Optional[int] = None
                if resp.status_code == 206:
                    total = resp.headers.get("content-range", "").rpartition("/")[2]
                    size = int(total) if total.isdigit() else None
                elif resp.status_code == 200:
                    length = resp.headers.get("content-length", "")
                    size = int(length) if length.isdigit() else None
                if size is not None:
                    self.s.size_hints.setdefault(key, size)
        except asyncio.CancelledError:
            raise
        except Exception:  # a size is a hint: without it the mean of known sizes stands in
            return

    async def _zips(self, client: Any) -> None:
        zips = _spread([m for m in self.modules if m.needs_zip], self.s.zip_sample, self.s.seed)
        sem = asyncio.Semaphore(2)

        async def fetch(m: ModuleRef) -> None:
            async with sem:
                if self.result.zip_bytes >= self.s.zip_bytes_cap:
                    return
                key = f"{m.path}@{m.version}"
                try:
                    s = await self._get(
                        client, module_url(self.t.url, m, "zip"), "zip", key, stream_zip=True
                    )
                except _HTTPStatus as exc:
                    self._record_http_error(exc)
                    return
                # The .mod check may have passed while the zip is gone: still stale.
                self._mark_checked(key, missing=s.status in (404, 410))

        await asyncio.gather(*(fetch(m) for m in zips))

    def stall_threshold(self) -> float:
        """Silence longer than this on an open request is a stall, not slowness.

        go has no response timeout: a request that stops moving hangs `go mod download`
        forever, so a mirror that does this even once must not be chosen.
        """
        lat = self.result.latency_s or 0.0
        return max(4 * lat, 0.5, 0.4 * self.s.budget)

    def cancelled_at_deadline(self) -> None:
        """Classify what was still in flight when the budget ran out."""
        self.flush_zip_window()
        r = self.result
        now = time.monotonic()
        threshold = self.stall_threshold()
        # Silent mid-body: go would hang there forever. Waiting for headers is different: a
        # mirror fetching a module it has not cached yet can take seconds to start, and go
        # waits it out; that only costs time, charged to throughput below.
        stalled = [
            (mask_url(url), t)
            for url, t in self.inflight.values()
            if t.state == "body" and now - t.last_progress >= threshold
        ]
        waiting = [
            (mask_url(url), t)
            for url, t in self.inflight.values()
            if t.state == "waiting" and now - t.last_progress >= threshold
        ]
        for _url, t in waiting:
            if t.kind == "zip":
                r.zip_seconds += now - t.started
        if waiting and r.zip_bytes == 0 and any(m.needs_zip for m in self.modules):
            stalled += waiting  # not one zip byte in the whole budget: unusable, not slow
        r.stalled_requests.extend(url for url, _ in stalled)
        if r.error is not None:
            return
        if r.first_request_s is None:
            states = {t.state for _, t in self.inflight.values()}
            if states & {"waiting", "body"}:
                r.error = ProbeError(STALLED, "accepted the connection but sent no answer in time")
            elif "tls" in states:
                r.error = ProbeError(TIMEOUT, "TLS handshake did not finish in time")
            else:
                r.error = ProbeError(TIMEOUT, "no connection within the time limit")
        elif stalled:
            url, t = stalled[0]
            what = (
                f"stopped sending in the middle of the body of {url}"
                if t.state == "body"
                else f"sent no answer to {url}"
            )
            r.error = ProbeError(STALLED, f"{what} for {now - t.last_progress:.1f} s")


def _spread(mods: Sequence[ModuleRef], k: int, seed: int) -> list[ModuleRef]:
    """A deterministic sample of k modules, the same for every mirror so they compare fairly."""
    if len(mods) <= k:
        return list(mods)
    rng = random.Random(seed)  # noqa: S311 - sampling, not security
    return sorted(rng.sample(list(mods), k), key=lambda m: (m.path, m.version))


# --------------------------------------------------------------------------- running it


_T = TypeVar("_T")


class _DaemonExecutor(concurrent.futures.ThreadPoolExecutor):
    """Runs blocking calls (getaddrinfo) on daemon threads.

    asyncio's default executor is joined at loop shutdown and at interpreter exit, so a DNS
    lookup hanging for 30 s would hold goaccel past its budget. Daemon threads are abandoned.
    """

    def submit(
        self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any
    ) -> concurrent.futures.Future[_T]:
        fut: concurrent.futures.Future[_T] = concurrent.futures.Future()

        def run() -> None:
            if not fut.set_running_or_notify_cancel():
                return
            try:
                fut.set_result(fn(*args, **kwargs))
            except BaseException as exc:
                fut.set_exception(exc)

        threading.Thread(target=run, daemon=True, name="goaccel-blocking").start()
        return fut


def run_bounded(coro: Awaitable[_T]) -> _T:
    """asyncio.run without waiting for stuck blocking calls at shutdown."""
    loop = asyncio.new_event_loop()
    loop.set_default_executor(_DaemonExecutor())
    try:
        return loop.run_until_complete(coro)
    finally:
        try:
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for t in pending:
                t.cancel()
            if pending:
                loop.run_until_complete(asyncio.wait(pending, timeout=0.5))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


def make_ssl_context() -> ssl.SSLContext:
    return _ssl_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=4)
def _ssl_context(cafile_env: Optional[str], capath_env: Optional[str]) -> ssl.SSLContext:
    """Trust what go trusts: the system's CA store (with SSL_CERT_FILE / SSL_CERT_DIR honoured,
    as go does on Unix), so a company's TLS-inspecting proxy CA works here when it works for
    go. certifi's bundle is added only where Python sees no system CAs at all (some macOS
    Pythons), so public mirrors still verify there."""
    cafile = cafile_env or None
    capath = capath_env or None
    try:
        ctx = ssl.create_default_context(cafile=cafile, capath=capath)
    except (OSError, ssl.SSLError) as exc:
        which = f"SSL_CERT_FILE={cafile}" if cafile else f"SSL_CERT_DIR={capath}"
        raise ConfigFileError(
            f"cannot load the CA certificates named by {which}: {untrusted(str(exc), limit=120)}",
            hint="point it at a PEM file of certificates, or unset it",
        ) from None
    if cafile is None and capath is None and not ctx.cert_store_stats().get("x509_ca"):
        capath_default = ssl.get_default_verify_paths().capath
        ca_dir = Path(capath_default) if capath_default else None
        if not (ca_dir and ca_dir.is_dir() and any(ca_dir.iterdir())):
            import certifi

            ctx.load_verify_locations(certifi.where())
    return ctx


def _make_client(deadline_s: float, concurrency: int, ssl_context: ssl.SSLContext) -> Any:
    import httpx

    timeout = httpx.Timeout(
        connect=min(10.0, deadline_s), read=deadline_s, write=deadline_s, pool=deadline_s
    )
    return httpx.AsyncClient(
        timeout=timeout,
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
        trust_env=True,
        verify=ssl_context,
    )


async def _probe_one(prober: _MirrorProber, client: Any) -> None:
    try:
        await prober.run(client)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        err = classify_exception(exc)
        prober.flush_zip_window()
        if prober.result.error is None:
            prober.result.error = err
        prober.result.errors.append(str(err))
    finally:
        prober.result.elapsed_s = time.monotonic() - prober.started
        await _close_quickly(client)
    prober.result.finished = True


async def _close_quickly(client: Any) -> None:
    """Close a client without waiting on a stalled server: abandon it after a moment."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(asyncio.shield(client.aclose()), timeout=0.2)


async def _check_sumdb(url: str, client: Any) -> Optional[bool]:
    """Is a checksum database reachable? `GET <url>/latest` answering 200."""
    try:
        resp = await client.get(url.rstrip("/") + "/latest")
        return bool(resp.status_code == 200)
    except Exception:  # any failure means "not reachable"; the kind does not matter here
        return False
    finally:
        await _close_quickly(client)


async def probe_async(
    targets: Sequence[Target],
    modules: Sequence[ModuleRef],
    settings: ProbeSettings,
    sumdb_urls: Mapping[str, str] | None = None,
    on_progress: Callable[[MirrorProbe], None] | None = None,
) -> ProbeRun:
    """Probe all targets (and the given checksum databases) together, within settings.budget."""
    # Clients first, all of them, before any clock starts: building one takes milliseconds
    # (TLS context, pools), which would otherwise be charged to the mirrors started earlier.
    ssl_context = make_ssl_context()
    budget, conc = settings.budget, settings.concurrency
    probers = [_MirrorProber(t, modules, settings) for t in targets]
    try:
        clients = [_make_client(budget, conc, ssl_context) for _ in probers]
        sumdb_clients = {name: _make_client(budget, 1, ssl_context) for name in sumdb_urls or {}}
    except Exception as exc:  # httpx.InvalidURL, a socks proxy without socksio, ...
        raise ConfigFileError(
            f"cannot use the proxy settings (HTTPS_PROXY/HTTP_PROXY/ALL_PROXY): "
            f"{mask_urls_in_text(untrusted(str(exc), limit=160))}",
            hint="fix the variable (http://HOST:PORT) or unset it",
        ) from None
    start = time.monotonic()
    for p in probers:
        p.started = start
    tasks: dict[asyncio.Future[Any], _MirrorProber] = {
        asyncio.ensure_future(_probe_one(p, c)): p for p, c in zip(probers, clients)
    }
    sumdb_tasks = {
        name: asyncio.ensure_future(_check_sumdb(url, sumdb_clients[name]))
        for name, url in (sumdb_urls or {}).items()
    }
    pending: set[asyncio.Future[Any]] = set(tasks) | set(sumdb_tasks.values())
    while pending:
        remaining = settings.budget - (time.monotonic() - start)
        if remaining <= 0:
            break
        done, pending = await asyncio.wait(
            pending, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
        )
        for fut in done:
            prober = tasks.get(fut)
            if prober is not None and on_progress is not None:
                on_progress(prober.result)
    for fut in pending:
        prober = tasks.get(fut)
        if prober is not None:
            prober.cancelled_at_deadline()
            prober.result.elapsed_s = time.monotonic() - prober.started
            if on_progress is not None:
                on_progress(prober.result)
        fut.cancel()
    if pending:
        await asyncio.wait(pending, timeout=0.3)
    sumdb_reachable: dict[str, Optional[bool]] = {}
    for name, fut in sumdb_tasks.items():
        if fut.done() and not fut.cancelled():
            sumdb_reachable[name] = fut.result()
        else:
            sumdb_reachable[name] = False
    return ProbeRun(
        mirrors=[p.result for p in probers],
        budget=settings.budget,
        elapsed_s=time.monotonic() - start,
        sumdb_reachable=sumdb_reachable,
        size_hints=dict(settings.size_hints),
    )


def probe(
    targets: Sequence[Target],
    modules: Sequence[ModuleRef],
    settings: ProbeSettings | None = None,
    sumdb_urls: Mapping[str, str] | None = None,
    on_progress: Callable[[MirrorProbe], None] | None = None,
) -> ProbeRun:
    """Synchronous entry point: probe every target concurrently within the budget."""
    return run_bounded(
        probe_async(targets, modules, settings or ProbeSettings(), sumdb_urls, on_progress)
    )
