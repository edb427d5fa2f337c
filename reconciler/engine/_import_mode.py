"""The IMPORT bookkeeping, once every subject is planned: one temporary mode per subject
(or a pinned history's IMPORT ended before its versions without an id), and pinned ids
registered before the registry chooses any id in their context.

Separate because it works over the whole list of planned registrations, after the
subjects are planned one by one.
"""

from __future__ import annotations

import heapq

from ._registration_work import _Work
from .contexts import context_prefix, qualify
from .plan import Action, Register, SetMode


def _one_mode_per_subject(work: _Work) -> set[str]:
    """A subject's registrations run in the one temporary mode it is wrapped in, or
    a pinned history's IMPORT ends before the versions after it that have no id.

    IMPORT refuses a registration without an id, READWRITE one with an id. A
    history whose pinned versions all come first is registered under IMPORT,
    the IMPORT is ended (its restore), and the rest registered as usual, when
    the mode it goes back to allows writes. Returns those subjects; any other
    mix is a plan error.
    """
    tails: set[str] = set()
    for action in work.registrations:
        mode = work.importing.get(action.target)
        pinned = action.registration.id is not None
        if mode is None or ((mode == "IMPORT") == pinned and action.target not in tails):
            continue
        if mode == "IMPORT" and not pinned and _writable_after_import(work, action):
            tails.add(action.target)
            continue
        work.error(
            action.target,
            f"version {action.after} is registered "
            f"{'with' if pinned else 'without'} an id while the plan holds the subject "
            f"in {mode} mode for its other registrations, which refuses it; "
            f"{'remove its id' if pinned else 'pin its id too'}, or apply the two "
            "kinds in separate plans",
            action.source,
        )
        return set()
    return tails


def _writable_after_import(work: _Work, action: Register) -> bool:
    """Whether the mode that ends ``action``'s subject's IMPORT lets it register."""
    restore = next((a for a in work.import_restore if a.target == action.target), None)
    if restore is None:
        return False  # the spec keeps the subject in IMPORT
    if isinstance(restore, SetMode):
        return restore.after == "READWRITE"
    # The restore removes the subject's own mode: what applies then is its
    # context's (or the top level's), not the IMPORT an interrupted apply left
    # as the subject's own mode, which the restore ends.
    level = context_prefix(action.context)
    inherited, _ = work.effective("mode", action.context, level, desired=True)
    return inherited == "READWRITE"


def _end_import_before_tails(work: _Work, tails: set[str]) -> list[Action]:
    """The registrations, with the end of each ``tails`` subject's IMPORT moved right
    before its first version without an id (out of the restores after them all)."""
    actions: list[Action] = list(work.registrations)
    for subject in tails:
        restore = next(a for a in work.import_restore if a.target == subject)
        work.import_restore.remove(restore)
        first = next(
            i
            for i, a in enumerate(actions)
            if a.target == subject and isinstance(a, Register) and a.registration.id is None
        )
        actions.insert(first, restore)
    return actions


def _pinned_ids_first(work: _Work, registrations: list[Register]) -> list[Register]:
    """Order registrations so that pinned ids go before the registry chooses any id.

    A registry hands out one past the highest id it has given in a context
    (its id space), so a registration without an id that runs before the
    IMPORT of a higher pinned id in the same context may take that id, and the
    IMPORT then fails for good. Every pinned registration goes before every
    unpinned one of its context, unless its references or its own history put
    one of them first: then, when the pinned id is above every id the context
    holds (one the registry may still hand out), the plan fails naming both.
    Otherwise the plan's order (referenced first, each history oldest first)
    is kept.
    """
    if all(action.registration.id is None for action in registrations):
        return registrations  # every edge below goes forward: the order is kept as it is
    # Edges that must hold: a subject's versions in order, referenced subjects first.
    needs: list[set[int]] = [set() for _ in registrations]
    last: dict[str, int] = {}
    for i, action in enumerate(registrations):
        if action.target in last:
            needs[i].add(last[action.target])
        last[action.target] = i
        for ref in action.registration.references:
            referenced = qualify(action.context, ref.subject)
            needs[i] |= {
                j for j, other in enumerate(registrations[:i]) if other.target == referenced
            }

    order = [set(n) for n in needs]  # grows by the pinned-first edges below

    def before(i: int) -> set[int]:
        """Every registration that must run before ``i`` so far."""
        seen: set[int] = set()
        stack = list(order[i])
        while stack:
            j = stack.pop()
            if j not in seen:
                seen.add(j)
                stack += order[j]
        return seen

    def pinned(action: Register) -> int | None:
        return action.registration.id

    highest: dict[str, int] = {}
    for context, ctx in work.live.contexts.items():
        highest[context] = max((v.id for vs in ctx.versions.values() for v in vs), default=0)
    for i, action in enumerate(registrations):
        schema_id = pinned(action)
        if schema_id is None:
            continue
        unpinned = {
            j
            for j, other in enumerate(registrations)
            if other.context == action.context and pinned(other) is None
        }
        blocking = sorted(before(i) & unpinned)
        if not blocking:
            for j in unpinned:
                order[j].add(i)
            continue
        if schema_id <= highest.get(action.context, 0):
            continue  # an id the registry has already passed: it never hands it out again
        first = registrations[blocking[0]]
        work.error(
            action.target,
            f"id {schema_id} is pinned by {action.target} version {action.after}, which "
            f"must come after {first.target} version {first.after} (its references or its "
            "own history), and that registration lets the registry choose an id in context "
            f"{action.context}: it may take id {schema_id}; pin {first.target} version "
            f"{first.after}'s id too, or pin {action.target} to an id the registry has "
            "already handed out",
            action.source,
        )
    # Kahn's algorithm, taking the earliest ready registration first (stable).
    waiting = [len(n) for n in order]
    followers: list[list[int]] = [[] for _ in registrations]
    for i, needed in enumerate(order):
        for j in needed:
            followers[j].append(i)
    ready = [i for i, count in enumerate(waiting) if count == 0]
    heapq.heapify(ready)
    result: list[Register] = []
    while ready:
        i = heapq.heappop(ready)
        result.append(registrations[i])
        for k in followers[i]:
            waiting[k] -= 1
            if waiting[k] == 0:
                heapq.heappush(ready, k)
    # An edge i -> j is only added when j does not already have to precede i: no cycle.
    assert len(result) == len(registrations)
    return result
