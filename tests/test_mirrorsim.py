"""Tests for the mirror simulator, including ground truth from the real go toolchain.

The simulator is only useful if it behaves like a real GOPROXY mirror, so the last group of
tests runs ``go`` against it: go must download and build generated modules, agree with our
``h1:`` hashes, and fail the way it fails against real broken mirrors.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import pytest
from mirrorsim import (
    INFO_TIME,
    MirrorSim,
    Module,
    Profile,
    escape_path,
    go_env,
    goproxy,
    hash1,
    hash_mod,
    hash_zip,
    make_module,
    make_toolchain,
    make_universe,
    package_name,
    refused_url,
    start_mirrors,
    unescape_path,
    write_project,
)

BIG = "example.com/sim/BigMod"
BIG_ESCAPED_URL = "/example.com/sim/%21big%21mod"


def get(sim: MirrorSim, path: str, *, timeout: float = 5.0) -> tuple[int, str, bytes]:
    """GET ``sim.prefix + path`` on a fresh connection: (status, content type, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=timeout)
    try:
        conn.request("GET", sim.prefix + path)
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type", ""), resp.read()
    finally:
        conn.close()


def raw_get(sim: MirrorSim, path: str, *, timeout: float) -> socket.socket:
    """Send a GET on a raw socket and return the socket, for byte-exact reads."""
    sock = socket.create_connection(("127.0.0.1", sim.port), timeout=timeout)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {sim.host}\r\n\r\n".encode())
    return sock


@pytest.fixture(scope="module")
def universe() -> list[Module]:
    return make_universe(3, sizes=[3000, 20_000])


@pytest.fixture
def sim(universe: list[Module]) -> Iterator[MirrorSim]:
    with MirrorSim(universe, name="healthy") as s:
        yield s


# ---------------------------------------------------------------------------------------------
# Generated modules
# ---------------------------------------------------------------------------------------------


def test_module_zip_layout_and_size() -> None:
    m = make_module("example.com/sim/mod07", "v1.2.3", size=50_000)
    assert len(m.zip) == 50_000  # stored entries: the size is hit exactly
    prefix = "example.com/sim/mod07@v1.2.3/"
    with zipfile.ZipFile(io.BytesIO(m.zip)) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        assert all(n.startswith(prefix) for n in names)
        assert sorted(n[len(prefix) :] for n in names) == ["data/blob.txt", "go.mod", "x.go"]
        assert zf.read(prefix + "go.mod") == m.mod
        source = zf.read(prefix + "x.go").decode()
    assert m.mod.decode().splitlines()[:3] == ["module example.com/sim/mod07", "", "go 1.21"]
    assert "package mod07\n" in source
    assert json.loads(m.info) == {"Version": "v1.2.3", "Time": INFO_TIME}
    assert "50000 bytes" in repr(m) and len(repr(m)) < 100


def test_module_generation_is_deterministic() -> None:
    a = make_module("example.com/sim/a", "v1.0.0", size=5000, seed=1)
    assert a == make_module("example.com/sim/a", "v1.0.0", size=5000, seed=1)
    b = make_module("example.com/sim/a", "v1.0.0", size=5000, seed=2)
    assert a.zip != b.zip and a.h1_zip != b.h1_zip
    assert a.mod == b.mod and a.h1_mod == b.h1_mod  # the seed only changes the filler


def test_tiny_module_and_requires() -> None:
    m = make_module("example.com/sim/tiny", size=0, requires=[("example.com/sim/dep", "v1.0.0")])
    assert 0 < len(m.zip) < 1500
    assert "require (\n\texample.com/sim/dep v1.0.0\n)" in m.mod.decode()
    assert m.files()["example.com/sim/tiny@v1.0.0/data/blob.txt"] == b""


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("example.com/sim/mod03", "mod03"),
        ("example.com/sim/BigMod", "bigmod"),
        ("example.com/x/go-yaml/v3", "go_yaml"),
        ("example.com/x/3d", "m3d"),
        ("example.com/x/type", "type_x"),
        ("example.com/x/main", "main_x"),
    ],
)
def test_package_name(path: str, name: str) -> None:
    assert package_name(path) == name


def test_case_encoding() -> None:
    assert escape_path(BIG) == "example.com/sim/!big!mod"
    assert unescape_path("example.com/sim/!big!mod") == BIG
    assert unescape_path(escape_path("v1.0.0-RC1")) == "v1.0.0-RC1"
    for bad in ("example.com/BigMod", "example.com/!", "example.com/!!x", "example.com/!1"):
        assert unescape_path(bad) is None


def test_hashes_follow_dirhash() -> None:
    """h1 is over names and contents only: order and compression do not matter."""
    m = make_module("example.com/sim/h", size=4000)
    files = m.files()
    assert m.h1_zip == hash1(files)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in reversed(list(files)):
            zf.writestr(name, files[name])
    assert hash_zip(buf.getvalue()) == m.h1_zip
    assert m.h1_mod == hash_mod(m.mod) == hash1({"go.mod": m.mod})
    assert m.go_sum_lines() == [
        f"example.com/sim/h v1.0.0 {m.h1_zip}",
        f"example.com/sim/h v1.0.0/go.mod {m.h1_mod}",
    ]
    with pytest.raises(ValueError, match="newline"):
        hash1({"a\nb": b""})


def test_make_universe() -> None:
    mods = make_universe(4, sizes=[2000, 8000])
    assert [m.path for m in mods] == [
        "example.com/sim/mod00",
        "example.com/sim/mod01",
        "example.com/sim/mod02",
        BIG,
    ]
    assert [len(m.zip) for m in mods] == [2000, 8000, 2000, 8000]
    assert len({m.h1_zip for m in mods}) == 4
    assert [m.path for m in make_universe(1)] == ["example.com/sim/mod00"]


def test_write_project(tmp_path: Path) -> None:
    mods = make_universe(2)
    root = write_project(tmp_path / "app", mods)
    go_mod = (root / "go.mod").read_text()
    assert go_mod.startswith("module example.com/app\n\ngo 1.21\n")
    assert f"\t{BIG} v1.0.0\n" in go_mod and "\texample.com/sim/mod00 v1.0.0\n" in go_mod
    assert (root / "go.sum").read_text().splitlines() == sorted(
        line for m in mods for line in m.go_sum_lines()
    )
    main_go = (root / "main.go").read_text()
    assert f'_ "{BIG}"' in main_go and "func main() {}" in main_go
    assert not (write_project(tmp_path / "nosum", mods, go_sum=False) / "go.sum").exists()
    with pytest.raises(ValueError, match="one version"):
        write_project(tmp_path / "dup", [mods[0], make_module(mods[0].path, "v1.1.0")])


# ---------------------------------------------------------------------------------------------
# Protocol
# ---------------------------------------------------------------------------------------------


def test_protocol_endpoints(universe: list[Module], sim: MirrorSim) -> None:
    m = universe[1]
    base = f"/{m.path}/@v/"
    assert get(sim, base + "list") == (200, "text/plain; charset=utf-8", b"v1.0.0\n")
    status, ctype, body = get(sim, base + "v1.0.0.info")
    assert (status, ctype) == (200, "application/json")
    assert json.loads(body)["Version"] == "v1.0.0"
    assert get(sim, base + "v1.0.0.mod")[2] == m.mod
    status, ctype, body = get(sim, base + "v1.0.0.zip")
    assert (status, ctype, body) == (200, "application/zip", m.zip)
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        assert all(n.startswith(f"{m.path}@v1.0.0/") for n in zf.namelist())
    assert abs(len(body) - 20_000) < 100
    assert get(sim, f"/{m.path}/@latest")[2] == m.info
    assert [r.kind for r in sim.requests] == ["list", "info", "mod", "zip", "latest"]
    assert all(r.module == m.path and r.status == 200 for r in sim.requests)


def test_versions_sort_semantically() -> None:
    mods = [make_module("example.com/sim/v", v, size=0) for v in ("v1.10.0", "v1.9.0", "v1.2.0")]
    with MirrorSim(mods) as s:
        assert get(s, "/example.com/sim/v/@v/list")[2] == b"v1.2.0\nv1.9.0\nv1.10.0\n"
        assert json.loads(get(s, "/example.com/sim/v/@latest")[2])["Version"] == "v1.10.0"


def test_case_encoded_path(universe: list[Module], sim: MirrorSim) -> None:
    big = universe[-1]
    assert big.path == BIG
    assert get(sim, BIG_ESCAPED_URL + "/@v/v1.0.0.zip")[2] == big.zip  # how go sends it
    assert get(sim, "/example.com/sim/!big!mod/@v/v1.0.0.mod")[2] == big.mod
    status, _, body = get(sim, f"/{BIG}/@v/v1.0.0.mod")  # raw uppercase: never valid
    assert status == 404 and b"invalid escaped module path" in body
    first = sim.requests[0]
    assert first.path == BIG_ESCAPED_URL + "/@v/v1.0.0.zip"  # logged as received
    assert (first.module, first.version, first.kind) == (BIG, "v1.0.0", "zip")


def test_missing_and_unknown_give_404_with_text_body(universe: list[Module]) -> None:
    stale = Profile(missing=frozenset({universe[0].path}))
    with MirrorSim(universe, stale) as s:
        p = universe[0].path
        for suffix in ("/@v/list", "/@v/v1.0.0.info", "/@v/v1.0.0.mod", "/@v/v1.0.0.zip"):
            status, ctype, body = get(s, f"/{p}{suffix}")
            assert (status, ctype) == (404, "text/plain; charset=utf-8")
            assert body.startswith(b"not found: ") and p.encode() in body
        assert get(s, f"/{p}/@latest")[0] == 404
        assert get(s, f"/{universe[1].path}/@v/v1.0.0.info")[0] == 200
        assert b"unknown revision v9.9.9" in get(s, f"/{universe[1].path}/@v/v9.9.9.info")[2]
        assert get(s, "/example.com/nope/@v/v1.0.0.info")[0] == 404
        assert get(s, "/robots.txt")[0] == 404
        assert get(s, f"/{universe[1].path}/@v/v1.0.0.tar")[0] == 404


def test_forced_status_and_body_kept_verbatim(universe: list[Module]) -> None:
    nasty = "[bold red]x[/]\x1b[31m \x07 ünïcode\r\nsecond line"
    with MirrorSim(universe, Profile(status=503, error_body=nasty)) as s:
        for path in (f"/{universe[0].path}/@v/v1.0.0.zip", "/sumdb/sum.golang.org/supported"):
            assert get(s, path) == (503, "text/plain; charset=utf-8", nasty.encode())


def test_apply_to_scopes_faults(universe: list[Module], sim: MirrorSim) -> None:
    base = f"/{universe[0].path}/@v/v1.0.0"
    sim.profile = Profile(status=500, apply_to="zip")
    assert [get(sim, base + x)[0] for x in (".info", ".mod", ".zip")] == [200, 200, 500]
    sim.profile = Profile(status=500, apply_to="small")
    assert [get(sim, base + x)[0] for x in (".info", ".mod", ".zip")] == [500, 500, 200]
    sim.profile.apply_to = "mod"  # profiles may also be mutated in place
    assert [get(sim, base + x)[0] for x in (".info", ".mod", ".zip")] == [200, 500, 200]
    sim.profile = Profile()
    assert get(sim, base + ".zip")[0] == 200


def test_ranges_answer_206_with_content_range_unless_ignored(
    universe: list[Module], sim: MirrorSim
) -> None:
    m = universe[1]
    path = f"/{m.path}/@v/v1.0.0.zip"

    def ranged(header: str) -> tuple[int, str | None, str | None, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=5)
        try:
            conn.request("GET", path, headers={"Range": header})
            r = conn.getresponse()
            return r.status, r.getheader("Content-Range"), r.getheader("Content-Length"), r.read()
        finally:
            conn.close()

    assert ranged("bytes=0-3") == (206, f"bytes 0-3/{len(m.zip)}", "4", m.zip[:4])
    assert ranged("bytes=10-") == (206, f"bytes 10-{len(m.zip) - 1}/{len(m.zip)}",
                                   str(len(m.zip) - 10), m.zip[10:])  # fmt: skip
    assert ranged(f"bytes={len(m.zip)}-")[0] == 200  # not satisfiable here: the whole body
    assert get(sim, f"/{m.path}/@v/v1.0.0.mod")[0] == 200  # no Range: as ever
    sim.profile = Profile(ranges=False)  # a server that ignores Range
    assert ranged("bytes=0-3") == (200, None, str(len(m.zip)), m.zip)


def test_make_toolchain_is_served_like_any_module() -> None:
    tc = make_toolchain("1.99.0", "linux", "amd64", size=3000)
    assert (tc.path, tc.version) == ("golang.org/toolchain", "v0.0.1-go1.99.0.linux-amd64")
    assert abs(len(tc.zip) - 3000) < 100 and tc.zip.startswith(b"PK")
    with MirrorSim([tc]) as s:
        assert get(s, "/golang.org/toolchain/@v/v0.0.1-go1.99.0.linux-amd64.zip")[2] == tc.zip


def test_profile_validation() -> None:
    with pytest.raises(ValueError, match="corrupt"):
        Profile(corrupt="flip")
    with pytest.raises(ValueError, match="apply_to"):
        Profile(apply_to="zips")
    with pytest.raises(ValueError, match="bandwidth"):
        Profile(bandwidth=0)
    assert Profile(missing={"a"}).missing == frozenset({"a"})  # type: ignore[arg-type]


def test_corrupt_modes(universe: list[Module]) -> None:
    m = universe[0]
    url = f"/{m.path}/@v/v1.0.0"
    with MirrorSim(universe, Profile(corrupt="garbage")) as s:
        body = get(s, url + ".zip")[2]
        assert len(body) == len(m.zip) and body != m.zip
        assert not zipfile.is_zipfile(io.BytesIO(body))
        assert get(s, url + ".mod")[2] == m.mod
    with MirrorSim(universe, Profile(corrupt="tamper")) as s:
        body = get(s, url + ".zip")[2]
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            assert zf.namelist() == list(m.files())
        assert hash_zip(body) != m.h1_zip
        assert get(s, url + ".info")[2] == m.info


def test_sumdb_endpoints(universe: list[Module], sim: MirrorSim) -> None:
    assert get(sim, "/sumdb/sum.golang.org/supported")[0] == 200
    assert get(sim, "/sumdb/sum.golang.google.cn/supported")[0] == 200
    assert get(sim, "/sumdb/sum.golang.org/lookup/x@v1.0.0")[0] == 404  # not simulated
    assert get(sim, "/latest")[0] == 404
    sim.profile = Profile(sumdb_supported=False, sumdb_root=True)
    assert get(sim, "/sumdb/sum.golang.org/supported")[0] == 404
    status, _, body = get(sim, "/latest")
    assert status == 200 and body.startswith(b"go.sum database tree\n")
    assert [r.kind for r in sim.requests] == ["sumdb", "sumdb", "sumdb", "root", "sumdb", "root"]


def test_prefix(universe: list[Module]) -> None:
    m = universe[0]
    with MirrorSim(universe, prefix="goproxy/") as s:
        assert s.url == f"http://127.0.0.1:{s.port}/goproxy"
        assert get(s, f"/{m.path}/@v/v1.0.0.mod")[2] == m.mod  # get() prepends the prefix
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=5)
        conn.request("GET", f"/{m.path}/@v/v1.0.0.mod")
        assert conn.getresponse().status == 404
        conn.close()


def _https_get(
    url: str, cafile: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """GET over https, trusting only the test CA; redirects are not followed."""
    parts = urlsplit(url)
    ctx = ssl.create_default_context(cafile=cafile)
    conn = http.client.HTTPSConnection(parts.hostname or "", parts.port, context=ctx, timeout=5)
    try:
        conn.request("GET", parts.path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def test_tls_and_basic_auth(universe: list[Module], tls: ssl.SSLContext) -> None:
    m = universe[0]
    cafile = os.environ["SSL_CERT_FILE"]  # the tls fixture's CA
    with MirrorSim(universe, ssl_context=tls, basic_auth=("alice", "s3cret")) as s:
        assert s.url == f"https://127.0.0.1:{s.port}"
        status, headers, body = _https_get(f"{s.url}/{m.path}/@v/v1.0.0.mod", cafile)
        assert (status, headers["WWW-Authenticate"]) == (401, 'Basic realm="mirrorsim"')
        good = "Basic " + base64.b64encode(b"alice:s3cret").decode()
        status, _, body = _https_get(
            f"{s.url}/{m.path}/@v/v1.0.0.mod", cafile, {"Authorization": good}
        )
        assert (status, body) == (200, m.mod)
        bad = "Basic " + base64.b64encode(b"alice:wrong").decode()
        assert _https_get(s.url + "/x", cafile, {"Authorization": bad})[0] == 401
        assert [r.authorization for r in s.requests] == [None, good, bad]
        assert [r.status for r in s.requests] == [401, 200, 401]


def test_redirect_to(universe: list[Module]) -> None:
    m = universe[0]
    profile = Profile(redirect_to="http://other.example:8080/base/", apply_to="zip")
    with MirrorSim(universe, profile) as s:
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=5)
        conn.request("GET", f"/{m.path}/@v/v1.0.0.zip")
        resp = conn.getresponse()
        assert resp.status == 302
        assert (
            resp.getheader("Location") == f"http://other.example:8080/base/{m.path}/@v/v1.0.0.zip"
        )
        resp.read()
        conn.close()
        assert get(s, f"/{m.path}/@v/v1.0.0.mod")[0] == 200  # out of scope: served


# ---------------------------------------------------------------------------------------------
# Timing and transport faults
# ---------------------------------------------------------------------------------------------


def test_latency_and_connect_latency(universe: list[Module]) -> None:
    path = f"/{universe[0].path}/@v/v1.0.0.info"
    with MirrorSim(universe, Profile(latency=0.15)) as s:
        t0 = time.monotonic()
        assert get(s, path)[0] == 200
        assert time.monotonic() - t0 >= 0.15
    with MirrorSim(universe, Profile(connect_latency=0.3)) as s:
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=5)
        times = []
        for _ in range(2):
            t0 = time.monotonic()
            conn.request("GET", path)
            conn.getresponse().read()
            times.append(time.monotonic() - t0)
        conn.close()
        assert times[0] >= 0.3 and times[1] < 0.2


def test_bandwidth_cap(universe: list[Module]) -> None:
    m = make_module("example.com/sim/fat", size=100_000)
    with MirrorSim([m], Profile(bandwidth=100_000)) as s:
        t0 = time.monotonic()
        assert get(s, "/example.com/sim/fat/@v/v1.0.0.zip")[2] == m.zip
        elapsed = time.monotonic() - t0
    assert 0.9 <= elapsed < 2.0


def test_bandwidth_is_shared_between_connections() -> None:
    mods = [make_module(f"example.com/sim/c{i}", size=50_000) for i in range(2)]
    with MirrorSim(mods, Profile(bandwidth=100_000)) as s:
        results: list[bytes] = []

        def fetch(m: Module) -> None:
            results.append(get(s, f"/{m.path}/@v/v1.0.0.zip")[2])

        threads = [threading.Thread(target=fetch, args=(m,)) for m in mods]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
    assert sorted(results) == sorted(m.zip for m in mods)
    assert 0.9 <= elapsed < 2.0  # 100 KB in total at 100 KB/s, not 0.5 s each in parallel


def test_stall_until_stop(universe: list[Module]) -> None:
    s = MirrorSim(universe, Profile(stall=True)).start()
    try:
        with pytest.raises(socket.timeout):
            get(s, f"/{universe[0].path}/@v/v1.0.0.info", timeout=0.3)
        sock = raw_get(s, f"/{universe[0].path}/@v/v1.0.0.zip", timeout=5)  # stays stalled
        assert s.wait_for(lambda log: len(log) == 2, timeout=2)
        assert [r.status for r in s.requests] == ["stalled", "stalled"]
    finally:
        t0 = time.monotonic()
        s.stop()
        assert time.monotonic() - t0 < 1.0
    assert sock.recv(100) == b""  # released: closed without a response
    sock.close()


def test_stall_mid_body(universe: list[Module]) -> None:
    m = universe[1]
    with MirrorSim(universe, Profile(stall_after_bytes=1000, apply_to="zip")) as s:
        assert get(s, f"/{m.path}/@v/v1.0.0.info")[0] == 200
        sock = raw_get(s, f"/{m.path}/@v/v1.0.0.zip", timeout=0.5)
        data = b""
        with pytest.raises(socket.timeout):
            while chunk := sock.recv(65536):
                data += chunk
        sock.close()
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 ")
        assert f"Content-Length: {len(m.zip)}".encode() in head
        assert body == m.zip[:1000]
        assert s.requests[-1].status == "stalled"


def test_stall_after_whole_body_is_a_normal_response(universe: list[Module]) -> None:
    m = universe[0]
    with MirrorSim(universe, Profile(stall_after_bytes=len(m.zip))) as s:
        assert get(s, f"/{m.path}/@v/v1.0.0.zip", timeout=2)[2] == m.zip
        assert s.requests[-1].status == 200


def test_reset(universe: list[Module]) -> None:
    path = f"/{universe[0].path}/@v/v1.0.0.info"
    with MirrorSim(universe, Profile(reset=True)) as s:
        sock = raw_get(s, path, timeout=5)
        with pytest.raises(ConnectionResetError):  # an RST, not a clean close (recv -> b"")
            sock.recv(100)
        sock.close()
        with pytest.raises((ConnectionError, http.client.HTTPException)):
            get(s, path)
        assert [r.status for r in s.requests] == ["reset", "reset"]


def test_keepalive_reuses_connection(universe: list[Module], sim: MirrorSim) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=5)
    for m in universe[:2]:
        conn.request("GET", f"/{m.path}/@v/v1.0.0.mod")
        assert conn.getresponse().read() == m.mod
    conn.close()
    assert sim.connections == 1
    assert [r.conn_id for r in sim.requests] == [1, 1]
    get(sim, "/x.org/y/@v/list")
    assert sim.connections == 2 and sim.requests[-1].conn_id == 2


def test_stop_is_prompt_and_closes_everything(universe: list[Module]) -> None:
    s = MirrorSim(universe, Profile(stall=True, apply_to="zip")).start()
    port = s.port
    idle = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    idle.request("GET", f"/{universe[0].path}/@v/v1.0.0.mod")
    idle.getresponse().read()  # now an idle keep-alive connection
    stalled = raw_get(s, f"/{universe[0].path}/@v/v1.0.0.zip", timeout=5)
    assert s.wait_for(lambda log: log[-1].status == "stalled")
    t0 = time.monotonic()
    s.stop()
    s.stop()  # idempotent
    assert time.monotonic() - t0 < 1.0
    assert s.port == port  # the address stays readable for messages after stop
    assert idle.sock is not None and idle.sock.recv(10) == b""
    assert stalled.recv(10) == b""
    idle.close()
    stalled.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def test_refused_url() -> None:
    url = refused_url()
    assert url.startswith("http://127.0.0.1:")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=2)


def test_start_mirrors_and_goproxy(universe: list[Module]) -> None:
    profiles = {"fast": Profile(), "down": Profile(status=500)}
    with start_mirrors(profiles, universe) as mirrors:
        assert set(mirrors) == {"fast", "down"}
        assert mirrors["fast"].port != mirrors["down"].port
        assert get(mirrors["down"], "/sumdb/sum.golang.org/supported")[0] == 500
        assert goproxy(mirrors["fast"], mirrors["down"], tail="off") == (
            f"{mirrors['fast'].url},{mirrors['down'].url},off"
        )
        assert goproxy("http://a", "http://b", sep="|") == "http://a|http://b"
        ports = [m.port for m in mirrors.values()]
    for port in ports:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2)


# ---------------------------------------------------------------------------------------------
# Ground truth: the real go command against the simulator
# ---------------------------------------------------------------------------------------------

GO = shutil.which("go") or str(Path(sys.executable).parent / "go")
F = TypeVar("F", bound=Callable[..., object])


def needs_go(test: F) -> F:
    """Mark a test as running the real go toolchain (skipped where it is not installed)."""
    skip = pytest.mark.skipif(not Path(GO).exists(), reason="go toolchain not installed")
    return pytest.mark.go(skip(test))  # type: ignore[no-any-return]


def run_go(
    args: list[str], cwd: Path, proxy: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run go with ``proxy`` as the only GOPROXY entry and the checksum database off."""
    env = go_env(proxy)
    return subprocess.run(
        [GO, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def parse_json_stream(text: str) -> list[dict[str, str]]:
    decoder = json.JSONDecoder()
    out, pos = [], 0
    while pos < len(text.rstrip()):
        obj, end = decoder.raw_decode(text, pos)
        out.append(obj)
        pos = end
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


@needs_go
def test_go_downloads_builds_and_agrees_on_hashes(tmp_path: Path, universe: list[Module]) -> None:
    with MirrorSim(universe) as s:
        project = write_project(tmp_path / "app", universe, go_sum=False)
        r = run_go(["mod", "download", "-json"], project, s.url)
        assert r.returncode == 0, r.stderr
        got = {d["Path"]: d for d in parse_json_stream(r.stdout)}
        assert set(got) == {m.path for m in universe}
        for m in universe:
            assert got[m.path]["Sum"] == m.h1_zip
            # go names the single file of the .mod hash just "go.mod", not "path@version/go.mod"
            assert got[m.path]["GoModSum"] == m.h1_mod
            assert got[m.path]["GoModSum"] != hash1({f"{m.path}@{m.version}/go.mod": m.mod})
        assert any(r.path == BIG_ESCAPED_URL + "/@v/v1.0.0.zip" for r in s.requests)
        assert {r.user_agent for r in s.requests} == {"GoCommand/1 (+https://go.dev/cmd/go)"}

        r = run_go(["mod", "tidy"], project, s.url)
        assert r.returncode == 0, r.stderr
        expected = write_project(tmp_path / "expected", universe) / "go.sum"
        assert (project / "go.sum").read_text() == expected.read_text()  # byte-identical
        r = run_go(["build", "./..."], project, s.url, timeout=120)
        assert r.returncode == 0, r.stderr


@needs_go
@pytest.mark.parametrize(
    ("profile", "expected", "absent"),
    [
        (Profile(corrupt="tamper"), ["checksum mismatch", "SECURITY ERROR"], []),
        (Profile(corrupt="garbage"), ["zip: not a valid zip file"], []),
        (
            Profile(missing=frozenset({BIG})),
            [
                "%21big%21mod/@v/v1.0.0.mod: 404 Not Found",
                f"server response: not found: {BIG}@v1.0.0",
            ],
            [],
        ),
        (
            Profile(status=500, error_body="mirror down for maintenance"),
            ["500 Internal Server Error", "server response: mirror down for maintenance"],
            [],
        ),
        # go drops a text/plain body holding any control character, to protect the terminal.
        (
            Profile(status=500, error_body="[bold red]x[/]\x1b[31m"),
            ["500 Internal Server Error"],
            ["server response", "\x1b"],
        ),
    ],
    ids=["tamper", "garbage", "missing", "status", "status-control-chars"],
)
def test_go_reports_mirror_faults(
    tmp_path: Path,
    universe: list[Module],
    profile: Profile,
    expected: list[str],
    absent: list[str],
) -> None:
    with MirrorSim(universe, profile) as s:
        project = write_project(tmp_path / "app", universe)  # go.sum has the true hashes
        r = run_go(["mod", "download"], project, s.url)
    assert r.returncode != 0
    for text in expected:
        assert text in r.stderr
    for text in absent:
        assert text not in r.stderr


@needs_go
def test_go_falls_back_past_stale_mirror_on_404(tmp_path: Path, universe: list[Module]) -> None:
    profiles = {"stale": Profile(missing=frozenset(m.path for m in universe)), "ok": Profile()}
    with start_mirrors(profiles, universe) as mirrors:
        project = write_project(tmp_path / "app", universe)
        r = run_go(["mod", "download"], project, goproxy(*mirrors.values()))
        assert r.returncode == 0, r.stderr
        assert {r.status for r in mirrors["stale"].requests} == {404}
        assert {r.kind for r in mirrors["ok"].requests} == {"info", "mod", "zip"}


@needs_go
@pytest.mark.parametrize("served", [True, False], ids=["served", "missing"])
def test_go_asks_a_mirror_for_the_toolchain_zip_only(
    tmp_path: Path, universe: list[Module], served: bool
) -> None:
    """With GOTOOLCHAIN=auto and a newer go line, go's first and only request for the
    toolchain is its .zip (no .info, no .mod, no list); a 404 is `toolchain not available`,
    and a zip that arrives is verified against the checksum database even with GOSUMDB=off,
    which fails the download (nothing leaves the machine)."""
    host = subprocess.run([GO, "env", "GOHOSTOS", "GOHOSTARCH"], capture_output=True,
                          text=True, check=True).stdout.split()  # fmt: skip
    tc = make_toolchain("1.99.0", *host)
    project = write_project(tmp_path / "app", universe)
    gomod = project / "go.mod"
    gomod.write_text(gomod.read_text().replace("go 1.21\n", "go 1.99.0\n"))
    with MirrorSim([*universe, tc] if served else universe) as s:
        r = subprocess.run(
            [GO, "mod", "download"], cwd=project, env=go_env(s.url, GOTOOLCHAIN="auto"),
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        asked = [(x.kind, x.path, x.status) for x in s.requests]
    zip_path = f"/golang.org/toolchain/@v/{tc.version}.zip"
    assert asked == [("zip", zip_path, 200 if served else 404)], asked
    assert r.returncode != 0
    assert f"go: downloading go1.99.0 ({host[0]}/{host[1]})" in r.stderr
    if served:
        assert "checksum database disabled by GOSUMDB=off" in r.stderr, r.stderr
    else:
        assert f"go: download go1.99.0 for {host[0]}/{host[1]}: toolchain not available" in r.stderr


@needs_go
def test_go_hangs_on_stalled_zip_until_mirror_stops(tmp_path: Path) -> None:
    """go has no response timeout: only the mirror going away ends a mid-body stall."""
    mods = [make_module("example.com/sim/slow", size=20_000)]
    s = MirrorSim(mods, Profile(stall_after_bytes=5000, apply_to="zip")).start()
    project = write_project(tmp_path / "app", mods)
    proc = subprocess.Popen(
        [GO, "mod", "download", "-x"],
        cwd=project,
        env=go_env(s.url),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert s.wait_for(lambda log: any(r.status == "stalled" for r in log), timeout=30)
        time.sleep(0.3)
        assert proc.poll() is None  # still waiting for the rest of the body
        s.stop()
        _, stderr = proc.communicate(timeout=30)
    finally:
        s.stop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    # -x logs "200 OK" as soon as the headers arrive: a mid-body stall looks like a finished
    # request until the connection drops.
    assert "slow/@v/v1.0.0.zip: 200 OK" in stderr
    assert 'slow/@v/v1.0.0.zip": unexpected EOF' in stderr
