"""``reconcile plan``."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reconciler import render  # lazy: a plan imports only the renderer it prints with
from reconciler._gc import gc_paused
from reconciler.engine import PlanOptions  # not the planner: see recovery_options
from reconciler.registry import RegistryClient
from reconciler.spec.model import Project

from . import _read_ahead as read_ahead
from ._common import (
    console,
    directory_argument,
    load,
    plan_output_option,
    print_view,
    registry_option,
    run,
)
from ._exit import leaves_memory_only

if TYPE_CHECKING:
    # A plan's models (13 dataclasses, ~10 ms to create) are imported with the planner,
    # once the read-ahead has started (recovery_options).
    from reconciler.engine import Plan

EXIT_NO_CHANGES, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2


def show_plan(plan: Plan, output: str, root: Path) -> None:
    """Print ``plan``; ``root`` is the project directory its problems' files are in."""
    if output == "json":
        click.echo(render.render_json(plan))
    elif output == "markdown":
        click.echo(render.render_markdown(plan))
    elif output == "github":
        workspace = Path(os.environ.get("GITHUB_WORKSPACE", ".")).resolve()
        for line in render.render_github(plan, root.resolve(), workspace):
            click.echo(line)
    else:
        print_view(functools.partial(render.render_text, plan))


async def _plan(
    project: Project,
    registries: tuple[str, ...],
    options: PlanOptions,
    made: Mapping[str, RegistryClient] | None = None,
    held: list[object] | None = None,
) -> Plan:
    from reconciler.engine import make_plan, open_clients, targeted_registries

    names = targeted_registries(project, registries)
    async with open_clients(project, names, made=made) as clients:
        return await make_plan(project, clients, options, held)


def recovery_options(project: Project, options: PlanOptions) -> PlanOptions:
    """Report interrupted applies and plan the restores of the modes they left behind."""
    # The planner (its diff, checks, snapshot: ~12 ms of imports) is imported here, once
    # the project is loaded and the read-ahead started (the engine's door is lazy), with
    # the collector paused as for the CLI's own imports (reconciler/__main__.py).
    with gc_paused():
        from reconciler.engine import JOURNAL_DIR, find_interrupted, with_recovery

    interrupted = [i for i in find_interrupted(project.root / JOURNAL_DIR) if not i.running]
    for item in interrupted:
        console(stderr=True).print(f"warning: {item.describe()}", markup=False)
    return with_recovery(options, interrupted)


def plan_options(function: Callable[..., None]) -> Callable[..., None]:
    """Options that change what a plan may contain, shared by plan and apply.

    They reach the command as one ``options: PlanOptions`` argument.
    """

    @functools.wraps(function)
    def wrapper(
        *args: object,
        max_deletes: int | None,
        force_import: bool,
        targets: tuple[str, ...],
        **kwargs: object,
    ) -> None:
        options = PlanOptions(max_deletes, force_import, targets=targets, remember_results=True)
        function(*args, options=options, **kwargs)

    decorators = [
        click.option(
            "--target",
            "-t",
            "targets",
            multiple=True,
            metavar="SUBJECT|.CONTEXT",
            help="Limit the plan to a subject (and what it references) or a context "
            "(written with its dot: '.', '.billing'). Repeatable.",
        ),
        click.option(
            "--max-deletes",
            type=click.IntRange(min=0),
            default=None,
            metavar="N",
            help="Allow up to N deletes in this plan (default: max_deletes of the project file).",
        ),
        click.option(
            "--force-import",
            is_flag=True,
            help="Allow IMPORT mode (with force) on subjects that already have versions, to "
            "register pinned ids into them.",
        ),
    ]
    for decorator in decorators:
        wrapper = decorator(wrapper)
    return wrapper


@click.command()
@directory_argument
@registry_option
@plan_output_option
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
@click.option(
    "--against",
    metavar="git:REF|DIR",
    help="Plan against the state the specs at git REF (or in DIR) describe, in in-memory "
    "registries: no registry is contacted and no environment variable is read.",
)
@plan_options
def plan(
    directory: str,
    registries: tuple[str, ...],
    output: str,
    out_file: str | None,
    detailed_exitcode: bool,
    against: str | None,
    options: PlanOptions,
) -> None:
    """Show what apply would change to make the registries match the specs."""
    ahead = None
    held: list[object] = []  # the live states: memory the process ends without freeing
    if against:
        # Its own path (git, tar, in-memory registries, the apply engine): imported when asked.
        from reconciler.workflows import OFFLINE_ENVIRON, plan_against

        project = load(directory, announce_embedded=False, environ=OFFLINE_ENVIRON)
        result = run(plan_against(project, against, registries, options))
    elif not read_ahead.wanted(options.targets):
        project = load(directory, parse_cache=True)
        result = run(_plan(project, registries, recovery_options(project, options), held=held))
    else:
        ahead = read_ahead.ReadsAhead(Path(directory).resolve(), registries)
        try:
            project = load(directory, parse_cache=True, on_settings=ahead.start)
            result = run(
                _plan(project, registries, recovery_options(project, options), ahead.clients, held)
            )
        finally:
            ahead.close()
    show_plan(result, output, project.root)
    if ahead is not None and not result.errors:
        ahead.remember()
    # What is left is memory: the caches are written, the clients closed, no lock held.
    leaves_memory_only(project, result, held)
    if out_file:
        Path(out_file).write_text(render.render_json(result) + "\n")
        console(stderr=True).print(f"Plan saved to {out_file}.", markup=False)
    if result.errors:
        sys.exit(EXIT_ERROR)
    if detailed_exitcode and result.has_changes:
        sys.exit(EXIT_CHANGES)
