"""The ``reconcile`` command: thin click commands over the engine."""

from __future__ import annotations

from typing import Any

import click

from reconciler import __version__

from .apply_cmd import apply
from .compat_cmd import compat
from .drift_cmd import drift
from .export_cmd import export
from .history_cmd import history
from .init_cmd import init
from .lint_cmd import lint_command
from .mcp_cmd import mcp
from .migrate_cmd import migrate
from .plan_cmd import plan
from .registry_cmd import registry
from .show_cmd import show
from .validate_cmd import validate

EX_USAGE = 64  # sysexits.h: the command was used incorrectly


class Reconcile(click.Group):
    """The root group: a usage error exits ``EX_USAGE``, never click's 2.

    2 means "changes" (plan) or "drifted" (drift): a CI job reading a mistyped
    option as 2 would pass. Every usage error of every subcommand is raised
    while this group makes its context or invokes a subcommand, so both are
    wrapped here and no command needs to do anything.
    """

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            exc.exit_code = EX_USAGE
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            exc.exit_code = EX_USAGE
            raise


@click.group(cls=Reconcile, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reconcile")
def main() -> None:
    """GitOps for Kafka schema registries: validate, plan and apply YAML specs."""


main.add_command(init)
main.add_command(validate)
main.add_command(lint_command)
main.add_command(plan)
main.add_command(apply)
main.add_command(show)
main.add_command(registry)
main.add_command(compat)
main.add_command(export)
main.add_command(drift)
main.add_command(migrate)
main.add_command(history)
main.add_command(mcp)
