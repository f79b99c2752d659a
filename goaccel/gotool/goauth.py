"""The credentials go sends to https mirrors: GOAUTH applied as go applies it (the rules are in
goaccel.gocompat.goauth and gocompat.netrc), with the I/O go does: reading the netrc file and
running GOAUTH commands, each with a time limit go does not have.

`git DIR` items are not run: `git credential fill` may prompt or open a window, and go follows
it with `git credential approve` or `reject`, which changes the helper's store. The probe
then sends no credentials from them (docs/probing.md says so).

Nothing here shows a secret: a command's standard output is never kept as text, and its
standard error only as one sanitized line.
"""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from goaccel.gocompat import goauth as rules
from goaccel.gocompat.goauth import AuthMethod, CredentialStore, GoAuthError, Headers
from goaccel.gocompat.netrc import NetrcEntry, NetrcLine, netrc_entries, netrc_path, parse_netrc
from goaccel.gotool.process import kill_tree
from goaccel.textsafe import mask_urls_in_text, untrusted

#: Seconds a GOAUTH command may take (go waits forever).
COMMAND_TIMEOUT = 10.0


@dataclass
class NetrcFile:
    """The netrc file go reads ($NETRC, else ~/.netrc), as go reads it."""

    path: Optional[str]  # None: no home directory
    exists: bool = False
    entries: list[NetrcEntry] = field(default_factory=list)  # every machine entry, no secrets
    lines: list[NetrcLine] = field(default_factory=list, repr=False)  # the ones go keeps
    error: str = ""  # why it could not be read (go then goes on without it)
    mode: Optional[int] = None  # permission bits, on Unix


@dataclass
class CommandRun:
    """One run of a GOAUTH command. `problem` is one safe line ("" when it worked)."""

    command: str
    url: str  # "" for the run before the first request
    problem: str = ""
    exit_code: Optional[int] = None
    prefixes: list[str] = field(default_factory=list)  # what it gave credentials for

    @property
    def ok(self) -> bool:
        return not self.problem


class GoAuth:
    """GOAUTH for one goaccel run: the credentials go would attach to each https URL.

    load_goauth() applies GOAUTH once, as go does before its first https request; refresh()
    again with a URL, as go does after a 4xx answer. Thread-safe."""

    def __init__(
        self,
        value: str,
        methods: Sequence[AuthMethod],
        netrc: NetrcFile,
        error: str = "",
        *,
        timeout: float = COMMAND_TIMEOUT,
        environ: Optional[Mapping[str, str]] = None,
    ) -> None:
        self.value = value
        self.methods = list(methods)
        self.netrc = netrc
        self.error = error  # go's error for the whole GOAUTH value: it sends nothing then
        self.store = CredentialStore()
        self.runs: list[CommandRun] = []
        self.timeout = timeout
        self._environ = environ

    @property
    def off(self) -> bool:
        """No credentials at all: GOAUTH=off, or a value go stops on."""
        return not self.methods or bool(self.error)

    @property
    def uses_netrc(self) -> bool:
        return not self.error and any(m.kind == rules.NETRC for m in self.methods)

    @property
    def has_commands(self) -> bool:
        """go asks GOAUTH again after a 4xx answer; that only changes something for commands
        (netrc is read once, and git is not run here)."""
        return not self.error and any(m.kind == rules.COMMAND for m in self.methods)

    def lookup(self, url: str) -> Optional[tuple[str, Headers, str]]:
        """(stored prefix, headers, source) for a request URL, or None. https only, as go."""
        if self.off or not url.startswith("https://"):
            return None
        return self.store.lookup(url)

    def headers_for(self, url: str) -> Optional[Headers]:
        found = self.lookup(url)
        return found[1] if found else None

    def apply(self, url: str = "", stdin: Optional[str] = None) -> None:
        """runGoAuth: "" before the first request, else the URL that got a 4xx (and the
        response, as the command's stdin)."""
        if self.off:
            return
        rules.run_goauth(
            self.methods,
            self.store,
            url,
            read_netrc=lambda: self.netrc.lines,
            run_command=lambda m, u: self._run(m, u, stdin),
        )

    def _run(
        self, method: AuthMethod, url: str, stdin: Optional[str]
    ) -> Optional[dict[str, Headers]]:
        run = CommandRun(method.text, url)
        self.runs.append(run)
        if method.error:
            run.problem = method.error
            return None
        output = run_command(method.argv, url, stdin, self.timeout, run, self._environ)
        if output is None:
            return None
        try:
            credentials = rules.parse_user_auth(output)
        except rules.UserAuthError as exc:
            run.problem = f"its output is not in the GOAUTH format ({exc})"
            return None
        run.prefixes = sorted(credentials)
        return credentials

    def __repr__(self) -> str:
        return f"GoAuth({self.value!r}, {self.store!r})"


def run_command(
    argv: Sequence[str],
    url: str,
    stdin: Optional[str],
    timeout: float,
    run: CommandRun,
    environ: Optional[Mapping[str, str]] = None,
) -> Optional[str]:
    """Run a GOAUTH command as go does (the URL as a last argument when there is one): its
    stdout, or None with run.problem set. The command and what it starts are killed after
    `timeout` seconds."""
    args = [*argv, url] if url else list(argv)
    if not args or not args[0]:
        run.problem = "an empty command"
        return None
    try:
        proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(environ) if environ is not None else None,
            start_new_session=sys.platform != "win32",
        )
    except OSError as exc:
        run.problem = f"cannot run {untrusted(args[0], limit=200)}: {exc.strerror or exc}"
        return None
    try:
        out, err = proc.communicate(
            stdin.encode("utf-8", "surrogateescape") if stdin is not None else None,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        kill_tree(proc)
        with contextlib.suppress(Exception):
            proc.communicate(timeout=2)
        run.problem = f"it did not finish within {timeout:g} s"
        return None
    run.exit_code = proc.returncode
    if proc.returncode != 0:
        first = next((ln for ln in err.decode("utf-8", "replace").splitlines() if ln.strip()), "")
        shown = mask_urls_in_text(untrusted(first, limit=160))
        run.problem = f"exit status {proc.returncode}" + (f": {shown}" if shown else "")
        return None
    return out.decode("utf-8", "surrogateescape")


def read_netrc(environ: Mapping[str, str], *, windows: bool) -> NetrcFile:
    path = netrc_path(environ, windows=windows, exists=os.path.exists)
    if path is None:
        return NetrcFile(None)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
            mode = os.fstat(fh.fileno()).st_mode
    except FileNotFoundError:
        return NetrcFile(path)
    except OSError as exc:
        return NetrcFile(path, exists=True, error=exc.strerror or str(exc))
    text = data.decode("utf-8", "surrogateescape")
    return NetrcFile(
        path,
        exists=True,
        entries=netrc_entries(text),
        lines=parse_netrc(text),
        mode=None if windows else stat.S_IMODE(mode),
    )


def load_goauth(
    value: str,
    environ: Optional[Mapping[str, str]] = None,
    *,
    windows: Optional[bool] = None,
    timeout: float = COMMAND_TIMEOUT,
) -> GoAuth:
    """GOAUTH (the effective value, from read_goenv) as go applies it before its first https
    request: the netrc file read, the commands run once without a URL. NETRC comes from the
    OS environment only, as go reads it."""
    environ = os.environ if environ is None else environ
    windows = sys.platform == "win32" if windows is None else windows
    netrc = read_netrc(environ, windows=windows)
    try:
        methods = rules.parse_goauth(value, windows=windows)
    except GoAuthError as exc:
        return GoAuth(value, [], netrc, str(exc), timeout=timeout, environ=environ)
    for m in methods:
        if m.kind == rules.GIT:
            problem = _git_dir_problem(m.argv[0])
            if problem:
                return GoAuth(value, methods, netrc, problem, timeout=timeout, environ=environ)
    auth = GoAuth(value, methods, netrc, timeout=timeout, environ=environ)
    auth.apply()
    return auth


def _git_dir_problem(directory: str) -> str:
    """runGoAuth's checks of a `git DIR` item, with go's messages."""
    try:
        st = Path(directory).stat()
    except OSError as exc:
        return (
            f"go: GOAUTH=git encountered an error; cannot stat {directory}: "
            f"stat {directory}: {exc.strerror or exc}"
        )
    if not stat.S_ISDIR(st.st_mode):
        return (
            "go: GOAUTH=git dir method requires an absolute path to the git working "
            "directory, dir is not a directory"
        )
    return ""
