"""Running goaccel and go as real processes in the isolated environment conftest sets up."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import referencing
from mirrorsim import MirrorSim

REPO = Path(__file__).resolve().parent.parent
SCHEMA_DIR = REPO / "docs" / "schema"


def goaccel(
    *args: str,
    env: Mapping[str, str | None] | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m goaccel ARGS` in a child process; env values of None are removed."""
    full = dict(os.environ)
    for k, v in (env or {}).items():
        if v is None:
            full.pop(k, None)
        else:
            full[k] = v
    return subprocess.run(
        [sys.executable, "-m", "goaccel", *args],
        capture_output=True,
        text=True,
        env=full,
        cwd=cwd,
        timeout=timeout,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        check=False,
    )


#: For go commands that must never fetch: no proxy, the local toolchain, go.mod may change.
GO_OFFLINE = {"GOPROXY": "off", "GOFLAGS": "-mod=mod -modcacherw", "GOTOOLCHAIN": "local"}


def go(
    *args: str, cwd: Path | None = None, timeout: float = 120, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["go", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        check=False,
    )


def mirror_args(*sims: MirrorSim | str) -> list[str]:
    out: list[str] = ["--no-builtin"]
    for s in sims:
        out += ["--mirror", s if isinstance(s, str) else s.url]
    return out


def schema_names() -> list[str]:
    """The documented schemas: docs/schema/NAME.schema.json."""
    return sorted(p.name.removesuffix(".schema.json") for p in SCHEMA_DIR.glob("*.schema.json"))


@functools.cache
def _registry() -> referencing.Registry[Any]:
    """Every schema under its $id, so that "error.schema.json" resolves between them."""
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], referencing.Resource.from_contents(contents)))
    return referencing.Registry().with_resources(resources)


@functools.cache
def validator(schema: str) -> jsonschema.Draft202012Validator:
    contents = json.loads((SCHEMA_DIR / f"{schema}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(contents)
    return jsonschema.Draft202012Validator(contents, registry=_registry())


def validate(doc: Any, schema: str) -> None:
    """Fail with the most relevant violation of docs/schema/SCHEMA.schema.json."""
    error = jsonschema.exceptions.best_match(validator(schema).iter_errors(doc))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(the document)"
        raise AssertionError(f"{schema}.schema.json: at {where}: {error.message}")


def run_json(
    *args: str, schema: str, **kw: Any
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """`goaccel ARGS --json`: stdout must be one JSON document that SCHEMA describes, the
    error document must carry the process's exit code, and no traceback may escape."""
    proc = goaccel(*args, "--json", **kw)
    try:
        doc = json.loads(proc.stdout)
    except ValueError as exc:
        raise AssertionError(
            f"stdout is not one JSON document: {proc.stdout!r}\n{proc.stderr}"
        ) from exc
    assert "Traceback" not in proc.stderr, proc.stderr
    validate(doc, schema)
    if doc["ok"] is False:
        assert doc["error"]["exit_code"] == proc.returncode, (doc["error"], proc.returncode)
    return proc, doc


def setup_json(*args: str, **kw: Any) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    return run_json("setup", *args, schema="setup", **kw)


def go_env_file() -> Path:
    return Path(os.environ["GOENV"])


def write_go_env_file(text: str | bytes) -> Path:
    """Write the isolated test's go env file (GOENV), bytes as given."""
    path = go_env_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def offline_go_env(tmp: Path) -> dict[str, str]:
    """An environment for running go alone, from scratch: its own HOME, caches and env file
    under tmp, the local toolchain, no proxy at all (GOPROXY=off)."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "SYSTEMROOT", "TMPDIR", "TEMP")}
    env.update(
        HOME=str(tmp / "home"), GOCACHE=str(tmp / "gocache"), GOPATH=str(tmp / "gopath"),
        GOENV=str(tmp / "goenv"), GOMODCACHE=str(tmp / "gomodcache"), GOTOOLCHAIN="local",
        GOTELEMETRY="off", GOFLAGS="", GOPROXY="off",
    )  # fmt: skip
    go_dir = str(Path(shutil.which("go") or "go").parent)
    env["PATH"] = go_dir + os.pathsep + env.get("PATH", "")
    return env


def by_url(doc: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["url"]: m for m in doc["mirrors"]}


def state_dir() -> Path:
    return Path(os.environ["XDG_STATE_HOME"]) / "goaccel"


def run_args(project: Path, budget: float = 3.0) -> Sequence[str]:
    return ["--project", str(project), "--timeout", str(budget), "--yes"]
