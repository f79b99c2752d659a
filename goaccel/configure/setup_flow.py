"""The steps of `goaccel setup`, as plain functions the CLI calls in order and renders between.

1. start(): validate every input and read the current configuration before anything is
   measured, so a bad flag or a malformed file fails in milliseconds, not after the probe;
2. measure: probe.measure() on the candidates and workload;
3. decide(): the plan and exactly what writing it changes (the dry run stops here);
4. apply_changes(): journal, then write.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from goaccel import paths
from goaccel.configure import apply, targets
from goaccel.configure.journal import Journal
from goaccel.configure.plan import Plan, build_plan, validate_private_patterns
from goaccel.configure.targets.base import Options, Prepared, Target, Written
from goaccel.fsutil import exclusive_lock
from goaccel.gocompat.goproxy import FOUND, KIND_DIRECT, NOT_FOUND, parse_goproxy
from goaccel.gocompat.gosumdb import parse_gosumdb
from goaccel.gotool import env as goenv
from goaccel.gotool.goauth import load_goauth
from goaccel.measure.catalog import Catalog, load_catalog
from goaccel.measure.measurement import (
    Candidates,
    Measurement,
    gather_candidates,
    measure,
    mirror_workload,
)
from goaccel.measure.probe import SERVED, MirrorProbe
from goaccel.measure.rank import fmt_bytes
from goaccel.measure.runner import make_ssl_context
from goaccel.measure.toolchain import walk, with_toolchain
from goaccel.measure.userconfig import config_catalog_mirrors
from goaccel.measure.workload import Workload, resolve_workload
from goaccel.textsafe import untrusted


@dataclass
class SetupOptions:
    mirrors: list[str] = field(default_factory=list)
    builtin: bool = True
    project: Optional[Path] = None
    budget: float = 5.0
    fallbacks: int = 1
    private: list[str] = field(default_factory=list)
    target: Optional[str] = None
    shell: Optional[str] = None
    rc_file: Optional[Path] = None
    direct: bool = True
    dry_run: bool = False
    yes: bool = False


@dataclass
class Started:
    opts: SetupOptions
    catalog: Catalog
    candidates: Candidates
    workload: Workload
    goenv: goenv.GoEnv
    target: Target
    private: list[str]
    notes: list[str] = field(default_factory=list)


@dataclass
class Decided:
    plan: Plan
    prepared: Prepared
    warnings: list[str]
    notes: list[str]


def start(opts: SetupOptions, cwd: Path) -> Started:
    private = validate_private_patterns(opts.private)
    catalog = load_catalog()
    config_mirrors = config_catalog_mirrors()
    candidates = gather_candidates(
        catalog, builtin=opts.builtin, config_mirrors=config_mirrors, extra_urls=opts.mirrors
    )
    genv = goenv.read_goenv(goenv.find_go())
    # The toolchain go.mod makes go download first is part of the workload.
    workload = with_toolchain(resolve_workload(opts.project, cwd), genv)
    target, notes = targets.resolve(opts.target, genv, target_options(opts))
    # Fail now, not after measuring, on what can already be checked.
    make_ssl_context()  # SSL_CERT_FILE / SSL_CERT_DIR that do not load
    target.check(genv, target_options(opts), dry_run=opts.dry_run)
    return Started(opts, catalog, candidates, workload, genv, target, private, notes)


def target_options(opts: SetupOptions) -> Options:
    return Options(shell=opts.shell, rc_file=opts.rc_file)


def writes(opts: SetupOptions) -> bool:
    """Whether this setup may write (and so must hold the lock): not a dry run, and not a
    target that only shows lines. Known before the target is resolved: the lock covers that."""
    target = targets.find(opts.target)
    return not opts.dry_run and (target is None or target.description.writes)


def run_measure(
    s: Started, on_progress: Callable[[MirrorProbe], None] | None = None
) -> Measurement:
    return measure(
        s.candidates.targets,
        mirror_workload(s.workload, s.goenv.value("GONOPROXY")),
        budget=s.opts.budget,
        catalog=s.catalog,
        gomodcache=s.goenv.gomodcache or _gomodcache(),
        on_progress=on_progress,
        positions=1 + max(0, s.opts.fallbacks),
        auth=load_goauth(s.goenv.value("GOAUTH")),  # the credentials go sends (netrc...)
    )


def _gomodcache() -> Optional[str]:
    import os

    if os.environ.get("GOMODCACHE"):
        return os.environ["GOMODCACHE"]
    gopath = os.environ.get("GOPATH") or str(Path.home() / "go")
    return str(Path(gopath.split(os.pathsep)[0]) / "pkg" / "mod")


def decide(s: Started, m: Measurement) -> Decided:
    plan = build_plan(
        m.ranking,
        s.goenv,
        fallbacks=s.opts.fallbacks,
        private=s.private,
        sumdb_reachable=m.run.sumdb_reachable,
        direct=s.opts.direct,
    )
    prepared = s.target.prepare(plan, s.goenv, target_options(s.opts))
    tc_notes, tc_warnings = toolchain_notes(m, plan)
    warnings = list(s.candidates.warnings) + plan.warnings + tc_warnings + prepared.warnings
    return Decided(plan, prepared, warnings, s.notes + plan.notes + tc_notes)


def toolchain_notes(m: Measurement, plan: Plan) -> tuple[list[str], list[str]]:
    """Where go gets the toolchain go.mod needs with the GOPROXY setup writes: go's walk
    over it, replayed with what each mirror answered for the toolchain zip."""
    need = m.workload.toolchain_download
    if need is None:
        return [], []
    probes = {e.probe.url.rstrip("/"): e.probe for e in m.ranking.entries}
    w = walk(parse_goproxy(plan.settings["GOPROXY"]).entries, probes)
    what = f"the {need.name} toolchain ({need.reason})"
    if w.outcome == FOUND and w.entry is not None:
        name = untrusted(probes[w.entry.url.rstrip("/")].name, limit=60)
        later = ", the first mirror in GOPROXY that serves it" if len(w.tried) > 1 else ""
        size = fmt_bytes(m.ranking.toolchain_bytes)
        note = f"go downloads {what}, {size}, from {name}{later}"
        if not parse_gosumdb(plan.settings["GOSUMDB"]).off:
            return [note], []
        # go verifies a toolchain against the checksum database whatever GOSUMDB says.
        return [note], [
            f"GOSUMDB=off makes the download of {what} fail: go verifies toolchains against "
            "the checksum database even then (`checksum database disabled by GOSUMDB=off`)"
        ]
    if w.outcome == KIND_DIRECT:
        fate = (
            "go looks for it through direct (golang.org), which fails where that is blocked; "
            f"installing go {need.name.removeprefix('go')} locally avoids the download"
        )
    elif w.outcome == NOT_FOUND:
        fate = "every go command in the module fails with `toolchain not available`"
    else:
        fate = "go may not get it (a mirror failed or did not answer in time for it)"
    served = [
        untrusted(e.probe.name, limit=60)
        for e in m.ranking.entries
        if e.probe.toolchain is not None and e.probe.toolchain.state == SERVED
    ]
    elsewhere = f" (of the mirrors measured, {', '.join(served)} serves it)" if served else ""
    return [], [f"no chosen mirror serves {what}{elsewhere}: {fate}"]


def apply_changes(s: Started, d: Decided) -> Written:
    return apply.commit(d.prepared, s.goenv, Journal())


@contextlib.contextmanager
def setup_lock(enabled: bool = True) -> Iterator[None]:
    """One goaccel at a time may change the configuration."""
    if not enabled:
        yield
        return
    with exclusive_lock(paths.lock_file(), "goaccel setup or undo"):
        yield
