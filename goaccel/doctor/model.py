"""What doctor's checks produce. Plain data: the CLI renders it, --json serializes it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from goaccel.textsafe import mask_urls_in_text, strip_control

OK = "ok"
WARNING = "warning"
PROBLEM = "problem"
STATUSES = (OK, WARNING, PROBLEM)


@dataclass
class Finding:
    """One verdict: what was seen, why it matters, and the command that fixes it.

    `id` is stable (scripts and docs use it): kebab-case, e.g. "proxy-refused".
    Every text field holds plain, already sanitized text (no rich markup, credentials masked).
    """

    id: str
    status: str  # OK | WARNING | PROBLEM
    title: str  # one line, e.g. "GOPROXY's first entry refuses connections"
    seen: str = ""  # what was observed, with the values involved
    why: str = ""  # why it matters for `go mod tidy`
    fix: str = ""  # a command the user can paste (several lines allowed); "" when none
    details: list[str] = field(default_factory=list)  # supporting lines (URLs, timings)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def safe_text(text: str) -> str:
    """Text for a finding: control characters stripped (newlines kept), credentials masked."""
    return mask_urls_in_text(strip_control(text, keep_newlines=True))


def sanitized_finding(
    id_: str,
    status: str,
    title: str,
    *,
    seen: str = "",
    why: str = "",
    fix: str = "",
    details: Sequence[str] = (),
) -> Finding:
    """A Finding whose every text field went through safe_text."""
    return Finding(
        id=id_,
        status=status,
        title=safe_text(title),
        seen=safe_text(seen),
        why=safe_text(why),
        fix=safe_text(fix),
        details=[safe_text(d) for d in details],
    )


@dataclass
class HostTime:
    host: str
    role: str  # proxy | sumdb | vcs | toolchain | other
    seconds: float  # summed request time (requests overlap: this is not wall time)
    requests: int
    share: float  # of the summed time of all hosts, 0..1


@dataclass
class Request:
    url: str  # credentials masked
    host: str
    status: Optional[str]  # "200 OK", an error text, or None when it never finished
    seconds: Optional[float]


@dataclass
class Timing:
    total_s: float
    hosts: list[HostTime] = field(default_factory=list)
    slowest: list[Request] = field(default_factory=list)
    unfinished: list[Request] = field(default_factory=list)  # stalls: started, never ended


@dataclass
class Report:
    findings: list[Finding]
    timing: Optional[Timing] = None  # None with --no-run
    command: list[str] = field(default_factory=list)  # the go command run, if any

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.status == PROBLEM]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.status == WARNING]
