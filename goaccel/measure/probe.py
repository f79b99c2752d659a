"""Measure Go module mirrors concurrently over the real GOPROXY protocol, within one time budget.

For every mirror, on its own HTTP client (connections are reused, as go does):
1. a short sequence of small requests (`@v/list`, `.info`, `.mod`) on one connection: the first
   one pays for the connection (TCP + TLS), the median of the rest is the per-request latency;
   `/sumdb/sum.golang.org/supported` tells whether the checksum database is reachable through it;
2. then, at the same time: `.mod` for a sample of the workload's modules (completeness: a
   stale mirror answers 404/410 for some), and a few of the workload's real zips, streamed,
   to measure throughput (and to check their bytes against go.sum where the project has one).

Everything runs under one deadline. A mirror that never answers is cancelled at the deadline
and classified by how far it got (connect timeout, stalled before or during a response).
This module holds what a probe is given and what it finds, as plain dataclasses. The work is
split in three: classify.py names failures, prober.py measures one mirror, runner.py runs
all of them under the deadline. Ranking lives in rank.py.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Optional

from goaccel import __version__
from goaccel.gotool.goauth import GoAuth
from goaccel.measure.classify import ProbeError
from goaccel.measure.workload import ModuleRef
from goaccel.textsafe import mask_url

USER_AGENT = f"goaccel/{__version__} (GOPROXY protocol probe; like GoCommand/1)"
SUMDB_NAME = "sum.golang.org"


@dataclass
class ProbeSettings:
    budget: float = 5.0  # seconds for the whole measurement, all mirrors together
    small_requests: int = 5  # sequential small requests for latency
    completeness_sample: int = 48  # modules checked for presence
    zip_sample: int = 4  # zips downloaded for throughput
    zip_bytes_cap: int = 6 * 1024 * 1024  # stop downloading zips past this many bytes
    concurrency: int = 4  # parallel requests per mirror in phase 2
    sumdb_name: str = SUMDB_NAME
    expected_hashes: Mapping[str, str] = field(default_factory=dict)  # "path@version" -> zip h1
    expected_mod_hashes: Mapping[str, str] = field(default_factory=dict)  # -> go.mod h1
    # Zip sizes learnt so far ("path@version" -> bytes), shared by all mirrors of a run: the
    # workload's total size is what the transfer term needs, and a 1-byte ranged GET tells
    # it without downloading. Filled by whichever mirror answers first.
    size_hints: dict[str, int] = field(default_factory=dict)
    probe_sizes: bool = True
    # In its zip turn, go on past the fixed sample with the larger zips (prober.py), for a
    # throughput that a request's fixed cost does not distort. Ranking wants it; doctor not.
    larger_zips: bool = True
    seed: int = 0
    # Stop early (schedule.py) once no mirror still being measured could change the best one
    # or its positions-1 fallbacks; None measures every mirror to the end (doctor, bench).
    positions: Optional[int] = None
    parallelism: Optional[int] = None  # GOMAXPROCS of the go that will download (rank.py)
    # The golang.org/toolchain zip go downloads before running (measure.toolchain): asked
    # for once per mirror, its headers and first bytes only.
    toolchain: Optional[ModuleRef] = None
    # The credentials go would send (GOAUTH, netrc): None sends none but a URL's user:password.
    auth: Optional[GoAuth] = field(default=None, repr=False)


@dataclass
class Sample:
    kind: str  # list | info | mod | zip | sumdb
    module: str
    status: Optional[int]
    seconds: float  # the whole request
    nbytes: int = 0
    ttfb: Optional[float] = None  # time to the response headers
    body: Optional[bytes] = field(default=None, repr=False)  # kept for .mod integrity checks


SERVED = "served"
LACKS = "lacks"  # 404/410: go moves on to the next GOPROXY entry
FAILS = "fails"  # another status, a non-zip body, a network error
NO_ANSWER = "no answer"  # not answered within the budget


@dataclass
class ToolchainCheck:
    """One mirror's answer for the toolchain zip (measure.toolchain.check_zip)."""

    module: str  # "golang.org/toolchain@v0.0.1-go1.99.0.linux-amd64"
    status: Optional[int] = None  # HTTP status; None without an answer
    size: Optional[int] = None  # the zip's size, from Content-Range or Content-Length
    error: Optional[str] = None  # sanitized: what failed (a status, a body that is no zip)

    @property
    def name(self) -> str:
        """The toolchain, e.g. "go1.99.0" for golang.org/toolchain@v0.0.1-go1.99.0.linux-amd64."""
        version = self.module.rpartition("@")[2]
        return version.partition("-")[2].rpartition(".")[0] or version

    @property
    def state(self) -> str:
        if self.error is not None:
            return FAILS
        if self.status in (404, 410):
            return LACKS
        if self.status in (200, 206):
            return SERVED
        return NO_ANSWER


@dataclass
class MirrorProbe:
    name: str
    url: str  # the URL as written to GOPROXY (may hold credentials: never show it unmasked)
    origin: str = "catalog"
    error: Optional[ProbeError] = None
    first_request_s: Optional[float] = None  # includes connecting (TCP, TLS)
    latencies: list[float] = field(default_factory=list)
    zip_bytes: int = 0
    zip_seconds: float = 0.0  # time with at least one zip body streaming
    zips_complete: int = 0
    zip_sizes: dict[str, int] = field(
        default_factory=dict
    )  # "path@version" -> size (complete only)
    checked: int = 0
    missing: list[str] = field(default_factory=list)  # "path@version" answered 404/410
    checked_modules: list[str] = field(default_factory=list)  # "path@version" asked for
    samples: list[Sample] = field(default_factory=list)  # every answered request, in order
    error_counts: dict[str, int] = field(default_factory=dict)  # failed requests by kind
    errors: list[str] = field(default_factory=list)  # sanitized, one per failed request
    mismatched: list[str] = field(default_factory=list)  # zips whose h1 differs from go.sum
    # HTTP status of <mirror>/sumdb/sum.golang.org/supported; None when it was not answered.
    sumdb_status: Optional[int] = None
    sumdb_asked: bool = False  # the request was sent (so a None status is a failure)
    stalled_requests: list[str] = field(default_factory=list)
    toolchain: Optional[ToolchainCheck] = None  # None: the workload has no toolchain, or not asked
    requests: int = 0
    elapsed_s: float = 0.0
    finished: bool = False
    # Why measuring it stopped early (schedule.py): it could no longer change the choice.
    let_go: Optional[str] = None

    @property
    def display_url(self) -> str:
        return mask_url(self.url)

    @property
    def latency_s(self) -> Optional[float]:
        if self.latencies:
            return statistics.median(self.latencies)
        return self.first_request_s

    @property
    def connect_s(self) -> Optional[float]:
        if self.first_request_s is None:
            return None
        lat = statistics.median(self.latencies) if self.latencies else 0.0
        return max(0.0, self.first_request_s - lat)

    @property
    def throughput_bps(self) -> Optional[float]:
        if self.zip_bytes <= 0 or self.zip_seconds <= 0:
            return None
        return self.zip_bytes / self.zip_seconds

    @property
    def sumdb_supported(self) -> Optional[bool]:
        """True: go sends checksum traffic through this mirror. False: it moves on (404/410).
        None: an error or no answer, where go moves on only after '|' and fails after ','."""
        if self.sumdb_status == 200:
            return True
        if self.sumdb_status in (404, 410):
            return False
        return None

    @property
    def served(self) -> int:
        return self.checked - len(self.missing)

    @property
    def lacks_toolchain(self) -> bool:
        return self.toolchain is not None and self.toolchain.state == LACKS

    @property
    def incomplete(self) -> bool:
        """Lacks part of the workload (404/410): modules, or the toolchain go.mod needs."""
        return bool(self.missing) or self.lacks_toolchain

    @property
    def usable(self) -> bool:
        return (
            self.error is None
            and self.let_go is None
            and not self.mismatched
            and self.first_request_s is not None
        )


@dataclass(frozen=True)
class Target:
    name: str
    url: str
    origin: str = "catalog"


@dataclass
class ProbeRun:
    mirrors: list[MirrorProbe]
    budget: float
    elapsed_s: float
    sumdb_reachable: dict[str, Optional[bool]] = field(default_factory=dict)
    size_hints: dict[str, int] = field(default_factory=dict)  # zip sizes learnt while probing
