"""``reconcile migrate``: copy a registry (or some contexts) into another, verified."""

from __future__ import annotations

import sys
from collections import Counter
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from reconciler._words import noun, plural
from reconciler.engine import Interrupted, Listener, Plan, Status, StepResult, disallowed
from reconciler.registry import RegistryClient
from reconciler.render import markup, render_text, report_json
from reconciler.workflows import (
    Report,
    Row,
    Source,
    check_target,
    desired_project,
    from_project,
    from_url,
    is_url,
    migration_plan,
    progress,
    run_migration,
    verify,
)

from ._common import console, contexts_option, fail, load, report_output_option, run
from .export_cmd import read

EXIT_OK, EXIT_ERROR = 0, 1
FULL_TABLE_ROWS = 200  # above this, the table lists only the rows that are not ok
FULL_PLAN_ACTIONS = 300  # above this, the plan is summarised


def _sources(directory: str, source: str, target: str) -> tuple[Source, Source]:
    if is_url(source) and is_url(target):
        return from_url(source, "source", Path.cwd()), from_url(target, "target", Path.cwd())
    project = load(directory)

    def one(value: str, default_name: str) -> Source:
        if is_url(value):
            return from_url(value, default_name, Path.cwd())
        return from_project(project.registries, project.root, project.path, value)

    try:
        return one(source, "source"), one(target, "target")
    except KeyError as exc:
        fail(str(exc.args[0]))


def _show(plan: Plan, out: Console) -> None:
    """The whole plan when it is short; for a big migration, counts and the problems.

    Thousands of registrations with their schema bodies help nobody decide;
    ``--dry-run`` with a narrower ``--context`` shows a part in full.
    """
    if len(plan.actions) <= FULL_PLAN_ACTIONS:
        out.print(render_text(plan))
        return
    kinds = Counter(a.kind.value for a in plan.actions)
    contexts = Counter(a.context for a in plan.actions)
    out.print(f"Plan: {len(plan.actions)} actions (too many to list):", markup=False)
    for kind, count in sorted(kinds.items()):
        out.print(f"  {kind:<18} {count}", markup=False)
    out.print(
        "  by context: " + ", ".join(f"{c} {n}" for c, n in sorted(contexts.items())),
        markup=False,
    )
    for problem in plan.problems:
        where = f"{problem.source}: " if problem.source else ""
        out.print(f"{problem.severity}: {where}{problem.target} {problem.message}", markup=False)


def _table(rows: list[Row], ids: bool) -> Table:
    table = Table(title="Verification: source -> target")
    for column in ("subject", "version", "source id", "target id", "schema", "status"):
        table.add_column(column)
    shown = rows if len(rows) <= FULL_TABLE_ROWS else [r for r in rows if not r.ok(ids)]
    for row in shown:
        status = row.status(ids)
        table.add_row(
            markup.escape(row.subject),
            str(row.version),
            str(row.source_id),
            "-" if row.target_id is None else str(row.target_id),
            "same" if row.same_schema else "differs",
            status if status != "ok" else "[green]ok[/]",
        )
    return table


class _Migration(Listener):
    """The session of a migration: a summarised plan, a progress bar, failures on stderr."""

    def __init__(self, target: str, auto_approve: bool, stack: ExitStack, out: Console) -> None:
        self.target = target
        self.out = out
        self.auto_approve = auto_approve
        self.asks = not auto_approve
        self.stack = stack
        self.report: Report | None = None

    def recovering(self, interrupted: list[Interrupted]) -> None:
        for item in interrupted:
            console(stderr=True).print(f"warning: {item.describe()}", markup=False)

    def planned(self, plan: Plan) -> None:
        _show(plan, self.out)

    async def confirm(self, plan: Plan) -> bool:
        if self.auto_approve:
            return True
        if not sys.stdin.isatty():
            fail(
                "refusing to migrate without confirmation: no terminal to ask on. "
                "Pass --auto-approve."
            )
        return click.confirm(f"\nMigrate into {self.target}?", default=False)

    def applying(self, journal: Path) -> None:
        self.report = self.stack.enter_context(progress(f"Migrating into {self.target}"))

    def step(self, result: StepResult, index: int, total: int) -> None:
        if not result.ok:
            console(stderr=True).print(
                f"FAILED {result.action.kind.value} {result.action.label}: {result.detail}",
                markup=False,
            )
        if self.report is not None:
            self.report(index, total)


async def _migrate(
    project_root: Path,
    source: Source,
    target: Source,
    contexts: tuple[str, ...],
    preserve_ids: bool,
    dry_run: bool,
    auto_approve: bool,
    force_import: bool,
    output: str,
) -> int:
    contents, _ = await read(source, contexts)
    out = console(stderr=output != "text")  # the story; stdout holds the report
    versions = sum(1 for _ in contents.versions())
    out.print(
        f"Source {source.name}: {contents.subject_count} subjects, {versions} versions in "
        f"{noun(len(contents.contexts), 'context')} {', '.join(contents.contexts)}.",
        markup=False,
    )
    how = {"preserve_ids": preserve_ids, "force_import": force_import}
    async with RegistryClient.from_config(target.config, base_dir=target.base_dir) as client:
        if dry_run:
            plan = await migration_plan(project_root, contents, target, client, **how)
            _show(plan, out)
            if plan.errors:
                fail(
                    f"the migration plan has {plural(len(plan.errors), 'error')}; "
                    "nothing was applied"
                )
            project = desired_project(contents, target, project_root, preserve_ids=preserve_ids)
            if reason := disallowed(plan, project):
                fail(reason)
            out.print("Dry run: nothing was applied.", markup=False)
            if output != "text":
                _report(output, source, target, preserve_ids, "dry_run", [], len(plan.actions))
            return EXIT_OK
        with ExitStack() as stack:
            listener = _Migration(target.name, auto_approve, stack, out)
            outcome = await run_migration(project_root, contents, target, client, listener, **how)
        if outcome.status is Status.CANCELLED:
            out.print("Migration cancelled; nothing was changed.", markup=False)
            return EXIT_ERROR
        if outcome.status is Status.STILL_DIFFERS:
            assert outcome.after is not None
            out.print(render_text(outcome.after))
            fail(f"{target.name} still differs from {source.name} after the migration")
        if not outcome.ok:
            fail(outcome.message)
        if outcome.status is Status.APPLIED:
            out.print(
                f"Applied {plural(len(outcome.results), 'step')} (journal {outcome.journal}).",
                markup=False,
            )
        rows = await verify(contents, target.name, client)
    bad = [r for r in rows if not r.ok(preserve_ids)]
    status = "failed" if bad else "verified"
    if output != "text":
        _report(output, source, target, preserve_ids, status, rows, len(outcome.results))
        return EXIT_ERROR if bad else EXIT_OK
    out.print(_table(rows, preserve_ids))
    what = "subject, version, id and schema" if preserve_ids else "subject, version and schema"
    if bad:
        out.print(
            f"[red]Verification failed[/]: {len(bad)} of {plural(len(rows), 'version')} differ."
        )
        return EXIT_ERROR
    out.print(
        f"[green]Verified[/]: {plural(len(rows), 'version')} have the same {what} in "
        f"{markup.escape(target.name)}."
    )
    return EXIT_OK


def _report(
    output: str,
    source: Source,
    target: Source,
    preserve_ids: bool,
    status: str,
    rows: list[Row],
    steps: int,
) -> None:
    """The verification as markdown or the JSON envelope, on stdout."""
    bad = [r for r in rows if not r.ok(preserve_ids)]
    if output == "json":
        body = {
            "status": status,
            "source": source.name,
            "target": target.name,
            "preserve_ids": preserve_ids,
            "steps": steps,
            "versions": len(rows),
            "differing": len(bad),
            "rows": [{**asdict(r), "status": r.status(preserve_ids)} for r in rows],
        }
        click.echo(report_json("migrate", body))
        return
    verdict = {
        "dry_run": f"dry run, {plural(steps, 'step')} planned; nothing was applied",
        "verified": f"verified, {plural(len(rows), 'version')} the same",
        "failed": f"verification failed, {len(bad)} of {plural(len(rows), 'version')} differ",
    }[status]
    lines = [f"### reconcile migrate {source.name} -> {target.name}: {verdict}", ""]
    if rows:
        shown = rows if len(rows) <= FULL_TABLE_ROWS else bad
        lines += ["| subject | version | source id | target id | status |", "|---|---|---|---|---|"]
        lines += [
            f"| `{r.subject}` | {r.version} | {r.source_id} | "
            f"{'-' if r.target_id is None else r.target_id} | {r.status(preserve_ids)} |"
            for r in shown
        ]
    click.echo("\n".join(lines))


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False), metavar="[DIR]")
@click.option("--from", "source", required=True, metavar="R1", help="Registry name or URL.")
@click.option("--to", "target", required=True, metavar="R2", help="Registry name or URL.")
@contexts_option
@click.option(
    "--preserve-ids",
    is_flag=True,
    help="Keep schema ids and version numbers (IMPORT registrations), so consumers keep decoding.",
)
@click.option("--dry-run", is_flag=True, help="Show the plan; change nothing.")
@click.option("--auto-approve", is_flag=True, help="Migrate without asking for confirmation.")
@click.option(
    "--force-import",
    is_flag=True,
    help="Allow IMPORT mode (with force) on target subjects that already have versions.",
)
@report_output_option()
def migrate(
    directory: str,
    source: str,
    target: str,
    contexts: tuple[str, ...],
    preserve_ids: bool,
    dry_run: bool,
    auto_approve: bool,
    force_import: bool,
    output: str,
) -> None:
    """Copy every subject and version of R1 (or of some contexts) into R2, then verify.

    R1 and R2 are registry names of the project file in DIR, or URLs.
    The plan is shown and applied after confirmation; a final table compares
    every (subject, version, id, schema) of both. Readonly targets are refused.
    """
    src, dst = _sources(directory, source, target)
    check_target(src, dst)
    root = Path(directory).resolve()
    code = run(
        _migrate(
            root, src, dst, contexts, preserve_ids, dry_run, auto_approve, force_import, output
        )
    )
    sys.exit(code)
