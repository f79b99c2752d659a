"""Every runnable example in README.md and docs/ is run here, so the docs cannot drift.

A fenced block is runnable when its info string says so::

    ```sh runnable group=tutorial output="goproxy.cn wins"
    goaccel setup --yes
    goaccel undo --yes
    goaccel undo --yes      # nothing left: exits 7
    ```

- The language picks the shell: ``sh``/``bash`` (bash), ``zsh``, ``fish``.
- Each command (a line, with ``\\`` continuations joined) must exit 0, or the number a
  trailing comment names as ``exits N``.
- ``output="TEXT"`` (repeatable): TEXT must appear in the block's stdout or stderr.
- ``before="COMMAND"`` (repeatable): run COMMAND first, unseen by the reader, to make the
  state the surrounding prose describes (``before="goaccel setup --yes"`` for a block that
  shows ``goaccel undo``). It must exit 0.
- ``group=NAME``: the blocks of one file with the same group share a sandbox, in file order
  (one shell per block, so ``cd`` or ``eval`` do not carry over, files do). Other blocks get
  a sandbox of their own.
- A ``sh`` block that shows a goaccel command but cannot run here says why in its info
  string (``norun="..."``); ``test_every_example_is_run_or_says_why`` enforces that for
  README.md, the tutorial and the how-tos.

The sandbox is a fresh user: HOME, XDG_*, GOENV, GOMODCACHE, GOCACHE of its own, goaccel
and go from this checkout's environment on PATH, the working directory a Go module
(``~/src/app``) whose modules the simulated mirrors serve. GOACCEL_CATALOG names a catalog
with the real mirror names (proxy.golang.org, goproxy.cn, ...) but loopback URLs, each
simulator with its own speed so goproxy.cn is the clear winner, and the checksum
databases of the catalog on a loopback simulator. ``go`` and ``goaccel doctor`` go through a
guard that refuses to run while GOPROXY names anything but loopback mirrors, ``direct``
or ``off``: nothing a doc example does can reach the internet.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from mirrorsim import MirrorSim, Profile, make_universe, start_mirrors, write_project

REPO = Path(__file__).resolve().parent.parent
DOCS = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
# Pages whose shell examples a reader copies: each goaccel example runs or says why not.
MUST_RUN = [
    REPO / "README.md",
    REPO / "docs" / "tutorial.md",
    *sorted((REPO / "docs" / "how-to").glob("*.md")),
]
SHELLS = {"sh": "bash", "bash": "bash", "zsh": "zsh", "fish": "fish"}
BLOCK_TIMEOUT = 90.0

BIN = Path(sys.executable).parent
GO = shutil.which("go", path=str(BIN)) or shutil.which("go") or "go"

# The project: a dozen modules of a few tens of KB; the mirrors below all serve them.
MODULES = make_universe(12, sizes=[30_000, 60_000, 15_000])
# Real catalog names and URL paths, loopback hosts. goproxy.cn is nearest and fastest;
# aliyun answers fast but lacks two modules and does not proxy the checksum database.
CATALOG: dict[str, tuple[str, Profile]] = {
    "proxy.golang.org": ("", Profile(latency=0.060)),
    "goproxy.cn": ("", Profile(latency=0.002)),
    "goproxy.io": ("", Profile(latency=0.012)),
    "aliyun": (
        "/goproxy",
        Profile(
            latency=0.004,
            missing=frozenset({MODULES[1].path, MODULES[4].path}),
            sumdb_supported=False,
        ),
    ),
    "tencent": ("/go", Profile(latency=0.030, sumdb_supported=False)),
    "huaweicloud": ("/repository/goproxy", Profile(latency=0.040, bandwidth=400_000)),
}
NOTES = {
    "proxy.golang.org": "Google's default mirror; serves sum.golang.org",
    "goproxy.cn": "Qiniu, mainland China; proxies sum.golang.org",
    "goproxy.io": "community mirror with CDN in China; proxies sum.golang.org",
    "aliyun": "Alibaba Cloud, mainland China; does not proxy the checksum database",
    "tencent": "Tencent Cloud, mainland China",
    "huaweicloud": "Huawei Cloud, mainland China",
}


# --------------------------------------------------------------------------- finding blocks


@dataclass
class Command:
    line: int  # 1-based line in the markdown file
    text: str
    exit_code: int


@dataclass
class Block:
    path: Path
    line: int  # line of the opening fence
    lang: str
    info: dict[str, list[str]]
    body: str
    commands: list[Command] = field(default_factory=list)

    @property
    def runnable(self) -> bool:
        return "runnable" in self.info

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"


FENCE = re.compile(r"^( *)(```+)([^\n`]*)$")
EXITS = re.compile(r"\s#(?:[^'\"#]*\W)?exits (\d+)\b[^'\"#]*$")


def parse_info(text: str) -> tuple[str, dict[str, list[str]]]:
    words = shlex.split(text)
    lang = words[0] if words else ""
    info: dict[str, list[str]] = {}
    for word in words[1:]:
        key, _, value = word.partition("=")
        info.setdefault(key, []).append(value)
    return lang, info


def blocks_in(path: Path) -> Iterator[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, ticks, info_text = len(m.group(1)), m.group(2), m.group(3).strip()
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and lines[i].strip() != ticks:
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i])
            i += 1
        i += 1
        lang, info = parse_info(info_text)
        block = Block(path, start + 1, lang, info, "\n".join(body))
        block.commands = commands_in(body, start + 2)
        yield block


def commands_in(body: list[str], first_line: int) -> list[Command]:
    out: list[Command] = []
    pending: list[str] = []
    pending_line = 0
    for n, raw in enumerate(body, first_line):
        if not pending:
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
            pending_line = n
        pending.append(raw)
        if raw.endswith("\\"):
            continue
        text = "\n".join(pending)
        m = EXITS.search(pending[-1])
        out.append(Command(pending_line, text, int(m.group(1)) if m else 0))
        pending = []
    assert not pending, f"line {pending_line}: a continuation line ends the block"
    return out


ALL_BLOCKS = [b for p in DOCS for b in blocks_in(p)]
RUNNABLE = [b for b in ALL_BLOCKS if b.runnable]


def groups() -> list[list[Block]]:
    """Runnable blocks, grouped: one list per (file, group), or per ungrouped block."""
    out: dict[str, list[Block]] = {}
    for b in RUNNABLE:
        name = b.info.get("group", [""])[0]
        key = f"{b.path.relative_to(REPO)}[{name}]" if name else b.where
        out.setdefault(key, []).append(b)
    return list(out.values())


def group_id(blocks: list[Block]) -> str:
    name = blocks[0].info.get("group", [""])[0]
    return f"{blocks[0].path.relative_to(REPO)}[{name}]" if name else blocks[0].where


# --------------------------------------------------------------------------- the sandbox

GUARD = r"""#!/bin/bash
# docs sandbox guard: run REAL "$@" only while go would fetch from loopback mirrors alone.
real="$1"; shift
check=0
case "$(basename "$real")" in
  go) case "${1:-}" in env|version|help|"") ;; *) check=1 ;; esac ;;
  goaccel) for a in "$@"; do case "$a" in -*) ;; doctor) check=1; break ;; *) break ;; esac; done ;;
esac
if [ "$check" = 1 ]; then
  proxy=$("__GO__" env GOPROXY) || exit 99
  IFS=',|' read -ra entries <<< "$proxy"
  for e in "${entries[@]}"; do
    case "$e" in
      direct|off|http://127.0.0.1:*) ;;
      *) echo "docs sandbox: refusing to run with GOPROXY=$proxy: it would leave 127.0.0.1" >&2
         exit 99 ;;
    esac
  done
fi
exec "$real" "$@"
"""


@pytest.fixture(scope="module")
def mirrors() -> Iterator[dict[str, MirrorSim]]:
    profiles = {name: profile for name, (_prefix, profile) in CATALOG.items()}
    with start_mirrors(profiles, MODULES) as sims:
        # start_mirrors serves every mirror under one prefix; give each its real URL path.
        for name, (prefix, _profile) in CATALOG.items():
            sims[name].prefix = prefix
        with MirrorSim([], Profile(sumdb_root=True), name="sumdb") as sumdb:
            sims["sumdb"] = sumdb
            yield sims


def write_catalog(path: Path, sims: dict[str, MirrorSim]) -> None:
    lines = []
    for name in CATALOG:
        sim = sims[name]
        lines += [
            "[[mirrors]]",
            f'name = "{name}"',
            f'url = "{sim.url}"',
            f'notes = "{NOTES[name]}"',
            f"sumdb_proxy = {'true' if sim.profile.sumdb_supported else 'false'}",
            f'region = "{"global" if name == "proxy.golang.org" else "cn"}"',
            "",
        ]
    for db in ("sum.golang.org", "sum.golang.google.cn"):
        lines += ["[[sumdbs]]", f'name = "{db}"', f'url = "{sims["sumdb"].url}"', ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def sandbox(root: Path, sims: dict[str, MirrorSim]) -> tuple[dict[str, str], Path]:
    home = root / "home"
    project = write_project(home / "src" / "app", MODULES)
    guard_bin = root / "bin"
    guard_bin.mkdir(parents=True)
    for tool, real in (("go", GO), ("goaccel", str(BIN / "goaccel"))):
        script = guard_bin / tool
        script.write_text(
            GUARD.replace("__GO__", GO).replace('real="$1"; shift', f'real="{real}"'),
            encoding="utf-8",
        )
        script.chmod(0o755)
    catalog = root / "catalog.toml"
    write_catalog(catalog, sims)
    path = os.pathsep.join([str(guard_bin), str(BIN), str(Path(GO).parent), "/usr/bin", "/bin"])
    env = {
        "PATH": path,
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "HOME": str(home),
        "USER": "you",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "GOENV": str(home / ".config" / "go" / "env"),
        "GOMODCACHE": str(root / "gomodcache"),
        "GOCACHE": str(root / "gocache"),
        "GOPATH": str(home / "go"),
        "GOTOOLCHAIN": "local",
        "GOTELEMETRY": "off",
        "GOFLAGS": "-modcacherw",
        "GOACCEL_CATALOG": str(catalog),
        # goaccel itself runs the real go; the guard is for the commands a reader types.
        "GOACCEL_GO": GO,
        "NO_COLOR": "1",
        "TERM": "dumb",
        "COLUMNS": "200",
        "SHELL": "/bin/bash",
        "TMPDIR": str(root / "tmp"),
    }
    (root / "tmp").mkdir()
    return env, project


def script_for(block: Block) -> tuple[list[str], str]:
    shell = SHELLS[block.lang]
    parts: list[str] = []
    hidden = [Command(block.line, text, 0) for text in block.info.get("before", [])]
    commands = hidden + block.commands
    if shell == "fish":
        for c in commands:
            parts.append(c.text)
            parts.append(
                f"set __rc $status; if test $__rc -ne {c.exit_code}; "
                f"echo 'docs-test: line {c.line}: exit '$__rc', expected {c.exit_code}' >&2; "
                "exit 97; end"
            )
        return ["fish", "--no-config", "-c", "\n".join(parts)], shell
    parts.append("set -o pipefail")
    for c in commands:
        parts.append(c.text)
        parts.append(
            f'__rc=$?; if [ "$__rc" -ne {c.exit_code} ]; then '
            f'echo "docs-test: line {c.line}: exit $__rc, expected {c.exit_code}" >&2; '
            "exit 97; fi"
        )
    flag = ["-f"] if shell == "zsh" else ["--noprofile", "--norc"]
    return [shell, *flag, "-c", "\n".join(parts)], shell


# --------------------------------------------------------------------------- the tests


def test_runnable_examples_exist() -> None:
    assert len(RUNNABLE) >= 10, "the docs should have runnable examples"
    for b in RUNNABLE:
        assert b.lang in SHELLS, f"{b.where}: runnable block in {b.lang!r}, not a shell we run"
        assert b.commands, f"{b.where}: runnable block without a command"


def test_every_example_is_run_or_says_why() -> None:
    unmarked = [
        b.where
        for p in MUST_RUN
        for b in blocks_in(p)
        if b.lang in ("sh", "bash", "zsh", "fish", "console", "powershell", "pwsh")
        and "goaccel" in b.body
        and not b.runnable
        and "norun" not in b.info
        and b.lang != "console"  # transcripts with illustrative output
    ]
    assert not unmarked, f"mark these examples runnable, or say why not with norun=...: {unmarked}"


@pytest.mark.parametrize("blocks", groups(), ids=group_id)
def test_doc_examples_run(
    blocks: list[Block], mirrors: dict[str, MirrorSim], tmp_path_factory: pytest.TempPathFactory
) -> None:
    env, project = sandbox(tmp_path_factory.mktemp("docs"), mirrors)
    for block in blocks:
        if SHELLS[block.lang] not in ("bash",) and shutil.which(SHELLS[block.lang]) is None:
            pytest.skip(f"{SHELLS[block.lang]} is not installed")
        argv, _shell = script_for(block)
        proc = subprocess.run(
            argv,
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=BLOCK_TIMEOUT,
            check=False,
        )
        output = proc.stdout + proc.stderr
        assert proc.returncode == 0, (
            f"{block.where} failed (exit {proc.returncode}):\n{block.body}\n--- output:\n{output}"
        )
        for expected in block.info.get("output", []):
            assert expected in output, f"{block.where}: {expected!r} not in the output:\n{output}"
