"""What to download when measuring a mirror: the user's own module graph, or a built-in sample.

The go.mod grammar follows golang.org/x/mod/modfile (read.go for the lexer and the block
structure, rule.go for the directives), as vendored in `$(go env GOROOT)/src/cmd/vendor`.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from goaccel.errors import ConfigFileError, InputError
from goaccel.gocompat.gosum import GoSumEntry, module_path_problem, parse_go_sum, path_major

__all__ = [
    "SAMPLE",
    "GoMod",
    "ModuleRef",
    "Replacement",
    "Requirement",
    "Workload",
    "canonical_version",
    "find_module_root",
    "load_project",
    "parse_go_mod",
    "resolve_workload",
    "sample_workload",
]


@dataclass(frozen=True)
class ModuleRef:
    """One module version to fetch. needs_zip False: only its go.mod is needed (`.mod`)."""

    path: str
    version: str
    needs_zip: bool = True


@dataclass(frozen=True)
class Workload:
    """The modules a benchmark downloads, and where they came from."""

    source: str  # "project" | "sample"
    root: Optional[Path]
    modules: tuple[ModuleRef, ...]
    go_version: Optional[str] = None
    toolchain: Optional[str] = None

    @property
    def module_count(self) -> int:
        return len(self.modules)

    @property
    def zip_count(self) -> int:
        """Modules whose zip is needed (each also needs its .mod)."""
        return sum(1 for m in self.modules if m.needs_zip)

    @property
    def mod_only_count(self) -> int:
        """Modules of which only the go.mod is needed."""
        return sum(1 for m in self.modules if not m.needs_zip)

    @property
    def is_sample(self) -> bool:
        return self.source == "sample"


# --- semantic versions (golang.org/x/mod/semver, module.CanonicalVersion) --------------------

_SEMVER = re.compile(
    r"^v(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*)"
    r"(-(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
    r"(?:\.(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?"
    r"(\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?)?\Z"
)


def canonical_version(version: str) -> Optional[str]:
    """module.CanonicalVersion: "v1" -> "v1.0.0", "v1.2" -> "v1.2.0", build metadata dropped
    except "+incompatible". None when version is not a semantic version."""
    m = _SEMVER.match(version)
    if not m:
        return None
    major, minor, patch, pre, build = m.groups()
    if minor is None:
        return f"v{major}.0.0"
    if patch is None:
        return f"v{major}.{minor}.0"
    cv = f"v{major}.{minor}.{patch}{pre or ''}"
    if build == "+incompatible":
        cv += build
    return cv


def _major(version: str) -> str:
    m = _SEMVER.match(version)
    return f"v{m.group(1)}" if m else ""


def _path_major_problem(version: str, path_major: str) -> Optional[str]:
    """module.CheckPathMajor, for a canonical version."""
    if path_major.startswith(".v") and path_major.endswith("-unstable"):
        path_major = path_major[: -len("-unstable")]
    if version.startswith("v0.0.0-") and path_major == ".v1":
        return None  # an old pseudo-version bug go tolerates (gopkg.in/check.v1)
    major = _major(version)
    if path_major == "":
        if major in ("v0", "v1") or version.endswith("+incompatible"):
            return None
        want = "v0 or v1"
    else:
        if major == path_major[1:]:
            return None
        want = path_major[1:]
    return f'version "{version}" invalid: should be {want}, not {major}'


# --- go.mod lexer (modfile/read.go) -----------------------------------------------------------

_EOF = "EOF"
_EOLCOMMENT = "EOLCOMMENT"
_COMMENT = "COMMENT"
_IDENT = "IDENT"
_STRING = "STRING"
_PUNCT = frozenset("\n()[]{},")
_NOT_IDENT = frozenset(" ()[]{},")


@dataclass(frozen=True)
class _Tok:
    kind: str  # one of the constants above, or the punctuation character itself
    text: str
    line: int

    @property
    def is_eol(self) -> bool:
        return self.kind in (_EOF, _EOLCOMMENT, "\n")


def _is_ident(ch: str) -> bool:
    # isIdent: most printable runes, except space and a handful of ASCII punctuation.
    return ch not in _NOT_IDENT and not ch.isspace() and ch.isprintable()


def _lex(text: str, filename: str) -> list[_Tok]:
    """The tokens of a go.mod, as modfile's readToken produces them (one per call)."""
    toks: list[_Tok] = []
    n = len(text)
    i = 0
    line = 1

    def fail(msg: str, at_line: int) -> ConfigFileError:
        return ConfigFileError(f"{filename}:{at_line}: {msg}")

    while True:
        while i < n and text[i] in " \t\r":
            i += 1
        if i >= n:
            toks.append(_Tok(_EOF, "", line))
            return toks
        if text.startswith("//", i):
            # A comment runs to the end of its line, newline included. It is an end-of-line
            # comment when something other than space precedes it on its line.
            bol = text.rfind("\n", 0, i) + 1
            suffix = text[bol:i].strip() != ""
            j = text.find("\n", i)
            end = n if j < 0 else j + 1
            body = text[i:end]
            if body.endswith("\r\n"):
                body = body[:-2]
            elif body.endswith("\n"):
                body = body[:-1]
            toks.append(_Tok(_EOLCOMMENT if suffix else _COMMENT, body, line))
            i = end
            if j >= 0:
                line += 1
            continue
        if text.startswith("/*", i):
            raise fail("mod files must use // comments (not /* */ comments)", line)
        c = text[i]
        if c in _PUNCT:
            toks.append(_Tok(c, c, line))
            i += 1
            if c == "\n":
                line += 1
            continue
        if c in '"`':
            start = i
            i += 1
            while True:
                if i >= n:
                    raise fail("unexpected EOF in string", line)
                if text[i] == "\n":
                    raise fail("unexpected newline in string", line)
                ch = text[i]
                i += 1
                if ch == c:
                    break
                if ch == "\\" and c != "`":
                    if i >= n:
                        raise fail("unexpected EOF in string", line)
                    if text[i] == "\n":
                        raise fail("unexpected newline in string", line)
                    i += 1
            toks.append(_Tok(_STRING, text[start:i], line))
            continue
        if not _is_ident(c):
            raise fail(f"unexpected input character {c!r}", line)
        start = i
        while i < n and _is_ident(text[i]):
            if text.startswith("//", i):
                break
            if text.startswith("/*", i):
                raise fail("mod files must use // comments (not /* */ comments)", line)
            i += 1
        toks.append(_Tok(_IDENT, text[start:i], line))


# --- go.mod statements (modfile/read.go parseFile, parseStmt, parseLineBlock) ----------------


@dataclass(frozen=True)
class _Line:
    tokens: tuple[_Tok, ...]
    line: int
    comment: Optional[str]  # the end-of-line comment that closes the line, if any


@dataclass(frozen=True)
class _Block:
    tokens: tuple[_Tok, ...]
    line: int
    lines: tuple[_Line, ...]


class _Parser:
    def __init__(self, toks: list[_Tok], filename: str) -> None:
        self.toks = toks
        self.pos = 0
        self.filename = filename

    def fail(self, msg: str, line: int) -> ConfigFileError:
        return ConfigFileError(f"{self.filename}:{line}: {msg}")

    def peek(self) -> _Tok:
        return self.toks[min(self.pos, len(self.toks) - 1)]

    def lex(self) -> _Tok:
        tok = self.peek()
        self.pos += 1
        return tok

    def parse_file(self) -> list[Union[_Line, _Block]]:
        stmts: list[Union[_Line, _Block]] = []
        while True:
            kind = self.peek().kind
            if kind in ("\n", _COMMENT):
                self.lex()
            elif kind == _EOF:
                return stmts
            else:
                stmts.append(self.parse_stmt())

    def parse_stmt(self) -> Union[_Line, _Block]:
        first = self.lex()
        tokens = [first]
        while True:
            tok = self.lex()
            if tok.is_eol:
                return _Line(tuple(tokens), first.line, _comment_of(tok))
            if tok.kind == "(":
                nxt = self.peek()
                if nxt.is_eol:
                    return self.parse_block(tokens, first.line)
                if nxt.kind == ")":
                    rparen = self.lex()
                    if self.peek().is_eol:
                        self.lex()
                        return _Block(tuple(tokens), first.line, ())
                    tokens += [tok, rparen]  # "( )" in the middle of a line
                else:
                    tokens.append(tok)  # "(" in the middle of a line, not a block
                continue
            tokens.append(tok)

    def parse_block(self, verb: list[_Tok], line: int) -> _Block:
        lines: list[_Line] = []
        while True:
            tok = self.peek()
            if tok.kind in (_EOLCOMMENT, "\n", _COMMENT):
                self.lex()
            elif tok.kind == _EOF:
                raise self.fail(
                    f"syntax error (unterminated block started at line {line})", tok.line
                )
            elif tok.kind == ")":
                rparen = self.lex()
                if not self.peek().is_eol:
                    raise self.fail(
                        "syntax error (expected newline after closing paren)", rparen.line
                    )
                self.lex()
                return _Block(tuple(verb), line, tuple(lines))
            else:
                lines.append(self.parse_line())

    def parse_line(self) -> _Line:
        first = self.lex()
        tokens = [first]
        while True:
            tok = self.lex()
            if tok.is_eol:
                return _Line(tuple(tokens), first.line, _comment_of(tok))
            tokens.append(tok)


def _comment_of(tok: _Tok) -> Optional[str]:
    return tok.text if tok.kind == _EOLCOMMENT else None


# --- go.mod directives (modfile/rule.go) ------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    path: str
    version: str  # canonical when it is a semantic version; otherwise as written
    indirect: bool = False
    line: int = 0


@dataclass(frozen=True)
class Replacement:
    """`replace old [old_version] => new [new_version]`; new_version None: a local directory."""

    old_path: str
    old_version: Optional[str]
    new_path: str
    new_version: Optional[str]
    line: int = 0

    @property
    def is_local(self) -> bool:
        return self.new_version is None


@dataclass(frozen=True)
class GoMod:
    module: Optional[str]
    go: Optional[str] = None
    toolchain: Optional[str] = None
    requires: tuple[Requirement, ...] = ()
    replaces: tuple[Replacement, ...] = ()
    excludes: tuple[tuple[str, str], ...] = ()


_GO_VERSION = re.compile(r"^([1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?([a-z]+[0-9]+)?\Z")
_TOOLCHAIN = re.compile(r"^default\Z|^go1(\Z|\.)")
_BLOCK_VERBS = frozenset(
    ["module", "godebug", "require", "exclude", "replace", "retract", "tool", "ignore"]
)
_KNOWN_VERBS = _BLOCK_VERBS | {"go", "toolchain"}
_WORD = re.compile(r"^[a-z]+\Z")
_SIMPLE_ESCAPES = {
    "a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, '"': 34,
}  # fmt: skip


def _go_unquote(quoted: str) -> Optional[str]:
    """strconv.Unquote for a double-quoted Go string; None if invalid."""
    if len(quoted) < 2 or quoted[0] != '"' or quoted[-1] != '"':
        return None
    body = quoted[1:-1]
    out = bytearray()
    i = 0
    n = len(body)
    while i < n:
        ch = body[i]
        if ch in '"\n':
            return None
        if ch != "\\":
            out += ch.encode("utf-8", errors="surrogatepass")
            i += 1
            continue
        if i + 1 >= n:
            return None
        esc = body[i + 1]
        i += 2
        if esc in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[esc])
        elif esc in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[esc]
            digits = body[i : i + width]
            if len(digits) != width or any(d not in "0123456789abcdefABCDEF" for d in digits):
                return None
            value = int(digits, 16)
            i += width
            if esc == "x":
                out.append(value)
            else:
                if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
                    return None
                out += chr(value).encode("utf-8")
        elif esc in "01234567":
            digits = body[i - 1 : i + 2]
            if len(digits) != 3 or any(d not in "01234567" for d in digits):
                return None
            value = int(digits, 8)
            if value > 255:
                return None
            out.append(value)
            i += 2
        else:
            return None
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _is_directory_path(ns: str) -> bool:
    """modfile.IsDirectoryPath: rooted, or starting with ./ ../ (either slash), or C: style."""
    return (
        ns in (".", "..")
        or ns.startswith(("./", ".\\", "../", "..\\", "/", "\\"))
        or (len(ns) >= 2 and ns[0].isascii() and ns[0].isalpha() and ns[1] == ":")
    )


class _Builder:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.module: Optional[str] = None
        self.go: Optional[str] = None
        self.toolchain: Optional[str] = None
        self.requires: list[Requirement] = []
        self.replaces: list[Replacement] = []
        self.excludes: list[tuple[str, str]] = []
        self.seen: set[str] = set()

    def fail(self, line: int, msg: str) -> ConfigFileError:
        return ConfigFileError(
            f"{self.filename}:{line}: {msg}",
            hint="fix go.mod, or check it with 'go mod edit -json'",
        )

    def string(self, line: int, tok: str) -> str:
        """modfile.parseString: a "quoted" string, or a bare token without quote characters."""
        if tok.startswith('"'):
            value = _go_unquote(tok)
            if value is None:
                raise self.fail(line, f"invalid quoted string: {tok}")
            return value
        if any(q in tok for q in "\"'`"):
            raise self.fail(line, "invalid quoted string: unquoted string cannot contain quote")
        return tok

    def version(self, line: int, verb: str, path: str, tok: str) -> str:
        text = self.string(line, tok)
        if text == "":
            raise self.fail(line, f"{verb} {path}: empty version")
        cv = canonical_version(text)
        # With a canonical version go checks the major version against the path. A version that
        # is not semver (a branch, a commit) is legal in the main go.mod: go resolves it through
        # the proxy and rewrites the file. Such versions are kept as written.
        return cv if cv is not None else text

    def path_major(self, line: int, verb: str, path: str) -> str:
        major = path_major(path)
        if major is None:
            raise self.fail(line, f"{verb} {path}: invalid module path")
        return major

    def check_major(self, line: int, verb: str, path: str, major: str, version: str) -> None:
        if canonical_version(version) is None:
            return
        problem = _path_major_problem(version, major)
        if problem:
            raise self.fail(line, f"{verb} {path}: {problem}")

    def add(self, verb: str, args: list[str], line: int, comment: Optional[str]) -> None:
        if verb in ("go", "toolchain", "module"):
            if verb in self.seen:
                raise self.fail(line, f"repeated {verb} statement")
            self.seen.add(verb)
        if verb == "module":
            if len(args) != 1:
                raise self.fail(line, "usage: module module/path")
            self.module = self.string(line, args[0])
        elif verb == "go":
            if len(args) != 1:
                raise self.fail(line, "go directive expects exactly one argument")
            if not _GO_VERSION.match(args[0]):
                raise self.fail(line, f"invalid go version '{args[0]}': must match format 1.23.0")
            self.go = args[0]
        elif verb == "toolchain":
            if len(args) != 1:
                raise self.fail(line, "toolchain directive expects exactly one argument")
            if not _TOOLCHAIN.match(args[0]):
                raise self.fail(
                    line,
                    f"invalid toolchain version '{args[0]}': must match format go1.23.0 or default",
                )
            self.toolchain = args[0]
        elif verb in ("require", "exclude"):
            if len(args) != 2:
                raise self.fail(line, f"usage: {verb} module/path v1.2.3")
            path = self.string(line, args[0])
            version = self.version(line, verb, path, args[1])
            major = self.path_major(line, verb, path)
            self.check_major(line, verb, path, major, version)
            if verb == "require":
                self.requires.append(Requirement(path, version, _is_indirect(comment), line))
            else:
                self.excludes.append((path, version))
        elif verb == "replace":
            self.add_replace(args, line)
        elif verb in ("godebug",):
            if len(args) != 1 or any(q in args[0] for q in "\"`',") or "=" not in args[0]:
                raise self.fail(line, "usage: godebug key=value")
        elif verb in ("tool", "ignore"):
            if len(args) != 1:
                raise self.fail(line, f"{verb} directive expects exactly one argument")
            self.string(line, args[0])
        elif verb == "retract":
            pass  # retractions only matter to the module's users, never to what we download
        elif not _WORD.match(verb):
            raise self.fail(line, f"unknown directive: {verb}")
        # Any other lowercase word is a directive from a newer go: ignored, as go's lax mode does.

    def add_replace(self, args: list[str], line: int) -> None:
        usage = (
            "usage: replace module/path [v1.2.3] => other/module v1.4\n"
            "\t or replace module/path [v1.2.3] => ../local/directory"
        )
        arrow = 1 if len(args) >= 2 and args[1] == "=>" else 2
        if len(args) < arrow + 2 or len(args) > arrow + 3 or args[arrow] != "=>":
            raise self.fail(line, usage)
        old = self.string(line, args[0])
        old_major = self.path_major(line, "replace", old)
        old_version: Optional[str] = None
        if arrow == 2:
            old_version = self.version(line, "replace", old, args[1])
            self.check_major(line, "replace", old, old_major, old_version)
        new = self.string(line, args[arrow + 1])
        new_version: Optional[str] = None
        if len(args) == arrow + 2:
            if not _is_directory_path(new):
                if "@" in new:
                    raise self.fail(
                        line,
                        "replacement module must match format 'path version', not 'path@version'",
                    )
                raise self.fail(
                    line,
                    "replacement module without version must be directory path "
                    "(rooted or starting with . or ..)",
                )
        else:
            new_version = self.version(line, "replace", new, args[arrow + 2])
            if _is_directory_path(new):
                raise self.fail(
                    line, f'replacement module directory path "{new}" cannot have version'
                )
        self.replaces.append(Replacement(old, old_version, new, new_version, line))

    def result(self) -> GoMod:
        return GoMod(
            module=self.module,
            go=self.go,
            toolchain=self.toolchain,
            requires=tuple(self.requires),
            replaces=tuple(self.replaces),
            excludes=tuple(self.excludes),
        )


def _is_indirect(comment: Optional[str]) -> bool:
    """modfile.isIndirect: the line's comment is `// indirect` or starts `// indirect; ...`."""
    if comment is None:
        return False
    fields = comment[2:].split() if comment.startswith("//") else comment.split()
    return (len(fields) == 1 and fields[0] == "indirect") or (
        len(fields) > 1 and fields[0] == "indirect;"
    )


def parse_go_mod(text: str, filename: str = "go.mod") -> GoMod:
    """Parse go.mod text. Malformed input raises ConfigFileError("FILE:LINE: problem").

    Follows modfile.Parse: `//` comments only, "double-quoted" strings with Go escapes,
    `verb ( ... )` blocks, CRLF line ends. Deviations, all on the lenient side: retract
    lines are not checked; directives from a newer go (any other lowercase word) are ignored;
    a version that is not semver (a branch name) is kept as written, as the go command
    accepts it in the main module.
    """
    stmts = _Parser(_lex(text, filename), filename).parse_file()
    builder = _Builder(filename)
    for stmt in stmts:
        if isinstance(stmt, _Line):
            verb = stmt.tokens[0].text
            args = [t.text for t in stmt.tokens[1:]]
            builder.add(verb, args, stmt.line, stmt.comment)
            continue
        verb = stmt.tokens[0].text
        if len(stmt.tokens) > 1 or (verb not in _BLOCK_VERBS and verb in _KNOWN_VERBS):
            raise builder.fail(
                stmt.line, "unknown block type: " + " ".join(t.text for t in stmt.tokens)
            )
        if verb not in _BLOCK_VERBS:
            if not _WORD.match(verb):
                raise builder.fail(stmt.line, f"unknown block type: {verb}")
            continue
        for line in stmt.lines:
            builder.add(verb, [t.text for t in line.tokens], line.line, line.comment)
    return builder.result()


# --- the project's workload -------------------------------------------------------------------


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


def _same_dir(a: Path, b: Path) -> bool:
    try:
        return a == b or a.samefile(b)
    except OSError:
        return False


def _clean(path: Path) -> Path:
    """Absolute and lexically cleaned, like filepath.Clean (symlinks are kept, as go does)."""
    return Path(os.path.normpath(Path(path).absolute()))


def find_module_root(start: Path) -> Optional[Path]:
    """The nearest directory at or above start that holds a go.mod file (like go's
    findModuleRoot), or None. A go.work needs no special handling: a workspace root without
    its own go.mod simply has no module root (unless a parent has one). Like go, a go.mod
    directly in the system temp directory is ignored."""
    d = _clean(start)
    if not d.is_dir() and _is_file(d):
        d = d.parent
    while True:
        if _is_file(d / "go.mod"):
            if _same_dir(d, _clean(Path(tempfile.gettempdir()))):
                return None
            return d
        parent = d.parent
        if parent == d:
            return None
        d = parent


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    # go reads bytes; an invalid sequence decodes to U+FFFD, which go's lexer also sees.
    return data.decode("utf-8", errors="replace")


def _module_ok(path: str, version: str) -> bool:
    return module_path_problem(path) is None and canonical_version(version) == version


def load_project(root: Path) -> Workload:
    """The modules `go mod download` would fetch for the module at root.

    Every (path, version) in go.sum is part of the build list or the module graph; a version
    with only a `/go.mod` line needs only its go.mod. go.mod requirements that go.sum lacks
    (or every requirement, without a go.sum) need the zip. Replacements apply (a local
    directory: dropped; another module version: that one instead), exclusions and the main
    module are dropped; entries that are not a valid module path with a canonical version
    (a branch name still to be resolved, stray junk) are skipped.
    """
    root = Path(root)
    go_mod_path = root / "go.mod"
    gomod = parse_go_mod(_read_text(go_mod_path), str(go_mod_path))
    if gomod.module is None:
        raise ConfigFileError(
            f"{go_mod_path}: no module declaration",
            hint="add a line 'module example.com/yourmodule' at the top of go.mod",
        )
    go_sum_path = root / "go.sum"
    sums: dict[tuple[str, str], GoSumEntry] = {}
    if _is_file(go_sum_path):
        sums = parse_go_sum(_read_text(go_sum_path), str(go_sum_path))

    exact: dict[tuple[str, str], Replacement] = {}
    wildcard: dict[str, Replacement] = {}
    for rep in gomod.replaces:
        if rep.old_version is None:
            prev = wildcard.get(rep.old_path)
            wildcard[rep.old_path] = rep
        else:
            prev = exact.get((rep.old_path, rep.old_version))
            exact[(rep.old_path, rep.old_version)] = rep
        if prev is not None and (prev.new_path, prev.new_version) != (
            rep.new_path,
            rep.new_version,
        ):
            where = rep.old_path + (f" {rep.old_version}" if rep.old_version else "")
            raise ConfigFileError(
                f"{go_mod_path}:{rep.line}: conflicting replacements for {where} "
                f"(also on line {prev.line})"
            )
    excluded = set(gomod.excludes)
    main = gomod.module

    def target(path: str, version: str) -> Optional[tuple[str, str]]:
        if path == main or (path, version) in excluded:
            return None
        rep = exact.get((path, version)) or wildcard.get(path)
        if rep is None:
            return path, version
        if rep.new_version is None:
            return None  # replaced by a directory on disk: nothing to download
        return rep.new_path, rep.new_version

    needs: dict[tuple[str, str], bool] = {}

    def add(key: Optional[tuple[str, str]], needs_zip: bool) -> None:
        if key is None or key[0] == main or not _module_ok(*key):
            return
        needs[key] = needs.get(key, False) or needs_zip

    for (path, version), entry in sums.items():
        add(target(path, version), entry.zip_hash is not None)
    for req in gomod.requires:
        key = target(req.path, req.version)
        if key is None:
            continue
        found = sums.get(key)
        add(key, True if found is None else found.zip_hash is not None)

    modules = tuple(ModuleRef(p, v, z) for (p, v), z in sorted(needs.items()))
    return Workload(
        source="project",
        root=root,
        modules=modules,
        go_version=gomod.go,
        toolchain=gomod.toolchain,
    )


# --- the built-in sample ----------------------------------------------------------------------

# Popular modules at released versions (each seen in real go.sum files with its h1 hashes).
# A few appear in go.sum files only as `/go.mod` lines and are fetched as .mod alone, as go does.
# github.com/BurntSushi/toml and github.com/Masterminds/semver/v3 exercise case-encoding ("!b").
SAMPLE: tuple[ModuleRef, ...] = (
    ModuleRef("github.com/BurntSushi/toml", "v1.4.0"),
    ModuleRef("github.com/Masterminds/semver/v3", "v3.2.1"),
    ModuleRef("github.com/cpuguy83/go-md2man/v2", "v2.0.4"),
    ModuleRef("github.com/davecgh/go-spew", "v1.1.1"),
    ModuleRef("github.com/gin-gonic/gin", "v1.10.0"),
    ModuleRef("github.com/go-chi/chi/v5", "v5.0.12"),
    ModuleRef("github.com/google/go-cmp", "v0.6.0"),
    ModuleRef("github.com/google/uuid", "v1.6.0"),
    ModuleRef("github.com/gorilla/mux", "v1.8.1"),
    ModuleRef("github.com/inconshreveable/mousetrap", "v1.1.0"),
    ModuleRef("github.com/kr/pretty", "v0.3.1", needs_zip=False),
    ModuleRef("github.com/mattn/go-isatty", "v0.0.20"),
    ModuleRef("github.com/pkg/errors", "v0.9.1"),
    ModuleRef("github.com/pmezard/go-difflib", "v1.0.0"),
    ModuleRef("github.com/prometheus/client_golang", "v1.19.1"),
    ModuleRef("github.com/russross/blackfriday/v2", "v2.1.0"),
    ModuleRef("github.com/sirupsen/logrus", "v1.9.3"),
    ModuleRef("github.com/spf13/cobra", "v1.8.1"),
    ModuleRef("github.com/spf13/pflag", "v1.0.5"),
    ModuleRef("github.com/stretchr/objx", "v0.5.2", needs_zip=False),
    ModuleRef("github.com/stretchr/testify", "v1.9.0"),
    ModuleRef("go.uber.org/multierr", "v1.11.0"),
    ModuleRef("go.uber.org/zap", "v1.27.0"),
    ModuleRef("golang.org/x/crypto", "v0.24.0"),
    ModuleRef("golang.org/x/net", "v0.26.0"),
    ModuleRef("golang.org/x/sync", "v0.7.0"),
    ModuleRef("golang.org/x/sys", "v0.21.0"),
    ModuleRef("golang.org/x/text", "v0.16.0"),
    ModuleRef("google.golang.org/protobuf", "v1.34.2"),
    ModuleRef("gopkg.in/check.v1", "v0.0.0-20161208181325-20d25e280405", needs_zip=False),
    ModuleRef("gopkg.in/yaml.v3", "v3.0.1"),
)


def sample_workload() -> Workload:
    """The built-in sample, for when there is no Go project at hand."""
    return Workload(source="sample", root=None, modules=SAMPLE)


def resolve_workload(project: Optional[Path], cwd: Path) -> Workload:
    """--project DIR (must hold a go.mod), else the module enclosing cwd, else the sample."""
    if project is not None:
        project = Path(project)
        if not _is_file(project / "go.mod"):
            raise InputError(
                f"no go.mod in {project}",
                hint="name the directory of a Go module: the one that holds its go.mod file",
            )
        return load_project(project)
    root = find_module_root(cwd)
    if root is None:
        return sample_workload()
    return load_project(root)
