"""The order of a doctor run: read, probe, check, then (unless --no-run) run go and explain."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from goaccel.doctor import checks, live_findings
from goaccel.doctor.model import WARNING, Finding, Report
from goaccel.doctor.tidy_run import live_run


@dataclass
class DoctorOptions:
    directory: Optional[Path] = None
    run: bool = True
    cold: bool = False
    timeout: float = 180.0
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


def run_doctor(
    opts: DoctorOptions,
    cwd: Path,
    *,
    on_stage: Callable[[str], None] = _nothing,
    on_line: Callable[[str], None] = _nothing,
) -> Report:
    on_stage("reading the Go configuration")
    ctx = checks.gather(opts.directory, cwd, probe_budget=opts.probe_budget)
    on_stage(f"probing the configured proxies (at most {opts.probe_budget:g} s)")
    findings = checks.run_static(ctx)
    if not opts.run:
        return Report(findings)
    if ctx.root is None:
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
    if ctx.goenv.go is None:
        return Report(findings)
    what = "with an empty module cache" if opts.cold else "with your module cache"
    on_stage(f"running go mod tidy -x {what} (watchdog {opts.timeout:g} s)")
    result = live_run(
        ctx.goenv.go,
        ctx.root,
        go_version=ctx.goenv.go_version,
        timeout=opts.timeout,
        cold=opts.cold,
        on_line=on_line,
    )
    from_run, timing = live_findings.live_findings(result, ctx)
    findings += dedupe_live(findings, from_run)
    return Report(findings, timing, result.command)
