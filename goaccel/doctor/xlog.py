"""Parse the stderr of `go mod tidy -x` (or download/get/build with -x) as go writes it.

doctor streams go's stderr under a watchdog and may stop go midway, so the parser is fed one
line at a time with the monotonic time the line was read. What go prints with -x (go1.27,
cmd/go/internal/web/http.go and modfetch/codehost):

    # get URL                                       a request starts
    # get URL: 200 OK (0.123s)                      it ended (any HTTP status, go's duration)
    # get URL: Get "URL": dial tcp ...: refused     it failed (no duration)
    # get URL: insecure credentials                 refused before sending (no start line)
    mkdir -p DIR # git3 REPO-URL                    VCS work dir: DIR/sha256("git3:REPO-URL")
    # lock DIR.lock
    cd DIR; git ls-remote -q --end-of-options URL   a VCS command starts
    0.456s # cd DIR; git ls-remote ...              it ended
    go: downloading MOD VER                         tidy/get/build (never `go mod download`)
    go: downloading go1.X.Y (linux/amd64)           a toolchain switch

A `# get` without its end line is a request still in flight: that is how a stalled mirror
shows (go has no response timeout) when the watchdog kills go. But go also exits at once on
a fatal error (a checksum mismatch, say) and leaves its other requests without an end line:
call `close(t)` when go exited by itself, and those count as abandoned, not stalled.
Everything that is not -x output is go's own message
text, kept (sanitized, in order) in `messages` for messages.py.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import deque
from collections.abc import Collection
from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlsplit

from goaccel.doctor.model import HostTime, Request, Timing
from goaccel.textsafe import mask_url, mask_urls_in_text, strip_control, untrusted

ROLE_PROXY = "proxy"
ROLE_SUMDB = "sumdb"
ROLE_VCS = "vcs"
ROLE_TOOLCHAIN = "toolchain"
ROLE_OTHER = "other"

VCS_TOOLS = ("git", "hg", "svn", "bzr", "fossil")
#: Request.status of a request go left open when it exited on its own (after XLog.close).
ABANDONED = "abandoned: go exited"

# Kept lines are bounded: a runaway go (or a hostile server's body echoed by go) must not
# grow doctor's memory without limit.
MAX_MESSAGES = 2000
MAX_LINE = 2000
MAX_STATUS = 300

_GET_START = re.compile(r"# get (\S+)")
_GET_END = re.compile(r"# get (\S+): (.*?)(?: \((\d+(?:\.\d+)?)s\))?")
_VCS_CMD = re.compile(r"(?:cd (?P<dir>.+?); )?(?P<tool>" + "|".join(VCS_TOOLS) + r") (?P<args>.*)")
_VCS_END = re.compile(r"(\d+(?:\.\d+)?)s # (.*)")
_WORKDIR = re.compile(r"mkdir -p (.+) # ([\w.]+) (\S+)")
_OTHER_X = re.compile(r"# lock \S|# ignoring directory \S|cd \S|mkdir -p \S")
_DOWNLOADING = re.compile(r"go: downloading (\S+) (\S+)")
_DOWNLOADING_TOOLCHAIN = re.compile(r"go: downloading (go\d\S*) \((\S+)\)")
# A repository in a VCS command line: a URL, or git's scp-like `git@host:path`.
_REPO_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"]+|[\w.-]+@[\w.-]+:[^\s'\"]+")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def is_x_line(line: str) -> bool:
    """Whether a stderr line is -x trace output rather than one of go's own messages."""
    line = line.rstrip("\r\n")
    return bool(
        _GET_START.fullmatch(line)
        or _GET_END.fullmatch(line)
        or _VCS_END.fullmatch(line)
        or _VCS_CMD.fullmatch(line)
        or _OTHER_X.match(line)
    )


def host_of(url: str) -> str:
    """`host[:port]` of a URL, lower-cased, without credentials; "" if it has none.

    A bare `host:port` (a GOPROXY entry without scheme) is read as https, like go does.
    IPv6 literals keep their brackets: `[::1]:8080`.
    """
    url = url.strip()
    if "://" not in url:
        url = "https://" + url
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return ""
    return netloc.rpartition("@")[2].lower()


def bare_host(host: str) -> str:
    """`host` without its port (`[::1]:8080` -> `[::1]`, `a.b:443` -> `a.b`)."""
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.partition(":")[0]


def host_in(host: str, hosts: Collection[str]) -> bool:
    """Whether `host` is one of `hosts` (as host_of() gives them), port-insensitive when
    one side names no port (`goproxy.cn` matches `goproxy.cn:443`)."""
    if not host:
        return False
    normalized = {host_of(h) for h in hosts if h}
    if host in normalized:
        return True
    bare = bare_host(host)
    return any(bare_host(h) == bare and (h == bare_host(h) or host == bare) for h in normalized)


def _clean(text: str, limit: int = MAX_LINE) -> str:
    """One line as kept: control characters stripped (tabs kept), credentials masked."""
    text = mask_urls_in_text(strip_control(text, keep_newlines=True).replace("\n", " "))
    return text[:limit]


def _clean_url(url: str) -> str:
    return mask_url(strip_control(url))[:MAX_LINE]


@dataclass
class XRequest:
    """One `# get`: started at `start`; `end`/`status` stay None while it is in flight."""

    url: str  # credentials masked
    host: str
    start: float
    end: Optional[float] = None
    status: Optional[str] = None  # "200 OK", "404 Not Found", or go's error text
    go_seconds: Optional[float] = None  # go's own measure, on HTTP answers only

    @property
    def finished(self) -> bool:
        return self.end is not None

    @property
    def code(self) -> Optional[int]:
        """The HTTP status code, None for a transport error or an unfinished request."""
        m = re.match(r"(\d{3})\b", self.status or "")
        return int(m.group(1)) if m else None

    @property
    def failed(self) -> bool:
        """Ended without an HTTP answer (refused, reset, timeout, insecure...)."""
        return self.finished and self.code is None

    @property
    def path(self) -> str:
        try:
            return urlsplit(self.url).path
        except ValueError:
            return ""

    @property
    def go_get(self) -> bool:
        """A `?go-get=1` lookup: go resolving a module path to its repository (direct mode)."""
        try:
            return "go-get=1" in urlsplit(self.url).query.split("&")
        except ValueError:
            return False

    def seconds(self, now: float) -> float:
        """go's duration if it printed one, else the time between our lines (or until now)."""
        if self.go_seconds is not None:
            return self.go_seconds
        return max(0.0, (self.end if self.end is not None else now) - self.start)


@dataclass
class VcsCommand:
    """One VCS command go ran (in direct mode), e.g. `git ls-remote` or `git fetch`."""

    command: str  # as go printed it, without the `cd DIR; ` prefix; credentials masked
    tool: str  # git, hg, svn, bzr, fossil
    dir: str
    repo: Optional[str]  # the repository URL when visible or known from the work dir
    host: str  # the repository's host, "" when unknown
    start: float
    end: Optional[float] = None
    go_seconds: Optional[float] = None

    @property
    def finished(self) -> bool:
        return self.end is not None

    def seconds(self, now: float) -> float:
        if self.go_seconds is not None:
            return self.go_seconds
        return max(0.0, (self.end if self.end is not None else now) - self.start)


@dataclass(frozen=True)
class Download:
    """A `go: downloading M V` line. For a toolchain: module golang.org/toolchain, version
    `go1.X.Y`, platform `linux/amd64`."""

    module: str
    version: str
    t: float
    platform: str = ""

    @property
    def toolchain(self) -> bool:
        return self.module == "golang.org/toolchain"


@dataclass(frozen=True)
class Fallback:
    """go fetched something directly instead of through GOPROXY.

    kind "go-get": a `?go-get=1` lookup of `target` (a module/import path) on `host`;
    kind "vcs": VCS commands against the repository `target` on `host`.
    """

    kind: str
    target: str
    host: str
    t: float


@dataclass(frozen=True)
class Message:
    """A line of go's own output (not -x), sanitized; `text` keeps a leading tab, which is
    how go continues a multi-line error."""

    text: str
    t: float


class XLog:
    """Incremental parser of `go ... -x` stderr. Feed lines as they arrive; read any time."""

    def __init__(self) -> None:
        self.requests: list[XRequest] = []
        self.vcs: list[VcsCommand] = []
        self.downloads: list[Download] = []
        self.fallbacks: list[Fallback] = []
        self.messages: list[Message] = []
        self.dropped_messages = 0
        self.lines = 0
        self.first_t: Optional[float] = None
        self.last_t: Optional[float] = None
        self.exited_t: Optional[float] = None  # set by close(): go exited on its own
        self._open_requests: dict[str, deque[XRequest]] = {}
        self._open_vcs: dict[str, deque[VcsCommand]] = {}
        self._workdirs: dict[str, str] = {}  # sha256 name of a VCS work dir -> repo URL
        self._fallback_keys: set[tuple[str, str]] = set()

    # -- feeding ------------------------------------------------------------------------------

    def feed(self, line: str, t: float) -> None:
        """Parse one stderr line (with or without its newline) read at monotonic time `t`."""
        line = line.rstrip("\r\n")
        self.lines += 1
        if self.first_t is None:
            self.first_t = t
        self.last_t = t
        if line.startswith("# get "):
            if self._get(line, t):
                return
        elif self._vcs(line, t):
            return
        if _OTHER_X.match(line):
            m = _WORKDIR.fullmatch(line)
            if m:
                self._workdir(m.group(1), m.group(2), m.group(3))
            return
        self._message(line, t)

    def feed_text(self, text: str, t: float) -> None:
        """Feed several lines at once (all read at `t`); for captured output."""
        for line in text.splitlines():
            self.feed(line, t)

    def _get(self, line: str, t: float) -> bool:
        m = _GET_START.fullmatch(line)
        if m:
            url = _clean_url(m.group(1))
            req = XRequest(url=url, host=host_of(url), start=t)
            self.requests.append(req)
            self._open_requests.setdefault(url, deque()).append(req)
            if req.go_get:
                self._fallback("go-get", req.host + req.path, req.host, t)
            return True
        m = _GET_END.fullmatch(line)
        if not m:
            return False
        url = _clean_url(m.group(1))
        status = untrusted(mask_urls_in_text(m.group(2)), limit=MAX_STATUS)
        pending = self._open_requests.get(url)
        if pending:
            req = pending.popleft()
            if not pending:
                del self._open_requests[url]
        else:
            # `insecure`, `unsupported`, `insecure credentials`: go refused before sending.
            req = XRequest(url=url, host=host_of(url), start=t)
            self.requests.append(req)
        req.end = t
        req.status = status
        if m.group(3) is not None:
            req.go_seconds = float(m.group(3))
        return True

    def _vcs(self, line: str, t: float) -> bool:
        m = _VCS_END.fullmatch(line)
        if m:
            key = _clean(m.group(2))
            pending = self._open_vcs.get(key)
            if not pending:
                return bool(_VCS_CMD.fullmatch(m.group(2)))
            cmd = pending.popleft()
            if not pending:
                del self._open_vcs[key]
            cmd.end = t
            cmd.go_seconds = float(m.group(1))
            return True
        m = _VCS_CMD.fullmatch(line)
        if not m:
            return False
        directory = m.group("dir") or ""
        repo = self._repo_for(directory, m.group("args"))
        command = _clean(f"{m.group('tool')} {m.group('args')}")
        cmd = VcsCommand(
            command=command,
            tool=m.group("tool"),
            dir=_clean(directory),
            repo=repo,
            host=_repo_host(repo) if repo else "",
            start=t,
        )
        self.vcs.append(cmd)
        self._open_vcs.setdefault(_clean(line), deque()).append(cmd)
        self._fallback("vcs", repo or cmd.dir, cmd.host, t)
        return True

    def _workdir(self, parent: str, typ: str, name: str) -> None:
        # codehost.WorkDir: the dir is parent/hex(sha256("typ:name")); go prints the parent
        # and, once created, the dir itself, both with the repo: remember it by its hash.
        key = hashlib.sha256(f"{typ}:{name}".encode()).hexdigest()
        self._workdirs[key] = _clean_url(name)

    def _repo_for(self, directory: str, args: str) -> Optional[str]:
        m = _REPO_URL.search(args)
        if m:
            return _clean_url(m.group(0))
        base = re.split(r"[/\\]", directory.rstrip("/\\"))[-1] if directory else ""
        if _HEX64.fullmatch(base):
            return self._workdirs.get(base)
        return None

    def _fallback(self, kind: str, target: str, host: str, t: float) -> None:
        if (kind, target) not in self._fallback_keys:
            self._fallback_keys.add((kind, target))
            self.fallbacks.append(Fallback(kind=kind, target=target, host=host, t=t))

    def _message(self, line: str, t: float) -> None:
        m = _DOWNLOADING_TOOLCHAIN.fullmatch(line)
        if m:
            self.downloads.append(
                Download("golang.org/toolchain", _clean(m.group(1)), t, _clean(m.group(2)))
            )
        else:
            m = _DOWNLOADING.fullmatch(line)
            if m:
                self.downloads.append(Download(_clean(m.group(1)), _clean(m.group(2)), t))
        if len(self.messages) >= MAX_MESSAGES:
            self.dropped_messages += 1
            return
        self.messages.append(Message(_clean(line), t))

    def close(self, t: float) -> None:
        """go exited by itself at `t` (not killed): requests still open were abandoned."""
        self.exited_t = t

    # -- results ------------------------------------------------------------------------------

    @property
    def message_lines(self) -> list[str]:
        return [m.text for m in self.messages]

    def unfinished(self) -> list[XRequest]:
        """Requests started and not (yet) ended, oldest first: stalls when go is stuck.

        Empty once close() was called: go's exit abandoned them (see abandoned())."""
        if self.exited_t is not None:
            return []
        return [r for r in self.requests if not r.finished]

    def abandoned(self) -> list[XRequest]:
        """Requests still open when go exited by itself (after close())."""
        if self.exited_t is None:
            return []
        return [r for r in self.requests if not r.finished]

    def timing(
        self,
        proxy_hosts: Collection[str],
        sumdb_hosts: Collection[str],
        total_s: float,
        *,
        now: Optional[float] = None,
        top: int = 5,
    ) -> Timing:
        """Where go's time went, per (host, role), plus the slowest and the unfinished requests.

        Unfinished requests and VCS commands count until `now` (default: time.monotonic(),
        the clock `feed` times come from). After close(), requests go left open count until
        its exit, with status ABANDONED, and are not in `unfinished`. Requests overlap, so the
        sums are not wall time.
        """
        if now is None:
            now = time.monotonic()
        exited = self.exited_t is not None
        if self.exited_t is not None:
            now = min(now, self.exited_t)
        sums: dict[tuple[str, str], list[float]] = {}
        entries: list[tuple[float, Request]] = []
        unfinished: list[Request] = []

        def add(host: str, role: str, seconds: float, req: Request, finished: bool) -> None:
            slot = sums.setdefault((host, role), [0.0, 0])
            slot[0] += seconds
            slot[1] += 1
            entries.append((seconds, req))
            if not finished:
                unfinished.append(req)

        for r in self.requests:
            seconds = r.seconds(now)
            status = r.status if r.finished or not exited else ABANDONED
            model_req = Request(url=r.url, host=r.host, status=status, seconds=seconds)
            add(
                r.host,
                request_role(r.url, proxy_hosts, sumdb_hosts),
                seconds,
                model_req,
                r.finished or exited,
            )
        for c in self.vcs:
            seconds = c.seconds(now)
            status = "done" if c.finished else (ABANDONED if exited else None)
            label = c.command if not c.repo or c.repo in c.command else f"{c.command} ({c.repo})"
            model_req = Request(url=label, host=c.host or c.tool, status=status, seconds=seconds)
            add(c.host or c.tool, ROLE_VCS, seconds, model_req, c.finished or exited)

        grand = sum(s for s, _ in sums.values())
        hosts = [
            HostTime(
                host=host,
                role=role,
                seconds=round(seconds, 3),
                requests=int(count),
                share=round(seconds / grand, 4) if grand > 0 else 0.0,
            )
            for (host, role), (seconds, count) in sums.items()
        ]
        hosts.sort(key=lambda h: (-h.seconds, h.host, h.role))
        entries.sort(key=lambda e: -e[0])
        for _, req in entries:
            if req.seconds is not None:
                req.seconds = round(req.seconds, 3)
        return Timing(
            total_s=round(total_s, 3),
            hosts=hosts,
            slowest=[req for _, req in entries[: max(0, top)]],
            unfinished=unfinished,
        )


def request_role(
    url: str,
    proxy_hosts: Collection[str],
    sumdb_hosts: Collection[str],
) -> str:
    """proxy | sumdb | toolchain | vcs | other, for one request URL.

    A toolchain zip comes through the proxy but is its own cost (tens of MB), so it is
    reported apart. Checksum traffic is recognised by host, by the proxy's `/sumdb/` prefix,
    or, on hosts that are not a proxy (where a module path could contain them), by the
    checksum database's own `/lookup/`, `/tile/` and `/latest` endpoints.
    """
    host = host_of(url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return ROLE_OTHER
    path = parts.path
    is_proxy = host_in(host, proxy_hosts)
    if "golang.org/toolchain" in path:
        return ROLE_TOOLCHAIN
    if host_in(host, sumdb_hosts) or "/sumdb/" in path:
        return ROLE_SUMDB
    if not is_proxy and ("/lookup/" in path or "/tile/" in path or path.endswith("/latest")):
        return ROLE_SUMDB
    if "go-get=1" in parts.query.split("&"):
        return ROLE_VCS
    if is_proxy:
        return ROLE_PROXY
    return ROLE_OTHER


def _repo_host(repo: str) -> str:
    if "://" in repo:
        return host_of(repo)
    # scp-like git@host:path
    m = re.match(r"[\w.-]+@([\w.-]+):", repo)
    return m.group(1).lower() if m else ""
