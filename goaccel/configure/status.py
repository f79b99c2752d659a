"""`goaccel status`: effective settings, where each comes from, goaccel's rc blocks, conflicts."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from goaccel.configure import shellrc
from goaccel.configure.journal import Journal
from goaccel.configure.targets.shell import KIND as RC_KIND
from goaccel.errors import GoaccelError
from goaccel.gotool.env import ENVIRONMENT, NET_KEYS, GoEnv, Setting
from goaccel.textsafe import mask_urls_in_text, untrusted


@dataclass
class RcBlock:
    path: str
    shell: str
    values: dict[str, str]


@dataclass
class Status:
    go: Optional[str]
    go_version: Optional[str]
    env_file: Optional[str]
    settings: list[Setting]
    network: dict[str, str]
    blocks: list[RcBlock]
    conflicts: list[str] = field(default_factory=list)
    journal_entries: int = 0


def find_blocks(extra_paths: list[Path]) -> list[RcBlock]:
    """goaccel blocks in every shell's default startup file and in files the journal names."""
    seen: set[Path] = set()
    found: list[RcBlock] = []
    candidates: list[tuple[str, Path]] = []
    for sh in shellrc.SHELLS:
        candidates.append(
            (
                sh,
                shellrc.default_rc_file(
                    sh, home=Path.home(), env=os.environ, platform=sys.platform
                ),
            )
        )
    for p in extra_paths:
        candidates.append((_guess_shell(p), p))
    for sh, path in candidates:
        key = path.resolve() if path.exists() else path
        if key in seen or not path.is_file():
            continue
        seen.add(key)
        try:
            block = shellrc.find_block(shellrc.read_rc(path), source=path)
        except GoaccelError:
            continue
        if block:
            found.append(RcBlock(str(path), sh, shellrc.parse_block_values(sh, block)))
    return found


def _guess_shell(path: Path) -> str:
    name = path.name
    if name.endswith(".fish"):
        return "fish"
    if name.endswith(".ps1"):
        return "powershell"
    if "zsh" in name:
        return "zsh"
    return "bash"


def collect(genv: GoEnv, journal: Journal) -> Status:
    entries = journal.load()
    rc_paths = [Path(f.path) for e in entries for f in e.files if f.kind == RC_KIND]
    blocks = find_blocks(rc_paths)
    conflicts: list[str] = []
    for s in genv.settings.values():
        if s.source == ENVIRONMENT and s.file_value is not None and s.file_value != s.env_value:
            conflicts.append(
                f"{s.key}: the environment ({_show(s.env_value)}) overrides the go env file "
                f"({_show(s.file_value)})"
            )
    for b in blocks:
        for key, value in b.values.items():
            current = genv.settings.get(key)
            if current is not None and current.value != value:
                conflicts.append(
                    f"{key}: goaccel's block in {b.path} sets {_show(value)}, but go sees "
                    f"{_show(current.value)} (from {current.source}); open a new shell, or look "
                    "for what overrides it"
                )
    network = {k: mask_urls_in_text(os.environ[k]) for k in NET_KEYS if os.environ.get(k)}
    network.update(
        {
            k.lower(): mask_urls_in_text(os.environ[k.lower()])
            for k in NET_KEYS
            if os.environ.get(k.lower())
        }
    )
    return Status(
        go=genv.go,
        go_version=genv.go_version,
        env_file=str(genv.env_file) if genv.env_file else None,
        settings=list(genv.settings.values()),
        network=network,
        blocks=blocks,
        conflicts=conflicts,
        journal_entries=len(entries),
    )


def _show(value: Optional[str]) -> str:
    return mask_urls_in_text(untrusted(value or "(empty)", limit=100))
