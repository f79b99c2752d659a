"""The undo journal: a stack of entries holding the exact bytes before and after each write."""

from __future__ import annotations

import json
import re
import stat
import time
from pathlib import Path

import pytest

from goaccel import __version__
from goaccel.configure.journal import FORMAT, KEEP, Entry, FileChange, Journal, new_entry
from goaccel.errors import ConfigFileError, ExitCode

BINARY = bytes(range(256)) + b"\r\n\x00"


def entry(eid: str, *, before: bytes | None = None, after: bytes | None = b"x\n") -> Entry:
    return Entry(
        id=eid,
        time=1767225600.5,
        target="go-env",
        files=[
            FileChange(
                path="/h/.config/go/env",
                kind="go-env",
                before=before,
                after=after,
                keys={"GOPROXY": {"before": None, "after": "https://m.example,direct"}},
            )
        ],
        settings={"GOPROXY": "https://m.example,direct"},
        state="applied",
        goaccel="0.1.0",
    )


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "state" / "journal.json")


def test_empty_journal(journal: Journal) -> None:
    assert journal.load() == []
    assert journal.last() is None
    assert not journal.path.exists()


def test_default_path_is_in_the_state_dir(isolated_env: Path) -> None:
    assert Journal().path == isolated_env / ".local" / "state" / "goaccel" / "journal.json"


def test_save_writes_exact_bytes_with_mode_0600(journal: Journal) -> None:
    e = Entry(
        id="20260101T000000Z-abcdef",
        time=1767225600.5,
        target="go-env",
        files=[
            FileChange(
                path="/h/.config/go/env",
                kind="go-env",
                before=None,
                after=b"GOPROXY=x\n",
                keys={"GOPROXY": {"before": None, "after": "x"}},
            )
        ],
        settings={"GOPROXY": "x"},
        state="applied",
        goaccel="0.1.0",
    )
    journal.save([e])
    assert journal.path.read_text(encoding="utf-8") == (
        "{\n"
        ' "format": 1,\n'
        ' "entries": [\n'
        "  {\n"
        '   "id": "20260101T000000Z-abcdef",\n'
        '   "time": 1767225600.5,\n'
        '   "target": "go-env",\n'
        '   "state": "applied",\n'
        '   "goaccel": "0.1.0",\n'
        '   "settings": {\n'
        '    "GOPROXY": "x"\n'
        "   },\n"
        '   "files": [\n'
        "    {\n"
        '     "path": "/h/.config/go/env",\n'
        '     "kind": "go-env",\n'
        '     "before": null,\n'
        '     "after": "R09QUk9YWT14Cg==",\n'
        '     "shell": null,\n'
        '     "keys": {\n'
        '      "GOPROXY": {\n'
        '       "before": null,\n'
        '       "after": "x"\n'
        "      }\n"
        "     }\n"
        "    }\n"
        "   ]\n"
        "  }\n"
        " ]\n"
        "}\n"
    )
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600
    assert journal.load() == [e]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, b"GOPROXY=https://m.example,direct\n"),
        (b"GOSUMDB=off\n", None),
        (b"", b""),
        (BINARY, BINARY[::-1]),
        ("héllo ✓\n".encode(), b"no newline"),
    ],
)
def test_bytes_round_trip_exactly(
    journal: Journal, before: bytes | None, after: bytes | None
) -> None:
    journal.push(entry("one", before=before, after=after))
    got = Journal(journal.path).last()
    assert got is not None
    assert got.files[0].before == before
    assert got.files[0].after == after
    assert got == entry("one", before=before, after=after)


def test_push_last_drop(journal: Journal) -> None:
    journal.push(entry("one"))
    journal.push(entry("two", before=b"old\n"))
    journal.push(entry("three"))
    assert [e.id for e in journal.load()] == ["one", "two", "three"]
    last = journal.last()
    assert last is not None and last.id == "three"
    journal.drop("three")
    last = journal.last()
    assert last == entry("two", before=b"old\n")
    journal.drop("one")
    assert [e.id for e in journal.load()] == ["two"]
    journal.drop("nope")  # unknown id: nothing happens
    assert [e.id for e in journal.load()] == ["two"]
    journal.drop("two")
    assert journal.load() == [] and journal.last() is None
    assert json.loads(journal.path.read_text(encoding="utf-8")) == {"format": 1, "entries": []}


def test_only_the_newest_entries_are_kept(journal: Journal) -> None:
    """Each entry holds whole copies of the files it touched: the journal keeps the newest
    KEEP (docs/undo.md), so it does not grow with every setup."""
    for i in range(KEEP + 5):
        journal.push(entry(f"e{i:02d}", before=b"x" * 1000))
    ids = [e.id for e in journal.load()]
    assert ids == [f"e{i:02d}" for i in range(5, KEEP + 5)]
    size = journal.path.stat().st_size
    journal.push(entry("newest", before=b"x" * 1000))
    assert [e.id for e in journal.load()][-1] == "newest" and len(journal.load()) == KEEP
    assert journal.path.stat().st_size < size + 500  # one in, one out


def test_mark_applied(journal: Journal) -> None:
    e = entry("one")
    e.state = "pending"
    journal.push(e)
    journal.push(entry("two"))
    journal.mark_applied("one")
    assert [(x.id, x.state) for x in journal.load()] == [("one", "applied"), ("two", "applied")]


def test_rc_file_change_round_trip(journal: Journal) -> None:
    fc = FileChange("/h/.bashrc", "rc", b"alias ll='ls -l'\n", b"alias ll='ls -l'\n# >>>\n", "bash")
    e = Entry("rc1", 1.0, "shell", [fc], {"GOPROXY": "x"})
    journal.push(e)
    got = journal.last()
    assert got is not None
    assert got.files == [fc]
    assert got.files[0].shell == "bash"
    assert got.files[0].keys == {}
    assert got.state == "pending"
    assert got.goaccel == __version__


def test_keep_mode_of_existing_journal(journal: Journal) -> None:
    journal.save([])
    journal.path.chmod(0o640)
    journal.push(entry("one"))
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o640


def test_new_entry() -> None:
    t0 = time.time()
    fc = FileChange("/p", "go-env", None, b"x")
    e = new_entry("go-env", [fc], {"GOPROXY": "x"})
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{6}", e.id)
    assert t0 <= e.time <= time.time()
    assert (e.target, e.files, e.settings, e.state, e.goaccel) == (
        "go-env",
        [fc],
        {"GOPROXY": "x"},
        "pending",
        __version__,
    )
    assert new_entry("go-env", [], {}).id != new_entry("go-env", [], {}).id


def test_old_entries_without_state_count_as_applied(journal: Journal) -> None:
    journal.path.parent.mkdir(parents=True)
    doc = {
        "format": FORMAT,
        "entries": [
            {"id": "x", "time": 5, "target": "shell", "files": [{"path": "/p", "kind": "rc"}]}
        ],
    }
    journal.path.write_text(json.dumps(doc), encoding="utf-8")
    e = journal.last()
    assert e is not None
    assert (e.state, e.goaccel, e.settings, e.time) == ("applied", "", {}, 5.0)
    assert e.files == [FileChange("/p", "rc", None, None)]


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"{", "Expecting property name"),
        (b"", "Expecting value"),
        (b"[]", "'list' object has no attribute 'get'"),
        (b'"text"', "has no attribute 'get'"),
        (b'{"format": 1}', "'entries'"),
        (b'{"format": 1, "entries": 3}', "not iterable"),
        (b'{"format": 1, "entries": [{"id": "x"}]}', "'time'"),
        (
            b'{"format": 1, "entries": [{"id": "x", "time": "soon", "target": "t", "files": []}]}',
            "could not convert",
        ),
        (
            b'{"format": 1, "entries": [{"id": "x", "time": 1, "target": "t",'
            b' "files": [{"path": "p", "kind": "go-env", "before": "!!notbase64"}]}]}',
            "",
        ),
        (
            b'{"format": 1, "entries": [{"id": "x", "time": 1, "target": "t",'
            b' "files": [{"path": "p", "kind": "go-env", "after": 7}]}]}',
            "",
        ),
        (b'{"format": 1, "entries": []}\xff', ""),
    ],
)
def test_damaged_journal(journal: Journal, content: bytes, detail: str) -> None:
    journal.path.parent.mkdir(parents=True)
    journal.path.write_bytes(content)
    for call in (journal.load, journal.last, lambda: journal.push(entry("new"))):
        with pytest.raises(ConfigFileError) as info:
            call()
        err = info.value
        assert err.message.startswith(f"the undo journal {journal.path} is damaged: ")
        assert detail in err.message
        assert err.hint is not None and "move it away" in err.hint
        assert err.exit_code == ExitCode.CONFIG
    assert journal.path.read_bytes() == content  # never overwritten


@pytest.mark.parametrize("fmt", ["2", "0", '"1"', "null"])
def test_unknown_format(journal: Journal, fmt: str) -> None:
    journal.path.parent.mkdir(parents=True)
    journal.path.write_text(f'{{"format": {fmt}, "entries": []}}', encoding="utf-8")
    with pytest.raises(ConfigFileError) as info:
        journal.load()
    assert info.value.message == (
        f"the undo journal {journal.path} is damaged: unknown journal format {json.loads(fmt)!r}"
    )


def test_missing_format(journal: Journal) -> None:
    journal.path.parent.mkdir(parents=True)
    journal.path.write_text('{"entries": []}', encoding="utf-8")
    with pytest.raises(ConfigFileError, match="unknown journal format None"):
        journal.load()
