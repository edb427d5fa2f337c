"""``plan`` and ``apply``: the engine's plan -> confirm -> apply -> plan again, over MCP.

``plan`` keeps each plan it shows under a ``plan_id``. ``apply`` takes that id,
never a plan from the client: what runs is what the user saw. Like
``reconcile apply plan.json`` it snapshots again and refuses when a registry's
fingerprint moved, journals every step, and ends with a fresh plan that must
be empty.

No ``from __future__ import annotations`` here: the SDK reads the apply tool's
annotations at registration, and ``Resolve(ask_user)`` names a closure that
only an eagerly evaluated annotation can see.
"""

import contextlib
import math
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
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from reconciler.engine import (
    ApplyRefused,
    Journal,
    Plan,
    PlanOptions,
    StepResult,
    apply_plan,
    make_plan,
    open_clients,
    refusal,
    targeted_registries,
)
from reconciler.registry import RegistryClient
from reconciler.render import render_markdown
from reconciler.spec.model import Project

from .auth import READ, WRITE, Access
from .errors import engine_errors
from .models import ApplyResult, PlanResult, StepReport
from .state import ServerState, StoredPlan

MAX_QUESTION_ACTIONS = 25


class Confirmation(BaseModel):
    """The form shown to the user before an apply (elicitation)."""

    apply: bool = Field(description="Apply these changes to the registries")


async def make(
    state: ServerState, project: Project, registries: tuple[str, ...], options: PlanOptions
) -> tuple[Plan, tuple[str, ...], list[str]]:
    """A plan of the registries asked for (default: every targeted one), as `reconcile plan`.

    Returns the plan, the registries it covers and warnings about interrupted applies.
    """
    options, warnings = state.with_recovery(project, options)
    async with engine_errors():
        names = tuple(targeted_registries(project, registries))
        async with open_clients(project, names) as clients:
            return await make_plan(project, clients, options), names, warnings


def _summary(action_dict: dict[str, object]) -> str:
    detail = action_dict.get("after") or action_dict.get("version") or ""
    return f"{action_dict['kind']} {action_dict['target'] or '(global)'} {detail}".strip()


def _what_changed(saved: Plan, current: Plan) -> str:
    before = [_summary(a.to_dict()) for a in saved.actions]
    now = [_summary(a.to_dict()) for a in current.actions]
    lines = [f"  no longer needed: {s}" for s in before if s not in now]
    lines += [f"  now also needed: {s}" for s in now if s not in before]
    return "\n".join(lines[:20]) or "  the same actions, from a different starting state"


def _question(stored: StoredPlan) -> str:
    plan = stored.plan
    counts = plan.counts()
    lines = [
        f"Apply plan {stored.plan_id} to {', '.join(r.display for r in plan.registries)}?",
        f"{counts['register']} to register, {counts['change']} to change, "
        f"{counts['delete']} to delete:",
    ]
    lines += [
        f"- {a.kind.value} {a.label} ({a.registry}): {a.reason}"
        for a in plan.actions[:MAX_QUESTION_ACTIONS]
    ]
    if len(plan.actions) > MAX_QUESTION_ACTIONS:
        lines.append(f"- ... and {len(plan.actions) - MAX_QUESTION_ACTIONS} more")
    return "\n".join(lines)


def _can_elicit(ctx: Context) -> bool:
    capabilities = ctx.client_capabilities
    elicitation = capabilities.elicitation if capabilities is not None else None
    # A bare `elicitation: {}` (before modes existed) means form support; url-only does not.
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def _step(result: StepResult, index: int) -> StepReport:
    action = result.action
    return StepReport(
        index=index,
        ok=result.ok,
        action=f"{action.kind.value} {action.label}",
        registry=action.registry,
        detail=result.detail,
    )


async def _apply_with_progress(
    plan: Plan, clients: dict[str, RegistryClient], journal: Journal, ctx: Context
) -> list[StepResult]:
    """``apply_plan`` with a progress notification per step.

    The engine reports progress synchronously; a task forwards each step to the
    client. Once started, an apply is shielded from cancellation (a client that
    disconnects or cancels must not leave a registry half-applied or in IMPORT
    mode); the journal records how it ended.
    """
    send, receive = anyio.create_memory_object_stream[tuple[StepResult, int, int]](math.inf)

    def progress(result: StepResult, index: int, total: int) -> None:
        send.send_nowait((result, index, total))

    async def forward() -> None:
        async with receive:
            async for result, index, total in receive:
                action = result.action
                mark = "ok" if result.ok else "FAILED"
                message = f"{mark} {action.kind.value} {action.label} ({action.registry})"
                with contextlib.suppress(Exception):  # a gone client does not stop the apply
                    await ctx.report_progress(index, total, message)

    with anyio.CancelScope(shield=True):
        async with anyio.create_task_group() as group:
            group.start_soon(forward)
            async with send:
                try:
                    return await apply_plan(plan, clients, progress, journal)
                except ApplyRefused as exc:
                    raise ToolError(str(exc)) from None


async def run_apply(state: ServerState, stored: StoredPlan, ctx: Context) -> ApplyResult:
    project = state.load()
    interrupted = state.interrupted(project)
    running = [i for i in interrupted if i.running]
    if running:
        raise ToolError(f"another apply is in progress: {running[0].describe()}")
    options, _ = state.with_recovery(project, stored.options)
    async with engine_errors(), open_clients(project, stored.registries) as clients:
        current = await make_plan(project, clients, options)
        fingerprints = {r.name: r.fingerprint for r in current.registries}
        stale = sorted(
            r.name for r in stored.plan.registries if fingerprints.get(r.name) != r.fingerprint
        )
        if stale:
            state.plans.pop(stored.plan_id, None)
            raise ToolError(
                f"the live state of registry {', '.join(stale)} changed since plan "
                f"{stored.plan_id} was made; nothing was applied. Since then:\n"
                f"{_what_changed(stored.plan, current)}\nMake a new plan."
            )
        todo = stored.plan
        if not todo.has_changes:
            return ApplyResult(
                status="no_changes", message="The plan has no changes.", replan_empty=True
            )
        reason = refusal(todo)
        if reason:
            raise ToolError(reason)
        journal = Journal.create(state.journal_path(project))
        journal.start(todo, interrupted)
        state.plans.pop(stored.plan_id, None)  # a plan runs once
        results = await _apply_with_progress(todo, clients, journal, ctx)
        journal.mark_recovered(interrupted)
        steps = [_step(r, i + 1) for i, r in enumerate(results)]
        if not all(r.ok for r in results):
            return ApplyResult(
                status="failed",
                message=f"apply failed at step {len(results)} of {len(todo.actions)}; temporary "
                "modes were restored. Fix the cause, plan and apply again.",
                steps=steps,
                journal=str(journal.path),
                replan_empty=False,
            )
        after = await make_plan(project, clients, options)
    empty = not after.has_changes and not after.errors
    return ApplyResult(
        status="applied" if empty else "still_differs",
        message=f"{len(results)} change(s) applied; the registries match the specs."
        if empty
        else "Applied, but the registries still differ from the specs: see replan_markdown.",
        steps=steps,
        journal=str(journal.path),
        replan_empty=empty,
        replan_markdown=render_markdown(after),
    )


def register_plan_tools(server: MCPServer, state: ServerState, access: Access) -> None:
    @server.tool(annotations=ToolAnnotations(read_only_hint=True, open_world_hint=True))
    async def plan(
        registries: Annotated[
            list[str] | None,
            Field(description="Only these registries. Default: every registry the specs target."),
        ] = None,
        targets: Annotated[
            list[str] | None,
            Field(
                description="Only these subjects (and what they reference) or contexts, "
                "written with their dot: '.', '.billing'."
            ),
        ] = None,
        max_deletes: Annotated[
            int | None,
            Field(ge=0, description="Allow up to this many deletes (default: the project's)."),
        ] = None,
        force_import: Annotated[
            bool,
            Field(description="Allow IMPORT mode on subjects that already have versions."),
        ] = False,
    ) -> Annotated[CallToolResult, PlanResult]:
        """Plan what apply would change to make the registries match the specs, like
        `reconcile plan`. Returns the plan as structured JSON and as markdown, and keeps it
        under a plan_id for apply. Nothing is written."""
        access.require(READ)
        project = state.load()
        options = PlanOptions(max_deletes, force_import, targets=tuple(targets or ()))
        made, names, warnings = await make(state, project, tuple(registries or ()), options)
        stored = state.remember(made, names, options)
        markdown = render_markdown(made)
        result = PlanResult(
            plan_id=stored.plan_id,
            has_changes=made.has_changes,
            errors=len(made.errors),
            summary=made.counts(),
            plan=made.to_dict(),
            markdown=markdown,
            warnings=warnings,
        )
        return CallToolResult(
            content=[TextContent(type="text", text=f"plan_id: {stored.plan_id}\n\n{markdown}")],
            structured_content=result.model_dump(mode="json"),
        )

    async def ask_user(plan_id: str, ctx: Context) -> Confirmation | Elicit[Confirmation] | None:
        """Ask the user through the client when it can (elicitation); None when it cannot.

        Checked here first, so that nobody is asked about a plan that would be refused.
        """
        access.require(WRITE)
        stored = state.plans.get(plan_id)
        if stored is None or refusal(stored.plan) or not stored.plan.has_changes:
            return Confirmation(apply=True)  # nothing to ask: apply reports why
        if not _can_elicit(ctx):
            return None
        return Elicit(_question(stored), Confirmation)

    @server.tool(annotations=ToolAnnotations(destructive_hint=True, open_world_hint=True))
    async def apply(
        plan_id: Annotated[str, Field(description="The plan_id returned by plan.")],
        confirmation: Annotated[ElicitationResult[Confirmation], Resolve(ask_user)],
        ctx: Context,
        confirm: Annotated[
            bool,
            Field(
                description="Only for clients that cannot ask the user (no elicitation): "
                "true once the user has approved this plan."
            ),
        ] = False,
    ) -> ApplyResult:
        """Apply a plan made before by the plan tool, after the user confirms (through the
        client when it supports elicitation, else with confirm: true). Refuses a plan whose
        registries changed since, journals every step, reports progress, and plans again at
        the end: success only if that plan is empty."""
        access.require(WRITE)
        stored = state.plans.get(plan_id)
        if stored is None:
            raise ToolError(f"no plan {plan_id!r} on this server (or it ran already); call plan")
        if not isinstance(confirmation, AcceptedElicitation):
            raise ToolError(
                f"the user did not confirm ({confirmation.action}); nothing was applied"
            )
        answer = confirmation.data
        if answer is None and not confirm:
            raise ToolError(
                "apply needs the user's confirmation, and this client cannot ask for it "
                "(no elicitation). Show the plan to the user; once they approve, call apply "
                "again with confirm: true."
            )
        if answer is not None and not answer.apply:
            raise ToolError("the user did not confirm; nothing was applied")
        async with state.apply_lock:
            return await run_apply(state, stored, ctx)
