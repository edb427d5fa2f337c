"""What the plan tool answers: a summary that fits an assistant's context, whatever the
plan's size; ``plan_details`` gives the actions whole, per subject or page by page."""

from __future__ import annotations

import math

from reconciler.engine import Plan, disallowed, refusal
from reconciler.render import headline
from reconciler.spec.model import Project
from reconciler.workflows import plan_view

from .models import ContextCount, PlanResult, ProblemInfo
from .state import StoredPlan

FIRST_ACTIONS = 20
MAX_PROBLEMS = 50
MAX_SUBJECTS = 100
PAGE_SIZE = 10  # plan_details' default: ten registrations with their schemas


def why_refused(plan: Plan, project: Project, registries: tuple[str, ...]) -> str | None:
    """Why apply would refuse the plan, with what to plan instead when a readonly registry
    is the reason (so that nobody asks the user to confirm a plan that cannot run)."""
    reason = refusal(plan) or disallowed(plan, project)
    if reason is None:
        return None
    readonly = {r.name for r in plan.registries if r.readonly}
    touched = {a.registry for a in plan.actions}
    if not plan.errors and readonly & touched:
        others = [name for name in registries if name not in readonly]
        instead = (
            f"plan again with registries={others!r} to leave the readonly ones out"
            if others
            else "no registry of this plan can be written; nothing can be applied"
        )
        reason = (
            f"apply would refuse it: registry {', '.join(sorted(readonly & touched))} is "
            f"readonly (project file); {instead}"
        )
    return reason


def summarize(stored: StoredPlan, project: Project, warnings: list[str]) -> tuple[PlanResult, str]:
    """The plan's summary, structured and as markdown (the markdown once)."""
    plan = stored.plan
    problems = sorted(plan.problems, key=lambda p: p.severity != "error")
    touched = plan_view.subjects(plan)
    result = PlanResult(
        plan_id=stored.plan_id,
        has_changes=plan.has_changes,
        errors=len(plan.errors),
        summary=plan.counts(),
        by_context=[ContextCount(**vars(g)) for g in plan_view.groups(plan)],
        problems=[
            ProblemInfo(
                severity=p.severity,  # type: ignore[arg-type]
                registry=p.registry,
                target=p.target,
                message=p.message,
                source=p.source,
            )
            for p in problems[:MAX_PROBLEMS]
        ],
        problems_left_out=max(0, len(problems) - MAX_PROBLEMS),
        actions=len(plan.actions),
        first_actions=[plan_view.action_line(a) for a in plan.actions[:FIRST_ACTIONS]],
        subjects=touched[:MAX_SUBJECTS],
        pages=math.ceil(len(plan.actions) / PAGE_SIZE),
        refusal=why_refused(plan, project, stored.registries) if plan.has_changes else None,
        warnings=warnings,
    )
    return result, render(stored, result)


def render(stored: StoredPlan, result: PlanResult) -> str:
    """The summary as markdown."""
    plan = stored.plan
    lines = [f"plan_id: {result.plan_id}", "", headline(plan), ""]
    if result.refusal:
        lines += [f"**Apply would refuse this plan:** {result.refusal}", ""]
    if result.by_context:
        lines += ["| registry | context | register | change | delete |", "|---|---|---|---|---|"]
        lines += [
            f"| {c.registry} | {c.context} | {c.registrations} | {c.changes} | {c.deletes} |"
            for c in result.by_context
        ]
        lines.append("")
    if result.problems:
        lines.append("Problems:")
        lines += [
            f"- {p.severity}: {p.source + ': ' if p.source else ''}{p.registry} "
            f"{p.target}: {p.message}"
            for p in result.problems
        ]
        if result.problems_left_out:
            lines.append(f"- ... and {result.problems_left_out} more")
        lines.append("")
    if result.first_actions:
        lines.append("Actions:")
        lines += [f"- {line}" for line in result.first_actions]
        if result.actions > len(result.first_actions):
            lines.append(f"- ... and {result.actions - len(result.first_actions)} more")
        lines += [
            "",
            f"Each action whole (schemas, diffs, compatibility): plan_details with this "
            f"plan_id and a subject, or page 1 to {result.pages}.",
        ]
    for warning in result.warnings:
        lines.append(f"warning: {warning}")
    return "\n".join(lines)
