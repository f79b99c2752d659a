"""Ranking by predicted time for the workload: the traps a ping-based ranking falls into.

Probes are made by hand with exact numbers, so every prediction can be checked to the
millisecond against the model in goaccel/rank.py:

    connect + ceil(requests / parallelism) * latency + bytes / throughput
            + missing fraction * modules * (latency + MISSING_COST_S)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Optional

import pytest

from goaccel.measure.classify import ProbeError
from goaccel.measure.probe import MirrorProbe
from goaccel.measure.rank import (
    BEST,
    DEFAULT_ZIP_BYTES,
    EMPTY,
    FALLBACK_THROUGHPUT_BPS,
    GOOD,
    MISSING_COST_S,
    SLOWER,
    STALE,
    TAMPERED,
    Ranked,
    Ranking,
    estimate_workload_bytes,
    explain,
    fmt_bytes,
    rank,
)
from goaccel.measure.workload import ModuleRef


def probe(
    name: str,
    *,
    latency: float = 0.05,
    throughput: Optional[float] = 5_000_000,
    connect: float = 0.0,
    checked: int = 40,
    missing: int = 0,
    sumdb: Optional[bool] = None,
    error: Optional[ProbeError] = None,
    mismatched: Sequence[str] = (),
    answered: bool = True,
    zip_sizes: Optional[dict[str, int]] = None,
) -> MirrorProbe:
    p = MirrorProbe(name=name, url=f"https://{name}")
    if answered:
        p.first_request_s = connect + latency
        p.latencies = [latency] * 5
    if throughput:
        p.zip_seconds = 2.0
        p.zip_bytes = int(throughput * 2.0)
    p.checked = checked
    p.missing = [f"example.com/missing{i}@v1.0.0" for i in range(missing)]
    p.sumdb_status = {True: 200, False: 404, None: None}[sumdb]
    p.error = error
    p.mismatched = list(mismatched)
    p.zip_sizes = dict(zip_sizes or {})
    return p


def zips(n: int, prefix: str = "example.com/big") -> list[ModuleRef]:
    return [ModuleRef(f"{prefix}{i}", "v1.0.0") for i in range(n)]


def mods_only(n: int) -> list[ModuleRef]:
    return [ModuleRef(f"example.com/tiny{i}", "v0.1.0", needs_zip=False) for i in range(n)]


def sizes(modules: Sequence[ModuleRef], size: int) -> dict[str, int]:
    return {f"{m.path}@{m.version}": size for m in modules if m.needs_zip}


def by_name(r: Ranking) -> dict[str, Ranked]:
    return {e.probe.name: e for e in r.entries}


# --------------------------------------------------------------------------- the trap

NEAR = {"latency": 0.004, "throughput": 1_000_000}  # answers at once, 1 MB/s
FAR = {"latency": 0.25, "throughput": 50_000_000}  # a quarter second away, 50 MB/s


def test_far_fat_pipe_wins_on_big_zips() -> None:
    work = zips(20)
    r = rank(
        [probe("near", **NEAR), probe("far", **FAR)],
        work,
        known_sizes=sizes(work, 20_000_000),
        parallelism=4,
    )
    assert [e.probe.name for e in r.usable] == ["far", "near"]
    assert (r.modules, r.zip_modules, r.workload_bytes, r.parallelism) == (20, 20, 400_000_000, 4)
    far, near = r.usable
    assert far.estimate is not None and near.estimate is not None
    # round trips: 20 .info one by one + 20 .mod in 5 rounds of 4 + 20 zips in 5 rounds
    assert far.estimate.requests_s == pytest.approx(30 * 0.25)
    assert far.estimate.transfer_s == pytest.approx(400_000_000 / 50_000_000)
    assert far.predicted_s == pytest.approx(15.5)
    assert near.predicted_s == pytest.approx(30 * 0.004 + 400.0)
    assert (far.verdict, far.rank, near.verdict, near.rank) == (BEST, 1, SLOWER, 2)
    assert r.best is far
    assert r.explanation == (
        "far wins: predicted 15.5 s for 20 modules (400.0 MB of zips); runner-up near is "
        "25.8x slower (400.1 s), decided by throughput: 50.0 MB/s against 1.0 MB/s, "
        "although near answers small requests faster."
    )


def test_near_thin_pipe_wins_on_many_tiny_mod_only_modules() -> None:
    work = mods_only(400)
    r = rank([probe("near", **NEAR), probe("far", **FAR)], work, parallelism=4)
    assert [e.probe.name for e in r.usable] == ["near", "far"]
    assert (r.modules, r.zip_modules, r.workload_bytes) == (400, 0, 0)
    near, far = r.usable
    assert near.predicted_s == pytest.approx(100 * 0.004)
    assert far.predicted_s == pytest.approx(100 * 0.25)
    assert near.estimate is not None and near.estimate.transfer_s == 0
    assert r.explanation == (
        "near wins: predicted 400 ms for 400 modules (0 B of zips); runner-up far is "
        "62.5x slower (25.0 s), decided by latency: 4 ms per request against 250 ms."
    )


def test_connect_time_counts_with_latency() -> None:
    work = mods_only(8)
    r = rank(
        [probe("slowtls", latency=0.01, connect=2.0), probe("quick", latency=0.05)],
        work,
        parallelism=8,
    )
    assert [e.probe.name for e in r.usable] == ["quick", "slowtls"]
    slow = r.usable[1]
    assert slow.estimate is not None
    assert slow.estimate.connect_s == pytest.approx(2.0)
    assert slow.predicted_s == pytest.approx(2.0 + 0.01)
    assert "decided by latency" in r.explanation


# --------------------------------------------------------------------------- completeness


def test_stale_fast_mirror_loses_to_complete_slower_one() -> None:
    work = zips(50) + mods_only(50)
    r = rank(
        [
            probe("stale", latency=0.02, throughput=20_000_000, checked=40, missing=20),
            probe("complete", latency=0.06, throughput=5_000_000, checked=40),
        ],
        work,
        known_sizes=sizes(work, 100_000),
        parallelism=4,
    )
    assert [e.probe.name for e in r.usable] == ["complete", "stale"]
    complete, stale = r.usable
    # 50 .info one by one + 100 .mod in 25 rounds of 4 + 50 zips in 13 rounds = 88
    assert complete.predicted_s == pytest.approx(88 * 0.06 + 5_000_000 / 5_000_000)
    assert stale.estimate is not None
    assert stale.estimate.missing_s == pytest.approx(0.5 * 100 * (0.02 + MISSING_COST_S))
    assert (complete.verdict, complete.reason) == (BEST, "")
    assert (stale.verdict, stale.reason) == (STALE, "lacks 20 of 40 modules checked (404/410)")
    assert stale.rank == 2 and stale.usable  # still a usable fallback
    assert "decided by completeness: stale lacks 20 of 40 modules checked." in r.explanation
    assert r.explanation.startswith("complete wins: predicted 6.3 s for 100 modules")


def test_nearly_complete_fastest_mirror_stays_best() -> None:
    work = zips(10)
    r = rank(
        [
            probe("fast", latency=0.01, throughput=50_000_000, checked=40, missing=1),
            probe("slow", latency=0.5, throughput=500_000),
        ],
        work,
        known_sizes=sizes(work, 1_000_000),
        parallelism=4,
    )
    best = r.usable[0]
    assert best.probe.name == "fast"
    assert (best.verdict, best.reason) == (
        BEST,
        "fastest even though it lacks 1 of 40 modules checked",
    )


def test_mirror_serving_nothing_is_unusable() -> None:
    r = rank(
        [probe("empty", latency=0.001, checked=40, missing=40), probe("ok", latency=0.2)],
        zips(5),
        parallelism=4,
    )
    assert [e.probe.name for e in r.usable] == ["ok"]
    empty = by_name(r)["empty"]
    assert (empty.verdict, empty.reason, empty.rank) == (
        EMPTY,
        "serves none of the 40 modules checked",
        None,
    )


# --------------------------------------------------------------------------- unusable


def test_tampered_never_ranked_even_when_fastest() -> None:
    work = zips(5)
    r = rank(
        [
            probe(
                "evil", latency=0.001, throughput=100_000_000, mismatched=["rsc.io/quote@v1.5.2"]
            ),
            probe("honest", latency=0.3, throughput=100_000),
        ],
        work,
        parallelism=4,
    )
    assert [e.probe.name for e in r.usable] == ["honest"]
    evil = r.entries[-1]
    assert evil.probe.name == "evil"
    assert (evil.verdict, evil.rank, evil.estimate, evil.usable) == (TAMPERED, None, None, False)
    assert evil.reason == "served content that differs from go.sum: rsc.io/quote@v1.5.2"
    assert evil.predicted_s is None
    assert r.explanation.endswith("; it is the only usable mirror.")
    assert "evil" not in r.explanation


def test_tampered_throughput_not_used_as_fallback() -> None:
    work = zips(2)
    r = rank(
        [
            probe("evil", throughput=100_000_000, mismatched=["x@v1"]),
            probe("nodata", latency=0.1, throughput=None),
        ],
        work,
        known_sizes=sizes(work, 1_000_000),
        parallelism=4,
    )
    nodata = r.usable[0]
    assert nodata.estimate is not None
    assert nodata.estimate.transfer_s == pytest.approx(2_000_000 / FALLBACK_THROUGHPUT_BPS)


def test_errors_and_timeouts_unranked_in_input_order() -> None:
    r = rank(
        [
            probe("refused", error=ProbeError("refused", "connection refused")),
            probe("ok"),
            probe("silent", answered=False),
            probe("dns", error=ProbeError("dns", "no such host")),
        ],
        zips(3),
        parallelism=4,
    )
    assert [(e.probe.name, e.verdict, e.reason, e.rank) for e in r.entries] == [
        ("ok", BEST, "", 1),
        ("refused", "refused", "connection refused", None),
        ("silent", "timeout", "no answer within the time budget", None),
        ("dns", "dns", "no such host", None),
    ]


def test_error_wins_over_mismatch() -> None:
    r = rank([probe("x", error=ProbeError("reset", "EOF"), mismatched=["m@v1"])], zips(1))
    assert r.entries[0].verdict == "reset"


def test_nothing_usable() -> None:
    r = rank([probe("a", error=ProbeError("refused", "x"))], zips(1), parallelism=2)
    assert r.usable == [] and r.best is None
    assert r.explanation == "no mirror was usable"
    assert explain(Ranking([], 0, 0, 0, 1)) == "no mirror was usable"


# --------------------------------------------------------------------------- verdicts


def test_good_within_25_percent_else_slower() -> None:
    work = mods_only(4)
    r = rank(
        [
            probe("a", latency=0.100),
            probe("b", latency=0.124),  # 24% slower: good
            probe("c", latency=0.126),  # 26% slower
        ],
        work,
        parallelism=4,
    )
    assert [(e.probe.name, e.verdict) for e in r.usable] == [
        ("a", BEST),
        ("b", GOOD),
        ("c", SLOWER),
    ]
    assert [e.rank for e in r.usable] == [1, 2, 3]


def test_ties_broken_by_name() -> None:
    r = rank([probe("zz"), probe("aa"), probe("mm")], zips(2), parallelism=4)
    assert [e.probe.name for e in r.usable] == ["aa", "mm", "zz"]


def test_missing_throughput_uses_median_of_measured() -> None:
    work = zips(4)
    r = rank(
        [
            probe("fast", throughput=8_000_000),
            probe("mid", throughput=4_000_000),
            probe("slow", throughput=2_000_000),
            probe("unknown", throughput=None),
        ],
        work,
        known_sizes=sizes(work, 1_000_000),
        parallelism=4,
    )
    unknown = by_name(r)["unknown"]
    assert unknown.estimate is not None
    # the median of 8, 4 and 2 MB/s: neither the best nor the worst guess
    assert unknown.estimate.transfer_s == pytest.approx(4_000_000 / 4_000_000)
    assert unknown.reason == (
        "no zip arrived within the budget: throughput assumed (median of others)"
    )
    assert by_name(r)["mid"].reason == ""


def test_no_throughput_anywhere_uses_fallback() -> None:
    work = zips(1)
    r = rank([probe("x", throughput=None)], work, known_sizes=sizes(work, 512 * 1024))
    assert r.usable[0].estimate is not None
    assert r.usable[0].estimate.transfer_s == pytest.approx(2.0)


def test_parallelism_rounds_up_and_defaults_to_cpu_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    work = mods_only(5)
    r = rank([probe("x", latency=0.1)], work, parallelism=2)
    assert r.usable[0].estimate is not None
    assert r.usable[0].estimate.requests_s == pytest.approx(math.ceil(5 / 2) * 0.1)
    monkeypatch.setattr("os.cpu_count", lambda: 3)
    assert rank([probe("x")], work).parallelism == 3
    assert rank([probe("x")], work, parallelism=0).parallelism == 3


# --------------------------------------------------------------------------- workload bytes


def test_estimate_workload_bytes_known_probe_and_mean() -> None:
    modules = [
        ModuleRef("a.example/a", "v1.0.0"),
        ModuleRef("a.example/b", "v1.0.0"),
        ModuleRef("a.example/c", "v1.0.0", needs_zip=False),
        ModuleRef("a.example/d", "v1.0.0"),
        ModuleRef("a.example/e", "v2.0.0"),
        ModuleRef("a.example/f", "v1.0.0"),
    ]
    known = {"a.example/a@v1.0.0": 1000, "a.example/c@v1.0.0": 10**9}
    probes = [
        probe("p", zip_sizes={"a.example/a@v1.0.0": 500, "a.example/b@v1.0.0": 3000}),
        probe("q", zip_sizes={"a.example/b@v1.0.0": 2000, "a.example/f@v1.0.0": 11_000}),
        probe("r", zip_sizes={"other@v1": 10**9}),
    ]
    # a: 1000 (known beats the smaller probe size), b: 3000 (largest seen), c: mod only,
    # f: 11000; d and e never seen -> the mean of 1000, 3000, 11000 = 5000 (the median,
    # 3000, would underestimate a skewed total); sizes of other modules do not count
    assert estimate_workload_bytes(modules, probes, known) == 1000 + 3000 + 11000 + 2 * 5000


def test_estimate_workload_bytes_typical_size_is_integer() -> None:
    modules = [ModuleRef(f"m{i}", "v1") for i in range(3)]
    known = {"m0@v1": 1000, "m1@v1": 2001}
    assert estimate_workload_bytes(modules, [], known) == 1000 + 2001 + 1500


def test_estimate_workload_bytes_defaults_without_sizes() -> None:
    modules = zips(3) + mods_only(7)
    assert estimate_workload_bytes(modules, [], {}) == 3 * DEFAULT_ZIP_BYTES
    assert estimate_workload_bytes(mods_only(3), [], {"x@v": 5}) == 0


def test_rank_uses_probe_zip_sizes() -> None:
    work = zips(2)
    p = probe("p", zip_sizes={"example.com/big0@v1.0.0": 7000})
    r = rank([p], work, parallelism=1)
    assert r.workload_bytes == 14_000


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1000, "1.0 KB"),
        (1_500_000, "1.5 MB"),
        (2.5e9, "2.5 GB"),
        (5e12, "5000.0 GB"),
    ],
)
def test_fmt_bytes(n: float, text: str) -> None:
    assert fmt_bytes(n) == text


# --------------------------------------------------------------------------- the toolchain

TC_KEY = "golang.org/toolchain@v0.0.1-go1.99.0.linux-amd64"


def with_toolchain(
    p: MirrorProbe, status: Optional[int], size: Optional[int] = None
) -> MirrorProbe:
    from goaccel.measure.probe import ToolchainCheck

    p.toolchain = ToolchainCheck(TC_KEY, status, size)
    return p


def test_the_toolchain_counts_one_request_its_bytes_and_a_miss_where_it_lacks() -> None:
    """go.mod makes go download a 60 MB toolchain first: every mirror's prediction carries
    its bytes and one more round trip, and a mirror that lacks it (404) pays one miss, is
    incomplete (stale below rank 1) and loses to an otherwise equal one that serves it."""
    work = zips(4)
    has = with_toolchain(probe("has", latency=0.05, throughput=10_000_000), 200, 60_000_000)
    lacks = with_toolchain(probe("lacks", latency=0.05, throughput=10_000_000), 404)
    r = rank([lacks, has], work, known_sizes=sizes(work, 1_000_000), parallelism=4)
    assert [e.probe.name for e in r.usable] == ["has", "lacks"]
    assert (r.workload_bytes, r.toolchain_bytes) == (4_000_000, 60_000_000)
    h, lk = r.usable
    assert h.estimate is not None and lk.estimate is not None
    # 4 .info + 1 round of .mod + 1 round of zips + the toolchain's .zip
    assert h.estimate.requests_s == pytest.approx(7 * 0.05)
    assert h.estimate.transfer_s == pytest.approx(64_000_000 / 10_000_000)
    assert (h.estimate.missing_s, lk.estimate.missing_s) == (
        0,
        pytest.approx(0.05 + MISSING_COST_S),
    )
    assert (h.verdict, lk.verdict) == (BEST, STALE)
    assert lk.reason == "lacks the go1.99.0 toolchain (404/410)"
    assert r.explanation.startswith(
        "has wins: predicted 6.8 s for 4 modules (4.0 MB of zips) and the go1.99.0 toolchain "
        "(60.0 MB); runner-up lacks is 1.5x slower (9.8 s), decided by completeness: lacks "
        "lacks the go1.99.0 toolchain."
    )


def test_a_mirror_lacking_the_toolchain_and_modules_says_both() -> None:
    fast = with_toolchain(probe("fast", latency=0.001, missing=1, checked=4), 410)
    r = rank([fast, with_toolchain(probe("slow", latency=3.0), None)], zips(4), parallelism=4)
    assert r.best is not None and r.best.probe.name == "fast"
    assert r.best.reason == (
        "fastest even though it lacks 1 of 4 modules checked and the go1.99.0 toolchain"
    )


def test_toolchain_size_from_a_mirror_else_the_cache_else_the_default() -> None:
    from goaccel.measure.toolchain import DEFAULT_TOOLCHAIN_BYTES

    work = zips(2)
    told = [with_toolchain(probe("a"), 206, 50_000_000), with_toolchain(probe("b"), 404)]
    assert rank(told, work, known_sizes={TC_KEY: 1}).toolchain_bytes == 50_000_000
    unknown = [with_toolchain(probe("a"), None), with_toolchain(probe("b"), 404)]
    assert rank(unknown, work, known_sizes={TC_KEY: 66_000_000}).toolchain_bytes == 66_000_000
    assert rank(unknown, work).toolchain_bytes == DEFAULT_TOOLCHAIN_BYTES
    # a mirror that did not answer for it is neither complete nor punished
    no_answer = by_name(rank(unknown, work))["a"]
    assert not no_answer.probe.incomplete and no_answer.estimate is not None
    assert no_answer.estimate.missing_s == 0
    # without a toolchain in the workload nothing changes
    assert rank([probe("a")], work).toolchain_bytes == 0
