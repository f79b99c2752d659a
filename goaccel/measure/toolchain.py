"""The toolchain go downloads before running any command: part of the workload.

With GOTOOLCHAIN=auto (go's default) and a `go` or `toolchain` line newer than the local go,
go first downloads golang.org/toolchain@v0.0.1-go1.X.Y.GOOS-GOARCH through GOPROXY, a zip of
tens of MB, on every machine or CI job without it in its module cache; which toolchain, and
when, is go's rule (gocompat.toolchain). go asks each GOPROXY entry for nothing but the
`.zip` (toolchain/select.go, modfetch.Download), walking the list like any module download.

Setup and doctor ask each mirror for that zip once, beside the other requests: a GET with
`Range: bytes=0-3`, whose headers tell whether the mirror serves it (200 or 206, and a zip's
first bytes) and how large it is (Content-Range, or Content-Length when the mirror ignores
Range); the body is never read past its first bytes. The size counts in the predicted time
of every mirror, and a mirror that lacks the toolchain (404/410) is incomplete for the
workload, as one missing module is (rank.py).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from goaccel.gocompat.goproxy import FAILED, FOUND, NOT_FOUND, UNKNOWN, ProxyEntry, Walk
from goaccel.gocompat.goproxy import try_proxies as _try_proxies
from goaccel.gocompat.toolchain import select_toolchain
from goaccel.gotool.env import GoEnv
from goaccel.measure.classify import (
    DNS,
    REFUSED,
    TIMEOUT,
    TLS,
    UNREACHABLE,
    classify_exception,
)
from goaccel.measure.probe import FAILS, LACKS, SERVED, MirrorProbe, ToolchainCheck
from goaccel.measure.workload import ModuleRef, ToolchainNeed, Workload
from goaccel.textsafe import mask_urls_in_text, untrusted

# The size assumed when no mirror told it and the module cache does not hold it: about
# what a release's linux-amd64 toolchain zip weighs.
DEFAULT_TOOLCHAIN_BYTES = 70_000_000
_HEAD = 4  # bytes read: a zip starts with "PK"


def toolchain_need(
    go_line: Optional[str],
    toolchain_line: Optional[str],
    local_version: Optional[str],
    gotoolchain: Optional[str],
    goos: Optional[str],
    goarch: Optional[str],
) -> Optional[ToolchainNeed]:
    """The toolchain go downloads for this go.mod, or None: the local go runs it, go only looks
    in PATH (GOTOOLCHAIN=path), or go stops before downloading anything."""
    if not local_version or not goos or not goarch:
        return None  # without go there is no local version, and no platform
    sel = select_toolchain(
        go_line, toolchain_line, local_version, gotoolchain, goos=goos, goarch=goarch
    )
    if sel.local or sel.path_only or not sel.download or sel.error:
        return None
    path, _, version = sel.download.partition("@")
    return ToolchainNeed(sel.toolchain, ModuleRef(path, version), sel.reason)


def with_toolchain(workload: Workload, genv: GoEnv) -> Workload:
    """The workload with the toolchain go would download first for its go.mod, if any."""
    if workload.root is None:
        return workload
    need = toolchain_need(
        workload.go_version,
        workload.toolchain,
        genv.go_version,
        genv.value("GOTOOLCHAIN"),
        genv.goos,
        genv.goarch,
    )
    if need is None:
        return workload
    return dataclasses.replace(workload, toolchain_download=need)


# --------------------------------------------------------------------------- the probe


async def check_zip(client: Any, url: str, module: str) -> ToolchainCheck:
    """Ask a mirror for the toolchain zip at url: its headers and first bytes, never the
    tens of MB behind them."""
    try:
        async with client.stream("GET", url, headers={"Range": f"bytes=0-{_HEAD - 1}"}) as resp:
            status = resp.status_code
            if status in (404, 410):
                return ToolchainCheck(module, status)
            if status not in (200, 206):
                body = await _first_bytes(resp, 300)
                text = untrusted(mask_urls_in_text(body.decode("utf-8", "replace")), limit=160)
                error = f"HTTP {status}: {text}" if text else f"HTTP {status}"
                return ToolchainCheck(module, status, error=error)
            size = _size(resp.headers, status)
            head = await _first_bytes(resp, _HEAD)
            if not head.startswith(b"PK"):
                return ToolchainCheck(module, status, size, error="not a zip archive")
            return ToolchainCheck(module, status, size)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        return ToolchainCheck(module, error=str(classify_exception(exc)))


async def _first_bytes(resp: Any, n: int) -> bytes:
    head = b""
    async for chunk in resp.aiter_bytes():
        head += chunk
        if len(head) >= n:
            break
    return head[:n]


def _size(headers: Mapping[str, str], status: int) -> Optional[int]:
    if status == 206:
        total = headers.get("content-range", "").rpartition("/")[2]
        return int(total) if total.isdigit() else None
    length = headers.get("content-length", "")
    return int(length) if length.isdigit() else None


# --------------------------------------------------------------------------- what it means


def toolchain_bytes(probes: Sequence[MirrorProbe], known: Mapping[str, int]) -> int:
    """The toolchain zip's size for the prediction: as a mirror told it, else as the module
    cache holds it, else DEFAULT_TOOLCHAIN_BYTES; 0 when the workload has no toolchain."""
    checks = [p.toolchain for p in probes if p.toolchain is not None]
    if not checks:
        return 0
    told = [c.size for c in checks if c.state == SERVED and c.size]
    if told:
        return max(told)
    return known.get(checks[0].module) or DEFAULT_TOOLCHAIN_BYTES


_OUTCOME = {SERVED: FOUND, LACKS: NOT_FOUND, FAILS: FAILED}
_UNREACHABLE = {REFUSED, DNS, TLS, TIMEOUT, UNREACHABLE}


def walk(entries: Sequence[ProxyEntry], probes: Mapping[str, MirrorProbe]) -> Walk:
    """Where go's walk over GOPROXY (entries) ends for the toolchain zip, from what each
    mirror answered (probes by URL without a trailing slash). A mirror not probed, or that
    did not answer in time, ends the replay as UNKNOWN: go would wait for it."""

    def answer(e: ProxyEntry) -> str:
        p = probes.get(e.url.rstrip("/"))
        if p is None:
            return UNKNOWN
        if p.toolchain is None:
            # Not asked: the probe stopped before. A mirror that cannot be reached at all
            # fails for the toolchain too; after an HTTP error on a module, nobody knows.
            reach = p.error is not None and p.error.kind in _UNREACHABLE
            return FAILED if reach else UNKNOWN
        return _OUTCOME.get(p.toolchain.state, UNKNOWN)

    return _try_proxies(entries, answer)
