"""GOSUMDB values: which checksum database go asks, under which name, at which URL.

Follows cmd/go/internal/modfetch/sumdb.go (dbDial): the value is `off`, or a name or a full
verifier key (`name+hash+key`), optionally followed by the URL to reach it at (then go never
asks the GOPROXY mirrors for it). `sum.golang.google.cn` alone is an alias go rewrites to
`sum.golang.org https://sum.golang.google.cn`. Default from $GOROOT/go.env (cfg/cfg.go):
sum.golang.org. Pure and stdlib-only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

__all__ = ["SUMDB_CN", "SUMDB_DEFAULT", "Gosumdb", "parse_gosumdb"]

SUMDB_DEFAULT = "sum.golang.org"
SUMDB_CN = "sum.golang.google.cn"


@dataclass(frozen=True)
class Gosumdb:
    """One GOSUMDB value, split as go splits it (strings.Fields)."""

    value: str
    off: bool  # GOSUMDB=off: no checksum verification at all
    name: str  # the database name (the key up to its first '+'); "" when off or empty
    key: str  # the first field as written: a name or a full verifier key
    url: Optional[str]  # the explicit URL (the second field); None: derived from the name

    def resolved(self) -> Gosumdb:
        """The value as go uses it: `sum.golang.google.cn` alone becomes sum.golang.org at
        https://sum.golang.google.cn."""
        if self.name == SUMDB_CN and self.url is None:
            return replace(self, name=SUMDB_DEFAULT, key=SUMDB_DEFAULT, url=f"https://{SUMDB_CN}")
        return self


def parse_gosumdb(value: str) -> Gosumdb:
    """Split a GOSUMDB value into its name, key and URL (nothing is checked)."""
    fields = value.split()
    if fields == ["off"]:
        return Gosumdb(value, True, "", "", None)
    key = fields[0] if fields else ""
    return Gosumdb(value, False, key.split("+", 1)[0], key, fields[1] if len(fields) > 1 else None)
