"""All mirrors probed at once under one deadline: one HTTP client per mirror with the system's
CA store, the checksum database check beside the probes, and an event loop that never waits
for a stuck DNS lookup past the budget."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import os
import ssl
import threading
import time
from collections.abc import Awaitable, Mapping, Sequence
from pathlib import Path
from typing import Any, Callable, Optional, TypeVar

from goaccel.errors import ConfigFileError
from goaccel.gotool.goauth import GoAuth
from goaccel.measure.classify import (
    classify_exception,
)
from goaccel.measure.probe import USER_AGENT, MirrorProbe, ProbeRun, ProbeSettings, Target
from goaccel.measure.prober import MirrorProber
from goaccel.measure.schedule import Schedule
from goaccel.measure.workload import ModuleRef
from goaccel.textsafe import mask_urls_in_text, untrusted

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


def _make_client(
    deadline_s: float,
    concurrency: int,
    ssl_context: ssl.SSLContext,
    auth: Optional[GoAuth] = None,
    base: str = "",
) -> Any:
    """An HTTP client for one mirror (or checksum database) at `base`, sending the
    credentials go would send there (measure/credentials.py)."""
    import httpx

    from goaccel.measure.credentials import GoCredentials

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
        auth=GoCredentials(auth, base) if auth is not None else None,
    )


#: How often the runner looks at the schedule while nothing completes (turn windows, the
#: barrier, the decision to stop).
TICK_S = 0.02
#: Once every mirror is measured, how long a checksum database check may still take.
SUMDB_GRACE_S = 1.0


def _stop_early(prober: MirrorProber, on_progress: Any, let_go: Optional[str]) -> None:
    """Stop measuring a mirror before the deadline: let go, with why, as it can no longer
    change the choice; or (let_go None) stalled for good, classified as the deadline would."""
    r = prober.result
    if let_go is None:
        prober.cancelled_at_deadline()
    else:
        prober.flush_zip_window()
        r.let_go = let_go
    r.elapsed_s = time.monotonic() - prober.started
    r.finished = True
    if on_progress is not None:
        on_progress(r)


async def _probe_one(prober: MirrorProber, client: Any) -> None:
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
    probers = [MirrorProber(t, modules, settings) for t in targets]
    try:
        auth = settings.auth
        clients = [_make_client(budget, conc, ssl_context, auth, t.url) for t in targets]
        sumdb_clients = {
            name: _make_client(budget, 1, ssl_context, auth, url)
            for name, url in (sumdb_urls or {}).items()
        }
    except Exception as exc:  # httpx.InvalidURL, a socks proxy without socksio, ...
        raise ConfigFileError(
            f"cannot use the proxy settings (HTTPS_PROXY/HTTP_PROXY/ALL_PROXY): "
            f"{mask_urls_in_text(untrusted(str(exc), limit=160))}",
            hint="fix the variable (http://HOST:PORT) or unset it",
        ) from None
    start = time.monotonic()
    schedule = Schedule(
        probers,
        modules,
        budget=budget,
        start=start,
        positions=settings.positions,
        parallelism=settings.parallelism,
    )
    for p in probers:
        p.started = start
        p.schedule = schedule
    tasks: dict[asyncio.Future[Any], MirrorProber] = {
        asyncio.ensure_future(_probe_one(p, c)): p for p, c in zip(probers, clients)
    }
    sumdb_tasks = {
        name: asyncio.ensure_future(_check_sumdb(url, sumdb_clients[name]))
        for name, url in (sumdb_urls or {}).items()
    }
    pending: set[asyncio.Future[Any]] = set(tasks) | set(sumdb_tasks.values())
    stopped: set[asyncio.Future[Any]] = set()  # mirrors let go or found stalled early
    while pending:
        remaining = settings.budget - (time.monotonic() - start)
        if remaining <= 0:
            break
        done, pending = await asyncio.wait(
            pending, timeout=min(remaining, TICK_S), return_when=asyncio.FIRST_COMPLETED
        )
        for fut in done:
            prober = tasks.get(fut)
            if prober is not None and on_progress is not None:
                on_progress(prober.result)
        now = time.monotonic()
        schedule.tick(now)
        # Mirrors whose turn was skipped, and, once the answer is known, all that remain;
        # with the early stop, a mirror that sends no zip at all is called stalled now.
        reasons = {**(schedule.stop_reasons(now) or {}), **schedule.let_go}
        for fut in list(pending):
            prober = tasks.get(fut)
            if prober is None:
                continue
            if id(prober) in reasons:
                _stop_early(prober, on_progress, reasons[id(prober)])
            elif settings.positions is not None and prober.stalled_for_good(now):
                _stop_early(prober, on_progress, None)
            else:
                continue
            pending.discard(fut)
            fut.cancel()
            stopped.add(fut)
        if pending and not any(f in tasks for f in pending):
            # Only checksum database checks are left: a short grace, not the whole budget.
            remaining = settings.budget - (time.monotonic() - start)
            await asyncio.wait(pending, timeout=max(0.0, min(remaining, SUMDB_GRACE_S)))
            pending = {f for f in pending if not f.done()}
            break
    for fut in pending:
        prober = tasks.get(fut)
        if prober is not None:
            prober.cancelled_at_deadline()
            prober.result.elapsed_s = time.monotonic() - prober.started
            if on_progress is not None:
                on_progress(prober.result)
        fut.cancel()
    cancelled = pending | stopped
    if cancelled:
        await asyncio.wait(cancelled, timeout=0.3)
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
