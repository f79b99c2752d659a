"""doctor's pure parts: GOPROXY findings, private module patterns, toolchain selection.

The go rules underneath (GOPROXY parsing, path.Match, versions) are goaccel.gocompat's and
tested in tests/gocompat/; the go command itself confirms toolchain selection here
(GOPROXY=off: nothing leaves the machine).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from goaccel.doctor import goproxylist
from goaccel.doctor.goproxylist import (
    parse_goproxy,
    semantic_findings,
)
from goaccel.doctor.model import OK, PROBLEM, WARNING, Finding
from goaccel.doctor.private import (
    KNOWN_PUBLIC_HOSTS,
    classify_requirements,
    pattern_findings,
    suggest_pattern,
    suggest_patterns,
)
from goaccel.doctor.toolchain import toolchain_findings
from goaccel.gocompat.pathmatch import match_prefix_patterns

GO = shutil.which("go") or str(Path(sys.executable).parent / "go")


def test_credentials_never_appear_in_problems() -> None:
    p = parse_goproxy("https://alice:s3cret@h ost,direct")
    assert p.problems and "s3cret" not in p.problems[0]
    assert "alice:***@" in p.problems[0]


def _ids(findings: list[Finding]) -> dict[str, str]:
    return {f.id: f.status for f in findings}


def _all_text(findings: list[Finding]) -> str:
    return json.dumps([f.to_json() for f in findings])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://proxy.golang.org,direct", {"goproxy-comma-fallback": OK}),
        ("https://proxy.golang.org|direct", {}),
        ("https://a.example,https://b.example|direct", {"goproxy-comma-fallback": WARNING}),
        ("off", {"goproxy-off": PROBLEM}),
        ("direct", {"goproxy-direct-only": WARNING}),
        ("direct,https://proxy.golang.org", {"goproxy-direct-only": WARNING,
                                             "goproxy-ignored-entries": WARNING}),
        ("https://a.example", {"goproxy-no-direct": OK}),
        ("https://a.example|off", {"goproxy-no-direct": OK}),
        ("https://a.example,off", {"goproxy-no-direct": OK}),
        ("notaurl", {"goproxy-invalid": PROBLEM}),
        ("", {"goproxy-invalid": PROBLEM}),
        ("http://u:p@127.0.0.1:3000|direct", {"goproxy-http-credentials": PROBLEM}),
        ("http://127.0.0.1:3000|direct", {}),
        ("http://[::1]:3000|http://localhost:1|direct", {}),
        ("http://mirror.corp:3000|direct", {"goproxy-http-mirror": WARNING}),
        ("https:/nohost|direct", {"goproxy-url-no-host": PROBLEM}),
        ("file:///srv/mirror|direct", {}),
        # credentials over http are the problem; no second finding for plain http
        ("notaurl|http://u:p@h|direct", {"goproxy-invalid": PROBLEM,
                                         "goproxy-http-credentials": PROBLEM}),
    ],
)  # fmt: skip
def test_semantic_findings(value: str, expected: dict[str, str]) -> None:
    findings = semantic_findings(parse_goproxy(value))
    assert _ids(findings) == expected
    for f in findings:
        assert f.id.startswith("goproxy-") and f.title and f.why
        assert f.status in (OK, WARNING, PROBLEM)
    # the list/value spellings give the same findings
    entries, _ = goproxylist.parse(value)
    assert _ids(semantic_findings(entries, value)) == expected


def test_comma_fix_turns_commas_after_mirrors_into_bars() -> None:
    (f,) = semantic_findings(parse_goproxy("https://a.example,b.example,direct"))
    assert f.id == "goproxy-comma-fallback"
    assert "go env -w GOPROXY='https://a.example|b.example|direct'" in f.fix
    assert "404 or 410" in f.why


def test_ignored_entries_fix_moves_mirrors_before_the_keyword() -> None:
    findings = semantic_findings(parse_goproxy("https://a.example|direct,https://b.example,off"))
    f = next(f for f in findings if f.id == "goproxy-ignored-entries")
    assert "go env -w GOPROXY='https://a.example|https://b.example,direct'" in f.fix
    assert "https://b.example, off" in f.seen


def test_off_mentions_gonoproxy_which_still_goes_direct() -> None:
    (f,) = semantic_findings(parse_goproxy("off"), gonoproxy="*.corp.example.com")
    assert "module lookup disabled by GOPROXY=off" in f.why
    assert "*.corp.example.com" in f.why


def test_no_direct_without_gonoproxy_recommends_goprivate() -> None:
    (f,) = semantic_findings(parse_goproxy("https://a.example"))
    assert "goaccel setup --private" in f.fix
    (f,) = semantic_findings(parse_goproxy("https://a.example"), gonoproxy="corp.example")
    assert f.fix == "" and "corp.example" in f.why


def test_invalid_fix_is_pasteable_and_from_the_environment_says_so() -> None:
    (f,) = semantic_findings(parse_goproxy("goproxy.cn|notaurl|direct"))
    assert "go env -w GOPROXY='goproxy.cn|direct'" in f.fix.splitlines()
    assert f.seen.endswith("invalid proxy URL missing scheme: notaurl")
    (f,) = semantic_findings(parse_goproxy("notaurl"), source="environment")
    assert "export GOPROXY=https://proxy.golang.org,direct" in f.fix
    assert not any(line.startswith("go env -w") for line in f.fix.splitlines())


def test_findings_mask_credentials_everywhere() -> None:
    values = [
        "https://alice:s3cret@m.example,https://bob:s3cret@n.example|direct",
        "http://alice:s3cret@127.0.0.1:1|direct",
        "alice:s3cret@m.example|notaurl",
        "direct,https://alice:s3cret@late.example",
        "http://alice:s3cret@far.example|direct",
    ]
    for value in values:
        findings = semantic_findings(parse_goproxy(value))
        assert findings, value
        text = _all_text(findings)
        assert "s3cret" not in text, value
        if any("***" in f.fix for f in findings):
            assert "put your credentials back" in text


def test_findings_strip_control_characters() -> None:
    findings = semantic_findings(parse_goproxy("https://a.example\x1b[31m,direct"))
    assert "\x1b" not in _all_text(findings)


# --- private modules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "pattern"),
    [
        ("github.com/acme/secret", "github.com/acme"),
        ("github.com/acme/secret/v2", "github.com/acme"),
        ("gitlab.com/group/sub/proj", "gitlab.com/group"),
        ("bitbucket.org/team/repo", "bitbucket.org/team"),
        ("gopkg.in/acme/lib.v1", "gopkg.in/acme"),
        ("gopkg.in/lib.v3", "gopkg.in/lib.v3"),
        ("git.corp.example.com/team/lib", "git.corp.example.com"),
        ("Go.Corp.Example.com/x", "go.corp.example.com"),
        ("corp.example", "corp.example"),
    ],
)
def test_suggest_pattern(path: str, pattern: str) -> None:
    assert suggest_pattern(path) == pattern
    assert match_prefix_patterns(pattern, path.lower() if path[0].isupper() else path)


def test_suggest_patterns_merges_subdomain_families_only() -> None:
    paths = [
        "git.corp.example.com/a/b",
        "go.corp.example.com/c",
        "github.com/acme/x",
        "github.com/acme/y",
        "lone.other.org/z",
        "a.co.uk/x",
        "b.co.uk/y",
        "x.github.io/p",
        "y.github.io/q",
    ]
    assert suggest_patterns(paths) == [
        "*.corp.example.com",
        "github.com/acme",
        "lone.other.org",
        "a.co.uk",
        "b.co.uk",
        "x.github.io",
        "y.github.io",
    ]
    for p in paths:
        assert match_prefix_patterns(",".join(suggest_patterns(paths)), p)
    assert suggest_patterns(["corp.example.com/a", "git.corp.example.com/b"]) == [
        "corp.example.com",
        "git.corp.example.com",
    ]


def test_known_public_hosts_are_hosts() -> None:
    assert {"github.com", "golang.org", "gopkg.in", "k8s.io", "go.uber.org"} <= KNOWN_PUBLIC_HOSTS
    for host in KNOWN_PUBLIC_HOSTS:
        assert host == host.lower() and "." in host and "/" not in host


REQUIRES = [
    ("github.com/pkg/errors", "v0.9.1"),
    ("golang.org/x/text", "v0.14.0"),
    ("github.com/acme/secret", "v1.2.0"),
    ("git.corp.example.com/team/lib", "v0.3.0"),
    ("go.corp.example.com/tools", "v1.0.0"),
]


def test_private_requirements_get_one_finding_with_the_exact_commands() -> None:
    findings = classify_requirements(REQUIRES, "", "", {"github.com/acme/secret"})
    assert _ids(findings) == {"private-not-in-goprivate": PROBLEM}
    (f,) = findings
    fix = f.fix.splitlines()
    assert fix[0] == "goaccel setup --private 'github.com/acme,*.corp.example.com'"
    assert "go env -w GOPRIVATE='github.com/acme,*.corp.example.com'" in fix
    assert "github.com/pkg/errors" not in f.fix + f.seen + "".join(f.details)
    assert "github.com/acme/secret v1.2.0: the proxy answered 404/410" in f.details


def test_single_element_module_paths_are_not_mistaken_for_credentials() -> None:
    (f,) = classify_requirements([("corp.example", "v1.0.0")], "", "", {"corp.example"})
    assert f.details == ["corp.example v1.0.0: the proxy answered 404/410"]
    assert "goaccel setup --private 'corp.example'" in f.fix


def test_suspected_only_is_a_warning_and_proxy_found_clears_it() -> None:
    findings = classify_requirements(REQUIRES, "", "", set())
    assert _ids(findings) == {"private-not-in-goprivate": WARNING}
    found = {"git.corp.example.com/team/lib", "go.corp.example.com/tools"}
    assert classify_requirements(REQUIRES, "", "", set(), proxy_found=found) == []
    assert classify_requirements(REQUIRES, "", "", set(), replaced=found) == []


def test_goprivate_covers_them_and_merges_with_existing_patterns() -> None:
    assert classify_requirements(REQUIRES, "*.corp.example.com", "", set()) == []
    (f,) = classify_requirements(REQUIRES, "other.example", "", {"github.com/acme/secret"})
    assert "go env -w GOPRIVATE='other.example,github.com/acme,*.corp.example.com'" in f.fix
    assert "GONOPROXY" not in f.fix
    (f,) = classify_requirements(
        REQUIRES, "*.corp.example.com", "*.corp.example.com", {"github.com/acme/secret"}
    )
    assert f.fix.splitlines()[0] == "goaccel setup --private 'github.com/acme'"
    assert f.fix.splitlines()[2:] == ["go env -w GOPRIVATE='*.corp.example.com,github.com/acme'"]


def test_merged_values_drop_patterns_go_never_matches() -> None:
    findings = classify_requirements(REQUIRES, "a.example, *.corp.example.com", "", set())
    assert _ids(findings) == {"private-not-in-goprivate": WARNING, "private-bad-pattern": WARNING}
    # " *.corp.example.com" never matched: it is replaced, not kept next to the fixed one
    assert "go env -w GOPRIVATE='a.example,*.corp.example.com'" in findings[0].fix


def test_explicit_gonoproxy_wins_and_is_extended_too() -> None:
    # GONOPROXY set: go ignores GOPRIVATE for proxy decisions.
    (f,) = classify_requirements(
        REQUIRES, "*.corp.example.com", "other.example", {"github.com/acme/secret"}
    )
    assert f.id == "private-not-in-goprivate"
    assert "go.corp.example.com/tools" in f.seen + "".join(f.details)
    assert "go env -w GONOPROXY='other.example,github.com/acme,*.corp.example.com'" in f.fix


def test_gonoproxy_without_gonosumdb_warns_about_the_checksum_database() -> None:
    findings = classify_requirements(
        REQUIRES, "", "*.corp.example.com,github.com/acme", set(), gonosumdb="nothing.example"
    )
    assert _ids(findings) == {"private-checksum-lookup": WARNING}
    # github.com/acme/secret is on a public host and not reported missing: not private
    assert "go env -w GONOSUMDB='nothing.example,*.corp.example.com'" in findings[0].fix
    assert "github.com/acme/secret" not in "".join(findings[0].details)
    off = classify_requirements(
        REQUIRES, "", "*.corp.example.com,github.com/acme", set(), gonosumdb="x", gosumdb="off"
    )
    assert off == []


def test_dotless_paths_cannot_be_downloaded() -> None:
    findings = classify_requirements([("corp/lib", "v1.0.0")], "", "", set())
    assert _ids(findings) == {"module-path-without-dot": PROBLEM}
    assert 'malformed module path "corp/lib": missing dot in first path element' in (
        findings[0].why
    )
    assert (
        classify_requirements([("corp/lib", "v1.0.0")], "", "", set(), replaced={"corp/lib"}) == []
    )


@pytest.mark.parametrize(
    ("goprivate", "gonoproxy", "gonosumdb", "fix_lines"),
    [
        ("a.example, b.example", "", "", ["go env -w GOPRIVATE='a.example,b.example'"]),
        ("a.example,https://git.corp.example/team", "", "",
         ["go env -w GOPRIVATE='a.example,git.corp.example/team'"]),
        ("a.example,git.[corp", "", "", ["go env -w GOPRIVATE='a.example'"]),
        (" ", "", "", ["go env -u GOPRIVATE"]),
        # GONOPROXY shown with GOPRIVATE's value: derived, one fix.
        ("a b", "a b", "a b", ["go env -w GOPRIVATE='a,b'"]),
        ("ok.example", "x y", "", ["go env -w GONOPROXY='x,y'"]),
        ("ok.example", "", "[", ["go env -u GONOSUMDB"]),
    ],
)  # fmt: skip
def test_bad_patterns(goprivate: str, gonoproxy: str, gonosumdb: str, fix_lines: list[str]) -> None:
    (f,) = pattern_findings(goprivate, gonoproxy, gonosumdb)
    assert f.id == "private-bad-pattern" and f.status == WARNING
    assert f.fix.splitlines() == fix_lines
    # classify_requirements reports them as well
    assert "private-bad-pattern" in _ids(classify_requirements([], goprivate, gonoproxy, set(),
                                                               gonosumdb=gonosumdb))  # fmt: skip


def test_good_patterns_give_no_finding() -> None:
    assert pattern_findings("*.corp.example.com,github.com/acme/", "x.example", "") == []


def test_toolchain_findings_download_warning() -> None:
    findings = toolchain_findings("1.22", "go1.30.1", "go version go1.27.3 linux/amd64", "auto",
                                  goos="linux", goarch="amd64")  # fmt: skip
    assert _ids(findings) == {"toolchain-download": WARNING}
    (f,) = findings
    assert f.details == ["golang.org/toolchain@v0.0.1-go1.30.1.linux-amd64"]
    assert "go: downloading go1.30.1 (linux/amd64)" in f.why
    assert "checksum database" in f.why
    # the toolchain line is only advice: local works, so GOTOOLCHAIN=local is offered
    assert "go env -w GOTOOLCHAIN=local" in f.fix.splitlines()
    assert "GOTOOLCHAIN=local go mod edit -toolchain=none" in f.fix.splitlines()


def test_toolchain_findings_go_line_warns_that_local_would_fail() -> None:
    (f,) = toolchain_findings("1.30", None, "go1.27.3", None)
    assert f.id == "toolchain-download" and f.status == WARNING
    assert "go1.30.0" in f.title
    assert "go.mod requires go >= 1.30 (running go 1.27.3; GOTOOLCHAIN=local)" in f.fix
    assert "go env -w GOTOOLCHAIN=local" not in f.fix.splitlines()


def test_toolchain_findings_gosumdb_off_breaks_the_download() -> None:
    (f,) = toolchain_findings("1.30", None, "go1.27.3", "auto", gosumdb="off")
    assert f.status == PROBLEM and "GOSUMDB=off" in f.why


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("1.30", None, "go1.27.3", "local"), {"toolchain-too-new": PROBLEM}),
        (("1.22", None, "go1.27.3", "auto"), {"toolchain-ok": OK}),
        (("1.22", "go1.30.1", "go1.27.3", "local"), {"toolchain-ok": OK}),
        (("1.30", None, "go1.27.3", "path"), {"toolchain-path": WARNING}),
        (("1.30", None, "go1.27.3", "nonsense"), {"gotoolchain-invalid": PROBLEM}),
        (("1.22", "bad", "go1.27.3", "auto"), {"toolchain-invalid-line": PROBLEM}),
        (("1.30", None, "go1.27.3", "go1.26.0"),
         {"toolchain-too-new": PROBLEM, "toolchain-download": WARNING}),
        (("1.22", None, "go1.27.3", "go1.21"), {"toolchain-download": PROBLEM}),
        (("1.22", None, "not a version", "auto"), {}),
    ],
)  # fmt: skip
def test_toolchain_findings(args: tuple[Any, ...], expected: dict[str, str]) -> None:
    findings = toolchain_findings(*args)
    assert _ids(findings) == expected
    for f in findings:
        assert f.title and (f.status == OK or (f.why and f.fix) or f.id == "toolchain-too-new")


def test_too_new_quotes_gos_error() -> None:
    (f,) = toolchain_findings("1.30", None, "go1.27.3", "local")
    assert "go: go.mod requires go >= 1.30 (running go 1.27.3; GOTOOLCHAIN=local)" in f.seen
    assert "go env -w GOTOOLCHAIN=auto" in f.fix


def test_modules_import_nothing_that_does_io() -> None:
    code = (
        "import sys; import goaccel.doctor.goproxylist, goaccel.doctor.private, "
        "goaccel.doctor.toolchain; "
        "print(sorted(m for m in ('httpx', 'typer', 'rich', 'goaccel.cli') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "[]"


# --- which mirrors serve the toolchain ---------------------------------------------------------


def _tc_case(
    goproxy: str, states: dict[str, tuple[int | None, str | None]], reason: str = "go line"
) -> Finding:
    """toolchain_mirror_findings for GOPROXY=goproxy, each mirror answering (status, error)."""
    from goaccel.doctor.toolchain import toolchain_mirror_findings
    from goaccel.gocompat.goproxy import parse_goproxy as go_parse
    from goaccel.measure.probe import MirrorProbe, ToolchainCheck
    from goaccel.measure.toolchain import walk
    from goaccel.measure.workload import ModuleRef, ToolchainNeed

    key = "golang.org/toolchain@v0.0.1-go1.99.0.linux-amd64"
    probes = {}
    for url, (status, error) in states.items():
        p = MirrorProbe(name=url, url=url)
        p.toolchain = ToolchainCheck(key, status, 12_000 if status == 200 else None, error)
        probes[url] = p
    entries = go_parse(goproxy).entries
    need = ToolchainNeed("go1.99.0", ModuleRef(*key.split("@")), reason)
    answers = [(e.url, probes.get(e.url)) for e in entries if e.kind == "url"]
    (f,) = toolchain_mirror_findings(
        need, walk(entries, probes), answers, local_version="go1.27.3", goos="linux",
        goarch="amd64",
    )  # fmt: skip
    assert f.id == "toolchain-mirrors"
    return f


def test_toolchain_mirrors_unknown_answer_is_a_warning() -> None:
    f = _tc_case("https://a|https://b", {"https://a": (None, None), "https://b": (200, None)})
    assert (f.status, f.title) == (
        WARNING, "could not tell whether go gets the go1.99.0 toolchain through https://a"
    )  # fmt: skip
    assert f.details == ["https://a: no answer within the probe's budget",
                         "https://b: serves it (12.0 KB)"]  # fmt: skip


def test_toolchain_mirrors_a_failure_after_a_comma_stops_go() -> None:
    f = _tc_case("https://a,https://b",
                 {"https://a": (500, "HTTP 500: down"), "https://b": (200, None)})  # fmt: skip
    assert f.status == PROBLEM
    assert f.title == (
        "go stops at https://a before it finds the go1.99.0 toolchain: every go command fails"
    )
    assert f.seen == "https://a: fails: HTTP 500: down"
    # after '|' go moves on to the mirror that serves it
    f = _tc_case("https://a|https://b",
                 {"https://a": (500, "HTTP 500: down"), "https://b": (200, None)})  # fmt: skip
    assert (f.status, f.title) == (OK, "go gets the go1.99.0 toolchain from https://b (12.0 KB)")
    assert f.seen.endswith("after 1 GOPROXY entry that lack it or fail before '|'")


@pytest.mark.parametrize(
    ("reason", "line"),
    [
        ("toolchain line", "GOTOOLCHAIN=local go mod edit -toolchain=none"),
        ("GOTOOLCHAIN", "go env -w GOTOOLCHAIN=auto   # or unset GOTOOLCHAIN where it is set"),
        ("go line", "GOTOOLCHAIN=local go mod edit -go=1.27.3 && go env -w GOTOOLCHAIN=local"),
    ],
)  # fmt: skip
def test_toolchain_mirrors_fix_follows_what_asks_for_the_toolchain(reason: str, line: str) -> None:
    f = _tc_case("https://a,off", {"https://a": (404, None)}, reason)
    assert f.status == PROBLEM
    assert f.seen == (
        "every GOPROXY mirror answered 404/410 for "
        "golang.org/toolchain@v0.0.1-go1.99.0.linux-amd64, and GOPROXY ends with off"
    )
    fix = f.fix.splitlines()
    assert fix[0].startswith("goaccel setup") and line in fix
    assert "# or install go 1.99.0 here and in CI" in f.fix


def test_toolchain_mirrors_with_gonoproxy_matching_the_toolchain() -> None:
    from goaccel.doctor.toolchain import toolchain_mirror_findings
    from goaccel.gocompat.goproxy import ProxyEntry, try_proxies
    from goaccel.measure.workload import ModuleRef, ToolchainNeed

    need = ToolchainNeed(
        "go1.99.0", ModuleRef("golang.org/toolchain", "v0.0.1-go1.99.0.linux-amd64"), "go line"
    )
    walk = try_proxies([ProxyEntry("direct", "direct", "direct", False)], lambda e: "found")
    (f,) = toolchain_mirror_findings(need, walk, [("https://a", None)], local_version="go1.27.3",
                                     goos="linux", goarch="amd64", noproxy=True)  # fmt: skip
    assert f.status == WARNING and f.title.endswith("go fetches it through direct")
    assert f.seen == "GONOPROXY matches golang.org/toolchain, so go does not ask the mirrors for it"
    assert f.details == ["https://a: not probed"]
