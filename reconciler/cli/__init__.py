"""The ``reconcile`` command: thin click commands over the engine."""

from __future__ import annotations

import json
from typing import Any

import click

from reconciler import __version__
from reconciler.engine import Plan, Problem
from reconciler.errors import ReconcilerError
from reconciler.render import report_json
from reconciler.spec import SpecErrors
from reconciler.workflows import spec_problem

from ._common import report
from .apply_cmd import apply
from .compat_cmd import compat
from .drift_cmd import drift
from .evolve_cmd import evolve_command
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
PLAN_COMMANDS = ("plan", "show")  # their JSON is the plan artifact, not the report envelope


class Reconcile(click.Group):
    """The root group: a usage error exits ``EX_USAGE``, never click's 2; a failure a
    user can act on (``ReconcilerError``) is reported here, the one place, and exits 1.

    2 means "changes" (plan) or "drifted" (drift): a CI job reading a mistyped
    option as 2 would pass. Every usage error of every subcommand is raised
    while this group makes its context or invokes a subcommand, so both are
    wrapped here and no command needs to do anything.
    """

    def make_context(
        self, info_name: str | None, args: list[str], *rest: Any, **kwargs: Any
    ) -> click.Context:
        argv = list(args)
        try:
            ctx = super().make_context(info_name, list(args), *rest, **kwargs)
        except click.UsageError as exc:
            raise _usage_error(exc, argv) from None
        ctx.meta["reconcile.argv"] = argv
        return ctx

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _usage_error(exc, ctx.meta["reconcile.argv"]) from None
        except ReconcilerError as exc:
            args = ctx.meta["reconcile.argv"]
            if _wants_json(args):  # a tool reading stdout learns why, as with usage errors
                click.echo(_json_failure(_command(args), exc))
            report(exc)


def _usage_error(exc: click.UsageError, args: list[str]) -> click.UsageError:
    """Exit ``EX_USAGE``; with ``-o json`` asked for, also print the error as the
    report envelope on stdout, so that a tool reading stdout sees why."""
    exc.exit_code = EX_USAGE
    if _wants_json(args):
        body = {"status": "usage_error", "error": exc.format_message()}
        click.echo(report_json(_command(args), body))
    return exc


def _command(args: list[str]) -> str:
    """The subcommand's name in ``args`` (its first word that is not an option or
    ``-o``'s value), or ``reconcile``."""
    values = {i + 1 for i, a in enumerate(args) if a in ("-o", "--output")}
    words = (a for i, a in enumerate(args) if i not in values and not a.startswith("-"))
    return next(words, "reconcile")


def _json_failure(command: str, exc: ReconcilerError) -> str:
    """``exc`` in the form the command's ``-o json`` has: a failed plan for the
    commands whose JSON is the plan artifact, else the report envelope."""
    if command in PLAN_COMMANDS:
        errors = exc.errors if isinstance(exc, SpecErrors) else []
        problems = [spec_problem(e) for e in errors] or [Problem("error", "", "", str(exc))]
        return json.dumps(Plan(problems=problems).to_json(), indent=2)
    if isinstance(exc, SpecErrors):
        return report_json(command, {"status": "error", "errors": [str(e) for e in exc.errors]})
    return report_json(command, {"status": "error", "error": str(exc)})


def _wants_json(args: list[str]) -> bool:
    pairs = zip(args, [*args[1:], ""], strict=True)
    return any(
        (a in ("-o", "--output") and b == "json") or a in ("--output=json", "-ojson")
        for a, b in pairs
    )


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
main.add_command(evolve_command)
main.add_command(export)
main.add_command(drift)
main.add_command(migrate)
main.add_command(history)
main.add_command(mcp)
