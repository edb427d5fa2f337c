"""One migration, for every door: plan the source's contents into the target, run the
engine's apply session on that plan, and verify the result version by version.

``reconcile migrate`` and the MCP ``migrate`` tool run these steps; they differ in how
they ask for confirmation and show progress (the session's ``Listener``).
"""

from __future__ import annotations

from pathlib import Path

from reconciler.engine import JOURNAL_DIR, ApplySession, Listener, Outcome, Plan, PlanOptions
from reconciler.engine import make_plan as plan_project
from reconciler.registry import RegistryClient

from .live import RegistryContents, read_registry
from .migrate import desired_project
from .rows import Row, compare
from .source import Source


async def migration_plan(
    root: Path,
    contents: RegistryContents,
    target: Source,
    client: RegistryClient,
    *,
    preserve_ids: bool,
    force_import: bool,
) -> Plan:
    """What migrating ``contents`` into ``target`` would do (nothing is written)."""
    project = desired_project(contents, target, root, preserve_ids=preserve_ids)
    return await plan_project(
        project, {target.name: client}, PlanOptions(allow_force_import=force_import)
    )


async def run_migration(
    root: Path,
    contents: RegistryContents,
    target: Source,
    client: RegistryClient,
    listener: Listener,
    *,
    preserve_ids: bool,
    force_import: bool,
    plan: Plan | None = None,
    saved_when: str = "since the plan was saved",
) -> Outcome:
    """The apply session of the migration, journaled in ``root``'s journal like any apply.

    With ``plan`` (one shown to the user), the session refuses it if the target moved
    since; without, it plans and asks ``listener`` to confirm.
    """
    project = desired_project(contents, target, root, preserve_ids=preserve_ids)
    session = ApplySession(
        project,
        {target.name: client},
        root / JOURNAL_DIR,
        PlanOptions(allow_force_import=force_import),
        plan,
        listener,
        saved_when=saved_when,
    )
    return await session.run()


async def verify(contents: RegistryContents, target: str, client: RegistryClient) -> list[Row]:
    """One row per source version: does the target hold it (number, schema, id)?"""
    after = await read_registry(client, target, list(contents.contexts))
    return compare(contents, after)
