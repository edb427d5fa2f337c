"""The ``reconcile`` command: thin click commands over the engine."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import click

from reconciler import __version__
from reconciler._gc import gc_paused
from reconciler.errors import ReconcilerError
from reconciler.render import report_json
from reconciler.spec import SpecErrors

from ._common import report
from ._exit import run_then_exit
from ._stdio import whole_writes

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

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

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click's, from ``COMMANDS``' summaries: ``--help`` imports no command."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS.summary(name, limit)) for name in names])

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """As click's, from ``COMMANDS``' summaries: completing a command's name imports
        no command (the names only; ``Command``'s own, the options, follow)."""
        from click.shell_completion import CompletionItem

        names = [name for name in self.list_commands(ctx) if name.startswith(incomplete)]
        items = [CompletionItem(name, help=COMMANDS.summary(name)) for name in names]
        return items + click.Command.shell_complete(self, ctx, incomplete)

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
        from reconciler.engine import Plan, Problem  # a plan's models: see plan_cmd's imports
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
    imports"). ``reconcile --help`` and the shell completion of a command's name
    show each command's summary from here (``summary``), importing none of them;
    tests/cli/test_completion.py checks that each is its command's help.
    """

    def __init__(self, where: Mapping[str, tuple[str, str]]) -> None:
        # name -> ("module:attribute", the first paragraph of the command's help);
        # the module relative to this package
        self._where = where
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            module, _, attribute = self._where[name][0].partition(":")
            with gc_paused():  # what a command imports lives as long as the process
                self._loaded[name] = getattr(importlib.import_module(module, __name__), attribute)
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def summary(self, name: str, limit: int = 45) -> str:
        """What ``self[name].get_short_help_str(limit)`` says, without importing it."""
        return click.Command(name, help=self._where[name][1]).get_short_help_str(limit)


COMMANDS = Commands(
    {
        "init": (
            ".init_cmd:init",
            "Start a project in DIR: a commented project file, one example spec and "
            "schema, and a .gitignore for reconcile's local state (.reconcile/).",
        ),
        "validate": (
            ".validate_cmd:validate",
            "Check the project file and spec files in DIR, without contacting any registry.",
        ),
        "lint": (
            ".lint_cmd:lint_command",
            "Check the specs and their schemas against conventions that plan and apply "
            "do not enforce.",
        ),
        "plan": (
            ".plan_cmd:plan",
            "Show what apply would change to make the registries match the specs.",
        ),
        "apply": (
            ".apply_cmd:apply",
            "Apply the plan for the project in DIR, or a plan saved by `plan --out`.",
        ),
        "show": (
            ".show_cmd:show",
            "Print a plan saved by `reconcile plan --out`, e.g. as markdown for a PR comment.",
        ),
        "registry": (
            ".registry_cmd:registry",
            "The embedded Confluent-compatible schema registry (SQLite file).",
        ),
        "compat": (
            ".compat_cmd:compat",
            "Check NEW against earlier versions: PREVIOUS... NEW, or --subject S --registry R NEW.",
        ),
        "evolve": (
            ".evolve_cmd:evolve_command",
            "Advise on evolving SUBJECT to SCHEMA (default: the schema its spec declares).",
        ),
        "export": (
            ".export_cmd:export",
            "Write what a registry holds as specs and schema files (adopt a registry).",
        ),
        "drift": (
            ".drift_cmd:drift",
            "Report how the live registries differ from the specs; change nothing.",
        ),
        "migrate": (
            ".migrate_cmd:migrate",
            "Copy every subject and version of R1 (or of some contexts) into R2, then verify.",
        ),
        "history": (
            ".history_cmd:history",
            "List the past applies of the project in DIR: who, when, what, outcome.",
        ),
        "mcp": (
            ".mcp_cmd:mcp",
            "Serve the project in DIR over MCP: tools to inspect registries, validate, "
            "plan and (after the user confirms) apply; see docs/mcp.md.",
        ),
    }
)


@click.group(
    cls=Reconcile, commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, prog_name="reconcile")
def main() -> None:
    """GitOps for Kafka schema registries: validate, plan and apply YAML specs."""


def entry() -> None:
    """What the ``reconcile`` command runs (``reconciler/__main__.py``): ``main``, then
    the process ends as ``cli/_exit.py`` says (without freeing a plan's heap). What it
    prints reaches its reader whole (``cli/_stdio.py``)."""
    whole_writes()
    run_then_exit(main)
