"""Semantic versions as the go command reads them.

Follows golang.org/x/mod/semver/semver.go (the grammar, Major) and
golang.org/x/mod/module/module.go (CanonicalVersion, which keeps "+incompatible").
Pure and stdlib-only.
"""

from __future__ import annotations

import re
from typing import Optional

__all__ = ["canonical_version", "major"]

_SEMVER = re.compile(
    r"^v(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*)"
    r"(-(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
    r"(?:\.(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?"
    r"(\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?)?\Z"
)


def canonical_version(version: str) -> Optional[str]:
    """module.CanonicalVersion: "v1" -> "v1.0.0", "v1.2" -> "v1.2.0", build metadata dropped
    except "+incompatible". None when version is not a semantic version."""
    m = _SEMVER.match(version)
    if not m:
        return None
    major_, minor, patch, pre, build = m.groups()
    if minor is None:
        return f"v{major_}.0.0"
    if patch is None:
        return f"v{major_}.{minor}.0"
    cv = f"v{major_}.{minor}.{patch}{pre or ''}"
    if build == "+incompatible":
        cv += build
    return cv


def major(version: str) -> str:
    """semver.Major: "v2.1.0" -> "v2"; "" when version is not a semantic version."""
    m = _SEMVER.match(version)
    return f"v{m.group(1)}" if m else ""
