"""A loopback Go module mirror (GOPROXY protocol) with scriptable faults, for tests and benchmarks.

Why this exists: goaccel measures real mirrors and reasons about how the go command reacts to
them (slow, stale, broken, stalled, tampered).  None of that can be tested against the internet,
so this module generates deterministic Go modules and serves them from ``127.0.0.1`` with a
per-mirror :class:`Profile` describing how the mirror misbehaves.  The real go toolchain can be
pointed at a :class:`MirrorSim` (``GOPROXY=sim.url``) and behaves exactly as with a real mirror.

Stdlib only, so benchmark scripts can import it with a plain ``sys.path.insert``.

Typical use::

    modules = make_universe(3)
    with MirrorSim(modules, Profile(latency=0.05)) as sim:
        write_project(tmp_path, modules)
        subprocess.run(["go", "mod", "download"], cwd=tmp_path, env=go_env(sim.url), check=True)

Facts checked against go1.27 (see tests/test_mirrorsim.py, which runs the real toolchain):

* The ``h1:`` hash of a zip hashes every entry under its full name ``path@version/file``.
* The ``h1:`` hash of a ``.mod`` file hashes one file named just ``go.mod`` (no
  ``path@version/`` prefix; cmd/go/internal/modfetch ``goModSum``).
* go case-encodes module paths (``BigMod`` -> ``!big!mod``) and sends ``!`` as ``%21``.
* go shows a non-200 text/plain body as ``server response: ...`` for any status (not only
  404/410), but drops it entirely if it holds a control character such as ESC.
* ``go ... -x`` logs ``# get URL: 200 OK`` when the *headers* arrive, so a mid-body stall
  (``stall_after_bytes``) looks like a finished request; go then waits forever (no response
  timeout) and reports ``unexpected EOF`` only when the connection drops.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import io
import json
import os
import re
import socket
import socketserver
import ssl
import struct
import threading
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote

__all__ = [
    "INFO_TIME",
    "KINDS",
    "UPPERCASE_MODULE",
    "MirrorSim",
    "Module",
    "Profile",
    "RequestRecord",
    "TokenBucket",
    "escape_path",
    "go_env",
    "goproxy",
    "hash1",
    "hash_mod",
    "hash_zip",
    "make_module",
    "make_toolchain",
    "make_universe",
    "package_name",
    "refused_url",
    "start_mirrors",
    "unescape_path",
    "write_project",
]

#: The commit time every generated ``.info`` reports; fixed so output is reproducible.
INFO_TIME = "2024-01-01T00:00:00Z"

#: A fixed zip timestamp (the zip epoch) so the same seed always gives the same bytes.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)

# --------------------------------------------------------------------------------------------
# Module path encoding and go.sum hashes
# --------------------------------------------------------------------------------------------


def escape_path(path: str) -> str:
    """Case-encode a module path or version the way go does in proxy URLs and the module cache.

    Every uppercase ASCII letter becomes ``!`` plus its lowercase form, so that the encoded
    path is safe on case-insensitive file systems (golang.org/x/mod/module.EscapePath).
    """
    return "".join("!" + c.lower() if "A" <= c <= "Z" else c for c in path)


def unescape_path(escaped: str) -> str | None:
    """Invert :func:`escape_path`; ``None`` if ``escaped`` is not a valid case-encoding.

    A raw uppercase letter or a ``!`` not followed by a lowercase letter is invalid: go never
    sends them, and real proxies reject them.
    """
    out: list[str] = []
    bang = False
    for c in escaped:
        if bang:
            if not "a" <= c <= "z":
                return None
            out.append(c.upper())
            bang = False
        elif c == "!":
            bang = True
        elif "A" <= c <= "Z":
            return None
        else:
            out.append(c)
    return None if bang else "".join(out)


def hash1(files: Mapping[str, bytes]) -> str:
    """The go.sum ``h1:`` hash (golang.org/x/mod/sumdb/dirhash.Hash1) of named file contents.

    base64(sha256(summary)) where the summary has one line per file, sorted by name:
    ``<sha256 hex of content>  <name>\\n``.  Names containing a newline are rejected, as in go.
    """
    summary = hashlib.sha256()
    for name in sorted(files):
        if "\n" in name:
            raise ValueError(f"file name contains a newline: {name!r}")
        summary.update(f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n".encode())
    return "h1:" + base64.b64encode(summary.digest()).decode("ascii")


def hash_zip(data: bytes) -> str:
    """``h1:`` of a module zip: every entry hashed under its full name (``path@version/...``).

    Only names and contents count; compression, timestamps and entry order do not.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return hash1({info.filename: zf.read(info) for info in zf.infolist()})


def hash_mod(data: bytes) -> str:
    """``h1:`` of a ``.mod`` file (the ``version/go.mod`` line of go.sum).

    go hashes it as a single file named just ``go.mod``, without the ``path@version/`` prefix
    that zip entries carry (cmd/go/internal/modfetch.goModSum); verified against real go.
    """
    return hash1({"go.mod": data})


# --------------------------------------------------------------------------------------------
# Generated modules
# --------------------------------------------------------------------------------------------

# fmt: off
_GO_KEYWORDS = frozenset(
    {
        "break", "case", "chan", "const", "continue", "default", "defer", "else",
        "fallthrough", "for", "func", "go", "goto", "if", "import", "interface", "map",
        "package", "range", "return", "select", "struct", "switch", "type", "var",
    }
)
# fmt: on
# Valid identifiers that still cannot name an importable package.
_BAD_PACKAGE_NAMES = _GO_KEYWORDS | {"main", "init", "_"}


def package_name(path: str) -> str:
    """The Go package name used for a generated module: its last path element as an identifier.

    A major-version suffix (``/v2``) is skipped, the name is lowercased, anything outside
    ``[a-z0-9_]`` becomes ``_``, and a leading digit, keyword or ``main`` gets fixed up, so
    ``example.com/sim/BigMod`` -> ``bigmod`` and ``example.com/x/go-yaml/v3`` -> ``go_yaml``.
    """
    elems = path.split("/")
    last = elems[-1]
    if len(elems) > 1 and re.fullmatch(r"v[0-9]+", last):
        last = elems[-2]
    name = re.sub(r"[^a-z0-9_]", "_", last.lower())
    if not name or name[0].isdigit():
        name = "m" + name
    if name in _BAD_PACKAGE_NAMES:
        name += "_x"
    return name


@dataclass(frozen=True, repr=False)
class Module:
    """One module version as a mirror serves it: the three protocol files.

    Immutable and hashable, so it can key caches.  The repr is short on purpose: the default
    one would print the whole zip in every pytest failure message.
    """

    path: str
    version: str
    zip: bytes
    mod: bytes
    info: bytes

    def __repr__(self) -> str:
        return f"Module({self.path}@{self.version}, zip={len(self.zip)} bytes)"

    @property
    def escaped_path(self) -> str:
        """The path as it appears in proxy URLs (``!``-encoded, before percent-encoding)."""
        return escape_path(self.path)

    @property
    def package(self) -> str:
        """Import path of the module's single package (the module root)."""
        return self.path

    @functools.cached_property
    def h1_zip(self) -> str:
        """The ``h1:`` hash go records in go.sum for the zip (``path version h1:...``)."""
        return hash_zip(self.zip)

    @functools.cached_property
    def h1_mod(self) -> str:
        """The ``h1:`` hash go records for the go.mod (``path version/go.mod h1:...``)."""
        return hash_mod(self.mod)

    def go_sum_lines(self) -> list[str]:
        """The two go.sum lines for this module, in the order go writes them."""
        return [
            f"{self.path} {self.version} {self.h1_zip}",
            f"{self.path} {self.version}/go.mod {self.h1_mod}",
        ]

    def files(self) -> dict[str, bytes]:
        """The zip's entries by full name (``path@version/file``)."""
        with zipfile.ZipFile(io.BytesIO(self.zip)) as zf:
            return {info.filename: zf.read(info) for info in zf.infolist()}


def _build_zip(entries: Sequence[tuple[str, bytes]]) -> bytes:
    """A deterministic zip: stored (uncompressed), fixed timestamps and attributes.

    Stored entries make the archive size an exact linear function of the content size, which
    is how :func:`make_module` hits the requested size to the byte.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.create_system = 3  # unix, whatever the host, so bytes match across OSes
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_STORED
            zf.writestr(info, data)
    return buf.getvalue()


def _filler(key: bytes, length: int) -> bytes:
    """``length`` bytes of deterministic, hard-to-compress text (base64 lines of a XOF stream).

    Text rather than binary so the module looks like source; random so that any transparent
    compression between go and the mirror cannot hide the transfer size.
    """
    if length <= 0:
        return b""
    raw = hashlib.shake_256(key).digest(length * 3 // 4 + 64)
    text = base64.encodebytes(raw)  # 76 characters per line, newline-terminated
    while len(text) < length:  # pragma: no cover - the 3/4 ratio above always suffices
        text += text
    return text[:length]


def _go_mod(path: str, requires: Iterable[tuple[str, str]]) -> bytes:
    lines = [f"module {path}", "", "go 1.21", ""]
    reqs = sorted(set(requires))
    if reqs:
        lines += ["require (", *(f"\t{p} {v}" for p, v in reqs), ")", ""]
    return "\n".join(lines).encode()


def make_module(
    path: str,
    version: str = "v1.0.0",
    *,
    size: int = 4096,
    seed: int = 0,
    requires: Iterable[tuple[str, str]] = (),
) -> Module:
    """Generate a valid module whose zip is exactly ``size`` bytes (or its minimum, ~700).

    The zip holds, under ``path@version/``: ``go.mod`` (``module path``, ``go 1.21``, and a
    ``require`` block for ``requires``, pairs of (path, version)), ``x.go`` (a compiling package
    named by :func:`package_name`) and ``data/blob.txt`` filler.  The same arguments always give
    the same bytes; ``seed`` changes the filler (hence the hashes) without changing the layout.
    """
    if size < 0:
        raise ValueError("size must be >= 0")
    prefix = f"{path}@{version}/"
    mod = _go_mod(path, requires)
    pkg = package_name(path)
    source = (
        f"// Package {pkg} was generated by goaccel's test mirror simulator.\n"
        f"package {pkg}\n\n"
        "// Module is the module path and version this package was served as.\n"
        f'const Module = "{path}@{version}"\n'
    ).encode()
    head = [(prefix + "go.mod", mod), (prefix + "x.go", source)]
    blob_name = prefix + "data/blob.txt"
    overhead = len(_build_zip([*head, (blob_name, b"")]))
    blob = _filler(f"mirrorsim:{seed}:{path}@{version}".encode(), size - overhead)
    data = _build_zip([*head, (blob_name, blob)])
    info = json.dumps({"Version": version, "Time": INFO_TIME}).encode()
    return Module(path=path, version=version, zip=data, mod=mod, info=info)


def make_toolchain(go_version: str, goos: str, goarch: str, *, size: int = 50_000) -> Module:
    """A stand-in for the toolchain zip go downloads when go.mod needs a newer go:
    ``golang.org/toolchain@v0.0.1-go<go_version>.<goos>-<goarch>``, which go asks a mirror for
    as a ``.zip`` only (no ``.info`` or ``.mod``).  A mirror serves it when it is among its
    modules.  The zip holds no real go (``size`` bytes of filler), so go cannot run it; and go
    verifies a toolchain against the checksum database even with ``GOSUMDB=off`` (which makes
    the download fail), so a test never gets as far as running it."""
    return make_module(
        "golang.org/toolchain", f"v0.0.1-go{go_version}.{goos}-{goarch}", size=size, seed=99
    )


#: Path of the module with an uppercase letter that :func:`make_universe` always includes.
UPPERCASE_MODULE = "example.com/sim/BigMod"


def make_universe(
    n: int,
    *,
    seed: int = 0,
    sizes: int | Sequence[int] = 4096,
    version: str = "v1.0.0",
    uppercase: bool = True,
) -> list[Module]:
    """``n`` independent modules ``example.com/sim/mod00``, ``mod01``... at ``version``.

    With ``uppercase`` (the default) and ``n >= 2`` the last one is ``example.com/sim/BigMod``
    instead, so every project built from a universe exercises case-encoding (``%21big%21mod``).
    ``sizes`` is one zip size for all, or a sequence cycled over the modules.
    """
    if isinstance(sizes, int):
        sizes = [sizes]
    if not sizes:
        raise ValueError("sizes must not be empty")
    modules = []
    for i in range(n):
        path = f"example.com/sim/mod{i:02d}"
        if uppercase and n >= 2 and i == n - 1:
            path = UPPERCASE_MODULE
        modules.append(make_module(path, version, size=sizes[i % len(sizes)], seed=seed))
    return modules


def write_project(
    directory: str | os.PathLike[str],
    modules: Sequence[Module],
    *,
    module_path: str = "example.com/app",
    go_sum: bool = True,
) -> Path:
    """Write a main module that requires and imports every module: go.mod, go.sum, main.go.

    ``go build``, ``go mod download`` and ``go mod tidy`` then fetch all of ``modules``.  With
    ``go_sum`` the go.sum holds both ``h1:`` lines per module in go's own order (so after
    ``go mod tidy`` go rewrites it byte-identical); without it go must compute the hashes.
    """
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    by_path = {m.path: m for m in modules}
    if len(by_path) != len(modules):
        raise ValueError("a project can require only one version of each module path")
    ordered = sorted(modules, key=lambda m: m.path)
    go_mod = [f"module {module_path}", "", "go 1.21", ""]
    if ordered:
        go_mod += ["require (", *(f"\t{m.path} {m.version}" for m in ordered), ")", ""]
    (root / "go.mod").write_text("\n".join(go_mod), encoding="utf-8")
    sums = sorted(line for m in ordered for line in m.go_sum_lines())
    if go_sum:
        (root / "go.sum").write_text("".join(line + "\n" for line in sums), encoding="utf-8")
    imports = "".join(f'\t_ "{m.package}"\n' for m in ordered)
    main_go = "package main\n\n"
    if imports:
        main_go += f"import (\n{imports})\n\n"
    main_go += "func main() {}\n"
    (root / "main.go").write_text(main_go, encoding="utf-8")
    return root


def _semver_key(version: str) -> tuple[int, int, int, int, str]:
    m = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)(?:-([^+]*))?(?:\+.*)?", version)
    if not m:
        return (-1, -1, -1, -1, version)
    major, minor, patch, pre = m.groups()
    return (int(major), int(minor), int(patch), 0 if pre else 1, pre or "")


@functools.lru_cache(maxsize=64)
def _tampered_zip(module: Module) -> bytes:
    """A well-formed zip of the module with ``x.go`` changed: go must say checksum mismatch."""
    entries = list(module.files().items())
    tampered = [
        (name, data + b"\n// tampered by mirrorsim\n" if name.endswith("/x.go") else data)
        for name, data in entries
    ]
    return _build_zip(tampered)


@functools.lru_cache(maxsize=64)
def _garbage_zip(module: Module) -> bytes:
    """Junk of exactly the zip's length: go must fail to open it as a zip."""
    return hashlib.shake_256(f"garbage:{module.path}@{module.version}".encode()).digest(
        len(module.zip)
    )


# --------------------------------------------------------------------------------------------
# Mirror behaviour
# --------------------------------------------------------------------------------------------

#: Request kinds, as recorded in :class:`RequestRecord` and accepted by ``Profile.apply_to``.
KINDS = ("list", "info", "mod", "zip", "latest", "sumdb", "root", "other")
_CORRUPT_MODES = (None, "garbage", "tamper")


@dataclass
class Profile:
    """How one mirror behaves.  Every default means "healthy and instant".

    Speed (``latency``, ``connect_latency``, ``bandwidth``) applies to every request.  Faults
    (``status``, ``stall``, ``stall_after_bytes``, ``reset``, ``corrupt``) apply only to the
    requests selected by ``apply_to``: ``"all"``, ``"zip"``, ``"small"`` (everything but
    ``.zip``: list/info/mod/@latest/sumdb), or one kind from :data:`KINDS`.  That is enough to
    model e.g. a mirror that answers metadata quickly but stalls every zip.  ``missing`` (a
    stale mirror) is content, not a fault, and is never scoped.

    The server reads the profile afresh for every request, so tests may swap
    ``sim.profile`` or mutate its fields while the mirror runs.
    """

    #: Seconds slept before every response (also before a reset).
    latency: float = 0.0
    #: Extra seconds before the first response on each new TCP connection (a slow handshake).
    connect_latency: float = 0.0
    #: Bytes/second cap on response bodies, shared by all connections of this mirror.
    bandwidth: float | None = None
    #: Forced HTTP status for every request in scope, with ``error_body`` as text/plain.
    status: int | None = None
    #: Body sent with a forced ``status``.  Tests put escapes and markup here on purpose.
    error_body: str = "forced error"
    #: Module paths this mirror 404s (list, info, mod, zip, @latest): a stale mirror.
    missing: frozenset[str] = frozenset()
    #: Accept the request and never answer, until the server stops.
    stall: bool = False
    #: For a ``.zip``: send headers (with the full Content-Length) and this many body bytes,
    #: then hold the connection open without sending more until the server stops.
    stall_after_bytes: int | None = None
    #: Reset the TCP connection (RST, via SO_LINGER 0) instead of answering.
    reset: bool = False
    #: ``None``, ``"garbage"`` (zip replaced by junk of the same length) or ``"tamper"`` (a
    #: valid zip with one file changed, so go reports a checksum mismatch).
    corrupt: str | None = None
    #: Whether ``/sumdb/<name>/supported`` answers 200 (else 404), i.e. whether go routes
    #: checksum-database traffic through this mirror.  Lookups themselves are not simulated.
    sumdb_supported: bool = True
    #: Serve ``GET /latest`` (200, a tree-head-like text) like a checksum database's root, to
    #: stand in for "sum.golang.org is reachable".
    sumdb_root: bool = False
    #: Answer ``302 Found`` with ``Location: <redirect_to><the request's path>`` instead of the
    #: content, for the requests in scope: a mirror whose zips live on another host.
    redirect_to: str | None = None
    #: Which requests the faults apply to; see the class docstring.
    apply_to: str = "all"
    #: Honour ``Range: bytes=A-B`` on zips with a 206 (as most mirrors' storage does); False
    #: sends the whole body with 200, as a server that ignores Range.
    ranges: bool = True

    def __post_init__(self) -> None:
        self.missing = frozenset(self.missing)
        if self.corrupt not in _CORRUPT_MODES:
            raise ValueError(f"corrupt must be one of {_CORRUPT_MODES}, not {self.corrupt!r}")
        if self.apply_to not in ("all", "small", *KINDS):
            raise ValueError(f"apply_to must be 'all', 'small' or a kind, not {self.apply_to!r}")
        if self.bandwidth is not None and self.bandwidth <= 0:
            raise ValueError("bandwidth must be positive (or None for unlimited)")
        if self.latency < 0 or self.connect_latency < 0:
            raise ValueError("latencies must be >= 0")

    def applies(self, kind: str) -> bool:
        """Whether the faults of this profile apply to a request of ``kind``."""
        if self.apply_to == "all":
            return True
        if self.apply_to == "small":
            return kind != "zip"
        return kind == self.apply_to


@dataclass(frozen=True)
class RequestRecord:
    """One request as the mirror saw it, logged when the response (or fault) starts."""

    method: str
    #: The request target exactly as received (still percent-encoded, prefix included).
    path: str
    #: HTTP status sent, or ``"stalled"`` / ``"reset"``.
    status: int | str
    #: 1-based id of the TCP connection; equal ids mean a reused (keep-alive) connection.
    conn_id: int
    #: ``time.monotonic()`` when the request line had been read.
    timestamp: float
    #: One of :data:`KINDS`.
    kind: str
    #: Decoded module path, for module requests.
    module: str | None = None
    #: Decoded version, for info/mod/zip requests.
    version: str | None = None
    user_agent: str = ""
    #: The ``Authorization`` header as received (None without one): what the client sent.
    authorization: str | None = None


class TokenBucket:
    """Paces bytes to ``rate`` per second across all threads that share it.

    A token bucket with no burst allowance, implemented as a virtual clock: each chunk
    reserves the next ``n / rate`` seconds of the link, then its writer sleeps until its slot
    ends.  Concurrent connections therefore split the mirror's bandwidth instead of each
    getting the full rate, as on a real congested uplink.  Waits end early when ``stop`` is set.
    """

    def __init__(self, stop: threading.Event) -> None:
        self._stop = stop
        self._lock = threading.Lock()
        self._next = 0.0

    def reserve(self, n: int, rate: float) -> float:
        """Reserve the link for ``n`` bytes at ``rate``; the monotonic time the slot ends."""
        with self._lock:
            start = max(time.monotonic(), self._next)
            self._next = start + n / rate
            return self._next

    def consume(self, n: int, rate: float) -> bool:
        """Block until ``n`` bytes may be sent at ``rate``; False if the server is stopping."""
        return _wait_until(self.reserve(n, rate), self._stop)


def _wait_until(due: float, stop: threading.Event) -> bool:
    delay = due - time.monotonic()
    if delay > 0:
        return not stop.wait(delay)
    return not stop.is_set()


class SharedLink:
    """One downlink shared by several mirrors, as the user's last mile is in real life.

    The same virtual clock as :class:`TokenBucket`, kept in shared memory so that mirrors in
    other processes (``multiprocessing``, spawn: pass it as a Process argument) pace their
    bodies against the same link; ``time.monotonic`` is the same clock in every process.
    Every response body of every mirror given the link queues on it, small ones too: a
    mirror's ``.info`` waits behind another mirror's zip, as it would on a congested link.
    """

    def __init__(self, rate: float) -> None:
        import multiprocessing

        if rate <= 0:
            raise ValueError("a link's rate must be positive")
        self.rate = rate
        self._next = multiprocessing.get_context("spawn").Value("d", 0.0)

    def reserve(self, n: int) -> float:
        with self._next.get_lock():
            start = max(time.monotonic(), self._next.value)
            self._next.value = start + n / self.rate
            return float(self._next.value)


@dataclass
class _Route:
    kind: str
    status: int
    body: bytes
    module: str | None = None
    version: str | None = None
    content_type: str = "text/plain; charset=utf-8"


_SUMDB_LATEST = (
    b"go.sum database tree\n"
    b"31337\n"
    b"mirrorsimmirrorsimmirrorsimmirrorsimmirrorsim0=\n"
    b"\n"
    b"\xe2\x80\x94 sum.golang.org mirrorsim-is-not-a-real-signature\n"
)


def _basic(login: str, password: str) -> str:
    """The Authorization header value of HTTP basic authentication."""
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode("ascii")


def _not_found(
    kind: str, text: str, module: str | None = None, version: str | None = None
) -> _Route:
    return _Route(kind, 404, text.encode(), module, version)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    sim: MirrorSim

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup: skip it so the
        # simulator never talks to a resolver.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up mid-response are routine here; do not print tracebacks."""


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """One ``bytes=A-B`` (or ``A-``) range within ``size``, else None (served whole)."""
    m = re.fullmatch(r"bytes=(\d+)-(\d*)", (header or "").strip())
    if m is None or size == 0:
        return None
    first = int(m.group(1))
    last = min(int(m.group(2)) if m.group(2) else size - 1, size - 1)
    return (first, last) if first <= last else None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients may reuse connections
    server_version = "mirrorsim/1"
    sys_version = ""

    sim: MirrorSim
    conn_id: int
    fresh: bool

    def setup(self) -> None:
        # Like Go's net/http: no Nagle. Without this, headers and body written separately meet
        # the client's delayed ACK and every request on a reused connection costs ~40 ms more.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sim = cast(_Server, self.server).sim
        if self.sim.ssl_context is not None:
            # The handshake happens here, on this connection's own thread: a client that
            # never finishes it holds up no one else. A failed handshake ends the connection.
            self.request = self.sim.ssl_context.wrap_socket(self.request, server_side=True)
        super().setup()
        self.conn_id = self.sim._open_connection(self.connection)
        self.fresh = True

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.sim._close_connection(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default one-line-per-request stderr log."""

    def do_GET(self) -> None:
        try:
            self._serve()
        except OSError:  # the client went away (timeout, reset): drop the connection
            self.close_connection = True

    def _record(self, route: _Route, status: int | str, started: float) -> None:
        self.sim._log(
            RequestRecord(
                method=self.command,
                path=self.path,
                status=status,
                conn_id=self.conn_id,
                timestamp=started,
                kind=route.kind,
                module=route.module,
                version=route.version,
                user_agent=self.headers.get("User-Agent", ""),
                authorization=self.headers.get("Authorization"),
            )
        )

    def _hold(self) -> None:
        """Keep the connection open, silent, until the server stops; then drop it."""
        self.sim._stopping.wait()
        self.close_connection = True

    def _delay(self, profile: Profile) -> bool:
        """Sleep the configured latency; False if the server stopped meanwhile."""
        delay = profile.latency + (profile.connect_latency if self.fresh else 0.0)
        self.fresh = False
        return delay <= 0 or not self.sim._stopping.wait(delay)

    def _serve(self) -> None:
        started = time.monotonic()
        profile = self.sim.profile
        route = self.sim._route(self.path, profile)
        faulty = profile.applies(route.kind)

        if faulty and profile.stall:
            self._record(route, "stalled", started)
            self._hold()
            return
        if faulty and profile.reset:
            if self._delay(profile):
                self._record(route, "reset", started)
                self._reset()
            self.close_connection = True
            return

        status, body, ctype = route.status, route.body, route.content_type
        stall_after: int | None = None
        extra: dict[str, str] = {}
        login = self.sim.basic_auth
        if login is not None and self.headers.get("Authorization") != _basic(*login):
            status, body = 401, b"unauthorized: credentials required"
            ctype = "text/plain; charset=utf-8"
            extra["WWW-Authenticate"] = 'Basic realm="mirrorsim"'
        elif faulty and profile.redirect_to is not None:
            status, body = 302, b""
            extra["Location"] = profile.redirect_to.rstrip("/") + self.path
        elif faulty and profile.status is not None:
            status, body = profile.status, profile.error_body.encode("utf-8", "replace")
            ctype = "text/plain; charset=utf-8"
        elif faulty and route.kind == "zip" and status == 200:
            module = self.sim._module(route.module or "", route.version or "")
            if module is not None and profile.corrupt == "tamper":
                body = _tampered_zip(module)
            elif module is not None and profile.corrupt == "garbage":
                body = _garbage_zip(module)
            stall_after = profile.stall_after_bytes
            if stall_after is not None and stall_after >= len(body):
                stall_after = None  # nothing left to withhold: an ordinary response

        wanted = _byte_range(self.headers.get("Range"), len(body))
        if wanted is not None and status == 200 and route.kind == "zip" and profile.ranges:
            first, last = wanted
            extra["Content-Range"] = f"bytes {first}-{last}/{len(body)}"
            status, body, stall_after = 206, body[first : last + 1], None
        self._record(route, "stalled" if stall_after is not None else status, started)
        if not self._delay(profile):
            self.close_connection = True
            return
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for key, value in extra.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if stall_after is not None:
            self._write(body[: max(0, stall_after)], profile)
            self._hold()
            return
        if not self._write(body, profile):
            self.close_connection = True

    def _write(self, body: bytes, profile: Profile) -> bool:
        """Send ``body``, paced by the mirror's bucket and its shared link; False if stopped."""
        view = memoryview(body)
        rate = profile.bandwidth
        link = self.sim.link
        if rate is None and link is None:
            self.wfile.write(view)
            return True
        slowest = min(r for r in (rate, link.rate if link else None) if r is not None)
        # Small chunks (~20 ms of link time each) keep the pacing smooth and measurable.
        chunk = max(256, min(16384, int(slowest / 50)))
        for offset in range(0, len(view), chunk):
            piece = view[offset : offset + chunk]
            due = self.sim._bucket.reserve(len(piece), rate) if rate is not None else 0.0
            if link is not None:
                due = max(due, link.reserve(len(piece)))
            if not _wait_until(due, self.sim._stopping):
                return False
            self.wfile.write(piece)
        return True

    def _reset(self) -> None:
        """Abort the connection with a TCP RST rather than a clean FIN."""
        sock = self.connection
        # struct linger is {int, int} on Linux/macOS; Windows reads {u_short, u_short} from
        # the same little-endian bytes, which still means "on, 0 seconds".
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # The rfile/wfile wrappers hold references to the socket; the descriptor (and so the
        # RST) only goes out once all of them are closed.
        for f in (self.rfile, self.wfile):
            with contextlib.suppress(OSError):
                f.close()
        sock.close()


class MirrorSim:
    """A threaded HTTP/1.1 GOPROXY server on 127.0.0.1 serving ``modules`` per ``profile``.

    Use as a context manager or call :meth:`start` / :meth:`stop`.  :meth:`stop` returns in
    well under a second even while handlers are stalled: every wait in a handler is on one
    Event that stop sets, open keep-alive connections are shut down, and handler threads are
    daemons.  A stopped mirror cannot be restarted; make a new one (``port=`` reuses a port).

    ``prefix`` (e.g. ``"/goproxy"``) serves the protocol under a base path, as
    mirrors.aliyun.com/goproxy/ does; requests outside it get 404.

    ``link`` (a :class:`SharedLink`) makes this mirror's responses share one downlink with
    every other mirror given the same link, even in other processes.

    ``ssl_context`` (a server context, e.g. from trustme) serves https instead of http.
    ``basic_auth=(login, password)`` answers 401 (with ``WWW-Authenticate: Basic``) to every
    request whose ``Authorization`` header is not exactly that login's: a company mirror.
    """

    def __init__(
        self,
        modules: Iterable[Module],
        profile: Profile | None = None,
        *,
        name: str = "sim",
        prefix: str = "",
        port: int = 0,
        link: SharedLink | None = None,
        ssl_context: ssl.SSLContext | None = None,
        basic_auth: tuple[str, str] | None = None,
    ) -> None:
        self.name = name
        #: The downlink this mirror shares with others (None: its own, unlimited).
        self.link = link
        self.ssl_context = ssl_context
        self.basic_auth = basic_auth
        self.profile = profile if profile is not None else Profile()
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        self.modules: tuple[Module, ...] = tuple(modules)
        self._index: dict[tuple[str, str], Module] = {(m.path, m.version): m for m in self.modules}
        self._versions: dict[str, list[str]] = {}
        for m in self.modules:
            self._versions.setdefault(m.path, []).append(m.version)
        for versions in self._versions.values():
            versions.sort(key=_semver_key)
        self._requested_port = port
        self._stopping = threading.Event()
        self._bucket = TokenBucket(self._stopping)
        self._log_cond = threading.Condition()
        self._requests: list[RequestRecord] = []
        self._conn_lock = threading.Lock()
        self._connections = 0
        self._open: set[socket.socket] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> MirrorSim:
        """Bind 127.0.0.1 (ephemeral port unless ``port`` was given) and serve in a thread."""
        if self._server is not None:
            raise RuntimeError("MirrorSim already started (a stopped one cannot restart)")
        server = _Server(("127.0.0.1", self._requested_port), _Handler)
        server.sim = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"mirrorsim-{self.name}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release stalled handlers and drop open connections.  Idempotent."""
        server = self._server
        if server is None or self._stopping.is_set():
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._conn_lock:
            open_socks = list(self._open)
        for sock in open_socks:  # wakes handlers blocked reading the next keep-alive request
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=1.0)

    def __enter__(self) -> MirrorSim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses -----------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("MirrorSim not started")
        return int(self._server.server_address[1])

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The GOPROXY entry for this mirror, e.g. ``http://127.0.0.1:PORT/goproxy`` (https
        with an ``ssl_context``)."""
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}{self.prefix}"

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "not started"
        return f"MirrorSim({self.name!r}, {where}, {self.profile!r})"

    # -- observation ---------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot (copy) of the request log, oldest first."""
        with self._log_cond:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._log_cond:
            self._requests.clear()

    @property
    def connections(self) -> int:
        """How many TCP connections this mirror has accepted so far."""
        with self._conn_lock:
            return self._connections

    def wait_for(
        self, predicate: Callable[[list[RequestRecord]], bool], timeout: float = 5.0
    ) -> bool:
        """Block until ``predicate(log)`` holds (re-checked on each new record) or ``timeout``.

        For tests that drive go in a subprocess: e.g. wait until a stalled zip request arrived.
        """
        with self._log_cond:
            return self._log_cond.wait_for(lambda: predicate(list(self._requests)), timeout)

    # -- internals used by the handler ---------------------------------------------------

    def _log(self, record: RequestRecord) -> None:
        with self._log_cond:
            self._requests.append(record)
            self._log_cond.notify_all()

    def _open_connection(self, sock: socket.socket) -> int:
        with self._conn_lock:
            self._connections += 1
            self._open.add(sock)
            return self._connections

    def _close_connection(self, sock: socket.socket) -> None:
        with self._conn_lock:
            self._open.discard(sock)

    def _module(self, path: str, version: str) -> Module | None:
        return self._index.get((path, version))

    def _route(self, target: str, profile: Profile) -> _Route:
        """Map a request target to the healthy response (before any fault is applied)."""
        target = target.split("?", 1)[0]
        if self.prefix:
            if target != self.prefix and not target.startswith(self.prefix + "/"):
                return _not_found("other", f"not found: {target}")
            target = target[len(self.prefix) :]
        path = unquote(target)

        if path == "/latest":
            if profile.sumdb_root:
                return _Route("root", 200, _SUMDB_LATEST)
            return _not_found("root", "not found")
        if path.startswith("/sumdb/"):
            if re.fullmatch(r"/sumdb/[^/]+/supported", path) and profile.sumdb_supported:
                return _Route("sumdb", 200, b"")
            return _not_found("sumdb", "not found")

        if path.endswith("/@latest"):
            kind, escaped, file = "latest", path[1 : -len("/@latest")], ""
        elif "/@v/" in path:
            escaped, file = path[1:].split("/@v/", 1)
            if file == "list":
                kind = "list"
            else:
                kind = next((k for k in ("info", "mod", "zip") if file.endswith("." + k)), "")
                if not kind:
                    return _not_found("other", f"not found: {path}")
        else:
            return _not_found("other", f"not found: {path}")

        module = unescape_path(escaped)
        if not module:
            return _not_found(kind, f"not found: invalid escaped module path {escaped!r}")
        version: str | None = None
        if kind in ("info", "mod", "zip"):
            version = unescape_path(file[: -len(kind) - 1])
            if not version:
                return _not_found(kind, f"not found: invalid escaped version {file!r}", module)

        versions = self._versions.get(module, [])
        if module in profile.missing or not versions:
            where = f"{module}@{version}" if version else f"module {module}"
            return _not_found(kind, f"not found: {where}: no such module on this mirror", module)
        if kind == "list":
            return _Route(kind, 200, "".join(v + "\n" for v in versions).encode(), module)
        if kind == "latest":
            latest = self._index[(module, versions[-1])]
            return _Route(kind, 200, latest.info, module, latest.version, "application/json")
        found = self._index.get((module, version or ""))
        if found is None:
            text = f"not found: {module}@{version}: invalid version: unknown revision {version}"
            return _not_found(kind, text, module, version)
        if kind == "info":
            return _Route(kind, 200, found.info, module, version, "application/json")
        if kind == "mod":
            return _Route(kind, 200, found.mod, module, version)
        return _Route(kind, 200, found.zip, module, version, "application/zip")


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def refused_url() -> str:
    """``http://127.0.0.1:PORT`` where nothing listens: connecting is refused at once.

    The port was free a moment ago (bound, read, closed); another process could take it in
    between, but on a test machine that is vanishingly rare.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def start_mirrors(
    profiles: Mapping[str, Profile],
    modules: Iterable[Module],
    *,
    prefix: str = "",
    link: SharedLink | None = None,
) -> Iterator[dict[str, MirrorSim]]:
    """Run one :class:`MirrorSim` per named profile, all serving ``modules``; stop them all.
    ``link``: one downlink they all share."""
    modules = tuple(modules)
    with contextlib.ExitStack() as stack:
        yield {
            name: stack.enter_context(
                MirrorSim(modules, profile, name=name, prefix=prefix, link=link)
            )
            for name, profile in profiles.items()
        }


def goproxy(*mirrors: MirrorSim | str, sep: str = ",", tail: str | None = None) -> str:
    """A GOPROXY value from mirrors or URLs, e.g. ``goproxy(a, b, tail="off")``."""
    entries = [m.url if isinstance(m, MirrorSim) else m for m in mirrors]
    if tail:
        entries.append(tail)
    return sep.join(entries)


def go_env(proxy: str, base: Mapping[str, str] | None = None, **overrides: str) -> dict[str, str]:
    """Environment for running go against simulated mirrors only.

    A copy of ``base`` (default ``os.environ``) with ``GOPROXY=proxy``, the checksum database
    off (no database knows generated modules, and it would mean contacting sum.golang.org),
    ``GOTOOLCHAIN=local`` (never download a toolchain) and no private-module patterns (which
    would send go around the proxy).  ``overrides`` win; pass ``GOSUMDB=...`` to test sumdb
    routing through a mirror.
    """
    env = dict(os.environ if base is None else base)
    for key in ("GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOINSECURE", "GOFLAGS"):
        env.pop(key, None)
    env.update(
        GOPROXY=proxy,
        GOSUMDB="off",
        GOTOOLCHAIN="local",
        GOFLAGS="-modcacherw -mod=mod",
        GOTELEMETRY="off",
    )
    env.update(overrides)
    return env
