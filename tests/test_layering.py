"""The layering contract (pyproject.toml, checked by lint-imports in ./scripts/test) is real: it
passes on the tree as it is, and a wrong import makes it fail."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def copy_tree(dest: Path) -> Path:
    shutil.copytree(
        REPO / "goaccel", dest / "goaccel", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(REPO / "pyproject.toml", dest / "pyproject.toml")
    return dest


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), "HOME": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return copy_tree(tmp_path)


def test_the_tree_keeps_every_contract(tree: Path) -> None:
    proc = lint(tree)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout
    assert "BROKEN" not in proc.stdout


# Each wrong import, and the contract that must catch it. All go into one copy of the tree, so
# that lint-imports (a few seconds per run) runs once for all of them.
WRONG = [
    # a feature package reaching up into the CLI
    ("measure/rank.py", "goaccel.cli.render", "Arrows point down"),
    # go's rules importing a feature
    ("gocompat/pathmatch.py", "goaccel.measure.workload", "Arrows point down"),
    # a utility importing a feature
    ("fsutil.py", "goaccel.configure.journal", "Arrows point down"),
    # the core talking to the terminal
    ("gotool/process.py", "rich.table", "Only the CLI talks to the terminal"),
    ("doctor/model.py", "typer", "Only the CLI talks to the terminal"),
]


def test_each_wrong_import_breaks_its_contract(tree: Path) -> None:
    anchor = "from __future__ import annotations\n"
    for module, target, _ in WRONG:
        path = tree / "goaccel" / module
        text = path.read_text(encoding="utf-8")
        assert anchor in text
        path.write_text(text.replace(anchor, f"{anchor}import {target}\n", 1), encoding="utf-8")
    proc = lint(tree)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    broken = [ln.rsplit(" ", 1)[0] for ln in proc.stdout.splitlines() if ln.endswith(" BROKEN")]
    details = proc.stdout.split("Broken contracts", 1)[1]
    # the report's section for each broken contract, from its heading to the next one
    starts = sorted(details.index(f"\n{name}\n") for name in broken)
    sections = {
        details[a:].strip().splitlines()[0]: details[a:b]
        for a, b in zip(starts, [*starts[1:], len(details)])
    }
    for module, target, contract in WRONG:
        source = "goaccel." + module.removesuffix(".py").replace("/", ".")
        imported = target if target.startswith("goaccel.") else target.split(".")[0]
        names = [name for name in sections if name.startswith(contract)]
        assert len(names) == 1, (contract, broken)
        section = sections[names[0]]
        # the direct import is named, in the section of the contract that forbids it
        arrow = rf"^-\s+{re.escape(source)} -> {re.escape(imported)} \(l\.\d+"
        assert re.search(arrow, section, re.M), (module, proc.stdout)
