"""goaccel.gocompat.pathmatch: path.Match, MatchPrefixPatterns and GOPRIVATE-style lists.

(path.Match and MatchPrefixPatterns are checked against go itself in test_against_go.py.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from goaccel.gocompat.pathmatch import (
    match_prefix_patterns,
    merge_patterns,
    path_match,
    pattern_problem,
    split_list,
)


@pytest.mark.parametrize(
    ("patterns", "path", "matched"),
    [
        ("*.corp.example.com", "git.corp.example.com/a/b", True),
        ("*.corp.example.com", "corp.example.com/a", False),
        ("rsc.io/private", "rsc.io/private/x", True),
        ("rsc.io/private", "rsc.io/privateer", False),
        ("rsc.io/private/", "rsc.io/private", True),  # one trailing '/' is dropped
        ("a.com, b.com", "b.com/x", False),  # spaces are not trimmed
        ("a.com,,b.com", "b.com/x", True),  # empty items are skipped
        ("[,b.com", "b.com", True),  # a malformed glob matches nothing, the next still counts
        ("github.com/acme/*", "github.com/acme", False),  # not enough elements
        ("", "anything", False),
        ("\\*.com", "*.com", True),
        ("[^x]y.com", "zy.com", True),
    ],
)
def test_match_prefix_patterns_examples(patterns: str, path: str, matched: bool) -> None:
    assert match_prefix_patterns(patterns, path) is matched


def test_path_match_reports_bad_patterns() -> None:
    for bad in ("[", "a\\", "[]", "[x-]"):
        with pytest.raises(ValueError, match="syntax error in pattern"):
            path_match(bad, "zzz")
    assert path_match("*", "a/b") is False


# --- GOPRIVATE-style lists and the syntax of one glob ------------------------------------------


@pytest.mark.parametrize(
    ("current", "extra", "expected"),
    [
        ("", ["a.example"], "a.example"),
        ("a.example", ["b.example"], "a.example,b.example"),
        ("a.example,b.example", ["b.example", "c.example"], "a.example,b.example,c.example"),
        ("a.example", [], "a.example"),
        ("", [], ""),
        ("a.example,,b.example,", [], "a.example,b.example"),
    ],
)
def test_merge_patterns(current: str, extra: list[str], expected: str) -> None:
    assert merge_patterns(current, extra) == expected


def test_split_list() -> None:
    assert split_list("a,,b,") == ["a", "b"]
    assert split_list("") == []


@pytest.mark.go
def test_pattern_problem_agrees_with_go_path_match(tmp_path: Path) -> None:
    """Ground truth: compile a tiny Go program and ask path.Match itself."""
    import json as _json
    import os
    import subprocess

    patterns = [
        "x]", "a[b]]", "a[b[c]", "[]a]", "[^a-z]x", "a\\[b", "*.corp", "git.corp/[abc", "[",
        "a]b[", "[]", "[^]", "a[-z]", "x\\", "[a-]", "[\\]]", "[\\", "[a\\-z]", "?x*", "[!a]",
        "[a-b-c]", "corp/*/x", "[^", "\\*", "[z-a]",
    ]  # fmt: skip
    (tmp_path / "main.go").write_text(
        'package main\n\nimport (\n\t"encoding/json"\n\t"os"\n\t"path"\n)\n\n'
        "func main() {\n\tvar ps []string\n\tjson.NewDecoder(os.Stdin).Decode(&ps)\n"
        "\tout := []bool{}\n\tfor _, p := range ps {\n"
        '\t\t_, err := path.Match(p, "")\n\t\tout = append(out, err == nil)\n\t}\n'
        "\tjson.NewEncoder(os.Stdout).Encode(out)\n}\n"
    )
    env = {**os.environ, "GO111MODULE": "off", "GOFLAGS": ""}
    proc = subprocess.run(
        ["go", "run", "main.go"], cwd=tmp_path, input=_json.dumps(patterns), env=env,
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    go_valid = _json.loads(proc.stdout)
    ours = [pattern_problem(p) is None for p in patterns]
    assert ours == go_valid, [p for p, a, b in zip(patterns, ours, go_valid) if a != b]
