"""``reconcile lint [DIR]``: schema and spec conventions, offline, buf-style."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from reconciler.lint import (
    CATEGORIES,
    RULES,
    SEVERITIES,
    lint,
    render_github,
    render_markdown,
    render_text,
)
from reconciler.render import report_json

from ._common import console, directory_argument, load


def _list_rules() -> None:
    out = console()
    for category in CATEGORIES:
        out.print(f"{category}", markup=False)
        for rule in RULES.values():
            if rule.category == category:
                out.print(f"  {rule.id:<32}{rule.severity:<9}{rule.summary}", markup=False)


@click.command(name="lint")
@directory_argument
@click.option(
    "--only",
    multiple=True,
    metavar="RULE|CATEGORY",
    help="Run just these rules or categories (repeatable).",
)
@click.option(
    "--skip",
    multiple=True,
    metavar="RULE|CATEGORY",
    help="Do not run these rules or categories (repeatable).",
)
@click.option(
    "--fail-on",
    type=click.Choice([*SEVERITIES, "never"]),
    default=None,
    help="Exit 1 when a finding is at least this severe. Default: the project file's "
    "lint.fail_on, else warning.",
)
@click.option(
    "--output",
    "-o",
    type=click.Choice(["text", "markdown", "json", "github"]),
    default="text",
    show_default=True,
    help="json: the versioned report (format_version 1); github: workflow commands that "
    "annotate the pull request (paths relative to $GITHUB_WORKSPACE).",
)
@click.option("--list-rules", is_flag=True, help="Print every rule with its meaning and exit.")
def lint_command(
    directory: str,
    only: tuple[str, ...],
    skip: tuple[str, ...],
    fail_on: str | None,
    output: str,
    list_rules: bool,
) -> None:
    """Check the specs and their schemas against conventions that plan and apply do not enforce.

    Every finding is FILE:LINE:COL: SEVERITY RULE_ID: message. No registry is
    contacted. Exit 1 when a finding reaches --fail-on (default: warning),
    or when the specs do not load.
    """
    if list_rules:
        _list_rules()
        return
    project = load(directory, announce_embedded=False)
    report = lint(project, only=only, skip=skip)
    root = Path(directory).resolve()
    if output == "json":
        click.echo(report_json("lint", report.to_json(root)))
    elif output == "markdown":
        click.echo(render_markdown(report, root), nl=False)
    else:
        workspace = Path(os.environ.get("GITHUB_WORKSPACE", ".")).resolve()
        lines = render_github(report, workspace) if output == "github" else render_text(report)
        out = console()
        for line in lines:
            out.print(line, markup=False)
    threshold = fail_on or project.lint.fail_on or "warning"
    sys.exit(1 if report.fails(None if threshold == "never" else threshold) else 0)  # type: ignore[arg-type]
