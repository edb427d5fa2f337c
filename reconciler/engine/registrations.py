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
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import reconciler.compatibility
from reconciler._words import noun
from reconciler.confluent import WRITE_BLOCKING_MODES
from reconciler.registry import Reference
from reconciler.spec.model import ContextSpec, ReferenceSpec, SubjectSpec

from . import checks
from .changes import Change, reference_changes
from .checks import SchemaText
from .comparison import Comparison, Found, Notes, Setting, source_of
from .config import (
    ConfigKey,
    ConfigPlan,
    Level,
    effective,
    global_mode,
    mode_at_write,
    restore_action,
)
from .contexts import context_prefix, normalize_context, qualify
from .contracts import canonical_metadata, canonical_rule_set, contract_matches
from .plan import Action, Register, Registration, Scope, SetMode, Verdict
from .schemas import SchemaCache
from .snapshot import LiveVersion

if TYPE_CHECKING:  # the compatibility package's modules: imported where a schema is parsed
    from reconciler.compatibility import ParsedSchema


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


class _Work:
    """The registration phase's working state: created by ``plan_registrations``, which
    returns it frozen as a ``RegistrationPlan``."""

    def __init__(self, comparison: Comparison, config: ConfigPlan) -> None:
        self.comparison = comparison
        self.config = config
        self.live = comparison.live
        self.cache = comparison.cache
        self.notes = Notes(comparison)
        self.registrations: list[Register] = []
        self.import_setup: list[Action] = []
        self.import_restore: list[Action] = []
        self.importing: dict[str, str] = {}  # subject -> the temporary mode it is wrapped in
        self.taken_over: set[str] = set()
        self.config_placement: dict[ConfigKey, set[str]] = {}
        # context -> {id: (subject, version, identity)} of its live versions, built lazily
        self.live_ids: dict[str, dict[int, tuple[str, int, tuple[object, ...]]]] = {}
        # (context, pinned id) -> (subject, version, identity) registered by this plan
        self.pinned_ids: dict[tuple[str, int], tuple[str, int, tuple[object, ...]]] = {}
        # qualified subject -> version -> (text, referenced texts, schema type) of the
        # registrations planned: references to versions the plan itself creates resolve here.
        self.planned: dict[str, dict[int, tuple[str, dict[str, str], str]]] = {}
        self.unchanged: set[str] = set()  # see ``RegistrationPlan.unchanged``

    def result(self, actions: list[Action]) -> RegistrationPlan:
        return RegistrationPlan(
            tuple(actions),
            tuple(self.registrations),
            tuple(self.import_setup),
            tuple(self.import_restore),
            dict(self.importing),
            frozenset(self.taken_over),
            {key: frozenset(where) for key, where in self.config_placement.items()},
            frozenset(self.unchanged),
            problems=tuple(self.notes.problems),
            unread=frozenset(self.notes.unread),
        )

    def error(self, target: str, message: str, source: str | None = None) -> None:
        self.notes.error(target, message, source)

    def dropped(self) -> bool:
        """Whether this comparison's result will be dropped: a provisional one that has
        found settings to read (see ``Comparison.provisional``)."""
        return self.comparison.provisional and bool(self.notes.unread or self.config.unread)

    def effective(self, what: Setting, context: str, subject: str, *, desired: bool) -> Level:
        """The level or mode in force for ``subject`` (see ``config.effective``)."""
        return effective(
            self.comparison,
            self.config,
            self.notes,
            what,
            context,
            subject,
            desired=desired,
            taken_over=self.taken_over,
        )

    def mode_at_write(self, context: str, subject: str) -> str:
        return mode_at_write(
            self.comparison, self.config, self.notes, context, subject, self.taken_over
        )

    def live_reference_texts(self, context: str, version: LiveVersion) -> dict[str, str]:
        return self.comparison.live_reference_texts(context, version)

    def use_import_mode(self, context: str, subject: str, source: str | None) -> bool:
        """Wrap ``subject``'s registrations in a temporary subject-level IMPORT mode.

        The restore action sets the mode the spec wants, or the one the subject
        had (before an interrupted apply, if one left it in IMPORT), or removes
        the subject-level mode when it had none (or an IMPORT no spec asks for);
        it runs even when a registration fails.
        """
        if subject in self.importing:
            return True
        ctx = self.live.contexts[context]
        live_mode = self.notes.setting(ctx, "mode", subject)
        non_empty = bool(ctx.versions.get(subject)) or bool(ctx.soft_deleted.get(subject))
        if non_empty and live_mode != "IMPORT" and not self.comparison.allow_force_import:
            self.error(
                subject,
                "registering pinned ids into a subject that already has versions needs "
                "IMPORT mode with force; re-run with --force-import if the ids are free",
                source,
            )
            return False
        # A subject already in IMPORT has its end planned (config's ``_leftover_imports``).
        self._switch_temporarily(
            context,
            subject,
            live_mode,
            "IMPORT",
            "temporary IMPORT mode for registrations with pinned ids",
            "end of the temporary IMPORT mode",
            source,
            force=non_empty,
        )
        return True

    def _switch_temporarily(
        self,
        context: str,
        subject: str,
        before: str | None,
        mode: str,
        reason: str,
        restore_reason: str,
        source: str | None,
        force: bool = False,
    ) -> None:
        """Set ``subject``'s own mode to ``mode`` before its registrations, restore it after.

        The restore sets the mode the spec wants for the subject (its planned mode
        change is taken over), else ``before``; it removes the subject-level mode
        when that is None. No setup when the subject already has ``mode``; no
        restore when it is to end in ``mode`` too. ``restore_reason`` may name
        the mode restored as ``{restore_to}``.
        """
        wanted = None if subject in self.taken_over else self.config.actions.get(("mode", subject))
        self.taken_over.add(subject)
        restore_to = wanted.after if wanted is not None else before
        restore_reason = restore_reason.format(restore_to=restore_to or "the inherited mode")
        self.importing[subject] = mode
        registry = self.comparison.registry.name
        if before != mode:
            self.import_setup.append(
                SetMode(
                    registry,
                    context,
                    Scope.SUBJECT,
                    subject,
                    reason,
                    before,
                    mode,
                    source=source,
                    force=force,
                )
            )
        if restore_to != mode:
            self.import_restore.append(
                restore_action(registry, context, subject, restore_to, restore_reason, source, mode)
            )

    def open_for_writes(self, context: str, subject: str, mode: str, source: str | None) -> bool:
        """Registrations into a subject whose ``mode`` refuses them: a temporary READWRITE.

        Set at subject level before the registrations and restored after them
        (to the spec's mode, the subject's own, or the inherited one), like
        IMPORT. A global READONLY_OVERRIDE cannot be lifted for one subject:
        that is a plan error.
        """
        if subject in self.importing:
            return True
        ctx = self.live.contexts[context]
        own = self.notes.setting(ctx, "mode", subject)
        # A global READONLY_OVERRIDE overrides a subject's own mode (see modes.py); a
        # context's is a READONLY like any other, which the subject's own mode lifts.
        if global_mode(self.comparison, self.config, desired=True).value == "READONLY_OVERRIDE":
            self.error(
                subject,
                "the global mode READONLY_OVERRIDE refuses registrations and cannot be "
                "lifted for one subject; change that mode in the spec first",
                source,
            )
            return False
        self._switch_temporarily(
            context,
            subject,
            own,
            "READWRITE",
            f"temporary READWRITE: {mode} refuses registrations",
            "back to {restore_to} after the registrations",
            source,
        )
        self.notes.warning(
            subject,
            f"the subject is {mode}: it is switched to READWRITE for its "
            "registrations and back after them",
            source,
        )
        return True

    def resolve_references(
        self, context: str, refs: Iterable[ReferenceSpec], owner: str, spec: SubjectSpec
    ) -> tuple[tuple[Reference, ...], dict[str, str]] | None:
        """Reference specs -> (pinned references, name -> referenced schema text); references
        to versions this plan registers resolve to the planned texts. ``spec`` is named
        (``source_of``) only in an error: the 1,000 referrers of a 10,000-subject plan
        are resolved on every plan."""
        ctx = self.live.contexts[context]
        resolved: list[Reference] = []
        texts: dict[str, str] = {}
        for ref in refs:
            subject = qualify(context, ref.subject)
            planned = self.planned.get(subject, {})
            live_versions = {v.version: v.schema for v in ctx.versions.get(subject, [])}
            known = {**live_versions, **{n: t for n, (t, _, _) in planned.items()}}
            if not known:
                self.error(
                    owner,
                    f"reference {ref.name} points to subject {ref.subject}, "
                    "which neither the specs nor the registry have",
                    source_of(spec),
                )
                return None
            version = max(known) if ref.version == "latest" else ref.version
            if version not in known:
                self.error(
                    owner,
                    f"reference {ref.name} points to {ref.subject} version "
                    f"{version}, which neither the specs nor the registry have",
                    source_of(spec),
                )
                return None
            resolved.append(Reference(ref.name, ref.subject, version))
            # the referenced version's own references too (a chain), as Confluent
            # resolves them: the referenced schema does not parse without them
            if version in planned:
                nested = planned[version][1]
            else:
                live = next(v for v in ctx.versions[subject] if v.version == version)
                nested = self.live_reference_texts(context, live)
            for name, text in nested.items():
                texts.setdefault(name, text)
            texts[ref.name] = known[version]
        return tuple(resolved), texts


@dataclass(frozen=True)
class _Wanted:
    """One desired version of a subject, known to parse, with its references resolved."""

    schema: SchemaText
    references: tuple[Reference, ...]
    metadata: dict[str, Any] | None
    rule_set: dict[str, Any] | None
    cache: SchemaCache = field(compare=False, repr=False)

    @property
    def text(self) -> str:
        return self.schema.text

    @property
    def parsed(self) -> ParsedSchema:
        """Parsed on first use (from the plan's cache after that): a registration whose
        checks and changes are remembered (``checks.py``) needs no parse."""
        return self.cache.parse(*self.schema)

    @property
    def identity(self) -> tuple[object, ...]:
        """What an IMPORT compares: the schema, its references and its exact contract."""
        return (
            self.parsed.normalized,
            self.references,
            canonical_metadata(self.metadata),
            canonical_rule_set(self.rule_set),
        )


def _identity(work: _Work, context: str, version: LiveVersion) -> tuple[object, ...]:
    texts = work.live_reference_texts(context, version)
    normalized = work.cache.identity(version.schema_type, version.schema, texts)
    return (
        normalized,
        version.references,
        canonical_metadata(version.metadata),
        canonical_rule_set(version.rule_set),
    )


def _live_ids(work: _Work, context: str) -> dict[int, tuple[str, int, tuple[object, ...]]]:
    """id -> (subject, version, identity) of every live version of a context.

    Built once per context and only when a pinned id must be checked: rebuilt for
    every pinned history, it made planning quadratic in the context's versions.
    """
    ids = work.live_ids.get(context)
    if ids is None:
        ids = work.live_ids[context] = {
            v.id: (v.subject, v.version, _identity(work, context, v))
            for versions in work.live.contexts[context].versions.values()
            for v in versions
        }
    return ids


def _matches(work: _Work, context: str, version: LiveVersion, wanted: _Wanted) -> bool:
    """Whether a live version is the desired one: same schema and references, and a
    contract that satisfies the spec's (a contract the spec leaves out is inherited)."""
    if version.schema_type != wanted.schema.schema_type:
        return False
    if not work.cache.may_be_same(version.schema_type, version.schema, wanted.text):
        return False
    return _identity(work, context, version)[:2] == wanted.identity[:2] and contract_matches(
        wanted.metadata, wanted.rule_set, version.metadata, version.rule_set
    )


class _Desired(NamedTuple):
    """One version as a spec writes it (``schema:`` or an entry of ``versions:``); a
    named tuple, made for each of the subjects every plan compares."""

    schema_type: str
    text: str
    refs: tuple[ReferenceSpec, ...]
    metadata: Any
    rule_set: Any


def _wanted(
    work: _Work, context: str, subject: str, spec: SubjectSpec, desired: _Desired
) -> _Wanted | None:
    """``desired`` parsed, with its references resolved; None (and a plan error) when
    it cannot be."""
    source = source_of(spec)
    schema_type, text = desired.schema_type, desired.text
    resolved = work.resolve_references(context, desired.refs, subject, spec)
    if resolved is None:
        return None
    references, texts = resolved
    schema = SchemaText(schema_type, text, texts)
    try:
        checks.ensure_parses(work.cache, schema)
    except reconciler.compatibility.InvalidSchemaError as exc:
        work.error(subject, f"invalid {schema_type} schema: {exc}", source)
        return None
    return _Wanted(
        schema,
        references,
        None if desired.metadata is None else dict(desired.metadata),
        None if desired.rule_set is None else dict(desired.rule_set),
        work.cache,
    )


def _unchanged(
    work: _Work,
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
        or not work.cache.same_document(desired.schema_type, live.schema, desired.text)
    ):
        return False
    if not contract_matches(desired.metadata, desired.rule_set, live.metadata, live.rule_set):
        return False
    if not desired.refs and not live.references:
        return True
    resolved = work.resolve_references(context, desired.refs, subject, spec)
    return resolved is not None and resolved[0] == live.references


_NO_REFERENCES: frozenset[str] = frozenset()


def _order(work: _Work) -> list[tuple[str, str, SubjectSpec]]:
    """(context, qualified subject, spec) of every subject with a desired schema,
    referenced ones first.

    A subject the comparison took as it is (``Comparison.unchanged``) that references
    nothing and that nothing references is not ordered: it is added to
    ``work.unchanged`` here. With no predecessor and no follower it changed nothing of
    the others' order, and it registers nothing (~9,000 of the bench's 10,000
    subjects: ~5 ms of a no-change plan's tail, graphing and ordering them)."""
    known = work.comparison.unchanged
    referenced = _referenced(work.comparison.specs) if known else set()
    by_name: dict[str, tuple[str, str, SubjectSpec]] = {}
    graph: dict[str, Set[str]] = {}
    for spec in work.comparison.specs:
        context = normalize_context(spec.context)
        for subject_spec in spec.subjects.values():
            if subject_spec.delete or (subject_spec.schema is None and not subject_spec.versions):
                continue
            subject = qualify(context, subject_spec.name)
            if (
                subject in known
                and subject not in referenced
                and not subject_spec.references
                and not subject_spec.versions
            ):
                work.unchanged.add(subject)
                continue
            by_name[subject] = (context, subject, subject_spec)
            refs = list(subject_spec.references)
            for version in subject_spec.versions or ():
                refs += version.references
            # Most subjects reference nothing: one empty set for them all (100,000 at scale).
            graph[subject] = {qualify(context, r.subject) for r in refs} if refs else _NO_REFERENCES
    try:
        order = _static_order(graph)
    except graphlib.CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        work.error(cycle, f"schema references form a cycle: {cycle}")
        return []
    return [by_name[s] for s in order if s in by_name]


def _referenced(specs: Iterable[ContextSpec]) -> set[str]:
    """The qualified subjects some subject or version of ``specs`` references."""
    referenced: set[str] = set()
    for spec in specs:
        context = normalize_context(spec.context)
        for subject_spec in spec.subjects.values():
            refs = subject_spec.references
            if subject_spec.versions:
                refs = (*refs, *(r for v in subject_spec.versions for r in v.references))
            if refs:
                referenced.update(qualify(context, r.subject) for r in refs)
    return referenced


def _static_order(graph: Mapping[str, Iterable[str]]) -> list[str]:
    """``graphlib.TopologicalSorter(graph).static_order()``, in the same order.

    graphlib keeps an object per node and searches the whole graph for a cycle
    before it starts (~25 ms of a 10,000-subject diff, most of whose subjects
    reference nothing); here the order is worked out on plain dicts, and graphlib
    runs only when some nodes are never ready, to name the cycle as it does.
    """
    waiting: dict[str, int] = {}  # node -> predecessors not yet ordered
    followers: dict[str, list[str]] = {}  # only for nodes that have some
    for node, predecessors in graph.items():  # nodes in graphlib's order of discovery
        if node not in waiting:
            waiting[node] = 0
        for predecessor in predecessors:
            waiting[node] += 1
            if predecessor not in waiting:
                waiting[predecessor] = 0
            followers.setdefault(predecessor, []).append(node)
    ready = [node for node, count in waiting.items() if count == 0]
    order: list[str] = []
    while ready:
        order += ready
        after: list[str] = []
        for node in ready:
            for follower in followers.get(node, ()):
                waiting[follower] -= 1
                if waiting[follower] == 0:
                    after.append(follower)
        ready = after
    if len(order) < len(waiting):
        graphlib.TopologicalSorter(graph).prepare()  # raises CycleError, naming a cycle
        raise AssertionError("nodes never ready, and graphlib finds no cycle")
    return order


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
    return work.result(_end_import_before_tails(work, tails))


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


def _register(
    work: _Work,
    context: str,
    subject: str,
    spec: SubjectSpec,
    wanted: _Wanted,
    reason: str,
    pinned: tuple[int, int] | None = None,
) -> bool:
    """Plan one registration after whatever the plan already registers in ``subject``."""
    source = source_of(spec)
    ctx = work.live.contexts[context]
    live_versions = ctx.versions.get(subject, [])
    planned = work.planned.setdefault(subject, {})
    earlier = [a for a in work.registrations if a.target == subject]
    # Texts only: what is parsed of them is up to the checks (``checks.py``).
    history = [
        (
            version.version,
            SchemaText(
                version.schema_type, version.schema, work.live_reference_texts(context, version)
            ),
        )
        for version in live_versions
    ]
    for action in earlier:
        number = int(action.after or 0)
        text, texts, schema_type = planned[number]
        history.append((number, SchemaText(schema_type, text, texts)))
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
        refused = checks.refused(work.cache, wanted.schema)
        if refused:
            work.error(
                subject, f"the registry refuses to register this schema: {refused[0]}", source
            )
            return False
        verdict = _verdict(work, context, subject, spec, wanted.schema, history)
        mode = work.mode_at_write(context, subject)
        final, _ = work.effective("mode", context, subject, desired=True)
        if mode in WRITE_BLOCKING_MODES or (mode == "IMPORT" and final != "IMPORT"):
            # An IMPORT the specs do not keep is lifted like a READONLY until it ends.
            if not work.open_for_writes(context, subject, mode, source):
                return False
        elif mode != "READWRITE" and subject not in work.importing:
            work.error(
                subject,
                f"the subject is in {mode} mode when this registration runs, "
                "which refuses it; set its mode to READWRITE in the spec",
                source,
            )
            return False
    changes = (
        ()
        if work.dropped()
        else _changes(work, history, latest_number, wanted, earlier, live_versions)
    )
    planned[new_version] = (wanted.text, wanted.schema.references, wanted.schema.schema_type)
    work.registrations.append(
        Register(
            work.comparison.registry.name,
            context,
            Scope.SUBJECT,
            subject,
            reason,
            before=str(latest_number) if latest_number else None,
            after=str(new_version),
            registration=Registration(
                schema_type=wanted.schema.schema_type,
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
    work: _Work,
    history: list[tuple[int, SchemaText]],
    latest_number: int | None,
    wanted: _Wanted,
    earlier: list[Register],
    live_versions: list[LiveVersion],
) -> tuple[Change, ...]:
    """What the registration changes from the subject's latest version (planned or live):
    none when there is none, or it does not parse (``checks.changes``)."""
    if not history or history[-1][0] != latest_number:
        return ()  # no latest version (a pinned history's import may come last)
    latest = earlier[-1].registration.references if earlier else live_versions[-1].references
    before = {r.name: (r.subject, r.version) for r in latest}
    after = {r.name: (r.subject, r.version) for r in wanted.references}
    found = checks.changes(work.cache, history[-1][1], wanted.schema)
    return found + tuple(reference_changes(before, after))


def _verdict(
    work: _Work,
    context: str,
    subject: str,
    spec: SubjectSpec,
    desired: SchemaText,
    history: list[tuple[int, SchemaText]],
) -> Verdict:
    """Check offline under the level in force when the registration runs.

    When the level changes, the check under the new level decides whether the
    change goes first (compatible: it loosens or is neutral); failing that,
    the check under the old level lets the change go after (it tightens).
    Compatible under neither: the plan fails here, before anything is written.
    """
    old_level, _ = work.effective("compatibility", context, subject, desired=False)
    new_level, key = work.effective("compatibility", context, subject, desired=True)
    if work.dropped():
        # Compatible, so that the registrations after it are planned as well and
        # name the settings they need too (a refused one would stop a history).
        return Verdict(new_level, True, (), ())

    def run(level: str) -> Verdict:
        return checks.verdict(work.cache, level, desired, history)

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
        work.config_placement.setdefault(key, set()).add(placement)
    if not verdict.compatible:
        details = "; ".join(verdict.messages) or "incompatible"
        versions = ", ".join(map(str, verdict.checked_versions))
        work.error(
            subject,
            f"the new schema is not {verdict.level} compatible with "
            f"{noun(len(verdict.checked_versions), 'version')} {versions}: {details}",
            source_of(spec),
        )
    return verdict
