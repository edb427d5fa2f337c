"""One spec file: from its validated raw model to a ``ContextSpec``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._document import Document, KeyPath
from ._errors import Collector
from ._files import Reads
from ._schemas import Resolver, schema_source
from .model import (
    DEFAULT_CONTEXT,
    DEFAULT_SCHEMA_BYTES,
    ContextSpec,
    Location,
    ReferenceSpec,
    SubjectSpec,
    VersionSpec,
)

if TYPE_CHECKING:  # pydantic's models, imported by the loads that validate spec files
    from ._raw import ReferenceRaw, SpecRaw, SubjectRaw, VersionRaw

_CONTEXT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# Use and SchemaUse live for one load (10,000 each at 10,000 subjects): plain slotted
# classes, a fifth of the cost of building frozen dataclasses.
@dataclass(slots=True)
class Use:
    """Where a schema is used: which registries, context and subject."""

    registries: tuple[str, ...]
    context: str
    subject: str


@dataclass(slots=True)
class SchemaUse:
    """One schema text to validate once all spec files are known (for references)."""

    target: Use
    schema_type: str
    text: str
    references: tuple[ReferenceSpec, ...]
    location: Location  # of the ``schema:`` value
    # A version pinning its id is registered under IMPORT mode, which does not
    # validate defaults; a version marked delete is not registered at all.
    pinned_id: int | None = None
    deleted: bool = False


# The context-level keys whose values must agree across files and with global config.
CONTEXT_KEYS = ("compatibility", "mode", "prune")


@dataclass
class LoadedSpec:
    """A spec file's spec and what the checks across files need of it: not its
    document, whose data and locations (~80 MB at 10,000 subjects x 5 versions)
    are then freed before the checks parse the schemas."""

    spec: ContextSpec
    # The ``CONTEXT_KEYS`` written in the file, with where (for conflict checks).
    explicit: dict[str, Location]
    schemas: list[SchemaUse] = field(default_factory=list)
    followed_links: bool = False  # a schema path went through a symlink (see Resolver)


class _SpecResolver:
    def __init__(
        self,
        doc: Document,
        root: Path,
        known_registries: set[str] | None,
        errors: Collector,
        schema_bytes: int,
        reads: Reads | None,
    ) -> None:
        self.doc = doc
        # One object for every schema of the file: the resolver's cache is keyed by it, and
        # ``Path.parent`` makes a new one (whose hash is computed again) each time.
        self.spec_dir = doc.path.parent
        self.reads = reads
        self.root = root
        self.schema_bytes = schema_bytes
        self.known = known_registries
        self.errors = errors
        self.schemas: list[SchemaUse] = []
        self.paths = Resolver()

    def error(self, at: KeyPath, message: str, *, on_key: bool = False) -> None:
        self.errors.error(self.doc.key_at(at) if on_key else self.doc.at(at), message)

    def targets(self, raw: SpecRaw) -> tuple[str, ...]:
        if raw.registry is not None and raw.registries is not None:
            self.error(("registries",), "give either registry or registries, not both", on_key=True)
        if raw.registries == []:
            self.error(("registries",), "registries: the list is empty")
        written: list[tuple[KeyPath, str]] = (
            [(("registry",), raw.registry)]
            if raw.registry is not None
            else [(("registries", i), name) for i, name in enumerate(raw.registries or [])]
        )
        if self.known is None:  # the project file is broken: nothing to check against
            return tuple(name for _, name in written)
        if not written:
            if len(self.known) == 1:
                return tuple(self.known)
            self.error(
                (),
                f"no registry given and the project has {len(self.known)}: "
                f"{', '.join(sorted(self.known))}; add 'registry: NAME'",
            )
            return ()
        names: list[str] = []
        for at, name in written:
            if name not in self.known:
                self.error(
                    at,
                    f"unknown registry {name!r}; the project file defines: "
                    f"{', '.join(sorted(self.known))}",
                )
            elif name in names:
                self.error(at, f"registry {name!r} is listed twice")
            else:
                names.append(name)
        return tuple(names)

    def context(self, value: str) -> str:
        if value == DEFAULT_CONTEXT:
            return value
        name = value.removeprefix(".")
        if not _CONTEXT_NAME.match(name):
            self.error(
                ("context",),
                f"invalid context name {value!r}: use letters, digits, '_', '.', '-'",
            )
        return "." + name

    def references(self, raws: list[ReferenceRaw], at: KeyPath) -> tuple[ReferenceSpec, ...]:
        result: list[ReferenceSpec] = []
        for i, ref in enumerate(raws):
            if any(r.name == ref.name for r in result):
                self.error((*at, i, "name"), f"reference name {ref.name!r} is listed twice")
            result.append(
                ReferenceSpec(ref.name, ref.subject, ref.version, self.doc.later((*at, i)))
            )
        return tuple(result)

    def schema(
        self,
        value: Any,
        schema_type: str,
        at: KeyPath,
        refs: tuple[ReferenceSpec, ...],
        ctx: Use,
        version: VersionRaw | None = None,
    ) -> tuple[str, Path | None] | None:
        location = self.doc.later(at)
        source = schema_source(
            value,
            schema_type,
            self.spec_dir,
            self.root,
            location,
            self.errors,
            self.paths,
            self.schema_bytes,
            self.reads,
        )
        if source is None:
            return None
        pinned_id, deleted = (version.id, version.delete is not None) if version else (None, False)
        self.schemas.append(
            SchemaUse(ctx, schema_type, source.text, refs, location, pinned_id, deleted)
        )
        return source.text, source.path

    def versions(
        self, raws: list[VersionRaw], schema_type: str, at: KeyPath, ctx: Use
    ) -> tuple[VersionSpec, ...]:
        result: list[VersionSpec] = []
        last_number, ids = 0, set()
        for i, raw in enumerate(raws):
            here = (*at, i)
            if raw.version is not None:
                if raw.version <= last_number:
                    self.error((*here, "version"), "version numbers must increase down the list")
                last_number = raw.version
            if raw.id is not None:
                if raw.id in ids:
                    self.error((*here, "id"), f"id {raw.id} is pinned twice in this subject")
                ids.add(raw.id)
            refs = self.references(raw.references, (*here, "references")) if raw.references else ()
            own_type = raw.type if raw.type is not None and raw.type != schema_type else None
            source = self.schema(
                raw.schema_, own_type or schema_type, (*here, "schema"), refs, ctx, raw
            )
            text, path = source or ("", None)
            metadata, rule_set = raw.metadata, raw.rule_set
            result.append(
                VersionSpec(  # by position: 50,000 of them at 10,000 subjects x 5 versions
                    text,
                    raw.version,
                    raw.id,
                    refs,
                    path,
                    self.doc.later(here),
                    None if metadata is None else _contract(metadata),
                    None if rule_set is None else _contract(rule_set),
                    raw.delete,
                    own_type,
                )
            )
        return tuple(result)

    def subject(self, name: str, raw: SubjectRaw, spec: SpecRaw, ctx: Use) -> SubjectSpec:
        at: KeyPath = ("subjects", name)
        if not name or name.startswith(":") or _CONTROL.search(name):
            self.error(
                at,
                f"invalid subject name {name!r}"
                + ("; write the context in 'context:'" if name.startswith(":") else ""),
                on_key=True,
            )
        has_schema, has_versions = raw.schema_ is not None, raw.versions is not None
        if has_schema and has_versions:
            self.error((*at, "versions"), "schema and versions are mutually exclusive", on_key=True)
        if raw.delete is not None:
            for key, given in (("schema", has_schema), ("versions", has_versions)):
                if given:
                    self.error((*at, key), f"a subject marked delete has no {key}", on_key=True)
            for pattern in spec.protected:
                if fnmatchcase(name, pattern):
                    self.error(
                        (*at, "delete"),
                        f"subject {name!r} matches protected pattern {pattern!r}: "
                        "it cannot be deleted",
                    )
        if not has_schema:
            given_keys = raw.model_fields_set
            for key in ("references", "metadata", "rule_set"):
                if key in given_keys:
                    hint = "give it on each version" if has_versions else "there is none"
                    self.error((*at, key), f"{key} applies to a schema: {hint}", on_key=True)
        refs = self.references(raw.references, (*at, "references")) if raw.references else ()
        text, path = None, None
        if has_schema:
            source = self.schema(raw.schema_, raw.type, (*at, "schema"), refs, ctx)
            if source is not None:
                text, path = source
        versions = (
            self.versions(raw.versions, raw.type, (*at, "versions"), ctx)  # type: ignore[arg-type]
            if has_versions
            else None
        )
        metadata, rule_set = raw.metadata, raw.rule_set
        return SubjectSpec(  # by position: 10,000 of them at 10,000 subjects
            name,
            raw.type,
            text,
            path,
            versions,
            refs,
            raw.compatibility,
            raw.mode,
            raw.normalize,
            raw.delete,
            self.doc.key_later(at),
            None if metadata is None else _contract(metadata),
            None if rule_set is None else _contract(rule_set),
        )


def _contract(value: Any) -> dict[str, Any] | None:
    return None if value is None else value.model_dump(exclude_none=True)


def resolve_spec(
    raw: SpecRaw,
    doc: Document,
    root: Path,
    known_registries: set[str] | None,
    errors: Collector,
    schema_bytes: int = DEFAULT_SCHEMA_BYTES,
    reads: Reads | None = None,
) -> LoadedSpec:
    """``reads``: where the bytes of the schema files read are kept (``_files``).
    ``raw.subjects`` is emptied: each subject's models are freed as its spec is made."""
    from ._raw import SubjectRaw

    resolver = _SpecResolver(doc, root, known_registries, errors, schema_bytes, reads)
    registries = resolver.targets(raw)
    context = resolver.context(raw.context)
    for i, pattern in enumerate(raw.protected):
        if not pattern:
            resolver.error(("protected", i), "protected: empty pattern")
    # Each subject's models are dropped once its spec is made (``raw.subjects`` emptied):
    # the models of a file (~40 MB at 10,000 subjects x 5 versions) and its specs are
    # then not all in memory at once.
    pending = list(raw.subjects.items())
    raw.subjects.clear()
    pending.reverse()
    subjects = {}
    while pending:
        name, subject = pending.pop()
        subjects[name] = resolver.subject(
            name, subject or SubjectRaw(), raw, Use(registries, context, name)
        )
    spec = ContextSpec(
        path=doc.path,
        registries=registries,
        context=context,
        compatibility=raw.compatibility,
        mode=raw.mode,
        prune=raw.prune,
        protected=tuple(raw.protected),
        subjects=subjects,
        location=doc.later(()),
    )
    written = raw.model_fields_set
    explicit = {key: doc.later((key,)) for key in CONTEXT_KEYS if key in written}
    return LoadedSpec(spec, explicit, resolver.schemas, resolver.paths.followed_links)
