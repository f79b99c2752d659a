"""The order of a doctor run: read the configuration; then (unless --no-run) start go and,
while it runs, probe and check; then explain what go did. Findings come in one order
whatever finished first: the static ones, then those of the live run."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Generic, Optional, TypeVar

from goaccel.doctor.model import WARNING, Finding, Report
from goaccel.doctor.tidy_run import LiveResult, live_run
from goaccel.gotool import env as goenv_mod
from goaccel.gotool.env import GoEnv
from goaccel.measure.workload import Workload, resolve_workload

# The checks (checks.py, live_findings.py and the probe under them) are imported only once
# go runs: loading them takes longer than starting go.

_T = TypeVar("_T")


@dataclass
class DoctorOptions:
    directory: Optional[Path] = None
    run: bool = True
    cold: bool = False
    go_timeout: float = 180.0
    probe_budget: float = 4.0


# A live finding that tells the same cause as a static one (left) is not repeated.
SAME_CAUSE: dict[str, tuple[str, ...]] = {
    "proxy-http-error": ("proxy-http",),
    "proxy-insecure-credentials": ("goproxy-http-credentials",),
    "module-not-found": ("private-not-in-goprivate",),
    "inconsistent-vendoring": ("vendor-inconsistent",),
    "goproxy-invalid": ("goproxy-invalid",),
    "goproxy-off": ("goproxy-off",),
    "toolchain-download-failed": ("toolchain-too-new", "toolchain-path", "toolchain-invalid-line"),
}


def dedupe_live(static: list[Finding], live: list[Finding]) -> list[Finding]:
    """The same cause seen statically and in go's output is reported once, statically.

    A failure goaccel cannot name (tidy-failed) is dropped when a static problem already
    explains why go fails; its lines are kept in that problem's details."""
    problems = [f for f in static if f.status != "ok"]
    known = {f.id for f in problems}
    out = []
    for f in live:
        if f.id in known or known.intersection(SAME_CAUSE.get(f.id, ())):
            continue
        if f.id == "tidy-failed" and any(p.status == "problem" for p in problems):
            first = next(p for p in problems if p.status == "problem")
            first.details += [f"go mod tidy: {line}" for line in f.details[-3:]]
            continue
        out.append(f)
    return out


def _nothing(_: str) -> None:
    return None


#: How long Ctrl-C (or a failed check) waits for the live run to stop go and clean up.
CANCEL_WAIT_S = 8.0


class _Background(Generic[_T]):
    """fn(stop) on a thread of its own. result() waits for it (Ctrl-C still reaches the
    waiting thread) and re-raises what it raised; cancel() sets `stop` and waits for fn to
    clean up (run_watched kills go when `stop` is set)."""

    def __init__(self, fn: Callable[[threading.Event], _T]):
        self.stop = threading.Event()
        self._value: Optional[_T] = None
        self._error: Optional[BaseException] = None

        def run() -> None:
            try:
                self._value = fn(self.stop)
            except BaseException as exc:  # handed to the waiting thread by result()
                self._error = exc

        # daemon: a second Ctrl-C while cancel() waits must still end goaccel
        self._thread = threading.Thread(target=run, name="goaccel-live-run", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def result(self) -> _T:
        while self._thread.is_alive():
            self._thread.join(timeout=0.2)  # a bounded join: Ctrl-C gets through everywhere
        if self._error is not None:
            raise self._error
        assert self._value is not None
        return self._value

    def cancel(self) -> None:
        self.stop.set()
        # Bounded: go is killed at once and its caches removed in well under a second; if
        # that ever hangs, Ctrl-C must still end goaccel (the thread is a daemon).
        self._thread.join(timeout=CANCEL_WAIT_S)


def read_configuration(project: Optional[Path], cwd: Path) -> tuple[GoEnv, Workload]:
    """`go env` and the module: what the live run needs to start, and what the checks read."""
    # read_goenv runs go with GOTOOLCHAIN=local, so an invalid GOTOOLCHAIN of the user's
    # cannot stop it; the toolchain check reports the user's value.
    genv = goenv_mod.read_goenv(goenv_mod.find_go())
    return genv, resolve_workload(project, cwd)


def run_doctor(
    opts: DoctorOptions,
    cwd: Path,
    *,
    on_stage: Callable[[str], None] = _nothing,
    on_line: Callable[[str], None] = _nothing,
) -> Report:
    on_stage("reading the Go configuration")
    genv, workload = read_configuration(opts.directory, cwd)
    probing = f"probing the configured proxies (at most {opts.probe_budget:g} s)"
    go, root = genv.go, workload.root
    if not opts.run or root is None or go is None:
        from goaccel.doctor import checks

        on_stage(probing)
        findings = checks.run_static(checks.gather(genv, workload, probe_budget=opts.probe_budget))
        if opts.run and root is None:
            findings.append(
                Finding(
                    "no-module",
                    WARNING,
                    "no Go module here: the live `go mod tidy` run was skipped",
                    seen=f"no go.mod in {cwd} or above",
                    fix="goaccel doctor path/to/your/module",
                )
            )
        return Report(findings)
    # go needs nothing the checks find out, so it starts now: the checks (the probe above
    # all) run while it works, and competing with it for the network is accepted.
    what = "with an empty module cache" if opts.cold else "with your module cache"
    on_stage(f"running go mod tidy -x {what} (watchdog {opts.go_timeout:g} s)")

    def run_go(stop: threading.Event) -> LiveResult:
        return live_run(
            go,
            root,
            go_version=genv.go_version,
            timeout=opts.go_timeout,
            cold=opts.cold,
            on_line=on_line,
            stop=stop,
        )

    live = _Background(run_go)
    try:
        from goaccel.doctor import checks, live_findings

        on_stage(f"{probing}, while go runs")
        ctx = checks.gather(genv, workload, probe_budget=opts.probe_budget)
        findings = checks.run_static(ctx)
        if live.running:
            on_stage("static checks done; waiting for go mod tidy")
        result = live.result()
    except BaseException:  # Ctrl-C or a failed check: go is stopped, its caches removed
        live.cancel()
        raise
    from_run, timing = live_findings.live_findings(result, ctx)
    findings += dedupe_live(findings, from_run)
    return Report(findings, timing, result.command)
