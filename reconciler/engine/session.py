"""The apply session: the one sequence every door runs to write to registries.

``reconcile apply`` (and the GitHub Action, which runs it), ``reconcile
migrate`` and the MCP server's ``apply`` tool all run ``ApplySession``; they
differ only in how they show its events (``Listener``) and its ``Outcome``.
The sequence, in order:

1. take the journal directory's lock (``lock.py``), before anything is read:
   a second apply started at the same moment is refused, never interleaved;
2. find the unfinished applies journaled in that directory (killed, or ended
   with modes left in IMPORT) and plan the restores of what they left;
3. plan; for a saved plan, refuse it if the live state moved since it was made;
4. refuse a plan with errors or one that writes to a readonly registry;
5. ask for confirmation; when someone was asked, read the live state again
   and refuse if it moved meanwhile;
6. journal and apply (``apply.py``: restores run after a failure and are read
   back); an apply whose restores all held takes the unfinished journals over;
7. plan again: success only if that plan is empty.

The lock is held from 1 to 7 and released however the session ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from reconciler._words import plural
from reconciler.registry import RegistryClient
from reconciler.spec.model import Project

from .apply import ApplyRefused, StepResult, apply_plan, refusal, unrestored
from .journal import Interrupted, Journal, Restores, find_interrupted, mark_recovered
from .lock import ApplyLock, LockBusy
from .plan import Plan
from .planner import PlanOptions, make_plan, with_recovery
from .policy import disallowed
from .staleness import stale_message, stale_registries


class Status(StrEnum):
    NO_CHANGES = "no_changes"  # nothing to apply: the registries match
    APPLIED = "applied"  # applied, and the plan made afterwards is empty
    BUSY = "busy"  # another apply holds the lock; nothing was read or written
    STALE = "stale"  # the live state moved since the plan was made; nothing written
    REFUSED = "refused"  # errors in the plan, or a readonly registry; nothing written
    CANCELLED = "cancelled"  # the user said no
    FAILED = "failed"  # a step failed (or a restore did): see ``Outcome.unrestored``
    STILL_DIFFERS = "still_differs"  # applied, but the plan made afterwards is not empty


@dataclass
class Outcome:
    status: Status
    message: str
    plan: Plan | None = None  # the plan that was (or would have been) applied
    results: list[StepResult] = field(default_factory=list)
    journal: Path | None = None
    after: Plan | None = None  # the plan made after applying
    unrestored: Restores = field(default_factory=dict)  # temporary modes left

    @property
    def ok(self) -> bool:
        return self.status in (Status.NO_CHANGES, Status.APPLIED)

    @property
    def exit_code(self) -> int:
        """0: applied or nothing to do; 1: anything else."""
        return 0 if self.ok else 1


class Listener:
    """What a door shows of a session. The defaults show nothing and approve."""

    asks = False  # ``confirm`` waits for a person (the live state is read again after)

    def recovering(self, interrupted: list[Interrupted]) -> None:
        """Unfinished applies found; the plan restores what they left."""

    def planned(self, plan: Plan) -> None:
        """The plan to apply (the saved one, when one was given)."""

    async def confirm(self, plan: Plan) -> bool:
        return True

    def applying(self, journal: Path) -> None:
        """The first write is next; the journal is written here."""

    def step(self, result: StepResult, index: int, total: int) -> None:
        """One action ran (``index`` counts from 1; a restore run again repeats its index)."""


def _left_temporary(left: Restores) -> str:
    by_registry: dict[str, list[str]] = {}
    for registry, subject in sorted(left):
        # journals name a context by ":.ctx:" and the global level by ""
        by_registry.setdefault(registry, []).append(subject or "the global mode")
    return "; ".join(f"{', '.join(s)} on {r}" for r, s in by_registry.items())


@dataclass
class ApplySession:
    project: Project
    clients: dict[str, RegistryClient]
    journal_dir: Path
    options: PlanOptions = field(default_factory=PlanOptions)
    saved: Plan | None = None  # apply this plan (refused if the live state moved since)
    listener: Listener = field(default_factory=Listener)
    saved_when: str = "since the plan was saved"  # how messages name the saved plan's time

    async def run(self) -> Outcome:
        lock = ApplyLock(self.journal_dir)
        try:
            # Off the event loop: meeting a plan's probe, acquire retries for a while,
            # and the MCP server's other requests must not wait for it.
            await lock.acquire_off_loop()
        except LockBusy as exc:
            return Outcome(Status.BUSY, f"{exc}; nothing was applied")
        try:
            return await self._locked()
        finally:
            lock.release()

    async def _plan(self, options: PlanOptions) -> Plan:
        return await make_plan(self.project, self.clients, options)

    async def _locked(self) -> Outcome:
        interrupted = find_interrupted(self.journal_dir, holding_lock=True)
        if interrupted:
            self.listener.recovering(interrupted)
        options = with_recovery(self.options, interrupted)
        current = await self._plan(options)
        todo = current
        if self.saved is not None:
            stale = stale_registries(self.saved, current)
            if stale:
                return self._stale(stale, self.saved, current, self.saved_when)
            todo = self.saved
        self.listener.planned(todo)
        if todo.errors:
            return Outcome(
                Status.REFUSED,
                f"Plan failed: {plural(len(todo.errors), 'error')}; nothing was applied.",
                todo,
            )
        if not todo.has_changes:
            if not current.has_changes:
                mark_recovered(interrupted, "an apply that found nothing left to do")
            return Outcome(Status.NO_CHANGES, "No changes. The registries match the specs.", todo)
        reason = refusal(todo) or disallowed(todo, self.project)
        if reason:
            return Outcome(Status.REFUSED, reason, todo)
        if not await self.listener.confirm(todo):
            return Outcome(Status.CANCELLED, "Apply cancelled; nothing was changed.", todo)
        if self.listener.asks:
            again = await self._plan(options)
            stale = stale_registries(todo, again)
            if stale:
                return self._stale(stale, todo, again, "while waiting for confirmation")
        return await self._apply(todo, options, interrupted)

    def _stale(self, stale: list[str], planned: Plan, now: Plan, when: str) -> Outcome:
        return Outcome(Status.STALE, stale_message(stale, planned, now, when), planned)

    async def _apply(
        self, todo: Plan, options: PlanOptions, interrupted: list[Interrupted]
    ) -> Outcome:
        journal = Journal.create(self.journal_dir)
        journal.start(todo, interrupted)
        self.listener.applying(journal.path)
        try:
            results = await apply_plan(todo, self.clients, self.listener.step, journal)
        except ApplyRefused as exc:  # refusal() passed above: not expected
            return Outcome(Status.REFUSED, str(exc), todo, journal=journal.path)
        left = unrestored(todo, results)
        if not left:
            mark_recovered(interrupted, str(journal.path))
        failed = next((r for r in results if not r.ok and not r.action.restore), None)
        outcome = Outcome(Status.FAILED, "", todo, results, journal.path, unrestored=left)
        if failed is not None:
            outcome.message = (
                f"apply failed at step {failed.index} of {len(todo.actions)} "
                f"({failed.describe()}): {failed.detail}"
            )
        if left:
            outcome.message = (
                (outcome.message + "; " if outcome.message else "")
                + "the temporary mode (IMPORT or READWRITE) could not be restored on "
                + _left_temporary(left)
                + ": they are still in IMPORT or READWRITE. The next plan or apply "
                "restores them first "
                f"(journal {journal.path})."
            )
            return outcome
        if failed is not None:
            outcome.message += "; temporary modes were restored. Fix the cause and apply again."
            return outcome
        after = await self._plan(options)
        outcome.after = after
        if after.has_changes or after.errors:
            outcome.status = Status.STILL_DIFFERS
            outcome.message = "Apply finished, but the registries still differ from the specs."
            return outcome
        outcome.status = Status.APPLIED
        outcome.message = f"{plural(len(results), 'change')}. The registries match the specs."
        return outcome
