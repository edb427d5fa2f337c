"""The ``reconcile`` command: thin click commands over the engine."""

from __future__ import annotations

import click

from reconciler import __version__

from .apply_cmd import apply
from .compat_cmd import compat
from .drift_cmd import drift
from .export_cmd import export
from .lint_cmd import lint_command
from .mcp_cmd import mcp
from .migrate_cmd import migrate
from .plan_cmd import plan
from .registry_cmd import registry
from .show_cmd import show
from .validate_cmd import validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="reconcile")
def main() -> None:
    """GitOps for Kafka schema registries: validate, plan and apply YAML specs."""


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
main.add_command(mcp)
