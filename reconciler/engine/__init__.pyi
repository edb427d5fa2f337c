"""The names of the door in __init__.py, for lazy_loader and type checkers."""

from .apply import ApplyRefused, StepResult, apply_plan, refusal
from .audit import acting_as, describe_actor, past_applies
from .changes import Change
from .connections import open_clients
from .contexts import DEFAULT, context_of, context_prefix, normalize_context, qualify, unqualify
from .history import StoredVersion, reference_texts, versions_to_check
from .journal import JOURNAL_DIR, Interrupted, Journal, find_interrupted
from .options import PlanOptions
from .plan import (
    AGAINST,
    PLAN_FORMAT_VERSION,
    Action,
    Delete,
    DeleteMode,
    DeleteSubject,
    DeleteVersion,
    Plan,
    Problem,
    Register,
    Scope,
    SetCompatibility,
    SetMode,
)
from .planner import (
    UnknownRegistryError,
    make_plan,
    specs_for,
    targeted_registries,
    with_recovery,
)
from .policy import disallowed
from .schemas import SchemaCache, pretty
from .session import ApplySession, Listener, Outcome, Status
from .staleness import stale_registries, what_changed

__all__ = [
    "AGAINST",
    "DEFAULT",
    "JOURNAL_DIR",
    "PLAN_FORMAT_VERSION",
    "Action",
    "ApplyRefused",
    "ApplySession",
    "Change",
    "Delete",
    "DeleteMode",
    "DeleteSubject",
    "DeleteVersion",
    "Interrupted",
    "Journal",
    "Listener",
    "Outcome",
    "Plan",
    "PlanOptions",
    "Problem",
    "Register",
    "SchemaCache",
    "Scope",
    "SetCompatibility",
    "SetMode",
    "Status",
    "StepResult",
    "StoredVersion",
    "UnknownRegistryError",
    "acting_as",
    "apply_plan",
    "context_of",
    "context_prefix",
    "describe_actor",
    "disallowed",
    "find_interrupted",
    "make_plan",
    "normalize_context",
    "open_clients",
    "past_applies",
    "pretty",
    "qualify",
    "reference_texts",
    "refusal",
    "specs_for",
    "stale_registries",
    "targeted_registries",
    "unqualify",
    "versions_to_check",
    "what_changed",
    "with_recovery",
]
