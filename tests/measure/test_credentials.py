"""The probe sends the credentials go would send (GOAUTH, netrc), over real TLS, and nowhere
else: not over http, not after a redirect to another host."""

from __future__ import annotations

import base64
import os
import ssl
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import by_url, go, mirror_args, run_args, setup_json
from mirrorsim import MirrorSim, Profile, go_env, make_universe

from goaccel.gotool.goauth import load_goauth
from goaccel.measure.classify import HTTP
from goaccel.measure.probe import MirrorProbe, ProbeSettings, Target
from goaccel.measure.runner import probe
from goaccel.measure.workload import ModuleRef

MODS = make_universe(3, sizes=[20_000])
REFS = [ModuleRef(m.path, m.version) for m in MODS]
LOGIN = ("alice", "s3cret")
GOOD = "Basic " + base64.b64encode(b"alice:s3cret").decode()


def netrc(tmp: Path, text: str) -> dict[str, str]:
    path = tmp / "netrc"
    path.write_text(text)
    path.chmod(0o600)
    return {"NETRC": str(path), "HOME": str(tmp), "PATH": os.environ["PATH"]}


def run(sim: MirrorSim, goauth: str, environ: dict[str, str], budget: float = 2.0) -> MirrorProbe:
    auth = load_goauth(goauth, environ, windows=False)
    settings = ProbeSettings(budget=budget, auth=auth)
    (result,) = probe([Target("sim", sim.url)], REFS, settings).mirrors
    return result


def test_netrc_credentials_over_https_as_go_matches_them(
    tmp_path: Path, tls: ssl.SSLContext
) -> None:
    with MirrorSim(MODS, ssl_context=tls, basic_auth=LOGIN) as sim:
        no_netrc = run(sim, "netrc", {"HOME": str(tmp_path / "empty")})
        assert no_netrc.error is not None and no_netrc.error.kind == HTTP
        assert no_netrc.error.status == 401

        sim.clear_requests()
        good = run(sim, "", netrc(tmp_path, f"machine {sim.host} login alice password s3cret\n"))
        assert good.usable, good.error
        assert good.zips_complete == len(MODS)
        assert {r.authorization for r in sim.requests} == {GOOD}
        assert {r.status for r in sim.requests} <= {200, 206}

        sim.clear_requests()
        off = run(sim, "off", netrc(tmp_path, f"machine {sim.host} login alice password s3cret"))
        assert off.error is not None and off.error.status == 401
        assert {r.authorization for r in sim.requests} == {None}

        # go 1.26/1.27 do not match `machine 127.0.0.1` against https://127.0.0.1:PORT
        no_port = run(
            sim, "netrc", netrc(tmp_path, "machine 127.0.0.1 login alice password s3cret")
        )
        assert no_port.error is not None and no_port.error.status == 401


def test_http_mirror_never_gets_credentials(tmp_path: Path) -> None:
    with MirrorSim(MODS) as sim:
        got = run(sim, "netrc", netrc(tmp_path, f"machine {sim.host} login alice password s3cret"))
    assert got.usable
    assert sim.requests and {r.authorization for r in sim.requests} == {None}


def test_credentials_never_follow_a_redirect_to_another_host(
    tmp_path: Path, tls: ssl.SSLContext
) -> None:
    with (
        MirrorSim(MODS, ssl_context=tls, name="other") as other,
        MirrorSim(MODS, name="plain") as plain,
    ):
        # localhost is another host than 127.0.0.1 (go drops Authorization there too); an
        # https-to-http redirect is refused by go, and httpx drops the header on it
        for target in (f"https://localhost:{other.port}", plain.url):
            with MirrorSim(
                MODS, Profile(redirect_to=target, apply_to="zip"), ssl_context=tls
            ) as sim:
                env = netrc(
                    tmp_path,
                    f"machine {sim.host} login alice password s3cret\n"
                    f"machine localhost:{other.port} login bob password other\n",
                )
                run(sim, "netrc", env)
                assert {r.authorization for r in sim.requests} == {GOOD}
                assert any(r.status == 302 for r in sim.requests)
        assert other.requests and plain.requests, "the redirects were followed"
        assert {r.authorization for r in other.requests + plain.requests} == {None}


def _helper(tmp: Path, body: str) -> Path:
    path = tmp / "goauth-helper"
    path.write_text(f"#!{sys.executable}\nimport sys\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_goauth_command_asked_again_with_the_url_after_a_401(
    tmp_path: Path, tls: ssl.SSLContext
) -> None:
    """As go: the command runs once without arguments, and after each 4xx with the URL (and
    the response on stdin); the request is then sent again with what it printed."""
    log = tmp_path / "calls"
    helper = _helper(
        tmp_path,
        f"open({str(log)!r}, 'a').write(repr(sys.argv[1:]) + repr(sys.stdin.readline()) + '\\n')\n"
        "if len(sys.argv) > 1:\n"
        f"    print(sys.argv[1] + '\\n\\nAuthorization: {GOOD}\\n')",
    )
    with MirrorSim(MODS, ssl_context=tls, basic_auth=LOGIN) as sim:
        got = run(sim, str(helper), {"HOME": str(tmp_path), "PATH": os.environ["PATH"]}, 3.0)
    assert got.usable, got.error
    calls = log.read_text().splitlines()
    assert calls[0] == "[]''"  # before the first request: no URL, no stdin
    assert f"['{sim.url}/" in calls[1] and "'HTTP/1.1 401 Unauthorized\\n'" in calls[1]
    statuses = [r.status for r in sim.requests if r.kind == "list"]
    assert statuses == [401, 200]


# --------------------------------------------------------------------------- setup, end to end


def _setup(mirrors: list[MirrorSim], project: Path, env: dict[str, Any]) -> dict[str, Any]:
    proc, doc = setup_json(*mirror_args(*mirrors), *run_args(project, 2), "--dry-run", env=env)
    assert "s3cret" not in proc.stdout + proc.stderr
    return by_url(doc)


@pytest.mark.go
def test_setup_ranks_a_netrc_mirror_and_go_agrees(
    project: Path, tmp_path: Path, tls: ssl.SSLContext
) -> None:
    with (
        MirrorSim(MODS, ssl_context=tls, basic_auth=LOGIN, name="corp") as corp,
        MirrorSim(MODS, Profile(latency=0.05), ssl_context=tls, name="public") as public,
    ):
        # No credentials: the company mirror answers 401 and loses
        ranked = _setup([corp, public], project, {})
        assert ranked[corp.url]["rank"] is None
        assert ranked[corp.url]["error"]["detail"].startswith("HTTP 401")
        proc = go("mod", "download", cwd=project, env=go_env(corp.url))
        assert proc.returncode != 0 and "401 Unauthorized" in proc.stderr

        # With ~/.netrc as go reads it: it wins, and go downloads through it with that file
        home = Path(os.environ["HOME"])
        (home / ".netrc").write_text(f"machine {corp.host} login alice password s3cret\n")
        ranked = _setup([corp, public], project, {})
        assert ranked[corp.url]["rank"] == 1, ranked[corp.url]
        proc = go("mod", "download", cwd=project, env=go_env(corp.url))
        assert proc.returncode == 0, proc.stderr

        # GOAUTH=off (here in the go env file): 401 again, for goaccel and for go
        Path(os.environ["GOENV"]).parent.mkdir(parents=True, exist_ok=True)
        Path(os.environ["GOENV"]).write_text("GOAUTH=off\n")
        ranked = _setup([corp, public], project, {})
        assert ranked[corp.url]["rank"] is None
        proc = go("clean", "-modcache")
        proc = go("mod", "download", cwd=project, env=go_env(corp.url))
        assert proc.returncode != 0 and "401 Unauthorized" in proc.stderr
