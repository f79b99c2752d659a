"""The probe directly (classify, prober, runner): errors, TLS trust, redirects, budget, reuse."""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mirrorsim import MirrorSim, Profile, make_toolchain, make_universe, refused_url

from goaccel.measure.classify import DNS, HTTP, REFUSED, RESET, STALLED, TLS, classify_exception
from goaccel.measure.probe import (
    FAILS,
    LACKS,
    NO_ANSWER,
    SERVED,
    ProbeSettings,
    Target,
    ToolchainCheck,
)
from goaccel.measure.prober import module_url
from goaccel.measure.runner import probe
from goaccel.measure.workload import ModuleRef

MODS = make_universe(4, sizes=[30_000, 60_000])
REFS = [ModuleRef(m.path, m.version) for m in MODS]


def run(*targets: Target, budget: float = 2.0, **kw: object) -> dict[str, object]:
    result = probe(list(targets), REFS, ProbeSettings(budget=budget, **kw))  # type: ignore[arg-type]
    return {m.name: m for m in result.mirrors}


def test_module_url_case_encodes_path_and_version() -> None:
    ref = ModuleRef("github.com/BurntSushi/toml", "v1.2.3-RC1")
    assert (
        module_url("https://p", ref, "info")
        == "https://p/github.com/!burnt!sushi/toml/@v/v1.2.3-!r!c1.info"
    )
    assert module_url("https://p", ref, "list") == "https://p/github.com/!burnt!sushi/toml/@v/list"


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (httpx.ConnectError("[Errno -2] Name or service not known"), DNS),
        (httpx.ConnectError("[Errno 8] nodename nor servname provided, or not known"), DNS),
        (httpx.ConnectError("[Errno 11001] getaddrinfo failed"), DNS),
        (httpx.ConnectError("[Errno 111] Connection refused"), REFUSED),
        (httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), TLS),
        (httpx.ReadTimeout("timed out"), STALLED),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), RESET),
    ],
)
def test_classify_exception(exc: Exception, kind: str) -> None:
    assert classify_exception(exc).kind == kind


def test_classify_masks_credentials_and_strips_control_characters() -> None:
    err = classify_exception(httpx.ProtocolError("bad \x1b[31mthing\x07 at https://u:secret@h/x"))
    assert "secret" not in err.detail and "\x1b" not in err.detail and "\x07" not in err.detail


def test_refused_reset_and_http_errors() -> None:
    with (
        MirrorSim(MODS, Profile(reset=True)) as reset,
        MirrorSim(MODS, Profile(status=502, error_body="bad gateway\x1b[2J")) as bad,
    ):
        got = run(
            Target("refused", refused_url()),
            Target("reset", reset.url),
            Target("bad", bad.url),
        )
    assert got["refused"].error.kind == REFUSED  # type: ignore[attr-defined]
    assert got["reset"].error.kind == RESET  # type: ignore[attr-defined]
    err = got["bad"].error  # type: ignore[attr-defined]
    assert err.kind == HTTP
    assert err.detail == "HTTP 502: bad gateway"


def test_small_requests_reuse_one_connection_and_measure_latency() -> None:
    with MirrorSim(MODS, Profile(latency=0.03)) as sim:
        got = run(Target("sim", sim.url))["sim"]
        requests = sim.requests
    first_phase = [r for r in requests if r.kind in ("list", "info", "mod", "sumdb")][:6]
    assert len({r.conn_id for r in first_phase[:5]}) == 1, (
        "sequential small requests share a connection"
    )
    assert 0.025 <= got.latency_s <= 0.06  # type: ignore[attr-defined,operator]
    assert got.sumdb_supported is True  # type: ignore[attr-defined]
    assert got.checked == len(MODS) and not got.missing  # type: ignore[attr-defined]
    assert all(r.user_agent.startswith("goaccel/") for r in requests)


def test_throughput_follows_the_bandwidth_cap() -> None:
    with MirrorSim(MODS, Profile(bandwidth=200_000)) as sim:
        got = run(Target("sim", sim.url), budget=3)["sim"]
    assert 150_000 <= got.throughput_bps <= 230_000  # type: ignore[attr-defined,operator]


def test_slow_but_moving_download_is_not_a_stall() -> None:
    """A thin pipe still sending at the deadline is slow, not stalled."""
    big = make_universe(2, sizes=400_000)
    refs = [ModuleRef(m.path, m.version) for m in big]
    with MirrorSim(big, Profile(bandwidth=60_000)) as sim:
        result = probe([Target("slow", sim.url)], refs, ProbeSettings(budget=2.0))
    m = result.mirrors[0]
    assert m.error is None, m.error
    assert m.stalled_requests == []
    assert m.throughput_bps is not None and m.throughput_bps < 100_000


def test_budget_holds_with_many_stalls() -> None:
    sims = [MirrorSim(MODS, Profile(stall=True)) for _ in range(6)]
    for s in sims:
        s.start()
    try:
        start = time.monotonic()
        result = probe(
            [Target(f"s{i}", s.url) for i, s in enumerate(sims)], REFS, ProbeSettings(budget=1.0)
        )
        elapsed = time.monotonic() - start
    finally:
        for s in sims:
            s.stop()
    assert elapsed < 1.6
    assert {m.error.kind for m in result.mirrors if m.error} == {STALLED}


# --------------------------------------------------------------------------- TLS


@pytest.fixture
def tls_mirror(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback HTTPS server with a self-signed certificate, in front of a MirrorSim."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    with MirrorSim(MODS) as backend:

        class Proxy(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                r = httpx.get(backend.url + self.path)
                self.send_response(r.status_code)
                self.send_header("Content-Length", str(len(r.content)))
                self.end_headers()
                self.wfile.write(r.content)

            def log_message(self, *args: object) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"https://127.0.0.1:{server.server_address[1]}", cert
        finally:
            server.shutdown()
            server.server_close()


def test_untrusted_certificate_is_a_tls_error(tls_mirror: tuple[str, Path]) -> None:
    url, _cert = tls_mirror
    got = run(Target("tls", url))["tls"]
    assert got.error is not None and got.error.kind == TLS  # type: ignore[attr-defined]


def test_ssl_cert_file_is_trusted_as_go_trusts_it(
    tls_mirror: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, cert = tls_mirror
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    got = run(Target("tls", url), budget=3)["tls"]
    assert got.error is None, got.error  # type: ignore[attr-defined]
    assert got.checked == len(MODS)  # type: ignore[attr-defined]


def _delaying_proxy(
    backend: str, slow_suffix: str, delay: float
) -> http.server.ThreadingHTTPServer:
    """A loopback proxy in front of a MirrorSim that holds back one path before answering."""

    class Proxy(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path.endswith(slow_suffix):
                time.sleep(delay)
            r = httpx.get(backend + self.path)
            self.send_response(r.status_code)
            self.send_header("Content-Length", str(len(r.content)))
            self.end_headers()
            self.wfile.write(r.content)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_slow_first_byte_on_one_zip_is_slowness_not_a_stall() -> None:
    """A cold-cache zip that takes seconds to start is normal for public mirrors, and go waits
    for it; only a mirror that delivers no zip byte at all within the budget is stalled."""
    mods = make_universe(3, sizes=20_000)
    refs = [ModuleRef(m.path, m.version) for m in mods]
    with MirrorSim(mods) as sim, MirrorSim(mods, Profile(stall=True, apply_to="zip")) as dead:
        # The zip turns come one after another (schedule.py): a 3 s budget leaves the delayed
        # zip waiting well past the stall threshold (1.2 s) whichever mirror goes first.
        slow = _delaying_proxy(sim.url, f"{mods[1].escaped_path}/@v/v1.0.0.zip", 5.0)
        try:
            url = f"http://127.0.0.1:{slow.server_address[1]}"
            result = probe(
                [Target("slow", url), Target("nozips", dead.url)], refs, ProbeSettings(budget=3.0)
            )
        finally:
            slow.shutdown()
            slow.server_close()
    got = {m.name: m for m in result.mirrors}
    assert got["slow"].error is None, got["slow"].error
    assert got["slow"].zips_complete == 2
    assert got["slow"].zip_seconds >= 0.8, "the wait is charged to throughput"
    assert got["nozips"].error is not None and got["nozips"].error.kind == STALLED


def test_zip_sizes_are_learnt_without_downloading() -> None:
    """A 1-byte ranged GET per zip gives the workload's exact size for the transfer term."""
    from goaccel.measure.rank import rank

    mods = make_universe(10, sizes=[3_000, 90_000, 400_000])
    refs = [ModuleRef(m.path, m.version) for m in mods]
    with MirrorSim(mods) as sim:
        run_ = probe([Target("sim", sim.url)], refs, ProbeSettings(budget=3, zip_sample=2))
        zip_requests = [r for r in sim.requests if r.kind == "zip"]
    assert run_.size_hints == {f"{m.path}@{m.version}": len(m.zip) for m in mods}
    ranged = [r for r in zip_requests if r.status == 206]
    assert len(ranged) == 10  # one 1-byte ranged GET per zip, however many were downloaded
    ranking = rank(run_.mirrors, refs, known_sizes=run_.size_hints)
    assert ranking.workload_bytes == sum(len(m.zip) for m in mods)


def test_zip_download_stops_at_the_cap_and_proves_nothing() -> None:
    """The cap on zip bytes holds inside a download, not only before one starts: a zip much
    larger than the cap is read only up to it, and a cut zip is neither complete nor
    tampered."""
    mods = make_universe(2, sizes=2_000_000)
    refs = [ModuleRef(m.path, m.version) for m in mods]
    cap = 128 * 1024
    with MirrorSim(mods) as sim:
        result = probe(
            [Target("sim", sim.url)],
            refs,
            ProbeSettings(budget=3.0, zip_sample=1, zip_bytes_cap=cap, probe_sizes=False),
        )
    (m,) = result.mirrors
    assert m.error is None, m.error
    assert cap <= m.zip_bytes < cap + 256 * 1024, m.zip_bytes  # not the 2 MB zip
    assert m.zips_complete == 0
    assert m.mismatched == []


def test_a_zip_verdict_changes_nothing_until_it_is_applied() -> None:
    """The hashing thread only returns its verdict; the probe applies it after the await,
    so a probe cancelled at its deadline is not changed afterwards by a late hash."""
    import io

    from goaccel.measure.prober import MirrorProber

    prober = MirrorProber(
        Target("t", "http://127.0.0.1:9"),
        [],
        ProbeSettings(expected_hashes={"example.com/m@v1.0.0": "h1:expected="}),
    )
    verdict = prober._zip_verdict("example.com/m@v1.0.0", io.BytesIO(b"PK\x03\x04junk"), True)
    assert verdict[0] is not None and verdict[0].startswith("h1 ")
    assert prober.result.mismatched == [] and prober.result.zips_complete == 0
    prober._apply_zip_verdict("example.com/m@v1.0.0", *verdict)
    assert len(prober.result.mismatched) == 1


@pytest.mark.parametrize("fault", ["stall", "reset"])
def test_a_failing_sumdb_check_does_not_disqualify_the_mirror(fault: str) -> None:
    """/sumdb/<db>/supported is optional information: a stall or a reset there leaves the
    mirror usable and fully measured, with the checksum database answer unknown (None) for
    the GOSUMDB decision, and the downloads do not wait for it."""
    profile = (
        Profile(stall=True, apply_to="sumdb")
        if fault == "stall"
        else Profile(reset=True, apply_to="sumdb")
    )
    with MirrorSim(MODS, profile) as sim:
        result = probe([Target("m", sim.url)], REFS, ProbeSettings(budget=3.0))
    (m,) = result.mirrors
    assert m.error is None, m.error
    assert m.usable and m.stalled_requests == []
    assert m.sumdb_asked and m.sumdb_status is None and m.sumdb_supported is None
    assert m.zips_complete > 0 and m.checked == len(REFS)
    assert m.finished  # the probe ended by itself: the stalled check was let go, not waited out


# --------------------------------------------------------------------------- the toolchain zip

TC = make_toolchain("1.99.0", "linux", "amd64", size=40_000)
TC_REF = ModuleRef(TC.path, TC.version)
TC_KEY = f"{TC.path}@{TC.version}"


@pytest.mark.parametrize("ranges", [False, True], ids=["200", "206"])
def test_toolchain_zip_is_asked_once_per_mirror_by_its_headers(ranges: bool) -> None:
    """Each mirror is asked for the toolchain zip once: served (its size from Content-Length,
    or Content-Range when the mirror honours Range), lacking (404), or failing, beside the
    module probe, which it never disqualifies."""
    profile = Profile(ranges=ranges)
    with (
        MirrorSim([*MODS, TC], profile) as has,
        MirrorSim(MODS, profile) as lacks,
        MirrorSim(
            [*MODS, TC], Profile(status=500, error_body="no \x1b[31m", apply_to="zip")
        ) as bad,
    ):
        got = run(Target("has", has.url), Target("lacks", lacks.url), Target("bad", bad.url),
                  budget=3.0, toolchain=TC_REF)  # fmt: skip
        asked = {s.name: [r.status for r in s.requests if r.module == TC.path]
                 for s in (has, lacks, bad)}  # fmt: skip
    assert asked == {has.name: [206 if ranges else 200], lacks.name: [404], bad.name: [500]}
    h, lk, b = got["has"], got["lacks"], got["bad"]
    assert h.toolchain == ToolchainCheck(TC_KEY, 206 if ranges else 200, len(TC.zip))  # type: ignore[attr-defined]
    assert h.toolchain.state == SERVED and not h.incomplete and h.usable  # type: ignore[attr-defined]
    assert lk.toolchain == ToolchainCheck(TC_KEY, 404)  # type: ignore[attr-defined]
    assert lk.toolchain.state == LACKS and lk.lacks_toolchain and lk.incomplete  # type: ignore[attr-defined]
    assert lk.usable and lk.missing == [] and lk.error is None  # type: ignore[attr-defined]
    assert b.toolchain.state == FAILS  # type: ignore[attr-defined]
    assert b.toolchain.error == "HTTP 500: no" and b.toolchain.name == "go1.99.0"  # type: ignore[attr-defined]


def test_toolchain_zip_is_never_downloaded_whole() -> None:
    """A mirror that ignores Range sends the whole zip: only its first bytes are read, so
    8 MB behind a 1 MB/s link cost a moment, not 8 s."""
    big = make_toolchain("1.99.0", "linux", "amd64", size=8_000_000)
    mods = [ModuleRef(m.path, m.version, needs_zip=False) for m in MODS]  # only the toolchain
    with MirrorSim([*MODS, big], Profile(bandwidth=1_000_000, ranges=False)) as sim:
        start = time.monotonic()
        result = probe([Target("m", sim.url)], mods, ProbeSettings(budget=6.0, toolchain=TC_REF))
        elapsed = time.monotonic() - start
    (m,) = result.mirrors
    assert m.toolchain is not None and m.toolchain.state == SERVED, m.toolchain
    assert m.toolchain.size == len(big.zip)
    assert elapsed < 2.0, f"{elapsed:.1f} s: the zip was read"


def test_toolchain_zip_not_a_zip_is_a_failure() -> None:
    with MirrorSim([*MODS, TC], Profile(corrupt="garbage", apply_to="zip")) as sim:
        (m,) = probe(
            [Target("m", sim.url)], REFS, ProbeSettings(budget=3.0, toolchain=TC_REF)
        ).mirrors
    assert m.toolchain is not None
    assert (m.toolchain.state, m.toolchain.error) == (FAILS, "not a zip archive")


def test_toolchain_zip_without_an_answer_holds_nothing_up() -> None:
    """A mirror that sits on the toolchain request (fetching 70 MB upstream, say) leaves it
    unanswered: the mirror stays usable and the probe ends soon after its other requests,
    without waiting out the stall threshold (2 s here) as the sumdb check may."""
    mods = [ModuleRef(m.path, m.version, needs_zip=False) for m in MODS]  # zips: the toolchain
    with MirrorSim([*MODS, TC], Profile(stall=True, apply_to="zip")) as sim:
        start = time.monotonic()
        result = probe([Target("m", sim.url)], mods, ProbeSettings(budget=5.0, toolchain=TC_REF))
        elapsed = time.monotonic() - start
    (m,) = result.mirrors
    assert m.toolchain == ToolchainCheck(TC_KEY) and m.toolchain.state == NO_ANSWER
    assert m.error is None and m.usable and m.stalled_requests == []
    assert m.finished and elapsed < 1.5, f"{elapsed:.1f} s"
