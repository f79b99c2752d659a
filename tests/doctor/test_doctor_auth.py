"""`goaccel doctor` on company mirrors behind netrc or GOAUTH: real TLS, the real go, and the
common mistakes (an entry without a password, `machine h` for `h:port`, a GOAUTH command that
fails, GOAUTH values go refuses). No secret is ever shown."""

from __future__ import annotations

import os
import ssl
import stat
import sys
from pathlib import Path
from typing import Any

from helpers import goaccel, run_json
from mirrorsim import MirrorSim, make_universe

MODS = make_universe(2, sizes=[10_000])
LOGIN = ("alice", "s3cret")


def doctor(root: Path, *args: str, env: dict[str, str | None] | None = None) -> dict[str, Any]:
    """doctor --json, and the text report (-v) too: neither may hold a secret."""
    proc, doc = run_json(
        "doctor", str(root), "--probe-timeout", "2", *args, schema="doctor", env=env
    )
    text = goaccel("doctor", str(root), "--probe-timeout", "2", "-v", *args, env=env)
    for out in (proc.stdout + proc.stderr, text.stdout + text.stderr):
        assert "s3cret" not in out and "hunter2" not in out
    return doc


def finding(doc: dict[str, Any], fid: str) -> dict[str, Any]:
    found = [f for f in doc["findings"] if f["id"] == fid]
    assert found, f"no {fid}: {[f['id'] for f in doc['findings']]}"
    return found[0]


def ids(doc: dict[str, Any]) -> list[str]:
    return [f["id"] for f in doc["findings"]]


def write_netrc(text: str, mode: int = 0o600) -> Path:
    path = Path(os.environ["HOME"]) / ".netrc"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_machine_without_port_and_the_fix_that_works(project: Path, tls: ssl.SSLContext) -> None:
    with MirrorSim(MODS, ssl_context=tls, basic_auth=LOGIN) as corp:
        env: dict[str, str | None] = {"GOPROXY": corp.url}
        path = write_netrc("machine 127.0.0.1 login alice password s3cret\n")
        doc = doctor(project, "--no-run", env=env)
        f = finding(doc, "netrc-port-mismatch")
        assert f["status"] == "problem"
        assert f["title"] == (
            f"netrc has machine 127.0.0.1, but go looks for machine 127.0.0.1:{corp.port}"
        )
        assert "golang/go#81253" in f["why"]
        assert f"machine 127.0.0.1:{corp.port} login USER password TOKEN" in f["fix"]
        assert str(path) in f["fix"]
        http = finding(doc, "proxy-http")
        assert http["seen"].startswith("HTTP 401")
        assert f"`machine 127.0.0.1:{corp.port}`" in http["why"]
        assert "goaccel setup" not in http["fix"]  # another mirror would not help

        # The fix, as told: go (the live run) and doctor are then happy
        write_netrc(
            "machine 127.0.0.1 login alice password s3cret\n"
            f"machine 127.0.0.1:{corp.port} login alice password s3cret\n"
        )
        doc = doctor(project, env=env)
        assert doc["problems"] == 0, ids(doc)
        assert finding(doc, "goauth-credentials")["title"] == (
            f"{corp.url} gets credentials from {path} (machine 127.0.0.1:{corp.port})"
        )
        assert "tidy-ok" in ids(doc) and "proxy-ok" in ids(doc)


def test_entry_without_password(project: Path, tls: ssl.SSLContext) -> None:
    with MirrorSim(MODS, ssl_context=tls, basic_auth=LOGIN) as corp:
        path = write_netrc(f"# corp\nmachine {corp.host}\n  login alice\n")
        doc = doctor(project, "--no-run", env={"GOPROXY": corp.url})
    f = finding(doc, "netrc-incomplete")
    assert f["status"] == "problem"
    assert f["title"] == f"the netrc entry for {corp.host} has no password: go ignores it"
    assert f["seen"].startswith(f"{path}, line 2: machine {corp.host} without a password")
    assert f"machine {corp.host} login USER password TOKEN" in f["fix"]


def test_refused_credentials(project: Path, tls: ssl.SSLContext) -> None:
    with MirrorSim(MODS, ssl_context=tls, basic_auth=LOGIN) as corp:
        path = write_netrc(f"machine {corp.host} login alice password hunter2\n")
        doc = doctor(project, "--no-run", env={"GOPROXY": corp.url})
    f = finding(doc, "proxy-http")
    assert f"refused the credentials go sends it, from {path} (machine {corp.host})" in f["why"]
    assert f"renew the password or token of machine {corp.host} in {path}" in f["fix"]


def test_goauth_off_hides_the_netrc_file(project: Path, tls: ssl.SSLContext) -> None:
    with MirrorSim(MODS, ssl_context=tls, basic_auth=LOGIN) as corp:
        write_netrc(f"machine {corp.host} login alice password s3cret\n")
        doc = doctor(project, "--no-run", env={"GOPROXY": corp.url, "GOAUTH": "off"})
    f = finding(doc, "goauth-off")
    assert f["status"] == "problem"
    assert f["fix"].startswith("unset GOAUTH")  # set in the environment


def test_goauth_value_go_refuses(project: Path, tls: ssl.SSLContext) -> None:
    Path(os.environ["GOENV"]).parent.mkdir(parents=True, exist_ok=True)
    Path(os.environ["GOENV"]).write_text("GOAUTH=netrc;\n")
    with MirrorSim(MODS, ssl_context=tls) as corp:
        doc = doctor(project, "--no-run", env={"GOPROXY": corp.url})
    f = finding(doc, "goauth-invalid")
    assert f["status"] == "problem"
    assert "go: GOAUTH encountered an empty command (GOAUTH=netrc;)" in f["seen"]
    assert f["fix"] == "go env -u GOAUTH   # back to the default, netrc"


def test_failing_goauth_command(project: Path, tls: ssl.SSLContext, tmp_path: Path) -> None:
    helper = tmp_path / "corp-auth"
    helper.write_text(
        f"#!{sys.executable}\nimport sys\nprint('https://x\\n\\nAuthorization: hunter2\\n')\n"
        "print('token \\x1b[31mexpired', file=sys.stderr)\nsys.exit(2)\n"
    )
    helper.chmod(helper.stat().st_mode | stat.S_IXUSR)
    with MirrorSim(MODS, ssl_context=tls, basic_auth=LOGIN) as corp:
        doc = doctor(project, "--no-run", env={"GOPROXY": corp.url, "GOAUTH": f"{helper};netrc"})
    f = finding(doc, "goauth-command-failed")
    assert f["status"] == "problem"  # the mirror it is for answered 401
    assert f["seen"] == f"{helper}: exit status 2: token expired"
    assert "export GOAUTH=netrc   # in your shell startup file too" in f["fix"]  # set in env
    (again,) = f["details"]  # after the 401, with the URL: told once, in the same finding
    assert again.startswith(f"also with {corp.url}/")
    assert again.endswith("/@v/list: exit status 2: token expired")


def test_netrc_readable_by_others(project: Path, tls: ssl.SSLContext) -> None:
    with MirrorSim(MODS, ssl_context=tls, basic_auth=LOGIN) as corp:
        path = write_netrc(f"machine {corp.host} login alice password s3cret\n", mode=0o644)
        doc = doctor(project, "--no-run", env={"GOPROXY": corp.url})
    f = finding(doc, "netrc-permissions")
    assert f["status"] == "warning" and f["fix"] == f"chmod 600 {path}"
    assert doc["problems"] == 0, ids(doc)


# --------------------------------------------------------------------------- pure


def test_split_port() -> None:
    from goaccel.doctor.auth import split_port

    assert split_port("h:8443") == ("h", "8443")
    assert split_port("[::1]:8443") == ("[::1]", "8443")
    assert split_port("[::1]") == ("[::1]", None)
    assert split_port("h") == ("h", None)


def test_denied_advice_for_http_and_for_credentials_in_the_url() -> None:
    from goaccel.doctor.auth import denied_advice

    why, fix = denied_advice(None, "http://corp.example:8080")
    assert "https URLs only" in why and "https://" in fix
    why, fix = denied_advice(None, "https://bob:hunter2@corp.example:8443/goproxy")
    assert "hunter2" not in why + fix and "bob" not in why + fix
    assert "machine corp.example:8443 login USER password TOKEN" in fix
