"""The engine: snapshot -> diff -> plan -> apply, one room per stage."""

from .apply import ApplyRefused, StepResult, apply_plan, refusal
from .connections import open_clients
from .journal import JOURNAL_DIR, Interrupted, Journal, find_interrupted
from .plan import FORMAT_VERSION, Action, Kind, Plan, Problem, Scope
from .planner import PlanOptions, UnknownRegistryError, make_plan, targeted_registries

__all__ = [
    "FORMAT_VERSION",
    "JOURNAL_DIR",
    "Action",
    "ApplyRefused",
    "Interrupted",
    "Journal",
    "Kind",
    "Plan",
    "PlanOptions",
    "Problem",
    "Scope",
    "StepResult",
    "UnknownRegistryError",
    "apply_plan",
    "find_interrupted",
    "make_plan",
    "open_clients",
    "refusal",
    "targeted_registries",
]
