"""Regenerate the VCS captures in this directory: real `go mod tidy -x` falling back to git.

The tests cannot make go run git against a real host, so this script builds a private world
and records what go prints in it. Run it as root-in-a-user-namespace with no network at all:

    unshare -rnm sh -c 'ip link set lo up && python tests/data/xlog/capture_vcs.py'

It refuses to run when any network interface other than loopback exists. Inside, it maps
git.corp.example to 127.0.0.1 (a bind mount over /etc/hosts, private to the mount namespace),
serves go-get meta tags and two bare repositories over dumb HTTP on 127.0.0.1:80 (team/lib,
and team/secret which answers 401), puts a MirrorSim that lacks both in front
(GOPROXY=sim,direct), and writes vcs-direct.txt and vcs-terminal-prompts.txt.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))
from mirrorsim import MirrorSim, go_env, make_universe  # noqa: E402

HOST = "git.corp.example"


def _isolated() -> bool:
    # The interfaces of this process's network namespace (/sys/class/net may be the host's).
    return [name for _, name in socket.if_nameindex()] == ["lo"]


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


def _repos(root: Path) -> Path:
    srv = root / "srv"
    for name in ("lib", "secret"):
        src = root / name
        src.mkdir()
        (src / "go.mod").write_text(f"module {HOST}/team/{name}\n\ngo 1.21\n")
        (src / "x.go").write_text(f"package {name}\n")
        _git("init", "-q", cwd=src)
        _git("add", ".", cwd=src)
        _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init", cwd=src)
        _git("tag", "v1.0.0", cwd=src)
        bare = srv / "team" / f"{name}.git"
        bare.parent.mkdir(parents=True, exist_ok=True)
        _git("clone", "-q", "--bare", str(src), str(bare), cwd=root)
        _git("update-server-info", cwd=bare)
    return srv


def _serve(srv: Path) -> None:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, directory=str(srv), **kw)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            if "go-get=1" in query:
                repo = "/".join(path.strip("/").split("/")[:2])
                body = (
                    f'<meta name="go-import" content="{HOST}/{repo} git http://{HOST}/{repo}.git">'
                )
                self._answer(200, body.encode(), "text/html")
            elif path.startswith("/team/secret.git"):
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="corp"')
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                super().do_GET()

        def _answer(self, status: int, body: bytes, ctype: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 80), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()


def main() -> int:
    if not _isolated():
        print("refusing: run inside `unshare -rnm` (only loopback may exist)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp())
    hosts = work / "hosts"
    hosts.write_text(f"127.0.0.1 localhost {HOST}\n")
    subprocess.run(["mount", "--bind", str(hosts), "/etc/hosts"], check=True, timeout=10)
    _serve(_repos(work))
    mods = make_universe(1, uppercase=False)
    for name, out in (("lib", "vcs-direct.txt"), ("secret", "vcs-terminal-prompts.txt")):
        run = work / f"run-{name}"
        proj = run / "p"
        proj.mkdir(parents=True)
        (proj / "go.mod").write_text(
            f"module example.com/app\n\ngo 1.21\n\nrequire {HOST}/team/{name} v1.0.0\n"
        )
        (proj / "main.go").write_text(
            f'package main\n\nimport _ "{HOST}/team/{name}"\n\nfunc main() {{}}\n'
        )
        base = dict(
            os.environ,
            HOME=str(run),
            GOENV=str(run / "env"),
            GOMODCACHE=str(run / "mc"),
            GOCACHE=str(run / "gc"),
            GOPATH=str(run / "gp"),
        )
        with MirrorSim(mods) as sim:
            env = go_env(sim.url + ",direct", base, GOINSECURE=HOST, GONOSUMDB=HOST)
            proc = subprocess.run(
                ["go", "mod", "tidy", "-x"],
                cwd=proj,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        (HERE / out).write_text(proc.stderr.replace(str(run), "/tmp/RUN"))
        print(f"{out}: exit {proc.returncode}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
