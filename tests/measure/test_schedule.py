"""The probe's schedule (goaccel.measure.schedule): latency measured before any bulk transfer,
one mirror streaming zips at a time, a ranking that holds when every mirror shares one
downlink, and a measurement that stops once the answer is known."""

from __future__ import annotations

import time
from collections.abc import Sequence

from helpers import mirror_args, run_args, setup_json
from mirrorsim import MirrorSim, Profile, RequestRecord, SharedLink, make_universe, write_project

from goaccel.measure.probe import MirrorProbe, ProbeSettings, Target
from goaccel.measure.rank import Ranking, rank
from goaccel.measure.runner import probe
from goaccel.measure.workload import ModuleRef

MODS = make_universe(12, sizes=[60_000, 90_000, 120_000])
REFS = [ModuleRef(m.path, m.version) for m in MODS]


def measure(
    *sims: MirrorSim, budget: float = 4.0, **kw: object
) -> tuple[dict[str, MirrorProbe], Ranking]:
    targets = [Target(s.name, s.url) for s in sims]
    run = probe(targets, REFS, ProbeSettings(budget=budget, **kw))  # type: ignore[arg-type]
    return {p.name: p for p in run.mirrors}, rank(run.mirrors, REFS, parallelism=2)


def zips(sim: MirrorSim) -> list[RequestRecord]:
    """The zip downloads (not the 1-byte ranged GETs that learn sizes: 206)."""
    return [r for r in sim.requests if r.kind == "zip" and r.status != 206]


def test_no_zip_is_asked_before_every_mirror_has_measured_its_latency() -> None:
    # The slow mirror's five small requests take 5 x 150 ms. Measured together, the fast
    # mirror's zips would share the link with them and lengthen them.
    fast = MirrorSim(MODS, Profile(), name="fast")
    slow = MirrorSim(MODS, Profile(latency=0.15), name="slow")
    with fast, slow:
        measure(fast, slow)
        small = [r for r in slow.requests if r.kind in ("list", "info", "mod")][:5]
        first_zip = min(r.timestamp for r in zips(fast) + zips(slow))
    assert len(small) == 5
    assert first_zip >= small[-1].timestamp, "a zip was asked while latency was measured"


def test_one_mirror_at_a_time_streams_zips() -> None:
    a = MirrorSim(MODS, Profile(bandwidth=400_000), name="a")
    b = MirrorSim(MODS, Profile(bandwidth=400_000), name="b")
    with a, b:
        got, _ = measure(a, b)
        za, zb = zips(a), zips(b)
    assert za and zb
    first, second = (za, zb) if za[0].timestamp < zb[0].timestamp else (zb, za)
    assert max(r.timestamp for r in first) < second[0].timestamp, "zip turns overlapped"
    # Alone on its link, each one measures its own rate, not half of it.
    for p in got.values():
        assert 320_000 <= (p.throughput_bps or 0) <= 460_000, (p.name, p.throughput_bps)


def test_the_ranking_holds_when_all_mirrors_share_one_downlink() -> None:
    # One 1 MB/s link. "wide" has no cap of its own (alone it gets the whole link) but a
    # higher latency; "narrow" is capped at 500 KB/s. Measured at the same time, both get
    # about 500 KB/s and narrow's lower latency wins; go, alone on the link, is faster
    # through wide: 2.4 MB of zips take 2.4 s rather than 4.8 s.
    mods = make_universe(12, sizes=[150_000, 200_000, 250_000])
    link = SharedLink(1_000_000)
    wide = MirrorSim(mods, Profile(latency=0.02), name="wide", link=link)
    narrow = MirrorSim(mods, Profile(latency=0.002, bandwidth=500_000), name="narrow", link=link)
    with wide, narrow:
        targets = [Target(s.name, s.url) for s in (wide, narrow)]
        refs = [ModuleRef(m.path, m.version) for m in mods]
        run = probe(targets, refs, ProbeSettings(budget=6.0))
        got = {p.name: p for p in run.mirrors}
        ranking = rank(run.mirrors, refs, known_sizes=run.size_hints, parallelism=2)
    assert ranking.best is not None and ranking.best.probe.name == "wide", ranking.explanation
    assert (got["wide"].throughput_bps or 0) >= 800_000
    assert (got["narrow"].throughput_bps or 0) <= 600_000


def test_stopping_early_keeps_the_winner_and_says_why_each_pending_mirror_was_let_go() -> None:
    good = MirrorSim(MODS, Profile(latency=0.005), name="good")
    second = MirrorSim(MODS, Profile(latency=0.01), name="second")
    silent = MirrorSim(MODS, Profile(stall=True), name="silent")
    far = MirrorSim(MODS, Profile(latency=0.3), name="far")
    with good, second, silent, far:
        t0 = time.monotonic()
        got, ranking = measure(good, second, silent, far, budget=8.0, positions=2)
        took = time.monotonic() - t0
        full, full_ranking = measure(good, second, silent, far, budget=8.0)
    assert ranking.best is not None and ranking.best.probe.name == "good"
    assert full_ranking.best is not None and full_ranking.best.probe.name == "good"
    assert [e.probe.name for e in ranking.usable] == ["good", "second"]
    assert took < 5.0, f"waited {took:.1f} s of an 8 s budget for mirrors that cannot win"
    for name in ("silent", "far"):
        entry = next(e for e in ranking.entries if e.probe.name == name)
        assert entry.verdict == "let-go", (name, entry.verdict, entry.reason)
        assert entry.reason.startswith("let go after ")
        assert "needs at least" in entry.reason
    assert "(no answer)" in got["silent"].let_go  # type: ignore[operator]
    # Without positions (doctor, bench) every mirror is measured to its end.
    assert full["silent"].let_go is None and full["silent"].error is not None


def test_a_pending_mirror_that_could_still_win_is_waited_for() -> None:
    # Two mirrors are done quickly but the third, slower to answer, could still be better
    # for a big workload: a lower bound below the chosen ones' time keeps the probe waiting.
    mods: Sequence[ModuleRef] = REFS
    a = MirrorSim(MODS, Profile(latency=0.002, bandwidth=150_000), name="a")
    b = MirrorSim(MODS, Profile(latency=0.002, bandwidth=150_000), name="b")
    late = MirrorSim(MODS, Profile(latency=0.12), name="late")
    with a, b, late:
        targets = [Target(s.name, s.url) for s in (a, b, late)]
        run = probe(targets, mods, ProbeSettings(budget=8.0, positions=2))
    got = {p.name: p for p in run.mirrors}
    assert got["late"].let_go is None and got["late"].throughput_bps
    ranking = rank(run.mirrors, mods, parallelism=2)
    assert ranking.best is not None and ranking.best.probe.name == "late"


def test_setup_lets_stalled_mirrors_go_and_says_so(tmp_path) -> None:  # type: ignore[no-untyped-def]
    project = write_project(tmp_path / "proj", MODS)
    good = MirrorSim(MODS, Profile(latency=0.005))
    second = MirrorSim(MODS, Profile(latency=0.01))
    stalled = MirrorSim(MODS, Profile(stall=True))
    with good, second, stalled:
        proc, doc = setup_json(
            *mirror_args(stalled, good, second), *run_args(project, 20), "--dry-run"
        )
    assert proc.returncode == 0, proc.stderr
    m = {e["url"]: e for e in doc["mirrors"]}
    assert m[good.url]["rank"] == 1
    assert m[stalled.url]["verdict"] == "let-go"
    assert m[stalled.url]["reason"].startswith("let go after ")
    # goaccel's own clock: the stalled mirror was let go long before the 20 s budget.
    assert m[stalled.url]["elapsed_ms"] < 10_000
    assert doc["chosen"]["settings"]["GOPROXY"] == f"{good.url}|{second.url},direct"


def test_a_mirror_that_sends_no_zip_is_called_stalled_early_and_holds_nobody_up() -> None:
    # zipstall answers every small request at once, so it is the first to finish its latency
    # phase (it learns the zip sizes for all), and then never answers a zip. It cannot be
    # let go on its lower bound (it is fast), but at the stall threshold (0.4 x 8 s) it is
    # what the deadline would call it: stalled. The healthy mirrors never wait for it.
    zipstall = MirrorSim(MODS, Profile(stall=True, apply_to="zip"), name="zipstall")
    a = MirrorSim(MODS, Profile(latency=0.01), name="a")
    b = MirrorSim(MODS, Profile(latency=0.02), name="b")
    with zipstall, a, b:
        t0 = time.monotonic()
        got, ranking = measure(zipstall, a, b, budget=8.0, positions=2)
        took = time.monotonic() - t0
    assert got["zipstall"].error is not None and got["zipstall"].error.kind == "stalled"
    assert [e.probe.name for e in ranking.usable] == ["a", "b"]
    assert got["a"].finished and got["a"].elapsed_s < 4.5, got["a"].elapsed_s
    assert took < 6.0, f"waited {took:.1f} s of an 8 s budget"
