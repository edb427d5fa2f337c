"""One registration: planned after whatever the plan already registers in its subject
(``_register``), checked offline under the level in force when it runs (``_verdict``),
with what it changes from the latest version (``_changes``).

Separate from the choice of what to register (``_latest_and_history.py``): the checks,
the change list and the modes a registration meets are the same for a latest version
and for a version of a history.
"""

from __future__ import annotations

from reconciler._words import noun
from reconciler.confluent import WRITE_BLOCKING_MODES
from reconciler.spec.model import SubjectSpec

from . import checks
from ._registration_work import _Work
from ._version_matching import _Wanted
from .changes import Change, reference_changes
from .checks import SchemaText
from .comparison import source_of
from .plan import Register, Registration, Scope, Verdict
from .snapshot import LiveVersion


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
