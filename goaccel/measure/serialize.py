"""The JSON shapes of probes and rankings, shared by `setup --json`, `bench --json` and bench's
saved files. Every string that came from outside is sanitized here."""

from __future__ import annotations

from typing import Any, Optional

from goaccel.measure.probe import MirrorProbe, ToolchainCheck
from goaccel.measure.rank import Ranked, Ranking
from goaccel.textsafe import untrusted


def probe_json(p: MirrorProbe) -> dict[str, Any]:
    return {
        "name": untrusted(p.name, limit=100),
        "url": p.display_url,
        "origin": p.origin,
        "latency_ms": None if p.latency_s is None else round(p.latency_s * 1000, 2),
        "connect_ms": None if p.connect_s is None else round(p.connect_s * 1000, 2),
        "throughput_bytes_per_s": None if p.throughput_bps is None else round(p.throughput_bps),
        "zip_bytes": p.zip_bytes,
        "modules_checked": p.checked,
        "modules_missing": list(p.missing),
        "sumdb_supported": p.sumdb_supported,
        "sumdb_status": p.sumdb_status,
        "error": None if p.error is None else {"kind": p.error.kind, "detail": p.error.detail},
        "errors": list(p.errors),
        "mismatched": list(p.mismatched),
        "stalled_requests": list(p.stalled_requests),
        "toolchain": toolchain_json(p.toolchain),
        "requests": p.requests,
        "elapsed_ms": round(p.elapsed_s * 1000, 1),
    }


def toolchain_json(c: Optional[ToolchainCheck]) -> Optional[dict[str, Any]]:
    if c is None:
        return None
    return {"state": c.state, "status": c.status, "bytes": c.size, "error": c.error}


def ranked_json(e: Ranked) -> dict[str, Any]:
    d = probe_json(e.probe)
    d.update(
        {
            "rank": e.rank,
            "verdict": e.verdict,
            "reason": e.reason,
            "predicted_s": None if e.predicted_s is None else round(e.predicted_s, 3),
            "estimate": None
            if e.estimate is None
            else {
                "connect_s": round(e.estimate.connect_s, 4),
                "requests_s": round(e.estimate.requests_s, 4),
                "transfer_s": round(e.estimate.transfer_s, 4),
                "missing_s": round(e.estimate.missing_s, 4),
            },
        }
    )
    return d


def ranking_json(r: Ranking) -> dict[str, Any]:
    return {
        "mirrors": [ranked_json(e) for e in r.entries],
        "model": {
            "modules": r.modules,
            "zip_modules": r.zip_modules,
            "workload_bytes": r.workload_bytes,
            "parallelism": r.parallelism,
            "toolchain_bytes": r.toolchain_bytes,
        },
        "explanation": r.explanation,
    }
