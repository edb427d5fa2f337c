"""The ``reconcile`` command: thin click commands over the engine."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator, Mapping
from typing import Any

import click

from reconciler import __version__
from reconciler.engine import Plan, Problem
from reconciler.errors import ReconcilerError
from reconciler.render import report_json
from reconciler.spec import SpecErrors

from ._common import report

# httpx's __init__ imports its own command-line client (``httpx._main``: rich's progress,
# table and syntax modules and pygments, a third of importing httpx) whenever they are
# installed, as here, and falls back to a stub on ImportError. The ``reconcile`` process
# never runs that client: a None module makes the import fail (before httpx is imported,
# which none of the imports above does; tests/cli/test_imports.py checks it).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

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
        from reconciler.workflows import spec_problem  # drift's: loaded on this path only

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


class Commands(Mapping[str, click.Command]):
    """The subcommands by name, each imported from its module when first looked up.

    ``reconcile plan`` then imports plan's module and what it uses, not the MCP
    server's, export's or lint's (docs/performance.md, "Session 6: what a plan
    imports"); ``reconcile --help`` imports every command's module for its line.
    """

    def __init__(self, where: Mapping[str, str]) -> None:
        self._where = where  # name -> "module:attribute", the module relative to this package
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            module, _, attribute = self._where[name].partition(":")
            self._loaded[name] = getattr(importlib.import_module(module, __name__), attribute)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


COMMANDS = Commands(
    {
        "init": ".init_cmd:init",
        "validate": ".validate_cmd:validate",
        "lint": ".lint_cmd:lint_command",
        "plan": ".plan_cmd:plan",
        "apply": ".apply_cmd:apply",
        "show": ".show_cmd:show",
        "registry": ".registry_cmd:registry",
        "compat": ".compat_cmd:compat",
        "evolve": ".evolve_cmd:evolve_command",
        "export": ".export_cmd:export",
        "drift": ".drift_cmd:drift",
        "migrate": ".migrate_cmd:migrate",
        "history": ".history_cmd:history",
        "mcp": ".mcp_cmd:mcp",
    }
)


@click.group(
    cls=Reconcile, commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="reconcile")
def main() -> None:
    """GitOps for Kafka schema registries: validate, plan and apply YAML specs."""
