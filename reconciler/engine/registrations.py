"""Plan the registrations of each subject: desired latest, or a pinned history.

``schema:`` asks for one desired latest version. ``versions:`` asks for a
whole history: entries are matched to live versions by number (an entry
without ``version`` is numbered after the previous one, starting at 1), live
history is never rewritten, and missing entries are registered oldest first;
an entry that pins an ``id`` is registered with that id and version under a
temporary IMPORT mode, after a preflight against the ids the context holds.
"""

from __future__ import annotations

import graphlib
import heapq
from dataclasses import dataclass, replace
from typing import Any

from reconciler._words import noun
from reconciler.compatibility import InvalidSchemaError, ParsedSchema, check, invalid_defaults
from reconciler.confluent import WRITE_BLOCKING_MODES, versions_checked
from reconciler.registry import Reference
from reconciler.spec.model import ReferenceSpec, SubjectSpec

from .changes import Change, reference_changes, schema_changes
from .contexts import context_prefix, normalize_context, qualify
from .contracts import canonical_metadata, canonical_rule_set, contract_matches
from .diff import RegistryDiff, source_of
from .plan import Register, Registration, Scope, SetMode, Verdict
from .snapshot import LiveVersion


@dataclass(frozen=True)
class _Wanted:
    """One desired version of a subject, parsed and with its references resolved."""

    text: str
    parsed: ParsedSchema
    references: tuple[Reference, ...]
    reference_texts: dict[str, str]
    metadata: dict[str, Any] | None
    rule_set: dict[str, Any] | None

    @property
    def identity(self) -> tuple[object, ...]:
        """What an IMPORT compares: the schema, its references and its exact contract."""
        return (
            self.parsed.normalized,
            self.references,
            canonical_metadata(self.metadata),
            canonical_rule_set(self.rule_set),
        )


def _identity(diff: RegistryDiff, context: str, version: LiveVersion) -> tuple[object, ...]:
    texts = diff.live_reference_texts(context, version)
    normalized = diff.cache.identity(version.schema_type, version.schema, texts)
    return (
        normalized,
        version.references,
        canonical_metadata(version.metadata),
        canonical_rule_set(version.rule_set),
    )


def _live_ids(diff: RegistryDiff, context: str) -> dict[int, tuple[str, int, tuple[object, ...]]]:
    """id -> (subject, version, identity) of every live version of a context.

    Built once per context and only when a pinned id must be checked: rebuilt for
    every pinned history, it made planning quadratic in the context's versions.
    """
    ids = diff.live_ids.get(context)
    if ids is None:
        ids = diff.live_ids[context] = {
            v.id: (v.subject, v.version, _identity(diff, context, v))
            for versions in diff.live.contexts[context].versions.values()
            for v in versions
        }
    return ids


def _matches(diff: RegistryDiff, context: str, version: LiveVersion, wanted: _Wanted) -> bool:
    """Whether a live version is the desired one: same schema and references, and a
    contract that satisfies the spec's (a contract the spec leaves out is inherited)."""
    if version.schema_type != wanted.parsed.schema_type:
        return False
    return _identity(diff, context, version)[:2] == wanted.identity[:2] and contract_matches(
        wanted.metadata, wanted.rule_set, version.metadata, version.rule_set
    )


@dataclass(frozen=True)
class _Desired:
    """One version as a spec writes it (``schema:`` or an entry of ``versions:``)."""

    schema_type: str
    text: str
    refs: tuple[ReferenceSpec, ...]
    metadata: Any
    rule_set: Any


def _wanted(
    diff: RegistryDiff, context: str, subject: str, spec: SubjectSpec, desired: _Desired
) -> _Wanted | None:
    """``desired`` parsed, with its references resolved; None (and a plan error) when
    it cannot be."""
    source = source_of(spec)
    schema_type, text = desired.schema_type, desired.text
    resolved = diff.resolve_references(context, desired.refs, subject, source)
    if resolved is None:
        return None
    references, texts = resolved
    try:
        parsed = diff.cache.parse(schema_type, text, texts)
    except InvalidSchemaError as exc:
        diff.error(subject, f"invalid {schema_type} schema: {exc}", source)
        return None
    return _Wanted(
        text,
        parsed,
        references,
        texts,
        None if desired.metadata is None else dict(desired.metadata),
        None if desired.rule_set is None else dict(desired.rule_set),
    )


def _unchanged(
    diff: RegistryDiff,
    context: str,
    subject: str,
    spec: SubjectSpec,
    desired: _Desired,
    live: LiveVersion | None,
) -> bool:
    """The fast path: the live version is the same document, without parsing either.

    Equal JSON documents (or equal Protobuf text) with equal references,
    metadata and rules are the same schema; anything else goes through the
    normalized forms. Parsing dominates a no-change plan, and most live
    versions are byte-for-byte or document-for-document what the spec holds.
    """
    if (
        live is None
        or live.schema_type != desired.schema_type
        or not diff.cache.same_document(desired.schema_type, live.schema, desired.text)
    ):
        return False
    if not contract_matches(desired.metadata, desired.rule_set, live.metadata, live.rule_set):
        return False
    if not desired.refs and not live.references:
        return True
    resolved = diff.resolve_references(context, desired.refs, subject, source_of(spec))
    return resolved is not None and resolved[0] == live.references


def _order(diff: RegistryDiff) -> list[tuple[str, SubjectSpec]]:
    """(context, spec) of every subject with a desired schema, referenced ones first."""
    by_name: dict[str, tuple[str, SubjectSpec]] = {}
    graph: dict[str, set[str]] = {}
    for spec in diff.specs:
        context = normalize_context(spec.context)
        for subject_spec in spec.subjects.values():
            if subject_spec.delete or (subject_spec.schema is None and not subject_spec.versions):
                continue
            subject = qualify(context, subject_spec.name)
            by_name[subject] = (context, subject_spec)
            refs = list(subject_spec.references)
            for version in subject_spec.versions or ():
                refs += version.references
            graph[subject] = {qualify(context, r.subject) for r in refs}
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        diff.error(cycle, f"schema references form a cycle: {cycle}")
        return []
    return [by_name[s] for s in order if s in by_name]


def plan_registrations(diff: RegistryDiff) -> None:
    for context, spec in _order(diff):
        if spec.versions:
            _plan_history(diff, context, spec)
        else:
            _plan_latest(diff, context, spec)
    tails = _one_mode_per_subject(diff)
    diff.registrations = _pinned_ids_first(diff, diff.registrations)
    _end_import_before_tails(diff, tails)


def _one_mode_per_subject(diff: RegistryDiff) -> set[str]:
    """A subject's registrations run in the one temporary mode it is wrapped in, or
    a pinned history's IMPORT ends before the versions after it that have no id.

    IMPORT refuses a registration without an id, READWRITE one with an id. A
    history whose pinned versions all come first is registered under IMPORT,
    the IMPORT is ended (its restore), and the rest registered as usual, when
    the mode it goes back to allows writes. Returns those subjects; any other
    mix is a plan error.
    """
    tails: set[str] = set()
    for action in diff.registrations:
        mode = diff.importing.get(action.target)
        pinned = action.registration.id is not None
        if mode is None or ((mode == "IMPORT") == pinned and action.target not in tails):
            continue
        if mode == "IMPORT" and not pinned and _writable_after_import(diff, action):
            tails.add(action.target)
            continue
        diff.error(
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


def _writable_after_import(diff: RegistryDiff, action: Register) -> bool:
    """Whether the mode that ends ``action``'s subject's IMPORT lets it register."""
    restore = next((a for a in diff.import_restore if a.target == action.target), None)
    if restore is None:
        return False  # the spec keeps the subject in IMPORT
    if isinstance(restore, SetMode):
        return restore.after == "READWRITE"
    # The restore removes the subject's own mode: what applies then is its
    # context's (or the top level's), not the IMPORT an interrupted apply left
    # as the subject's own mode, which the restore ends.
    level = context_prefix(action.context)
    inherited, _ = diff.effective("mode", action.context, level, desired=True)
    return inherited == "READWRITE"


def _end_import_before_tails(diff: RegistryDiff, tails: set[str]) -> None:
    """Move the end of each subject's IMPORT right before its first version without an id."""
    for subject in tails:
        restore = next(a for a in diff.import_restore if a.target == subject)
        diff.import_restore.remove(restore)
        first = next(
            i
            for i, a in enumerate(diff.registrations)
            if a.target == subject and a.registration and a.registration.id is None
        )
        diff.registrations.insert(first, restore)


def _pinned_ids_first(diff: RegistryDiff, registrations: list[Register]) -> list[Register]:
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
    for context, ctx in diff.live.contexts.items():
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
        diff.error(
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


def _plan_latest(diff: RegistryDiff, context: str, spec: SubjectSpec) -> None:
    subject = qualify(context, spec.name)
    source = source_of(spec)
    assert spec.schema is not None
    live_versions = diff.live.contexts[context].versions.get(subject, [])
    latest = live_versions[-1] if live_versions else None
    desired = _Desired(spec.type, spec.schema, spec.references, spec.metadata, spec.rule_set)
    if _unchanged(diff, context, subject, spec, desired, latest):
        return
    wanted = _wanted(diff, context, subject, spec, desired)
    if wanted is None:
        return
    if latest is not None and _matches(diff, context, latest, wanted):
        return
    for older in live_versions[:-1]:
        if _matches(diff, context, older, wanted):
            diff.error(
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
    elif _identity(diff, context, latest)[0] == wanted.parsed.normalized:
        reason = "references, metadata or rules change"
    else:
        reason = f"schema differs from the latest version ({latest.version})"
    _register(diff, context, subject, spec, wanted, reason)


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


def _plan_history(diff: RegistryDiff, context: str, spec: SubjectSpec) -> None:
    subject = qualify(context, spec.name)
    source = source_of(spec)
    ctx = diff.live.contexts[context]
    live = {v.version: v for v in ctx.versions.get(subject, [])}
    soft_deleted = set(ctx.soft_deleted.get(subject, []))
    numbers: list[int] = []
    for entry in spec.versions or ():
        numbers.append(entry.version if entry.version is not None else (numbers or [0])[-1] + 1)
    unlisted = sorted(set(live) - set(numbers))
    if unlisted:
        diff.error(
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
            diff.error(
                subject,
                f"version {number} has id {version.id} in the registry, the "
                f"spec pins id {entry.id}; an id cannot be changed",
                source,
            )
            return
        desired = _Desired(
            entry.type_in(spec), entry.schema, entry.references, entry.metadata, entry.rule_set
        )
        if _unchanged(diff, context, subject, spec, desired, version):
            continue
        wanted = _wanted(diff, context, subject, spec, desired)
        if wanted is None:
            return
        if version is not None:
            if not _matches(diff, context, version, wanted):
                diff.error(
                    subject,
                    f"the registry's version {number} differs from the pinned "
                    "history; history is never rewritten",
                    source,
                )
                return
            continue
        if number in soft_deleted:
            diff.error(
                subject,
                f"version {number} is soft-deleted in the registry and cannot "
                "be registered again; delete it permanently first (delete: hard)",
                source,
            )
            return
        if entry.id is not None:
            holder = _live_ids(diff, context).get(entry.id) or diff.pinned_ids.get(
                (context, entry.id)
            )
            if holder is not None and holder[2] != wanted.identity:
                diff.error(
                    subject,
                    f"id {entry.id} is already used in context {context} by "
                    f"{holder[0]} version {holder[1]} with another schema; it cannot be "
                    "imported with this id",
                    source,
                )
                return
            if not diff.use_import_mode(context, subject, source):
                return
            diff.pinned_ids[(context, entry.id)] = (subject, number, wanted.identity)
            _register(
                diff,
                context,
                subject,
                spec,
                wanted,
                "pinned id and version (IMPORT)",
                pinned=(entry.id, number),
            )
            continue
        natural = max([*live, *soft_deleted, *diff.planned.get(subject, {})], default=0) + 1
        if entry.version is not None and number != natural:
            diff.error(
                subject,
                f"version {number} would be registered as version {natural}; "
                "pin its id as well to import it with its number",
                source,
            )
            return
        if not _register(
            diff, context, subject, spec, wanted, "next version of the pinned history"
        ):
            return


def _register(
    diff: RegistryDiff,
    context: str,
    subject: str,
    spec: SubjectSpec,
    wanted: _Wanted,
    reason: str,
    pinned: tuple[int, int] | None = None,
) -> bool:
    """Plan one registration after whatever the plan already registers in ``subject``."""
    source = source_of(spec)
    ctx = diff.live.contexts[context]
    live_versions = ctx.versions.get(subject, [])
    planned = diff.planned.setdefault(subject, {})
    earlier = [a for a in diff.registrations if a.target == subject]
    previous: list[tuple[int, ParsedSchema]] = []
    for version in live_versions:
        try:
            texts = diff.live_reference_texts(context, version)
            previous.append(
                (version.version, diff.cache.parse(version.schema_type, version.schema, texts))
            )
        except InvalidSchemaError:
            continue  # a version the registry accepted but we cannot read: not checked
    for action in earlier:
        number = int(action.after or 0)
        text, texts, schema_type = planned[number]
        previous.append((number, diff.cache.parse(schema_type, text, texts)))
    numbers = [v.version for v in live_versions] + [int(a.after or 0) for a in earlier]
    latest_number = max(numbers, default=None)
    latest_text = (
        earlier[-1].registration.schema
        if earlier
        else live_versions[-1].schema
        if live_versions
        else None
    )
    if pinned is not None:
        schema_id, new_version = pinned
        verdict = None  # a registry does not check compatibility for an IMPORT
    else:
        schema_id = None
        new_version = max([*numbers, *ctx.soft_deleted.get(subject, [])], default=0) + 1
        refused = invalid_defaults(wanted.parsed)
        if refused:
            diff.error(
                subject, f"the registry refuses to register this schema: {refused[0]}", source
            )
            return False
        verdict = _verdict(diff, context, subject, spec, wanted.parsed, previous)
        mode = diff.mode_at_write(context, subject)
        final, _ = diff.effective("mode", context, subject, desired=True)
        if mode in WRITE_BLOCKING_MODES or (mode == "IMPORT" and final != "IMPORT"):
            # An IMPORT the specs do not keep is lifted like a READONLY until it ends.
            if not diff.open_for_writes(context, subject, mode, source):
                return False
        elif mode != "READWRITE" and subject not in diff.importing:
            diff.error(
                subject,
                f"the subject is in {mode} mode when this registration runs, "
                "which refuses it; set its mode to READWRITE in the spec",
                source,
            )
            return False
    changes = _changes(previous, latest_number, wanted, earlier, live_versions)
    planned[new_version] = (wanted.text, wanted.reference_texts, wanted.parsed.schema_type)
    diff.registrations.append(
        Register(
            diff.registry.name,
            context,
            Scope.SUBJECT,
            subject,
            reason,
            before=str(latest_number) if latest_number else None,
            after=str(new_version),
            registration=Registration(
                schema_type=wanted.parsed.schema_type,
                schema=wanted.text,
                references=wanted.references,
                normalize=spec.normalize,
                previous_version=latest_number,
                previous_schema=latest_text,
                verdict=verdict,
                id=schema_id,
                version=new_version if pinned else None,
                metadata=wanted.metadata,
                rule_set=wanted.rule_set,
                changes=changes,
            ),
            source=source,
        )
    )
    return verdict is None or verdict.compatible


def _changes(
    previous: list[tuple[int, ParsedSchema]],
    latest_number: int | None,
    wanted: _Wanted,
    earlier: list[Register],
    live_versions: list[LiveVersion],
) -> tuple[Change, ...]:
    """What the registration changes from the subject's latest version (planned or live)."""
    if not previous or previous[-1][0] != latest_number:
        return ()  # no latest version, or one that does not parse
    latest = earlier[-1].registration.references if earlier else live_versions[-1].references
    before = {r.name: (r.subject, r.version) for r in latest}
    after = {r.name: (r.subject, r.version) for r in wanted.references}
    return tuple(schema_changes(previous[-1][1], wanted.parsed) + reference_changes(before, after))


def _verdict(
    diff: RegistryDiff,
    context: str,
    subject: str,
    spec: SubjectSpec,
    desired: ParsedSchema,
    previous: list[tuple[int, ParsedSchema]],
) -> Verdict:
    """Check offline under the level in force when the registration runs.

    When the level changes, the check under the new level decides whether the
    change goes first (compatible: it loosens or is neutral); failing that,
    the check under the old level lets the change go after (it tightens).
    Compatible under neither: the plan fails here, before anything is written.
    """
    pairs = [(n, p) for n, p in previous if p.schema_type == desired.schema_type]
    numbers = tuple(n for n, _ in pairs)
    schemas = [p for _, p in pairs]
    old_level, _ = diff.effective("compatibility", context, subject, desired=False)
    new_level, key = diff.effective("compatibility", context, subject, desired=True)

    def run(level: str) -> Verdict:
        result = check(desired.schema_type, desired, schemas, level)
        checked = versions_checked(level, numbers)
        messages = tuple(
            str(replace(m, version=numbers[m.version - 1]))
            if m.version is not None and 0 < m.version <= len(numbers)
            else str(m)
            for m in result.messages
        )
        return Verdict(level, result.compatible, () if level == "NONE" else checked, messages)

    new = run(new_level)
    placement: str | None = None
    verdict = new
    if key is not None and old_level != new_level:
        if new.compatible:
            placement = "pre"
        else:
            old = run(old_level)
            if old.compatible:
                placement, verdict = "post", old
    if key is not None and placement is not None:
        diff.config_placement.setdefault(key, set()).add(placement)
    if not verdict.compatible:
        details = "; ".join(verdict.messages) or "incompatible"
        versions = ", ".join(map(str, verdict.checked_versions))
        diff.error(
            subject,
            f"the new schema is not {verdict.level} compatible with "
            f"{noun(len(verdict.checked_versions), 'version')} {versions}: {details}",
            source_of(spec),
        )
    return verdict
