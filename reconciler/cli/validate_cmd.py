"""Placeholder until its owner lands the real command."""

import click


@click.command()
def validate() -> None:
    raise click.ClickException("not implemented yet")
