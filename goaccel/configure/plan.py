"""Decide the settings to write, from a ranking and the current configuration. Pure: no I/O.

Rules (docs/probing.md, "What setup writes"):
- GOPROXY = best|runner-up[|...],direct. `|` lets go move on after any error of a mirror, not
  only after 404/410, so one mirror going down does not break builds.
- GOSUMDB always keeps verification on. sum.golang.org when the chosen proxy serves
  /sumdb/sum.golang.org/supported or sum.golang.org answers directly; else
  sum.golang.google.cn when that answers; else the current value stays, with a warning.
  A custom checksum database (a company's own) and an explicit `off` are left as they are.
- --private patterns merge into GOPRIVATE, and into GONOPROXY/GONOSUMDB only where those are
  set explicitly (go derives them from GOPRIVATE only when they are empty).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

from goaccel.errors import InputError, NoUsableMirrorError
from goaccel.gocompat.gosumdb import SUMDB_CN, SUMDB_DEFAULT, parse_gosumdb
from goaccel.gocompat.pathmatch import merge_patterns, pattern_problem, split_list
from goaccel.gotool.env import DEFAULT, ENVIRONMENT, GOROOT_ENV, GoEnv
from goaccel.measure.rank import Ranked, Ranking, fallback_order
from goaccel.textsafe import mask_urls_in_text, untrusted

OWNED_KEYS = ("GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOPROXY", "GONOSUMDB")


@dataclass
class Change:
    key: str
    before: str  # effective value before
    after: str
    source: str  # where `before` came from

    def to_json(self) -> dict[str, str]:
        return {
            "key": self.key,
            "before": mask_urls_in_text(self.before),
            "after": mask_urls_in_text(self.after),
            "source": self.source,
        }


@dataclass
class Plan:
    settings: dict[str, str]  # every value goaccel decided (what a shell block holds)
    changes: list[Change]  # the keys whose effective value changes
    chain: list[str] = field(default_factory=list)  # mirror names in GOPROXY order
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def changed(self) -> dict[str, str]:
        return {c.key: c.after for c in self.changes}


def validate_private_patterns(patterns: Sequence[str]) -> list[str]:
    """Check --private patterns as go would read them (comma-separated path globs)."""
    out: list[str] = []
    for raw in patterns:
        for pat in raw.split(","):
            shown = untrusted(pat, limit=80)
            if not pat:
                if raw.strip(","):
                    continue
                raise InputError("empty --private pattern")
            if pat != pat.strip() or " " in pat or "\t" in pat:
                raise InputError(
                    f"--private pattern '{shown}' contains a space: go would never match it",
                    hint="write patterns like '*.corp.example.com,github.com/myorg'",
                )
            if any(c in pat for c in "\r\n\x00|"):
                raise InputError(
                    f"--private pattern '{shown}' contains a character go cannot match"
                )
            problem = pattern_problem(pat)
            if problem:
                raise InputError(f"--private pattern '{shown}' {problem}")
            if "://" in pat:
                raise InputError(
                    f"--private pattern '{shown}' is a URL; GOPRIVATE takes module path patterns",
                    hint="for https://git.corp.example.com/team use git.corp.example.com/team",
                )
            if pat not in out:
                out.append(pat)
    return out


def _sumdb_family(value: str) -> str:
    """default, cn, custom or off: whose checksum database GOSUMDB names, and by which way."""
    db = parse_gosumdb(value)
    if db.off:
        return "off"
    if db.name in ("", SUMDB_DEFAULT):
        if db.url is None:
            return "default"
        # "sum.golang.org https://sum.golang.google.cn" is the China endpoint in disguise;
        # any other URL is the user's own route to the database: theirs to keep.
        url = db.url.rstrip("/")
        if url == f"https://{SUMDB_DEFAULT}":
            return "default"
        return "cn" if url == f"https://{SUMDB_CN}" else "custom"
    if db.name == SUMDB_CN:
        return "cn"
    return "custom"


def decide_gosumdb(
    current: str,
    chain_support: Sequence[tuple[str, Optional[bool]]],
    reachable: Mapping[str, Optional[bool]],
    *,
    ends_with_direct: bool = True,
) -> tuple[str, list[str], list[str]]:
    """The GOSUMDB value to keep verification working, with notes and warnings.

    chain_support: each mirror of GOPROXY=m1|m2|...[,direct] in order, with its answer to
    /sumdb/<name>/supported (True 200, False 404/410, None any other failure)."""
    notes: list[str] = []
    warnings: list[str] = []
    family = _sumdb_family(current)
    shown = untrusted(current, limit=100)
    if family == "off":
        warnings.append(
            "checksum verification is off (GOSUMDB=off): goaccel leaves it as it is, but any "
            "mirror can then serve you modified code. Turn it back on with `go env -u GOSUMDB`."
        )
        return current, notes, warnings
    # sum.golang.org written with its key is the same choice: keep it as written. (With a URL
    # after it go would never ask the proxies, so that form is not kept when they are the way.)
    db = parse_gosumdb(current)
    keep_default = current if family == "default" and db.key and db.url is None else SUMDB_DEFAULT
    if family == "custom":
        notes.append(
            f"GOSUMDB={shown} is your own checksum database or route to it; goaccel keeps it"
        )
        return current, notes, warnings
    # Replay go's walk (modfetch/sumdb.go, initBase + TryProxies): each GOPROXY entry is asked
    # for /sumdb/<name>/supported in order. 200: all checksum traffic goes through it. 404/410:
    # next entry. Any other failure: next entry only after '|'; after the last mirror (',' or
    # the end) go stops there. TryProxies then returns the last mirror failure it saw, which
    # outranks every 404, unless it reached `direct`, whose "not found" outranks both: then
    # go asks the database itself. Without `direct`, an earlier mirror's failure after '|'
    # therefore still decides, even when a later mirror answers 404.
    failing: Optional[str] = None
    stopped = False
    for i, (name, supported) in enumerate(chain_support):
        if supported:
            path = f"/sumdb/{SUMDB_DEFAULT}/supported"
            notes.append(f"the checksum database is reached through {name} ({path})")
            return keep_default, notes, warnings
        if supported is None:
            failing = name
            if i == len(chain_support) - 1:
                stopped = True
    if ends_with_direct and not stopped:
        failing = None
    if failing is None and reachable.get(SUMDB_DEFAULT):
        notes.append(f"{SUMDB_DEFAULT} answers directly")
        return keep_default, notes, warnings
    if failing is not None and reachable.get(SUMDB_DEFAULT):
        # An explicit URL makes go ask the database directly instead of the failing mirror.
        notes.append(
            f"{failing} fails at /sumdb/{SUMDB_DEFAULT}/supported, where go would stop; "
            f"{SUMDB_DEFAULT} answers directly, so GOSUMDB names its URL"
        )
        return f"{SUMDB_DEFAULT} https://{SUMDB_DEFAULT}", notes, warnings
    if reachable.get(SUMDB_CN):
        notes.append(
            f"{SUMDB_DEFAULT} is not reachable and the chosen mirrors do not proxy it; "
            f"{SUMDB_CN} (the same database) answers"
        )
        return SUMDB_CN, notes, warnings
    if failing is not None:
        warnings.append(
            f"{failing} fails at /sumdb/{SUMDB_DEFAULT}/supported and no checksum database "
            f"answers directly: go will fail to verify modules missing from go.sum. GOSUMDB "
            f"stays {shown or SUMDB_DEFAULT}."
        )
        return current, notes, warnings
    warnings.append(
        f"no checksum database was confirmed reachable (not through the chosen mirror, not "
        f"directly); GOSUMDB stays {shown or SUMDB_DEFAULT}. If go reports 'verifying module' "
        "errors, try a mirror that proxies the checksum database."
    )
    return current, notes, warnings


def _fallbacks(rest: Sequence[Ranked], n: int, notes: list[str]) -> list[Ranked]:
    """The n mirrors after the best one, in rank.fallback_order (complete ones first, the
    toolchain go.mod needs included), with a note when that passes over a faster incomplete
    one."""
    chosen = fallback_order(rest)[:n]
    ranked_order = list(rest[:n])
    passed_over = [e for e in ranked_order if e not in chosen]
    if passed_over:
        took = [e for e in chosen if e not in ranked_order]
        names = ", ".join(untrusted(e.probe.name, limit=60) for e in passed_over)
        instead = ", ".join(untrusted(e.probe.name, limit=60) for e in took)
        what = "modules" if all(e.probe.missing for e in passed_over) else "part of the workload"
        notes.append(
            f"fallback: {instead} rather than {names}, which lacks {what} "
            f"(their requests would go on to direct); a complete mirror is the better fallback"
        )
    return chosen


def build_plan(
    ranking: Ranking,
    goenv: GoEnv,
    *,
    fallbacks: int = 1,
    private: Sequence[str] = (),
    sumdb_reachable: Mapping[str, Optional[bool]] | None = None,
    direct: bool = True,
) -> Plan:
    usable = ranking.usable
    if not usable:
        raise NoUsableMirrorError(
            "no mirror was usable: nothing was written",
            hint="check your network and proxy settings (HTTPS_PROXY), or add --mirror URL",
        )
    notes: list[str] = []
    warnings: list[str] = []
    chain = [usable[0], *_fallbacks(usable[1:], max(0, fallbacks), notes)]
    goproxy = "|".join(e.probe.url for e in chain) + (",direct" if direct else "")
    settings: dict[str, str] = {"GOPROXY": goproxy}

    support = [(e.probe.name, e.probe.sumdb_supported) for e in chain]
    gosumdb, n, w = decide_gosumdb(
        goenv.value("GOSUMDB"), support, sumdb_reachable or {}, ends_with_direct=direct
    )
    notes += n
    warnings += w
    settings["GOSUMDB"] = gosumdb

    patterns = validate_private_patterns(private)
    if patterns:  # without --private these settings are not goaccel's to touch
        settings["GOPRIVATE"] = merge_patterns(goenv.value("GOPRIVATE"), patterns)
        for key in ("GONOPROXY", "GONOSUMDB"):
            s = goenv.settings.get(key)
            # "none" (go help private's recipe for a company mirror that serves private
            # modules too) is a deliberate "nothing bypasses the proxy": leave it alone.
            if (
                s is not None
                and s.value
                and s.value != "none"
                and s.source not in (DEFAULT, GOROOT_ENV)
            ):
                settings[key] = merge_patterns(s.value, patterns)
                if any(p not in split_list(s.value) for p in patterns):
                    notes.append(
                        f"{key} is set explicitly, so the --private patterns are added to it too"
                    )

    changes = []
    for key, value in settings.items():
        before = goenv.value(key)
        if value != before:
            changes.append(Change(key, before, value, goenv.source(key)))
    return Plan(
        settings=settings,
        changes=changes,
        chain=[e.probe.name for e in chain],
        notes=notes,
        warnings=warnings,
    )


def env_override_warnings(plan: Plan, goenv: GoEnv) -> list[str]:
    """For the go-env target: OS variables that will hide what goaccel writes to the file."""
    out = []
    for c in plan.changes:
        s = goenv.settings.get(c.key)
        if s is not None and s.source == ENVIRONMENT:
            shown = mask_urls_in_text(untrusted(s.value, limit=80))
            out.append(
                f"{c.key} is set in your environment ({shown}); "
                f"it overrides the go env file, so go will not use what goaccel writes there. "
                f"Remove it from your shell startup files, or use --target shell"
            )
    return out
