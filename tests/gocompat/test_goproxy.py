"""goaccel.gocompat.goproxy: GOPROXY lists as cmd/go/internal/modfetch/proxy.go reads them.

(Checked against go itself in test_against_go.py.)
"""

from __future__ import annotations

import pytest

from goaccel.gocompat.goproxy import (
    DEFAULT_GOPROXY,
    KIND_DIRECT,
    KIND_OFF,
    KIND_URL,
    NO_ENTRIES,
    ProxyEntry,
    parse_goproxy,
)


def test_entries_separators_and_keywords() -> None:
    p = parse_goproxy(" https://a.example | b.example:8080/path , direct , https://never")
    assert [(e.kind, e.url, e.fallback_on_error) for e in p.entries] == [
        (KIND_URL, "https://a.example", True),
        (KIND_URL, "https://b.example:8080/path", False),
        (KIND_DIRECT, "direct", False),
    ]
    assert p.entries[1].host == "b.example"
    assert p.entries[0].raw == " https://a.example "
    assert p.ignored == [" https://never"]
    assert p.ok and p.problems == []
    off = parse_goproxy("off|direct")
    assert (off.entries, off.problems) == ([ProxyEntry("off", "off", KIND_OFF, False)], [])


def test_every_invalid_entry_is_reported_in_order_and_dropped_from_the_correction() -> None:
    p = parse_goproxy("notaurl|https://ok.example|ftp://x,direct")
    assert p.problems == [
        "invalid proxy URL missing scheme: notaurl",
        "invalid proxy URL scheme (must be https, http, file): ftp://x",
    ]
    assert [e.url for e in p.entries] == ["https://ok.example", "direct"]
    assert p.corrected == "https://ok.example|direct"  # each kept entry keeps its separator
    assert parse_goproxy(p.corrected).ok


@pytest.mark.parametrize(
    ("value", "corrected"),
    [
        ("", DEFAULT_GOPROXY),
        (" , ", DEFAULT_GOPROXY),
        ("DIRECT", DEFAULT_GOPROXY),
        ("notaurl,direct", DEFAULT_GOPROXY),
        ("https://m.example|Direct", "https://m.example|direct"),
        ("https://m.example|OFF|https://x.example", "https://m.example|off"),
    ],
)
def test_corrected_values_parse_cleanly(value: str, corrected: str) -> None:
    p = parse_goproxy(value)
    assert not p.ok
    assert p.corrected == corrected
    assert parse_goproxy(p.corrected).ok


def test_empty_lists_give_gos_no_entries_error() -> None:
    for value in ("", ",", "|", " ", ", |,"):
        assert parse_goproxy(value).problems == [NO_ENTRIES]


def test_windows_absolute_paths_get_no_https() -> None:
    # go: filepath.IsAbs(`C:\x`) on Windows, so no "https://"; url.Parse reads "c" as a scheme.
    p = parse_goproxy("C:\\mirror", windows=True)
    assert p.problems == ["invalid proxy URL scheme (must be https, http, file): c:\\mirror"]
    p = parse_goproxy("C:\\mirror", windows=False)
    assert p.problems == ['parse "https://C:\\\\mirror": invalid port ":\\\\mirror" after host']


# --- one download's walk over the list (TryProxies) -------------------------------------------


def _walk(value: str, answers: dict[str, str]) -> tuple[str, str | None, list[str]]:
    from goaccel.gocompat.goproxy import try_proxies

    w = try_proxies(parse_goproxy(value).entries, lambda e: answers[e.url])
    return w.outcome, w.entry.url if w.entry else None, [e.url for e in w.tried]


@pytest.mark.parametrize(
    ("value", "answers", "expected"),
    [
        ("https://a,https://b", {"https://a": "found"}, ("found", "https://a", ["https://a"])),
        ("https://a,https://b", {"https://a": "not found", "https://b": "found"},
         ("found", "https://b", ["https://a", "https://b"])),
        # after ',' a failure ends the walk; after '|' it moves on
        ("https://a,https://b", {"https://a": "failed"}, ("failed", "https://a", ["https://a"])),
        ("https://a|https://b", {"https://a": "failed", "https://b": "found"},
         ("found", "https://b", ["https://a", "https://b"])),
        # past the end, the last failure seen outranks not-found
        ("https://a|https://b|https://c", {"https://a": "failed", "https://b": "failed",
                                           "https://c": "not found"},
         ("failed", "https://b", ["https://a", "https://b", "https://c"])),
        ("https://a,https://b", {"https://a": "not found", "https://b": "not found"},
         ("not found", None, ["https://a", "https://b"])),
        # direct ends the walk (its own answer decides); off says not-found, so a failure
        # after '|' before it is what go reports
        ("https://a,direct", {"https://a": "not found"}, ("direct", "direct", ["https://a"])),
        ("https://a|direct", {"https://a": "failed"}, ("direct", "direct", ["https://a"])),
        ("https://a,off", {"https://a": "not found"}, ("off", "off", ["https://a"])),
        ("https://a|off", {"https://a": "failed"}, ("failed", "https://a", ["https://a"])),
        ("direct", {}, ("direct", "direct", [])),
        # an answer nobody knows ends the replay: go would wait for it
        ("https://a|https://b", {"https://a": "unknown"}, ("unknown", "https://a", ["https://a"])),
    ],
)  # fmt: skip
def test_try_proxies(value: str, answers: dict[str, str], expected: tuple[object, ...]) -> None:
    assert _walk(value, answers) == expected
