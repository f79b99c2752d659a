"""Bad input and faults: one clear line on stderr, the documented exit code, nothing written,
no traceback. Each test checks all four."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import go_env_file, goaccel, mirror_args, run_args, run_json, state_dir
from mirrorsim import MirrorSim, Profile, make_universe

from goaccel.errors import InputError
from goaccel.urls import parse_mirror_url

MODS = make_universe(3, sizes=3000)  # the project fixture's modules (conftest.py)


def assert_clean_failure(proc: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stderr.startswith("error:") or "Error" in proc.stderr, proc.stderr
    for needle in needles:
        assert needle in proc.stderr, (needle, proc.stderr)


def assert_nothing_written() -> None:
    assert not go_env_file().exists()
    assert not (state_dir() / "journal.json").exists()


_ONE_PER_OPTION = "give one mirror per --mirror option; goaccel builds the GOPROXY list"


@pytest.mark.parametrize(
    ("url", "message", "hint"),
    [
        (
            "notaurl",
            "invalid mirror URL 'notaurl': missing scheme",
            "write it as https://HOST/PATH",
        ),
        (
            "ftp://mirror.example.com/go",
            "unsupported mirror URL 'ftp://mirror.example.com/go': "
            "scheme must be http or https, not 'ftp'",
            None,
        ),
        (
            "file:///srv/goproxy",
            "unsupported mirror URL 'file:///srv/goproxy': "
            "scheme must be http or https, not 'file'",
            None,
        ),
        (
            "https://a.example.com,https://b.example.com",
            "invalid mirror URL 'https://a.example.com,https://b.example.com': "
            "it contains ',' or '|'",
            _ONE_PER_OPTION,
        ),
        (
            "https://a.example.com|direct",
            "invalid mirror URL 'https://a.example.com|direct': it contains ',' or '|'",
            _ONE_PER_OPTION,
        ),
        (
            "https://mirror.example.com/go?x=1",
            "invalid mirror URL 'https://mirror.example.com/go?x=1': "
            "a GOPROXY URL cannot have a query or fragment",
            None,
        ),
        (
            "https://exa mple.com",
            "invalid mirror URL 'https://exa mple.com': "
            "it contains spaces or characters a URL cannot have",
            None,
        ),
        (
            "direct",
            "'direct' is a GOPROXY keyword, not a mirror URL",
            "goaccel adds ',direct' at the end of GOPROXY itself",
        ),
        (  # the password is masked in the message
            "http://user:pw@127.0.0.1:9/",
            "refusing credentials in an insecure URL 'http://user:***@127.0.0.1:9/'",
            "go refuses to send credentials over http; use https or a netrc file (GOAUTH)",
        ),
        (
            "https://127.0.0.1:99999",
            "invalid mirror URL 'https://127.0.0.1:99999': Port out of range 0-65535",
            None,
        ),
        ("", "empty mirror URL", None),
    ],
)
def test_invalid_mirror_urls(url: str, message: str, hint: str | None) -> None:
    """The error each bad --mirror gets: setup passes every --mirror to parse_mirror_url, and
    the boundary prints the InputError as `error: MESSAGE`, `hint: HINT`, exit code 2 (the
    wiring test below checks that for one of them; tests/test_urls.py has more rejections)."""
    with pytest.raises(InputError) as info:
        parse_mirror_url(url)
    assert (info.value.exit_code, info.value.message, info.value.hint) == (2, message, hint)


def test_an_invalid_mirror_url_is_one_error_line_and_a_hint(project: Path) -> None:
    url = "http://user:pw@127.0.0.1:9/"
    proc = goaccel("setup", "--no-builtin", "--mirror", url, *run_args(project))
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    # The one error line and its hint are all of stderr: nothing measured, nothing printed.
    assert proc.stderr == (
        "error: refusing credentials in an insecure URL 'http://user:***@127.0.0.1:9/'\n"
        "hint: go refuses to send credentials over http; use https or a netrc file (GOAUTH)\n"
    )
    assert proc.stdout == ""
    assert_nothing_written()


def test_invalid_url_with_json_gives_a_json_error(project: Path) -> None:
    proc, doc = run_json(
        "setup", "--no-builtin", "--mirror", "ftp://x.example", *run_args(project), schema="setup"
    )
    assert proc.returncode == 2
    assert doc["ok"] is False
    assert doc["error"] == {
        "message": "unsupported mirror URL 'ftp://x.example': scheme must be http or https, "
        "not 'ftp'",
        "hint": None,
        "exit_code": 2,
    }
    assert proc.stderr.splitlines()[0] == f"error: {doc['error']['message']}"


def test_http_credentials_never_echoed(project: Path) -> None:
    proc = goaccel(
        "setup", "--no-builtin", "--mirror", "http://bob:hunter2@127.0.0.1:9", *run_args(project)
    )
    assert_clean_failure(proc, 2, "bob:***@127.0.0.1:9")
    assert "hunter2" not in proc.stderr + proc.stdout


def test_malformed_go_env_file(project: Path) -> None:
    path = go_env_file()
    path.parent.mkdir(parents=True)
    original = b"GOFLAGS=-mod=mod\nGOPROXY https://goproxy.cn\n"
    path.write_bytes(original)
    with MirrorSim(MODS) as good:
        proc = goaccel("setup", *mirror_args(good), *run_args(project))
    assert_clean_failure(proc, 4, "line 2", "is not KEY=VALUE")
    assert path.read_bytes() == original
    assert not (state_dir() / "journal.json").exists()


def test_go_env_file_that_is_a_directory(project: Path) -> None:
    go_env_file().mkdir(parents=True)
    with MirrorSim(MODS) as good:
        proc = goaccel("setup", *mirror_args(good), *run_args(project))
    assert_clean_failure(proc, 4, "go env")


def test_malformed_config_toml(project: Path) -> None:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "goaccel" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[mirrors\ncorp = 'https://x'\n")
    with MirrorSim(MODS) as good:
        proc = goaccel("setup", *mirror_args(good), *run_args(project))
    assert_clean_failure(proc, 4, "malformed config file", str(config))
    assert_nothing_written()


def test_bad_mirror_in_config_toml_names_the_entry(project: Path) -> None:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "goaccel" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[mirrors]\ncorp = 'ftp://corp.example.com'\n")
    proc = goaccel("setup", "--no-builtin", *run_args(project))
    assert_clean_failure(proc, 4, "mirrors.corp", "scheme must be http or https")


def test_symlinked_rc_file_is_refused(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "dotfiles-bashrc"
    target.write_text("# dotfiles\n")
    link = tmp_path / "bashrc"
    link.symlink_to(target)
    with MirrorSim(MODS) as good:
        proc = goaccel(
            "setup", *mirror_args(good), *run_args(project),
            "--target", "shell", "--shell", "bash", "--rc-file", str(link),
        )  # fmt: skip
    assert_clean_failure(proc, 5, "symbolic link", f"--rc-file {target}")
    assert link.is_symlink()
    assert target.read_text() == "# dotfiles\n"
    assert not (state_dir() / "journal.json").exists()


@pytest.mark.skipif(
    os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root writes anything"
)
def test_unwritable_rc_file(project: Path, tmp_path: Path) -> None:
    rc = tmp_path / "bashrc"
    rc.write_text("# mine\n")
    rc.chmod(0o444)
    with MirrorSim(MODS) as good:
        proc = goaccel(
            "setup", *mirror_args(good), *run_args(project),
            "--target", "shell", "--shell", "bash", "--rc-file", str(rc),
        )  # fmt: skip
    assert_clean_failure(proc, 5, "permission denied")
    assert rc.read_text() == "# mine\n"


def test_rc_file_that_is_a_directory(project: Path, tmp_path: Path) -> None:
    rc = tmp_path / "rcdir"
    rc.mkdir()
    with MirrorSim(MODS) as good:
        proc = goaccel(
            "setup", *mirror_args(good), *run_args(project),
            "--target", "shell", "--shell", "bash", "--rc-file", str(rc),
        )  # fmt: skip
    # --rc-file takes a file (dir_okay=False): the command-line parser refuses a directory
    assert proc.returncode == 2, proc.stderr
    # click 8.1 writes "File '...'", later releases "file '...'"
    expected = f"Invalid value for '--rc-file': file '{rc}' is a directory."
    assert expected.lower() in proc.stderr.lower(), proc.stderr
    assert "Traceback" not in proc.stderr
    assert_nothing_written()


def test_two_setups_at_once_are_refused(project: Path) -> None:
    """Hold the lock from another process, as a concurrent `goaccel setup` would."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import sys, time
                from goaccel import paths
                from goaccel.fsutil import exclusive_lock
                with exclusive_lock(paths.lock_file()):
                    print("locked", flush=True)
                    time.sleep(30)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        with MirrorSim(MODS) as good:
            proc = goaccel("setup", *mirror_args(good), *run_args(project))
            assert_clean_failure(
                proc, 6, "another goaccel setup or undo is running", f"pid {holder.pid}"
            )
            assert not go_env_file().exists()
            # A dry run takes no lock: looking is always allowed.
            assert (
                goaccel("setup", *mirror_args(good), *run_args(project), "--dry-run").returncode
                == 0
            )
            assert goaccel("undo", "--yes").returncode == 6
    finally:
        holder.kill()
        holder.wait()
    with MirrorSim(MODS) as good:
        assert goaccel("setup", *mirror_args(good), *run_args(project)).returncode == 0


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["--target", "nowhere"], 2, "unknown target 'nowhere'"),
        (["--target", "shell", "--shell", "tcsh"], 2, "tcsh"),
        (["--private", "git.corp.example.com/my team"], 2, "contains a space"),
        (["--private", "https://git.corp.example.com"], 2, "is a URL"),
        (["--target", "github-env"], 2, "GITHUB_ENV"),
        (["--timeout", "0"], 2, "0.5"),
        (["--target", "go-env", "--rc-file", "/tmp/x"], 2, "--rc-file applies to --target shell"),
        (["--target", "github-env", "--shell", "zsh"], 2, "--shell applies to"),
    ],
)
def test_bad_options(args: list[str], code: int, needle: str, project: Path) -> None:
    with MirrorSim(MODS) as good:
        proc = goaccel("setup", *mirror_args(good), "--project", str(project), "--yes", *args)
    assert proc.returncode == code, proc.stderr
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr
    assert_nothing_written()


def test_missing_github_env_fails_before_measuring(project: Path) -> None:
    with MirrorSim(MODS, Profile(stall=True)) as stalled:
        proc = goaccel("setup", *mirror_args(stalled), *run_args(project), "--target", "github-env")
    assert_clean_failure(proc, 2, "GITHUB_ENV")
    # a missing $GITHUB_ENV is knowable at once: the mirror was never asked anything
    assert stalled.requests == []


def test_project_without_go_mod(tmp_path: Path) -> None:
    proc = goaccel(
        "setup", "--no-builtin", "--mirror", "http://127.0.0.1:9", "--project", str(tmp_path)
    )
    assert_clean_failure(proc, 2, "no go.mod in")


def test_no_mirrors_at_all(project: Path) -> None:
    proc = goaccel("setup", "--no-builtin", *run_args(project))
    assert_clean_failure(proc, 2, "no mirrors to measure")


def test_damaged_journal(project: Path) -> None:
    journal = state_dir() / "journal.json"
    journal.parent.mkdir(parents=True)
    journal.write_text("{not json")
    proc = goaccel("undo", "--yes")
    assert_clean_failure(proc, 4, "journal", "damaged")
    assert journal.read_text() == "{not json"


def test_internal_errors_are_one_line_and_verbose_shows_the_traceback(tmp_path: Path) -> None:
    """An unexpected exception (here: an impossible catalog entry) is not dumped on users."""
    catalog = tmp_path / "catalog.toml"
    catalog.write_text("[[mirrors]]\nname = 'x'\nurl = 'https://x.example'\n[[sumdbs]]\n")
    proc = goaccel("mirrors", "list", env={"GOACCEL_CATALOG": str(catalog)})
    assert proc.returncode == 4
    assert "Traceback" not in proc.stderr
    assert "malformed catalog" in proc.stderr


def test_usage_errors_exit_2() -> None:
    proc = goaccel("setup", "--no-such-flag")
    assert proc.returncode == 2
    assert "No such option" in proc.stderr or "no such option" in proc.stderr.lower()


def test_bad_ssl_cert_file_is_a_config_error(project: Path) -> None:
    with MirrorSim(MODS) as good:
        proc = goaccel(
            "setup",
            *mirror_args(good),
            *run_args(project),
            env={"SSL_CERT_FILE": "/nonexistent.pem"},
        )
    assert_clean_failure(proc, 4, "SSL_CERT_FILE=/nonexistent.pem")
    assert_nothing_written()


def test_the_same_mirror_spelled_twice_is_measured_once(project: Path) -> None:
    with MirrorSim(MODS) as good:
        port = good.url.rsplit(":", 1)[1]
        proc, doc = run_json(
            "setup", "--dry-run", *run_args(project), "--no-builtin",
            "--mirror", good.url, "--mirror", f"http://LOCALHOST.:{port}/", "--mirror", f"http://127.0.0.1:{port}/",
            schema="setup",
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    urls = [m["url"] for m in doc["mirrors"]]
    assert sorted(urls) == sorted([good.url, f"http://localhost:{port}"])


def test_an_internal_error_has_its_own_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    """A bug is exit 70 (EX_SOFTWARE), never 1, which means "doctor found a problem"; one
    line and a hint, the JSON error document, no traceback without -v."""
    import json

    from helpers import validate

    from goaccel.cli import console
    from goaccel.cli.main import _call
    from goaccel.errors import ExitCode

    def buggy(**_: object) -> int:
        return {}["missing"]  # type: ignore[no-any-return]

    console.configure(json_mode=True, verbose=False)
    code = _call("doctor", buggy, (), {"json": True, "verbose": False})
    out, err = capsys.readouterr()
    assert code == ExitCode.INTERNAL == 70
    doc = json.loads(out)
    validate(doc, "doctor")
    assert doc["error"] == {"message": "internal error: KeyError: 'missing'", "exit_code": 70}
    assert err.startswith("error: internal error: KeyError: 'missing'\n")
    assert "Traceback" not in err
