"""goaccel.gocompat.gover: go versions as cmd/go/internal/gover compares them.

(Checked against go/version in test_against_go.py.)
"""

from __future__ import annotations

import itertools
from typing import Optional

import pytest

from goaccel.gocompat.gover import compare_go_versions, from_toolchain, is_lang, parse_local_version


def test_version_order() -> None:
    ordered = ["1.19", "1.20rc1", "1.20", "1.20.1", "1.21", "1.21alpha1", "1.21beta2", "1.21rc1",
               "1.21rc2", "1.21.0", "1.21.1", "1.22", "1.22.0", "1.100"]  # fmt: skip
    for a, b in itertools.combinations(ordered, 2):
        assert compare_go_versions(a, b) == -1, (a, b)
        assert compare_go_versions(b, a) == 1, (b, a)
    assert compare_go_versions("1.20", "1.20.0") == 0
    assert compare_go_versions("go1.21", "1.21") == 0
    assert compare_go_versions("go1.27.3", "1.27") == 1
    assert compare_go_versions("go1.21.0-bigcorp", "1.21.0") == 0
    assert compare_go_versions("junk", "1.0") == -1
    assert compare_go_versions("junk", "1.2.3.4") == 0
    assert is_lang("1.21") and not is_lang("1.21.0") and not is_lang("1.21rc1")
    assert from_toolchain("go1.2.3-bigcorp") == "1.2.3"
    assert from_toolchain("go1.2 x") == "1.2"
    assert from_toolchain("gccgo-go1.2") == "" and from_toolchain("go/1.2") == ""


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("go version go1.27.3 linux/amd64", "1.27.3"),
        ("go version go1.22rc1 darwin/arm64", "1.22rc1"),
        ("go version go1.21.0-bigcorp linux/amd64", "1.21.0"),
        ("go version go1.24.1 X:nodwarf5 linux/amd64", "1.24.1"),
        ("go version devel go1.28-1a2b3c Tue Jan 1 00:00:00 2026 +0000 linux/amd64", "1.28"),
        ("go1.27.3", "1.27.3"),
        ("1.27.3", "1.27.3"),
        ("go version unknown", None),
        ("", None),
    ],
)
def test_parse_local_version(text: str, version: Optional[str]) -> None:
    assert parse_local_version(text) == version
