"""`goaccel completion SHELL`: the scripts, and completion through them in real shells.

The shells run the scripts as users would have them, and call back a `goaccel` found on
PATH: a small wrapper around this interpreter's `python -m goaccel`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import goaccel, run_json

SUBCOMMANDS = {"setup", "undo", "status", "doctor", "bench", "mirrors", "completion"}


@pytest.fixture
def on_path(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH starts with a `goaccel` command (as an install makes)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "goaccel"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m goaccel "$@"\n')
    wrapper.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


def script(shell: str) -> str:
    proc = goaccel("completion", shell)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return proc.stdout


def run_shell(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=60,
        check=False,
    )


def need(shell: str) -> str:
    found = shutil.which(shell)
    if found is None:
        pytest.skip(f"{shell} is not installed")
    return found


# ---------------------------------------------------------------------------- bash


def test_bash_completes_through_the_script(tmp_path: Path, on_path: dict[str, str]) -> None:
    bash = need("bash")
    path = tmp_path / "goaccel.bash"
    path.write_text(script("bash"))
    # What bash does on TAB: set COMP_WORDS/COMP_CWORD, call the registered function.
    probe = f"""
source "{path}"
complete -p goaccel
complete_words() {{
    COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=()
    _goaccel_completion goaccel
    printf '%s\\n' "${{COMPREPLY[@]}}"
    echo --
}}
complete_words goaccel se
complete_words goaccel ""
complete_words goaccel mirrors ""
complete_words goaccel completion ""
complete_words goaccel setup --js
"""
    proc = run_shell([bash, "--norc", "--noprofile", "-c", probe], on_path)
    assert proc.returncode == 0, proc.stderr
    registration, *rest = proc.stdout.split("\n", 1)
    assert registration == "complete -o default -F _goaccel_completion goaccel"
    blocks = [b.split() for b in rest[0].split("--\n")][:5]
    assert blocks[0] == ["setup"]
    assert set(blocks[1]) == SUBCOMMANDS
    assert set(blocks[2]) == {"list", "add", "remove"}
    assert set(blocks[3]) == {"bash", "zsh", "fish", "powershell", "pwsh"}
    assert blocks[4] == ["--json"]


def test_bash_completes_the_time_options_by_their_one_meaning(
    tmp_path: Path, on_path: dict[str, str]
) -> None:
    """doctor's old --timeout/-t is hidden (it still works); --probe-timeout is offered by every
    command that probes, --go-timeout by those that run go under a watchdog."""
    bash = need("bash")
    path = tmp_path / "goaccel.bash"
    path.write_text(script("bash"))
    probe = f"""
source "{path}"
complete_words() {{
    COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=()
    _goaccel_completion goaccel
    printf '%s\\n' "${{COMPREPLY[@]}}"
    echo --
}}
complete_words goaccel doctor --
complete_words goaccel doctor --t
complete_words goaccel setup --prob
complete_words goaccel bench --
"""
    proc = run_shell([bash, "--norc", "--noprofile", "-c", probe], on_path)
    assert proc.returncode == 0, proc.stderr
    doctor, doctor_t, setup, bench = [b.split() for b in proc.stdout.split("--\n")][:4]
    assert {"--go-timeout", "--probe-timeout"} <= set(doctor)
    assert "--timeout" not in doctor and "-t" not in doctor
    assert doctor_t == []
    assert setup == ["--probe-timeout"]
    assert {"--timeout", "--probe-timeout", "--go-timeout"} <= set(bench)


def test_protocol_without_a_shell() -> None:
    """What the scripts run: goaccel answers before any command runs (typer registers its
    shell classes only with add_completion=True; goaccel registers them itself)."""
    bash = goaccel(
        env={"_GOACCEL_COMPLETE": "complete_bash", "COMP_WORDS": "goaccel se", "COMP_CWORD": "1"}
    )
    assert (bash.returncode, bash.stdout, bash.stderr) == (0, "setup\n", "")
    pwsh = goaccel(
        env={
            "_GOACCEL_COMPLETE": "complete_powershell",
            "_TYPER_COMPLETE_ARGS": "goaccel mirrors a",
            "_TYPER_COMPLETE_WORD_TO_COMPLETE": "a",
        }
    )
    assert pwsh.returncode == 0, pwsh.stderr
    assert [line.split(":::")[0] for line in pwsh.stdout.splitlines()] == ["add"]


# ---------------------------------------------------------------------------- zsh


ZSH_PROBE = """
_arguments() {{ print -r -- "$*" }}   # stands in for zsh's completion system
words=(goaccel se); CURRENT=2
{call}
words=(goaccel mirrors ''); CURRENT=3
{call}
"""


def _zsh_check(out: str) -> None:
    lines = out.strip().splitlines()
    assert lines[0] in ("registered: _goaccel_completion", "registered: _goaccel")
    assert lines[1].startswith("*: :((") and '"setup":' in lines[1]
    assert "undo" not in lines[1]
    for name in ("list", "add", "remove"):
        assert f'"{name}":' in lines[2]


def test_zsh_sourced(tmp_path: Path, on_path: dict[str, str]) -> None:
    zsh = need("zsh")
    path = tmp_path / "goaccel.zsh"
    path.write_text(script("zsh"))
    probe = (
        f'autoload -Uz compinit && compinit -u -D\nsource "{path}"\n'
        'print -r -- "registered: $_comps[goaccel]"\n'
    ) + ZSH_PROBE.format(call="_goaccel_completion")
    proc = run_shell([zsh, "-f", "-c", probe], on_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("registered: _goaccel_completion\n")
    _zsh_check(proc.stdout)


def test_zsh_autoloaded_from_fpath_completes_on_first_tab(
    tmp_path: Path, on_path: dict[str, str]
) -> None:
    """As ~/.zfunc/_goaccel: compinit finds it by its #compdef line, and the first call
    completes (typer's script as it is would only register itself on that call)."""
    zsh = need("zsh")
    zfunc = tmp_path / "zfunc"
    zfunc.mkdir()
    (zfunc / "_goaccel").write_text(script("zsh"))
    probe = (
        f'fpath=("{zfunc}" $fpath)\nautoload -Uz compinit && compinit -u -D\n'
        'print -r -- "registered: $_comps[goaccel]"\n'
    ) + ZSH_PROBE.format(call="_goaccel")
    proc = run_shell([zsh, "-f", "-c", probe], on_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("registered: _goaccel\n")
    _zsh_check(proc.stdout)


# ---------------------------------------------------------------------------- fish


def test_fish_completes_through_the_script(tmp_path: Path, on_path: dict[str, str]) -> None:
    fish = need("fish")
    path = tmp_path / "goaccel.fish"
    path.write_text(script("fish"))
    probe = (
        f"source '{path}'\n"
        "complete -C 'goaccel se'\necho ==\n"
        "complete -C 'goaccel mirrors '\necho ==\n"
        "complete -C 'goaccel completion z'\n"
    )
    proc = run_shell([fish, "--no-config", "-c", probe], on_path)
    assert proc.returncode == 0, proc.stderr
    blocks = [
        [line.split("\t")[0] for line in block.splitlines()] for block in proc.stdout.split("==\n")
    ]
    assert blocks == [["setup"], ["add", "list", "remove"], ["zsh"]]


# ---------------------------------------------------------------------------- the command


def test_powershell_script() -> None:
    text = script("powershell")
    assert "Register-ArgumentCompleter -Native -CommandName goaccel" in text
    assert '$Env:_GOACCEL_COMPLETE = "complete_powershell"' in text
    assert script("pwsh") == text


def test_shell_name_is_case_insensitive() -> None:
    assert script("BASH") == script("bash")


def test_unknown_shell_is_a_usage_error() -> None:
    proc = goaccel("completion", "tcsh")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "'tcsh' is not one of" in proc.stderr
    assert "'bash'" in proc.stderr
    missing = goaccel("completion")
    assert missing.returncode == 2
    assert "Missing argument 'SHELL'" in missing.stderr


def test_json() -> None:
    proc, doc = run_json("completion", "fish", schema="completion")
    assert proc.returncode == 0, proc.stderr
    assert doc["command"] == "completion"
    assert doc["ok"] is True
    assert doc["shell"] == "fish"
    assert doc["script"] == script("fish")


def test_listed_in_help() -> None:
    proc = goaccel("--help")
    assert "completion" in proc.stdout
    assert "--install-completion" not in proc.stdout
