"""``reconcile plan`` and ``reconcile apply``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from reconciler.engine import (
    ApplyRefused,
    Plan,
    PlanOptions,
    StepResult,
    apply_plan,
    make_plan,
    open_clients,
    refusal,
    targeted_registries,
)
from reconciler.render import render_json, render_markdown, render_text
from reconciler.spec.model import Project

from ._common import console, directory_argument, fail, load, registry_option, run

EXIT_NO_CHANGES, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2


def _show(plan: Plan, output: str) -> None:
    if output == "json":
        click.echo(render_json(plan))
    elif output == "markdown":
        click.echo(render_markdown(plan))
    else:
        console().print(render_text(plan))


async def _plan(project: Project, registries: tuple[str, ...], options: PlanOptions) -> Plan:
    names = targeted_registries(project, registries)
    async with open_clients(project, names) as clients:
        return await make_plan(project, clients, options)


def plan_options(function):
    """Options that change what a plan may contain; shared by plan and apply."""
    function = click.option(
        "--max-deletes",
        type=click.IntRange(min=0),
        default=None,
        metavar="N",
        help="Allow up to N deletes in this plan (default: max_deletes of the project file).",
    )(function)
    return click.option(
        "--force-import",
        is_flag=True,
        help="Allow IMPORT mode (with force) on subjects that already have versions, to "
        "register pinned ids into them.",
    )(function)


@click.command()
@directory_argument
@registry_option
@click.option(
    "--output",
    "-o",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="How to print the plan.",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False),
    help="Also save the plan as JSON, for `reconcile apply PLAN_FILE`.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there are no changes, 2 when there are, 1 on error.",
)
@plan_options
def plan(
    directory: str,
    registries: tuple[str, ...],
    output: str,
    out_file: str | None,
    detailed_exitcode: bool,
    max_deletes: int | None,
    force_import: bool,
) -> None:
    """Show what apply would change to make the registries match the specs."""
    project = load(directory)
    result = run(_plan(project, registries, PlanOptions(max_deletes, force_import)))
    _show(result, output)
    if out_file:
        Path(out_file).write_text(render_json(result) + "\n")
        console(stderr=True).print(f"Plan saved to {out_file}.", markup=False)
    if result.errors:
        sys.exit(EXIT_ERROR)
    if detailed_exitcode and result.has_changes:
        sys.exit(EXIT_CHANGES)


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
) -> int:
    if saved is not None and not registries:
        registries = tuple(r.name for r in saved.registries)
    names = targeted_registries(project, registries)
    async with open_clients(project, names) as clients:
        current = await make_plan(project, clients, options)
        if saved is not None:
            stale = {r.name for r in saved.registries} - {
                r.name
                for r in current.registries
                if r.fingerprint in {s.fingerprint for s in saved.registries}
            }
            if stale:
                fail(
                    f"the live state of registry {', '.join(sorted(stale))} changed since the "
                    "plan was saved; nothing was applied. Run `reconcile plan` again."
                )
            todo = saved
        else:
            todo = current
        console().print(render_text(todo))
        if not todo.has_changes:
            return EXIT_NO_CHANGES
        reason = refusal(todo)
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
        console().print("\nApplying:")
        try:
            results = await apply_plan(todo, clients, _progress)
        except ApplyRefused as exc:
            fail(str(exc))
        if not all(r.ok for r in results):
            fail(f"apply stopped after {len(results)} of {len(todo.actions)} step(s).")
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
@click.argument("target", default=".", type=click.Path(exists=True))
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
@plan_options
def apply(
    target: str,
    directory: str | None,
    registries: tuple[str, ...],
    auto_approve: bool,
    max_deletes: int | None,
    force_import: bool,
) -> None:
    """Apply the plan for the project in TARGET, or a plan saved by `plan --out`.

    A saved plan is applied only if the live state is still the one it was
    made from. Apply ends by planning again and succeeds only if that plan is
    empty.
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
    options = PlanOptions(max_deletes, force_import)
    sys.exit(run(_apply(project, registries, saved, auto_approve, options)))
