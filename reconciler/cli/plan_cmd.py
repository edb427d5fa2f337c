"""Placeholder until its owner lands the real command."""

import click


@click.command()
def plan() -> None:
    raise click.ClickException("not implemented yet")


@click.command()
def apply() -> None:
    raise click.ClickException("not implemented yet")
