"""The target registry and the interface every target implements.

The toy target below is registered by the test alone: that it goes through `goaccel setup`
and `goaccel undo` unchanged shows that a new target is one new module plus one registry entry.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Optional

import pytest
from mirrorsim import MirrorSim, make_universe, write_project

from goaccel.configure import apply, targets
from goaccel.configure.journal import FileChange, Journal
from goaccel.configure.plan import Plan
from goaccel.configure.targets.base import (
    Description,
    FilePlan,
    Options,
    Prepared,
    Target,
    UndoFile,
    check_writable,
)
from goaccel.errors import ConfigFileError, GoaccelError, InputError
from goaccel.fsutil import atomic_write
from goaccel.gotool.env import GoEnv

UNIVERSE = make_universe(4, sizes=2_000)


def goenv(*, go: Optional[str] = "/usr/bin/go", env_file: Optional[Path] = None) -> GoEnv:
    return GoEnv(
        go=go,
        go_version="go1.23.0",
        env_file=env_file,
        env_file_bytes=None,
        file_values={},
        goroot=None,
        goroot_values={},
    )


WITH_GO = goenv(env_file=Path("/h/.config/go/env"))


# --------------------------------------------------------------------------- the toy target


class ToyTarget(Target):
    """KEY=value lines in a file of its own; reverting an edited file drops goaccel's lines."""

    name = "toy"
    summary = "toy"
    file_kinds = frozenset({"toy"})
    description = Description(effect="Toys take effect at once.")

    def __init__(self, path: Path) -> None:
        self.path = path

    def check(self, goenv: GoEnv, options: Options, *, dry_run: bool) -> None:
        check_writable(self.path)

    def prepare(self, plan: Plan, goenv: GoEnv, options: Options) -> Prepared:
        before = self.path.read_bytes() if self.path.exists() else None
        lines = "".join(f"{k}={v}\n" for k, v in plan.settings.items())
        after = (before or b"") + lines.encode()
        return Prepared(self.name, dict(plan.settings), [FilePlan(self.path, "toy", before, after)])

    def write(
        self, f: FilePlan, prepared: Prepared, goenv: GoEnv
    ) -> tuple[Optional[bytes], list[str]]:
        atomic_write(f.path, f.after)
        return f.after, []

    def undo_edited(self, change: FileChange, current: bytes) -> UndoFile:
        ours = set((change.after or b"").splitlines()) - set((change.before or b"").splitlines())
        kept = b"".join(line + b"\n" for line in current.splitlines() if line not in ours)
        atomic_write(Path(change.path), kept)
        return UndoFile(change.path, "reverted-block")


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ToyTarget:
    target = ToyTarget(tmp_path / "toy.env")
    monkeypatch.setitem(targets.REGISTRY, target.name, target)
    return target


def run_cli(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from goaccel.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    code = exc.value.code
    return code if isinstance(code, int) else 1, out, err


def test_a_new_target_is_one_class_and_one_registry_entry(
    toy: ToyTarget, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_project(tmp_path / "proj", UNIVERSE)
    toy.path.write_bytes(b"# mine\n")
    with MirrorSim(UNIVERSE) as mirror:
        base = ["setup", "--no-builtin", "--mirror", mirror.url, "--project", str(project)]
        code, out, err = run_cli(*base, "--target", "toy", "--yes", capsys=capsys)
        assert code == 0, err
        assert f"GOPROXY={mirror.url},direct" in toy.path.read_text()
        assert "Undo with goaccel undo." in out
        assert "Toys take effect at once." in out

        code, out, err = run_cli(*base, "--target", "toy", "--yes", "--json", capsys=capsys)
        assert code == 0, err
        doc = json.loads(out)
        assert doc["write"]["target"] == "toy"
        assert doc["written"]["target"] == "toy"

    entries = Journal().load()
    assert [e.target for e in entries] == ["toy", "toy"]
    code, out, err = run_cli("undo", "--yes", capsys=capsys)
    assert code == 0, err
    assert "restored to its exact previous content" in out
    # edited since: the toy target reverts its own lines and keeps the user's
    toy.path.write_bytes(toy.path.read_bytes() + b"# added by hand\n")
    code, out, err = run_cli("undo", "--yes", "--json", capsys=capsys)
    assert code == 0, err
    assert json.loads(out)["files"][0]["action"] == "reverted-block"
    assert toy.path.read_bytes() == b"# mine\n# added by hand\n"


def test_help_lists_every_registered_target(
    toy: ToyTarget, capsys: pytest.CaptureFixture[str]
) -> None:
    assert targets.names() == ["go-env", "shell", "print", "github-env", "toy"]
    assert targets.help_text() == (
        "Where to write: go-env (default when go is on PATH), shell, print, github-env, toy."
    )


# --------------------------------------------------------------------------- resolution


@pytest.mark.parametrize(
    ("name", "options", "env", "expected", "notes"),
    [
        (None, Options(), WITH_GO, "go-env", 0),
        (None, Options(shell="zsh"), WITH_GO, "shell", 0),
        (None, Options(rc_file=Path("/tmp/rc")), WITH_GO, "shell", 0),
        (None, Options(), goenv(go=None), "shell", 1),
        (None, Options(), goenv(env_file=None), "shell", 1),
        ("print", Options(shell="fish"), WITH_GO, "print", 0),
        ("github-env", Options(), goenv(go=None), "github-env", 0),
    ],
)
def test_resolve(
    name: Optional[str], options: Options, env: GoEnv, expected: str, notes: int
) -> None:
    target, got_notes = targets.resolve(name, env, options)
    assert target.name == expected
    assert len(got_notes) == notes


@pytest.mark.parametrize(
    ("name", "options", "env", "message"),
    [
        ("nowhere", Options(), WITH_GO, "unknown target 'nowhere'"),
        ("nowhere", Options(shell="zsh"), WITH_GO, "unknown target 'nowhere'"),
        ("nowhere", Options(rc_file=Path("/x")), WITH_GO, "--rc-file applies to --target shell,"),
        ("go-env", Options(rc_file=Path("/x")), WITH_GO, "--rc-file applies to --target shell,"),
        ("print", Options(rc_file=Path("/x")), WITH_GO, "not --target print"),
        ("github-env", Options(shell="zsh"), WITH_GO, "--shell applies to --target shell or print"),
        ("go-env", Options(), goenv(go=None), "needs the go command"),
        ("go-env", Options(), goenv(env_file=None), "cannot work with GOENV=off"),
    ],
)
def test_resolve_refuses(name: str, options: Options, env: GoEnv, message: str) -> None:
    with pytest.raises(GoaccelError, match=re.escape(message)):
        targets.resolve(name, env, options)


def test_unknown_target_lists_the_registry(toy: ToyTarget) -> None:
    with pytest.raises(InputError) as exc:
        targets.get("nowhere")
    assert exc.value.hint == "choose one of: go-env, shell, print, github-env, toy"


# --------------------------------------------------------------------------- old journals


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def test_undo_reverts_entries_written_before_targets_were_modules(tmp_path: Path) -> None:
    """A journal as goaccel 0.1 wrote it (kinds "go-env" and "rc", no "state"): both files
    were edited since, so each kind's target reverts only its own part."""
    rc, env = tmp_path / "bashrc", tmp_path / "go" / "env"
    env.parent.mkdir()
    block = "# >>> goaccel >>>\nexport GOPROXY='https://m.example,direct'\n# <<< goaccel <<<\n"
    rc_before, rc_after = b"# mine\n", f"# mine\n\n{block}".encode()
    env_before, env_after = b"GOFLAGS=-mod=mod\n", b"GOFLAGS=-mod=mod\nGOPROXY=https://m.example\n"
    rc.write_bytes(rc_after + b"alias ll='ls -l'\n")
    env.write_bytes(env_after + b"GOPRIVATE=corp.example\n")
    doc = {
        "format": 1,
        "entries": [
            {
                "id": "20250101T000000Z-abcdef",
                "time": 1735689600.0,
                "target": "shell",
                "goaccel": "0.1.0",
                "settings": {"GOPROXY": "https://m.example,direct"},
                "files": [
                    {"path": str(rc), "kind": "rc", "before": _b64(rc_before),
                     "after": _b64(rc_after), "shell": "bash", "keys": {}},
                    {"path": str(env), "kind": "go-env", "before": _b64(env_before),
                     "after": _b64(env_after), "shell": None,
                     "keys": {"GOPROXY": {"before": None, "after": "https://m.example"}}},
                ],
            }
        ],
    }  # fmt: skip
    journal = Journal(tmp_path / "journal.json")
    journal.path.write_text(json.dumps(doc))
    done = apply.undo(journal)
    assert [(Path(f.path).name, f.action) for f in done.files] == [
        ("env", "reverted-keys"),
        ("bashrc", "reverted-block"),
    ]
    assert rc.read_bytes() == b"# mine\nalias ll='ls -l'\n"
    assert env.read_bytes() == b"GOFLAGS=-mod=mod\nGOPRIVATE=corp.example\n"
    assert journal.load() == []


def test_undo_of_an_unknown_file_kind_touches_nothing(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"edited\n")
    journal = Journal(tmp_path / "journal.json")
    journal.path.write_text(
        json.dumps(
            {
                "format": 1,
                "entries": [
                    {"id": "x", "time": 0.0, "target": "future", "settings": {},
                     "files": [{"path": str(path), "kind": "future", "before": None,
                                "after": _b64(b"new\n")}]},
                ],
            }
        )
    )  # fmt: skip
    with pytest.raises(ConfigFileError, match="kind 'future'"):
        apply.undo(journal)
    assert path.read_bytes() == b"edited\n"
    assert len(journal.load()) == 1


# --------------------------------------------------------------------------- the boundary


GOACCEL = Path(__file__).resolve().parents[2] / "goaccel"
TARGET_NAMES = "|".join(re.escape(n) for n in ("go-env", "shell", "print", "github-env"))
COMPARISON = re.compile(rf"""(==|!=|\bin)\s*\(?[^#\n]*["']({TARGET_NAMES})["']""")


def test_only_the_targets_package_compares_target_names() -> None:
    """setup_flow, apply and the CLI call the interface; they never ask which target it is."""
    found = []
    for path in GOACCEL.rglob("*.py"):
        if GOACCEL / "configure" / "targets" in path.parents:
            continue
        for lineno, line in enumerate(path.read_text().splitlines(), start=1):
            if COMPARISON.search(line.split("#", 1)[0]):
                found.append(f"{path.relative_to(GOACCEL)}:{lineno}: {line.strip()}")
    assert found == []
