"""goaccel.gocompat.semver: golang.org/x/mod/semver and module.CanonicalVersion."""

from __future__ import annotations

from goaccel.gocompat.semver import canonical_version


def test_canonical_version() -> None:
    assert canonical_version("v1") == "v1.0.0"
    assert canonical_version("v1.2") == "v1.2.0"
    assert canonical_version("v1.2.3-pre.1+build") == "v1.2.3-pre.1"
    assert canonical_version("v2.0.0+incompatible") == "v2.0.0+incompatible"
    for bad in ["1.2.3", "v1.2.3.4", "v01.2.3", "v1.2-pre", "master", ""]:
        assert canonical_version(bad) is None
