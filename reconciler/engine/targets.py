"""``--target``: limit a plan to some subjects or contexts, with what they depend on.

A target is a subject (``orders-value``, or qualified ``:.ctx:orders-value``)
or a context (``.``, ``.billing``; written with its leading dot). A subject
target keeps that subject's actions and, transitively, those of the subjects
its registrations reference (they must exist first); a context target keeps
every action in that context, and for the default context the global ones.
"""

from __future__ import annotations

from .contexts import normalize_context, unqualify
from .plan import Action, Plan, Problem, Register, Scope


def _is_context(target: str) -> bool:
    return target.startswith(".")


def _subject_matches(action_target: str, target: str) -> bool:
    return action_target == target or (
        not target.startswith(":.")
        and unqualify(action_target) == target
        and not action_target.startswith(":.")
    )


def _wanted(action: Action, targets: tuple[str, ...]) -> bool:
    for target in targets:
        if _is_context(target):
            context = normalize_context(target)
            if action.context == context and action.scope is not Scope.GLOBAL:
                return True
            if context == "." and action.scope is Scope.GLOBAL:
                return True
        elif action.scope is Scope.SUBJECT and _subject_matches(action.target, target):
            return True
    return False


def unmatched(
    spec_subjects: set[str], spec_contexts: set[str], plan: Plan, targets: tuple[str, ...]
) -> list[str]:
    """The targets that name nothing: no context or subject (qualified names) of the
    specs, and no action of the whole ``plan`` (a subject to delete is in no spec).

    An empty plan for such a target would read "No changes" to someone who mistyped it.
    """
    missing = []
    for target in targets:
        if _is_context(target):
            known = normalize_context(target) in spec_contexts | {"."}
        else:
            known = any(_subject_matches(s, target) for s in spec_subjects) or any(
                a.scope is Scope.SUBJECT and _subject_matches(a.target, target)
                for a in plan.actions
            )
        if not known:
            missing.append(target)
    return missing


def select(plan: Plan, targets: tuple[str, ...]) -> Plan:
    """The part of ``plan`` the targets ask for, in the plan's order."""
    keep = {i for i, a in enumerate(plan.actions) if _wanted(a, targets)}
    # Pull in what kept registrations reference, transitively.
    changed = True
    while changed:
        changed = False
        needed = {
            (a.registry, r.subject)
            for i, a in enumerate(plan.actions)
            if i in keep and isinstance(a, Register)
            for r in a.registration.references
        }
        for i, a in enumerate(plan.actions):
            if (
                i not in keep
                and a.scope is Scope.SUBJECT
                and any(
                    registry == a.registry and _subject_matches(a.target, subject)
                    for registry, subject in needed
                )
            ):
                keep.add(i)
                changed = True
    kept_targets = {plan.actions[i].target for i in keep}

    def relevant(problem: Problem) -> bool:
        return (
            not problem.target
            or problem.target in kept_targets
            or any(_subject_matches(problem.target, t) for t in targets if not _is_context(t))
        )

    return Plan(
        registries=plan.registries,
        actions=[a for i, a in enumerate(plan.actions) if i in keep],
        problems=[p for p in plan.problems if relevant(p)],
        targets=targets,
    )
