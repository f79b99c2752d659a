"""Doctor's static checks: one small function per concern, each returning findings.

They read the configuration once (Context), probe the configured proxies and checksum
databases once (with the same probe as setup, on the project's own modules), and never
change anything. The live run's findings are in live.py.
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import urlsplit

from goaccel.doctor import auth, goproxylist, private, toolchain
from goaccel.doctor.model import OK, PROBLEM, WARNING, Finding
from goaccel.errors import ConfigFileError, GoaccelError
from goaccel.gocompat.goproxy import ProxyEntry
from goaccel.gocompat.gosumdb import SUMDB_CN, SUMDB_DEFAULT, parse_gosumdb
from goaccel.gocompat.pathmatch import match_prefix_patterns
from goaccel.gotool import env as goenv_mod
from goaccel.gotool.env import DEFAULT, ENVIRONMENT, GO_ENV_FILE, GoEnv
from goaccel.gotool.goauth import GoAuth, load_goauth
from goaccel.measure.catalog import Catalog, load_catalog
from goaccel.measure.measurement import expected_hashes, mirror_workload
from goaccel.measure.probe import MirrorProbe, ProbeRun, ProbeSettings, Target
from goaccel.measure.runner import probe
from goaccel.measure.toolchain import walk, with_toolchain
from goaccel.measure.workload import GoMod, Workload, parse_go_mod
from goaccel.textsafe import mask_urls_in_text, untrusted

GOSUMDB_URL = "GOSUMDB"  # key for the URL named in GOSUMDB among the reachability checks
LOW_DISK_WARNING = 2 * 1024**3
LOW_DISK_PROBLEM = 256 * 1024**2


def _show(text: str, limit: int = 200) -> str:
    return mask_urls_in_text(untrusted(text, limit=limit))


@dataclass
class Context:
    goenv: GoEnv
    root: Optional[Path]  # the module's directory, None when there is no go.mod
    gomod: Optional[GoMod]
    workload: Workload
    catalog: Catalog
    probe_budget: float
    environ: Mapping[str, str]
    entries: list[ProxyEntry] = field(default_factory=list)
    probes: Optional[ProbeRun] = None
    auth: Optional[GoAuth] = None  # the credentials go sends (GOAUTH, netrc), for the probe too

    def probe_for(self, url: str) -> Optional[MirrorProbe]:
        if self.probes is None:
            return None
        return next((p for p in self.probes.mirrors if p.url == url), None)


def gather(genv: GoEnv, workload: Workload, *, probe_budget: float) -> Context:
    """The facts the checks share, from `go env` and the module as doctor read them first
    (diagnose.read_configuration: go starts with them, before the checks are loaded)."""
    # The toolchain go.mod makes go download first is probed on the mirrors with the modules
    # (here, not before go starts: measure.toolchain loads the probe and asyncio).
    workload = with_toolchain(workload, genv)
    gomod = None
    if workload.root is not None:
        gomod = parse_go_mod(
            (workload.root / "go.mod").read_text(encoding="utf-8"), str(workload.root / "go.mod")
        )
    entries, _problems = goproxylist.parse(genv.value("GOPROXY"))
    return Context(
        goenv=genv,
        root=workload.root,
        gomod=gomod,
        workload=workload,
        catalog=load_catalog(),
        probe_budget=probe_budget,
        environ=dict(os.environ),
        entries=entries,
        auth=load_goauth(genv.value("GOAUTH")),
    )


# --------------------------------------------------------------------------- go itself


def check_go(ctx: Context) -> list[Finding]:
    g = ctx.goenv
    if g.go is None:
        return [
            Finding(
                "go-missing",
                PROBLEM,
                "go is not on PATH",
                seen="no `go` command was found on PATH",
                why="doctor can only check the configuration files; nothing can be downloaded",
                fix="install Go from https://go.dev/dl/ (or your package manager), then run "
                "`goaccel doctor` again",
            )
        ]
    found = [Finding("go-found", OK, f"{g.go_version or 'go'} at {g.go}")]
    proc = goenv_mod.run_go_settings(g.go, ["version"], timeout=30)
    text = _show(proc.stderr or proc.stdout, 300)
    if proc.returncode != 0 and "GOFLAGS" in text:
        found.append(
            Finding(
                "goflags-invalid",
                PROBLEM,
                "GOFLAGS breaks every go command",
                seen=f"GOFLAGS={_show(g.value('GOFLAGS'))} ({g.source('GOFLAGS')}): {text}",
                why="go parses GOFLAGS before any command but `go env`, so builds, tidy and "
                "downloads all fail",
                fix=_unset_fix(g, "GOFLAGS"),
            )
        )
    return found


def _unset_fix(g: GoEnv, key: str, why: str = "") -> str:
    """The command that removes a setting where it is set, with one comment at most."""
    s = g.settings.get(key)
    if s is not None and s.source == ENVIRONMENT:
        note = "and remove it from your shell startup file" + (f" ({why})" if why else "")
        return f"unset {key}   # {note}"
    return f"go env -u {key}" + (f"   # {why}" if why else "")


def _set_fix(g: GoEnv, key: str, value: str) -> str:
    """The command that sets a setting where it is set (an OS variable hides go env -w)."""
    quoted = shlex.quote(value)
    s = g.settings.get(key)
    if s is not None and s.source == ENVIRONMENT:
        return f"export {key}={quoted}   # in your shell startup file too"
    return f"go env -w {key}={quoted}"


def check_settings(ctx: Context) -> list[Finding]:
    """What go will use, and where each value comes from (always ok: the facts)."""
    details = [
        f"{s.key}={_show(s.value) or '(empty)'}  [{s.source}]" for s in ctx.goenv.settings.values()
    ]
    file = str(ctx.goenv.env_file) if ctx.goenv.env_file else "off (GOENV=off)"
    return [
        Finding(
            "settings", OK, "effective Go settings", seen=f"go env file: {file}", details=details
        )
    ]


def check_env_overrides(ctx: Context) -> list[Finding]:
    out = []
    for s in ctx.goenv.settings.values():
        if s.overridden_file:
            out.append(
                Finding(
                    "env-overrides-go-env-file",
                    WARNING,
                    f"{s.key} in your environment hides the go env file's value",
                    seen=f"environment: {s.key}={_show(s.env_value or '')}; go env file: "
                    f"{s.key}={_show(s.file_value or '')}",
                    why="a non-empty OS variable wins over the go env file; `go env -w` only "
                    "warns about this once, so later changes to the file seem to do nothing",
                    fix=f"unset {s.key}   # and remove it from your shell startup file, or: "
                    f"go env -u {s.key}",
                )
            )
    return out


def check_rc_blocks(ctx: Context) -> list[Finding]:
    from goaccel.configure import status
    from goaccel.configure.journal import Journal

    try:
        entries = Journal().load()
    except GoaccelError:
        entries = []
    paths = [Path(f.path) for e in entries for f in e.files if f.kind == "rc"]
    out = []
    for block in status.find_blocks(paths):
        for key, value in block.values.items():
            file_value = ctx.goenv.file_values.get(key)
            if file_value is not None and file_value != value:
                out.append(
                    Finding(
                        "rc-block-disagrees",
                        WARNING,
                        f"goaccel's block in {block.path} and the go env file disagree on {key}",
                        seen=f"block: {key}={_show(value)}; go env file: {key}={_show(file_value)}",
                        why="shells that read the block use one value, programs started "
                        "otherwise (IDEs, services) the other",
                        fix="goaccel undo   # or edit one of them so they agree",
                    )
                )
    return out


# --------------------------------------------------------------------------- proxies


def _as_set(g: GoEnv, key: str) -> str:
    """The value as the user set it: '' when go derives it (GONOPROXY from GOPRIVATE...)."""
    s = g.settings.get(key)
    return "" if s is None or s.source == DEFAULT else s.value


def check_goproxy_syntax(ctx: Context) -> list[Finding]:
    g = ctx.goenv
    return goproxylist.semantic_findings(
        ctx.entries, g.value("GOPROXY"), gonoproxy=g.value("GONOPROXY"), source=g.source("GOPROXY")
    )


def run_probes(ctx: Context) -> list[Finding]:
    """Probe every URL in GOPROXY (and the checksum databases) once, for the checks below.

    Entries go itself would not use (no host, credentials over http) are not probed, and
    modules go fetches directly (GONOPROXY) are never sent to the mirrors.
    """
    targets = []
    for e in ctx.entries:
        if e.kind != "url" or not e.url.startswith(("http://", "https://")) or not e.host:
            continue
        if e.has_credentials and e.scheme == "http":
            continue  # go refuses to send credentials over http (goproxy-http-credentials)
        targets.append(Target(name=_show(e.url, 80), url=e.url.rstrip("/"), origin="GOPROXY"))
    sumdbs = {s.name: s.url for s in ctx.catalog.sumdbs}
    words = ctx.goenv.value("GOSUMDB").split()
    if len(words) > 1 and words[1].startswith(("http://", "https://")):
        sumdbs[GOSUMDB_URL] = words[1]  # the server GOSUMDB names: go asks only it
    if not targets and not sumdbs:
        return []
    workload = mirror_workload(ctx.workload, ctx.goenv.value("GONOPROXY"))
    zips, mods = expected_hashes(workload)
    need = workload.toolchain_download
    settings = ProbeSettings(
        toolchain=need.module if need else None,
        budget=ctx.probe_budget,
        zip_sample=2,
        zip_bytes_cap=2 * 1024 * 1024,
        completeness_sample=min(len(workload.modules), 200),  # evidence for private modules
        probe_sizes=False,  # doctor ranks nothing: no need for the workload's size
        larger_zips=False,  # nor for a precise throughput: go is downloading at the same time
        expected_hashes=zips,
        expected_mod_hashes=mods,
        auth=ctx.auth,
    )
    try:
        ctx.probes = probe(targets, workload.modules, settings, sumdbs)
    except ConfigFileError as exc:  # a proxy variable httpx cannot use
        return [
            Finding(
                "http-proxy-invalid",
                PROBLEM,
                "a proxy variable is not a proxy goaccel (or go) can use: nothing was probed",
                seen=_show(exc.message),
                why="requests through an unusable proxy fail",
                fix="unset HTTPS_PROXY HTTP_PROXY   # or fix the value: http://HOST:PORT",
            )
        ]
    return []


def check_proxy_reachability(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    urls = [e for e in ctx.entries if e.kind == "url"]
    for i, e in enumerate(urls):
        p = ctx.probe_for(e.url.rstrip("/"))
        if p is None:
            continue
        shown = p.display_url
        if p.error is None and p.mismatched:
            out.append(
                Finding(
                    "proxy-serves-other-bytes",
                    PROBLEM,
                    f"{shown} serves module zips that differ from go.sum",
                    seen=_show(p.mismatched[0]),
                    why="go will refuse them with a checksum mismatch (SECURITY ERROR): the "
                    "mirror is stale (a re-tagged version) or tampered with",
                    fix="goaccel setup   # picks a mirror that serves the right bytes; never "
                    "turn verification off to get past this",
                    details=[_show(x) for x in p.mismatched[1:4]],
                )
            )
            continue
        if p.error is None:
            lat = f"{p.latency_s * 1000:.0f} ms per request" if p.latency_s is not None else ""
            missing = (
                f"; lacks {len(p.missing)} of {p.checked} modules checked" if p.missing else ""
            )
            out.append(Finding("proxy-ok", OK, f"{shown} answers", seen=lat + missing))
            continue
        kind, detail = p.error.kind, _show(p.error.detail)
        later = i < len(urls) - 1 or any(x.kind == "direct" for x in ctx.entries)
        # A 401 or 403 asks for credentials: the fix is those, not another mirror.
        advice = auth.denied_advice(ctx.auth, e.url) if auth.denied(p) else None
        if kind == "stalled":
            status, why = (
                PROBLEM,
                (
                    "go has no response timeout: a request that gets no answer hangs `go mod tidy` "
                    "forever, and no GOPROXY fallback helps because go never sees an error"
                ),
            )
        elif e.fallback_on_error and later:
            status, why = (
                WARNING,
                (
                    "it is followed by '|', so go moves on to the next entry, but every module "
                    "first pays for this failed attempt"
                    + (" (up to 30 s each for a connect timeout)" if kind == "timeout" else "")
                ),
            )
        else:
            status, why = (
                PROBLEM,
                (
                    "after ',' (or as the last entry) go moves on only after a 404 or 410: this "
                    f"{kind} error makes every download fail"
                ),
            )
        if advice is not None:
            why = f"{_cap(advice[0])}; {why}"
        out.append(
            Finding(
                f"proxy-{kind}",
                status,
                f"GOPROXY entry {shown} fails: {kind}",
                seen=detail,
                why=why,
                fix=advice[1]
                if advice
                else "goaccel setup   # measures mirrors and writes a GOPROXY that works from here",
                details=[f"stalled: {u}" for u in p.stalled_requests[:3]],
            )
        )
    return out


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def check_goauth(ctx: Context) -> list[Finding]:
    """The credentials go sends the GOPROXY mirrors (doctor/auth.py)."""
    if ctx.auth is None:
        return []
    return auth.auth_findings(
        ctx.auth,
        ctx.entries,
        lambda url: ctx.probe_for(url.rstrip("/")),
        unset_goauth=_unset_fix(ctx.goenv, "GOAUTH", "back to the default, netrc"),
        set_goauth=lambda value: _set_fix(ctx.goenv, "GOAUTH", value),
    )


# --------------------------------------------------------------------------- checksum database


def check_sumdb(ctx: Context) -> list[Finding]:
    g = ctx.goenv
    out: list[Finding] = []
    gosumdb = g.value("GOSUMDB")
    db = parse_gosumdb(gosumdb)
    if db.off:
        out.append(
            Finding(
                "sumdb-off",
                PROBLEM,
                "checksum verification is off (GOSUMDB=off)",
                seen=f"GOSUMDB=off ({g.source('GOSUMDB')})",
                why="any mirror, proxy or compromised server can then hand you modified code, "
                "and go will not notice for modules missing from go.sum",
                fix=_unset_fix(g, "GOSUMDB", "turns verification back on")
                + "\ngoaccel setup   # finds a mirror through which the checksum database "
                "is reachable",
            )
        )
    nosumdb = g.value("GONOSUMDB")  # effective: go derives it from GOPRIVATE when unset
    if any(p.strip() == "*" for p in nosumdb.split(",")):
        key = "GOPRIVATE" if g.source("GONOSUMDB") == DEFAULT else "GONOSUMDB"
        out.append(
            Finding(
                "sumdb-bypassed-for-all",
                PROBLEM,
                f"{key}=* turns checksum verification off for every module",
                seen=f"{key}={_show(g.value(key))} ({g.source(key)})",
                why="'*' matches every module path, so no module is checked against the "
                "checksum database",
                fix=f"go env -w {key}=<only your private hosts, e.g. git.corp.example.com>",
            )
        )
    if g.value("GOINSECURE"):
        out.append(
            Finding(
                "goinsecure-set",
                WARNING,
                "GOINSECURE allows fetching modules over plain HTTP or without TLS checks",
                seen=f"GOINSECURE={_show(g.value('GOINSECURE'))} ({g.source('GOINSECURE')})",
                why="direct (VCS) fetches for these paths can be read and altered on the network",
                fix=_unset_fix(g, "GOINSECURE", "if you no longer need it"),
            )
        )
    if db.off:
        return out
    name = db.name or SUMDB_DEFAULT
    has_url = db.url is not None
    china = name == SUMDB_CN  # go rewrites it to sum.golang.org + that URL (db.resolved())
    if has_url or china:
        reach_key = SUMDB_CN if china and not has_url else GOSUMDB_URL
        reachable = ctx.probes.sumdb_reachable.get(reach_key) if ctx.probes else None
        server = db.resolved().url or ""
        if reachable is False:
            out.append(
                Finding(
                    "sumdb-unavailable",
                    PROBLEM,
                    "the checksum database GOSUMDB names does not answer",
                    seen=f"GOSUMDB={_show(gosumdb)} ({g.source('GOSUMDB')}): no answer from "
                    f"{_show(server)}/latest",
                    why="with a URL in GOSUMDB go asks only that server; every module missing "
                    "from go.sum then fails with 'verifying module'",
                    fix="goaccel setup   # finds a mirror through which the database is reachable"
                    f"\n{_unset_fix(g, 'GOSUMDB', 'back to the default sum.golang.org')}",
                )
            )
        else:
            out.append(
                Finding(
                    "sumdb-explicit",
                    OK,
                    f"GOSUMDB={_show(gosumdb)} names its server, "
                    + ("which answers" if reachable else "so the proxies are not asked"),
                )
            )
        return out
    if name != SUMDB_DEFAULT:
        out.append(Finding("sumdb-custom", OK, f"GOSUMDB={_show(gosumdb)}: your own database"))
        return out
    # Replay go's walk (modfetch/sumdb.go): each GOPROXY entry in order.
    for e in ctx.entries:
        if e.kind in ("direct", "off"):
            break
        if e.kind != "url":
            continue
        p = ctx.probe_for(e.url.rstrip("/"))
        if p is None or not p.sumdb_asked:
            continue  # not probed, or the probe never got that far: no claim either way
        status = p.sumdb_status
        if status == 200:
            out.append(
                Finding(
                    "sumdb-via-proxy",
                    OK,
                    f"the checksum database is reached through {_show(e.url)}",
                )
            )
            return out
        if status in (404, 410) or e.fallback_on_error:
            continue
        out.append(
            Finding(
                "sumdb-proxy-fails",
                PROBLEM,
                f"checksum lookups stop at {_show(e.url)}",
                seen=f"{_show(e.url)}/sumdb/{name}/supported: "
                + (f"HTTP {status}" if status else "no answer"),
                why="go asks this entry whether it proxies the checksum database; an error "
                "here (not a 404) ends the search, so every module missing from go.sum fails "
                "to verify",
                fix="goaccel setup   # or: go env -w GOSUMDB='sum.golang.org https://sum.golang.org'",
            )
        )
        return out
    reach = ctx.probes.sumdb_reachable if ctx.probes else {}
    if reach.get("sum.golang.org"):
        out.append(Finding("sumdb-direct", OK, "sum.golang.org answers directly"))
    elif reach.get("sum.golang.google.cn"):
        out.append(
            Finding(
                "sumdb-unavailable",
                PROBLEM,
                "the checksum database is not reachable the way go will try it",
                seen="no GOPROXY entry proxies sum.golang.org, and sum.golang.org does not "
                "answer; sum.golang.google.cn does",
                why="go fails with 'verifying module' errors for every module missing from go.sum",
                fix="go env -w GOSUMDB=sum.golang.google.cn   # the same database, China endpoint\n"
                "goaccel setup   # or pick a mirror that proxies it",
            )
        )
    elif "sum.golang.org" in reach:
        out.append(
            Finding(
                "sumdb-unavailable",
                PROBLEM,
                "the checksum database is not reachable",
                seen="no GOPROXY entry proxies sum.golang.org, and neither sum.golang.org nor "
                "sum.golang.google.cn answers",
                why="go fails with 'verifying module' errors for every module missing from go.sum",
                fix="goaccel setup   # finds a mirror that proxies the checksum database",
            )
        )
    return out


# --------------------------------------------------------------------------- flags, vendoring


def check_vendor(ctx: Context) -> list[Finding]:
    g = ctx.goenv
    if g.go is None or ctx.root is None:
        return []
    vendor = (ctx.root / "vendor" / "modules.txt").exists()
    if not vendor and "-mod=vendor" not in g.value("GOFLAGS"):
        return []
    env = {**ctx.environ, "GOPROXY": "off", "GOFLAGS": g.value("GOFLAGS")}
    # GOPROXY=off: this check must never download anything.
    proc = goenv_mod.run_go(g.go, ["list", "-m"], timeout=60, env=env, cwd=ctx.root)
    text = _show(proc.stderr, 400)
    if "inconsistent vendoring" in text:
        return [
            Finding(
                "vendor-inconsistent",
                PROBLEM,
                "the vendor directory is out of sync with go.mod",
                seen=text,
                why="with vendoring on (GOFLAGS=-mod=vendor, or a vendor directory and go 1.14+) "
                "every build fails until vendor/modules.txt matches go.mod",
                fix=f"cd {ctx.root} && go mod vendor",
            )
        ]
    return []


# --------------------------------------------------------------------------- private modules


def check_private(ctx: Context) -> list[Finding]:
    if ctx.gomod is None:
        return []
    # Evidence comes from the first mirror that answered; without one there is none, and
    # guessing from host names alone would recommend GOPRIVATE (which also skips checksum
    # verification) for modules that may well be public.
    answering = [
        p
        for e in ctx.entries
        if e.kind == "url" and (p := ctx.probe_for(e.url.rstrip("/"))) is not None and p.usable
    ]
    if not answering:
        g = ctx.goenv
        return private.pattern_findings(
            _as_set(g, "GOPRIVATE"), _as_set(g, "GONOPROXY"), _as_set(g, "GONOSUMDB")
        )
    p = answering[0]
    missing = {key.split("@", 1)[0] for key in p.missing}
    found = {key.split("@", 1)[0] for key in p.checked_modules} - missing
    requires = [(r.path, r.version) for r in ctx.gomod.requires]
    replaced = {r.old_path for r in ctx.gomod.replaces if r.is_local}
    g = ctx.goenv
    return private.classify_requirements(
        requires,
        _as_set(g, "GOPRIVATE"),
        _as_set(g, "GONOPROXY"),
        missing,
        gonosumdb=_as_set(g, "GONOSUMDB"),
        gosumdb=g.value("GOSUMDB"),
        proxy_found=found,
        replaced=replaced,
    )


# --------------------------------------------------------------------------- toolchain


def check_toolchain(ctx: Context) -> list[Finding]:
    if ctx.gomod is None or ctx.goenv.go_version is None:
        return []
    g = ctx.goenv
    out = toolchain.toolchain_findings(
        ctx.gomod.go,
        ctx.gomod.toolchain,
        g.go_version or "",
        g.value("GOTOOLCHAIN"),
        gosumdb=g.value("GOSUMDB"),
        gomod_name=str(ctx.root / "go.mod") if ctx.root else "go.mod",
        goos=g.goos or "GOOS",
        goarch=g.goarch or "GOARCH",
    )
    return out + _toolchain_mirrors(ctx)


def _toolchain_mirrors(ctx: Context) -> list[Finding]:
    """Whether go gets the toolchain it downloads first: go's walk over GOPROXY, replayed with
    what each mirror answered for the toolchain zip, and the checksum database it needs."""
    need = ctx.workload.toolchain_download
    urls = [e for e in ctx.entries if e.kind == "url"]
    if need is None or ctx.probes is None or not urls:
        return []
    g = ctx.goenv
    noproxy = match_prefix_patterns(g.value("GONOPROXY"), need.module.path)
    entries = [ProxyEntry("direct", "direct", "direct", False)] if noproxy else ctx.entries
    probes = {p.url: p for p in ctx.probes.mirrors}
    answers = [(_show(e.url, 80), ctx.probe_for(e.url.rstrip("/"))) for e in urls]
    # go verifies toolchains against the checksum database whatever GOSUMDB and GONOSUMDB say:
    # check_sumdb's verdict on reaching it is the one that counts (GONOSUMDB=* does not).
    sumdb = next(
        (f for f in check_sumdb(ctx) if f.status == PROBLEM and f.id in _SUMDB_BROKEN), None
    )
    return toolchain.toolchain_mirror_findings(
        need,
        walk(entries, probes),
        answers,
        local_version=g.go_version or "",
        goos=g.goos or "GOOS",
        goarch=g.goarch or "GOARCH",
        sumdb_problem=sumdb,
        noproxy=noproxy,
    )


_SUMDB_BROKEN = ("sumdb-off", "sumdb-unavailable", "sumdb-proxy-fails")


# --------------------------------------------------------------------------- network, disk


def check_http_proxy(ctx: Context) -> list[Finding]:
    out = []
    # As go (net/http.ProxyFromEnvironment) reads them: the upper-case name wins when set.
    effective = []
    for upper in ("HTTPS_PROXY", "HTTP_PROXY"):
        for key in (upper, upper.lower()):
            if ctx.environ.get(key):
                effective.append(key)
                break
    for key in effective:
        value = ctx.environ[key]
        carries = (
            "every https request (mirrors, checksum database)"
            if key.upper() == "HTTPS_PROXY"
            else "every plain-http request (http:// mirrors)"
        )
        raw = value if "://" in value else "http://" + value
        try:
            parts = urlsplit(raw)
            host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            host, port = None, None
        shown = _show(value)
        if not host or port is None:
            out.append(
                Finding(
                    "http-proxy-invalid",
                    PROBLEM,
                    f"{key} is not a proxy URL",
                    seen=f"{key}={shown}",
                    why="go cannot use it, and requests through it fail",
                    fix=f"export {key}=http://proxy.example.com:3128   # or unset {key}",
                )
            )
            continue
        try:
            with socket.create_connection((host, port), timeout=3):
                pass
        except OSError as exc:
            out.append(
                Finding(
                    "http-proxy-unreachable",
                    PROBLEM,
                    f"the proxy in {key} does not accept connections",
                    seen=f"{key}={shown}: {_show(str(exc), 120)}",
                    why=f"go sends {carries} through it, except hosts in NO_PROXY",
                    fix=f"unset {key}   # if you do not need a proxy here; else fix its address",
                )
            )
            continue
        out.append(
            Finding("http-proxy-ok", OK, f"the proxy in {key} accepts connections", seen=shown)
        )
    return out


def check_modcache(ctx: Context) -> list[Finding]:
    cache = ctx.goenv.gomodcache or ctx.environ.get("GOMODCACHE")
    if not cache:
        return []
    path = Path(cache)
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    out = []
    if not os.access(existing, os.W_OK):
        out.append(
            Finding(
                "modcache-not-writable",
                PROBLEM,
                "the module cache is not writable",
                seen=f"GOMODCACHE={path} ({existing} is not writable)",
                why="go cannot store any module it downloads",
                fix=f"go env -w GOMODCACHE={Path.home() / 'go' / 'pkg' / 'mod'}   # or fix "
                "the permissions",
            )
        )
    try:
        free = shutil.disk_usage(existing).free
    except OSError:
        return out
    if free < LOW_DISK_WARNING:
        out.append(
            Finding(
                "modcache-low-disk",
                PROBLEM if free < LOW_DISK_PROBLEM else WARNING,
                f"only {free / 1024**2:.0f} MiB free for the module cache",
                seen=f"GOMODCACHE={path}",
                why="module zips and their extracted trees need space; downloads fail when it "
                "runs out",
                fix="go clean -modcache   # frees the cache (it is refilled on demand)",
            )
        )
    return out


STATIC_CHECKS: tuple[Callable[[Context], list[Finding]], ...] = (
    check_go,
    check_settings,
    check_env_overrides,
    check_rc_blocks,
    check_goproxy_syntax,
    check_proxy_reachability,
    check_goauth,
    check_sumdb,
    check_vendor,
    check_private,
    check_toolchain,
    check_http_proxy,
    check_modcache,
)


def run_static(ctx: Context, *, probe_network: bool = True) -> list[Finding]:
    findings: list[Finding] = run_probes(ctx) if probe_network else []
    for check in STATIC_CHECKS:
        findings.extend(check(ctx))
    return findings


__all__ = ["GO_ENV_FILE", "STATIC_CHECKS", "Context", "gather", "run_static"]
