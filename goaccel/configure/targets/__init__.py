"""The targets goaccel can write a plan to, one module each, and the registry that names them.

A new target is one new module with a Target subclass (see base.py), added to _BUILTIN here;
setup_flow, apply and the CLI find it through this registry and never ask which one they have.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from goaccel.configure.targets import github_env, go_env, shell
from goaccel.configure.targets import print as print_target
from goaccel.configure.targets.base import OPTION_FLAGS, Options, Target
from goaccel.errors import ConfigFileError, InputError

if TYPE_CHECKING:
    from goaccel.gotool.env import GoEnv

_BUILTIN: tuple[Target, ...] = (go_env.TARGET, shell.TARGET, print_target.TARGET, github_env.TARGET)

#: Every target by name, in the order --help lists them.
REGISTRY: dict[str, Target] = {t.name: t for t in _BUILTIN}

#: Without --target (and without an option that implies one): the first of these that can
#: work here. The go env file is what go users expect; a shell block works without go.
DEFAULTS = ("go-env", "shell")


def names() -> list[str]:
    return list(REGISTRY)


def help_text() -> str:
    """The --target help: every target, with what makes it the default."""
    return "Where to write: " + ", ".join(t.summary for t in REGISTRY.values()) + "."


def get(name: str) -> Target:
    try:
        return REGISTRY[name]
    except KeyError:
        raise InputError(
            f"unknown target '{name}'", hint=f"choose one of: {', '.join(REGISTRY)}"
        ) from None


def find(name: Optional[str]) -> Optional[Target]:
    """The registered target `name`, or None (no name, or one goaccel does not know)."""
    return REGISTRY.get(name) if name is not None else None


def for_file_kind(kind: str) -> Target:
    """The target that undoes a journaled file of this kind (journals of every earlier
    version record "go-env" and "rc")."""
    for t in REGISTRY.values():
        if kind in t.file_kinds:
            return t
    raise ConfigFileError(
        f"the undo journal records a file of kind {kind!r}, which this goaccel cannot revert",
        hint="upgrade goaccel, or revert that file by hand and move the journal away",
    )


def resolve(name: Optional[str], goenv: GoEnv, options: Options) -> tuple[Target, list[str]]:
    """The target to use and notes about the choice: --target when given; else the target an
    option implies (--shell or --rc-file mean the shell target); else the first of DEFAULTS
    that can work here."""
    given = options.given()
    if name is None:
        for t in REGISTRY.values():
            if t.implied_by & set(given):
                return t, []
    known = find(name)
    for option in given:
        takers = [t.name for t in REGISTRY.values() if option in t.options]
        # An option only one target takes conflicts with any other --target, even a misspelled
        # one; the others only with a known target that does not take them.
        conflicts = option not in known.options if known else len(takers) == 1
        if name is not None and conflicts:
            raise InputError(
                f"{OPTION_FLAGS[option]} applies to --target {' or '.join(takers)}, "
                f"not --target {name}"
            )
    if name is None:
        notes: list[str] = []
        for default in DEFAULTS:
            t = REGISTRY[default]
            refusal = t.default_refusal(goenv)
            if refusal is None:
                return t, notes
            notes.append(refusal)
        raise AssertionError("the last default target can always be used")
    t = get(name)
    t.check_available(goenv)
    return t, []
