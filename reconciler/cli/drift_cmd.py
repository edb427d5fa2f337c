"""``reconcile drift``: plan without applying; exit 0 clean, 2 drifted, 1 error."""

from __future__ import annotations

import json
import sys

import click

from reconciler.engine import Plan, PlanOptions, make_plan, open_clients, targeted_registries
from reconciler.spec.model import Project
from reconciler.workflows.drift import DriftReport

from ._common import console, directory_argument, load, registry_option, run


async def _plan(project: Project, registries: tuple[str, ...]) -> Plan:
    names = targeted_registries(project, registries)
    async with open_clients(project, names) as clients:
        return await make_plan(project, clients, PlanOptions())


@click.command()
@directory_argument
@registry_option
@click.option(
    "--output",
    "-o",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one report for schedulers and alerting.",
)
def drift(directory: str, registries: tuple[str, ...], output: str) -> None:
    """Report how the live registries differ from the specs; change nothing.

    Exit 0 when they match, 2 when they drifted (`reconcile apply` brings
    them back), 1 on error (specs, registry, or a difference apply cannot
    repair).
    """
    project = load(directory)
    report = DriftReport.of(run(_plan(project, registries)))
    if output == "json":
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        out = console()
        for line in report.to_text():
            out.print(line, markup=False)
    sys.exit(int(report.status))
