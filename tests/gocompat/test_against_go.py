"""goaccel.gocompat against go itself: GOPROXY lists and one download's walk over them,
path.Match, MatchPrefixPatterns, versions.

One small Go program (compiled once per run) reimplements go's proxyList with the real
net/url, copies module.MatchPrefixPatterns over the real path.Match, and compares versions
with go/version; the go command itself confirms the GOPROXY error texts (GOPROXY=off or an
invalid list: nothing leaves the machine).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import offline_go_env as _go_env

from goaccel.gocompat.goproxy import parse_goproxy
from goaccel.gocompat.gover import compare_go_versions, from_toolchain, is_valid
from goaccel.gocompat.pathmatch import match_prefix_patterns, path_match

GO = shutil.which("go") or str(Path(sys.executable).parent / "go")

# --- ground truth from Go ---------------------------------------------------------------------

GO_TRUTH = r"""package main

import (
	"encoding/json"
	"fmt"
	"go/version"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
)

type spec struct {
	URL      string `json:"url"`
	Fallback bool   `json:"fallback"`
}

type proxyResult struct {
	Entries []spec `json:"entries"`
	Err     string `json:"err"`
}

// newProxyRepo's check of the base URL (cmd/go/internal/modfetch/proxy.go).
func checkProxyURL(baseURL string) error {
	base, err := url.Parse(baseURL)
	if err != nil {
		return err
	}
	redactedBase := base.Redacted()
	switch base.Scheme {
	case "http", "https":
	case "file":
		if *base != (url.URL{Scheme: base.Scheme, Path: base.Path, RawPath: base.RawPath}) {
			return fmt.Errorf("invalid file:// proxy URL with non-path elements: %s", redactedBase)
		}
	case "":
		return fmt.Errorf("invalid proxy URL missing scheme: %s", redactedBase)
	default:
		return fmt.Errorf("invalid proxy URL scheme (must be https, http, file): %s", redactedBase)
	}
	return nil
}

// proxyList (cmd/go/internal/modfetch/proxy.go), without the implicit "noproxy".
func proxyList(goproxy string) ([]spec, error) {
	list := []spec{}
	for goproxy != "" {
		var u string
		fallBackOnError := false
		if i := strings.IndexAny(goproxy, ",|"); i >= 0 {
			u = goproxy[:i]
			fallBackOnError = goproxy[i] == '|'
			goproxy = goproxy[i+1:]
		} else {
			u = goproxy
			goproxy = ""
		}
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		if u == "off" {
			list = append(list, spec{URL: "off"})
			break
		}
		if u == "direct" {
			list = append(list, spec{URL: "direct"})
			break
		}
		if strings.ContainsAny(u, ".:/") && !strings.Contains(u, ":/") &&
			!filepath.IsAbs(u) && !path.IsAbs(u) {
			u = "https://" + u
		}
		if err := checkProxyURL(u); err != nil {
			return nil, err
		}
		list = append(list, spec{URL: u, Fallback: fallBackOnError})
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("GOPROXY list is not the empty string, but contains no entries")
	}
	return list, nil
}

// golang.org/x/mod/module.MatchPrefixPatterns, copied (x/mod is not importable from here).
func MatchPrefixPatterns(globs, target string) bool {
	for globs != "" {
		var glob string
		if before, after, ok := strings.Cut(globs, ","); ok {
			glob, globs = before, after
		} else {
			glob, globs = globs, ""
		}
		glob = strings.TrimSuffix(glob, "/")
		if glob == "" {
			continue
		}
		n := strings.Count(glob, "/")
		prefix := target
		for i := 0; i < len(target); i++ {
			if target[i] == '/' {
				if n == 0 {
					prefix = target[:i]
					break
				}
				n--
			}
		}
		if n > 0 {
			continue
		}
		matched, _ := path.Match(glob, prefix)
		if matched {
			return true
		}
	}
	return false
}

type input struct {
	Goproxy []string    `json:"goproxy"`
	Match   [][2]string `json:"match"`
	Prefix  [][2]string `json:"prefix"`
	Compare [][2]string `json:"compare"`
	Valid   []string    `json:"valid"`
}

type output struct {
	Goproxy []proxyResult `json:"goproxy"`
	Match   [][2]bool     `json:"match"`
	Prefix  []bool        `json:"prefix"`
	Compare []int         `json:"compare"`
	Valid   []bool        `json:"valid"`
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	out := output{Goproxy: []proxyResult{}, Match: [][2]bool{}, Prefix: []bool{},
		Compare: []int{}, Valid: []bool{}}
	for _, v := range in.Goproxy {
		l, err := proxyList(v)
		r := proxyResult{Entries: l}
		if err != nil {
			r.Err = err.Error()
		}
		out.Goproxy = append(out.Goproxy, r)
	}
	for _, c := range in.Match {
		ok, err := path.Match(c[0], c[1])
		out.Match = append(out.Match, [2]bool{ok, err != nil})
	}
	for _, c := range in.Prefix {
		out.Prefix = append(out.Prefix, MatchPrefixPatterns(c[0], c[1]))
	}
	for _, c := range in.Compare {
		out.Compare = append(out.Compare, version.Compare("go"+c[0], "go"+c[1]))
	}
	for _, v := range in.Valid {
		out.Valid = append(out.Valid, version.IsValid("go"+v))
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
"""

GOPROXY_CASES = [
    "https://proxy.golang.org,direct", "notaurl", ",", " ", "", "off", "direct", "noproxy",
    "DIRECT", "Off", "https://a b", "http://u:p@127.0.0.1:1", "ftp://x", "file://host/x",
    "127.0.0.1:1", "/abs/path", "localhost", "direct,notaurl", "off,notaurl", "notaurl,direct",
    "https://127.0.0.1:1/%zz", "file:///tmp/x", " https://127.0.0.1:1 , direct", "a:b", "a:b:c",
    "https://a:b:c", "goproxy.cn|goproxy.io,direct", "https://[::1]:8080/x|direct",
    "https://[1.2.3.4]/", "https://[::1", "https://x]/", "HTTPS://Proxy.Example.com/Path",
    "file:/x", "file:x", ":/x", "x:/y", "a b", "a b:/x", "https://h/a b", "https://h/p?q",
    "https://h/p#frag", "https://h/p#%zz", "https://h/p?", "https://ü.example/", "https://h/ü",
    "https://%41.com", "https://h%c3%bc.com", "https://u@h/", "https://u:p@h/", "https://u%zz@h",
    "https://u p@h", "mailto:x", "https:/x", "https://", "https:", "file://", "file:///",
    "file:///a?b", "https://h:", "https://h:99999999", "https://h:-1", "*", "x*y", "1http://x",
    "+x://y", "a.b|c.d|direct", "a.b,,|,c.d", "https://h/%2F", "https://h/a%20b",
    "git+ssh://x/y", "https://[fe80::1%25en0]/", "https://[fe80::1%en0]/",
    "https://[::ffff:1.2.3.4]/", "\\\\srv\\share", "h/p", "https://h\\x", "https://a@b@c",
    "https://h/<>", "https://<h>/", 'https://h"x/', "\tproxy.example\t", "https://h/é?x#y",
    "ws://x", "x.y:80|off|direct", "https://goproxy.cn|direct,https://x", "a\x01b.c",
    "https://h/\x7f", "https://[::1]x/", "https://[::1]:/", "https://a:1:2/", "x.y:z",
    "https://u:p@h:8080/path|http://127.0.0.1:3000|off",
]  # fmt: skip

MATCH_PATTERNS = [
    "", "*", "**", "a*", "*a", "a*b", "a?b", "a?c", "?", "[abc]", "[^abc]", "[a-c]x", "[\\]]",
    "[\\-]", "a\\*b", "a\\", "[", "[]", "[^]", "[a-]", "a[", "*.corp.example.com",
    "git.corp.example.com", "rsc.io/private", "rsc.io/*", "*/x", "a/*/c", "[é]", "?b", "é?",
    "[a-é]", "a]b", "*[", "*x[", "[x-a]", "\\[a]", "*\\", "ab[^c-d]e", "*?", "a*b*c",
]  # fmt: skip
MATCH_NAMES = [
    "", "a", "b", "ab", "abc", "aXb", "a/b", "a*b", "x]", "]", "-", "é", "éb", "a/b/c",
    "git.corp.example.com", "corp.example.com", "rsc.io/private", "rsc.io/privateer", "[",
    "abbbc", "abec", "a\\", "aé", "\xff",
]  # fmt: skip

PREFIX_PATTERNS = [
    "", ",", "*.corp.example.com", "git.corp.example.com", "rsc.io/private", "rsc.io/private/",
    "rsc.io/private//", " rsc.io/private", "rsc.io/private ", "a.com, b.com", "a.com,b.com",
    ",,a.com,,", "*/private", "*", "*/*/*/*", "github.com/acme", "github.com/acme/*",
    "github.com/[ab]cme", "github.com/[", "[,a.com", "a.com/x/y/z/w", "*.com", "A.com",
    "git.corp.example.com/team/", "/", "//", "x//y",
]  # fmt: skip
PREFIX_PATHS = [
    "rsc.io/private", "rsc.io/privateer", "rsc.io/private/sub/pkg", "git.corp.example.com/a/b",
    "corp.example.com/a", "a.com", "a.com/x", "b.com/y", "github.com/acme/repo",
    "github.com/bcme/x", "github.com/acmeco/x", "a.com/x/y/z/w/v", "x/y", "x//y", "",
]  # fmt: skip

VERSIONS = [
    "1", "1.0", "1.0.0", "1.2", "1.2.3", "1.20", "1.20.0", "1.20rc1", "1.21", "1.21.0",
    "1.21rc1", "1.21rc2", "1.21beta1", "1.21alpha1", "1.21.1", "1.22", "1.22.0", "1.27.3",
    "1.100", "1.99999999999", "2", "01.2", "1.02", "1.2.03", "1.21rc", "1.21.0rc1", "1.21x1",
    "", "x", "1.", "1.21.", "1.21-pre", "1.21.0.0", "10.0", "1.21RC1",
]  # fmt: skip


@pytest.fixture(scope="module")
def go_truth(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Compile and run GO_TRUTH once for every case of this module."""
    tmp = tmp_path_factory.mktemp("gotruth")
    (tmp / "main.go").write_text(GO_TRUTH, encoding="utf-8")
    request = {
        "goproxy": GOPROXY_CASES,
        "match": [[p, n] for p in MATCH_PATTERNS for n in MATCH_NAMES],
        "prefix": [[p, n] for p in PREFIX_PATTERNS for n in PREFIX_PATHS],
        "compare": [[a, b] for a in VERSIONS for b in VERSIONS],
        "valid": VERSIONS,
    }
    # GOPATH mode builds with Go 1.20's GODEBUG defaults; the go command runs with its own
    # version's defaults, where net/url refuses a second ':' in an http(s) host.
    env = {**_go_env(tmp), "GO111MODULE": "off", "GODEBUG": "urlstrictcolons=1"}
    proc = subprocess.run(
        [GO, "run", "main.go"], cwd=tmp, input=json.dumps(request), env=env,
        capture_output=True, text=True, encoding="utf-8", errors="surrogateescape",
        check=False, timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    truth: dict[str, Any] = json.loads(proc.stdout)
    truth["request"] = request
    return truth


# --- GOPROXY ----------------------------------------------------------------------------------


@pytest.mark.go
def test_parse_goproxy_agrees_with_go_proxy_list(go_truth: dict[str, Any]) -> None:
    bad: list[tuple[Any, ...]] = []
    for value, want in zip(GOPROXY_CASES, go_truth["goproxy"]):
        got = parse_goproxy(value, windows=False)
        if want["err"]:
            # go reports the first invalid entry; so must we, first.
            if not got.problems or got.problems[0] != want["err"]:
                bad.append((value, want["err"], got.problems))
        else:
            mine = [{"url": e.url, "fallback": e.fallback_on_error} for e in got.entries]
            if got.problems or mine != want["entries"]:
                bad.append((value, want["entries"], mine, got.problems))
    assert bad == []


@pytest.mark.go
def test_goproxy_errors_are_the_go_commands_own(tmp_path: Path) -> None:
    """The go command itself, not a reimplementation, prints the texts parse_goproxy gives."""
    env = {**_go_env(tmp_path), "GO111MODULE": "on", "GOSUMDB": "off"}
    for value in ["notaurl", ",", "ftp://x", "https://a b", "a:b:c", "file://host/x", "Direct"]:
        proc = subprocess.run(
            [GO, "mod", "download", "-json", "golang.org/x/text@v0.3.0"], cwd=tmp_path,
            env={**env, "GOPROXY": value}, capture_output=True, text=True, check=False,
            timeout=60,
        )  # fmt: skip
        assert proc.returncode != 0
        problem = parse_goproxy(value).problems[0]
        assert json.loads(proc.stdout)["Error"] == f"golang.org/x/text@v0.3.0: {problem}", value


# --- path.Match and MatchPrefixPatterns -------------------------------------------------------


def _py_match(pattern: str, name: str) -> tuple[bool, bool]:
    try:
        return path_match(pattern, name), False
    except ValueError:
        return False, True


@pytest.mark.go
def test_path_match_agrees_with_go(go_truth: dict[str, Any]) -> None:
    cases = go_truth["request"]["match"]
    got = [list(_py_match(p, n)) for p, n in cases]
    diff = [(c, w, g) for c, w, g in zip(cases, go_truth["match"], got) if w != g]
    assert diff == []
    assert any(w[1] for w in go_truth["match"]) and any(w[0] for w in go_truth["match"])


@pytest.mark.go
def test_match_prefix_patterns_agrees_with_go(go_truth: dict[str, Any]) -> None:
    cases = go_truth["request"]["prefix"]
    got = [match_prefix_patterns(p, n) for p, n in cases]
    diff = [(c, w) for c, w, g in zip(cases, go_truth["prefix"], got) if w != g]
    assert diff == []
    assert sum(go_truth["prefix"]) > 20


# --- versions ---------------------------------------------------------------------------------


@pytest.mark.go
def test_compare_agrees_with_go_version(go_truth: dict[str, Any]) -> None:
    cases = go_truth["request"]["compare"]
    # go/version takes "go1.21"-style names (and drops a "-suffix"), as toolchain names do
    got = [compare_go_versions("go" + a, "go" + b) for a, b in cases]
    diff = [(c, w, g) for c, w, g in zip(cases, go_truth["compare"], got) if w != g]
    assert diff == []
    # bare versions are gover's: the same wherever there is no suffix to drop
    for (a, b), want in zip(cases, go_truth["compare"]):
        if "-" not in a + b:
            assert compare_go_versions(a, b) == want, (a, b)
    valid = [bool(from_toolchain("go" + v)) for v in VERSIONS]
    assert valid == go_truth["valid"]
    bare = [(v, is_valid(v)) for v in VERSIONS if "-" not in v]
    assert bare == [(v, w) for v, w in zip(VERSIONS, go_truth["valid"]) if "-" not in v]


# --- one download's walk over GOPROXY (TryProxies), against go and simulated mirrors ---------

WALKS = [
    # (GOPROXY with a b c standing for mirrors, what each answers)
    ("a,b", {"a": "failed", "b": "found"}),
    ("a|b", {"a": "failed", "b": "found"}),
    ("a,b", {"a": "not found", "b": "found"}),
    ("a|b|c", {"a": "failed", "b": "failed", "c": "not found"}),
    ("a,b", {"a": "not found", "b": "not found"}),
    ("a,off", {"a": "not found"}),
    ("a|off", {"a": "failed"}),
]


@pytest.mark.go
@pytest.mark.parametrize(("template", "answers"), WALKS)
def test_try_proxies_agrees_with_go(tmp_path: Path, template: str, answers: dict[str, str]) -> None:
    """Which mirror go downloads a module from, or whose error it stops with, is what
    try_proxies says, for `,` and `|`, failures, 404s and off."""
    from mirrorsim import MirrorSim, Profile, make_module

    from goaccel.gocompat.goproxy import FAILED, FOUND, try_proxies

    mod = make_module("example.com/sim/walk", size=1000)
    profiles = {
        "found": Profile(),
        "not found": Profile(missing=frozenset({mod.path})),
        "failed": Profile(status=500, error_body="down"),
    }
    sims = {k: MirrorSim([mod], profiles[v], name=k).start() for k, v in answers.items()}
    try:
        value = template
        for k, sim in sims.items():
            value = value.replace(k, sim.url)
        entries = parse_goproxy(value).entries
        by_url = {sim.url: answers[k] for k, sim in sims.items()}
        walk = try_proxies(entries, lambda e: by_url[e.url])
        env = {**_go_env(tmp_path), "GOPROXY": value, "GOSUMDB": "off"}
        proc = subprocess.run(
            [GO, "mod", "download", "-json", f"{mod.path}@{mod.version}"], cwd=tmp_path,
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        zips = {
            k for k, s in sims.items() for r in s.requests if (r.kind, r.status) == ("zip", 200)
        }
    finally:
        for sim in sims.values():
            sim.stop()
    out = json.loads(proc.stdout) if proc.stdout.strip() else {}
    error = out.get("Error", "") + proc.stderr
    if walk.outcome == FOUND:
        assert proc.returncode == 0, error
        assert walk.entry is not None
        assert zips == {k for k, sim in sims.items() if sim.url == walk.entry.url}
        return
    assert proc.returncode != 0
    if walk.outcome == FAILED:
        assert walk.entry is not None
        assert f"{walk.entry.url}/" in error and "500 Internal Server Error" in error, error
        others = [sim.url for sim in sims.values() if sim.url != walk.entry.url]
        assert not any(f"{u}/" in error for u in others), error
    elif walk.outcome == "off":
        assert "module lookup disabled by GOPROXY=off" in error, error
    else:
        assert "404 Not Found" in error, error
