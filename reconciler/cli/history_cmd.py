"""``reconcile history``: the applies journaled in a project, who made them and how they ended."""

from __future__ import annotations

import json
from pathlib import Path

import click

from reconciler.engine import JOURNAL_DIR
from reconciler.engine.audit import describe_actor, past_applies

from ._common import fail


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for tools (a list, oldest first).",
)
def history(directory: Path, output: str) -> None:
    """List the past applies of the project in DIRECTORY: who, when, what, outcome.

    Read from the journal (.reconcile/journal/); nothing is contacted. Exits 0."""
    if not directory.is_dir():  # an error (exit 1), as for every command: docs/cli.md
        fail(f"{directory}: project directory not found")
    applies = past_applies(directory / JOURNAL_DIR)
    if output == "json":
        click.echo(json.dumps(applies, indent=2))
        return
    if not applies:
        click.echo("No applies journaled in this project.")
        return
    for item in applies:
        summary = item["summary"]
        counts = ", ".join(f"{summary.get(k, 0)} {k}" for k in ("register", "change", "delete"))
        click.echo(
            f"{item['started']}  {item['outcome']:<13} {describe_actor(item['actor'])}  "
            f"{', '.join(item['registries'])}: {counts} ({item['steps_done']}/{item['actions']} "
            f"steps)  {item['journal']}"
        )
