"""Plan the registrations of each subject: desired latest, or a pinned history.

``schema:`` asks for one desired latest version. ``versions:`` asks for a
whole history: entries are matched to live versions by number (an entry
without ``version`` is numbered after the previous one, starting at 1), live
history is never rewritten, and missing entries are registered oldest first;
an entry that pins an ``id`` is registered with that id and version under a
temporary IMPORT mode, after a preflight against the ids the context holds.

This module is the phase's entry point and its result; its parts are private modules
of their own: the working state (``_registration_work``), the order subjects are
planned in (``_registration_order``), which live version matches a wanted one
(``_version_matching``), a subject's latest or history (``_latest_and_history``), one
registration (``_one_registration``) and the IMPORT bookkeeping (``_import_mode``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ._import_mode import _end_import_before_tails, _one_mode_per_subject, _pinned_ids_first
from ._latest_and_history import _plan_history, _plan_latest
from ._registration_order import _order
from ._registration_work import _Work
from .comparison import Comparison, Found
from .config import ConfigKey, ConfigPlan
from .plan import Action, Register


@dataclass(frozen=True)
class RegistrationPlan(Found):
    """The registrations, and the temporary modes wrapped around some of them.

    ``actions`` are the registrations in the order they run, with the end of a
    pinned history's IMPORT moved right before its first version without an id;
    ``registers`` only the registrations (what the deletes check referrers
    against). ``setup`` and ``restores`` are the temporary modes set before and
    restored after them; ``importing`` the subject -> temporary mode it is
    wrapped in; ``taken_over`` the subjects whose planned mode change the
    restore makes instead of the config phase; ``placements`` whether each
    compatibility change must run before ("pre") or after ("post") the
    registrations that depend on it; ``unchanged`` the subjects whose live latest
    version is their ``schema:``, neither with references: an answer made of the
    spec and the live versions alone, which the comparison after the reads takes
    as it is (``Comparison.unchanged``).
    """

    actions: tuple[Action, ...]
    registers: tuple[Register, ...]
    setup: tuple[Action, ...]
    restores: tuple[Action, ...]
    importing: Mapping[str, str]
    taken_over: frozenset[str]
    placements: Mapping[ConfigKey, frozenset[str]]
    unchanged: frozenset[str]


def plan_registrations(comparison: Comparison, config: ConfigPlan) -> RegistrationPlan:
    """Every registration the specs ask for, referenced subjects first, pinned ids before
    the ids a registry chooses, with the temporary modes they need."""
    work = _Work(comparison, config)
    known = comparison.unchanged
    for context, subject, spec in _order(work):
        if spec.versions:
            _plan_history(work, context, spec)
        elif subject in known:
            work.unchanged.add(subject)
        else:
            _plan_latest(work, context, subject, spec)
    tails = _one_mode_per_subject(work)
    work.registrations = _pinned_ids_first(work, work.registrations)
    return _result(work, _end_import_before_tails(work, tails))


def _result(work: _Work, actions: list[Action]) -> RegistrationPlan:
    """The working state, frozen: what ``plan_registrations`` returns."""
    return RegistrationPlan(
        tuple(actions),
        tuple(work.registrations),
        tuple(work.import_setup),
        tuple(work.import_restore),
        dict(work.importing),
        frozenset(work.taken_over),
        {key: frozenset(where) for key, where in work.config_placement.items()},
        frozenset(work.unchanged),
        problems=tuple(work.notes.problems),
        unread=frozenset(work.notes.unread),
    )
