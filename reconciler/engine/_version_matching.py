"""Which live version is the one a spec wants: a version as the spec writes it
(``_Desired``), parsed with its references resolved (``_wanted``, ``_Wanted``), and its
comparisons with live versions (``_unchanged`` without parsing, ``_matches`` and
``_identity`` on normalized forms, ``_live_ids`` for the ids a history pins).

Separate from the planning: these only answer "is it the same one", which the latest
and the history of a subject both ask.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import reconciler.compatibility
from reconciler.registry import Reference
from reconciler.spec.model import ReferenceSpec, SubjectSpec

from . import checks
from ._registration_work import _Work
from .checks import SchemaText
from .comparison import source_of
from .contracts import canonical_metadata, canonical_rule_set, contract_matches
from .schemas import SchemaCache
from .snapshot import LiveVersion

if TYPE_CHECKING:  # the compatibility package's modules: imported where a schema is parsed
    from reconciler.compatibility import ParsedSchema


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
