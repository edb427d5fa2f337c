"""Make a plan: snapshot every registry the specs target, diff, order, check budgets."""

from __future__ import annotations

import asyncio
import hashlib
from collections import defaultdict
from dataclasses import replace
from enum import IntEnum
from functools import partial

from reconciler._gc import gc_paused
from reconciler.errors import ReconcilerError
from reconciler.registry import RegistryClient
from reconciler.spec.model import ContextSpec, Project, SubjectSpec

from .checks import results_cache
from .comparison import Comparison
from .contexts import context_of, normalize_context, qualify
from .contracts import contract_matches
from .diff import compare
from .journal import Interrupted
from .options import PlanOptions
from .plan import Action, Delete, Plan, Problem, RegistryState
from .remembered_diffs import RememberedDiffs, inputs_digest
from .remembered_listings import RememberedListings, compared_inputs
from .schemas import SchemaCache
from .snapshot import ContextState, LiveState, LiveVersion, read_subject_settings, snapshot
from .targets import select, unmatched


class UnknownRegistryError(ReconcilerError, ValueError):
    """A registry name given on the command line is not in the project file."""


def with_recovery(options: PlanOptions, interrupted: list[Interrupted]) -> PlanOptions:
    """Plan the restores of the temporary modes that interrupted applies may have left."""
    restores = {
        key: mode
        for item in interrupted
        if not item.running
        for key, mode in item.pending_restores.items()
    }
    return replace(options, recovered_modes={**restores, **options.recovered_modes})


def targeted_registries(project: Project, only: tuple[str, ...] = ()) -> list[str]:
    """Registries that specs (or global config in the project file) target."""
    names: list[str] = []
    for spec in project.specs:
        names += [n for n in spec.registries if n not in names]
    for name, config in project.registries.items():
        if (config.compatibility or config.mode) and name not in names:
            names.append(name)
    if only:
        unknown = [n for n in only if n not in project.registries]
        if unknown:
            raise UnknownRegistryError(
                f"unknown registry {', '.join(unknown)}; the project file names "
                f"{', '.join(project.registries) or 'none'}"
            )
        names = [n for n in names if n in only]
    return names


def specs_for(project: Project, registry: str) -> list[ContextSpec]:
    return [s for s in project.specs if registry in s.registries]


def managed_subjects(specs: list[ContextSpec]) -> dict[str, set[tuple[str, str]]]:
    """Normalized context -> the (subject, "compatibility" | "mode") settings read first.

    The compatibility levels a spec sets: the diff compares them; and the mode of
    every subject a spec lists (and does not delete): a mode is compared even
    where no spec sets one, as an IMPORT left behind is always a difference.
    A subject's other level matters only to a registration into it (the level
    it is checked under), so it is read when the diff asks.
    """
    managed: dict[str, set[tuple[str, str]]] = {}
    for spec in specs:
        context = normalize_context(spec.context)
        settings = managed.setdefault(context, set())  # every context a spec names is read
        for name, subject in spec.subjects.items():
            if subject.compatibility:
                settings.add((qualify(context, name), "compatibility"))
            if not subject.delete:
                settings.add((qualify(context, name), "mode"))
    return dict(managed) or {".": set()}


def _needs_deleted_listing(specs: list[ContextSpec]) -> set[str]:
    """Contexts where soft-deleted versions matter: hard deletes and pinned histories."""
    contexts = set()
    for spec in specs:
        for subject in spec.subjects.values():
            if subject.delete == "hard" or subject.versions:
                contexts.add(normalize_context(spec.context))
    return contexts


# Subjects compared between two turns of the event loop while the snapshot reads
# (``_compare_listed``): ~1-2 ms.
_COMPARED_PER_TURN = 250


async def _compare_listed(
    specs: list[ContextSpec],
    cache: SchemaCache,
    client: RegistryClient,
    read: set[tuple[str, str]],
    unchanged: set[str],
    listings: tuple[RememberedListings, str] | None,
    ctx: ContextState,
) -> None:
    """The diff's share that needs a context's listing alone, done while the snapshot's
    settings reads are in flight: whether each subject's latest live version is the
    document its spec holds (``SchemaCache.same_document``, which the diff then finds
    remembered: a no-change diff's costliest step). A slice of subjects at a time, the
    event loop turning between slices so that responses are not held up.

    A subject whose latest version is not its spec's will likely be registered into,
    under its own compatibility level, which the snapshot reads only where a spec sets
    it (``read``): read now, the diff finds it instead of asking for it, and the plan
    compares once instead of twice.

    A subject whose latest version is its spec's document, with the spec's contract
    and neither side referencing anything, is added to ``unchanged``: the diff takes
    it as it is (``Comparison.unchanged``) instead of comparing it again after the
    last answer (~0.2 s of the 100,000 subjects' ~0.45 s diff, on one core while the
    registry sits idle).

    ``listings`` (the remembered listings, and the registry's name): where the
    listing is the remembered one, specs whose inputs to this comparison are those it
    was last made with (``compared_inputs``: their digest) find its outcome as it was,
    and otherwise each subject whose own inputs are its own (10,000 subjects: ~70 ms
    of comparing documents; ~15 ms of hashing the inputs, ~35 ms when a spec changed)."""
    subjects = [
        (qualify(ctx.context, subject.name), subject)
        for spec in specs
        if normalize_context(spec.context) == ctx.context
        for subject in spec.subjects.values()
        # the subjects ``_latest_and_history._plan_latest`` compares
        if subject.schema is not None and not subject.delete and not subject.versions
    ]
    if listings is None:
        outcomes = await _outcomes(subjects, cache, ctx, None, {})
    else:
        kept, registry = listings
        # Hashed a subject at a time: the inputs hold every schema text (~70 MB at the
        # bench's 100,000 subjects), which joined and encoded would be held thrice.
        digest = hashlib.sha256()
        for name, subject in subjects:
            digest.update(compared_inputs(name, subject).encode())
        total = digest.digest()
        before = kept.compared(registry, ctx)
        if before is not None and before[0] == total:
            outcomes = before[1]
        else:
            earlier = {} if before is None else before[1]
            # Each subject's own digest only when the whole one differs: taking them in
            # the loop above would cost every unchanged plan ~6 ms at 10,000 subjects
            # (a hash object per subject), to save a changed one ~14 ms.
            each = [
                hashlib.sha256(compared_inputs(name, subject).encode()).digest()
                for name, subject in subjects
            ]
            outcomes = await _outcomes(subjects, cache, ctx, each, earlier)
            kept.keep_compared(registry, ctx, (total, outcomes))
        if before is not None:
            _known_same_documents(subjects, outcomes, cache, ctx)
    differing = []
    for subject, (_, outcome) in outcomes.items():
        if outcome == _Outcome.DIFFERS:
            differing.append((subject, "compatibility"))
        elif outcome == _Outcome.UNCHANGED:
            unchanged.add(subject)
    unread = [setting for setting in differing if setting not in read]
    if unread:
        await read_subject_settings(client, ctx, unread)


def _known_same_documents(
    subjects: list[tuple[str, SubjectSpec]],
    outcomes: dict[str, tuple[bytes, int]],
    cache: SchemaCache,
    ctx: ContextState,
) -> None:
    """What a remembered outcome says of a subject that references something (or whose
    contract is the diff's to compare): its latest version is its spec's document. The
    diff compares it again after the last answer (``_version_matching._unchanged``) and
    asks ``same_document`` first: the cache has the answer then, instead of a decode
    of each text (the 999 referrers of the bench's 10,000 subjects, ~5 ms of the
    tail). Only outcomes taken against the remembered listing (``before``) are
    remembered ones: the latest versions are those they were found with."""
    for qualified, subject in subjects:
        outcome = outcomes.get(qualified)
        versions = ctx.versions.get(qualified)
        if outcome is not None and outcome[1] == _Outcome.SAME_DOCUMENT and versions:
            assert subject.schema is not None
            cache.known_same(subject.type, versions[-1].schema, subject.schema)


async def _outcomes(
    subjects: list[tuple[str, SubjectSpec]],
    cache: SchemaCache,
    ctx: ContextState,
    digests: list[bytes] | None,
    earlier: dict[str, tuple[bytes, int]],
) -> dict[str, tuple[bytes, int]]:
    """Each listed subject's (digest of its inputs, ``_Outcome``): the ``earlier``
    one where its digest (``digests``, in ``subjects``' order) is the same; without
    ``digests``, no digest (``b""``). A slice of subjects at a time, the event loop
    turning between slices."""
    outcomes: dict[str, tuple[bytes, int]] = {}
    compared = 0
    for index, (qualified, subject) in enumerate(subjects):
        versions = ctx.versions.get(qualified)
        if not versions:
            continue
        digest = b"" if digests is None else digests[index]
        outcome = earlier.get(qualified)
        if outcome is None or outcome[0] != digest:
            outcome = (digest, int(_compared(cache, subject, versions[-1])))
            compared += 1
            if compared % _COMPARED_PER_TURN == 0:
                await asyncio.sleep(0)
        outcomes[qualified] = outcome
    return outcomes


class _Outcome(IntEnum):
    """What ``_compare_listed`` finds of a subject (remembered as its int)."""

    DIFFERS = 0  # its latest version is not its spec's document
    UNCHANGED = 1  # it is, with the spec's contract, and nothing referenced either side
    SAME_DOCUMENT = 2  # it is, but references or the contract are for the diff to compare


def _compared(cache: SchemaCache, subject: SubjectSpec, latest: LiveVersion) -> _Outcome:
    assert subject.schema is not None
    if latest.schema_type != subject.type or not cache.same_document(
        subject.type, latest.schema, subject.schema
    ):
        return _Outcome.DIFFERS
    if (
        not subject.references
        and not latest.references
        and contract_matches(subject.metadata, subject.rule_set, latest.metadata, latest.rule_set)
    ):
        return _Outcome.UNCHANGED
    return _Outcome.SAME_DOCUMENT


async def _plan_one(
    project: Project,
    name: str,
    client: RegistryClient,
    cache: SchemaCache,
    options: PlanOptions,
    listings: RememberedListings | None,
    diffs: RememberedDiffs | None = None,
) -> tuple[RegistryState, list[Action], list[Problem], LiveState]:
    config = project.registries[name]
    specs = specs_for(project, name)
    managed = managed_subjects(specs)
    recovered = {s: m for (r, s), m in options.recovered_modes.items() if r == name}
    for target in recovered:  # a subject, a context (":.ctx:") or the global level ("")
        if target.endswith(":") or not target:
            managed.setdefault(normalize_context(target.strip(":")), set())
        else:
            managed.setdefault(context_of(target), set()).add((target, "mode"))
    unchanged: set[str] = set()  # subjects _compare_listed found as their specs want them
    live = await snapshot(
        client,
        name,
        managed,
        _needs_deleted_listing(specs),
        partial(
            _compare_listed,
            specs,
            cache,
            client,
            set().union(*managed.values()),
            unchanged,
            None if listings is None else (listings, name),
        ),
        listings,
    )

    comparison = Comparison(
        config,
        tuple(specs),
        live,
        cache,
        allow_force_import=options.allow_force_import,
        recovered_modes=recovered,
        provisional=True,  # kept only when it needs no more reads
        unchanged=frozenset(unchanged),
    )
    fingerprint = live.fingerprint()
    inputs = None
    if diffs is not None and project.inputs is not None:
        inputs = inputs_digest(comparison, project.inputs, fingerprint)
    remembered = None if inputs is None or diffs is None else diffs.take(name, inputs)
    if remembered is not None:
        diff = remembered  # what comparing these very inputs found last time
    else:
        diff = compare(comparison)
        if inputs is not None and diffs is not None and not diff.unread:
            diffs.keep(name, inputs, diff)
    if diff.unread:
        # Settings the diff needed and the snapshot had not read: read, compare again.
        unread: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for context, subject, what in diff.unread:
            unread[context].append((subject, what))
        await asyncio.gather(
            *(read_subject_settings(client, live.contexts[c], s) for c, s in unread.items())
        )
        diff = compare(replace(comparison, provisional=False, unchanged=diff.unchanged))
        fingerprint = live.fingerprint()  # of the settings read since, too
    actions, problems = list(diff.actions), list(diff.problems)
    if config.readonly and actions:
        problems.append(
            Problem(
                "warning",
                name,
                "",
                f"registry {name} is readonly (project "
                "file): it differs from the specs, and apply will not write",
            )
        )
    state = RegistryState(
        name,
        client.display,
        fingerprint,
        config.readonly,
        tuple(sorted(managed)),
        client.answered if len(client.urls) > 1 else (),
    )
    return state, actions, problems, live


def _unknown_target(project: Project, registries: str, target: str) -> Problem:
    if target.startswith("."):
        named = sorted({s.context for s in project.specs} | {"."})
        what = f"no spec declares context {target!r} (the specs declare {', '.join(named)})"
    else:
        named = sorted({n for s in project.specs for n in s.subjects})
        shown = ", ".join(named[:10]) + (f" and {len(named) - 10} more" if len(named) > 10 else "")
        what = (
            f"no spec names subject {target!r}, and nothing in the registries is planned "
            f"for it (the specs name {shown or 'no subject'}); a context is written with its "
            "dot: '.billing'"
        )
    return Problem("error", registries, target, what)


async def make_plan(
    project: Project,
    clients: dict[str, RegistryClient],
    options: PlanOptions | None = None,
    held: list[object] | None = None,
) -> Plan:
    """The plan of every registry in ``clients``.

    ``held``: where the live states read are put instead of being freed once the plan
    is made, for a caller that holds them until its process ends without freeing its
    heap (``reconcile plan``: 50,000 live versions freed one object at a time cost
    ~15 ms after the last answer, at 10,000 x 5).
    """
    options = options or PlanOptions()
    cache = SchemaCache(results_cache(project.root) if options.remember_results else None)
    listings = RememberedListings(project.root) if options.remember_results else None
    diffs = RememberedDiffs(project.root) if options.remember_results else None
    # The live state (~50,000 versions, their decoded JSON) is built next to the
    # loaded project and kept until the plan is made: without the pause the
    # collector rescanned it five to six times (~0.6 s of a ~6 s plan).
    with gc_paused():
        results = await asyncio.gather(
            *(
                _plan_one(project, name, client, cache, options, listings, diffs)
                for name, client in clients.items()
            )
        )
    if cache.results is not None:
        cache.results.save()
    if listings is not None:
        listings.save()
    if diffs is not None:
        diffs.save()
    plan = Plan()
    for state, actions, problems, live in results:
        if held is not None:
            held.append(live)
        plan.registries.append(state)
        plan.actions += actions
        plan.problems += problems
    if options.targets:
        spec_subjects = {qualify(s.context, n) for s in project.specs for n in s.subjects}
        contexts = {s.context for s in project.specs}
        missing = unmatched(spec_subjects, contexts, plan, options.targets)
        plan = select(plan, options.targets)
        names = ", ".join(s.name for s in plan.registries)
        plan.problems += [_unknown_target(project, names, target) for target in missing]
    budget = project.max_deletes if options.max_deletes is None else options.max_deletes
    deletes = len(
        {(a.registry, a.target, a.version) for a in plan.actions if isinstance(a, Delete)}
    )
    if deletes > budget:
        plan.problems.append(
            Problem(
                "error",
                ", ".join(s.name for s in plan.registries),
                "",
                f"the plan deletes {deletes} subjects or versions, more than max_deletes "
                f"({budget}); check them, then raise the budget with --max-deletes {deletes}",
            )
        )
    return plan
