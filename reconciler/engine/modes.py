"""What each mode refuses, and the temporary switches around the actions it would refuse.

Confluent refuses (42205) with the mode in force at the level an action
touches (``isReadOnlyMode`` in ``deleteSubject``, ``deleteSchemaVersion``,
``updateConfig``, ``deleteSubjectConfig``):

- READONLY and READONLY_OVERRIDE refuse registrations, soft and permanent
  deletes of subjects and versions, and compatibility changes; IMPORT refuses
  only registrations without an id (and READWRITE those with one); no mode
  refuses a mode change;
- the mode in force for a subject is its own, else its context's (the global
  one in the default context), else the ``:.__GLOBAL:`` context's, else
  READWRITE (``reconciler.confluent.lookup_chain``); for a context's config,
  the context's own, else ``:.__GLOBAL:``'s; for the global config, the global
  one (read as in force, so it includes ``:.__GLOBAL:``'s);
- a global READONLY_OVERRIDE overrides every other mode, in every context, on
  Confluent before 8.0.4 and 8.1.2; since then (and on the local registry) the
  most specific level wins. The planner cannot tell the two apart, so it never
  counts on a subject's own mode lifting a global READONLY_OVERRIDE: under it
  the plan fails before any write, which is right on both.

Registrations are guarded where they are planned (_registration_work.py's
``use_import_mode`` and ``open_for_writes``). ``guard_modes`` walks the ordered
actions with the modes as each action will meet them and wraps every
subject-level delete or config change that its mode would refuse in a
temporary subject-level READWRITE,
restored right after (a ``restore`` action, run even after a failure). A
context's or the global config change under its own read-only mode is not
lifted (that would open every subject of the level to every writer): the plan
fails before any write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from reconciler.confluent import DEFAULT_MODE, WRITE_BLOCKING_MODES

from .comparison import Comparison, Found, Notes
from .contexts import DEFAULT
from .plan import (
    Action,
    Delete,
    DeleteMode,
    DeleteSubject,
    DeleteVersion,
    Scope,
    SetCompatibility,
    SetMode,
)

GUARDED = (SetCompatibility, Delete)


@dataclass(frozen=True)
class GuardedActions(Found):
    """Every action, with a temporary READWRITE around each one a mode would refuse."""

    actions: tuple[Action, ...]


@dataclass
class _Modes:
    """The modes set at each level, as the actions run so far leave them."""

    comparison: Comparison
    notes: Notes
    global_mode: str | None
    contexts: dict[str, str | None]
    subjects: dict[str, str | None] = field(default_factory=dict)

    def own(self, context: str, subject: str) -> str | None:
        if subject not in self.subjects:
            ctx = self.comparison.live.contexts[context]
            self.subjects[subject] = self.notes.setting(ctx, "mode", subject)
        return self.subjects[subject]

    def run(self, action: Action) -> None:
        """Follow a mode change (or a permanent delete, which drops the subject's mode)."""
        if isinstance(action, DeleteSubject) and action.permanent:
            self.subjects[action.target] = None
        elif isinstance(action, SetMode | DeleteMode):
            if action.scope is Scope.GLOBAL:
                self.global_mode = action.after
            elif action.scope is Scope.CONTEXT:
                self.contexts[action.context] = action.after
            else:
                self.subjects[action.target] = action.after

    def refusing(self, action: Action) -> tuple[str, str] | None:
        """(mode, "global" | "context" | "subject") that refuses ``action`` now, or None."""
        if self.global_mode == "READONLY_OVERRIDE":
            return self.global_mode, "global"
        if action.scope is Scope.GLOBAL:
            found = [(self.global_mode, "global")]
        elif action.scope is Scope.CONTEXT:
            found = [(self.contexts.get(action.context), "context")]
        else:
            own = self.own(action.context, action.target)
            parent = (
                self.global_mode if action.context == DEFAULT else self.contexts.get(action.context)
            )
            found = [
                (own, "subject"),
                (parent, "global" if action.context == DEFAULT else "context"),
            ]
        if action.context != DEFAULT:  # the default context's global mode includes it
            found.append((self.comparison.live.global_context_mode, ":.__GLOBAL:"))
        for mode, level in found:
            if mode is not None:
                return (mode, level) if mode in WRITE_BLOCKING_MODES else None
        return None  # READWRITE by default


def _what(actions: Sequence[Action]) -> str:
    changes = [isinstance(a, SetCompatibility) for a in actions]
    if changes and all(changes):
        return "its compatibility change"
    if any(changes):
        return "its deletes and compatibility change"
    return "its deletes"


def _empties(comparison: Comparison, group: Sequence[Action]) -> bool:
    """Whether ``group`` permanently deletes the subject, or every version it has.

    Then the registry drops the subject's mode (Confluent's deleteSubject and
    deleteSchemaVersion, permanent, when no version is left); a soft delete keeps it.
    """
    if any(isinstance(a, DeleteSubject) and a.permanent for a in group):
        return True
    first = group[0]
    ctx = comparison.live.contexts[first.context]
    every = {v.version for v in ctx.versions.get(first.target, [])}
    every.update(ctx.soft_deleted.get(first.target, []))
    deleted = {a.version for a in group if isinstance(a, DeleteVersion) and a.permanent}
    return bool(deleted) and every <= deleted


def _window(
    comparison: Comparison,
    group: Sequence[Action],
    why: str,
    own: str | None,
    restore_to: str | None,
    what: str,
) -> list[Action]:
    """``group`` between a subject-level READWRITE and the restore of ``restore_to``."""
    first = group[0]

    def mode_action(
        cls: type[SetMode | DeleteMode],
        reason: str,
        before: str | None,
        after: str | None,
        restore: bool = False,
    ) -> Action:
        return cls(
            comparison.registry.name,
            first.context,
            Scope.SUBJECT,
            first.target,
            reason,
            before,
            after,
            source=first.source,
            restore=restore,
        )

    out = [mode_action(SetMode, f"temporary READWRITE: {why}", own, DEFAULT_MODE)]
    out += group  # a soft delete keeps the subject's mode: one window covers a hard one
    cls = DeleteMode if restore_to is None else SetMode
    reason = f"back to {restore_to or 'the inherited mode'} after {what}"
    out.append(mode_action(cls, reason, DEFAULT_MODE, restore_to, restore=True))
    return out


def guard_modes(comparison: Comparison, actions: Sequence[Action]) -> GuardedActions:
    """``actions`` with a temporary READWRITE around each subject action a mode would refuse."""
    live = comparison.live
    notes = Notes(comparison)
    modes = _Modes(
        comparison,
        notes,
        live.global_mode,
        {name: ctx.mode for name, ctx in live.contexts.items() if name != DEFAULT},
    )
    out: list[Action] = []
    i = 0
    while i < len(actions):
        action = actions[i]
        refused = modes.refusing(action) if isinstance(action, GUARDED) else None
        if refused is None:
            modes.run(action)
            out.append(action)
            i += 1
            continue
        mode, level = refused
        if action.scope is not Scope.SUBJECT:
            notes.error(
                action.target,
                f"the {level} mode {mode} refuses this compatibility change and the spec "
                "keeps it; set the mode to READWRITE in the spec for one apply, then back",
                action.source,
            )
            out.append(action)
            i += 1
            continue
        # The actions on this subject that run together share one temporary mode.
        end = i + 1
        while (
            end < len(actions)
            and actions[end].target == action.target
            and isinstance(actions[end], GUARDED)
        ):
            end += 1
        group = actions[i:end]
        what = _what(group)
        if level == "global" and mode == "READONLY_OVERRIDE":
            notes.error(
                action.target,
                f"the global mode READONLY_OVERRIDE refuses {what} and cannot be lifted "
                "for one subject; change that mode in the spec first",
                action.source,
            )
            out += group
            i = end
            continue
        own = modes.own(action.context, action.target)
        # Restored to the subject's own mode, or by removing the one set for the window;
        # but a registry drops a subject's mode with its last version on a permanent
        # delete, and removing a mode that is gone fails: where the group permanently
        # deletes the subject, the mode it had is set.
        restore_to = mode if own is None and _empties(comparison, group) else own
        out += _window(comparison, group, f"{mode} refuses {what}", own, restore_to, what)
        notes.warning(
            action.target,
            f"the subject is {mode}: it is switched to READWRITE for {what} and back after",
            action.source,
        )
        for done in group:
            modes.run(done)
        modes.subjects[action.target] = restore_to
        i = end
    return GuardedActions(
        tuple(out), problems=tuple(notes.problems), unread=frozenset(notes.unread)
    )
