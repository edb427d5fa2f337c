"""``reconcile validate [DIR]``: load the desired state offline and report."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import click

from reconciler.render import report_json, workflow_command
from reconciler.spec import SpecError
from reconciler.workflows import validate as check

from ._common import directory_argument, report_output_option


@click.command()
@directory_argument
@report_output_option(github=True)
def validate(directory: str, output: str) -> None:
    """Check the project file and spec files in DIR, without contacting any registry.

    Every error is printed as FILE:LINE:COL: message; the exit code is 1 when
    there is any.
    """
    result = check(Path(directory))
    if output == "json":
        click.echo(report_json("validate", result.to_json()))
    elif output == "markdown":
        click.echo(result.to_markdown())
    else:
        for error in result.errors:
            click.echo(str(error), err=True)
        for warning in result.warnings:
            click.echo(str(SpecError(warning.location, f"warning: {warning.message}")), err=True)
        if output == "github":
            _annotate("error", result.errors)
            _annotate("warning", result.warnings)
        click.echo(result.summary(), err=not result.ok)
    if not result.ok:
        raise SystemExit(1)


def _annotate(level: str, problems: Sequence[SpecError]) -> None:
    workspace = Path(os.environ.get("GITHUB_WORKSPACE", ".")).resolve()
    for problem in problems:
        where = problem.location
        command = workflow_command(
            level,
            problem.message,
            title="reconcile validate",
            file=where.file if where else None,
            line=where.line if where else None,
            column=where.column if where else None,
            workspace=workspace,
        )
        click.echo(command)
