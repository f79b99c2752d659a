"""go.sum files: which checksums they record for which module versions.

Follows cmd/go/internal/modfetch/fetch.go (readGoSum). Pure and stdlib-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from goaccel.gocompat.dirhash import EMPTY_GO_MOD_HASH

__all__ = ["GoSumEntry", "GoSumError", "parse_go_sum"]


class GoSumError(ValueError):
    """A go.sum line go cannot read; the message names the file and line."""


@dataclass(frozen=True)
class GoSumEntry:
    """The checksums go.sum records for one module version.

    zip_hash is from the `path version h1:...` line (the module zip), mod_hash from the
    `path version/go.mod h1:...` line. Either may be missing.
    """

    path: str
    version: str
    zip_hash: Optional[str] = None
    mod_hash: Optional[str] = None


def parse_go_sum(text: str, filename: str = "go.sum") -> dict[tuple[str, str], GoSumEntry]:
    """Parse go.sum text into {(path, version): GoSumEntry}, in file order.

    As go's readGoSum: lines are split on "\\n" and into whitespace-separated fields (so CRLF
    and extra spaces are fine); blank lines are skipped; a line that does not have exactly three
    fields raises GoSumError naming the file and line; the bogus empty-go.mod hash some old
    go versions wrote is dropped. When a version is listed twice the first hash is kept (go
    checks against the first h1 it has). Paths and versions are not validated here.
    """
    found: dict[tuple[str, str], dict[str, str]] = {}
    for lineno, line in enumerate(text.split("\n"), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 3:
            raise GoSumError(
                f"malformed go.sum: {filename}:{lineno}: wrong number of fields {len(fields)}"
            )
        path, version, digest = fields
        if digest == EMPTY_GO_MOD_HASH:
            continue
        kind = "zip"
        if version.endswith("/go.mod"):
            version = version[: -len("/go.mod")]
            kind = "mod"
        slot = found.setdefault((path, version), {})
        slot.setdefault(kind, digest)
    return {
        key: GoSumEntry(path=key[0], version=key[1], zip_hash=v.get("zip"), mod_hash=v.get("mod"))
        for key, v in found.items()
    }
