"""Running goaccel and go as real processes in the isolated environment conftest sets up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mirrorsim import MirrorSim

REPO = Path(__file__).resolve().parent.parent


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


def setup_json(*args: str, **kw: Any) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    proc = goaccel("setup", "--json", *args, **kw)
    try:
        doc = json.loads(proc.stdout)
    except ValueError as exc:
        raise AssertionError(
            f"stdout is not one JSON document: {proc.stdout!r}\n{proc.stderr}"
        ) from exc
    return proc, doc


def go_env_file() -> Path:
    return Path(os.environ["GOENV"])


def by_url(doc: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["url"]: m for m in doc["mirrors"]}


def state_dir() -> Path:
    return Path(os.environ["XDG_STATE_HOME"]) / "goaccel"


def run_args(project: Path, budget: float = 3.0) -> Sequence[str]:
    return ["--project", str(project), "--timeout", str(budget), "--yes"]
