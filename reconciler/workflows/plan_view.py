"""A plan in pieces that fit a reader's attention: counts per registry and context, one
line per action, and the actions of one subject or one page.

A plan of hundreds of registrations printed whole (each with its schema and
diff) is megabytes; a reader (or an assistant, which reads every byte) first
needs what changes where, then the details of the subjects it asks about.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import singledispatch

from reconciler.engine import (
    Action,
    Change,
    Delete,
    DeleteMode,
    DeleteSubject,
    DeleteVersion,
    Plan,
    Register,
    SetCompatibility,
    SetMode,
)


@dataclass(frozen=True)
class Group:
    """How many actions of each sort a plan has in one context of one registry."""

    registry: str
    context: str
    registrations: int = 0
    changes: int = 0  # compatibility and mode
    deletes: int = 0


def groups(plan: Plan) -> list[Group]:
    """The plan's counts per (registry, context), in the order the actions come; as in
    ``Plan.counts``, temporary mode switches and their restores are steps, not changes."""
    found: dict[tuple[str, str], Group] = {}
    steps = plan.steps_only()
    for index, action in enumerate(plan.actions):
        if index in steps:
            continue
        key = (action.registry, action.context)
        group = found.get(key, Group(*key))
        if isinstance(action, Register):
            group = replace(group, registrations=group.registrations + 1)
        elif isinstance(action, Delete):
            group = replace(group, deletes=group.deletes + 1)
        else:
            group = replace(group, changes=group.changes + 1)
        found[key] = group
    return list(found.values())


def action_line(action: Action) -> str:
    """One line: what the action does, to what, where, and why (no schema)."""
    return _line(action, f"({action.registry})")


@singledispatch
def _line(action: Action, where: str) -> str:
    raise TypeError(f"no one-line view of a {type(action).__name__}")


@_line.register
def _(action: Register, where: str) -> str:
    verdict = action.registration.verdict
    compat = ""
    if verdict is not None and verdict.checked_versions:
        compat = f", {'compatible' if verdict.compatible else 'INCOMPATIBLE'} {verdict.level}"
    changes = _changes(action.registration.changes)
    return (
        f"register {action.label} version {action.after} {where}: {action.reason}{compat}{changes}"
    )


_CHANGES_SHOWN = 5


def _changes(changes: tuple[Change, ...]) -> str:
    """The registration's first changes, one per clause: a summary line stays short."""
    if not changes:
        return ""
    shown = "; ".join(str(c) for c in changes[:_CHANGES_SHOWN])
    more = len(changes) - _CHANGES_SHOWN
    return f"; changes: {shown}" + (f"; and {more} more" if more > 0 else "")


@_line.register
def _(action: DeleteSubject, where: str) -> str:
    how = "permanently" if action.permanent else "soft"
    return f"delete subject {action.label} {where} ({how}): {action.reason}"


@_line.register
def _(action: DeleteVersion, where: str) -> str:
    how = "permanently" if action.permanent else "soft"
    return f"delete {action.label} version {action.version} {where} ({how}): {action.reason}"


@_line.register
def _(action: SetCompatibility, where: str) -> str:
    return _setting("compatibility", action, where)


@_line.register
def _(action: SetMode | DeleteMode, where: str) -> str:
    return _setting("mode", action, where)


def _setting(what: str, action: Action, where: str) -> str:
    before, after = action.before or "(not set)", action.after or "(not set)"
    return f"{what} of {action.label} {where}: {before} -> {after}: {action.reason}"


def subjects(plan: Plan) -> list[str]:
    """The targets the plan's actions touch (qualified subject names, ``:.ctx:`` for a
    context, ``""`` for global), each once, in plan order."""
    return list(dict.fromkeys(a.target for a in plan.actions))


def part(plan: Plan, actions: list[Action]) -> Plan:
    """The plan narrowed to ``actions`` (and the problems about their targets), to render."""
    targets = {a.target for a in actions}
    return Plan(
        registries=plan.registries,
        actions=actions,
        problems=[p for p in plan.problems if p.target in targets],
        targets=plan.targets,
    )


def of_subject(plan: Plan, subject: str) -> list[Action]:
    """The actions on ``subject``: its wire name, or unqualified in the default context."""
    return [a for a in plan.actions if subject in (a.target, a.label)]


def page(plan: Plan, number: int, size: int) -> list[Action]:
    """Page ``number`` (from 1) of the plan's actions, ``size`` per page."""
    start = (number - 1) * size
    return plan.actions[start : start + size]
