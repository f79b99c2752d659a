"""One mirror, measured over the GOPROXY protocol: the small sequential requests for latency,
the `.mod` sample for completeness, streamed zips for throughput and integrity, and where a
request stalled when it did not finish."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import math
import random
import tempfile
import time
from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, Optional

from goaccel.errors import InputError
from goaccel.gocompat.modpath import ModulePathError, escape_path, escape_version
from goaccel.measure.classify import (
    HTTP,
    STALLED,
    TIMEOUT,
    ProbeError,
    classify_exception,
)
from goaccel.measure.probe import MirrorProbe, ProbeSettings, Sample, Target, ToolchainCheck
from goaccel.measure.toolchain import check_zip
from goaccel.measure.workload import ModuleRef
from goaccel.textsafe import mask_url, mask_urls_in_text, untrusted

if TYPE_CHECKING:
    from goaccel.measure.schedule import Schedule


#: A zip turn may end before its window once the rate is steady (MirrorProber._rate_settled).
STABLE_MIN_S = 0.15
STABLE_WITHIN = 0.10


class _HTTPStatus(Exception):
    def __init__(self, status: int, body: str):
        super().__init__(f"{status}")
        self.status = status
        self.body = body


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


class MirrorProber:
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
        # The zip turn (schedule.py): zips are streamed only until window_end; the window
        # restarts at the first zip byte, so a slow first answer does not eat it.
        self.schedule: Optional[Schedule] = None
        self.window_s = math.inf
        self.window_end = math.inf
        self._window_anchored = False
        self._marks: list[tuple[float, int]] = []  # (time, zip bytes) from the first zip byte
        self._chunk = 0  # the largest piece of a zip body seen: the rate's granularity
        self._verify: set[str] = set()  # the zips checked against go.sum (the fixed sample)
        self.ignores_range = False
        self.latency_samples_expected = 0  # phase 1's latency samples (all but the first)

    def zips_in_flight(self) -> bool:
        """A zip asked and not done (waiting for its headers or streaming)."""
        return any(t.kind == "zip" for _url, t in self.inflight.values())

    def small_waits(self) -> list[_Tracker]:
        """Small requests (list, info, mod) in flight."""
        return [t for _url, t in self.inflight.values() if t.kind in ("list", "info", "mod")]

    def window_over(self) -> bool:
        now = time.monotonic()
        return now >= self.window_end or self._rate_settled(now)

    def _rate_settled(self, now: float) -> bool:
        """The turn may end early once the rate is known: after STABLE_MIN_S of zip bodies,
        the second half of the time brought as many bytes per second as the first (within
        STABLE_WITHIN). A rate still rising (TCP slow start) or uneven keeps the window."""
        marks = self._marks
        if not marks or now - marks[0][0] < STABLE_MIN_S:
            return False
        start, base = marks[0]
        mid_t = start + (now - start) / 2
        i = bisect.bisect_right(marks, (mid_t, math.inf)) - 1
        mid_bytes = marks[max(0, i)][1]
        first = mid_bytes - base
        second = marks[-1][1] - mid_bytes
        # Bytes arrive in pieces: two pieces either way are the resolution of the measure.
        return first > 0 and abs(second - first) <= max(STABLE_WITHIN * first, 2 * self._chunk)

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
            # the wire are what throughput is about. The zip is spooled (to disk past 1 MiB),
            # never held whole, and reading stops once the mirror's zip bytes reach the cap.
            wire = 0
            complete = True
            self._zip_started()
            with tempfile.SpooledTemporaryFile(max_size=1 << 20) as spool:
                try:
                    async for chunk in resp.aiter_bytes():
                        tracker.last_progress = time.monotonic()
                        spool.write(chunk)
                        self._chunk = max(self._chunk, resp.num_bytes_downloaded - wire)
                        self.result.zip_bytes += resp.num_bytes_downloaded - wire
                        wire = resp.num_bytes_downloaded
                        if self._window_anchored:
                            self._marks.append((tracker.last_progress, self.result.zip_bytes))
                        if self.result.zip_bytes >= self.s.zip_bytes_cap or self.window_over():
                            complete = False
                            break
                finally:
                    self._zip_stopped()
                if complete and module not in self._verify:
                    # One of the larger zips a turn goes on with, for throughput only: the
                    # fixed sample is what is checked against go.sum; hashing more would
                    # hold the turn for CPU time.
                    self.result.zip_sizes[module] = spool.tell()
                    self.s.size_hints.setdefault(module, spool.tell())
                elif complete:
                    declared = resp.headers.get("content-length")
                    size_ok = declared is None or not declared.isdigit() or int(declared) == wire
                    # Hashing a zip can take a while (go allows 500 MiB unpacked): not on the
                    # loop, where it would stall every other mirror's clock. The verdict is
                    # applied here, after the await: a probe cancelled at its deadline drops it,
                    # so a hash that finishes late never changes a ranked result.
                    loop = asyncio.get_running_loop()
                    verdict = await loop.run_in_executor(
                        None, self._zip_verdict, module, spool, size_ok
                    )
                    self._apply_zip_verdict(module, *verdict)
            return Sample("zip", module, 200, time.monotonic() - t0, wire, ttfb)

    def _zip_started(self) -> None:
        if not self._window_anchored and self.window_s != math.inf:
            self._window_anchored = True
            now = time.monotonic()
            self.window_end = max(self.window_end, now + self.window_s)
            self._marks.append((now, self.result.zip_bytes))
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

    def _zip_verdict(
        self, module: str, spool: IO[bytes], size_ok: bool
    ) -> tuple[Optional[str], int]:
        """(what is wrong with the downloaded zip or None, its size). Runs on a thread: it only
        reads the spool and the settings, and changes nothing."""
        size = spool.tell()
        spool.seek(0)
        if not size_ok or spool.read(2) != b"PK":
            return "not a zip archive", size
        expected = self.s.expected_hashes.get(module)
        if expected is None:
            return None, size
        from goaccel.gocompat.dirhash import hash_zip

        spool.seek(0)
        try:
            actual = hash_zip(spool)
        except Exception:  # a zip too broken to read is as bad as a wrong one
            actual = "unreadable"
        if actual != expected:
            return f"h1 {actual} != go.sum {expected}", size
        return None, size

    def _apply_zip_verdict(self, module: str, problem: Optional[str], size: int) -> None:
        if problem is not None:
            self.result.mismatched.append(f"{module} ({problem})")
        else:
            self.result.zips_complete += 1
            self.result.zip_sizes[module] = size

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
            self.result.error = ProbeError(HTTP, detail, exc.status)

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
        self.latency_samples_expected = max(0, len(seq) - 1)
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
        side: list[asyncio.Future[None]] = []  # the checksum database's check
        if r.first_request_s is None:
            # No module request was made: the checksum database's answer is the first one.
            await self._sumdb(client, sumdb_url, first=True)
            self._phase1_done()
        else:
            self._phase1_done()
            # The checksum database check is optional information: it runs beside phase 2,
            # never holds it up, and its failure only changes the GOSUMDB decision (plan.py).
            side.append(asyncio.ensure_future(self._sumdb(client, sumdb_url, first=False)))
        # So does the toolchain zip's check: its answer is part of the workload, not of the
        # probe. One small request (a ranged GET read for 4 bytes), so it needs no zip turn.
        toolchain = self._toolchain(client)
        try:
            # Phase 2: completeness, throughput (in this mirror's turn) and sizes.
            await _all_or_none(self._completeness(client), self._zips(client), self._sizes(client))
        except BaseException:
            for task in (*side, *toolchain):
                task.cancel()
            raise
        # The sumdb gets the stall threshold (no answer: status None, which plan.py treats as
        # go would). The toolchain has had all of phase 2 already: a mirror that serves it
        # answers in a round trip or two, and one still fetching it upstream is not waited
        # for (no answer), which would hold setup for seconds.
        await asyncio.gather(
            _settle(side, self.stall_threshold()),
            _settle(toolchain, max(4 * (r.latency_s or 0.0), TOOLCHAIN_GRACE_S)),
        )

    def _toolchain(self, client: Any) -> list[asyncio.Future[None]]:
        """The toolchain zip's check (measure.toolchain.check_zip), started beside phase 2."""
        ref = self.s.toolchain
        if ref is None:
            return []
        key = f"{ref.path}@{ref.version}"
        self.result.toolchain = ToolchainCheck(key)  # until it answers: no answer
        url = module_url(self.t.url, ref, "zip")

        async def ask() -> None:
            self.result.requests += 1
            self.result.toolchain = await check_zip(client, url, key)

        return [asyncio.ensure_future(ask())]

    def _phase1_done(self) -> None:
        if self.schedule is not None:
            self.schedule.phase1_done(self)

    async def _sumdb(self, client: Any, url: str, *, first: bool) -> None:
        r = self.result
        r.sumdb_asked = True
        try:
            sample = await self._get(client, url, "sumdb", "")
        except _HTTPStatus as exc:
            # Not fatal for downloads, but go's checksum lookups may fail on it: plan.py
            # replays go's walk over GOPROXY to decide what that means for GOSUMDB.
            r.sumdb_status = exc.status
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            if first:
                raise  # nothing else was asked: the mirror did not answer at all
            return  # a reset or a network error: the status stays None
        r.sumdb_status = sample.status
        if first:
            r.first_request_s = sample.seconds

    async def _completeness(self, client: Any) -> None:
        if self.schedule is not None:
            await self.schedule.after_latency()
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

        await asyncio.gather(*(check(m) for m in sample))

    async def _learn_size(self, client: Any, m: ModuleRef, key: str) -> None:
        """The zip's size from the headers of a 1-byte ranged GET (Content-Range), or of the
        whole answer when the mirror ignores Range (Content-Length): the body is not read."""
        if key in self.s.size_hints or self.ignores_range:
            return
        url = module_url(self.t.url, m, "zip")
        self.result.requests += 1
        try:
            # A size is a hint: one slow answer must not hold the mirror (nor the run) up.
            lat = self.result.latency_s or 0.0
            limit = max(1.0, 4 * lat)
            async with client.stream(
                "GET", url, headers={"Range": "bytes=0-0"}, timeout=limit
            ) as resp:
                size: Optional[int] = None
                if resp.status_code == 206:
                    total = resp.headers.get("content-range", "").rpartition("/")[2]
                    size = int(total) if total.isdigit() else None
                elif resp.status_code == 200:
                    # Range ignored: the whole body is on its way and takes the link until
                    # the connection closes. Ask this mirror no more sizes.
                    self.ignores_range = True
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
        if not zips:
            return
        if self.schedule is not None and not await self.schedule.turn(self):
            return  # let go before its turn came
        self._verify = {f"{m.path}@{m.version}" for m in zips}
        try:
            await self._zips_in_turn(client, [*zips, *self._larger_zips(zips)])
        finally:
            if self.schedule is not None:
                self.schedule.turn_done(self)

    def _larger_zips(self, sample: Sequence[ModuleRef]) -> list[ModuleRef]:
        """After the fixed sample, while the turn lasts: the other zips, largest first (by the
        sizes known so far), so that throughput comes from bodies large enough that a
        request's fixed cost does not pass for a thin link. Only within a turn's window."""
        if self.window_s == math.inf or not self.s.larger_zips:
            return []
        taken = set(sample)
        hints = self.s.size_hints
        rest = [m for m in self.modules if m.needs_zip and m not in taken]
        rest.sort(key=lambda m: -hints.get(f"{m.path}@{m.version}", 0))
        return rest

    async def _sizes(self, client: Any) -> None:
        """Learn the workload's zip sizes once per run, from the first mirror to finish its
        latency phase (schedule.claim_sizes); nobody waits for it, and what it does not learn
        the mean of the known sizes stands in for (rank.py)."""
        if not self.s.probe_sizes:
            return
        if self.schedule is not None:
            await self.schedule.after_latency()
            if not self.schedule.claim_sizes():
                return
        await self._learn_sizes(client)

    async def _learn_sizes(self, client: Any) -> None:
        """The sizes of the sample's zips not known yet (size_hints is shared by all mirrors
        of a run). The first request goes alone: a mirror that ignores Range answers it with
        the whole body, and is asked no more, so that its bodies do not take the link."""
        sample = _spread(self.modules, self.s.completeness_sample, self.s.seed)
        hints = self.s.size_hints
        todo = [m for m in sample if m.needs_zip and f"{m.path}@{m.version}" not in hints]
        if not todo:
            return
        await self._learn_size(client, todo[0], f"{todo[0].path}@{todo[0].version}")
        sem = asyncio.Semaphore(max(1, self.s.concurrency - 1))

        async def one(m: ModuleRef) -> None:
            async with sem:
                await self._learn_size(client, m, f"{m.path}@{m.version}")

        await asyncio.gather(*(one(m) for m in todo[1:]))

    async def _zips_in_turn(self, client: Any, zips: Sequence[ModuleRef]) -> None:
        sem = asyncio.Semaphore(2)

        async def fetch(m: ModuleRef) -> None:
            async with sem:
                if self.result.zip_bytes >= self.s.zip_bytes_cap or self.window_over():
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

    def stalled_for_good(self, now: float) -> bool:
        """Not one zip byte yet, and a zip request unanswered for the stall threshold: at the
        deadline cancelled_at_deadline would call this mirror stalled (unusable) anyway."""
        if self.result.zip_bytes > 0 or self.result.error is not None:
            return False
        threshold = self.stall_threshold()
        return any(
            t.kind == "zip" and t.state == "waiting" and now - t.last_progress >= threshold
            for _url, t in self.inflight.values()
        )

    def cancelled_at_deadline(self) -> None:
        """Classify what was still in flight when the budget ran out."""
        self.flush_zip_window()
        r = self.result
        now = time.monotonic()
        threshold = self.stall_threshold()
        # Silent mid-body: go would hang there forever. Waiting for headers is different: a
        # mirror fetching a module it has not cached yet can take seconds to start, and go
        # waits it out; that only costs time, charged to throughput below.
        # The checksum database check never disqualifies a mirror (see run()).
        downloads = [(url, t) for url, t in self.inflight.values() if t.kind != "sumdb"]
        stalled = [
            (mask_url(url), t)
            for url, t in downloads
            if t.state == "body" and now - t.last_progress >= threshold
        ]
        waiting = [
            (mask_url(url), t)
            for url, t in downloads
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


TOOLCHAIN_GRACE_S = 0.25  # the toolchain check's wait after phase 2, at least


async def _settle(tasks: Sequence[asyncio.Future[None]], timeout: float) -> None:
    """Wait for side requests up to timeout, then let them go: they count as not answered."""
    try:
        pending = [t for t in tasks if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def _all_or_none(*coros: Any) -> None:
    """Run the parts of phase 2 together; when one fails, cancel the others (asyncio.gather
    leaves them running: a zip turn would be taken after the client is closed)."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    except BaseException:
        for t in tasks:
            t.cancel()
        raise
    for t in pending:
        t.cancel()
    if pending:
        await asyncio.wait(pending)
    for t in done:
        if not t.cancelled() and t.exception() is not None:
            raise t.exception()


def _spread(mods: Sequence[ModuleRef], k: int, seed: int) -> list[ModuleRef]:
    """A deterministic sample of k modules, the same for every mirror so they compare fairly."""
    if len(mods) <= k:
        return list(mods)
    rng = random.Random(seed)  # noqa: S311 - sampling, not security
    return sorted(rng.sample(list(mods), k), key=lambda m: (m.path, m.version))


# --------------------------------------------------------------------------- running it
