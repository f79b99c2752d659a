"""Private modules: which requirements need GOPRIVATE/GONOPROXY/GONOSUMDB, and what to set.

Pure: no I/O. The matching is go's (goaccel.gocompat.pathmatch: MatchPrefixPatterns over
path.Match); GONOPROXY and GONOSUMDB take GOPRIVATE's value only when they are empty
(gocompat.envfile.effective_private_lists).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection, Iterable, Sequence
from typing import Optional

from goaccel.doctor.model import PROBLEM, WARNING, Finding
from goaccel.doctor.model import sanitized_finding as _finding
from goaccel.gocompat.envfile import effective_private_lists
from goaccel.gocompat.gosumdb import parse_gosumdb
from goaccel.gocompat.pathmatch import match_prefix_patterns, merge_patterns, pattern_problem

# --- which module paths are private -----------------------------------------------------------

# Hosts whose modules are public and served by proxy.golang.org. A private repository on one
# of the forges is still private: the caller learns that from the proxy's 404/410.
KNOWN_PUBLIC_HOSTS = frozenset(
    {
        # forges
        "github.com",
        "gitlab.com",
        "bitbucket.org",
        "codeberg.org",
        "gitea.com",
        "git.sr.ht",
        "gitee.com",
        "launchpad.net",
        # the Go project and Google
        "golang.org",
        "google.golang.org",
        "cloud.google.com",
        "go.googlesource.com",
        "gocloud.dev",
        "go.opencensus.io",
        "go.starlark.net",
        # vanity hosts of widely used modules
        "gopkg.in",
        "go.uber.org",
        "k8s.io",
        "sigs.k8s.io",
        "go.opentelemetry.io",
        "go.etcd.io",
        "go.mongodb.org",
        "go.temporal.io",
        "go.elastic.co",
        "go.yaml.in",
        "honnef.co",
        "gotest.tools",
        "dario.cat",
        "mvdan.cc",
        "filippo.io",
        "lukechampine.com",
        "modernc.org",
        "rsc.io",
        "gorm.io",
        "entgo.io",
        "connectrpc.com",
        "buf.build",
        "cuelang.org",
        "gonum.org",
        "gioui.org",
        "nhooyr.io",
        "tailscale.com",
        "storj.io",
        "helm.sh",
        "oras.land",
        "knative.dev",
        "istio.io",
        "go4.org",
        "inet.af",
        "howett.net",
        "golang.zx2c4.com",
        "pgregory.net",
        "zombiezen.com",
        "code.gitea.io",
        "tags.cncf.io",
    }
)

# Forges where one account (user, organisation, group) owns many repositories: a private
# module there is named by host/owner, never by the whole host.
_OWNER_HOSTS = frozenset(
    {"github.com", "gitlab.com", "bitbucket.org", "codeberg.org", "gitea.com", "git.sr.ht",
     "gitee.com", "gopkg.in"}
)  # fmt: skip

# Second-level public suffixes: "a.co.uk" and "b.co.uk" are not one organisation.
_PUBLIC_SECOND_LEVEL = frozenset(
    {"co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "org.au", "co.jp", "ne.jp",
     "or.jp", "com.cn", "net.cn", "org.cn", "com.br", "com.tw", "co.kr", "co.nz", "co.in",
     "co.za", "com.mx", "com.tr", "com.sg", "com.hk", "github.io", "gitlab.io",
     "appspot.com", "herokuapp.com", "azurewebsites.net", "cloudfront.net"}
)  # fmt: skip


def _host(path: str) -> str:
    return path.split("/", 1)[0].lower()


def suggest_pattern(module_path: str) -> str:
    """The GOPRIVATE pattern to recommend for one private module path.

    host/owner on shared forges (github.com/acme), gopkg.in/NAME on gopkg.in, else the host.
    """
    elems = module_path.split("/")
    host = elems[0].lower()
    if host in _OWNER_HOSTS and len(elems) >= 2 and elems[1]:
        return f"{host}/{elems[1]}"
    return host


def _parent(host: str) -> Optional[str]:
    """The domain a `*.parent` pattern would name, or None when it would be too broad."""
    labels = host.split(".")
    if len(labels) < 3:
        return None
    parent = ".".join(labels[1:])
    if parent in _PUBLIC_SECOND_LEVEL or parent in KNOWN_PUBLIC_HOSTS:
        return None
    return parent


def suggest_patterns(paths: Iterable[str]) -> list[str]:
    """Patterns covering all paths: one per host (or host/owner on forges); hosts that share
    a parent domain (git.corp.example.com, go.corp.example.com) become `*.corp.example.com`."""
    singles: list[str] = []
    for path in paths:
        pat = suggest_pattern(path)
        if pat and pat not in singles:
            singles.append(pat)
    families: dict[str, list[str]] = {}
    for pat in singles:
        if "/" in pat:
            continue
        parent = _parent(pat)
        if parent is not None:
            families.setdefault(parent, []).append(pat)
    out: list[str] = []
    for single in singles:
        parent = None if "/" in single else _parent(single)
        pat = f"*.{parent}" if parent is not None and len(families[parent]) >= 2 else single
        if pat not in out:
            out.append(pat)
    return out


# --- findings ---------------------------------------------------------------------------------


def _quote(value: str) -> str:
    """Single-quoted for a POSIX shell (patterns hold '*', lists may hold '|')."""
    return f"'{value}'" if "'" not in value else shlex.quote(value)


def go_env_w_command(key: str, value: str) -> str:
    return f"go env -w {key}={_quote(value)}" if value else f"go env -u {key}"


def _listed(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def classify_requirements(
    requires: Iterable[tuple[str, str]],
    goprivate: str,
    gonoproxy: str,
    proxy_missing: Collection[str] = frozenset(),
    *,
    gonosumdb: str = "",
    gosumdb: str = "sum.golang.org",
    proxy_found: Collection[str] = frozenset(),
    replaced: Collection[str] = frozenset(),
) -> list[Finding]:
    """Findings about private modules among the requirements, and about the pattern lists.

    goprivate, gonoproxy, gonosumdb: the values as set (empty when unset; go derives the last
    two from GOPRIVATE when they are empty). proxy_missing: module paths the configured proxy
    answered 404/410 for; proxy_found: paths it served (those are public whatever their host).
    replaced: paths replaced by a local directory (never downloaded).

    Ids: private-not-in-goprivate, private-checksum-lookup, module-path-without-dot,
    private-bad-pattern.
    """
    eff_noproxy, eff_nosumdb = effective_private_lists(goprivate, gonoproxy, gonosumdb)
    confirmed: list[tuple[str, str]] = []
    suspected: list[tuple[str, str]] = []
    checksum: list[tuple[str, str]] = []
    dotless: list[tuple[str, str]] = []
    seen_paths: set[str] = set()
    for path, version in requires:
        if path in seen_paths or path in replaced:
            continue
        seen_paths.add(path)
        if "." not in path.split("/", 1)[0]:
            dotless.append((path, version))
            continue
        missing = path in proxy_missing
        if not missing and (_host(path) in KNOWN_PUBLIC_HOSTS or path in proxy_found):
            continue
        if match_prefix_patterns(eff_noproxy, path):
            if not parse_gosumdb(gosumdb).off and not match_prefix_patterns(eff_nosumdb, path):
                checksum.append((path, version))
            continue
        (confirmed if missing else suspected).append((path, version))

    findings: list[Finding] = []
    if confirmed or suspected:
        findings.append(_not_private_finding(confirmed, suspected, goprivate, gonoproxy, gonosumdb))
    if checksum:
        paths = [p for p, _ in checksum]
        patterns = suggest_patterns(paths)
        base = gonosumdb or goprivate
        findings.append(
            _finding(
                "private-checksum-lookup",
                WARNING,
                "Private modules are not in GONOSUMDB: go asks the public checksum database "
                "about them",
                seen=f"{_listed(paths)} match GONOPROXY ({eff_noproxy}) but not GONOSUMDB "
                f"({eff_nosumdb or 'empty'})",
                why="When go.sum lacks a checksum, go asks GOSUMDB (sum.golang.org by "
                "default), which cannot read private code: `go mod tidy` fails with "
                "`verifying module: ...: 404 Not Found` or `410 Gone`, and the module "
                "paths are sent to a public service.",
                fix=go_env_w_command(
                    "GONOSUMDB", merge_patterns(corrected_patterns(base), patterns)
                )
                + "\n# or list them in GOPRIVATE, which sets both (when GONOPROXY and "
                "GONOSUMDB are empty)",
                details=[f"{p} {v}" for p, v in checksum],
            )
        )
    if dotless:
        paths = [p for p, _ in dotless]
        first = dotless[0][0]
        findings.append(
            _finding(
                "module-path-without-dot",
                PROBLEM,
                "A requirement's module path has no dot in its first element: go cannot "
                "download it",
                seen=_listed(paths),
                why=f"go only downloads modules whose path starts with a domain name; "
                f'it stops with `malformed module path "{first}": missing dot in first path '
                "element`.",
                fix=f"# point it at a local copy:\ngo mod edit -replace {first}=../DIR\n"
                "# or rename the module to its repository path "
                "(e.g. git.corp.example.com/team/lib)",
                details=[f"{p} {v}" for p, v in dotless],
            )
        )
    findings.extend(pattern_findings(goprivate, gonoproxy, gonosumdb))
    return findings


def _not_private_finding(
    confirmed: Sequence[tuple[str, str]],
    suspected: Sequence[tuple[str, str]],
    goprivate: str,
    gonoproxy: str,
    gonosumdb: str,
) -> Finding:
    paths = [p for p, _ in [*confirmed, *suspected]]
    patterns = suggest_patterns(paths)
    joined = ",".join(patterns)
    fix_lines = [f"goaccel setup --private {_quote(joined)}", "# or by hand:"]
    fix_lines.append(
        go_env_w_command("GOPRIVATE", merge_patterns(corrected_patterns(goprivate), patterns))
    )
    # GONOPROXY/GONOSUMDB follow GOPRIVATE only while they are empty.
    for key, value in (("GONOPROXY", gonoproxy), ("GONOSUMDB", gonosumdb)):
        if value and value != goprivate:
            fix_lines.append(
                go_env_w_command(key, merge_patterns(corrected_patterns(value), patterns))
            )
    details = [f"{p} {v}: the proxy answered 404/410" for p, v in confirmed]
    details += [f"{p} {v}: not on a known public host" for p, v in suspected]
    if confirmed:
        status = PROBLEM
        title = "Modules the proxy does not have are not declared private (GOPRIVATE)"
        seen = f"{_listed([p for p, _ in confirmed])}: 404/410 from GOPROXY; " + (
            f"GONOPROXY={gonoproxy or goprivate}"
            if gonoproxy or goprivate
            else "GOPRIVATE is empty"
        )
    else:
        status = WARNING
        title = "Requirements look private but are not in GOPRIVATE"
        seen = f"{_listed(paths)}: not on a known public host; " + (
            f"GONOPROXY={gonoproxy or goprivate}"
            if gonoproxy or goprivate
            else "GOPRIVATE is empty"
        )
    why = (
        "go asks GOPROXY for them first: a public mirror cannot see private code and answers "
        "404/410 after a round trip per lookup (with no `direct` in GOPROXY, go stops there). "
        "If go then fetches them directly, it asks the public checksum database for "
        "checksums go.sum lacks, which fails with `verifying module: ... 404 Not Found`. "
        "The module paths also reach public services. GOPRIVATE makes go fetch them directly "
        "and skip the checksum database."
    )
    if not confirmed:
        why += " If these modules are public after all, ignore this."
    return _finding(
        "private-not-in-goprivate",
        status,
        title,
        seen=seen,
        why=why,
        fix="\n".join(fix_lines),
        details=details,
    )


_URL_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/@]*@)?")


def _pattern_issue(item: str) -> Optional[str]:
    glob = item[:-1] if item.endswith("/") else item
    if not item:
        return None
    if any(c.isspace() for c in item):
        return "contains white space, which go does not trim"
    if "://" in item:
        return "is a URL; these variables hold module path patterns"
    problem = pattern_problem(glob)
    if problem:
        return f"is malformed ({problem})"
    return None


def corrected_patterns(value: str) -> str:
    out: list[str] = []
    for item in value.split(","):
        for word in item.split():
            piece = _URL_PREFIX.sub("", word)
            glob = piece[:-1] if piece.endswith("/") else piece
            if piece and pattern_problem(glob) is None and piece not in out:
                out.append(piece)
    return ",".join(out)


def pattern_findings(goprivate: str, gonoproxy: str = "", gonosumdb: str = "") -> list[Finding]:
    """Patterns go silently never matches: white space, malformed globs, URLs.

    One finding (id private-bad-pattern) covering the three variables, with corrected values.
    """
    details: list[str] = []
    fix_lines: list[str] = []
    bad_vars: list[str] = []
    values = (("GOPRIVATE", goprivate), ("GONOPROXY", gonoproxy), ("GONOSUMDB", gonosumdb))
    for key, value in values:
        if not value:
            continue
        derived = key != "GOPRIVATE" and value == goprivate
        issues = [(item, _pattern_issue(item)) for item in value.split(",")]
        bad = [(item, why) for item, why in issues if why]
        if not bad:
            continue
        if derived and "GOPRIVATE" in bad_vars:
            continue  # the same text as GOPRIVATE: most likely derived from it
        bad_vars.append(key)
        details += [f"{key}: {item!r} {why}" for item, why in bad]
        fix_lines.append(go_env_w_command(key, corrected_patterns(value)))
    if not bad_vars:
        return []
    return [
        _finding(
            "private-bad-pattern",
            WARNING,
            f"{' and '.join(bad_vars)} {'holds' if len(bad_vars) == 1 else 'hold'} patterns "
            "go never matches",
            seen="; ".join(f"{k}={v}" for k, v in values if k in bad_vars),
            why="go splits these lists at ',' only and matches each pattern as written: a "
            "pattern with a space, a URL or a malformed glob matches no module, silently, so "
            "the modules it was meant for go to the public proxy and checksum database.",
            fix="\n".join(fix_lines),
            details=details,
        )
    ]
