"""``reconcile apply``: a fresh plan or a saved one, confirmed, journaled, verified."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import click

from reconciler.engine import (
    JOURNAL_DIR,
    ApplyRefused,
    Journal,
    Plan,
    PlanOptions,
    StepResult,
    apply_plan,
    find_interrupted,
    make_plan,
    open_clients,
    refusal,
    stale_registries,
    targeted_registries,
    what_changed,
)
from reconciler.engine.policy import disallowed
from reconciler.render import render_text
from reconciler.spec.model import Project

from ._common import console, fail, load, registry_option, run
from .plan_cmd import EXIT_ERROR, EXIT_NO_CHANGES, plan_options, recovery_options


def _progress(result: StepResult, index: int, total: int) -> None:
    action = result.action
    mark = "[green]ok[/]" if result.ok else "[red]FAILED[/]"
    console().print(
        f"  [{index}/{total}] {mark} {action.kind.value} {action.label} "
        f"({action.registry}): {result.detail}"
    )


async def _apply(
    project: Project,
    registries: tuple[str, ...],
    saved: Plan | None,
    auto_approve: bool,
    options: PlanOptions,
    journal_dir: Path,
) -> int:
    interrupted = find_interrupted(journal_dir)
    running = [i for i in interrupted if i.running]
    if running:
        fail(f"another apply is in progress: {running[0].describe()}")
    if saved is not None and not registries:
        registries = tuple(r.name for r in saved.registries)
    names = targeted_registries(project, registries)
    async with open_clients(project, names) as clients:
        current = await make_plan(project, clients, options)
        todo = current
        if saved is not None:
            stale = stale_registries(saved, current)
            if stale:
                changes = "\n".join(f"  {line}" for line in what_changed(saved, current))
                fail(
                    f"the live state of registry {', '.join(stale)} changed since the plan was "
                    f"saved; nothing was applied. Since then:\n{changes}\n"
                    "Run `reconcile plan` again."
                )
            todo = saved
        console().print(render_text(todo))
        if not todo.has_changes:
            return EXIT_NO_CHANGES
        reason = refusal(todo) or disallowed(todo, project)
        if reason:
            fail(reason)
        if not auto_approve:
            if not sys.stdin.isatty():
                fail(
                    "refusing to apply without confirmation: no terminal to ask on. "
                    "Pass --auto-approve."
                )
            if not click.confirm("\nApply these changes?", default=False):
                console().print("Apply cancelled; nothing was changed.")
                return EXIT_ERROR
        journal = Journal.create(journal_dir)
        journal.start(todo, interrupted)
        console().print(f"\nApplying (journal {journal.path}):")
        try:
            results = await apply_plan(todo, clients, _progress, journal)
        except ApplyRefused as exc:
            fail(str(exc))
        journal.mark_recovered(interrupted)
        if not all(r.ok for r in results):
            fail(
                f"apply failed at step {len(results)} of {len(todo.actions)}; "
                "temporary modes were restored. Fix the cause and apply again."
            )
        after = await make_plan(project, clients, options)
        if after.has_changes or after.errors:
            console().print("\n[red]Apply finished, but the registries still differ:[/]")
            console().print(render_text(after))
            return EXIT_ERROR
        console().print(
            f"\n[green]Apply complete[/]: {len(results)} change(s). The registries match the specs."
        )
        return EXIT_NO_CHANGES


@click.command()
@click.argument("target", default=".", type=click.Path())
@click.option(
    "--dir",
    "-C",
    "directory",
    default=None,
    type=click.Path(file_okay=False),
    help="The project directory when TARGET is a saved plan (default: current).",
)
@registry_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.option(
    "--journal",
    "journal_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where the apply journal is written (default: PROJECT/.reconcile/journal).",
)
@plan_options
def apply(
    target: str,
    directory: str | None,
    registries: tuple[str, ...],
    auto_approve: bool,
    journal_dir: str | None,
    options: PlanOptions,
) -> None:
    """Apply the plan for the project in TARGET, or a plan saved by `plan --out`.

    A saved plan is applied only if the live state is still the one it was
    made from. Every step is journaled; an interrupted apply is reported and
    taken over by the next one. Apply ends by planning again and succeeds
    only if that plan is empty.
    """
    saved = None
    if Path(target).is_file():
        try:
            saved = Plan.from_dict(json.loads(Path(target).read_text()))
        except (ValueError, KeyError, TypeError) as exc:
            fail(f"{target} is not a saved plan: {exc}")
        project_dir = directory or "."
    else:
        project_dir = target
    project = load(project_dir)
    if saved is not None and saved.targets and not options.targets:
        options = replace(options, targets=saved.targets)
    options = recovery_options(project, options)
    journal_path = Path(journal_dir) if journal_dir else project.root / JOURNAL_DIR
    sys.exit(run(_apply(project, registries, saved, auto_approve, options, journal_path)))
