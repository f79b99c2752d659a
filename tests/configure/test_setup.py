"""`goaccel setup` end to end: real processes, real go, mirrors simulated on 127.0.0.1."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from helpers import (
    by_url,
    go,
    go_env_file,
    goaccel,
    mirror_args,
    run_args,
    run_json,
    setup_json,
    state_dir,
)
from mirrorsim import MirrorSim, Profile, make_universe, refused_url, write_project

BIG = make_universe(6, sizes=[250_000, 300_000, 200_000])
SMALL = make_universe(6, sizes=2_000)


@pytest.fixture
def big_project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "proj", BIG)


def env_file_values() -> dict[str, str]:
    path = go_env_file()
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text().splitlines():
        k, _, v = line.partition("=")
        out[k] = v
    return out


# --------------------------------------------------------------------------- ranking traps


def test_bandwidth_beats_ping_and_go_downloads_with_the_result(big_project: Path) -> None:
    """A mirror close by with a thin pipe must lose to a farther one that moves bytes fast,
    and the written configuration must make the real `go mod download` work."""
    near_thin = MirrorSim(BIG, Profile(latency=0.002, bandwidth=120_000), name="near-thin")
    far_fat = MirrorSim(BIG, Profile(latency=0.03), name="far-fat")
    with near_thin, far_fat:
        proc, doc = setup_json(*mirror_args(near_thin, far_fat), *run_args(big_project, 4))
        assert proc.returncode == 0, proc.stderr
        mirrors = by_url(doc)
        near, far = mirrors[near_thin.url], mirrors[far_fat.url]
        assert near["latency_ms"] < far["latency_ms"], (
            "the trap needs the thin mirror to ping faster"
        )
        assert far["rank"] == 1 and far["verdict"] == "best"
        assert near["rank"] == 2
        assert "throughput" in doc["explanation"]
        expected = f"{far_fat.url}|{near_thin.url},direct"
        assert doc["chosen"]["settings"]["GOPROXY"] == expected
        assert env_file_values()["GOPROXY"] == expected
        assert doc["written"]["files"] == [str(go_env_file())]

        far_fat.clear_requests()
        result = go("mod", "download", cwd=big_project)
        assert result.returncode == 0, result.stderr
        zips = [r for r in far_fat.requests if r.kind == "zip"]
        assert len(zips) == len(BIG), "go fetched every zip from the winner"
        assert go("build", "./...", cwd=big_project).returncode == 0


def test_latency_wins_when_the_workload_is_small(tmp_path: Path) -> None:
    """The same two mirrors, the reverse answer: tiny modules make round trips dominate."""
    project = write_project(tmp_path / "p", SMALL)
    near_thin = MirrorSim(SMALL, Profile(latency=0.002, bandwidth=120_000))
    far_fat = MirrorSim(SMALL, Profile(latency=0.06))
    with near_thin, far_fat:
        proc, doc = setup_json(*mirror_args(near_thin, far_fat), *run_args(project), "--dry-run")
        assert proc.returncode == 0, proc.stderr
        assert by_url(doc)[near_thin.url]["rank"] == 1
        assert "latency" in doc["explanation"]


def test_complete_mirror_beats_fast_but_stale_one(big_project: Path) -> None:
    stale = MirrorSim(BIG, Profile(missing=frozenset(m.path for m in BIG[:3])))
    complete = MirrorSim(BIG, Profile(latency=0.02, bandwidth=2_000_000))
    with stale, complete:
        proc, doc = setup_json(*mirror_args(stale, complete), *run_args(big_project))
        assert proc.returncode == 0, proc.stderr
        m = by_url(doc)
        assert m[complete.url]["rank"] == 1
        assert m[stale.url]["verdict"] == "stale"
        assert len(m[stale.url]["modules_missing"]) == 3
        assert m[stale.url]["modules_checked"] == len(BIG)
        # The stale mirror is still a fine fallback: with '|', go asks it after the winner fails.
        assert doc["chosen"]["settings"]["GOPROXY"] == f"{complete.url}|{stale.url},direct"
        assert go("mod", "download", cwd=big_project).returncode == 0


def test_tampered_mirror_is_never_chosen(big_project: Path) -> None:
    tampered = MirrorSim(BIG, Profile(corrupt="tamper"))
    honest = MirrorSim(BIG, Profile(latency=0.03, bandwidth=1_000_000))
    with tampered, honest:
        proc, doc = setup_json(*mirror_args(tampered, honest), *run_args(big_project), "--dry-run")
        assert proc.returncode == 0, proc.stderr
        m = by_url(doc)
        assert m[tampered.url]["verdict"] == "tampered"
        assert m[tampered.url]["rank"] is None
        assert m[tampered.url]["mismatched"]
        assert doc["chosen"]["settings"]["GOPROXY"] == f"{honest.url},direct"


# --------------------------------------------------------------------------- the budget


def test_probe_timeout_is_the_second_spelling_of_timeout(big_project: Path) -> None:
    """One meaning per name in every command: --probe-timeout is the probe's budget here as in
    doctor (and bench), the same as --timeout."""
    with MirrorSim(BIG, Profile(stall=True)) as stalled, MirrorSim(BIG) as good:
        proc, doc = setup_json(
            *mirror_args(stalled, good), "--project", str(big_project), "--probe-timeout", "1",
            "--yes", "--dry-run",
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    waited = by_url(doc)[stalled.url]["elapsed_ms"] / 1000
    assert 0.9 <= waited < 1 + 1.5, waited  # its budget, not the default 5 s


def test_stalled_mirrors_do_not_stretch_the_budget(big_project: Path) -> None:
    stalled = MirrorSim(BIG, Profile(stall=True))
    stalled_zips = MirrorSim(BIG, Profile(stall_after_bytes=1000, apply_to="zip"))
    good = MirrorSim(BIG, Profile(latency=0.01))
    refused = refused_url()
    with stalled, stalled_zips, good:
        start = time.monotonic()
        proc, doc = setup_json(
            *mirror_args(stalled, stalled_zips, good, refused),
            *run_args(big_project, 2),
            "--dry-run",
        )
        elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr
    m = by_url(doc)
    # Each mirror's probe, timed by goaccel itself, ends with the budget; the wall clock of
    # the whole process (start-up, go env) is only bounded loosely, since it measures the
    # machine's load as much as goaccel. A stall that stretched the budget would take far
    # longer: the stalled mirrors never answer at all.
    slowest = max(entry["elapsed_ms"] for entry in m.values()) / 1000
    assert slowest < 2 + 0.5, f"a probe took {slowest:.2f} s with a 2 s budget"
    assert elapsed < 2 + 8, f"setup took {elapsed:.1f} s with a 2 s budget"
    assert m[stalled.url]["verdict"] == "stalled"
    assert m[stalled.url]["rank"] is None
    assert m[stalled_zips.url]["verdict"] == "stalled"
    assert m[stalled_zips.url]["stalled_requests"]
    assert m[refused]["verdict"] == "refused"
    assert m[good.url]["rank"] == 1
    assert doc["chosen"]["settings"]["GOPROXY"] == f"{good.url},direct"


def test_no_usable_mirror_writes_nothing(big_project: Path) -> None:
    broken = MirrorSim(BIG, Profile(status=500, error_body="\x1b[31m[bold red]boom[/] \x07oops"))
    with broken:
        proc, doc = setup_json(*mirror_args(broken, refused_url()), *run_args(big_project, 2))
    assert proc.returncode == 3
    assert doc["ok"] is False
    assert "no mirror was usable" in doc["error"]["message"]
    assert not go_env_file().exists()
    assert not (state_dir() / "journal.json").exists()
    detail = by_url(doc)[broken.url]["error"]["detail"]
    assert "\x1b" not in detail and "\x07" not in detail
    assert "[bold red]boom[/]" in detail  # shown as text, not obeyed


def test_error_bodies_are_sanitized_in_the_table(big_project: Path) -> None:
    broken = MirrorSim(BIG, Profile(status=503, error_body="\x1b]0;pwned\x07[bold red]boom[/]"))
    good = MirrorSim(BIG)
    with broken, good:
        proc = goaccel("setup", *mirror_args(broken, good), *run_args(big_project), "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout + proc.stderr
    assert "\x07" not in proc.stdout + proc.stderr
    assert "pwned" not in proc.stdout  # the OSC title sequence is stripped whole
    assert "[bold red]boom" in proc.stdout


# --------------------------------------------------------------------------- dry run, undo


def test_dry_run_writes_nothing(big_project: Path, tmp_path: Path) -> None:
    go_env_file().parent.mkdir(parents=True, exist_ok=True)
    original = b"# mine\nGOFLAGS=-mod=mod\n"
    go_env_file().write_bytes(original)
    rc = tmp_path / "bashrc"
    rc.write_bytes(b"alias ll='ls -l'\n")
    with MirrorSim(BIG) as good:
        proc = goaccel("setup", *mirror_args(good), *run_args(big_project), "--dry-run")
        assert proc.returncode == 0, proc.stderr
        assert "Dry run" in proc.stdout
        assert f"+GOPROXY={good.url},direct" in proc.stdout  # the diff of the go env file
        proc = goaccel(
            "setup", *mirror_args(good), *run_args(big_project), "--dry-run",
            "--target", "shell", "--shell", "bash", "--rc-file", str(rc),
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert f"+export GOPROXY='{good.url},direct'" in proc.stdout
    assert go_env_file().read_bytes() == original
    assert rc.read_bytes() == b"alias ll='ls -l'\n"
    assert not state_dir().exists() or not any(state_dir().iterdir())


def test_undo_restores_go_env_file_byte_for_byte(big_project: Path) -> None:
    path = go_env_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    original = b"# my settings\nGOFLAGS=-mod=mod\nGOPROXY=https://old.example.com\n"
    path.write_bytes(original)
    path.chmod(0o640)
    a = MirrorSim(BIG, name="a")
    b = MirrorSim(BIG, Profile(latency=0.05), name="b")
    with a, b:
        assert goaccel("setup", *mirror_args(a), *run_args(big_project)).returncode == 0
        after_first = path.read_bytes()
        assert f"GOPROXY={a.url},direct".encode() in after_first
        assert b"# my settings\nGOFLAGS=-mod=mod\n" in after_first
        assert goaccel("setup", *mirror_args(b), *run_args(big_project)).returncode == 0
        assert f"GOPROXY={b.url},direct".encode() in path.read_bytes()

    undo = goaccel("undo", "--yes")
    assert undo.returncode == 0, undo.stderr
    assert path.read_bytes() == after_first
    assert "1 earlier setup" in undo.stdout
    undo, undone = run_json("undo", "--yes", schema="undo")
    assert undo.returncode == 0, undo.stderr
    assert undone["files"] == [{"path": str(path), "action": "restored", "kept": []}]
    assert path.read_bytes() == original
    assert oct(path.stat().st_mode & 0o777) == oct(0o640)

    nothing = goaccel("undo", "--yes")
    assert nothing.returncode == 7
    assert "nothing to undo" in nothing.stderr
    nothing, doc = run_json("undo", "--yes", schema="undo")
    assert doc["error"] == {
        "message": "nothing to undo: goaccel has no recorded setup",
        "hint": "`goaccel status` shows the current configuration",
        "exit_code": 7,
    }


def test_undo_removes_a_go_env_file_goaccel_created(big_project: Path) -> None:
    with MirrorSim(BIG) as good:
        assert goaccel("setup", *mirror_args(good), *run_args(big_project)).returncode == 0
    assert go_env_file().exists()
    assert goaccel("undo", "--yes").returncode == 0
    assert not go_env_file().exists()


def test_undo_after_user_edit_reverts_only_goaccel_keys(big_project: Path) -> None:
    path = go_env_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("GOPROXY=https://old.example.com\n")
    with MirrorSim(BIG) as good:
        assert goaccel("setup", *mirror_args(good), *run_args(big_project)).returncode == 0
    assert go("env", "-w", "GOFLAGS=-mod=mod").returncode == 0  # the user's own change since
    proc = goaccel("undo", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert "other edits kept" in proc.stdout
    assert env_file_values() == {"GOPROXY": "https://old.example.com", "GOFLAGS": "-mod=mod"}


def test_rerun_with_same_result_changes_nothing(big_project: Path) -> None:
    with MirrorSim(BIG) as good:
        assert goaccel("setup", *mirror_args(good), *run_args(big_project)).returncode == 0
        proc = goaccel("setup", *mirror_args(good), *run_args(big_project))
    assert proc.returncode == 0, proc.stderr
    assert "Already configured" in proc.stdout
    journal = json.loads((state_dir() / "journal.json").read_text())
    assert len(journal["entries"]) == 1


# --------------------------------------------------------------------------- targets


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_shell_block_is_idempotent_and_undo_is_exact(
    shell: str, big_project: Path, tmp_path: Path
) -> None:
    rc = tmp_path / f"rc-{shell}"
    original = b"# my startup file\nexport EDITOR=vim"  # no trailing newline on purpose
    rc.write_bytes(original)
    args = ["--target", "shell", "--shell", shell, "--rc-file", str(rc)]
    with MirrorSim(BIG) as good:
        first = goaccel("setup", *mirror_args(good), *run_args(big_project), *args)
        assert first.returncode == 0, first.stderr
        once = rc.read_bytes()
        assert once.count(b">>> goaccel >>>") == 1
        assert good.url.encode() in once
        second = goaccel("setup", *mirror_args(good), *run_args(big_project), *args)
        assert second.returncode == 0, second.stderr
    assert rc.read_bytes() == once, "re-running replaces the block, it does not add one"
    assert not go_env_file().exists(), "the shell target leaves the go env file alone"
    assert goaccel("undo", "--yes").returncode == 0
    assert rc.read_bytes() == original


def test_shell_block_sets_what_go_then_uses(big_project: Path, tmp_path: Path) -> None:
    rc = tmp_path / "bashrc"
    with MirrorSim(BIG) as good:
        proc = goaccel(
            "setup", *mirror_args(good), *run_args(big_project),
            "--target", "shell", "--shell", "bash", "--rc-file", str(rc),
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        import subprocess

        out = subprocess.run(
            ["bash", "-c", f'. "{rc}" && go env GOPROXY && go mod download && echo OK'],
            cwd=big_project,
            capture_output=True,
            text=True,
            check=False,
        )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [f"{good.url},direct", "OK"]


def test_shell_rerun_keeps_what_an_earlier_run_set(big_project: Path, tmp_path: Path) -> None:
    """A second setup without --private must not drop the first one's GOPRIVATE, and values
    already in effect (GOSUMDB here) are not copied into the block, where they would pin them."""
    rc = tmp_path / "zshrc"
    args = ["--target", "shell", "--shell", "zsh", "--rc-file", str(rc)]
    with MirrorSim(BIG) as a, MirrorSim(BIG) as b:
        first = goaccel(
            "setup", *mirror_args(a), *run_args(big_project), *args, "--private", "*.corp.example"
        )
        assert first.returncode == 0, first.stderr
        assert "export GOPRIVATE='*.corp.example'" in rc.read_text()
        second = goaccel("setup", *mirror_args(b), *run_args(big_project), *args)
        assert second.returncode == 0, second.stderr
    from goaccel.configure.shellrc import find_block, parse_block_values

    block = find_block(rc.read_text())
    assert block is not None
    assert parse_block_values("zsh", block) == {
        "GOPROXY": f"{b.url},direct",
        "GOPRIVATE": "*.corp.example",
    }
    assert goaccel("undo", "--yes").returncode == 0
    block = find_block(rc.read_text())
    assert block is not None
    assert parse_block_values("zsh", block) == {
        "GOPROXY": f"{a.url},direct",
        "GOPRIVATE": "*.corp.example",
    }


def test_print_target_prints_only_eval_lines(big_project: Path) -> None:
    with MirrorSim(BIG) as good:
        proc = goaccel(
            "setup",
            *mirror_args(good),
            *run_args(big_project),
            "--target",
            "print",
            "--shell",
            "fish",
        )
        _, doc = setup_json(*mirror_args(good), *run_args(big_project), "--target", "print")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        f"set -gx GOPROXY '{good.url},direct'",
        "set -gx GOSUMDB 'sum.golang.org'",
    ]
    assert "wins" in proc.stderr  # the report went to stderr
    assert not go_env_file().exists()
    # --json: the lines are in the document (for $SHELL, bash here), and nothing is written
    assert doc["write"]["lines"] == [
        f"export GOPROXY='{good.url},direct'",
        "export GOSUMDB='sum.golang.org'",
    ]
    assert (doc["write"]["shell"], doc["written"]) == ("bash", None)


def test_print_target_lines_are_never_wrapped(big_project: Path) -> None:
    patterns = [f"git.team{i:02d}.corp.example.com/group/subgroup" for i in range(8)]
    args = [a for p in patterns for a in ("--private", p)]
    with MirrorSim(BIG) as good:
        proc = goaccel(
            "setup", *mirror_args(good), *run_args(big_project),
            "--target", "print", "--shell", "bash", *args, env={"COLUMNS": "40"},
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1] == f"export GOPRIVATE='{','.join(patterns)}'"
    assert all(line.startswith("export ") for line in lines)


def test_github_env_target_appends(big_project: Path, tmp_path: Path) -> None:
    gh = tmp_path / "github_env"
    gh.write_text("FOO=bar")
    with MirrorSim(BIG) as good:
        proc = goaccel(
            "setup", *mirror_args(good), *run_args(big_project), "--target", "github-env",
            env={"GITHUB_ENV": str(gh)},
        )  # fmt: skip
        gh_json = tmp_path / "github_env_json"
        _, doc = setup_json(
            *mirror_args(good), *run_args(big_project), "--target", "github-env",
            env={"GITHUB_ENV": str(gh_json)},
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert gh.read_text() == f"FOO=bar\nGOPROXY={good.url},direct\nGOSUMDB=sum.golang.org\n"
    assert doc["written"] == {
        "target": "github-env",
        "files": [str(gh_json)],
        "journal_id": None,  # nothing to undo: the job's environment ends with it
        "warnings": [],
    }


def test_without_go_on_path_falls_back_to_the_shell_target(
    big_project: Path, tmp_path: Path
) -> None:
    import shutil
    import sys

    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "python").symlink_to(sys.executable)
    rc = Path(os.environ["HOME"]) / ".bashrc"
    with MirrorSim(BIG) as good:
        proc = goaccel(
            "setup", *mirror_args(good), *run_args(big_project),
            env={"PATH": f"{bindir}{os.pathsep}/usr/bin{os.pathsep}/bin", "SHELL": "/bin/bash"},
        )  # fmt: skip
    assert shutil.which("go", path=f"{bindir}{os.pathsep}/usr/bin{os.pathsep}/bin") is None
    assert proc.returncode == 0, proc.stderr
    assert "go is not on PATH" in proc.stderr
    assert f"export GOPROXY='{good.url},direct'" in rc.read_text()


# --------------------------------------------------------------------------- settings


def test_private_patterns_merge_and_gonoproxy_follows_when_explicit(big_project: Path) -> None:
    path = go_env_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("GOPRIVATE=git.corp.example.com\nGONOPROXY=git.corp.example.com\n")
    with MirrorSim(BIG) as good:
        proc, _doc = setup_json(
            *mirror_args(good), *run_args(big_project), "--private", "*.internal.example.org",
            "--private", "git.corp.example.com",
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    values = env_file_values()
    assert values["GOPRIVATE"] == "git.corp.example.com,*.internal.example.org"
    assert values["GONOPROXY"] == "git.corp.example.com,*.internal.example.org"
    assert "GONOSUMDB" not in values  # derived from GOPRIVATE by go, so left empty
    assert "GOSUMDB" not in values  # unchanged: sum.golang.org through the mirror


def test_gosumdb_falls_back_to_the_china_endpoint(big_project: Path, tmp_path: Path) -> None:
    no_sumdb = Profile(sumdb_supported=False)
    cn_db = MirrorSim([], Profile(sumdb_root=True))
    with MirrorSim(BIG, no_sumdb) as mirror, cn_db:
        catalog = tmp_path / "catalog.toml"
        catalog.write_text(
            "mirrors = []\n"
            f'[[sumdbs]]\nname = "sum.golang.org"\nurl = "{refused_url()}"\n'
            f'[[sumdbs]]\nname = "sum.golang.google.cn"\nurl = "{cn_db.url}"\n'
        )
        proc, doc = setup_json(
            *mirror_args(mirror), *run_args(big_project), env={"GOACCEL_CATALOG": str(catalog)}
        )
    assert proc.returncode == 0, proc.stderr
    assert env_file_values()["GOSUMDB"] == "sum.golang.google.cn"
    assert any("sum.golang.google.cn" in n for n in doc["notes"])


def test_gosumdb_kept_with_a_warning_when_nothing_verifies(big_project: Path) -> None:
    with MirrorSim(BIG, Profile(sumdb_supported=False)) as mirror:
        proc, doc = setup_json(*mirror_args(mirror), *run_args(big_project))
    assert proc.returncode == 0, proc.stderr
    assert "GOSUMDB" not in env_file_values()
    assert any("no checksum database was confirmed" in w for w in doc["warnings"])
    assert "no checksum database was confirmed" in proc.stderr


def test_gosumdb_off_is_never_written_nor_changed(big_project: Path) -> None:
    with MirrorSim(BIG) as mirror:
        proc, doc = setup_json(*mirror_args(mirror), *run_args(big_project), env={"GOSUMDB": "off"})
    assert proc.returncode == 0, proc.stderr
    assert "GOSUMDB" not in env_file_values()
    assert any("GOSUMDB=off" in w for w in doc["warnings"])


def test_warns_when_an_os_variable_overrides_the_go_env_file(big_project: Path) -> None:
    with MirrorSim(BIG) as mirror:
        proc = goaccel(
            "setup",
            *mirror_args(mirror),
            *run_args(big_project),
            env={"GOPROXY": "https://x.example"},
        )
    assert proc.returncode == 0, proc.stderr
    assert "GOPROXY is set in your environment" in proc.stderr


def test_credentials_are_masked_everywhere(big_project: Path) -> None:
    secret_url = "https://alice:s3cr3t@127.0.0.1:1"
    with MirrorSim(BIG) as good:
        proc, doc = setup_json(*mirror_args(good, secret_url), *run_args(big_project), "--dry-run")
        text = goaccel("setup", *mirror_args(good, secret_url), *run_args(big_project), "--dry-run")
    assert proc.returncode == 0, proc.stderr
    for out in (proc.stdout, proc.stderr, text.stdout, text.stderr):
        assert "s3cr3t" not in out
    assert "https://alice:***@127.0.0.1:1" in by_url(doc)


def test_json_is_the_only_thing_on_stdout(big_project: Path) -> None:
    with MirrorSim(BIG) as good:
        proc, doc = setup_json(*mirror_args(good), *run_args(big_project), "--dry-run")
    assert proc.returncode == 0
    assert doc["command"] == "setup" and doc["ok"] is True and doc["schema"] == 1
    assert doc["dry_run"] is True
    assert doc["workload"] == {
        "source": "project",
        "root": str(big_project),
        "modules": 6,
        "zip_modules": 6,
        "toolchain": None,  # go 1.21: the local go runs it
    }
    assert set(doc) >= {
        "mirrors",
        "chosen",
        "changes",
        "write",
        "written",
        "warnings",
        "explanation",
    }
    assert doc["changes"] == [
        {
            "key": "GOPROXY",
            "before": "https://proxy.golang.org,direct",
            "after": f"{good.url},direct",
            "source": "$GOROOT/go.env",
        }
    ]


def test_rc_file_alone_means_the_shell_target(big_project: Path, tmp_path: Path) -> None:
    rc = tmp_path / "custom.sh"
    with MirrorSim(BIG) as good:
        proc = goaccel(
            "setup",
            *mirror_args(good),
            *run_args(big_project),
            "--rc-file",
            str(rc),
            "--shell",
            "bash",
        )
    assert proc.returncode == 0, proc.stderr
    assert f"export GOPROXY='{good.url},direct'" in rc.read_text()
    assert not go_env_file().exists()


def test_undo_leaves_a_deleted_rc_file_deleted(big_project: Path, tmp_path: Path) -> None:
    rc = tmp_path / "bashrc"
    rc.write_text("# mine\n")
    with MirrorSim(BIG) as good:
        proc = goaccel(
            "setup",
            *mirror_args(good),
            *run_args(big_project),
            "--rc-file",
            str(rc),
            "--shell",
            "bash",
        )
    assert proc.returncode == 0, proc.stderr
    rc.unlink()
    undo = goaccel("undo", "--yes")
    assert undo.returncode == 0, undo.stderr
    assert "deleted since setup" in undo.stdout
    assert not rc.exists()


def test_verbose_explains_each_measurement(big_project: Path) -> None:
    with MirrorSim(BIG) as good:
        proc = goaccel(
            "-v", "setup", *mirror_args(good, refused_url()), *run_args(big_project), "--dry-run"
        )
    assert proc.returncode == 0, proc.stderr
    assert "workload: 6 modules (6 zips, 0 .mod only)" in proc.stderr
    assert "predicted = " in proc.stderr
    assert "error: refused: connection refused" in proc.stderr


def test_custom_sumdb_route_is_kept(big_project: Path) -> None:
    route = "sum.golang.org https://sumproxy.corp.example.com"
    go_env_file().parent.mkdir(parents=True)
    go_env_file().write_text(f"GOSUMDB={route}\n")
    with MirrorSim(BIG) as good:
        proc, doc = setup_json(*mirror_args(good), *run_args(big_project))
    assert proc.returncode == 0, proc.stderr
    assert env_file_values()["GOSUMDB"] == route
    assert any("your own checksum database or route" in n for n in doc["notes"])


def test_mirror_failing_the_sumdb_probe_gets_an_explicit_sumdb_url(
    big_project: Path, tmp_path: Path
) -> None:
    """go stops at a 5xx from the last mirror's /sumdb/.../supported (it never goes direct
    then), so goaccel names sum.golang.org's URL when the database answers directly."""
    sumdb = MirrorSim([], Profile(sumdb_root=True))
    with MirrorSim(BIG, Profile(status=500, apply_to="sumdb")) as mirror, sumdb:
        catalog = tmp_path / "catalog.toml"
        catalog.write_text(
            f'mirrors = []\n[[sumdbs]]\nname = "sum.golang.org"\nurl = "{sumdb.url}"\n'
        )
        proc, doc = setup_json(
            *mirror_args(mirror), *run_args(big_project), env={"GOACCEL_CATALOG": str(catalog)}
        )
    assert proc.returncode == 0, proc.stderr
    assert by_url(doc)[mirror.url]["sumdb_status"] == 500
    assert env_file_values()["GOSUMDB"] == "sum.golang.org https://sum.golang.org"


def test_a_file_edited_during_the_run_is_not_overwritten(big_project: Path, tmp_path: Path) -> None:
    """The rc file changes while goaccel waits at the prompt: nothing may be lost. (A real
    prompt needs a terminal; the same window is opened here by running the steps in-process
    and editing the file between deciding and committing.)"""
    rc = tmp_path / "bashrc"
    rc.write_text("# mine\n")
    with MirrorSim(BIG) as good:
        from goaccel.configure import apply, setup_flow
        from goaccel.configure.journal import Journal
        from goaccel.errors import WriteError

        opts = setup_flow.SetupOptions(
            mirrors=[good.url], builtin=False, project=big_project, budget=2.0,
            target="shell", shell="bash", rc_file=rc, yes=True,
        )  # fmt: skip
        started = setup_flow.start(opts, big_project)
        decided = setup_flow.decide(started, setup_flow.run_measure(started))
    rc.write_text("# mine\nexport PATH=$PATH:/opt/tool\n")
    with pytest.raises(WriteError, match="changed while goaccel was running"):
        apply.commit(decided.prepared, started.goenv, Journal())
    assert rc.read_text() == "# mine\nexport PATH=$PATH:/opt/tool\n"
    assert not (state_dir() / "journal.json").exists()


def test_rc_diff_shows_no_user_lines_and_no_escapes(big_project: Path, tmp_path: Path) -> None:
    rc = tmp_path / "bashrc"
    rc.write_text("export GITHUB_TOKEN=ghp_supersecret\n# \x1b]0;pwned\x07 \x1b[31mred\n")
    with MirrorSim(BIG) as good:
        for json_flag in ([], ["--json"]):
            proc = goaccel(
                "setup", *mirror_args(good), *run_args(big_project), "--dry-run",
                "--rc-file", str(rc), "--shell", "bash", *json_flag,
            )  # fmt: skip
            assert proc.returncode == 0, proc.stderr
            assert "ghp_supersecret" not in proc.stdout
            assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
            assert "export GOPROXY=" in proc.stdout


def test_undo_keeps_a_key_the_user_set_by_hand_since(big_project: Path) -> None:
    go_env_file().parent.mkdir(parents=True)
    go_env_file().write_text("GOPROXY=https://old.example.com\n")
    with MirrorSim(BIG) as good:
        assert goaccel("setup", *mirror_args(good), *run_args(big_project)).returncode == 0
    assert go("env", "-w", "GOPROXY=https://mine.example.com,direct").returncode == 0
    undo, undone = run_json("undo", "--yes", schema="undo")
    assert undo.returncode == 0, undo.stderr
    assert undone["files"][0]["kept"] == ["GOPROXY"]
    assert env_file_values() == {"GOPROXY": "https://mine.example.com,direct"}


def test_private_module_paths_are_never_sent_to_mirrors(tmp_path: Path) -> None:
    from mirrorsim import make_module

    corp = make_module("git.corp.example.com/team/secret", "v1.0.0", size=2000)
    root = write_project(tmp_path / "p", [*BIG, corp])
    with MirrorSim([*BIG, corp]) as mirror:
        proc, doc = setup_json(
            *mirror_args(mirror),
            *run_args(root),
            "--dry-run",
            env={"GOPRIVATE": "git.corp.example.com"},
        )
        paths = [r.path for r in mirror.requests]
    assert proc.returncode == 0, proc.stderr
    assert paths and not any("corp.example.com" in p for p in paths)
    assert doc["workload"]["modules"] == len(BIG) + 1  # the project's, as found
    assert by_url(doc)[mirror.url]["modules_checked"] == len(BIG)  # the mirror's share


def test_unusable_proxy_variable_is_a_clear_error(big_project: Path) -> None:
    with MirrorSim(BIG) as good:
        proc = goaccel(
            "setup",
            *mirror_args(good),
            *run_args(big_project),
            env={"HTTPS_PROXY": "http://proxy.corp:notaport"},
        )
    assert proc.returncode == 4, proc.stderr
    assert "cannot use the proxy settings" in proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr


def test_undo_keeps_a_block_the_user_removed_by_hand(big_project: Path, tmp_path: Path) -> None:
    """Removing goaccel's block by hand is the user's newer decision, as a go env key set by
    hand is: undo must not put the block from before setup back."""
    from goaccel.configure.shellrc import apply_block, remove_block, render_block

    rc = tmp_path / "bashrc"
    older = render_block("bash", {"GOPROXY": "https://older.example,direct"})
    rc.write_text(apply_block("# mine\n", older))
    with MirrorSim(BIG) as good:
        proc = goaccel(
            "setup", *mirror_args(good), *run_args(big_project),
            "--rc-file", str(rc), "--shell", "bash", "--yes",
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert good.url in rc.read_text()
    by_hand = remove_block(rc.read_text()) + "alias gs='git status'\n"
    rc.write_text(by_hand)
    undo, doc = run_json("undo", "--yes", schema="undo")
    assert undo.returncode == 0, undo.stderr
    assert [f["action"] for f in doc["files"]] == ["block-removed"]
    assert rc.read_text() == by_hand  # not a byte changed, no older block put back
