"""The engine: snapshot -> diff -> plan -> apply, one room per stage."""

from .apply import ApplyRefused, StepResult, apply_plan, refusal
from .connections import open_clients
from .history import StoredVersion, versions_to_check
from .journal import JOURNAL_DIR, Interrupted, Journal, find_interrupted
from .plan import (
    FORMAT_VERSION,
    Action,
    Delete,
    DeleteMode,
    DeleteSubject,
    DeleteVersion,
    Kind,
    Plan,
    Problem,
    Register,
    Scope,
    SetCompatibility,
    SetMode,
)
from .planner import (
    PlanOptions,
    UnknownRegistryError,
    make_plan,
    targeted_registries,
    with_recovery,
)
from .session import ApplySession, Listener, Outcome, Status
from .staleness import stale_registries, what_changed

__all__ = [
    "FORMAT_VERSION",
    "JOURNAL_DIR",
    "Action",
    "ApplyRefused",
    "ApplySession",
    "Delete",
    "DeleteMode",
    "DeleteSubject",
    "DeleteVersion",
    "Interrupted",
    "Journal",
    "Kind",
    "Listener",
    "Outcome",
    "Plan",
    "PlanOptions",
    "Problem",
    "Register",
    "Scope",
    "SetCompatibility",
    "SetMode",
    "Status",
    "StepResult",
    "StoredVersion",
    "UnknownRegistryError",
    "apply_plan",
    "find_interrupted",
    "make_plan",
    "open_clients",
    "refusal",
    "stale_registries",
    "targeted_registries",
    "versions_to_check",
    "what_changed",
    "with_recovery",
]
