"""Shell startup files: a marked block of environment settings in bash/zsh/fish/PowerShell.

The shell target (targets/shell.py) writes the block, the print target (targets/print.py)
prints its lines, status reads it back. Everything here is pure text work except
`resolve_shell` (which reads $SHELL), `read_rc` and `write_rc`. The block looks the same in
every shell (all four take `#` comments)::

    # >>> goaccel >>>
    # Written by goaccel: `goaccel undo` removes it; `goaccel setup` rewrites it.
    export GOPROXY='https://goproxy.io,direct'
    # <<< goaccel <<<

Values are always single-quoted for the target shell and may not hold control characters, so
no value, however hostile, can run code when the file is sourced.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Optional, Union

from goaccel.errors import ConfigFileError, InputError, WriteError
from goaccel.fsutil import atomic_write, read_bytes_or_none
from goaccel.textsafe import untrusted

SHELLS = ("bash", "zsh", "fish", "powershell")
_ALIASES = {"pwsh": "powershell"}

BEGIN = "# >>> goaccel >>>"
END = "# <<< goaccel <<<"
COMMENT = "# Written by goaccel: `goaccel undo` removes it; `goaccel setup` rewrites it."

_KEY = re.compile(r"[A-Z_][A-Z0-9_]*")
# C0 (tab and newline included), DEL, C1, the line/paragraph separators, the bidi controls that
# make an editor show text in another order than the shell reads it, and lone surrogates (which
# cannot be written as UTF-8). No GOPROXY-style value has any of them.
_FORBIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
# PowerShell ends a single-quoted string at any of these, not only at the ASCII apostrophe.
_PS_QUOTES = "'\u2018\u2019\u201a\u201b"

Source = Union[str, Path, None]


def normalize_shell(name: str) -> str:
    """The canonical shell name for `name` ("pwsh" and "pwsh.exe" give "powershell")."""
    key = name.strip().lower()
    if key.endswith(".exe"):
        key = key[: -len(".exe")]
    key = _ALIASES.get(key, key)
    if key not in SHELLS:
        raise InputError(
            f"unknown shell {untrusted(name, limit=40)!r}",
            hint=f"choose one of: {', '.join(SHELLS)}",
        )
    return key


def detect_shell(env: Mapping[str, str], *, platform: str = sys.platform) -> Optional[str]:
    """The user's shell, from the basename of $SHELL; None when it is not one goaccel writes for.

    On Windows $SHELL is usually unset (it is set inside Git Bash/MSYS), and then the shell is
    PowerShell.
    """
    shell = env.get("SHELL", "").strip()
    if not shell:
        return "powershell" if _is_windows(platform) else None
    base = re.split(r"[/\\]", shell)[-1]
    try:
        return normalize_shell(base)
    except InputError:
        return None


def resolve_shell(shell: Optional[str]) -> str:
    """The shell named by --shell, else the user's own; InputError when neither says."""
    if shell:
        return normalize_shell(shell)
    detected = detect_shell(os.environ)
    if detected is None:
        raise InputError(
            "cannot tell which shell you use ($SHELL is not bash, zsh or fish)",
            hint="pass --shell bash|zsh|fish|powershell",
        )
    return detected


def default_rc_file(shell: str, *, home: Path, env: Mapping[str, str], platform: str) -> Path:
    """The file a shell reads at start-up for interactive sessions, chosen the way conda and
    rustup choose it:

    - bash: ~/.bashrc on Linux and other Unix systems. On macOS (and Git Bash on Windows)
      terminals start login shells, which read ~/.bash_profile and not ~/.bashrc, so there it
      is ~/.bash_profile (what `conda init` writes to).
    - zsh: ${ZDOTDIR:-$HOME}/.zshrc, which every interactive zsh reads.
    - fish: ${XDG_CONFIG_HOME:-~/.config}/fish/config.fish.
    - powershell: PowerShell 7's CurrentUserCurrentHost profile ($PROFILE):
      ~/Documents/PowerShell/Microsoft.PowerShell_profile.ps1 on Windows, and
      ${XDG_CONFIG_HOME:-~/.config}/powershell/Microsoft.PowerShell_profile.ps1 elsewhere.
      A Documents folder redirected (OneDrive, group policy) is not seen here; `--rc-file`
      names the file then.

    XDG_CONFIG_HOME is used only when it is an absolute path, as the XDG spec requires.
    """
    shell = normalize_shell(shell)
    if shell == "bash":
        if platform == "darwin" or _is_windows(platform):
            return home / ".bash_profile"
        return home / ".bashrc"
    if shell == "zsh":
        zdotdir = env.get("ZDOTDIR", "")
        return (Path(zdotdir) if zdotdir else home) / ".zshrc"
    profile = "Microsoft.PowerShell_profile.ps1"
    if shell == "powershell" and _is_windows(platform):
        return home / "Documents" / "PowerShell" / profile
    xdg = env.get("XDG_CONFIG_HOME", "")
    config = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".config"
    if shell == "fish":
        return config / "fish" / "config.fish"
    return config / "powershell" / profile


def _is_windows(platform: str) -> bool:
    return platform.startswith("win")


def check_key(key: str) -> str:
    """`key` if it is an environment variable name goaccel may write, else InputError."""
    if not _KEY.fullmatch(key):
        raise InputError(
            f"{untrusted(key, limit=60)!r} is not a valid variable name for a shell file",
            hint="names are upper-case letters, digits and '_', not starting with a digit",
        )
    return key


def check_value(value: str, *, key: Optional[str] = None) -> str:
    """`value` if it can be written to a shell file, else InputError.

    The message names the character, never the value: it may carry credentials.
    """
    bad = _FORBIDDEN.search(value)
    if bad:
        where = f"the value for {key}" if key else "the value"
        raise InputError(
            f"{where} contains a control character (U+{ord(bad.group()):04X}) at position "
            f"{bad.start() + 1}; goaccel will not write it to a shell file",
            hint="a GOPROXY-style value is one line of URLs and keywords",
        )
    return value


def quote(shell: str, value: str) -> str:
    """`value` as one single-quoted word for `shell`, read back exactly and never expanded.

    - bash/zsh: '...' with each ' written as '\\'' (close, escaped quote, reopen).
    - fish: '...' in which only \\\\ and \\' are escapes.
    - PowerShell: '...' with every quote character doubled; PowerShell also ends a
      single-quoted string at the typographic quotes U+2018..U+201B, so those are doubled too.
    """
    shell = normalize_shell(shell)
    check_value(value)
    if shell == "fish":
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if shell == "powershell":
        return "'" + "".join(c + c if c in _PS_QUOTES else c for c in value) + "'"
    return "'" + value.replace("'", "'\\''") + "'"


def render_lines(shell: str, settings: Mapping[str, Optional[str]]) -> list[str]:
    """One line per setting, in the given order (None unsets the variable); no newlines.

    Each line can be pasted or eval'ed on its own, which is what `--target print` shows.
    fish unsets with `set -e -g`: a bare `set -e` would, when no global exists, erase a
    universal variable, a lasting change outside the file that undo could not restore.
    """
    shell = normalize_shell(shell)
    lines: list[str] = []
    for key, value in settings.items():
        check_key(key)
        if value is not None:
            check_value(value, key=key)
        if shell == "fish":
            line = f"set -e -g {key}" if value is None else f"set -gx {key} {quote(shell, value)}"
        elif shell == "powershell":
            line = (
                f"Remove-Item Env:{key} -ErrorAction SilentlyContinue"
                if value is None
                else f"$env:{key} = {quote(shell, value)}"
            )
        else:
            line = f"unset {key}" if value is None else f"export {key}={quote(shell, value)}"
        lines.append(line)
    return lines


def render_block(shell: str, settings: Mapping[str, Optional[str]]) -> str:
    """The whole marked block, every line ending in "\\n"."""
    lines = [BEGIN, COMMENT, *render_lines(shell, settings), END]
    return "".join(line + "\n" for line in lines)


# --- finding, replacing and removing the block (pure) -------------------------------------------


def _line_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, content) of each line. Lines end at "\\n" only, as shells see them; end
    includes the line ending, content excludes it."""
    spans: list[tuple[int, int, str]] = []
    pos = 0
    while pos < len(text):
        newline = text.find("\n", pos)
        end = len(text) if newline < 0 else newline + 1
        spans.append((pos, end, text[pos:end].rstrip("\r\n")))
        pos = end
    return spans


def _is_marker(content: str, marker: str) -> bool:
    return content.strip() == marker


def _where(source: Source, lineno: int) -> str:
    return f"{source}, line {lineno}" if source is not None else f"line {lineno}"


def _malformed(message: str, source: Source) -> ConfigFileError:
    name = str(source) if source is not None else "the file"
    return ConfigFileError(
        message,
        hint=f"fix the lines between {BEGIN!r} and {END!r} in {name} by hand "
        "(or delete them), then run goaccel again",
    )


def _find_span(text: str, source: Source) -> Optional[tuple[int, int]]:
    """Start and end offsets of the one well-formed block, or None; ConfigFileError if the
    markers do not pair up (goaccel will not guess which lines are its own)."""
    begin: Optional[tuple[int, int]] = None  # (offset, line number)
    found: list[tuple[int, int, int]] = []  # (start, end, line number of BEGIN)
    for lineno, (start, end, content) in enumerate(_line_spans(text), start=1):
        if _is_marker(content, BEGIN):
            if begin is not None:
                raise _malformed(
                    f"{_where(source, lineno)}: a second {BEGIN!r} before the {END!r} "
                    f"of the block that starts on line {begin[1]}",
                    source,
                )
            begin = (start, lineno)
        elif _is_marker(content, END):
            if begin is None:
                raise _malformed(f"{_where(source, lineno)}: {END!r} without {BEGIN!r}", source)
            found.append((begin[0], end, begin[1]))
            begin = None
    if begin is not None:
        raise _malformed(f"{_where(source, begin[1])}: {BEGIN!r} without {END!r}", source)
    if len(found) > 1:
        lines = " and ".join(str(b[2]) for b in found)
        raise _malformed(
            f"{source if source is not None else 'the file'} has {len(found)} goaccel blocks "
            f"(starting on lines {lines}); expected at most one",
            source,
        )
    return (found[0][0], found[0][1]) if found else None


def _newline_of(text: str) -> str:
    """The line ending of the first line: "\\r\\n" or "\\n" (also when there is none)."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def _with_newline(block: str, newline: str) -> str:
    body = block.replace("\r\n", "\n")
    if not body.endswith("\n"):
        body += "\n"
    lines = body.splitlines()
    if not lines or lines[0] != BEGIN or lines[-1] != END:
        raise ValueError("not a goaccel block: it must start with BEGIN and end with END")
    return body.replace("\n", newline) if newline != "\n" else body


def find_block(text: str, *, source: Source = None) -> Optional[str]:
    """The goaccel block in `text` (markers and line endings included), or None."""
    span = _find_span(text, source)
    return text[span[0] : span[1]] if span else None


def apply_block(text: str, block: str, *, source: Source = None) -> str:
    """`text` with `block` in it: an existing block is replaced where it stands (nothing else
    changes), otherwise the block is appended.

    Appending adds exactly one line ending before the block when `text` is not empty: after a
    file that ends in a newline that is a blank line; after one that does not, it ends the last
    line. Always one, so that remove_block can take exactly it away again (a blank line in both
    cases would make "abc" and "abc\\n" give the same result).

    The block takes the file's line endings (those of its first line); a replaced block keeps
    the endings the old one had, so applying twice changes nothing.
    """
    span = _find_span(text, source)
    if span is not None:
        start, end = span
        old = text[start:end]
        return text[:start] + _with_newline(block, _newline_of(old)) + text[end:]
    newline = _newline_of(text)
    separator = newline if text else ""
    return text + separator + _with_newline(block, newline)


def remove_block(text: str, *, source: Source = None) -> str:
    """`text` without the goaccel block, and without the line ending apply_block put before it,
    so that remove_block(apply_block(t, b)) == t for every t that had no block.

    When lines follow the block (the user moved it, or added lines after it), only a blank
    line before it is taken away, never the end of a line, so no two lines are joined.
    """
    span = _find_span(text, source)
    if span is None:
        return text
    start, end = span
    before, after = text[:start], text[end:]
    newline = _newline_of(text[start:end])
    if after == "":
        if before.endswith(newline):
            before = before[: -len(newline)]
    elif before.endswith(newline + newline) or before == newline:
        before = before[: -len(newline)]
    return before + after


# --- the only disk access ------------------------------------------------------------------------


def read_rc(path: Path) -> str:
    """The file's text ('' if it does not exist), byte for byte: line endings and a BOM kept."""
    try:
        data = read_bytes_or_none(path)
    except OSError as exc:  # e.g. a regular file where a parent directory should be
        raise WriteError(f"cannot read {path}: {exc.strerror or exc}") from None
    if data is None:
        return ""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigFileError(
            f"{path} is not valid UTF-8 (byte {exc.start + 1}); goaccel will not edit it",
            hint="convert it to UTF-8, or choose another file with --rc-file",
        ) from None


def write_rc(path: Path, new_text: str) -> None:
    """Replace the file atomically, keeping its mode; a symlink is refused with WriteError."""
    try:
        data = new_text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise WriteError(
            f"cannot write {path}: the new text is not valid Unicode ({exc.reason})"
        ) from None
    try:
        atomic_write(path, data)
    except OSError as exc:  # atomic_write lets a few through (a file where a directory should be)
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}") from None


_POSIX_LINE = re.compile(r"^export ([A-Z_][A-Z0-9_]*)=(.*)$")
_FISH_LINE = re.compile(r"^set -gx ([A-Z_][A-Z0-9_]*) (.*)$")
_PWSH_LINE = re.compile(r"^\$env:([A-Z_][A-Z0-9_]*) = '(.*)'$")


def parse_block_values(shell: str, block: str) -> dict[str, str]:
    """Read back the assignments of a block goaccel rendered (best effort for edited ones)."""
    values: dict[str, str] = {}
    for raw in block.splitlines():
        line = raw.strip()
        try:
            if shell in ("bash", "zsh") and (m := _POSIX_LINE.match(line)):
                parts = shlex.split(m.group(2))
                values[m.group(1)] = parts[0] if parts else ""
            elif shell == "fish" and (m := _FISH_LINE.match(line)):
                value = m.group(2)
                if value.startswith("'") and value.endswith("'"):
                    value = re.sub(r"\\(['\\])", r"\1", value[1:-1])
                values[m.group(1)] = value
            elif shell == "powershell" and (m := _PWSH_LINE.match(line)):
                # every quote character quote() doubled, typographic ones included
                values[m.group(1)] = re.sub(f"([{_PS_QUOTES}])\\1", r"\1", m.group(2))
        except ValueError:
            continue
    return values
