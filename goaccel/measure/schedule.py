"""When each mirror may download zips, and when the whole measurement may stop.

Every mirror measured at once shares the user's last mile. Measured all together, each one
looks as thin as the link divided by the number of mirrors, and a mirror whose small requests
queue behind another mirror's zips gets a worse latency than it has. go itself downloads from
one mirror at a time. So:

1. **Latency first.** No zip is asked of any mirror until every mirror has finished its small
   sequential requests (`@v/list`, `.info`, `.mod`), has failed, or has stayed silent for a
   while (the barrier): latency is measured on an idle link.
2. **One mirror at a time streams zips** (its turn), for a short window, in order of promise
   (the lowest lower bound first). Its throughput is then what go would get from it alone.
   The `.mod` completeness checks, small, go on beside the turns.
3. **Stop when the answer is known** (when ProbeSettings.positions is set, as setup does).
   A mirror not yet fully measured has a lower bound on its predicted time: one that has
   been asked and has not answered its first request for t seconds has a latency of at
   least t, so it needs at least t for each round trip of the workload (one still connecting
   has only the time so far); one that answered needs at least its round trips at the
   lowest latency its remaining samples could give, and its known misses' cost. Once no
   such bound is below the predicted time of the mirrors setup would write (the best and
   its fallbacks), the pending mirrors are let go, each with the reason, and the budget is
   not waited out. The budget stays the hard ceiling.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Optional

from goaccel.measure.rank import (
    chosen_horizon,
    default_parallelism,
    missing_cost_s,
    rank,
    round_trips,
)
from goaccel.measure.workload import ModuleRef

if TYPE_CHECKING:
    from goaccel.measure.prober import MirrorProber

#: The barrier waits at most this share of the budget for mirrors still in their small
#: requests, and lets a silent mirror hold it for at least SILENT_MIN_S.
BARRIER_SHARE = 0.3
SILENT_MIN_S = 0.5
#: A turn lasts this long after the first zip byte (at least WINDOW_MIN_S, at most
#: WINDOW_MAX_S): long enough for a few zips, short enough for ten mirrors in two seconds.
WINDOW_SHARE = 0.06
WINDOW_MIN_S = 0.25
WINDOW_MAX_S = 1.0
#: A turn whose mirror sends no zip byte is passed on after the window and this much more:
#: its requests go on in the background (a stall is still classified at the deadline).
NO_BYTES_GRACE_S = 0.25


def window_seconds(budget: float) -> float:
    return min(WINDOW_MAX_S, max(WINDOW_MIN_S, budget * WINDOW_SHARE))


def _fmt(s: float) -> str:
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.1f} s"


class Schedule:
    """Grants zip turns one mirror at a time and decides when measuring may stop.

    The probers call phase1_done(), await turn() and call turn_done(); the runner calls
    tick() on every event and every few tens of milliseconds, and stop_reasons() to know
    whether it may stop.
    """

    def __init__(
        self,
        probers: Sequence[MirrorProber],
        modules: Sequence[ModuleRef],
        *,
        budget: float,
        start: float,
        positions: Optional[int] = None,
        parallelism: Optional[int] = None,
    ) -> None:
        import asyncio

        self.probers = list(probers)
        self.modules = list(modules)
        self.budget = budget
        self.start = start
        self.positions = positions
        self.window_s = window_seconds(budget)
        par = default_parallelism(parallelism)
        self.parallelism = par
        self.trips = round_trips(self.modules, par)
        self._phase1: set[int] = set()
        self._wanting: dict[int, asyncio.Event] = {}
        #: Mirrors whose turn was skipped because they could no longer matter, with why.
        self.let_go: dict[int, str] = {}
        self.holder: Optional[MirrorProber] = None
        # The first mirror to ask learns the workload's zip sizes for all (prober._sizes).
        self._sizes_taken = False
        self._barrier_passed = False
        self._barrier_event = asyncio.Event()

    # -- the probers' side

    def phase1_done(self, prober: MirrorProber) -> None:
        self._phase1.add(id(prober))
        self.tick()

    async def after_latency(self) -> None:
        """Wait until every mirror's latency is measured (the barrier): the completeness
        checks and size requests, small but many, wait too, so that latency is measured on
        an idle link and an idle CPU."""
        await self._barrier_event.wait()

    async def turn(self, prober: MirrorProber) -> bool:
        """Wait for this mirror's zip turn; False when it was let go before its turn came."""
        import asyncio

        event = asyncio.Event()
        self._wanting[id(prober)] = event
        self.tick()
        await event.wait()
        return id(prober) not in self.let_go

    def turn_done(self, prober: MirrorProber) -> None:
        if self.holder is prober:
            self.holder = None
        self.tick()

    def claim_sizes(self) -> bool:
        """True for the first mirror to ask: it learns the zip sizes for all; the others
        neither ask nor wait for it."""
        first = not self._sizes_taken
        self._sizes_taken = True
        return first

    # -- the runner's side

    def tick(self, now: Optional[float] = None) -> None:
        now = time.monotonic() if now is None else now
        if self.holder is not None and self._turn_over(self.holder, now):
            self.holder = None
        if not self._barrier_passed:
            if not self._barrier(now):
                return
            self._barrier_passed = True
            self._barrier_event.set()
        if self.holder is not None or not self._wanting:
            return
        horizon = self._horizon()
        bounds = {id(p): self.lower_bound(p, now) for p in self.probers if id(p) in self._wanting}
        waiting = [p for p in self.probers if id(p) in bounds]
        waiting.sort(key=lambda p: (bounds[id(p)], p.t.name))
        for p in waiting:
            event = self._wanting.pop(id(p))
            bound = bounds[id(p)]
            if horizon is not None and bound >= horizon:
                # It cannot matter: no turn (the runner lets it go).
                self.let_go[id(p)] = p.result.let_go = self._reason(p, bound, horizon, now)
                event.set()
                continue
            p.window_s = self.window_s
            p.window_end = now + self.window_s
            self.holder = p
            event.set()
            return

    def _turn_over(self, p: MirrorProber, now: float) -> bool:
        if now < p.window_end:
            return False
        if p.result.zip_bytes > 0 and not p.zips_in_flight():
            return True  # its window is over and no zip is asked or streaming any more
        # Still streaming past the window (a body gone silent), or not one byte yet: pass
        # the link on; its requests go on in the background.
        return now >= p.window_end + NO_BYTES_GRACE_S

    def _barrier(self, now: float) -> bool:
        elapsed = now - self.start
        if elapsed >= BARRIER_SHARE * self.budget:
            return True
        answered = [
            p.result.first_request_s for p in self.probers if p.result.first_request_s is not None
        ]
        silent_for = max([SILENT_MIN_S, *(3 * s for s in answered)])
        for p in self.probers:
            if id(p) in self._phase1 or p.result.finished or p.result.error is not None:
                continue
            if p.result.first_request_s is None and elapsed >= silent_for:
                continue  # silent: it does not hold the others' zips back any longer
            return False
        return True

    # -- bounds and the decision to stop

    def lower_bound(self, p: MirrorProber, now: float) -> float:
        """The least predicted time this mirror can still end up with (see the module doc):
        what rank() will compute from its final numbers is at least this, whatever they are."""
        r = p.result
        if r.first_request_s is None:
            return self._unanswered_bound(p, now)
        # The final latency is the median of phase 1's samples: the unknown ones count as
        # the wait of a small request still in flight, else as nothing.
        expected = max(1, p.latency_samples_expected)
        fill = list(r.latencies)
        waits = sorted((now - t.started for t in p.small_waits()), reverse=True)
        fill += waits[: max(0, expected - len(fill))]
        fill += [0.0] * (expected - len(fill))
        lat = statistics.median(fill)
        # rank(): connect = first - latency, then every round trip at the latency; the sum
        # only grows with the latency, so the latency's floor gives the time's floor.
        bound = max(0.0, r.first_request_s - lat) + self.trips * lat
        # Known misses, over at most every module (rank() divides by those checked).
        bound += missing_cost_s(len(r.missing), len(self.modules), len(self.modules), lat)
        return bound

    def _unanswered_bound(self, p: MirrorProber, now: float) -> float:
        """No answer yet. Connected and asked for w seconds: the mirror takes at least w to
        answer, so it needs at least w for each round trip (issue 9, section 6). Still
        connecting (a slow handshake, a proxy): only the time so far is known."""
        waiting = [t for t in p.small_waits() if t.state == "waiting"]
        if not waiting:
            return now - self.start
        t = waiting[0]
        return (t.last_progress - t.started) + self.trips * (now - t.last_progress)

    def _horizon(self) -> Optional[float]:
        if self.positions is None:
            return None
        settled = [p.result for p in self.probers if self.settled(p)]
        if not settled:
            return None
        hints = dict(self.probers[0].s.size_hints)
        ranking = rank(settled, self.modules, known_sizes=hints, parallelism=self.parallelism)
        return chosen_horizon(ranking, self.positions)

    def settled(self, p: MirrorProber) -> bool:
        return p.result.finished or id(p) in self.let_go

    def _reason(self, p: MirrorProber, bound: float, horizon: float, now: float) -> str:
        elapsed = _fmt(now - self.start)
        why = "no answer" if p.result.first_request_s is None else "measured enough"
        return (
            f"let go after {elapsed} ({why}): it needs at least {_fmt(bound)} for this "
            f"workload, the chosen mirrors {_fmt(horizon)}"
        )

    def stop_reasons(self, now: float) -> Optional[dict[int, str]]:
        """None while measuring must go on; else, for each mirror still pending, why it may be
        let go (an empty dict: nothing is pending)."""
        if self.positions is None:
            return None
        pending = [p for p in self.probers if not self.settled(p)]
        if not pending:
            return {}
        horizon = self._horizon()
        if horizon is None:
            return None
        reasons: dict[int, str] = {}
        for p in pending:
            bound = self.lower_bound(p, now)
            if bound < horizon:
                return None
            reasons[id(p)] = self._reason(p, bound, horizon, now)
        return reasons
