"""``reconcile apply``: a fresh plan or a saved one, confirmed, journaled, verified."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import click

from reconciler.engine import (
    JOURNAL_DIR,
    ApplySession,
    Interrupted,
    Listener,
    Plan,
    PlanOptions,
    Status,
    StepResult,
    open_clients,
    targeted_registries,
)
from reconciler.render import markup, render_text
from reconciler.spec.model import Project

from ._common import console, fail, load, project_dir_option, registry_option, run
from .plan_cmd import plan_options


class _Terminal(Listener):
    """The session shown on the terminal; confirmation asked on it."""

    def __init__(self, auto_approve: bool) -> None:
        self.auto_approve = auto_approve
        self.asks = not auto_approve

    def recovering(self, interrupted: list[Interrupted]) -> None:
        for item in interrupted:
            console(stderr=True).print(f"warning: {item.describe()}", markup=False)

    def planned(self, plan: Plan) -> None:
        console().print(render_text(plan))

    async def confirm(self, plan: Plan) -> bool:
        if self.auto_approve:
            return True
        if not sys.stdin.isatty():
            fail(
                "refusing to apply without confirmation: no terminal to ask on. "
                "Pass --auto-approve."
            )
        return click.confirm("\nApply these changes?", default=False)

    def applying(self, journal: Path) -> None:
        console().print(f"\nApplying (journal {journal}):", markup=False)

    def step(self, result: StepResult, index: int, total: int) -> None:
        action = result.action
        mark = "[green]ok[/]" if result.ok else "[red]FAILED[/]"
        console().print(
            f"  [{index}/{total}] {mark} {action.kind.value} {markup.escape(action.label)} "
            f"({markup.escape(action.registry)}): {markup.escape(result.detail)}",
            highlight=False,
        )


async def _apply(
    project: Project,
    registries: tuple[str, ...],
    saved: Plan | None,
    auto_approve: bool,
    options: PlanOptions,
    journal_dir: Path,
) -> int:
    if saved is not None and not registries:
        registries = tuple(r.name for r in saved.registries)
    names = targeted_registries(project, registries)
    async with open_clients(project, names) as clients:
        session = ApplySession(
            project, clients, journal_dir, options, saved, _Terminal(auto_approve)
        )
        outcome = await session.run()
    if outcome.status is Status.APPLIED:
        console().print(f"\n[green]Apply complete[/]: {markup.escape(outcome.message)}")
    elif outcome.status is Status.CANCELLED:
        console().print(outcome.message, markup=False)
    elif outcome.status is Status.STILL_DIFFERS:
        assert outcome.after is not None
        console().print("\n[red]Apply finished, but the registries still differ:[/]")
        console().print(render_text(outcome.after))
    elif not outcome.ok:
        console(stderr=True).print(f"[red]error[/]: {markup.escape(outcome.message)}")
    return outcome.exit_code


@click.command()
@click.argument("directory", default=".", type=click.Path(), metavar="[DIR]")
@click.option(
    "--plan",
    "plan_file",
    default=None,
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Apply this plan saved by `plan --out`, only if the registries are still as it saw them.",
)
@project_dir_option(
    "The project directory when DIR names a saved plan, as in `apply plan.json -C DIR`.",
    default=None,
)
@registry_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option(
    "--journal",
    "journal_dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    default=None,
    help="Where the apply journal is written (default: DIR/.reconcile/journal).",
)
@plan_options
def apply(
    directory: str,
    plan_file: str | None,
    project_dir: str | None,
    registries: tuple[str, ...],
    auto_approve: bool,
    journal_dir: str | None,
    options: PlanOptions,
) -> None:
    """Apply the plan for the project in DIR, or a plan saved by `plan --out`.

    A saved plan is applied only if the live state is still the one it was
    made from. Every step is journaled; an interrupted apply is reported and
    taken over by the next one. Apply ends by planning again and succeeds
    only if that plan is empty.
    """
    if plan_file is None and Path(directory).is_file():  # terraform's `apply PLANFILE`
        plan_file, directory = directory, project_dir or "."
    elif project_dir is not None:
        raise click.UsageError("-C/--dir goes with a saved plan given in place of DIR")
    saved = None
    if plan_file is not None:
        try:
            saved = Plan.from_json(json.loads(Path(plan_file).read_text()))
        except OSError as exc:
            fail(f"{plan_file}: {exc.strerror}")
        except (ValueError, KeyError, TypeError) as exc:
            fail(f"{plan_file} is not a saved plan: {exc}")
    project = load(directory, parse_cache=True)
    if saved is not None and saved.targets and not options.targets:
        options = replace(options, targets=saved.targets)
    journal_path = Path(journal_dir) if journal_dir else project.root / JOURNAL_DIR
    sys.exit(run(_apply(project, registries, saved, auto_approve, options, journal_path)))
