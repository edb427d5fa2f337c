"""Execute a plan's actions in order against the registries' clients."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from functools import singledispatch

from reconciler._words import noun, plural
from reconciler.confluent import DEFAULT_MODE
from reconciler.errors import ReconcilerError
from reconciler.registry import (
    RateLimitedError,
    RegistryClient,
    RegistryError,
    RegistryUnavailableError,
    ServerError,
)

from .journal import Journal, Restores
from .plan import (
    Action,
    DeleteMode,
    DeleteSubject,
    DeleteVersion,
    Plan,
    Register,
    Scope,
    SetCompatibility,
    SetMode,
    temporary_switches,
)


class ApplyRefused(ReconcilerError):
    """The plan must not be applied (errors in it, or a readonly registry)."""


@dataclass(frozen=True)
class StepResult:
    action: Action
    ok: bool
    detail: str
    index: int = 0  # the action's place in the plan, from 1

    def describe(self) -> str:
        """The step as people read it: ``step 3 of 9 (register orders-value on dev)``."""
        action = self.action
        return f"{action.kind.value} {action.label} on {action.registry}"


Progress = Callable[[StepResult, int, int], None]


def refusal(plan: Plan) -> str | None:
    """Why this plan cannot be applied, or None."""
    if plan.errors:
        return f"the plan has {plural(len(plan.errors), 'error')}; nothing was applied"
    readonly = sorted(
        {r.name for r in plan.registries if r.readonly} & {a.registry for a in plan.actions}
    )
    if readonly:
        return f"registry {', '.join(readonly)} is readonly (project file); nothing was applied"
    return None


async def run_action(action: Action, client: RegistryClient) -> str:
    """Perform one action; return what the registry answered, in words."""
    subject = None if action.scope is Scope.GLOBAL else action.target
    return await _perform(action, client, subject)


@singledispatch
async def _perform(action: Action, client: RegistryClient, subject: str | None) -> str:
    raise TypeError(f"no way to apply a {type(action).__name__}")


@_perform.register
async def _(action: SetCompatibility, client: RegistryClient, subject: str | None) -> str:
    assert action.after is not None
    await client.set_config(action.after, subject=subject)
    return f"compatibility {action.after}"


@_perform.register
async def _(action: SetMode, client: RegistryClient, subject: str | None) -> str:
    assert action.after is not None
    await client.set_mode(action.after, subject=subject, force=action.force)
    return f"mode {action.after}"


@_perform.register
async def _(action: DeleteMode, client: RegistryClient, subject: str | None) -> str:
    await client.delete_mode(subject)
    if action.scope is Scope.GLOBAL:
        return "global mode removed"
    return f"{action.scope}-level mode removed"


@_perform.register
async def _(action: DeleteSubject, client: RegistryClient, subject: str | None) -> str:
    versions = await client.delete_subject(action.target, permanent=action.permanent)
    how = "permanently deleted" if action.permanent else "soft-deleted"
    return f"{how} {noun(len(versions), 'version')} {', '.join(map(str, versions)) or '-'}"


@_perform.register
async def _(action: DeleteVersion, client: RegistryClient, subject: str | None) -> str:
    await client.delete_version(action.target, action.version, permanent=action.permanent)
    how = "permanently deleted" if action.permanent else "soft-deleted"
    return f"{how} version {action.version}"


@_perform.register
async def _(action: Register, client: RegistryClient, subject: str | None) -> str:
    reg = action.registration
    schema_id = await client.register(
        action.target,
        reg.schema,
        schema_type=reg.schema_type,
        references=reg.references,
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


# Errors that say the registry is not answering (after the client's retries).
_UNAVAILABLE = (RegistryUnavailableError, ServerError, RateLimitedError)


class _Steps:
    """Runs steps, journaled; after a failure, spares a registry that stopped answering.

    Once a step after a failure (a restore) finds its registry unavailable, the
    other restores on that registry are recorded as failed without a try: each
    try would cost the client's whole retry budget, and the verification pass
    tries them all again anyway.
    """

    def __init__(self, clients: dict[str, RegistryClient], journal: Journal | None) -> None:
        self.clients = clients
        self.journal = journal
        self.down: set[str] = set()

    async def run(self, index: int, action: Action, after_failure: bool) -> StepResult:
        if after_failure and action.registry in self.down:
            detail = f"not attempted: registry {action.registry} is not answering"
            if self.journal:
                self.journal.step(index, "failed", detail)
            return StepResult(action, False, detail, index + 1)
        if self.journal:
            self.journal.step(index, "started")
        try:
            detail = await run_action(action, self.clients[action.registry])
            result = StepResult(action, True, detail, index + 1)
        except (RegistryError, ApplyRefused) as exc:
            result = StepResult(action, False, str(exc), index + 1)
            if after_failure and isinstance(exc, _UNAVAILABLE):
                self.down.add(action.registry)
        if self.journal:
            self.journal.step(index, "done" if result.ok else "failed", result.detail)
        return result


async def _not_restored(action: Action, client: RegistryClient) -> bool:
    """Whether the level ``action`` restores holds another mode than the one it set.

    A retried ``PUT /mode`` of a temporary mode whose first attempt was only
    slow can land after the restore. A failed read counts as "not restored":
    nothing unverified is reported as restored.
    """
    try:
        live = await client.get_mode(None if action.scope is Scope.GLOBAL else action.target)
    except RegistryError:
        return True
    if action.after is None and action.scope is Scope.GLOBAL:
        # The top level answers the registry's default when it has no mode of its
        # own: a removed global mode reads back as READWRITE.
        return live not in (None, DEFAULT_MODE)
    return live != action.after


async def _needs_restoring(result: StepResult, client: RegistryClient) -> bool:
    return not result.ok or await _not_restored(result.action, client)


async def _verify_restores(
    plan: Plan,
    results: list[StepResult],
    clients: dict[str, RegistryClient],
    progress: Progress | None,
    journal: Journal | None,
) -> None:
    """Read back every mode a restore set; restore again, once, what holds another.

    A restore that failed (the registry down past the client's retries) gets
    this second attempt too. The new attempts are appended to ``results``.
    """
    last = [r for r in results if r.action.restore]
    if not last:
        return
    verdicts = await asyncio.gather(
        *(_needs_restoring(r, clients[r.action.registry]) for r in last)
    )
    again = [r.index for r, needed in zip(last, verdicts, strict=True) if needed]
    if journal:
        journal.note("verify", again=[i - 1 for i in again])
    steps = _Steps(clients, journal)
    for index in again:
        action = plan.actions[index - 1]
        client = clients[action.registry]
        result = await steps.run(index - 1, action, after_failure=True)
        if result.ok and await _not_restored(action, client):
            detail = f"not back to {action.after or 'the inherited mode'} after restoring it twice"
            result = StepResult(action, False, detail, index)
        results.append(result)
        if progress:
            progress(result, index, len(plan.actions))


def unrestored(plan: Plan, results: list[StepResult]) -> Restores:
    """Temporary modes whose restore did not end in success: (registry, subject) -> mode."""
    last = {r.index: r for r in results if r.action.restore}
    return {
        (r.action.registry, r.action.target): r.action.after
        if isinstance(r.action, SetMode)
        else None
        for r in last.values()
        if not r.ok
    }


async def apply_plan(
    plan: Plan,
    clients: dict[str, RegistryClient],
    progress: Progress | None = None,
    journal: Journal | None = None,
) -> list[StepResult]:
    """Run every action in order, recording each step in the journal.

    At the first failure the remaining actions are skipped (they may depend
    on it), except ``restore`` actions, which end temporary modes (IMPORT, or
    READWRITE over a read-only mode): no level is left in one by a failed
    apply. (A restore whose switch was skipped has nothing to undo and is
    skipped too; a restore of an interrupted apply's switch always runs.) Every
    restore is then verified by reading the mode back (``_verify_restores``);
    the journal's ``end`` lists the modes still to restore, for the next apply.
    """
    reason = refusal(plan)
    if reason:
        raise ApplyRefused(reason)
    results: list[StepResult] = []
    total = len(plan.actions)
    opened_by: dict[int, list[int]] = {}  # restore -> the temporary switches it ends
    for switch, restore in temporary_switches(plan.actions).items():
        opened_by.setdefault(restore, []).append(switch)
    attempted: set[int] = set()
    failed = False
    steps = _Steps(clients, journal)
    for index, action in enumerate(plan.actions):
        switches = opened_by.get(index)
        if failed and not (
            action.restore and (switches is None or any(s in attempted for s in switches))
        ):
            continue
        attempted.add(index)
        result = await steps.run(index, action, after_failure=failed)
        failed = failed or not result.ok
        results.append(result)
        if progress:
            progress(result, index + 1, total)
    await _verify_restores(plan, results, clients, progress, journal)
    if journal:
        left = unrestored(plan, results)
        journal.end("failed" if failed or left else "ok", left)
    return results
