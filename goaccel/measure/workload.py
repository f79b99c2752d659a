"""What to download when measuring a mirror: the user's own module graph, or a built-in sample.

go.mod and go.sum are read with goaccel.gocompat (gomod, gosum); their errors become
ConfigFileError here.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from goaccel.errors import ConfigFileError, InputError
from goaccel.gocompat import gomod as _gomod
from goaccel.gocompat.gomod import GoMod, ModFileError, Replacement, Requirement
from goaccel.gocompat.gosum import GoSumEntry, GoSumError, parse_go_sum
from goaccel.gocompat.modpath import module_path_problem
from goaccel.gocompat.semver import canonical_version

__all__ = [
    "SAMPLE",
    "GoMod",
    "ModuleRef",
    "Replacement",
    "Requirement",
    "ToolchainNeed",
    "Workload",
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
class ToolchainNeed:
    """The toolchain go downloads before running any command in the module (measure.toolchain
    decides it from go's selection rule): one more zip of the workload."""

    name: str  # the toolchain go switches to, e.g. "go1.99.0"
    module: ModuleRef  # golang.org/toolchain v0.0.1-go1.99.0.linux-amd64
    reason: str  # "go line" | "toolchain line" | "GOTOOLCHAIN"

    @property
    def key(self) -> str:
        return f"{self.module.path}@{self.module.version}"


@dataclass(frozen=True)
class Workload:
    """The modules a benchmark downloads, and where they came from."""

    source: str  # "project" | "sample"
    root: Optional[Path]
    modules: tuple[ModuleRef, ...]
    go_version: Optional[str] = None
    toolchain: Optional[str] = None  # the go.mod's toolchain line
    # The toolchain go downloads first (a go or toolchain line newer than the local go):
    # set by measure.toolchain.with_toolchain, which knows the local go.
    toolchain_download: Optional[ToolchainNeed] = None

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


def parse_go_mod(text: str, filename: str = "go.mod") -> GoMod:
    """gocompat.gomod.parse_go_mod, with its errors as ConfigFileError("FILE:LINE: problem")."""
    try:
        return _gomod.parse_go_mod(text, filename)
    except ModFileError as exc:
        hint = "fix go.mod, or check it with 'go mod edit -json'" if exc.directive else None
        raise ConfigFileError(str(exc), hint=hint) from None


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
        try:
            sums = parse_go_sum(_read_text(go_sum_path), str(go_sum_path))
        except GoSumError as exc:
            raise ConfigFileError(str(exc), hint="run 'go mod tidy' to rewrite go.sum") from None

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
