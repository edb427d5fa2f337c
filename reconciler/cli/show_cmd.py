"""``reconcile show PLAN_FILE``: render a saved plan in any view."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from reconciler.engine import Plan

from ._common import fail, plan_output_option
from .plan_cmd import EXIT_ERROR, show_plan


@click.command()
@click.argument("plan_file", type=click.Path(dir_okay=False))
@plan_output_option
def show(plan_file: str, output: str) -> None:
    """Print a plan saved by `reconcile plan --out`, e.g. as markdown for a PR comment.

    Exits 1 when the plan has errors (it cannot be applied), like plan itself.
    ``--output github`` annotates the files of the project in the current
    directory (paths relative to $GITHUB_WORKSPACE).
    """
    try:
        text = Path(plan_file).read_text()
    except OSError as exc:
        fail(f"cannot read {plan_file}: {exc.strerror or exc}")
    try:
        plan = Plan.from_json(json.loads(text))
    except (ValueError, KeyError, TypeError) as exc:
        fail(f"{plan_file} is not a saved plan: {exc}")
    show_plan(plan, output, Path.cwd())
    if plan.errors:
        sys.exit(EXIT_ERROR)
