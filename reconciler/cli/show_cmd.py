"""``reconcile show PLAN_FILE``: render a saved plan in any view."""

from __future__ import annotations

import json
from pathlib import Path

import click

from reconciler.engine import Plan

from ._common import fail, plan_output_option
from .plan_cmd import show_plan


@click.command()
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False))
@plan_output_option
def show(plan_file: str, output: str) -> None:
    """Print a plan saved by `reconcile plan --out`, e.g. as markdown for a PR comment."""
    try:
        plan = Plan.from_dict(json.loads(Path(plan_file).read_text()))
    except (ValueError, KeyError, TypeError) as exc:
        fail(f"{plan_file} is not a saved plan: {exc}")
    show_plan(plan, output)
