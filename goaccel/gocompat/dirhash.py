"""The "h1:" checksums that go.sum and the checksum database use.

Follows golang.org/x/mod/sumdb/dirhash/hash.go (Hash1, HashZip), golang.org/x/mod/zip
(MaxZipFile) and cmd/go/internal/modfetch/fetch.go (goModSum, emptyGoModHash).
Pure and stdlib-only.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from collections.abc import Iterable
from typing import IO

__all__ = ["EMPTY_GO_MOD_HASH", "MAX_ZIP_CONTENT", "DirhashError", "hash1", "hash_mod", "hash_zip"]


class DirhashError(ValueError):
    """A tree or zip that cannot be hashed; the message is the one to show."""


# fetch.go: "emptyGoModHash is the hash of a 1-file tree containing a 0-length go.mod.
# A bug caused us to write these into go.sum files for non-modules." go drops such lines.
EMPTY_GO_MOD_HASH = "h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY="


def _summary(digests: Iterable[tuple[bytes, str]]) -> str:
    """Hash1 from (raw name bytes, hex sha256 of the content) pairs. Go sorts the names as byte
    strings (slices.Sort); a stable sort keeps duplicates in input order, as Go's result is the
    same either way."""
    summary = hashlib.sha256()
    for name, hexdigest in sorted(digests, key=lambda item: item[0]):
        if b"\n" in name:
            raise DirhashError("dirhash: filenames with newlines are not supported")
        summary.update(hexdigest.encode("ascii") + b"  " + name + b"\n")
    return "h1:" + base64.b64encode(summary.digest()).decode("ascii")


def hash1(files: Iterable[tuple[str, bytes]]) -> str:
    """dirhash.Hash1: "h1:" + base64(sha256 of the summary of the files).

    The summary has one line per file, sorted by name: the hex sha256 of the content, two
    spaces, the name, a newline (as `sha256sum $(find . -type f | sort) | sha256sum`).
    A name containing a newline raises DirhashError, as in Go.
    """
    return _summary(
        (name.encode("utf-8"), hashlib.sha256(data).hexdigest()) for name, data in files
    )


def _zip_entry_name(info: zipfile.ZipInfo) -> bytes:
    """The entry name exactly as stored (Go's archive/zip keeps the raw bytes).

    zipfile decodes names as UTF-8 when flag bit 11 is set, else as cp437, and `filename` is
    further normalised (cut at NUL, os.sep replaced); `orig_filename` is the decoded original.
    """
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    return info.orig_filename.encode(encoding, errors="surrogateescape")


# golang.org/x/mod/zip MaxZipFile: go rejects a module whose files total more than this.
MAX_ZIP_CONTENT = 500 << 20


def hash_zip(data: bytes | IO[bytes]) -> str:
    """dirhash.HashZip of a module zip, given as bytes or as a seekable binary file (a zip
    spooled to disk while it downloads): the h1 over every entry's stored name
    (`module@version/...`) and content. Compression, times and other metadata do not matter.

    Like Go, every entry is listed (directory entries too); when a name occurs twice, Go looks
    the content up in a map by name, so both lines carry the last entry's content.
    Contents are hashed as they are decompressed, never held whole; more than 500 MiB of them
    (go's limit for a module) is refused. DirhashError when data is not a readable module zip.
    """
    names: list[bytes] = []
    digests: dict[bytes, str] = {}
    total = 0
    try:
        source = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
        with zipfile.ZipFile(source) as archive:
            by_name: dict[bytes, zipfile.ZipInfo] = {}
            for info in archive.infolist():
                raw = _zip_entry_name(info)
                names.append(raw)
                by_name[raw] = info
            for raw, info in by_name.items():
                h = hashlib.sha256()
                with archive.open(info) as fh:
                    while chunk := fh.read(1 << 20):
                        total += len(chunk)
                        if total > MAX_ZIP_CONTENT:
                            raise DirhashError(
                                "module zip too large: its files total more than 500 MiB"
                            )
                        h.update(chunk)
                digests[raw] = h.hexdigest()
    except DirhashError:
        raise  # too large: its own message, not "not a valid module zip"
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,  # an unsupported compression method
    ) as exc:
        raise DirhashError(f"not a valid module zip: {exc}") from exc
    return _summary((raw, digests[raw]) for raw in names)


def hash_mod(mod_bytes: bytes, path: str = "", version: str = "") -> str:
    """The h1 of a go.mod file: the `path version/go.mod` line of go.sum.

    go hashes the go.mod as a one-file tree whose single file is named just "go.mod", with no
    module@version prefix: cmd/go/internal/modfetch/fetch.go,

        func goModSum(data []byte) (string, error) {
            return dirhash.Hash1([]string{"go.mod"}, ...)

    So the hash depends only on the bytes; path and version are accepted for the caller's
    clarity and are not part of the hash.
    """
    del path, version
    return hash1([("go.mod", mod_bytes)])
