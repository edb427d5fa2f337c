"""What one server process keeps: the project directory and the plans it has shown.

The project is loaded again for every request, as each CLI run would: the
assistant (or the user) edits spec files between calls, and a plan must be
made from what is on disk now.

A plan id names the plan's content, not a place in this process's memory:
it carries what was asked (registries, targets, options) and a hash of the
plan made, of that request and of the principal who made it. Any server
process of the project (another replica, or this one after a restart) can
make the plan again and accept the id only if the new plan hashes the same,
so ``apply`` runs exactly the plan the user reviewed, or refuses it when the
specs or the live state have moved since (as ``reconcile apply plan.json``
does). Nothing is shared between processes. The plans kept here in memory
only spare that re-plan and let apply say what changed.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
from .models import StepReport

MAX_PLANS = 64  # per principal: its older plans are forgotten here (their ids still work)
PLAN_ID_FORMAT = "p1"

Owner = tuple[str, str | None, str | None] | None


@dataclass(frozen=True)
class PlanRequest:
    """What a plan id says was asked: enough to make the plan again."""

    registries: tuple[str, ...]
    options: PlanOptions


@dataclass(frozen=True)
class StoredPlan:
    """A plan as shown to the client, with what is needed to make it again."""

    plan_id: str
    plan: Plan
    registries: tuple[str, ...]
    options: PlanOptions
    created: str
    owner: Owner  # the token's principal, over HTTP


@dataclass(frozen=True)
class AppliedPlan:
    """A plan this process applied, with how each step ran (``plan_details`` shows them:
    the apply tool's answer has only counts, the first steps and the failures)."""

    stored: StoredPlan
    steps: tuple[StepReport, ...]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _request_json(registries: tuple[str, ...], options: PlanOptions) -> list[Any]:
    targets, force_import = list(options.targets), options.allow_force_import
    return [list(registries), targets, options.max_deletes, force_import]


def plan_id_of(plan: Plan, registries: tuple[str, ...], options: PlanOptions, owner: Owner) -> str:
    """``p1.<request>.<hash>``: the request in base64url JSON, then a SHA-256 (128 bits)
    of the request, the plan's JSON form and its owner."""
    request = json.dumps(_request_json(registries, options), separators=(",", ":"))
    content = json.dumps(
        [request, plan.to_json(), list(owner) if owner else None],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    digest = hashlib.sha256(content.encode()).hexdigest()[:32]
    return f"{PLAN_ID_FORMAT}.{_b64(request.encode())}.{digest}"


def parse_plan_id(plan_id: str) -> PlanRequest | None:
    """The request a plan id carries; None if it is not one this server makes."""
    parts = plan_id.split(".")
    if len(parts) != 3 or parts[0] != PLAN_ID_FORMAT:
        return None
    try:
        raw = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        registries, targets, max_deletes, force_import = json.loads(raw)
        return PlanRequest(
            tuple(str(r) for r in registries),
            PlanOptions(
                None if max_deletes is None else int(max_deletes),
                bool(force_import),
                targets=tuple(str(t) for t in targets),
                remember_results=True,
            ),
        )
    except (ValueError, TypeError):
        return None


@dataclass
class ServerState:
    project_dir: Path
    plans: dict[str, StoredPlan] = field(default_factory=dict)
    applied: dict[str, AppliedPlan] = field(default_factory=dict)  # MAX_PLANS per principal
    # One apply at a time in this process; other processes are seen through the journal.
    apply_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def load(self) -> Project:
        """The project as it is on disk now; spec errors become one tool error.

        Every tool loads the project, so the server keeps the CLI's plan and apply
        caches under ``.reconcile/cache/`` (keyed by content, see docs/planning.md):
        an unchanged project of 10,000 subjects loads in a fifth of the time. Where
        they cannot be written (a read-only checkout) the load is only slower."""
        try:
            return load_project(self.project_dir, parse_cache=True)
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

    def identify(self, plan: Plan, registries: tuple[str, ...], options: PlanOptions) -> StoredPlan:
        """The plan under its id, for the calling principal (not yet remembered)."""
        owner = principal()
        return StoredPlan(
            plan_id=plan_id_of(plan, registries, options, owner),
            plan=plan,
            registries=registries,
            options=options,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            owner=owner,
        )

    def remember(self, plan: Plan, registries: tuple[str, ...], options: PlanOptions) -> StoredPlan:
        return self.keep(self.identify(plan, registries, options))

    def keep(self, stored: StoredPlan) -> StoredPlan:
        """Keep ``stored``; beyond MAX_PLANS of its owner, that owner's oldest are forgotten
        (never another principal's)."""
        self.plans.pop(stored.plan_id, None)
        self.plans[stored.plan_id] = stored
        mine = [key for key, kept in self.plans.items() if kept.owner == stored.owner]
        for key in mine[:-MAX_PLANS]:
            del self.plans[key]
        return stored

    def ran(self, stored: StoredPlan, steps: list[StepReport]) -> None:
        """Keep how ``stored`` ran; beyond MAX_PLANS of its owner, the oldest are forgotten."""
        self.applied.pop(stored.plan_id, None)
        self.applied[stored.plan_id] = AppliedPlan(stored, tuple(steps))
        mine = [key for key, kept in self.applied.items() if kept.stored.owner == stored.owner]
        for key in mine[:-MAX_PLANS]:
            del self.applied[key]

    def recall_applied(self, plan_id: str) -> AppliedPlan | None:
        """A plan this process applied for the caller."""
        applied = self.applied.get(plan_id)
        return applied if applied is not None and applied.stored.owner == principal() else None

    def recall(self, plan_id: str) -> StoredPlan | None:
        """A plan this process made for the caller: plans are private to the token's principal."""
        stored = self.plans.get(plan_id)
        return stored if stored is not None and stored.owner == principal() else None
