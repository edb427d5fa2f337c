"""Compare the desired state of one registry with its live state: ordered actions.

``compare`` runs the phases in turn, each a function of the ``Comparison``
(the immutable input: registry config, specs, live state, schema cache,
options) and of the results of the phases before it, returning its own frozen
result. What one phase needs of another is passed explicitly, and only that:

- ``plan_config`` (config.py) -> ``ConfigPlan``: config and mode actions;
- ``plan_registrations`` (registrations.py) takes the ``ConfigPlan``, as a
  registration is checked under the level in force and meets the mode in
  force when it runs -> ``RegistrationPlan``: registrations, the temporary
  modes around them (taking over a subject's planned mode change), and where
  each compatibility change must go;
- ``plan_recovery`` (config.py) takes the config actions and the subjects the
  registrations wrap in a temporary mode (neither is restored twice);
- ``plan_deletes`` (deletes.py) takes the registrations: nothing is deleted
  that the plan registers a reference to;
- ``order`` (here) places every action: a compatibility level is set *before*
  the registrations that need it (it loosens) or *after* them (it tightens),
  decided per registration by checking it offline under both levels; modes
  that allow writes are set before the writes, modes that forbid them after;
  temporary modes wrap exactly the registrations that need them; deletes come
  last, referrers first;
- ``guard_modes`` (modes.py) takes every ordered action and wraps those a
  mode would refuse.

Problems and the subject settings the snapshot had not read are part of each
result; ``compare`` concatenates them in phase order.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.confluent import WRITE_BLOCKING_MODES

from .comparison import Comparison, Found, Notes
from .config import ConfigPlan, RecoveryPlan, plan_config, plan_recovery
from .deletes import DeletePlan, plan_deletes
from .modes import guard_modes
from .plan import Action, DeleteMode, Scope, SetCompatibility, SetMode
from .registrations import RegistrationPlan, plan_registrations


@dataclass(frozen=True)
class Diff(Found):
    """One registry's actions in the order apply runs them, and what the phases found."""

    actions: tuple[Action, ...]
    unchanged: frozenset[str] = frozenset()  # for the next comparison (``Comparison.unchanged``)


def compare(comparison: Comparison) -> Diff:
    """Run every phase; ``unread`` names the settings to read before comparing again,
    and ``unchanged`` what that comparison may take as it is."""
    config = plan_config(comparison)
    registrations = plan_registrations(comparison, config)
    recovery = plan_recovery(comparison, config, registrations.importing)
    deletes = plan_deletes(comparison, registrations)
    ordered = order(comparison, config, registrations, recovery, deletes)
    guarded = guard_modes(comparison, ordered.actions)
    phases: tuple[Found, ...] = (config, registrations, recovery, deletes, ordered, guarded)
    return Diff(
        guarded.actions,
        registrations.unchanged,
        problems=tuple(p for phase in phases for p in phase.problems),
        unread=frozenset().union(*(phase.unread for phase in phases)),
    )


@dataclass(frozen=True)
class OrderedActions(Found):
    actions: tuple[Action, ...]


def order(
    comparison: Comparison,
    config: ConfigPlan,
    registrations: RegistrationPlan,
    recovery: RecoveryPlan,
    deletes: DeletePlan,
) -> OrderedActions:
    """Every action in the order apply runs them: config that loosens or opens,
    temporary modes, registrations, their restores (and the recovered ones), config
    that tightens or closes, then the deletes."""
    notes = Notes(comparison)
    pre: list[Action] = []
    post: list[Action] = []
    for key, action in config.actions.items():
        if key[0] == "mode" and key[1] in registrations.taken_over:
            continue  # the restore of the subject's temporary mode sets it
        placements = registrations.placements.get(key, frozenset())
        if isinstance(action, SetMode | DeleteMode):
            later = action.after in WRITE_BLOCKING_MODES
        elif placements == {"pre", "post"}:
            notes.error(
                action.label,
                "some registrations need this compatibility change "
                "before them and others after; split the change into two plans",
                action.source,
            )
            later = False
        else:
            later = placements == {"post"}
        (post if later else pre).append(action)
    rank = {Scope.GLOBAL: 0, Scope.CONTEXT: 1, Scope.SUBJECT: 2}
    # A level's mode opens before its compatibility changes, and closes after them.
    pre.sort(key=lambda a: (rank[a.scope], isinstance(a, SetCompatibility)))
    post.sort(key=lambda a: (-rank[a.scope], not isinstance(a, SetCompatibility)))
    return OrderedActions(
        (
            *pre,
            *registrations.setup,
            *registrations.actions,
            *registrations.restores,
            *recovery.restores,
            *post,
            *deletes.actions,
        ),
        problems=tuple(notes.problems),
    )
