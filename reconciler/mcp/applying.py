"""Running a plan the user confirmed: freshness check, journal, progress, re-plan.

The same sequence as ``reconcile apply plan.json`` (reconciler/cli/apply_cmd.py),
with the results returned instead of printed.
"""

from __future__ import annotations

import contextlib
import math

import anyio
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError

from reconciler.engine import (
    ApplyRefused,
    Journal,
    Plan,
    StepResult,
    apply_plan,
    make_plan,
    open_clients,
    refusal,
    stale_registries,
    what_changed,
)
from reconciler.engine.policy import disallowed
from reconciler.registry import RegistryClient
from reconciler.render import render_markdown

from .errors import engine_errors
from .models import ApplyResult, StepReport
from .state import ServerState, StoredPlan

MAX_QUESTION_ACTIONS = 25


def question(stored: StoredPlan) -> str:
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


def can_elicit(ctx: Context) -> bool:
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
        stale = stale_registries(stored.plan, current)
        if stale:
            state.plans.pop(stored.plan_id, None)
            raise ToolError(
                f"the live state of registry {', '.join(stale)} changed since plan "
                f"{stored.plan_id} was made; nothing was applied. Since then:\n"
                + "\n".join(f"  {line}" for line in what_changed(stored.plan, current))
                + "\nMake a new plan."
            )
        todo = stored.plan
        if not todo.has_changes:
            return ApplyResult(
                status="no_changes", message="The plan has no changes.", replan_empty=True
            )
        reason = refusal(todo) or disallowed(todo, project)
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
