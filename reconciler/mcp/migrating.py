"""``migrate``: copy one registry of the project (or some contexts) into another, as
``reconcile migrate`` does: the same plan, the same engine session (journal, lock,
staleness, readonly refusal, restores), the same verification, version by version.

The user confirms as for ``apply`` (elicitation, else ``confirm: true`` once they
approved the dry run): the plan they are asked about is the one that runs, refused if
the target moved meanwhile.

No ``from __future__ import annotations``: ``Resolve(confirm_migration)`` must be
evaluated at registration (see planning.py).
"""

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Annotated

import anyio
from mcp.server.mcpserver import (
    AcceptedElicitation,
    Context,
    Elicit,
    ElicitationResult,
    MCPServer,
    Resolve,
)
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from reconciler._words import plural
from reconciler.engine import Outcome, Plan, Status, disallowed, open_clients, refusal
from reconciler.spec.model import Project
from reconciler.workflows import (
    MigrationRefused,
    RegistryContents,
    Source,
    check_target,
    desired_project,
    from_project,
    migration_plan,
    plan_view,
    read_registry,
    run_migration,
    verify,
)

from .applying import CANNOT_ASK, Progress, asking, can_elicit, step_report
from .auth import WRITE, Access, principal
from .errors import engine_errors
from .models import MigrateResult, VerificationRow
from .planning import Confirmation
from .state import ServerState
from .summary import FIRST_ACTIONS

MAX_ROWS = 100  # verification rows shown: those that differ first


@dataclass(frozen=True)
class Prepared:
    """A migration planned (and shown), to run once confirmed."""

    source: Source
    target: Source
    contents: RegistryContents
    plan: Plan
    project: Project  # the desired state the plan was made from


def _sources(project: Project, source: str, target: str) -> tuple[Source, Source]:
    try:
        one = from_project(project.registries, project.root, project.path, source)
        two = from_project(project.registries, project.root, project.path, target)
        check_target(one, two)
    except KeyError as exc:
        raise ToolError(str(exc.args[0])) from None
    except MigrationRefused as exc:
        raise ToolError(str(exc)) from None
    return one, two


async def _prepare(
    state: ServerState,
    source: str,
    target: str,
    contexts: tuple[str, ...],
    preserve_ids: bool,
    force_import: bool,
) -> Prepared:
    project = state.load()
    one, two = _sources(project, source, target)
    async with engine_errors(), open_clients(project, [source, target]) as clients:
        contents = await read_registry(clients[source], source, contexts)
        plan = await migration_plan(
            project.root,
            contents,
            two,
            clients[target],
            preserve_ids=preserve_ids,
            force_import=force_import,
        )
    desired = desired_project(contents, two, project.root, preserve_ids=preserve_ids)
    return Prepared(one, two, contents, plan, desired)


def _key(*request: object) -> tuple[object, ...]:
    return (principal(), *request)


def register_migrate_tool(server: MCPServer, state: ServerState, access: Access) -> None:
    prepared_plans: dict[tuple[object, ...], Prepared] = {}

    async def confirm_migration(
        source: str,
        target: str,
        ctx: Context,
        contexts: list[str] | None = None,
        preserve_ids: bool = False,
        force_import: bool = False,
        dry_run: bool = False,
    ) -> Confirmation | Elicit[Confirmation] | None:
        """Plan the migration and ask the user about it (elicitation); None when the client
        cannot ask. A dry run, or a plan that would be refused or is empty, asks nothing."""
        access.require(WRITE)  # a dry run too: the HTTP gate knows the tool, not its arguments
        if dry_run:
            return Confirmation(apply=True)
        request = (source, target, tuple(contexts or ()), preserve_ids, force_import)
        prepared = await _prepare(state, *request)
        prepared_plans[_key(*request)] = prepared
        plan = prepared.plan
        if refusal(plan) or disallowed(plan, prepared.project) or not plan.has_changes:
            return Confirmation(apply=True)
        if not can_elicit(ctx):
            return None
        return Elicit(asking(f"Migrate {source} into {target}?", plan), Confirmation)

    @server.tool(annotations=ToolAnnotations(destructive_hint=False, open_world_hint=True))
    async def migrate(
        source: Annotated[str, Field(description="The registry to copy (project file name).")],
        target: Annotated[str, Field(description="The registry to copy into; not readonly.")],
        confirmation: Annotated[ElicitationResult[Confirmation], Resolve(confirm_migration)],
        ctx: Context,
        contexts: Annotated[
            list[str] | None, Field(description="Only these contexts. Default: every one.")
        ] = None,
        preserve_ids: Annotated[
            bool,
            Field(description="Keep schema ids and version numbers (IMPORT registrations)."),
        ] = False,
        force_import: Annotated[
            bool, Field(description="Allow IMPORT mode on target subjects with versions.")
        ] = False,
        dry_run: Annotated[bool, Field(description="Plan only; write nothing.")] = False,
        confirm: Annotated[
            bool,
            Field(
                description="Only for clients that cannot ask the user (no elicitation): "
                "true once the user has approved the dry run's plan."
            ),
        ] = False,
    ) -> MigrateResult:
        """Copy every subject and version of one registry of the project (or some
        contexts) into another, like `reconcile migrate`: a plan, the user's confirmation,
        the apply session (journaled, with progress; a readonly target is refused), then
        a verification of every version (subject, number, schema; and id with
        preserve_ids). Never deletes."""
        access.require(WRITE)  # a dry run too: the HTTP gate knows the tool, not its arguments
        request = (source, target, tuple(contexts or ()), preserve_ids, force_import)
        if dry_run:
            prepared = await _prepare(state, *request)
            return _result(prepared, "dry_run", "Dry run: nothing was applied.")
        if not isinstance(confirmation, AcceptedElicitation):
            raise ToolError(f"the user did not confirm ({confirmation.action}); nothing changed")
        answer = confirmation.data
        if answer is None and not confirm:
            raise ToolError(
                "migrate needs the user's confirmation, and this client cannot be asked "
                f"{CANNOT_ASK}. Show the dry run's plan to the user; once they approve, "
                "call migrate again with confirm: true."
            )
        if answer is not None and not answer.apply:
            raise ToolError("the user did not confirm; nothing was migrated")
        prepared = prepared_plans.pop(_key(*request), None) or await _prepare(state, *request)
        access.require_for(prepared.plan)
        project = state.load()
        listener = Progress()
        async with state.apply_lock:
            with anyio.CancelScope(shield=True):  # as apply: never left half-done
                async with engine_errors(), open_clients(project, [target]) as clients:
                    client = clients[target]

                    def session() -> Awaitable[Outcome]:
                        return run_migration(
                            project.root,
                            prepared.contents,
                            prepared.target,
                            client,
                            listener,
                            preserve_ids=preserve_ids,
                            force_import=force_import,
                            plan=prepared.plan,
                            saved_when="since the migration was planned",
                        )

                    outcome = await listener.reporting(ctx, session)
                    if outcome.status in (Status.BUSY, Status.STALE, Status.REFUSED):
                        raise ToolError(outcome.message)
                    rows = await verify(prepared.contents, target, client) if outcome.ok else []
        result = _result(prepared, outcome.status.value, outcome.message)
        result.steps = [step_report(r, r.index) for r in outcome.results if not r.ok]
        result.steps_done = sum(1 for r in outcome.results if r.ok)
        result.journal = str(outcome.journal) if outcome.journal else None
        bad = [r for r in rows if not r.ok(preserve_ids)]
        shown = bad + [r for r in rows if r.ok(preserve_ids)]
        result.verified = outcome.ok and not bad
        result.verification_rows = len(rows)
        result.verification_failed = len(bad)
        result.verification = [
            VerificationRow(
                subject=r.subject,
                version=r.version,
                source_id=r.source_id,
                target_id=r.target_id,
                status=r.status(preserve_ids),
            )
            for r in shown[:MAX_ROWS]
        ]
        if outcome.ok and bad:
            result.message = (
                f"Verification failed: {len(bad)} of {plural(len(rows), 'version')} differ."
            )
        return result


def _result(prepared: Prepared, status: str, message: str) -> MigrateResult:
    plan = prepared.plan
    return MigrateResult(
        status=status,  # type: ignore[arg-type]
        message=message,
        source_subjects=prepared.contents.subject_count,
        source_versions=sum(1 for _ in prepared.contents.versions()),
        summary=plan.counts(),
        actions=len(plan.actions),
        first_actions=[plan_view.action_line(a) for a in plan.actions[:FIRST_ACTIONS]],
        problems=[f"{p.severity}: {p.target} {p.message}" for p in plan.problems[:50]],
    )
