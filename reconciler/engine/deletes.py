"""Plan deletes, which never happen by accident.

Only what a spec marks (``delete: soft|hard`` on a subject or a pinned
version) or what a ``prune: true`` context does not list is deleted; subjects
matching a ``protected`` pattern never are; a hard delete is a soft delete
followed by a permanent one; nothing that another schema still references is
deleted (the plan names the referrers); and the plan's total is checked
against the project's ``max_deletes`` budget by the planner.
"""

from __future__ import annotations

import fnmatch
import graphlib
from dataclasses import dataclass
from functools import partial

from reconciler._words import plural
from reconciler.spec.model import ContextSpec

from .comparison import Comparison, Found, Notes, source_of
from .contexts import normalize_context, qualify, unqualify
from .plan import Delete, DeleteSubject, DeleteVersion, Scope
from .registrations import RegistrationPlan


@dataclass(frozen=True)
class DeletePlan(Found):
    """The deletes, in the order they run (after every other action)."""

    actions: tuple[Delete, ...]


class _Work:
    """The delete phase's working state: created by ``plan_deletes``, returned frozen."""

    def __init__(self, comparison: Comparison, registrations: RegistrationPlan) -> None:
        self.comparison = comparison
        self.live = comparison.live
        self.registrations = registrations.registers
        self.notes = Notes(comparison)
        self._listed: dict[str, set[str]] | None = None

    def listed(self, context: str) -> set[str]:
        """The subjects of ``context`` that some spec file names: pruning is per context,
        not per file. Worked out once for every context, when first asked: per spec file,
        it was a pass over every spec file (10,000 files of a subject each: ~26 s)."""
        if self._listed is None:
            self._listed = {}
            for spec in self.comparison.specs:
                context_of_spec = normalize_context(spec.context)
                named = self._listed.setdefault(context_of_spec, set())
                named.update(qualify(context_of_spec, s) for s in spec.subjects)
        return self._listed.get(context, set())


def _protected(spec: ContextSpec, subject: str) -> str | None:
    name = unqualify(subject)
    return next((p for p in spec.protected if fnmatch.fnmatchcase(name, p)), None)


def _referrers(
    work: _Work, context: str, subject: str, version: int | None, leaving: set[str]
) -> list[str]:
    """Who references ``subject`` (a given version, or any), other than what is deleted too."""
    ctx = work.live.contexts[context]
    found = []
    for versions in ctx.versions.values():
        for v in versions:
            if v.subject in leaving:
                continue
            for ref in v.references:
                if qualify(context, ref.subject) == subject and version in (None, ref.version):
                    found.append(f"{v.subject} version {v.version}")
    for action in work.registrations:
        reg = action.registration
        if reg and any(
            qualify(context, r.subject) == subject and version in (None, r.version)
            for r in reg.references
        ):
            found.append(f"{action.target} (registered by this plan)")
    return found


def _soft_then_hard(
    work: _Work,
    context: str,
    subject: str,
    how: str,
    reason: str,
    source: str | None,
    *,
    live: bool,
    soft_deleted: bool,
    before: str | None = None,
    version: int | None = None,
) -> list[Delete]:
    """A soft delete of what is live, then, for ``hard``, the permanent one: of the
    whole subject, or of ``version``."""
    steps = [(f"{reason} (soft)", before, False)] if live else []
    if how == "hard" and (live or soft_deleted):
        steps.append((f"{reason} (permanently)", None, True))
    make = DeleteSubject if version is None else partial(DeleteVersion, version=version)
    return [
        make(
            work.comparison.registry.name,
            context,
            Scope.SUBJECT,
            subject,
            why,
            shown,
            source=source,
            permanent=permanent,
        )
        for why, shown, permanent in steps
    ]


def _subject_deletes(work: _Work, spec: ContextSpec) -> tuple[dict[str, list[Delete]], set[str]]:
    """The subjects a context spec deletes or prunes; and which subjects leave."""
    context = normalize_context(spec.context)
    ctx = work.live.contexts[context]
    wanted: dict[str, tuple[str, str | None]] = {}  # subject -> (soft|hard, source)
    for subject_spec in spec.subjects.values():
        if subject_spec.delete:
            wanted[qualify(context, subject_spec.name)] = (
                subject_spec.delete,
                source_of(subject_spec),
            )
    if not wanted and not spec.prune:
        return {}, set()
    # A subject that any spec file of this registry's context names is managed and
    # never pruned.
    listed = work.listed(context)
    if spec.prune:
        for subject in ctx.versions:
            if subject not in listed:
                wanted[subject] = ("soft", source_of(spec))
    leaving = set(wanted)
    deletes: dict[str, list[Delete]] = {}
    for subject, (how, source) in sorted(wanted.items()):
        pattern = _protected(spec, subject)
        if pattern:
            if subject in listed:
                work.notes.error(
                    subject,
                    f"the subject is protected (pattern {pattern!r}) and cannot be deleted",
                    source,
                )
            else:
                work.notes.warning(
                    subject,
                    f"kept although the context is pruned: protected (pattern {pattern!r})",
                    source,
                )
            leaving.discard(subject)
            continue
        referrers = _referrers(work, context, subject, None, leaving)
        if referrers:
            work.notes.error(
                subject, "cannot delete: still referenced by " + ", ".join(referrers), source
            )
            continue
        live = ctx.versions.get(subject, [])
        why = "the spec deletes it" if subject in listed else "not listed in a pruned context"
        actions = _soft_then_hard(
            work,
            context,
            subject,
            how,
            why,
            source,
            live=bool(live),
            soft_deleted=bool(ctx.soft_deleted.get(subject)),
            before=plural(len(live), "version"),
        )
        if actions:
            deletes[subject] = actions
    return deletes, leaving


def _version_deletes(work: _Work, spec: ContextSpec, leaving: set[str]) -> list[Delete]:
    """The pinned versions a context spec marks ``delete``."""
    context = normalize_context(spec.context)
    ctx = work.live.contexts[context]
    deletes: list[Delete] = []
    for subject_spec in spec.subjects.values():
        subject = qualify(context, subject_spec.name)
        if subject in leaving:
            continue
        number = 0
        for entry in subject_spec.versions or ():
            number = entry.version if entry.version is not None else number + 1
            if not entry.delete:
                continue
            source = str(entry.location) if entry.location else source_of(subject_spec)
            # Live, or registered by this plan to keep the history's numbering.
            is_live = any(v.version == number for v in ctx.versions.get(subject, [])) or any(
                a.target == subject and a.after == str(number) for a in work.registrations
            )
            is_soft = number in ctx.soft_deleted.get(subject, [])
            if is_live or is_soft:
                referrers = _referrers(work, context, subject, number, leaving)
                if referrers:
                    work.notes.error(
                        subject,
                        f"cannot delete version {number}: still referenced by "
                        + ", ".join(referrers),
                        source,
                    )
                    continue
            deletes += _soft_then_hard(
                work,
                context,
                subject,
                entry.delete,
                "the spec deletes this version",
                source,
                live=is_live,
                soft_deleted=is_soft,
                version=number,
            )
    return deletes


def plan_deletes(comparison: Comparison, registrations: RegistrationPlan) -> DeletePlan:
    """The deletes the specs ask for, versions first, then subjects (referrers first);
    they run after everything else (``diff.order``). Nothing is deleted that a live
    version or a planned registration still references."""
    work = _Work(comparison, registrations)
    subject_deletes: dict[str, list[Delete]] = {}
    version_deletes: list[Delete] = []
    for spec in work.comparison.specs:
        deletes, leaving = _subject_deletes(work, spec)
        subject_deletes.update(deletes)
        version_deletes += _version_deletes(work, spec, leaving)
    return DeletePlan(
        tuple(version_deletes + _referrers_first(work, subject_deletes)),
        problems=tuple(work.notes.problems),
        unread=frozenset(work.notes.unread),
    )


def _referrers_first(work: _Work, deletes: dict[str, list[Delete]]) -> list[Delete]:
    """Subject deletes ordered so that a referrer goes before what it references."""
    graph: dict[str, set[str]] = {}
    for subject in deletes:
        context = deletes[subject][0].context
        refs = {
            qualify(context, r.subject)
            for v in work.live.contexts[context].versions.get(subject, [])
            for r in v.references
        }
        graph[subject] = refs & set(deletes)
    # static_order puts dependencies (the referenced) first; referrers must go first.
    order = list(graphlib.TopologicalSorter(graph).static_order())[::-1]
    return [action for subject in order for action in deletes[subject]]
