"""Evolution advice: what a proposed schema breaks, and a checked path to what is wanted.

For a proposed version of a subject, against the versions a registry holds:

- a verdict under every compatibility level, naming each version it breaks
  and why (the compatibility package's messages, with the registry's version
  numbers);
- under the subject's own level, when the proposal breaks it, suggestions,
  each with the concrete edit or steps: add defaults, make the new fields
  optional (Avro: a union with null first and default null; JSON Schema: not
  required; Protobuf: ``optional``), keep the fields a proposal drops (with a
  default), two registrations (an intermediate version, then the proposal as
  written), loosening the level for one registration (and what that costs
  consumers), and, when no edit works, a new subject with a migration plan.

Every suggestion is checked before it is offered: its schemas are parsed
(Avro defaults as a registry validates them) and the compatibility check is
run again, step by step, against the history plus the steps before it; an
edit that does not make the check pass is dropped. ``advise`` is pure (texts
in, advice out); ``evolve`` reads the history from a registry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from reconciler._words import noun
from reconciler.compatibility import (
    LEVELS,
    InvalidSchemaError,
    ParsedSchema,
    check,
    invalid_defaults,
    parse,
    rule,
)
from reconciler.engine import StoredVersion, qualify, reference_texts, versions_to_check
from reconciler.registry import RegistryClient
from reconciler.spec.model import Project, ReferenceSpec

from . import evolve_edits as edits

FORMAT_VERSION = 1

# The checks each level makes: (direction, every version?). A level is weaker
# than another when the other makes all its checks (a transitive check
# includes the latest-only one).
_CHECKS: dict[str, frozenset[tuple[str, bool]]] = {
    "NONE": frozenset(),
    "BACKWARD": frozenset({("BACKWARD", False)}),
    "BACKWARD_TRANSITIVE": frozenset({("BACKWARD", True)}),
    "FORWARD": frozenset({("FORWARD", False)}),
    "FORWARD_TRANSITIVE": frozenset({("FORWARD", True)}),
    "FULL": frozenset({("BACKWARD", False), ("FORWARD", False)}),
    "FULL_TRANSITIVE": frozenset({("BACKWARD", True), ("FORWARD", True)}),
}


@dataclass(frozen=True)
class Break:
    """One reason the proposal fails a level: the rule, where, and which version it breaks."""

    version: int | None
    rule: str
    location: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "rule": self.rule,
            "location": self.location,
            "message": self.message,
        }


@dataclass(frozen=True)
class Verdict:
    """The proposal under one level: compatible, or the versions it breaks and why."""

    level: str
    compatible: bool
    breaks: tuple[Break, ...] = ()

    @property
    def versions(self) -> list[int]:
        return sorted({b.version for b in self.breaks if b.version is not None})

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "compatible": self.compatible,
            "versions": self.versions,
            "breaks": [b.to_json() for b in self.breaks],
        }


@dataclass(frozen=True)
class Step:
    """One thing to do, in order: register a schema, or set the subject's level."""

    action: str  # "register" | "set-level"
    description: str
    subject: str
    schema: str | None = None
    level: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "description": self.description,
            "subject": self.subject,
            "schema": self.schema,
            "level": self.level,
        }


@dataclass(frozen=True)
class Suggestion:
    """A checked way forward: its edits (one line per change) and the steps to take."""

    kind: str
    summary: str
    edits: tuple[str, ...]
    steps: tuple[Step, ...]
    cost: str | None = None
    # The compatibility rule the edit answers and that rule's fix, as the rule catalogue
    # words it (reconciler/compatibility/_rules.py): one wording for every door.
    rule: str | None = None
    fix: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "summary": self.summary,
            "rule": self.rule,
            "fix": self.fix,
            "edits": list(self.edits),
            "steps": [s.to_json() for s in self.steps],
            "cost": self.cost,
            "checked": True,
        }


@dataclass(frozen=True)
class Advice:
    subject: str
    schema_type: str
    level: str
    versions: tuple[int, ...]
    compatible: bool
    verdicts: tuple[Verdict, ...]
    suggestions: tuple[Suggestion, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "subject": self.subject,
            "type": self.schema_type,
            "level": self.level,
            "versions": list(self.versions),
            "compatible": self.compatible,
            "verdicts": [v.to_json() for v in self.verdicts],
            "suggestions": [s.to_json() for s in self.suggestions],
        }


@dataclass(frozen=True)
class _Version:
    number: int
    parsed: ParsedSchema


class _Checker:
    """The proposal's history and level, and the checks suggestions must pass."""

    def __init__(self, schema_type: str, history: Sequence[_Version], level: str) -> None:
        self.schema_type = schema_type
        self.history = list(history)
        self.level = level

    def breaks(
        self, new: ParsedSchema, level: str, extra: Sequence[ParsedSchema] = ()
    ) -> list[Break]:
        previous = [v.parsed for v in self.history] + list(extra)
        numbers = [v.number for v in self.history]
        result = check(self.schema_type, new, previous, level)
        return [
            Break(
                numbers[m.version - 1] if m.version and m.version <= len(numbers) else None,
                m.rule,
                m.location,
                m.message,
            )
            for m in result.messages
        ]

    def passes(
        self, text: str, references: dict[str, str], before: Sequence[ParsedSchema] = ()
    ) -> ParsedSchema | None:
        """``text`` parsed, when a registry would accept it after the history and ``before``."""
        try:
            parsed = parse(self.schema_type, text, references)
        except InvalidSchemaError:
            return None
        if invalid_defaults(parsed):
            return None
        return None if self.breaks(parsed, self.level, before) else parsed


def _verdicts(checker: _Checker, proposal: ParsedSchema) -> tuple[Verdict, ...]:
    found = []
    for level in LEVELS:
        if level == "NONE":
            continue
        breaks = checker.breaks(proposal, level)
        found.append(Verdict(level, not breaks, tuple(breaks)))
    return tuple(found)


def _checked_versions(checker: _Checker) -> list[str]:
    versions = checker.history if checker.level.endswith("_TRANSITIVE") else checker.history[-1:]
    return [v.parsed.text for v in versions]


def _edits(checker: _Checker, proposal: ParsedSchema) -> list[tuple[str, str, edits.Edit]]:
    """(kind, summary, edit) of every single edit of the proposal worth checking."""
    kind = checker.schema_type
    earlier = _checked_versions(checker)
    found: list[tuple[str, str, edits.Edit | None]] = []
    if kind == "AVRO":
        new = edits.avro_new_fields(proposal.text, earlier)
        found += [
            (
                "add-default",
                "Give the new fields a default",
                edits.avro_add_defaults(proposal, new),
            ),
            (
                "make-optional",
                "Make the new fields optional",
                edits.avro_make_optional(proposal, new),
            ),
        ]
        if checker.history:
            latest = checker.history[-1].parsed.text
            dropped = edits.avro_removed_fields(proposal.text, latest)
            found.append(
                (
                    "keep-field",
                    "Keep the fields the proposal drops, with a default",
                    edits.avro_keep_fields(proposal, latest, dropped),
                )
            )
    elif kind == "JSON":
        new = edits.json_new_required(proposal.text, earlier)
        found += [
            (
                "add-default",
                "Give the new required properties a default",
                edits.json_add_defaults(proposal.text, new),
            ),
            (
                "make-optional",
                "Make the new properties optional",
                edits.json_not_required(proposal.text, new),
            ),
        ]
    elif kind == "PROTOBUF":
        new_required = edits.proto_new_required(proposal, [v.parsed for v in checker.history])
        found.append(
            (
                "make-optional",
                "Declare the new required fields optional",
                edits.proto_make_optional(proposal, new_required),
            )
        )
    return [(k, s, e) for k, s, e in found if e is not None]


# The rules each edit answers, by schema type and kind, most specific first: the
# suggestion quotes the fix of the first one the proposal breaks.
_ANSWERS: dict[tuple[str, str], tuple[str, ...]] = {
    **{
        ("AVRO", kind): ("READER_FIELD_MISSING_DEFAULT_VALUE",)
        for kind in ("add-default", "make-optional", "keep-field")
    },
    **{
        ("JSON", kind): (
            "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
            "REQUIRED_ATTRIBUTE_ADDED",
            "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
        )
        for kind in ("add-default", "make-optional")
    },
    ("PROTOBUF", "make-optional"): ("REQUIRED_FIELD_ADDED",),
}


def _answered(
    schema_type: str, kind: str, breaks: Sequence[Break]
) -> tuple[str | None, str | None]:
    """The rule (among those ``breaks`` name) an edit of ``kind`` answers, and its fix."""
    broken = {b.rule for b in breaks}
    for rule_id in _ANSWERS.get((schema_type, kind), ()):
        if rule_id in broken and rule(rule_id).fix:
            return rule_id, rule(rule_id).fix
    return None, None


def _intermediates(checker: _Checker, proposal: ParsedSchema) -> list[tuple[str, edits.Edit]]:
    """Edits of the latest version that may let the proposal follow it (Avro: defaults on
    the fields the proposal drops, so that readers of the intermediate need none of them)."""
    if checker.schema_type != "AVRO" or not checker.history:
        return []
    latest = checker.history[-1].parsed
    dropped = edits.avro_removed_fields(proposal.text, latest.text)
    edit = edits.avro_add_defaults(latest, dropped)
    return [(f"version {checker.history[-1].number} with defaults", edit)] if edit else []


def _wait_for(level: str) -> str:
    checks = {direction for direction, _every in _CHECKS[level]}
    conditions = []
    if "FORWARD" in checks:
        conditions.append("every consumer reads with the intermediate schema")
    if "BACKWARD" in checks:
        conditions.append(
            "no record written before the intermediate version is read any more (retention)"
        )
    return " and ".join(conditions)


def _two_steps(
    checker: _Checker,
    subject: str,
    proposal: ParsedSchema,
    candidates: list[tuple[str, edits.Edit]],
) -> list[Suggestion]:
    found: list[Suggestion] = []
    for origin, edit in candidates:
        intermediate = checker.passes(edit.text, dict(proposal.references))
        if intermediate is None or checker.breaks(proposal, checker.level, [intermediate]):
            continue
        found.append(
            Suggestion(
                "two-steps",
                "Register an intermediate version, then the proposal as written "
                f"(the intermediate: {origin})",
                edit.changes,
                (
                    Step("register", "Register the intermediate version", subject, edit.text),
                    Step(
                        "register",
                        f"Once {_wait_for(checker.level)}, register the proposal",
                        subject,
                        proposal.text,
                    ),
                ),
            )
        )
        break  # one path of two steps is enough
    return found


def _loosen(checker: _Checker, subject: str, proposal: ParsedSchema) -> list[Suggestion]:
    current = _CHECKS[checker.level]

    def implied(check_: tuple[str, bool]) -> bool:
        direction, every = check_
        return check_ in current or (not every and (direction, True) in current)

    weaker = [
        level
        for level, checks in _CHECKS.items()
        if level != checker.level and all(implied(c) for c in checks)
    ]
    weaker.sort(key=lambda lv: (-len(_CHECKS[lv]), not any(e for _d, e in _CHECKS[lv])))
    for level in weaker:
        if checker.breaks(proposal, level):
            continue
        return [
            Suggestion(
                "loosen-level",
                f"Set {subject}'s level to {level} for this one registration, "
                f"then back to {checker.level}",
                (f"{subject}: compatibility {checker.level} -> {level} -> {checker.level}",),
                (
                    Step("set-level", f"Set the level to {level}", subject, level=level),
                    Step("register", "Register the proposal", subject, proposal.text),
                    Step(
                        "set-level",
                        f"Set the level back to {checker.level}",
                        subject,
                        level=checker.level,
                    ),
                ),
                _cost(checker, proposal, level),
            )
        ]
    return []


def _cost(checker: _Checker, proposal: ParsedSchema, level: str) -> str:
    """What consumers lose when ``level`` lets through what the subject's level refuses."""
    sentences = []
    every = any(e for _d, e in _CHECKS[checker.level])
    for direction in ("BACKWARD", "FORWARD"):
        if not any(d == direction for d, _e in _CHECKS[checker.level]):
            continue
        strict = f"{direction}_TRANSITIVE" if every else direction
        versions = sorted({b.version for b in checker.breaks(proposal, strict) if b.version})
        if not versions:
            continue
        listed = f"{noun(len(versions), 'version')} {', '.join(str(v) for v in versions)}"
        if direction == "BACKWARD":
            sentences.append(
                f"consumers using the new schema cannot read records written with "
                f"{listed}: upgrade them only once those records are gone (or reprocess them)"
            )
        else:
            sentences.append(
                f"consumers still using {listed} cannot read records written with "
                "the new schema: upgrade every consumer before any producer writes it"
            )
    if every:
        sentences.append(
            f"back under {checker.level}, every later version must be compatible with both "
            "the new schema and the versions it breaks"
        )
    return "; ".join(sentences) + "."


def new_subject_name(subject: str) -> str:
    """``orders-value`` -> ``orders-v2-value``; any other name gets ``-v2``."""
    for suffix in ("-value", "-key"):
        if subject.endswith(suffix):
            return f"{subject.removesuffix(suffix)}-v2{suffix}"
    return f"{subject}-v2"


def _new_subject(checker: _Checker, subject: str, proposal: ParsedSchema) -> Suggestion | None:
    fresh = _Checker(checker.schema_type, [], checker.level)
    if fresh.passes(proposal.text, dict(proposal.references)) is None:
        return None
    name = new_subject_name(subject)
    return Suggestion(
        "new-subject",
        f"Start a new subject, {name}, and migrate to it",
        (f"{name}: a new subject whose first version is the proposal",),
        (
            Step(
                "register",
                f"Register the proposal as the first version of {name} "
                "(with TopicNameStrategy: on a new topic)",
                name,
                proposal.text,
            ),
            Step(
                "register",
                "Have producers write the new topic (both topics while "
                "consumers move), consumers read it; then stop writing the old one",
                name,
            ),
            Step("register", f"Once nothing reads {subject} any more, delete it", subject),
        ),
        "every consumer moves to the new subject (and topic); records stay on the old topic "
        "unless copied",
    )


def advise(
    subject: str,
    schema_type: str,
    proposal: ParsedSchema,
    history: Sequence[tuple[int, ParsedSchema]],
    level: str,
) -> Advice:
    """Advice for registering ``proposal`` after ``history`` (version number, schema),
    oldest first, under ``level``."""
    checker = _Checker(schema_type, [_Version(n, p) for n, p in history], level)
    verdicts = _verdicts(checker, proposal)
    own = checker.breaks(proposal, level)
    suggestions: list[Suggestion] = []
    if own:
        refs = dict(proposal.references)
        single = _edits(checker, proposal)
        for kind, summary, edit in single:
            edited = checker.passes(edit.text, refs)
            if edited is not None:
                step = Step("register", "Register the edited schema", subject, edit.text)
                answered, fix = _answered(schema_type, kind, own)
                suggestions.append(
                    Suggestion(kind, summary, edit.changes, (step,), rule=answered, fix=fix)
                )
        candidates = [(summary.lower(), edit) for _kind, summary, edit in single]
        suggestions += _two_steps(
            checker, subject, proposal, _intermediates(checker, proposal) + candidates
        )
        suggestions += _loosen(checker, subject, proposal)
        if not any(s.kind not in ("loosen-level",) for s in suggestions):
            fresh = _new_subject(checker, subject, proposal)
            if fresh is not None:
                suggestions.append(fresh)
    return Advice(
        subject,
        schema_type,
        level,
        tuple(n for n, _p in history),
        not own,
        verdicts,
        tuple(suggestions),
    )


async def registry_history(client: RegistryClient, subject: str) -> tuple[str, list[StoredVersion]]:
    """The subject's effective level and every version it holds, oldest first."""
    level, _latest = await versions_to_check(client, subject)
    _level, every = await versions_to_check(client, subject, "FULL_TRANSITIVE")
    return level, every


class EvolveError(Exception):
    """The registry's history cannot be compared with: another schema type, or a
    version that does not parse."""


async def evolve(
    client: RegistryClient,
    subject: str,
    schema_type: str | None,
    text: str,
    references: dict[str, str],
    level: str | None = None,
) -> Advice:
    """Advice for registering ``text`` in ``subject`` of the registry ``client`` reaches,
    under ``level`` (default: the subject's effective level). ``schema_type`` None: the
    type of the subject's latest version.

    Raises ``InvalidSchemaError`` when the proposal does not parse, and
    ``EvolveError`` when the history cannot be compared with.
    """
    own_level, stored = await registry_history(client, subject)
    if schema_type is None:
        if not stored:
            raise EvolveError(f"{subject} has no versions to tell the schema type from")
        schema_type = stored[-1].schema_type
    history = []
    for version in stored:
        if version.schema_type != schema_type:
            raise EvolveError(
                f"{subject} version {version.version} is {version.schema_type}, not {schema_type}"
            )
        try:
            parsed = parse(schema_type, version.schema, version.references)
        except InvalidSchemaError as exc:
            raise EvolveError(f"{subject} version {version.version}: {exc}") from exc
        history.append((version.version, parsed))
    proposal = parse(schema_type, text, references)
    return advise(subject, schema_type, proposal, history, level or own_level)


@dataclass(frozen=True)
class SpecProposal:
    """What the project's specs want a subject's latest version to be."""

    subject: str  # as the registry names it (qualified in a non-default context)
    context: str
    registries: tuple[str, ...]
    schema_type: str
    text: str
    references: tuple[ReferenceSpec, ...]
    level: str | None  # the level the specs set for the subject (or its context)
    source: str  # where the spec declares it


def spec_proposal(project: Project, subject: str, registry: str | None = None) -> SpecProposal:
    """The latest version the specs declare for ``subject`` (in ``registry``, when given).

    Raises ``LookupError`` naming what is missing or ambiguous.
    """
    found: list[SpecProposal] = []
    for spec in project.specs:
        if registry is not None and registry not in spec.registries:
            continue
        for name, wanted in spec.subjects.items():
            if qualify(spec.context, name) != subject or wanted.delete:
                continue
            latest = [v for v in wanted.versions or () if not v.delete]
            if latest:
                text, kind, refs = (
                    latest[-1].schema,
                    latest[-1].type_in(wanted),
                    latest[-1].references,
                )
            elif wanted.schema is not None:
                text, kind, refs = wanted.schema, wanted.type, wanted.references
            else:
                continue
            where = wanted.location or spec.location
            source = str(where) if where is not None else str(spec.path)
            found.append(
                SpecProposal(
                    subject,
                    spec.context,
                    spec.registries,
                    kind,
                    text,
                    refs,
                    wanted.compatibility or spec.compatibility,
                    source,
                )
            )
    if not found:
        scope = f" for registry {registry!r}" if registry else ""
        raise LookupError(f"no spec declares a schema for subject {subject!r}{scope}")
    if len(found) > 1:
        places = ", ".join(p.source for p in found)
        raise LookupError(f"several specs declare {subject!r} ({places}): name the registry")
    return found[0]


async def spec_references(
    client: RegistryClient, context: str, references: Sequence[ReferenceSpec]
) -> dict[str, str]:
    """Reference name -> schema text for a spec's references, as the registry holds them."""
    texts: dict[str, str] = {}
    for ref in references:
        stored = await client.get_version(qualify(context, ref.subject), ref.version)
        texts[ref.name] = stored.schema
        nested = await reference_texts(client, stored.references)
        texts.update({k: v for k, v in nested.items() if k not in texts})
    return texts
