"""``PlanOptions``: what a user can ask of a plan beyond the specs.

A module of its own, without the planner's imports: ``reconcile plan`` builds its
options before loading the project, and imports the planner only once its read-ahead
has started (cli/plan_cmd.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PlanOptions:
    """What a user can ask of a plan beyond the specs."""

    max_deletes: int | None = None  # None: the project's max_deletes
    allow_force_import: bool = False  # IMPORT into subjects that already have versions
    # (registry, subject) -> mode to restore, from interrupted applies' journals
    recovered_modes: dict[tuple[str, str], str | None] = field(default_factory=dict)
    targets: tuple[str, ...] = ()  # limit the plan (see targets.py)
    # Keep what the plan works out about each registration (its checks, its changes)
    # under the project's .reconcile/cache/ for the next plan, and use what is kept
    # there (checks.py).
    remember_results: bool = False
