"""Output fits the terminal it is in (issue 9 §8): at 80 and 120 columns no mirror name and no
written value is cut, error texts do not steal the width, and no line has trailing spaces."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from helpers import goaccel, mirror_args, run_args
from mirrorsim import MirrorSim, Profile, make_universe, write_project

MODS = make_universe(3, sizes=2_000)
LONG_BODY = (
    "upstream proxy unavailable: the corporate gateway refused the connection while fetching "
    "the module index, retry later or contact the network team at extension 4242 for help"
)
PATHS = ["/some/long/path/goproxy", "/another/rather/long/path/to/the/goproxy"]


@pytest.fixture
def mirrors() -> Iterator[list[MirrorSim]]:
    with ExitStack() as stack:
        sims = [stack.enter_context(MirrorSim(MODS, prefix=p)) for p in PATHS]
        sims += [
            stack.enter_context(
                MirrorSim(MODS, Profile(status=503, error_body=LONG_BODY), prefix=f"/broken{i}/x")
            )
            for i in range(2)
        ]
        yield sims


def names(sims: list[MirrorSim]) -> list[str]:
    """Each mirror's URL without the scheme: host, port and path."""
    return [s.url.split("://", 1)[1].rstrip("/") for s in sims]


def check_fits(proc: subprocess.CompletedProcess[str], columns: int) -> str:
    text = proc.stdout + proc.stderr
    cut = re.findall(r"\S*127\.0\.0\.1\S*…", text)  # an ellipsis in a name or value is a cut
    assert not cut, (cut, text)
    for line in proc.stdout.splitlines():
        assert len(line) <= columns, f"{len(line)} > {columns}: {line!r}"
    for line in text.splitlines():  # messages on stderr stay one line each: grep finds them
        assert line == line.rstrip(), f"trailing whitespace: {line!r}"
    return text


@pytest.mark.parametrize("columns", [80, 120])
def test_setup_dry_run_fits(mirrors: list[MirrorSim], tmp_path: Path, columns: int) -> None:
    project = write_project(tmp_path / "proj", MODS)
    proc = goaccel(
        "setup",
        *mirror_args(*mirrors),
        *run_args(project),
        "--dry-run",
        env={"COLUMNS": str(columns)},
    )
    assert proc.returncode == 0, proc.stderr
    text = check_fits(proc, columns)
    lines = text.splitlines()
    for name in names(mirrors):
        assert any(name in line for line in lines), (name, text)
    # the value to be written, one list element per line, each whole
    # the value to be written, whole (one list element per line: joined back here)
    shown = "".join(line.split()[-1] for line in lines if line.split())
    good = "|".join(re.escape(s.url) for s in mirrors[:2])
    assert re.search(rf"({good})[,|]({good})[,|]direct", shown), text
    # the long error text is there, whole enough to read, and not in the table's rows
    assert "upstream proxy unavailable" in text


@pytest.mark.parametrize("columns", [80, 120])
def test_bench_fits(mirrors: list[MirrorSim], tmp_path: Path, columns: int) -> None:
    project = write_project(tmp_path / "proj", MODS)
    proc = goaccel(
        "bench",
        *mirror_args(*mirrors),
        "-p",
        str(project),
        "--rounds",
        "1",
        "-t",
        "4",
        env={"COLUMNS": str(columns)},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    text = check_fits(proc, columns)
    lines = text.splitlines()
    for name in names(mirrors):  # bench names a mirror by its host and port
        assert any(name.split("/", 1)[0] in line for line in lines), (name, text)
    for s in mirrors[:2]:  # in the command to apply it, which wraps at its spaces
        assert any(s.url in line for line in lines), text
    assert "upstream proxy unavailable" in text


@pytest.mark.parametrize("columns", [80, 120])
def test_doctor_no_run_fits(mirrors: list[MirrorSim], tmp_path: Path, columns: int) -> None:
    project = write_project(tmp_path / "proj", MODS)
    goproxy = ",".join(s.url for s in mirrors) + ",direct"
    proc = goaccel(
        "doctor",
        str(project),
        "--no-run",
        "--probe-timeout",
        "2",
        env={"COLUMNS": str(columns), "GOPROXY": goproxy},
    )
    text = check_fits(proc, columns)
    assert any(name in text for name in names(mirrors)), text
