"""What each setup changed, recorded before the change, so that undo is exact.

The journal is a JSON file in the platformdirs state dir holding a stack of entries. Every
entry keeps, for each file it touched, the bytes before and the bytes goaccel wrote: undo
restores the old bytes when the file is still as goaccel left it, so the result is
byte-identical, and falls back to reverting only goaccel's keys when someone edited it since.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

from goaccel import __version__, paths
from goaccel.errors import ConfigFileError
from goaccel.fsutil import atomic_write, read_bytes_or_none

FORMAT = 1


def _b64(data: Optional[bytes]) -> Optional[str]:
    return None if data is None else base64.b64encode(data).decode("ascii")


def _unb64(text: Optional[str]) -> Optional[bytes]:
    return None if text is None else base64.b64decode(text.encode("ascii"))


@dataclass
class FileChange:
    path: str
    kind: str  # "go-env" | "rc"
    before: Optional[bytes]  # None: the file did not exist
    after: Optional[bytes]
    shell: Optional[str] = None
    # for go-env: each key's value in the file before (None: not in the file) and after
    keys: dict[str, dict[str, Optional[str]]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["before"] = _b64(self.before)
        d["after"] = _b64(self.after)
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> FileChange:
        return cls(
            path=str(d["path"]),
            kind=str(d["kind"]),
            before=_unb64(d.get("before")),
            after=_unb64(d.get("after")),
            shell=d.get("shell"),
            keys=dict(d.get("keys") or {}),
        )


@dataclass
class Entry:
    id: str
    time: float
    target: str
    files: list[FileChange]
    settings: dict[str, str]
    state: str = "pending"  # pending (recorded, being written) | applied
    goaccel: str = __version__

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "time": self.time,
            "target": self.target,
            "state": self.state,
            "goaccel": self.goaccel,
            "settings": self.settings,
            "files": [f.to_json() for f in self.files],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Entry:
        return cls(
            id=str(d["id"]),
            time=float(d["time"]),
            target=str(d["target"]),
            state=str(d.get("state", "applied")),
            goaccel=str(d.get("goaccel", "")),
            settings={str(k): str(v) for k, v in (d.get("settings") or {}).items()},
            files=[FileChange.from_json(f) for f in d["files"]],
        )


def new_entry(target: str, files: list[FileChange], settings: dict[str, str]) -> Entry:
    return Entry(
        id=time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:6],
        time=time.time(),
        target=target,
        files=files,
        settings=settings,
    )


#: How many setups undo can revert, newest first; older entries are forgotten
#: (docs/undo.md).
KEEP = 20


class Journal:
    def __init__(self, path: Optional[Path] = None):
        self.path = path or paths.journal_file()

    def load(self) -> list[Entry]:
        raw = read_bytes_or_none(self.path)
        if raw is None:
            return []
        try:
            doc = json.loads(raw.decode("utf-8"))
            if doc.get("format") != FORMAT:
                raise ValueError(f"unknown journal format {doc.get('format')!r}")
            return [Entry.from_json(e) for e in doc["entries"]]
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
            raise ConfigFileError(
                f"the undo journal {self.path} is damaged: {exc}",
                hint="move it away to start a new journal (the settings themselves are unaffected)",
            ) from None

    def save(self, entries: list[Entry]) -> None:
        doc = {"format": FORMAT, "entries": [e.to_json() for e in entries]}
        atomic_write(
            self.path, (json.dumps(doc, indent=1) + "\n").encode("utf-8"), default_mode=0o600
        )

    def push(self, entry: Entry) -> None:
        """Record entry as the newest; only the newest KEEP entries stay, so that a journal
        with a full copy of each file it touched does not grow forever."""
        entries = self.load()
        entries.append(entry)
        self.save(entries[-KEEP:])

    def mark_applied(self, entry_id: str) -> None:
        entries = self.load()
        for e in entries:
            if e.id == entry_id:
                e.state = "applied"
        self.save(entries)

    def drop(self, entry_id: str) -> None:
        self.save([e for e in self.load() if e.id != entry_id])

    def last(self) -> Optional[Entry]:
        entries = self.load()
        return entries[-1] if entries else None
