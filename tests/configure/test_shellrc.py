"""The shell target: shell detection, rc file choice, quoting, and the marked block.

Quoting is checked where it matters: hostile values are written into a block and sourced by the
real shells (bash, dash, zsh, fish when installed), which must read back exactly the value and
run nothing. PowerShell is not installed here, so its text is checked exactly and against a model
of its single-quoted string tokenizer.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Optional

import pytest

from goaccel.configure.shellrc import (
    BEGIN,
    COMMENT,
    END,
    SHELLS,
    apply_block,
    default_rc_file,
    detect_shell,
    find_block,
    normalize_shell,
    parse_block_values,
    quote,
    read_rc,
    remove_block,
    render_block,
    render_lines,
    write_rc,
)
from goaccel.errors import ConfigFileError, ExitCode, GoaccelError, InputError, WriteError

SETTINGS: dict[str, Optional[str]] = {
    "GOPROXY": "https://goproxy.io,direct",
    "GOSUMDB": "sum.golang.google.cn",
    "GONOPROXY": None,
}
OTHER_SETTINGS: dict[str, Optional[str]] = {
    "GOPROXY": "https://mirror.example/go|https://proxy.golang.org,off",
    "GOPRIVATE": "*.corp.example,github.com/me",
}

# Originals a user's rc file may plausibly be: each must survive apply + remove byte for byte.
ORIGINALS = [
    "",
    "\n",
    "\n\n",
    "abc",
    "abc\n",
    "abc\n\n",
    "abc\n\n\n",
    "export PATH=$HOME/bin:$PATH\nalias ll='ls -l'\n",
    "no newline at the end\nsecond line",
    "a\r\nb\r\n",
    "a\r\nb",
    "a\r\nb\r\n\r\n",
    "\r\n",
    "mixed\r\nendings\n",
    "lf first\nthen crlf\r\n",
    "lone cr\r",
    "\ufeffa file with a BOM\n",
    "ünïcødé ✓ 中文 🎉\n",
    "ünïcødé without eol 🎉",
    "   \n\t\n",
    "trailing spaces   ",
    "\x0b\x0c form feeds \u2028 and separators\u0085 that splitlines() splits on\n",
    "ends with a backslash \\",
    "# >>> goaccel >>> is not alone on this line\necho '# <<< goaccel <<<'\n",
    "# >>> conda initialize >>>\nconda stuff\n# <<< conda initialize <<<\n",
    "x" * 10_000 + "\n",
]

# Values that would run code or change meaning if quoting were wrong in any of the shells.
HOSTILE = [
    "https://x/$(touch PWNED)",
    "a'b",
    "`touch PWNED`",
    "x; touch PWNED",
    "$HOME",
    "\\'",
    "%PATH%",
    "'; touch PWNED; echo '",
    "'\\''",
    "\\",
    "x\\",
    "'",
    "''",
    "",
    '"',
    '"; touch PWNED; "',
    "${HOME}",
    "$(touch PWNED)",
    "\\$(touch PWNED)",
    "(touch PWNED)",
    "{touch,PWNED}",
    "*",
    "~",
    "!!",
    "-e",
    "--",
    "a b  c",
    "#not a comment",
    "$env:HOME",
    "@(touch PWNED)",
    "’; touch PWNED; ‘",
    "‚‛'’‘",
    "https://user:p@ss'w\"rd@proxy.example/$x,direct",
    "ünïcødé/路径",
    "$'\\x41'",
    "\\n",
    "%s%n",
    "> PWNED",
    "| touch PWNED",
    "& touch PWNED &",
]

CONTROL = [
    "\n",
    "\r",
    "\t",
    "\x00",
    "\x1b",
    "\x7f",
    "\x85",
    "\u2028",
    "\u202e",
    "\ud800",
]


def block_lines(text: str) -> int:
    return sum(1 for line in text.split("\n") if line.rstrip("\r") == BEGIN)


# --- detection and file choice ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "platform", "expected"),
    [
        ({"SHELL": "/bin/bash"}, "linux", "bash"),
        ({"SHELL": "/usr/local/bin/zsh"}, "darwin", "zsh"),
        ({"SHELL": "/usr/bin/fish"}, "linux", "fish"),
        ({"SHELL": "/usr/bin/pwsh"}, "linux", "powershell"),
        ({"SHELL": "/opt/microsoft/powershell/7/pwsh"}, "darwin", "powershell"),
        ({"SHELL": "/usr/bin/powershell"}, "linux", "powershell"),
        ({"SHELL": "C:\\Program Files\\Git\\usr\\bin\\bash.exe"}, "win32", "bash"),
        ({"SHELL": "/usr/bin/bash"}, "win32", "bash"),
        ({"SHELL": "/bin/tcsh"}, "linux", None),
        ({"SHELL": "/bin/sh"}, "linux", None),
        ({"SHELL": ""}, "darwin", None),
        ({}, "linux", None),
        ({}, "win32", "powershell"),
        ({"SHELL": ""}, "win32", "powershell"),
    ],
)
def test_detect_shell(env: dict[str, str], platform: str, expected: Optional[str]) -> None:
    assert detect_shell(env, platform=platform) == expected


def test_detect_shell_defaults_to_this_platform() -> None:
    assert detect_shell({"SHELL": "/bin/zsh"}) == "zsh"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bash", "bash"),
        ("zsh", "zsh"),
        ("fish", "fish"),
        ("powershell", "powershell"),
        ("pwsh", "powershell"),
        ("PWSH.EXE", "powershell"),
        (" Bash ", "bash"),
    ],
)
def test_normalize_shell(name: str, expected: str) -> None:
    assert normalize_shell(name) == expected


@pytest.mark.parametrize("name", ["tcsh", "sh", "cmd", "", "bash2", "\x1b[31mred"])
def test_normalize_shell_rejects_unknown(name: str) -> None:
    with pytest.raises(InputError) as info:
        normalize_shell(name)
    assert info.value.exit_code == ExitCode.USAGE
    assert "\x1b" not in info.value.message
    assert "bash, zsh, fish, powershell" in (info.value.hint or "")


HOME = Path("/home/u")
PS_PROFILE = "Microsoft.PowerShell_profile.ps1"


@pytest.mark.parametrize(
    ("shell", "env", "platform", "expected"),
    [
        ("bash", {}, "linux", HOME / ".bashrc"),
        ("bash", {}, "freebsd13", HOME / ".bashrc"),
        ("bash", {}, "darwin", HOME / ".bash_profile"),
        ("bash", {}, "win32", HOME / ".bash_profile"),
        ("zsh", {}, "linux", HOME / ".zshrc"),
        ("zsh", {"ZDOTDIR": ""}, "darwin", HOME / ".zshrc"),
        ("zsh", {"ZDOTDIR": "/home/u/.config/zsh"}, "darwin", HOME / ".config/zsh/.zshrc"),
        ("fish", {}, "linux", HOME / ".config/fish/config.fish"),
        ("fish", {"XDG_CONFIG_HOME": "/xdg"}, "linux", Path("/xdg/fish/config.fish")),
        ("fish", {"XDG_CONFIG_HOME": "relative"}, "linux", HOME / ".config/fish/config.fish"),
        ("powershell", {}, "win32", HOME / "Documents/PowerShell" / PS_PROFILE),
        ("pwsh", {"XDG_CONFIG_HOME": "/xdg"}, "win32", HOME / "Documents/PowerShell" / PS_PROFILE),
        ("powershell", {}, "linux", HOME / ".config/powershell" / PS_PROFILE),
        ("powershell", {}, "darwin", HOME / ".config/powershell" / PS_PROFILE),
        ("pwsh", {"XDG_CONFIG_HOME": "/xdg"}, "linux", Path("/xdg/powershell") / PS_PROFILE),
    ],
)
def test_default_rc_file(shell: str, env: dict[str, str], platform: str, expected: Path) -> None:
    assert default_rc_file(shell, home=HOME, env=env, platform=platform) == expected


def test_default_rc_file_rejects_unknown_shell() -> None:
    with pytest.raises(InputError):
        default_rc_file("csh", home=HOME, env={}, platform="linux")


# --- quoting and rendering -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shell", "value", "expected"),
    [
        ("bash", "https://goproxy.io,direct", "'https://goproxy.io,direct'"),
        ("bash", "a'b", "'a'\\''b'"),
        ("zsh", "'", "''\\'''"),
        ("bash", "\\", "'\\'"),
        ("bash", "", "''"),
        ("fish", "a'b", "'a\\'b'"),
        ("fish", "\\'", "'\\\\\\''"),
        ("fish", "x\\", "'x\\\\'"),
        ("fish", "$(x)", "'$(x)'"),
        ("powershell", "a'b", "'a''b'"),
        ("powershell", "$env:HOME", "'$env:HOME'"),
        ("pwsh", "’‘‚‛", "'’’‘‘‚‚‛‛'"),
        ("powershell", "\\'", "'\\'''"),
        ("powershell", "%PATH%", "'%PATH%'"),
    ],
)
def test_quote_exact(shell: str, value: str, expected: str) -> None:
    assert quote(shell, value) == expected


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("char", CONTROL, ids=[f"U+{ord(c):04X}" for c in CONTROL])
def test_control_characters_are_refused(shell: str, char: str) -> None:
    value = f"https://user:secret@proxy.example{char}/x"
    with pytest.raises(InputError) as info:
        quote(shell, value)
    assert f"U+{ord(char):04X}" in info.value.message
    with pytest.raises(InputError) as info:
        render_lines(shell, {"GOPROXY": value})
    assert "GOPROXY" in info.value.message
    assert "secret" not in info.value.message  # the value (and its credentials) is not echoed


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize(
    "key", ["goproxy", "1GO", "GO-PROXY", "GO PROXY", "GOPROXY\n", "", "GÖ", "A;B", "$A"]
)
def test_bad_keys_are_refused(shell: str, key: str) -> None:
    with pytest.raises(InputError):
        render_lines(shell, {key: "x"})
    with pytest.raises(InputError):
        render_lines(shell, {key: None})


@pytest.mark.parametrize("key", ["GOPROXY", "_X", "GO_111MODULE", "A1"])
def test_good_keys_are_accepted(key: str) -> None:
    assert render_lines("bash", {key: "v"}) == [f"export {key}='v'"]


@pytest.mark.parametrize(
    ("shell", "expected"),
    [
        (
            "bash",
            [
                "export GOPROXY='https://goproxy.io,direct'",
                "export GOSUMDB='sum.golang.google.cn'",
                "unset GONOPROXY",
            ],
        ),
        (
            "zsh",
            [
                "export GOPROXY='https://goproxy.io,direct'",
                "export GOSUMDB='sum.golang.google.cn'",
                "unset GONOPROXY",
            ],
        ),
        (
            "fish",
            [
                "set -gx GOPROXY 'https://goproxy.io,direct'",
                "set -gx GOSUMDB 'sum.golang.google.cn'",
                "set -e -g GONOPROXY",
            ],
        ),
        (
            "powershell",
            [
                "$env:GOPROXY = 'https://goproxy.io,direct'",
                "$env:GOSUMDB = 'sum.golang.google.cn'",
                "Remove-Item Env:GONOPROXY -ErrorAction SilentlyContinue",
            ],
        ),
    ],
)
def test_render_lines(shell: str, expected: list[str]) -> None:
    assert render_lines(shell, SETTINGS) == expected


def test_render_lines_keeps_the_given_order() -> None:
    settings = {"GOSUMDB": "off", "GOPROXY": "direct", "GOFLAGS": None}
    assert [line.split()[1].split("=")[0] for line in render_lines("bash", settings)] == [
        "GOSUMDB",
        "GOPROXY",
        "GOFLAGS",
    ]
    assert render_lines("pwsh", {"A": "1"}) == ["$env:A = '1'"]


@pytest.mark.parametrize("shell", SHELLS)
def test_render_block_shape(shell: str) -> None:
    block = render_block(shell, SETTINGS)
    assert block.endswith("\n")
    lines = block.split("\n")[:-1]
    assert lines[0] == BEGIN == "# >>> goaccel >>>"
    assert lines[1] == COMMENT
    assert "goaccel undo" in COMMENT
    assert lines[2:-1] == render_lines(shell, SETTINGS)
    assert lines[-1] == END == "# <<< goaccel <<<"


# --- the block in a file's text ----------------------------------------------------------------


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("original", ORIGINALS, ids=range(len(ORIGINALS)))
def test_apply_then_remove_gives_back_the_original(original: str, shell: str) -> None:
    block = render_block(shell, SETTINGS)
    applied = apply_block(original, block)
    assert applied.startswith(original)  # appending never touches the user's bytes
    assert block_lines(applied) == 1
    assert remove_block(applied) == original
    assert apply_block(applied, block) == applied  # idempotent
    found = find_block(applied)
    assert found is not None
    assert found.replace("\r\n", "\n") == block
    assert find_block(original) is None
    assert remove_block(original) == original
    # Rewriting with other values and then removing also gives back the original.
    other = apply_block(applied, render_block(shell, OTHER_SETTINGS))
    assert block_lines(other) == 1
    assert remove_block(other) == original


@pytest.mark.parametrize(
    ("original", "expected_prefix"),
    [
        ("", ""),
        ("abc", "abc\n"),
        ("abc\n", "abc\n\n"),
        ("abc\n\n", "abc\n\n\n"),
        ("a\r\nb\r\n", "a\r\nb\r\n\r\n"),
        ("a\r\nb", "a\r\nb\r\n"),
    ],
)
def test_apply_appends_with_one_separator(original: str, expected_prefix: str) -> None:
    block = render_block("bash", SETTINGS)
    newline = "\r\n" if "\r\n" in original else "\n"
    assert apply_block(original, block) == expected_prefix + block.replace("\n", newline)


@pytest.mark.parametrize("shell", SHELLS)
def test_apply_is_idempotent_for_every_shell(shell: str) -> None:
    block = render_block(shell, SETTINGS)
    text = "# my settings\nexport EDITOR=vi\n"
    once = apply_block(text, block)
    assert once == text + "\n" + block
    assert apply_block(once, block) == once
    assert apply_block(apply_block(once, block), block) == once


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_existing_block_is_replaced_in_place(shell: str, newline: str) -> None:
    before = f"# my rc{newline}export A=1{newline}{newline}"
    after = f"{newline}alias x=y{newline}# last line without newline"
    old = render_block(shell, SETTINGS).replace("\n", newline)
    new_block = render_block(shell, OTHER_SETTINGS)
    text = before + old + after
    updated = apply_block(text, new_block)
    assert updated == before + new_block.replace("\n", newline) + after
    assert block_lines(updated) == 1
    assert find_block(updated) == new_block.replace("\n", newline)
    assert "goproxy.io" not in updated and "mirror.example" in updated
    assert apply_block(updated, new_block) == updated


def test_crlf_file_gets_a_crlf_block_and_keeps_it() -> None:
    original = "rem one\r\nrem two\r\n"
    applied = apply_block(original, render_block("powershell", SETTINGS))
    assert "\n" not in applied.replace("\r\n", "")  # no bare LF anywhere
    rewritten = apply_block(applied, render_block("powershell", OTHER_SETTINGS))
    assert "\n" not in rewritten.replace("\r\n", "")
    assert remove_block(rewritten) == original


def test_markers_with_surrounding_whitespace_are_still_markers() -> None:
    block = render_block("bash", SETTINGS)
    indented = "a\n  " + block.replace(f"\n{END}\n", f"\n{END}  \n")
    assert find_block(indented) == indented[2:]
    assert remove_block(indented) == "a"
    assert apply_block(indented, block) == "a\n" + block


def test_a_block_at_the_end_without_a_final_newline_is_still_a_block() -> None:
    text = "a\n\n" + render_block("bash", SETTINGS).rstrip("\n")
    assert remove_block(text) == "a\n"
    assert apply_block(text, render_block("bash", SETTINGS)) == "a\n\n" + render_block(
        "bash", SETTINGS
    )


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("a\n", "b\n", "a\nb\n"),  # no blank line before the block: no line is joined
        ("a\n\n", "b\n", "a\nb\n"),  # the blank line apply_block added goes with the block
        ("", "b\n", "b\n"),
        ("\n", "b\n", "b\n"),
        ("a\r\n\r\n", "b\r\n", "a\r\nb\r\n"),
    ],
)
def test_remove_block_with_lines_after_it(before: str, after: str, expected: str) -> None:
    newline = "\r\n" if "\r\n" in before + after else "\n"
    block = render_block("zsh", SETTINGS).replace("\n", newline)
    assert remove_block(before + block + after) == expected


def test_apply_refuses_something_that_is_not_a_block() -> None:
    with pytest.raises(ValueError, match="not a goaccel block"):
        apply_block("", "export A=1\n")


BLOCK = render_block("bash", SETTINGS)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (f"x\n{BEGIN}\nexport A='1'\n", 2, "without"),
        (f"x\ny\n{END}\n", 3, "without"),
        (f"{BEGIN}\n{BEGIN}\nexport A='1'\n{END}\n", 2, "second"),
        (f"{BLOCK}\n{BLOCK}", 1, "2 goaccel blocks"),
        (f"{BLOCK}{END}\n", 7, "without"),
    ],
)
def test_malformed_markers_are_reported_not_guessed(text: str, line: int, words: str) -> None:
    source = Path("/home/u/.bashrc")
    operations: list[Callable[[], object]] = [
        lambda: find_block(text, source=source),
        lambda: remove_block(text, source=source),
        lambda: apply_block(text, BLOCK, source=source),
    ]
    for operation in operations:
        with pytest.raises(ConfigFileError) as info:
            operation()
        assert isinstance(info.value, GoaccelError)
        assert info.value.exit_code == ExitCode.CONFIG == 4
        assert str(source) in info.value.message
        assert f"line {line}" in info.value.message or f"lines {line}" in info.value.message
        assert words in info.value.message
        assert info.value.hint


def test_marker_text_inside_other_lines_is_not_a_marker() -> None:
    text = f"echo '{BEGIN}'\n# {END} in a comment\n"
    assert find_block(text) is None
    assert remove_block(apply_block(text, BLOCK)) == text


# --- reading and writing ---------------------------------------------------------------------


def test_read_rc_missing_file_is_empty(tmp_path: Path) -> None:
    assert read_rc(tmp_path / "nope") == ""


def test_read_rc_refuses_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / ".bashrc"
    path.write_bytes(b"export A=1\n# caf\xe9 latin-1\n")
    with pytest.raises(ConfigFileError) as info:
        read_rc(path)
    assert str(path) in info.value.message
    assert "UTF-8" in info.value.message
    assert info.value.exit_code == ExitCode.CONFIG


def test_read_rc_on_a_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(GoaccelError):
        read_rc(tmp_path)


@pytest.mark.parametrize("shell", SHELLS)
def test_round_trip_through_the_disk_is_byte_exact(tmp_path: Path, shell: str) -> None:
    original = "\ufeff# profile\r\nSet-Alias ll ls\r\nünïcødé 🎉".encode()
    path = tmp_path / "rc"
    path.write_bytes(original)
    write_rc(path, apply_block(read_rc(path), render_block(shell, SETTINGS)))
    written = path.read_bytes()
    assert written.startswith(original + b"\r\n# >>> goaccel >>>\r\n")
    write_rc(path, remove_block(read_rc(path)))
    assert path.read_bytes() == original


def test_write_rc_creates_the_file_and_its_directories(tmp_path: Path) -> None:
    path = tmp_path / "home" / ".config" / "powershell" / "Microsoft.PowerShell_profile.ps1"
    write_rc(path, render_block("powershell", {"GOPROXY": "ünï"}))
    assert path.read_bytes() == render_block("powershell", {"GOPROXY": "ünï"}).encode("utf-8")
    assert not [p for p in path.parent.iterdir() if p != path]  # no temp file left behind


def test_write_rc_keeps_the_mode(tmp_path: Path) -> None:
    path = tmp_path / ".zshrc"
    path.write_text("secret stuff\n", encoding="utf-8")
    path.chmod(0o600)
    write_rc(path, apply_block(read_rc(path), render_block("zsh", SETTINGS)))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert find_block(read_rc(path)) == render_block("zsh", SETTINGS)


def test_write_rc_refuses_a_symlink(tmp_path: Path) -> None:
    home = tmp_path / "user"
    target = home / "dotfiles" / "bashrc"
    target.parent.mkdir(parents=True)
    target.write_text("mine\n", encoding="utf-8")
    link = home / ".bashrc"
    link.symlink_to(target)
    with pytest.raises(WriteError) as info:
        write_rc(link, "mine\n\n" + BLOCK)
    assert "symbolic link" in info.value.message
    assert link.is_symlink()
    assert os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in home.iterdir()) == [".bashrc", "dotfiles"]
    assert [p.name for p in target.parent.iterdir()] == ["bashrc"]  # no temp file left


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write any directory"
)
def test_write_rc_unwritable_directory(tmp_path: Path) -> None:
    directory = tmp_path / "ro"
    directory.mkdir()
    path = directory / ".bashrc"
    path.write_text("old\n", encoding="utf-8")
    directory.chmod(0o500)
    try:
        with pytest.raises(WriteError) as info:
            write_rc(path, "new\n")
        assert str(path) in info.value.message
        assert path.read_text(encoding="utf-8") == "old\n"
    finally:
        directory.chmod(0o700)


def test_write_rc_where_the_directory_cannot_exist(tmp_path: Path) -> None:
    # Works for root too: a regular file stands where the directory should be.
    blocker = tmp_path / "config"
    blocker.write_text("not a directory\n", encoding="utf-8")
    with pytest.raises(WriteError) as info:
        write_rc(blocker / "fish" / "config.fish", BLOCK)
    assert "config.fish" in info.value.message
    assert blocker.read_text(encoding="utf-8") == "not a directory\n"
    with pytest.raises(GoaccelError):
        read_rc(blocker / "fish" / "config.fish")


# --- injection: real shells source the block ---------------------------------------------------

# (render as, command line that sources $RCFILE then prints $K, then NUL, then the exported K)
POSIX_PRINT = ". \"$RCFILE\"; printf '%s' \"$K\"; printf '\\0'; printenv K"
REAL_SHELLS = {
    "bash": ("bash", ["bash", "--norc", "--noprofile", "-c", POSIX_PRINT]),
    "sh": ("bash", ["sh", "-c", POSIX_PRINT]),
    "zsh": ("zsh", ["zsh", "-f", "-c", POSIX_PRINT]),
    "zsh-rc_quotes": ("zsh", ["zsh", "-f", "-c", "setopt RC_QUOTES; " + POSIX_PRINT]),
    "fish": (
        "fish",
        ["fish", "--no-config", "-c", "source $RCFILE; printf '%s' $K; printf '\\0'; printenv K"],
    ),
}


def _shell_params() -> list[object]:
    params: list[object] = []
    for name, (render_as, argv) in REAL_SHELLS.items():
        missing = shutil.which(argv[0]) is None
        params.append(
            pytest.param(
                render_as,
                argv,
                id=name,
                marks=pytest.mark.skipif(missing, reason=f"{argv[0]} is not installed"),
            )
        )
    return params


def _source(tmp_path: Path, argv: list[str], block: str) -> tuple[str, str]:
    """Source `block` in a fresh shell inside an empty directory; (value of $K, exported K)."""
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    rc = tmp_path / "rcfile"
    write_rc(rc, block)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "home" / ".config"),
        "RCFILE": str(rc),
        "K": "value from the parent",
        "LANG": "C.UTF-8",
    }
    done = subprocess.run(argv, cwd=work, env=env, capture_output=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert done.stderr == b"", done.stderr.decode(errors="replace")
    shell_value, _, exported = done.stdout.decode("utf-8").partition("\0")
    assert exported.endswith("\n")
    return shell_value, exported[:-1]


@pytest.mark.parametrize(("render_as", "argv"), _shell_params())
@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_values_round_trip_in_real_shells(
    tmp_path: Path, render_as: str, argv: list[str], value: str
) -> None:
    block = apply_block("# user's own line\n", render_block(render_as, {"K": value}))
    shell_value, exported = _source(tmp_path, argv, block)
    assert shell_value == value
    assert exported == value
    assert not list(tmp_path.rglob("PWNED"))
    assert [p.name for p in (tmp_path / "work").iterdir()] == []


@pytest.mark.parametrize(("render_as", "argv"), _shell_params())
def test_unset_line_unsets_in_real_shells(tmp_path: Path, render_as: str, argv: list[str]) -> None:
    work = tmp_path / "work"
    work.mkdir()
    rc = tmp_path / "rcfile"
    write_rc(rc, render_block(render_as, {"K": None, "OTHER": "kept"}))
    done = subprocess.run(
        [*argv[:-1], argv[-1].replace("printf '%s'", "printf 'set=%s'")],
        cwd=work,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path), "RCFILE": str(rc), "K": "x"},
        capture_output=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 1  # printenv K: not in the environment any more
    assert done.stdout == b"set=\0"


SHELLCHECK = pytest.mark.skipif(shutil.which("shellcheck") is None, reason="no shellcheck")


def _shellcheck(tmp_path: Path, text: str, *extra: str) -> None:
    rc = tmp_path / "rc.sh"
    write_rc(rc, text)
    done = subprocess.run(
        ["shellcheck", "--shell=bash", *extra, str(rc)],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout.decode()


@SHELLCHECK
@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_posix_block_passes_shellcheck(tmp_path: Path, shell: str) -> None:
    _shellcheck(tmp_path, render_block(shell, {**SETTINGS, **OTHER_SETTINGS}))


@SHELLCHECK
def test_hostile_posix_block_passes_shellcheck(tmp_path: Path) -> None:
    # Left out: the notices that a literal '$', '\\' or typographic quote is meant literally,
    # which is exactly what these values are.
    hostile = {f"K{i}": value for i, value in enumerate(HOSTILE)}
    _shellcheck(tmp_path, render_block("bash", hostile), "--exclude=SC2016,SC1003,SC1112")


# --- PowerShell: not installed here, so the text and a model of its tokenizer -----------------

_PS_QUOTE_CHARS = "'\u2018\u2019\u201a\u201b"


def _ps_single_quoted(word: str) -> str:
    """Read one single-quoted PowerShell string the way its tokenizer does, requiring it to fill
    `word` exactly: any of the five quote characters ends the string unless another quote
    character follows, in which case that second one is a literal."""
    assert word[0] in _PS_QUOTE_CHARS
    out: list[str] = []
    i = 1
    while True:
        assert i < len(word), "unterminated string"
        c = word[i]
        if c in _PS_QUOTE_CHARS:
            if i + 1 < len(word) and word[i + 1] in _PS_QUOTE_CHARS:
                out.append(word[i + 1])
                i += 2
                continue
            assert i == len(word) - 1, f"string ends early, {word[i + 1 :]!r} would run as code"
            return "".join(out)
        out.append(c)
        i += 1


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_powershell_quoting_reads_back_exactly(value: str) -> None:
    line = render_lines("powershell", {"GOPROXY": value})[0]
    prefix = "$env:GOPROXY = "
    assert line.startswith(prefix)
    assert _ps_single_quoted(line[len(prefix) :]) == value


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_powershell_block_reads_back_and_renders_the_same_again(value: str) -> None:
    """setup reads its own block back on a re-run: what it reads must be what it wrote, or
    each run doubles the typographic quotes once more."""
    block = render_block("powershell", {"GOPROXY": value})
    assert parse_block_values("powershell", block) == {"GOPROXY": value}
    again = render_block("powershell", parse_block_values("powershell", block))
    assert again == block


def test_the_tokenizer_model_catches_a_naive_escape() -> None:
    # Escaping only the ASCII apostrophe is not enough: PowerShell ends the string at ’ too.
    naive = "'" + "’; touch PWNED; ‘".replace("'", "''") + "'"
    with pytest.raises(AssertionError, match="would run as code"):
        _ps_single_quoted(naive)


def test_powershell_block_text() -> None:
    block = render_block("powershell", {"GOPROXY": "https://a'b/$(x)", "GOSUMDB": None})
    assert block == (
        "# >>> goaccel >>>\n"
        "# Written by goaccel: `goaccel undo` removes it; `goaccel setup` rewrites it.\n"
        "$env:GOPROXY = 'https://a''b/$(x)'\n"
        "Remove-Item Env:GOSUMDB -ErrorAction SilentlyContinue\n"
        "# <<< goaccel <<<\n"
    )
    assert "<#" not in block  # nothing in the markers opens a PowerShell block comment
