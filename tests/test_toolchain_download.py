"""A go line newer than the local go, under go's real defaults (issue 9 §1): the toolchain go
downloads first is part of setup's workload, and doctor says which mirrors serve it.

As in test_real_defaults.py, GOTOOLCHAIN is unset here (go's default, auto from
$GOROOT/go.env), so go would download go1.99.0 before any command in the module. Whatever go
tries can only reach loopback: GOPROXY is a refused loopback port unless a test names
simulated mirrors, and the checksum database is off or a loopback one.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import by_url, go_env_file, goaccel, mirror_args, run_args, run_json, setup_json
from mirrorsim import MirrorSim, Profile, make_toolchain, make_universe, refused_url, write_project

MODS = make_universe(4, sizes=3000)
HOST = subprocess.run(["go", "env", "GOHOSTOS", "GOHOSTARCH"], capture_output=True, text=True,
                      check=True).stdout.split()  # fmt: skip
TC = make_toolchain("1.99.0", *HOST, size=300_000)
TC_KEY = f"golang.org/toolchain@{TC.version}"


@pytest.fixture
def newer(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A module whose go line no local go satisfies, with go's own GOTOOLCHAIN default."""
    monkeypatch.delenv("GOTOOLCHAIN", raising=False)
    monkeypatch.setenv("GOPROXY", refused_url())
    monkeypatch.setenv("GOSUMDB", "off")
    root = write_project(tmp_path / "newer", MODS)
    gomod = root / "go.mod"
    gomod.write_text(gomod.read_text().replace("go 1.21\n", "go 1.99.0\n"), encoding="utf-8")
    return root


def _host(sim: MirrorSim) -> str:
    return sim.url.split("//", 1)[1]  # the name setup gives a --mirror


def _toolchain_requests(sim: MirrorSim) -> list[int | str]:
    return [r.status for r in sim.requests if r.module == "golang.org/toolchain"]


# --------------------------------------------------------------------------- setup


def test_setup_measures_the_toolchain_and_prefers_the_mirror_that_serves_it(newer: Path) -> None:
    with MirrorSim(MODS, name="lacks") as lacks, MirrorSim([*MODS, TC], name="has") as has:
        proc, doc = setup_json(*mirror_args(lacks, has), *run_args(newer), cwd=newer)
        asked = {"lacks": _toolchain_requests(lacks), "has": _toolchain_requests(has)}
    assert proc.returncode == 0, proc.stderr
    assert "downloading go" not in proc.stderr
    assert asked == {"lacks": [404], "has": [206]}  # once each, headers and first bytes only
    assert doc["workload"]["toolchain"] == {
        "name": "go1.99.0", "module": "golang.org/toolchain", "version": TC.version,
        "reason": "go line",
    }  # fmt: skip
    assert doc["model"]["toolchain_bytes"] == len(TC.zip)
    m = by_url(doc)
    assert m[has.url]["toolchain"] == {  # 206: four bytes of it, the size in Content-Range
        "state": "served", "status": 206, "bytes": len(TC.zip), "error": None
    }  # fmt: skip
    assert m[lacks.url]["toolchain"] == {"state": "lacks", "status": 404, "bytes": None,
                                         "error": None}  # fmt: skip
    assert (m[has.url]["rank"], m[has.url]["verdict"]) == (1, "best")
    assert (m[lacks.url]["rank"], m[lacks.url]["verdict"]) == (2, "stale")
    assert m[lacks.url]["reason"] == "lacks the go1.99.0 toolchain (404/410)"
    assert m[lacks.url]["estimate"]["missing_s"] > 3 > m[has.url]["estimate"]["missing_s"]
    assert "the go1.99.0 toolchain" in doc["explanation"]
    # what is written starts with the mirror that serves it
    goproxy = f"{has.url}|{lacks.url},direct"
    assert doc["chosen"]["settings"]["GOPROXY"] == goproxy
    assert f"GOPROXY={goproxy}\n" in go_env_file().read_text()
    assert (
        f"go downloads the go1.99.0 toolchain (go line), 300.0 KB, from {_host(has)}"
        in (doc["notes"])
    )
    # go verifies toolchains against the checksum database even with GOSUMDB=off
    assert any(w.startswith("GOSUMDB=off makes the download of the go1.99.0 toolchain")
               for w in doc["warnings"]), doc["warnings"]  # fmt: skip


def test_setup_table_says_which_mirrors_serve_the_toolchain(newer: Path) -> None:
    with MirrorSim(MODS) as lacks, MirrorSim([*MODS, TC]) as has:
        proc = goaccel("setup", *mirror_args(lacks, has), *run_args(newer), "--dry-run", cwd=newer)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    header = next(line for line in out.splitlines() if "mirror" in line and "verdict" in line)
    assert "toolchain" in header
    rows: dict[str, str] = {}  # the ranking's rows (the changes table comes later)
    for line in out.splitlines():
        for s in (has, lacks):
            if f"│ {_host(s)} " in line:
                rows.setdefault(_host(s), line)
    assert rows[_host(has)].split("│")[5].strip() == "yes"
    assert rows[_host(lacks)].split("│")[5].strip() == "no"
    summary = " ".join(out.split())
    assert (
        f"Toolchain go1.99.0 ({TC_KEY}, 300.0 KB), which go downloads first (go.mod's go "
        f"line): served by {_host(has)}; not by {_host(lacks)}."
    ) in summary, out


def test_setup_warns_when_no_mirror_serves_the_toolchain(newer: Path) -> None:
    with MirrorSim(MODS) as a, MirrorSim(MODS) as b:
        proc, doc = setup_json(*mirror_args(a, b), *run_args(newer), "--dry-run", cwd=newer)
    assert proc.returncode == 0, proc.stderr
    assert {m["toolchain"]["state"] for m in doc["mirrors"]} == {"lacks"}
    assert doc["model"]["toolchain_bytes"] == 70_000_000  # nobody told its size
    assert any(
        w.startswith("no chosen mirror serves the go1.99.0 toolchain (go line): go looks for it "
                     "through direct")
        for w in doc["warnings"]
    ), doc["warnings"]  # fmt: skip


def test_setup_without_a_toolchain_download_probes_none(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", MODS)  # go 1.21: the local go runs it
    with MirrorSim([*MODS, TC]) as has:
        proc, doc = setup_json(*mirror_args(has), *run_args(root), "--dry-run")
        asked = _toolchain_requests(has)
    assert proc.returncode == 0, proc.stderr
    assert asked == []
    assert doc["workload"]["toolchain"] is None and doc["model"]["toolchain_bytes"] == 0
    assert doc["mirrors"][0]["toolchain"] is None


# --------------------------------------------------------------------------- doctor


def _doctor(root: Path, goproxy: str, gosumdb: str) -> tuple[int, dict[str, Any]]:
    proc, doc = run_json(
        "doctor", "--no-run", "--probe-timeout", "2", str(root), schema="doctor",
        env={"GOPROXY": goproxy, "GOSUMDB": gosumdb}, cwd=root,
    )  # fmt: skip
    assert "downloading go" not in proc.stderr
    return proc.returncode, doc


def _mirrors_finding(doc: dict[str, Any]) -> dict[str, Any]:
    found = [f for f in doc["findings"] if f["id"] == "toolchain-mirrors"]
    assert len(found) == 1, [f["id"] for f in doc["findings"]]
    return found[0]


def test_doctor_reports_per_mirror_where_go_gets_the_toolchain(newer: Path) -> None:
    with (
        MirrorSim(MODS) as lacks,
        MirrorSim([*MODS, TC], Profile(sumdb_root=True)) as has,
    ):
        # a checksum database on loopback that answers: go could verify the toolchain
        code, doc = _doctor(newer, f"{lacks.url},{has.url},direct", f"sum.golang.org {has.url}")
    f = _mirrors_finding(doc)
    assert f["status"] == "ok", f
    assert f["title"] == f"go gets the go1.99.0 toolchain from {has.url} (300.0 KB)"
    assert f["seen"] == f"{has.url} serves {TC_KEY}, after 1 GOPROXY entry that lack it"
    assert f["details"] == [f"{lacks.url}: lacks it (HTTP 404)", f"{has.url}: serves it (300.0 KB)"]
    assert "toolchain-download" in [x["id"] for x in doc["findings"]]  # the download itself
    assert code == 0, [x for x in doc["findings"] if x["status"] == "problem"]


def test_doctor_no_mirror_serves_the_toolchain_and_go_would_stop(newer: Path) -> None:
    with MirrorSim(MODS, Profile(sumdb_root=True)) as a, MirrorSim(MODS) as b:
        code, doc = _doctor(newer, f"{a.url}|{b.url}", f"sum.golang.org {a.url}")
    f = _mirrors_finding(doc)
    assert code == 1
    assert f["status"] == "problem"
    assert f["title"] == "no GOPROXY mirror serves the go1.99.0 toolchain: every go command fails"
    assert f"go: download go1.99.0 for {HOST[0]}/{HOST[1]}: toolchain not available" in f["why"]
    assert f["details"] == [f"{a.url}: lacks it (HTTP 404)", f"{b.url}: lacks it (HTTP 404)"]
    fix = f["fix"].splitlines()
    assert fix[0].startswith("goaccel setup")
    assert "GOTOOLCHAIN=local go mod edit -go=1.27.3 && go env -w GOTOOLCHAIN=local" in fix


def test_doctor_toolchain_through_direct_with_gosumdb_off_is_a_problem(newer: Path) -> None:
    """Only direct is left for it, and GOSUMDB=off makes every toolchain download fail:
    go verifies toolchains against the checksum database whatever GOSUMDB says."""
    with MirrorSim(MODS) as lacks:
        code, doc = _doctor(newer, f"{lacks.url},direct", "off")
    f = _mirrors_finding(doc)
    assert code == 1 and f["status"] == "problem"
    assert f["title"] == (
        "no GOPROXY mirror serves the go1.99.0 toolchain: go fetches it through direct"
    )
    assert "checksum verification is off (GOSUMDB=off)" in f["why"]
    assert "unset GOSUMDB" in f["fix"]


def test_doctor_toolchain_served_but_the_checksum_database_unreachable(newer: Path) -> None:
    with MirrorSim([*MODS, TC]) as has:
        code, doc = _doctor(newer, has.url, f"sum.golang.org {refused_url()}")
    f = _mirrors_finding(doc)
    assert code == 1 and f["status"] == "problem"
    assert f["title"] == (
        f"{has.url} serves the go1.99.0 toolchain, but go cannot verify it: the download fails"
    )
    assert "the checksum database GOSUMDB names does not answer" in f["seen"]
    assert f["fix"].startswith("goaccel setup")
    assert json.dumps(doc).count("toolchain-mirrors") == 1
