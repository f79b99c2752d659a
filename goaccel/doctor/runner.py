"""The order of a doctor run: read, probe, check, then (unless --no-run) run go and explain."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from goaccel.doctor import checks, live
from goaccel.doctor.model import WARNING, Finding, Report
from goaccel.doctor.run import live_run


@dataclass
class DoctorOptions:
    directory: Optional[Path] = None
    run: bool = True
    cold: bool = False
    timeout: float = 180.0
    probe_budget: float = 4.0


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
    live_findings, timing = live.live_findings(result, ctx)
    # The same cause seen statically and in go's output is reported once, statically.
    known = {f.id for f in findings if f.status != "ok"}
    findings += [f for f in live_findings if f.id not in known]
    return Report(findings, timing, result.command)
