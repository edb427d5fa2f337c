"""``reconcile drift``: plan without applying; exit 0 clean, 2 drifted, 1 error."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reconciler.engine import (
    JOURNAL_DIR,
    Problem,
    UnknownRegistryError,
    open_clients,
    targeted_registries,
)
from reconciler.registry import RegistryError
from reconciler.render import drift_markdown, report_json
from reconciler.spec import SpecErrors, load_project
from reconciler.spec.model import Project
from reconciler.workflows import DriftReport, Status, check, spec_problem

from ._common import (
    console,
    directory_argument,
    registry_option,
    report_output_option,
    run,
)


async def _check(project: Project, registries: tuple[str, ...]) -> DriftReport:
    names = targeted_registries(project, registries)
    async with open_clients(project, names) as clients:
        return await check(project, clients, journal_dir=project.root / JOURNAL_DIR)


def _report(directory: str, registries: tuple[str, ...]) -> DriftReport:
    """The report, whatever happens: a failure is a report with status error."""
    try:
        project = load_project(Path(directory))
    except SpecErrors as exc:
        return DriftReport.failed(spec_problem(e) for e in exc.errors)
    try:
        return run(_check(project, registries))
    except (RegistryError, UnknownRegistryError) as exc:
        return DriftReport.failed([Problem("error", "", "", str(exc))])


@click.command()
@directory_argument
@registry_option
@report_output_option()
def drift(directory: str, registries: tuple[str, ...], output: str) -> None:
    """Report how the live registries differ from the specs; change nothing.

    Exit 0 when they match, 2 when they drifted (changed settings, versions
    registered outside the specs, subjects no spec names), 1 on error (specs
    that do not load or plan, a registry that cannot be read).
    """
    report = _report(directory, registries)
    if output == "json":  # on every outcome, errors included: for schedulers and alerting
        click.echo(report_json("drift", report.to_json()))
    elif output == "markdown":
        click.echo(drift_markdown(report.to_json()), nl=False)
    else:
        # A check that never reached a registry is an error message, not a report.
        out = console(stderr=not report.plan.registries and report.status is Status.ERROR)
        for line in report.to_text():
            out.print(line, markup=False)
    sys.exit(int(report.status))
