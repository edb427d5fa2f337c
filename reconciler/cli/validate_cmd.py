"""``reconcile validate [DIR]``: load the desired state offline and report."""

from __future__ import annotations

from pathlib import Path

import click

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
def validate(directory: Path, project_file: str) -> None:
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
        raise SystemExit(1) from None
    for warning in project.warnings:
        click.echo(str(SpecError(warning.location, f"warning: {warning.message}")), err=True)
    click.echo(summary(project))
