"""Candidates and measurement: which mirrors to probe, on which workload, and the ranking.

Shared by setup (and later bench and doctor). No output here: callers render the results.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from goaccel.errors import InputError
from goaccel.gocompat.gosum import GoSumError, parse_go_sum
from goaccel.gocompat.modpath import ModulePathError, escape_path, escape_version
from goaccel.gotool.goauth import GoAuth
from goaccel.measure.catalog import Catalog, CatalogMirror
from goaccel.measure.probe import MirrorProbe, ProbeRun, ProbeSettings, Target
from goaccel.measure.rank import Ranking, rank
from goaccel.measure.runner import probe
from goaccel.measure.workload import Workload
from goaccel.urls import insecure_warning, parse_mirror_url


@dataclass
class Candidates:
    targets: list[Target]
    warnings: list[str] = field(default_factory=list)


def gather_candidates(
    catalog: Catalog,
    *,
    builtin: bool,
    config_mirrors: Sequence[CatalogMirror],
    extra_urls: Sequence[str],
) -> Candidates:
    """Catalog + config.toml + --mirror, validated, deduplicated by URL (first one wins)."""
    seen: dict[str, Target] = {}
    names: set[str] = set()
    warnings: list[str] = []
    entries: list[tuple[str, str, str]] = []
    if builtin:
        entries += [(m.name, m.url, "catalog") for m in catalog.mirrors]
    entries += [(m.name, m.url, "config") for m in config_mirrors]
    entries += [("", u, "command line") for u in extra_urls]
    for given_name, url, origin in entries:
        parsed = parse_mirror_url(url)
        if parsed.url in seen:
            continue
        name = given_name or parsed.host_port
        base, n = name, 2
        while name in names:
            name = f"{base}#{n}"
            n += 1
        names.add(name)
        w = insecure_warning(parsed)
        if w:
            warnings.append(w)
        seen[parsed.url] = Target(name=name, url=parsed.url, origin=origin)
    if not seen:
        raise InputError(
            "no mirrors to measure",
            hint="drop --no-builtin, pass --mirror URL, or add one with `goaccel mirrors add URL`",
        )
    return Candidates(list(seen.values()), warnings)


def known_zip_sizes(workload: Workload, gomodcache: Optional[str]) -> dict[str, int]:
    """Sizes of the workload's zips already in the local module cache (a free size estimate)."""
    if not gomodcache:
        return {}
    base = Path(gomodcache) / "cache" / "download"  # one path, never a list
    sizes: dict[str, int] = {}
    need = workload.toolchain_download
    for m in (*workload.modules, *([need.module] if need else [])):
        if not m.needs_zip:
            continue
        try:
            p = base / escape_path(m.path) / "@v" / f"{escape_version(m.version)}.zip"
            sizes[f"{m.path}@{m.version}"] = p.stat().st_size
        except (OSError, ModulePathError):  # not cached (the common case) or not a valid path
            continue
    return sizes


def expected_hashes(workload: Workload) -> tuple[dict[str, str], dict[str, str]]:
    """The zip and go.mod hashes go.sum records for the workload ("path@version" -> h1), to
    catch a mirror serving other bytes than go would accept."""
    if workload.root is None:
        return {}, {}
    try:
        text = (workload.root / "go.sum").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}, {}
    try:
        entries = parse_go_sum(text, str(workload.root / "go.sum"))
    except GoSumError:  # a broken go.sum is go's to report; measuring goes on without it
        return {}, {}
    zips = {f"{p}@{v}": e.zip_hash for (p, v), e in entries.items() if e.zip_hash}
    mods = {f"{p}@{v}": e.mod_hash for (p, v), e in entries.items() if e.mod_hash}
    return zips, mods


def mirror_workload(workload: Workload, gonoproxy: str) -> Workload:
    """The workload a public mirror sees: without the modules go fetches directly (GONOPROXY,
    which defaults to GOPRIVATE). Their paths must not be sent to public mirrors at all, and
    their download time does not depend on the mirror."""
    if not gonoproxy:
        return workload
    from goaccel.gocompat.pathmatch import match_prefix_patterns

    kept = tuple(m for m in workload.modules if not match_prefix_patterns(gonoproxy, m.path))
    need = workload.toolchain_download
    if need and match_prefix_patterns(gonoproxy, need.module.path):
        need = None  # go fetches golang.org/toolchain directly too
    if len(kept) == len(workload.modules) and need is workload.toolchain_download:
        return workload
    return dataclasses.replace(workload, modules=kept, toolchain_download=need)


@dataclass
class Measurement:
    run: ProbeRun
    ranking: Ranking
    workload: Workload


def measure(
    targets: Sequence[Target],
    workload: Workload,
    *,
    budget: float,
    catalog: Catalog,
    gomodcache: Optional[str] = None,
    on_progress: Callable[[MirrorProbe], None] | None = None,
    positions: Optional[int] = None,
    auth: Optional[GoAuth] = None,
) -> Measurement:
    """Probe and rank. positions: how many mirrors the result is for (the best and its
    fallbacks): measuring stops once no other mirror could change them (schedule.py); None
    measures every mirror until it is done or the budget is spent."""
    zips, mods = expected_hashes(workload)
    cached = known_zip_sizes(workload, gomodcache)
    need = workload.toolchain_download
    settings = ProbeSettings(
        budget=budget,
        expected_hashes=zips,
        expected_mod_hashes=mods,
        size_hints=dict(cached),
        positions=positions,
        toolchain=need.module if need else None,
        auth=auth,
    )
    sumdb_urls = {s.name: s.url for s in catalog.sumdbs}
    run = probe(targets, workload.modules, settings, sumdb_urls, on_progress)
    known = {**run.size_hints, **cached}
    ranking = rank(run.mirrors, workload.modules, known_sizes=known)
    return Measurement(run, ranking, workload)
