"""doctor's reading of `go ... -x`: the real go against loopback mirrors, then synthetic edges.

Every scenario runs the real toolchain (go mod download/tidy -x) against a MirrorSim and feeds
its stderr line by line, as doctor does while go runs, into XLog; messages.py and explain.py
then read the same lines. GOPROXY only ever names simulators (never `direct`), the checksum
database is off or an explicit loopback URL, and each go run has a time limit.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pytest
from mirrorsim import MirrorSim, Profile, go_env, goproxy, make_universe, refused_url, write_project

from goaccel.doctor.explain import (
    FINDING_IDS,
    ErrorContext,
    findings_from_output,
    matches_patterns,
    private_pattern,
)
from goaccel.doctor.messages import group_messages
from goaccel.doctor.model import PROBLEM, WARNING, Finding
from goaccel.doctor.xlog import (
    ABANDONED,
    MAX_MESSAGES,
    XLog,
    host_in,
    host_of,
    is_x_line,
    request_role,
)

DATA = Path(__file__).parent.parent / "data" / "xlog"
MODS = make_universe(3)  # the project fixture's (conftest.py): mod00, mod01, BigMod: small zips
SUMDB_KEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
# Never a command in a fix: these switch verification off.
WEAKENING = ("GOSUMDB=off", "GONOSUMDB=*", "GOINSECURE", "GOFLAGS=-insecure", "GONOSUMCHECK")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass
class GoRun:
    xlog: XLog
    lines: list[str] = field(default_factory=list)
    returncode: Optional[int] = None
    killed: bool = False
    elapsed: float = 0.0


def run_x(
    *args: str, cwd: Path, env: Mapping[str, str], kill_after: Optional[float] = None
) -> GoRun:
    """Run go, feeding each stderr line to an XLog as it arrives; kill go after `kill_after`
    seconds (a watchdog, as doctor's runner has) or fail the test after 60 s."""
    run = GoRun(XLog())
    start = time.monotonic()
    proc = subprocess.Popen(
        ["go", *args],
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            run.xlog.feed(line, time.monotonic())
            run.lines.append(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        proc.wait(timeout=kill_after if kill_after is not None else 60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
        if kill_after is None:
            raise
        run.killed = True
    finally:
        if proc.poll() is None:  # pragma: no cover - only when wait itself failed
            proc.kill()
            proc.wait(timeout=10)
    reader.join(timeout=10)
    if not run.killed:
        run.xlog.close(time.monotonic())
    run.returncode = None if run.killed else proc.returncode
    run.elapsed = time.monotonic() - start
    return run


def ctx_for(env: Mapping[str, str], **extra: str) -> ErrorContext:
    return ErrorContext.from_go_env({**env, **extra})


def check_findings(findings: Sequence[Finding]) -> None:
    """What every finding must satisfy, whatever the scenario."""
    for f in findings:
        assert f.id in FINDING_IDS, f.id
        assert f.status in (PROBLEM, WARNING)
        assert f.title and f.seen and f.why, f
        for text in (f.title, f.seen, f.why, f.fix, *f.details):
            assert not _CONTROL.search(text), (f.id, text)
            assert "\n" not in text or text is f.fix
        for line in f.fix.splitlines():
            command = line.split("#", 1)[0]
            for bad in WEAKENING:
                assert bad not in command, (f.id, line)


def by_id(findings: Sequence[Finding]) -> dict[str, Finding]:
    out: dict[str, Finding] = {}
    for f in findings:
        assert f.id not in out, f"duplicate {f.id}: {f}"
        out[f.id] = f
    return out


def path_of(url: str) -> str:
    return re.sub(r"^[a-z]+://[^/]+", "", url)


# ============================================================================ real go runs


def test_healthy_download_every_request_parsed_and_attributed(project: Path) -> None:
    with MirrorSim(MODS) as sim:
        env = go_env(sim.url)
        run = run_x("mod", "download", "-x", cwd=project, env=env)
        served = sorted(r.path for r in sim.requests)
    assert run.returncode == 0, run.lines
    x = run.xlog
    # One parsed request per request the mirror saw, all finished with go's own duration.
    assert sorted(path_of(r.url) for r in x.requests) == served
    assert len(x.requests) == 3 * len(MODS)  # .mod, .info, .zip each
    assert all(r.finished and r.status == "200 OK" and r.code == 200 for r in x.requests)
    assert all(r.go_seconds is not None for r in x.requests)
    assert {r.host for r in x.requests} == {sim.host}
    assert x.messages == [] and x.downloads == []  # `go mod download` prints no "downloading"
    assert x.fallbacks == [] and x.vcs == []

    timing = x.timing([sim.host], [], run.elapsed, now=time.monotonic())
    assert [(h.host, h.role, h.requests) for h in timing.hosts] == [(sim.host, "proxy", 9)]
    assert timing.hosts[0].share == 1.0
    assert timing.unfinished == []
    assert len(timing.slowest) == 5
    assert findings_from_output(run.lines, ctx_for(env)) == []


def test_slow_mirror_time_is_charged_to_it_and_downloads_are_listed(project: Path) -> None:
    with MirrorSim(MODS, Profile(latency=0.2)) as sim:
        env = go_env(sim.url)
        run = run_x("mod", "tidy", "-x", cwd=project, env=env)
    assert run.returncode == 0, run.lines
    x = run.xlog
    assert {(d.module, d.version) for d in x.downloads} == {(m.path, m.version) for m in MODS}
    assert not any(d.toolchain for d in x.downloads)
    # go's own measure includes the mirror's 0.2 s before the headers.
    assert x.requests and all((r.go_seconds or 0) >= 0.19 for r in x.requests)
    timing = x.timing([sim.url], [], run.elapsed)  # a proxy given as its URL matches too
    (host,) = timing.hosts
    assert host.role == "proxy" and host.requests == len(x.requests)
    assert host.seconds >= 0.19 * len(x.requests)
    assert all((r.seconds or 0) >= 0.19 for r in timing.slowest)
    assert timing.slowest == sorted(timing.slowest, key=lambda r: -(r.seconds or 0))
    # "go: downloading" lines are go's messages, not failures.
    assert findings_from_output(x.message_lines, ctx_for(env)) == []


def test_refused_mirror(project: Path) -> None:
    dead = refused_url()
    env = go_env(dead)
    run = run_x("mod", "download", "-x", cwd=project, env=env)
    assert run.returncode == 1
    x = run.xlog
    ended = [r for r in x.requests if r.finished]
    assert ended and all(r.failed for r in ended)
    assert all("connection refused" in (r.status or "") for r in ended)
    assert all(r.go_seconds is None for r in ended)  # go prints no duration on errors
    findings = findings_from_output(run.lines, ctx_for(env))
    check_findings(findings)
    f = by_id(findings)["proxy-refused"]
    assert len(findings) == 1
    assert host_of(dead) in f.title and "GOPROXY mirror" in f.title
    assert "goaccel setup" in f.fix
    assert "connection refused" in f.seen


def test_trace_errors_of_a_fallback_that_worked_are_not_findings(project: Path) -> None:
    """GOPROXY=dead|good: go logs every refused request, then succeeds on the next mirror."""
    dead = refused_url()
    with MirrorSim(MODS) as sim:
        env = go_env(goproxy(dead, sim, sep="|"))
        run = run_x("mod", "download", "-x", cwd=project, env=env)
    assert run.returncode == 0, run.lines
    ctx = ctx_for(env)
    assert set(ctx.proxy_hosts) == {host_of(dead), sim.host}
    timing = run.xlog.timing(ctx.proxy_hosts, ctx.sumdb_hosts, run.elapsed)
    roles = {h.host: h.role for h in timing.hosts}
    assert roles == {host_of(dead): "proxy", sim.host: "proxy"}
    assert all(r.failed for r in run.xlog.requests if r.host == host_of(dead))
    assert findings_from_output(run.lines, ctx) == []


def test_stall_before_headers_shows_as_unfinished_requests(project: Path) -> None:
    with MirrorSim(MODS, Profile(stall=True)) as sim:
        env = go_env(sim.url)
        run = run_x("mod", "download", "-x", cwd=project, env=env, kill_after=2.0)
        stalled = {r.path for r in sim.requests if r.status == "stalled"}
    assert run.killed
    x = run.xlog
    unfinished = x.unfinished()
    assert unfinished, run.lines
    assert {path_of(r.url) for r in unfinished} == stalled  # exactly what the mirror holds
    assert all(r.status is None and r.end is None for r in unfinished)
    now = time.monotonic()
    timing = x.timing([sim.host], [], run.elapsed, now=now)
    assert len(timing.unfinished) == len(unfinished)
    assert all(r.status is None and (r.seconds or 0) >= 1.5 for r in timing.unfinished)
    assert timing.slowest[0].status is None  # the stall is where the time went
    assert timing.hosts[0].host == sim.host and timing.hosts[0].role == "proxy"
    # Unfinished requests keep counting: a later `now` gives more seconds.
    later = x.timing([sim.host], [], run.elapsed, now=now + 10)
    assert later.hosts[0].seconds == pytest.approx(timing.hosts[0].seconds + 10 * len(stalled))
    # go printed no error (it was killed): there is nothing for messages.py.
    assert x.messages == []
    assert findings_from_output(run.lines, ctx_for(env)) == []


def test_stall_mid_body_looks_finished(project: Path) -> None:
    """go logs `200 OK` when the headers arrive: a zip stalled after 100 bytes is a finished
    request to -x, and only go's silence tells. doctor's watchdog must look at last_t."""
    with MirrorSim(MODS, Profile(stall_after_bytes=100, apply_to="zip")) as sim:
        env = go_env(sim.url)
        run = run_x("mod", "download", "-x", cwd=project, env=env, kill_after=2.0)
        held = {r.path for r in sim.requests if r.status == "stalled"}
    assert run.killed and held
    x = run.xlog
    zips = {path_of(r.url): r for r in x.requests if r.url.endswith(".zip")}
    assert held <= set(zips)
    assert all(zips[p].status == "200 OK" for p in held)
    assert x.unfinished() == []
    assert x.last_t is not None and time.monotonic() - x.last_t >= 1.5


def test_module_missing_from_mirror_404_with_server_response(project: Path) -> None:
    missing = "example.com/sim/mod01"
    with MirrorSim(MODS, Profile(missing=frozenset({missing}))) as sim:
        env = go_env(sim.url)
        run = run_x("mod", "tidy", "-x", cwd=project, env=env)
    assert run.returncode == 1
    failed = [r for r in run.xlog.requests if r.code == 404]
    assert failed and all(missing in r.url for r in failed)
    assert failed[0].status == "404 Not Found"

    findings = findings_from_output(run.xlog.message_lines, ctx_for(env, GOPRIVATE="corp.example"))
    check_findings(findings)
    f = by_id(findings)["module-not-found"]
    assert f"{missing}@v1.0.0" in f.title and sim.host in f.title
    assert "404 Not Found" in f.seen
    assert "server response: not found: example.com/sim/mod01@v1.0.0: no such module" in " ".join(
        f.details
    )
    # The private-module hint keeps what GOPRIVATE already holds (go env -w replaces it).
    assert "go env -w GOPRIVATE='corp.example,example.com'" in f.fix.splitlines()
    assert f"go list -m -versions {missing}" in f.fix


def test_tampered_zip_checksum_mismatch_is_explained_not_weakened(project: Path) -> None:
    with MirrorSim(MODS, Profile(corrupt="tamper")) as sim:
        env = go_env(sim.url)
        run = run_x("mod", "download", "-x", cwd=project, env=env)
    assert run.returncode == 1
    x = run.xlog
    # Every answer was "fine"; go exits at the mismatch, and a request it had in flight then
    # never gets its end line: abandoned, not a stall.
    assert all(r.code == 200 for r in x.requests if r.finished)
    assert x.unfinished() == []
    timing = x.timing([sim.host], [], run.elapsed)
    assert timing.unfinished == []
    assert {r.url for r in timing.slowest if r.status == ABANDONED} <= {
        r.url for r in x.abandoned()
    }
    findings = findings_from_output(run.lines, ctx_for(env))
    check_findings(findings)
    f = by_id(findings)["checksum-mismatch"]
    mod = next(m for m in MODS if f"{m.path}@{m.version}" in f.title)
    assert f"go.sum: {mod.h1_zip}" in f.details  # the hash go.sum holds (the right one)
    downloaded = next(d for d in f.details if d.startswith("downloaded: "))
    assert downloaded != f"downloaded: {mod.h1_zip}"
    assert "SECURITY ERROR" in f.title
    assert "go.sum" in f.why and "tampered" in f.why
    assert f"GOPROXY=https://proxy.golang.org go mod download -json {mod.path}@v1.0.0" in f.fix
    assert "go clean -modcache" in f.fix
    # The SECURITY ERROR block is part of the same message: one finding only.
    assert len(findings) == 1


def test_unknown_goflags(project: Path) -> None:
    with MirrorSim(MODS) as sim:
        env = go_env(sim.url, GOFLAGS="-bogus")
        run = run_x("mod", "tidy", "-x", cwd=project, env=env)
        assert sim.requests == []
    assert run.returncode == 1
    assert run.xlog.requests == []
    assert [m.text for m in run.xlog.messages] == ["go: parsing $GOFLAGS: unknown flag -bogus"]
    findings = findings_from_output(run.lines, ctx_for(env))
    check_findings(findings)
    f = by_id(findings)["goflags-invalid"]
    assert "go env -u GOFLAGS" in f.fix and "unknown flag -bogus" in f.why


def test_goproxy_off_is_one_finding_listing_the_modules(project: Path) -> None:
    env = go_env("off")
    run = run_x("mod", "tidy", "-x", cwd=project, env=env)
    assert run.returncode == 1
    assert run.xlog.requests == []
    findings = findings_from_output(run.lines, ctx_for(env))
    check_findings(findings)
    assert [f.id for f in findings] == ["goproxy-off"]
    assert sorted(findings[0].details) == sorted(m.path for m in MODS)
    assert "go env -u GOPROXY" in findings[0].fix


def test_checksum_database_refused(tmp_path: Path) -> None:
    """An explicit GOSUMDB URL on loopback where nothing listens (no go.sum: go must ask)."""
    proj = write_project(tmp_path / "p", MODS, go_sum=False)
    dead = refused_url()
    with MirrorSim(MODS) as sim:
        env = go_env(sim.url, GOSUMDB=f"{SUMDB_KEY} {dead}")
        run = run_x("mod", "download", "-x", cwd=proj, env=env)
    assert run.returncode == 1
    ctx = ctx_for(env)
    assert ctx.sumdb_name == "sum.golang.org" and ctx.sumdb_hosts == (host_of(dead),)
    timing = run.xlog.timing(ctx.proxy_hosts, ctx.sumdb_hosts, run.elapsed)
    roles = {(h.host, h.role) for h in timing.hosts}
    assert roles == {(sim.host, "proxy"), (host_of(dead), "sumdb")}
    # Also without knowing the sumdb host: /lookup/ on a host that is not the proxy.
    lookups = [r for r in run.xlog.requests if "/lookup/" in r.url]
    assert lookups and all(request_role(r.url, [sim.host], []) == "sumdb" for r in lookups)

    findings = findings_from_output(run.lines, ctx)
    check_findings(findings)
    f = by_id(findings)["sumdb-refused"]
    assert host_of(dead) in f.title and "checksum database" in f.title
    assert "go env -w GOSUMDB=sum.golang.google.cn" in f.fix.splitlines()
    assert "goaccel setup" in f.fix


def test_checksum_database_through_the_mirror_404(tmp_path: Path) -> None:
    """Checksum traffic under the mirror's /sumdb/ prefix (mirrorsim answers lookups 404)."""
    proj = write_project(tmp_path / "p", MODS, go_sum=False)
    with MirrorSim(MODS) as sim:
        env = go_env(sim.url, GOSUMDB=f"{SUMDB_KEY} {sim.url}/sumdb/sum.golang.org")
        run = run_x("mod", "tidy", "-x", cwd=proj, env=env)
    assert run.returncode == 1
    ctx = ctx_for(env)
    timing = run.xlog.timing(ctx.proxy_hosts, [], run.elapsed)  # found by the /sumdb/ path
    roles = {h.role: h.requests for h in timing.hosts if h.host == sim.host}
    assert set(roles) == {"proxy", "sumdb"} and roles["sumdb"] >= 1
    findings = findings_from_output(run.lines, ctx)
    check_findings(findings)
    f = by_id(findings)["sumdb-not-found"]
    assert "reached through the GOPROXY mirror" in f.why
    assert "go env -w GOPRIVATE='example.com'" in f.fix.splitlines()
    # Three modules, one cause and one GOPRIVATE pattern: one finding, the others as details.
    assert sum(d.startswith("also: example.com/sim/") for d in f.details) == 2


def test_connection_reset_on_zips(project: Path) -> None:
    with MirrorSim(MODS, Profile(reset=True, apply_to="zip")) as sim:
        env = go_env(sim.url)
        run = run_x("mod", "download", "-x", cwd=project, env=env)
    assert run.returncode == 1
    zips = [r for r in run.xlog.requests if r.url.endswith(".zip") and r.finished]
    assert zips and all(r.failed and "reset" in (r.status or "") for r in zips)
    findings = findings_from_output(run.lines, ctx_for(env))
    check_findings(findings)
    f = by_id(findings)["proxy-reset"]
    assert sim.host in f.title
    assert sorted(f.details) == sorted(m.path for m in MODS)


def test_toolchain_switch_and_its_failure(project: Path) -> None:
    """GOTOOLCHAIN asks for a go the mirror does not have (GOSUMDB=off: nothing else asked)."""
    with MirrorSim(MODS) as sim:
        env = go_env(sim.url, GOTOOLCHAIN="go1.99.0")
        run = run_x("mod", "tidy", "-x", cwd=project, env=env)
        asked = [r.path for r in sim.requests]
    assert run.returncode == 1
    assert asked and all("golang.org/toolchain" in p for p in asked)
    assert run.xlog.requests == []  # the switch happens before -x is parsed
    (download,) = run.xlog.downloads
    assert download.toolchain and download.version == "go1.99.0"
    assert re.fullmatch(r"\w+/\w+", download.platform)
    findings = findings_from_output(run.lines, ctx_for(env, GOVERSION="go1.27.3"))
    check_findings(findings)
    found = by_id(findings)
    assert found["toolchain-download"].status == WARNING
    assert "go1.27.3" in found["toolchain-download"].why
    assert found["toolchain-download-failed"].status == PROBLEM
    assert "toolchain not available" in found["toolchain-download-failed"].seen


# ======================================================= captured VCS fallbacks (real go output)
# tests/data/xlog/capture_vcs.py recorded these with the real go in a network namespace
# holding only loopback: a mirror lacking the module, GOPROXY=sim,direct, git over HTTP.


def feed_file(name: str) -> XLog:
    x = XLog()
    for i, line in enumerate((DATA / name).read_text().splitlines(keepends=True)):
        x.feed(line, float(i))
    return x


def test_captured_direct_fallback_vcs_commands_and_hosts() -> None:
    x = feed_file("vcs-direct.txt")
    kinds = {(f.kind, f.target, f.host) for f in x.fallbacks}
    assert kinds == {
        ("go-get", "git.corp.example/team/lib", "git.corp.example"),
        ("vcs", "http://git.corp.example/team/lib.git", "git.corp.example"),
    }
    assert len(x.vcs) >= 10
    # `git tag -l` names no URL: the repo comes from the work dir's hash (mkdir -p ... # git3).
    tag = next(c for c in x.vcs if c.command == "git tag -l")
    assert tag.repo == "http://git.corp.example/team/lib.git"
    assert all(c.host == "git.corp.example" and c.finished for c in x.vcs)
    assert all(c.go_seconds is not None for c in x.vcs)
    assert x.message_lines == ["go: downloading git.corp.example/team/lib v1.0.0"]
    proxy = next(r.host for r in x.requests if "/@v/" in r.url)
    timing = x.timing([proxy], [], 5.0, now=100.0)
    roles = {(h.host, h.role) for h in timing.hosts}
    assert roles == {(proxy, "proxy"), ("git.corp.example", "vcs")}
    vcs = next(h for h in timing.hosts if h.role == "vcs")
    assert vcs.requests == len(x.vcs) + 2  # the commands and the two go-get lookups
    assert findings_from_output((DATA / "vcs-direct.txt").read_text().splitlines()) == []


def test_captured_private_repo_without_credentials() -> None:
    text = (DATA / "vcs-terminal-prompts.txt").read_text()
    x = feed_file("vcs-terminal-prompts.txt")
    assert any(c.command.startswith("git ls-remote") for c in x.vcs)
    findings = findings_from_output(x.message_lines, ErrorContext(goprivate=""))
    check_findings(findings)
    assert findings == findings_from_output(text.splitlines())  # -x lines are skipped
    f = by_id(findings)["vcs-auth-required"]
    assert "git.corp.example/team/secret" in f.title
    assert "terminal prompts disabled" in f.seen
    assert f.fix.splitlines()[0] == "go env -w GOPRIVATE='git.corp.example'"
    assert "machine git.corp.example login USER password TOKEN" in f.fix


# ============================================================================ synthetic lines


def test_credentials_are_masked_everywhere() -> None:
    x = XLog()
    x.feed("# get https://alice:xxxxx@goproxy.corp/example.com/a/@v/list\n", 1.0)
    x.feed("# get https://alice:xxxxx@goproxy.corp/example.com/a/@v/list: 200 OK (0.100s)", 1.2)
    x.feed("# get https://ghp_SECRETTOKEN@goproxy.corp/example.com/b/@v/list", 1.3)
    x.feed("cd /m/cache/vcs/x; git ls-remote -q https://oauth2:hunter2@gitlab.com/g/r.git", 1.4)
    x.feed('go: example.com/b@v1: Get "https://bob:hunter2@goproxy.corp/b": EOF', 1.5)
    first, token = x.requests
    assert first.url == "https://alice:***@goproxy.corp/example.com/a/@v/list"
    assert first.finished and first.go_seconds == 0.1  # end line matched its start
    assert token.url == "https://***@goproxy.corp/example.com/b/@v/list"
    assert first.host == token.host == "goproxy.corp"
    (cmd,) = x.vcs
    assert (
        cmd.host == "gitlab.com"
        and "hunter2" not in cmd.command
        and "hunter2" not in (cmd.repo or "")
    )
    timing = x.timing(["goproxy.corp"], [], 1.0, now=2.0)
    everything = repr(x.requests) + repr(x.vcs) + repr(x.messages) + repr(timing)
    assert "hunter2" not in everything and "SECRETTOKEN" not in everything
    findings = findings_from_output(x.message_lines, ErrorContext(proxy_hosts=("goproxy.corp",)))
    assert findings and "hunter2" not in repr(findings)


def test_control_characters_are_stripped() -> None:
    x = XLog()
    x.feed("# get https://p.example/a\x1b[31m\u202e/@v/list", 0.0)
    x.feed("# get https://p.example/a\x1b[31m\u202e/@v/list: 404 Not\x07 Found (0.010s)", 0.5)
    x.feed("go: bad\x1b]0;title\x07 thing\x00 here\r\n", 0.6)
    (req,) = x.requests
    assert req.finished  # start and end were cleaned the same way, so they still pair
    assert not _CONTROL.search(req.url + (req.status or ""))
    assert req.status == "404 Not Found" and req.code == 404
    assert x.message_lines == ["go: bad thing here"]


def test_ipv6_hosts_and_ports() -> None:
    x = XLog()
    x.feed("# get http://[::1]:8080/example.com/a/@v/v1.0.0.info", 0.0)
    x.feed("# get http://[::1]:8080/example.com/a/@v/v1.0.0.info: 200 OK (0.250s)", 0.3)
    x.feed("# get http://127.0.0.1:9001/example.com/a/@v/v1.0.0.zip", 0.3)
    x.feed("# get http://127.0.0.1:9001/example.com/a/@v/v1.0.0.zip: 200 OK (1.500s)", 1.8)
    x.feed("# get http://127.0.0.1:9002/example.com/a/@v/v1.0.0.zip", 0.3)
    v6, a, b = x.requests
    assert v6.host == "[::1]:8080" and a.host == "127.0.0.1:9001" and b.host == "127.0.0.1:9002"
    timing = x.timing(["http://[::1]:8080", "127.0.0.1:9001"], [], 3.0, now=2.3)
    hosts = {h.host: (h.role, h.seconds) for h in timing.hosts}
    assert hosts == {
        "127.0.0.1:9002": ("other", 2.0),  # unfinished: now - start; not a proxy (port differs)
        "127.0.0.1:9001": ("proxy", 1.5),
        "[::1]:8080": ("proxy", 0.25),
    }
    assert timing.hosts[0].host == "127.0.0.1:9002"
    assert sum(h.share for h in timing.hosts) == pytest.approx(1.0, abs=1e-3)
    assert [r.url for r in timing.unfinished] == [b.url]
    assert host_in("goproxy.cn:443", ["https://goproxy.cn"])
    assert host_in("goproxy.cn", ["goproxy.cn:443"])
    assert not host_in("goproxy.cn:8443", ["goproxy.cn:443"])
    assert host_of("https://u:p@[2001:db8::1]:443/x") == "[2001:db8::1]:443"


def test_same_url_twice_pairs_in_order_and_orphan_end_lines() -> None:
    x = XLog()
    url = "https://p.example/example.com/a/@v/list"
    x.feed(f"# get {url}", 0.0)
    x.feed(f"# get {url}", 1.0)
    x.feed(f"# get {url}: 200 OK (0.500s)", 1.5)
    assert [r.finished for r in x.requests] == [True, False]
    x.feed(f"# get {url}: 503 Service Unavailable (0.700s)", 2.0)
    assert [r.status for r in x.requests] == ["200 OK", "503 Service Unavailable"]
    # Printed without a start line: go refused before sending.
    x.feed("# get http://alice:xxxxx@127.0.0.1:9/example.com/a/@v/list: insecure credentials", 3)
    orphan = x.requests[-1]
    assert orphan.finished and orphan.failed and orphan.status == "insecure credentials"
    # An error text with parentheses is not a duration.
    x.feed(f"# get {url}", 4.0)
    x.feed(
        f'# get {url}: Get "{url}": net/http: request canceled '
        "(Client.Timeout exceeded while awaiting headers)",
        9.0,
    )
    last = x.requests[-1]
    assert last.go_seconds is None and last.seconds(100.0) == 5.0
    assert last.status is not None and last.status.endswith("awaiting headers)")


def test_incremental_feed_shows_in_flight_requests() -> None:
    x = XLog()
    x.feed("# get https://p.example/example.com/a/@v/v1.0.0.zip", 10.0)
    mid = x.timing(["p.example"], [], 5.0, now=14.0)
    assert [r.seconds for r in mid.unfinished] == [4.0]
    x.feed("# get https://p.example/example.com/a/@v/v1.0.0.zip: 200 OK (4.500s)", 14.5)
    after = x.timing(["p.example"], [], 5.0, now=99.0)
    assert after.unfinished == [] and after.slowest[0].seconds == 4.5


def test_requests_open_when_go_exits_are_abandoned_not_stalled() -> None:
    x = XLog()
    x.feed("# get https://p.example/example.com/a/@v/v1.0.0.zip", 10.0)
    x.feed("verifying example.com/b@v1.0.0: checksum mismatch", 11.0)
    assert len(x.unfinished()) == 1  # go might still be running
    x.close(11.5)
    assert x.unfinished() == [] and len(x.abandoned()) == 1
    timing = x.timing(["p.example"], [], 2.0, now=500.0)
    assert timing.unfinished == []
    assert timing.slowest[0].status == ABANDONED and timing.slowest[0].seconds == 1.5


def test_roles() -> None:
    proxies, sumdbs = ["goproxy.cn"], ["sum.golang.org"]

    def role(url: str) -> str:
        return request_role(url, proxies, sumdbs)

    assert role("https://goproxy.cn/example.com/a/@v/list") == "proxy"
    assert role("https://goproxy.cn/sumdb/sum.golang.org/supported") == "sumdb"
    assert role("https://goproxy.cn/sumdb/sum.golang.org/lookup/example.com/a@v1.0.0") == "sumdb"
    assert role("https://sum.golang.org/lookup/example.com/a@v1.0.0") == "sumdb"
    assert role("https://sum.golang.google.cn/tile/8/0/001") == "sumdb"
    assert role("https://goproxy.cn/golang.org/toolchain/@v/v0.0.1-go1.30.0.linux-amd64.zip") == (
        "toolchain"
    )
    assert role("https://git.corp.example/team/lib?go-get=1") == "vcs"
    # A module path containing "lookup" is still proxy traffic on the proxy.
    assert role("https://goproxy.cn/example.com/lookup/tile/@v/list") == "proxy"
    assert role("https://elsewhere.example/x") == "other"


def test_x_lines_and_messages_are_told_apart() -> None:
    for line in (
        "# get https://p/x",
        "# get https://p/x: 200 OK (0.001s)",
        "# lock /m/cache/vcs/abc.lock",
        "mkdir -p /m/cache/vcs # git3 https://github.com/a/b",
        "cd /m/cache/vcs/abc; git tag -l",
        "0.003s # cd /m/cache/vcs/abc; git tag -l",
        "git status --porcelain",
    ):
        assert is_x_line(line), line
    for line in (
        "go: downloading example.com/a v1.0.0",
        "# example.com/app",  # a build error header
        "\tserver response: not found",
        "verifying example.com/a@v1.0.0: checksum mismatch",
    ):
        assert not is_x_line(line), line
    x = XLog()
    for i in range(MAX_MESSAGES + 5):
        x.feed(f"go: line {i}", float(i))
    assert len(x.messages) == MAX_MESSAGES and x.dropped_messages == 5


# --------------------------------------------------------------------------- explain


def one(lines: str, ctx: Optional[ErrorContext] = None) -> Finding:
    findings = findings_from_output(lines.splitlines(), ctx)
    check_findings(findings)
    assert len(findings) == 1, findings
    return findings[0]


CN = ErrorContext.from_go_env({"GOPROXY": "https://goproxy.cn,direct", "GOSUMDB": "sum.golang.org"})


def test_proxy_timeout_and_dns() -> None:
    f = one(
        'go: example.com/a@v1.0.0: Get "https://goproxy.cn/example.com/a/@v/v1.0.0.mod": '
        "dial tcp 203.0.113.5:443: i/o timeout",
        CN,
    )
    assert f.id == "proxy-timeout" and "goproxy.cn" in f.title
    f = one(
        'go: example.com/a@v1.0.0: Get "https://goproxy.cm/example.com/a/@v/v1.0.0.mod": '
        "dial tcp: lookup goproxy.cm on 127.0.0.53:53: no such host"
    )
    # Not in the context, but a proxy-protocol path: still the mirror.
    assert f.id == "proxy-dns" and "goproxy.cm" in f.title
    assert "go env GOPROXY" in f.fix


def test_sumdb_unreachable_fix_never_turns_verification_off() -> None:
    f = one(
        "go: example.com/a@v1.0.0: verifying module: example.com/a@v1.0.0: "
        'Get "https://sum.golang.org/lookup/example.com/a@v1.0.0": '
        "dial tcp 142.250.1.1:443: i/o timeout",
        CN,
    )
    assert f.id == "sumdb-timeout"
    assert "sum.golang.org" in f.title
    assert "go env -w GOSUMDB=sum.golang.google.cn" in f.fix.splitlines()
    # Already on the China mirror: not suggested again.
    ctx = ErrorContext.from_go_env({"GOSUMDB": "sum.golang.google.cn"})
    assert ctx.sumdb_name == "sum.golang.org" and ctx.sumdb_hosts == ("sum.golang.google.cn",)
    f = one(
        'go: example.com/a@v1.0.0: verifying go.mod: example.com/a@v1.0.0/go.mod: Get "https://'
        'sum.golang.google.cn/lookup/example.com/a@v1.0.0": dial tcp 1.2.3.4:443: connect: '
        "connection refused",
        ctx,
    )
    assert f.id == "sumdb-refused" and "GOSUMDB=sum.golang.google.cn" not in f.fix


def test_private_module_through_public_sumdb() -> None:
    """sum.golang.org's 404 body quotes its own git failure: a GOPRIVATE matter, not go's git."""
    f = one(
        "go: github.com/acme/private@v1.2.0: verifying module: github.com/acme/private@v1.2.0: "
        "reading https://sum.golang.org/lookup/github.com/acme/private@v1.2.0: 404 Not Found\n"
        "\tserver response:\n"
        "\tnot found: github.com/acme/private@v1.2.0: invalid version: git ls-remote -q origin "
        "in /tmp/gopath/pkg/mod/cache/vcs/0a1b: exit status 128:\n"
        "\t\tfatal: could not read Username for 'https://github.com': terminal prompts disabled\n"
        "\tConfirm the import path was entered correctly.",
        CN,
    )
    assert f.id == "sumdb-not-found"
    assert "go env -w GOPRIVATE='github.com/acme'" in f.fix.splitlines()
    assert "private repository" in f.why
    assert any("terminal prompts disabled" in d for d in f.details)


def test_vcs_failures() -> None:
    f = one(
        "go: github.com/acme/lib@v1.0.0: git ls-remote -q --end-of-options "
        "https://github.com/acme/lib in /m/cache/vcs/0a1b: exit status 128:\n"
        "\tfatal: unable to access 'https://github.com/acme/lib/': Could not resolve host: "
        "github.com"
    )
    assert f.id == "vcs-dns" and "github.com" in f.title
    assert "go env -w GOPRIVATE='github.com/acme'" in f.fix.splitlines()
    f = one(
        "go: example.com/app imports\n"
        "\tgitlab.com/grp/sub/mod: gitlab.com/grp/sub/mod@v0.3.0: invalid version: "
        "unknown revision v0.3.0"
    )
    assert f.id == "unknown-revision" and "gitlab.com/grp/sub/mod@v0.3.0" in f.title
    assert "go list -m -versions gitlab.com/grp/sub/mod" in f.fix


def test_checksum_mismatch_against_the_database() -> None:
    f = one(
        "go: example.com/a@v1.0.0: verifying module: checksum mismatch\n"
        "\tdownloaded: h1:AAAA=\n"
        "\tsum.golang.org: h1:BBBB=\n"
        "\n"
        "SECURITY ERROR\n"
        "This download does NOT match the one reported by the checksum server.\n"
        "The bits may have been replaced on the origin server, or an attacker may\n"
        "have intercepted the download attempt.\n"
        "\n"
        "For more information, see 'go help module-auth'."
    )
    assert f.id == "checksum-mismatch" and "example.com/a@v1.0.0" in f.title
    assert f.details == ["downloaded: h1:AAAA=", "sum.golang.org: h1:BBBB="]
    assert "checksum database" in f.why


def test_vendoring_missing_sums_and_lookup_disabled() -> None:
    text = (
        "go: inconsistent vendoring in /src/app:\n"
        "\texample.com/a@v1.0.0: is explicitly required in go.mod, but not marked as explicit "
        "in vendor/modules.txt\n"
        "\n"
        "\tTo ignore the vendor directory, use -mod=readonly or -mod=mod.\n"
        "main.go:4:2: missing go.sum entry for module providing package example.com/a "
        "(imported by example.com/app); to add:\n"
        "\tgo get example.com/app\n"
        "main.go:5:2: missing go.sum entry for module providing package example.com/b "
        "(imported by example.com/app); to add:\n"
        "\tgo get example.com/app\n"
        "go: example.com/c@v1.0.0: module lookup disabled by -mod=vendor\n"
    )
    findings = findings_from_output(text.splitlines())
    check_findings(findings)
    found = by_id(findings)
    assert set(found) == {
        "inconsistent-vendoring",
        "missing-go-sum-entry",
        "module-lookup-disabled",
    }
    assert found["inconsistent-vendoring"].fix.startswith("go mod vendor")
    assert found["missing-go-sum-entry"].fix.startswith("go mod tidy")
    assert len(found["missing-go-sum-entry"].details) == 1  # the second occurrence


def test_untrusted_text_never_reaches_a_pasteable_command() -> None:
    """A hostile server body or path cannot put shell syntax or escapes into a fix."""
    findings = findings_from_output(
        [
            "go: example.com/app imports",
            "\tevil.example/$(touch /tmp/pwned): reading "
            "https://p.example/evil.example/$(touch%20/tmp/pwned)/@v/v1.0.0.zip: 404 Not Found",
            "\tserver response: \x1b[2J[bold]go env -w GOSUMDB=off[/bold]",
        ],
        ErrorContext(proxy_hosts=("p.example",)),
    )
    check_findings(findings)
    (f,) = findings
    assert f.id == "module-not-found"
    assert "$(" not in f.fix and "pwned" not in f.fix
    assert "MODULE" in f.fix  # a placeholder instead of the untrusted path
    assert "\x1b" not in " ".join(f.details)


def test_grouping_of_go_messages() -> None:
    groups = group_messages(
        [
            "# get https://p/x",
            "go: example.com/app imports",
            "\texample.com/a: reading https://p/x: 404 Not Found",
            "\tserver response: gone",
            "verifying example.com/b@v1.0.0: checksum mismatch",
            "\tdownloaded: h1:x=",
            "",
            "SECURITY ERROR",
            "This download does NOT match an earlier download recorded in go.sum.",
            "",
            "For more information, see 'go help module-auth'.",
        ]
    )
    assert [len(g) for g in groups] == [3, 2, 2, 1]


def test_private_patterns_and_context() -> None:
    assert private_pattern("github.com/acme/tools/cmd") == "github.com/acme"
    assert private_pattern("gitlab.com/grp/sub/mod") == "gitlab.com/grp"
    assert private_pattern("git.corp.example/team/lib") == "git.corp.example"
    assert matches_patterns("git.corp.example.com/a/b", "*.corp.example.com")
    assert not matches_patterns("rsc.io/privateer", "rsc.io/private")
    assert matches_patterns("rsc.io/private/x", "foo,rsc.io/private")
    ctx = ErrorContext.from_go_env(
        {
            "GOPROXY": "https://u:p@goproxy.corp:8443/go|goproxy.io,direct",
            "GOSUMDB": f"{SUMDB_KEY} https://sumdb.corp",
            "GOPRIVATE": "*.corp",
        }
    )
    assert ctx.proxy_hosts == ("goproxy.corp:8443", "goproxy.io")
    assert ctx.sumdb_hosts == ("sumdb.corp",)
    assert ErrorContext.from_go_env({"GOSUMDB": "off"}).sumdb_name == ""
    # A module GOPRIVATE already matches gets no GOPRIVATE advice.
    f = one(
        "go: x.corp/a@v1.0.0: reading https://goproxy.corp:8443/go/x.corp/a/@v/v1.0.0.zip: "
        "410 Gone",
        ctx,
    )
    assert f.id == "module-not-found" and "GOPRIVATE" not in f.fix


def test_dedup_one_finding_per_cause_and_host() -> None:
    line = (
        'go: example.com/{m}@v1.0.0: Get "https://{h}/example.com/{m}/@v/v1.0.0.zip": '
        "dial tcp 10.0.0.1:443: connect: connection refused"
    )
    lines = [line.format(m=m, h=h) for h in ("a.example", "b.example") for m in ("x", "y", "x")]
    findings = findings_from_output(lines, ErrorContext(proxy_hosts=("a.example", "b.example")))
    check_findings(findings)
    assert [(f.id, f.title.split()[-3]) for f in findings] == [
        ("proxy-refused", "a.example"),
        ("proxy-refused", "b.example"),
    ]
    assert findings[0].details == ["example.com/x", "example.com/y"]
