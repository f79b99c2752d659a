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
from goaccel.gotool import env as goenv
from goaccel.measure.catalog import Catalog, load_catalog
from goaccel.measure.measurement import (
    Candidates,
    Measurement,
    gather_candidates,
    measure,
    mirror_workload,
)
from goaccel.measure.probe import MirrorProbe
from goaccel.measure.runner import make_ssl_context
from goaccel.measure.userconfig import config_catalog_mirrors
from goaccel.measure.workload import Workload, resolve_workload


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
    workload = resolve_workload(opts.project, cwd)
    genv = goenv.read_goenv(goenv.find_go())
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
    warnings = list(s.candidates.warnings) + plan.warnings + prepared.warnings
    return Decided(plan, prepared, warnings, s.notes + plan.notes)


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
