"""The print target: eval-able lines on stdout for this shell only; nothing is written."""

from __future__ import annotations

from typing import TYPE_CHECKING

from goaccel.configure.targets.base import Description, Options, Prepared, Target

if TYPE_CHECKING:
    from goaccel.configure.plan import Plan
    from goaccel.gotool.env import GoEnv


class PrintTarget(Target):
    name = "print"
    summary = "print"
    options = frozenset({"shell"})
    description = Description(writes=False, owns_stdout=True)

    def check(self, goenv: GoEnv, options: Options, *, dry_run: bool) -> None:
        from goaccel.configure import shellrc

        shellrc.resolve_shell(options.shell)

    def prepare(self, plan: Plan, goenv: GoEnv, options: Options) -> Prepared:
        from goaccel.configure import shellrc

        sh = shellrc.resolve_shell(options.shell)
        # One-shot environments (eval in CI): every decided value, self-contained.
        values = dict(plan.settings)
        return Prepared(self.name, values, [], lines=shellrc.render_lines(sh, values), shell=sh)


TARGET = PrintTarget()
