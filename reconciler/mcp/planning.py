"""``plan`` and ``apply``: the engine's plan -> confirm -> apply -> plan again, over MCP.

``plan`` keeps each plan it shows under a ``plan_id``. ``apply`` takes that id,
never a plan from the client: what runs is what the user saw (see applying.py).

No ``from __future__ import annotations`` here: the SDK reads the apply tool's
annotations at registration, and ``Resolve(ask_user)`` names a closure that
only an eagerly evaluated annotation can see.
"""

import math
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

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

from reconciler._words import plural
from reconciler.engine import (
    Action,
    Plan,
    PlanOptions,
    disallowed,
    make_plan,
    open_clients,
    refusal,
    targeted_registries,
)
from reconciler.registry import RegistryClient
from reconciler.render import render_markdown
from reconciler.spec.model import Project
from reconciler.workflows import plan_view

from .applying import CANNOT_ASK, can_elicit, question, run_apply
from .auth import READ, WRITE, Access
from .errors import engine_errors
from .models import ApplyResult, PlanDetails, PlanResult, StepReport
from .state import ServerState, StoredPlan, parse_plan_id
from .summary import PAGE_SIZE, summarize

T = TypeVar("T")


class Confirmation(BaseModel):
    """The form shown to the user before an apply (elicitation)."""

    apply: bool = Field(description="Apply these changes to the registries")


async def make(
    state: ServerState, project: Project, registries: tuple[str, ...], options: PlanOptions
) -> tuple[Plan, tuple[str, ...], list[str]]:
    """A plan of the registries asked for (default: every targeted one), as `reconcile plan`.

    Returns the plan, the registries it covers and warnings about interrupted applies.
    """
    return await run_planning(state, project, registries, options, make_plan)


async def run_planning(
    state: ServerState,
    project: Project,
    registries: tuple[str, ...],
    options: PlanOptions,
    work: Callable[[Project, dict[str, RegistryClient], PlanOptions], Awaitable[T]],
) -> tuple[T, tuple[str, ...], list[str]]:
    """``work`` (``make_plan``, or a drift check, which plans) on the registries asked
    for, with the recovery of interrupted applies and engine errors as tool errors."""
    options, warnings = state.with_recovery(project, options)
    async with engine_errors():
        names = tuple(targeted_registries(project, registries))
        async with open_clients(project, names) as clients:
            return await work(project, clients, options), names, warnings


async def find_plan(state: ServerState, plan_id: str) -> StoredPlan:
    """The caller's plan ``plan_id``: kept in this process, or made again and accepted
    only if it hashes the same (another replica made it, or this one before a restart)."""
    stored = state.recall(plan_id)
    if stored is not None:
        return stored
    request = parse_plan_id(plan_id)
    if request is None:
        raise ToolError(f"no plan {plan_id!r}: plan ids come from the plan tool; call plan")
    project = state.load()
    made, names, _ = await make(state, project, request.registries, request.options)
    again = state.identify(made, names, request.options)
    if again.plan_id != plan_id:
        raise ToolError(
            f"no plan {plan_id!r} matches the specs and the registries as they are now: "
            f"they changed since it was made (or it ran already, or another principal made "
            f"it). Nothing was applied; call plan."
        )
    return state.keep(again)


def steps_of(plan: Plan, actions: list[Action], steps: tuple[StepReport, ...]) -> list[StepReport]:
    """The steps that ran ``actions`` (some of ``plan``'s), in the order they ran."""
    shown = {id(a) for a in actions}
    return [s for s in steps if id(plan.actions[s.index - 1]) in shown]


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
        `reconcile plan`. Returns a summary (counts per registry and context, problems, the
        first actions) and keeps the plan under a plan_id for apply and plan_details.
        Nothing is written."""
        access.require(READ)
        project = state.load()
        options = PlanOptions(
            max_deletes, force_import, targets=tuple(targets or ()), remember_results=True
        )
        made, names, warnings = await make(state, project, tuple(registries or ()), options)
        stored = state.remember(made, names, options)
        result, markdown = summarize(stored, project, warnings)
        return CallToolResult(
            content=[TextContent(type="text", text=markdown)],
            structured_content=result.model_dump(mode="json"),
        )

    @server.tool(annotations=ToolAnnotations(read_only_hint=True, open_world_hint=True))
    async def plan_details(
        plan_id: Annotated[str, Field(description="The plan_id returned by plan.")],
        subject: Annotated[
            str | None,
            Field(description="Only the actions on this subject (as plan's subjects list it)."),
        ] = None,
        page: Annotated[int, Field(ge=1, description="Else this page of the actions.")] = 1,
        page_size: Annotated[int, Field(ge=1, le=50)] = PAGE_SIZE,
    ) -> Annotated[CallToolResult, PlanDetails]:
        """The actions of a plan whole (schemas, references, diffs, compatibility verdicts):
        those on one subject, or one page of them in plan order; once this server applied
        the plan, how each of them ran."""
        access.require(READ)
        applied = state.recall_applied(plan_id)
        stored = applied.stored if applied is not None else await find_plan(state, plan_id)
        plan = stored.plan
        if subject is not None:
            actions = plan_view.of_subject(plan, subject)
            if not actions:
                touched = plan_view.subjects(plan)
                raise ToolError(
                    f"plan {plan_id} has no action on {subject!r}; it touches "
                    f"{', '.join(repr(t) for t in touched[:20]) or 'nothing'}"
                    + (f" and {len(touched) - 20} more" if len(touched) > 20 else "")
                )
            pages = 1
        else:
            pages = max(1, math.ceil(len(plan.actions) / page_size))
            if page > pages:
                raise ToolError(
                    f"plan {plan_id} has {plural(pages, 'page')} of {page_size} actions"
                )
            actions = plan_view.page(plan, page, page_size)
        result = PlanDetails(
            plan_id=plan_id,
            page=1 if subject is not None else page,
            pages=pages,
            subject=subject,
            actions=[a.to_json() for a in actions],
            steps=None if applied is None else steps_of(plan, actions, applied.steps),
        )
        shown = render_markdown(plan_view.part(plan, actions))
        return CallToolResult(
            content=[TextContent(type="text", text=shown)],
            structured_content=result.model_dump(mode="json"),
        )

    async def ask_user(plan_id: str, ctx: Context) -> Confirmation | Elicit[Confirmation] | None:
        """Ask the user through the client when it can (elicitation); None when it cannot.

        Checked here first, so that nobody is asked about a plan that would be refused.
        """
        access.require(WRITE)
        stored = await find_plan(state, plan_id)
        access.require_for(stored.plan)
        if (
            refusal(stored.plan)
            or disallowed(stored.plan, state.load())
            or not stored.plan.has_changes
        ):
            return Confirmation(apply=True)  # nothing to ask: apply reports why
        if not can_elicit(ctx):
            return None
        return Elicit(question(stored), Confirmation)

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
        stored = await find_plan(state, plan_id)
        access.require_for(stored.plan)
        if not isinstance(confirmation, AcceptedElicitation):
            raise ToolError(
                f"the user did not confirm ({confirmation.action}); nothing was applied"
            )
        answer = confirmation.data
        if answer is None and not confirm:
            raise ToolError(
                "apply needs the user's confirmation, and this client cannot be asked "
                f"{CANNOT_ASK}. Show the plan to the user; once they approve, call apply "
                "again with confirm: true."
            )
        if answer is not None and not answer.apply:
            raise ToolError("the user did not confirm; nothing was applied")
        async with state.apply_lock:
            return await run_apply(state, stored, ctx)
