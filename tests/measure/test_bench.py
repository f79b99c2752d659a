"""`goaccel bench` end to end: simulated mirrors, the real go as ground truth, the schema."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from helpers import by_url, goaccel, mirror_args, run_json, validate
from mirrorsim import MirrorSim, Profile, make_universe, write_project

MODS = make_universe(6, sizes=[150_000, 250_000, 40_000])  # the project fixture's (conftest.py)


def bench(
    *args: str, env: dict[str, str | None] | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    # the documented schema holds for every test's output
    proc, doc = run_json("bench", *args, schema="bench", env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc, doc


def test_ranking_order_on_known_profiles(project: Path) -> None:
    fast = MirrorSim(MODS, Profile(latency=0.005))
    medium = MirrorSim(MODS, Profile(latency=0.02, bandwidth=1_500_000))
    thin = MirrorSim(MODS, Profile(latency=0.002, bandwidth=200_000))
    with fast, medium, thin:
        _, doc = bench(
            *mirror_args(thin, medium, fast), "-p", str(project), "--rounds", "2", "-t", "8"
        )
    assert [m["url"] for m in doc["mirrors"]] == [fast.url, medium.url, thin.url]
    assert [m["rank"] for m in doc["mirrors"]] == [1, 2, 3]
    m = by_url(doc)
    assert m[fast.url]["latency_ms"]["samples"] >= 2 * 6
    assert 4 <= m[fast.url]["latency_ms"]["median"] <= 30
    assert 150_000 <= m[thin.url]["throughput_bytes_per_s"]["median"] <= 230_000
    assert len(m[thin.url]["throughput_bytes_per_s"]["per_round"]) == 2
    assert m[fast.url]["ttfb_ms"]["median"] is not None
    assert (
        doc["setup_command"]
        == f"goaccel setup --no-builtin --mirror {fast.url} --mirror {medium.url}"
    )
    assert doc["winner"]["url"] == fast.url


def test_completeness_is_exact(project: Path) -> None:
    stale = MirrorSim(MODS, Profile(missing=frozenset({MODS[0].path, MODS[3].path})))
    with stale:
        _, doc = bench(*mirror_args(stale), "-p", str(project), "--rounds", "1", "-t", "5")
    c = by_url(doc)[stale.url]["completeness"]
    assert (c["served"], c["needed"]) == (4, 6)
    assert sorted(c["missing"]) == sorted(f"{m.path}@v1.0.0" for m in (MODS[0], MODS[3]))


def test_tampered_content_is_caught_against_hashes_the_real_go_computed(tmp_path: Path) -> None:
    """go.sum written by go itself (not by the simulator): the ground truth for the bytes."""
    root = write_project(tmp_path / "proj", MODS, go_sum=False)
    honest = MirrorSim(MODS, Profile(latency=0.02))
    tampered = MirrorSim(MODS, Profile(corrupt="tamper"))
    with honest, tampered:
        env = {
            **os.environ,
            "GOPROXY": honest.url,
            "GONOSUMDB": "example.com",
            "GOFLAGS": "-modcacherw -mod=mod",
        }
        tidy = subprocess.run(
            ["go", "mod", "tidy"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert tidy.returncode == 0, tidy.stderr
        assert "h1:" in (root / "go.sum").read_text()
        args = [*mirror_args(tampered, honest), "-p", str(root), "--rounds", "1", "-t", "8"]
        _, doc = bench(*args)
        text = goaccel("bench", *args)
    m = by_url(doc)
    assert m[tampered.url]["verdict"] == "tampered"
    assert m[tampered.url]["rank"] is None
    assert m[tampered.url]["integrity"]["mismatched"]
    assert m[honest.url]["rank"] == 1
    assert m[honest.url]["integrity"]["mismatched"] == []
    assert m[honest.url]["integrity"]["checked_zips"] >= 1
    assert "TAMPERED" in text.stdout
    assert "stale or tampered" in text.stderr


def test_go_ground_truth_agrees_with_the_prediction_order(project: Path) -> None:
    fast = MirrorSim(MODS, Profile(latency=0.005))
    slow = MirrorSim(MODS, Profile(latency=0.01, bandwidth=250_000))
    with fast, slow:
        _, doc = bench(
            *mirror_args(slow, fast), "-p", str(project), "--rounds", "1", "-t", "6", "--go"
        )
    m = by_url(doc)
    assert doc["go_ground_truth"] is True
    assert m[fast.url]["ground_truth"]["ok"] and m[slow.url]["ground_truth"]["ok"]
    predicted = sorted(doc["mirrors"], key=lambda x: x["predicted_s"])
    actual = sorted(doc["mirrors"], key=lambda x: x["ground_truth"]["seconds"])
    assert [x["url"] for x in predicted] == [x["url"] for x in actual] == [fast.url, slow.url]
    # 950 KB through 250 KB/s: go needs at least ~3.5 s there
    assert m[slow.url]["ground_truth"]["seconds"] > 3


def test_error_bodies_are_sanitized(project: Path) -> None:
    body = "\x1b]0;pwned\x07\x1b[31m[bold red]down[/] for maintenance\r\n"
    with MirrorSim(MODS, Profile(status=503, error_body=body)) as broken, MirrorSim(MODS) as good:
        proc, doc = bench(
            *mirror_args(broken, good), "-p", str(project), "--rounds", "1", "-t", "4"
        )
        text = goaccel(
            "bench", *mirror_args(broken, good), "-p", str(project), "--rounds", "1", "-t", "4"
        )
    detail = by_url(doc)[broken.url]["error"]["detail"]
    assert "\x1b" not in detail and "\x07" not in detail and "\r" not in detail
    assert "[bold red]down[/] for maintenance" in detail
    assert by_url(doc)[broken.url]["errors"] == {"http": 1}
    for out in (proc.stdout, text.stdout, text.stderr):
        assert "\x1b" not in out and "\x07" not in out
    assert "[bold red]down" in text.stdout  # shown as text, not obeyed


def test_save_and_compare(project: Path, tmp_path: Path) -> None:
    saved = tmp_path / "before.json"
    with MirrorSim(MODS, Profile(latency=0.01)) as a, MirrorSim(MODS, Profile(latency=0.03)) as b:
        bench(
            *mirror_args(a, b), "-p", str(project), "--rounds", "1", "-t", "4", "--save", str(saved)
        )
        validate(json.loads(saved.read_text()), "bench")
        _, doc = bench(
            *mirror_args(a), "-p", str(project), "--rounds", "1", "-t", "4", "--compare", str(saved)
        )
    statuses = {d["url"]: d["status"] for d in doc["compare"]}
    assert statuses == {a.url: "compared", b.url: "gone"}
    same = next(d for d in doc["compare"] if d["url"] == a.url)
    assert same["rank_before"] == 1 and same["rank_after"] == 1
    assert same["change"] is not None and abs(same["change"]) < 1.0


def test_compare_with_a_file_that_is_not_a_result(project: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "x.json"
    bogus.write_text('{"hello": 1}')
    proc = goaccel(
        "bench",
        "--no-builtin",
        "--mirror",
        "http://127.0.0.1:9",
        "-p",
        str(project),
        "--compare",
        str(bogus),
    )
    assert proc.returncode == 4
    assert "not a goaccel bench result" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_go_needs_a_project(tmp_path: Path) -> None:
    proc = goaccel("bench", "--no-builtin", "--mirror", "http://127.0.0.1:9", "--go", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--go needs a Go module" in proc.stderr


def test_merge_rounds_pools_measurements_and_keeps_only_a_permanent_failure() -> None:
    from goaccel.measure.bench import merge_rounds
    from goaccel.measure.classify import ProbeError
    from goaccel.measure.probe import MirrorProbe

    def round_(latency: float, *, error: bool = False) -> MirrorProbe:
        p = MirrorProbe(name="m", url="https://m.example")
        if error:
            p.error = ProbeError("reset", "connection reset by the server")
            p.error_counts = {"reset": 1}
            return p
        p.first_request_s = latency * 2
        p.latencies = [latency] * 3
        p.zip_bytes, p.zip_seconds = 1_000_000, 0.5
        p.checked_modules = ["a@v1", "b@v1"]
        p.checked = 2
        p.missing = ["b@v1"]
        return p

    flaky = merge_rounds([round_(0.01), round_(0.02, error=True), round_(0.03)])
    assert flaky.error is None and flaky.usable
    assert sorted(flaky.latencies) == [0.01] * 3 + [0.03] * 3
    assert flaky.throughput_bps == pytest.approx(2_000_000 / 1.0)
    assert (flaky.checked, flaky.missing) == (2, ["b@v1"])
    assert flaky.error_counts == {"reset": 1}
    dead = merge_rounds([round_(0, error=True), round_(0, error=True)])
    assert dead.error is not None and dead.error.kind == "reset" and not dead.usable


def test_probe_timeout_is_the_second_spelling_of_timeout(project: Path) -> None:
    """As in setup and doctor: --probe-timeout is the probe's budget (of one round here)."""
    with MirrorSim(MODS) as good:
        _, doc = bench(
            *mirror_args(good), "-p", str(project), "--rounds", "1", "--probe-timeout", "1.5"
        )
    assert doc["budget_s"] == 1.5
