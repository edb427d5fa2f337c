"""Checks across spec files: duplicates, conflicting config, schema content.

Schema content is validated here rather than per file because a reference
needs the referenced subject's text, which may live in another spec file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from reconciler.compatibility import (
    InvalidSchemaError,
    ParsedSchema,
    invalid_defaults,
    parse,
    validate,
)
from reconciler.confluent import QualifiedSubject

from ._cache import ParseCache
from ._cache import entry as cache_entry
from ._errors import Collector, format_location
from ._files import decode
from ._specfile import LoadedSpec, SchemaUse
from .model import (
    DEFAULT_CONTEXT,
    Location,
    ReferenceSpec,
    RegistryConfig,
    SubjectSpec,
    VersionSpec,
)

SubjectKey = tuple[str, str, str]  # registry, context, subject


def _subject_index(loaded: list[LoadedSpec], errors: Collector) -> dict[SubjectKey, SubjectSpec]:
    """Every declared subject by (registry, context, name); a second declaration is an error."""
    index: dict[SubjectKey, SubjectSpec] = {}
    for item in loaded:
        spec = item.spec
        for subject in spec.subjects.values():
            for registry in spec.registries:
                key = (registry, spec.context, subject.name)
                first = index.setdefault(key, subject)
                if first is not subject and first.location and subject.location:
                    errors.error(
                        subject.location,
                        f"subject {subject.name!r} (registry {registry!r}, context "
                        f"{spec.context!r}) is already declared at "
                        f"{format_location(first.location)}",
                    )
                    break
    return index


def _context_settings(
    loaded: list[LoadedSpec], registries: Mapping[str, RegistryConfig] | None, errors: Collector
) -> None:
    """Context-level keys split over several files must agree, and with global config."""
    first: dict[tuple[str, str, str], tuple[object, Location]] = {}
    for item in loaded:
        spec = item.spec
        for key, location in item.explicit.items():
            value = getattr(spec, key)
            for registry in spec.registries:
                earlier = first.setdefault((registry, spec.context, key), (value, location))
                if earlier[0] != value:
                    errors.error(
                        location,
                        f"{key} {value} conflicts with {key} {earlier[0]} for context "
                        f"{spec.context!r} of registry {registry!r} at "
                        f"{format_location(earlier[1])}",
                    )
                    break
                config = registries.get(registry) if registries else None
                global_value = getattr(config, key, None)  # prune has no global counterpart
                if spec.context == DEFAULT_CONTEXT and global_value not in (None, value):
                    errors.error(
                        location,
                        f"{key} {value} conflicts with the global {key} {global_value} of "
                        f"registry {registry!r}: in the default context both are the global config",
                    )
                    break


def _target(context: str, subject: str) -> tuple[str, str]:
    """Context and name of a reference's subject (``:.ctx:name`` is qualified)."""
    if subject.startswith(":."):
        qualified = QualifiedSubject.parse(subject)
        return qualified.context, qualified.name
    return context, subject


def numbered(versions: tuple[VersionSpec, ...]) -> dict[int, VersionSpec]:
    """A pinned history by version number: an entry without ``version`` follows the
    previous one (the first is 1), as plan numbers them."""
    result: dict[int, VersionSpec] = {}
    number = 0
    for entry in versions:
        number = entry.version if entry.version is not None else number + 1
        result[number] = entry
    return result


def _version(
    subject: SubjectSpec, version: int | str
) -> tuple[str, tuple[ReferenceSpec, ...]] | None:
    """Text and references of a subject's version, when the specs determine it."""
    if subject.versions is not None:
        if version == "latest":
            kept = [v for v in subject.versions if v.delete is None]
            return (kept[-1].schema, kept[-1].references) if kept else None
        pinned = numbered(subject.versions).get(int(version))
        return None if pinned is None else (pinned.schema, pinned.references)
    if version == "latest" and subject.schema is not None:
        return subject.schema, subject.references
    return None  # an older version of a subject that pins only its latest


class _References:
    def __init__(self, index: dict[SubjectKey, SubjectSpec], errors: Collector) -> None:
        self.index = index
        self.errors = errors
        self.cycles: set[frozenset[SubjectKey]] = set()  # reported once, from any member

    def texts(
        self,
        registry: str,
        context: str,
        refs: tuple[ReferenceSpec, ...],
        chain: tuple[SubjectKey, ...],
    ) -> dict[str, str] | None:
        """Name -> text of every schema ``refs`` need, dependencies first; None if unknown."""
        result: dict[str, str] = {}
        for ref in refs:
            ref_context, name = _target(context, ref.subject)
            key = (registry, ref_context, name)
            subject = self.index.get(key)
            if subject is None:
                self.errors.warn(
                    ref.location,
                    f"reference {ref.name!r}: subject {ref.subject!r} is not in the specs of "
                    f"registry {registry!r}; assumed to exist there, so the referring schema's "
                    "content is not validated",
                )
                return None
            if subject.delete is not None:
                self.errors.error(
                    ref.location,
                    f"reference {ref.name!r}: subject {ref.subject!r} is marked delete",
                )
                return None
            if key in chain:
                members = frozenset(chain[chain.index(key) :])
                if members not in self.cycles:
                    self.cycles.add(members)
                    cycle = " -> ".join(k[2] for k in (*chain, key))
                    self.errors.error(ref.location, f"reference cycle: {cycle}")
                return None
            if (
                subject.versions is not None
                and ref.version != "latest"
                and int(ref.version) not in numbered(subject.versions)
            ):
                # Plan refuses it whatever the registry holds: a registry holding a
                # version the history does not list fails the plan too.
                listed = ", ".join(map(str, numbered(subject.versions)))
                self.errors.error(
                    ref.location,
                    f"reference {ref.name!r}: subject {ref.subject!r} has no version "
                    f"{ref.version} in its pinned history (versions {listed}), and a "
                    "registry would have to hold exactly those",
                )
                return None
            found = _version(subject, ref.version)
            if found is None:
                return None
            nested = self.texts(registry, ref_context, found[1], (*chain, key))
            if nested is None:
                return None
            result.update(nested)
            result[ref.name] = found[0]
        return result


ParseKey = tuple[str, str, tuple[tuple[str, str], ...]]  # type, text, references' texts


class _Schemas:
    """Every schema of one load parsed once, whatever the number of its uses.

    Besides parsing, the checks plan makes of a schema without a registry:
    the Avro defaults a registry refuses, and ids pinned to two schemas.
    """

    def __init__(
        self,
        references: _References,
        errors: Collector,
        plan_checks: bool,
        cache: ParseCache | None,
    ) -> None:
        self.references = references
        self.errors = errors
        self.plan_checks = plan_checks
        # Without plan checks a parse is only a verdict, which the cache may know.
        self.cache = None if plan_checks else cache
        # The schema, or why not; None: valid, its parse not kept (only a verdict was
        # needed, or the cache knew it).
        self.parsed: dict[ParseKey, ParsedSchema | str | None] = {}
        self.defaults: dict[ParseKey, list[str]] = {}
        # (registry, context, id) -> identity, subject, location of its first use
        self.ids: dict[tuple[str, str, int], tuple[object, str, Location]] = {}

    def check(self, use: SchemaUse) -> None:
        """Parse one schema, with its references' texts from the first registry that has
        them all.

        Every target registry is looked at so that each one missing a referenced
        subject gets its warning.
        """
        target = use.target
        texts: dict[str, str] | None = None
        if use.references:  # without, none to look up (90 % of an export's schemas)
            for registry in target.registries:
                chain = ((registry, target.context, target.subject),)
                found = self.references.texts(registry, target.context, use.references, chain)
                texts = texts if texts is not None else found
            if texts is None:
                return
        key = (use.schema_type, use.text, tuple(texts.items()) if texts else ())
        if key not in self.parsed:
            self.parsed[key] = self._parse(key)
        schema = self.parsed[key]
        if isinstance(schema, str):
            self.errors.error(use.location, f"subject {target.subject!r}: {schema}")
            return
        if schema is None or use.deleted or not self.plan_checks:
            return
        if use.pinned_id is None:
            if key not in self.defaults:
                self.defaults[key] = invalid_defaults(schema)
            if self.defaults[key]:
                self.errors.error(
                    use.location,
                    f"subject {target.subject!r}: the registry refuses to register this "
                    f"schema: {self.defaults[key][0]}",
                )
            return
        self._pinned_id(use, use.pinned_id, (schema.normalized, key[2]))

    def _parse(self, key: ParseKey) -> ParsedSchema | str | None:
        verdict = None if self.cache is None else cache_entry(*key)
        if verdict is not None and self.cache is not None and self.cache.known_valid(verdict):
            return None
        parsed = None
        try:
            if self.plan_checks:
                parsed = parse(key[0], key[1], dict(key[2]))
            else:  # only the verdict is used: nothing of the parse is kept
                validate(key[0], key[1], dict(key[2]))
        except InvalidSchemaError as exc:
            return str(exc)
        if verdict is not None and self.cache is not None:
            self.cache.add(verdict)
        return parsed

    def _pinned_id(self, use: SchemaUse, schema_id: int, identity: object) -> None:
        """One id names one schema in a context: plan refuses to import another under it."""
        target = use.target
        for registry in target.registries:
            first = self.ids.setdefault(
                (registry, target.context, schema_id), (identity, target.subject, use.location)
            )
            if first[0] != identity:
                self.errors.error(
                    use.location,
                    f"subject {target.subject!r}: id {schema_id} is also pinned by subject "
                    f"{first[1]!r} ({format_location(first[2])}) for another schema; one id "
                    "names one schema in a context",
                )
                return


def check_all(
    loaded: list[LoadedSpec],
    registries: Mapping[str, RegistryConfig] | None,
    errors: Collector,
    plan_checks: bool = False,
    cache: ParseCache | None = None,
) -> None:
    """``plan_checks``: also what plan would refuse to register whatever the registry
    holds (see ``load_project``). ``cache``: verdicts of earlier loads (``_cache``)."""
    index = _subject_index(loaded, errors)
    _context_settings(loaded, registries, errors)
    schemas = _Schemas(_References(index, errors), errors, plan_checks, cache)
    for item in loaded:
        for use in item.schemas:
            schemas.check(use)


def valid_entries(files: Iterable[tuple[str, bytes]]) -> list[str]:
    """The parse cache entries of those schema files (a schema type and the file's bytes,
    a schema without references) whose schemas are valid: the verdicts a load's
    checks would find for them, made ahead (export's ``ExportCheck``, in one process
    while another loads the project; ``load_project(known_valid=...)``)."""
    valid = []
    for schema_type, data in files:
        try:
            text = decode(data)
            validate(schema_type, text, {})
        except (InvalidSchemaError, UnicodeDecodeError):
            continue
        valid.append(cache_entry(schema_type, text, ()))
    return valid
