"""``reconcile validate [DIR]``: load the desired state offline and report."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import click

from reconciler.render.github import workflow_command
from reconciler.spec import Project, SpecError, SpecErrors, load_project


def _plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else words or word + 's'}"


def summary(project: Project) -> str:
    """One line: what was loaded, and which registries (the embedded one says so)."""
    subjects = sum(len(spec.subjects) for spec in project.specs)
    names = ", ".join(project.registries)
    if project.uses_embedded_default:
        names += ", embedded default"
    return (
        f"OK: {_plural(len(project.specs), 'spec file')}, {_plural(subjects, 'subject')}, "
        f"{_plural(len(project.registries), 'registry', 'registries')} ({names})"
    )


@click.command()
@click.argument(
    "directory", default=".", type=click.Path(file_okay=False, path_type=Path), metavar="[DIR]"
)
@click.option(
    "--project-file",
    default="reconcile.yaml",
    show_default=True,
    help="Project file name inside DIR.",
)
@click.option(
    "--output",
    "-o",
    type=click.Choice(["text", "github"]),
    default="text",
    show_default=True,
    help="github: also each error and warning as a workflow command that annotates its "
    "line (paths relative to $GITHUB_WORKSPACE), on stdout.",
)
def validate(directory: Path, project_file: str, output: str) -> None:
    """Check the project file and spec files in DIR, without contacting any registry.

    Every error is printed as FILE:LINE:COL: message; the exit code is 1 when
    there is any.
    """
    try:
        project = load_project(directory, project_file=project_file, plan_checks=True)
    except SpecErrors as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        click.echo(f"{_plural(len(exc.errors), 'error')}", err=True)
        if output == "github":
            _annotate("error", exc.errors)
        raise SystemExit(1) from None
    for warning in project.warnings:
        click.echo(str(SpecError(warning.location, f"warning: {warning.message}")), err=True)
    if output == "github":
        _annotate("warning", project.warnings)
    click.echo(summary(project))


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
