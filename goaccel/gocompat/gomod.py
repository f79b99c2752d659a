"""go.mod files: the lexer, the block structure and the directives goaccel reads.

Follows golang.org/x/mod/modfile (read.go for the lexer and the block structure, rule.go for
the directives, GoVersionRE and ToolchainRE), as vendored in `$(go env GOROOT)/src/cmd/vendor`.
Pure and stdlib-only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Union

from goaccel.gocompat.modpath import check_path_major, path_major
from goaccel.gocompat.quote import unquote
from goaccel.gocompat.semver import canonical_version

__all__ = ["GoMod", "ModFileError", "Replacement", "Requirement", "parse_go_mod"]


class ModFileError(ValueError):
    """go.mod text go would refuse, as "FILE:LINE: problem".

    directive is True when the file parses but a directive in it is wrong (as opposed to a
    syntax error): `go mod edit -json` then shows what go read.
    """

    def __init__(self, message: str, *, directive: bool = False) -> None:
        super().__init__(message)
        self.directive = directive


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

    def fail(msg: str, at_line: int) -> ModFileError:
        return ModFileError(f"{filename}:{at_line}: {msg}")

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

    def fail(self, msg: str, line: int) -> ModFileError:
        return ModFileError(f"{self.filename}:{line}: {msg}")

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

    def parse_stmt(self, *, in_block: bool = False) -> Union[_Line, _Block]:
        """parseStmt; in_block: parseLine, a line inside a block, where '(' is a token."""
        first = self.lex()
        tokens = [first]
        while True:
            tok = self.lex()
            if tok.is_eol:
                return _Line(tuple(tokens), first.line, _comment_of(tok))
            if tok.kind == "(" and not in_block:
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
        line = self.parse_stmt(in_block=True)
        assert isinstance(line, _Line)  # only a '(' starts a block, and here it cannot
        return line


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

    def fail(self, line: int, msg: str) -> ModFileError:
        return ModFileError(f"{self.filename}:{line}: {msg}", directive=True)

    def string(self, line: int, tok: str) -> str:
        """modfile.parseString: a "quoted" string, or a bare token without quote characters."""
        if tok.startswith('"'):
            value = unquote(tok)
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
        problem = check_path_major(version, major)
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
    """Parse go.mod text. Malformed input raises ModFileError("FILE:LINE: problem").

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
