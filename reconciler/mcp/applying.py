"""Running a plan the user confirmed: the engine's apply session, with MCP progress.

The same session as ``reconcile apply plan.json`` (``reconciler.engine.session``),
with its outcome returned instead of printed.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Literal

import anyio
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError

from reconciler.engine import (
    ApplySession,
    Listener,
    Outcome,
    Plan,
    Status,
    StepResult,
    open_clients,
)
from reconciler.workflows import plan_view

from .errors import engine_errors
from .models import ApplyResult, StepReport
from .state import ServerState, StoredPlan

MAX_QUESTION_ACTIONS = 25
FIRST_STEPS = 20  # and the replan's first actions: an apply's answer stays small
# Why a tool that needs the user's confirmation cannot ask for it: a --stateless server
# has no session to send a question on during a call, so only clients that retry with
# the answer (protocol 2026-07-28) can be asked there.
CANNOT_ASK = (
    "(it has no elicitation, or this server is --stateless and the client's protocol "
    "predates 2026-07-28)"
)


def question(stored: StoredPlan) -> str:
    plan = stored.plan
    where = ", ".join(r.display for r in plan.registries)
    return asking(f"Apply plan {stored.plan_id} to {where}?", plan)


def asking(heading: str, plan: Plan) -> str:
    """What the user is asked before ``plan`` runs: its counts and its first actions."""
    counts = plan.counts()
    lines = [
        heading,
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


def step_report(result: StepResult, index: int) -> StepReport:
    action = result.action
    return StepReport(
        index=index,
        ok=result.ok,
        action=f"{action.kind.value} {action.label}",
        registry=action.registry,
        detail=result.detail,
    )


class Progress(Listener):
    """Forwards each step to the client as a progress notification.

    The engine reports progress synchronously; a task forwards each step to
    the client. ``started`` runs once the first write is next (the apply tool forgets
    its plan then: a plan runs once).
    """

    def __init__(self, started: Callable[[], object] = lambda: None) -> None:
        self.started = started
        self.send, self.receive = anyio.create_memory_object_stream[tuple[StepResult, int, int]](
            math.inf
        )

    def applying(self, journal: Path) -> None:
        self.started()

    def step(self, result: StepResult, index: int, total: int) -> None:
        self.send.send_nowait((result, index, total))

    async def reporting(self, ctx: Context, run: Callable[[], Awaitable[Outcome]]) -> Outcome:
        """``run()`` (the session), its steps forwarded to the client meanwhile."""
        async with anyio.create_task_group() as group:
            group.start_soon(self.forward, ctx)
            async with self.send:
                return await run()

    async def forward(self, ctx: Context) -> None:
        async with self.receive:
            async for result, index, total in self.receive:
                action = result.action
                mark = "ok" if result.ok else "FAILED"
                message = f"{mark} {action.kind.value} {action.label} ({action.registry})"
                with contextlib.suppress(Exception):  # a gone client does not stop the apply
                    await ctx.report_progress(index, total, message)


def step_line(result: StepResult) -> str:
    action = result.action
    mark = "ok" if result.ok else "FAILED"
    return f"{mark} {action.kind.value} {action.label} ({action.registry}): {result.detail}"


def apply_result(outcome: Outcome) -> ApplyResult:
    """The outcome in a size that does not grow with the plan (a 200-registration apply
    answered 62 KB with every step): counts, the first steps and every failure whole."""
    if outcome.status is Status.NO_CHANGES:
        return ApplyResult(
            status="no_changes", message="The plan has no changes.", replan_empty=True
        )
    empty = outcome.status is Status.APPLIED
    status: Literal["applied", "failed", "still_differs"]
    if outcome.status is Status.FAILED:
        status = "failed"
        message = outcome.message + (" Plan and apply again." if not outcome.unrestored else "")
    elif empty:
        status, message = "applied", outcome.message
    else:
        status = "still_differs"
        message = "Applied, but the registries still differ from the specs: see replan."
    after = outcome.after.actions if outcome.after and status == "still_differs" else []
    return ApplyResult(
        status=status,
        message=f"{message} Each subject's steps: plan_details with this plan_id and the subject.",
        summary=outcome.plan.counts() if outcome.plan else {},
        steps_done=sum(1 for r in outcome.results if r.ok),
        steps=[step_report(r, r.index) for r in outcome.results if not r.ok],
        first_steps=[step_line(r) for r in outcome.results[:FIRST_STEPS]],
        journal=str(outcome.journal) if outcome.journal else None,
        replan_empty=empty,
        replan=[plan_view.action_line(a) for a in after[:FIRST_STEPS]],
    )


async def run_apply(state: ServerState, stored: StoredPlan, ctx: Context) -> ApplyResult:
    """Run the session on the stored plan. Once started, it is shielded from cancellation
    (a client that disconnects or cancels must not leave a registry half-applied or in
    IMPORT mode); the journal records how it ended."""
    project = state.load()
    listener = Progress(lambda: state.plans.pop(stored.plan_id, None))
    with anyio.CancelScope(shield=True):
        async with engine_errors(), open_clients(project, stored.registries) as clients:
            session = ApplySession(
                project,
                clients,
                state.journal_path(project),
                stored.options,
                stored.plan,
                listener,
                saved_when=f"since plan {stored.plan_id} was made",
            )
            outcome = await listener.reporting(ctx, session.run)
    if outcome.results:
        state.ran(stored, [step_report(r, r.index) for r in outcome.results])
    if outcome.status is Status.STALE:
        state.plans.pop(stored.plan_id, None)
    if outcome.status in (Status.BUSY, Status.STALE, Status.REFUSED, Status.CANCELLED):
        raise ToolError(outcome.message)
    return apply_result(outcome)
