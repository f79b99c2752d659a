"""From a live `go mod tidy -x` run to findings and a timing summary.

explain.py turns go's error messages into findings; this module adds what only the run's
shape tells: a stall (the watchdog fired; the requests that never finished, or silence
after a body started), where the time went, fallbacks to direct, and an untidy go.mod.
"""

from __future__ import annotations

from goaccel.doctor import explain
from goaccel.doctor.checks import Context
from goaccel.doctor.model import OK, PROBLEM, WARNING, Finding, Timing
from goaccel.doctor.tidy_run import LiveResult
from goaccel.doctor.xlog import XLog, host_of
from goaccel.textsafe import mask_urls_in_text, untrusted

SLOW_TOTAL_S = 20.0  # below this a run is not "slow", whatever the split
DOMINANT_SHARE = 0.6


def _show(text: str, limit: int = 300) -> str:
    return mask_urls_in_text(untrusted(text, limit=limit))


def _error_context(ctx: Context) -> explain.ErrorContext:
    g = ctx.goenv
    return explain.ErrorContext.from_go_env(
        {
            "GOPROXY": g.value("GOPROXY"),
            "GOSUMDB": g.value("GOSUMDB"),
            "GOPRIVATE": g.value("GOPRIVATE"),
            "GOFLAGS": g.value("GOFLAGS"),
            "GOVERSION": g.go_version or "",
        }
    )


def live_findings(result: LiveResult, ctx: Context) -> tuple[list[Finding], Timing]:
    log = XLog()
    for t, line in result.lines:
        log.feed(line, t)
    end = result.started + result.elapsed_s
    if not result.timed_out:
        log.close(end)  # requests go left open when it failed are not stalls
    econtext = _error_context(ctx)
    timing = log.timing(econtext.proxy_hosts, econtext.sumdb_hosts, result.elapsed_s, now=end)
    findings: list[Finding] = []
    shown_cmd = " ".join(result.command)

    if result.timed_out:
        findings.append(_stall_finding(result, log, timing, ctx))
    findings += explain.findings_from_output(log.message_lines, econtext)

    untidy = result.stdout.startswith(("---", "diff")) and result.returncode in (0, 1)
    if not result.timed_out and result.returncode == 0 and not untidy:
        findings.append(
            Finding("tidy-ok", OK, f"`{shown_cmd}` succeeded in {result.elapsed_s:.1f} s")
        )
    elif not result.timed_out and untidy:
        if not any(f.status == PROBLEM for f in findings):
            findings.append(
                Finding(
                    "tidy-not-tidy",
                    WARNING,
                    "go.mod/go.sum are not tidy: `go mod tidy` would change them",
                    seen=f"`{shown_cmd}` printed a diff (nothing was changed)",
                    why="a build in CI with -mod=readonly fails on a go.mod that is not tidy",
                    fix=f"cd {ctx.root} && go mod tidy",
                    details=[_show(x, 200) for x in result.stdout.splitlines()[:12]],
                )
            )
    elif not result.timed_out and not any(f.status == PROBLEM for f in findings):
        tail = [_show(x, 200) for x in log.message_lines[-6:]]
        findings.append(
            Finding(
                "tidy-failed",
                PROBLEM,
                f"`{shown_cmd}` failed (exit {result.returncode})",
                seen=tail[-1] if tail else "",
                why="goaccel does not recognise this error; the lines above it are in details",
                fix="goaccel doctor -v   # shows every line go printed",
                details=tail,
            )
        )
    if not result.timed_out:  # a hang is already the finding; its host would repeat it
        findings += _slow_host_findings(timing, ctx)
    findings += _fallback_findings(log)
    return findings, timing


def _stall_finding(result: LiveResult, log: XLog, timing: Timing, ctx: Context) -> Finding:
    shown_cmd = " ".join(result.command)
    unfinished = timing.unfinished
    if unfinished:
        first = unfinished[0]
        proxy = first.host in _error_context(ctx).proxy_hosts
        return Finding(
            "tidy-stalled",
            PROBLEM,
            f"`{shown_cmd}` hung: a request to {first.host} never finished",
            seen=f"{first.url} was sent {first.seconds or 0:.1f} s before the watchdog stopped go "
            f"at {result.elapsed_s:.0f} s",
            why="go has no response timeout: a server that accepts a request and never answers "
            "hangs go forever, and GOPROXY fallbacks do not help because go never sees an error",
            fix=(
                "goaccel setup   # picks a mirror that answers, with '|' fallbacks"
                if proxy
                else f"check the network path to {first.host} (firewall, proxy), then run "
                "goaccel doctor again"
            ),
            details=[f"never finished: {r.url}" for r in unfinished[:5]],
        )
    silent = result.started + result.elapsed_s - (log.last_t or result.started)
    last = log.requests[-1] if log.requests else None
    return Finding(
        "tidy-stalled",
        PROBLEM,
        f"`{shown_cmd}` hung for {silent:.0f} s with no output",
        seen=(
            f"the last request, {last.url}, had started answering (a body that stopped "
            "arriving shows as finished in go's log)"
            if last is not None
            else "go printed nothing before the watchdog stopped it"
        ),
        why="a download that stops mid-body hangs go forever; go has no response timeout",
        fix="goaccel setup   # picks a mirror that does not stall",
        details=[f"last line from go: {_show(log.message_lines[-1] if log.message_lines else '')}"],
    )


def _slow_host_findings(timing: Timing, ctx: Context) -> list[Finding]:
    if timing.total_s < SLOW_TOTAL_S or not timing.hosts:
        return []
    top = timing.hosts[0]
    if top.share < DOMINANT_SHARE:
        return []
    fix = {
        "proxy": "goaccel setup   # measures mirrors from here and picks the fastest",
        "sumdb": "goaccel setup   # picks a mirror that proxies the checksum database",
        "vcs": "goaccel setup --private 'PATTERN'   # if these are private modules; else a "
        "mirror that has them saves the VCS clones",
        "toolchain": "install the go version go.mod asks for, or cache the module cache in CI",
    }.get(top.role, "goaccel setup")
    n = f"{top.requests} request{'s' if top.requests != 1 else ''}"
    return [
        Finding(
            "slow-host",
            WARNING,
            f"`go mod tidy` took {timing.total_s:.0f} s, and {top.share * 100:.0f}% of its "
            f"request time went to {top.host} ({top.role})",
            seen=f"{n}, {top.seconds:.1f} s summed (requests overlap, and go logs a request "
            "when its headers arrive: time spent reading bodies is not in this figure)",
            why="one host dominates a slow run; another mirror may be faster from this network",
            fix=fix,
            details=[f"{r.seconds or 0:.2f} s  {r.url}" for r in timing.slowest[:5]],
        )
    ]


def _fallback_findings(log: XLog) -> list[Finding]:
    if not log.fallbacks:
        return []
    hosts = sorted({f.host for f in log.fallbacks if f.host})
    return [
        Finding(
            "direct-fallback",
            WARNING,
            f"go fetched from version control directly ({', '.join(hosts[:5]) or 'VCS'})",
            seen=f"{len(log.fallbacks)} lookup{'s' if len(log.fallbacks) != 1 else ''} "
            "bypassed the proxy",
            why="direct fetches clone repositories: slow, and they need git and network access "
            "to every host; for public modules a mirror is much faster",
            fix="goaccel setup   # a mirror that serves them; for private ones: "
            "goaccel setup --private 'PATTERN'",
            details=[f"{f.kind}: {_show(f.target, 150)}" for f in log.fallbacks[:5]],
        )
    ]


__all__ = ["host_of", "live_findings"]
