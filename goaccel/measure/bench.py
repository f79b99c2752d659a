"""`goaccel bench`: the careful comparison. Several rounds of the probe, on the whole workload,
with integrity checks, aggregated per mirror and ranked by the same model as setup; optionally
the ground truth of the real `go mod download` per mirror.

Core only: no output. The CLI renders a BenchResult; --json, --save and --compare use
bench_json() and compare().
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from goaccel.errors import ConfigFileError
from goaccel.gotool.goauth import GoAuth
from goaccel.measure.catalog import Catalog
from goaccel.measure.measurement import expected_hashes, known_zip_sizes
from goaccel.measure.probe import MirrorProbe, ProbeSettings, Target
from goaccel.measure.rank import Ranking, rank
from goaccel.measure.runner import probe
from goaccel.measure.workload import Workload
from goaccel.textsafe import mask_url, mask_urls_in_text, untrusted

BENCH_SCHEMA = 1


def percentile(values: Sequence[float], q: float) -> Optional[float]:
    """The q-th percentile (0..100) by linear interpolation; None for no values."""
    if not values:
        return None
    xs = sorted(values)
    k = (len(xs) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


@dataclass
class GroundTruth:
    seconds: Optional[float]  # None when go failed or the watchdog stopped it
    ok: bool
    timed_out: bool = False
    error: str = ""  # go's last lines, sanitized


@dataclass
class MirrorBench:
    name: str
    url: str  # as used in GOPROXY (may hold credentials: show display_url)
    origin: str
    rounds: list[MirrorProbe]
    merged: MirrorProbe  # all rounds as one probe: what the ranking reads
    truth: Optional[GroundTruth] = None

    @property
    def display_url(self) -> str:
        return mask_url(self.url)

    def small_latencies(self) -> list[float]:
        return [x for r in self.rounds for x in r.latencies]

    def ttfbs(self) -> list[float]:
        return [
            s.ttfb for r in self.rounds for s in r.samples if s.kind == "zip" and s.ttfb is not None
        ]

    def throughputs(self) -> list[float]:
        return [t for r in self.rounds if (t := r.throughput_bps)]

    def error_counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rounds:
            for k, v in r.error_counts.items():
                out[k] = out.get(k, 0) + v
            if r.error is not None and not r.error_counts:
                out[r.error.kind] = out.get(r.error.kind, 0) + 1
        return out


@dataclass
class BenchResult:
    workload: Workload
    mirrors: list[MirrorBench]
    ranking: Ranking
    rounds: int
    budget: float
    elapsed_s: float
    go_truth: bool = False

    def by_url(self) -> dict[str, MirrorBench]:
        return {m.url: m for m in self.mirrors}


def merge_rounds(rounds: Sequence[MirrorProbe]) -> MirrorProbe:
    """One probe standing for all rounds: latencies and zip bytes pooled, modules checked and
    missing united, any content mismatch kept. A mirror failing in every round keeps the
    error; one failing only sometimes is usable, with its errors counted."""
    first = rounds[0]
    m = MirrorProbe(name=first.name, url=first.url, origin=first.origin)
    answered = [r for r in rounds if r.first_request_s is not None]
    if answered:
        m.first_request_s = statistics.median(
            [r.first_request_s for r in answered if r.first_request_s is not None]
        )
    m.latencies = [x for r in rounds for x in r.latencies]
    m.zip_bytes = sum(r.zip_bytes for r in rounds)
    m.zip_seconds = sum(r.zip_seconds for r in rounds)
    m.zips_complete = sum(r.zips_complete for r in rounds)
    for r in rounds:
        m.zip_sizes.update(r.zip_sizes)
        for key in r.checked_modules:
            if key not in m.checked_modules:
                m.checked_modules.append(key)
        for key in r.missing:
            if key not in m.missing:
                m.missing.append(key)
        m.mismatched += [x for x in r.mismatched if x not in m.mismatched]
        m.errors += r.errors
        m.stalled_requests += r.stalled_requests
        m.samples += r.samples
        m.requests += r.requests
        for k, v in r.error_counts.items():
            m.error_counts[k] = m.error_counts.get(k, 0) + v
    m.checked = len(m.checked_modules)
    statuses = [r.sumdb_status for r in rounds if r.sumdb_status is not None]
    m.sumdb_status = statuses[-1] if statuses else None
    failed = [r for r in rounds if r.error is not None]
    if len(failed) == len(rounds):
        m.error = failed[0].error
    m.elapsed_s = sum(r.elapsed_s for r in rounds)
    m.finished = all(r.finished for r in rounds)
    return m


def run_bench(
    targets: Sequence[Target],
    workload: Workload,
    *,
    catalog: Catalog,
    rounds: int = 3,
    budget: float = 15.0,
    gomodcache: Optional[str] = None,
    on_round: Callable[[int, int], None] | None = None,
    auth: Optional[GoAuth] = None,
) -> BenchResult:
    """N rounds, each probing every mirror concurrently on the whole workload."""
    start = time.monotonic()
    zips, mods = expected_hashes(workload)
    n = len(workload.modules)
    settings = ProbeSettings(
        budget=budget,
        small_requests=7,
        completeness_sample=n,  # every module: completeness is exact here
        zip_sample=max(4, min(n, 24)),
        zip_bytes_cap=48 * 1024 * 1024,
        concurrency=6,
        expected_hashes=zips,
        expected_mod_hashes=mods,
        auth=auth,
    )
    per_mirror: dict[str, list[MirrorProbe]] = {t.url: [] for t in targets}
    for i in range(rounds):
        if on_round is not None:
            on_round(i + 1, rounds)
        run = probe(list(targets), workload.modules, settings)
        for p in run.mirrors:
            per_mirror[p.url].append(p)
    benches = []
    for t in targets:
        rs = per_mirror[t.url]
        benches.append(MirrorBench(t.name, t.url, t.origin, rs, merge_rounds(rs)))
    ranking = rank(
        [b.merged for b in benches],
        workload.modules,
        known_sizes={**settings.size_hints, **known_zip_sizes(workload, gomodcache)},
    )
    return BenchResult(workload, benches, ranking, rounds, budget, time.monotonic() - start)


# --------------------------------------------------------------------------- ground truth


def go_download_time(
    go: str,
    project: Path,
    mirror_url: str,
    *,
    timeout: float,
    environ: Mapping[str, str] | None = None,
) -> GroundTruth:
    """Time the real `go mod download` through one mirror, into empty temporary caches."""
    from goaccel.gotool.process import cold_caches, run_watched

    env = dict(os.environ if environ is None else environ)
    env["GOPROXY"] = mirror_url
    with cold_caches(env):
        run = run_watched(
            [go, "mod", "download"], cwd=project, env=env, timeout=timeout, capture_stdout=False
        )
    if run.timed_out:
        return GroundTruth(None, False, True, f"no result in {timeout:.0f} s (stopped)")
    if run.returncode != 0:
        lines = "\n".join(line for _, line in run.stderr).strip().splitlines()[-3:]
        text = mask_urls_in_text(untrusted(" | ".join(lines), limit=300))
        return GroundTruth(None, False, False, text)
    return GroundTruth(run.elapsed_s, True)


def add_ground_truth(
    result: BenchResult,
    go: str,
    project: Path,
    *,
    timeout: float,
    on_mirror: Callable[[str], None] | None = None,
) -> None:
    """One mirror at a time (never concurrently: they would share this machine's bandwidth)."""
    for b in result.mirrors:
        if b.merged.error is not None:
            b.truth = GroundTruth(None, False, False, "not run: the mirror failed the probe")
            continue
        if on_mirror is not None:
            on_mirror(b.name)
        b.truth = go_download_time(go, project, b.url, timeout=timeout)
    result.go_truth = True


# --------------------------------------------------------------------------- JSON, save, compare


def _r(x: Optional[float], nd: int = 4) -> Optional[float]:
    return None if x is None else round(x, nd)


def mirror_json(b: MirrorBench, ranked: Mapping[str, Any]) -> dict[str, Any]:
    lat = b.small_latencies()
    ttfb = b.ttfbs()
    thr = b.throughputs()
    truth = b.truth
    return {
        "name": untrusted(b.name, limit=100),
        "url": b.display_url,
        "origin": b.origin,
        "rank": ranked.get("rank"),
        "verdict": ranked.get("verdict"),
        "reason": ranked.get("reason"),
        "predicted_s": ranked.get("predicted_s"),
        "latency_ms": {
            "median": _r(statistics.median(lat) * 1000 if lat else None, 2),
            "p95": _r((percentile(lat, 95) or 0) * 1000 if lat else None, 2),
            "samples": len(lat),
        },
        "ttfb_ms": {
            "median": _r(statistics.median(ttfb) * 1000 if ttfb else None, 2),
            "p95": _r((percentile(ttfb, 95) or 0) * 1000 if ttfb else None, 2),
        },
        "throughput_bytes_per_s": {
            "median": _r(statistics.median(thr) if thr else None, 0),
            "per_round": [_r(t, 0) for t in thr],
        },
        "completeness": {
            "served": b.merged.served,
            "needed": b.merged.checked,
            "missing": list(b.merged.missing),
        },
        "integrity": {
            "checked_zips": b.merged.zips_complete + len(b.merged.mismatched),
            "mismatched": list(b.merged.mismatched),
        },
        "errors": b.error_counts(),
        "error": None
        if b.merged.error is None
        else {"kind": b.merged.error.kind, "detail": b.merged.error.detail},
        "rounds": len(b.rounds),
        "ground_truth": None
        if truth is None
        else {
            "seconds": _r(truth.seconds, 3),
            "ok": truth.ok,
            "timed_out": truth.timed_out,
            "error": truth.error,
        },
    }


def bench_json(result: BenchResult) -> dict[str, Any]:
    from goaccel.measure.serialize import ranked_json

    ranked = {e.probe.url: ranked_json(e) for e in result.ranking.entries}
    best = result.ranking.best
    usable = result.ranking.usable
    w = result.workload
    return {
        "bench_schema": BENCH_SCHEMA,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "workload": {
            "source": w.source,
            "root": str(w.root) if w.root else None,
            "modules": w.module_count,
            "zip_modules": w.zip_count,
            "workload_bytes": result.ranking.workload_bytes,
        },
        "rounds": result.rounds,
        "budget_s": result.budget,
        "elapsed_s": round(result.elapsed_s, 3),
        "go_ground_truth": result.go_truth,
        "mirrors": [
            mirror_json(result.by_url()[e.probe.url], ranked[e.probe.url])
            for e in result.ranking.entries
        ],
        "winner": None
        if best is None
        else {"name": best.probe.name, "url": best.probe.display_url},
        "explanation": result.ranking.explanation,
        "setup_command": setup_command([e.probe.url for e in usable[:2]]),
    }


def setup_command(urls: Sequence[str]) -> Optional[str]:
    """The `goaccel setup` that applies this result (credentials masked)."""
    if not urls:
        return None
    return "goaccel setup --no-builtin " + " ".join(f"--mirror {mask_url(u)}" for u in urls)


def load_saved(path: Path) -> dict[str, Any]:
    import json

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ConfigFileError(f"{path} is not a goaccel bench JSON file: {exc}") from None
    if not isinstance(doc, dict) or doc.get("bench_schema") != BENCH_SCHEMA or "mirrors" not in doc:
        raise ConfigFileError(
            f"{path} is not a goaccel bench result (schema {BENCH_SCHEMA})",
            hint="make one with `goaccel bench --save FILE`",
        )
    return doc


@dataclass
class Delta:
    url: str
    name: str
    before_s: Optional[float]
    after_s: Optional[float]
    change: Optional[float]  # after / before - 1
    rank_before: Optional[int]
    rank_after: Optional[int]
    status: str  # compared | new | gone


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Delta]:
    """Per mirror (by URL): predicted time before and now, and the ranks."""
    before = {m["url"]: m for m in old.get("mirrors", []) if isinstance(m, dict)}
    now_urls = {m["url"] for m in new["mirrors"]}
    out = []
    for m in new["mirrors"]:
        b = before.get(m["url"])
        bs = b.get("predicted_s") if b else None
        a = m.get("predicted_s")
        change = (a / bs - 1) if (a is not None and bs) else None
        rank_before = b.get("rank") if b else None
        status = "compared" if b else "new"
        out.append(Delta(m["url"], m["name"], bs, a, change, rank_before, m.get("rank"), status))
    for url, b in before.items():
        if url not in now_urls:
            name = str(b.get("name", url))
            out.append(
                Delta(url, name, b.get("predicted_s"), None, None, b.get("rank"), None, "gone")
            )
    return out


__all__ = [
    "BenchResult",
    "Delta",
    "GroundTruth",
    "MirrorBench",
    "add_ground_truth",
    "bench_json",
    "compare",
    "load_saved",
    "run_bench",
]
