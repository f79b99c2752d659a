"""Rank probed mirrors by the predicted time to fetch the workload, not by ping.

The model follows what `go mod download` (go1.27) does, as the simulator's request logs show
it: every module's .mod, GOMAXPROCS at a time; then the .info of each module whose zip is
needed, strictly one after another; then the zips, GOMAXPROCS at a time (GOMAXPROCS defaults
to the CPU count, which is what goaccel uses). So

    round trips = zip modules + ceil(modules / P) + ceil(zip modules / P)
    predicted   = connect + round trips * latency
                + workload bytes / throughput
                + modules the mirror lacks * (latency + MISSING_COST_S)

When go.mod makes go download a toolchain first (measure/toolchain.py), its zip is one more
round trip and its bytes, and a mirror that lacks it lacks one more module.

The workload's bytes come from the local module cache, the zips downloaded while probing,
and 1-byte ranged GETs for the rest (sizes from Content-Range), the mean standing in for any
still unknown.

A mirror that lacks modules is not discarded: with `GOPROXY=a|b,direct` go asks the next entry
for a 404, but each miss costs a round trip plus the fallback, which MISSING_COST_S stands for
(a fetch from the runner-up or a VCS clone through `direct`, typically seconds). docs/probing.md
explains the model and its limits.
"""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

from goaccel.measure.probe import MirrorProbe
from goaccel.measure.toolchain import toolchain_bytes
from goaccel.measure.workload import ModuleRef

MISSING_COST_S = 3.0
DEFAULT_ZIP_BYTES = 200 * 1024
FALLBACK_THROUGHPUT_BPS = 256 * 1024
GOOD_WITHIN = 1.25  # a mirror within 25% of the best is "good": a fine runner-up

BEST = "best"
GOOD = "good"
SLOWER = "slower"
STALE = "stale"
TAMPERED = "tampered"
EMPTY = "empty"
LET_GO = "let-go"  # measuring stopped early: it could no longer change the choice


@dataclass
class Estimate:
    connect_s: float
    requests_s: float
    transfer_s: float
    missing_s: float

    @property
    def total_s(self) -> float:
        return self.connect_s + self.requests_s + self.transfer_s + self.missing_s


@dataclass
class Ranked:
    probe: MirrorProbe
    verdict: str
    reason: str
    estimate: Optional[Estimate] = None
    rank: Optional[int] = None  # 1 = best; None for unusable mirrors

    @property
    def predicted_s(self) -> Optional[float]:
        return self.estimate.total_s if self.estimate else None

    @property
    def usable(self) -> bool:
        return self.rank is not None


@dataclass
class Ranking:
    entries: list[Ranked]
    modules: int
    zip_modules: int
    workload_bytes: int
    parallelism: int
    explanation: str = ""
    toolchain_bytes: int = 0  # the toolchain zip go downloads first; 0 when there is none
    notes: list[str] = field(default_factory=list)

    @property
    def usable(self) -> list[Ranked]:
        return [e for e in self.entries if e.usable]

    @property
    def best(self) -> Optional[Ranked]:
        usable = self.usable
        return usable[0] if usable else None


def estimate_workload_bytes(
    modules: Sequence[ModuleRef], probes: Sequence[MirrorProbe], known: Mapping[str, int]
) -> int:
    """Total zip bytes the workload needs: sizes seen while probing or in the local module
    cache; modules never seen count as the mean of those seen (or DEFAULT_ZIP_BYTES). The
    mean, not the median: the total is what matters, and module sizes are skewed."""
    sizes: dict[str, int] = dict(known)
    for p in probes:
        for key, size in p.zip_sizes.items():
            sizes[key] = max(size, sizes.get(key, 0))
    zip_keys = [f"{m.path}@{m.version}" for m in modules if m.needs_zip]
    seen = [sizes[k] for k in zip_keys if k in sizes]
    typical = int(statistics.fmean(seen)) if seen else DEFAULT_ZIP_BYTES
    return sum(sizes.get(k, typical) for k in zip_keys)


def round_trips(modules: Sequence[ModuleRef], parallelism: int) -> int:
    """go mod download (go1.27): every .mod, GOMAXPROCS at a time; then each zip module's
    .info strictly one after another; then the zips, GOMAXPROCS at a time."""
    n = len(modules)
    zip_mods = sum(1 for m in modules if m.needs_zip)
    return zip_mods + math.ceil(n / parallelism) + math.ceil(zip_mods / parallelism)


def default_parallelism(parallelism: int | None = None) -> int:
    """GOMAXPROCS as go would have it here: the CPU count."""
    return max(1, parallelism or os.cpu_count() or 4)


def missing_cost_s(missing: int, sample: int, modules: int, latency_s: float) -> float:
    """The completeness term: the share of the sample the mirror lacks, over the workload."""
    return (missing / sample if sample else 0.0) * modules * (latency_s + MISSING_COST_S)


def fallback_order(rest: Sequence[Ranked]) -> list[Ranked]:
    """The mirrors after the best one, in the order they serve as fallbacks. A fallback exists
    for when the first mirror fails; an incomplete mirror's misses go on to `direct`, which is
    what fails behind a firewall, so while complete mirrors remain, an incomplete one (it lacks
    modules, or the toolchain go.mod needs) never stands ahead of them, however close its
    predicted time (its order among its kind is the ranking's)."""
    complete = [e for e in rest if not e.probe.incomplete]
    incomplete = [e for e in rest if e.probe.incomplete]
    return complete + incomplete


def chosen_horizon(ranking: Ranking, positions: int) -> Optional[float]:
    """The predicted time a mirror still being measured must beat to change what setup
    writes (the best and positions-1 fallbacks), or None when it could change it however slow
    it is: too few usable mirrors yet, or too few complete ones for the fallbacks (a complete
    mirror is preferred as a fallback whatever its time)."""
    usable = ranking.usable
    if len(usable) < positions or positions < 1:
        return None
    rest = usable[1:]
    if sum(1 for e in rest if not e.probe.incomplete) < positions - 1:
        return None
    chain = [usable[0], *fallback_order(rest)[: positions - 1]]
    return max(e.predicted_s or 0.0 for e in chain)


def rank(
    probes: Sequence[MirrorProbe],
    modules: Sequence[ModuleRef],
    *,
    known_sizes: Mapping[str, int] | None = None,
    parallelism: int | None = None,
) -> Ranking:
    par = default_parallelism(parallelism)
    zip_mods = sum(1 for m in modules if m.needs_zip)
    n = len(modules)
    total_bytes = estimate_workload_bytes(modules, probes, known_sizes or {})
    # The toolchain go.mod makes go download first: one more .zip, its bytes, and one miss
    # where a mirror lacks it (measure/toolchain.py).
    tc_bytes = toolchain_bytes(probes, known_sizes or {})
    trips = round_trips(modules, par) + bool(tc_bytes)
    # A mirror whose zips did not start within the budget (high latency, tight budget) gets
    # the median of the others: neither rewarded nor punished for what was not measured.
    measured = [t for p in probes if p.usable and (t := p.throughput_bps)]
    fallback_thr = statistics.median(measured) if measured else FALLBACK_THROUGHPUT_BPS

    entries: list[Ranked] = []
    for p in probes:
        if p.error is not None:
            entries.append(Ranked(p, p.error.kind, p.error.detail))
            continue
        if p.let_go is not None:
            entries.append(Ranked(p, LET_GO, p.let_go))
            continue
        if p.mismatched:
            entries.append(
                Ranked(p, TAMPERED, f"served content that differs from go.sum: {p.mismatched[0]}")
            )
            continue
        if p.first_request_s is None:
            entries.append(Ranked(p, "timeout", "no answer within the time budget"))
            continue
        if p.checked and p.served == 0:
            # Not a stale mirror but no mirror of this workload at all (wrong URL or path?).
            entries.append(Ranked(p, EMPTY, f"serves none of the {p.checked} modules checked"))
            continue
        lat = p.latency_s or 0.0
        thr = p.throughput_bps or fallback_thr
        est = Estimate(
            connect_s=p.connect_s or 0.0,
            requests_s=trips * lat,
            transfer_s=(total_bytes + tc_bytes) / thr,
            missing_s=missing_cost_s(len(p.missing), p.checked, n, lat)
            + missing_cost_s(p.lacks_toolchain, 1, 1, lat),
        )
        entries.append(Ranked(p, "", "", est))

    usable = sorted((e for e in entries if e.estimate), key=lambda e: (e.predicted_s, e.probe.name))
    unusable = [e for e in entries if not e.estimate]
    best_t = usable[0].predicted_s if usable else None
    for i, e in enumerate(usable, start=1):
        e.rank = i
        p = e.probe
        assert e.predicted_s is not None and best_t is not None
        if i == 1:
            e.verdict = BEST
            if p.incomplete:
                e.reason = f"fastest even though it lacks {lacks(p)}"
        elif p.incomplete:
            e.verdict = STALE
            e.reason = f"lacks {lacks(p)} (404/410)"
        elif e.predicted_s <= best_t * GOOD_WITHIN:
            e.verdict = GOOD
        else:
            e.verdict = SLOWER
        if not e.reason and zip_mods and p.throughput_bps is None:
            e.reason = "no zip arrived within the budget: throughput assumed (median of others)"
    ranking = Ranking(
        entries=usable + unusable,
        modules=n,
        zip_modules=zip_mods,
        workload_bytes=total_bytes,
        parallelism=par,
        toolchain_bytes=tc_bytes,
    )
    ranking.explanation = explain(ranking)
    return ranking


def lacks(p: MirrorProbe) -> str:
    """What part of the workload a mirror lacks, e.g. "2 of 40 modules checked and the
    go1.99.0 toolchain"."""
    parts = [f"{len(p.missing)} of {p.checked} modules checked"] if p.missing else []
    if p.toolchain is not None and p.lacks_toolchain:
        parts.append(f"the {p.toolchain.name} toolchain")
    return " and ".join(parts)


def _fmt_s(s: float) -> str:
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.1f} s"


def fmt_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover


def explain(r: Ranking) -> str:
    """One or two sentences on why the winner won, naming what decided it."""
    usable = r.usable
    if not usable:
        return "no mirror was usable"
    best = usable[0]
    b = best.probe
    assert best.estimate is not None
    toolchain = next((p.toolchain.name for p in (e.probe for e in usable) if p.toolchain), "")
    if toolchain:
        toolchain = f" and the {toolchain} toolchain ({fmt_bytes(r.toolchain_bytes)})"
    parts = [
        f"{b.name} wins: predicted {_fmt_s(best.estimate.total_s)} for {r.modules} modules "
        f"({fmt_bytes(r.workload_bytes)} of zips){toolchain}"
    ]
    if len(usable) == 1:
        return parts[0] + "; it is the only usable mirror."
    second = usable[1]
    assert second.estimate is not None
    ratio = second.estimate.total_s / best.estimate.total_s if best.estimate.total_s else math.inf
    diffs = {
        "latency": second.estimate.requests_s
        + second.estimate.connect_s
        - best.estimate.requests_s
        - best.estimate.connect_s,
        "throughput": second.estimate.transfer_s - best.estimate.transfer_s,
        "completeness": second.estimate.missing_s - best.estimate.missing_s,
    }
    why = max(diffs, key=lambda k: diffs[k])
    s = second.probe
    if why == "throughput":
        detail = (
            f"{fmt_bytes(b.throughput_bps or 0)}/s against {fmt_bytes(s.throughput_bps or 0)}/s"
        )
        if (s.latency_s or 0) < (b.latency_s or 0):
            detail += f", although {s.name} answers small requests faster"
    elif why == "latency":
        detail = f"{_fmt_s(b.latency_s or 0)} per request against {_fmt_s(s.latency_s or 0)}"
    else:
        detail = f"{s.name} lacks {lacks(s)}"
    ratio_text = f"{ratio:.1f}x" if ratio != math.inf else "much"
    return (
        f"{parts[0]}; runner-up {s.name} is {ratio_text} slower "
        f"({_fmt_s(second.estimate.total_s)}), decided by {why}: {detail}."
    )
