"""`goaccel doctor` end to end: the real go, simulated mirrors, and go.mod/go.sum untouched."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from helpers import goaccel, run_json
from mirrorsim import MirrorSim, Profile, make_module, make_universe, refused_url, write_project

MODS = make_universe(4, sizes=[20_000, 40_000])  # the project fixture's modules (conftest.py)


def doctor(
    root: Path, *args: str, env: dict[str, str | None] | None = None, timeout: float = 120
) -> tuple[int, dict[str, Any], str]:
    proc, doc = run_json(
        "doctor", str(root), "--probe-timeout", "2", *args, schema="doctor", env=env,
        timeout=timeout,
    )  # fmt: skip
    return proc.returncode, doc, proc.stderr


def ids(doc: dict[str, Any], status: str | None = None) -> list[str]:
    return [f["id"] for f in doc["findings"] if status is None or f["status"] == status]


def finding(doc: dict[str, Any], fid: str) -> dict[str, Any]:
    for f in doc["findings"]:
        if f["id"] == fid:
            return f
    raise AssertionError(f"no finding {fid}: {ids(doc)}")


def test_healthy_project_exits_0(project: Path) -> None:
    with MirrorSim(MODS) as good:
        code, doc, err = doctor(project, env={"GOPROXY": f"{good.url},direct"})
    assert code == 0, (ids(doc, "problem"), ids(doc, "warning"), err)
    assert doc["problems"] == 0
    assert "proxy-ok" in ids(doc) and "sumdb-via-proxy" in ids(doc)
    assert "tidy-ok" in ids(doc)
    hosts = {h["host"]: h for h in doc["timing"]["hosts"]}
    assert hosts[good.url.split("//")[1]]["role"] == "proxy"


def test_refused_proxy(project: Path) -> None:
    refused = refused_url()
    code, doc, _ = doctor(project, env={"GOPROXY": f"{refused},direct"})
    assert code == 1
    f = finding(doc, "proxy-refused")
    assert f["status"] == "problem" and "goaccel setup" in f["fix"]
    assert refused.split("//")[1] in f["title"]
    # go's own "connection refused" was seen too, and reported once (as the static finding)
    assert ids(doc).count("proxy-refused") == 1


def test_stalled_proxy_returns_within_the_timeout_and_names_the_url(project: Path) -> None:
    with MirrorSim(MODS, Profile(stall=True)) as stalled:
        start = time.monotonic()
        code, doc, _ = doctor(project, "--go-timeout", "4", env={"GOPROXY": stalled.url})
        elapsed = time.monotonic() - start
    assert code == 1
    assert elapsed < 4 + 2 + 4, f"took {elapsed:.1f} s"
    f = finding(doc, "tidy-stalled")
    assert stalled.url.split("//")[1] in f["seen"] + " ".join(f["details"])
    assert doc["timing"]["unfinished"], "the request that never finished is listed"
    assert doc["timing"]["unfinished"][0]["url"].startswith(stalled.url)
    assert finding(doc, "proxy-stalled")["status"] == "problem"


def test_slow_proxy_time_is_attributed_to_its_host(project: Path) -> None:
    with MirrorSim(MODS, Profile(latency=0.25)) as slow:
        code, doc, _ = doctor(project, env={"GOPROXY": slow.url})
    assert code == 0, ids(doc, "problem")
    top = doc["timing"]["hosts"][0]
    assert top["host"] == slow.url.split("//")[1]
    assert top["role"] == "proxy"
    assert top["share"] > 0.9
    assert top["seconds"] >= 0.25 * len(MODS)


def test_os_variable_overriding_the_go_env_file(project: Path) -> None:
    import os

    Path(os.environ["GOENV"]).parent.mkdir(parents=True, exist_ok=True)
    with MirrorSim(MODS) as good:
        Path(os.environ["GOENV"]).write_text(f"GOPROXY={good.url}\n")
        code, doc, _ = doctor(project, "--no-run", env={"GOPROXY": f"{good.url},direct"})
    assert code == 0
    f = finding(doc, "env-overrides-go-env-file")
    assert f["status"] == "warning" and "GOPROXY" in f["title"]


def test_private_module_missing_from_the_proxy(tmp_path: Path) -> None:
    corp = make_module("git.corp.example.com/team/lib", "v1.2.0", size=3000)
    mods = [*MODS, corp]
    root = write_project(tmp_path / "proj", mods)
    before = (root / "go.mod").read_bytes(), (root / "go.sum").read_bytes()
    # No ',direct': go must not try to reach git.corp.example.com for real.
    with MirrorSim(mods, Profile(missing=frozenset({corp.path}))) as mirror:
        code, doc, _ = doctor(root, env={"GOPROXY": mirror.url})
    assert ((root / "go.mod").read_bytes(), (root / "go.sum").read_bytes()) == before
    assert code == 1
    f = finding(doc, "private-not-in-goprivate")
    assert "goaccel setup --private 'git.corp.example.com'" in f["fix"]
    assert "go env -w GOPRIVATE='git.corp.example.com'" in f["fix"]
    # go's own 404 for it tells the same cause: reported once, with the static finding
    assert "module-not-found" not in ids(doc)


def test_checksum_database_unreachable(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", MODS, go_sum=False)
    refused = refused_url()
    with MirrorSim(MODS, Profile(sumdb_supported=False)) as mirror:
        code, doc, _ = doctor(
            root,
            env={
                "GOPROXY": mirror.url,
                "GOSUMDB": f"sum.golang.org {refused}",
                "GOFLAGS": "-modcacherw",
            },
        )
    assert not (root / "go.sum").exists()
    assert code == 1
    assert finding(doc, "sumdb-unavailable")["status"] == "problem"
    assert "sumdb-refused" in ids(doc, "problem") or "sumdb-unavailable" in ids(doc, "problem")


def test_checksum_mismatch_is_explained_not_weakened(project: Path) -> None:
    with MirrorSim(MODS, Profile(corrupt="tamper")) as evil:
        code, doc, _ = doctor(project, env={"GOPROXY": evil.url})
    assert code == 1
    f = finding(doc, "checksum-mismatch")
    assert f["status"] == "problem"
    commands = [line.split("#", 1)[0] for line in f["fix"].splitlines()]
    for weak in ("GOSUMDB=off", "GONOSUMDB=", "GOINSECURE=", "-insecure"):
        assert not any(weak in c for c in commands), f["fix"]


def test_goflags_with_an_unknown_flag(project: Path) -> None:
    with MirrorSim(MODS) as good:
        code, doc, _ = doctor(project, env={"GOPROXY": good.url, "GOFLAGS": "-modcacherw -bogus"})
    assert code == 1
    f = finding(doc, "goflags-invalid")
    assert "-bogus" in f["seen"]
    assert f["fix"].startswith("unset GOFLAGS")


def test_toolchain_newer_than_the_local_go(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", MODS)
    gomod = (root / "go.mod").read_text().replace("go 1.21", "go 1.99")
    (root / "go.mod").write_text(gomod)
    with MirrorSim(MODS) as good:
        code, doc, _ = doctor(root, env={"GOPROXY": good.url, "GOTOOLCHAIN": "auto"})
    assert (root / "go.mod").read_text() == gomod
    assert code == 1
    problems_and_warnings = ids(doc, "problem") + ids(doc, "warning")
    assert any(i.startswith("toolchain") for i in problems_and_warnings), problems_and_warnings


def test_no_run_does_not_run_go(project: Path) -> None:
    with MirrorSim(MODS) as good:
        code, doc, _ = doctor(project, "--no-run", env={"GOPROXY": good.url})
        zips = [r for r in good.requests if r.kind == "zip"]
    assert code == 0
    assert doc["timing"] is None
    # Only the probe's zips (its turn may go on past the sample), no go download.
    assert zips and all(r.user_agent.startswith("goaccel/") for r in zips), [
        r.user_agent for r in zips
    ]


def test_vendor_directory_out_of_sync(project: Path) -> None:
    import subprocess

    with MirrorSim(MODS) as good:
        env = {"GOPROXY": good.url}
        vendored = subprocess.run(
            ["go", "mod", "vendor"], cwd=project, env={**__import__("os").environ, **env},
            capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
        assert vendored.returncode == 0, vendored.stderr
        modules_txt = project / "vendor" / "modules.txt"
        modules_txt.write_text(
            modules_txt.read_text().replace(
                "example.com/sim/mod00 v1.0.0", "example.com/sim/mod00 v0.9.0"
            )
        )
        code, doc, _ = doctor(project, "--no-run", env=env)
    assert code == 1
    f = finding(doc, "vendor-inconsistent")
    assert f["fix"].endswith("go mod vendor")


def test_china_sumdb_endpoint_is_checked_directly(project: Path, tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(
        f'mirrors = []\n[[sumdbs]]\nname = "sum.golang.google.cn"\nurl = "{refused_url()}"\n'
    )
    with MirrorSim(MODS) as good:
        code, doc, _ = doctor(
            project,
            "--no-run",
            env={
                "GOPROXY": good.url,
                "GOSUMDB": "sum.golang.google.cn",
                "GOACCEL_CATALOG": str(catalog),
            },
        )
    assert code == 1
    f = finding(doc, "sumdb-unavailable")
    assert "https://sum.golang.google.cn/latest" in f["seen"]


def test_tampering_mirror_is_caught_without_running_go(project: Path) -> None:
    with MirrorSim(MODS, Profile(corrupt="tamper")) as evil:
        code, doc, _ = doctor(project, "--no-run", env={"GOPROXY": evil.url})
    assert code == 1
    assert finding(doc, "proxy-serves-other-bytes")["status"] == "problem"


def test_unusable_proxy_variable_is_a_finding_not_a_crash(project: Path) -> None:
    with MirrorSim(MODS) as good:
        code, doc, err = doctor(
            project, "--no-run", env={"GOPROXY": good.url, "HTTPS_PROXY": "http://[::1"}
        )
    assert code == 1
    assert "internal error" not in err
    assert finding(doc, "http-proxy-invalid")["status"] == "problem"


def test_untidy_module_is_reported_on_a_copy_before_go1_23(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before go1.23 there is no `tidy -diff`: doctor runs tidy on a copy and diffs it."""
    from goaccel.doctor import tidy_run

    (project / "main.go").write_text("package main\n\nfunc main() {}\n")  # nothing imported now
    monkeypatch.setattr(tidy_run, "TIDY_DIFF_SINCE", "9.0")  # pretend the local go is older
    with MirrorSim(MODS) as good:
        monkeypatch.setenv("GOPROXY", good.url)
        from goaccel.doctor.diagnose import DoctorOptions, run_doctor

        report = run_doctor(DoctorOptions(directory=project, probe_budget=2), project)
    assert report.command[-1] != "-diff"
    f = next(f for f in report.findings if f.id == "tidy-not-tidy")
    assert any("example.com/sim/mod00" in line and line.startswith("-") for line in f.details), (
        f.details
    )


def test_invalid_gotoolchain_is_a_finding(project: Path) -> None:
    with MirrorSim(MODS) as good:
        code, doc, err = doctor(project, env={"GOPROXY": good.url, "GOTOOLCHAIN": "bogus"})
    assert code == 1, err
    f = finding(doc, "gotoolchain-invalid")
    assert f["status"] == "problem" and "bogus" in f["seen"]
    assert "tidy-failed" not in ids(doc)  # go's failure is this same cause


def test_project_option_names_the_module_like_setup_and_bench(
    project: Path, tmp_path: Path
) -> None:
    """-p/--project means what it means for setup and bench; the positional DIR still works."""
    with MirrorSim(MODS) as good:
        env: dict[str, str | None] = {"GOPROXY": f"{good.url},direct"}
        outside = tmp_path / "elsewhere"
        outside.mkdir()
        by_option, doc_option = run_json(
            "doctor", "--no-run", "-p", str(project), "--probe-timeout", "2",
            schema="doctor", env=env, cwd=outside,
        )  # fmt: skip
        code, doc_dir, _ = doctor(project, "--no-run", env=env)
    assert by_option.returncode == code == 0, by_option.stderr
    assert ids(doc_option) == ids(doc_dir)
    # naming two different modules is refused before anything runs
    proc, doc = run_json(
        "doctor", str(project), "--project", str(outside), schema="doctor", env=env
    )
    assert proc.returncode == 2
    assert doc["error"]["message"].startswith("two modules given")


# ------------------------------------------------------------------ --go-timeout and --timeout

OLD_TIMEOUT_NOTE = (
    "warning: `doctor --timeout` is deprecated: use --go-timeout SECONDS (go's watchdog); "
    "--timeout is the probe budget in setup and bench"
)


@pytest.mark.parametrize("flag", ["--go-timeout", "--timeout", "-t"])
def test_the_watchdog_stops_a_hanging_go_at_the_time_given(project: Path, flag: str) -> None:
    """--go-timeout is go's watchdog; doctor's --timeout (and -t) is its old spelling: it still
    works, with a one-line note on stderr (never on stdout, where the JSON is)."""
    with MirrorSim(MODS, Profile(stall=True)) as stalled:
        code, doc, err = doctor(project, flag, "2", env={"GOPROXY": stalled.url})
    assert code == 1
    assert 2 <= doc["timing"]["total_s"] < 10, doc["timing"]  # not the default 180 s
    assert "before the watchdog stopped go at 2 s" in finding(doc, "tidy-stalled")["seen"]
    notes = [line for line in err.splitlines() if "deprecated" in line]
    assert notes == ([] if flag == "--go-timeout" else [OLD_TIMEOUT_NOTE]), err


def test_both_spellings_of_the_watchdog_must_agree(project: Path) -> None:
    with MirrorSim(MODS) as good:
        env: dict[str, str | None] = {"GOPROXY": good.url}
        proc, doc = run_json(
            "doctor", str(project), "--no-run", "--go-timeout", "5", "--timeout", "6",
            schema="doctor", env=env,
        )  # fmt: skip
        same, _ = run_json(
            "doctor", str(project), "--no-run", "--go-timeout", "5", "-t", "5",
            "--probe-timeout", "2", schema="doctor", env=env,
        )  # fmt: skip
    assert proc.returncode == 2
    assert doc["error"]["message"] == "two watchdogs given: --go-timeout 5 and --timeout 6"
    assert doc["error"]["hint"] == "give --go-timeout only; --timeout is its old spelling"
    assert same.returncode == 0, same.stderr
    assert OLD_TIMEOUT_NOTE in same.stderr.splitlines()


def test_help_shows_one_name_per_meaning() -> None:
    text = goaccel("doctor", "--help", env={"COLUMNS": "200"}).stdout
    assert "--go-timeout SECONDS" in text and "--probe-timeout SECONDS" in text
    assert "--timeout" not in text.replace("--go-timeout", "").replace("--probe-timeout", "")
    assert "-t," not in text


# ------------------------------------------------------------------ the checks run while go runs

GO_AGENT = "GoCommand/"


def test_go_runs_while_the_probe_waits(project: Path) -> None:
    """go starts as soon as the configuration is read: its first request reaches the mirror
    while the probe still waits for a stalled one (it cannot give up on it before its 2 s
    budget), and the report keeps its order: the static findings, then the live ones."""
    with MirrorSim(MODS) as good, MirrorSim(MODS, Profile(stall=True)) as stalled:
        # go uses the first entry only (it answers everything); the probe asks both
        code, doc, err = doctor(project, env={"GOPROXY": f"{good.url},{stalled.url}"})
        go_first = min(r.timestamp for r in good.requests if r.user_agent.startswith(GO_AGENT))
        probe_first = min(r.timestamp for r in stalled.requests)
        assert not [r for r in stalled.requests if r.user_agent.startswith(GO_AGENT)]
    assert code == 1, err  # the stalled entry is a problem
    # one after the other, go's first request would come after the probe's deadline
    assert go_first < probe_first + 1.0, (go_first - probe_first, err)
    found = ids(doc)
    assert found.index("proxy-stalled") < found.index("tidy-ok"), found
    assert finding(doc, "proxy-stalled")["title"].endswith(f"{stalled.url} fails: stalled")
    stages = [line for line in err.splitlines() if line.startswith("doctor: ")]
    assert stages[:3] == [
        "doctor: reading the Go configuration",
        "doctor: running go mod tidy -x with your module cache (watchdog 180 s)",
        "doctor: probing the configured proxies (at most 2 s), while go runs",
    ], stages
    # and, only when go is still running once the checks are done:
    assert stages[3:] in ([], ["doctor: static checks done; waiting for go mod tidy"]), stages


def _processes_with(mark: str) -> list[int]:
    """The live processes whose environment holds mark (what doctor started inherits it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()  # empty for a zombie
        except OSError:
            continue
        if mark.encode() in environ:
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs SIGINT and /proc")
@pytest.mark.parametrize("when", ["while probing", "after the checks"])
def test_ctrl_c_stops_go_and_the_checks(project: Path, tmp_path: Path, when: str) -> None:
    """Ctrl-C while go hangs on a stalled mirror, with the probe still waiting on it too or
    already done: exit 130 at once, go and everything it started killed, the --cold caches
    removed, the JSON error document on stdout and no traceback."""
    mark = f"goaccel-test-{uuid.uuid4().hex}"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    budget = "30" if when == "while probing" else "0.5"
    with MirrorSim(MODS, Profile(stall=True)) as stalled:
        env = {**os.environ, "GOPROXY": stalled.url, "TMPDIR": str(tmp), "GOACCEL_MARK": mark}
        args = [sys.executable, "-m", "goaccel", "doctor", str(project), "--cold", "--json"]
        args += ["--probe-timeout", budget, "--go-timeout", "120"]
        proc = subprocess.Popen(
            args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        lines: list[str] = []
        checks_done = threading.Event()

        def read_stderr() -> None:
            assert proc.stderr is not None
            for line in proc.stderr:
                lines.append(line)
                if line.startswith("doctor: static checks done"):
                    checks_done.set()

        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        try:

            def both_waiting(log: list[Any]) -> bool:
                agents = {r.user_agent.split("/", 1)[0] for r in log}
                return {"GoCommand", "goaccel"} <= agents

            assert stalled.wait_for(both_waiting, timeout=20), "go and the probe, together"
            if when == "after the checks":
                assert checks_done.wait(20), "".join(lines)
            assert proc.poll() is None
            time.sleep(0.2)
            assert len(_processes_with(mark)) >= 2, "goaccel and go (the mark is inherited)"
            start = time.monotonic()
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=15) == 130
            elapsed = time.monotonic() - start
            assert proc.stdout is not None
            out = proc.stdout.read()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        reader.join(timeout=5)
    err = "".join(lines)
    assert elapsed < 5, f"{elapsed:.1f} s after Ctrl-C"
    assert json.loads(out)["error"] == {"message": "interrupted", "exit_code": 130}
    assert err.endswith("\ninterrupted\n") and "Traceback" not in err, err
    assert _processes_with(mark) == [], "go was killed, with what it started"
    assert [p.name for p in tmp.iterdir() if p.name.startswith("goaccel-")] == []


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_a_check_that_fails_stops_go(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """go starts before the checks; when one of them ends doctor with an error, go is stopped
    at once (with what it started) rather than left hanging until its watchdog."""
    from goaccel.doctor import checks
    from goaccel.doctor.diagnose import DoctorOptions, run_doctor
    from goaccel.errors import ConfigFileError

    mark = f"goaccel-test-{uuid.uuid4().hex}"  # go inherits it from os.environ
    with MirrorSim(MODS, Profile(stall=True)) as stalled:
        monkeypatch.setenv("GOPROXY", stalled.url)
        monkeypatch.setenv("GOACCEL_MARK", mark)

        def failing_checks(ctx: checks.Context, **_: Any) -> list[Any]:
            go_waits = stalled.wait_for(
                lambda log: any(r.user_agent.startswith(GO_AGENT) for r in log), timeout=20
            )
            assert go_waits and _processes_with(mark), "go runs while the checks do"
            raise ConfigFileError("a check could not read its file")

        monkeypatch.setattr(checks, "run_static", failing_checks)
        start = time.monotonic()
        with pytest.raises(ConfigFileError, match="a check could not read its file"):
            run_doctor(DoctorOptions(directory=project, go_timeout=120, cold=True), project)
        elapsed = time.monotonic() - start
    assert elapsed < 30, f"{elapsed:.1f} s: go was left to its 120 s watchdog"
    assert _processes_with(mark) == []
