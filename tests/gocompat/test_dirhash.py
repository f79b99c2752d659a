"""goaccel.gocompat.dirhash: the h1 hashes of golang.org/x/mod/sumdb/dirhash."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from goaccel.gocompat import dirhash
from goaccel.gocompat.dirhash import EMPTY_GO_MOD_HASH, DirhashError, hash1, hash_mod, hash_zip

# --- hashes -----------------------------------------------------------------------------------


def _summary_hash(lines: bytes) -> str:
    return "h1:" + base64.b64encode(hashlib.sha256(lines).digest()).decode()


def test_hash1_is_sha256_of_sorted_sha256sum_lines() -> None:
    files = [("b.txt", b"bee\n"), ("a.txt", b"ay\n"), ("B.txt", b"upper\n")]
    summary = b"".join(
        hashlib.sha256(data).hexdigest().encode() + b"  " + name.encode() + b"\n"
        for name, data in sorted(files)
    )
    assert hash1(files) == _summary_hash(summary)
    assert hash1(reversed(files)) == hash1(files)  # order of the input does not matter


def test_hash1_sorts_names_as_bytes() -> None:
    # Go sorts file names as byte strings; UTF-8 preserves code point order, so "Z" < "a" < "é".
    files = [("é", b"1"), ("a", b"2"), ("Z", b"3")]
    summary = b"".join(
        hashlib.sha256(d).hexdigest().encode() + b"  " + n.encode() + b"\n"
        for n, d in [("Z", b"3"), ("a", b"2"), ("é", b"1")]
    )
    assert hash1(files) == _summary_hash(summary)


def test_hash1_rejects_newlines_in_names() -> None:
    with pytest.raises(DirhashError, match="newline"):
        hash1([("a\nb", b"")])


def test_hash_mod_matches_published_go_sum_lines() -> None:
    # Modules without a go.mod get a synthesized "module PATH\n"; their /go.mod lines in real
    # go.sum files (gin, cobra) are exactly that text hashed as a single file named "go.mod".
    published = {
        "gopkg.in/check.v1": "h1:Co6ibVJAznAaIkqp8huTwlJQCZ016jof/cbN4VW5Yz0=",
        "github.com/davecgh/go-spew": "h1:J7Y8YcW2NihsgmVo/mv3lAwl/skON4iLHjSsI+c5H38=",
        "github.com/pmezard/go-difflib": "h1:iKH77koFhYxTK1pcRnkKkqfTogsbg7gZNVY4sRDYZ/4=",
    }
    for path, h in published.items():
        assert hash_mod(f"module {path}\n".encode(), path, "v1.0.0") == h


def test_hash_mod_of_empty_file_is_go_known_bogus_hash() -> None:
    assert hash_mod(b"", "example.com/x", "v1.0.0") == EMPTY_GO_MOD_HASH


def test_hash_mod_ignores_path_and_version() -> None:
    data = b"module example.com/x\n"
    assert hash_mod(data, "example.com/x", "v1.0.0") == hash_mod(data, "other.org/y", "v2.0.0")
    assert hash_mod(data) == hash1([("go.mod", data)])


def _zip(entries: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


def test_hash_zip_ignores_compression_and_order() -> None:
    entries = [("m@v1.0.0/go.mod", b"module m\n"), ("m@v1.0.0/a.go", b"package a\n")]
    a = hash_zip(_zip(entries, zipfile.ZIP_DEFLATED))
    b = hash_zip(_zip(list(reversed(entries)), zipfile.ZIP_STORED))
    assert a == b == hash1(entries)


def test_hash_zip_uses_stored_names_including_non_ascii() -> None:
    entries = [("m@v1.0.0/docs/héllo.txt", b"hi"), ("m@v1.0.0/go.mod", b"module m\n")]
    assert hash_zip(_zip(entries)) == hash1(entries)


def test_hash_zip_lists_directory_entries_and_duplicates_like_go() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("m@v1.0.0/dir/", b"")
        z.writestr("m@v1.0.0/a.go", b"first")
        with pytest.warns(UserWarning, match="Duplicate name"):
            z.writestr("m@v1.0.0/a.go", b"second")
    # Go hashes every entry; it finds contents through a map by name, so the last one wins
    expected = hash1(
        [("m@v1.0.0/dir/", b""), ("m@v1.0.0/a.go", b"second"), ("m@v1.0.0/a.go", b"second")]
    )
    assert hash_zip(buf.getvalue()) == expected


def test_hash_zip_refuses_more_than_go_allows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dirhash, "MAX_ZIP_CONTENT", 1000)
    small = _zip([("m@v1.0.0/a", b"x" * 1000)])
    assert hash_zip(small).startswith("h1:")
    with pytest.raises(DirhashError) as info:
        hash_zip(_zip([("m@v1.0.0/a", b"x" * 600), ("m@v1.0.0/b", b"y" * 401)]))
    # its own message, not wrapped in "not a valid module zip"
    assert str(info.value) == "module zip too large: its files total more than 500 MiB"


def test_hash_zip_rejects_garbage() -> None:
    with pytest.raises(DirhashError):
        hash_zip(b"this is not a zip file")


def test_hash_zip_of_a_file_equals_hash_zip_of_its_bytes(tmp_path: Path) -> None:
    """The probe spools a zip to a file as it downloads and hashes the file."""
    entries = [("m@v1.0.0/go.mod", b"module m\n"), ("m@v1.0.0/a.go", b"package a\n" * 1000)]
    data = _zip(entries, zipfile.ZIP_DEFLATED)
    path = tmp_path / "m.zip"
    path.write_bytes(data)
    with path.open("rb") as fh:
        assert hash_zip(fh) == hash_zip(data) == hash1(entries)
