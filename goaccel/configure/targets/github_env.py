"""The github-env target: KEY=value lines appended to $GITHUB_ENV, for the later steps of a
GitHub Actions job. The runner owns that file and the job's environment ends with the job, so
nothing is journaled and there is nothing to undo."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from goaccel.configure.targets.base import (
    Description,
    FilePlan,
    Options,
    Prepared,
    Target,
    Written,
)
from goaccel.errors import InputError, WriteError

if TYPE_CHECKING:
    from goaccel.configure.journal import Journal
    from goaccel.configure.plan import Plan
    from goaccel.gotool.env import GoEnv

KIND = "github-env"


def github_env_path() -> Path:
    env_path = os.environ.get("GITHUB_ENV")
    if not env_path:
        raise InputError(
            "--target github-env needs $GITHUB_ENV, which GitHub Actions sets for each step",
            hint="outside GitHub Actions use --target print or --target go-env",
        )
    return Path(env_path)


class GitHubEnvTarget(Target):
    name = "github-env"
    summary = "github-env"
    description = Description(
        appends=True,
        effect="the next steps of this job see the new values (nothing to undo: the job's "
        "environment ends with it).",
    )

    def check(self, goenv: GoEnv, options: Options, *, dry_run: bool) -> None:
        github_env_path()

    def prepare(self, plan: Plan, goenv: GoEnv, options: Options) -> Prepared:
        from goaccel.fsutil import read_bytes_or_none
        from goaccel.gotool import env as goenv_mod

        values = dict(plan.settings)
        for v in values.values():
            goenv_mod.check_subprocess_env_value(v)
        path = github_env_path()
        before = read_bytes_or_none(path)
        addition = "".join(f"{k}={v}\n" for k, v in values.items()).encode("utf-8")
        prefix = before or b""
        if prefix and not prefix.endswith(b"\n"):
            prefix += b"\n"
        return Prepared(self.name, values, [FilePlan(path, KIND, before, prefix + addition)])

    def commit(self, prepared: Prepared, goenv: GoEnv, journal: Journal) -> Written:
        files = [f for f in prepared.files if f.changed]
        if not files:
            return Written(prepared.target, [], None)
        # Appended, not replaced: earlier steps may have added lines since it was read, and
        # they stay.
        f = files[0]
        try:
            with open(f.path, "ab") as fh:
                fh.write(f.after[len(f.before or b"") :])
        except OSError as exc:
            raise WriteError(f"cannot append to {f.path}: {exc.strerror or exc}") from None
        return Written(prepared.target, [str(f.path)], None)


TARGET = GitHubEnvTarget()
