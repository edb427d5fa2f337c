"""Execute a plan's actions in order against the registries' clients."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reconciler.registry import Reference, RegistryClient, RegistryError

from .journal import Journal
from .plan import Action, Kind, Plan, Scope


class ApplyRefused(Exception):
    """The plan must not be applied (errors in it, or a readonly registry)."""


@dataclass(frozen=True)
class StepResult:
    action: Action
    ok: bool
    detail: str


Progress = Callable[[StepResult, int, int], None]


def refusal(plan: Plan) -> str | None:
    """Why this plan cannot be applied, or None."""
    if plan.errors:
        return f"the plan has {len(plan.errors)} error(s); nothing was applied"
    readonly = sorted(
        {r.name for r in plan.registries if r.readonly} & {a.registry for a in plan.actions}
    )
    if readonly:
        return f"registry {', '.join(readonly)} is readonly (project file); nothing was applied"
    return None


async def run_action(action: Action, client: RegistryClient) -> str:
    """Perform one action; return what the registry answered, in words."""
    subject = None if action.scope is Scope.GLOBAL else action.target
    if action.kind is Kind.SET_COMPATIBILITY:
        assert action.after is not None
        await client.set_config(action.after, subject=subject)
        return f"compatibility {action.after}"
    if action.kind is Kind.SET_MODE:
        assert action.after is not None
        await client.set_mode(action.after, subject=subject, force=action.force)
        return f"mode {action.after}"
    if action.kind is Kind.DELETE_MODE:
        await client.delete_mode(subject)
        return "subject-level mode removed"
    if action.kind is Kind.DELETE_SUBJECT:
        versions = await client.delete_subject(action.target, permanent=action.permanent)
        how = "permanently deleted" if action.permanent else "soft-deleted"
        return f"{how} version(s) {', '.join(map(str, versions)) or '-'}"
    if action.kind is Kind.DELETE_VERSION:
        assert action.version is not None
        await client.delete_version(action.target, action.version, permanent=action.permanent)
        how = "permanently deleted" if action.permanent else "soft-deleted"
        return f"{how} version {action.version}"
    reg = action.registration
    assert reg is not None
    schema_id = await client.register(
        action.target,
        reg.schema,
        schema_type=reg.schema_type,
        references=[Reference(r.name, r.subject, r.version) for r in reg.references],
        normalize=reg.normalize,
        id=reg.id,
        version=reg.version,
        metadata=reg.metadata,
        rule_set=reg.rule_set,
    )
    if reg.id is not None and schema_id != reg.id:
        raise ApplyRefused(
            f"{action.target}: the registry assigned id {schema_id}, the plan pinned {reg.id}"
        )
    return f"registered as id {schema_id}"


async def apply_plan(
    plan: Plan,
    clients: dict[str, RegistryClient],
    progress: Progress | None = None,
    journal: Journal | None = None,
) -> list[StepResult]:
    """Run every action in order, recording each step in the journal.

    At the first failure the remaining actions are skipped (they may depend
    on it), except ``restore`` actions, which end temporary IMPORT modes: no
    subject is left in IMPORT mode by a failed apply.
    """
    reason = refusal(plan)
    if reason:
        raise ApplyRefused(reason)
    results: list[StepResult] = []
    total = len(plan.actions)
    failed = False
    for index, action in enumerate(plan.actions):
        if failed and not action.restore:
            continue
        if journal:
            journal.step(index, "started")
        try:
            detail = await run_action(action, clients[action.registry])
            result = StepResult(action, True, detail)
        except (RegistryError, ApplyRefused) as exc:
            result = StepResult(action, False, str(exc))
            failed = True
        if journal:
            journal.step(index, "done" if result.ok else "failed", result.detail)
        results.append(result)
        if progress:
            progress(result, index + 1, total)
    if journal:
        journal.end("failed" if failed else "ok")
    return results
