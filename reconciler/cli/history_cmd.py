"""``reconcile history``: the applies journaled in a project, who made them and how they ended."""

from __future__ import annotations

from pathlib import Path

import click

from reconciler.engine import JOURNAL_DIR, describe_actor, past_applies
from reconciler.render import report_json

from ._common import fail, report_output_option


@click.command()
@click.argument(
    "directory", default=".", type=click.Path(file_okay=False, path_type=Path), metavar="[DIR]"
)
@report_output_option()
def history(directory: Path, output: str) -> None:
    """List the past applies of the project in DIR: who, when, what, outcome.

    Read from the journal (.reconcile/journal/); nothing is contacted. Exits 0."""
    if not directory.is_dir():  # an error (exit 1), as for every command: docs/cli.md
        fail(f"{directory}: project directory not found")
    applies = past_applies(directory / JOURNAL_DIR)
    if output == "json":  # oldest first
        click.echo(report_json("history", {"applies": applies}))
        return
    if not applies:
        click.echo("No applies journaled in this project.")
        return
    if output == "markdown":
        click.echo("| started | outcome | by | registries | changes | steps | journal |")
        click.echo("|---|---|---|---|---|---|---|")
    for item in applies:
        summary = item["summary"]
        counts = ", ".join(f"{summary.get(k, 0)} {k}" for k in ("register", "change", "delete"))
        steps = f"{item['steps_done']}/{item['actions']}"
        actor, registries = describe_actor(item["actor"]), ", ".join(item["registries"])
        if output == "markdown":
            click.echo(
                f"| {item['started']} | {item['outcome']} | {actor} | {registries} | {counts} | "
                f"{steps} | `{item['journal']}` |"
            )
        else:
            click.echo(
                f"{item['started']}  {item['outcome']:<13} {actor}  {registries}: {counts} "
                f"({steps} steps)  {item['journal']}"
            )
