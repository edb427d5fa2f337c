"""What one server process keeps: the project directory and the plans it has shown.

The project is loaded again for every request, as each CLI run would: the
assistant (or the user) edits spec files between calls, and a plan must be
made from what is on disk now. Plans are kept in memory under an id, so that
``apply`` runs exactly the plan the user reviewed, or refuses it when the live
state has moved since (as ``reconcile apply plan.json`` does).
"""

from __future__ import annotations

import asyncio
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from reconciler.engine import (
    JOURNAL_DIR,
    Interrupted,
    Plan,
    PlanOptions,
    find_interrupted,
    with_recovery,
)
from reconciler.spec import Project, SpecErrors, load_project

from .auth import principal
from .errors import spec_failure

MAX_PLANS = 64  # older plans are forgotten; apply then asks for a new plan


@dataclass(frozen=True)
class StoredPlan:
    """A plan as shown to the client, with what is needed to make it again."""

    plan_id: str
    plan: Plan
    registries: tuple[str, ...]
    options: PlanOptions
    created: str
    owner: tuple[str, str | None, str | None] | None  # the token's principal, over HTTP


@dataclass
class ServerState:
    project_dir: Path
    plans: OrderedDict[str, StoredPlan] = field(default_factory=OrderedDict)
    # One apply at a time in this process; other processes are seen through the journal.
    apply_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def load(self) -> Project:
        """The project as it is on disk now; spec errors become one tool error."""
        try:
            return load_project(self.project_dir)
        except SpecErrors as exc:
            raise spec_failure(exc) from None

    def journal_path(self, project: Project) -> Path:
        """Where applies are journaled: the project's, as for the CLI, so that each sees
        the other's interrupted or running applies."""
        return project.root / JOURNAL_DIR

    def interrupted(self, project: Project) -> list[Interrupted]:
        return find_interrupted(self.journal_path(project))

    def with_recovery(
        self, project: Project, options: PlanOptions
    ) -> tuple[PlanOptions, list[str]]:
        """Plan the restores of modes that interrupted applies left behind (as the CLI does).

        Returns the options and a warning per interrupted apply.
        """
        stopped = [i for i in self.interrupted(project) if not i.running]
        return with_recovery(options, stopped), [i.describe() for i in stopped]

    def remember(self, plan: Plan, registries: tuple[str, ...], options: PlanOptions) -> StoredPlan:
        stored = StoredPlan(
            plan_id=secrets.token_hex(8),
            plan=plan,
            registries=registries,
            options=options,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            owner=principal(),
        )
        self.plans[stored.plan_id] = stored
        while len(self.plans) > MAX_PLANS:
            self.plans.popitem(last=False)
        return stored

    def recall(self, plan_id: str) -> StoredPlan | None:
        """A plan made by the caller: over HTTP, plans are private to the token's principal."""
        stored = self.plans.get(plan_id)
        return stored if stored is not None and stored.owner == principal() else None
