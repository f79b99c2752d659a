"""install.sh, run for real with `sh` in the isolated HOME: no mocks.

One test installs goaccel from this checkout, upgrades it, survives failed upgrades, and
uninstalls; two run README.md's install commands, read from README.md itself, in a copy of
this checkout (they need the package index, or pip's cache, for goaccel's dependencies). The
others install a tiny offline wheel named goaccel, or stop before installing anything.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest
from helpers import REPO

from goaccel import __version__

INSTALL = REPO / "install.sh"
README = REPO / "README.md"
SH = shutil.which("sh") or "/bin/sh"


def _passed_through() -> dict[str, str]:
    """Read at import, before conftest empties the environment: what pip needs to reach its
    index from here (a mirror, a proxy, certificates), and the real pip cache, so that
    installs in a temporary HOME do not download everything again."""
    keep = {
        "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
        "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE",
    }  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k.startswith("PIP_") or k in keep}
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    env.setdefault("PIP_CACHE_DIR", str(Path(cache_home) / "pip"))
    return env


PASSED_THROUGH = _passed_through()
# Tests that install goaccel and its dependencies for real: pip builds and installs, slow on a
# busy machine even from pip's cache.
REAL_INSTALL = pytest.mark.timeout(400)


def install_env(
    env: Mapping[str, str | None] | None = None, path: str | None = None
) -> dict[str, str]:
    """The test's environment, what pip needs, and the venv method (tests never use uv or
    pipx); env values of None are removed."""
    full = {**os.environ, **PASSED_THROUGH, "GOACCEL_INSTALL_METHOD": "venv"}
    for k, v in (env or {}).items():
        if v is None:
            full.pop(k, None)
        else:
            full[k] = v
    if path is not None:
        full["PATH"] = path
    return full


def run_install(
    *args: str,
    env: Mapping[str, str | None] | None = None,
    path: str | None = None,
    stdin: str | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """`sh install.sh ARGS`, or `sh -s -- ARGS` reading the script from stdin (curl | sh)."""
    cmd = [SH, "-s", "--", *args] if stdin is not None else [SH, str(INSTALL), *args]
    return subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        env=install_env(env, path),
        cwd=cwd,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )


def assert_one_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit status 1 and exactly one `install.sh: error: ...` line, the last one."""
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("install.sh: error: ")]
    assert len(errors) == 1, proc.stderr
    assert lines[-1] == errors[0], proc.stderr
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


def home() -> Path:
    return Path(os.environ["HOME"])


def data_dir() -> Path:
    return Path(os.environ["XDG_DATA_HOME"]) / "goaccel"


def bin_link() -> Path:
    return home() / ".local" / "bin" / "goaccel"


def venv_dirs() -> list[str]:
    return sorted(p.name for p in data_dir().glob("venv-*"))


def run_goaccel(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_link()), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


def make_wheel(directory: Path, version: str = "9.9.9", *, works: bool = True) -> Path:
    """A pure-Python wheel named goaccel whose `goaccel` prints `goaccel VERSION` (or, when
    not `works`, fails on every call). Installs offline: it has no dependencies."""
    dist_info = f"goaccel-{version}.dist-info"
    body = f'print("goaccel {version}")' if works else 'sys.exit("goaccel: broken build")'
    files = {
        "goaccel_fake.py": f"import sys\n\n\ndef main():\n    {body}\n",
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: goaccel\nVersion: {version}\n",
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: goaccel-tests\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n"
        ),
        f"{dist_info}/entry_points.txt": "[console_scripts]\ngoaccel = goaccel_fake:main\n",
    }
    record = []
    for name, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = "\n".join(record) + "\n"
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / f"goaccel-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return wheel


# ---------------------------------------------------------------------------- the real thing


@REAL_INSTALL
def test_install_upgrade_failed_upgrades_and_uninstall_from_checkout(tmp_path: Path) -> None:
    # Install from this checkout; ~/.local/bin is not on PATH and the shell is bash.
    proc = run_install("--from", str(REPO))
    assert proc.returncode == 0, proc.stderr
    assert f"goaccel {__version__} is installed" in proc.stdout
    assert "goaccel setup" in proc.stdout
    assert "--uninstall" in proc.stdout
    assert "is not on your PATH" in proc.stderr
    assert "~/.bashrc" in proc.stderr
    assert 'export PATH="$HOME/.local/bin:$PATH"' in proc.stderr
    assert bin_link().is_symlink()
    venv = data_dir() / "venv"
    assert venv.is_symlink()
    first = os.readlink(venv)
    assert venv_dirs() == [first]
    version = run_goaccel("--version")
    assert version.returncode == 0
    assert version.stdout.strip() == f"goaccel {__version__}"
    # --version takes a fast path; --help imports typer and rich: the dependencies are there.
    assert run_goaccel("completion", "--help").returncode == 0

    # Re-running upgrades in place, quietly; in GitHub Actions the bin dir goes to GITHUB_PATH.
    github_path = tmp_path / "github_path"
    github_path.write_text("/already/there\n")
    proc = run_install("--from", str(REPO), "--quiet", env={"GITHUB_PATH": str(github_path)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert github_path.read_text().splitlines() == ["/already/there", str(bin_link().parent)]
    second = os.readlink(venv)
    assert second != first
    assert venv_dirs() == [second]  # the old environment is gone after the switch
    assert run_goaccel("--version").stdout.strip() == f"goaccel {__version__}"

    # A failed upgrade (pip installs it, but the new goaccel does not run) switches nothing.
    broken = make_wheel(tmp_path / "wheels", works=False)
    proc = run_install("--from", str(broken))
    assert_one_error(proc, "does not run", "previous install is unchanged")
    assert "goaccel: broken build" in proc.stderr  # the end of the log is shown
    assert os.readlink(venv) == second
    assert venv_dirs() == [second]
    assert run_goaccel("--version").stdout.strip() == f"goaccel {__version__}"

    # --from a directory that is not a Python project: stopped before anything is touched.
    not_a_project = tmp_path / "not-a-project"
    not_a_project.mkdir()
    proc = run_install("--from", str(not_a_project))
    assert_one_error(proc, "not a Python project")
    assert os.readlink(venv) == second
    assert run_goaccel("--version").returncode == 0

    # With setups not undone, uninstall refuses (goaccel undo would be gone) unless --yes.
    record = (
        "from goaccel.configure.journal import Entry, Journal; "
        "Journal().push(Entry(id='t', time=0.0, target='go-env', files=[], settings={}))"
    )
    subprocess.run([str(venv / "bin" / "python"), "-c", record], check=True, timeout=60)
    proc = run_install("--uninstall")
    assert_one_error(proc, "goaccel undo", "--yes")
    assert bin_link().is_symlink()

    proc = run_install("--uninstall", "--yes")
    assert proc.returncode == 0, proc.stderr
    assert not bin_link().exists()
    assert not bin_link().is_symlink()
    assert not data_dir().exists()
    assert "Kept ~/.local/state/goaccel" in proc.stderr

    proc = run_install("--uninstall")
    assert proc.returncode == 0, proc.stderr
    assert "Nothing to uninstall" in proc.stderr


# ---------------------------------------------------------------------------- README's commands


def readme_block(kind: str) -> list[str]:
    """The lines of README.md's ```sh install=KIND``` block, as a reader copies them."""
    lines = README.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        fence = re.match(r"```sh\s+(.*)$", line)
        if fence and f"install={kind}" in shlex.split(fence.group(1)):
            end = lines.index("```", i + 1)
            return [text for text in lines[i + 1 : end] if text.strip()]
    raise AssertionError(f"README.md has no ```sh install={kind}``` block")


def snapshot(dest: Path) -> Path:
    """A git repository holding this checkout as it is now, committed or not, without what
    git ignores (virtual environments, caches): what a reader's `git clone` gets."""
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    listed = subprocess.run(
        [git, "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=False,
    )
    if listed.returncode == 0:
        for name in listed.stdout.decode().split("\0"):
            source = REPO / name
            if name and not name.startswith(".venv") and source.is_file():
                (dest / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, dest / name)
    else:  # not a git checkout (an unpacked sdist)
        ignore = shutil.ignore_patterns(".git", ".venv*", "__pycache__", "*.pyc", ".*_cache")
        shutil.copytree(REPO, dest, ignore=ignore)
    quiet = ["-c", "user.name=goaccel tests", "-c", "user.email=tests@invalid"]
    quiet += ["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "snapshot"]):
        subprocess.run([git, *quiet, *args], cwd=dest, check=True, capture_output=True)
    return dest


def run_lines(lines: list[str], cwd: Path, env: Mapping[str, str]) -> str:
    """Run README lines in one `sh -e`, as a reader pasting them would; returns the output."""
    proc = subprocess.run(
        [SH, "-ec", "\n".join(lines)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, (lines, proc.stdout, proc.stderr)
    return proc.stdout + proc.stderr


def assert_runs(goaccel: Path) -> None:
    """--version takes a fast path; --help imports typer and rich: the dependencies are there."""
    for args, expected in ((["--version"], f"goaccel {__version__}\n"), (["--help"], "setup")):
        proc = subprocess.run(
            [str(goaccel), *args], capture_output=True, text=True, timeout=60, check=False
        )
        assert proc.returncode == 0, (goaccel, args, proc.stderr)
        assert expected in proc.stdout, (args, proc.stdout)


@REAL_INSTALL
def test_readme_install_from_a_clone(tmp_path: Path) -> None:
    """README's first commands, exactly as written, in a fresh clone and a fresh HOME; then
    the command its last line runs is there, and keeps working without the clone."""
    *install, first_run = readme_block("clone")
    assert install == ["sh install.sh"], install
    command = shlex.split(first_run, comments=True)
    assert command[1:] == ["setup"], first_run
    origin = snapshot(tmp_path / "origin")
    clone = home() / "goaccel"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True, timeout=120)

    output = run_lines(install, clone, install_env())
    assert "installing goaccel from it" in output  # from the clone, and it says so
    assert "package index" in output
    assert f"goaccel {__version__} is installed" in output
    assert f"\n    {first_run.split()[0]} setup\n" in output  # the summary says the same
    goaccel = Path(os.path.expanduser(command[0]))
    assert goaccel == bin_link()
    assert_runs(goaccel)

    shutil.rmtree(clone)
    assert_runs(goaccel)


@REAL_INSTALL
def test_readme_pip_install_in_a_clone(tmp_path: Path) -> None:
    """README's `pip install .`, in a copy of this checkout, with a fresh virtual environment
    first on PATH (where the README says to run it)."""
    lines = readme_block("pip")
    assert any(shlex.split(line, comments=True)[:2] == ["pip", "install"] for line in lines)
    clone = snapshot(tmp_path / "clone")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    path = f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"
    env = install_env({"VIRTUAL_ENV": str(venv), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}, path)
    run_lines(lines, clone, env)
    assert_runs(venv / "bin" / "goaccel")


# ---------------------------------------------------------------------------- offline installs


def make_index(root: Path, wheel: Path) -> str:
    """A package index (PEP 503, on disk) that serves WHEEL as goaccel; its file:// URL."""
    project = root / "goaccel"
    project.mkdir(parents=True)
    shutil.copy2(wheel, project / wheel.name)
    (project / "index.html").write_text(f'<a href="{wheel.name}">{wheel.name}</a>\n')
    return root.as_uri()


def test_checkout_default_and_the_index_routes(tmp_path: Path) -> None:
    """From a checkout, --index or --version take the index; piped into sh, the script has no
    checkout, even when run inside one."""
    url = make_index(tmp_path / "index", make_wheel(tmp_path / "wheels"))

    proc = run_install("--index", env={"GOACCEL_INDEX_URL": url})
    assert proc.returncode == 0, proc.stderr
    assert "goaccel 9.9.9 is installed" in proc.stdout
    assert "goaccel checkout" not in proc.stderr
    assert "Installing the newest goaccel" in proc.stderr

    proc = run_install("--version", "9.9.9", "--index-url", url)
    assert proc.returncode == 0, proc.stderr
    assert "goaccel 9.9.9 is installed" in proc.stdout
    assert "Installing goaccel 9.9.9" in proc.stderr

    proc = run_install(stdin=INSTALL.read_text(), cwd=REPO, env={"GOACCEL_INDEX_URL": url})
    assert proc.returncode == 0, proc.stderr
    assert "goaccel 9.9.9 is installed" in proc.stdout
    assert "goaccel checkout" not in proc.stderr

    assert run_install("--uninstall").returncode == 0


def test_path_advice_per_shell_bin_dir_and_foreign_command(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "wheels")
    bin_dir = tmp_path / "my bin"  # a space: every variable is quoted
    bin_dir.mkdir()
    (bin_dir / "goaccel").write_text("#!/bin/sh\necho not ours\n")

    # Someone else's goaccel in the bin dir: not replaced without --yes (no terminal here).
    proc = run_install("--from", str(wheel), "--bin-dir", str(bin_dir))
    assert_one_error(proc, "--yes")
    assert (bin_dir / "goaccel").read_text() == "#!/bin/sh\necho not ours\n"
    assert not (data_dir() / "venv").exists()

    proc = run_install(
        "--from", str(wheel), "--bin-dir", str(bin_dir), "--yes", env={"SHELL": "/usr/bin/fish"}
    )
    assert proc.returncode == 0, proc.stderr
    assert "goaccel 9.9.9 is installed" in proc.stdout
    assert f"fish_add_path {bin_dir}" in proc.stderr
    assert "export PATH" not in proc.stderr
    link = bin_dir / "goaccel"
    assert link.is_symlink()
    ok = subprocess.run([str(link), "--version"], capture_output=True, text=True, check=True)
    assert ok.stdout.strip() == "goaccel 9.9.9"

    # An upgrade finds the recorded bin dir; with it on PATH there is no advice at all.
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    proc = run_install("--from", str(wheel), env={"SHELL": "/bin/zsh"}, path=path)
    assert proc.returncode == 0, proc.stderr
    assert "PATH" not in proc.stderr
    assert "warning" not in proc.stderr
    assert "\n    goaccel setup\n" in proc.stdout
    assert link.is_symlink()

    proc = run_install("--uninstall")
    assert proc.returncode == 0, proc.stderr
    assert not link.exists()
    assert not link.is_symlink()


# ---------------------------------------------------------------------------- refusals, fast


def test_refuses_sudo_with_another_users_home(tmp_path: Path) -> None:
    if os.getuid() == 0:
        other = tmp_path / "someone"
        other.mkdir()
        os.chown(other, 65534, 65534)  # nobody's
    else:
        other = Path("/")  # root's, not ours
    proc = run_install(env={"HOME": str(other), "SUDO_USER": "someone"})
    assert_one_error(proc, "sudo", "someone", "without sudo")
    if os.getuid() == 0:
        assert list(other.iterdir()) == []


def _system_tools(tmp_path: Path) -> Path:
    """A bin dir with the tools install.sh uses, and no Python."""
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in (
        "id", "ls", "sed", "tr", "grep", "uname", "head", "tail", "cat", "mkdir", "rm",
        "rmdir", "ln", "mv", "date", "readlink", "dirname", "basename",
    ):  # fmt: skip
        found = shutil.which(name)
        if found:
            (tools / name).symlink_to(found)
    return tools


def _fake_python(directory: Path, name: str, script: str) -> None:
    directory.mkdir(exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)


def test_python_too_old(tmp_path: Path) -> None:
    fake = tmp_path / "fake"
    _fake_python(fake, "python3", 'echo "Python 3.6.9"\n')
    proc = run_install(path=f"{fake}{os.pathsep}{_system_tools(tmp_path)}")
    assert_one_error(proc, "Python 3.9 or newer", "3.6", "install")
    assert not data_dir().exists()


def test_python_missing(tmp_path: Path) -> None:
    proc = run_install(path=str(_system_tools(tmp_path)))
    assert_one_error(proc, "python3 not found", "3.9")
    assert not data_dir().exists()


def test_python_without_venv(tmp_path: Path) -> None:
    fake = tmp_path / "fake"
    _fake_python(fake, "python3", 'case "$*" in *ensurepip*) exit 1 ;; esac\necho 3.11.4\n')
    proc = run_install(path=f"{fake}{os.pathsep}{_system_tools(tmp_path)}")
    assert_one_error(proc, "cannot create virtual environments")
    assert not data_dir().exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--bogus"], "unknown argument: --bogus"),
        (["--version"], "--version needs a value"),
        (["--method", "conda"], "unknown --method"),
        (["--from", "/nonexistent/goaccel"], "no such file"),
        (["--from", str(REPO), "--version", "1.0"], "do not go together"),
        (["--from", str(REPO), "--index"], "do not go together"),
        (["--index-url", "pypi.example"], "not an index URL"),
        (["--version", "1.0; rm -rf /"], "not a version"),
    ],
)
def test_bad_arguments(args: list[str], fragment: str) -> None:
    proc = run_install(*args)
    assert_one_error(proc, fragment)
    assert proc.stdout == ""
    assert not data_dir().exists()


def test_help() -> None:
    proc = run_install("--help")
    assert proc.returncode == 0
    for option in ("--version", "--index-url", "--from", "--method", "--bin-dir", "--uninstall"):
        assert option in proc.stdout
    for twin in ("GOACCEL_VERSION", "GOACCEL_INDEX_URL", "GOACCEL_SOURCE"):
        assert twin in proc.stdout


def test_truncated_download_runs_nothing() -> None:
    """`curl | sh` cut short: all logic is in functions, `main "$@"` is the last line."""
    text = INSTALL.read_text()
    lines = text.splitlines(keepends=True)
    assert lines[-1].strip() == 'main "$@"'
    cuts = [len(text) * k // 10 for k in range(1, 10)] + [len(text) - len(lines[-1])]
    for cut in cuts:
        proc = run_install("--from", str(REPO), stdin=text[:cut])
        assert proc.stdout == "", cut
        assert "install.sh:" not in proc.stderr, (cut, proc.stderr)
        assert list(home().iterdir()) == [], cut


def test_piped_script_runs() -> None:
    proc = run_install("--help", stdin=INSTALL.read_text())
    assert proc.returncode == 0, proc.stderr
    assert "usage: sh install.sh" in proc.stdout


def test_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed")
    proc = subprocess.run(
        [shellcheck, "--shell=sh", str(INSTALL)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout
