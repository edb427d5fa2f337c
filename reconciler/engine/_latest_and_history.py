"""One subject's registrations: its desired latest version (``schema:``,
``_plan_latest``) or its pinned history (``versions:``, ``_plan_history``): which of its
versions must be registered, and the plan errors for those that cannot be.

Separate from how one registration is planned and checked (``_one_registration.py``):
this decides what to register, that one how.
"""

from __future__ import annotations

from reconciler._words import noun
from reconciler.spec.model import SubjectSpec

from ._one_registration import _register
from ._registration_work import _Work
from ._version_matching import _Desired, _identity, _live_ids, _matches, _unchanged, _wanted
from .comparison import source_of
from .contexts import qualify
from .snapshot import LiveVersion


def _plan_latest(work: _Work, context: str, subject: str, spec: SubjectSpec) -> None:
    assert spec.schema is not None
    live_versions = work.live.contexts[context].versions.get(subject, [])
    latest = live_versions[-1] if live_versions else None
    desired = _Desired(spec.type, spec.schema, spec.references, spec.metadata, spec.rule_set)
    if _unchanged(work, context, subject, spec, desired, latest):
        assert latest is not None
        if not desired.refs and not latest.references:
            # References resolve against what the plan registers: those are compared again.
            work.unchanged.add(subject)
        return
    source = source_of(spec)
    wanted = _wanted(work, context, subject, spec, desired)
    if wanted is None:
        return
    if latest is not None and _matches(work, context, latest, wanted):
        return
    for older in live_versions[:-1]:
        if _matches(work, context, older, wanted):
            work.error(
                subject,
                f"the desired schema is version {older.version}, not the latest "
                f"({live_versions[-1].version}); a registry does not register a schema "
                "a subject already has, so it cannot become latest again: delete the "
                "newer versions or change the schema",
                source,
            )
            return
    if latest is None:
        reason = "new subject"
    elif latest.schema_type != spec.type:
        reason = f"schema type changes from {latest.schema_type} to {spec.type}"
    elif (
        work.cache.may_be_same(spec.type, latest.schema, wanted.text)
        and _identity(work, context, latest)[0] == wanted.parsed.normalized
    ):
        reason = "references, metadata or rules change"
    else:
        reason = f"schema differs from the latest version ({latest.version})"
    _register(work, context, subject, spec, wanted, reason)


def _number_needed(
    number: int, numbers: list[int], live: dict[int, LiveVersion], soft_deleted: set[int]
) -> bool:
    """Whether a deleted history version missing from the registry must be registered
    (and then deleted) so that the later versions this plan registers get their numbers.

    That is the case only while the registry's next version number is this one (nothing
    at or after it exists, live or soft-deleted) and a later version is still missing:
    otherwise skipping it would register the next version under its number, and the next
    plan would delete that one in its place.
    """
    present = set(live) | soft_deleted
    if number <= max(present, default=0):
        return False
    return any(n > number and n not in present for n in numbers)


def _plan_history(work: _Work, context: str, spec: SubjectSpec) -> None:
    subject = qualify(context, spec.name)
    source = source_of(spec)
    ctx = work.live.contexts[context]
    live = {v.version: v for v in ctx.versions.get(subject, [])}
    soft_deleted = set(ctx.soft_deleted.get(subject, []))
    numbers: list[int] = []
    for entry in spec.versions or ():
        numbers.append(entry.version if entry.version is not None else (numbers or [0])[-1] + 1)
    unlisted = sorted(set(live) - set(numbers))
    if unlisted:
        work.error(
            subject,
            f"the registry has {noun(len(unlisted), 'version')} {', '.join(map(str, unlisted))} "
            "that the pinned "
            "history does not list; add them to `versions:` (reconcile export --history "
            "writes them) or list them with `delete:`",
            source,
        )
    for number, entry in zip(numbers, spec.versions or (), strict=True):
        if entry.delete and (
            number in soft_deleted
            or (number not in live and not _number_needed(number, numbers, live, soft_deleted))
        ):
            continue  # deletes.py deletes it, or it is gone already
        version = live.get(number)
        if version is not None and entry.id is not None and version.id != entry.id:
            work.error(
                subject,
                f"version {number} has id {version.id} in the registry, the "
                f"spec pins id {entry.id}; an id cannot be changed",
                source,
            )
            return
        desired = _Desired(
            entry.type_in(spec), entry.schema, entry.references, entry.metadata, entry.rule_set
        )
        if _unchanged(work, context, subject, spec, desired, version):
            continue
        wanted = _wanted(work, context, subject, spec, desired)
        if wanted is None:
            return
        if version is not None:
            if not _matches(work, context, version, wanted):
                work.error(
                    subject,
                    f"the registry's version {number} differs from the pinned "
                    "history; history is never rewritten",
                    source,
                )
                return
            continue
        if number in soft_deleted:
            work.error(
                subject,
                f"version {number} is soft-deleted in the registry and cannot "
                "be registered again; delete it permanently first (delete: hard)",
                source,
            )
            return
        if entry.id is not None:
            holder = _live_ids(work, context).get(entry.id) or work.pinned_ids.get(
                (context, entry.id)
            )
            if holder is not None and holder[2] != wanted.identity:
                work.error(
                    subject,
                    f"id {entry.id} is already used in context {context} by "
                    f"{holder[0]} version {holder[1]} with another schema; it cannot be "
                    "imported with this id",
                    source,
                )
                return
            if not work.use_import_mode(context, subject, source):
                return
            work.pinned_ids[(context, entry.id)] = (subject, number, wanted.identity)
            _register(
                work,
                context,
                subject,
                spec,
                wanted,
                "pinned id and version (IMPORT)",
                pinned=(entry.id, number),
            )
            continue
        natural = max([*live, *soft_deleted, *work.planned.get(subject, {})], default=0) + 1
        if entry.version is not None and number != natural:
            work.error(
                subject,
                f"version {number} would be registered as version {natural}; "
                "pin its id as well to import it with its number",
                source,
            )
            return
        if not _register(
            work, context, subject, spec, wanted, "next version of the pinned history"
        ):
            return
